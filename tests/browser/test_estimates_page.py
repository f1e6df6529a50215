"""The estimates page says it is working while the sampler runs: its button cannot send
the same estimate twice, and the answer replaces the notice."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("vocabularies"),
]


def test_an_estimate_under_way_is_shown_and_sent_once(page: Page, live_server, documenter):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    log_in(page, live_server.url, documenter)
    page.goto(f"{live_server.url}/estimates/")
    page.get_by_label("Victims of").select_option("detention")

    # The page's own submissions are noted and kept from leaving, so that the page can be
    # looked at while "the server works": was each already refused (by busy.js)?
    page.evaluate(
        """() => {
          window.refused = [];
          window.addEventListener("submit", (event) => {
            window.refused.push(event.defaultPrevented);
            event.preventDefault();
          });
        }"""
    )
    notice = page.get_by_text("Estimating…")
    expect(notice).to_be_hidden()
    button = page.get_by_role("button", name="Estimate")
    button.click()
    expect(notice).to_be_visible()
    expect(button).to_be_disabled()
    form = page.locator("form[data-busy]")
    expect(form).to_have_attribute("aria-busy", "true")
    form.evaluate("form => form.requestSubmit()")  # Enter pressed again, say
    assert page.evaluate("window.refused") == [False, True]

    # Sent for real, the answer replaces the notice.
    page.goto(page.url)
    page.get_by_label("Victims of").select_option("detention")
    with page.expect_navigation():
        form.evaluate("form => form.requestSubmit()")
    expect(page.get_by_role("alert")).to_have_text("No person is on any list.")
    expect(page.get_by_text("Estimating…")).to_be_hidden()
    expect(page.get_by_role("button", name="Estimate")).to_be_enabled()
    assert "event_type=detention" in page.url
    assert problems == []
