"""The main flows by keyboard alone (Tab, Enter, typing, arrow keys; never a click), with a
visible focus indicator on every link, button and region the Tab key reaches.

A documenter logs in, opens a case from the list, adds an event to it and reads it in the
timeline; on a phone's width, the letter page's question grid, wider than the screen,
takes the focus and scrolls with the arrow keys.
"""

from datetime import date
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import Browser, Page, expect

from docket.accounts.models import User
from docket.cases import services as case_services
from docket.letters import services as letter_services
from tests import factories
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("vocabularies"),
]

# What the focused element is, and whether it shows that it has the focus: an outline at
# least 2 px wide that is not transparent, or a box shadow.
FOCUSED = """selector => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
        && !style.outlineColor.endsWith(', 0)') && style.outlineColor !== 'transparent';
    return {
        tag: element.tagName.toLowerCase(),
        html: element.outerHTML.slice(0, 100),
        interactive: element.matches('a[href], button, [tabindex="0"], summary'),
        shown: outline || style.boxShadow !== 'none',
        wanted: element.matches(selector),
    };
}"""


class Keyboard:
    """Tabs through a page, noting any link or button focused without a visible indicator."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.unmarked: list[str] = []

    def tab_to(self, selector: str, limit: int = 60) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focused = self.page.evaluate(FOCUSED, selector)
            if focused["interactive"] and not focused["shown"]:
                self.unmarked.append(f"{self.page.url}: {focused['html']}")
            if focused["wanted"]:
                return
        raise AssertionError(f"{limit} presses of Tab on {self.page.url} never reach {selector}")

    def follow(self, key: str = "Enter") -> None:
        """Press `key` on the focused link or button, and wait for the page it opens."""
        with self.page.expect_navigation():
            self.page.keyboard.press(key)


def test_a_documenter_logs_in_opens_a_case_and_adds_an_event_by_keyboard(
    page: Page, live_server: Any, documenter: User
) -> None:
    person = factories.person(documenter, "Kamran Fictional", "کامران خیالی")
    case = factories.case(documenter, "Held at the border post", [person])
    keys = Keyboard(page)

    page.goto(f"{live_server.url}/login/")
    keys.tab_to("input[name=username]")
    page.keyboard.type(documenter.username)
    keys.tab_to("input[name=password]")
    page.keyboard.type(PASSWORD)
    keys.follow()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    keys.tab_to("nav[aria-label=Main] a[href='/cases/']")
    keys.follow()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()
    keys.tab_to(f"main a[href='/cases/{case.pk}/']")
    keys.follow()
    expect(page.get_by_role("heading", level=1)).to_have_text("Held at the border post")

    keys.tab_to(f"a[href='/cases/{case.pk}/events/new/']")
    keys.follow()
    keys.tab_to("select[name=type]")
    # A closed select takes the first letters of an option, as a person types them.
    page.keyboard.type("Detention")
    expect(page.locator("select[name=type] option:checked")).to_have_text("Detention")
    keys.tab_to("input[name=start]")
    page.keyboard.type("2024-02-01")
    keys.tab_to("button[type=submit].primary")
    keys.follow("Space")

    expect(page.get_by_role("status")).to_contain_text("The event was added.")
    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("heading", level=3)).to_have_text(["Detention"])
    assert case.events.count() == 1
    assert not keys.unmarked, "Focused without a visible indicator:\n" + "\n".join(keys.unmarked)


def test_the_letter_question_grid_scrolls_by_keyboard_on_a_phone(
    browser: Browser, live_server: Any, documenter: User
) -> None:
    authorities = [
        case_services.create_authority(actor=documenter, name=f"Fictional Ministry {number}")
        for number in ("of Order", "of the Interior", "of Justice")
    ]
    letter = letter_services.create_letter(
        actor=documenter,
        title="On three detentions without charge",
        body="We ask the ministries to answer.",
        recipients=authorities,
        cases=[],
        questions=[f"On what legal basis is person {n} held without charge?" for n in (1, 2, 3)],
    )
    letter_services.send_copies(
        actor=documenter, letter=letter, channel="post", sent_on=date(2024, 1, 8)
    )
    client = Client()
    client.force_login(documenter)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    base = live_server.url
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
    page = context.new_page()
    keys = Keyboard(page)
    try:
        page.goto(f"{base}/letters/{letter.pk}/")
        grid = page.locator(".table-scroll:has(table.question-grid)")
        keys.tab_to(".table-scroll:has(table.question-grid)")

        expect(grid).to_be_focused()
        expect(grid).to_have_attribute("role", "region")
        named = page.get_by_role("region", name="Each question, each recipient")
        expect(named.last).to_be_focused()
        start = grid.evaluate("box => box.scrollLeft")
        for _ in range(6):
            page.keyboard.press("ArrowRight")
        # Chromium scrolls by keyboard with an animation: on a busy machine it has not
        # moved yet when the last key is handled. It must move, in its own time.
        page.wait_for_function(
            "([box, start]) => box.scrollLeft > start",
            arg=[grid.element_handle(), start],
            timeout=10_000,
        )
        assert grid.evaluate("box => box.scrollWidth > box.clientWidth")
        assert not keys.unmarked, "Focused without a visible indicator:\n" + "\n".join(
            keys.unmarked
        )
    finally:
        context.close()
