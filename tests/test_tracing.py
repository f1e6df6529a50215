"""Tracing: the consent rule, the request's states, matching at intake, relayed messages, and
refused visas that become documented events. The pages and outputs are in
tests/test_tracing_pages.py."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from docket.accounts.models import User
from docket.cases import services as case_services
from docket.cases.models import Event
from docket.people.models import NameKind, Person
from docket.people.services import NameInput
from docket.tracing import services
from docket.tracing.consent import (
    PUBLIC,
    consent_in_force,
    disclosure_for_requester,
    neutral_statement,
)
from docket.tracing.models import (
    ConsentScope,
    ContactKind,
    ContactOutcome,
    MatchStatus,
    TracingRequest,
    TracingStatus,
)
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def open_request(actor: User, team: Any, **fields: Any) -> TracingRequest:
    requester = factories.person(actor, "Parvin Fictional", team=team, confidentiality="restricted")
    sought = factories.person(actor, "Dariush Fictional", team=team, confidentiality="restricted")
    sought.contact_details = "Camp block 7, phone 000-FICTIONAL"
    sought.save(update_fields=["contact_details"])
    intake = services.Intake(
        requester=requester,
        sought=sought,
        relationship="brother",
        last_contact=date(2019, 5, 1),
        asks_for=["news", "message"],
        team=team,
        **fields,
    )
    request = services.open_request(actor=actor, intake=intake)
    request.whereabouts = "The northern camp, block 7"
    request.save(update_fields=["whereabouts"])
    return request


@pytest.fixture
def request_(documenter: User, team: Any) -> TracingRequest:
    return open_request(documenter, team)


def consent(actor: User, request: TracingRequest, scope: str, **fields: Any) -> Any:
    fields.setdefault("given_on", TODAY() - timedelta(days=10))
    return services.record_consent(
        actor=actor, request=request, scope=scope, how="written", **fields
    )


# The rule


def test_no_consent_means_only_the_neutral_statement(request_: TracingRequest) -> None:
    told = disclosure_for_requester(request_, TODAY())

    assert told.statement == neutral_statement()
    assert not told.found
    assert told.whereabouts == told.contact_details == ""
    assert told.messages == []


def test_a_consent_in_force_discloses_exactly_its_scope(
    documenter: User, request_: TracingRequest
) -> None:
    consent(documenter, request_, ConsentScope.SHARE_WHEREABOUTS)

    told = disclosure_for_requester(request_, TODAY())

    assert told.found
    assert told.whereabouts == "The northern camp, block 7"
    assert told.contact_details == ""  # another scope


def test_an_expired_consent_discloses_nothing(documenter: User, request_: TracingRequest) -> None:
    consent(documenter, request_, ConsentScope.SHARE_WHEREABOUTS, expires_on=TODAY() - timedelta(1))

    assert not consent_in_force(
        request_.sought, ConsentScope.SHARE_WHEREABOUTS, request_.requester, on=TODAY()
    )
    assert disclosure_for_requester(request_, TODAY()).whereabouts == ""
    # On its last day it still covered it.
    assert disclosure_for_requester(request_, TODAY() - timedelta(1)).found


def test_a_consent_given_later_does_not_cover_today(
    documenter: User, request_: TracingRequest
) -> None:
    consent(documenter, request_, ConsentScope.SHARE_CONTACT, given_on=TODAY())

    assert disclosure_for_requester(request_, TODAY() - timedelta(1)).contact_details == ""
    assert "000-FICTIONAL" in disclosure_for_requester(request_, TODAY()).contact_details


def test_a_withdrawn_consent_stops_at_once(documenter: User, request_: TracingRequest) -> None:
    given = consent(documenter, request_, ConsentScope.SHARE_WHEREABOUTS)

    services.withdraw_consent(actor=documenter, request=request_, consent=given)

    assert given.withdrawn_on == TODAY()
    assert given.withdrawn_by == documenter
    assert disclosure_for_requester(request_, TODAY()).statement == neutral_statement()


def test_a_consent_to_another_party_does_not_count(
    documenter: User, team: Any, request_: TracingRequest
) -> None:
    other = open_request(documenter, team)
    # The same sought person agreed to tell someone else, not this requester.
    consent(documenter, other, ConsentScope.SHARE_WHEREABOUTS)

    assert not consent_in_force(
        request_.sought, ConsentScope.SHARE_WHEREABOUTS, request_.requester, on=TODAY()
    )
    assert consent_in_force(
        other.sought, ConsentScope.SHARE_WHEREABOUTS, other.requester, on=TODAY()
    )


def test_a_consent_to_the_public_covers_the_requester(
    documenter: User, request_: TracingRequest
) -> None:
    consent(documenter, request_, ConsentScope.SHARE_WHEREABOUTS, to_public=True)

    assert consent_in_force(request_.sought, ConsentScope.SHARE_WHEREABOUTS, PUBLIC, on=TODAY())
    assert disclosure_for_requester(request_, TODAY()).found


def test_a_consent_of_the_wrong_scope_discloses_nothing(
    documenter: User, request_: TracingRequest
) -> None:
    consent(documenter, request_, ConsentScope.PUBLISH)

    told = disclosure_for_requester(request_, TODAY())

    assert told.statement == neutral_statement()
    assert told.scopes == []


def test_a_refusal_reads_exactly_like_not_found(
    documenter: User, team: Any, request_: TracingRequest
) -> None:
    not_found = open_request(documenter, team)
    consent(documenter, request_, ConsentScope.SHARE_WHEREABOUTS)
    services.move_request(actor=documenter, request=request_, to=TracingStatus.LOCATED)

    services.record_refusal(
        actor=documenter,
        request=request_,
        scope=ConsentScope.SHARE_WHEREABOUTS,
        refused_on=TODAY(),
        how="oral_witnessed",
    )

    refused = disclosure_for_requester(request_, TODAY()).as_json()
    unknown = disclosure_for_requester(not_found, TODAY()).as_json()
    for payload in (refused, unknown):
        payload.pop("reference")
    assert refused == unknown
    assert request_.refusals.count() == 1


def test_a_consent_given_after_a_refusal_counts_again(
    documenter: User, request_: TracingRequest
) -> None:
    services.record_refusal(
        actor=documenter,
        request=request_,
        scope=ConsentScope.PASS_MESSAGES,
        refused_on=TODAY() - timedelta(5),
        how="written",
    )
    consent(documenter, request_, ConsentScope.PASS_MESSAGES, given_on=TODAY() - timedelta(1))

    assert disclosure_for_requester(request_, TODAY()).scopes == ["pass_messages"]


# Who may write


def test_a_documenter_of_another_team_may_not_record_consent(
    outsider: User, request_: TracingRequest
) -> None:
    with pytest.raises(PermissionDenied):
        consent(outsider, request_, ConsentScope.SHARE_WHEREABOUTS)


def test_a_viewer_may_not_open_a_request(viewer: User, documenter: User, team: Any) -> None:
    with pytest.raises(PermissionDenied):
        open_request(viewer, team)


# States


def test_each_step_is_dated_and_attributed(documenter: User, request_: TracingRequest) -> None:
    services.move_request(actor=documenter, request=request_, to=TracingStatus.SEARCHING)
    services.move_request(
        actor=documenter, request=request_, to=TracingStatus.LOCATED, note="Found in camp"
    )

    steps = list(request_.steps.values_list("from_status", "to_status", "by", "on"))
    assert steps == [
        ("", "open", documenter.pk, request_.opened_on),
        ("open", "searching", documenter.pk, TODAY()),
        ("searching", "located", documenter.pk, TODAY()),
    ]
    request_.refresh_from_db()
    assert request_.status == TracingStatus.LOCATED


def test_a_move_not_allowed_is_refused(documenter: User, request_: TracingRequest) -> None:
    with pytest.raises(ValidationError, match="cannot become contact established"):
        services.move_request(
            actor=documenter, request=request_, to=TracingStatus.CONTACT_ESTABLISHED
        )
    request_.refresh_from_db()
    assert request_.status == TracingStatus.OPEN
    assert request_.steps.count() == 1


def test_a_step_by_another_team_is_refused(outsider: User, request_: TracingRequest) -> None:
    with pytest.raises(PermissionDenied):
        services.move_request(actor=outsider, request=request_, to=TracingStatus.SEARCHING)


# Messages


def test_a_message_is_passed_on_only_under_consent(
    documenter: User, request_: TracingRequest
) -> None:
    message = services.log_message(actor=documenter, request=request_, text="We miss you.")

    with pytest.raises(ValidationError, match="no consent in force"):
        services.relay_message(actor=documenter, message=message)
    consent(documenter, request_, ConsentScope.PASS_MESSAGES)
    services.relay_message(actor=documenter, message=message)
    services.record_delivery(
        actor=documenter, message=message, delivered_on=TODAY(), reply="I am well."
    )

    told = disclosure_for_requester(request_, TODAY())
    assert [item.reply for item in told.messages] == ["I am well."]


def test_a_withdrawn_message_consent_stops_the_reply_reaching_the_family(
    documenter: User, request_: TracingRequest
) -> None:
    given = consent(documenter, request_, ConsentScope.PASS_MESSAGES)
    message = services.log_message(actor=documenter, request=request_, text="We miss you.")
    services.relay_message(actor=documenter, message=message)
    services.record_delivery(actor=documenter, message=message, reply="I am well.")

    services.withdraw_consent(actor=documenter, request=request_, consent=given)

    assert disclosure_for_requester(request_, TODAY()).messages == []
    second = services.log_message(actor=documenter, request=request_, text="Again.")
    with pytest.raises(ValidationError):
        services.relay_message(actor=documenter, message=second)


# Matching at intake


def test_intake_matches_a_transliterated_name(documenter: User, team: Any) -> None:
    recorded = factories.person(
        documenter, "Gholamreza Shekari", "غلامرضا شکاری", team=team, birth_date=None
    )
    factories.person(documenter, "Maryam Fictional", team=team)
    requester = factories.person(documenter, "Shahla Shekari", team=team)

    request = services.open_request(
        actor=documenter,
        intake=services.Intake(
            requester=requester,
            sought=services.NewPerson(names=[NameInput("Qolamreza Shakari")]),
            team=team,
        ),
    )

    candidates = list(request.matches.values_list("candidate_id", flat=True))
    assert candidates[:1] == [recorded.pk]
    assert request.matches.first().weights  # type: ignore[union-attr]


def test_confirming_a_match_merges_the_new_record_into_the_known_person(
    documenter: User, coordinator: User, team: Any
) -> None:
    recorded = factories.person(documenter, "Gholamreza Shekari", team=team)
    requester = factories.person(documenter, "Shahla Shekari", team=team)
    request = services.open_request(
        actor=documenter,
        intake=services.Intake(
            requester=requester,
            sought=services.NewPerson(
                names=[NameInput("Qolamreza Shakari")], father_name="Hossein"
            ),
            team=team,
        ),
    )
    match = request.matches.get(candidate_id=recorded.pk)

    with pytest.raises(PermissionDenied):
        services.confirm_match(actor=documenter, match=match)
    services.confirm_match(actor=coordinator, match=match)

    request.refresh_from_db()
    assert request.sought_id == recorded.pk
    assert request.sought_as_given == "Qolamreza Shakari"
    match.refresh_from_db()
    assert match.status == MatchStatus.CONFIRMED
    kinds = set(Person.objects.get(pk=recorded.pk).names.values_list("kind", flat=True))
    assert NameKind.FATHER in kinds


def test_rejecting_a_candidate_keeps_the_new_record(documenter: User, team: Any) -> None:
    recorded = factories.person(documenter, "Gholamreza Shekari", team=team)
    requester = factories.person(documenter, "Shahla Shekari", team=team)
    request = services.open_request(
        actor=documenter,
        intake=services.Intake(
            requester=requester,
            sought=services.NewPerson(names=[NameInput("Qolamreza Shakari")]),
            team=team,
        ),
    )
    match = request.matches.get(candidate_id=recorded.pk)

    services.reject_match(actor=documenter, match=match)

    match.refresh_from_db()
    assert match.status == MatchStatus.REJECTED
    assert request.sought_id != recorded.pk


# Contact attempts


def test_a_refused_visa_proposes_an_event_made_only_when_confirmed(
    documenter: User, team: Any, request_: TracingRequest
) -> None:
    embassy = case_services.create_authority(actor=documenter, name="Fictional Embassy")
    case = factories.case(documenter, "Dariush held", [request_.sought], team=team)
    attempt = services.log_attempt(
        actor=documenter,
        request=request_,
        kind=ContactKind.VISA_APPLICATION,
        date=TODAY() - timedelta(3),
        outcome=ContactOutcome.REFUSED,
        refused_by=embassy,
        channel="Embassy counter",
    )

    proposal = services.event_proposal(attempt, documenter)
    assert proposal is not None
    assert proposal.type_code == "visa_refused"
    assert proposal.authority == embassy
    assert not Event.objects.filter(case=case).exists()

    event = services.document_refusal(actor=documenter, attempt=attempt, case=case)

    assert event.case == case
    assert event.type.code == "visa_refused"
    assert event.authority == embassy
    assert str(event.start) == (TODAY() - timedelta(3)).isoformat()
    assert set(event.persons.all()) == {request_.sought, request_.requester}
    attempt.refresh_from_db()
    assert attempt.event == event


def test_a_refused_visit_without_a_case_opens_one(
    documenter: User, request_: TracingRequest
) -> None:
    attempt = services.log_attempt(
        actor=documenter,
        request=request_,
        kind=ContactKind.VISIT,
        date=TODAY(),
        outcome=ContactOutcome.REFUSED,
    )

    event = services.document_refusal(
        actor=documenter, attempt=attempt, new_case_title="Dariush: visits refused"
    )

    assert event.type.code == "visit_refused"
    assert request_.sought in event.case.persons.all()


def test_a_call_proposes_no_event(documenter: User, request_: TracingRequest) -> None:
    attempt = services.log_attempt(
        actor=documenter,
        request=request_,
        kind=ContactKind.CALL,
        date=TODAY(),
        outcome=ContactOutcome.NO_ANSWER,
    )

    assert services.event_proposal(attempt, documenter) is None
    with pytest.raises(ValidationError):
        services.document_refusal(actor=documenter, attempt=attempt, new_case_title="x")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_move_outside_any_transaction_locks_and_writes_its_step(
    documenter: User, team: Any
) -> None:
    """A page's view or a task calls `move_request` with no transaction open: the move
    opens its own, so its lock on the request holds (PostgreSQL refuses a lock outside
    one) and the status and its step are written together."""
    request = open_request(documenter, team)
    step = services.move_request(actor=documenter, request=request, to="searching")
    request.refresh_from_db()
    assert request.status == step.to_status == "searching"
    assert request.steps.filter(to_status="searching").count() == 1
