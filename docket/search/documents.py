"""What each record puts into the search index, and keeping the index in step with it.

One `Indexer` builds index rows from plain field values (`values()` queries),
so the same code serves a single record saved through a service (the signals
in `docket.search.signals`), the bulk rebuild of `docket search reindex`, and
the data migration that indexes an existing database (which passes its
historical models).

Text is stored folded (`docket.lib.names.fold`) and cut into words here, so
that SQLite's FTS5 and PostgreSQL's 'simple' configuration index the same
words. A person's names are stored also as name keys (`name_key_variants`,
`name_keys`): each word alone and the whole name in every order, encoded as
lower-case tokens, so "Qolamreza Shakari" finds "Gholamreza Shekari" and
"غلامرضا شکاری" through the index, with nothing computed per record at query
time.

A case, an event and a letter also carry the name keys of the persons in them (a
case's persons, an event's persons involved, the persons of the cases a letter
cites), so a search for any spelling of a name finds them too; but only of a
person every reader of the record may see (`covers`): a reader who may see a
case without one of its persons must not find the case by that person's name.
The entry keeps the record's own audience: what decides who finds it is unchanged.
"""

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from itertools import chain
from typing import Any

from django.apps import apps as global_apps
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django_countries import countries

from docket.lib.names import fold, name_key_variants, name_keys
from docket.search import fulltext

WORD = re.compile(r"\w+")
# The smallest date: an event without a known start sorts after every dated one,
# newest first.
UNDATED = date(1, 1, 1)

PERSON, CASE, EVENT, SOURCE, LETTER = "person", "case", "event", "source", "letter"
KINDS = (PERSON, CASE, EVENT, SOURCE, LETTER)
# An entry's id is its kind in the high bits and its record's id in the low ones: a
# full-text match (SQLite's rowid) names its record without reading the entry, and the
# entries of one kind are one range of ids, newest last.
KIND_SHIFT = 56
KIND_CODES = {PERSON: 1, CASE: 2, EVENT: 3, SOURCE: 4, LETTER: 5}


def entry_id(kind: str, object_id: int) -> int:
    return (KIND_CODES[kind] << KIND_SHIFT) + object_id


def kind_ids(kind: str) -> tuple[int, int]:
    """The first and last entry id a kind may have."""
    first = KIND_CODES[kind] << KIND_SHIFT
    return first, first + (1 << KIND_SHIFT) - 1


# Facet dimensions of events, as stored in FacetCount (0 stands for "none").
FACTS, PLACE, AUTHORITY, YEAR, STATUS = 1, 2, 3, 4, 5
DIMENSIONS = (FACTS, PLACE, AUTHORITY, YEAR, STATUS)

# Facet terms few enough to read all at once: event types with their facts, case statuses.
SMALL_DIMENSIONS = ("facts", "status")
# Runs of words of longer names are not keyed beyond this many words.
MAX_NAME_WORDS = 6
# How many records one query reads during a rebuild.
BATCH = 2000


def words(*texts: str | None) -> str:
    """The folded words of `texts`, separated by spaces: what both engines index."""
    return " ".join(chain.from_iterable(_words(str(text)) for text in texts if text))


@lru_cache(maxsize=65536)
def _words(text: str) -> tuple[str, ...]:
    if text.isascii():
        # What fold() does to ASCII, without its Unicode passes: lower case, apostrophes
        # gone, underscores and hyphens between words.
        text = text.lower().replace("'", "").replace("`", "").replace("_", " ")
        return tuple(WORD.findall(text))
    return tuple(WORD.findall(fold(text)))


def key_token(key: str) -> str:
    """A name key as one lower-case word: full-text engines fold case, and name keys
    use upper case for sounds of their own (S for sh, C for ch). Prefix-preserving."""
    return "".join(f"9{char.lower()}" if char.isupper() else char for char in key)


@lru_cache(maxsize=100_000)
def name_tokens(name: str) -> frozenset[str]:
    """Key tokens of one written name, in every reading: each run of its words ("Gholam",
    "Gholam Reza", "Reza Shekari"...), so a query of any part finds it however the parts
    are split or joined, and the whole name in every order."""
    keys = set(name_keys(name))
    parts = fold(name.replace("\u200c", " ")).split()[:MAX_NAME_WORDS]
    for start in range(len(parts)):
        for end in range(start + 1, len(parts) + 1):
            keys.update(name_key_variants(" ".join(parts[start:end])))
    return frozenset(key_token(key) for key in keys if key)


@lru_cache(maxsize=16384)
def place_key(place: str) -> str:
    """A place's facet term key: its folded name. Remembered, since the events of one
    batch name the same few hundred places over and over."""
    return fold(place)[:200]


@lru_cache(maxsize=4096)
def country_name(code: str) -> str:
    return str(countries.name(code)) if code else ""


@dataclass(frozen=True)
class Row:
    """One index entry before it is written: `SearchEntry` fields by name."""

    kind: str
    object_id: int
    audience_id: int
    case_id: int | None
    title: str
    names: str
    body: str
    status: str = ""

    def values(self) -> dict[str, Any]:
        return {"id": entry_id(self.kind, self.object_id), **self.__dict__}


@dataclass(frozen=True)
class FacetRow:
    """One `EventFacet` before it is written."""

    event_id: int
    case_id: int
    audience_id: int
    facts: int
    place: int
    authority: int
    year: int
    status: int
    start_key: date
    start_latest: date | None

    @property
    def cube(self) -> tuple[int, int, int, int, int, int]:
        return (self.audience_id, self.facts, self.place, self.authority, self.year, self.status)


def cells(cube: tuple[int, ...]) -> Iterator[tuple[int, int, int, int, int]]:
    """The FacetCount cells one event adds to: (audience, filter dim, filter value, dim,
    value). See docket.search.models.FacetCount."""
    audience, *values = cube
    yield (audience, 0, 0, 0, 0)
    for dimension, value in zip(DIMENSIONS, values, strict=True):
        yield (audience, 0, 0, dimension, value)
        yield (audience, dimension, value, 0, 0)
        for other, other_value in zip(DIMENSIONS, values, strict=True):
            if other != dimension:
                yield (audience, dimension, value, other, other_value)


@lru_cache(maxsize=1024)
def _choice_labels(choices: tuple[tuple[str, str], ...], value: str) -> list[str]:
    """A choice's label in every language Docket speaks, so each finds it."""
    label = dict(choices).get(value)
    if label is None:
        return []
    found = [label]
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = str(translation.gettext(label))
        if text not in found:
            found.append(text)
    return found


# Levels every member of the staff may see.
OPEN_LEVELS = ("public", "internal")


def covers(person: tuple[str, int | None], record: tuple[str, int | None]) -> bool:
    """Whether everyone who may see a record of (level, team) `record` may also see a
    person of (level, team) `person` (docket.accounts.permissions.visibility_q): a public
    or internal person always; a restricted one in a restricted or secret record of their
    own team; a secret one in a secret record of their own team."""
    person_level, person_team = person
    record_level, record_team = record
    if person_level in OPEN_LEVELS:
        return True
    if person_team != record_team:
        return False
    if person_level == "restricted":
        return record_level in ("restricted", "secret")
    return person_level == "secret" and record_level == "secret"


class Indexer:
    """Builds and writes index rows. `apps` is Django's registry, or a migration's."""

    def __init__(self, apps: Any = global_apps) -> None:
        self.apps = apps
        self.Audience = apps.get_model("search", "Audience")
        self.SearchEntry = apps.get_model("search", "SearchEntry")
        self.EventFacet = apps.get_model("search", "EventFacet")
        self.FacetTerm = apps.get_model("search", "FacetTerm")
        self.FacetCount = apps.get_model("search", "FacetCount")
        self._audiences: dict[tuple[str, int | None], int] = {}
        self._terms: dict[tuple[str, str], int] = {}
        self._loaded: set[str] = set()
        from docket.search.tallies import Tallies

        # The reports' victims and distinct counts, kept with the events' facets.
        self.tallies = Tallies(self)

    # Lookups, each loaded once per Indexer

    def audience(self, confidentiality: str, team_id: int | None) -> int:
        key = (confidentiality, team_id)
        if key not in self._audiences and not self._audiences:
            # A few dozen rows: all of them at once.
            self._audiences = {
                (level, team): pk
                for pk, level, team in self.Audience.objects.values_list(
                    "pk", "confidentiality", "team_id"
                )
            }
        if key not in self._audiences:
            text = f"{confidentiality}:{team_id or ''}"
            found = self.Audience.objects.filter(key=text).values_list("pk", flat=True).first()
            if found is None:
                found = self._create(
                    self.Audience,
                    {"key": text},
                    confidentiality=confidentiality,
                    team_id=team_id,
                )
            self._audiences[key] = found
        return self._audiences[key]

    def term(self, dimension: str, key: str, label: str) -> int:
        key = key[:200]
        if dimension in SMALL_DIMENSIONS and dimension not in self._loaded:
            self._loaded.add(dimension)
            self._terms |= {
                (dimension, term_key): pk
                for pk, term_key in self.FacetTerm.objects.filter(dimension=dimension).values_list(
                    "pk", "key"
                )
            }
        if (dimension, key) not in self._terms:
            found = (
                self.FacetTerm.objects.filter(dimension=dimension, key=key)
                .values_list("pk", flat=True)
                .first()
            )
            if found is None:
                found = self._create(
                    self.FacetTerm, {"dimension": dimension, "key": key}, label=label[:200]
                )
            self._terms[(dimension, key)] = found
        return self._terms[(dimension, key)]

    def term_keys(self, dimension: str) -> dict[int, str]:
        """The keys of the terms of `dimension` this indexer has read, by id."""
        return {pk: key for (name, key), pk in self._terms.items() if name == dimension}

    def preload_terms(self, dimension: str, labels: dict[str, str]) -> None:
        """Read the terms of these keys at once, and add those missing in one statement
        (another writer adding one meanwhile is fine): a bulk writer's thousands of
        events name hundreds of places, each otherwise read or created alone."""
        wanted = sorted(
            {key[:200] for key in labels} - {k for d, k in self._terms if d == dimension}
        )
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            found = dict(
                self.FacetTerm.objects.filter(dimension=dimension, key__in=chunk).values_list(
                    "key", "pk"
                )
            )
            missing = [key for key in chunk if key not in found]
            if missing:
                self.FacetTerm.objects.bulk_create(
                    [
                        self.FacetTerm(dimension=dimension, key=key, label=labels[key][:200])
                        for key in missing
                    ],
                    ignore_conflicts=True,
                )
                found |= dict(
                    self.FacetTerm.objects.filter(dimension=dimension, key__in=missing).values_list(
                        "key", "pk"
                    )
                )
            self._terms |= {(dimension, key): pk for key, pk in found.items()}

    @staticmethod
    def _create(model: Any, unique: dict[str, Any], **fields: Any) -> int:
        """Create a lookup row, or take the one another process created meanwhile."""
        try:
            with transaction.atomic():
                return int(model.objects.create(**unique, **fields).pk)
        except IntegrityError:
            return int(model.objects.get(**unique).pk)

    def choice_labels(self, model: str, field: str, value: str) -> list[str]:
        if not value:
            return []
        app_label, model_name = model.split(".")
        choices = self.apps.get_model(app_label, model_name)._meta.get_field(field).choices
        with translation.override(None):  # the labels as written, whatever the reader's language
            written = tuple((str(key), str(label)) for key, label in choices)
        return _choice_labels(written, value)

    # Names carried by cases, events and letters

    def audience_key(self, audience_id: int) -> tuple[str, int | None]:
        """The (level, team) of an audience the indexer has used."""
        for key, pk in self._audiences.items():
            if pk == audience_id:
                return key
        level, team = (
            self.Audience.objects.filter(pk=audience_id)
            .values_list("confidentiality", "team_id")
            .get()
        )
        return (level, team)

    def _persons_named(self, person_ids: Iterable[int]) -> dict[int, tuple[Any, frozenset[str]]]:
        """Living persons' (level, team) and name key tokens, by id."""
        Person = self.apps.get_model("people", "Person")
        PersonName = self.apps.get_model("people", "PersonName")
        wanted = sorted(set(person_ids))
        found: dict[int, tuple[Any, frozenset[str]]] = {}
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            tokens: dict[int, set[str]] = {}
            for person_id, name in PersonName.objects.filter(person_id__in=chunk).values_list(
                "person_id", "name"
            ):
                tokens.setdefault(person_id, set()).update(name_tokens(name))
            for pk, level, team in Person.objects.filter(
                pk__in=chunk, deleted_at__isnull=True
            ).values_list("pk", "confidentiality", "team_id"):
                found[pk] = ((level, team), frozenset(tokens.get(pk, ())))
        return found

    def carried_names(
        self,
        persons_of: dict[int, set[int]],
        record_keys: dict[int, tuple[str, int | None]],
    ) -> dict[int, str]:
        """Each record's carried name tokens: those of its persons (`persons_of`) whom
        every reader of the record (of (level, team) `record_keys`) may see."""
        named = self._persons_named(pk for ids in persons_of.values() for pk in ids)
        carried: dict[int, str] = {}
        for record_id, person_ids in persons_of.items():
            tokens: set[str] = set()
            for person_id in person_ids:
                person = named.get(person_id)
                if person is not None and covers(person[0], record_keys[record_id]):
                    tokens |= person[1]
            carried[record_id] = " ".join(sorted(tokens))
        return carried

    def case_persons(self, case_ids: Sequence[int]) -> dict[int, set[int]]:
        Case = self.apps.get_model("cases", "Case")
        through = Case._meta.get_field("persons").remote_field.through
        persons: dict[int, set[int]] = {}
        for case_id, person_id in through.objects.filter(case_id__in=list(case_ids)).values_list(
            "case_id", "person_id"
        ):
            persons.setdefault(case_id, set()).add(person_id)
        return persons

    def event_persons(self, event_ids: Sequence[int]) -> dict[int, set[int]]:
        Involvement = self.apps.get_model("cases", "Involvement")
        persons: dict[int, set[int]] = {}
        for event_id, person_id in Involvement.objects.filter(
            event_id__in=list(event_ids)
        ).values_list("event_id", "person_id"):
            persons.setdefault(event_id, set()).add(person_id)
        return persons

    def letter_persons(self, letter_keys: dict[int, tuple[str, int | None]]) -> dict[int, set[int]]:
        """The persons of the cases each letter cites, of the cases every reader of the
        letter may see (a letter must not tell of a case through its persons' names)."""
        Letter = self.apps.get_model("letters", "Letter")
        Case = self.apps.get_model("cases", "Case")
        through = Letter._meta.get_field("cases").remote_field.through
        cited: dict[int, set[int]] = {}
        for letter_id, case_id in through.objects.filter(
            letter_id__in=list(letter_keys)
        ).values_list("letter_id", "case_id"):
            cited.setdefault(letter_id, set()).add(case_id)
        case_ids = {case_id for ids in cited.values() for case_id in ids}
        case_keys = {
            pk: (level, team)
            for pk, level, team in Case.objects.filter(
                pk__in=sorted(case_ids), deleted_at__isnull=True
            ).values_list("pk", "confidentiality", "team_id")
        }
        case_persons = self.case_persons(sorted(case_keys))
        persons: dict[int, set[int]] = {}
        for letter_id, cases in cited.items():
            for case_id in cases:
                if case_id in case_keys and covers(case_keys[case_id], letter_keys[letter_id]):
                    persons.setdefault(letter_id, set()).update(case_persons.get(case_id, ()))
        return persons

    # Rows from field values

    def person_rows(self, ids: Sequence[int]) -> list[Row]:
        Person = self.apps.get_model("people", "Person")
        PersonName = self.apps.get_model("people", "PersonName")
        names: dict[int, list[tuple[str, str]]] = {}
        for person_id, name, kind in (
            PersonName.objects.filter(person_id__in=ids)
            .order_by("position", "id")
            .values_list("person_id", "name", "kind")
        ):
            names.setdefault(person_id, []).append((name, kind))
        rows = []
        for values in Person.objects.filter(pk__in=ids, deleted_at__isnull=True).values(
            "pk", "confidentiality", "team_id", "birth_place", "nationality", "notes"
        ):
            own = names.get(values["pk"], [])
            full = [name for name, kind in own if kind == "full"]
            shown = (full or [name for name, _kind in own] or [f"#{values['pk']}"])[0]
            tokens: set[str] = set()
            for name, _kind in own:
                tokens |= name_tokens(name)
            rows.append(
                Row(
                    kind=PERSON,
                    object_id=values["pk"],
                    audience_id=self.audience(values["confidentiality"], values["team_id"]),
                    case_id=None,
                    title=words(shown),
                    names=" ".join(sorted(tokens)),
                    body=words(
                        *(name for name, _kind in own),
                        values["birth_place"],
                        country_name(str(values["nationality"] or "")),
                        values["notes"],
                    ),
                )
            )
        return rows

    def case_rows(self, ids: Sequence[int]) -> list[Row]:
        Case = self.apps.get_model("cases", "Case")
        cases = list(
            Case.objects.filter(pk__in=ids, deleted_at__isnull=True).values(
                "pk", "confidentiality", "team_id", "title", "summary", "status"
            )
        )
        names = self.carried_names(
            self.case_persons([values["pk"] for values in cases]),
            {values["pk"]: (values["confidentiality"], values["team_id"]) for values in cases},
        )
        return [
            Row(
                kind=CASE,
                object_id=values["pk"],
                audience_id=self.audience(values["confidentiality"], values["team_id"]),
                case_id=None,
                title=words(values["title"]),
                names=names.get(values["pk"], ""),
                body=words(values["summary"]),
                status=values["status"],
            )
            for values in cases
        ]

    def source_rows(self, ids: Sequence[int]) -> list[Row]:
        Source = self.apps.get_model("cases", "Source")
        return [
            Row(
                kind=SOURCE,
                object_id=values["pk"],
                audience_id=self.audience(values["confidentiality"], values["team_id"]),
                case_id=None,
                title=words(values["title"]),
                names="",
                body=words(
                    values["given_by"], *self.choice_labels("cases.Source", "kind", values["kind"])
                ),
            )
            for values in Source.objects.filter(pk__in=ids, deleted_at__isnull=True).values(
                "pk", "confidentiality", "team_id", "title", "given_by", "kind"
            )
        ]

    def letter_rows(self, ids: Sequence[int]) -> list[Row]:
        Letter = self.apps.get_model("letters", "Letter")
        Question = self.apps.get_model("letters", "Question")
        questions: dict[int, list[str]] = {}
        for letter_id, text in (
            Question.objects.filter(letter_id__in=ids)
            .order_by("number")
            .values_list("letter_id", "text")
        ):
            questions.setdefault(letter_id, []).append(text)
        letters = list(
            Letter.objects.filter(pk__in=ids, deleted_at__isnull=True).values(
                "pk", "confidentiality", "team_id", "title", "body"
            )
        )
        keys = {values["pk"]: (values["confidentiality"], values["team_id"]) for values in letters}
        names = self.carried_names(self.letter_persons(keys), keys)
        return [
            Row(
                kind=LETTER,
                object_id=values["pk"],
                audience_id=self.audience(values["confidentiality"], values["team_id"]),
                case_id=None,
                title=words(values["title"]),
                names=names.get(values["pk"], ""),
                body=words(values["body"], *questions.get(values["pk"], [])),
            )
            for values in letters
        ]

    def case_facts(self, ids: Iterable[int]) -> dict[int, tuple[int, int]]:
        """Living cases' (audience, status term) by id; a deleted case hides its events."""
        Case = self.apps.get_model("cases", "Case")
        return {
            pk: (self.audience(confidentiality, team_id), self.term("status", status, status))
            for pk, confidentiality, team_id, status in Case.objects.filter(
                pk__in=list(ids), deleted_at__isnull=True
            ).values_list("pk", "confidentiality", "team_id", "status")
        }

    EVENT_FIELDS = (
        "pk",
        "case_id",
        "type_id",
        "type__label",
        "start",
        "place_name",
        "place_country",
        "authority_id",
        "authority__name",
        "charged",
        "document",
        "destination",
        "description",
    )
    CASE_FIELDS = ("case__confidentiality", "case__team_id", "case__status", "case__deleted_at")

    def event_rows(
        self, ids: Sequence[int], cases: dict[int, tuple[int, int]] | None = None
    ) -> tuple[list[Row], list[FacetRow]]:
        """Entries and facet rows of the living events among `ids` whose case lives.
        `cases` (from `case_facts`) may be given when the caller has it already; else
        each event's case is read with it."""
        Event = self.apps.get_model("cases", "Event")
        fields = self.EVENT_FIELDS if cases is not None else self.EVENT_FIELDS + self.CASE_FIELDS
        # In id order: by the events' own order (start, id) SQLite walks the whole table
        # down its start index to pick out these few (a third of an import's time).
        events = list(
            Event.objects.filter(pk__in=ids, deleted_at__isnull=True).order_by("pk").values(*fields)
        )
        places = {
            place_key(place): place
            for values in events
            if (place := (values["place_name"] or "").strip())
        }
        if len(places) > 10:
            self.preload_terms("place", places)
        rows: list[Row] = []
        facets: list[FacetRow] = []
        audiences: dict[int, int] = {}
        for values in events:
            if cases is not None:
                case = cases.get(values["case_id"])
            elif values["case__deleted_at"] is None:
                case = (
                    self.audience(values["case__confidentiality"], values["case__team_id"]),
                    self.term("status", values["case__status"], values["case__status"]),
                )
            else:
                case = None
            if case is None:
                continue
            audience_id, status = case
            audiences[values["pk"]] = audience_id
            rows.append(self._event_row(values, audience_id))
            facets.append(self._facet_row(values, audience_id, status))
        names = self.carried_names(
            self.event_persons(sorted(audiences)),
            {pk: self.audience_key(audience_id) for pk, audience_id in audiences.items()},
        )
        rows = [replace(row, names=names.get(row.object_id, "")) for row in rows]
        return rows, facets

    def _event_row(self, values: dict[str, Any], audience_id: int) -> Row:
        return Row(
            kind=EVENT,
            object_id=values["pk"],
            audience_id=audience_id,
            case_id=values["case_id"],
            title=words(values["type__label"], values["place_name"]),
            names="",
            body=words(
                values["description"],
                values["authority__name"],
                country_name(str(values["place_country"] or "")),
                country_name(str(values["destination"] or "")),
                *self.choice_labels("cases.Event", "document", values["document"]),
            ),
        )

    def _facet_row(self, values: dict[str, Any], audience_id: int, status: int) -> FacetRow:
        start = values["start"]
        charged = values["charged"]
        facts_key = f"{values['type_id']}|{'' if charged is None else int(charged)}|"
        facts_key += values["document"] or ""
        place = (values["place_name"] or "").strip()
        return FacetRow(
            event_id=values["pk"],
            case_id=values["case_id"],
            audience_id=audience_id,
            facts=self.term("facts", facts_key, facts_key),
            place=self.term("place", place_key(place), place) if place else 0,
            authority=values["authority_id"] or 0,
            year=start.year if start else 0,
            status=status,
            start_key=start.earliest() if start else UNDATED,
            start_latest=start.latest() if start else None,
        )

    def rows(self, kind: str, ids: Sequence[int]) -> list[Row]:
        if kind == EVENT:
            return self.event_rows(ids)[0]
        return {
            PERSON: self.person_rows,
            CASE: self.case_rows,
            SOURCE: self.source_rows,
            LETTER: self.letter_rows,
        }[kind](ids)

    # Writing

    def sync(self, kind: str, ids: Sequence[int]) -> None:
        """Bring the entries of these records in line with them: written, changed, or
        removed when the record is gone, deleted or (for an event) its case is."""
        ids = list(ids)
        if not ids:
            return
        if kind == EVENT:
            rows, facets = self.event_rows(ids)
            change = self.tallies.before(events=ids, facets=facets)
            self._write_facets(ids, facets)
            self.tallies.after(change)
        else:
            rows = self.rows(kind, ids)
            if kind == PERSON:  # a victim's level, team, sex, birth or being alive
                self.tallies.after(self.tallies.before(persons=ids))
        self._write_entries(kind, ids, rows)

    def remove(self, kind: str, ids: Sequence[int]) -> None:
        ids = list(ids)
        if kind == EVENT:
            change = self.tallies.before(events=ids)
            self._write_facets(ids, [])
            self.tallies.after(change)
        elif kind == PERSON:
            self.tallies.after(self.tallies.before(persons=ids))
        self.SearchEntry.objects.filter(kind=kind, object_id__in=ids).delete()

    def _write_entries(self, kind: str, ids: list[int], rows: list[Row]) -> None:
        wanted = {row.object_id: row for row in rows}
        existing = {
            entry.object_id: entry
            for entry in self.SearchEntry.objects.filter(kind=kind, object_id__in=ids)
        }
        gone = [object_id for object_id in existing if object_id not in wanted]
        if gone:
            self.SearchEntry.objects.filter(kind=kind, object_id__in=gone).delete()
        fields = ("audience_id", "case_id", "title", "names", "body", "status")
        # New entries in a few statements (an import adds thousands at once).
        _insert(
            self.SearchEntry,
            [row.values() for pk, row in wanted.items() if pk not in existing],
        )
        for object_id, row in wanted.items():
            entry = existing.get(object_id)
            if entry is None:
                continue
            changed = {
                name: getattr(row, name)
                for name in fields
                if getattr(entry, name) != getattr(row, name)
            }
            if changed:
                self.SearchEntry.objects.filter(pk=entry.pk).update(**changed)

    def _write_facets(self, ids: list[int], facets: list[FacetRow]) -> None:
        old = list(self.EventFacet.objects.filter(event_id__in=ids))
        # Counted in one pass in C (an import adds thirty cells for each of its events).
        delta: Counter[tuple[int, int, int, int, int]] = Counter(
            chain.from_iterable(cells(row.cube) for row in facets)
        )
        if old:
            delta.subtract(chain.from_iterable(cells(_cube(facet)) for facet in old))
            self.EventFacet.objects.filter(event_id__in=ids).delete()
        if facets:
            _insert(self.EventFacet, [row.__dict__ for row in facets])
        add_counts(delta)

    # Rebuilding everything

    def rebuild(self, progress: Any = None) -> dict[str, int]:
        """Empty the index and build it again from every record, in batches, in one
        transaction: until it commits, searches read the index as it was.

        The full-text index (SQLite's triggers, PostgreSQL's GIN index) and the events'
        indexes are set aside while the rows go in, and built afterwards in one pass each:
        several times faster than keeping them up to date row by row. Meanwhile writers
        wait (SQLite), or readers and writers of the index do (PostgreSQL): a rebuild is
        for a bulk load or maintenance, not for the middle of a working day."""
        sqlite = connection.vendor == "sqlite"
        counts: dict[str, int] = {}
        indexes = _index_sql(self.EventFacet)
        if self.tallies.kept:
            indexes |= _index_sql(self.tallies.EventVictim)
        with transaction.atomic(), connection.cursor() as cursor:
            self.tallies.lock()  # before the facets' counts, as every writer of them
            for statement in (
                fulltext.SQLITE_DROP_TRIGGERS if sqlite else fulltext.POSTGRESQL_DROP_INDEXES
            ):
                cursor.execute(statement)
            for name in indexes:
                cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")
            self.SearchEntry.objects.all().delete()
            self.EventFacet.objects.all().delete()
            self.FacetCount.objects.all().delete()
            if self.tallies.kept:
                self.tallies.EventVictim.objects.all().delete()
            for kind in KINDS:
                counts[kind] = self.rebuild_kind(kind, progress)
            self.tallies.build_victims(progress)
            if progress is not None:
                progress("full-text and list indexes", 0, 1)
            if sqlite:
                cursor.execute(fulltext.SQLITE_REBUILD)
            else:
                # Check the deferred foreign keys now: PostgreSQL builds no index on a
                # table with checks pending.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for statement in indexes.values():
                cursor.execute(statement)
            for statement in fulltext.SQLITE_TRIGGERS if sqlite else fulltext.POSTGRESQL_INDEXES:
                cursor.execute(statement)
            if not sqlite:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them
            rebuild_counts()
            self.tallies.recount(progress=progress)
        optimise()
        return counts

    def rebuild_kind(self, kind: str, progress: Any = None) -> int:
        model = self.apps.get_model(*MODELS[kind].split("."))
        total = model.objects.filter(deleted_at__isnull=True).count()
        cases = self.case_facts_all() if kind == EVENT else None
        done = 0
        last = 0
        while True:
            ids = list(
                model.objects.filter(pk__gt=last, deleted_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            last = ids[-1]
            with transaction.atomic():
                if kind == EVENT:
                    rows, facets = self.event_rows(ids, cases)
                    _insert(self.EventFacet, [row.__dict__ for row in facets])
                else:
                    rows = self.rows(kind, ids)
                _insert(self.SearchEntry, [row.values() for row in rows])
            done += len(ids)
            if progress is not None:
                progress(kind, done, total)
        return done

    def case_facts_all(self) -> dict[int, tuple[int, int]]:
        Case = self.apps.get_model("cases", "Case")
        facts: dict[int, tuple[int, int]] = {}
        last = 0
        while True:
            ids = list(
                Case.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[: BATCH * 10]
            )
            if not ids:
                return facts
            last = ids[-1]
            facts.update(self.case_facts(ids))


MODELS = {
    PERSON: "people.Person",
    CASE: "cases.Case",
    EVENT: "cases.Event",
    SOURCE: "cases.Source",
    LETTER: "letters.Letter",
}


def _index_sql(model: Any) -> dict[str, str]:
    """CREATE INDEX statements of a model's Meta indexes, by name."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    return {
        index.name: f"CREATE INDEX {quote(index.name)} ON {table} ("
        + ", ".join(quote(model._meta.get_field(name).column) for name in index.fields)
        + ")"
        for index in model._meta.indexes
    }


def _insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Rows given by column: the rebuild's hot path, without the ORM's work per object
    (our rows are plain values already)."""
    if rows:
        names = list(rows[0])
        insert_rows(model._meta.db_table, names, [[row[name] for name in names] for row in rows])


def insert_rows(table: str, columns: list[str], rows: list[list[Any]]) -> None:
    """Insert many rows fast: on SQLite, statements of a few hundred rows each; on
    PostgreSQL, one statement sent for every row in a pipeline (psycopg parses a long
    statement's placeholders in Python, which costs more than it saves)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    statement = f"INSERT INTO {quote(table)} ({names}) VALUES "  # noqa: S608 - our names  # nosec B608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(statement + row_marks, rows)
            return
        size = max(1, 900 // len(columns))
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            cursor.execute(
                statement + ", ".join([row_marks] * len(chunk)),
                [value for row in chunk for value in row],
            )


def _cube(facet: Any) -> tuple[int, int, int, int, int, int]:
    return (
        facet.audience_id,
        facet.facts,
        facet.place,
        facet.authority,
        facet.year,
        facet.status,
    )


def add_counts(delta: Counter[tuple[int, int, int, int, int]]) -> None:
    """Add `delta` to FacetCount in one statement per few hundred cells, in key order
    (so that two writers at once lock the rows they share in the same order)."""
    cells_changed = sorted(cell for cell, change in delta.items() if change)
    table = "search_facetcount"
    for start in range(0, len(cells_changed), 500):
        chunk = cells_changed[start : start + 500]
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
        parameters: list[int] = []
        for cell in chunk:
            parameters.extend((*cell, delta[cell]))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} "  # noqa: S608 - a constant table name  # nosec B608
                "(audience_id, filter_dimension, filter_value, dimension, value, count) "
                f"VALUES {placeholders} "
                "ON CONFLICT (filter_dimension, filter_value, audience_id, dimension, value) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                parameters,
            )


_COLUMNS = {FACTS: "facts", PLACE: "place", AUTHORITY: "authority", YEAR: "year", STATUS: "status"}


def rebuild_counts() -> None:
    """FacetCount from EventFacet, one grouped query per kind of cell."""
    selects: list[str] = ["SELECT audience_id, 0, 0, 0, 0, COUNT(*) FROM search_eventfacet"]
    groups: list[str] = ["audience_id"]
    for dimension, column in _COLUMNS.items():
        selects.append(
            f"SELECT audience_id, 0, 0, {dimension}, {column}, COUNT(*) "  # noqa: S608  # nosec B608
            "FROM search_eventfacet"
        )
        groups.append(f"audience_id, {column}")
        selects.append(
            f"SELECT audience_id, {dimension}, {column}, 0, 0, COUNT(*) "  # noqa: S608  # nosec B608
            "FROM search_eventfacet"
        )
        groups.append(f"audience_id, {column}")
        for other, other_column in _COLUMNS.items():
            if other != dimension:
                selects.append(
                    f"SELECT audience_id, {dimension}, {column}, {other}, "  # noqa: S608  # nosec B608
                    f"{other_column}, COUNT(*) FROM search_eventfacet"
                )
                groups.append(f"audience_id, {column}, {other_column}")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_facetcount")
        for select, group in zip(selects, groups, strict=True):
            cursor.execute(
                "INSERT INTO search_facetcount "
                "(audience_id, filter_dimension, filter_value, dimension, value, count) "
                f"{select} GROUP BY {group}"
            )


def optimise() -> None:
    """After a bulk load: merge SQLite's full-text segments, refresh planner statistics."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            # VACUUM also marks the pages all-visible, which index-only scans need; it
            # cannot run in a transaction (the data migration's), where ANALYZE must do.
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
