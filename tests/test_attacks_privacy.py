"""Attacks on the data-protection pages and services (docket/privacy): each asserts the
safe behaviour, so a failure is a confirmed leak."""

import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from docket.accounts.models import Role, Team, User
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Case
from docket.people.models import Person, RelationshipKind
from docket.people.services import relate
from docket.privacy import requests
from docket.privacy.disclosures import log_for
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def subject(documenter: User) -> Person:
    """An internal person of our team: every member of the staff may see them."""
    return factories.person(documenter, "Ravan Example", birth_place="Sample Town")


@pytest.fixture
def hidden_case(outsider: User, subject: Person) -> Case:
    """Another team's secret case about our person: nobody of our team may see it."""
    case = factories.case(outsider, "Hidden matter", [subject], confidentiality="secret")
    factories.event(
        outsider,
        case,
        "detention",
        "2021-05-10",
        victims=(subject,),
        place_name="Hidden Depot",
        description="Taken at night.",
    )
    return case


def _access(coordinator: User, person: Person) -> dict:
    item = requests.record_request(
        actor=coordinator, person=person, kind="access", received_on=TODAY, today=TODAY
    )
    return requests.access_output(item, actor=coordinator)


def test_an_access_answer_holds_nothing_of_a_case_its_compiler_may_not_see(
    coordinator: User, subject: Person, hidden_case: Case
) -> None:
    """A coordinator compiling an access answer learned the number, status and events
    (type, dates, place) of another team's secret case about the person."""
    data = _access(coordinator, subject)
    text = json.dumps(data)
    assert hidden_case.pk not in [case["number"] for case in data["cases"]]
    assert hidden_case.pk not in [event["case"] for event in data["events"]]
    assert "Hidden Depot" not in text
    assert all(item.get("number") != hidden_case.pk for item in data["withheld"])


def test_an_access_answer_counts_no_person_its_compiler_may_not_see(
    administrator: User, coordinator: User, outsider: User, team: Team, subject: Person
) -> None:
    """Withheld counts ("other persons of a case: 1", "relationships: 1") counted another
    team's restricted person the compiler may not see: an oracle for their existence."""
    stranger = factories.person(outsider, "Kian Unseen", confidentiality="restricted")
    factories.case(administrator, "Shared matter", [subject, stranger], team=team)
    relate(
        actor=administrator,
        person=subject,
        relative=stranger,
        kind=RelationshipKind.objects.first(),
    )
    withheld = _access(coordinator, subject)["withheld"]
    assert [item for item in withheld if item["rule"] == "other persons"] == []


def test_the_person_page_lists_no_disclosure_of_a_record_the_reader_may_not_see(
    coordinator: User, outsider: User, subject: Person, hidden_case: Case, logged_in: Any
) -> None:
    """The "to whom their data went" section of a person's page named another team's
    secret case ("Download of cases.case 42") to the person's coordinator."""
    audit(Action.DOWNLOAD, actor=outsider, target=hidden_case, detail={"dossier": "pdf"})
    response = logged_in(coordinator).get(reverse("people:person_detail", args=[subject.pk]))
    page = response.content.decode()
    assert "data-person-disclosures" in page
    assert f"cases.case {hidden_case.pk}" not in page
    data = _access(coordinator, subject)
    assert all(str(hidden_case.pk) not in item["what"] for item in data["disclosures"])


def test_a_coordinator_reads_no_disclosure_of_another_teams_hidden_record(
    coordinator: User, team: Team, other_team: Team, hidden_case: Case
) -> None:
    """A member of both teams downloading team B's secret dossier showed in team A's
    coordinator's disclosure log, naming the case."""
    both = User.objects.create(username="mina.both", role=Role.DOCUMENTER)
    both.teams.set([team, other_team])
    audit(Action.DOWNLOAD, actor=both, target=hidden_case, detail={"dossier": "pdf"})
    assert not log_for(coordinator).filter(object_id=str(hidden_case.pk)).exists()
