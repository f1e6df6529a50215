"""The tracing pages and every output prepared for the requester: intake with matching, the
request's page, the reply letter (page and PDF), the requester export, the command, and
the refused visa that becomes an event only once staff confirm it."""

import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.accounts.models import User
from docket.cases import services as case_services
from docket.cases.models import Event
from docket.people.models import Person, Relationship, RelationshipKind
from docket.tracing import services
from docket.tracing.consent import neutral_statement
from docket.tracing.models import ConsentScope, ContactAttempt, TracingRequest
from tests import factories
from tests.test_letters_pdf import pdf_text
from tests.test_tracing import open_request

pytestmark = pytest.mark.django_db

WHEREABOUTS = "The northern camp, block 7"
CONTACT = "000-FICTIONAL"
REPLY = "I am well, tell mother."


@pytest.fixture
def tracing(documenter: User, team: Any) -> TracingRequest:
    return open_request(documenter, team)


def _everything_allowed(actor: User, tracing: TracingRequest) -> list[Any]:
    given = [
        services.record_consent(
            actor=actor,
            request=tracing,
            scope=scope,
            given_on=timezone.localdate() - timedelta(days=2),
            how="written",
        )
        for scope in (
            ConsentScope.SHARE_WHEREABOUTS,
            ConsentScope.SHARE_CONTACT,
            ConsentScope.PASS_MESSAGES,
        )
    ]
    message = services.log_message(actor=actor, request=tracing, text="We miss you.")
    services.relay_message(actor=actor, message=message)
    services.record_delivery(
        actor=actor, message=message, delivered_on=timezone.localdate(), reply=REPLY
    )
    return given


def _outputs(
    client: Client, tracing: TracingRequest, username: str = "narges.amini"
) -> dict[str, str]:
    """Every way something reaches the requester, as text."""
    page = client.get(reverse("tracing:requester_reply", args=[tracing.pk]))
    document = client.get(reverse("tracing:requester_reply_pdf", args=[tracing.pk]))
    export = client.get(reverse("tracing:requester_export", args=[tracing.pk]))
    api = client.get(f"/api/v1/tracing/{tracing.pk}/for-requester")
    command = io.StringIO()
    call_command(
        "tracing",
        "requester-report",
        str(tracing.pk),
        "--json",
        "--as",
        username,
        stdout=command,
    )
    for response in (page, document, export, api):
        assert response.status_code == 200, response
    return {
        "page": page.content.decode(),
        "pdf": pdf_text(document.content),
        "export": export.content.decode(),
        "api": api.content.decode(),
        "command": command.getvalue(),
    }


def test_every_output_holds_what_consent_allows_and_nothing_once_withdrawn(
    documenter: User, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(documenter)
    given = _everything_allowed(documenter, tracing)

    before = _outputs(client, tracing)
    for where, text in before.items():
        for secret in (WHEREABOUTS, CONTACT, REPLY):
            assert secret in text.replace("\n", " "), (where, secret)

    for consent in given:
        services.withdraw_consent(actor=documenter, request=tracing, consent=consent)

    after = _outputs(client, tracing)
    for where, text in after.items():
        for secret in (WHEREABOUTS, CONTACT, REPLY):
            assert secret not in text, (where, secret)
    assert neutral_statement()[:40] in after["page"]
    assert json.loads(after["export"])["found"] is False
    assert json.loads(after["api"])["found"] is False


def test_every_output_holds_back_what_its_reader_may_not_see(
    documenter: User, viewer: User, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    """The requester's name only to those who may see the requester; the sought person's
    contact details, though consented, only to those who may edit the sought person."""
    _everything_allowed(documenter, tracing)
    type(tracing.requester).objects.filter(pk=tracing.requester_id).update(confidentiality="secret")
    client = logged_in(viewer)
    requester_page = reverse("people:person_detail", args=[tracing.requester_id])
    assert client.get(requester_page).status_code == 404

    shown = _outputs(client, tracing, viewer.username)
    for where, text in shown.items():
        flat = text.replace("\n", " ")
        assert "Parvin" not in flat, where
        assert CONTACT not in flat, where
        assert WHEREABOUTS in flat and REPLY in flat, where
    for where in ("export", "api", "command"):
        told = json.loads(shown[where])
        assert told["withheld"] == ["requester", "contact_details"], where
        assert told["contact_details"] == "", where


def test_a_withdrawn_whereabouts_consent_leaves_the_others(
    documenter: User, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    whereabouts, _contact, _messages = _everything_allowed(documenter, tracing)

    services.withdraw_consent(actor=documenter, request=tracing, consent=whereabouts)

    export = json.loads(
        logged_in(documenter).get(reverse("tracing:requester_export", args=[tracing.pk])).content
    )
    assert export["whereabouts"] == ""
    assert CONTACT in export["contact_details"]
    assert export["messages"][0]["reply"] == REPLY


@pytest.mark.parametrize("persona", ["outsider"])
def test_another_team_gets_404_everywhere(
    request: pytest.FixtureRequest,
    persona: str,
    tracing: TracingRequest,
    logged_in: Callable[[User], Client],
) -> None:
    client = logged_in(request.getfixturevalue(persona))
    for name in (
        "request_detail",
        "requester_reply",
        "requester_reply_pdf",
        "requester_export",
    ):
        assert client.get(reverse(f"tracing:{name}", args=[tracing.pk])).status_code == 404
    for name in ("request_step", "consent_add", "consent_withdraw", "attempt_add", "message_add"):
        assert client.post(reverse(f"tracing:{name}", args=[tracing.pk])).status_code == 404
    assert client.get(f"/api/v1/tracing/{tracing.pk}").status_code == 404
    assert client.get(f"/api/v1/tracing/{tracing.pk}/for-requester").status_code == 404
    listed = client.get(reverse("tracing:request_list")).content.decode()
    assert tracing.reference not in listed


def test_a_viewer_reads_but_may_not_change(
    viewer: User, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(viewer)

    assert client.get(reverse("tracing:request_detail", args=[tracing.pk])).status_code == 200
    response = client.post(reverse("tracing:request_step", args=[tracing.pk]), {"to": "searching"})

    assert response.status_code == 403


def test_intake_opens_a_request_and_lists_candidates_with_reasons(
    documenter: User, team: Any, logged_in: Callable[[User], Client]
) -> None:
    recorded = factories.person(documenter, "Gholamreza Shekari", team=team)
    client = logged_in(documenter)

    response = client.post(
        reverse("tracing:request_create"),
        {
            "requester_name": "Shahla Shekari",
            "requester_contact": "Fictional Street 1",
            "sought_name": "Qolamreza Shakari",
            "sought_other_name": "غلامرضا شکاری",
            "sought_other_script": "persian",
            "sought_father_name": "Hossein",
            "last_contact": "2018-03-01",
            "last_known_place": "Fictional camp",
            "asks_for": ["news", "message"],
            "reason": "No news since 2018.",
            "relationship_kind": str(RelationshipKind.objects.get(code="sibling").pk),
            "confidentiality": "restricted",
            "team": str(team.pk),
        },
        follow=True,
    )

    assert response.status_code == 200
    tracing = TracingRequest.objects.get()
    assert tracing.asks_for == ["news", "message"]
    assert tracing.requester.contact_details == "Fictional Street 1"
    page = response.content.decode()
    assert "Gholamreza Shekari" in page
    assert f"#{recorded.pk}" in page
    assert "Given name" in page  # a reason, per comparison
    assert "Years without contact" in page
    assert Relationship.objects.filter(
        person=tracing.requester, relative=tracing.sought, kind__code="sibling"
    ).exists()


def test_steps_are_enforced_on_the_page(
    documenter: User, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(documenter)

    refused = client.post(
        reverse("tracing:request_step", args=[tracing.pk]), {"to": "closed"}, follow=True
    )
    tracing.refresh_from_db()
    assert tracing.status == "closed"
    again = client.post(
        reverse("tracing:request_step", args=[tracing.pk]), {"to": "located"}, follow=True
    )

    assert refused.status_code == again.status_code == 200
    tracing.refresh_from_db()
    assert tracing.status == "closed"
    assert "cannot become located" in again.content.decode()


def test_a_refused_visa_becomes_an_event_only_when_confirmed(
    documenter: User, team: Any, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    embassy = case_services.create_authority(actor=documenter, name="Fictional Embassy")
    case = factories.case(documenter, "Dariush held", [tracing.sought], team=team)
    client = logged_in(documenter)

    response = client.post(
        reverse("tracing:attempt_add", args=[tracing.pk]),
        {
            "kind": "visa_application",
            "date": timezone.localdate().isoformat(),
            "outcome": "refused",
            "refused_by": str(embassy.pk),
            "channel": "Embassy counter",
        },
    )
    attempt = ContactAttempt.objects.get()
    assert response["Location"] == reverse("tracing:attempt_event", args=[attempt.pk])
    proposal = client.get(response["Location"]).content.decode()
    assert "Visa refused" in proposal
    assert "Fictional Embassy" in proposal
    assert not Event.objects.filter(case=case).exists()

    confirmed = client.post(
        response["Location"],
        {"case": str(case.pk), "description": "Refused at the counter."},
        follow=True,
    )

    event = Event.objects.get(case=case)
    assert event.type.code == "visa_refused"
    assert "Refused at the counter." in confirmed.content.decode()
    attempt.refresh_from_db()
    assert attempt.event == event


def test_the_event_proposal_refuses_another_team(
    documenter: User,
    outsider: User,
    tracing: TracingRequest,
    logged_in: Callable[[User], Client],
) -> None:
    attempt = services.log_attempt(
        actor=documenter,
        request=tracing,
        kind="visit",
        date=timezone.localdate(),
        outcome="refused",
    )

    response = logged_in(outsider).get(reverse("tracing:attempt_event", args=[attempt.pk]))

    assert response.status_code == 404


def test_the_person_page_shows_who_is_looking_for_whom(
    documenter: User, outsider: User, tracing: TracingRequest, logged_in: Callable[[User], Client]
) -> None:
    page = logged_in(documenter).get(reverse("people:person_detail", args=[tracing.sought.pk]))

    text = page.content.decode()
    assert tracing.reference in text
    assert "Parvin Fictional" in text


def test_show_person_gives_years_without_family_contact(
    documenter: User, administrator: User, tracing: TracingRequest
) -> None:
    out = io.StringIO()
    call_command(
        "show", "person", str(tracing.sought.pk), "--json", "--as", "narges.amini", stdout=out
    )

    years = json.loads(out.getvalue())["figures"]["years_without_family_contact"]
    assert years is not None and years > 5


def test_the_reply_to_a_family_refused_reads_like_the_reply_to_one_not_found(
    documenter: User, team: Any, logged_in: Callable[[User], Client]
) -> None:
    refused = open_request(documenter, team)
    services.move_request(actor=documenter, request=refused, to="located")
    services.move_request(actor=documenter, request=refused, to="consent_sought")
    services.record_refusal(
        actor=documenter,
        request=refused,
        scope=ConsentScope.SHARE_WHEREABOUTS,
        refused_on=timezone.localdate(),
        how="oral_witnessed",
    )
    services.move_request(actor=documenter, request=refused, to="declined")
    not_found = open_request(documenter, team)
    client = logged_in(documenter)

    def letter(tracing: TracingRequest) -> str:
        text = pdf_text(
            client.get(reverse("tracing:requester_reply_pdf", args=[tracing.pk])).content
        )
        return text.replace(tracing.reference, "TR-?")

    assert letter(refused) == letter(not_found)
    assert "block 7" not in letter(refused)


def test_intake_never_names_nor_counts_a_candidate_hidden_from_the_user(
    documenter: User, outsider: User, team: Any, logged_in: Callable[[User], Client]
) -> None:
    factories.person(documenter, "Gholamreza Shekari", team=team, confidentiality="restricted")

    response = logged_in(outsider).post(
        reverse("tracing:request_create"),
        {
            "requester_name": "Shahla Shekari",
            "sought_name": "Qolamreza Shakari",
            "sought_other_script": "persian",
            "confidentiality": "restricted",
        },
        follow=True,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Gholamreza" not in page
    assert "0 possible matches" in page
    assert TracingRequest.objects.get().matches.exists()  # found, but not for this reader


def test_the_request_list_shows_years_without_contact_in_the_same_few_queries(
    logged_in, documenter, team, django_assert_max_num_queries
):
    for _number in range(8):
        open_request(documenter, team)
    client = logged_in(documenter)
    client.get(reverse("tracing:request_list"))  # warm the session
    today = timezone.localdate()
    expected = round((today - date(2019, 5, 1)).days / 365.25, 1)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("tracing:request_list"))

    assert response.text.count(f'<td class="number">{expected}</td>') == 8


def test_confirming_a_match_says_when_the_kept_record_becomes_more_confidential(
    documenter, coordinator, team, logged_in
):
    from docket.people.services import NameInput

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

    response = logged_in(coordinator).post(
        reverse("tracing:match_decide", args=[request.pk]),
        {"match": match.pk, "decision": "confirm"},
        follow=True,
    )

    assert "The match was confirmed" in response.content.decode()
    assert "The record kept was internal and is now restricted" in response.content.decode()


def test_a_refusal_documented_by_someone_who_may_not_see_the_sought_never_names_nor_links_them(
    documenter: User,
    other_team: Any,
    tracing: TracingRequest,
    logged_in: Callable[[User], Client],
) -> None:
    # The sought person's record now belongs, secret, to another team: the request's own
    # team still works on the request, but may not learn who is on that record.
    Person.objects.filter(pk=tracing.sought_id).update(confidentiality="secret", team=other_team)
    attempt = services.log_attempt(
        actor=documenter,
        request=tracing,
        kind="visit",
        date=timezone.localdate(),
        outcome="refused",
    )
    client = logged_in(documenter)
    address = reverse("tracing:attempt_event", args=[attempt.pk])

    proposal = client.get(address).content.decode()
    client.post(address, {"new_case_title": "A refused visit", "description": "Turned away."})

    assert "Dariush" not in proposal
    event = Event.objects.get(case__title="A refused visit")
    assert tracing.sought_id not in {i.person_id for i in event.involvements.all()}
    assert not event.case.persons.filter(pk=tracing.sought_id).exists()
