"""A coordinator takes a tracing request from intake to a located person who agreed to receive
messages, relays the family's message, and turns a refused visa into a documented event on
the person's case."""

from typing import Any

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from docket.cases import services as case_services
from docket.tracing.models import RelayedMessage, TracingRequest
from tests import factories
from tests.browser.test_letter_publication import second_step_code
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("vocabularies"),
]


def test_intake_to_a_relayed_message_and_a_refused_visa_on_the_case(
    page: Page, live_server: Any, coordinator: Any, team: Any
) -> None:
    TOTPDevice.objects.create(user=coordinator, name="Authenticator", confirmed=True)
    embassy = case_services.create_authority(actor=coordinator, name="Fictional Embassy")
    recorded = factories.person(
        coordinator, "Gholamreza Shekari", "غلامرضا شکاری", confidentiality="restricted", team=team
    )
    factories.case(
        coordinator,
        "Gholamreza Shekari held at the camp",
        [recorded],
        confidentiality="restricted",
        team=team,
    )
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill(coordinator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[name=code]").fill(second_step_code(coordinator))
    page.get_by_role("button", name="Continue").click()

    # Intake: the family names him as they spell it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tracing").click()
    page.get_by_role("link", name="New tracing request").click()
    page.get_by_label("Requester's name").fill("Shahla Shekari")
    page.get_by_label("Requester's contact details").fill("Fictional Street 1")
    page.get_by_label("Name of the person sought").fill("Qolamreza Shakari")
    page.get_by_label("Father's name").fill("Hossein")
    page.get_by_label("Last contact").fill("2018-03-01")
    page.get_by_label("A message passed on").check()
    page.get_by_role("button", name="Open the request").click()

    # Matched at once: the recorded person, with the reasons; the coordinator confirms.
    matches = page.get_by_role("region", name="Possible matches among recorded persons")
    expect(matches).to_contain_text("Gholamreza Shekari")
    expect(matches).to_contain_text("Given name")
    matches.get_by_role("button", name="This is the person sought").click()
    expect(page.locator(".messages")).to_contain_text("The match was confirmed")
    tracing = TracingRequest.objects.get()
    assert tracing.sought_id == recorded.pk
    expect(page.locator("dd.sought")).to_contain_text("Gholamreza Shekari")
    expect(page.locator("dd.years-without-contact")).not_to_contain_text("Not known")

    # Searching, then located.
    step = page.locator("form.step-form")
    step.get_by_label("New status").select_option("searching")
    step.get_by_role("button", name="Change status").click()
    step = page.locator("form.step-form")
    step.get_by_label("New status").select_option("located")
    step.get_by_label("Whereabouts (when located)").fill("The closed camp, block C")
    step.get_by_role("button", name="Change status").click()
    expect(page.locator("#request-status")).to_have_text("Located")
    expect(page.get_by_role("region", name="Timeline")).to_contain_text("Searching")

    # He agrees to receive his family's messages.
    consent = page.get_by_role("region", name="Consent of the person sought")
    consent.get_by_text("Record a consent or a refusal").click()
    consent.get_by_label("To what").select_option("pass_messages")
    consent.get_by_label("How recorded").select_option("written")
    consent.get_by_role("button", name="Record").click()
    expect(page.locator("tr.consent")).to_contain_text("Pass messages")

    # The family's message is logged and passed on.
    messages = page.get_by_role("region", name="Messages from the family")
    messages.get_by_text("Log a message from the family").click()
    messages.get_by_label("Message from the family").fill("We think of you every day.")
    messages.get_by_role("button", name="Log the message").click()
    page.get_by_role("region", name="Messages from the family").get_by_role(
        "button", name="Pass on"
    ).click()
    expect(page.locator(".relayed-message")).to_contain_text("passed on")
    assert RelayedMessage.objects.get().passed_on == timezone.localdate()

    # A refused visa proposes the documented event; it is made only on confirming.
    attempts = page.get_by_role("region", name="Contact attempts")
    attempts.get_by_text("Log a contact attempt").click()
    attempts.get_by_label("Kind").select_option("visa_application")
    attempts.get_by_label("Outcome").select_option("refused")
    attempts.get_by_label("Refused by (authority)").select_option(str(embassy.pk))
    attempts.get_by_role("button", name="Log the attempt").click()
    expect(page.locator(".proposed-type")).to_have_text("Visa refused")
    page.get_by_role("button", name="Confirm the event").click()

    expect(page.locator("h1")).to_contain_text("Gholamreza Shekari held at the camp")
    expect(page.locator("main")).to_contain_text("Visa refused")
    expect(page.locator("main")).to_contain_text("Fictional Embassy")
    assert not problems, problems
