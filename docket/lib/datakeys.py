"""A data key per person: envelope encryption under the keyring, so that erasure reaches copies.

Each person's sealed values (today their contact details, in the live table and in
every history row) are sealed with AES-256-GCM under a random key of that person
alone. The key is kept *wrapped* (sealed under the keyring) in one small table,
`people.PersonKey`, and nowhere else: it is left out of the backup archive
(docket.lib.backup writes the keys to a file of their own, replaced each time).
Erasing a person deletes their key row, so every copy of their sealed values (a
history row, an old backup, a stray dump of the table) can no longer be opened:
it reads as `ERASED`.

Sealed per person: "dp1$<data key id>$<base64 of nonce + ciphertext>", with the
key id as associated data. A value sealed under the keyring alone ("dk1$...",
written before this existed) still opens.

The person's record carries its key id (`Person.data_key`, set when the record
is made); the key itself is made the first time there is something to seal.
Unwrapped keys are cached in the process and forgotten when a person is erased.
"""

import base64
import os
import secrets
import threading
from collections import OrderedDict
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.db import models
from django.db.models.query_utils import DeferredAttribute

from docket.lib import crypto

PREFIX = "dp1"
KEY_ID_LENGTH = 16
CACHE_SIZE = 4096


class Opened(str):
    """A sealed value as read: the text, remembering the sealed form it came from, so that
    saving the row unchanged (a restore, `loaddata`) writes that form back as it was."""

    sealed = ""


class Erased(Opened):
    """What a sealed value reads as once its person's data key is destroyed."""


ERASED = Erased("[erased]")

_cache: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def new_key_id() -> str:
    """A fresh data key id for a new person (the key itself comes with the first seal)."""
    return secrets.token_hex(KEY_ID_LENGTH // 2)


def _model() -> Any:
    return apps.get_model("people", "PersonKey")


def _remember(key_id: str, key: bytes) -> None:
    with _lock:
        _cache[key_id] = key
        _cache.move_to_end(key_id)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def forget(key_ids: list[str] | None = None) -> None:
    """Drop unwrapped keys from this process's cache (all of them without an argument)."""
    with _lock:
        if key_ids is None:
            _cache.clear()
        for key_id in key_ids or []:
            _cache.pop(key_id, None)


def key_for(key_id: str, *, create: bool = False) -> bytes | None:
    """The unwrapped data key `key_id`; None when it does not exist (destroyed by an
    erasure, or never made). `create` makes it when missing."""
    with _lock:
        cached = _cache.get(key_id)
    if cached is not None:
        return cached
    model = _model()
    row = model._base_manager.filter(key_id=key_id).first()
    if row is None:
        if not create:
            return None
        row = model._base_manager.create(key_id=key_id, wrapped=AESGCM.generate_key(256))
    key = bytes(row.wrapped)
    _remember(key_id, key)
    return key


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith((PREFIX + "$", crypto.TEXT_PREFIX + "$"))


def key_id_of(sealed: str) -> str:
    """The data key a person-sealed value needs ("" for a value sealed under the keyring)."""
    prefix, key_id, _ = (sealed.split("$", 2) + ["", ""])[:3]
    return key_id if prefix == PREFIX else ""


def seal(key_id: str, text: str) -> str:
    if not key_id:
        raise ValueError("a value sealed per person needs the person's data key id")
    key = key_for(key_id, create=True)
    assert key is not None  # noqa: S101 - create=True always gives one
    return seal_with(key, key_id, text)


def seal_with(key: bytes, key_id: str, text: str) -> str:
    """`text` sealed under the data key `key` named `key_id` (the data migration's way)."""
    nonce = os.urandom(crypto.NONCE_LENGTH)
    body = nonce + AESGCM(key).encrypt(nonce, text.encode(), key_id.encode())
    return f"{PREFIX}${key_id}${base64.b64encode(body).decode()}"


def open_sealed(sealed: str) -> str:
    """The text of a sealed value; `ERASED` when its data key no longer exists."""
    prefix, key_id, body = (sealed.split("$", 2) + ["", ""])[:3]
    if prefix == crypto.TEXT_PREFIX:
        return crypto.open_text(sealed)
    if prefix != PREFIX:
        raise crypto.DecryptionError("the text is not sealed by Docket")
    key = key_for(key_id)
    if key is None:
        return ERASED
    try:
        raw = base64.b64decode(body, validate=True)
    except ValueError:
        raise crypto.DecryptionError("the sealed text is damaged") from None
    nonce, ciphertext = raw[: crypto.NONCE_LENGTH], raw[crypto.NONCE_LENGTH :]
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, key_id.encode()).decode()
    except InvalidTag:
        # Sealed under a key of that id that no longer exists: the person's key was
        # destroyed and a new one made since (a restore without the data-keys file,
        # then new contact details). Altered data reads the same way.
        return ERASED


class _Sealed:
    """A value as read from the database, opened only when someone reads the attribute."""

    __slots__ = ("opened", "raw")

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.opened: Opened | None = None


class _SealedAttribute(DeferredAttribute):
    """Opens the value on first read, so loading a list of persons asks for no key."""

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, _Sealed):
            if value.opened is None:
                text = open_sealed(value.raw)
                opened = Erased(text) if isinstance(text, Erased) else Opened(text)
                opened.sealed = value.raw
                value.opened = opened
            return value.opened
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        current = instance.__dict__.get(self.field.attname)
        if isinstance(current, _Sealed) and current.opened is not None and value == current.opened:
            return  # the same text again (a form sent back unchanged): keep it as sealed
        instance.__dict__[self.field.attname] = _Sealed(value) if is_sealed(value) else value


class PersonSealedTextField(crypto.SealedTextField):
    """Text sealed under the data key of the person the row belongs to.

    `key_field` names the row's field that holds that person's key id (`data_key`
    on a person and on its history rows). Written by saving the row (`save()`,
    `bulk_create()`): an `update()` with clear text is refused, since it cannot tell
    whose key to use. It cannot be searched or filtered on.
    """

    descriptor_class = _SealedAttribute

    def __init__(self, *args: Any, key_field: str = "data_key", **kwargs: Any) -> None:
        self.key_field = key_field
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        if self.key_field != "data_key":
            kwargs["key_field"] = self.key_field
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, *args: Any) -> str | None:
        return value  # opened on first read (_SealedAttribute)

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Opened) and value.sealed:
            # A row saved raw (a restore, loaddata): what was read goes back as it was.
            return value.sealed
        value = models.TextField.get_prep_value(self, value)
        if not value or is_sealed(value):
            return value
        raise ValueError(f"{self.name} is sealed per person: save the record, not update() it")

    def sealed_value(self, instance: Any) -> str:
        """The value as stored: untouched when read and unchanged, else sealed afresh."""
        current = instance.__dict__.get(self.attname)
        if current is None and self.attname not in instance.__dict__:
            getattr(instance, self.attname)
            current = instance.__dict__.get(self.attname)
        if isinstance(current, _Sealed):
            return current.raw
        if isinstance(current, Erased):
            return current.sealed
        if not current:
            return ""
        return seal(getattr(instance, self.key_field), str(current))

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        return self.sealed_value(model_instance)

    def value_to_string(self, obj: Any) -> str:
        # What a serializer (a backup, `dumpdata`) writes: the sealed form, never the text.
        return self.sealed_value(obj)
