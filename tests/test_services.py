"""Writing records: history, refused stale edits, soft deletion, evidence on arrival."""

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from docket.cases.models import CustodyEntry
from docket.cases.services import attach_evidence, create_source, read_evidence, update_case
from docket.lib.versioning import StaleEdit
from docket.people.services import NameInput, update_person
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_a_person_keeps_names_in_every_script(documenter):
    person = factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری", birth_date="1975")

    assert [name.script for name in person.names.all()] == ["latin", "persian"]
    assert person.display_name == "Gholamreza Shekari"
    person.refresh_from_db()
    assert person.birth_date.isoformat() == "1975"


def test_every_change_is_kept_with_who_made_it(documenter, team):
    dossier = factories.case(documenter, "First title", [], team=team)
    update_case(actor=documenter, case=dossier, expected_version=1, title="Second title")

    versions = list(dossier.history.order_by("history_date"))
    assert [version.title for version in versions] == ["First title", "Second title"]
    assert {version.history_user for version in versions} == {documenter}


def test_a_stale_edit_is_refused_and_the_first_change_stays(documenter, coordinator, team):
    dossier = factories.case(documenter, "Title", [], team=team)
    opened_version = dossier.version
    update_case(actor=coordinator, case=dossier, expected_version=opened_version, summary="First")

    with pytest.raises(StaleEdit) as refused:
        update_case(
            actor=documenter, case=dossier, expected_version=opened_version, summary="Second"
        )

    assert refused.value.current.summary == "First"
    dossier.refresh_from_db()
    assert dossier.summary == "First"
    assert dossier.version == 2


def test_renaming_a_person_is_versioned(documenter):
    person = factories.person(documenter, "Leila Rahimi")
    update_person(
        actor=documenter,
        person=person,
        expected_version=person.version,
        names=[NameInput("Leyla Rahimi"), NameInput("لیلا رحیمی", script="persian")],
    )

    assert [name.name for name in person.names.all()] == ["Leyla Rahimi", "لیلا رحیمی"]
    assert person.history.count() == 2


def test_a_person_needs_a_name(documenter):
    with pytest.raises(ValidationError):
        factories.person(documenter, " ")


def test_evidence_is_hashed_on_arrival_and_logged(documenter):
    source = create_source(actor=documenter, title="Testimony of a released detainee")
    evidence = attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("statement.pdf", PDF)
    )

    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.size == len(PDF)
    assert evidence.content_type == "application/pdf"
    assert read_evidence(evidence) == PDF
    assert list(CustodyEntry.objects.values_list("action", flat=True)) == ["added"]


def test_evidence_of_a_refused_type_is_turned_away(documenter):
    source = create_source(actor=documenter, title="A source")
    program = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + bytes(range(256)) * 4)

    with pytest.raises(ValidationError, match="cannot be kept as evidence"):
        attach_evidence(actor=documenter, source=source, upload=program)


def test_evidence_too_large_is_turned_away(documenter, settings):
    settings.EVIDENCE_MAX_BYTES = 10
    source = create_source(actor=documenter, title="A source")

    with pytest.raises(ValidationError, match="larger than"):
        attach_evidence(actor=documenter, source=source, upload=SimpleUploadedFile("a.pdf", PDF))


def test_a_viewer_cannot_write(viewer):
    with pytest.raises(PermissionDenied):
        factories.person(viewer, "Samira Amini")
