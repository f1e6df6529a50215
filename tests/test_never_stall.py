"""Never stall, never lose: each failure of issue 14 seen under load and faults on SQLite.

Writes wait for the lock instead of failing; a session is not saved on every
request; a killed backup leaves nothing in the way; a task that meets a locked
database runs again later and the worker goes on; a full disk leaves no partial
file; a huge picture is refused before it is decoded; `docket evidence verify`
reports files no record points to. (/healthz: tests/test_healthz.py; real
processes killed mid-way: test_processes_killed_mid_way_lose_nothing, below.)
"""

import errno
import hashlib
import json
import mailbox
import os
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import zlib
from contextlib import closing, suppress
from io import StringIO

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import ImageFile

from docket.cases import services as case_services
from docket.cases.models import Evidence
from docket.cases.tasks import verify_evidence_files
from docket.letters.tasks import poll_mailbox
from docket.lib import crypto, sessions
from docket.lib.backup import write_backup, write_backup_file
from docket.settings import _database
from tests.conftest import outside_environment

PASSPHRASE = "a fictional long passphrase"


def _files_under(folder):
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


# Writes that wait rather than fail


def test_a_write_waits_for_another_writers_lock_and_then_succeeds(tmp_path, django_db_blocker):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL locks rows")
    path = tmp_path / "busy.sqlite3"
    holder = sqlite3_connect(path)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE note (writer TEXT)")
    alias = "busy-test"
    configured = connections.configure_settings(
        {"default": connections.settings["default"], alias: _database(f"sqlite:///{path}")}
    )
    connections.settings[alias] = configured[alias]
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO note VALUES ('import')")
        # The import's short write ends while the second writer waits for it.
        threading.Timer(0.3, holder.execute, ["COMMIT"]).start()

        with (
            django_db_blocker.unblock(),
            transaction.atomic(using=alias),
            connections[alias].cursor() as cursor,
        ):
            cursor.execute("INSERT INTO note VALUES ('page')")

        rows = holder.execute("SELECT writer FROM note ORDER BY rowid").fetchall()
        assert rows == [("import",), ("page",)]
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        holder.close()


def sqlite3_connect(path):
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


@pytest.mark.django_db
def test_an_unchanged_session_is_saved_at_most_once_a_minute(logged_in, documenter, monkeypatch):
    client = logged_in(documenter)
    clock = [1_000_000]
    monkeypatch.setattr(sessions, "_now", lambda: clock[0])
    client.get(reverse("dashboard"))
    key = client.session.session_key
    saved = Session.objects.get(pk=key).expire_date

    clock[0] += 30
    assert client.get(reverse("dashboard")).status_code == 200
    assert Session.objects.get(pk=key).expire_date == saved

    clock[0] += 31
    client.get(reverse("dashboard"))
    assert Session.objects.get(pk=key).expire_date > saved


# Backup without stopping the world


@pytest.mark.django_db
def test_a_partial_archive_left_by_a_killed_backup_does_not_block_the_next(documenter, tmp_path):
    crypto.keyring()
    out = tmp_path / "docket.backup"
    partial = tmp_path / "docket.backup.partial"
    partial.write_bytes(b"cut off by kill -9")

    summary = write_backup_file(out, lambda target: write_backup(target, passphrase=PASSPHRASE))

    assert summary.records > 0
    assert out.stat().st_mode & 0o777 == 0o600
    assert not partial.exists()


# Background work that survives a locked database


@pytest.mark.django_db
def test_a_task_that_meets_a_locked_database_runs_again_later(monkeypatch):
    def locked():
        raise OperationalError("database is locked")

    monkeypatch.setattr("docket.cases.tasks.verify_evidence", locked)

    result = verify_evidence_files.call()

    assert result["reason"] == "database is locked"
    again = DBTaskResult.objects.get()
    assert again.task_path == "docket.cases.tasks.verify_evidence_files"
    assert again.status == "READY"
    assert again.run_after > timezone.now()


@pytest.mark.django_db
def test_a_mail_poll_that_meets_a_locked_database_leaves_the_mail_and_runs_again(
    monkeypatch, settings, tmp_path
):
    box = mailbox.Maildir(tmp_path / "mailbox", create=True)
    box.add(b"From: office@example.org\nSubject: Reply\nMessage-ID: <1@example.org>\n\nNo.\n")
    settings.MAILBOX = str(tmp_path / "mailbox")

    def locked(raw):
        raise OperationalError("database is locked")

    monkeypatch.setattr("docket.letters.services.ingest_email", locked)

    result = poll_mailbox.call()

    assert result["reason"] == "database is locked"
    assert DBTaskResult.objects.get().task_path == "docket.letters.tasks.poll_mailbox"
    assert len(list((tmp_path / "mailbox" / "new").iterdir())) == 1  # still unseen


@pytest.mark.django_db
def test_the_worker_goes_on_after_a_locked_database(monkeypatch):
    rounds = []

    def enqueue_due():
        rounds.append(1)
        if len(rounds) == 1:
            raise OperationalError("database is locked")
        raise KeyboardInterrupt  # ends the test's worker after its second round

    monkeypatch.setattr("docket.management.commands.worker.enqueue_due", enqueue_due)
    monkeypatch.setattr("docket.management.commands.worker.time.sleep", lambda seconds: None)

    with pytest.raises(KeyboardInterrupt):
        call_command("worker", stdout=StringIO())

    assert len(rounds) == 2


# Hostile files


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims to be width x height pixels: a few bytes, a huge picture."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.django_db
def test_a_huge_picture_is_refused_before_it_is_decoded(logged_in, documenter, monkeypatch):
    source = case_services.create_source(actor=documenter, title="A photograph")
    upload = SimpleUploadedFile("huge.png", _png_header(13000, 13000))
    picture = case_services.attach_evidence(actor=documenter, source=source, upload=upload)

    def decoded(self):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decoded)

    with pytest.raises(ValidationError, match="too large to process here"):
        case_services.strip_metadata_copy(actor=documenter, original=picture)
    page = logged_in(documenter).post(
        reverse("cases:evidence_strip", args=[picture.pk]), follow=True
    )
    assert "too large to process here (169 megapixels; at most 64)" in page.text
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db
def test_a_full_disk_leaves_no_partial_file_and_says_so(
    logged_in, documenter, own_storage, monkeypatch
):
    source = case_services.create_source(actor=documenter, title="A statement")
    real_write = os.write

    def half_then_full(descriptor, data):
        if len(data) > 100:
            real_write(descriptor, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(descriptor, data)

    monkeypatch.setattr(os, "write", half_then_full)

    response = logged_in(documenter).post(
        reverse("cases:evidence_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("statement.txt", b"A statement.\n" * 1000)},
    )

    assert "The disk is full" in response.text
    assert not Evidence.objects.exists()
    assert _files_under(own_storage) == []


@pytest.mark.django_db
def test_evidence_verify_reports_files_without_records_and_records_without_files(
    documenter, own_storage
):
    source = case_services.create_source(actor=documenter, title="Statements")
    kept, lost = (
        case_services.attach_evidence(
            actor=documenter, source=source, upload=SimpleUploadedFile(name, b"A statement.\n")
        )
        for name in ("kept.txt", "lost.txt")
    )
    lost.file.storage.delete(lost.file.name)
    stray = own_storage / "evidence" / "2026" / "01" / "sealed_left_by_a_killed_import"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"DKE1 sealed")
    errors = StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("evidence", "verify", stdout=StringIO(), stderr=errors)

    assert str(failed.value) == (
        "1 of 2 evidence files failed the check; 1 stored files belong to no evidence record."
    )
    assert f"Evidence {lost.pk} (lost.txt): the file is missing." in errors.getvalue()
    assert "evidence/2026/01/sealed_left_by_a_killed_import: no evidence record" in (
        errors.getvalue()
    )
    assert f"Evidence {kept.pk} " not in errors.getvalue()


# Real processes killed mid-way (SQLite pass only: `docket_command` works on a SQLite data
# folder of its own, and such tests are left out of the PostgreSQL pass).


def _bundle(folder, sources: int) -> tuple[object, int]:
    """A bundle of `sources` sources with one file each, a person and a case: enough
    sealed files that an import killed while it writes them is killed mid-way."""
    document = {
        "format": "docket",
        "version": 1,
        "persons": [
            {
                "ref": "fault-p1",
                "names": [{"name": "Fictional Faultline", "script": "latin", "kind": "full"}],
            }
        ],
        "cases": [
            {
                "ref": "fault-c1",
                "title": "Kill -9 case",
                "status": "open",
                "confidentiality": "internal",
                "team": "Documentation",
                "persons": ["fault-p1"],
            }
        ],
        "sources": [],
    }
    for number in range(sources):
        content = f"Statement {number}, fictional.\n".encode() * 50
        (folder / f"s{number}.txt").write_bytes(content)
        document["sources"].append(
            {
                "ref": f"fault-s{number}",
                "kind": "testimony",
                "title": f"Statement {number}",
                "files": [
                    {
                        "name": f"s{number}.txt",
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "path": f"s{number}.txt",
                    }
                ],
            }
        )
    path = folder / "bundle.json"
    path.write_text(json.dumps(document))
    return path, sources


def _wait(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError("gave up waiting")


def _docket(*arguments: str) -> list[str]:
    program = "import sys; from docket.cli import main; sys.exit(main(sys.argv))"
    return [sys.executable, "-c", program, *arguments]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too, waiting for its parent to collect it.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.faults
def test_processes_killed_mid_way_lose_nothing(docket_command, tmp_path):
    docket_command.start_from("demo-3")
    data = docket_command.data_dir
    # Debug mode: static files copied as they are, not compressed (seconds of CPU saved).
    environment = outside_environment(
        DOCKET_DATA_DIR=str(data), DOCKET_DEBUG="on", DOCKET_HTTPS="off"
    )
    heartbeat = data / "worker-heartbeat"
    files = tmp_path / "bundle"
    files.mkdir()
    bundle, sources = _bundle(files, 150)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        _docket("serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        # The worker, killed outright, is started again by the supervisor.
        first = _wait(lambda: heartbeat.exists() and heartbeat.read_text().strip())
        os.kill(int(first), signal.SIGKILL)
        _wait(lambda: heartbeat.read_text().strip() not in ("", first))

        # An import killed while it writes its sealed files.
        evidence = data / "files" / "evidence"
        before = set(evidence.rglob("*"))
        importing = subprocess.Popen(
            _docket("import", str(bundle), "--team", "Documentation"),
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: importing.poll() is not None or len(set(evidence.rglob("*")) - before) > 5)
        importing.kill()
        importing.wait()

        # The server itself, killed outright: its supervisor and worker stop with it.
        worker = int(heartbeat.read_text())
        server.kill()
        server.wait()
        _wait(lambda: not _alive(worker))
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    served = (tmp_path / "serve.log").read_text()
    assert "The background worker stopped (killed by signal SIGKILL)" in served

    # Started again: the import runs whole, and everything agrees.
    again = docket_command("import", str(bundle), "--team", "Documentation")
    assert again.returncode == 0, again.stderr
    audit = docket_command("audit", "verify")
    assert audit.returncode == 0, audit.stderr
    checked = docket_command("evidence", "verify")
    assert "failed the check" not in checked.stderr, checked.stderr
    with closing(sqlite3.connect(data / "docket.sqlite3")) as database:
        counted = database.execute(
            "SELECT COUNT(DISTINCT source.id), COUNT(evidence.id) FROM cases_source source "
            "JOIN cases_evidence evidence ON evidence.source_id = source.id "
            "WHERE source.title LIKE 'Statement %'"
        ).fetchone()
    assert counted == (sources, sources)
