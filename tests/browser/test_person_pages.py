"""A documenter records a person with a Persian name, its Latin spelling and a birth year."""

import os
import re

import pytest
from playwright.sync_api import Page, expect

from docket.people.models import Person, RelationshipKind
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PERSIAN = "غلامرضا شکاری"
LATIN = "Gholamreza Shekari"


def test_a_documenter_adds_a_person_and_sees_them_on_their_page(
    page: Page, live_server, documenter
):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("narges.amini")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    page.get_by_role("link", name="New person").click()

    # The first row is offered for a Latin name, the second for a Persian one.
    first, second = (
        page.get_by_role("group", name="Name 1"),
        page.get_by_role("group", name="Name 2"),
    )
    first.get_by_label("Name", exact=True).fill(LATIN)
    second.get_by_label("Name", exact=True).fill(PERSIAN)
    expect(second.get_by_label("Script")).to_have_value("persian")
    page.get_by_label("Birth date").fill("1975")
    page.get_by_label("Birth place").fill("Tabriz")
    page.get_by_label("Nationality").select_option("IR")
    page.get_by_label("Status").select_option("refugee")
    page.get_by_role("button", name="Add person").click()

    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(LATIN)
    names = page.get_by_role("region", name="Names")
    persian = names.locator('bdi[lang="fa"]')
    expect(persian).to_have_text(PERSIAN)
    # The Persian name runs right to left inside the English page.
    assert persian.evaluate("element => getComputedStyle(element).direction") == "rtl"
    expect(names).to_contain_text(LATIN)
    facts = page.get_by_role("region", name="Facts")
    expect(facts.locator("time")).to_have_text("1975")
    expect(facts).to_contain_text("Tabriz")
    expect(facts).to_contain_text("Iran")
    expect(page.get_by_role("status")).to_contain_text("The person was added.")

    person = Person.objects.get()
    assert person.birth_date.isoformat() == "1975"
    assert [name.name for name in person.names.all()] == [LATIN, PERSIAN]
    if folder := os.environ.get("DOCKET_SCREENSHOTS"):
        # For a person checking the layout by eye: DOCKET_SCREENSHOTS=/some/folder.
        page.screenshot(path=f"{folder}/person-page.png", full_page=True)
    assert problems == []


def test_a_relative_is_found_as_one_types_and_added(page: Page, live_server, documenter):
    # A live server's database is emptied between tests, vocabularies too.
    RelationshipKind.objects.get_or_create(code="parent", defaults={"label": "Parent"})
    father = factories.person(documenter, LATIN, PERSIAN)
    daughter = factories.person(documenter, "Leila Shekari", "لیلا شکاری")
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("narges.amini")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"{live_server.url}/people/{daughter.pk}/relatives/add/")
    # htmx fetches the matching persons while the user types; no button pressed.
    page.get_by_label("Find the relative by name").press_sequentially("غلام")
    page.get_by_role("radio", name=re.compile(LATIN)).check()
    page.get_by_label("What the relative is to").select_option(label="Parent")
    page.get_by_role("button", name="Add relative").click()

    expect(page).to_have_url(f"{live_server.url}/people/{daughter.pk}/")
    relatives = page.get_by_role("region", name="Relatives")
    expect(relatives).to_contain_text("Parent")
    expect(relatives.get_by_role("link", name=LATIN)).to_have_attribute(
        "href", f"/people/{father.pk}/"
    )
    assert problems == []
