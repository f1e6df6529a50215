"""How an audit entry's hash and a checkpoint's seal are computed.

Pure functions of an entry's content, shared by the model and by the
migration that switched the log to keyed hashes, so both compute exactly the
same thing.

- Chain 1 (PLAIN, entries written before the switch): SHA-256 of the
  canonical JSON of the entry's content. Anyone can recompute it, so it only
  shows accidents, not tampering by someone who can write the database.
- Chain 2 (KEYED): HMAC-SHA256 of the same canonical JSON, which also names
  the chain and the key, under the audit key derived from the encryption
  keyring (`docket.lib.crypto.audit_key`), which is never in the database.

Each entry names the key it was keyed with, so entries keyed before a key
rotation are still checked under their own key.
"""

import hashlib
import hmac
import json
from typing import Any

from docket.lib import crypto

PLAIN = 1
KEYED = 2
GENESIS = "0" * 64


# One encoder for every entry: json.dumps would make a new one for each (thousands a batch).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


def canonical(content: dict[str, Any]) -> bytes:
    """What json.dumps(content, sort_keys=True, ensure_ascii=False, default=str) writes."""
    return _CANONICAL.encode(content).encode()


def plain_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def keyed_hash(content: dict[str, Any], key_id: str) -> str:
    """Raises crypto.DecryptionError when the keyring no longer holds `key_id`."""
    _, key = crypto.audit_key(key_id)
    return hmac.new(key, canonical(content), hashlib.sha256).hexdigest()


def keyed_content(content: dict[str, Any], key_id: str) -> dict[str, Any]:
    """What a keyed entry's HMAC covers: its content, the chain version and the key."""
    return content | {"chain": KEYED, "key": key_id}


def checkpoint_seal(
    key_id: str, previous_seal: str, when: str, entry_id: int, entry_hash: str
) -> str:
    """The seal of one checkpoint line; it covers the line before it, so lines cannot be
    rewritten, reordered or removed from the middle of the file without the key."""
    _, key = crypto.audit_key(key_id)
    message = f"docket checkpoint|{previous_seal}|{when}|{entry_id}|{entry_hash}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
