"""The events list: filters, counts per facet value, and keyset pages, at a million events.

Filters: event type, rights at stake, place, responsible authority, date range,
case status, confidentiality, owning team, and words. Every count is of the
events the reader may see (`audiences_of`), and each facet counts as if its own
filter were not set, so its other values show what choosing them would give.

Where the counts come from:

- no filter, or filters on one facet only (several values of it, a whole-year
  date range, and confidentiality and team, which are part of the audience):
  sums of `FacetCount` rows, a few thousand at most;
- anything else (two facets, a date range within a year, words): grouped
  queries over `EventFacet`, whose cost follows how many events match.

Pages are keyset pages over (start_key, event_id): the next page starts after
the last row shown, so the last page of a million events costs what the first
does.

Dates: a filter from A to B keeps events whose start may fall between them: an
event dated "2019" is in "2019-03 to 2019-05", as it may have happened then,
and also in "2019-06 to 2019-12". An event without a start is in no date range.
With `dates=earliest` it keeps only those whose start's earliest possible day
falls between them, so each event is in exactly one month: the rule of the
reports' periods (docket.reports), whose numbers link here.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import Team
from docket.accounts.permissions import Confidentiality
from docket.lib.dates import parse_entry
from docket.lib.partialdate import PartialDate
from docket.lib.records import MAX_ID
from docket.search.documents import (
    AUTHORITY,
    CASE,
    DIMENSIONS,
    EVENT,
    FACTS,
    PLACE,
    STATUS,
    UNDATED,
    YEAR,
)
from docket.search.engine import Query, audiences_of, matching_ids
from docket.search.models import Audience, EventFacet, FacetTerm, SearchEntry

PAGE_SIZE = 25
# A facet lists its most frequent values, and every chosen one.
SHOWN_VALUES = 12
# Below this many matching events, SQLite reads them through the filter's own index
# and sorts them; above it, it walks the date index and skips those that do not match.
SORT_BELOW = 20_000
# An open date range ("from 2015") as whole years reaches this far.
FIRST_YEAR, LAST_YEAR = 1800, 2200

_COLUMN = {FACTS: "facts", PLACE: "place", AUTHORITY: "authority", YEAR: "year", STATUS: "status"}


def _marks(values: list[Any]) -> str:
    """Placeholders for the values of an IN list."""
    return ", ".join(["%s"] * len(values))


def _ints(values: Iterable[str], *, low: int = 0) -> list[int]:
    return sorted(
        {
            int(value)
            for value in values
            if value.isascii() and value.isdigit() and low <= int(value) <= MAX_ID
        }
    )


def _partial(text: str | None) -> PartialDate | None:
    """A date bound as typed (either calendar); None for a bad one, which the page reports
    (`date_problems`)."""
    try:
        return parse_entry(text) if text and text.strip() else None
    except ValidationError:
        return None


def date_problems(data: QueryDict) -> dict[str, str]:
    """What is wrong with each date bound typed ("from", "to"), so a page can say it
    rather than drop the bound silently."""
    problems: dict[str, str] = {}
    for name in ("from", "to"):
        text = data.get(name) or ""
        if text.strip():
            try:
                parse_entry(text)
            except ValidationError as error:
                problems[name] = error.messages[0]
    return problems


@dataclass(frozen=True)
class Cursor:
    start_key: date
    event_id: int

    def encode(self) -> str:
        return f"{self.start_key.isoformat()}_{self.event_id}"

    @classmethod
    def decode(cls, text: str | None) -> "Cursor | None":
        if not text or "_" not in text:
            return None
        day, _sep, number = text.partition("_")
        try:
            return cls(date.fromisoformat(day), _ints([number])[0])
        except (ValueError, IndexError):
            return None


@dataclass
class EventFilters:
    """What the reader asked for, checked: unknown values are dropped, never an error."""

    words: str = ""
    types: list[str] = field(default_factory=list)
    rights: list[str] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    authorities: list[int] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    levels: list[str] = field(default_factory=list)
    teams: list[int] = field(default_factory=list)  # 0: records without a team
    date_from: PartialDate | None = None
    date_to: PartialDate | None = None
    # The range holds the start's earliest possible day (the reports' periods), rather
    # than any day the start may mean.
    earliest: bool = False
    oldest_first: bool = False
    after: Cursor | None = None
    before: Cursor | None = None
    last: bool = False

    @classmethod
    def from_query(cls, data: QueryDict) -> "EventFilters":
        get, one = data.getlist, data.get
        levels = {value for value, _label in Confidentiality.choices}
        return cls(
            words=str(one("q") or "")[:200],
            types=sorted({str(value)[:40] for value in get("type")}),
            rights=sorted({str(value)[:40] for value in get("right")}),
            places=_ints(get("place"), low=1),
            authorities=_ints(get("authority")),
            statuses=sorted({str(value)[:20] for value in get("status")}),
            levels=sorted(value for value in set(get("confidentiality")) if value in levels),
            teams=_ints(get("team")),
            date_from=_partial(one("from")),
            date_to=_partial(one("to")),
            earliest=one("dates") == "earliest",
            oldest_first=one("sort") == "oldest",
            after=Cursor.decode(one("after")),
            before=Cursor.decode(one("before")),
            last=one("last") == "1",
        )

    def whole_years(self) -> list[int] | None:
        """The years of a date range made of whole years ("2015" to "2018"), else None."""
        if self.date_from is None and self.date_to is None:
            return None
        start, end = self.date_from, self.date_to
        if start is not None and start.month is not None:
            return None
        if end is not None and end.month is not None:
            return None
        first = start.year if start is not None else FIRST_YEAR
        last = end.year if end is not None else LAST_YEAR
        return list(range(first, last + 1)) if FIRST_YEAR <= first <= last <= LAST_YEAR else None


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    chosen: bool


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue]
    hidden: int = 0  # values with events that are not listed


@dataclass
class EventPage:
    total: int
    facets: list[Facet]
    events: list[Any]
    next_cursor: Cursor | None
    previous_cursor: Cursor | None
    counted_by: str  # "index" or "scan", shown to nobody; the benchmark reports it


class Vocabulary:
    """The facts terms, rules and labels the filters translate to and from."""

    def __init__(self) -> None:
        from docket.cases.models import EventType
        from docket.law.rights import articles_engaged, load_rules

        self.types = {
            event_type.pk: event_type
            for event_type in EventType.objects.order_by("position", "code")
        }
        self.type_ids = {event_type.code: pk for pk, event_type in self.types.items()}
        rules = load_rules()
        # facts term id → (type id, the articles its events engage)
        self.facts: dict[int, tuple[int, list[str]]] = {}
        self.articles: dict[str, str] = {}
        for pk, key in FacetTerm.objects.filter(dimension="facts").values_list("pk", "key"):
            type_text, charged_text, document = key.split("|", 2)
            event = SimpleNamespace(
                type_id=int(type_text),
                charged=None if charged_text == "" else charged_text == "1",
                document=document,
            )
            engaged = articles_engaged([event], rules)
            self.facts[pk] = (event.type_id, [article.reference for article in engaged])
            for article in engaged:
                self.articles[article.reference] = article.title  # English: shown through gettext

    def facts_allowed(self, types: list[str], rights: list[str]) -> set[int] | None:
        """The facts terms the type and rights filters leave, None when neither is set."""
        if not types and not rights:
            return None
        wanted_types = {self.type_ids[code] for code in types if code in self.type_ids}
        allowed = set()
        for pk, (type_id, articles) in self.facts.items():
            if types and type_id not in wanted_types:
                continue
            if rights and not set(rights) & set(articles):
                continue
            allowed.add(pk)
        return allowed


def _tally(
    statement: str, parameters: list[Any], dimensions: Iterable[int]
) -> tuple[dict[int, Counter[int]], Counter[int]]:
    """Run a statement of (dimension, value, count) rows, dimension 0 counting by audience:
    counts by dimension and value, and counts by audience."""
    by_dimension: dict[int, Counter[int]] = {dimension: Counter() for dimension in dimensions}
    by_audience: Counter[int] = Counter()
    if statement:
        with connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            for dimension, value, count in cursor.fetchall():
                if dimension == 0:
                    by_audience[int(value)] += int(count)
                else:
                    by_dimension[int(dimension)][int(value)] += int(count)
    return by_dimension, by_audience


class EventSearch:
    """One request's view of the events list for one reader."""

    def __init__(self, user: Any, filters: EventFilters) -> None:
        self.user = user
        self.filters = filters
        self.vocabulary = Vocabulary()
        self.audiences: dict[int, tuple[str, int]] = {
            pk: (level, team or 0)
            for pk, level, team in Audience.objects.filter(pk__in=audiences_of(user)).values_list(
                "pk", "confidentiality", "team_id"
            )
        }
        self.facts_allowed = self.vocabulary.facts_allowed(filters.types, filters.rights)
        self.dimension_filters: dict[int, list[int]] = {}
        if self.facts_allowed is not None:
            self.dimension_filters[FACTS] = sorted(self.facts_allowed) or [-1]
        if filters.places:
            self.dimension_filters[PLACE] = filters.places
        if filters.authorities:
            self.dimension_filters[AUTHORITY] = filters.authorities
        if filters.statuses:
            statuses = list(
                FacetTerm.objects.filter(dimension="status", key__in=filters.statuses).values_list(
                    "pk", flat=True
                )
            )
            self.dimension_filters[STATUS] = statuses or [-1]
        years = filters.whole_years()
        if years is not None:
            self.dimension_filters[YEAR] = years
        self.date_range = years is None and (
            filters.date_from is not None or filters.date_to is not None
        )
        self.query = Query.parse(filters.words)

    # Audiences

    def _audiences(self, *, level: bool = True, team: bool = True) -> list[int]:
        levels, teams = set(self.filters.levels), set(self.filters.teams)
        return sorted(
            pk
            for pk, (audience_level, audience_team) in self.audiences.items()
            if (not level or not levels or audience_level in levels)
            and (not team or not teams or audience_team in teams)
        )

    # SQL over EventFacet

    def _where(
        self,
        *,
        without: int | None = None,
        audiences: list[int] | None = None,
        dates: bool = True,
    ) -> tuple[list[str], list[Any]]:
        """Conditions for the events matching every filter but the dimension `without`
        (and the date range, unless `dates`), among `audiences` (by default the reader's,
        narrowed by the level and team filters)."""
        audiences = self._audiences() if audiences is None else audiences
        clauses = [f"audience_id IN ({_marks(audiences)})" if audiences else "1 = 0"]
        parameters: list[Any] = list(audiences)
        for dimension, values in self.dimension_filters.items():
            if dimension == without:
                continue
            column = _COLUMN[dimension]
            if dimension == YEAR:
                # Whole years, always a run: the start's earliest day within them, a range
                # of the date index.
                clauses.append("start_key BETWEEN %s AND %s")
                parameters += [date(values[0], 1, 1), date(values[-1], 12, 31)]
            else:
                clauses.append(f"{column} IN ({_marks(values)})")
                parameters += values
        if self.date_range and dates:
            date_clauses, date_parameters = self._date_condition()
            clauses += date_clauses
            parameters += date_parameters
        if self.query:
            sql, extra = matching_ids(self.query, EVENT)
            clauses.append(f"event_id IN ({sql})")
            parameters += extra
        return clauses, parameters

    def _date_condition(self) -> tuple[list[str], list[Any]]:
        """The start may fall within the range: its earliest day is not after the range's
        end, its latest not before the range's start. That is, its earliest day is in the
        range, or the start is known only to the year or the month the range begins in:
        one range of the date index, from the earliest such day, and a check of each."""
        end = self.filters.date_to.latest() if self.filters.date_to is not None else date.max
        if self.filters.date_from is None:
            return ["start_key > %s AND start_key <= %s"], [UNDATED, end]
        begin = self.filters.date_from.earliest()
        if self.filters.earliest:
            return ["start_key BETWEEN %s AND %s"], [begin, end]
        straddling = sorted({date(begin.year, 1, 1), date(begin.year, begin.month, 1)} - {begin})
        if not straddling:
            return ["start_key BETWEEN %s AND %s"], [begin, end]
        return (
            [
                "start_key BETWEEN %s AND %s",
                f"(start_key >= %s OR (start_key IN ({_marks(straddling)}) "
                "AND start_latest >= %s))",
            ],
            [straddling[0], end, begin, *straddling, begin],
        )

    # Counting

    def _cube_filter(self, facet: int | None) -> tuple[int, list[int]] | None:
        """The one dimension filter that applies to a facet's counts, as (dimension,
        values), or (0, [0]) for none; None when the counts cannot come from FacetCount
        (words, a date range within a year, or filters on two dimensions or more)."""
        if self.query or (self.date_range and facet != YEAR):
            return None
        others = [
            (dimension, values)
            for dimension, values in self.dimension_filters.items()
            if dimension != facet
        ]
        if len(others) > 1:
            return None
        return others[0] if others else (0, [0])

    def counts(self) -> tuple[int, dict[int, Counter[int]], Counter[int], str]:
        """(total, counts by dimension and value, counts by audience, how counted).

        Each dimension's counts leave out its own filter (the year's, the date range);
        audience counts apply every filter but level and team, which `_facets` applies
        to each of the two facets as their own filters allow."""
        if self.query:
            return (*self._counts_of_matches(), "scan")
        wanted: dict[int | None, tuple[int, list[int]] | None] = {
            facet: self._cube_filter(facet) for facet in (*DIMENSIONS, None)
        }
        from_cube = self._cube_blocks(
            {(block[0], tuple(block[1])) for block in wanted.values() if block is not None}
        )
        by_dimension: dict[int, Counter[int]] = {}
        # Facets whose counts need the events themselves, by the filters that apply to them:
        # one grouped pass over the matching events for each set of filters.
        passes: dict[tuple[int | None, bool], list[int | None]] = defaultdict(list)
        for facet in (*DIMENSIONS, None):
            block = wanted[facet]
            if block is None:
                own = facet if facet in self.dimension_filters else None
                passes[(own, facet != YEAR)].append(facet)
            elif facet is not None:
                by_dimension[facet] = from_cube[(block[0], tuple(block[1]))][0][facet]
        total, by_audience = 0, Counter[int]()
        overall = wanted[None]
        if overall is not None:
            key = (overall[0], tuple(overall[1]))
            total, by_audience = from_cube[key][1], from_cube[key][2]
        for (without, dates), facets in passes.items():
            counted = self._pass(without, dates, facets)
            for facet in facets:
                if facet is None:
                    total, by_audience = counted[0], counted[2]
                else:
                    by_dimension[facet] = counted[1][facet]
        return total, by_dimension, by_audience, "scan" if passes else "index"

    def _pass(
        self, without: int | None, dates: bool, facets: list[int | None]
    ) -> tuple[int, dict[int, Counter[int]], Counter[int]]:
        """Counts for `facets` (None: the total and the audiences) over the events matching
        every filter but `without` (and the dates, unless `dates`): one grouped query for
        each, in one statement; each reads a range of a covering index."""
        dimensions = [facet for facet in facets if facet is not None]
        chosen = self._audiences()
        everyone = sorted(self.audiences)
        branches: list[str] = []
        parameters: list[Any] = []
        for dimension in dimensions:
            if not chosen:
                continue
            clauses, values = self._where(without=without, dates=dates, audiences=chosen)
            column = _COLUMN[dimension]
            branches.append(
                f"SELECT {dimension}, {column}, COUNT(*) FROM search_eventfacet "  # noqa: S608  # nosec B608
                f"WHERE {' AND '.join(clauses)} GROUP BY {column}"
            )
            parameters += values
        if None in facets:
            clauses, values = self._where(without=without, dates=dates, audiences=everyone)
            branches.append(
                "SELECT 0, audience_id, COUNT(*) FROM search_eventfacet "  # noqa: S608  # nosec B608
                f"WHERE {' AND '.join(clauses)} GROUP BY audience_id"
            )
            parameters += values
        by_dimension, by_audience = _tally(" UNION ALL ".join(branches), parameters, dimensions)
        total = sum(count for pk, count in by_audience.items() if pk in set(chosen))
        return total, by_dimension, by_audience

    def _cube_blocks(
        self, blocks: set[tuple[int, tuple[int, ...]]]
    ) -> dict[tuple[int, tuple[int, ...]], tuple[dict[int, Counter[int]], int, Counter[int]]]:
        """For each (dimension, values) filter: counts by dimension and value, the total,
        and the total by audience, summed from FacetCount."""
        found: dict[
            tuple[int, tuple[int, ...]], tuple[dict[int, Counter[int]], int, Counter[int]]
        ] = {}
        if not blocks:
            return found
        chosen = set(self._audiences())
        everyone = sorted(self.audiences)
        conditions, parameters = [], []
        for dimension, values in sorted(blocks):
            conditions.append(
                f"(filter_dimension = %s AND filter_value IN ({_marks(list(values))}))"
            )
            parameters += [dimension, *values]
        if not everyone:
            return {block: (defaultdict(Counter), 0, Counter()) for block in blocks}
        where = " OR ".join(conditions)
        with connection.cursor() as cursor:
            # Counts by value: summed over the audiences the filters leave, in the database.
            values_rows: list[Any] = []
            if chosen:
                cursor.execute(
                    "SELECT filter_dimension, filter_value, dimension, value, "  # noqa: S608  # nosec B608
                    "SUM(count) FROM search_facetcount "
                    f"WHERE audience_id IN ({_marks(sorted(chosen))}) "
                    f"AND dimension <> 0 AND ({where}) "
                    "GROUP BY filter_dimension, filter_value, dimension, value",
                    [*sorted(chosen), *parameters],
                )
                values_rows = cursor.fetchall()
            # Totals by audience, for the level and team facets.
            cursor.execute(
                "SELECT filter_dimension, filter_value, audience_id, SUM(count) "  # noqa: S608  # nosec B608
                f"FROM search_facetcount WHERE audience_id IN ({_marks(everyone)}) "
                f"AND dimension = 0 AND ({where}) "
                "GROUP BY filter_dimension, filter_value, audience_id",
                [*everyone, *parameters],
            )
            audience_rows = cursor.fetchall()
        for dimension, values in blocks:
            wanted_values = set(values)
            by_dimension: dict[int, Counter[int]] = defaultdict(Counter)
            by_audience: Counter[int] = Counter()
            for filter_dimension, filter_value, counted, value, count in values_rows:
                if filter_dimension == dimension and filter_value in wanted_values:
                    by_dimension[int(counted)][int(value)] += int(count)
            for filter_dimension, filter_value, audience, count in audience_rows:
                if filter_dimension == dimension and filter_value in wanted_values:
                    by_audience[int(audience)] += int(count)
            total = sum(count for pk, count in by_audience.items() if pk in chosen)
            found[(dimension, values)] = (by_dimension, total, by_audience)
        return found

    def _counts_of_matches(self) -> tuple[int, dict[int, Counter[int]], Counter[int]]:
        """With words: the matching events are read once (through the full-text index)
        into a temporary table, and every count is a grouped query over it, each with
        every filter but its facet's own."""
        sql, match_parameters = matching_ids(self.query, EVENT)
        everyone = sorted(self.audiences)
        if not everyone:
            return 0, {dimension: Counter() for dimension in DIMENSIONS}, Counter()
        date_clauses, date_parameters = (
            self._date_condition() if self.date_range else (["1 = 1"], [])
        )
        chosen = self._audiences()

        def conditions(without: int | None, *, dates: bool) -> tuple[str, list[Any]]:
            clauses = ["1 = 1"]
            values: list[Any] = []
            for dimension, wanted in self.dimension_filters.items():
                if dimension != without:
                    clauses.append(f"{_COLUMN[dimension]} IN ({_marks(wanted)})")
                    values += wanted
            if dates:
                clauses.append("dated = 1")
            return " AND ".join(clauses), values

        branches: list[str] = []
        parameters: list[Any] = [*date_parameters, *everyone, *match_parameters]
        if chosen:
            for dimension in DIMENSIONS:
                where, values = conditions(dimension, dates=dimension != YEAR)
                column = _COLUMN[dimension]
                branches.append(
                    f"SELECT {dimension}, {column}, COUNT(*) FROM matched "  # noqa: S608  # nosec B608
                    f"WHERE audience_id IN ({_marks(chosen)}) AND {where} GROUP BY {column}"
                )
                parameters += [*chosen, *values]
        where, values = conditions(None, dates=True)
        branches.append(
            "SELECT 0, audience_id, COUNT(*) FROM matched "  # noqa: S608  # nosec B608
            f"WHERE {where} GROUP BY audience_id"
        )
        parameters += values
        statement = (
            "WITH matched AS MATERIALIZED (SELECT audience_id, facts, place, authority, "  # noqa: S608  # nosec B608
            f"year, status, CASE WHEN {' AND '.join(date_clauses)} THEN 1 ELSE 0 END AS dated "
            f"FROM search_eventfacet WHERE audience_id IN ({_marks(everyone)}) "
            f"AND event_id IN ({sql})) " + " UNION ALL ".join(branches)
        )
        by_dimension, by_audience = _tally(statement, parameters, DIMENSIONS)
        total = sum(count for pk, count in by_audience.items() if pk in set(chosen))
        return total, by_dimension, by_audience

    # The page

    def page(self) -> EventPage:
        total, by_dimension, by_audience, counted_by = self.counts()
        rows = self._rows(total)
        from docket.cases.models import Event

        events_by_id = {
            event.pk: event
            for event in Event.objects.visible_to(self.user)
            .filter(pk__in=[event_id for event_id, _key in rows])
            .select_related("type", "case", "authority")
        }
        events = [events_by_id[event_id] for event_id, _key in rows if event_id in events_by_id]
        return EventPage(
            total=total,
            facets=self._facets(by_dimension, by_audience),
            events=events,
            next_cursor=self._next,
            previous_cursor=self._previous,
            counted_by=counted_by,
        )

    _next: Cursor | None = None
    _previous: Cursor | None = None

    def _rows(self, total: int) -> list[tuple[int, date]]:
        """One page of (event id, start key), and the cursors around it."""
        filters = self.filters
        clauses, parameters = self._where()
        newest = not filters.oldest_first
        backwards = filters.before is not None or filters.last
        cursor = filters.before if filters.before is not None else filters.after
        if filters.last:
            cursor = None
        if cursor is not None:
            # Rows after the cursor in the order being read.
            comparison = ">" if newest == backwards else "<"
            clauses.append(
                f"(start_key {comparison} %s OR (start_key = %s AND event_id {comparison} %s))"
            )
            parameters += [cursor.start_key, cursor.start_key, cursor.event_id]
            bound = "<=" if comparison == "<" else ">="
            clauses.append(f"start_key {bound} %s")
            parameters.append(cursor.start_key)
        descending = newest != backwards
        direction = "DESC" if descending else "ASC"
        table = "search_eventfacet"
        if connection.vendor == "sqlite" and total >= SORT_BELOW:
            # Many match: walking the date index finds a page at once, where SQLite
            # would rather read a filter's index and sort every match.
            table += " INDEXED BY search_facet_start"
        sql = (
            f"SELECT event_id, start_key FROM {table} "  # noqa: S608 - our own columns  # nosec B608
            f"WHERE {' AND '.join(clauses)} "
            f"ORDER BY start_key {direction}, event_id {direction} LIMIT %s"
        )
        with connection.cursor() as db:
            db.execute(sql, [*parameters, PAGE_SIZE + 1])
            found = [(int(event_id), _as_date(key)) for event_id, key in db.fetchall()]
        more = len(found) > PAGE_SIZE
        found = found[:PAGE_SIZE]
        if backwards:
            found.reverse()
        if found:
            first, last = Cursor(found[0][1], found[0][0]), Cursor(found[-1][1], found[-1][0])
            if backwards:
                self._previous = first if more else None
                self._next = last if not filters.last else None
            else:
                self._previous = first if cursor is not None else None
                self._next = last if more else None
        return found

    # Facets as the page shows them

    def _places_seen(self, places: list[int]) -> set[int]:
        """Those of `places` that some event the reader may see took place in."""
        if not places or not self.audiences:
            return set()
        return set(
            EventFacet.objects.filter(audience_id__in=sorted(self.audiences), place__in=places)
            .values_list("place", flat=True)
            .distinct()
        )

    def _facets(
        self, by_dimension: Mapping[int, Counter[int]], by_audience: Counter[int]
    ) -> list[Facet]:
        filters = self.filters
        vocabulary = self.vocabulary
        facts = by_dimension.get(FACTS, Counter())
        types: Counter[str] = Counter()
        rights: Counter[str] = Counter()
        type_allowed = self.vocabulary.facts_allowed([], filters.rights)
        rights_allowed = self.vocabulary.facts_allowed(filters.types, [])
        for pk, count in facts.items():
            type_id, articles = vocabulary.facts.get(pk, (0, []))
            event_type = vocabulary.types.get(type_id)
            if event_type is not None and (type_allowed is None or pk in type_allowed):
                types[event_type.code] += count
            if rights_allowed is None or pk in rights_allowed:
                for reference in articles:
                    rights[reference] += count
        type_labels = {
            event_type.code: event_type.shown for event_type in vocabulary.types.values()
        }
        # A label is a disclosure like any other: only of values the reader's events have
        # (a place known only from another team's secret event is no such place to them).
        counted_places = [pk for pk, count in by_dimension.get(PLACE, {}).items() if count > 0]
        place_labels = dict(
            FacetTerm.objects.filter(
                pk__in=[*counted_places, *self._places_seen(filters.places)]
            ).values_list("pk", "label")
        )
        from docket.cases.models import Authority, CaseStatus

        authority_labels = dict(
            Authority.objects.visible_to(self.user)
            .filter(pk__in=[*by_dimension.get(AUTHORITY, {}), *filters.authorities])
            .values_list("pk", "name")
        )
        status_terms = dict(FacetTerm.objects.filter(dimension="status").values_list("pk", "key"))
        statuses: Counter[str] = Counter()
        for pk, count in by_dimension.get(STATUS, Counter()).items():
            statuses[status_terms.get(pk, "")] += count
        status_labels = {value: str(label) for value, label in CaseStatus.choices}
        levels: Counter[str] = Counter()
        teams: Counter[int] = Counter()
        chosen_levels, chosen_teams = set(filters.levels), set(filters.teams)
        for pk, count in by_audience.items():
            if pk not in self.audiences:
                continue
            level, team = self.audiences[pk]
            if not chosen_teams or team in chosen_teams:
                levels[level] += count
            if not chosen_levels or level in chosen_levels:
                teams[team] += count
        team_labels = {0: str(_("No team"))} | dict(
            Team.objects.filter(pk__in=list(teams)).values_list("pk", "name")
        )
        years = by_dimension.get(YEAR, Counter())
        chosen_years = set(self.dimension_filters.get(YEAR, [])) if not self.date_range else set()
        return [
            _facet("type", _("Event type"), types, type_labels, filters.types, keep_order=True),
            _facet(
                "right",
                _("Rights at stake"),
                rights,
                {
                    reference: f"{reference}: {gettext(title)}"
                    for reference, title in vocabulary.articles.items()
                },
                filters.rights,
                limit=len(vocabulary.articles),
            ),
            _facet(
                "place",
                _("Place"),
                _text_keys(by_dimension.get(PLACE)),
                _text_keys(place_labels),
                [str(pk) for pk in filters.places],
            ),
            _facet(
                "authority",
                _("Responsible authority"),
                _text_keys(by_dimension.get(AUTHORITY)),
                _text_keys(authority_labels) | {"0": str(_("None recorded"))},
                [str(pk) for pk in filters.authorities],
            ),
            _facet(
                "year",
                _("Year"),
                _text_keys(years),
                {str(year): str(year) if year else str(_("Date unknown")) for year in years},
                [str(year) for year in chosen_years],
                by_value=True,
            ),
            _facet(
                "status",
                _("Case status"),
                statuses,
                status_labels,
                filters.statuses,
                keep_order=True,
            ),
            _facet(
                "confidentiality",
                _("Confidentiality"),
                levels,
                {value: str(label) for value, label in Confidentiality.choices},
                filters.levels,
                keep_order=True,
            ),
            _facet(
                "team",
                _("Team"),
                _text_keys(teams),
                _text_keys(team_labels),
                [str(team) for team in filters.teams],
            ),
        ]


def _text_keys(counts: Mapping[int, Any] | None) -> dict[str, Any]:
    return {str(key): value for key, value in (counts or {}).items()}


def _facet(
    name: str,
    label: Any,
    counts: Mapping[str, int],
    labels: Mapping[str, str],
    chosen: list[str],
    *,
    keep_order: bool = False,
    by_value: bool = False,
    limit: int = SHOWN_VALUES,
) -> Facet:
    chosen_set = set(chosen)
    present = [value for value, count in counts.items() if count > 0 and value in labels]
    if keep_order:
        order = {value: index for index, value in enumerate(labels)}
        present.sort(key=lambda value: order.get(value, len(order)))
    elif by_value:
        present.sort(key=lambda value: -int(value) if value.lstrip("-").isdigit() else 0)
    else:
        present.sort(key=lambda value: (-counts[value], str(labels.get(value, value))))
    shown = present if by_value or keep_order else present[:limit]
    shown += [
        value for value in present[SHOWN_VALUES:] if value in chosen_set and value not in shown
    ]
    shown += [value for value in chosen if value not in shown and value in labels]
    return Facet(
        name=name,
        label=str(label),
        values=[
            FacetValue(
                value, str(labels.get(value, value)), counts.get(value, 0), value in chosen_set
            )
            for value in shown
        ],
        hidden=len([value for value in present if value not in shown]),
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def case_facets(user: Any, form: Any) -> list[Facet]:
    """Counts by status, confidentiality and team for the case list, of the cases `user`
    may see that its other filters keep: one grouped query."""
    from django.db.models import Count

    from docket.cases.models import Case, CaseStatus

    values = form.cleaned_data if form.is_bound and form.is_valid() else {}
    status, level = values.get("status") or "", values.get("confidentiality") or ""
    rows: Iterable[dict[str, Any]]
    if values.get("title"):
        cases = Case.objects.visible_to(user).filter(title__icontains=values["title"])
        rows = cases.order_by().values("status", "confidentiality", "team_id")
        rows = rows.annotate(count=Count("*"))
    else:
        # Without words, from the index: its cases' audiences and statuses, index-only.
        audiences = {
            pk: (audience_level, team)
            for pk, audience_level, team in Audience.objects.filter(
                pk__in=audiences_of(user)
            ).values_list("pk", "confidentiality", "team_id")
        }
        rows = [
            {
                "status": row["status"],
                "confidentiality": audiences[row["audience_id"]][0],
                "team_id": audiences[row["audience_id"]][1],
                "count": row["count"],
            }
            for row in SearchEntry.objects.filter(kind=CASE, audience_id__in=list(audiences))
            .order_by()
            .values("audience_id", "status")
            .annotate(count=Count("*"))
        ]
    statuses: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    teams: Counter[str] = Counter()
    for row in rows:
        if not level or row["confidentiality"] == level:
            statuses[row["status"]] += row["count"]
        if not status or row["status"] == status:
            levels[row["confidentiality"]] += row["count"]
        if (not level or row["confidentiality"] == level) and (
            not status or row["status"] == status
        ):
            teams[str(row["team_id"] or 0)] += row["count"]
    team_labels = {"0": str(_("No team"))} | {
        str(pk): name
        for pk, name in Team.objects.filter(pk__in=[int(key) for key in teams]).values_list(
            "pk", "name"
        )
    }
    return [
        _facet(
            "status",
            _("Status"),
            statuses,
            {value: str(label) for value, label in CaseStatus.choices},
            [status] if status else [],
            keep_order=True,
        ),
        _facet(
            "confidentiality",
            _("Confidentiality"),
            levels,
            {value: str(label) for value, label in Confidentiality.choices},
            [level] if level else [],
            keep_order=True,
        ),
        _facet("team", _("Team"), teams, team_labels, []),
    ]
