"""Keep each copy's stored due date in step with its authority's reply rule, and the public
text of published letters in step with the persons whose names it leaves out."""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from docket.cases.models import Authority, Case
from docket.letters.models import refresh_due_dates
from docket.letters.redaction import mark_stale
from docket.people.models import Person, PersonName

RULE_FIELDS = frozenset({"response_days", "working_days", "country"})


@receiver(post_save, sender=Authority, dispatch_uid="letters_refresh_due_dates")
def authority_saved(sender: Any, instance: Authority, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or (update_fields is not None and not RULE_FIELDS & set(update_fields)):
        return
    refresh_due_dates(instance)


# A person made restricted, a name added or changed, a person added to a cited case: the
# public text of each published letter is computed again, by the rule, when next read
# (docket.letters.redaction.public_text). One small UPDATE; nothing is read here.
@receiver(post_save, sender=Person, dispatch_uid="letters_person_saved")
@receiver(post_delete, sender=Person, dispatch_uid="letters_person_deleted")
@receiver(post_save, sender=PersonName, dispatch_uid="letters_name_saved")
@receiver(post_delete, sender=PersonName, dispatch_uid="letters_name_deleted")
def names_changed(sender: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        mark_stale()


@receiver(m2m_changed, sender=Case.persons.through, dispatch_uid="letters_case_persons")
def case_persons_changed(sender: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear"):
        mark_stale()
