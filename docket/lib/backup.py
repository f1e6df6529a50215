"""Encrypted backups: the whole data set in one file, and its restoration.

The archive is a tar stream (the database content as Django's portable JSON,
the evidence files as stored, the keyring that opens them, and a manifest of
SHA-256 sums), sealed as it is written in 1 MiB chunks of AES-256-GCM under a
key derived from a passphrase with scrypt. Nothing readable touches the disk;
a damaged, truncated, reordered or wrongly keyed archive fails authentication
and is refused before anything is restored.

The persons' data keys (docket.lib.datakeys) are *not* in the archive: an archive
kept for months must not keep the key of a person erased since. `write_data_keys`
writes them to a file of their own, sealed the same way (magic b"DKK1"), which the
operator replaces at each backup and never keeps generations of; a restore reads the
newest one (`restore_backup(..., data_keys=...)`). A person erased after the backup
has no key in it: their sealed values stay unreadable, and the restore finishes
their erasure (names and personal fields blanked) from the list of erased key ids
the file carries.

File layout: b"DKB1" + 16-byte salt + 8-byte nonce prefix, then chunks of
(4-byte length + ciphertext); each chunk's nonce is the prefix plus its number,
and its associated data marks whether it is the last, so truncation is caught.
"""

import hashlib
import io
import json
import os
import sqlite3
import struct
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from docket.lib import crypto, datakeys

MAGIC = b"DKB1"
KEYS_MAGIC = b"DKK1"
CHUNK = 1 << 20
FORMAT_VERSION = 1
# Not worth restoring: derived or short-lived.
EXCLUDED_MODELS = {
    "contenttypes.contenttype",
    "auth.permission",
    "sessions.session",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    # Kept apart, so that erasing a person reaches every archive (write_data_keys).
    "people.personkey",
}


class _ExactEncoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds: a restore must be exact,
    or the audit log's hashes, which cover the times, would no longer match."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


class BackupError(Exception):
    """A backup that cannot be made or restored; the message says why, in one sentence."""


def derive_key(passphrase: str, salt: bytes) -> bytes:
    if len(passphrase) < 12:
        raise BackupError("The backup passphrase must be at least 12 characters long.")
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(passphrase.encode())


class _SealingWriter(io.RawIOBase):
    def __init__(self, target: IO[bytes], passphrase: str, magic: bytes = MAGIC) -> None:
        self.target = target
        salt = os.urandom(16)
        self.prefix = os.urandom(8)
        self.cipher = AESGCM(derive_key(passphrase, salt))
        self.buffer = bytearray()
        self.number = 0
        target.write(magic + salt + self.prefix)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.buffer.extend(data)
        while len(self.buffer) > CHUNK:
            self._seal(bytes(self.buffer[:CHUNK]), last=False)
            del self.buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = self.prefix + struct.pack(">I", self.number)
        sealed = self.cipher.encrypt(nonce, plain, b"last" if last else b"more")
        self.target.write(struct.pack(">I", len(sealed)) + sealed)
        self.number += 1

    def finish(self) -> None:
        self._seal(bytes(self.buffer), last=True)
        self.buffer.clear()


class _OpeningReader(io.RawIOBase):
    def __init__(self, source: IO[bytes], passphrase: str, magic: bytes = MAGIC) -> None:
        self.source = source
        head = source.read(len(magic) + 24)
        if len(head) < len(magic) + 24 or not head.startswith(magic):
            if magic == KEYS_MAGIC:
                raise BackupError("This file is not a Docket data-keys file.")
            raise BackupError("This file is not a Docket backup.")
        self.cipher = AESGCM(derive_key(passphrase, head[4:20]))
        self.prefix = head[20:28]
        self.pending = b""
        self.number = 0
        self.ended = False

    def readable(self) -> bool:
        return True

    def _next_chunk(self) -> None:
        header = self.source.read(4)
        if len(header) < 4:
            raise BackupError("The backup is cut short: it ends before its last part.")
        (length,) = struct.unpack(">I", header)
        sealed = self.source.read(length)
        nonce = self.prefix + struct.pack(">I", self.number)
        for marker in (b"more", b"last"):
            try:
                self.pending = self.cipher.decrypt(nonce, sealed, marker)
            except InvalidTag:
                continue
            self.ended = marker == b"last"
            self.number += 1
            return
        raise BackupError(
            "The backup cannot be opened: the passphrase is wrong, or the file is damaged."
        )

    def readinto(self, target: Any) -> int:
        while not self.pending and not self.ended:
            self._next_chunk()
        size = min(len(target), len(self.pending))
        target[:size] = self.pending[:size]
        self.pending = self.pending[size:]
        return size


def _models() -> list[Any]:
    """Every model worth keeping, each after the models its natural keys point to."""
    by_app = [
        (config, [m for m in config.get_models() if m._meta.label_lower not in EXCLUDED_MODELS])
        for config in apps.get_app_configs()
    ]
    return list(serializers.sort_dependencies(by_app, allow_cycles=True))


def _add(archive: tarfile.TarFile, name: str, data: bytes, manifest: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))
    manifest[name] = hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Summary:
    records: int
    files: int
    # Persons whose sealed values cannot be opened after a restore: erased since the
    # backup (and their erasure finished), or with no key in the data-keys file given.
    erased: int = 0
    unreadable: int = 0


def create_private(path: Path) -> IO[bytes]:
    """A new file only its owner may read or write (0600, whatever the umask), for writing.

    The archive is encrypted, but its passphrase may be weak: nobody else on the
    machine gets to try it offline. Refuses a file that already exists.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "wb")


def write_backup_file[T](out: Path, write: Callable[[IO[bytes]], T], *, replace: bool = False) -> T:
    """Write one file of a backup (the archive, or the data-keys file) with `write`, through
    `out.partial`, renamed only once complete and on disk; returns what `write` returns.

    A `.partial` left by a backup that was killed is not a backup: it is replaced. A
    complete archive already at `out` is never overwritten; with `replace` (the data-keys
    file, whose newest copy must replace the older ones) it is, in one rename.
    """
    if out.exists() and not replace:
        raise BackupError(f"{out} already exists; choose a new file name.")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with create_private(partial) as target:
            result = write(target)
            target.flush()
            os.fsync(target.fileno())
        if replace:
            os.replace(partial, out)
        elif out.exists():
            raise BackupError(f"{out} appeared while the backup was written; it was kept.")
        else:
            partial.rename(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return result


@contextmanager
def _snapshot() -> Iterator[str]:
    """A database alias that reads one consistent moment of the data, without holding
    anything that makes writers wait.

    SQLite: the online backup API copies the database into a private file in the
    data folder, as one read transaction (in WAL mode writers go on meanwhile),
    and the archive is read from that copy. PostgreSQL: a read-only REPEATABLE READ
    transaction, the same snapshot pg_dump takes, which blocks no writer.
    """
    if connection.in_atomic_block:
        # The caller's own transaction is already one moment of the data.
        yield DEFAULT_DB_ALIAS
        return
    if connection.vendor != "sqlite":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield DEFAULT_DB_ALIAS
        return
    descriptor, name = tempfile.mkstemp(
        prefix=".backup-snapshot-", suffix=".sqlite3", dir=settings.DATA_DIR
    )
    os.close(descriptor)
    alias = f"backup-snapshot-{os.getpid()}"
    try:
        connection.ensure_connection()
        copy = sqlite3.connect(name)
        try:
            # In one step, as one read transaction: in WAL mode writers go on meanwhile
            # (a copy made in several steps starts again whenever someone writes).
            connection.connection.backup(copy)
        finally:
            copy.close()
        connections.settings[alias] = {
            **connections.settings[DEFAULT_DB_ALIAS],
            "NAME": name,
            "OPTIONS": {},
            "TEST": {},
        }
        try:
            yield alias
        finally:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]
    finally:
        Path(name).unlink(missing_ok=True)


def write_backup(target: IO[bytes], *, passphrase: str) -> Summary:
    """Write the whole data set to `target`, sealed under `passphrase`.

    Reads a snapshot (`_snapshot`): users go on writing while it runs.
    """
    writer = _SealingWriter(target, passphrase)
    manifest: dict[str, str] = {}
    records = 0
    files = 0
    with _snapshot() as alias, tarfile.open(fileobj=writer, mode="w|") as archive:
        _add(archive, "keys", crypto.keyring_path().read_bytes(), manifest)
        for model in _models():
            rows = model._base_manager.using(alias).order_by("pk")
            data = serializers.serialize(
                "python", rows, use_natural_foreign_keys=True, use_natural_primary_keys=False
            )
            records += len(data)
            encoded = json.dumps(data, cls=_ExactEncoder, ensure_ascii=False).encode()
            _add(archive, f"data/{model._meta.label_lower}.json", encoded, manifest)
        from docket.cases.models import Evidence

        for name in Evidence._base_manager.using(alias).values_list("file", flat=True):
            with default_storage.open(name, "rb") as stored:
                _add(archive, f"files/{name}", stored.read(), manifest)
            files += 1
        summary = {
            "version": FORMAT_VERSION,
            "sha256": manifest,
            "records": records,
            "files": files,
        }
        _add(archive, "manifest.json", json.dumps(summary, indent=1).encode(), {})
    writer.finish()
    return Summary(records, files)


def _key_table() -> tuple[str, str, str, str, str]:
    from docket.people.models import PersonKey

    quote = connection.ops.quote_name
    return (
        quote(PersonKey._meta.db_table),
        quote("id"),
        quote("key_id"),
        quote("wrapped"),
        quote("created_at"),
    )


def write_data_keys(target: IO[bytes], *, passphrase: str) -> int:
    """Write the persons' data keys, as stored (wrapped under the keyring), to `target`,
    sealed under `passphrase`, with the key ids of erased persons; returns how many keys.

    The keys stay wrapped: opening them also needs the keyring, which is in the archive
    (or the data folder), so this file alone opens nothing."""
    from docket.people.models import Person

    table, pk, key_id, wrapped, created_at = _key_table()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key_id}, {wrapped}, {created_at}, {pk} FROM {table} ORDER BY {pk}"  # noqa: S608  # nosec B608
        )
        keys = [[row[0], row[1], _moment(row[2]), row[3]] for row in cursor.fetchall()]
        erased = sorted(
            Person._base_manager.filter(erased_at__isnull=False).values_list("data_key", flat=True)
        )
    writer = _SealingWriter(target, passphrase, KEYS_MAGIC)
    writer.write(json.dumps({"version": FORMAT_VERSION, "keys": keys, "erased": erased}).encode())
    writer.finish()
    return len(keys)


def _moment(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def read_data_keys(source: IO[bytes], *, passphrase: str) -> dict[str, Any]:
    reader = _OpeningReader(source, passphrase, KEYS_MAGIC)
    data = io.BufferedReader(reader, buffer_size=CHUNK).read()
    try:
        content: dict[str, Any] = json.loads(data)
    except ValueError:
        raise BackupError("The data-keys file is damaged.") from None
    if content.get("version") != FORMAT_VERSION:
        raise BackupError("The data-keys file is of a version this Docket cannot read.")
    return content


def _bring_back_keys(content: dict[str, Any] | None) -> tuple[int, int]:
    """Put the data keys of `content` back and finish the erasure of the persons erased
    since the backup; returns (persons erased since, persons whose data stays unreadable)."""
    from docket.people.erasure import finish_erasure_after_restore
    from docket.people.models import Person, PersonKey

    table, pk, key_id, wrapped, created_at = _key_table()
    if content is not None:
        rows = [(row[3], row[0], row[1], datetime.fromisoformat(row[2])) for row in content["keys"]]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} ({pk}, {key_id}, {wrapped}, {created_at}) "  # noqa: S608  # nosec B608
                "VALUES (%s, %s, %s, %s)",
                rows,
            )
            for statement in connection.ops.sequence_reset_sql(no_style(), [PersonKey]):
                cursor.execute(statement)
    erased_ids = set(content["erased"]) if content is not None else set()
    erased = finish_erasure_after_restore(erased_ids)
    unreadable = (
        Person._base_manager.filter(erased_at__isnull=True)
        .exclude(contact_details="")
        .exclude(data_key__in=PersonKey._base_manager.values("key_id"))
        .count()
    )
    return erased, unreadable


def _seal_clear_values(row: Any) -> None:
    """An archive made before the data keys holds contact details in clear (inside its
    encryption): seal them under the person's data key before the row is saved raw."""
    for field in row._meta.concrete_fields:
        if isinstance(field, datakeys.PersonSealedTextField):
            value = row.__dict__.get(field.attname)
            if isinstance(value, str) and value and not datakeys.is_sealed(value):
                setattr(row, field.attname, field.sealed_value(row))


def _members(source: IO[bytes], passphrase: str) -> Iterator[tuple[str, bytes]]:
    reader = io.BufferedReader(_OpeningReader(source, passphrase), buffer_size=CHUNK)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for member in archive:
                handle = archive.extractfile(member)
                if handle is None:
                    raise BackupError(f"The backup holds an unexpected entry {member.name!r}.")
                yield member.name, handle.read()
    except tarfile.TarError as error:
        raise BackupError(f"The backup is damaged ({error}).") from None


def restore_backup(
    source: IO[bytes], *, passphrase: str, data_keys: IO[bytes] | None = None
) -> Summary:
    """Bring a backup back into an empty database and data folder, all or nothing.

    `data_keys` is the newest file of `write_data_keys` (the persons' data keys are not
    in the archive); without it every sealed value of a person stays unreadable."""
    from docket.accounts.models import User

    if User.objects.exists():
        raise BackupError("Restore needs an empty data folder and database; this one holds data.")
    keys_content = (
        read_data_keys(data_keys, passphrase=passphrase) if data_keys is not None else None
    )
    datakeys.forget()
    contents: dict[str, bytes] = {}
    for name, data in _members(source, passphrase):
        if name.startswith("/") or ".." in name.split("/"):
            raise BackupError(f"The backup holds an unsafe path {name!r}.")
        contents[name] = data
    manifest = json.loads(contents.pop("manifest.json", b"{}") or b"{}")
    expected: dict[str, str] = manifest.get("sha256", {})
    if manifest.get("version") != FORMAT_VERSION or set(expected) != set(contents):
        raise BackupError("The backup's manifest does not list what the backup holds.")
    for name, data in contents.items():
        if hashlib.sha256(data).hexdigest() != expected[name]:
            raise BackupError(f"{name} in the backup does not match its SHA-256 in the manifest.")

    keys = crypto.keyring_path()
    previous_keys = keys.read_bytes() if keys.exists() else None
    written: list[str] = []
    try:
        keys.write_bytes(contents.pop("keys"))
        os.chmod(keys, 0o600)
        records = 0
        # The history is restored as it was; setting many-to-many links must not add to it.
        settings.SIMPLE_HISTORY_ENABLED = False
        with transaction.atomic():
            for model in _models():
                member = f"data/{model._meta.label_lower}.json"
                if member not in contents:
                    continue
                data = contents.pop(member)
                # Saved raw: values as they were, no signals, no new history or versions.
                for item in serializers.deserialize(
                    "python", json.loads(data), handle_forward_references=True
                ):
                    _seal_clear_values(item.object)
                    item.save()
                    records += 1
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), _models()):
                    cursor.execute(statement)
            settings.SIMPLE_HISTORY_ENABLED = True
            erased, unreadable = _bring_back_keys(keys_content)
            for name, data in contents.items():
                stored = name.removeprefix("files/")
                if default_storage.exists(stored):
                    raise BackupError(f"{stored} already exists in the data folder.")
                written.append(default_storage.save(stored, ContentFile(data)))
    except BaseException:
        settings.SIMPLE_HISTORY_ENABLED = True
        for name in written:
            default_storage.delete(name)
        if previous_keys is None:
            keys.unlink(missing_ok=True)
        else:
            keys.write_bytes(previous_keys)
        raise
    settings.SIMPLE_HISTORY_ENABLED = True
    return Summary(records, len(written), erased, unreadable)
