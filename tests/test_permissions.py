"""The one permission rule, persona by persona and level by level."""

import pytest
from django.core.exceptions import PermissionDenied

from docket.accounts.models import Role
from docket.cases.models import Case, Event
from docket.cases.services import delete_record, restore_record, update_case
from docket.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases_by_level(documenter, team):
    held = factories.person(documenter, "Mahdi Nouri", "مهدی نوری", confidentiality="restricted")
    cases = {
        level: factories.case(
            documenter, f"A {level} case", [held], confidentiality=level, team=team
        )
        for level in ["public", "internal", "restricted", "secret"]
    }
    for dossier in cases.values():
        factories.event(documenter, dossier, "detention", "2026-01-01", victims=(held,))
    return cases


def _visible_titles(user):
    return set(Case.objects.visible_to(user).values_list("title", flat=True))


def test_the_owning_teams_documenter_sees_every_level(documenter, cases_by_level):
    assert len(_visible_titles(documenter)) == 4


def test_a_viewer_of_the_team_does_not_see_secret_cases(viewer, cases_by_level):
    assert _visible_titles(viewer) == {"A public case", "A internal case", "A restricted case"}


def test_another_teams_documenter_sees_only_public_and_internal(outsider, cases_by_level):
    assert _visible_titles(outsider) == {"A public case", "A internal case"}


def test_an_administrator_outside_the_team_sees_restricted_but_not_secret(
    administrator, other_team, cases_by_level
):
    administrator.teams.set([other_team])

    assert "A restricted case" in _visible_titles(administrator)
    assert "A secret case" not in _visible_titles(administrator)


def test_events_follow_their_case(outsider, documenter, cases_by_level):
    assert Event.objects.visible_to(documenter).count() == 4
    assert Event.objects.visible_to(outsider).count() == 2


def test_a_restricted_person_is_hidden_from_other_teams(outsider, documenter, cases_by_level):
    assert Person.objects.visible_to(documenter).count() == 1
    assert Person.objects.visible_to(outsider).count() == 0


def test_an_inactive_user_sees_nothing(documenter, cases_by_level):
    documenter.is_active = False
    documenter.save()

    assert _visible_titles(documenter) == set()


def test_anonymous_sees_nothing(cases_by_level):
    from django.contrib.auth.models import AnonymousUser

    assert not Case.objects.visible_to(AnonymousUser()).exists()


def test_a_viewer_cannot_change_a_case(viewer, cases_by_level):
    dossier = cases_by_level["internal"]

    with pytest.raises(PermissionDenied):
        update_case(actor=viewer, case=dossier, expected_version=dossier.version, title="Changed")


def test_another_team_cannot_change_an_internal_case_it_can_read(outsider, cases_by_level):
    dossier = cases_by_level["internal"]

    with pytest.raises(PermissionDenied):
        update_case(actor=outsider, case=dossier, expected_version=dossier.version, title="Changed")


def test_a_documenter_cannot_delete_but_a_coordinator_can_and_can_restore(
    documenter, coordinator, cases_by_level
):
    dossier = cases_by_level["internal"]

    with pytest.raises(PermissionDenied):
        delete_record(actor=documenter, record=dossier)
    delete_record(actor=coordinator, record=dossier)
    assert "A internal case" not in _visible_titles(coordinator)
    assert Event.objects.visible_to(coordinator).filter(case=dossier).count() == 0

    restore_record(actor=coordinator, record=dossier)
    assert "A internal case" in _visible_titles(coordinator)


def test_a_coordinator_of_another_team_cannot_delete(coordinator, other_team, cases_by_level):
    coordinator.teams.set([other_team])
    coordinator.role = Role.COORDINATOR
    coordinator.save()

    with pytest.raises(PermissionDenied):
        delete_record(actor=coordinator, record=cases_by_level["internal"])
