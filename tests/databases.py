"""The test run's databases: migrated once per run, copied for each worker.

Migrating an empty database takes many seconds (some migrations rebuild SQLite tables),
and each pytest-xdist worker needs a database of its own. The first worker to get here
migrates a template under a file lock; every worker then starts from a copy of it (a file
copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL), and Django's own set-up
finds it migrated (`keepdb`). Each worker still drops its copy when it ends.
"""

import fcntl
import os
import shutil
from pathlib import Path

from django.conf import settings
from django.db import connection


def _is_postgresql() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql")


def _run_id(worker_id: str) -> int:
    """The run's own process: a worker's parent, or this process when there are no workers."""
    return os.getppid() if worker_id != "master" else os.getpid()


def _template_name(run: int) -> str:
    return f"test_docket_{run}_template"


def _migrate_into(name: str) -> None:
    """A migrated database called `name`, made as Django makes a test database."""
    database = connection.settings_dict  # the very dict settings.DATABASES holds
    original = database["NAME"]
    database["TEST"]["NAME"] = name
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    connection.close()
    database["NAME"] = original


def copy_template(folder: Path, worker_id: str) -> None:
    """Give this worker a migrated database of its own, named as its TEST NAME."""
    run = _run_id(worker_id)
    if _is_postgresql():
        template, own = _template_name(run), f"test_docket_{run}_{worker_id}"
    else:
        template, own = str(sqlite_template(folder)), str(folder / f"test-{worker_id}.sqlite3")
    with (folder / "test-database.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        made = folder / "test-template.made"
        if not made.exists():
            _migrate_into(template)
            made.touch()
        if _is_postgresql():
            with connection._nodb_cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{own}"')
                cursor.execute(f'CREATE DATABASE "{own}" TEMPLATE "{template}"')
        else:
            shutil.copyfile(template, own)
    connection.settings_dict["TEST"]["NAME"] = own


def sqlite_template(folder: Path) -> Path:
    """The run's migrated SQLite template in the run's `folder` (once `copy_template` has
    made it): a copy is what `docket migrate` makes in an empty data folder, table for
    table and row for row."""
    return folder / "test-template.sqlite3"


def create_from_template(name: str, worker_id: str) -> None:
    """A PostgreSQL database called `name`, a copy of the run's migrated template (which
    `copy_template` made before any test ran): what `docket migrate` would make, in a
    fraction of a second instead of many."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_template_name(_run_id(worker_id))}"')


def drop_template(run: int) -> None:
    """Drop the run's PostgreSQL template, if it made one (SQLite's goes with its folder)."""
    if not _is_postgresql():
        return
    import psycopg

    database = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=database.get("HOST") or None,
        port=database.get("PORT") or None,
        user=database.get("USER") or None,
        password=database.get("PASSWORD") or None,
        autocommit=True,
    ) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{_template_name(run)}"')
