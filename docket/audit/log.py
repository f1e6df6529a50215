"""Writing to and checking the audit log. The only code that adds entries."""

import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from docket.audit import chain as chains
from docket.audit.models import GENESIS, Action, AuditEntry
from docket.lib import crypto

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
    """Append one entry, keyed and chained to the one before it.

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
            chain=chains.KEYED,
            key_id=crypto.audit_key()[0],
        )
        entry.hash = entry.compute_hash()
        entry.save()
    return entry


@dataclass(frozen=True)
class Pending:
    """One entry to append with `record_many`: what `record` takes, the target by name."""

    action: str
    object_type: str = ""
    object_id: str = ""
    detail: dict[str, Any] | None = None

    @classmethod
    def of(
        cls, action: Action | str, target: Model | None, detail: dict[str, Any] | None = None
    ) -> "Pending":
        return cls(
            str(action),
            target._meta.label_lower if target is not None else "",
            str(target.pk) if target is not None else "",
            detail,
        )


# Entries inserted per statement by record_many.
MANY_BATCH = 500


def record_many(entries: list[Pending], *, actor: Any = None, actor_name: str = "") -> int:
    """Append many entries by one actor at once, each keyed and chained to the one before
    it exactly as `record` chains them (`docket audit verify` cannot tell them apart):
    the predecessor is read once, under the same serialisation, the key derived once,
    and the rows inserted in batches, in order. For a bulk writer (the importer). Returns
    how many were appended."""
    if not entries:
        return 0
    from docket.lib.bulk import insert

    user = actor if getattr(actor, "is_authenticated", False) else None
    name = actor_name or (user.get_username() if user else "")
    user_id = user.pk if user else None
    key_id, key = crypto.audit_key()
    rows: list[list[Any]] = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        previous = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        previous = previous or GENESIS
        at = timezone.now()
        when = at.isoformat()
        for pending in entries:
            detail = pending.detail or {}
            # What AuditEntry.content() gives for this entry, keyed as compute_hash keys it.
            content = {
                "at": when,
                "actor": user_id,
                "actor_name": name,
                "action": pending.action,
                "object_type": pending.object_type,
                "object_id": pending.object_id,
                "detail": detail,
                "previous_hash": previous,
            }
            digest = hmac.new(
                key, chains.canonical(chains.keyed_content(content, key_id)), hashlib.sha256
            ).hexdigest()
            rows.append(
                [
                    at,
                    user_id,
                    name,
                    pending.action,
                    pending.object_type,
                    pending.object_id,
                    detail,
                    previous,
                    digest,
                    chains.KEYED,
                    key_id,
                ]
            )
            previous = digest
        # In order, so ids follow the chain (verify walks entries by id).
        insert(
            AuditEntry,
            [
                "at",
                "actor_id",
                "actor_name",
                "action",
                "object_type",
                "object_id",
                "detail",
                "previous_hash",
                "hash",
                "chain",
                "key_id",
            ],
            rows,
        )
    return len(rows)


@dataclass(frozen=True)
class Break:
    entry_id: int
    reason: str


def checkpoint_path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


@dataclass(frozen=True)
class Checkpoint:
    when: str
    entry_id: int
    entry_hash: str
    # Why the line cannot be trusted (not sealed by the audit key); empty when it can.
    problem: str = ""


def write_checkpoint() -> AuditEntry | None:
    """Note the latest entry's number and keyed hash in a file outside the database.

    The chain alone cannot tell that its newest entries were cut off; a
    checkpoint can. Each line is sealed with the audit key over itself and the
    line before it, so the file cannot be rewritten, nor lines taken from its
    middle, without the keyring. The worker writes one every day; an anchor
    (`docket audit anchor`) kept off the machine closes what remains: someone
    holding the keyring, or cutting the newest lines of this file together
    with the newest entries.
    """
    latest = AuditEntry.objects.order_by("-id").first()
    if latest is None:
        return None
    path = checkpoint_path()
    previous_seal = ""
    for line in _lines():
        fields = line.split()
        if len(fields) == 5:
            previous_seal = fields[4]
    key_id, _ = crypto.audit_key()
    when = timezone.now().isoformat()
    seal = chains.checkpoint_seal(key_id, previous_seal, when, latest.pk, latest.hash)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "a", encoding="utf-8") as checkpoints:
        checkpoints.write(f"{when} {latest.pk} {latest.hash} {key_id} {seal}\n")
    path.chmod(0o600)
    return latest


def _lines() -> list[str]:
    try:
        return checkpoint_path().read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def read_checkpoints() -> list[Checkpoint]:
    """Each checkpoint written, with a problem named where its seal does not hold.

    Lines of three fields were written before checkpoints were sealed; they are
    taken as they are, but only before the first sealed line.
    """
    checkpoints = []
    previous_seal: str | None = None
    for number, line in enumerate(_lines(), start=1):
        fields = line.split()
        entry_id = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
        if len(fields) == 3 and entry_id and previous_seal is None:
            checkpoints.append(Checkpoint(fields[0], entry_id, fields[2]))
            continue
        if len(fields) != 5 or not entry_id:
            checkpoints.append(
                Checkpoint(
                    "?",
                    entry_id,
                    "",
                    f"line {number} of the checkpoint file is not a sealed checkpoint "
                    "(the checkpoint file was rewritten)",
                )
            )
            continue
        when, _, entry_hash, key_id, seal = fields
        try:
            expected = chains.checkpoint_seal(
                key_id, previous_seal or "", when, entry_id, entry_hash
            )
        except crypto.DecryptionError:
            expected = ""
        problem = ""
        if not expected or not hmac.compare_digest(expected, seal):
            problem = (
                f"the checkpoint of {when} that names it does not carry the audit key's seal "
                "(the checkpoint file was rewritten, or its key left the keyring)"
            )
        checkpoints.append(Checkpoint(when, entry_id, entry_hash, problem))
        previous_seal = seal
    return checkpoints


def verify(expected: list[tuple[str, int, str]] | None = None) -> tuple[int, Break | None]:
    """Walk the chain in order; the count of entries checked and the first break, if any.

    `expected` are (when, entry, hash) anchors (default: the checkpoint file):
    each entry they name must still be there with the same hash, so entries
    cut off the end of the log are found too.

    Entries written before the log was keyed are plain; the migration that
    keyed it appended a keyed entry after them, whose HMAC covers the hash of
    the last plain one and so all of them. A plain entry after a keyed one, or
    a log that ends in plain entries (the keyed ones rewritten as plain), was
    written without the key: a break.
    """
    expected_previous = GENESIS
    checked = 0
    hashes: dict[int, str] = {}
    keyed_seen = False
    plain_tail_start: int | None = None
    plain_tail_checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != expected_previous:
            return checked, Break(
                entry.pk,
                "it does not follow the entry before it (an entry was removed or inserted)",
            )
        if entry.chain == chains.PLAIN:
            if keyed_seen:
                return checked, Break(
                    entry.pk,
                    "it carries no audit key but follows keyed entries "
                    "(it was written or rewritten without the key)",
                )
            if plain_tail_start is None:
                plain_tail_start, plain_tail_checked = entry.pk, checked
        elif entry.chain == chains.KEYED:
            keyed_seen = True
            plain_tail_start = None
        else:
            return checked, Break(entry.pk, f"its chain version {entry.chain} is unknown")
        try:
            computed = entry.compute_hash()
        except crypto.DecryptionError:
            return checked, Break(
                entry.pk,
                f"it was keyed with key {entry.key_id!r}, which is no longer in the keyring, "
                "so it cannot be checked",
            )
        if not hmac.compare_digest(computed, entry.hash):
            return checked, Break(
                entry.pk, "its content no longer matches its hash (it was changed)"
            )
        expected_previous = entry.hash
        hashes[entry.pk] = entry.hash
        checked += 1
    if plain_tail_start is not None:
        return plain_tail_checked, Break(
            plain_tail_start,
            "the log ends in entries that carry no audit key from this one on "
            "(written or rewritten without the key after the log was keyed)",
        )
    if expected is None:
        anchors = read_checkpoints()
    else:
        anchors = [
            Checkpoint(when, entry_id, entry_hash) for when, entry_id, entry_hash in expected
        ]
    for anchor in anchors:
        if anchor.problem:
            return checked, Break(anchor.entry_id, anchor.problem)
        if hashes.get(anchor.entry_id) != anchor.entry_hash:
            return checked, Break(
                anchor.entry_id,
                f"it was recorded at the checkpoint of {anchor.when} and is no longer in the log "
                "(the end of the log was cut off or replaced)",
            )
    return checked, None


@dataclass(frozen=True)
class Anchor:
    entry_id: int
    entry_hash: str
    at: str

    @property
    def expect(self) -> str:
        return f"{self.entry_id}:{self.entry_hash}"

    def text(self) -> str:
        return (
            f"Docket audit log anchor, {self.at}\n"
            f"Head of the log: entry {self.entry_id}, keyed hash {self.entry_hash}\n\n"
            "Keep this message away from the Docket server. To check later that the log\n"
            "was not cut or rewritten up to this entry, run on the server:\n\n"
            f"    docket audit verify --expect {self.expect}\n"
        )


class BrokenLog(Exception):
    def __init__(self, checked: int, broken: Break) -> None:
        super().__init__(
            f"The audit log is broken at entry {broken.entry_id}: {broken.reason}. "
            f"The {checked} entries before it are intact."
        )
        self.broken = broken


def anchor(*, mailed_to: list[str] | None = None, actor_name: str = "") -> Anchor:
    """Check the log, append an entry saying an anchor was taken, and return that head.

    A broken log is refused (BrokenLog): an anchor vouches for what came before it.
    Someone who later holds the keyring can recompute the whole chain, but not
    make an entry match the hash kept off the machine without keeping it and
    everything before it as they were.
    """
    checked, broken = verify()
    if broken is not None:
        raise BrokenLog(checked, broken)
    entry = record(
        Action.ANCHOR,
        actor_name=actor_name,
        detail={"mailed_to": sorted(mailed_to or [])},
    )
    taken = Anchor(entry.pk, entry.hash, entry.at.isoformat(timespec="seconds"))
    if mailed_to:
        send_mail(
            f"Docket audit log anchor: entry {entry.pk}",
            taken.text(),
            None,
            mailed_to,
        )
    return taken


# Levels whose every reading is worth knowing about afterwards.
WATCHED_LEVELS = {"restricted", "secret"}
