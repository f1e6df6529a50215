"""A documenter opens a case for two persons, records a deportation, a return and a
detention without charge that is still open, attaches a PDF to a source, and reads
the timeline, the days held without charge and the rights at stake."""

import os
import re
import tempfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from docket.people.models import Person
from docket.people.services import NameInput, create_person
from tests.conftest import PASSWORD

# The live server needs committed data, and event types and rights rules come from data
# migrations that a flush after an earlier test would have removed: reload them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("vocabularies"),
]

PERSIAN = "غلامرضا شکاری"
LATIN = "Davoud Rahmani"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def add_event(page: Page, type_label: str, start: str, **choices: str) -> None:
    page.get_by_role("link", name="Add an event").click()
    page.get_by_label("Type", exact=True).select_option(label=type_label)
    # htmx swaps in only the fields this type asks for, of the three a new form offers.
    asked = [name for name in ("charged", "destination") if name in choices]
    expect(page.locator("#type-fields select")).to_have_count(len(asked))
    if "charged" in choices:
        page.get_by_label("Charged").select_option(label=choices["charged"])
    if "destination" in choices:
        page.get_by_label("Destination").select_option(choices["destination"])
    page.get_by_label("Start").fill(start)
    page.get_by_label("Place", exact=True).fill(choices.get("place", ""))
    # The finder: a Latin spelling finds the person recorded in Persian; choosing them
    # puts their number in the field.
    page.get_by_label("Person 1", exact=True).fill("Gholamreza Shekari")
    page.locator(".finder-option", has_text=PERSIAN).click()
    expect(page.get_by_label("Person 1", exact=True)).to_have_value(re.compile(r"^\d+$"))
    page.get_by_label("Role of person 1").select_option(label="Victim")
    page.get_by_role("button", name="Add the event").click()
    expect(page.get_by_role("status")).to_contain_text("The event was added.")


def test_a_documenter_documents_a_case_from_deportation_to_detention(
    page: Page, live_server, documenter
):
    create_person(actor=documenter, names=[NameInput(PERSIAN, script="persian")])
    create_person(actor=documenter, names=[NameInput(LATIN)])
    today = timezone.localdate()
    detained_since = today - timedelta(days=120)
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("narges.amini")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", name="Cases", level=1)).to_be_visible()

    page.get_by_role("link", name="New case").click()
    page.get_by_label("Title").fill("Deported, returned and held again")
    page.get_by_label("Summary").fill("Sent to a third country, came back, and was detained.")
    page.get_by_label(PERSIAN).check()
    page.get_by_label(LATIN).check()
    page.get_by_role("button", name="Open the case").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Deported, returned and held again")

    add_event(page, "Deportation or removal", "2023-03~", destination="TR", place="Border post")
    add_event(page, "Return", "2023-09", place="Airport")
    add_event(page, "Detention", detained_since.isoformat(), charged="No", place="Northern camp")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    page.get_by_role("navigation", name="Case documentation").get_by_role(
        "link", name="Sources"
    ).click()
    page.get_by_role("link", name="New source").click()
    page.get_by_label("Title").fill("Testimony of his brother")
    page.get_by_label("Kind").select_option(label="Testimony")
    page.get_by_role("button", name="Add the source").click()
    page.get_by_label("File to attach").set_input_files(
        files=[{"name": "testimony.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Attach the file").click()
    files = page.get_by_role("region", name="Evidence files")
    expect(files.get_by_role("link", name="testimony.pdf")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    page.get_by_role("link", name="Deported, returned and held again").click()

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_role("heading", level=3)).to_have_text(
        ["Deportation or removal", "Return", "Detention"]
    )
    expect(timeline).to_contain_text("2023-03~")
    expect(timeline).to_contain_text("no end recorded")
    expect(timeline).to_contain_text("Türkiye")
    detention = timeline.locator("li.type-detention")
    expect(detention.locator("dt:has-text('Charged') + dd")).to_have_text("No")
    persons = page.get_by_role("region", name="Persons")
    held = persons.get_by_role("row").filter(has_text=PERSIAN)
    expect(held).to_contain_text("Detained")
    expect(held.locator("td.number").nth(1)).to_have_text(re.compile(r"^\s*120\b"))
    expect(persons.get_by_role("row").filter(has_text=LATIN)).to_contain_text("Unknown")
    rights = page.get_by_role("region", name="Rights at stake")
    expect(rights).to_contain_text("ICCPR 9 — Liberty and security of person")
    expect(rights).to_contain_text("RC1951 33 — Prohibition of expulsion or return")
    expect(rights).to_contain_text("ECHR 3 — Prohibition of torture")

    person = Person.objects.get(names__name=PERSIAN)
    assert person.cases.get().events.count() == 3
    # The same page, mirrored for Persian; screenshots of both for a person to look at.
    folder = os.environ.get("DOCKET_SCREENSHOTS", tempfile.gettempdir())
    page.screenshot(path=f"{folder}/case-page.png", full_page=True)
    page.get_by_role("button", name="فارسی").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # The timeline's heading, now in Persian.
    expect(page.get_by_role("region", name="گاه‌شمار")).to_be_visible()
    page.screenshot(path=f"{folder}/case-page-fa.png", full_page=True)
    assert problems == []
