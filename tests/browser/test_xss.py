"""Script payloads in every free-text field, opened in headless Chromium: shown, never run.

Each payload goes into every field a person can type into (names in two
scripts, birth place, notes, contact details, case title and summary, event
place and description, source title, given-by and address on the web,
authority name and address, and the name of an uploaded file), written
through the services as the pages and the API would. Then every page that
shows them is opened: the payload must not run (window.__xss stays undefined,
no dialog opens, the Content-Security-Policy reports nothing blocked) and must
be there to read as text. The API's JSON and its documentation page, which
renders API answers with Swagger UI, are opened too.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from docket.accounts.models import User
from docket.cases import services as case_services
from docket.cases.models import Authority, Case, Event, EventType, InvolvementRole, Source
from docket.lib.partialdate import PartialDate
from docket.people import services as people_services
from docket.people.models import Person, RelationshipKind
from docket.people.services import NameInput
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

PAYLOADS = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "javascript:window.__xss=1",
    "<svg onload=window.__xss=1>",
    "'><svg/onload=window.__xss=1>",
    "بازداشت در زندان <script>window.__xss=1</script> اوین",
    "{{ 7|add:42 }}{% now 'Y' %}",
)


@dataclass
class Marked:
    payload: str
    person: Person
    case: Case
    event: Event
    source: Source
    authority: Authority
    paths: list[str] = field(default_factory=list)


def _vocabulary() -> tuple[EventType, InvolvementRole, RelationshipKind]:
    # A live server's database is emptied between tests, vocabularies too.
    detention, _ = EventType.objects.get_or_create(
        code="detention", defaults={"label": "Detention", "fields": ["charged"]}
    )
    victim, _ = InvolvementRole.objects.get_or_create(code="victim", defaults={"label": "Victim"})
    parent, _ = RelationshipKind.objects.get_or_create(code="parent", defaults={"label": "Parent"})
    return detention, victim, parent


def _url_with(payload: str) -> str:
    """An address on the web that carries the payload, where the field's validation allows."""
    return "https://example.org/report?q=" + payload.replace(" ", "")


def _mark(author: User, payload: str, index: int, previous: Person | None) -> Marked:
    detention, victim, parent = _vocabulary()
    person = people_services.create_person(
        actor=author,
        names=[NameInput(payload), NameInput(f"نام {payload}", script="persian")],
        birth_place=payload,
        notes=payload,
        contact_details=payload,
        confidentiality="internal",
    )
    if previous is not None:
        people_services.relate(actor=author, person=person, relative=previous, kind=parent)
    authority = case_services.create_authority(actor=author, name=payload, address=payload)
    source = case_services.create_source(
        actor=author, title=payload, given_by=payload, confidentiality="internal"
    )
    try:
        case_services.update_source(
            actor=author, source=source, expected_version=1, url=_url_with(payload)
        )
    except ValidationError:
        # Not an address the field takes (javascript: is refused): the title still carries it.
        source.refresh_from_db()
    # A file's name keeps only its last part after a slash.
    case_services.attach_evidence(
        actor=author,
        source=source,
        upload=SimpleUploadedFile(f"{payload.replace('/', '')}.txt", b"A statement.\n"),
    )
    case = case_services.open_case(
        actor=author, title=payload, summary=payload, persons=[person], confidentiality="internal"
    )
    case_services.update_case(actor=author, case=case, expected_version=1, summary=payload + " ")
    event = case_services.add_event(
        actor=author,
        case=case,
        type=detention,
        start=PartialDate.parse(f"2024-0{1 + index % 9}-01"),
        place_name=payload,
        description=payload,
        authority=authority,
        involvements=[case_services.InvolvementInput(person, victim)],
        sources=[source],
    )
    history = person.history.order_by("history_id").first()
    marked = Marked(payload, person, case, event, source, authority)
    marked.paths = [
        f"/people/{person.pk}/",
        f"/people/{person.pk}/edit/",
        f"/people/{person.pk}/history/",
        f"/people/{person.pk}/history/{history.history_id}/",
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/edit/",
        f"/cases/{case.pk}/history/",
        f"/cases/{case.pk}/events/new/",
        f"/events/{event.pk}/edit/",
        f"/events/{event.pk}/history/",
        f"/sources/{source.pk}/",
        f"/sources/{source.pk}/edit/",
        f"/sources/{source.pk}/history/",
        f"/authorities/{authority.pk}/edit/",
        f"/authorities/{authority.pk}/history/",
    ]
    return marked


@dataclass
class Watch:
    """What a page did that it must not: run the payload, open a dialog, trip the CSP."""

    page: Page
    problems: list[str] = field(default_factory=list)
    where: str = ""

    def __post_init__(self) -> None:
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.where}: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        # A JSON answer has no icon of its own; the browser's guess at one is no payload.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.problems.append(f"{self.where}: console: {message.text}")

    def _dialog(self, dialog: Any) -> None:
        self.problems.append(f"{self.where}: a {dialog.type} dialog opened: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str) -> Any:
        self.where = url
        response = self.page.goto(url)
        if self.page.evaluate("() => typeof window.__xss") != "undefined":
            self.problems.append(f"{url}: the payload ran")
        return response

    def shows(self, payload: str) -> bool:
        """The payload as text on the page, or as the value of one of its fields."""
        return bool(
            self.page.evaluate(
                """payload => document.body.innerText.includes(payload)
                    || Array.from(document.querySelectorAll('input, textarea'))
                        .some(field => field.value.includes(payload))""",
                payload,
            )
        )


@pytest.fixture
def marked(documenter: User) -> list[Marked]:
    records: list[Marked] = []
    previous = None
    for index, payload in enumerate(PAYLOADS):
        records.append(_mark(documenter, payload, index, previous))
        previous = records[-1].person
    return records


def test_no_payload_runs_on_any_page_and_each_is_shown_as_text(
    page: Page, live_server: Any, documenter: User, marked: list[Marked]
) -> None:
    log_in(page, live_server.url, documenter)
    watch = Watch(page)
    base = live_server.url
    for record in marked:
        for path in record.paths:
            watch.open(base + path)
            if not watch.shows(record.payload):
                watch.problems.append(f"{path}: the payload {record.payload!r} is not shown")
        # The relatives search offers persons by name, as one types.
        watch.open(f"{base}/people/{record.person.pk}/relatives/add/?q=window")
    lists = ["/people/", "/cases/", "/sources/", "/authorities/", "/cases/persons/?name=window"]
    for path in lists:
        watch.open(base + path)
        wanted = [
            record.payload
            for record in marked
            if "=window" not in path or "window" in record.payload
        ]
        hidden = [payload for payload in wanted if not watch.shows(payload)]
        if hidden:
            watch.problems.append(f"{path}: not shown: {hidden}")

    assert not watch.problems, "\n".join(watch.problems)


def test_the_api_json_is_never_run_as_a_page(
    page: Page, live_server: Any, documenter: User, marked: list[Marked]
) -> None:
    log_in(page, live_server.url, documenter)
    watch = Watch(page)
    record = marked[0]
    paths = [
        "/api/v1/persons",
        f"/api/v1/persons/{record.person.pk}",
        "/api/v1/cases",
        f"/api/v1/cases/{record.case.pk}",
        "/api/v1/events",
        f"/api/v1/events/{record.event.pk}",
        "/api/v1/sources",
        f"/api/v1/sources/{record.source.pk}",
        "/api/v1/authorities",
        f"/api/v1/authorities/{record.authority.pk}",
    ]
    for path in paths:
        response = watch.open(live_server.url + path)
        assert response.headers["content-type"].startswith("application/json"), path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert "__xss" in page.locator("body").inner_text(), path

    assert not watch.problems, "\n".join(watch.problems)


def test_the_api_docs_show_answers_with_payloads_as_text(
    page: Page, live_server: Any, documenter: User, marked: list[Marked]
) -> None:
    log_in(page, live_server.url, documenter)
    watch = Watch(page)

    watch.open(f"{live_server.url}/api/v1/docs")
    operation = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/v1/persons$"))
    )
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table tbody .response-col_description")
    expect(answer).to_contain_text("window.__xss", timeout=10_000)

    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert not watch.problems, "\n".join(watch.problems)
