"""The leak test: every route of the site, as every persona, against docs/permissions.md.

Routes come from Django's resolver (the admin's and the API's included), and
each must be in ROUTES below, which says how it is checked; a route nobody
added there fails `test_every_route_is_in_the_registry`. The records are those
of tests/markers.py: one marked set per confidentiality level, all owned by
`team`, linked across levels, plus deleted ones.

A record a persona may not see answers 404 (never 403: its existence must not
leak); a page never shows a token of a level the persona may not see, and its
counts leave those records out; the API and both exports likewise. Every read
of a restricted or secret record, by page, API or command, leaves an audit
entry; the API's lists and the exports are for those who may take records out
in bulk (not viewers), each read logged with its query. Mail filed as a letter's
reply, the labels a filter prints and the answer to a stale edit follow the same
rule.
"""

import io
import json
import re
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db.models import Model
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from docket.accounts.confirmation import SESSION_KEY
from docket.accounts.models import Team, User
from docket.api.api import api
from docket.api.tokens import issue_token
from docket.audit.models import AuditEntry
from docket.cases.models import Authority, Case, Event, Source
from docket.letters import services as letter_services
from docket.letters.models import Letter
from docket.lib.versioning import StaleEdit
from docket.people.models import Person
from docket.search.models import FacetTerm
from tests import factories, markers
from tests.conftest import Shared
from tests.markers import RESTORES, SEES, World
from tests.routes import Route, admin_keys, all_routes, fill, parameters

# The marked world is made once for the module (`shared`, tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared")]

PERSONAS = ("administrator", "coordinator", "documenter", "viewer", "outsider")
EVERYONE = frozenset(PERSONAS)
# Roles that may add records: administrators, coordinators and documenters (the
# outsider is a documenter of another team).
CREATORS = frozenset({"administrator", "coordinator", "documenter", "outsider"})
DELETERS = frozenset({"administrator", "coordinator"})
ADMINISTRATORS = frozenset({"administrator"})
# Those who may take records out in bulk: every role but viewers.
TAKERS = frozenset({"administrator", "coordinator", "documenter", "outsider"})
# Levels whose every reading is in the audit log.
WATCHED = frozenset({"restricted", "secret"})


# How a route is checked


@dataclass(frozen=True)
class Public:
    """Open to visitors who are not logged in; shows no record."""

    reason: str


@dataclass(frozen=True)
class Elsewhere:
    """Checked by another test, named in `reason`."""

    reason: str


@dataclass(frozen=True)
class Page:
    """A page without parameters: a list, a search, a form, the dashboard.

    `allowed` personas get 200 and the others `refused`; `count` is a pattern
    whose number must be how many records of `counted` the persona may see.
    """

    queries: tuple[str, ...] = ("",)
    allowed: frozenset[str] = EVERYONE
    refused: int = 403
    count: str | None = None
    counted: str = ""
    htmx: bool = False
    lists_deleted: bool = False
    statuses: frozenset[int] = frozenset({200})


@dataclass(frozen=True)
class Detail:
    """A page about one record: `pk` filled with each record of `kind`, every level.

    `access` says who gets 200 among those who may see the record: "read"
    (all), "edit", "delete" or "restore" (only deleted records); the others who
    may see it get 403, and those who may not, 404. A page that refuses a whole
    role before it looks for the record says so with `refuses_role`: the
    status every persona outside DELETERS gets for any record, which tells
    nothing about the record.
    """

    kind: str
    access: str = "read"
    refuses_role: int | None = None
    version: bool = False
    method: str = "GET"
    queries: tuple[str, ...] = ("",)
    htmx: bool = False


@dataclass(frozen=True)
class ApiList:
    collection: str
    queries: tuple[str, ...] = ("",)


@dataclass(frozen=True)
class ApiDetail:
    kind: str
    method: str = "GET"


@dataclass(frozen=True)
class ApiProbe:
    """A write that names other records: a hidden one must answer as a missing one."""

    body: Callable[[World, int], dict[str, Any]]


@dataclass(frozen=True)
class Admin:
    """A page of Django's admin, for administrators only."""


Check = Public | Elsewhere | Page | Detail | ApiList | ApiDetail | ApiProbe | Admin

PERSON_SEARCH = ("", "?name=MARKER", "?name=SECRET", "?page=2")

ROUTES: dict[str, Check] = {
    # Project pages
    "dashboard": Page(count=r"Replies overdue</dt>\s*<dd>(\d+)</dd>", counted="letters"),
    "healthz": Public("the health check says only whether the database, worker and disk are well"),
    "login": Public("the log-in form"),
    "logout": Public("logging out, POST only"),
    "password_change": Page(),
    "password_change_done": Page(),
    "two_factor_verify": Page(statuses=frozenset({200, 302})),
    "two_factor_setup": Page(statuses=frozenset({200, 302})),
    "confirm_identity": Page(),
    "account_settings": Page(),
    # Accounts: administrators only, like the audit log (tests/test_account_screens.py checks
    # each change, who may make it, and its audit entry)
    "accounts:user_list": Page(allowed=ADMINISTRATORS, refused=404),
    "accounts:user_create": Page(allowed=ADMINISTRATORS, refused=404),
    "accounts:user_detail": Elsewhere(
        "tests/test_account_screens.py: administrators only (404 for everyone else), every "
        "change re-authenticated and audited"
    ),
    "accounts:team_list": Page(allowed=ADMINISTRATORS, refused=404),
    "accounts:team_detail": Elsewhere(
        "tests/test_account_screens.py: administrators only (404 for everyone else)"
    ),
    "audit_log": Page(
        queries=("", "?record_type=cases.case", "?action=view"),
        allowed=ADMINISTRATORS,
        refused=404,
    ),
    "export": Page(count=r"<dt>Cases</dt><dd>(\d+)</dd>", counted="cases"),
    "export_download": Elsewhere("test_the_export_zip_holds_only_what_the_persona_may_see"),
    "set_language": Public("switching the language, which shows no record"),
    # People
    "people:person_list": Page(
        queries=PERSON_SEARCH + ("?status=unknown", "?name=زهره"),
        count=r"(\d+) persons?\b",
        counted="persons",
    ),
    "people:person_create": Page(allowed=CREATORS),
    # The finder's JSON: only persons the reader may see, by any spelling or by number.
    "people:person_find": Page(
        queries=("", "?q=MARKER", "?q=Azar", "?q=زهره", "?q=1", "?lookalike=1&q=Azar MARKER")
    ),
    "people:person_quick": Page(allowed=CREATORS, queries=("", "?partial=1&name=Azar")),
    "people:deleted_list": Page(allowed=DELETERS, lists_deleted=True),
    "people:person_detail": Detail("person"),
    "people:person_edit": Detail("person", access="edit"),
    "people:relative_add": Detail(
        "person", access="edit", queries=("", "?q=MARKER", "?q=Azar"), htmx=True
    ),
    "people:person_history": Detail("person"),
    "people:person_version": Detail("person", version=True),
    "people:person_delete": Detail("person", access="delete"),
    "people:person_restore": Detail("person", access="restore"),
    # The confirmation page; the POST that erases is tested in tests/test_erasure.py.
    "people:person_erase": Detail("person", access="delete"),
    "people:merge_undo": Elsewhere(
        "tests/test_merges.py: only who may see the kept person finds a merge (404), only "
        "coordinators of both persons' teams and administrators undo it (403)"
    ),
    # Possible duplicates: for coordinators and administrators; tests/test_linkage_review.py
    # checks that a pair, and the queue's count, never names a person the reviewer may not merge
    "linkage:review": Page(allowed=DELETERS),
    "linkage:pair": Elsewhere(
        "tests/test_linkage_review.py: a pair of persons at every pair of levels, as each persona"
    ),
    "linkage:person_duplicates": Detail("person", access="delete"),
    # Cases, events, sources, evidence, authorities
    "cases:case_list": Page(
        queries=("", "?title=MARKER", "?confidentiality=secret", "?status=open", "?page=2"),
        count=r"(\d+) cases?\b",
        counted="cases",
        htmx=True,
    ),
    "cases:case_create": Page(allowed=CREATORS),
    "cases:person_choices": Page(queries=("", "?name=MARKER", "?name=Azar", "?name=زهره")),
    "cases:deleted_list": Page(allowed=DELETERS, lists_deleted=True),
    "cases:record_restore": Detail("any", access="restore", method="POST", refuses_role=403),
    "cases:case_detail": Detail("case"),
    "cases:case_edit": Detail("case", access="edit"),
    "cases:case_delete": Detail("case", access="delete"),
    "cases:case_history": Detail("case"),
    "cases:case_version": Detail("case", version=True),
    "cases:event_create": Detail(
        "case", access="edit", queries=("", "?type=1", "?sources=1"), htmx=True
    ),
    "cases:relative_refusal": Detail("case", access="edit"),
    "cases:event_edit": Detail("event", access="edit"),
    "cases:event_delete": Detail("event", access="delete"),
    "cases:event_history": Detail("event"),
    "cases:event_version": Detail("event", version=True),
    "cases:source_list": Page(
        queries=("", "?title=MARKER", "?kind=other", "?reliability=unknown", "?page=2"),
        count=r"(\d+) sources?\b",
        counted="sources",
        htmx=True,
    ),
    "cases:source_create": Page(allowed=CREATORS),
    "cases:source_detail": Detail("source"),
    "cases:source_edit": Detail("source", access="edit"),
    "cases:source_delete": Detail("source", access="delete"),
    "cases:source_history": Detail("source"),
    "cases:source_version": Detail("source", version=True),
    "cases:evidence_upload": Detail("source", access="edit", method="POST"),
    "cases:evidence_download": Detail("evidence"),
    "cases:evidence_strip": Detail("evidence", access="edit", method="POST"),
    "cases:authority_list": Page(
        queries=("", "?name=MARKER", "?name=Ministry", "?sort=-overdue", "?sort=median"),
        htmx=True,
    ),
    "cases:authority_create": Page(allowed=CREATORS),
    "cases:authority_detail": Detail("authority"),
    "cases:authority_edit": Detail("authority", access="edit"),
    "cases:authority_history": Detail("authority"),
    "cases:authority_version": Detail("authority", version=True),
    # Search and the events list (tests/test_search_pages.py checks the search page's
    # counts and its text without the marks it puts around matching words)
    "search:search": Page(
        queries=(
            "",
            "?q=MARKER",
            "?q=secret+marker",
            "?q=Azar+person",
            "?q=زهره",
            "?q=marker&kind=event",
            "?q=place&kind=event",
        ),
        htmx=True,
    ),
    "search:event_list": Page(
        queries=(
            "",
            "?q=MARKER",
            "?confidentiality=secret",
            "?type=detention",
            "?from=2024&to=2024",
            "?from=2024-02&to=2024-03",
            "?type=detention&status=open",
            "?sort=oldest",
            "?last=1",
        ),
        count=r"(\d+) events?\b",
        counted="events",
        htmx=True,
    ),
    "search:saved_create": Elsewhere(
        "tests/test_search_pages.py: a saved search keeps filters, never records"
    ),
    "search:saved_delete": Elsewhere(
        "tests/test_search_pages.py: only its owner deletes one; a search not shared answers 404"
    ),
    # Reports (tests/test_reports.py: counts, links, second team, suppression, downloads)
    "reports:report": Page(
        queries=(
            "",
            "?rows=place",
            "?rows=type&columns=period&period=month",
            "?rows=right&columns=status",
            "?rows=authority&measure=victims",
            "?rows=sex&columns=age&measure=cases",
            "?durations=1",
        ),
        count=r'id="report-total">(?:<a href="[^"]*">)?(\d+)<',
        counted="events",
    ),
    "reports:download": Page(
        queries=("?format=csv", "?format=csv&rows=place&columns=type", "?format=xlsx")
    ),
    "reports:events_download": Page(queries=("?format=csv",), allowed=TAKERS),
    "reports:saved_create": Elsewhere(
        "tests/test_reports.py: a saved report keeps its choice, through the service"
    ),
    "reports:saved_publish": Elsewhere(
        "tests/test_reports.py: only a coordinator of its team or an administrator publishes"
    ),
    "reports:saved_delete": Elsewhere("tests/test_reports.py: only its owner deletes one"),
    "public:report_list": Public("published reports' names only"),
    "public:report_detail": Public("counts of public events only, small cells withheld"),
    "public:report_feed": Public("the Atom feed of the published reports' public tables"),
    # Published letters, for anyone: tests/test_letters_public.py checks what they show
    # and tests/test_letters_publishing.py that names of persons who are not public are not.
    "public:letter_list": Public("published letters only, titles redacted by rule"),
    "public:letter_detail": Public("a published letter, its text and cited cases redacted"),
    "public:letter_feed": Public("the Atom feed of the published letters' public pages"),
    # Letters
    "letters:letter_list": Page(
        queries=("", "?title=MARKER", "?state=overdue", "?state=draft", "?state=sent", "?page=2"),
        count=r"(\d+) letters?\b",
        counted="letters",
        htmx=True,
    ),
    "letters:letter_create": Page(allowed=CREATORS),
    # Drafts from text: writers only; the review and saving are tested in tests/test_drafts.py
    "drafts:start": Page(allowed=CREATORS),
    "drafts:save": Elsewhere(
        "tests/test_drafts.py: POST only, writers only, saves through the services; a match "
        "never names a person of another team"
    ),
    "letters:case_choices": Page(queries=("", "?q=MARKER", "?q=SECRET", "?q=case")),
    "letters:overdue": Page(count=r"(\d+) repl(?:y|ies) overdue", counted="letters"),
    "letters:inbox": Page(allowed=DELETERS, refused=404),
    "letters:inbox_detail": Detail("inbound", refuses_role=404),
    "letters:inbox_file": Elsewhere(
        "tests/test_mail_as_received.py: the queue's sorters only, logged as a download"
    ),
    "letters:reply_file": Elsewhere(
        "tests/test_mail_as_received.py: who may see the letter and the file; 404 to another team"
    ),
    "letters:letter_detail": Detail("letter"),
    "letters:letter_edit": Detail("letter", access="edit"),
    "letters:letter_send": Detail("letter", access="edit"),
    "letters:reply_create": Detail("letter", access="edit"),
    "letters:reply_answers": Detail("reply", access="edit"),
    "letters:letter_follow_up": Detail("letter", access="edit"),
    "letters:letter_publish": Detail("letter", access="delete", method="POST"),
    # What the public would read, names of persons who are not public flagged.
    "letters:letter_publish_preview": Detail("letter", access="delete"),
    "letters:letter_delete": Detail("letter", access="delete"),
    "letters:letter_pdf": Detail("letter"),
    "letters:letter_history": Detail("letter"),
    "letters:letter_version": Detail("letter", version=True),
    # Tracing (tests/test_tracing_pages.py checks what goes to the requester under consent)
    "tracing:request_list": Page(
        queries=("", "?status=open", "?page=2"),
        count=r"(\d+) tracing requests?\b",
        counted="tracing requests",
    ),
    "tracing:request_create": Page(allowed=CREATORS),
    "tracing:request_detail": Detail("tracing_request"),
    "tracing:request_step": Detail("tracing_request", access="edit", method="POST"),
    "tracing:match_decide": Detail("tracing_request", access="edit", method="POST"),
    "tracing:consent_add": Detail("tracing_request", access="edit", method="POST"),
    "tracing:match_propose": Detail("tracing_request", access="edit", method="POST"),
    "tracing:consent_withdraw": Detail("tracing_request", access="edit"),
    "tracing:attempt_add": Detail("tracing_request", access="edit", method="POST"),
    "tracing:message_add": Detail("tracing_request", access="edit", method="POST"),
    "tracing:message_update": Detail("tracing_request", access="edit", method="POST"),
    "tracing:requester_reply": Detail("tracing_request"),
    "tracing:requester_reply_pdf": Detail("tracing_request"),
    "tracing:requester_export": Detail("tracing_request"),
    "tracing:attempt_event": Elsewhere(
        "tests/test_tracing_pages.py: an attempt of a request of another team answers 404"
    ),
    # Estimates: counts of what the reader may see, never a record (tests/test_estimates.py
    # checks the counts against a second team's viewer); list names are source titles.
    "estimates:estimate": Page(
        queries=("", "?event_type=detention&method=loglinear&lists_by=source&seed=1"),
    ),
    # Dossiers: downloads of a whole record (tests/test_dossiers.py: viewers 403, another
    # team 404, each download audited, the outside copy redacted)
    "dossiers:case_dossier": Elsewhere("tests/test_dossiers.py"),
    "dossiers:person_dossier": Elsewhere("tests/test_dossiers.py"),
    "dossiers:case_wgad_draft": Elsewhere("tests/test_dossiers.py"),
    # Data protection: for coordinators and administrators (tests/test_privacy.py checks the
    # queue, anonymising, rights requests and the disclosure log)
    "privacy:register": Page(allowed=DELETERS),
    "privacy:retention": Page(allowed=DELETERS),
    "privacy:legal_hold": Detail("case", access="delete", method="POST", refuses_role=403),
    "privacy:disclosures": Page(allowed=DELETERS),
    "privacy:person_basis": Detail("person", access="edit", method="POST"),
    "privacy:tracing_request_basis": Detail("tracing_request", access="edit", method="POST"),
    "privacy:evidence_basis": Elsewhere(
        "tests/test_privacy.py: an evidence file's basis follows its source (403, 404)"
    ),
    "privacy:requests": Page(allowed=DELETERS),
    "privacy:request_detail": Elsewhere(
        "tests/test_privacy.py: a request about a person of another team answers 404"
    ),
    "privacy:request_access": Elsewhere(
        "tests/test_privacy.py: the answer holds nothing the rule withholds"
    ),
    # The API
    "api:openapi-json": Public("the API's schema, which holds no record"),
    "api:openapi-view": Public("the API's documentation page, which holds no record"),
    "api:api-root": Public("answers 404: django-ninja's root has no view of its own"),
    "api:list_persons": ApiList("persons", ("", "?name=MARKER", "?name=زهره", "?status=unknown")),
    "api:get_person": ApiDetail("person"),
    "api:update_person": ApiDetail("person", method="PATCH"),
    "api:create_person": Elsewhere("tests/test_api.py: a new person names no other record"),
    "api:list_cases": ApiList("cases", ("", "?confidentiality=secret", "?team=Documentation")),
    "api:get_case": ApiDetail("case"),
    "api:update_case": ApiDetail("case", method="PATCH"),
    "api:create_case": ApiProbe(lambda world, person: {"title": "Probe", "persons": [person]}),
    "api:list_events": ApiList("events", ("", "?type=detention", "?case={secret_case}")),
    "api:get_event": ApiDetail("event"),
    "api:update_event": ApiDetail("event", method="PATCH"),
    "api:create_event": ApiProbe(
        lambda world, person: {
            "case": world.cases["public"].pk,
            "type": "detention",
            "persons": [{"person": person, "role": "victim"}],
        }
    ),
    "api:list_sources": ApiList("sources", ("", "?kind=other", "?reliability=unknown")),
    "api:get_source": ApiDetail("source"),
    "api:update_source": ApiDetail("source", method="PATCH"),
    "api:create_source": Elsewhere("tests/test_api.py: a new source names no other record"),
    "api:list_authorities": ApiList("authorities", ("", "?kind=other")),
    "api:get_authority": ApiDetail("authority"),
    "api:update_authority": ApiDetail("authority", method="PATCH"),
    "api:create_authority": Elsewhere("tests/test_api.py: authorities are public bodies"),
    "api:list_letters": ApiList(
        "letters",
        ("", "?state=overdue", "?state=sent", "?confidentiality=secret", "?case={secret_case}"),
    ),
    "api:get_letter": ApiDetail("letter"),
    "api:update_letter": ApiDetail("letter", method="PATCH"),
    "api:list_replies": ApiDetail("letter"),
    "api:list_copies": ApiDetail("letter"),
    "api:get_reply": Elsewhere(
        "tests/test_letters_api.py: a reply to a letter the caller may not see answers 404"
    ),
    "api:create_letter": Elsewhere(
        "tests/test_letters_api.py: citing a hidden case answers as citing a missing one"
    ),
    "api:send_letter": Elsewhere(
        "tests/test_letters_api.py: sending a letter the caller may not see answers 404"
    ),
    "api:create_reply": Elsewhere(
        "tests/test_letters_api.py: a reply to a letter the caller may not see answers 404"
    ),
    "api:list_tracing_requests": ApiList("tracing"),
    "api:get_tracing_request": ApiDetail("tracing_request"),
    "api:get_for_requester": ApiDetail("tracing_request"),
    "api:list_consents": ApiDetail("tracing_request"),
    "api:list_contact_attempts": ApiDetail("tracing_request"),
    "api:list_refusals": ApiDetail("tracing_request"),
    "api:list_steps": ApiDetail("tracing_request"),
    "api:get_consent": Elsewhere(
        "tests/test_tracing_api.py: a consent through a request the caller may not see answers 404"
    ),
    "api:create_tracing_request": ApiProbe(
        lambda world, person: {"requester": person, "sought": world.persons["public"].pk}
    ),
    "api:move_tracing_request": Elsewhere(
        "tests/test_tracing_api.py: a write to a request the caller may not see answers 404"
    ),
    "api:record_consent": Elsewhere(
        "tests/test_tracing_api.py: a write to a request the caller may not see answers 404"
    ),
    "api:withdraw_consent": Elsewhere(
        "tests/test_tracing_api.py: a write to a request the caller may not see answers 404"
    ),
    "api:record_refusal": Elsewhere(
        "tests/test_tracing_api.py: a write to a request the caller may not see answers 404"
    ),
    "api:log_contact_attempt": Elsewhere(
        "tests/test_tracing_api.py: a write to a request the caller may not see answers 404"
    ),
    "api:update_reply": Elsewhere(
        "tests/test_letters_api.py: marking a reply to a letter the caller may not see answers 404"
    ),
}


ROUTES.update({key: Admin() for key in admin_keys()})
ROUTES.update(
    {
        "admin:login": Public("the admin's log-in form"),
        "admin:logout": Public("logging out of the admin, POST only"),
    }
)


# The registry itself


def test_every_route_is_in_the_registry() -> None:
    routes = {route.key for route in all_routes()}

    unchecked = sorted(routes - set(ROUTES))
    stale = sorted(set(ROUTES) - routes)

    assert not unchecked, (
        f"A new route that nobody checked: {unchecked}. Add it to ROUTES in "
        "tests/test_every_route.py with how its answers are checked for leaks."
    )
    assert not stale, f"ROUTES names routes that no longer exist: {stale}"


def test_every_api_operation_is_in_the_registry() -> None:
    """The OpenAPI schema's operations and the resolver's API routes are the same set."""
    schema = api.get_openapi_schema()
    operations = {
        f"api:{operation['operationId']}"
        for methods in schema["paths"].values()
        for operation in methods.values()
    }

    missing = sorted(operations - set(ROUTES))

    assert not missing, f"A new API operation that nobody checked: {missing}"


# The world and the personas


@dataclass
class Scene:
    world: World
    persona: str
    user: User
    failures: list[str] = field(default_factory=list)

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def report(self) -> None:
        assert not self.failures, f"{len(self.failures)} leaks or wrong answers:\n" + "\n".join(
            self.failures
        )


@pytest.fixture(scope="module")
def world(shared: Shared) -> World:
    with shared.making():
        built = markers.build(
            author=shared.documenter, deleter=shared.coordinator, team=shared.team
        )
        factories.trace_marked_world(built, shared.documenter, shared.team)
        return built


def _persona(request: pytest.FixtureRequest, persona: str, other_team: Team) -> User:
    user: User = request.getfixturevalue(persona)
    if persona == "administrator":
        # An administrator who is not in the owning team: secret records stay with the team.
        user.teams.set([other_team])
    return user


def _content(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        # Reading to the end closes the response, as the test client arranges; closing it
        # again would close PostgreSQL's connection in the middle of the test.
        return b"".join(response.streaming_content)
    return bytes(response.content)


def _body(response: Any) -> str:
    return _content(response).decode("utf-8", errors="replace")


def _first_version(record: Model) -> int:
    history = record.history.order_by("history_id").first()  # type: ignore[attr-defined]
    return int(history.history_id)


@dataclass(frozen=True)
class Target:
    """One record to put in a route, with what each persona may do with it."""

    label: str
    record: Model
    level: str | None
    deleted: bool = False
    restorable: bool = False


def _targets(world: World, kind: str) -> list[Target]:
    """Every record of `kind`: the living ones of each level, then the deleted ones."""
    if kind == "authority":
        assert world.authority is not None
        return [Target("authority", world.authority, None)]
    if kind == "inbound":
        assert world.inbound is not None
        return [Target("incoming email", world.inbound, None)]
    if kind == "any":
        return [
            target
            for each in ("case", "event", "source", "letter")
            for target in _targets(world, each)
            if target.restorable
        ]
    alive = markers.alive_by_level(world, kind)
    targets = [Target(f"{level} {kind}", record, level) for level, record in alive.items()]
    for level, record, restorable in world.gone.get(kind, []):
        label = f"deleted {level} {kind}" if restorable else f"{level} {kind} of a deleted record"
        targets.append(Target(label, record, level, deleted=True, restorable=restorable))
    return targets


def _expected(check: Detail, target: Target, persona: str) -> int:
    if check.refuses_role is not None and persona not in DELETERS:
        return check.refuses_role
    if check.access == "restore":
        return 200 if target.restorable and target.level in RESTORES[persona] else 404
    if target.deleted:
        return 404
    if target.level is not None and target.level not in SEES[persona]:
        return 404
    if check.access == "read":
        return 200
    if check.kind == "authority":
        return 200 if persona in CREATORS else 403
    if check.access == "edit":
        return 200 if target.level in markers.EDITS[persona] else 403
    if check.access == "delete":
        return 200 if persona in DELETERS else 403
    raise AssertionError(check.access)


def _count(scene: Scene, collection: str) -> int:
    if collection == "authorities":
        return 1
    return len(SEES[scene.persona])


def _look(scene: Scene, where: str, response: Any, *, lists_deleted: bool = False) -> str:
    text = _body(response)
    if response.status_code >= 500:
        scene.fail(f"{where}: {response.status_code}")
    found = markers.leaks(text, scene.persona, may_list_deleted=lists_deleted)
    if found:
        scene.fail(f"{where}: shows {found}")
    return text


# Pages


def _check_page(scene: Scene, client: Client, key: str, check: Page) -> None:
    path = reverse(key)
    expected = 200 if scene.persona in check.allowed else check.refused
    variants = [(query, {}) for query in check.queries]
    if check.htmx:
        variants += [(query, {"HX-Request": "true"}) for query in check.queries]
    for query, headers in variants:
        where = f"GET {path}{query}{' (htmx)' if headers else ''} as {scene.persona}"
        response = client.get(path + query, headers=headers)
        text = _look(scene, where, response, lists_deleted=check.lists_deleted)
        statuses = check.statuses if expected == 200 else {expected}
        if response.status_code not in statuses:
            scene.fail(f"{where}: {response.status_code}, expected {sorted(statuses)}")
            continue
        if check.count and expected == 200 and query in ("", "?title=MARKER", "?name=MARKER"):
            found = re.search(check.count, text)
            wanted = _count(scene, check.counted)
            if found is None or int(found[1]) != wanted:
                shown = found[0] if found else "no count"
                scene.fail(f"{where}: counts {shown!r}, expected {wanted} {check.counted}")


def _check_detail(scene: Scene, client: Client, key: str, check: Detail) -> None:
    world = scene.world
    for target in _targets(world, check.kind):
        values: dict[str, Any] = {"pk": target.record.pk}
        if check.version:
            values["history_id"] = _first_version(target.record)
        if check.kind == "any":
            values["kind"] = target.record._meta.model_name
        path = reverse(key, kwargs=values)
        expected = _expected(check, target, scene.persona)
        if check.method == "POST" and expected == 200:
            # A POST the persona may make would change the world; the grant is tested
            # with the feature (tests/test_cases_pages.py).
            continue
        variants = [(query, {}) for query in check.queries]
        if check.htmx:
            variants += [(query, {"HX-Request": "true"}) for query in check.queries[1:]]
        for query, headers in variants:
            where = f"{check.method} {path}{query} ({target.label}) as {scene.persona}"
            before = _last_entry()
            if check.method == "POST":
                response = client.post(path + query, headers=headers)
            else:
                response = client.get(path + query, headers=headers)
            _look(scene, where, response, lists_deleted=check.access == "restore")
            if response.status_code != expected:
                scene.fail(f"{where}: {response.status_code}, expected {expected}")
            elif expected == 200 and target.level in WATCHED:
                _check_audited(scene, where, before)
    if check.version:
        _check_foreign_version(scene, client, key, check)


def _check_foreign_version(scene: Scene, client: Client, key: str, check: Detail) -> None:
    """A version of a hidden record, asked for through a record the persona may see."""
    world = scene.world
    if check.kind == "authority":
        return
    records = {
        "person": world.persons,
        "case": world.cases,
        "event": world.events,
        "letter": world.letters,
    }.get(check.kind, world.sources)
    path = reverse(
        key,
        kwargs={"pk": records["public"].pk, "history_id": _first_version(records["secret"])},
    )
    response = client.get(path)
    where = f"GET {path} (a secret record's version through the public one) as {scene.persona}"
    _look(scene, where, response)
    if response.status_code != 404:
        scene.fail(f"{where}: {response.status_code}, expected 404")


def _last_entry() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _check_audited(scene: Scene, where: str, after: int, action: str | None = None) -> None:
    """A read of a restricted or secret record left an audit entry by its reader."""
    entries = AuditEntry.objects.filter(id__gt=after, actor=scene.user)
    if action is not None:
        entries = entries.filter(action=action)
    if not entries.exists():
        scene.fail(f"{where}: read a restricted or secret record and left no audit entry")


def _admin_values(scene: Scene, route: Route) -> dict[str, Any]:
    """Parameters for an admin route: an object of its model, or a hidden case."""
    world = scene.world
    values: dict[str, Any] = {}
    names = parameters(route.pattern)
    if route.pattern.endswith("(?P<url>.*)$"):
        return {}
    if "content_type_id" in names:
        values["content_type_id"] = ContentType.objects.get_for_model(Case).pk
        values["object_id"] = world.cases["secret"].pk
        return values
    if route.name == "admin:auth_user_password_change":
        return {"id": scene.user.pk}
    if "object_id" in names or "pk" in names:
        match = re.match(r"admin/(\w+)/(\w+)/", route.pattern)
        assert match is not None, route.pattern
        from django.apps import apps

        model = apps.get_model(match[1], match[2])
        if model is Team:
            instance: Model | None = world.team
        elif model is User:
            instance = world.persons["secret"].created_by
        else:
            instance = model._default_manager.order_by("pk").first()
        key = "object_id" if "object_id" in names else "pk"
        values[key] = instance.pk if instance is not None else 1
    return values


def _admin_path(scene: Scene, route: Route) -> str:
    if route.pattern.endswith("(?P<url>.*)$"):
        return "/admin/no-such-page/"
    if route.name == "admin:app_list":
        return reverse("admin:app_list", kwargs={"app_label": "cases"})
    return fill(route.pattern, _admin_values(scene, route))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_shows_each_persona_only_what_it_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    user = _persona(request, persona, other_team)
    client = logged_in(user)
    scene = Scene(world, persona, user)
    routes = {route.key: route for route in all_routes()}
    for key, check in ROUTES.items():
        if isinstance(check, Page):
            _check_page(scene, client, key, check)
        elif isinstance(check, Detail):
            _check_detail(scene, client, key, check)
        elif isinstance(check, Admin):
            route = routes[key]
            path = _admin_path(scene, route)
            response = client.get(path)
            where = f"GET {path} as {persona}"
            _look(scene, where, response)
            if persona in ADMINISTRATORS:
                if response.status_code not in {200, 302, 403, 404}:
                    scene.fail(f"{where}: {response.status_code}")
            elif response.status_code != 302 or not response["Location"].startswith(
                "/admin/login/"
            ):
                scene.fail(f"{where}: {response.status_code}, expected the admin's log-in page")
    _check_figures(scene, client)
    scene.report()


def _check_figures(scene: Scene, client: Client) -> None:
    """The public person's days in detention count only the detentions the persona may see."""
    wanted = sum(markers.DETENTION_DAYS[level] for level in SEES[scene.persona])
    person = scene.world.persons["public"]
    text = _body(client.get(reverse("people:person_detail", args=[person.pk])))
    found = re.search(r"Days detained in all</dt><dd>(\d+)</dd>", text)
    if found is None or int(found[1]) != wanted:
        scene.fail(
            f"the public person's page as {scene.persona} counts "
            f"{found[1] if found else 'no'} days detained, expected {wanted}"
        )


# The API


def _api_client(user: User) -> Client:
    _, secret = issue_token(user=user, name="leak test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


API_KINDS = {
    "persons": "person",
    "cases": "case",
    "events": "event",
    "sources": "source",
    "authorities": "authority",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_api_shows_each_persona_only_what_it_may_see(
    request: pytest.FixtureRequest, persona: str, world: World, other_team: Team
) -> None:
    user = _persona(request, persona, other_team)
    client = _api_client(user)
    scene = Scene(world, persona, user)
    for key, check in ROUTES.items():
        if isinstance(check, ApiList):
            _check_api_list(scene, client, check)
        elif isinstance(check, ApiDetail):
            _check_api_detail(scene, client, key, check)
        elif isinstance(check, ApiProbe):
            _check_api_probe(scene, client, key, check)
    person = world.persons["public"]
    answer = client.get(f"/api/v1/persons/{person.pk}").json()
    wanted = sum(markers.DETENTION_DAYS[level] for level in SEES[persona])
    if answer["figures"]["days_detained_total"] != wanted:
        scene.fail(
            f"GET /api/v1/persons/{person.pk} as {persona}: days detained "
            f"{answer['figures']['days_detained_total']}, expected {wanted}"
        )
    scene.report()


def _check_api_list(scene: Scene, client: Client, check: ApiList) -> None:
    """A list is a bulk read: refused to viewers, and logged with its query for the others."""
    path = f"/api/v1/{check.collection}"
    queries = [query.format(secret_case=scene.world.cases["secret"].pk) for query in check.queries]
    for query in [*queries, "?limit=1&offset=1", "?limit=1"]:
        where = f"GET {path}{query} as {scene.persona}"
        before = _last_entry()
        response = client.get(path + query)
        _look(scene, where, response)
        expected = 200 if scene.persona in TAKERS else 403
        if response.status_code != expected:
            scene.fail(f"{where}: {response.status_code}, expected {expected}")
            continue
        if expected != 200:
            continue
        logged = AuditEntry.objects.filter(id__gt=before, actor=scene.user, action="export")
        if [entry.detail.get("query") for entry in logged] != [
            QueryDict(query.lstrip("?")).urlencode()
        ]:
            scene.fail(f"{where}: not logged once with its query as a bulk read")
        if query in ("", "?name=MARKER", "?limit=1&offset=1", "?limit=1"):
            wanted = _count(scene, check.collection)
            if response.json()["count"] != wanted:
                scene.fail(f"{where}: count {response.json()['count']}, expected {wanted}")


def _check_api_detail(scene: Scene, client: Client, key: str, check: ApiDetail) -> None:
    for target in _targets(scene.world, check.kind):
        if check.kind == "evidence":
            continue
        path = reverse(key, kwargs={f"{check.kind}_id": target.record.pk})
        where = f"{check.method} {path} ({target.label}) as {scene.persona}"
        before = _last_entry()
        if check.method == "PATCH":
            # Version 0 is always stale: an allowed change answers 409 and changes nothing.
            response = client.patch(path, {"version": 0}, content_type="application/json")
            access = "edit"
        else:
            response = client.get(path)
            access = "read"
        _look(scene, where, response)
        expected = _expected(Detail(check.kind, access=access), target, scene.persona)
        if expected == 200 and check.method == "PATCH":
            expected = 409
        if response.status_code != expected:
            scene.fail(f"{where}: {response.status_code}, expected {expected}")
        elif expected == 200 and target.level in WATCHED:
            _check_audited(scene, where, before, "view")


MISSING = 987_654_321


def _check_api_probe(scene: Scene, client: Client, key: str, check: ApiProbe) -> None:
    """A hidden or deleted person named in a write answers exactly as a missing one."""
    path = reverse(key)
    missing = client.post(path, check.body(scene.world, MISSING), content_type="application/json")
    hidden = [
        (level, person)
        for level, person in scene.world.persons.items()
        if level not in SEES[scene.persona]
    ] + [(f"deleted {level}", person) for level, person, _ in scene.world.gone["person"]]
    for label, person in hidden:
        where = f"POST {path} naming the {label} person as {scene.persona}"
        response = client.post(
            path, check.body(scene.world, person.pk), content_type="application/json"
        )
        _look(scene, where, response)
        answer = _body(response).replace(str(person.pk), str(MISSING))
        if (response.status_code, answer) != (missing.status_code, _body(missing)):
            scene.fail(f"{where}: {response.status_code} {answer}, unlike a missing person")


# Exports


def _archive_text(content: bytes) -> tuple[str, dict[str, Any]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    texts = []
    document: dict[str, Any] = {}
    for name in archive.namelist():
        data = archive.read(name)
        texts.append(name)
        texts.append(data.decode("utf-8", errors="replace"))
        if name.endswith(".json"):
            document = json.loads(data)
    return "\n".join(texts), document


def _check_document(scene: Scene, where: str, text: str, document: dict[str, Any]) -> None:
    found = markers.leaks(text, scene.persona)
    if found:
        scene.fail(f"{where}: holds {found}")
    for collection in ("persons", "cases", "events", "sources"):
        wanted = _count(scene, collection)
        if len(document.get(collection, [])) != wanted:
            scene.fail(
                f"{where}: {len(document.get(collection, []))} {collection}, expected {wanted}"
            )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_export_zip_holds_only_what_the_persona_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    user = _persona(request, persona, other_team)
    client = logged_in(user)
    session = client.session
    session[SESSION_KEY] = time.time()  # as a fresh log-in with the password leaves it
    session.save()
    scene = Scene(world, persona, user)

    response = client.post(reverse("export_download"))

    if persona == "viewer":
        assert response.status_code == 403
        return
    assert response.status_code == 200, response
    text, document = _archive_text(_content(response))
    _check_document(scene, f"the export zip of {persona}", text, document)
    scene.report()


@pytest.mark.parametrize("persona", PERSONAS)
def test_docket_export_as_holds_only_what_the_persona_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    tmp_path: Path,
) -> None:
    user = _persona(request, persona, other_team)
    out = tmp_path / "export.json"
    if persona not in TAKERS:
        with pytest.raises(CommandError):
            call_command("export", "--out", str(out), "--as", user.username, stdout=io.StringIO())
        assert not out.exists()
        return
    call_command("export", "--out", str(out), "--as", user.username, stdout=io.StringIO())
    scene = Scene(world, persona, user)
    [entry] = AuditEntry.objects.filter(actor=user, action="export")
    wanted = {world.persons[level].pk for level in SEES[persona] & WATCHED}
    if not wanted <= set(entry.detail["watched"].get("persons", [])):
        scene.fail(f"docket export --as {persona}: logged {entry.detail}, not its secret reads")

    files = sorted(path for path in tmp_path.rglob("*") if path.is_file())
    text = "\n".join(
        f"{path.relative_to(tmp_path)}\n{path.read_text(errors='replace')}" for path in files
    )
    _check_document(scene, f"docket export --as {persona}", text, json.loads(out.read_text()))
    scene.report()


@pytest.mark.parametrize("persona", PERSONAS)
def test_docket_show_as_shows_and_logs_only_what_the_persona_may_see(
    request: pytest.FixtureRequest, persona: str, world: World, other_team: Team
) -> None:
    user = _persona(request, persona, other_team)
    scene = Scene(world, persona, user)
    for level, person in world.persons.items():
        where = f"docket show person {person.pk} ({level}) --as {persona}"
        before = _last_entry()
        out = io.StringIO()
        try:
            call_command("show", "person", str(person.pk), "--as", user.username, stdout=out)
        except CommandError as error:
            if level in SEES[persona]:
                scene.fail(f"{where}: refused ({error})")
            elif str(error) != f"There is no person '{person.pk}' that you may see.":
                scene.fail(f"{where}: {error}, unlike a missing person")
            continue
        if level not in SEES[persona]:
            scene.fail(f"{where}: shown")
        found = markers.leaks(out.getvalue(), persona)
        if found:
            scene.fail(f"{where}: shows {found}")
        if level in WATCHED:
            _check_audited(scene, where, before, "view")
    scene.report()


# Mail filed as a letter's reply


@pytest.mark.parametrize("persona", PERSONAS)
def test_inbox_mail_of_a_letter_follows_the_letters_visibility(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    """An emailed reply to each level's letter, opened from the review queue's address."""
    user = _persona(request, persona, other_team)
    client = logged_in(user)
    scene = Scene(world, persona, user)
    for level, letter in world.letters.items():
        reference = letter.dispatches.get().reference
        inbound = letter_services.ingest_email(
            f"From: clerk@ministry.example.org\r\nSubject: Re: [{reference}]\r\n"
            f"Message-ID: <{level}@ministry.example.org>\r\n\r\n"
            f"{markers.token(level)} emailed reply\r\n".encode()
        )
        assert inbound.response is not None
        path = reverse("letters:inbox_detail", args=[inbound.pk])
        where = f"GET {path} (an emailed reply to the {level} letter) as {persona}"
        before = _last_entry()
        response = client.get(path)
        _look(scene, where, response)
        # The review queue is for coordinators and administrators; for them, the letter's rule.
        expected = 200 if persona in DELETERS and level in SEES[persona] else 404
        if response.status_code != expected:
            scene.fail(f"{where}: {response.status_code}, expected {expected}")
        elif expected == 200 and level in WATCHED:
            _check_audited(scene, where, before, "view")
    scene.report()


# Labels a filter prints


@pytest.mark.parametrize("persona", PERSONAS)
def test_filters_print_labels_only_of_what_the_persona_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    """Every place and authority id, chosen in the events list's filters: a label of a
    value known only from records the persona may not see is never printed."""
    user = _persona(request, persona, other_team)
    client = logged_in(user)
    scene = Scene(world, persona, user)
    places = FacetTerm.objects.filter(dimension="place").values_list("pk", flat=True)
    authorities = Authority.objects.values_list("pk", flat=True)
    queries = [f"?place={pk}" for pk in places] + [f"?authority={pk}" for pk in authorities]
    queries += [f"?place={pk}&type=detention" for pk in places]
    assert len(places) >= len(markers.LEVELS)
    for query in queries:
        path = reverse("search:event_list") + query
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(path, headers=headers)
            _look(scene, f"GET {path} as {persona}", response)
    scene.report()


# Answers to a stale edit


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_stale_edit_answers_only_with_what_the_persona_may_still_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Someone else saves each public record while the persona's change is on its way and
    moves it to a third team's secret records: the answer is a 404, not the record (409)."""
    from docket.cases import services as case_services
    from docket.people import services as people_services

    user = _persona(request, persona, other_team)
    client = _api_client(user)
    scene = Scene(world, persona, user)
    elsewhere = Team.objects.create(name="A third association")

    def moved(model: type[Model], pk: int) -> None:
        changes = {"team": elsewhere, "confidentiality": "secret", "version": 99}
        model._default_manager.filter(pk=pk).update(**changes)
        raise StaleEdit(model._default_manager.get(pk=pk))

    def someone_else(model: type[Model], name: str) -> Callable[..., Any]:
        def save(**arguments: Any) -> Any:
            record = arguments[name]
            if model is Event:
                # An event is as confidential as its case.
                moved(Case, record.case_id)
            moved(model, record.pk)

        return save

    # The internal event: moving it moves its case, which the public case must not be.
    patches = [
        (people_services, "update_person", Person, "person", "persons", "public"),
        (case_services, "update_case", Case, "case", "cases", "public"),
        (case_services, "update_event", Event, "event", "events", "internal"),
        (case_services, "update_source", Source, "source", "sources", "public"),
        (letter_services, "update_letter", Letter, "letter", "letters", "public"),
    ]
    for module, function, model, name, collection, level in patches:
        monkeypatch.setattr(module, function, someone_else(model, name))
        record = getattr(world, collection)[level]
        path = f"/api/v1/{collection}/{record.pk}"
        response = client.patch(path, {"version": 1}, content_type="application/json")
        where = f"PATCH {path} (the {level} {name}, moved away meanwhile) as {persona}"
        _look(scene, where, response)
        if response.status_code != 404 or markers.token(level) in _body(response):
            scene.fail(f"{where}: {response.status_code} {_body(response)[:200]}")
    scene.report()


# Visitors who are not logged in


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in_everywhere(
    client: Client, world: World, documenter: User
) -> None:
    # The scene's user only fills the admin's address for changing a password.
    scene = Scene(world, "visitor", documenter)
    routes = {route.key: route for route in all_routes()}
    for key, check in ROUTES.items():
        route = routes[key]
        path = _anonymous_path(scene, route, check)
        response = client.get(path)
        where = f"GET {path} not logged in"
        text = _body(response)
        shown = [token for token in markers.every_token() if token in text]
        if shown:
            scene.fail(f"{where}: shows {shown}")
        status = response.status_code
        if isinstance(check, Public):
            # /healthz answers 503 on purpose here: no background worker runs in the tests.
            if status >= 500 and not (key == "healthz" and status == 503):
                scene.fail(f"{where}: {status}")
        elif key.startswith("api:"):
            if status != 401:
                scene.fail(f"{where}: {status}, expected 401")
        else:
            login = "/admin/login/" if key.startswith("admin") else "/login/"
            if status != 302 or not response["Location"].startswith(login):
                scene.fail(f"{where}: {status}, expected a redirect to {login}")
    scene.report()


def _anonymous_path(scene: Scene, route: Route, check: Check) -> str:
    if isinstance(check, Admin) or route.key.startswith("admin"):
        return _admin_path(scene, route)
    values: dict[str, Any] = {}
    world = scene.world
    for name in parameters(route.pattern):
        if name == "kind":
            values[name] = "case"
        elif name == "history_id":
            values[name] = _first_version(world.cases["public"])
        else:
            values[name] = world.evidence["public"].pk
    return fill(route.pattern, values)
