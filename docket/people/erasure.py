"""Erasing a person: their data key destroyed, their names and personal fields blanked,
in the live record and in its history, leaving a tombstone that keeps the statistics.

What it reaches (docs/data-protection.md says it at length):

- the person's data key (`PersonKey`) is deleted, so every copy of their sealed values
  (contact details in the live row, in every history row, in every backup made
  before) can no longer be opened and reads "[erased]";
- their names are deleted, and so are the history rows of those names;
- their notes, birth place, birth date and contact details are blanked on the record
  and on every history row of it;
- on tracing requests that sought them, the name as the family gave it and the
  whereabouts staff found are blanked, on the request and in its history;
- open duplicate pairs naming them are dropped;
- persons merged into them are erased with them.

What it keeps: the record itself (a tombstone: its number, sex, nationality, status,
team, level, its links to cases, events, relationships and tracing requests), so that
every figure and report stays true; and one audit entry (who, when, the reason; never
a name). Free text elsewhere (an event's description, a letter, a case summary, a
message) that names the person is not searched or changed.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.audit.log import record
from docket.audit.models import Action
from docket.lib import datakeys
from docket.lib.services import require_deleter
from docket.people.merges import absorbed_into
from docket.people.models import Person, PersonKey, PersonName

# Blanked on the record and on every history row of it.
BLANKED = {"contact_details": "", "notes": "", "birth_place": "", "birth_date": None}


def may_erase(actor: Any, person: Person) -> bool:
    try:
        require_deleter(actor, person)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def erase_person(*, actor: Any, person: Person, reason: str) -> Person:
    """Erase `person` (a coordinator of the owning team, or an administrator who may see
    them), for `reason`; returns the tombstone. Irreversible."""
    require_deleter(actor, person)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this person is erased.")})
    person = Person._base_manager.select_for_update().get(pk=person.pk)
    if person.erased_at is not None:
        raise ValidationError(_("This person was already erased."))
    if person.merged_into_id is not None:
        raise ValidationError(
            _("This person was merged into another: erase the person kept, which erases both.")
        )
    if connection.vendor == "sqlite":
        # Freed pages are overwritten with zeros, so the deleted key leaves no copy in the file.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")
    persons = [person, *absorbed_into(person)]
    for each in persons:
        _erase_one(actor, each)
    record(
        Action.DELETE,
        actor=actor,
        target=person,
        # No name, and nothing else that would identify the person: the reason is the
        # writer's, and the page asks for one without names.
        detail={"erased": True, "reason": reason, "persons": [each.pk for each in persons]},
    )
    key_ids = [each.data_key for each in persons]
    datakeys.forget(key_ids)
    transaction.on_commit(lambda: datakeys.forget(key_ids))
    return person


def _erase_one(actor: Any, person: Person) -> None:
    from docket.linkage.models import CandidatePair, PairStatus
    from docket.tracing.services import forget_sought_person  # tracing builds on people

    PersonKey.objects.filter(key_id=person.data_key).delete()
    for name in PersonName.objects.filter(person=person):
        name._history_user = actor  # type: ignore[attr-defined]
        name.delete()
    PersonName.history.filter(person_id=person.pk).delete()

    for field, blank in BLANKED.items():
        setattr(person, field, blank)
    person.erased_at = timezone.now()
    person.version += 1
    person._history_user = actor  # type: ignore[attr-defined]
    person.save()
    Person.history.filter(id=person.pk).update(**BLANKED)

    forget_sought_person(actor=actor, person=person)

    CandidatePair.objects.filter(status=PairStatus.OPEN, person_a=person).delete()
    CandidatePair.objects.filter(status=PairStatus.OPEN, person_b=person).delete()


def finish_erasure_after_restore(erased_key_ids: set[str]) -> int:
    """After restoring a backup made before some erasures: erase again the persons whose
    data key the newest data-keys file lists as erased (docket.lib.backup). Their sealed
    values are unreadable already (the key is gone); this blanks their names and fields.
    Returns how many persons."""
    ids = sorted(erased_key_ids)
    count = 0
    for start in range(0, len(ids), 500):
        persons = Person._base_manager.filter(
            data_key__in=ids[start : start + 500], erased_at__isnull=True
        )
        for person in persons:
            _erase_one(None, person)
            record(
                Action.DELETE,
                target=person,
                actor_name="docket restore",
                detail={
                    "erased": True,
                    "reason": "erased after this backup was made; erased again on restore",
                    "persons": [person.pk],
                },
            )
            count += 1
    return count
