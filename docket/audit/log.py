"""Writing to and checking the audit log. The only code that adds entries."""

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from docket.audit.models import GENESIS, Action, AuditEntry

# Any constant works: it only has to be the same for every writer.
_CHAIN_LOCK = 7_420_115


def record(
    action: Action | str,
    *,
    actor: Any = None,
    target: Model | None = None,
    detail: dict[str, Any] | None = None,
    actor_name: str = "",
) -> AuditEntry:
    """Append one entry, chained to the one before it.

    Writers are serialised so two entries never claim the same predecessor:
    SQLite's IMMEDIATE transactions already hold the write lock, PostgreSQL
    takes a transaction-scoped advisory lock.
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry = AuditEntry(
            at=timezone.now(),
            actor=user,
            actor_name=actor_name or (user.get_username() if user else ""),
            action=str(action),
            object_type=target._meta.label_lower if target is not None else "",
            object_id=str(target.pk) if target is not None else "",
            detail=detail or {},
            previous_hash=last or GENESIS,
        )
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


@dataclass(frozen=True)
class Break:
    entry_id: int
    reason: str


def verify() -> tuple[int, Break | None]:
    """Walk the chain in order; the count of entries checked and the first break, if any."""
    expected_previous = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != expected_previous:
            return checked, Break(
                entry.pk,
                "it does not follow the entry before it (an entry was removed or inserted)",
            )
        if entry.compute_hash() != entry.hash:
            return checked, Break(
                entry.pk, "its content no longer matches its hash (it was changed)"
            )
        expected_previous = entry.hash
        checked += 1
    return checked, None


# Levels whose every reading is worth knowing about afterwards.
WATCHED_LEVELS = {"restricted", "secret"}


def record_view(user: Any, target: Model) -> None:
    """Log that `user` opened `target`, when its confidentiality is restricted or secret."""
    if getattr(target, "confidentiality", None) in WATCHED_LEVELS:
        record(Action.VIEW, actor=user, target=target)
