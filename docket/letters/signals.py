"""Keep each copy's stored due date in step with its authority's reply rule."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from docket.cases.models import Authority
from docket.letters.models import refresh_due_dates

RULE_FIELDS = frozenset({"response_days", "working_days", "country"})


@receiver(post_save, sender=Authority, dispatch_uid="letters_refresh_due_dates")
def authority_saved(sender: Any, instance: Authority, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if created or (update_fields is not None and not RULE_FIELDS & set(update_fields)):
        return
    refresh_due_dates(instance)
