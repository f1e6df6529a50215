"""The search page, the events list and saved searches, as each persona sees them."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from docket.accounts.models import Team, User
from docket.search.models import SavedSearch
from tests import factories, markers
from tests.conftest import Shared
from tests.markers import SEES, World

# The marked world is made once for the module (`shared`, tests/conftest.py).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared")]

PERSONAS = ("administrator", "coordinator", "documenter", "viewer", "outsider")


def text_of(response: Any) -> str:
    """What a reader sees: the page without its tags, so a marked word cannot hide a leak."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def group_counts(response: Any) -> dict[str, int]:
    html = response.content.decode()
    return {
        kind: int(number)
        for kind, number in re.findall(
            r'<h3 id="group-(\w+)">[^<]*<span class="group-count">(\d+)</span>', html
        )
    }


@pytest.fixture(scope="module")
def world(shared: Shared) -> World:
    with shared.making():
        return markers.build(author=shared.documenter, deleter=shared.coordinator, team=shared.team)


def _persona(request: pytest.FixtureRequest, persona: str, other_team: Team) -> User:
    user: User = request.getfixturevalue(persona)
    if persona == "administrator":
        user.teams.set([other_team])
    return user


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_search_page_counts_and_shows_only_what_each_persona_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    client = logged_in(_persona(request, persona, other_team))
    seen = len(SEES[persona])

    for query in ("marker", "Azar person", "place marker", "زهره"):
        response = client.get(reverse("search:search"), {"q": query})
        assert response.status_code == 200
        leaks = markers.leaks(text_of(response), persona)
        assert not leaks, f"{query!r} shows {leaks}"

    counts = group_counts(client.get(reverse("search:search"), {"q": "marker"}))
    assert {"person", "case", "event", "source"} <= set(counts)
    assert set(counts.values()) == {seen}, counts  # one record of each kind at each level
    counts = group_counts(client.get(reverse("search:search"), {"q": "Azar"}))
    # A person's name finds them and the records carrying it (each at its level's marked
    # person): as many of each as the persona may see, no more.
    assert counts == {"person": seen, "case": seen, "event": seen, "letter": seen}


def test_the_search_page_groups_links_and_marks_what_it_finds(
    documenter: User, team: Team, logged_in: Callable[[User], Client]
) -> None:
    person = factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری", team=team)
    case = factories.case(documenter, "Shekari family kept apart", [person], team=team)
    client = logged_in(documenter)

    response = client.get(reverse("search:search"), {"q": "Qolamreza Shakari"})

    html = response.content.decode()
    assert f'href="{reverse("people:person_detail", args=[person.pk])}"' in html
    assert "<mark>Gholamreza</mark> <mark>Shekari</mark>" in html
    assert "<mark>غلامرضا</mark> <mark>شکاری</mark>" in html
    response = client.get(reverse("search:search"), {"q": "shekari", "kind": "case"})
    assert f'href="{reverse("cases:case_detail", args=[case.pk])}"' in response.content.decode()
    assert group_counts(response) == {"case": 1}


def test_htmx_gets_the_results_alone(
    documenter: User, team: Team, logged_in: Callable[[User], Client]
) -> None:
    factories.case(documenter, "Evin", [], team=team)
    client = logged_in(documenter)

    response = client.get(reverse("search:search"), {"q": "evin"}, headers={"HX-Request": "1"})

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<mark>Evin</mark>" in html
    response = client.get(reverse("search:event_list"), headers={"HX-Request": "1"})
    assert response.content.decode().lstrip().startswith('<div id="results"')


def test_every_page_has_the_search_box_in_its_header(
    documenter: User, logged_in: Callable[[User], Client]
) -> None:
    html = logged_in(documenter).get(reverse("dashboard")).content.decode()

    assert f'action="{reverse("search:search")}"' in html
    assert 'id="site-search-q"' in html


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_events_list_counts_every_facet_for_each_persona(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    client = logged_in(_persona(request, persona, other_team))
    seen = len(SEES[persona])

    response = client.get(reverse("search:event_list"))

    html = response.content.decode()
    assert re.search(r"(\d+) events?\b", html)[1] == str(seen)  # type: ignore[index]
    levels = re.findall(
        r'name="confidentiality" value="(\w+)"[^>]*>\s*<label[^>]*>[^<]*</label>\s*'
        r'<span class="facet-count">(\d+)</span>',
        html,
    )
    assert {level: int(number) for level, number in levels} == {level: 1 for level in SEES[persona]}
    assert not markers.leaks(text_of(response), persona)
    for query in ({"type": "detention"}, {"q": "marker"}, {"from": "2024-01", "to": "2024-02"}):
        page = client.get(reverse("search:event_list"), query)
        assert not markers.leaks(text_of(page), persona)


def test_list_pages_keep_to_a_query_budget(
    world: World,
    documenter: User,
    logged_in: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = logged_in(documenter)
    with django_assert_max_num_queries(30):
        client.get(reverse("search:event_list"), {"type": "detention", "place": "1"})
    # A few queries for each kind, and on PostgreSQL a few settings around each count.
    with django_assert_max_num_queries(60):
        client.get(reverse("search:search"), {"q": "marker"})


# Saved searches


def _save(client: Client, name: str, query: str, team: Team | None = None) -> Any:
    return client.post(
        reverse("search:saved_create"),
        {"name": name, "page": "events", "query": query, "team": team.pk if team else ""},
    )


def test_a_saved_search_keeps_its_filters_and_starts_on_the_first_page(
    documenter: User, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(documenter)

    response = _save(client, "Detentions at Evin", "type=detention&place=3&after=2020-01-01_9")

    saved = SavedSearch.objects.get()
    assert (saved.owner, saved.team, saved.query) == (documenter, None, "type=detention&place=3")
    assert response["Location"] == reverse("search:event_list") + "?type=detention&place=3"
    page = client.get(reverse("search:event_list")).content.decode()
    assert "Detentions at Evin" in page


def test_a_search_shared_with_a_team_is_listed_for_its_members_only(
    documenter: User,
    viewer: User,
    outsider: User,
    team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    _save(logged_in(documenter), "Team list", "status=open", team)
    _save(logged_in(documenter), "Mine alone", "status=closed")

    assert "Team list" in logged_in(viewer).get(reverse("search:event_list")).content.decode()
    for user, visible in ((viewer, {"Team list"}), (outsider, set())):
        page = logged_in(user).get(reverse("search:event_list")).content.decode()
        assert {name for name in ("Team list", "Mine alone") if name in page} == visible


def test_a_saved_search_is_shared_only_with_a_team_of_the_saver(
    documenter: User, other_team: Team, logged_in: Callable[[User], Client]
) -> None:
    _save(logged_in(documenter), "Elsewhere", "status=open", other_team)

    assert not SavedSearch.objects.exists()


def test_only_the_owner_deletes_a_saved_search(
    documenter: User,
    viewer: User,
    outsider: User,
    team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    _save(logged_in(documenter), "Team list", "status=open", team)
    saved = SavedSearch.objects.get()
    url = reverse("search:saved_delete", args=[saved.pk])

    assert logged_in(outsider).post(url).status_code == 404
    assert logged_in(viewer).post(url).status_code == 403
    assert logged_in(documenter).get(url).status_code == 405
    assert SavedSearch.objects.exists()
    assert logged_in(documenter).post(url).status_code == 302
    assert not SavedSearch.objects.exists()


def test_a_search_without_a_name_is_not_saved(
    documenter: User, logged_in: Callable[[User], Client]
) -> None:
    response = _save(logged_in(documenter), "", "status=open")

    assert response.status_code == 302
    assert not SavedSearch.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_case_list_counts_by_status_and_level_what_each_persona_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    world: World,
    other_team: Team,
    logged_in: Callable[[User], Client],
) -> None:
    client = logged_in(_persona(request, persona, other_team))

    for query in ({}, {"title": "MARKER"}):  # from the index; from the cases themselves
        html = client.get(reverse("cases:case_list"), query).content.decode()
        levels = dict(
            re.findall(
                r'confidentiality=(\w+)[^"]*">[^<]*</a>\s*<span class="facet-count">(\d+)</span>',
                html,
            )
        )
        assert levels == {level: "1" for level in SEES[persona]}, query
    statuses = re.findall(r'status=open">[^<]*</a>\s*<span class="facet-count">(\d+)</span>', html)
    assert statuses == [str(len(SEES[persona]))]
    chosen = client.get(reverse("cases:case_list"), {"status": "open"}).content.decode()
    assert 'aria-current="true"' in chosen
