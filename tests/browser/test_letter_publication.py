"""A coordinator writes a letter citing a restricted case and naming its person, checks in
the preview what the public will read, and publishes it; an anonymous visitor then reads
its public page and the Atom feed, which cite the case by number and initials, name the
person by initials only and reveal none of the case's details."""

import re
from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect

from docket.cases import services as case_services
from tests import factories
from tests.conftest import PASSWORD

# The live server needs committed data, and vocabularies come from data migrations that
# a flush after an earlier test would have removed: reload them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

QUESTIONS = [
    "On what legal basis is the man of the case cited held without charge?",
    "When may his family visit him?",
]
# The restricted case and its person: none of this may reach a public visitor.
HIDDEN = ["Kaveh", "Tabrizi", "کاوه", "northern camp", "three cells"]


def second_step_code(user: Any) -> str:
    """The code the coordinator's authenticator app would show now."""
    device = TOTPDevice.objects.get(user=user)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def assert_hidden(text: str, where: str) -> None:
    shown = [word for word in HIDDEN if word in text]
    assert not shown, f"{where} shows {shown}"


def test_a_published_letter_shows_the_public_nothing_of_a_restricted_case(
    page: Page, browser: Browser, live_server: Any, coordinator: Any, team: Any
) -> None:
    TOTPDevice.objects.create(user=coordinator, name="Authenticator", confirmed=True)
    ministry = case_services.create_authority(
        actor=coordinator, name="Fictional Ministry of Justice"
    )
    person = factories.person(
        coordinator, "Kaveh Tabrizi", "کاوه تبریزی", confidentiality="restricted", team=team
    )
    case = factories.case(
        coordinator,
        "Kaveh Tabrizi held at the northern camp",
        [person],
        summary="Moved between three cells in March.",
        confidentiality="restricted",
        team=team,
    )
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    # The coordinator logs in, with the second step their role requires.
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[name=code]").fill(second_step_code(coordinator))
    page.get_by_role("button", name="Continue").click()

    # Writes the letter, citing the restricted case (not in full), and publishes it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Letters").click()
    page.get_by_role("link", name="New letter").click()
    page.get_by_label("Title", exact=True).fill("Open letter on a detention without charge")
    page.get_by_label("Body", exact=True).fill(
        "We write about Kaveh Tabrizi (کاوه تبریزی), a man held **without charge**."
    )
    page.get_by_label("Questions", exact=True).fill("\n".join(QUESTIONS))
    page.get_by_label("Confidentiality", exact=True).select_option("restricted")
    page.get_by_label(ministry.name, exact=True).check()
    page.get_by_label(f"{case.pk}. {case.title}", exact=True).check()
    page.get_by_role("button", name="Save the draft").click()
    expect(page).to_have_url(re.compile(r"/letters/\d+/$"))
    letter_path = page.url.removeprefix(live_server.url)
    # Publishing starts with the preview: the public page as it will be, names flagged.
    page.get_by_role("link", name="Publish…").click()
    expect(page.get_by_role("heading", level=1).first).to_have_text(
        "Check what the public will read"
    )
    flags = page.get_by_role("region", name="Names left out")
    expect(flags.locator("mark")).to_have_text(["Kaveh Tabrizi", "کاوه تبریزی"])
    expect(flags).to_contain_text("in a case cited")
    preview = page.locator(".publish-preview")
    expect(preview.locator(".redacted")).to_have_text(["K. T.", "ک. ت."])
    assert_hidden(preview.inner_text(), "the preview of the public page")
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("published on its public page")
    assert not problems, problems

    # A visitor who is not logged in: a browser context of their own.
    visitor = browser.new_context()
    public = visitor.new_page()
    public.goto(f"{live_server.url}/public/letters/")
    public.get_by_role("link", name="Open letter on a detention without charge").click()
    expect(public.get_by_role("heading", level=1)).to_have_text(
        "Open letter on a detention without charge"
    )
    for question in QUESTIONS:
        expect(public.get_by_text(question)).to_be_visible()
    expect(public.get_by_text(f"Case {case.pk}")).to_be_visible()
    expect(public.get_by_text("K. T.").first).to_be_visible()
    expect(public.locator(".public-text .redacted")).to_have_text(["K. T.", "ک. ت."])
    assert_hidden(public.content(), "the public page")
    # Nothing of the staff side: no navigation, no name, no way into the letter's page.
    expect(public.get_by_role("navigation", name="Main")).to_have_count(0)
    assert coordinator.first_name not in public.content()
    assert f'href="{letter_path}"' not in public.content()

    feed = public.request.get(f"{live_server.url}/public/letters/feed/")
    assert feed.ok
    assert "Open letter on a detention without charge" in feed.text()
    assert QUESTIONS[0] in feed.text()
    assert_hidden(feed.text(), "the feed")

    # And the visitor cannot reach the letter's staff page.
    public.goto(f"{live_server.url}{letter_path}")
    expect(public).to_have_url(re.compile(r"/login/"))
    visitor.close()
