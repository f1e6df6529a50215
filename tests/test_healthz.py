"""GET /healthz: 200 once the database answers, 503 when it does not."""

import json
import subprocess
import sys

from tests.conftest import outside_environment


def test_it_answers_200_when_the_database_answers(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


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
