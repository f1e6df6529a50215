"""Exporting from the pages: only what the person may see, and only after a recent password."""

import io
import json
import time
import zipfile

import pytest

from docket.accounts.confirmation import SESSION_KEY
from docket.audit.models import AuditEntry
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cases(documenter, team, other_team, outsider):
    ours = factories.person(documenter, "Zahra Kazemi", confidentiality="restricted")
    factories.case(documenter, "Our restricted case", [ours], confidentiality="restricted")
    theirs = factories.person(outsider, "Reza Taheri", confidentiality="restricted")
    factories.case(
        outsider, "Another team's restricted case", [theirs], confidentiality="restricted"
    )


def _log_in(client, username):
    client.post("/login/", {"username": username, "password": PASSWORD})


def _age_confirmation(client):
    session = client.session
    session[SESSION_KEY] = time.time() - 3600
    session.save()


def test_the_page_counts_only_what_the_person_may_see(client, documenter, two_cases):
    _log_in(client, "narges.amini")

    page = client.get("/export/").content.decode()

    assert "<dt>Cases</dt><dd>1</dd>" in page


def test_a_fresh_log_in_downloads_a_zip_of_what_the_person_may_see(client, documenter, two_cases):
    _log_in(client, "narges.amini")

    response = client.post("/export/download/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="docket-export-')
    # Reading it to the end closes the response, as a browser finishing the download does.
    content = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(content))
    document = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
    assert [case["title"] for case in document["cases"]] == ["Our restricted case"]
    assert AuditEntry.objects.filter(action="export", actor=documenter).exists()


def test_an_old_log_in_is_asked_for_the_password_again(client, documenter, two_cases):
    _log_in(client, "narges.amini")
    _age_confirmation(client)

    asked = client.post("/export/download/")
    assert asked.status_code == 302
    assert asked["Location"].startswith("/account/confirm/")

    wrong = client.post("/account/confirm/", {"password": "wrong", "next": "/export/"})
    assert "not right" in wrong.content.decode()
    right = client.post("/account/confirm/", {"password": PASSWORD, "next": "/export/"})
    assert right["Location"] == "/export/"
    download = client.post("/export/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")


def test_viewers_do_not_export(client, viewer, two_cases):
    _log_in(client, "behrouz.asadi")

    assert client.post("/export/download/").status_code == 403


def test_an_export_with_a_password_is_sealed_and_opens_only_with_it(client, documenter, two_cases):
    from docket.privacy.archive import WrongPassword, open_archive

    _log_in(client, "narges.amini")

    short = client.post("/export/download/", {"archive_password": "short"})
    response = client.post("/export/download/", {"archive_password": "a long passphrase"})

    assert short.status_code == 302
    assert response["Content-Disposition"].endswith('.zip.sealed"')
    assert b"Our restricted case" not in response.content
    with pytest.raises(WrongPassword):
        open_archive(response.content, "another passphrase")
    archive = zipfile.ZipFile(io.BytesIO(open_archive(response.content, "a long passphrase")))
    document = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
    assert [case["title"] for case in document["cases"]] == ["Our restricted case"]
