"""Dossiers: a case or a person as PDF, for staff or for outside use (redacted by the
rules of publication), and the draft to the UN Working Group on Arbitrary Detention;
each a download through the read door, refused to viewers and to other teams."""

import pytest
from django.urls import reverse

from docket.accounts.models import Role, Team
from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Authority
from docket.dossiers.build import case_dossier
from docket.dossiers.pdf import dossier_html
from docket.letters.services import create_letter, publish_letter
from tests import factories
from tests.conftest import _person
from tests.test_letters_pdf import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def detention(documenter):
    held = factories.person(
        documenter, "Gholamreza Shekari", "غلامرضا شکاری", confidentiality="restricted"
    )
    case = factories.case(documenter, "Held at the camp", [held], confidentiality="restricted")
    police = case_services.create_authority(actor=documenter, name="Border police")
    source = case_services.create_source(
        actor=documenter, title="Testimony of a cellmate", confidentiality="restricted"
    )
    factories.event(
        documenter,
        case,
        "detention",
        "2026-09-30",
        victims=(held,),
        charged=False,
        place_name="Camp Nord",
        authority=police,
        description="Taken at the checkpoint.",
        sources=[source],
    )
    create_letter(
        actor=documenter,
        title="Why is he held without charge?",
        recipients=[police],
        cases=[case],
        questions=["On what legal basis?"],
    )
    return case, held


@pytest.fixture
def published(coordinator, detention):
    """A published letter whose question names the person, who is not public."""
    case, _held = detention
    police = Authority.objects.get(name="Border police")
    letter = create_letter(
        actor=coordinator,
        title="Open letter on the camp",
        recipients=[police],
        cases=[case],
        questions=["Where is Gholamreza Shekari held today?"],
        confidentiality="public",
    )
    return publish_letter(actor=coordinator, letter=letter)


@pytest.fixture
def other_viewer(db):
    (team,) = Team.objects.bulk_create([Team(name="Third association")])
    return _person("arash.viewer", Role.VIEWER, team)


def test_the_case_dossier_for_staff_names_everything_and_for_outside_use_redacts(
    logged_in, documenter, detention, published
):
    case, held = detention
    client = logged_in(documenter)
    url = reverse("dossiers:case_dossier", args=[case.pk])

    staff = client.get(url)
    assert staff.status_code == 200 and staff["Content-Type"] == "application/pdf"
    text = pdf_text(staff.content)
    for expected in (
        "Gholamreza Shekari",
        "Held at the camp",
        "Camp Nord",
        "Border police",
        "Testimony of a cellmate",
        "Why is he held without charge?",
        "On what legal basis?",
        "Rights at stake",
    ):
        assert expected in text, expected

    outside = pdf_text(client.get(url, {"for": "outside"}).content)
    assert "G. S." in outside
    for withheld in (
        "Gholamreza",
        "Held at the camp",
        "Taken at the checkpoint",
        "Testimony of a cellmate",
        "Why is he held",
    ):
        assert withheld not in outside, withheld
    assert "Camp Nord" in outside  # the timeline's facts stay
    # A published letter appears as its public page shows it, the name replaced.
    assert "Open letter on the camp" in outside and "Where is" in outside
    downloads = AuditEntry.objects.filter(action=Action.DOWNLOAD, object_id=str(case.pk))
    assert downloads.count() == 2


def test_a_persian_dossier_is_laid_out_right_to_left(documenter, detention):
    case, _held = detention
    dossier = case_dossier(case, reader=documenter, as_of=case.created_at.date(), outside=False)

    html = dossier_html(dossier, language="fa")

    assert 'dir="rtl"' in html and 'lang="fa"' in html


def test_the_wgad_draft_follows_the_questionnaire_and_marks_what_to_complete(
    logged_in, documenter, detention
):
    case, _held = detention

    answer = logged_in(documenter).get(reverse("dossiers:case_wgad_draft", args=[case.pk]))

    text = answer.content.decode()
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    sections = [
        "I. Identity",
        "II. Arrest",
        "III. Detention",
        "IV. Why the detention",
        "V. Remedies sought",
        "VI. Submitter",
    ]
    assert [text.index(section) for section in sections] == sorted(
        text.index(section) for section in sections
    )
    assert "Gholamreza Shekari" in text and "Camp Nord" in text and "Border police" in text
    assert "without charge" in text and "Why is he held without charge?" in text
    assert "[to complete]" in text


@pytest.mark.parametrize("name", ["case_dossier", "case_wgad_draft", "person_dossier"])
def test_viewers_and_other_teams_do_not_get_a_dossier(
    logged_in, viewer, other_viewer, outsider, detention, name
):
    case, held = detention
    pk = held.pk if name == "person_dossier" else case.pk
    url = reverse(f"dossiers:{name}", args=[pk])
    before = AuditEntry.objects.filter(action=Action.DOWNLOAD).count()

    # The team's viewer sees the case but reads on screen only.
    assert logged_in(viewer).get(url).status_code == 403
    # Another team's viewer and documenter do not see the restricted case: as if missing.
    assert logged_in(other_viewer).get(url).status_code == 404
    assert logged_in(outsider).get(url).status_code == 404
    assert AuditEntry.objects.filter(action=Action.DOWNLOAD).count() == before
