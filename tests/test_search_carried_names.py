"""Search by any spelling of a person's name finds the cases, events and letters that carry
it, and never through a person the reader may not see."""

import pytest

from docket.accounts.models import Team, User
from docket.cases import services as case_services
from docket.letters.models import Letter
from docket.people import services as people_services
from docket.people.services import NameInput
from docket.search.documents import covers
from tests import factories
from tests.test_search import assert_counts_match_a_rebuild, found

pytestmark = pytest.mark.django_db

VARIANTS = ("Mahdi Rustami", "مهدي رستمي", "Rostamy")


@pytest.fixture
def world(documenter: User, team: Team) -> dict:
    person = factories.person(documenter, "Mehdi Rostami", "مهدی رستمی", team=team)
    case = factories.case(documenter, "Camp detention", [person], team=team)
    event = factories.event(documenter, case, "detention", "2021-03", victims=(person,))
    letter = Letter.objects.create(title="Open letter on the camp", body="Questions", team=team)
    letter.cases.add(case)
    return {"person": person, "case": case, "event": event, "letter": letter}


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_variant_spelling_finds_the_case_event_and_letter_carrying_the_name(
    documenter: User, world: dict, variant: str
) -> None:
    assert found(documenter, variant, "case") == {world["case"].pk}
    assert found(documenter, variant, "event") == {world["event"].pk}
    assert found(documenter, variant, "letter") == {world["letter"].pk}


def test_another_team_finds_none_of_our_restricted_records_by_name(
    outsider: User, documenter: User, team: Team
) -> None:
    person = factories.person(documenter, "Mehdi Rostami", team=team, confidentiality="restricted")
    case = factories.case(documenter, "Camp", [person], team=team, confidentiality="restricted")
    factories.event(documenter, case, "detention", "2021-03", victims=(person,))

    for kind in ("person", "case", "event"):
        assert found(outsider, "Mahdi Rustami", kind) == set()
    assert found(documenter, "Mahdi Rustami", "case") == {case.pk}


def test_a_case_open_to_all_is_not_found_by_the_name_of_a_person_hidden_from_some(
    outsider: User, documenter: User, team: Team
) -> None:
    hidden = factories.person(documenter, "Mehdi Rostami", team=team, confidentiality="secret")
    case = factories.case(documenter, "Camp", [hidden], team=team, confidentiality="internal")

    assert found(outsider, "Camp", "case") == {case.pk}
    assert found(outsider, "Mahdi Rustami", "case") == set()
    # Their own team's documenter may see the person, but the case's other readers may
    # not: its entry carries no name that would tell them who is in it.
    assert found(documenter, "Mahdi Rustami", "case") == set()


def test_the_carried_names_follow_renames_and_removals(documenter: User, world: dict) -> None:
    person, case = world["person"], world["case"]
    people_services.update_person(
        actor=documenter,
        person=person,
        expected_version=person.version,
        names=[NameInput("Karim Hashemi")],
    )
    assert found(documenter, "Mahdi Rustami", "case") == set()
    assert found(documenter, "Kareem Hashemy", "event") == {world["event"].pk}

    case.refresh_from_db()
    case_services.update_case(
        actor=documenter, case=case, expected_version=case.version, persons=[]
    )
    assert found(documenter, "Kareem Hashemy", "case") == set()
    assert found(documenter, "Kareem Hashemy", "letter") == set()
    assert_counts_match_a_rebuild()


@pytest.mark.parametrize(
    ("person", "record", "carried"),
    [
        (("internal", 1), ("secret", 2), True),
        (("restricted", 1), ("internal", 1), False),
        (("restricted", 1), ("restricted", 1), True),
        (("restricted", 1), ("secret", 1), True),
        (("restricted", 1), ("restricted", 2), False),
        (("secret", 1), ("restricted", 1), False),
        (("secret", 1), ("secret", 1), True),
    ],
)
def test_a_name_is_carried_only_to_readers_who_may_see_its_person(person, record, carried):
    assert covers(person, record) is carried
