"""Encryption at rest: sealed fields and files, key rotation, evidence checks."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from docket.cases.models import Evidence
from docket.cases.services import attach_evidence, create_source, read_evidence
from docket.lib import crypto, datakeys
from docket.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

CONTACT = "Phone +355 69 000 0000, ask for the eldest brother"
STATEMENT = b"A fictional statement about the closed centre.\n"


@pytest.fixture
def keyring_file(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    yield tmp_path / "keys"


@pytest.fixture
def sealed_records(keyring_file, documenter):
    person = factories.person(documenter, "Parvin Jafari", contact_details=CONTACT)
    source = create_source(actor=documenter, title="Statement")
    evidence = attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("statement.txt", STATEMENT)
    )
    return person, evidence


def _raw_contact(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_details FROM people_person WHERE id = %s", [person.pk])
        return str(cursor.fetchone()[0])


def _raw_file(evidence: Evidence) -> bytes:
    with evidence.file.open("rb") as stored:
        return stored.read()


def test_contact_details_are_sealed_in_the_database(sealed_records):
    person, _ = sealed_records

    raw = _raw_contact(person)
    # Under the person's own data key (docket.lib.datakeys), itself wrapped under the keyring.
    assert raw.startswith(f"dp1${person.data_key}$")
    # Not "355" alone: the key's hex id or the ciphertext holds it by chance now and then.
    assert "+355 69" not in raw and "brother" not in raw
    assert Person.objects.get(pk=person.pk).contact_details == CONTACT


def test_the_history_keeps_contact_details_sealed_too(sealed_records):
    person, _ = sealed_records

    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_details FROM people_historicalperson")
        assert all(str(row[0]).startswith(f"dp1${person.data_key}$") for row in cursor.fetchall())


def test_evidence_files_are_sealed_on_disk(sealed_records):
    _, evidence = sealed_records

    assert STATEMENT not in _raw_file(evidence)
    assert "statement" not in evidence.file.name
    assert read_evidence(evidence) == STATEMENT


def test_the_keyring_is_created_private(sealed_records, keyring_file):
    assert keyring_file.stat().st_mode & 0o777 == 0o600


def test_rotation_reseals_everything_and_loses_nothing(sealed_records, keyring_file, capsys):
    person, evidence = sealed_records
    old_key = crypto.keyring().current_id
    old_file = evidence.file.name

    call_command("keys", "rotate")

    new_key = crypto.keyring().current_id
    assert new_key != old_key
    # The person's data key is wrapped again under the new key; their values stay under it.
    assert _raw_contact(person).split("$")[1] == person.data_key
    with connection.cursor() as cursor:
        cursor.execute("SELECT wrapped FROM people_personkey WHERE key_id = %s", [person.data_key])
        assert str(cursor.fetchone()[0]).split("$")[1] == new_key
    datakeys.forget()
    evidence.refresh_from_db()
    assert evidence.file.name != old_file
    assert crypto.key_id_of(_raw_file(evidence)) == new_key
    assert not evidence.file.storage.exists(old_file)
    assert Person.objects.get(pk=person.pk).contact_details == CONTACT
    assert read_evidence(evidence) == STATEMENT
    assert "re-sealed" in capsys.readouterr().out


def test_sealed_data_does_not_open_under_another_keyring(sealed_records, keyring_file):
    person, _ = sealed_records
    keyring_file.write_text(crypto.new_key_line() + "\n")
    datakeys.forget()

    with pytest.raises(crypto.DecryptionError):
        _ = Person.objects.get(pk=person.pk).contact_details


def test_evidence_verify_names_a_changed_file(own_storage, sealed_records, capsys):
    _, evidence = sealed_records
    call_command("evidence", "verify")
    assert "All 1 evidence files match" in capsys.readouterr().out

    sealed = bytearray(_raw_file(evidence))
    sealed[-1] ^= 0xFF
    with evidence.file.storage.open(evidence.file.name, "wb") as stored:
        stored.write(bytes(sealed))

    with pytest.raises(CommandError, match="1 of 1 evidence files failed"):
        call_command("evidence", "verify")
    assert f"Evidence {evidence.pk} (statement.txt)" in capsys.readouterr().err
