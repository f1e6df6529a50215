"""GET /healthz: 200 when the database answers, the worker beats, the audit log is
checkpointed and the disk has room; 503 naming what is not, and nothing else."""

import json
import os
import subprocess
import sys
import time
from collections import namedtuple

import pytest

from docket.audit.log import write_checkpoint
from docket.cases.services import create_source
from docket.lib.tasks import beat
from tests.conftest import outside_environment

FIELDS = {"status", "database", "worker_heartbeat_age", "audit_checkpoint_age", "free_disk_mb"}


@pytest.fixture
def worker_alive(settings, tmp_path):
    settings.WORKER_HEARTBEAT_FILE = tmp_path / "worker-heartbeat"
    beat()
    return settings.WORKER_HEARTBEAT_FILE


def test_it_answers_200_when_the_database_and_the_worker_answer(client, db, worker_alive):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == FIELDS
    assert body["status"] == "ok"
    assert body["worker_heartbeat_age"] < 60
    assert "no-store" in response["Cache-Control"]


def test_it_answers_503_when_the_worker_stopped_beating(client, db, worker_alive, settings):
    an_hour_ago = time.time() - 3600
    settings.WORKER_STALE_MINUTES = 30
    os.utime(worker_alive, (an_hour_ago, an_hour_ago))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == ["worker"]
    assert response.json()["worker_heartbeat_age"] >= 3600


def test_it_answers_503_when_no_worker_ever_ran(client, db, settings, tmp_path):
    settings.WORKER_HEARTBEAT_FILE = tmp_path / "never-written"

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == ["worker"]


def test_it_answers_503_when_the_audit_checkpoint_is_old(client, documenter, worker_alive):
    from django.conf import settings

    create_source(actor=documenter, title="A statement")  # an audit entry to checkpoint
    write_checkpoint()
    two_days_ago = time.time() - 49 * 3600
    os.utime(settings.AUDIT_CHECKPOINT_FILE, (two_days_ago, two_days_ago))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == ["audit_checkpoint"]


def test_it_answers_503_when_the_disk_is_nearly_full(client, db, worker_alive, monkeypatch):
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr("shutil.disk_usage", lambda path: usage(10 * 2**30, 10 * 2**30, 2**20))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["stale"] == ["free_disk"]
    assert response.json()["free_disk_mb"] == 1


def test_it_answers_503_when_the_database_is_unreachable(tmp_path):
    # A real server process configured with a database nobody listens on.
    program = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "response = Client().get('/healthz');"
        "print(json.dumps([response.status_code, response.json()]))"
    )
    env = outside_environment(
        DOCKET_DATA_DIR=str(tmp_path),
        DOCKET_ALLOWED_HOSTS="testserver",
        DOCKET_HTTPS="off",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/docket",
    )
    completed = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=True
    )

    status, body = json.loads(completed.stdout)
    assert status == 503
    assert body == {"status": "unavailable", "database": "unreachable"}


def test_it_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405
