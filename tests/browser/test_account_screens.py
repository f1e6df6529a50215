"""An administrator opens Accounts from the navigation, creates an account and gives it a
team, in a real browser under the site's content security policy."""

from typing import Any

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from docket.accounts.models import User
from tests.browser.test_letter_publication import second_step_code
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_administrator_creates_an_account_from_the_navigation(
    page: Page, live_server: Any, administrator: Any, other_team: Any
) -> None:
    TOTPDevice.objects.create(user=administrator, name="Authenticator", confirmed=True)
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill(administrator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("input[name=code]").fill(second_step_code(administrator))
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("User name").fill("roya.hashemi")
    page.get_by_label("Role").select_option("documenter")
    page.get_by_label("Another association").check()
    page.get_by_role("button", name="Create the account").click()

    expect(page.get_by_role("heading", name="The account is ready")).to_be_visible()
    shown = page.locator("code.secret").inner_text()
    created = User.objects.get(username="roya.hashemi")
    assert created.check_password(shown)
    assert [team.name for team in created.teams.all()] == ["Another association"]
    assert not [text for text in refused if "Content Security Policy" in text], refused
