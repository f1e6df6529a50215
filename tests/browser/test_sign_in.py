"""A person logs in, sees the dashboard, reads it in Persian, and logs out."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_switch_to_persian_and_log_out(page: Page, live_server, documenter):
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("User name").fill("narges.amini")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name="Welcome, Narges Amini")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    for part in ["Cases", "People", "Letters", "Families", "Search", "Reports"]:
        expect(navigation).to_contain_text(part)
    # htmx arrived from the app itself and the content policy let it run.
    assert page.evaluate("typeof window.htmx") == "object"

    page.get_by_role("button", name="فارسی").click()

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "fa")
    expect(page.get_by_role("navigation", name="اصلی")).to_contain_text("پرونده‌ها")
    # The layout is mirrored: the brand now sits at the right-hand edge.
    brand = page.locator(".brand").bounding_box()
    assert brand is not None
    assert brand["x"] > page.viewport_size["width"] / 2

    page.get_by_role("button", name="خروج").click()

    expect(page.get_by_role("heading", name="ورود به داکت")).to_be_visible()
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login/"))
    assert problems == []


def test_a_wrong_password_keeps_the_person_out(page: Page, live_server, documenter):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("User name").fill("narges.amini")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))
