"""The `docket` command on a fresh data folder: set-up, administrator, demo, errors."""

import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date

import pytest

from docket.cases.models import Authority
from docket.demo import load_demo
from docket.letters.figures import letter_figures
from docket.letters.models import Dispatch, Letter
from tests.conftest import Result, outside_environment


def _credentials(result: Result) -> tuple[str, str]:
    username = re.search(r"user name: (\S+)", result.stdout)
    password = re.search(r"password:\s+(\S+)", result.stdout)
    assert username and password, result.stdout
    return username.group(1), password.group(1)


def _authenticates(docket_command, username: str, password: str) -> bool:
    check = docket_command(
        "shell",
        "--no-imports",
        "-c",
        "from docket.accounts.models import User; "
        f"print(User.objects.get(username={username!r}).check_password({password!r}))",
    )
    assert check.returncode == 0, check.stderr
    return check.stdout.strip() == "True"


@pytest.mark.first_start
def test_it_creates_an_administrator_in_an_empty_folder(docket_command, tmp_path):
    result = docket_command("createadmin")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "docket.sqlite3").exists()
    username, password = _credentials(result)
    assert username == "admin"
    assert _authenticates(docket_command, username, password)
    assert not _authenticates(docket_command, username, password + "x")


def test_it_keeps_the_database_in_wal_mode(docket_command, tmp_path):
    assert docket_command("migrate", "--verbosity", "0").returncode == 0

    with closing(sqlite3.connect(tmp_path / "data" / "docket.sqlite3")) as database:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.first_start
def test_it_generates_a_private_secret_key_once(docket_command, tmp_path):
    docket_command("check")
    key_file = tmp_path / "data" / "secret_key"
    first = key_file.read_text()
    docket_command("check")

    assert key_file.stat().st_mode & 0o777 == 0o600
    assert len(first) >= 50
    assert key_file.read_text() == first


def test_a_second_createadmin_if_none_reuses_the_administrator(docket_command):
    first = docket_command("createadmin", "--if-none")
    second = docket_command("createadmin", "--if-none")

    assert second.returncode == 0
    assert "existing administrator (admin)" in second.stdout
    assert "password:" not in second.stdout
    assert _authenticates(docket_command, *_credentials(first))


def test_createadmin_refuses_a_taken_name(docket_command):
    docket_command("createadmin")
    again = docket_command("createadmin")

    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert "Traceback" not in again.stderr


def test_reset_password_replaces_the_old_one(docket_command):
    username, old_password = _credentials(docket_command("createadmin"))
    reset = docket_command("createadmin", "--reset-password", "--username", username)

    _, new_password = _credentials(reset)
    assert new_password != old_password
    assert _authenticates(docket_command, username, new_password)
    assert not _authenticates(docket_command, username, old_password)


def test_demo_loads_once_and_is_deterministic(docket_command, tmp_path):
    first = docket_command("demo", "--seed", "3")
    listing = (
        "from docket.accounts.models import User; from docket.cases.models import Case, Event;"
        "print(sorted(User.objects.values_list('username', flat=True)));"
        "print(sorted(Case.objects.values_list('title', 'confidentiality')));"
        "print(sorted(Event.objects.values_list('type__code', 'start')))"
    )
    first_users = docket_command("shell", "--no-imports", "-c", listing).stdout
    skipped = docket_command("demo", "--if-empty")
    refused = docket_command("demo")
    # The run's own demo folder was loaded with the same seed by another process.
    other_folder = docket_command.folder(tmp_path / "other", template="demo-3")
    second_users = docket_command("shell", "--no-imports", "-c", listing, **other_folder).stdout

    assert first.returncode == 0, first.stderr
    assert "3 teams, 8 staff accounts" in first.stdout
    assert first_users == second_users
    assert "Held without charge at the closed centre" in first_users
    assert "36 cases" in first.stdout
    assert skipped.returncode == 0
    assert "not loaded" in skipped.stdout
    assert refused.returncode == 1
    assert "already holds data" in refused.stderr


def test_an_unreachable_database_is_one_sentence(docket_command):
    result = docket_command("demo", DATABASE_URL="postgres://postgres@127.0.0.1:1/docket")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("docket: cannot use the database")


def test_an_unknown_database_url_is_one_sentence(docket_command):
    result = docket_command("check", DATABASE_URL="mysql://root@127.0.0.1/docket")

    assert result.returncode == 1
    assert result.stderr.strip() == (
        "docket: DATABASE_URL must start with sqlite:// or postgres:// (got 'mysql')."
    )


def test_production_serve_refuses_without_allowed_hosts(docket_command):
    result = docket_command("serve", "--bind", "127.0.0.1:0")

    assert result.returncode == 1
    assert "Set DOCKET_ALLOWED_HOSTS" in result.stderr
    assert "serving" not in result.stdout


def test_deployment_checks_pass_with_production_settings(docket_command):
    result = docket_command(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DOCKET_ALLOWED_HOSTS="docket.example.org",
        DOCKET_SMTP_HOST="smtp.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_deployment_checks_say_when_mail_would_only_go_to_files(docket_command):
    result = docket_command("check", "--deploy", DOCKET_ALLOWED_HOSTS="docket.example.org")

    assert result.returncode == 1
    assert "mail.E001" in result.stderr + result.stdout


def test_deployment_checks_catch_debug_mode(docket_command):
    result = docket_command(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DOCKET_ALLOWED_HOSTS="docket.example.org",
        DOCKET_SMTP_HOST="smtp.example.org",
        DOCKET_DEBUG="on",
    )

    assert result.returncode == 1
    assert "security.W018" in result.stderr + result.stdout


def test_only_check_and_the_server_run_the_system_checks(docket_command):
    """Other commands start without importing every page's code (docket/cli.py): the checks
    cost every command a second and a half of CPU, and cannot change between two commands."""
    verify = "import sys; from docket import cli; cli.main(['docket', 'audit', 'verify']); "
    verified = subprocess.run(
        [sys.executable, "-c", verify + "print('docket.urls' in sys.modules)"],
        capture_output=True,
        text=True,
        env=outside_environment(DOCKET_DATA_DIR=str(docket_command.data_dir)),
    )
    check = docket_command("check")

    assert "The audit log is intact" in verified.stdout, verified.stderr
    assert verified.stdout.strip().endswith("False"), verified.stdout
    assert "System check identified no issues" in check.stdout


@pytest.mark.django_db
def test_the_demo_has_letters_like_the_associations() -> None:
    load_demo(seed=7, cases_wanted=18)
    as_of = date(2026, 11, 1)

    open_letter = Letter.objects.get(title__startswith="Open letter to the Minister")
    figures = letter_figures(open_letter, as_of=as_of)
    assert open_letter.published
    assert [recipient.name for recipient in figures.recipients] == ["Ministry of the Interior"]
    assert len(figures.questions) == 5
    assert [question.status for question in figures.questions].count("answered") == 1
    assert figures.overdue_questions == 4
    assert open_letter.cases.count() >= 3
    assert all(
        case.events.filter(type__code="detention").exists() for case in open_letter.cases.all()
    )
    states = []
    for letter in Letter.objects.all():
        letter_state = letter_figures(letter, as_of=as_of)
        if letter_state.days_since_sent is None:
            states.append("draft")
        else:
            states.append("overdue" if letter_state.overdue_questions else "sent")
    assert sorted(states) == ["draft", "overdue", "overdue", "overdue", "sent", "sent"]
    assert Dispatch.objects.filter(letter__title__startswith="Letter on relatives").count() == 2
    assert Letter.objects.filter(published=True).count() == 2
    tehran = Authority.objects.get(country="IR")
    assert (tehran.response_days, tehran.working_days) == (10, True)
