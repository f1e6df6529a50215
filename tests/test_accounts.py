"""Logging in and out, changing a password, and what the dashboard shows each role."""

import pytest
from django.test import Client

from docket.accounts.models import User
from docket.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_dashboard_sends_strangers_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"


def test_a_person_logs_in_and_lands_on_the_dashboard(client, documenter):
    response = client.post(
        "/login/", {"username": "narges.amini", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    page = response.content.decode()
    assert "Welcome, Narges Amini" in page
    assert "Documenter" in page
    assert "Documentation" in page


def test_a_wrong_password_is_refused(client, documenter):
    response = client.post("/login/", {"username": "narges.amini", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(documenter):
    assert documenter.password.startswith("argon2$argon2id$")


def test_log_out_ends_the_session(logged_in, documenter):
    client = logged_in(documenter)
    response = client.post("/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_log_out_refuses_get(logged_in, documenter):
    # A link or an image on another page must not log people out.
    client = logged_in(documenter)

    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_a_person_changes_their_password(logged_in, documenter):
    client = logged_in(documenter)
    new_password = "another fictional phrase"
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 302
    documenter.refresh_from_db()
    assert documenter.check_password(new_password)
    assert not documenter.check_password(PASSWORD)


def test_a_password_change_needs_the_old_password(logged_in, documenter):
    client = logged_in(documenter)
    response = client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "x" * 14, "new_password2": "x" * 14},
    )

    assert response.status_code == 200
    documenter.refresh_from_db()
    assert documenter.check_password(PASSWORD)


def test_administrators_see_the_link_to_manage_users(logged_in, administrator):
    page = logged_in(administrator).get("/").content.decode()

    assert "Manage users and teams" in page
    assert 'href="/accounts/users/"' in page


def test_other_roles_do_not_see_or_reach_user_management(logged_in, documenter):
    client = logged_in(documenter)

    assert "Manage users and teams" not in client.get("/").content.decode()
    assert client.get("/accounts/users/").status_code == 404
    response = client.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_users_have_one_role_and_belong_to_teams(team, other_team, documenter):
    documenter.teams.add(other_team)

    assert documenter.role == "documenter"
    assert set(documenter.teams.values_list("name", flat=True)) == {
        "Documentation",
        "Another association",
    }
    assert User.objects.filter(teams=team).count() == 1


def test_repeated_failures_pause_logging_in_even_with_the_right_password(client, documenter):
    for _ in range(5):
        client.post("/login/", {"username": "narges.amini", "password": "wrong"})
    response = client.post("/login/", {"username": "narges.amini", "password": PASSWORD})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_success_before_the_limit_clears_the_failures(client, documenter):
    for _ in range(4):
        client.post("/login/", {"username": "narges.amini", "password": "wrong"})
    client.post("/login/", {"username": "narges.amini", "password": PASSWORD})
    client.post("/logout/")
    for _ in range(4):
        client.post("/login/", {"username": "narges.amini", "password": "wrong"})

    response = client.post("/login/", {"username": "narges.amini", "password": PASSWORD})
    assert response.status_code == 302


def test_a_session_ends_after_half_an_hour_without_a_request(logged_in, documenter):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client = logged_in(documenter)
    client.get("/")
    session = Session.objects.get()
    remaining = session.expire_date - timezone.now()
    assert timedelta(minutes=29) < remaining <= timedelta(minutes=30)

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").status_code == 302


def test_the_confirmation_page_pauses_after_repeated_wrong_passwords(logged_in, documenter):
    # Issue 13, finding 10: /account/confirm/ let a session guess the password for ever.
    client = logged_in(documenter)
    for _ in range(5):
        client.post("/account/confirm/", {"password": "a wrong guess", "next": "/export/"})

    response = client.post("/account/confirm/", {"password": PASSWORD, "next": "/export/"})

    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    failures = AuditEntry.objects.filter(action="login_failed", actor_name="narges.amini")
    assert failures.count() >= 5


def test_the_confirmation_page_lets_the_right_password_through(logged_in, documenter):
    client = logged_in(documenter)
    for _ in range(4):
        client.post("/account/confirm/", {"password": "a wrong guess"})
    client.post("/account/confirm/", {"password": PASSWORD})
    # The success cleared the failures, as a log-in does.
    for _ in range(4):
        client.post("/account/confirm/", {"password": "a wrong guess"})

    response = client.post("/account/confirm/", {"password": PASSWORD, "next": "/export/"})

    assert response.status_code == 302
    assert response["Location"] == "/export/"


@pytest.fixture
def behind_proxy(settings):
    settings.BEHIND_PROXY = True


def _from(address, *, claimed=""):
    """A request through the proxy, which adds the address it saw to X-Forwarded-For."""
    forwarded = f"{claimed}, {address}" if claimed else address
    return {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}


@pytest.mark.usefixtures("behind_proxy")
def test_behind_the_proxy_a_stranger_cannot_lock_the_administrator_out(client, administrator):
    # Issue 13, finding 10: every request came from the proxy's address, so failures
    # anywhere locked the account everywhere.
    for _ in range(6):
        client.post(
            "/login/",
            {"username": "leila.karimi", "password": "a wrong guess"},
            # Claiming the administrator's address does not help: the proxy adds the real one.
            **_from("203.0.113.5", claimed="198.51.100.7"),
        )
    stranger = client.post(
        "/login/", {"username": "leila.karimi", "password": PASSWORD}, **_from("203.0.113.5")
    )
    assert stranger.status_code == 429

    administrators_browser = Client()
    real = administrators_browser.post(
        "/login/", {"username": "leila.karimi", "password": PASSWORD}, **_from("198.51.100.7")
    )

    assert real.status_code == 302
    assert "_auth_user_id" in administrators_browser.session


def test_without_the_proxy_setting_the_forwarded_address_is_not_believed(client, documenter):
    for _ in range(5):
        client.post(
            "/login/",
            {"username": "narges.amini", "password": "a wrong guess"},
            HTTP_X_FORWARDED_FOR="203.0.113.5",
        )

    response = client.post(
        "/login/",
        {"username": "narges.amini", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert response.status_code == 429
