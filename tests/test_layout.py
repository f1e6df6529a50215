"""The layout every page shares: navigation, languages, and nothing loaded from outside."""

import re

import pytest

pytestmark = pytest.mark.django_db

PARTS = ["Cases", "People", "Letters", "Families", "Search", "Reports"]


def test_the_navigation_names_every_part(logged_in, viewer):
    page = logged_in(viewer).get("/").content.decode()

    navigation = re.search(r'<nav class="main-nav".*?</nav>', page, re.S)
    assert navigation
    for part in PARTS:
        assert part in navigation.group(0)
    assert 'aria-current="page"' in navigation.group(0)


def test_the_page_shows_the_person_and_log_out(logged_in, viewer):
    page = logged_in(viewer).get("/").content.decode()

    assert "Behrouz Asadi" in page
    assert 'action="/logout/"' in page


def test_persian_turns_the_page_right_to_left(logged_in, viewer):
    client = logged_in(viewer)
    response = client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    page = client.get(response["Location"]).content.decode()

    assert '<html lang="fa" dir="rtl">' in page
    assert "پرونده‌ها" in page  # Cases
    assert "خروج" in page  # Log out


def test_albanian_is_offered_and_translated(client):
    client.post("/i18n/setlang/", {"language": "sq", "next": "/login/"})
    page = client.get("/login/").content.decode()

    assert '<html lang="sq" dir="ltr">' in page
    assert "Hyr në Docket" in page


def test_english_is_the_default(client):
    page = client.get("/login/").content.decode()

    assert '<html lang="en" dir="ltr">' in page


def test_pages_run_no_inline_script_and_load_nothing_from_outside(logged_in, administrator):
    client = logged_in(administrator)
    for path in ["/login/", "/", "/account/password/"]:
        response = client.get(path)
        page = response.content.decode()
        policy = response["Content-Security-Policy"]

        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        for script in re.findall(r"<script[^>]*>", page):
            assert 'src="/static/' in script, script
        assert not re.search(r'(src|href)="(https?:)?//', page), path


def test_htmx_is_served_by_the_app(client):
    page = client.get("/login/").content.decode()
    source = re.search(r'<script src="(/static/[^"]+htmx[^"]+)"', page)
    assert source

    response = client.get(source.group(1))

    assert response.status_code == 200
    assert b"htmx" in b"".join(response.streaming_content)


def test_a_missing_page_answers_404_in_the_layout(logged_in, viewer):
    response = logged_in(viewer).get("/no-such-page/")

    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()


def test_a_refused_action_says_why_in_the_layout(logged_in, viewer):
    response = logged_in(viewer).post("/cases/new/", {"title": "Not allowed"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Not allowed" in page
    assert "Your role may not add or change records." in page
    assert 'class="main-nav"' in page
