"""Password-protected exports, and the expiry of exports kept on the server.

An archive is sealed with AES-256-GCM under a key derived from the password with
scrypt (the `cryptography` package Docket already uses for its keyring), so nothing new
is installed; `docket unseal FILE --out ZIP` opens one. The format is
"DOCKETX1" | salt (16) | nonce (12) | ciphertext with its tag.

Exports kept on the server (in EXPORTS_DIR) are deleted 30 days after they were
written, by a scheduled task (`expire_exports`).
"""

import os
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings

MAGIC = b"DOCKETX1"
KEPT_FOR = timedelta(days=30)
MIN_PASSWORD = 12


class WrongPassword(Exception):
    pass


def _key(password: str, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(password.encode("utf-8"))


def seal_archive(content: bytes, password: str) -> bytes:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password must have at least {MIN_PASSWORD} characters")
    salt, nonce = os.urandom(16), os.urandom(12)
    return MAGIC + salt + nonce + AESGCM(_key(password, salt)).encrypt(nonce, content, MAGIC)


def open_archive(sealed: bytes, password: str) -> bytes:
    if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + 28:
        raise WrongPassword("not a sealed Docket archive")
    salt = sealed[len(MAGIC) : len(MAGIC) + 16]
    nonce = sealed[len(MAGIC) + 16 : len(MAGIC) + 28]
    try:
        return AESGCM(_key(password, salt)).decrypt(nonce, sealed[len(MAGIC) + 28 :], MAGIC)
    except InvalidTag:
        raise WrongPassword("wrong password, or the archive was changed") from None


def exports_dir() -> Path:
    return Path(getattr(settings, "EXPORTS_DIR", Path(settings.DATA_DIR) / "exports"))


def expire_exports(now: datetime) -> list[str]:
    """Delete the exports kept on the server that are older than 30 days at `now`; the
    names of those deleted."""
    folder = exports_dir()
    if not folder.is_dir():
        return []
    deleted = []
    limit = (now - KEPT_FOR).timestamp()
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.stat().st_mtime < limit:
            path.unlink()
            deleted.append(path.name)
    return deleted
