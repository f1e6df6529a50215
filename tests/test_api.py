"""The JSON API under /api/v1/: tokens, the permission rule, writes through the services."""

import hashlib
import json
import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from docket.accounts.models import Team, User
from docket.api.models import ApiToken
from docket.api.tokens import issue_token, revoke_token
from docket.audit.models import AuditEntry
from docket.cases.models import Authority, Case, Event, Source
from docket.cases.services import create_authority, create_source
from docket.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"
Api = Callable[[User], Client]


@pytest.fixture
def api() -> Api:
    """A client that sends a fresh token of `user` with every request."""

    def client_of(user: User) -> Client:
        _, token = issue_token(user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {token}"})

    return client_of


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", data=body, content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{path}", data=body, content_type="application/json")


@pytest.fixture
def held(documenter: User) -> Person:
    return factories.person(
        documenter,
        "Gholamreza Shekari",
        "غلامرضا شکاری",
        status="refugee",
        nationality="IR",
        contact_details="Brother's phone: +355 69 000 0000",
    )


@pytest.fixture
def dossier(documenter: User, held: Person) -> Case:
    return factories.case(documenter, "Held at the camp", [held])


@pytest.fixture
def restricted(outsider: User, other_team: Team) -> Case:
    """Another team's restricted case, with a person and an event of its own."""
    hidden = factories.person(outsider, "Parisa Rahimi", confidentiality="restricted")
    case = factories.case(
        outsider, "Another team's file", [hidden], confidentiality="restricted", team=other_team
    )
    factories.event(outsider, case, "detention", "2026-02-01", victims=(hidden,))
    return case


# Authentication


def test_the_api_answers_401_without_a_token(db: None) -> None:
    response = Client().get(f"{API}/persons")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_made_up_token_is_refused(db: None) -> None:
    client = Client(headers={"Authorization": "Bearer docket_not-a-real-token"})

    assert client.get(f"{API}/persons").status_code == 401


def test_a_token_lets_its_user_in_and_notes_when_it_was_used(documenter: User) -> None:
    record, token = issue_token(user=documenter)
    client = Client(headers={"Authorization": f"Bearer {token}"})

    assert client.get(f"{API}/persons").status_code == 200
    record.refresh_from_db()
    assert record.last_used_at is not None


def test_a_revoked_token_is_refused(documenter: User) -> None:
    record, token = issue_token(user=documenter)
    revoke_token(token=record)
    client = Client(headers={"Authorization": f"Bearer {token}"})

    assert client.get(f"{API}/persons").status_code == 401


def test_the_token_of_a_deactivated_user_does_not_work(documenter: User) -> None:
    _, token = issue_token(user=documenter)
    documenter.is_active = False
    documenter.save()
    client = Client(headers={"Authorization": f"Bearer {token}"})

    assert client.get(f"{API}/persons").status_code == 401


def test_only_a_sha256_of_the_token_is_stored(documenter: User) -> None:
    record, token = issue_token(user=documenter)

    stored = ApiToken.objects.values().get(pk=record.pk)
    assert token not in json.dumps(stored, default=str)
    assert stored["token_sha256"] == hashlib.sha256(token.encode()).hexdigest()


def test_a_logged_in_browser_may_read_but_not_write(
    logged_in: Callable[[User], Client], documenter: User
) -> None:
    client = logged_in(documenter)

    assert client.get(f"{API}/persons").status_code == 200
    refused = post(client, "/persons", {"names": [{"name": "Someone"}]})
    assert refused.status_code == 401
    assert not Person.objects.exists()


def test_a_session_waiting_for_its_second_factor_cannot_read(
    client: Client, coordinator: User
) -> None:
    client.force_login(coordinator)

    assert client.get(f"{API}/persons").status_code == 401


def test_a_bad_token_is_not_replaced_by_the_session(
    logged_in: Callable[[User], Client], documenter: User
) -> None:
    client = logged_in(documenter)

    response = client.get(f"{API}/persons", headers={"Authorization": "Bearer docket_wrong"})

    assert response.status_code == 401


# Persons


def test_a_documenter_creates_a_person_with_a_persian_name_and_a_partial_birth_date(
    api: Api, documenter: User, team: Team
) -> None:
    response = post(
        api(documenter),
        "/persons",
        {
            "names": [
                {"name": "غلامرضا شکاری", "script": "persian", "kind": "full"},
                {"name": "Gholamreza Shekari"},
            ],
            "birth_date": "1975-03",
            "nationality": "ir",
            "status": "asylum_seeker",
            "contact_details": "Via his sister",
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["names"] == [
        {"name": "غلامرضا شکاری", "script": "persian", "kind": "full"},
        {"name": "Gholamreza Shekari", "script": "latin", "kind": "full"},
    ]
    assert body["birth_date"] == "1975-03"
    assert body["nationality"] == "IR"
    assert body["team"] == team.name
    assert body["version"] == 1
    assert body["contact_details"] == "Via his sister"
    assert body["figures"]["current_status"] == "unknown"
    person = Person.objects.get(pk=body["id"])
    assert str(person.birth_date) == "1975-03"
    assert person.created_by == documenter


def test_an_approximate_year_is_kept_as_written(api: Api, documenter: User) -> None:
    response = post(api(documenter), "/persons", {"names": [{"name": "A"}], "birth_date": "1980~"})

    assert response.json()["birth_date"] == "1980~"


def test_a_date_that_is_not_a_date_is_refused_with_a_field_message(
    api: Api, documenter: User
) -> None:
    response = post(
        api(documenter), "/persons", {"names": [{"name": "A"}], "birth_date": "31/02/2020"}
    )

    assert response.status_code == 422
    assert "not a date" in response.json()["errors"]["birth_date"][0]
    assert not Person.objects.exists()


def test_a_misspelt_field_is_refused_rather_than_ignored(api: Api, documenter: User) -> None:
    response = post(api(documenter), "/persons", {"names": [{"name": "A"}], "birthdate": "1975"})

    assert response.status_code == 422
    assert "birthdate" in response.json()["errors"]


def test_an_unknown_script_is_refused_by_its_place_in_the_request(
    api: Api, documenter: User
) -> None:
    response = post(api(documenter), "/persons", {"names": [{"name": "A", "script": "runic"}]})

    assert response.status_code == 422
    assert "names.0.script" in response.json()["errors"]


def test_a_person_needs_a_name(api: Api, documenter: User) -> None:
    response = post(api(documenter), "/persons", {"names": []})

    assert response.status_code == 422
    assert "names" in response.json()["errors"]


def test_persons_are_filtered_by_name_status_and_nationality(
    api: Api, documenter: User, held: Person
) -> None:
    factories.person(documenter, "Nasrin Karimi", status="citizen", nationality="AL")
    client = api(documenter)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"{API}/persons?{query}").json()["items"]]

    assert ids("name=شکاری") == [held.pk]
    assert ids("name=shekari") == [held.pk]
    assert ids("status=refugee") == [held.pk]
    assert ids("nationality=IR") == [held.pk]
    assert ids("nationality=AL&status=refugee") == []
    assert client.get(f"{API}/persons?status=lost").status_code == 422


def test_contact_details_are_hidden_from_a_viewer(
    api: Api, viewer: User, documenter: User, held: Person
) -> None:
    seen_by_viewer = api(viewer).get(f"{API}/persons/{held.pk}").json()
    listed_for_viewer = api(viewer).get(f"{API}/persons")
    seen_by_documenter = api(documenter).get(f"{API}/persons/{held.pk}").json()

    assert "contact_details" not in seen_by_viewer
    # Viewers read one record at a time: a list is a bulk read (tests/test_read_door.py).
    assert listed_for_viewer.status_code == 403
    assert "Brother's phone" not in listed_for_viewer.text
    assert seen_by_documenter["contact_details"].startswith("Brother's phone")
    assert "contact_details" in api(documenter).get(f"{API}/persons").json()["items"][0]


def test_contact_details_are_hidden_from_another_teams_documenter(
    api: Api, outsider: User, held: Person
) -> None:
    body = api(outsider).get(f"{API}/persons/{held.pk}").json()

    assert body["id"] == held.pk
    assert "contact_details" not in body


# Cases and events


def test_a_documenter_opens_a_case_and_adds_an_event_with_an_involvement(
    api: Api, documenter: User, held: Person
) -> None:
    client = api(documenter)
    witness = factories.person(documenter, "Reza Ahmadi")
    authority = create_authority(actor=documenter, name="Camp administration", country="IQ")

    case = post(client, "/cases", {"title": "Detained at the border", "persons": [held.pk]})
    assert case.status_code == 201, case.content
    case_id = case.json()["id"]
    event = post(
        client,
        "/events",
        {
            "case": case_id,
            "type": "detention",
            "start": "2026-09-30",
            "place": {"name": "Camp Ashraf 3", "country": "al"},
            "authority": authority.pk,
            "charged": False,
            "persons": [
                {"person": held.pk, "role": "victim"},
                {"person": witness.pk, "role": "witness"},
            ],
        },
    )

    assert event.status_code == 201, event.content
    body = event.json()
    assert body["type"] == "detention"
    assert body["start"] == "2026-09-30"
    assert body["place"] == {"name": "Camp Ashraf 3", "country": "AL"}
    assert body["authority"] == authority.pk
    assert body["charged"] is False
    assert body["persons"] == [
        {"person": held.pk, "role": "victim"},
        {"person": witness.pk, "role": "witness"},
    ]
    case_body = client.get(f"{API}/cases/{case_id}").json()
    assert sorted(case_body["persons"]) == sorted([held.pk, witness.pk])
    assert case_body["figures"]["events"] == [body["id"]]
    held_figures = next(
        item for item in case_body["figures"]["persons"] if item["person"] == held.pk
    )
    assert held_figures["current_status"] == "detained"
    assert held_figures["days_detained_total"] > 0
    assert held_figures["days_detained_without_charge"] == held_figures["days_detained_total"]
    assert "ICCPR 9" in case_body["figures"]["rights_at_stake"]
    person_figures = client.get(f"{API}/persons/{held.pk}").json()["figures"]
    assert person_figures["current_status"] == "detained"
    assert person_figures["days_detained_total"] == held_figures["days_detained_total"]


def test_an_event_with_an_unknown_type_or_role_is_refused(
    api: Api, documenter: User, dossier: Case, held: Person
) -> None:
    client = api(documenter)

    wrong_type = post(client, "/events", {"case": dossier.pk, "type": "abduction"})
    wrong_role = post(
        client,
        "/events",
        {"case": dossier.pk, "type": "release", "persons": [{"person": held.pk, "role": "judge"}]},
    )

    assert wrong_type.status_code == 422
    assert "type" in wrong_type.json()["errors"]
    assert wrong_role.status_code == 422
    assert "persons.0.role" in wrong_role.json()["errors"]
    assert not Event.objects.exists()


def test_an_end_before_the_start_is_refused(api: Api, documenter: User, dossier: Case) -> None:
    response = post(
        api(documenter),
        "/events",
        {"case": dossier.pk, "type": "detention", "start": "2026-05", "end": "2026-04-30"},
    )

    assert response.status_code == 422
    assert "end" in response.json()["errors"]


def test_cases_are_filtered_by_status_confidentiality_and_team(
    api: Api, documenter: User, held: Person, team: Team, outsider: User, other_team: Team
) -> None:
    open_case = factories.case(documenter, "Open", [held])
    closed = factories.case(documenter, "Closed", [], status="closed", confidentiality="public")
    theirs = factories.case(outsider, "Theirs", [], team=other_team)
    client = api(documenter)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"{API}/cases?{query}").json()["items"]]

    assert ids("status=closed") == [closed.pk]
    assert ids("confidentiality=public") == [closed.pk]
    assert ids(f"team={team.name}") == [open_case.pk, closed.pk]
    assert ids(f"team={other_team.name}") == [theirs.pk]


def test_events_are_filtered_by_case_type_start_and_authority(
    api: Api, documenter: User, held: Person, dossier: Case
) -> None:
    authority = create_authority(actor=documenter, name="Border police", kind="border")
    detention = factories.event(
        documenter, dossier, "detention", "2025-01-10", victims=(held,), authority=authority
    )
    release = factories.event(documenter, dossier, "release", "2025-06", victims=(held,))
    other = factories.case(documenter, "Another", [held])
    visit = factories.event(documenter, other, "visit_refused", "2026-02-01")
    client = api(documenter)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"{API}/events?{query}").json()["items"]]

    assert ids("") == [detention.pk, release.pk, visit.pk]
    assert ids(f"case={dossier.pk}") == [detention.pk, release.pk]
    assert ids("type=release") == [release.pk]
    assert ids("start_from=2025-02-01&start_to=2025-12-31") == [release.pk]
    assert ids("start_from=2026-01-01") == [visit.pk]
    assert ids(f"authority={authority.pk}") == [detention.pk]


def test_sources_are_filtered_by_kind_and_reliability(api: Api, documenter: User) -> None:
    testimony = create_source(
        actor=documenter, title="Sister's account", kind="testimony", reliability="probable"
    )
    report = create_source(actor=documenter, title="News report", kind="media")
    client = api(documenter)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"{API}/sources?{query}").json()["items"]]

    assert ids("kind=testimony") == [testimony.pk]
    assert ids("kind=media") == [report.pk]
    assert ids("reliability=probable") == [testimony.pk]


def test_authorities_are_filtered_by_country_and_kind(api: Api, documenter: User) -> None:
    police = create_authority(actor=documenter, name="Police", country="AL", kind="police")
    ministry = create_authority(actor=documenter, name="Ministry", country="IQ", kind="ministry")
    client = api(documenter)

    def ids(query: str) -> list[int]:
        return [item["id"] for item in client.get(f"{API}/authorities?{query}").json()["items"]]

    assert ids("country=al") == [police.pk]
    assert ids("kind=ministry") == [ministry.pk]
    assert ids("country=IQ&kind=police") == []


def test_a_documenter_creates_and_changes_a_source_and_an_authority(
    api: Api, documenter: User
) -> None:
    client = api(documenter)

    source = post(client, "/sources", {"title": "Letter from the camp", "date": "2025-11~"})
    authority = post(
        client, "/authorities", {"name": "Embassy", "country": "AL", "kind": "embassy"}
    )
    assert source.status_code == 201, source.content
    assert source.json()["confidentiality"] == "restricted"
    assert source.json()["date"] == "2025-11~"
    assert authority.status_code == 201, authority.content

    changed = patch(
        client, f"/authorities/{authority.json()['id']}", {"version": 1, "response_days": 10}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["response_days"] == 10
    assert changed.json()["version"] == 2


# Pages of results


def test_lists_come_in_pages_with_the_whole_count(api: Api, documenter: User) -> None:
    for number in range(5):
        factories.person(documenter, f"Person {number}")
    client = api(documenter)

    body = client.get(f"{API}/persons?limit=2&offset=2").json()

    assert body["count"] == 5
    assert (body["limit"], body["offset"]) == (2, 2)
    assert [item["names"][0]["name"] for item in body["items"]] == ["Person 2", "Person 3"]


def test_a_page_larger_than_the_maximum_is_refused(api: Api, documenter: User) -> None:
    response = api(documenter).get(f"{API}/persons?limit=10000")

    assert response.status_code == 422
    assert "limit" in response.json()["errors"]


# The permission rule


def test_an_outsider_gets_404_for_a_restricted_case_and_its_events(
    api: Api, documenter: User, restricted: Case
) -> None:
    client = api(documenter)
    event = restricted.events.get()

    assert client.get(f"{API}/cases/{restricted.pk}").status_code == 404
    assert client.get(f"{API}/events/{event.pk}").status_code == 404
    assert patch(client, f"/cases/{restricted.pk}", {"version": 1, "title": "x"}).status_code == 404
    assert patch(client, f"/events/{event.pk}", {"version": 1}).status_code == 404


def test_lists_and_their_counts_leave_out_what_the_caller_may_not_see(
    api: Api, documenter: User, dossier: Case, held: Person, restricted: Case
) -> None:
    factories.event(documenter, dossier, "detention", "2026-01-01", victims=(held,))
    client = api(documenter)

    cases = client.get(f"{API}/cases").json()
    events = client.get(f"{API}/events").json()
    persons = client.get(f"{API}/persons").json()

    assert (cases["count"], [item["id"] for item in cases["items"]]) == (1, [dossier.pk])
    assert events["count"] == 1
    assert [item["case"] for item in events["items"]] == [dossier.pk]
    assert persons["count"] == 1
    assert client.get(f"{API}/events?case={restricted.pk}").json()["count"] == 0


def test_the_owning_team_sees_its_restricted_case(
    api: Api, outsider: User, restricted: Case
) -> None:
    client = api(outsider)

    assert client.get(f"{API}/cases/{restricted.pk}").status_code == 200
    assert client.get(f"{API}/events").json()["count"] == 1


def test_a_hidden_person_cannot_be_named_in_a_new_case(
    api: Api, documenter: User, restricted: Case
) -> None:
    hidden = restricted.persons.get()

    response = post(api(documenter), "/cases", {"title": "Probe", "persons": [hidden.pk]})

    assert response.status_code == 422
    assert response.json()["errors"] == {"persons.0": [f"There is no person {hidden.pk}."]}


def test_a_viewer_cannot_write(api: Api, viewer: User, dossier: Case) -> None:
    client = api(viewer)

    created = post(client, "/persons", {"names": [{"name": "Someone"}]})
    changed = patch(client, f"/cases/{dossier.pk}", {"version": 1, "title": "Renamed"})
    authority = post(client, "/authorities", {"name": "Police"})

    assert (created.status_code, changed.status_code, authority.status_code) == (403, 403, 403)
    assert "detail" in created.json()
    dossier.refresh_from_db()
    assert dossier.title == "Held at the camp"
    assert not Authority.objects.exists()


def test_another_teams_documenter_cannot_add_an_event_to_a_case_they_can_only_read(
    api: Api, outsider: User, dossier: Case
) -> None:
    response = post(api(outsider), "/events", {"case": dossier.pk, "type": "release"})

    assert response.status_code == 403
    assert not dossier.events.exists()


def test_a_change_keeps_the_links_the_caller_cannot_see(
    api: Api, documenter: User, outsider: User, other_team: Team, dossier: Case, held: Person
) -> None:
    hidden = factories.person(
        outsider, "Hidden relative", confidentiality="secret", team=other_team
    )
    Case.persons.through.objects.create(case=dossier, person=hidden)
    secret_source = create_source(
        actor=outsider, title="Their informant", confidentiality="secret", team=other_team
    )
    event = factories.event(documenter, dossier, "detention", "2026-01-01", victims=(held, hidden))
    event.sources.add(secret_source)
    client = api(documenter)
    assert client.get(f"{API}/cases/{dossier.pk}").json()["persons"] == [held.pk]
    assert client.get(f"{API}/events/{event.pk}").json()["sources"] == []

    case_change = patch(client, f"/cases/{dossier.pk}", {"version": 1, "persons": []})
    event_change = patch(
        client, f"/events/{event.pk}", {"version": 1, "persons": [], "sources": []}
    )

    assert case_change.status_code == 200, case_change.content
    assert event_change.status_code == 200, event_change.content
    assert set(dossier.persons.all()) == {hidden}
    assert [item.person for item in event.involvements.all()] == [hidden]
    assert list(event.sources.all()) == [secret_source]


# Versions


def test_a_change_with_the_current_version_changes_only_the_fields_sent(
    api: Api, documenter: User, held: Person
) -> None:
    response = patch(api(documenter), f"/persons/{held.pk}", {"version": 1, "birth_date": "1970"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["birth_date"], body["version"], body["status"]) == ("1970", 2, "refugee")
    held.refresh_from_db()
    assert str(held.birth_date) == "1970"
    assert held.names.count() == 2


def test_a_stale_change_gets_409_with_the_current_record_and_changes_nothing(
    api: Api, documenter: User, dossier: Case
) -> None:
    client = api(documenter)
    first = patch(client, f"/cases/{dossier.pk}", {"version": 1, "title": "First edit"})
    assert first.status_code == 200

    stale = patch(client, f"/cases/{dossier.pk}", {"version": 1, "title": "Stale edit"})

    assert stale.status_code == 409
    assert stale.json()["current"]["title"] == "First edit"
    assert stale.json()["current"]["version"] == 2
    dossier.refresh_from_db()
    assert (dossier.title, dossier.version) == ("First edit", 2)


def test_a_stale_change_of_a_persons_names_changes_nothing(
    api: Api, documenter: User, held: Person
) -> None:
    client = api(documenter)
    patch(client, f"/persons/{held.pk}", {"version": 1, "notes": "Seen in May"})

    stale = patch(client, f"/persons/{held.pk}", {"version": 1, "names": [{"name": "Other"}]})

    assert stale.status_code == 409
    assert stale.json()["current"]["notes"] == "Seen in May"
    assert [name.name for name in held.names.all()] == ["Gholamreza Shekari", "غلامرضا شکاری"]


def test_a_change_needs_the_version_and_refuses_null_for_a_required_field(
    api: Api, documenter: User, dossier: Case
) -> None:
    client = api(documenter)

    without_version = patch(client, f"/cases/{dossier.pk}", {"title": "No version"})
    null_title = patch(client, f"/cases/{dossier.pk}", {"version": 1, "title": None})

    assert without_version.status_code == 422
    assert "version" in without_version.json()["errors"]
    assert null_title.status_code == 422
    dossier.refresh_from_db()
    assert dossier.title == "Held at the camp"


# No N+1 queries


def test_list_endpoints_keep_to_a_query_budget(
    api: Api,
    documenter: User,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(6):
        person = factories.person(documenter, f"Person {number}", f"شخص {number}")
        case = factories.case(documenter, f"Case {number}", [person])
        event = factories.event(
            documenter, case, "detention", f"2025-0{number + 1}", victims=(person,)
        )
        event.sources.add(create_source(actor=documenter, title=f"Source {number}"))
        create_authority(actor=documenter, name=f"Authority {number}")
    client = api(documenter)
    client.get(f"{API}/persons")  # the token's first use is written down once

    for resource in ["persons", "cases", "events", "sources", "authorities"]:
        # 8, and the bulk read's audit entry: the chain's lock (PostgreSQL), its head, the
        # entry, and which of an event page's records are restricted or secret.
        with django_assert_max_num_queries(8 + 4):
            response = client.get(f"{API}/{resource}?limit=5")
        assert response.status_code == 200
        assert len(response.json()["items"]) == 5


# Schema and docs


def test_the_openapi_schema_is_json_listing_every_resource(db: None) -> None:
    response = Client().get(f"{API}/openapi.json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    for resource, one in [
        ("persons", "person"),
        ("cases", "case"),
        ("events", "event"),
        ("sources", "source"),
        ("authorities", "authority"),
    ]:
        assert set(schema["paths"][f"{API}/{resource}"]) == {"get", "post"}
        assert set(schema["paths"][f"{API}/{resource}/{{{one}_id}}"]) == {"get", "patch"}
    assert "bearer" in json.dumps(schema["components"]["securitySchemes"]).lower()


def test_the_docs_page_serves_everything_itself(db: None) -> None:
    response = Client().get(f"{API}/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "http://" not in page and "https://" not in page and "//cdn" not in page
    assert "<script>" not in page  # Docket's Content-Security-Policy forbids inline scripts
    assets = re.findall(r'(?:src|href)="/static/([^"]+)"', page)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert finders.find(asset), asset
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy


# The token command


def test_the_token_command_creates_lists_and_revokes_tokens(documenter: User) -> None:
    output = StringIO()
    call_command("token", "create", documenter.username, "--name", "sync", stdout=output)

    token = re.search(r"token: (\S+)", output.getvalue())
    assert token is not None
    record = ApiToken.objects.get()
    assert record.name == "sync" and record.user == documenter
    client = Client(headers={"Authorization": f"Bearer {token.group(1)}"})
    assert client.get(f"{API}/persons").status_code == 200

    listing = StringIO()
    call_command("token", "list", stdout=listing)
    assert f"#{record.pk}" in listing.getvalue() and "sync" in listing.getvalue()
    assert token.group(1) not in listing.getvalue()

    call_command("token", "revoke", str(record.pk), stdout=StringIO())
    assert client.get(f"{API}/persons").status_code == 401
    logged = AuditEntry.objects.filter(object_type="api.apitoken", object_id=str(record.pk))
    assert list(logged.order_by("id").values_list("action", flat=True)) == ["create", "change"]


def test_the_token_command_refuses_an_unknown_or_deactivated_user(documenter: User) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no user"):
        call_command("token", "create", "nobody", stdout=StringIO())
    documenter.is_active = False
    documenter.save()
    with pytest.raises(CommandError, match="deactivated"):
        call_command("token", "create", documenter.username, stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_docket_token_create_prints_a_working_token_once(docket_command: Any) -> None:
    docket_command("createadmin", "--username", "admin")

    created = docket_command("token", "create", "admin", "--name", "laptop")
    listed = docket_command("token", "list")

    assert created.returncode == 0, created.stderr
    token = re.search(r"token: (\S+)", created.stdout)
    assert token is not None
    assert "laptop" in listed.stdout and token.group(1) not in listed.stdout


def test_sources_of_another_team_are_restricted_by_default(
    api: Api, documenter: User, outsider: User
) -> None:
    theirs = create_source(actor=outsider, title="Their witness")

    assert api(documenter).get(f"{API}/sources/{theirs.pk}").status_code == 404
    assert api(documenter).get(f"{API}/sources").json()["count"] == 0
    assert Source.objects.count() == 1
