"""Logging in and out, changing a password, and what the dashboard shows each role."""

import pytest

from docket.accounts.models import User
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


def test_other_roles_do_not_see_or_reach_user_management(logged_in, documenter):
    client = logged_in(documenter)

    assert "Manage users and teams" not in client.get("/").content.decode()
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
