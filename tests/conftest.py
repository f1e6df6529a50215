"""Fixtures shared by every test: the personas, and a way to run `docket` for real."""

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from docket.accounts.models import Role, Team, User

PASSWORD = "a fictional pass phrase"


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(settings.DATA_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def own_audit_checkpoints(settings: Any, tmp_path: Path) -> None:
    """Each test its own checkpoint file: entries of one test's database are not another's."""
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoints"


@pytest.fixture
def cheap_passwords(settings: Any) -> None:
    """Hash the personas' passwords cheaply, for test modules that build them dozens of times
    and never check a password; Argon2 takes a tenth of a second for each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def team(db: None) -> Team:
    return Team.objects.create(name="Documentation")


@pytest.fixture
def other_team(db: None) -> Team:
    return Team.objects.create(name="Another association")


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
    user.set_password(PASSWORD)
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


@pytest.fixture
def docket_command(tmp_path: Path) -> Callable[..., Result]:
    """Run the installed `docket` command in a fresh, empty data folder on SQLite."""
    data_dir = tmp_path / "data"
    docket = Path(sys.executable).parent / "docket"

    def run(*arguments: str, **environment: str) -> Result:
        env = outside_environment(**({"DOCKET_DATA_DIR": str(data_dir)} | environment))
        completed = subprocess.run(
            [str(docket), *arguments], capture_output=True, text=True, env=env, timeout=120
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run
