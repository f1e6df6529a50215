"""Counts of events, victims and cases by one or two dimensions, for one reader.

Every count is taken over a `Scope`: the events and persons a reader may see
(`Event.objects.visible_to`, `Person.objects.visible_to`: the read door), or,
for a published report, the events of public living cases and the public
persons only. Nothing else is ever counted.

- **Events**: each event counts once in each row it falls in (an event that
  engages two rights counts under both; a row total counts it once).
- **Victims**: distinct persons involved as victims in those events (a
  person's own record must be one the reader may see too).
- **Cases**: distinct cases of those events.

Periods count an event in the month, quarter or year of its start's earliest
possible day (an event dated only "2019" counts in January 2019), the rule the
events list applies with `dates=earliest`, so every number links to the list
of the events behind it. Sex and age band are the victims' (age at the event's
start, from the earliest possible birth day); with them, an event counts once
per value among its victims.

Totals are distinct counts too, never sums of rows.

Counts by one dimension (or none: the totals) read the search app's index, over
the audiences the reader may see (`audiences_of`, the same permission rule as
`Event.objects.visible_to` and `Person.objects.visible_to`):

- events by their own values: the facet index's counts (`FacetCount`), or one
  grouped query over `EventFacet` (one row per living event of a living case);
- victims, cases, events by month and quarter, and events by their victims' sex
  and age band: the index's distinct counts (`docket.search.tallies`), kept per set
  of (event audience, person audience) pairs so that a thing seen through several
  is counted once, and a victim only by a reader who may see the person too.

A cross-tab of the rights at stake with another dimension reads the index's distinct
counts of that pair. Other cross-tabs' cells (two dimensions) that the facet counts do
not hold are one grouped query over the index's rows (`EventVictim` or `EventFacet`)
the reader may see: its cost follows those rows.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncQuarter, TruncYear
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from docket.accounts.permissions import Confidentiality, visibility_q
from docket.cases.models import Authority, CaseStatus, Event, EventType, Involvement
from docket.law.rights import articles_engaged, load_rules
from docket.lib.names import fold
from docket.people.models import Person, Sex
from docket.search import tallies
from docket.search.documents import UNDATED
from docket.search.tallies import AGE_BANDS, age_band_index

VICTIM = "victim"
UNKNOWN = ""

MEASURES: dict[str, Promise] = {
    "events": _("Events"),
    "victims": _("Victims"),
    "cases": _("Cases"),
}
PERIODS: dict[str, Promise] = {"month": _("Month"), "quarter": _("Quarter"), "year": _("Year")}
DIMENSIONS: dict[str, Promise] = {
    "period": _("Period"),
    "type": _("Event type"),
    "right": _("Rights at stake"),
    "place": _("Place"),
    "authority": _("Responsible authority"),
    "status": _("Case status"),
    "sex": _("Sex"),
    "age": _("Age band"),
}
# Dimensions that are the victims' own: counting by them reads involvements.
PERSON_DIMENSIONS = {"sex", "age"}


@dataclass(frozen=True)
class Scope:
    """The events and persons a report may count.

    `persons` is the same rule as the persons' queryset, as a filter on an
    involvement's person: joined, not a list of every person visible (SQLite would
    otherwise try each visible event with each visible person).
    """

    events: QuerySet[Event]
    persons: QuerySet[Person]
    person_q: Q
    user: Any = None  # None: the public
    published: bool = False  # the public page: public records only

    def audiences(self) -> list[int]:
        """The facet index's audiences the scope counts: the reader's (the permission rule
        on the small table of (level, team) pairs), or the public level of any team."""
        from docket.search.engine import audiences_of
        from docket.search.models import Audience

        if self.published:
            return list(
                Audience.objects.filter(confidentiality=Confidentiality.PUBLIC).values_list(
                    "pk", flat=True
                )
            )
        return audiences_of(self.user)

    @classmethod
    def of_reader(cls, user: Any) -> "Scope":
        return cls(
            Event.objects.visible_to(user),
            Person.objects.visible_to(user),
            Q(person__deleted_at__isnull=True) & visibility_q(user, "person__"),
            user,
        )

    @classmethod
    def public(cls) -> "Scope":
        """What publication allows: events of public living cases, public persons."""
        return cls(
            Event.objects.alive().filter(
                case__confidentiality=Confidentiality.PUBLIC, case__deleted_at__isnull=True
            ),
            Person.objects.alive().filter(confidentiality=Confidentiality.PUBLIC),
            Q(person__deleted_at__isnull=True, person__confidentiality=Confidentiality.PUBLIC),
            None,
            published=True,
        )

    def victims(self) -> QuerySet[Involvement]:
        """The involvements of victims the scope may count: of its events, of its persons."""
        return Involvement.objects.filter(self.person_q, event__in=self.events, role__code=VICTIM)


@dataclass
class Choice:
    """What a report counts: a measure, a row dimension, maybe a column dimension."""

    measure: str = "events"
    rows: str = "period"
    columns: str = ""
    period: str = "year"

    @classmethod
    def from_query(cls, data: Mapping[str, Any]) -> "Choice":
        def pick(name: str, allowed: Iterable[str], default: str) -> str:
            value = str(data.get(name) or "")
            return value if value in allowed else default

        rows = pick("rows", DIMENSIONS, "period")
        columns = pick("columns", ["", *DIMENSIONS], "")
        return cls(
            measure=pick("measure", MEASURES, "events"),
            rows=rows,
            columns="" if columns == rows else columns,
            period=pick("period", PERIODS, "year"),
        )

    def query(self) -> dict[str, str]:
        values = {"measure": self.measure, "rows": self.rows, "period": self.period}
        if self.columns:
            values["columns"] = self.columns
        return values

    @property
    def dimensions(self) -> list[str]:
        return [self.rows, *([self.columns] if self.columns else [])]


@dataclass
class Table:
    """Counts by row value (and column value), with distinct totals and labels."""

    choice: Choice
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], int]
    row_totals: dict[str, int]
    column_totals: dict[str, int]
    total: int
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    links: dict[str, dict[str, dict[str, str] | None]] = field(default_factory=dict)

    def label(self, dimension: str, key: str) -> str:
        return self.labels.get(dimension, {}).get(key, key)

    def link(self, *parts: tuple[str, str]) -> dict[str, str] | None:
        """The events list's filters for a cell; None when the list cannot show it."""
        query: dict[str, str] = {}
        for dimension, key in parts:
            found = self.links.get(dimension, {}).get(key)
            if found is None:
                return None
            query.update(found)
        return query


# Raw values: what the database groups by for each dimension, relative to an event.


def _period_expression(period: str, prefix: str) -> Any:
    trunc = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}[period]
    return trunc(f"{prefix}start_on")


def _period_key(value: Any, period: str) -> str:
    if value is None:
        return UNKNOWN
    day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


def age_band(birth: Any, on: date | None) -> str:
    """The band of the age at `on` of someone born on `birth` (a partial date, its
    earliest day); unknown when either is."""
    band = age_band_index(birth, on)
    return AGE_BANDS[band - 1][1] if band else UNKNOWN


class _Rights:
    """The articles each (type, charged, document) engages, by the shipped rules."""

    def __init__(self) -> None:
        self.rules = load_rules()
        self.cache: dict[tuple[int, Any, str], list[str]] = {}
        self.titles: dict[str, str] = {}
        self._facts: dict[int, tuple[int, Any, str]] | None = None
        self._type_codes: dict[int, str] | None = None

    def facts(self, term: int) -> tuple[int, Any, str]:
        """(type id, charged, document) of a facts term of the facet index."""
        if self._facts is None:
            from docket.search.models import FacetTerm

            self._facts = {}
            for pk, key in FacetTerm.objects.filter(dimension="facts").values_list("pk", "key"):
                type_text, charged, document = key.split("|", 2)
                self._facts[pk] = (
                    int(type_text),
                    None if charged == "" else charged == "1",
                    document,
                )
        return self._facts.get(term, (0, None, ""))

    def type_code(self, type_id: int) -> str:
        if self._type_codes is None:
            self._type_codes = dict(EventType.objects.values_list("pk", "code"))
        return self._type_codes.get(type_id, UNKNOWN)

    def of(self, type_id: int, charged: Any, document: str) -> list[str]:
        key = (type_id, charged, document or "")
        if key not in self.cache:
            event = SimpleNamespace(type_id=type_id, charged=charged, document=document or "")
            engaged = articles_engaged([event], self.rules)
            self.cache[key] = [article.reference for article in engaged]
            for article in engaged:
                self.titles[article.reference] = article.title  # English: shown through gettext
        return self.cache[key]


@dataclass
class _Raw:
    """How one dimension reads: its fields, and how a row of them becomes keys."""

    fields: list[str]
    keys: Callable[[tuple[Any, ...]], list[str]]
    merges: bool = False  # several raw values may share a key, or one give several


def _raw(dimension: str, period: str, prefix: str, rights: _Rights) -> _Raw:
    if dimension == "period":
        return _Raw(["_period"], lambda row: [_period_key(row[0], period)])
    if dimension == "type":
        return _Raw([f"{prefix}type__code"], lambda row: [row[0] or UNKNOWN])
    if dimension == "right":
        return _Raw(
            [f"{prefix}type_id", f"{prefix}charged", f"{prefix}document"],
            lambda row: rights.of(row[0], row[1], row[2]) or [UNKNOWN],
            merges=True,
        )
    if dimension == "place":
        return _Raw(
            [f"{prefix}place_name"],
            lambda row: [fold((row[0] or "").strip()) if (row[0] or "").strip() else UNKNOWN],
            merges=True,
        )
    if dimension == "authority":
        return _Raw([f"{prefix}authority_id"], lambda row: [str(row[0] or 0)])
    if dimension == "status":
        return _Raw([f"{prefix}case__status"], lambda row: [row[0] or UNKNOWN])
    if dimension == "sex":
        return _Raw(["person__sex"], lambda row: [row[0] or Sex.UNKNOWN])
    if dimension == "age":
        return _Raw(
            ["person__birth_date", f"{prefix}start_on"],
            lambda row: [age_band(row[0], row[1])],
            merges=True,
        )
    raise ValueError(dimension)


# Dimensions the facet index holds for every event.
FACET_DIMENSIONS = {"period", "type", "right", "place", "authority", "status"}


class _Terms:
    """Keys of the facet index's place and status terms, read once per report."""

    def __init__(self) -> None:
        self.keys: dict[str, dict[int, str]] = {}

    def key(self, dimension: str, term: int) -> str:
        from docket.search.models import FacetTerm

        if dimension not in self.keys:
            self.keys[dimension] = dict(
                FacetTerm.objects.filter(dimension=dimension).values_list("pk", "key")
            )
        return self.keys[dimension].get(term, UNKNOWN) if term else UNKNOWN


def _indexed_period_key(value: Any, period: str) -> str:
    """The period of a start's earliest day as the index holds it (its date of the undated
    is unknown)."""
    return UNKNOWN if value is None or value == UNDATED else _period_key(value, period)


def _indexed_raw(
    dimension: str, period: str, rights: _Rights, terms: _Terms, *, cube: bool = False
) -> _Raw:
    """How a dimension reads from the facet index (`cube`: from its counts, where a
    period can only be a year)."""
    if dimension == "period" and cube:
        return _Raw(["year"], lambda row: [f"{row[0]:04d}" if row[0] else UNKNOWN])
    if dimension == "period":
        # Grouped by day, read along the index of start days (no sort), then by period.
        return _Raw(["start_key"], lambda row: [_indexed_period_key(row[0], period)], merges=True)
    if dimension == "type":
        return _Raw(["facts"], lambda row: [rights.type_code(rights.facts(row[0])[0])], merges=True)
    if dimension == "right":
        return _Raw(
            ["facts"], lambda row: rights.of(*rights.facts(row[0])) or [UNKNOWN], merges=True
        )
    if dimension == "place":
        return _Raw(["place"], lambda row: [terms.key("place", row[0])], merges=True)
    if dimension == "authority":
        return _Raw(["authority"], lambda row: [str(row[0] or 0)])
    if dimension == "status":
        return _Raw(["status"], lambda row: [terms.key("status", row[0])], merges=True)
    raise ValueError(dimension)


def _cube_rows(audiences: list[int], columns: list[str]) -> list[tuple[Any, ...]] | None:
    """Counts of events by up to two distinct facet columns, summed from the index's
    `FacetCount` cells over `audiences`: rows of (values of `columns`..., count). None
    when the cells cannot answer (three columns, or one column crossed with itself)."""
    from docket.search.documents import AUTHORITY, FACTS, PLACE, STATUS, YEAR
    from docket.search.models import FacetCount

    number = {"facts": FACTS, "place": PLACE, "authority": AUTHORITY, "year": YEAR}
    number["status"] = STATUS
    distinct = list(dict.fromkeys(columns))
    if len(distinct) != len(columns) or len(columns) > 2:
        return None
    cells = FacetCount.objects.filter(audience_id__in=audiences).order_by()
    if not columns:
        cells = cells.filter(filter_dimension=0, filter_value=0, dimension=0, value=0)
        return [(sum(cells.values_list("count", flat=True)),)]
    if len(columns) == 1:
        cells = cells.filter(filter_dimension=0, filter_value=0, dimension=number[columns[0]])
        grouped = cells.values_list("value").annotate(n=Sum("count"))
        # A cell emptied by a deletion stays at 0: a value no event holds any more is no row
        # (its label, from the index's terms, may be all that is left of a hidden record).
        return [(value, int(n)) for value, n in grouped if n]
    cells = cells.filter(filter_dimension=number[columns[0]], dimension=number[columns[1]])
    grouped = cells.values_list("filter_value", "value").annotate(n=Sum("count"))
    return [(first, second, int(n)) for first, second, n in grouped if n]


def _tally_indexed(
    scope: Scope, measure: str, dimensions: list[str], period: str, rights: _Rights
) -> dict[tuple[str, ...], int]:
    """`tally` over the facet index: events by their own dimensions."""
    from docket.search.models import EventFacet

    audiences = scope.audiences()
    terms = _Terms()
    result: dict[tuple[str, ...], int] = defaultdict(int)
    if "period" not in dimensions or period == "year":
        # Events by the index's own columns: its counts per audience answer at once.
        raws = [_indexed_raw(name, period, rights, terms, cube=True) for name in dimensions]
        columns = list(dict.fromkeys(field for raw in raws for field in raw.fields))
        rows = _cube_rows(audiences, columns)
        if rows is not None:
            fields = [name for raw in raws for name in raw.fields]
            for row in rows:
                values = dict(zip(columns, row[:-1], strict=True))
                for key in _combine(raws, tuple(values[name] for name in fields)):
                    result[key] += int(row[-1])
            return dict(result)
    queryset: QuerySet[Any] = EventFacet.objects.filter(audience_id__in=audiences)
    raws = [_indexed_raw(dimension, period, rights, terms) for dimension in dimensions]
    fields = [name for raw in raws for name in raw.fields]
    # One row per event: an event is in one group of raw values, so the groups' counts
    # add up to each key's.
    if not fields:
        return {(): queryset.count()}
    for row in queryset.order_by().values_list(*fields).annotate(n=Count("event_id")):
        for key in _combine(raws, tuple(row[:-1])):
            result[key] += int(row[-1])
    return dict(result)


# The dimensions of the index's distinct counts (docket.search.tallies), by report name.
_KEPT_MEASURES = {"victims": tallies.VICTIMS, "events": tallies.EVENTS, "cases": tallies.CASES}
_KEPT_DIMENSIONS = {
    "type": tallies.TYPE,
    "right": tallies.RIGHT,
    "place": tallies.PLACE,
    "authority": tallies.AUTHORITY,
    "status": tallies.STATUS,
    "sex": tallies.SEX,
    "age": tallies.AGE,
}
_KEPT_PERIODS = {"month": tallies.MONTH, "quarter": tallies.QUARTER, "year": tallies.YEAR}


def _kept_dimension(measure: str, dimensions: list[str], period: str) -> int | None:
    """The dimension of the index's distinct counts that answers this tally (of one
    dimension, the total, or the rights crossed with another), None when they do not
    hold it."""
    found = [
        _KEPT_PERIODS[period] if name == "period" else _KEPT_DIMENSIONS[name] for name in dimensions
    ]
    if not found:
        dimension = tallies.TOTAL
    elif len(found) == 1:
        dimension = found[0]
    elif len(found) == 2 and tallies.RIGHT in found:
        other = found[1] if found[0] == tallies.RIGHT else found[0]
        dimension = tallies.RIGHT_BY.get(other, -1)
    else:
        return None
    return dimension if dimension in tallies.KEPT[_KEPT_MEASURES[measure]] else None


class _KeptKeys:
    """Report keys of the values the index's distinct counts hold."""

    def __init__(self, rights: _Rights) -> None:
        self.rights = rights
        self.terms = _Terms()
        self.articles: dict[int, str] = {}

    def read_articles(self, ids: Iterable[int]) -> None:
        from docket.law.models import Article

        wanted = [pk for pk in ids if pk and pk not in self.articles]
        for article in Article.objects.filter(pk__in=wanted).select_related("instrument"):
            self.articles[article.pk] = article.reference
            # English: shown through gettext.
            self.rights.titles[article.reference] = article.title

    def key(self, dimension: int, value: int) -> str:
        if dimension == tallies.MONTH:
            return f"{value // 100:04d}-{value % 100:02d}" if value else UNKNOWN
        if dimension == tallies.QUARTER:
            return f"{value // 10:04d}-Q{value % 10}" if value else UNKNOWN
        if dimension == tallies.YEAR:
            return f"{value:04d}" if value else UNKNOWN
        if dimension == tallies.TYPE:
            return self.rights.type_code(value) if value else UNKNOWN
        if dimension == tallies.RIGHT:
            return self.articles.get(value, UNKNOWN)
        if dimension == tallies.AUTHORITY:
            return str(value)
        if dimension == tallies.AGE:
            return AGE_BANDS[value - 1][1] if 0 < value <= len(AGE_BANDS) else UNKNOWN
        name = {tallies.PLACE: "place", tallies.STATUS: "status", tallies.SEX: "sex"}[dimension]
        found = self.terms.key(name, value)
        return Sex.UNKNOWN if dimension == tallies.SEX and found == UNKNOWN else found


def _tally_kept(
    scope: Scope, measure: str, dimension: int, rights: _Rights, *, right_first: bool = True
) -> dict[tuple[str, ...], int]:
    """`tally` from the index's distinct counts over the scope's audiences: a sum of a few
    hundred cells (some thousands for the rights crossed with another dimension, whose
    keys come in the order `right_first` says), whatever the number of events."""
    counted = tallies.counts(_KEPT_MEASURES[measure], dimension, scope.audiences())
    if dimension == tallies.TOTAL:
        return {(): counted.get(0, 0)}
    keys = _KeptKeys(rights)
    other = tallies.CROSSED_WITH.get(dimension)
    result: dict[tuple[str, ...], int] = defaultdict(int)
    if other is None:
        if dimension == tallies.RIGHT:
            keys.read_articles(counted)
        for value, count in counted.items():
            result[(keys.key(dimension, value),)] += count  # one key per value: none counted twice
        return dict(result)
    pairs = [(tallies.unpair(value), count) for value, count in counted.items()]
    keys.read_articles({article for (article, _value), _count in pairs})
    for (article, value), count in pairs:
        right, crossed = keys.key(tallies.RIGHT, article), keys.key(other, value)
        result[(right, crossed) if right_first else (crossed, right)] += count
    return dict(result)


def _crossed_dimensions(measure: str, dimensions: list[str], period: str) -> list[int] | None:
    """The index's dimensions for a cross-tab's cells read from its rows
    (`tallies.crossed`): of victims and cases always, of events by a month, a quarter or
    the victims' sex or age band (the facet index's counts answer the others)."""
    if len(dimensions) != 2:
        return None
    found = [
        _KEPT_PERIODS[period] if name == "period" else _KEPT_DIMENSIONS[name] for name in dimensions
    ]
    if measure == "events" and not {
        tallies.MONTH,
        tallies.QUARTER,
        *tallies.PERSON_DIMENSIONS,
    } & set(found):
        return None
    return found


def _tally_crossed(
    scope: Scope, measure: str, dimensions: list[int], rights: _Rights
) -> dict[tuple[str, ...], int]:
    from docket.search.documents import Indexer

    counted = Indexer().tallies.crossed(
        _KEPT_MEASURES[measure], dimensions, sorted(scope.audiences())
    )
    keys = _KeptKeys(rights)
    for position, dimension in enumerate(dimensions):
        if dimension == tallies.RIGHT:
            keys.read_articles({values[position] for values in counted})
    result: dict[tuple[str, ...], int] = defaultdict(int)
    for values, count in counted.items():
        key = tuple(
            keys.key(dimension, value) for dimension, value in zip(dimensions, values, strict=True)
        )
        result[key] += count  # one key per pair of values: none counted twice
    return dict(result)


def _base(scope: Scope, measure: str, dimensions: list[str]) -> tuple[QuerySet[Any], str, str]:
    """(queryset, the field counted, the prefix from it to the event)."""
    by_person = measure == "victims" or bool(PERSON_DIMENSIONS & set(dimensions))
    if by_person:
        involvements = scope.victims()
        counted = {"events": "event_id", "victims": "person_id", "cases": "event__case_id"}
        return involvements, counted[measure], "event__"
    return scope.events, {"events": "pk", "cases": "case_id"}[measure], ""


def tally(
    scope: Scope, measure: str, dimensions: list[str], period: str, rights: _Rights
) -> dict[tuple[str, ...], int]:
    """Counts of `measure` by the keys of `dimensions` (none: the grand total)."""
    kept = _kept_dimension(measure, dimensions, period)
    if kept is not None:
        return _tally_kept(scope, measure, kept, rights, right_first=dimensions[:1] == ["right"])
    crossed = _crossed_dimensions(measure, dimensions, period)
    if crossed is not None:
        return _tally_crossed(scope, measure, crossed, rights)
    if measure == "events" and set(dimensions) <= FACET_DIMENSIONS:
        return _tally_indexed(scope, measure, dimensions, period, rights)
    return tally_from_records(scope, measure, dimensions, period, rights)


def tally_from_records(
    scope: Scope, measure: str, dimensions: list[str], period: str, rights: _Rights
) -> dict[tuple[str, ...], int]:
    """`tally` from the records themselves, through the scope's querysets (the read
    door's): what the counts mean, and what the index's must equal (the tests compare
    them). Its cost follows the records: far too slow for a page at a million events."""
    queryset, counted, prefix = _base(scope, measure, dimensions)
    raws = [_raw(dimension, period, prefix, rights) for dimension in dimensions]
    if "period" in dimensions:
        queryset = queryset.annotate(_period=_period_expression(period, prefix))
    fields = [name for raw in raws for name in raw.fields]
    # Sums of groups are exact when each counted thing is in one group per key: events
    # counted over events (every event-level value is single), or plain one-to-one keys.
    summable = counted == "pk" or not any(raw.merges for raw in raws)
    result: dict[tuple[str, ...], int] = defaultdict(int)
    if summable:
        if not fields:
            return {(): queryset.aggregate(n=Count(counted, distinct=True))["n"] or 0}
        grouped = queryset.order_by().values_list(*fields).annotate(n=Count(counted, distinct=True))
        for row in grouped:
            for key in _combine(raws, tuple(row[:-1])):
                result[key] += int(row[-1])
        return dict(result)
    members: dict[tuple[str, ...], set[Any]] = defaultdict(set)
    for row in queryset.order_by().values_list(*fields, counted).distinct().iterator():
        for key in _combine(raws, tuple(row[:-1])):
            members[key].add(row[-1])
    return {key: len(found) for key, found in members.items()}


def _combine(raws: list[_Raw], row: tuple[Any, ...]) -> list[tuple[str, ...]]:
    """Every key tuple a row of raw values falls in."""
    keys: list[tuple[str, ...]] = [()]
    offset = 0
    for raw in raws:
        part = row[offset : offset + len(raw.fields)]
        offset += len(raw.fields)
        keys = [(*key, value) for key in keys for value in dict.fromkeys(raw.keys(part))]
    return keys


def build_table(scope: Scope, choice: Choice) -> Table:
    rights = _Rights()
    rows_counts = tally(scope, choice.measure, [choice.rows], choice.period, rights)
    total = tally(scope, choice.measure, [], choice.period, rights).get((), 0)
    row_totals = {key[0]: count for key, count in rows_counts.items()}
    cells: dict[tuple[str, str], int] = {}
    column_totals: dict[str, int] = {}
    if choice.columns:
        crossed = tally(scope, choice.measure, [choice.rows, choice.columns], choice.period, rights)
        cells = {(key[0], key[1]): count for key, count in crossed.items()}
        columns_counts = tally(scope, choice.measure, [choice.columns], choice.period, rights)
        column_totals = {key[0]: count for key, count in columns_counts.items()}
    else:
        cells = {(key, ""): count for key, count in row_totals.items()}
    table = Table(
        choice=choice,
        rows=_ordered(choice.rows, row_totals),
        columns=_ordered(choice.columns, column_totals) if choice.columns else [""],
        cells=cells,
        row_totals=row_totals,
        column_totals=column_totals,
        total=total,
    )
    for dimension in choice.dimensions:
        keys = table.rows if dimension == choice.rows else table.columns
        table.labels[dimension], table.links[dimension] = _labels_and_links(
            dimension, keys, choice.period, scope, rights
        )
    return table


def _ordered(dimension: str, counts: Mapping[str, int]) -> list[str]:
    """Periods and age bands in their own order, the rest most frequent first; the
    unknown last."""
    keys = [key for key in counts if key != UNKNOWN]
    if dimension == "period":
        keys.sort()
    elif dimension == "age":
        order = {label: index for index, (_lowest, label) in enumerate(AGE_BANDS)}
        keys.sort(key=lambda key: order.get(key, len(order)))
    else:
        keys.sort(key=lambda key: (-counts[key], key))
    return keys + ([UNKNOWN] if UNKNOWN in counts else [])


def _period_range(key: str, period: str) -> tuple[str, str]:
    if period == "quarter":
        year, quarter = key.split("-Q")
        first = (int(quarter) - 1) * 3 + 1
        return f"{year}-{first:02d}", f"{year}-{first + 2:02d}"
    return key, key


def _labels_and_links(
    dimension: str, keys: list[str], period: str, scope: Scope, rights: _Rights
) -> tuple[dict[str, str], dict[str, dict[str, str] | None]]:
    labels: dict[str, str] = {}
    links: dict[str, dict[str, str] | None] = {}
    unknown = str(_("Not recorded"))
    known = [key for key in keys if key != UNKNOWN]
    if dimension == "period":
        for key in known:
            begin, end = _period_range(key, period)
            labels[key] = key.replace("-Q", " Q")
            links[key] = {"from": begin, "to": end, "dates": "earliest"}
        labels[UNKNOWN] = str(_("Date unknown"))
    elif dimension == "type":
        names = dict(EventType.objects.filter(code__in=known).values_list("code", "label"))
        for key in known:
            labels[key] = gettext(names[key]) if names.get(key) else key
            links[key] = {"type": key}
    elif dimension == "right":
        for key in known:
            labels[key] = f"{key}: {gettext(rights.titles[key])}" if key in rights.titles else key
            links[key] = {"right": key}
        labels[UNKNOWN] = str(_("None by the rules"))
    elif dimension == "place":
        from docket.search.models import FacetTerm

        terms = {
            term_key: (pk, label)
            for pk, term_key, label in FacetTerm.objects.filter(
                dimension="place", key__in=known
            ).values_list("pk", "key", "label")
        }
        names = _place_names(scope, known)
        for key in known:
            pk, label = terms.get(key, (None, names.get(key, key)))
            labels[key] = names.get(key, label)
            links[key] = {"place": str(pk)} if pk is not None else None
    elif dimension == "authority":
        authorities = Authority.objects.alive()
        if scope.user is not None:
            authorities = Authority.objects.visible_to(scope.user)
        ids = [int(key) for key in known if key.isdigit() and key != "0"]
        names = {
            str(pk): name for pk, name in authorities.filter(pk__in=ids).values_list("pk", "name")
        }
        for key in known:
            labels[key] = str(_("None recorded")) if key == "0" else names.get(key, "")
            links[key] = {"authority": key}
    elif dimension == "status":
        for key in known:
            labels[key] = str(dict(CaseStatus.choices).get(key, key))
            links[key] = {"status": key}
    elif dimension == "sex":
        for key in known:
            labels[key] = str(dict(Sex.choices).get(key, key))
            links[key] = None
    elif dimension == "age":
        for key in known:
            labels[key] = key
            links[key] = None
    labels.setdefault(UNKNOWN, unknown)
    links[UNKNOWN] = None
    return labels, links


def _place_names(scope: Scope, keys: list[str]) -> dict[str, str]:
    """A place's name as written on an event the report may count (the first of the
    place's events in the facet index), so that a label never comes from an event the
    reader may not see: one event a place, found through the index, read through the
    scope's events."""
    from django.db import connection

    from docket.search.models import FacetTerm

    names: dict[str, str] = {}
    audiences = scope.audiences()
    terms = dict(FacetTerm.objects.filter(dimension="place", key__in=keys).values_list("pk", "key"))
    if not terms or not audiences:
        return names
    marks = ", ".join(["%s"] * len(audiences))
    first: dict[int, str] = {}
    with connection.cursor() as cursor:
        for pk, key in terms.items():
            cursor.execute(
                "SELECT event_id FROM search_eventfacet "  # noqa: S608  # nosec B608
                f"WHERE place = %s AND audience_id IN ({marks}) LIMIT 1",
                [pk, *audiences],
            )
            found = cursor.fetchone()
            if found is not None:
                first[int(found[0])] = key
    for pk, name in scope.events.filter(pk__in=list(first)).values_list("pk", "place_name"):
        if name.strip():
            names[first[pk]] = name.strip()
    return names
