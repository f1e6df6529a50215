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
from docket.people.merges import merge_persons, unmerge
from docket.people.models import Person, PersonName, RelationshipKind
from docket.people.services import relate
from docket.privacy import anonymise, requests
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


def test_undoing_a_merge_does_not_bring_an_anonymised_name_back(
    documenter: User, coordinator: User
) -> None:
    """The merge kept the absorbed person's names to put them back; anonymising the
    kept person left them there, and undoing the merge wrote the real name again."""
    keep = factories.person(documenter, "Parvaneh Sample")
    absorb = factories.person(documenter, "Parvana Sampel")
    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)
    anonymise.anonymise_person(actor=coordinator, person=keep, reason="retention ended")
    merge.refresh_from_db()
    assert "Parvana Sampel" not in json.dumps(merge.moved)
    unmerge(actor=coordinator, merge=merge)
    names = set(PersonName.objects.values_list("name", flat=True))
    assert not names & {"Parvaneh Sample", "Parvana Sampel"}


def test_anonymising_a_tracing_request_leaves_no_contact_detail_in_its_attempts(
    documenter: User, coordinator: User
) -> None:
    """Anonymising a tracing request (or its sought person) blanked its reason and
    whereabouts but kept the phone number and notes of its contact attempts, the
    notes of its refusals and steps, history rows included."""
    from docket.tracing import services as tracing
    from docket.tracing.models import ContactAttempt, Refusal, TracingStep

    requester = factories.person(documenter, "Golnar Example")
    sought = factories.person(documenter, "Dariush Example")
    request = tracing.open_request(
        actor=documenter,
        intake=tracing.Intake(requester=requester, sought=sought, reason="Lost"),
        match=False,
    )
    secret = "+00 555 0199 at Dariush Example's cousin"
    tracing.move_request(actor=documenter, request=request, to="searching", note=secret)
    tracing.log_attempt(
        actor=documenter, request=request, kind="call", date=TODAY, channel=secret, notes=secret
    )
    tracing.record_refusal(
        actor=documenter,
        request=request,
        scope="share_contact",
        refused_on=TODAY,
        how="written",
        notes=secret,
    )
    anonymise.anonymise_tracing_request(actor=coordinator, request=request, reason="ended")
    left = [
        *ContactAttempt.objects.values_list("channel", "notes"),
        *ContactAttempt.history.values_list("channel", "notes"),
        *Refusal.objects.values_list("notes"),
        *Refusal.history.values_list("notes"),
        *TracingStep.objects.values_list("note"),
    ]
    assert not [row for row in left if secret in row]


def test_a_requesters_access_answer_tells_no_more_than_the_sought_person_allowed(
    documenter: User, coordinator: User
) -> None:
    """A requester is told only the neutral statement until the sought person agrees
    (docket/tracing/consent.py); their access request answered with the request's
    status ("located", "declined"): found, and refusing, told by another door."""
    from docket.tracing import services as tracing
    from docket.tracing.consent import neutral_statement

    requester = factories.person(documenter, "Golnar Example")
    sought = factories.person(documenter, "Dariush Example")
    request = tracing.open_request(
        actor=documenter,
        intake=tracing.Intake(requester=requester, sought=sought, reason="Lost"),
        match=False,
    )
    tracing.move_request(actor=documenter, request=request, to="located", whereabouts="North")
    message = tracing.log_message(actor=documenter, request=request, text="We miss you.")
    answer = _access(coordinator, requester)["tracing_requests"]
    assert [item.get("status") for item in answer] == [None]
    assert [item["statement"] for item in answer] == [neutral_statement()]
    assert "located" not in json.dumps(answer)
    # The sought person is not handed the family's words their consent has not let through.
    sought_answer = _access(coordinator, sought)["tracing_requests"]
    assert [item["messages"] for item in sought_answer] == [[]]
    assert message.text not in json.dumps(sought_answer)


def test_erasing_is_refused_at_the_service_to_whom_may_not_delete_the_person(
    outsider: User, subject: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """retention.erase handed any caller's request to the erasure module, checking only
    the legal hold: the page checked who may delete, the service did not."""
    import sys
    import types

    from django.core.exceptions import PermissionDenied

    from docket.privacy import retention

    erased: list[int] = []
    erasure = types.ModuleType("docket.privacy.erasure")
    erasure.erase_person = lambda *, actor, person, reason: erased.append(person.pk)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "docket.privacy.erasure", erasure)
    with pytest.raises(PermissionDenied):
        retention.erase(actor=outsider, person=subject, reason="asked")
    assert erased == []
