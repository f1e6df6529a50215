"""Saving without losing anyone's work: version checks and soft deletion.

A form carries the version it was opened on. `save_versioned` bumps the
version only if it is still that one, in the same transaction as the save, so
of two people editing one record the second is refused with `StaleEdit`
(which carries the record as it now is) instead of silently overwriting.
"""

from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from docket.audit.log import record
from docket.audit.models import Action
from docket.lib.records import Record


class StaleEdit(Exception):  # noqa: N818 - it names the situation, not an error kind
    def __init__(self, current: Record) -> None:
        super().__init__(f"{type(current).__name__} {current.pk} was changed by someone else.")
        self.current = current


def save_versioned(
    instance: Record, *, expected_version: int, actor: Any, fields: list[str]
) -> None:
    """Save `fields` of `instance` if nobody saved it since `expected_version`."""
    model = type(instance)
    with transaction.atomic():
        claimed = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if not claimed:
            raise StaleEdit(model._default_manager.get(pk=instance.pk))
        instance.version = expected_version + 1
        instance._history_user = actor  # type: ignore[attr-defined]
        instance.save(update_fields=[*fields, "version", "updated_at"])
        record(Action.CHANGE, actor=actor, target=instance, detail={"fields": sorted(fields)})


def soft_delete(instance: Record, *, actor: Any) -> None:
    instance.deleted_at = timezone.now()
    instance.deleted_by = actor
    instance._history_user = actor  # type: ignore[attr-defined]
    instance.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    record(Action.DELETE, actor=actor, target=instance)


def restore(instance: Record, *, actor: Any) -> None:
    instance.deleted_at = None
    instance.deleted_by = None
    instance._history_user = actor  # type: ignore[attr-defined]
    instance.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    record(Action.RESTORE, actor=actor, target=instance)
