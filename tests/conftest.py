"""Fixtures shared by every test: the personas, and a way to run `docket` for real."""

import fcntl
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.test import Client

from docket.accounts.models import Role, Team, User

PASSWORD = "a fictional pass phrase"


# Tests that start the `docket` command take seconds where most take a fraction of one:
# they run first, so the two workers share the long ones out at the start rather than one
# waiting on the other at the end. (Browser tests empty the database: see `_place`.)
SLOW_FIXTURES = {"docket_command", "data_folders", "postgres_databases"}


def _place(item: pytest.Item) -> int:
    """Where a test runs. Tests that empty the database when they end (a live server's)
    must come after every test that expects the migrations' vocabularies, as pytest-django
    orders them; a test that uses no database may run anywhere. With `--dist load` each
    worker runs its share in this order."""
    fixtures = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    empties = bool(fixtures & {"transactional_db", "live_server"}) or bool(
        marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    uses_database = empties or marker is not None or "db" in fixtures
    slow = bool(fixtures & SLOW_FIXTURES)
    if empties:
        return 3
    if not uses_database:
        return 0 if slow else 4
    return 1 if slow else 2


def _same_on_every_database(item: pytest.Item) -> bool:
    """A test whose outcome cannot depend on the pass's database: it never opens the test
    database (pytest-django refuses it without a `db` fixture or marker), or it runs the
    `docket` command, which works on a SQLite data folder of its own (`outside_environment`
    leaves out DATABASE_URL). Tests that start a PostgreSQL server's own databases say so
    with `postgres_databases`."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if "postgres_databases" in fixtures:
        return False
    return "docket_command" in fixtures or _place(item) in (0, 4)


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


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(settings.DATA_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def own_audit_checkpoints(settings: Any, tmp_path: Path) -> None:
    """Each test its own checkpoint file: entries of one test's database are not another's."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints"


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


@pytest.fixture
def cheap_passwords(settings: Any) -> None:
    """Hash the personas' passwords cheaply, for test modules that build them dozens of times
    and never check a password; Argon2 takes a tenth of a second for each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _team(name: str) -> Team:
    """Saved in bulk, as the personas are: creating a team writes an audit entry."""
    (team,) = Team.objects.bulk_create([Team(name=name)])
    return team


@pytest.fixture
def team(db: None) -> Team:
    return _team("Documentation")


@pytest.fixture
def other_team(db: None) -> Team:
    return _team("Another association")


@functools.cache
def _hashed_password(hashers: tuple[str, ...]) -> str:
    """The personas' password hashed once per run by the hasher in force: Argon2 takes a
    quarter of a second a time, and thousands of personas are made. Each still logs in
    through a real Argon2 check."""
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


@pytest.fixture
def administrator(team: Team) -> User:
    return _person("leila.karimi", Role.ADMINISTRATOR, team)


@pytest.fixture
def coordinator(team: Team) -> User:
    return _person("farhad.nouri", Role.COORDINATOR, team)


@pytest.fixture
def documenter(team: Team) -> User:
    return _person("narges.amini", Role.DOCUMENTER, team)


@pytest.fixture
def viewer(team: Team) -> User:
    return _person("behrouz.asadi", Role.VIEWER, team)


@pytest.fixture
def outsider(other_team: Team) -> User:
    """A documenter from another team: sees nothing of ours once permissions land."""
    return _person("shirin.taheri", Role.DOCUMENTER, other_team)


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
TEMPLATES: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "migrated": (None, ("migrate", "--no-input", "--verbosity", "0")),
    "demo-3": ("migrated", ("demo", "--seed", "3")),
}


def _run_docket(arguments: Sequence[str], environment: dict[str, str]) -> Result:
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
    another name and renamed)."""

    def __init__(self, root: Path) -> None:
        self.root = root

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
                made = _run_docket(commands, {"DOCKET_DATA_DIR": str(building)})
                assert made.returncode == 0, f"making the {name} data folder: {made.stderr}"
                building.rename(folder)
        return folder

    def copy(self, name: str, target: Path) -> Path:
        """`target`, filled with a copy of template `name`; modes (0700, 0600) are kept."""
        shutil.copytree(self.template(name), target)
        return target


@pytest.fixture(scope="session")
def data_folders(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DataFolders:
    # Every xdist worker's base folder sits in the run's own: share the templates there.
    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "data-folder-templates"
    root.mkdir(exist_ok=True)
    return DataFolders(root)


class DocketCommand:
    """The installed `docket` command, run as a person would run it, on SQLite.

    Its own data folder is a copy of a migrated one, unless the test is marked
    `first_start` (then it is empty, as on a new machine). `folder()` prepares others."""

    def __init__(self, data_dir: Path, folders: DataFolders) -> None:
        self.data_dir = data_dir
        self.folders = folders

    def __call__(self, *arguments: str, **environment: str) -> Result:
        return _run_docket(arguments, {"DOCKET_DATA_DIR": str(self.data_dir)} | environment)

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
