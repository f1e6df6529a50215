"""The controlled vocabularies ship as data, carry HURIDOCS codes, and can be extended."""

import re
from pathlib import Path

import pytest

from docket.cases.models import EventType, InvolvementRole
from docket.people.models import RelationshipKind

pytestmark = pytest.mark.django_db

INTERCHANGE_EVENT_TYPES = {
    "detention", "release", "transfer", "deportation", "return", "entry_refused",
    "visa_refused", "visit_refused", "search_seizure", "document_refused",
    "contact_barred", "charge", "hearing", "trial", "other",
}  # fmt: skip


def test_every_event_type_of_the_format_is_shipped():
    assert set(EventType.objects.values_list("code", flat=True)) == INTERCHANGE_EVENT_TYPES


def test_roles_and_relationships_carry_their_huridocs_codes():
    assert InvolvementRole.objects.get(code="victim").esf == "MT19 010100000000"
    assert RelationshipKind.objects.get(code="parent").esf == "MT21 010103000000"
    assert EventType.objects.get(code="detention").esf == "MT04 030102000000"


def test_an_administrator_can_add_an_event_type(logged_in, administrator):
    client = logged_in(administrator)
    response = client.post(
        "/admin/cases/eventtype/add/",
        {
            "code": "hunger_strike",
            "label": "Hunger strike",
            "esf": "",
            "fields": "[]",
            "position": 200,
        },
    )

    assert response.status_code == 302
    assert EventType.objects.filter(code="hunger_strike").exists()


def test_confidential_records_are_not_in_the_admin(logged_in, administrator):
    client = logged_in(administrator)

    assert client.get("/admin/cases/case/").status_code == 404
    assert client.get("/admin/people/person/").status_code == 404


def test_every_huridocs_code_is_a_real_one():
    reference = (
        Path(__file__).parent.parent / "docs/reference/huridocs-esf-thesauri.md"
    ).read_text()
    codes = {
        f"{thesaurus} {code}"
        for thesaurus, block in _thesauri(reference)
        for code in re.findall(r"\b(\d{12})\b", block)
    }
    terms = [
        *EventType.objects.all(),
        *InvolvementRole.objects.all(),
        *RelationshipKind.objects.all(),
    ]

    unknown = [term.code for term in terms if term.esf and term.esf not in codes]
    assert unknown == []


def _thesauri(reference: str) -> list[tuple[str, str]]:
    """(MT04, its text) for each micro-thesaurus section of the reference."""
    sections = re.split(r"^## (MT\d+)[^\n]*$", reference, flags=re.M)
    return list(zip(sections[1::2], sections[2::2], strict=True))
