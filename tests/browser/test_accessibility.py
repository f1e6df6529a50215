"""axe-core on every page of the site, in every language, at a desktop and a phone's width.

The pages come from Django's URL resolver through the registry of
tests/test_every_route.py, so a new page is checked here as soon as it is
registered there: every `Page` route, every `Detail` route answered to GET
(filled with a public record of the marked world of tests/markers.py, or a
deleted one for the restore pages), and the routes registered `Elsewhere`
that show a page, filled by `OTHER_PAGES` below. A route this test neither
visits nor lists in `NOT_PAGES` (downloads: PDF, CSV, XLSX, JSON, Atom feeds,
text files; POST-only actions; Django's admin and the API's Swagger page,
which are not Docket's templates) fails `test_every_route_is_visited_or_said_why_not`.

Each test logs an administrator in once (who reaches every page: the account
screens and the audit log too), with the second factor passed, sets the
language cookie, and opens each page in one browser tab, with axe-core
injected by an init script. axe runs the WCAG 2.0, 2.1 and 2.2 A and AA rules;
any violation fails the test, listed by page, rule and elements. On Persian and
Albanian pages, any English string of Docket's catalogue shown whole (a text or a
label read aloud) fails it too: text left untranslated. Two checks axe
no longer makes are added (IDS): ids given twice, and ARIA references or label
`for`s that name a missing id.

At desktop width every page is opened, but the history and version pages of one
kind of record only (one template for all, docket/lib/history.py). At a phone's
width, the pages in `PHONE`: one of each kind whose layout the width changes
(lists, forms, the case page, the letter page and its question grid, the
dashboard, search, reports). See docs/accessibility.md.
"""

import functools
import gettext
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page

from docket.accounts.models import User
from docket.letters import services as letter_services
from docket.linkage.models import CandidatePair
from docket.people import merges
from docket.privacy import requests as rights_requests
from docket.reports import services as report_services
from docket.reports.counting import Choice
from docket.tracing import services as tracing_services
from tests import factories, markers
from tests.browser.conftest import log_in
from tests.routes import all_routes
from tests.test_every_route import ROUTES, Admin, Detail, Elsewhere, Public
from tests.test_every_route import Page as PageCheck

pytestmark = pytest.mark.browser

AXE = Path(axe_playwright_python.__file__).parent / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}
LANGUAGES = ("en", "fa", "sq")
CONTRAST = {"en"}  # the languages whose pages axe checks for colour contrast (`_violations`)

# Routes that show no page to check, and why.
NOT_PAGES: dict[str, str] = {
    "healthz": "a plain-text health check",
    "logout": "POST only",
    "set_language": "POST only",
    "people:person_find": "JSON for the person finder",
    "cases:person_choices": "a fragment the case form loads into itself as one types",
    "letters:case_choices": "a fragment the letter form loads into itself as one types",
    "people:merge_undo": "",  # filled below, in OTHER_PAGES
    "cases:evidence_download": "a download (the evidence file)",
    "reports:download": "a download (CSV, XLSX)",
    "reports:events_download": "a download (CSV)",
    "letters:letter_pdf": "a download (PDF)",
    "letters:inbox_file": "a download (a file attached to an email)",
    "letters:reply_file": "a download (a reply's file)",
    "tracing:requester_reply_pdf": "a download (PDF)",
    "tracing:requester_export": "a download (JSON)",
    "dossiers:case_dossier": "a download (PDF)",
    "dossiers:person_dossier": "a download (PDF)",
    "dossiers:case_wgad_draft": "a download (text)",
    "privacy:request_access": "a download (PDF, JSON)",
    "public:letter_feed": "an Atom feed",
    "public:report_feed": "an Atom feed",
    "export_download": "a download (ZIP), POST only",
    "search:saved_create": "POST only",
    "search:saved_delete": "POST only",
    "reports:saved_create": "POST only",
    "reports:saved_publish": "POST only",
    "reports:saved_delete": "POST only",
    "drafts:save": "POST only",
    "privacy:evidence_basis": "POST only",
    "api:openapi-view": "Swagger UI's page, not Docket's templates",
}
del NOT_PAGES["people:merge_undo"]


class Scene:
    """The records the pages are filled with, beyond the marked world."""

    def __init__(self, world: markers.World, administrator: User, coordinator: User) -> None:
        self.world = world
        self.administrator = administrator
        public = world.persons["public"]
        twin = factories.person(coordinator, "Azar PUBLIC-MARKER twin", team=world.team)
        absorbed = factories.person(coordinator, "Azar merged twin", team=world.team)
        self.merge = merges.merge_persons(actor=coordinator, keep=twin, absorb=absorbed)
        first, second = sorted([public.pk, twin.pk])
        self.pair = CandidatePair.objects.create(
            person_a_id=first,
            person_b_id=second,
            probability=0.9,
            match_weight=3.2,
            weights=[],
            model_version="test",
            found_at="2024-01-01T00:00:00Z",
        )
        request = world.tracing_requests["public"]  # type: ignore[attr-defined]
        self.attempt = tracing_services.log_attempt(
            actor=coordinator,
            request=request,
            kind="visa_application",
            date=request.opened_on,
            outcome="refused",
            refused_by=world.authority,
        )
        letter_services.publish_letter(actor=coordinator, letter=world.letters["public"])
        self.report = report_services.publish_report(
            actor=coordinator,
            report=report_services.save_report(
                actor=coordinator,
                name="Detentions by place",
                choice=Choice(rows="place"),
                team=world.team,
            ),
        )
        self.rights_request = rights_requests.record_request(
            actor=coordinator,
            person=public,
            kind="access",
            received_on=request.opened_on,
            today=request.opened_on,
        )


# Routes registered `Elsewhere` (or public) that show a page: how to fill them.
OTHER_PAGES: dict[str, Callable[[Scene], str]] = {
    "login": lambda scene: reverse("login"),
    "people:merge_undo": lambda scene: reverse("people:merge_undo", args=[scene.merge.pk]),
    "linkage:pair": lambda scene: reverse("linkage:pair", args=[scene.pair.pk]),
    "accounts:user_detail": lambda scene: reverse(
        "accounts:user_detail", args=[scene.world.persons["public"].created_by_id]
    ),
    "accounts:team_detail": lambda scene: reverse(
        "accounts:team_detail", args=[scene.world.team.pk]
    ),
    "letters:inbox_detail": lambda scene: reverse(
        "letters:inbox_detail",
        args=[scene.world.inbound.pk],  # type: ignore[union-attr]
    ),
    "tracing:attempt_event": lambda scene: reverse(
        "tracing:attempt_event", args=[scene.attempt.pk]
    ),
    "privacy:request_detail": lambda scene: reverse(
        "privacy:request_detail", args=[scene.rights_request.pk]
    ),
    "public:letter_list": lambda scene: reverse("public:letter_list"),
    "public:letter_detail": lambda scene: reverse(
        "public:letter_detail", args=[scene.world.letters["public"].pk]
    ),
    "public:report_list": lambda scene: reverse("public:report_list"),
    "public:report_detail": lambda scene: reverse("public:report_detail", args=[scene.report.pk]),
}


def _record(scene: Scene, kind: str, access: str) -> Any:
    world = scene.world
    if access == "restore":
        return next(record for _, record, restorable in world.gone[kind] if restorable)
    if kind == "authority":
        return world.authority
    if kind == "inbound":
        return world.inbound
    return markers.alive_by_level(world, kind)["public"]


def _version(record: Any) -> int:
    return int(record.history.order_by("history_id").first().history_id)


# At a phone's width: the pages staff use most whose layout the width changes, one of
# each kind (lists and their tables, pages about one record with the case's timeline and
# the letter's question grid, forms, the dashboard, search, the public letter). The other
# pages are made of the same parts (docket.css), checked at this width here and on every
# page at desktop width; opening all of them at both widths and in three languages would
# cost minutes of every test run.
PHONE = {
    "login",
    "dashboard",
    "people:person_list",
    "people:person_detail",
    "people:person_create",
    "cases:case_list",
    "cases:case_detail",
    "cases:case_create",
    "cases:event_create",
    "cases:source_list",
    "search:search",
    "search:event_list",
    "letters:letter_list",
    "letters:letter_detail",
    "letters:letter_create",
    "letters:overdue",
    "tracing:request_list",
    "tracing:request_detail",
    "reports:report",
    "public:letter_detail",
}


def pages(scene: Scene, width: str) -> list[str]:
    """The path of every page a GET reaches, in the registry's order. The history and version
    pages of every kind of record are one template (docket/lib/history.py): one of each is
    opened, the person's."""
    paths: list[str] = []
    for key, check in ROUTES.items():
        if key in NOT_PAGES or isinstance(check, Admin) or key.startswith("api:"):
            continue
        if key.endswith(("_history", "_version")) and not key.startswith("people:person_"):
            continue
        if width == "phone" and key not in PHONE:
            continue
        if key in OTHER_PAGES:
            paths.append(OTHER_PAGES[key](scene))
        elif isinstance(check, PageCheck):
            paths.append(reverse(key))
        elif isinstance(check, Detail) and check.method == "GET":
            record = _record(scene, check.kind, check.access)
            values = {"pk": record.pk}
            if check.version:
                values["history_id"] = _version(record)
            paths.append(reverse(key, kwargs=values))
    return paths


def test_every_route_is_visited_or_said_why_not() -> None:
    """A new route must be a page this test fills or be listed with the reason it is not."""
    unplaced = []
    for route in all_routes():
        check = ROUTES.get(route.key)
        if route.key in NOT_PAGES or route.key in OTHER_PAGES or isinstance(check, Admin):
            continue
        if route.key.startswith(("api:", "admin:")) or isinstance(check, PageCheck):
            continue
        if isinstance(check, Detail) and check.method == "GET":
            continue
        if isinstance(check, Detail) and check.method == "POST":
            continue  # an action, no page
        if isinstance(check, Public | Elsewhere) or check is None:
            unplaced.append(route.key)
    assert PHONE <= set(ROUTES), f"PHONE names routes that do not exist: {PHONE - set(ROUTES)}"
    assert not unplaced, (
        f"Routes neither checked for accessibility nor said why not: {unplaced}. Fill them "
        "in OTHER_PAGES or give the reason in NOT_PAGES (tests/browser/test_accessibility.py)."
    )


# What axe-core leaves out (its duplicate-id rules are retired): an id given twice, and
# aria-describedby, aria-labelledby or a label's `for` naming an id the page does not have.
IDS = """() => {
    const seen = new Map();
    for (const element of document.querySelectorAll('[id]')) {
        seen.set(element.id, (seen.get(element.id) || 0) + 1);
    }
    const problems = [...seen].filter(([id, count]) => count > 1).map(
        ([id, count]) => ({id: 'duplicate-id', impact: 'serious',
            help: 'An id is given to more than one element', nodes: ['#' + id + ' ' + count]}));
    const dangling = [];
    for (const attribute of ['aria-describedby', 'aria-labelledby', 'for']) {
        for (const element of document.querySelectorAll('[' + attribute + ']')) {
            for (const id of element.getAttribute(attribute).split(/\\s+/)) {
                if (id && !seen.has(id)) dangling.push(attribute + '="' + id + '" on '
                    + element.outerHTML.slice(0, 120));
            }
        }
    }
    if (dangling.length) problems.push({id: 'missing-idref', impact: 'serious',
        help: 'An attribute names an id the page does not have', nodes: dangling});
    return problems;
}"""


def _violations(page: Page, language: str, *, stylesheets: bool = False) -> list[dict[str, Any]]:
    """axe's violations on the page, and those of IDS. `stylesheets`: have axe fetch and
    parse the style sheets, which only the orientation-lock rule needs; every page has
    the one same sheet, so it is read on the first page alone.

    Colour contrast is checked on the English pages only (`CONTRAST`): the colours, sizes
    and weights come from the one style sheet whatever the language, and the rule is over
    half of axe's time on a page."""
    result = page.evaluate(
        """([tags, preload, contrast]) => axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'], preload,
                rules: {'color-contrast': {enabled: contrast}}}).then(r => r.violations.map(
            v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary
                .replace(/\\s+/g, ' ').slice(0, 200)).slice(0, 8)})))""",
        [TAGS, stylesheets, language in CONTRAST],
    )
    return list(result) + list(page.evaluate(IDS))


# Text a reader sees on the page: text nodes and the attributes read aloud or shown, outside
# what is marked English on purpose (`|term`), what is not text (scripts, styles) and what
# is a record's stored text being edited (a text area).
SHOWN_TEXT = """() => {
  const out = [];
  const skip = el => !el || el.closest('script, style, textarea, [lang="en"]');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!skip(node.parentElement)) out.push(node.textContent);
  }
  for (const el of document.body.querySelectorAll('[aria-label], [placeholder], [title], [alt]')) {
    if (skip(el)) continue;
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (el.hasAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  return out.map(text => text.replace(/\\s+/g, ' ').trim()).filter(Boolean);
}"""


@functools.cache
def english_strings(language: str) -> frozenset[str]:
    """The English strings of Docket's own catalogue that `language` translates otherwise:
    shown as they are on a page in that language, they are text left untranslated."""
    catalogue = Path(__file__).parents[2] / "docket" / "locale" / language / "LC_MESSAGES"
    with (catalogue / "django.mo").open("rb") as compiled:
        messages = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    return frozenset(
        msgid
        for msgid, msgstr in messages.items()
        if isinstance(msgid, str)
        and msgid
        and msgstr != msgid
        and not re.search(r"%|\{|<", msgid)
        and (" " in msgid or len(msgid) >= 5)
    )


def _untranslated(page: Page, language: str) -> list[str]:
    """English strings of the catalogue shown whole on a page in another language."""
    if language == "en":
        return []
    english = english_strings(language)
    return sorted({text for text in page.evaluate(SHOWN_TEXT) if text in english})


# The live server needs committed data; vocabularies, which a flush after an earlier test
# would have removed, are reloaded.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("vocabularies")
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe(
    browser: Browser,
    live_server: Any,
    administrator: User,
    coordinator: User,
    documenter: User,
    team: Any,
    language: str,
    width: str,
) -> None:
    built = markers.build(author=documenter, deleter=coordinator, team=team)
    factories.trace_marked_world(built, documenter, team)
    scene = Scene(built, administrator, coordinator)
    paths = pages(scene, width)
    viewport_width, viewport_height = WIDTHS[width]
    context = browser.new_context(viewport={"width": viewport_width, "height": viewport_height})
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    base = live_server.url
    problems: list[str] = []
    try:
        # The log-in page, before logging in.
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page.goto(base + reverse("login"))
        problems += _describe(reverse("login"), _violations(page, language, stylesheets=True))
        log_in(page, base, administrator)
        for path in paths:
            if path == reverse("login"):
                continue
            response = page.goto(base + path)
            if response is None or response.status >= 400:
                problems.append(f"{path}: answered {response.status if response else 'nothing'}")
                continue
            problems += _describe(path, _violations(page, language))
            problems += [
                f"{path}: untranslated: {text!r}" for text in _untranslated(page, language)
            ]
    finally:
        context.close()
    assert not problems, f"{language}, {width}: {len(problems)} violations:\n" + "\n".join(problems)


def _describe(path: str, violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{path}: {violation['id']} ({violation['impact']}): {violation['help']}\n    "
        + "\n    ".join(violation["nodes"])
        for violation in violations
    ]
