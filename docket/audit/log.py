"""Writing to and checking the audit log. The only code that adds entries."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
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


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def write_checkpoint() -> AuditEntry | None:
    """Note the latest entry's number and hash in a file outside the database.

    The chain alone cannot tell that its newest entries were cut off; a
    checkpoint can. The worker writes one every day; keep a copy of the file
    elsewhere (or the line `docket audit verify` prints) to close the gap
    since the last one.
    """
    latest = AuditEntry.objects.order_by("-id").first()
    if latest is None:
        return None
    path = checkpoint_path()
    with path.open("a", encoding="utf-8") as checkpoints:
        checkpoints.write(f"{timezone.now().isoformat()} {latest.pk} {latest.hash}\n")
    path.chmod(0o600)
    return latest


def read_checkpoints() -> list[tuple[str, int, str]]:
    """(when, entry number, hash) of each checkpoint written; none when there is no file."""
    try:
        lines = checkpoint_path().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    checkpoints = []
    for line in lines:
        when, entry_id, entry_hash = line.split()
        checkpoints.append((when, int(entry_id), entry_hash))
    return checkpoints


def verify(expected: list[tuple[str, int, str]] | None = None) -> tuple[int, Break | None]:
    """Walk the chain in order; the count of entries checked and the first break, if any.

    `expected` are checkpoints (default: those of the checkpoint file): each
    entry they name must still be there with the same hash, so entries cut off
    the end of the log are found too.
    """
    expected_previous = GENESIS
    checked = 0
    hashes: dict[int, str] = {}
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
        hashes[entry.pk] = entry.hash
        checked += 1
    for when, entry_id, entry_hash in read_checkpoints() if expected is None else expected:
        if hashes.get(entry_id) != entry_hash:
            return checked, Break(
                entry_id,
                f"it was recorded at the checkpoint of {when} and is no longer in the log "
                "(the end of the log was cut off or replaced)",
            )
    return checked, None


# Levels whose every reading is worth knowing about afterwards.
WATCHED_LEVELS = {"restricted", "secret"}


def record_view(user: Any, target: Model) -> None:
    """Log that `user` opened `target`, when its confidentiality is restricted or secret."""
    if getattr(target, "confidentiality", None) in WATCHED_LEVELS:
        record(Action.VIEW, actor=user, target=target)
