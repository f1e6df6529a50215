"""Search and the events list's facets, below the pages: the index, names, counts, pages.

Runs on SQLite (FTS5) and, with DATABASE_URL, on PostgreSQL (tsvector and GIN):
both engines answer through `docket.search.engine` and must agree.
"""

import io
import itertools
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse

from docket.accounts.models import Team, User
from docket.cases import services as case_services
from docket.cases.models import Case, Event, EventType
from docket.lib.names import name_key
from docket.lib.partialdate import PartialDate
from docket.people import services as people_services
from docket.people.models import Person
from docket.people.services import NameInput
from docket.search.documents import key_token, name_tokens
from docket.search.engine import Query, search
from docket.search.facets import Cursor, EventFilters, EventSearch
from docket.search.models import EventFacet, FacetCount, SearchEntry
from docket.search.signals import deferred_indexing
from tests import factories

pytestmark = pytest.mark.django_db


def found(user: User, text: str, kind: str) -> set[int]:
    results = search(user, text, [kind], limit=50)
    return {hit.object_id for hit in results.groups[0].hits}


def count(user: User, text: str, kind: str) -> int:
    return search(user, text, [kind]).groups[0].count


# Names in every spelling and script

SPELLINGS = (
    "Gholamreza Shekari",
    "Qolamreza Shakari",
    "Gholam-Reza Shekary",
    "غلامرضا شکاری",
)


@pytest.fixture
def shekaris(documenter: User, team: Team) -> list[Person]:
    return [factories.person(documenter, spelling, team=team) for spelling in SPELLINGS]


@pytest.fixture
def others(documenter: User, team: Team) -> list[Person]:
    return [
        factories.person(documenter, "Hossein Karimi", team=team),
        factories.person(documenter, "Gholamreza Rahimi", team=team),
        factories.person(documenter, "Zahra Sharifi", team=team),
    ]


@pytest.mark.parametrize(
    "query",
    [
        *SPELLINGS,
        "غلامرضا شكاري",  # Arabic kaf and yeh
        "Shekari Gholamreza",
        "Gholam Reza Shekari",
        "GHOLAMREZA SHEKARI",
        "Ġholamreza Shekāri",
    ],
)
def test_every_spelling_and_script_of_a_name_finds_every_other(
    query: str, shekaris: list[Person], others: list[Person], documenter: User
) -> None:
    assert found(documenter, query, "person") == {person.pk for person in shekaris}


def test_a_single_word_of_a_name_finds_the_whole_name(
    shekaris: list[Person], others: list[Person], documenter: User
) -> None:
    assert found(documenter, "Shakary", "person") == {person.pk for person in shekaris}
    gholamrezas = {person.pk for person in shekaris} | {others[1].pk}
    assert found(documenter, "Qolamreza", "person") == gholamrezas


def test_a_name_found_by_its_key_ranks_above_a_partial_match(
    shekaris: list[Person], others: list[Person], documenter: User
) -> None:
    hits = search(documenter, "Gholamreza Shekari", ["person"], limit=10).groups[0].hits

    assert {hit.object_id for hit in hits[:4]} == {person.pk for person in shekaris}
    assert all("<mark>" in hit.marked_title for hit in hits)


def test_zero_width_non_joiners_and_arabic_letters_are_folded(documenter: User, team: Team) -> None:
    person = factories.person(documenter, "Alireza Alizadeh", "علی‌رضا علی‌زاده", team=team)

    for query in ("علیرضا علیزاده", "علي‌رضا", "Ali Reza Ali Zadeh", "Alizade"):
        assert found(documenter, query, "person") == {person.pk}, query


def test_name_keys_are_stored_with_the_entry_not_computed_per_query(
    shekaris: list[Person],
) -> None:
    entry = SearchEntry.objects.get(kind="person", object_id=shekaris[3].pk)

    assert set(entry.names.split()) == set(name_tokens("غلامرضا شکاری"))
    # The key of the Latin spelling, stored with the Persian one: they are the same.
    assert key_token(name_key("Gholamreza Shekari")) in entry.names.split()


# Words


def test_words_of_every_kind_are_found_folded(
    documenter: User, team: Team, shekaris: list[Person]
) -> None:
    case = factories.case(
        documenter, "Detained at Évin", shekaris[:1], summary="Held incommunicado", team=team
    )
    event = factories.event(
        documenter, case, "detention", "2019-03", description="Transferred to ward 209"
    )
    source = case_services.create_source(actor=documenter, title="Testimony of a cellmate")

    assert found(documenter, "evin", "case") == {case.pk}
    assert found(documenter, "INCOMMUNICADO", "case") == {case.pk}
    assert found(documenter, "ward 209", "event") == {event.pk}
    assert found(documenter, "detention", "event") == {event.pk}  # the type's label
    assert found(documenter, "cellm", "source") == {source.pk}
    assert found(documenter, "held transferred", "case") == set()


def test_a_short_word_matches_only_whole_words(documenter: User, team: Team) -> None:
    case = factories.case(documenter, "Ward 209 in block B", [], team=team)

    assert found(documenter, "b", "case") == {case.pk}
    assert found(documenter, "bl", "case") == set()
    assert found(documenter, "blo", "case") == {case.pk}


def test_query_text_is_never_read_as_query_syntax(documenter: User, team: Team) -> None:
    factories.case(documenter, "An ordinary case", [], team=team)

    for text in ('"', "NEAR(", "a OR b", "x:*", "'); --", "kind:case", "*", "(((", "!&|"):
        results = search(documenter, text)
        assert all(group.count >= 0 for group in results.groups)


def test_marks_go_around_matching_words_and_the_rest_is_escaped(
    documenter: User, team: Team
) -> None:
    factories.case(documenter, "<b>Evin</b> & more", [], summary="Evin prison", team=team)

    hit = search(documenter, "evin", ["case"]).groups[0].hits[0]

    assert hit.marked_title == "&lt;b&gt;<mark>Evin</mark>&lt;/b&gt; &amp; more"
    assert "<mark>Evin</mark> prison" in hit.snippet


# What each reader may see


@pytest.fixture
def levels(documenter: User, team: Team) -> dict[str, Case]:
    """A case, its event and a person at each confidentiality level, all named Azadeh."""
    cases = {}
    for level in ("public", "internal", "restricted", "secret"):
        person = factories.person(documenter, f"Azadeh {level}", team=team, confidentiality=level)
        case = factories.case(
            documenter, f"Azadeh case {level}", [person], team=team, confidentiality=level
        )
        factories.event(documenter, case, "detention", "2020-05", place_name="Evin")
        cases[level] = case
    return cases


SEES = {
    "administrator": {"public", "internal", "restricted"},
    "coordinator": {"public", "internal", "restricted", "secret"},
    "documenter": {"public", "internal", "restricted", "secret"},
    "viewer": {"public", "internal", "restricted"},
    "outsider": {"public", "internal"},
}


@pytest.mark.parametrize("persona", sorted(SEES))
def test_results_and_counts_hold_only_what_the_reader_may_see(
    request: pytest.FixtureRequest,
    persona: str,
    levels: dict[str, Case],
    other_team: Team,
) -> None:
    user: User = request.getfixturevalue(persona)
    if persona == "administrator":
        user.teams.set([other_team])
    wanted = SEES[persona]

    results = search(user, "azadeh")
    by_kind = {group.kind: group for group in results.groups}

    assert by_kind["case"].count == len(wanted)
    assert by_kind["person"].count == len(wanted)
    assert {hit.object_id for hit in by_kind["case"].hits} == {levels[level].pk for level in wanted}
    page = EventSearch(user, EventFilters()).page()
    assert page.total == len(wanted)
    assert {event.case_id for event in page.events} == {levels[level].pk for level in wanted}
    facet_totals = {facet.name: sum(v.count for v in facet.values) for facet in page.facets}
    assert facet_totals["type"] == len(wanted)
    assert facet_totals["confidentiality"] == len(wanted)
    assert facet_totals["place"] == len(wanted)


def test_an_inactive_account_finds_nothing(levels: dict[str, Case], documenter: User) -> None:
    documenter.is_active = False
    documenter.save()

    assert search(documenter, "azadeh").total == 0
    assert EventSearch(documenter, EventFilters()).page().total == 0


def test_a_restricted_record_of_another_team_is_never_found_nor_counted(
    outsider: User, documenter: User, levels: dict[str, Case]
) -> None:
    restricted = levels["restricted"]
    event = restricted.events.get()

    assert restricted.pk not in found(outsider, "azadeh case restricted", "case")
    assert count(outsider, "restricted", "case") == 0
    assert count(outsider, "restricted", "person") == 0
    for filters in (
        EventFilters(),
        EventFilters(levels=["restricted"]),
        EventFilters(types=["detention"], levels=["restricted"]),
        EventFilters(words="evin", date_from=PartialDate(2020, 5)),
    ):
        page = EventSearch(outsider, filters).page()
        assert event.pk not in {row.pk for row in page.events}
        counted = {
            value.value: value.count
            for facet in page.facets
            if facet.name == "confidentiality"
            for value in facet.values
        }
        # A chosen value stays listed, with what the reader may see of it: nothing.
        assert counted.get("restricted", 0) == counted.get("secret", 0) == 0
        assert page.total == (0 if filters.levels else 2)
    assert count(documenter, "azadeh case restricted", "case") == 1


# The index follows every change


def test_a_renamed_person_is_found_by_the_new_name_only(documenter: User, team: Team) -> None:
    person = factories.person(documenter, "Parvin Nouri", team=team)

    people_services.update_person(
        actor=documenter, person=person, expected_version=1, names=[NameInput("Parvin Sadeghi")]
    )

    assert found(documenter, "nouri", "person") == set()
    assert found(documenter, "sadeqi", "person") == {person.pk}


def test_deleted_records_leave_the_index_and_come_back_restored(
    documenter: User, coordinator: User, levels: dict[str, Case]
) -> None:
    case = levels["public"]

    case_services.delete_record(actor=coordinator, record=case)

    assert case.pk not in found(documenter, "azadeh", "case")
    assert not EventFacet.objects.filter(case_id=case.pk).exists()
    assert EventSearch(documenter, EventFilters()).page().total == 3

    case_services.restore_record(actor=coordinator, record=case)

    assert case.pk in found(documenter, "azadeh", "case")
    assert EventSearch(documenter, EventFilters()).page().total == 4


def test_a_case_made_restricted_takes_its_events_out_of_an_outsiders_counts(
    documenter: User, outsider: User, levels: dict[str, Case]
) -> None:
    case = levels["internal"]
    assert EventSearch(outsider, EventFilters()).page().total == 2

    case_services.update_case(
        actor=documenter, case=case, expected_version=case.version, confidentiality="restricted"
    )

    assert EventSearch(outsider, EventFilters()).page().total == 1
    assert EventSearch(documenter, EventFilters(levels=["restricted"])).page().total == 2


def test_an_event_deleted_or_changed_moves_its_counts(
    documenter: User, coordinator: User, levels: dict[str, Case]
) -> None:
    event = levels["public"].events.get()
    case_services.update_event(
        actor=documenter,
        event=event,
        expected_version=event.version,
        type=EventType.objects.get(code="deportation"),
        place_name="Border post",
    )

    page = EventSearch(documenter, EventFilters(types=["deportation"])).page()
    assert [row.pk for row in page.events] == [event.pk]
    assert found(documenter, "border", "event") == {event.pk}

    case_services.delete_record(actor=coordinator, record=event)

    assert EventSearch(documenter, EventFilters(types=["deportation"])).page().total == 0
    assert_counts_match_a_rebuild()


def test_a_renamed_authority_is_found_in_its_events(documenter: User, team: Team) -> None:
    authority = case_services.create_authority(actor=documenter, name="Border Police")
    case = factories.case(documenter, "A case", [], team=team)
    event = factories.event(documenter, case, "entry_refused", "2021", authority=authority)

    case_services.update_authority(
        actor=documenter, authority=authority, expected_version=1, name="Frontier Guard"
    )

    assert found(documenter, "frontier", "event") == {event.pk}
    assert found(documenter, "police", "event") == set()


def test_a_letter_is_found_by_its_questions(documenter: User, team: Team) -> None:
    from docket.letters.models import Letter, Question

    letter = Letter.objects.create(title="Open letter", body="On detention", team=team)
    Question.objects.create(letter=letter, number=1, text="Why was the visit refused?")

    assert found(documenter, "visit refused", "letter") == {letter.pk}


def assert_counts_match_a_rebuild() -> None:
    def snapshot() -> tuple[Counter[tuple[Any, ...]], set[tuple[Any, ...]], set[Any]]:
        counts = Counter(
            {
                row[:-1]: row[-1]
                for row in FacetCount.objects.filter(count__gt=0).values_list(
                    "audience_id",
                    "filter_dimension",
                    "filter_value",
                    "dimension",
                    "value",
                    "count",
                )
            }
        )
        facets = set(EventFacet.objects.values_list())
        entries = set(
            SearchEntry.objects.values_list(
                "kind", "object_id", "audience_id", "case_id", "title", "names", "body"
            )
        )
        return counts, facets, entries

    kept = snapshot()
    call_command("search", "reindex", stdout=io.StringIO())
    assert snapshot() == kept


def test_the_rebuilt_index_is_the_one_the_signals_kept(
    documenter: User, coordinator: User, levels: dict[str, Case], shekaris: list[Person]
) -> None:
    case_services.update_case(
        actor=documenter,
        case=levels["secret"],
        expected_version=levels["secret"].version,
        status="closed",
    )
    case_services.delete_record(actor=coordinator, record=levels["internal"])

    assert_counts_match_a_rebuild()


def test_records_saved_in_a_deferred_block_are_indexed_once_at_its_end(
    documenter: User, team: Team
) -> None:
    with transaction.atomic(), deferred_indexing():
        person = factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری")
        case = factories.case(documenter, "Detention at Camp North", [person], team=team)
        factories.event(documenter, case, "detention", "2021-03-04", victims=(person,))
        factories.event(documenter, case, "transfer", "2021-05-01", victims=(person,))
        case_services.update_case(
            actor=documenter, case=case, expected_version=case.version, status="closed"
        )
        assert not SearchEntry.objects.exists()

    assert found(documenter, "Qolamreza Shakari", "person") == {person.pk}
    assert EventFacet.objects.filter(case_id=case.pk).count() == 2
    assert_counts_match_a_rebuild()


def test_a_failed_deferred_block_indexes_nothing(documenter: User, team: Team) -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), deferred_indexing():
        factories.person(documenter, "Gholamreza Shekari")
        raise RuntimeError("the import failed")

    assert not SearchEntry.objects.exists()
    # Saves after the block are indexed at once again.
    factories.person(documenter, "Leila Karimi")
    assert found(documenter, "Leila", "person")


# Keyset pages


@pytest.fixture
def many_events(documenter: User, team: Team) -> list[Event]:
    case = factories.case(documenter, "A long case", [], team=team)
    starts = itertools.cycle(["2019", "2019-05", "2019-05-03", None, "2020-12-31", "2018-02"])
    return [factories.event(documenter, case, "hearing", next(starts)) for _ in range(63)]


@pytest.mark.parametrize("oldest_first", [False, True])
def test_keyset_pages_walk_every_event_once_in_order_both_ways(
    many_events: list[Event], documenter: User, oldest_first: bool
) -> None:
    key = lambda event: (event.start_on or date(1, 1, 1), event.pk)  # noqa: E731
    wanted = [event.pk for event in sorted(many_events, key=key, reverse=not oldest_first)]

    seen: list[int] = []
    cursor: Cursor | None = None
    pages = []
    while True:
        page = EventSearch(documenter, EventFilters(oldest_first=oldest_first, after=cursor)).page()
        pages.append(page)
        seen += [event.pk for event in page.events]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == wanted
    assert [len(page.events) for page in pages] == [25, 25, 13]

    last = EventSearch(documenter, EventFilters(oldest_first=oldest_first, last=True)).page()
    assert [event.pk for event in last.events] == wanted[-25:]
    assert last.next_cursor is None
    back: list[int] = [event.pk for event in last.events]
    cursor = last.previous_cursor
    while cursor is not None:
        page = EventSearch(
            documenter, EventFilters(oldest_first=oldest_first, before=cursor)
        ).page()
        back = [event.pk for event in page.events] + back
        cursor = page.previous_cursor
    assert back == wanted


def test_query_parsing_folds_and_keys_every_word() -> None:
    query = Query.parse("  Gholam-Reza   SHEKARY! ")

    assert query.words == ("gholam", "reza", "shekary")
    assert key_token(name_key("Gholamreza Shekari")) in query.whole_keys
    assert not Query.parse("!!! ...")


def test_the_reindex_command_shows_its_progress(
    levels: dict[str, Case], shekaris: list[Person]
) -> None:
    out = io.StringIO()

    call_command("search", "reindex", stdout=out)

    assert "event" in out.getvalue()
    assert SearchEntry.objects.filter(kind="person").count() == 8
    assert EventFacet.objects.count() == 4


@pytest.mark.parametrize(
    "text",
    [
        "Ja'fari",
        "Gholam-Reza SHEKARY",
        "snake_case words",
        "`quoted` text",
        "a.b,c;d",
        "Evin (ward 209)",
        "  spaced   out  ",
        "Ma\u2019sumeh",
        "Ébrahimi",
        "علی\u200cرضا",
    ],
)
def test_words_take_the_same_path_as_fold_for_every_text(text: str) -> None:
    from docket.lib.names import fold
    from docket.search.documents import WORD, words

    assert words(text) == " ".join(WORD.findall(fold(text)))


def test_a_date_range_keeps_events_whose_start_may_fall_in_it(documenter: User, team: Team) -> None:
    case = factories.case(documenter, "Dates", [], team=team)
    starts = ["2019", "2019-03", "2019-03-10", "2019-02-28", "2018", "2020-01", None]
    events = {start: factories.event(documenter, case, "hearing", start) for start in starts}

    def kept(date_from: str | None, date_to: str | None) -> set[str | None]:
        filters = EventFilters(
            date_from=PartialDate.parse(date_from) if date_from else None,
            date_to=PartialDate.parse(date_to) if date_to else None,
        )
        found = {event.pk for event in EventSearch(documenter, filters).page().events}
        return {start for start, event in events.items() if event.pk in found}

    assert kept("2019-03-05", "2019-03-31") == {"2019", "2019-03", "2019-03-10"}
    assert kept("2019-03-11", None) == {"2019", "2019-03", "2020-01"}
    assert kept(None, "2019-01-15") == {"2019", "2018"}
    assert kept("2019", "2019") == {"2019", "2019-03", "2019-03-10", "2019-02-28"}
    assert kept("2019-02-01", "2019-02-28") == {"2019", "2019-02-28"}


def test_the_events_list_pages_by_keys_to_the_last_page(
    documenter: User, team: Team, logged_in: Callable[[User], Client]
) -> None:
    case = factories.case(documenter, "A long case", [], team=team)
    for day in range(1, 31):
        factories.event(documenter, case, "hearing", f"2021-03-{day:02d}")
    client = logged_in(documenter)

    first = client.get(reverse("search:event_list")).content.decode()
    last = client.get(reverse("search:event_list"), {"last": "1"}).content.decode()

    assert "2021-03-30" in first and "2021-03-01" not in first
    assert "after=2021-03-06_" in first and "last=1" in first
    # The last page holds the oldest 25, newest first: 03-25 down to 03-01.
    assert "2021-03-01" in last and "2021-03-25" in last and "2021-03-26" not in last
    assert "before=2021-03-25_" in last and 'rel="next"' not in last
