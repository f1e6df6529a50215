"""Every record has an owning team: one chosen, or the writer's only team, never none.

A record of no team would be changed by any documenter and, made secret, seen
by no one, its author included (issue 13, finding 12).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from docket.accounts.models import Role, User
from docket.cases import services as case_services
from docket.cases.models import Case
from docket.letters import services as letter_services
from docket.people.services import NameInput, create_person
from tests.conftest import pass_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def lone_administrator(db: None) -> User:
    """An administrator who belongs to no team, as the first account often does."""
    return User.objects.create_user(
        username="arash.kamali", role=Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )


def test_an_administrator_of_no_team_must_choose_one(lone_administrator, team):
    with pytest.raises(ValidationError) as refused:
        case_services.open_case(actor=lone_administrator, title="Detention at the camp")
    with pytest.raises(ValidationError):
        create_person(actor=lone_administrator, names=[NameInput("Kian Fictional")])
    with pytest.raises(ValidationError):
        letter_services.create_letter(actor=lone_administrator, title="Open letter")

    case = case_services.open_case(
        actor=lone_administrator, title="Detention at the camp", team=team
    )

    assert refused.value.message_dict == {"team": ["Choose the team that owns this record."]}
    assert Case.objects.get() == case and case.team == team


def test_a_writer_of_several_teams_must_choose_one(documenter, team, other_team):
    documenter.teams.add(other_team)

    with pytest.raises(ValidationError):
        case_services.open_case(actor=documenter, title="Detention at the camp")

    assert (
        case_services.open_case(
            actor=documenter, title="Detention at the camp", team=other_team
        ).team
        == other_team
    )


def test_a_writer_of_one_team_files_under_it_without_choosing(documenter, team):
    assert case_services.open_case(actor=documenter, title="Detention at the camp").team == team


def test_a_documenter_of_no_team_is_told_to_ask_for_one(documenter):
    documenter.teams.clear()

    with pytest.raises(ValidationError) as refused:
        case_services.open_case(actor=documenter, title="Detention at the camp")

    assert "You belong to no team" in refused.value.messages[0]


def test_the_case_form_asks_an_administrator_of_no_team_for_any_team(
    client, lone_administrator, team, other_team
):
    client.force_login(lone_administrator)
    pass_second_factor(client, lone_administrator)
    data = {"title": "Detention at the camp", "status": "open", "confidentiality": "internal"}

    form = client.get(reverse("cases:case_create")).content.decode()
    refused = client.post(reverse("cases:case_create"), data)
    filed = client.post(reverse("cases:case_create"), data | {"team": other_team.pk})

    assert team.name in form and other_team.name in form
    assert refused.status_code == 200 and not Case.objects.filter(team__isnull=True).exists()
    assert filed.status_code == 302
    assert Case.objects.get().team == other_team
