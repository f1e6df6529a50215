"""Every route refuses a POST without a CSRF token, for a logged-in person.

The routes come from Django's resolver; CSRF_ROUTES says how to fill each
one's parameters, and a route missing from it fails the registry test. The
CSRF middleware answers before any view runs, so a POST to a page that takes
only GET is refused the same way; what matters is that no view ever sees a
forged POST.

The API is exempt from CSRF by design: a bearer token is never sent by a
browser on its own, so a write carrying one cannot be forged. A session cookie
is sent on its own, so the API must not accept writes that carry only that.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.accounts.models import Role, Team, User
from docket.api.api import api
from docket.api.tokens import issue_token
from docket.audit.models import AuditEntry
from docket.cases.models import Authority, Case, Event, Evidence, Source
from docket.letters.models import Answer, InboundMail, Letter, Response
from docket.letters.redaction import redact
from docket.people.models import Person, Relationship
from docket.privacy.models import Anonymisation, BasisOverride, KeepDecision, RightsRequest
from docket.search.models import SavedSearch
from tests import factories, markers
from tests.conftest import Shared, pass_second_factor
from tests.markers import World
from tests.routes import admin_keys, all_routes, fill, parameters

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared")]


@dataclass(frozen=True)
class Post:
    """A route a forged POST is sent to; `kind` names the record that fills its `pk`."""

    kind: str | None = None
    versioned: bool = False


@dataclass(frozen=True)
class Api:
    """A route of the JSON API: exempt from CSRF, checked by the API tests below."""


CSRF_ROUTES: dict[str, Post | Api] = {
    "dashboard": Post(),
    "healthz": Post(),
    "login": Post(),
    "logout": Post(),
    "password_change": Post(),
    "password_change_done": Post(),
    "two_factor_verify": Post(),
    "two_factor_setup": Post(),
    "confirm_identity": Post(),
    "account_settings": Post(),
    "accounts:user_list": Post(),
    "accounts:user_create": Post(),
    # The acting user's id fills `pk`: a forged change to one's own teams would be recorded.
    "accounts:user_detail": Post("admin"),
    "accounts:team_list": Post(),
    "accounts:team_detail": Post("admin"),
    "audit_log": Post(),
    "export": Post(),
    "export_download": Post(),
    "set_language": Post(),
    "people:person_list": Post(),
    "people:person_create": Post(),
    "people:person_find": Post(),
    "people:person_quick": Post(),
    "people:deleted_list": Post(),
    "people:person_detail": Post("person"),
    "people:person_edit": Post("person"),
    "people:relative_add": Post("person"),
    "people:person_history": Post("person"),
    "people:person_version": Post("person", versioned=True),
    "people:person_delete": Post("person"),
    "people:person_restore": Post("gone person"),
    "people:person_erase": Post("person"),
    "people:merge_undo": Post("person"),
    "linkage:review": Post(),
    "linkage:pair": Post("person"),
    "linkage:person_duplicates": Post("person"),
    "search:search": Post(),
    "search:event_list": Post(),
    "search:saved_create": Post(),
    # Any number fills the saved search's place: the check answers before the lookup.
    "search:saved_delete": Post("person"),
    "reports:report": Post(),
    "estimates:estimate": Post(),
    "dossiers:case_dossier": Post("case"),
    "dossiers:case_wgad_draft": Post("case"),
    "dossiers:person_dossier": Post("person"),
    "privacy:register": Post(),
    "privacy:retention": Post(),
    "privacy:legal_hold": Post("case"),
    "privacy:disclosures": Post(),
    "privacy:person_basis": Post("person"),
    "privacy:tracing_request_basis": Post("person"),
    "privacy:evidence_basis": Post("evidence"),
    "privacy:requests": Post(),
    # Any number fills the request's place: the check answers before the lookup.
    "privacy:request_detail": Post("person"),
    "privacy:request_access": Post("person"),
    "reports:download": Post(),
    "reports:events_download": Post(),
    "reports:saved_create": Post(),
    # Any number fills the saved report's place: the check answers before the lookup.
    "reports:saved_publish": Post("person"),
    "reports:saved_delete": Post("person"),
    "cases:case_list": Post(),
    "cases:case_create": Post(),
    "cases:person_choices": Post(),
    "cases:deleted_list": Post(),
    "cases:record_restore": Post("gone case"),
    "cases:case_detail": Post("case"),
    "cases:case_edit": Post("case"),
    "cases:case_delete": Post("case"),
    "cases:case_history": Post("case"),
    "cases:case_version": Post("case", versioned=True),
    "cases:event_create": Post("case"),
    "cases:relative_refusal": Post("case"),
    "cases:event_edit": Post("event"),
    "cases:event_delete": Post("event"),
    "cases:event_history": Post("event"),
    "cases:event_version": Post("event", versioned=True),
    "cases:source_list": Post(),
    "cases:source_create": Post(),
    "cases:source_detail": Post("source"),
    "cases:source_edit": Post("source"),
    "cases:source_delete": Post("source"),
    "cases:source_history": Post("source"),
    "cases:source_version": Post("source", versioned=True),
    "cases:evidence_upload": Post("source"),
    "cases:evidence_download": Post("evidence"),
    "cases:evidence_strip": Post("evidence"),
    "cases:authority_list": Post(),
    "cases:authority_create": Post(),
    "cases:authority_detail": Post("authority"),
    # The public pages: any number fills the letter's place, the check answers first.
    "public:letter_list": Post(),
    "public:letter_detail": Post("authority"),
    "public:letter_feed": Post(),
    "public:report_list": Post(),
    "public:report_detail": Post("authority"),
    "public:report_feed": Post(),
    "cases:authority_edit": Post("authority"),
    "cases:authority_history": Post("authority"),
    "cases:authority_version": Post("authority", versioned=True),
    "letters:letter_list": Post(),
    "letters:letter_create": Post(),
    "drafts:start": Post(),
    "drafts:save": Post(),
    "letters:case_choices": Post(),
    "letters:overdue": Post(),
    "letters:inbox": Post(),
    "letters:inbox_detail": Post("inbound"),
    # Downloads answer GET only; a forged POST changes nothing.
    "letters:inbox_file": Post("inbound"),
    "letters:reply_file": Post("evidence"),
    "letters:letter_detail": Post("letter"),
    "letters:letter_edit": Post("letter"),
    "letters:letter_send": Post("letter"),
    "letters:reply_create": Post("letter"),
    "letters:reply_answers": Post("reply"),
    "letters:letter_follow_up": Post("letter"),
    "letters:letter_publish": Post("letter"),
    "letters:letter_publish_preview": Post("letter"),
    "letters:letter_delete": Post("letter"),
    "letters:letter_pdf": Post("letter"),
    "letters:letter_history": Post("letter"),
    "letters:letter_version": Post("letter", versioned=True),
    # The CSRF check answers before any view looks the record up: any number fills `pk`.
    "tracing:request_list": Post(),
    "tracing:request_create": Post(),
    "tracing:request_detail": Post("person"),
    "tracing:request_step": Post("person"),
    "tracing:match_decide": Post("person"),
    "tracing:consent_add": Post("person"),
    "tracing:consent_withdraw": Post("person"),
    "tracing:match_propose": Post("person"),
    "tracing:attempt_add": Post("person"),
    "tracing:message_add": Post("person"),
    "tracing:message_update": Post("person"),
    "tracing:requester_reply": Post("person"),
    "tracing:requester_reply_pdf": Post("person"),
    "tracing:requester_export": Post("person"),
    "tracing:attempt_event": Post("person"),
    "api:openapi-json": Api(),
    "api:openapi-view": Api(),
    "api:api-root": Api(),
}
for _operation in (
    "list_persons create_person get_person update_person "
    "list_cases create_case get_case update_case "
    "list_events create_event get_event update_event "
    "list_sources create_source get_source update_source "
    "list_authorities create_authority get_authority update_authority "
    "list_letters create_letter get_letter update_letter list_copies send_letter "
    "list_replies create_reply get_reply update_reply"
).split():
    CSRF_ROUTES[f"api:{_operation}"] = Api()
for _operation in (
    "list_tracing_requests create_tracing_request get_tracing_request get_for_requester "
    "move_tracing_request list_consents record_consent withdraw_consent record_refusal "
    "list_contact_attempts log_contact_attempt list_refusals list_steps get_consent"
).split():
    CSRF_ROUTES[f"api:{_operation}"] = Api()
# Every admin page takes a POST; its parameters get the acting user's id, since the
# CSRF check answers before any object is looked up.
CSRF_ROUTES.update({key: Post("admin") for key in admin_keys()})


def test_every_route_is_in_the_csrf_registry() -> None:
    routes = {route.key for route in all_routes()}

    assert not sorted(routes - set(CSRF_ROUTES)), (
        f"A new route that nobody checked for CSRF: {sorted(routes - set(CSRF_ROUTES))}. "
        "Add it to CSRF_ROUTES in tests/test_csrf.py."
    )
    assert not sorted(set(CSRF_ROUTES) - routes), "CSRF_ROUTES names routes that are gone"


@pytest.fixture(scope="module")
def world(shared: Shared) -> World:
    """The marked world, made once for the module (`shared`, tests/conftest.py): the tests
    refuse writes, and what one lets through is rolled back with it."""
    with shared.making():
        built = markers.build(
            author=shared.documenter, deleter=shared.coordinator, team=shared.team
        )
        factories.trace_marked_world(built, shared.documenter, shared.team)
        return built


def _guarded(user: User) -> Client:
    """A browser session that, like a real browser, has no CSRF exemption."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    if user.role in {Role.ADMINISTRATOR, Role.COORDINATOR}:
        pass_second_factor(client, user)
    return client


def _record(world: World, kind: str) -> Model:
    if kind == "authority":
        assert world.authority is not None
        return world.authority
    if kind.startswith("gone "):
        return next(record for _level, record, _ in world.gone[kind.split()[1]])
    if kind == "inbound":
        assert world.inbound is not None
        return world.inbound
    records: dict[str, dict[str, Any]] = {
        "letter": world.letters,
        "reply": world.replies,
        "person": world.persons,
        "case": world.cases,
        "event": world.events,
        "source": world.sources,
        "evidence": world.evidence,
    }
    return records[kind]["public"]


def _path(world: World, route_key: str, pattern: str, check: Post, user: User) -> str:
    values: dict[str, Any] = {}
    names = parameters(pattern)
    if check.kind == "admin":
        if pattern.endswith("(?P<url>.*)$"):
            return "/admin/no-such-page/"
        if route_key == "admin:app_list":
            return reverse("admin:app_list", kwargs={"app_label": "cases"})
        return fill(pattern, {name: user.pk for name in names})
    if check.kind is not None:
        record = _record(world, check.kind)
        values["pk"] = record.pk
        if "kind" in names:
            values["kind"] = record._meta.model_name
        if "number" in names:
            values["number"] = 0
        if check.versioned:
            history = record.history.order_by("history_id").first()  # type: ignore[attr-defined]
            values["history_id"] = history.history_id
    return fill(pattern, values)


# Valid bodies for the forms that write, so only the missing token stops them.
BODIES: dict[str, Callable[[World], dict[str, Any]]] = {
    "people:person_create": lambda world: {
        "names-TOTAL_FORMS": "1",
        "names-INITIAL_FORMS": "0",
        "names-0-name": "Forged Person",
        "names-0-script": "latin",
        "names-0-kind": "full",
        "sex": "unknown",
        "status": "unknown",
        "confidentiality": "internal",
        "team": str(world.team.pk),
    },
    "cases:case_create": lambda world: {
        "title": "Forged case",
        "status": "open",
        "confidentiality": "internal",
        "team": str(world.team.pk),
    },
    "drafts:save": lambda world: {
        "text": "Forged Person was arrested on 3 March 2021.",
        "person": "p1",
        "person-p1-accept": "1",
        "person-p1-name": "Forged Person",
        "new_case_title": "Forged case",
        "team": str(world.team.pk),
    },
    "cases:source_create": lambda world: {
        "title": "Forged source",
        "kind": "other",
        "reliability": "unknown",
        "confidentiality": "internal",
        "team": str(world.team.pk),
    },
    "cases:authority_create": lambda world: {
        "name": "Forged authority",
        "kind": "other",
        "response_days": "30",
    },
    "search:saved_create": lambda world: {
        "page": "events",
        "query": "type=detention",
        "name": "Forged search",
    },
    "accounts:user_create": lambda world: {"username": "forged.user", "role": "administrator"},
    "accounts:user_detail": lambda world: {"action": "teams", "teams": []},
    "accounts:team_list": lambda world: {"name": "Forged team"},
    "accounts:team_detail": lambda world: {"name": "Forged name"},
    "people:person_delete": lambda world: {},
    "people:person_erase": lambda world: {"reason": "Forged erasure"},
    "cases:case_delete": lambda world: {},
    "letters:letter_delete": lambda world: {},
    # The confirmation of the preview, with the fingerprint the preview would show.
    "letters:letter_publish": lambda world: {
        "published": "1",
        "confirm": redact(world.letters["public"]).digest,
    },
    "letters:letter_follow_up": lambda world: {},
    "letters:inbox_detail": lambda world: {"action": "dismiss"},
    "letters:letter_create": lambda world: {
        "title": "Forged letter",
        "language": "en",
        "confidentiality": "internal",
        "team": str(world.team.pk),
    },
}

WRITTEN: tuple[type[Model], ...] = (
    Person,
    Relationship,
    Case,
    Event,
    Source,
    Evidence,
    Authority,
    AuditEntry,
    Letter,
    Response,
    Answer,
    InboundMail,
    SavedSearch,
    RightsRequest,
    KeepDecision,
    Anonymisation,
    BasisOverride,
)


def _snapshot() -> dict[str, Any]:
    counts: dict[str, Any] = {model.__name__: model._default_manager.count() for model in WRITTEN}
    counts["deleted"] = sorted(
        (model.__name__, pk)
        for model in (Person, Case, Event, Source, Letter)
        for pk in model._default_manager.filter(deleted_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return counts


@pytest.mark.parametrize("persona", ["documenter", "coordinator", "administrator"])
def test_every_route_refuses_a_post_without_a_csrf_token(
    request: pytest.FixtureRequest, persona: str, world: World
) -> None:
    user: User = request.getfixturevalue(persona)
    client = _guarded(user)
    routes = {route.key: route for route in all_routes()}
    before = _snapshot()
    accepted = []
    for key, check in CSRF_ROUTES.items():
        if isinstance(check, Api):
            continue
        path = _path(world, key, routes[key].pattern, check, user)
        body = BODIES.get(key, lambda world: {"anything": "forged"})(world)
        response = client.post(path, body)
        if response.status_code != 403 or b"CSRF verification failed" not in response.content:
            accepted.append(f"POST {path} ({key}): {response.status_code}")

    assert not accepted, f"Accepted without a CSRF token as {persona}:\n" + "\n".join(accepted)
    assert _snapshot() == before


def test_the_same_post_with_its_token_goes_through(documenter: User, team: Team) -> None:
    """The refusals above are the token's doing, not the session's or the form's."""
    client = _guarded(documenter)
    client.get(reverse("cases:case_create"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("cases:case_create"),
        {
            "title": "Opened with a token",
            "status": "open",
            "confidentiality": "internal",
            "team": str(team.pk),
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert Case.objects.filter(title="Opened with a token").exists()


# The API


def _writes() -> list[tuple[str, str]]:
    """(method, path) of every write operation in the API's schema, ids filled in later."""
    schema = api.get_openapi_schema()
    return [
        (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method in methods
        if method in {"post", "put", "patch", "delete"}
    ]


def _api_path(world: World, template: str, letter_id: int | None = None) -> str:
    assert world.authority is not None
    return template.format(
        person_id=world.persons["public"].pk,
        case_id=world.cases["public"].pk,
        event_id=world.events["public"].pk,
        source_id=world.sources["public"].pk,
        authority_id=world.authority.pk,
        letter_id=letter_id or world.letters["public"].pk,
        reply_id=world.replies["public"].pk,
        tracing_request_id=world.tracing_requests["public"].pk,  # type: ignore[attr-defined]
        consent_id=world.tracing_consent.pk,  # type: ignore[attr-defined]
    )


def _api_body(world: World, template: str) -> dict[str, Any]:
    """A valid body for a write: by its exact path, else by its collection's."""
    assert world.authority is not None
    bodies: dict[str, dict[str, Any]] = {
        "persons": {"names": [{"name": "Cookie Person"}]},
        "cases": {"title": "Cookie case"},
        "events": {"case": world.cases["public"].pk, "type": "detention"},
        "sources": {"title": "Cookie source"},
        "authorities": {"name": "Cookie authority"},
        "letters": {
            "title": "Cookie letter",
            "recipients": [world.authority.pk],
            "questions": ["Cookie question?"],
        },
        "/api/v1/letters/{letter_id}/copies": {"channel": "post"},
        "/api/v1/letters/{letter_id}/replies": {
            "authority": world.authority.pk,
            "received_on": timezone.localdate().isoformat(),
        },
        "/api/v1/letters/{letter_id}/replies/{reply_id}": {"answers": {"1": "answered"}},
        "/api/v1/tracing": {
            "requester": world.persons["internal"].pk,
            "sought": world.persons["public"].pk,
        },
        "/api/v1/tracing/{tracing_request_id}/steps": {"to": "searching"},
        "/api/v1/tracing/{tracing_request_id}/consents": {
            "scope": "share_contact",
            "given_on": timezone.localdate().isoformat(),
            "how": "written",
        },
        "/api/v1/tracing/{tracing_request_id}/consents/{consent_id}": {"withdrawn": True},
        "/api/v1/tracing/{tracing_request_id}/refusals": {
            "scope": "publish",
            "refused_on": timezone.localdate().isoformat(),
            "how": "oral_witnessed",
        },
        "/api/v1/tracing/{tracing_request_id}/attempts": {
            "kind": "call",
            "date": timezone.localdate().isoformat(),
        },
    }
    return bodies.get(template) or bodies[template.split("/")[3]]


def _send(client: Client, method: str, path: str, body: dict[str, Any], **extra: Any) -> Any:
    if method == "POST":
        return client.post(path, body, content_type="application/json", **extra)
    return client.generic(
        method, path, data=json.dumps(body), content_type="application/json", **extra
    )


@pytest.mark.parametrize("with_token", [False, True], ids=["no CSRF token", "with a CSRF token"])
def test_the_api_refuses_writes_carried_by_a_session_cookie(
    documenter: User, world: World, with_token: bool
) -> None:
    client = _guarded(documenter)
    client.get(reverse("cases:case_create"))
    extra = {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value} if with_token else {}
    before = _snapshot()
    accepted = []
    for method, template in _writes():
        path = _api_path(world, template)
        body = _api_body(world, template)
        if method == "PATCH" and "reply_id" not in template:
            body = {"version": 2, **body}
        response = _send(client, method, path, body, **extra)
        if response.status_code != 401:
            accepted.append(f"{method} {path}: {response.status_code}")

    assert _writes(), "the API's schema lists no writes"
    assert not accepted, "The API took a write carried by a session cookie:\n" + "\n".join(accepted)
    assert _snapshot() == before


def test_the_api_reads_with_a_session_cookie(documenter: User, world: World) -> None:
    """The docs page explores the API with the browser's session: reads go through."""
    client = _guarded(documenter)

    assert client.get("/api/v1/cases").status_code == 200


def test_the_api_takes_writes_with_a_bearer_token_and_no_csrf_token(
    documenter: User, world: World
) -> None:
    _, secret = issue_token(user=documenter, name="csrf test")
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})

    created = {}
    letter_id = None
    for method, template in _writes():
        if method != "POST":
            continue
        # The letter created first is the one sent and answered next.
        path = _api_path(world, template, letter_id)
        response = _send(client, method, path, _api_body(world, template))
        created[template] = response.status_code
        if template == "/api/v1/letters":
            letter_id = response.json()["id"]

    assert set(created.values()) <= {200, 201}, created
