"""Backup and restore: one encrypted file that brings everything back, or is refused whole."""

import os
import shutil
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from docket.lib import crypto
from tests import databases as test_databases
from tests.conftest import run_docket

PASSPHRASE = {"DOCKET_BACKUP_PASSPHRASE": "a fictional long passphrase"}
DUMP = [
    "dumpdata",
    "accounts",
    "people",
    "cases",
    "law",
    "letters",
    "tracing",
    "audit",
    "--indent",
    "1",
]


@pytest.fixture(scope="module")
def backup(data_folders, tmp_path_factory):
    """A backup of the demo data with seed 3 (a data folder made once per test run: see
    TEMPLATES in tests/conftest.py), and its data-keys file beside it, made once for the
    module: the tests only read them."""
    folder = data_folders.copy("demo-3", tmp_path_factory.mktemp("backed-up") / "data")
    out = folder.parent / "docket.backup"
    arguments = ["backup", "--out", str(out), "--data-keys", str(out.with_name("docket.keys"))]
    made = run_docket(arguments, {"DOCKET_DATA_DIR": str(folder), **PASSPHRASE})
    assert made.returncode == 0, made.stderr
    return out


def _keys(backup):
    """The data-keys file written beside `backup` (the persons' keys are not in it)."""
    return ["--data-keys", str(backup.with_name("docket.keys"))]


def test_a_restore_into_a_new_machine_brings_back_everything(docket_command, backup, tmp_path):
    docket_command.start_from("demo-3")  # the folder the backup was taken of
    # A new machine brought back from a backup: Docket installed, its database migrated
    # and empty. (The first start's own migration is test_cli's empty-folder test; here it
    # would only add seconds.)
    fresh = docket_command.folder(tmp_path / "fresh")
    restored = docket_command("restore", str(backup), *_keys(backup), **PASSPHRASE, **fresh)

    assert restored.returncode == 0, restored.stderr
    assert "36 evidence files" in restored.stdout
    assert docket_command(*DUMP).stdout == docket_command(*DUMP, **fresh).stdout
    assert docket_command("audit", "verify", **fresh).returncode == 0
    assert docket_command("evidence", "verify", **fresh).returncode == 0

    # An export of the restored data, evidence files included, is identical.
    docket_command("createadmin", "--username", "auditor")
    docket_command("createadmin", "--username", "auditor", **fresh)

    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    before = docket_command("export", "--out", str(tmp_path / "before/all.json"), "--as", "auditor")
    after = docket_command(
        "export", "--out", str(tmp_path / "after/all.json"), "--as", "auditor", **fresh
    )

    assert before.returncode == 0, before.stderr
    assert after.returncode == 0, after.stderr
    assert (tmp_path / "before/all.json").read_text() == (tmp_path / "after/all.json").read_text()
    exported = sorted((tmp_path / "before").rglob("*.txt"))
    assert len(exported) == 36
    for path in exported:
        twin = tmp_path / "after" / path.relative_to(tmp_path / "before")
        assert path.read_bytes() == twin.read_bytes()


FIND = (
    "from docket.people.models import Person; from docket.accounts.models import User; "
    "p = Person.objects.exclude(contact_details='').order_by('pk').first(); "
    "u = User.objects.filter(role='coordinator', teams=p.team_id).first(); "
    "print(p.pk, u.username, p.display_name, p.contact_details, sep='|')"
)
CHECK = (
    "import io, json, os; from docket.lib import backup, datakeys; "
    "from docket.people.models import Person; "
    "passphrase = os.environ['DOCKET_BACKUP_PASSPHRASE']; "
    "members = dict(backup._members(open({archive!r}, 'rb'), passphrase)); "
    "old = {{r['pk']: r['fields'] for r in json.loads(members['data/people.person.json'])}}; "
    "p = Person.objects.get(pk={pk}); "
    "print(datakeys.open_sealed(old[{pk}]['contact_details']), p.display_name, p.erased, "
    "Person.objects.exclude(contact_details='').count(), sep='|')"
)


def test_a_person_erased_after_a_backup_is_erased_in_it_too(docket_command, backup, tmp_path):
    docket_command.start_from("demo-3")  # the folder the backup was taken of
    # Copies of its own: this test replaces the data-keys file, which others read.
    shutil.copy(backup.with_name("docket.keys"), tmp_path)
    backup = Path(shutil.copy(backup, tmp_path / "docket.backup"))
    pk, coordinator, name, contact = (
        docket_command("shell", "--no-imports", "-c", FIND).stdout.strip().split("|")
    )
    erased = docket_command("erase", pk, "--reason", "a fictional request", "--as", coordinator)
    # The data-keys file is replaced by the newest; the archive made before is kept.
    newest = docket_command("backup", *_keys(backup), **PASSPHRASE)
    fresh = docket_command.folder(tmp_path / "fresh")
    restored = docket_command("restore", str(backup), *_keys(backup), **PASSPHRASE, **fresh)
    check = CHECK.format(archive=str(backup), pk=int(pk))
    shown = docket_command("shell", "--no-imports", "-c", check, **PASSPHRASE, **fresh)

    assert erased.returncode == 0 and newest.returncode == 0, erased.stderr + newest.stderr
    assert restored.returncode == 0, restored.stderr
    assert "1 persons were erased after this backup was made" in restored.stdout
    sealed, display, is_erased, readable = shown.stdout.strip().split("|")
    assert sealed == "[erased]"
    assert display == f"#{pk}" and is_erased == "True" and name not in shown.stdout
    assert contact not in shown.stdout and int(readable) > 0


def test_the_backup_holds_nothing_readable(backup):
    content = backup.read_bytes()

    for readable in [b"Held without charge", b"Gholamreza", b"SQLite", b"testimony", b"keys"]:
        assert readable not in content


def test_a_wrong_passphrase_is_refused_in_one_sentence(docket_command, backup, tmp_path):
    result = docket_command(
        "restore",
        str(backup),
        DOCKET_BACKUP_PASSPHRASE="not the right passphrase",
        **docket_command.folder(tmp_path / "fresh"),
    )

    assert result.returncode == 1
    assert "passphrase is wrong, or the file is damaged" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cut_short_backup_is_refused_and_nothing_is_restored(docket_command, backup, tmp_path):
    cut = tmp_path / "cut.backup"
    cut.write_bytes(backup.read_bytes()[: backup.stat().st_size // 2])
    fresh = docket_command.folder(tmp_path / "fresh")

    result = docket_command("restore", str(cut), **PASSPHRASE, **fresh)

    assert result.returncode == 1
    assert "damaged" in result.stderr or "cut short" in result.stderr
    count = "from docket.accounts.models import User; print(User.objects.count())"
    assert docket_command("shell", "--no-imports", "-c", count, **fresh).stdout.strip() == "0"


def test_a_restore_refuses_a_folder_that_holds_data(docket_command, backup):
    docket_command.start_from("demo-3")
    result = docket_command("restore", str(backup), **PASSPHRASE)

    assert result.returncode == 1
    assert "needs an empty data folder" in result.stderr


def test_a_backup_needs_a_passphrase(docket_command, tmp_path):
    result = docket_command("backup", "--out", str(tmp_path / "x.backup"))

    assert result.returncode == 1
    assert "DOCKET_BACKUP_PASSPHRASE" in result.stderr
    assert not (tmp_path / "x.backup").exists()


@pytest.fixture
def postgres_databases(django_db_setup, django_db_blocker, worker_id):
    """Two migrated, empty PostgreSQL databases beside the test database, dropped afterwards:
    copies of the run's migrated template (tests/databases.py)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass of the suite")
    django_db_blocker.unblock()
    settings = connection.settings_dict
    base = f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:{settings['PORT']}"
    names = [f"docket_backup_{uuid.uuid4().hex[:8]}_{side}" for side in ("from", "into")]
    for name in names:
        test_databases.create_from_template(name, worker_id)
    yield [f"{base}/{name}" for name in names]
    with connection._nodb_cursor() as cursor:
        for name in names:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    django_db_blocker.restore()


# Its data folder starts empty: the database is PostgreSQL's, so a migrated SQLite folder
# would be made (a migration of its own) only to be ignored.
@pytest.mark.first_start
def test_a_postgresql_backup_restores_into_postgresql(docket_command, postgres_databases, tmp_path):
    source, target = postgres_databases
    there = {"DATABASE_URL": source}
    here = {"DATABASE_URL": target, "DOCKET_DATA_DIR": str(tmp_path / "fresh")}
    docket_command("demo", "--seed", "5", **there)

    keys = ["--data-keys", str(tmp_path / "pg.keys")]
    made = docket_command(
        "backup", "--out", str(tmp_path / "pg.backup"), *keys, **PASSPHRASE, **there
    )
    restored = docket_command("restore", str(tmp_path / "pg.backup"), *keys, **PASSPHRASE, **here)

    assert made.returncode == 0, made.stderr
    assert restored.returncode == 0, restored.stderr
    assert docket_command(*DUMP, **there).stdout == docket_command(*DUMP, **here).stdout
    assert docket_command("audit", "verify", **here).returncode == 0


@pytest.mark.django_db
def test_the_archive_is_readable_by_its_owner_only(documenter, monkeypatch, tmp_path):
    monkeypatch.setenv("DOCKET_BACKUP_PASSPHRASE", PASSPHRASE["DOCKET_BACKUP_PASSPHRASE"])
    crypto.keyring()
    previous = os.umask(0o022)
    try:
        call_command("backup", "--out", str(tmp_path / "docket.backup"))
    finally:
        os.umask(previous)

    assert (tmp_path / "docket.backup").stat().st_mode & 0o777 == 0o600
