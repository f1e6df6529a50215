"""The benchmark's standard queries: what staff do all day, each timed the same way.

Each query runs as one logged-in documenter of the "Documentation" team, who
sees every public and internal record and her own team's restricted and secret
ones. "engine" queries call the search and facet code directly (what a page
waits for from the database); "page" queries fetch a whole page through
Django's test client (views, templates, the permission rule, the audit log of
a restricted record opened). Parameters rotate between runs, so no run only
repeats the one before it.

The names below are the keys of the benchmark's JSON: renaming one breaks the
comparison with earlier runs, so add rather than rename.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.test import Client

from docket.lib.partialdate import PartialDate
from docket.search.engine import search
from docket.search.facets import Cursor, EventFilters, EventSearch


@dataclass
class Context:
    user: Any
    client: Client
    latin_names: list[str]  # spellings other than those stored, where names have several
    persian_names: list[str]
    words: list[str]
    places: list[int]  # FacetTerm ids of the busiest places
    authorities: list[int]
    team: int
    big_cases: list[int]
    persons: list[int]
    middle: Cursor | None


@dataclass(frozen=True)
class StandardQuery:
    name: str
    kind: str  # "engine" or "page"
    description: str
    run: Callable[[Context, int], int]
    # Its own target where the issue sets one (the reports: under a second), else the
    # runner's.
    target_ms: int | None = None


REPORT_TARGET_MS = 1000


def _report(context: Context, **choice: str) -> int:
    from docket.reports.counting import Choice, Scope, build_table

    return build_table(Scope.of_reader(context.user), Choice.from_query(choice)).total


def _report_query(name: str, description: str, **choice: str) -> StandardQuery:
    """A standard report, timed against the reports' own target (under a second)."""
    return StandardQuery(
        name,
        "engine",
        f"Reports: {description}",
        lambda context, index: _report(context, **choice),
        target_ms=REPORT_TARGET_MS,
    )


def _pick(values: list[Any], index: int) -> Any:
    return values[index % len(values)]


def _events(context: Context, **filters: Any) -> int:
    page = EventSearch(context.user, EventFilters(**filters)).page()
    return page.total


def _get(context: Context, path: str, data: dict[str, Any] | None = None) -> int:
    response = context.client.get(path, data or {})
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    return len(response.content)


QUERIES: list[StandardQuery] = [
    StandardQuery(
        "name_variant_spelling",
        "engine",
        "A person by a Latin spelling other than the one recorded (Qolamreza Shakari for "
        "Gholamreza Shekari): name keys, persons only, ranked, 20 hits",
        lambda c, i: search(c.user, _pick(c.latin_names, i), ["person"], limit=20).total,
    ),
    StandardQuery(
        "name_persian_script",
        "engine",
        "The same in Persian script, which finds the Latin spellings too",
        lambda c, i: search(c.user, _pick(c.persian_names, i), ["person"], limit=20).total,
    ),
    StandardQuery(
        "fulltext_word",
        "engine",
        "A word of event descriptions (about one event in twelve has it): events, 20 hits",
        lambda c, i: search(c.user, _pick(c.words, i), ["event"], limit=20).total,
    ),
    StandardQuery(
        "search_every_kind",
        "engine",
        "A common word over persons, cases, events, sources and letters: five groups, "
        "five hits each, counts up to 1,000",
        lambda c, i: search(c.user, _pick(["detention", "deported", "family", "lawyer"], i)).total,
    ),
    StandardQuery(
        "facet_event_type",
        "engine",
        "Events list filtered by one event type (detention is 30% of events): total, every "
        "facet's counts, first page",
        lambda c, i: _events(c, types=[_pick(["detention", "transfer", "hearing"], i)]),
    ),
    StandardQuery(
        "facet_place",
        "engine",
        "Events at one of the busiest places",
        lambda c, i: _events(c, places=[_pick(c.places, i)]),
    ),
    StandardQuery(
        "facet_authority",
        "engine",
        "Events before one responsible authority",
        lambda c, i: _events(c, authorities=[_pick(c.authorities, i)]),
    ),
    StandardQuery(
        "facet_rights",
        "engine",
        "Events engaging one right (ICCPR 17, ECHR 5...): the rights rules turned into "
        "event types and facts",
        lambda c, i: _events(c, rights=[_pick(["ICCPR 17", "ECHR 5", "RC1951 33"], i)]),
    ),
    StandardQuery(
        "facet_case_status",
        "engine",
        "Events of cases with one status",
        lambda c, i: _events(c, statuses=[_pick(["open", "monitoring", "closed"], i)]),
    ),
    StandardQuery(
        "facet_confidentiality_team",
        "engine",
        "Events of restricted or secret cases of one team",
        lambda c, i: _events(c, levels=[_pick(["restricted", "secret"], i)], teams=[c.team]),
    ),
    StandardQuery(
        "date_range_years",
        "engine",
        "Events that started within whole years (2015 to 2017)",
        lambda c, i: _events(
            c, date_from=PartialDate(2012 + i % 6), date_to=PartialDate(2014 + i % 6)
        ),
    ),
    StandardQuery(
        "date_range_months",
        "engine",
        "Events that may have started within six months (2019-03 to 2019-08), partial dates "
        "included where they may fall",
        lambda c, i: _events(
            c,
            date_from=PartialDate(2016 + i % 6, 3),
            date_to=PartialDate(2016 + i % 6, 8),
        ),
    ),
    StandardQuery(
        "combined_filters",
        "engine",
        "Detentions at one busy place within three years",
        lambda c, i: _events(
            c,
            types=["detention"],
            places=[_pick(c.places, i)],
            date_from=PartialDate(2018),
            date_to=PartialDate(2020),
        ),
    ),
    StandardQuery(
        "words_and_facets",
        "engine",
        "A word of the descriptions with an event type",
        lambda c, i: _events(c, words=_pick(c.words, i), types=["detention"]),
    ),
    StandardQuery(
        "last_page",
        "engine",
        "The last page of every event, newest first (the oldest 25)",
        lambda c, i: _events(c, last=True, oldest_first=bool(i % 2)),
    ),
    StandardQuery(
        "last_page_filtered",
        "engine",
        "The last page of one event type",
        lambda c, i: _events(c, types=[_pick(["detention", "transfer"], i)], last=True),
    ),
    StandardQuery(
        "middle_page",
        "engine",
        "A page in the middle of every event, by its cursor",
        lambda c, i: _events(c, after=c.middle),
    ),
    StandardQuery(
        "case_page_200_events",
        "page",
        "A case's page with 200 events: timeline, figures, rights at stake",
        lambda c, i: _get(c, f"/cases/{_pick(c.big_cases, i)}/"),
    ),
    StandardQuery(
        "person_page",
        "page",
        "A person's page: names, cases, events, figures, relatives, sources",
        lambda c, i: _get(c, f"/people/{_pick(c.persons, i)}/"),
    ),
    StandardQuery(
        "overdue_letters",
        "page",
        "The overdue-letters page: every letter the reader may see, with its figures",
        lambda c, i: _get(c, "/letters/overdue/"),
    ),
    StandardQuery(
        "search_page",
        "page",
        "The search page for a name in a variant spelling: every kind, grouped, marked",
        lambda c, i: _get(c, "/search/", {"q": _pick(c.latin_names, i)}),
    ),
    StandardQuery(
        "events_page",
        "page",
        "The events list page filtered by type and place, with its facets",
        lambda c, i: _get(c, "/events/", {"type": "detention", "place": _pick(c.places, i)}),
    ),
    StandardQuery(
        "case_list_page",
        "page",
        "The case list filtered by status (counted and paged by the cases app)",
        lambda c, i: _get(c, "/cases/", {"status": _pick(["open", "monitoring"], i)}),
    ),
    _report_query(
        "report_events_by_month",
        "events by month of their earliest start, over what the reader may see",
        rows="period",
        period="month",
    ),
    _report_query(
        "report_type_by_year",
        "a cross-tab of event type by year, with its row and column totals",
        rows="type",
        columns="period",
        period="year",
    ),
    _report_query(
        "report_victims_by_place",
        "distinct victims by place (places folded as the events list groups them)",
        measure="victims",
        rows="place",
    ),
    _report_query(
        "report_events_by_right",
        "events by the rights at stake their type engages",
        rows="right",
    ),
    _report_query(
        "report_events_by_quarter",
        "events by quarter of their earliest start",
        rows="period",
        period="quarter",
    ),
    _report_query(
        "report_victims_by_month",
        "distinct victims by month (a victim once in each month, once in the total)",
        measure="victims",
        rows="period",
        period="month",
    ),
    _report_query(
        "report_victims_by_right",
        "distinct victims by the rights at stake in their events",
        measure="victims",
        rows="right",
    ),
    _report_query(
        "report_victims_by_age",
        "distinct victims by age band at the event's start",
        measure="victims",
        rows="age",
    ),
    _report_query(
        "report_events_by_sex",
        "events by their victims' sex (an event once per sex among its victims)",
        rows="sex",
    ),
    _report_query(
        "report_cases_by_type",
        "distinct cases by event type",
        measure="cases",
        rows="type",
    ),
    _report_query(
        "report_victims_place_by_sex",
        "a cross-tab of distinct victims, place by sex (its cells read the index's "
        "rows of victims)",
        measure="victims",
        rows="place",
        columns="sex",
    ),
    _report_query(
        "report_victims_right_by_month",
        "a cross-tab of distinct victims, rights at stake by month (the rights' own "
        "cells: an event engages several rights)",
        measure="victims",
        rows="right",
        columns="period",
        period="month",
    ),
    StandardQuery(
        "report_page",
        "page",
        "The reports page: events by authority, its chart and table (durations not asked)",
        lambda c, i: _get(c, "/reports/", {"rows": "authority"}),
        target_ms=REPORT_TARGET_MS,
    ),
]
