"""One import at a time: a second one waits its turn instead of failing.

Two imports at once would each check their file against the database as it was
before the other wrote, and the second would then fail on the refs the first
remembered (or, on SQLite, on the lock the first holds). So an import takes
`DATA_DIR/import.lock` (an advisory lock, `flock`, released by the system when
the process ends, however it ends) before it checks its file, and keeps it until
its transaction is over; a second import waits for it, saying so every few
seconds. The lock is re-entrant within a thread, so the command, the API and
`import_bundle` may each take it.

On PostgreSQL, where imports may run on several machines, the write transaction
also takes a transaction-scoped advisory lock (`IMPORT_LOCK`).
"""

import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

# Any constant works, different from the audit chain's.
IMPORT_LOCK = 7_420_116
# How often a waiting import tries again, and says it still waits.
POLL_SECONDS = 0.2
SAY_EVERY_SECONDS = 5.0

Waiting = Callable[[float], None]

_held = threading.local()


def lock_path() -> Path:
    return Path(settings.DATA_DIR) / "import.lock"


@contextmanager
def one_import_at_a_time(
    waiting: Waiting | None = None, *, poll: float = POLL_SECONDS
) -> Iterator[None]:
    """Hold the import lock for the block; while another import holds it, wait, calling
    `waiting(seconds waited)` at once and then every few seconds."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    path = lock_path()
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        began = time.monotonic()
        said_at: float | None = None
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - began
                if waiting is not None and (
                    said_at is None or waited - said_at >= SAY_EVERY_SECONDS
                ):
                    said_at = waited
                    waiting(waited)
                time.sleep(poll)
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def hold_in_transaction() -> None:
    """Inside the write transaction, on PostgreSQL: wait for any import writing from
    another machine (released when the transaction ends)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK])
