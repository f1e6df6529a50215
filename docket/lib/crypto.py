"""Encryption at rest: AES-256-GCM under keys kept outside the database.

The keyring lives in the data folder (`keys`, mode 0600, created on first use)
or in DOCKET_ENCRYPTION_KEYS; each line is "ID:base64-key" and the last line
is the key new data is sealed with. Older keys stay so that data sealed before
a rotation still opens; `docket keys rotate` re-seals everything under a new
key. A sealed value names its key, so nothing has to guess.

Sealed text: "dk1$<key id>$<base64 of nonce + ciphertext>".
Sealed files: b"DKE1" + key id (8 bytes) + nonce + ciphertext.

Each key also yields an audit key (HKDF-SHA256 with a label of its own, so it
is never the encryption key itself) under which the audit log's entries and
checkpoints are keyed: whoever holds only the database cannot recompute them.
"""

import base64
import functools
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

TEXT_PREFIX = "dk1"
FILE_MAGIC = b"DKE1"
KEY_ID_LENGTH = 8
NONCE_LENGTH = 12
# Changing this label would make every keyed audit entry fail verification.
AUDIT_KEY_LABEL = b"docket audit log HMAC-SHA256 v1"


class DecryptionError(Exception):
    """Sealed data that this keyring cannot open: a missing key, or altered data."""


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    current_id: str

    @property
    def current(self) -> AESGCM:
        return AESGCM(self.keys[self.current_id])

    def cipher(self, key_id: str) -> AESGCM:
        try:
            return AESGCM(self.keys[key_id])
        except KeyError:
            raise DecryptionError(f"the key {key_id!r} is not in the keyring") from None


def new_key_line() -> str:
    key = base64.b64encode(AESGCM.generate_key(256)).decode()
    return f"{secrets.token_hex(KEY_ID_LENGTH // 2)}:{key}"


def keyring_path() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def parse_keyring(text: str, origin: str) -> Keyring:
    keys: dict[str, bytes] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key_id, _, encoded = line.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if len(key_id) != KEY_ID_LENGTH or len(key) != 32:
            raise ImproperlyConfigured(
                f"Line {number} of {origin} is not a key (ID:base64 of 32 bytes)."
            )
        keys[key_id] = key
        current = key_id
    if not keys:
        raise ImproperlyConfigured(f"{origin} holds no key.")
    return Keyring(keys, current)


_cached: tuple[object, Keyring] | None = None


def keyring() -> Keyring:
    """The keyring, created in the data folder the first time it is needed.

    Re-read only when the file changes (a rotation from another process), so
    opening a sealed value costs a stat, not a file read.
    """
    global _cached
    from_environment = os.environ.get("DOCKET_ENCRYPTION_KEYS", "").replace(",", "\n")
    if from_environment:
        if _cached is None or _cached[0] != from_environment:
            _cached = (from_environment, parse_keyring(from_environment, "DOCKET_ENCRYPTION_KEYS"))
        return _cached[1]
    path = keyring_path()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(new_key_line() + "\n")
    status = path.stat()
    stamp = (str(path), status.st_mtime_ns, status.st_size, status.st_ino)
    if _cached is None or _cached[0] != stamp:
        _cached = (stamp, parse_keyring(path.read_text(), str(path)))
    return _cached[1]


@functools.lru_cache(maxsize=16)
def _derive_audit_key(key: bytes, key_id: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=AUDIT_KEY_LABEL + key_id.encode()
    ).derive(key)


def audit_key(key_id: str | None = None) -> tuple[str, bytes]:
    """(key id, audit key): of the current key by default, else of the key named.

    Raises DecryptionError when the keyring no longer holds that key.
    """
    ring = keyring()
    chosen = ring.current_id if key_id is None else key_id
    try:
        key = ring.keys[chosen]
    except KeyError:
        raise DecryptionError(f"the key {chosen!r} is not in the keyring") from None
    return chosen, _derive_audit_key(key, chosen)


def seal_bytes(data: bytes, *, context: bytes = b"") -> bytes:
    ring = keyring()
    nonce = os.urandom(NONCE_LENGTH)
    return (
        FILE_MAGIC + ring.current_id.encode() + nonce + ring.current.encrypt(nonce, data, context)
    )


def open_bytes(sealed: bytes, *, context: bytes = b"") -> bytes:
    if not sealed.startswith(FILE_MAGIC):
        raise DecryptionError("the data is not sealed by Docket")
    start = len(FILE_MAGIC)
    key_id = sealed[start : start + KEY_ID_LENGTH].decode(errors="replace")
    nonce = sealed[start + KEY_ID_LENGTH : start + KEY_ID_LENGTH + NONCE_LENGTH]
    try:
        return (
            keyring()
            .cipher(key_id)
            .decrypt(nonce, sealed[start + KEY_ID_LENGTH + NONCE_LENGTH :], context)
        )
    except InvalidTag:
        raise DecryptionError("the data was altered or sealed under another key") from None


def key_id_of(sealed: bytes | str) -> str:
    if isinstance(sealed, str):
        return sealed.split("$", 2)[1]
    return sealed[len(FILE_MAGIC) : len(FILE_MAGIC) + KEY_ID_LENGTH].decode(errors="replace")


def seal_text(text: str) -> str:
    sealed = seal_bytes(text.encode())
    key_id = key_id_of(sealed)
    body = sealed[len(FILE_MAGIC) + KEY_ID_LENGTH :]
    return f"{TEXT_PREFIX}${key_id}${base64.b64encode(body).decode()}"


def open_text(sealed: str) -> str:
    prefix, key_id, body = (sealed.split("$", 2) + ["", ""])[:3]
    if prefix != TEXT_PREFIX:
        raise DecryptionError("the text is not sealed by Docket")
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError:
        raise DecryptionError("the sealed text is damaged") from None
    return open_bytes(FILE_MAGIC + key_id.encode() + raw).decode()


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """Text sealed with AES-GCM in the database: a copy of the table reveals nothing.

    It cannot be searched or filtered on; use it for contact details and the
    like, which are read only on a record's own page.
    """

    def from_db_value(self, value: str | None, *args: Any) -> str | None:
        return open_text(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return seal_text(value) if value else value


class SealedBytesField(SealedTextField):
    """Bytes sealed like SealedTextField (base64 inside the seal), for what must be kept
    exactly as received: a raw email may hold any byte, in no charset at all.

    A subclass, so `docket keys rotate` re-seals it with the other sealed fields.
    """

    # What django-stubs reads as the field's Python type.
    _pyi_private_set_type: bytes  # type: ignore[assignment]
    _pyi_private_get_type: bytes  # type: ignore[assignment]

    def from_db_value(self, value: str | None, *args: Any) -> bytes | None:  # type: ignore[override]
        text = super().from_db_value(value, *args)
        return base64.b64decode(text) if text else b"" if text is not None else None

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            value = base64.b64encode(bytes(value)).decode("ascii") if value else ""
        return super().get_prep_value(value)
