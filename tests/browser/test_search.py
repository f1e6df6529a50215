"""A documenter finds a person from the header's search box by another spelling, narrows
the events list by a facet, and saves the list for her team."""

import re

import pytest
from playwright.sync_api import Page, expect

from docket.search.models import SavedSearch
from tests import factories
from tests.conftest import PASSWORD

# Event types come from data migrations that a flush after an earlier test would have
# removed: reload them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("vocabularies"),
]


def test_a_documenter_finds_a_name_filters_events_and_saves_the_list(
    page: Page, live_server, documenter, team
):
    person = factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری")
    other = factories.person(documenter, "Leila Karimi")
    case = factories.case(documenter, "Detention at Camp North", [person, other], team=team)
    factories.event(documenter, case, "detention", "2021-03-04", victims=(person,))
    factories.event(documenter, case, "detention", "2022-05", victims=(other,))
    factories.event(documenter, case, "transfer", "2022-06-01", victims=(person,))
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill(documenter.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The header's box, on every page, with another spelling of the name.
    box = page.get_by_role("search").get_by_role("searchbox")
    box.fill("Qolamreza Shakari")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Qolamreza"))
    persons = page.get_by_role("region", name=re.compile("^Persons"))
    expect(persons.get_by_role("link", name="Gholamreza Shekari")).to_be_visible()
    # The case that names him is found by his name too.
    cases = page.get_by_role("region", name=re.compile("^Cases"))
    expect(cases.get_by_role("link", name="Detention at Camp North")).to_be_visible()

    # The Persian spelling finds the same person, typed into the page's own box.
    page.locator("#search-q").fill("غلامرضا شکاری")
    expect(page).to_have_url(re.compile(r"q=%D8%BA"))  # htmx has swapped the results in
    expect(persons.get_by_role("link", name="Gholamreza Shekari")).to_be_visible()

    page.goto(f"{live_server.url}/events/")
    results = page.get_by_role("region", name="Results")
    expect(results).to_contain_text("3 events")
    types = page.get_by_role("group", name="Event type")
    expect(types.locator("li", has_text="Detention")).to_contain_text("2")
    # Ticking a facet filters at once (htmx); the Filter button is for browsers without it.
    types.get_by_label("Detention").check()
    expect(page).to_have_url(re.compile(r"type=detention"))
    expect(results).to_contain_text("2 events")
    expect(results.get_by_role("row")).to_have_count(3)  # a heading row and two events

    saved = page.get_by_role("region", name="Saved searches")
    saved.get_by_label("Save this list as").fill("Detentions at Camp North")
    saved.get_by_label("Shared with").select_option(label=team.name)
    saved.get_by_role("button", name="Save").click()
    link = page.get_by_role("region", name="Saved searches").get_by_role(
        "link", name="Detentions at Camp North"
    )
    expect(link).to_be_visible()
    search = SavedSearch.objects.get()
    assert search.team == team and "detention" in search.query

    # The saved list opens on its first page with its filter.
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("link", name="Detentions at Camp North").click()
    expect(page.get_by_role("region", name="Results")).to_contain_text("2 events")
    assert problems == [], problems
