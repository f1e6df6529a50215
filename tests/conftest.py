"""Fixtures shared by every test: the personas, and a way to run `docket` for real."""

import fcntl
import functools
import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _pytest.nodeid import NodeId
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import translation

from docket.accounts.models import Role, Team, User
from tests import databases as test_databases

PASSWORD = "a fictional pass phrase"


# Tests that start the `docket` command take seconds where most take a fraction of one:
# they run first, so the two workers share the long ones out at the start rather than one
# waiting on the other at the end. (Browser tests empty the database: see `_place`.)
SLOW_FIXTURES = {"docket_command", "data_folders", "postgres_databases"}


# Where tests run, in this order on each worker (`_place`).
SLOW_NO_DATABASE, SLOW, DATABASE, PUTS_BACK, EMPTIES, NO_DATABASE = range(6)


def _place(item: pytest.Item) -> int:
    """Where a test runs. Tests that empty the database when they end (a live server's)
    must come after every test that expects the migrations' vocabularies, as pytest-django
    orders them; a test that uses no database may run anywhere. With `--dist load` each
    worker runs its share in this order.

    Of those that empty it, the ones that put back what the migrations wrote
    (`serialized_rollback`) come first: they reload it with the ids it had, which a flush
    by another test (whose content types are then made again, under new ids) would
    contradict."""
    fixtures = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    empties = bool(fixtures & {"transactional_db", "live_server"}) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    uses_database = empties or marker is not None or "db" in fixtures
    slow = bool(fixtures & SLOW_FIXTURES)
    if empties:
        puts_back = "django_db_serialized_rollback" in fixtures or bool(
            marker and marker.kwargs.get("serialized_rollback")
        )
        return PUTS_BACK if puts_back else EMPTIES
    if not uses_database:
        return SLOW_NO_DATABASE if slow else NO_DATABASE
    return SLOW if slow else DATABASE


def _same_on_every_database(item: pytest.Item) -> bool:
    """A test whose outcome cannot depend on the pass's database: it never opens the test
    database (pytest-django refuses it without a `db` fixture or marker), or it runs the
    `docket` command, which works on a SQLite data folder of its own (`outside_environment`
    leaves out DATABASE_URL). Tests that start a PostgreSQL server's own databases say so
    with `postgres_databases`.

    Browser tests count here too: they check what Chromium does with the pages (scripts,
    keyboard, text shown as text), which the database does not change; what the pages
    show each persona from PostgreSQL, the test-client tests check on both."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if "postgres_databases" in fixtures:
        return False
    if "live_server" in fixtures and item.path.parent.name == "browser":
        return True
    return "docket_command" in fixtures or _place(item) in (SLOW_NO_DATABASE, NO_DATABASE)


# Modules whose tests share records made once for the module (`shared`, below): each runs
# whole on one worker, so the records are made once (`pytest_xdist_make_scheduler`).
SHARED_MODULES = frozenset(
    {
        "tests/test_csrf.py",
        "tests/test_every_route.py",
        "tests/test_search_facets.py",
        "tests/test_search_pages.py",
    }
)


def pytest_itemcollected(item: pytest.Item) -> None:
    """A test that shares its module's records is in a module listed above, and never one
    that empties the database.

    And each test has an id of its own. Schemathesis names a test of each API operation
    (`test_...[GET /api/v1/persons]`), but pytest 9.2 builds a test's id from the
    function's own name and its parameters, which Schemathesis does not use: all 44 had
    one id, and pytest-xdist, which hands tests out by id, ran one of them."""
    if item.nodeid.rsplit("::", 1)[-1] != item.name:
        item._id = NodeId.parse(f"{item.parent.nodeid}::{item.name}")  # type: ignore[union-attr]
    if "shared" in getattr(item, "fixturenames", ()):
        module = item.nodeid.split("::", 1)[0]
        assert module in SHARED_MODULES, f"{module} shares records: add it to SHARED_MODULES"
        assert _place(item) < PUTS_BACK, f"{item.nodeid} empties the database it shares"


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist load`, except that each module of SHARED_MODULES is one unit of work.

    (pytest-xdist's own `loadgroup` renames node ids, which pytest 9.2 no longer lets it.)
    Units are handed out largest first, then the single tests in their collection order."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedModulesTogether(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_MODULES else nodeid

    return SharedModulesTogether(config, log)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # The PostgreSQL pass runs only what the database can change; the SQLite pass has
    # already run the rest, on the same code, and running it again would measure nothing.
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        repeated = [item for item in items if _same_on_every_database(item)]
        if repeated:
            config.hook.pytest_deselected(items=repeated)
            items[:] = [item for item in items if not _same_on_every_database(item)]
    items.sort(key=_place)
    # pytest-xdist hands tests out by id: of tests sharing one, it would run one.
    ids = Counter(item.nodeid for item in items)
    shared = sorted(nodeid for nodeid, count in ids.items() if count > 1)
    assert not shared, f"tests with the same id, of which pytest-xdist runs one: {shared}"


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(settings.DATA_DIR, ignore_errors=True)
    if not hasattr(config, "workerinput"):  # the run's own process: drop its template
        test_databases.drop_template(os.getpid())


@pytest.fixture(scope="session")
def django_db_setup(
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_modify_db_settings: None,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
) -> Iterator[None]:
    """Each worker's test database, copied from one migrated once per run (a migration
    takes seconds on each worker; a copy a fraction of one). See tests/databases.py."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        test_databases.copy_template(_run_folder(tmp_path_factory, worker_id), worker_id)
        made = setup_databases(verbosity=0, interactive=False, keepdb=True, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(made, verbosity=0)


def _run_folder(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """The folder this test run's workers share: the base of every worker's own."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(autouse=True)
def own_audit_checkpoints(settings: Any, tmp_path: Path) -> None:
    """Each test its own checkpoint file: entries of one test's database are not another's."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints"


@pytest.fixture(autouse=True)
def no_language_left_active() -> Iterator[None]:
    """Each test starts in no language of an earlier one's: a page the test client asks
    for in Persian leaves Persian active on the worker's thread (Django's LocaleMiddleware
    activates it and nothing deactivates it), and what a later test renders outside a
    request would follow it. Code that must not depend on it is tested by activating a
    language on purpose (a reminder, tests/test_letters_lifecycle.py)."""
    yield
    translation.deactivate()


@pytest.fixture
def own_storage(settings: Any, tmp_path: Path) -> Path:
    """Evidence files in a folder of this test's own, for tests that look at every stored
    file: other tests' rolled-back records leave theirs in the shared one."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "docket.lib.storage.AtomicFileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
    }
    return tmp_path / "files"


def _team(name: str) -> Team:
    """Saved in bulk, as the personas are: creating a team writes an audit entry."""
    (team,) = Team.objects.bulk_create([Team(name=name)])
    return team


@pytest.fixture
def team(request: pytest.FixtureRequest, db: None) -> Team:
    return _shared(request).team if "shared" in request.fixturenames else _team("Documentation")


@pytest.fixture
def other_team(request: pytest.FixtureRequest, db: None) -> Team:
    if "shared" in request.fixturenames:
        return _shared(request).other_team
    return _team("Another association")


@functools.cache
def _hashed_password(hashers: tuple[str, ...]) -> str:
    """The personas' password hashed once per run by the hasher in force. Each persona
    still logs in through a real Argon2 check."""
    return make_password(PASSWORD)


def _person(username: str, role: Role, team: Team) -> User:
    """A persona as the database holds it when a test starts.

    Saved in bulk, which sends no signal: creating an account and adding it to a
    team write audit entries (docket.accounts.auditing), and the tests of the log
    should see only what they themselves do.
    """
    user = User(
        username=username,
        first_name=username.split(".")[0].title(),
        last_name=username.split(".")[1].title(),
        role=role,
        is_staff=role == Role.ADMINISTRATOR,
        is_superuser=role == Role.ADMINISTRATOR,
    )
    user.password = _hashed_password(tuple(settings.PASSWORD_HASHERS))
    User.objects.bulk_create([user])
    User.teams.through.objects.bulk_create([User.teams.through(user=user, team=team)])
    return user


# Each persona: (user name, role, whether of the other team).
PERSONAS = {
    "administrator": ("leila.karimi", Role.ADMINISTRATOR, False),
    "coordinator": ("farhad.nouri", Role.COORDINATOR, False),
    "documenter": ("narges.amini", Role.DOCUMENTER, False),
    "viewer": ("behrouz.asadi", Role.VIEWER, False),
    # A documenter from another team: sees nothing of ours.
    "outsider": ("shirin.taheri", Role.DOCUMENTER, True),
}


def _persona(request: pytest.FixtureRequest, name: str) -> User:
    if "shared" in request.fixturenames:
        # A fresh copy for each test: what a test changes in memory stays in that test.
        return User.objects.get(pk=getattr(_shared(request), name).pk)
    username, role, theirs = PERSONAS[name]
    return _person(username, role, request.getfixturevalue("other_team" if theirs else "team"))


@pytest.fixture
def administrator(request: pytest.FixtureRequest, team: Team) -> User:
    return _persona(request, "administrator")


@pytest.fixture
def coordinator(request: pytest.FixtureRequest, team: Team) -> User:
    return _persona(request, "coordinator")


@pytest.fixture
def documenter(request: pytest.FixtureRequest, team: Team) -> User:
    return _persona(request, "documenter")


@pytest.fixture
def viewer(request: pytest.FixtureRequest, team: Team) -> User:
    return _persona(request, "viewer")


@pytest.fixture
def outsider(request: pytest.FixtureRequest, other_team: Team) -> User:
    return _persona(request, "outsider")


class Shared:
    """The records a test module makes once for all its tests, on each worker that runs them.

    A module opts in by a module-scoped fixture that asks for `shared` and makes its records
    inside `shared.making()`; its tests then get these personas and teams (fresh copies), and
    run, as usual, each in a transaction rolled back at its end, inside the module's own,
    rolled back when the module ends. Such a module's tests run on one worker
    (SHARED_MODULES), so the records are made once. Making a world of records through the
    services takes seconds; each test that rebuilt it paid them again."""

    def __init__(self, blocker: Any) -> None:
        self.making = blocker.unblock
        with self.making():
            self.team = _team("Documentation")
            self.other_team = _team("Another association")
            for name, (username, role, theirs) in PERSONAS.items():
                setattr(
                    self, name, _person(username, role, self.other_team if theirs else self.team)
                )

    administrator: User
    coordinator: User
    documenter: User
    viewer: User
    outsider: User


def _shared(request: pytest.FixtureRequest) -> Shared:
    shared: Shared = request.getfixturevalue("shared")
    return shared


@pytest.fixture(scope="module")
def shared(django_db_setup: None, django_db_blocker: Any) -> Iterator[Shared]:
    from django.db import connection, transaction

    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "a module's shared records need a clean start"
        outer = transaction.atomic()
        outer.__enter__()
    try:
        yield Shared(django_db_blocker)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def pass_second_factor(client: Client, user: User) -> None:
    """Mark the session as having given a TOTP code, as the second log-in step does."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, name="Test app")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def logged_in(client: Client) -> Callable[[User], Client]:
    """Log a persona in, through the second step too where their role requires it."""

    def log_in(user: User) -> Client:
        client.force_login(user)
        if user.role in {Role.ADMINISTRATOR, Role.COORDINATOR}:
            pass_second_factor(client, user)
        return client

    return log_in


def outside_environment(**settings: str) -> dict[str, str]:
    """The environment of a process started as a person would: none of the test run's settings."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOCKET_", "DJANGO_")) and key != "DATABASE_URL"
    }
    return environment | {"DJANGO_SETTINGS_MODULE": "docket.settings"} | settings


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


DOCKET = Path(sys.executable).parent / "docket"

# Data folders the command tests start from, each made once per test run by the `docket`
# command itself and copied for every test that needs one: a migration takes seconds, a
# copy milliseconds. Each is the commands that make it, run on a copy of the one before.
# (On SQLite, "migrated" is the run's migrated test database instead: `DataFolders`.)
TEMPLATES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "migrated": (None, ("migrate", "--no-input", "--verbosity", "0")),
    "demo-3": ("migrated", ("demo", "--seed", "3")),
}


def run_docket(arguments: Sequence[str], environment: dict[str, str]) -> Result:
    completed = subprocess.run(
        [str(DOCKET), *arguments],
        capture_output=True,
        text=True,
        env=outside_environment(**environment),
        timeout=120,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr)


class DataFolders:
    """The template data folders of this test run, shared by its parallel workers.

    The first worker to need a template makes it under a file lock; the others wait for
    it and copy it. A template is only ever read after it is complete (it is made under
    another name and renamed).

    `database`, in the SQLite pass: the run's migrated test database, which is what
    `docket migrate` makes in an empty folder (tests/databases.py), so the "migrated"
    folder is a copy of it rather than a second migration of its own (seconds)."""

    def __init__(self, root: Path, database: Path | None) -> None:
        self.root = root
        self.database = database

    def template(self, name: str) -> Path:
        folder = self.root / name
        if folder.is_dir():
            return folder
        base, commands = TEMPLATES[name]
        with (self.root / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not folder.is_dir():
                building = self.root / f"{name}.building"
                shutil.rmtree(building, ignore_errors=True)
                if base is not None:
                    shutil.copytree(self.template(base), building)
                if name == "migrated" and self.database is not None:
                    building.mkdir(mode=0o700)
                    shutil.copyfile(self.database, building / "docket.sqlite3")
                else:
                    made = run_docket(commands, {"DOCKET_DATA_DIR": str(building)})
                    assert made.returncode == 0, f"making the {name} data folder: {made.stderr}"
                building.rename(folder)
        return folder

    def copy(self, name: str, target: Path) -> Path:
        """`target`, filled with a copy of template `name`; modes (0700, 0600) are kept."""
        shutil.copytree(self.template(name), target)
        return target


@pytest.fixture(scope="session")
def data_folders(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> DataFolders:
    run = _run_folder(tmp_path_factory, worker_id)
    root = run / "data-folder-templates"
    root.mkdir(exist_ok=True)
    database = None
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        request.getfixturevalue("django_db_setup")  # makes the run's migrated template
        database = test_databases.sqlite_template(run)
    return DataFolders(root, database)


class DocketCommand:
    """The installed `docket` command, run as a person would run it, on SQLite.

    Its own data folder is a copy of a migrated one, unless the test is marked
    `first_start` (then it is empty, as on a new machine). `folder()` prepares others."""

    def __init__(self, data_dir: Path, folders: DataFolders) -> None:
        self.data_dir = data_dir
        self.folders = folders

    def __call__(self, *arguments: str, **environment: str) -> Result:
        return run_docket(arguments, {"DOCKET_DATA_DIR": str(self.data_dir)} | environment)

    def folder(self, path: Path, template: str = "migrated") -> dict[str, str]:
        """The environment of a command run on `path`, filled from `template`."""
        return {"DOCKET_DATA_DIR": str(self.folders.copy(template, path))}

    def start_from(self, template: str) -> None:
        """Replace this command's own data folder by a copy of `template`."""
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.folders.copy(template, self.data_dir)


@pytest.fixture
def docket_command(
    request: pytest.FixtureRequest, tmp_path: Path, data_folders: DataFolders
) -> DocketCommand:
    command = DocketCommand(tmp_path / "data", data_folders)
    if request.node.get_closest_marker("first_start") is None:
        command.start_from("migrated")
    return command
