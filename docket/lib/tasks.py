"""Background tasks that wait out a busy database, and the worker's heartbeat.

`background_task` declares a task like Django's `@task()`, with one addition:
a task that meets "database is locked" (SQLite's answer when another writer
held the lock beyond the busy timeout) is queued again to run a little later,
instead of failing, and the worker goes on. The worker notes a heartbeat in the
data folder every round (`beat`); `/healthz` reads its age (`heartbeat_age`).
"""

import functools
import logging
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)

# How long a task that met a locked database waits before its next attempt.
RETRY_AFTER = timedelta(seconds=30)


def is_locked(error: BaseException) -> bool:
    """SQLite's "database is locked" / "database table is locked"."""
    return isinstance(error, OperationalError) and "is locked" in str(error).lower()


def background_task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """`@task(**options)`, retried later when the database is locked."""

    def declare(function: Callable[..., Any]) -> Any:
        declared: Any = None

        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except OperationalError as error:
                if not is_locked(error):
                    raise
                later = timezone.now() + RETRY_AFTER
                logger.warning(
                    "Task %s met a locked database; it runs again at %s.",
                    function.__name__,
                    later.isoformat(timespec="seconds"),
                )
                declared.using(run_after=later).enqueue(*args, **kwargs)
                return {"retried_at": later.isoformat(), "reason": "database is locked"}

        declared = task(**options)(run)
        return declared

    return declare


def heartbeat_path() -> Path:
    return Path(settings.WORKER_HEARTBEAT_FILE)


def beat() -> None:
    """Note that the worker is alive now: the file's modification time (and, inside,
    the process's id, for whoever looks after it on the machine)."""
    path = heartbeat_path()
    try:
        path.write_text(f"{os.getpid()}\n")
    except OSError as error:
        logger.warning("Cannot note the worker's heartbeat in %s: %s.", path, error.strerror)


def heartbeat_age() -> float | None:
    """Seconds since the worker's last heartbeat; None when it never beat."""
    try:
        return max(0.0, time.time() - heartbeat_path().stat().st_mtime)
    except FileNotFoundError:
        return None


def run_queued_tasks(worker_id: str = "docket") -> None:
    """Run every task queued and due, then return (what one round of the worker does)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()
