"""The reports' distinct counts, kept by the search index: victims, and events and cases
where the facets' counts cannot be summed, by one value, for any reader at once.

Counts of events by their own facet values add up over audiences (`FacetCount`,
docket.search.facets). Distinct counts do not: a person who is a victim in events of
two audiences counts once for a reader who sees both and once for one who sees either;
and a victim counts only for a reader who may see the person's own record as well as
the event. So each counted thing (a person as a victim, an event, a case) is filed,
for each value it has, under the *set* of (event audience, person audience) pairs
through which it has that value (`AudienceSet`; a person audience of 0: no person
needed), and the sets are counted apart (`ReportCount`). A reader's count of a value
is the sum over the sets one of whose pairs is wholly theirs: the permission rule
(`audiences_of`) applied to the pairs, nothing else. Almost every thing has a single
pair: a case's events share its audience, and a person has one.

What is kept (`KEPT`):

- victims, by every dimension the reports offer and in total, from `EventVictim`
  (one row per living person involved as a victim in an event of `EventFacet`);
- cases, the same: by the events' values from `EventFacet`, by the victims' sex and
  age band from `EventVictim`;
- events by month and by quarter (`FacetCount` holds years), and by their victims'
  sex and age band;
- the rights at stake crossed with each other dimension (`RIGHT_BY`), for victims and
  cases, and for events where `FacetCount` does not hold the pair: an event engages
  several rights, so a cross-tab of rights read from the rows multiplies them.

`Indexer.sync` and `Indexer.remove` keep it in step, in the writer's transaction: every
path that changes an event, an involvement, a person or a case passes there (signals,
the bulk services, the importer's deferred indexing). The contributions of every thing
a change touches are taken before the change and after it, and the difference added.
Rights come from the rules (docket.law), which an administrator may change: a change to
them counts again the rights' cells of the articles it touches (`rules_changed`, from
the signals). `docket search reindex` builds everything again.
"""

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from django.db import connection

from docket.lib.partialdate import PartialDate

VICTIMS, EVENTS, CASES = 1, 2, 3
TOTAL, MONTH, QUARTER, YEAR, TYPE, RIGHT, PLACE, AUTHORITY, STATUS, SEX, AGE = range(11)
EVENT_DIMENSIONS = (TOTAL, MONTH, QUARTER, YEAR, TYPE, RIGHT, PLACE, AUTHORITY, STATUS)
PERSON_DIMENSIONS = (SEX, AGE)
# The rights at stake crossed with another dimension. A cross-tab of rights read from
# the rows would multiply each row by the rights its event engages (seconds at a million
# events), so its cells are kept too: `RIGHT_BY[other]` is the crossed dimension, and a
# cell's value holds both, the article's id times `PAIR` plus the other value
# (`pair`, `unpair`).
RIGHT_BY: dict[int, int] = {
    dimension: 100 + dimension
    for dimension in (MONTH, QUARTER, YEAR, TYPE, PLACE, AUTHORITY, STATUS, SEX, AGE)
}
CROSSED_WITH = {crossed: other for other, crossed in RIGHT_BY.items()}
ALL_DIMENSIONS = (*range(TOTAL, AGE + 1), *RIGHT_BY.values())
PAIR = 2**32
# The temporary table of each facts term's articles that grouped statements join to.
RIGHTS_TABLE = "docket_facts_rights"
KEPT: dict[int, tuple[int, ...]] = {
    VICTIMS: EVENT_DIMENSIONS + PERSON_DIMENSIONS + tuple(RIGHT_BY.values()),
    CASES: EVENT_DIMENSIONS + PERSON_DIMENSIONS + tuple(RIGHT_BY.values()),
    # Events by their own values add up over audiences: the facets' counts hold the rest.
    EVENTS: (MONTH, QUARTER, SEX, AGE) + tuple(RIGHT_BY[d] for d in (MONTH, QUARTER, SEX, AGE)),
}
VICTIM_ROLE = "victim"
UNKNOWN_SEX = "unknown"
# (lowest age, label); the last band has no upper end. `EventVictim.age` is the band's
# position from 1, 0 when unknown.
AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "0–17"),
    (18, "18–29"),
    (30, "30–49"),
    (50, "50–64"),
    (65, "65+"),
)
# As docket.search.documents.UNDATED: an event without a known start.
UNDATED = date(1, 1, 1)
# PostgreSQL's advisory lock of the writers of the counts (any number of our own).
LOCK_KEY = 0x646F636B
# Ids read or written by one statement.
CHUNK = 500
# Things whose contributions one query of a full count reads.
RECOUNT_BATCH = 2000

# EventVictim's columns, in the order its rows are handled as tuples here.
VICTIM_COLUMNS = (
    "event_id",
    "person_id",
    "case_id",
    "audience_id",
    "person_audience_id",
    "facts",
    "place",
    "authority",
    "status",
    "start_key",
    "sex",
    "age",
)
# EventFacet's columns read here.
FACET_COLUMNS: tuple[str, ...] = ("event_id", "case_id", "audience_id", "facts", "place")
FACET_COLUMNS += ("authority", "status", "start_key")

Cell = tuple[int, int, int, str]  # (measure, dimension, value, audience set key)
Pair = tuple[int, int]  # (event audience, person audience or 0)


def age_band_index(birth: Any, on: date | None) -> int:
    """The band (its position from 1) of the age at `on` of someone born on `birth` (a
    partial date, its earliest day); 0 when either is unknown."""
    if birth is None or on is None:
        return 0
    if not isinstance(birth, PartialDate):
        try:
            birth = PartialDate.parse(str(birth))
        except ValueError:
            return 0
    born = birth.earliest()
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    if age < 0:
        return 0
    band = 1
    for position, (lowest, _label) in enumerate(AGE_BANDS, start=1):
        if age >= lowest:
            band = position
    return band


@lru_cache(maxsize=65536)
def periods(day: Any) -> tuple[int, int, int]:
    """(month as YYYYMM, quarter as YYYYQ, year) of a start's earliest day; 0s undated."""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    if day is None or day == UNDATED:
        return (0, 0, 0)
    return (day.year * 100 + day.month, day.year * 10 + (day.month - 1) // 3 + 1, day.year)


def pair(article: int, value: int) -> int:
    """The value of a cell of the rights crossed with another dimension."""
    return article * PAIR + value


def unpair(value: int) -> tuple[int, int]:
    """(article id, the other dimension's value) of a crossed cell's value."""
    article, other = divmod(value, PAIR)
    return article, other


def base(dimension: int) -> int:
    """The dimension a crossed one crosses the rights with; any other, itself."""
    return CROSSED_WITH.get(dimension, dimension)


def crossed_values(
    articles: Sequence[int], values: Iterable[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The crossed (dimension, value) of a row that engages `articles` (none: 0, "none by
    the rules") and has `values`."""
    bases = [pair(article, 0) for article in articles or (0,)]
    found: list[tuple[int, int]] = []
    for dimension, value in values:
        crossed = RIGHT_BY.get(dimension)
        if crossed is not None:
            found += [(crossed, base + value) for base in bases]
    return found


def set_key(pairs: Iterable[Pair]) -> str:
    return " ".join(f"{audience}.{person}" for audience, person in sorted(pairs))


def seen_through(key: str, audiences: set[int]) -> bool:
    """Whether a reader of `audiences` sees a thing through one of the pairs of `key`."""
    for pair in key.split():
        audience, _dot, person = pair.partition(".")
        if int(audience) in audiences and (person == "0" or int(person) in audiences):
            return True
    return False


def _marks(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


@dataclass
class Change:
    """A change about to be written: the EventVictim rows it replaces (those of `events`,
    or of `persons`) and their new rows, the things it touches, their counts before."""

    events: list[int]
    persons: list[int]
    rows: list[tuple[Any, ...]]
    touched: tuple[set[int], set[int], set[int]]  # persons, events, cases
    before: Counter[Cell]
    # What the change may alter, so what its counts are read from: the victims' rows,
    # the events' facets.
    reads: tuple[bool, bool] = (True, True)
    replaced: bool = True  # some of the old rows are there to remove


class Tallies:
    """Builds and keeps `EventVictim` and `ReportCount` for an `Indexer` (whose models
    registry, audiences and terms it shares)."""

    def __init__(self, indexer: Any) -> None:
        self.indexer = indexer
        apps = indexer.apps
        try:
            self.EventVictim: Any = apps.get_model("search", "EventVictim")
            self.ReportCount: Any = apps.get_model("search", "ReportCount")
            self.AudienceSet: Any = apps.get_model("search", "AudienceSet")
        except LookupError:  # a migration from before the reports' counts
            self.EventVictim = None
        self._facts: dict[int, tuple[int, tuple[int, ...]]] = {}
        self._rules: dict[int, list[tuple[dict[str, Any], list[int]]]] = defaultdict(list)
        self._rule_types: set[int] = set()
        self._sets: dict[str, int] = {}

    @property
    def kept(self) -> bool:
        return self.EventVictim is not None

    # What a row counts under

    def read_facts(self, terms: Iterable[int]) -> None:
        """Read the facts terms not read yet, and the rules of their event types: a few
        small queries, whatever the number of rows that name them."""
        missing = sorted(set(terms) - set(self._facts))
        if not missing:
            return
        keys = {pk: key for pk, key in self.indexer.term_keys("facts").items() if pk in missing}
        if len(keys) < len(missing):
            keys |= dict(
                self.indexer.FacetTerm.objects.filter(pk__in=missing).values_list("pk", "key")
            )
        parsed = {}
        for pk, key in keys.items():
            type_text, charged, document = key.split("|", 2)
            parsed[pk] = SimpleNamespace(
                type_id=int(type_text),
                charged=None if charged == "" else charged == "1",
                document=document,
            )
        self._read_rules({event.type_id for event in parsed.values()})
        for pk in missing:
            event = parsed.get(pk)
            if event is None:  # no such term: nothing engaged
                self._facts[pk] = (0, ())
                continue
            engaged: dict[int, None] = {}
            for when, articles in self._rules.get(event.type_id, []):
                if all(getattr(event, name, None) == value for name, value in when.items()):
                    engaged |= dict.fromkeys(articles)
            self._facts[pk] = (event.type_id, tuple(sorted(engaged)))

    def _read_rules(self, types: set[int]) -> None:
        """The rules of these event types, as (when, article ids), as docket.law.rights
        applies them."""
        wanted = sorted(types - self._rule_types)
        if not wanted:
            return
        self._rule_types |= set(wanted)
        try:
            RightsRule = self.indexer.apps.get_model("law", "RightsRule")
        except LookupError:  # a migration from before the rules
            return
        # A rule without articles engages nothing: the rules' articles are enough.
        through = RightsRule._meta.get_field("articles").remote_field.through
        rules: dict[int, tuple[int, dict[str, Any], list[int]]] = {}
        for pk, type_id, when, article in (
            through.objects.filter(rightsrule__event_type_id__in=wanted)
            .order_by("pk")
            .values_list(
                "rightsrule_id", "rightsrule__event_type_id", "rightsrule__when", "article_id"
            )
        ):
            rules.setdefault(pk, (type_id, dict(when or {}), []))[2].append(article)
        for type_id, when, articles in rules.values():
            self._rules[type_id].append((when, articles))

    def facts(self, term: int) -> tuple[int, tuple[int, ...]]:
        """(event type id, ids of the articles engaged) of a facts term."""
        if term not in self._facts:
            self.read_facts([term])
        return self._facts[term]

    def event_values(self, row: Sequence[Any], offset: int) -> list[tuple[int, int]]:
        """(dimension, value) of an event's facts, place, authority, status and start,
        found in `row` from `offset` on in that order."""
        facts, place, authority, status, start_key = row[offset : offset + 5]
        month, quarter, year = periods(start_key)
        type_id, articles = self.facts(facts)
        values = [
            (TOTAL, 0),
            (MONTH, month),
            (QUARTER, quarter),
            (YEAR, year),
            (TYPE, type_id),
            (PLACE, place),
            (AUTHORITY, authority),
            (STATUS, status),
        ]
        values += [(RIGHT, article) for article in articles] or [(RIGHT, 0)]
        return values

    # EventVictim rows

    def _involved(self, column: str, ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """(event id, person id, the person's level, team, sex and birth date) of the
        victims' involvements of these events or persons, of living persons."""
        Involvement = self.indexer.apps.get_model("cases", "Involvement")
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(ids), CHUNK):
            found += Involvement.objects.filter(
                **{f"{column}__in": ids[start : start + CHUNK]},
                role__code=VICTIM_ROLE,
                person__deleted_at__isnull=True,
            ).values_list(
                "event_id",
                "person_id",
                "person__confidentiality",
                "person__team_id",
                "person__sex",
                "person__birth_date",
            )
        return found

    def victim_rows(self, facets: Iterable[Any]) -> list[tuple[Any, ...]]:
        """The EventVictim rows of these events' (FacetRows, or EventFacets) victims."""
        by_event = {facet.event_id: facet for facet in facets}
        involved = self._involved("event_id", sorted(by_event))
        return self._rows(involved, by_event)

    def _rows(
        self, involved: list[tuple[Any, ...]], facets: dict[int, Any]
    ) -> list[tuple[Any, ...]]:
        rows = []
        for event_id, person_id, level, team, sex, birth in sorted(
            involved, key=lambda row: (row[0], row[1])
        ):
            facet = facets.get(event_id)
            if facet is None:
                continue
            start = facet.start_key
            sex = sex or UNKNOWN_SEX
            rows.append(
                (
                    event_id,
                    person_id,
                    facet.case_id,
                    facet.audience_id,
                    self.indexer.audience(level, team),
                    facet.facts,
                    facet.place,
                    facet.authority,
                    facet.status,
                    start,
                    self.indexer.term("sex", sex, sex),
                    age_band_index(birth, None if start == UNDATED else start),
                )
            )
        return rows

    def person_rows(self, person_ids: Sequence[int]) -> list[tuple[Any, ...]]:
        """The EventVictim rows of these persons, in the events indexed now."""
        involved = self._involved("person_id", list(person_ids))
        events = sorted({row[0] for row in involved})
        facets: dict[int, Any] = {}
        for start in range(0, len(events), CHUNK):
            for facet in self.indexer.EventFacet.objects.filter(
                event_id__in=events[start : start + CHUNK]
            ):
                facets[facet.event_id] = facet
        return self._rows(involved, facets)

    # Reading rows

    def _select(
        self, table: str, columns: Sequence[str], selectors: dict[str, Any]
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `table` whose `column` is among the ids (a list) or within the bounds (a
        range) of any selector."""
        conditions: list[str] = []
        parameters: list[Any] = []
        for column, ids in selectors.items():
            if isinstance(ids, range):
                if len(ids):
                    conditions.append(f"{column} BETWEEN %s AND %s")
                    parameters += [ids[0], ids[-1]]
                continue
            ids = sorted(ids)
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                conditions.append(f"{column} IN ({_marks(chunk)})")
                parameters += chunk
        if not conditions:
            return
        statement = f"SELECT {', '.join(columns)} FROM {table} WHERE "  # noqa: S608  # nosec B608
        with connection.cursor() as cursor:
            cursor.execute(statement + " OR ".join(conditions), parameters)
            yield from cursor.fetchall()

    # Contributions: the cells each thing adds one to

    def contributions(
        self,
        *,
        persons: Sequence[int] | range = (),
        events: Sequence[int] | range = (),
        cases: Sequence[int] | range = (),
        dimensions: Iterable[int] | None = None,
        reads: tuple[bool, bool] = (True, True),
    ) -> Counter[Cell]:
        """The cells of these persons (as victims), events and cases, as the index holds
        them now; only of `dimensions` if given, only from the victims' rows or the
        facets (`reads`) if a change alters only those."""
        kept = set(dimensions) if dimensions is not None else None
        wanted = {
            measure: {dimension for dimension in chosen if kept is None or dimension in kept}
            for measure, chosen in KEPT.items()
        }
        cells: Counter[Cell] = Counter()
        keys: dict[Pair, str] = {}  # of the sets of one pair: nearly every thing's

        def key(pairs: set[Pair]) -> str:
            if len(pairs) == 1:
                (only,) = pairs
                return keys.get(only) or keys.setdefault(only, set_key(pairs))
            return set_key(pairs)

        def add(measure: int, things: dict[int, dict[tuple[int, int], set[Pair]]]) -> None:
            cells.update(
                (measure, dimension, value, key(pairs))
                for values in things.values()
                for (dimension, value), pairs in values.items()
            )

        def file(
            things: dict[int, dict[tuple[int, int], set[Pair]]],
            thing: int,
            values: list[tuple[int, int]],
            through: Pair,
            measure: int,
        ) -> None:
            mine = things[thing]
            if kept is None:  # every value a row gives a measure is one it keeps
                for value in values:
                    mine[value].add(through)
                return
            for value in values:
                if value[0] in wanted[measure]:
                    mine[value].add(through)

        person_in, event_in, case_in = _member(persons), _member(events), _member(cases)
        victims = (
            list(
                self._select(
                    "search_eventvictim",
                    VICTIM_COLUMNS,
                    {"person_id": persons, "event_id": events, "case_id": cases},
                )
            )
            if reads[0]
            else []
        )
        facets = (
            list(
                self._select(
                    "search_eventfacet", FACET_COLUMNS, {"event_id": events, "case_id": cases}
                )
            )
            if reads[1] and (events or cases)
            else []
        )
        self.read_facts({row[5] for row in victims} | {row[3] for row in facets})
        by_person: dict[int, dict[tuple[int, int], set[Pair]]] = defaultdict(
            lambda: defaultdict(set)
        )
        by_event: dict[int, dict[tuple[int, int], set[Pair]]] = defaultdict(
            lambda: defaultdict(set)
        )
        by_case: dict[int, dict[tuple[int, int], set[Pair]]] = defaultdict(lambda: defaultdict(set))
        for row in victims:
            through = (row[3], row[4])
            own = [(SEX, row[10]), (AGE, row[11])]
            articles = self.facts(row[5])[1]
            if person_in(row[1]):
                values = own + self.event_values(row, 5)
                file(by_person, row[1], values + crossed_values(articles, values), through, VICTIMS)
            if event_in(row[0]) or case_in(row[2]):
                values = own + crossed_values(articles, own)
                if event_in(row[0]):
                    file(by_event, row[0], values, through, EVENTS)
                if case_in(row[2]):
                    file(by_case, row[2], values, through, CASES)
        for row in facets:
            through = (row[2], 0)
            articles = self.facts(row[3])[1]
            if event_in(row[0]):
                month, quarter, _year = periods(row[7])
                values = [(MONTH, month), (QUARTER, quarter)]
                file(by_event, row[0], values + crossed_values(articles, values), through, EVENTS)
            if case_in(row[1]):
                values = self.event_values(row, 3)
                file(by_case, row[1], values + crossed_values(articles, values), through, CASES)
        add(VICTIMS, by_person)
        add(EVENTS, by_event)
        add(CASES, by_case)
        return cells

    # Keeping them in step

    def before(
        self,
        *,
        events: Sequence[int] = (),
        facets: Sequence[Any] = (),
        persons: Sequence[int] = (),
    ) -> Change | None:
        """Before the index of `events` becomes `facets` (their new FacetRows), or before
        the victims of `persons` are read again: what changes, and the counts it touches
        as they are. None when the database has no such counts yet (a migration)."""
        if not self.kept:
            return None
        change = self._before(events, facets, persons)
        if any(change.reads) and self.lock():
            # Read again under the lock: another writer may have committed meanwhile.
            change = self._before(events, facets, persons)
        return change

    def _before(
        self, events: Sequence[int], facets: Sequence[Any], persons: Sequence[int]
    ) -> Change:
        events, persons = sorted(set(events)), sorted(set(persons))
        if events:
            rows = self.victim_rows(facets)
            old = _dated(
                self._select("search_eventvictim", VICTIM_COLUMNS, {"event_id": events}),
                VICTIM_COLUMNS,
            )
            old_facets = _dated(
                self._select("search_eventfacet", FACET_COLUMNS, {"event_id": events}),
                FACET_COLUMNS,
            )
            new_facets = [
                tuple(getattr(facet, column) for column in FACET_COLUMNS) for facet in facets
            ]
            cases = {row[1] for row in (*old_facets, *new_facets)}
            reads = (set(old) != set(rows), set(old_facets) != set(new_facets))
        else:
            rows = self.person_rows(persons)
            old = _dated(
                self._select("search_eventvictim", VICTIM_COLUMNS, {"person_id": persons}),
                VICTIM_COLUMNS,
            )
            cases = set()
            reads = (set(old) != set(rows), False)
        if not any(reads):  # most syncs: a description, a name, a family member changed
            return Change([], [], [], (set(), set(), set()), Counter(), reads)
        touched = (
            {row[1] for row in (*old, *rows)},
            set(events) | {row[0] for row in (*old, *rows)},
            cases | {row[2] for row in (*old, *rows)},
        )
        before = self.contributions(
            persons=sorted(touched[0]),
            events=sorted(touched[1]),
            cases=sorted(touched[2]),
            reads=reads,
        )
        return Change(events, persons, rows, touched, before, reads, bool(old))

    def lock(self) -> bool:
        """Wait for any other writer of the counts to commit (PostgreSQL; SQLite has one
        writer at a time), and say whether it waited: a change reads its things' counts
        before and after, and two writers at once touching one victim or case would each
        add a difference taken from a state the other's change makes untrue. Held to the
        end of the transaction, as a writer of the facets' counts holds its cells."""
        if connection.vendor == "postgresql" and connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            return True
        return False

    def after(self, change: Change | None) -> None:
        """Write the change's victims (the facets are written), and add the difference
        its things' counts make."""
        if change is None:
            return
        if change.events and change.replaced:
            self.EventVictim.objects.filter(event_id__in=change.events).delete()
        if change.persons and change.replaced:
            self.EventVictim.objects.filter(person_id__in=change.persons).delete()
        self.insert(change.rows)
        persons, events, cases = change.touched
        if not (persons or events or cases):
            return
        after = self.contributions(
            persons=sorted(persons), events=sorted(events), cases=sorted(cases), reads=change.reads
        )
        delta: Counter[Cell] = Counter()
        for cell, count in after.items():
            delta[cell] += count
        for cell, count in change.before.items():
            delta[cell] -= count
        self.add(delta)

    def insert(self, rows: list[tuple[Any, ...]]) -> None:
        from docket.search.documents import insert_rows

        insert_rows("search_eventvictim", list(VICTIM_COLUMNS), [list(row) for row in rows])

    def set_ids(self, keys: Iterable[str]) -> dict[str, int]:
        """The AudienceSet id of each key, created when missing."""
        wanted = sorted(set(keys) - set(self._sets))
        digests = {
            hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(): key for key in wanted
        }
        names = sorted(digests)
        for start in range(0, len(names), CHUNK):
            chunk = names[start : start + CHUNK]
            found = dict(
                self.AudienceSet.objects.filter(digest__in=chunk).values_list("digest", "pk")
            )
            missing = [digest for digest in chunk if digest not in found]
            if missing:
                self.AudienceSet.objects.bulk_create(
                    [self.AudienceSet(digest=digest, key=digests[digest]) for digest in missing],
                    ignore_conflicts=True,
                )
                found |= dict(
                    self.AudienceSet.objects.filter(digest__in=missing).values_list("digest", "pk")
                )
            self._sets |= {digests[digest]: pk for digest, pk in found.items()}
        return self._sets

    def add(self, delta: Counter[Cell]) -> None:
        """Add `delta` to ReportCount, a few hundred cells a statement, in key order (two
        writers at once lock the rows they share in the same order)."""
        changed = [(cell, count) for cell, count in delta.items() if count]
        if not changed:
            return
        ids = self.set_ids(cell[3] for cell, _count in changed)
        rows = sorted(
            (measure, dimension, ids[key], value, count)
            for (measure, dimension, value, key), count in changed
        )
        table = "search_reportcount"
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} "  # noqa: S608 - a constant table name  # nosec B608
                    "(measure, dimension, audiences_id, value, count) "
                    f"VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(chunk))} "
                    "ON CONFLICT (measure, dimension, audiences_id, value) "
                    f"DO UPDATE SET count = {table}.count + excluded.count",
                    [value for row in chunk for value in row],
                )

    # Counting everything again

    def build(self, progress: Any = None) -> None:
        """EventVictim from the events indexed now, then every count."""
        self.build_victims(progress)
        self.recount(progress=progress)

    def build_victims(self, progress: Any = None) -> None:
        """EventVictim from the events indexed now (EventFacet) and their victims'
        involvements, a range of events a statement."""
        if not self.kept:
            return
        apps = self.indexer.apps
        Involvement = apps.get_model("cases", "Involvement")
        Role = Involvement._meta.get_field("role").related_model
        Person = apps.get_model("people", "Person")
        statement = (
            "SELECT f.event_id, i.person_id, f.case_id, f.audience_id, f.facts, f.place, "  # noqa: S608  # nosec B608
            "f.authority, f.status, f.start_key, p.confidentiality, p.team_id, p.sex, "
            f"p.birth_date FROM search_eventfacet f "
            f"JOIN {Involvement._meta.db_table} i ON i.event_id = f.event_id "
            f"JOIN {Role._meta.db_table} r ON r.id = i.role_id "
            f"JOIN {Person._meta.db_table} p ON p.id = i.person_id "
            "WHERE r.code = %s AND p.deleted_at IS NULL AND f.event_id > %s "
            "AND f.event_id <= %s ORDER BY f.event_id, i.person_id"
        )
        self.EventVictim.objects.all().delete()
        if progress is not None:
            progress("report victims", 0, 1)
        last = self.indexer.EventFacet.objects.order_by("-event_id").values_list(
            "event_id", flat=True
        )[:1]
        highest = last[0] if last else 0
        audience, term = self.indexer.audience, self.indexer.term
        for first in range(0, highest, RECOUNT_BATCH * 10):
            with connection.cursor() as cursor:
                cursor.execute(statement, [VICTIM_ROLE, first, first + RECOUNT_BATCH * 10])
                found = cursor.fetchall()
            rows = []
            for event, person, case, event_audience, *values, level, team, sex, birth in found:
                start = _day(values[-1])
                sex = sex or UNKNOWN_SEX
                rows.append(
                    (
                        event,
                        person,
                        case,
                        event_audience,
                        audience(level, team),
                        *values[:-1],
                        start,
                        term("sex", sex, sex),
                        _age(birth, start),
                    )
                )
            self.insert(rows)

    def recount(
        self,
        dimensions: Iterable[int] | None = None,
        progress: Any = None,
        articles: set[int] | None = None,
    ) -> None:
        """Every count again from EventVictim and EventFacet (of `dimensions` only, if
        given: the rights, after a change to the rules; of those `articles` only, if
        given, for the rights and their cross-tabs).

        The things seen through one pair of audiences (nearly all) are counted by one
        grouped statement per measure and dimension; the few seen through several, one
        by one as a change counts them (`contributions`)."""
        if not self.kept:
            return
        self.lock()
        chosen = set(dimensions) if dimensions is not None else set(ALL_DIMENSIONS)
        counts = self.ReportCount.objects.all()
        if dimensions is None:
            counts.delete()
            self.AudienceSet.objects.all().delete()
            self._sets = {}
        elif articles is None:
            counts.filter(dimension__in=sorted(chosen)).delete()
        else:
            chosen &= {RIGHT, *RIGHT_BY.values()}
            counts.filter(_of_articles_q(chosen, articles)).delete()
        if progress is not None:
            progress("report counts", 0, 1)
        cells: Counter[Cell] = Counter()
        used = {
            _source(measure, dimension)
            for measure, dimension_list in KEPT.items()
            for dimension in dimension_list
            if dimension in chosen
        }
        mixed = {source: self._mixed(*source) if source in used else [] for source in _SOURCES}
        for measure, dimension_list in KEPT.items():
            for dimension in dimension_list:
                if dimension in chosen:
                    source = _source(measure, dimension)
                    cells.update(self._grouped(measure, dimension, source, mixed[source], articles))
        for selector, source, counted in (
            ("persons", VICTIM_SOURCES[VICTIMS], list(KEPT[VICTIMS])),
            ("cases", FACET_SOURCES[CASES], _kept_from(CASES, FACET_SOURCES)),
            ("cases", VICTIM_SOURCES[CASES], _kept_from(CASES, VICTIM_SOURCES)),
            ("events", VICTIM_SOURCES[EVENTS], _kept_from(EVENTS, VICTIM_SOURCES)),
        ):
            wanted = [dimension for dimension in counted if dimension in chosen]
            if wanted:
                for start in range(0, len(mixed[source]), RECOUNT_BATCH):
                    chunk = mixed[source][start : start + RECOUNT_BATCH]
                    cells.update(
                        self.contributions(
                            persons=chunk if selector == "persons" else (),
                            cases=chunk if selector == "cases" else (),
                            events=chunk if selector == "events" else (),
                            dimensions=wanted,
                        )
                    )
        if articles is not None:
            cells = Counter(
                {cell: count for cell, count in cells.items() if _of_articles(cell, articles)}
            )
        self.add(cells)

    def _mixed(self, table: str, thing: str, person: bool) -> list[int]:
        """The things of `table` seen through more than one pair of audiences."""
        having = "MIN(audience_id) <> MAX(audience_id)"
        if person:
            having += " OR MIN(person_audience_id) <> MAX(person_audience_id)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {thing} FROM {table} GROUP BY {thing} HAVING {having}"  # noqa: S608  # nosec B608
            )
            return sorted(row[0] for row in cursor.fetchall())

    def _grouped(
        self,
        measure: int,
        dimension: int,
        source: tuple[str, str, bool],
        mixed: list[int],
        articles: set[int] | None = None,
    ) -> Counter[Cell]:
        """The cells of one measure and dimension, of the things seen through one pair of
        audiences (all but `mixed`): one grouped statement (of the rights, only those
        cells of `articles` if given)."""
        table, thing, person = source
        join, value, parameters = self._value_sql(dimension, articles=articles)
        conditions = []
        pair = "t.audience_id, t.person_audience_id" if person else "t.audience_id"
        groups = "1, 2, 3" if person else "1, 2"
        if mixed:
            # Those seen through several pairs are counted apart, as a change counts them.
            having = "MIN(audience_id) <> MAX(audience_id)"
            if person:
                having += " OR MIN(person_audience_id) <> MAX(person_audience_id)"
            conditions.append(
                f"t.{thing} NOT IN "  # noqa: S608  # nosec B608
                f"(SELECT {thing} FROM {table} GROUP BY {thing} HAVING {having})"
            )
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        statement = (
            f"SELECT {pair}, {value}, COUNT(DISTINCT t.{thing}) "  # noqa: S608  # nosec B608
            f"FROM {table} t {join} {where}GROUP BY {groups}"
        )
        cells: Counter[Cell] = Counter()
        with connection.cursor() as cursor:
            cursor.execute(statement, parameters)
            for row in cursor.fetchall():
                audience, person_audience = row[0], row[1] if person else 0
                cells[(measure, dimension, int(row[-2]), f"{audience}.{person_audience}")] += int(
                    row[-1]
                )
        return cells

    def _value_sql(
        self, dimension: int, name: str = "engaged", articles: set[int] | None = None
    ) -> tuple[str, str, list[Any]]:
        """(a join, the value's expression, its parameters) of a dimension, over a table
        `t` with the events' columns. Types are the facts terms' (few) written out; an
        event engages several rights, so for them `t` is joined, as `name`, to a small
        table of each facts term's articles (`_rights_table`; of `articles` only, if
        given: the rows of other terms are left out)."""
        if dimension in CROSSED_WITH:
            join, right, parameters = self._value_sql(RIGHT, name, articles)
            _none, other, more = self._value_sql(CROSSED_WITH[dimension], name)
            return join, f"{right} * {PAIR} + ({other})", parameters + more
        if dimension in (TYPE, RIGHT):
            terms = sorted(
                self.indexer.FacetTerm.objects.filter(dimension="facts").values_list(
                    "pk", flat=True
                )
            )
            self.read_facts(terms)
            if dimension == TYPE:
                return "", _case([(term, self.facts(term)[0]) for term in terms], "0"), []
            self._rights_table(terms, articles)
            kind = "LEFT JOIN" if articles is None else "JOIN"
            join = f"{kind} {RIGHTS_TABLE} {name} ON {name}.facts = t.facts"
            return join, f"COALESCE({name}.article, 0)", []
        column = {
            TOTAL: "0",
            PLACE: "t.place",
            AUTHORITY: "t.authority",
            STATUS: "t.status",
            SEX: "t.sex",
            AGE: "t.age",
        }
        if dimension in column:
            return "", column[dimension], []
        if connection.vendor == "sqlite":
            year = "CAST(substr(t.start_key, 1, 4) AS INTEGER)"
            month = "CAST(substr(t.start_key, 6, 2) AS INTEGER)"
        else:
            year = "CAST(EXTRACT(YEAR FROM t.start_key) AS INTEGER)"
            month = "CAST(EXTRACT(MONTH FROM t.start_key) AS INTEGER)"
        expression = {
            MONTH: f"{year} * 100 + {month}",
            QUARTER: f"{year} * 10 + ({month} - 1) / 3 + 1",
            YEAR: year,
        }[dimension]
        return "", f"CASE WHEN t.start_key = %s THEN 0 ELSE {expression} END", [UNDATED]

    def _rights_table(self, terms: Sequence[int], articles: set[int] | None = None) -> None:
        """`RIGHTS_TABLE`, this connection's temporary table of (facts term, article) for
        every article each term engages by the rules read now (0 for a term that engages
        none; only `articles`, if given): some tens of rows."""
        rows = [
            (term, article)
            for term in terms
            for article in (self.facts(term)[1] or (0,))
            if articles is None or article in articles
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {RIGHTS_TABLE} "
                "(facts integer NOT NULL, article bigint NOT NULL)"
            )
            cursor.execute(f"DELETE FROM {RIGHTS_TABLE}")  # noqa: S608  # nosec B608
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                cursor.execute(
                    f"INSERT INTO {RIGHTS_TABLE} (facts, article) "  # noqa: S608  # nosec B608
                    f"VALUES {', '.join(['(%s, %s)'] * len(chunk))}",
                    [value for row in chunk for value in row],
                )

    # Reading rows: two dimensions at once

    def crossed(
        self, measure: int, dimensions: Sequence[int], audiences: Sequence[int]
    ) -> dict[tuple[int, ...], int]:
        """Distinct things of `measure` by the values of `dimensions` (two), among the
        index's rows a reader of `audiences` may see (of EventVictim: both the event's
        audience and the person's): one grouped statement, whose cost follows the rows
        the reader may see, where the counts of one value are sums of a few cells."""
        if not audiences:
            return {}
        on_victims = measure == VICTIMS or any(d in PERSON_DIMENSIONS for d in dimensions)
        table, thing, person = (VICTIM_SOURCES if on_victims else FACET_SOURCES)[measure]
        joins, values, parameters = [], [], []
        for position, dimension in enumerate(dimensions):
            join, value, used = self._value_sql(dimension, f"engaged{position}")
            joins.append(join)
            values.append(value)
            parameters += used
        marks = _marks(audiences)
        where = f"t.audience_id IN ({marks})"
        if person:
            where += f" AND t.person_audience_id IN ({marks})"
        groups = ", ".join(str(position + 1) for position in range(len(dimensions)))
        # An event is one row of EventFacet: no need to tell them apart.
        counted = "*" if (table, thing) == FACET_SOURCES[EVENTS][:2] else f"DISTINCT t.{thing}"
        select = f"SELECT {', '.join(values)}, COUNT({counted}) FROM {table} t"  # noqa: S608  # nosec B608
        if connection.vendor == "sqlite" and (table, thing) == FACET_SOURCES[CASES][:2]:
            # The whole table in its order: its indexes lack the cases, and reading one
            # would fetch each row from the table in another order.
            select += " NOT INDEXED"
        statement = " ".join([select, *joins, "WHERE", where, "GROUP BY", groups])
        found: dict[tuple[int, ...], int] = {}
        with connection.cursor() as cursor:
            cursor.execute(statement, [*parameters, *audiences, *(audiences if person else [])])
            for row in cursor.fetchall():
                found[tuple(int(value) for value in row[:-1])] = int(row[-1])
        return found

    def rules_changed(self, articles: set[int] | None = None) -> None:
        """Count the rights and their cross-tabs again by the rules as they are now: only
        the cells of `articles`, if given. A change to a rule can only move an event's
        rows into or out of the articles that rule engaged before or after it, or "none
        by the rules" (0): the callers name those (docket.search.signals)."""
        self._facts, self._rules, self._rule_types = {}, defaultdict(list), set()
        self.recount([RIGHT, *RIGHT_BY.values()], articles=articles)


# Where each measure's things are counted from: (table, the thing's column, whether its
# pairs name a person audience).
VICTIM_SOURCES = {
    VICTIMS: ("search_eventvictim", "person_id", True),
    CASES: ("search_eventvictim", "case_id", True),
    EVENTS: ("search_eventvictim", "event_id", True),
}
FACET_SOURCES = {
    CASES: ("search_eventfacet", "case_id", False),
    EVENTS: ("search_eventfacet", "event_id", False),
}


_SOURCES = (*VICTIM_SOURCES.values(), *FACET_SOURCES.values())


def _source(measure: int, dimension: int) -> tuple[str, str, bool]:
    """Where the things of a measure are counted by a dimension from."""
    if measure == VICTIMS or base(dimension) in PERSON_DIMENSIONS:
        return VICTIM_SOURCES[measure]
    return FACET_SOURCES[measure]


def _of_articles(cell: Cell, articles: set[int]) -> bool:
    """Whether a cell of the rights or their cross-tabs counts one of `articles`."""
    _measure, dimension, value, _key = cell
    if dimension in CROSSED_WITH:
        return unpair(value)[0] in articles
    return dimension == RIGHT and value in articles


def _of_articles_q(dimensions: set[int], articles: set[int]) -> Any:
    """The ReportCount cells of `dimensions` (the rights and their cross-tabs) that count
    one of `articles`."""
    from django.db.models import Q

    chosen = Q(pk__in=[])
    if RIGHT in dimensions:
        chosen |= Q(dimension=RIGHT, value__in=sorted(articles))
    crossed = sorted(dimensions & set(CROSSED_WITH))
    for article in sorted(articles):
        chosen |= Q(
            dimension__in=crossed, value__gte=pair(article, 0), value__lt=pair(article + 1, 0)
        )
    return chosen


def _kept_from(measure: int, sources: dict[int, tuple[str, str, bool]]) -> list[int]:
    """The dimensions of `measure` counted from `sources`' table."""
    return [
        dimension for dimension in KEPT[measure] if _source(measure, dimension) == sources[measure]
    ]


def _case(pairs: list[tuple[int, int]], otherwise: str) -> str:
    """A CASE over the facts term of `t` giving each term's value (our own integers)."""
    if not pairs:
        return otherwise
    branches = " ".join(f"WHEN {int(term)} THEN {int(value)}" for term, value in pairs)
    return f"CASE t.facts {branches} ELSE {otherwise} END"


def _dated(rows: Iterable[tuple[Any, ...]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """Rows read with their start as a date (SQLite reads text)."""
    at = list(columns).index("start_key")
    return [(*row[:at], _day(row[at]), *row[at + 1 :]) for row in rows]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


@lru_cache(maxsize=65536)
def _age(birth: Any, start: date) -> int:
    return age_band_index(birth, None if start == UNDATED else start)


def _member(ids: Sequence[int] | range) -> Callable[[int], bool]:
    if isinstance(ids, range):
        return ids.__contains__
    wanted = set(ids)
    return wanted.__contains__


# Reading counts


def visible_sets(audiences: Iterable[int]) -> list[int]:
    """The audience sets through which a reader of `audiences` sees what is counted."""
    from docket.search.models import AudienceSet

    mine = set(audiences)
    if not mine:
        return []
    return [
        pk for pk, key in AudienceSet.objects.values_list("pk", "key") if seen_through(key, mine)
    ]


def counts(measure: int, dimension: int, audiences: Iterable[int]) -> dict[int, int]:
    """Distinct things of `measure` by value of `dimension` that a reader of `audiences`
    may see."""
    sets = visible_sets(audiences)
    found: Counter[int] = Counter()
    for start in range(0, len(sets), CHUNK):
        chunk = sets[start : start + CHUNK]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT value, SUM(count) FROM search_reportcount "  # noqa: S608  # nosec B608
                f"WHERE measure = %s AND dimension = %s AND audiences_id IN ({_marks(chunk)}) "
                "GROUP BY value",
                [measure, dimension, *chunk],
            )
            for value, count in cursor.fetchall():
                found[int(value)] += int(count)
    # A value no thing holds any more stays at 0: no row.
    return {value: count for value, count in found.items() if count}
