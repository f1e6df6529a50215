"""Accounts in Docket's own screens, and every change to who may see what in the audit log.

Administrators manage users, roles, teams, API tokens and second factors at
/accounts/, after giving their password again; everyone else is not shown the
screens (404). Whatever path changes an account (these screens, Django's
admin, a shell), the change is audited.
"""

import re
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from docket.accounts.confirmation import SESSION_KEY
from docket.accounts.models import Role, Team, User
from docket.api.models import ApiToken
from docket.api.tokens import issue_token, user_for_token
from docket.audit.models import Action, AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

OTHERS = ("coordinator", "documenter", "viewer", "outsider")


def _entries(user: User, **detail: Any) -> list[AuditEntry]:
    """Audit entries about `user` whose detail holds every key and value given."""
    found = AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user.pk))
    return [
        entry
        for entry in found.order_by("id")
        if all(entry.detail.get(key) == value for key, value in detail.items())
    ]


def _stale(client: Client) -> None:
    """As if the password was last given an hour ago."""
    session = client.session
    session[SESSION_KEY] = time.time() - 3600
    session.save()


def _shown_password(response: Any) -> re.Match[str] | None:
    return re.search(r'<code class="secret" dir="ltr">([^<]+)</code>', response.content.decode())


def _detail(user: User) -> str:
    return reverse("accounts:user_detail", kwargs={"pk": user.pk})


# Finding 8: changes outside the screens are audited as well


def test_an_administrator_joining_and_leaving_a_team_leaves_a_trace(administrator, other_team):
    # The way around of issue 13: join a team, read its secret records, leave again.
    administrator.teams.add(other_team)
    administrator.teams.remove(other_team)

    joined = _entries(administrator, teams_added=["Another association"])
    left = _entries(administrator, teams_removed=["Another association"])
    assert len(joined) == 1
    assert len(left) == 1
    assert joined[0].action == Action.CHANGE


def test_memberships_changed_from_the_team_side_or_cleared_are_audited(
    documenter, viewer, team, other_team
):
    other_team.members.add(documenter, viewer)
    documenter.teams.clear()

    assert _entries(viewer, teams_added=["Another association"])
    assert _entries(documenter, teams_added=["Another association"])
    assert _entries(documenter, teams_removed=["Another association", "Documentation"])


def test_a_role_or_activation_changed_outside_the_screens_is_audited(viewer):
    viewer = User.objects.get(pk=viewer.pk)  # as a shell reads it
    viewer.role = Role.COORDINATOR
    viewer.save()
    viewer.is_active = False
    viewer.save(update_fields=["is_active"])

    (role,) = _entries(viewer, fields=["role"])
    assert role.detail["role"] == ["viewer", "coordinator"]
    assert role.actor_name == "outside Docket's pages (shell or script)"
    assert _entries(viewer, is_active=[True, False])


def test_django_admin_no_longer_changes_accounts(logged_in, administrator, other_team):
    client = logged_in(administrator)
    page = reverse("admin:accounts_user_change", args=[administrator.pk])

    response = client.post(
        page,
        {"username": administrator.username, "role": "administrator", "teams": [other_team.pk]},
    )

    assert response.status_code == 403
    assert not administrator.teams.filter(pk=other_team.pk).exists()
    # Still there to look at.
    assert client.get(page).status_code == 200


# The screens, for administrators only


@pytest.mark.parametrize(
    "route", ["accounts:user_list", "accounts:user_create", "accounts:team_list"]
)
def test_administrators_open_the_account_screens(logged_in, administrator, route):
    assert logged_in(administrator).get(reverse(route)).status_code == 200


@pytest.mark.parametrize("persona", OTHERS)
def test_the_account_screens_are_not_there_for_anyone_else(
    request, logged_in, persona, administrator, team
):
    user = request.getfixturevalue(persona)
    client = logged_in(user)
    for path in [
        reverse("accounts:user_list"),
        reverse("accounts:user_create"),
        reverse("accounts:team_list"),
        reverse("accounts:team_detail", kwargs={"pk": team.pk}),
        _detail(administrator),
    ]:
        assert client.get(path).status_code == 404, path
    assert "/accounts/" not in client.get("/").content.decode()


@pytest.mark.parametrize("persona", OTHERS)
def test_no_one_else_changes_an_account_through_them(request, logged_in, persona, viewer, team):
    user = request.getfixturevalue(persona)
    client = logged_in(user)

    role = client.post(_detail(viewer), {"action": "role", "role": "administrator"})
    create = client.post(reverse("accounts:user_create"), {"username": "made.up", "role": "viewer"})

    assert (role.status_code, create.status_code) == (404, 404)
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER
    assert not User.objects.filter(username="made.up").exists()


def test_the_navigation_leads_administrators_to_the_accounts(logged_in, administrator):
    page = logged_in(administrator).get("/").content.decode()

    assert f'href="{reverse("accounts:user_list")}"' in page


def test_creating_a_user_shows_the_made_up_password_once(logged_in, administrator, team):
    client = logged_in(administrator)

    response = client.post(
        reverse("accounts:user_create"),
        {
            "username": "roya.hashemi",
            "first_name": "Roya",
            "role": "documenter",
            "teams": [team.pk],
        },
    )

    password = _shown_password(response)
    assert password is not None
    created = User.objects.get(username="roya.hashemi")
    assert created.check_password(password[1])
    assert list(created.teams.all()) == [team]
    (entry,) = _entries(created, role="documenter")
    assert entry.action == Action.CREATE
    assert entry.actor == administrator
    assert _entries(created, teams_added=["Documentation"])[0].actor == administrator
    assert password[1] not in str(list(AuditEntry.objects.values_list("detail", flat=True)))


def test_an_administrator_may_set_the_password_instead(logged_in, administrator):
    client = logged_in(administrator)

    response = client.post(
        reverse("accounts:user_create"),
        {"username": "kian.rahimi", "role": "viewer", "password": "a chosen long phrase"},
    )

    created = User.objects.get(username="kian.rahimi")
    assert response.status_code == 302
    assert created.check_password("a chosen long phrase")
    assert not created.is_staff


def test_account_changes_need_the_password_again_after_a_while(logged_in, administrator, viewer):
    client = logged_in(administrator)
    _stale(client)

    response = client.post(_detail(viewer), {"action": "role", "role": "coordinator"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("confirm_identity"))
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER
    # Looking needs no confirmation.
    assert client.get(_detail(viewer)).status_code == 200


def test_changing_a_role_is_audited_with_who_did_it(logged_in, administrator, viewer):
    client = logged_in(administrator)

    client.post(_detail(viewer), {"action": "role", "role": "administrator"})

    viewer.refresh_from_db()
    assert viewer.role == Role.ADMINISTRATOR
    assert viewer.is_staff and viewer.is_superuser
    (entry,) = _entries(viewer, role=["viewer", "administrator"])
    assert entry.actor == administrator


def test_an_administrator_does_not_change_their_own_role(logged_in, administrator):
    client = logged_in(administrator)

    response = client.post(
        _detail(administrator), {"action": "role", "role": "viewer"}, follow=True
    )

    administrator.refresh_from_db()
    assert administrator.role == Role.ADMINISTRATOR
    assert "Another administrator" in response.content.decode()


def test_a_deactivated_account_logs_in_nowhere(logged_in, administrator, documenter):
    client = logged_in(administrator)
    _, token = issue_token(user=documenter)

    client.post(_detail(documenter), {"action": "active", "active": "0"})

    documenter.refresh_from_db()
    assert not documenter.is_active
    assert user_for_token(token) is None
    assert _entries(documenter, is_active=[True, False])[0].actor == administrator
    stranger = Client()
    login = stranger.post("/login/", {"username": documenter.username, "password": PASSWORD})
    assert "_auth_user_id" not in stranger.session
    assert login.status_code == 200


def test_team_memberships_are_set_on_the_users_page(logged_in, administrator, viewer, other_team):
    client = logged_in(administrator)

    client.post(_detail(viewer), {"action": "teams", "teams": [other_team.pk]})

    assert list(viewer.teams.all()) == [other_team]
    assert _entries(viewer, teams_added=["Another association"])[0].actor == administrator
    assert _entries(viewer, teams_removed=["Documentation"])[0].actor == administrator


def test_a_users_tokens_are_listed_and_revoked(logged_in, administrator, documenter):
    client = logged_in(administrator)
    record, token = issue_token(user=documenter, name="spreadsheet")

    assert "spreadsheet" in client.get(_detail(documenter)).content.decode()
    client.post(_detail(documenter), {"action": "revoke_token", "token": record.pk})

    assert user_for_token(token) is None
    revoked = AuditEntry.objects.get(
        object_type="api.apitoken", object_id=str(record.pk), action=Action.CHANGE
    )
    assert revoked.actor == administrator


def test_a_token_of_someone_else_is_not_revoked_through_this_page(
    logged_in, administrator, documenter, viewer
):
    client = logged_in(administrator)
    record, _ = issue_token(user=viewer)

    response = client.post(_detail(documenter), {"action": "revoke_token", "token": record.pk})
    garbled = client.post(_detail(viewer), {"action": "revoke_token", "token": "1; drop"})

    assert response.status_code == 404
    assert garbled.status_code == 404
    assert ApiToken.objects.get(pk=record.pk).revoked_at is None


def test_resetting_two_factor_is_audited_and_asks_for_a_new_app(
    logged_in, administrator, coordinator
):
    TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    client = logged_in(administrator)

    client.post(_detail(coordinator), {"action": "two_factor"})

    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    (entry,) = _entries(coordinator, two_factor="removed")
    assert entry.actor == administrator


def test_a_new_password_is_shown_once_and_audited_without_it(logged_in, administrator, viewer):
    client = logged_in(administrator)

    response = client.post(_detail(viewer), {"action": "password"})

    password = _shown_password(response)
    assert password is not None
    viewer.refresh_from_db()
    assert viewer.check_password(password[1])
    (entry,) = _entries(viewer, password="changed")
    assert entry.actor == administrator


def test_teams_are_created_and_renamed_with_an_audit_entry(logged_in, administrator, team):
    client = logged_in(administrator)

    client.post(reverse("accounts:team_list"), {"name": "Tracing desk"})
    created = Team.objects.get(name="Tracing desk")
    client.post(reverse("accounts:team_detail", kwargs={"pk": created.pk}), {"name": "Families"})
    duplicate = client.post(reverse("accounts:team_list"), {"name": "documentation"})

    created.refresh_from_db()
    assert created.name == "Families"
    assert "already exists" in duplicate.content.decode()
    entries = AuditEntry.objects.filter(object_type="accounts.team", object_id=str(created.pk))
    assert [(entry.action, entry.actor) for entry in entries.order_by("id")] == [
        (Action.CREATE, administrator),
        (Action.CHANGE, administrator),
    ]


def test_the_user_list_takes_a_few_queries_however_many_users(
    logged_in, administrator, team, other_team, django_assert_max_num_queries
):
    client = logged_in(administrator)
    for number in range(20):
        user = User.objects.create_user(username=f"staff.member{number}", role=Role.VIEWER)
        user.teams.add(team, other_team)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("accounts:user_list"))

    assert response.content.decode().count("staff.member") == 20


def test_loading_accounts_as_they_were_writes_no_entry(team):
    """`docket restore` saves raw; the teams it sets are not new memberships."""
    from django.core import serializers

    user = User.objects.create_user(username="saved.before", role=Role.VIEWER)
    user.teams.add(team)
    data = serializers.serialize("python", [user])
    User.objects.filter(pk=user.pk).delete()
    before = AuditEntry.objects.count()

    for item in serializers.deserialize("python", data):
        item.save()

    assert AuditEntry.objects.count() == before
    assert list(User.objects.get(username="saved.before").teams.all()) == [team]
