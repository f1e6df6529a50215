"""Reading an interchange document and checking all of it before anything is written.

`read_bundle` turns a parsed JSON document into a `Plan` that the importer
writes, or raises `BundleRefused` naming every problem by its JSON path
(`events[12].start: not a date: "31/02/2020"`), so a sender can mend the
whole file in one go. Nothing here writes; the only reads are vocabularies,
teams, the refs a source was imported with before, and the evidence files.

Choices made where INTERCHANGE.md leaves room, all in the sender's favour of
knowing exactly what happened:

- a field the format does not have is an error, like an unknown top-level
  key, so a misspelt field is not silently dropped;
- a record in the file is the whole record: a field left out takes its
  default, as an empty field would;
- dates of facts (birth, events, sources) may be partial or approximate;
  dates Docket keeps as days (a letter's sending, a consent) need all of
  year, month and day;
- `relationships` have no ref in the format; one may be given, and is then
  remembered like any other;
- a question's status is one of the five the format lists ("ignored" is how
  a reply in Docket dealt with a question, not a status of the letter), and a
  response must come from an authority its letter went to: Docket tracks
  each recipient's copy, and a reply from anyone else would belong to none.
"""

import functools
import json
import re
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django_countries import countries

from docket.accounts.models import Role, Team, User
from docket.accounts.permissions import Confidentiality, may_create
from docket.cases.models import (
    Authority,
    AuthorityKind,
    Case,
    CaseStatus,
    DocumentKind,
    Event,
    EventType,
    Evidence,
    InvolvementRole,
    Reliability,
    Source,
    SourceKind,
)
from docket.cases.services import ALLOWED_TYPES
from docket.interchange.files import BundleFiles, UnsafePath, examine
from docket.interchange.format import (
    COLLECTIONS,
    DOCUMENT_ORDER,
    FORMAT,
    MODELS,
    PUBLIC,
    QUESTIONS,
    SINGULAR,
    VERSION,
    limit,
)
from docket.interchange.models import ImportedRef
from docket.interchange.scope import editable, visible
from docket.letters.models import AnswerStatus, Channel, Dispatch, Letter, Question
from docket.lib import bulk
from docket.lib.partialdate import PartialDate
from docket.people.models import (
    NameKind,
    Person,
    PersonName,
    PersonStatus,
    RelationshipKind,
    Script,
    Sex,
)
from docket.tracing.models import (
    ConsentMethod,
    ConsentScope,
    ContactKind,
    ContactOutcome,
    TracingRequest,
    TracingStatus,
)

REF_LENGTH = limit(ImportedRef, "ref") or 200
# A question's status as INTERCHANGE.md lists them: "ignored" is a reply's answer only.
QUESTION_STATUSES = [status for status in AnswerStatus.values if status != AnswerStatus.IGNORED]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_URL = URLValidator(schemes=["http", "https"])
_EMAIL = EmailValidator()


@dataclass(frozen=True)
class Problem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class BundleRefused(Exception):
    """The bundle cannot be imported as it is; `problems` names every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(self.summary)

    @property
    def summary(self) -> str:
        count = len(self.problems)
        errors = "error" if count == 1 else "errors"
        return f"Nothing was imported: the file has {count} {errors}, listed above."


@dataclass(frozen=True)
class Ref:
    """A record named by its sender's ref, found in the file or among earlier imports."""

    collection: str
    ref: str


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    sha256: str
    path: str
    size: int
    content_type: str


@dataclass(frozen=True)
class QuestionRow:
    ref: str
    text: str
    status: str


@dataclass
class Row:
    """One record as checked: model values (Refs still to be resolved), owned lists, and
    facts the format keeps on the record that Docket keeps elsewhere (a letter's sending
    date and channel, which are each recipient's copy's)."""

    collection: str
    path: str
    ref: str | None
    values: dict[str, Any] = field(default_factory=dict)
    lists: dict[str, list[Any]] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """Everything a bundle will write, checked; the importer only carries it out."""

    source: str
    actor: User | None
    # The team of new records that name none: the command's, else the actor's only one.
    default_team: Team | None
    rows: dict[str, list[Row]]
    files: BundleFiles
    # The team the command names (--team), which records already here move to as well.
    named_team: Team | None = None

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def shown(value: Any) -> str:
    """A value as JSON text, as the sender wrote it, shortened when long."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:79] + "…"


def load_document(data: bytes, *, name: str) -> Any:
    """Parse the JSON text of a bundle, refusing it in one sentence when it is not JSON."""
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        problem = f"{name} is not UTF-8 text"
    except json.JSONDecodeError as error:
        problem = (
            f"{name} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        )
    raise BundleRefused([Problem("", problem)])


def read_bundle(
    document: Any,
    *,
    source: str,
    files: BundleFiles,
    team: Team | None = None,
    actor: User | None = None,
) -> Plan:
    """Check a whole document; return what to write, or raise BundleRefused with every problem.

    `team` owns the persons, cases, sources, letters and tracing requests that
    do not name one; with no `team`, an actor's only team does. Without an
    `actor` the import acts as the system (as `docket demo` does); with one,
    it may only change what that person may change and refer to what they
    may see.
    """
    source_length = limit(ImportedRef, "source") or 200
    if not source.strip() or len(source) > source_length:
        raise BundleRefused(
            [Problem("", f"A source needs a name of 1 to {source_length} characters.")]
        )
    if actor is not None and not may_create(actor):
        raise BundleRefused(
            [Problem("", f"{actor.username} may not add or change records ({actor.role}).")]
        )
    if actor is not None and team is not None and not _may_file_under(actor, team):
        raise BundleRefused(
            [Problem("", f"You can only import into one of your own teams, not {team.name!r}.")]
        )
    named = team
    if team is None and actor is not None:
        own = list(actor.teams.all()[:2])
        team = own[0] if len(own) == 1 else None
    reader = _Reader(source=source, files=files, actor=actor, team=team)
    with bulk.without_cycle_collection():
        rows = reader.read(document)
        reader.resolve(rows)
    if reader.problems:
        raise BundleRefused(sorted(reader.problems, key=_problem_order))
    return Plan(
        source=source, actor=actor, default_team=team, rows=rows, files=files, named_team=named
    )


def _may_file_under(actor: User, team: Team) -> bool:
    return actor.role == Role.ADMINISTRATOR or actor.teams.filter(pk=team.pk).exists()


def _problem_order(problem: Problem) -> tuple[int, int]:
    """Collections in the format's order, records in file order; a record's problems as found."""
    match = re.match(r"^([A-Za-z_]+)(?:\[(\d+)\])?", problem.path)
    if not match or match.group(1) not in DOCUMENT_ORDER:
        return (-1, -1)
    index = int(match.group(2)) if match.group(2) else -1
    return (DOCUMENT_ORDER.index(match.group(1)), index)


@functools.cache
def values_of(choices: type[models.Choices]) -> tuple[str, ...]:
    """A choice's values, computed once (Django's `.values` builds them on every call)."""
    return tuple(choices.values)


@functools.lru_cache(maxsize=1024)
def _step(key: str) -> str:
    """A key as a step of a JSON path: `.name`, or `["odd key"]`."""
    return key if _IDENTIFIER.match(key) else f"[{json.dumps(key, ensure_ascii=False)}]"


class _Item:
    """One JSON object being read; remembers the keys read, so the rest can be named."""

    def __init__(self, reader: "_Reader", path: str, data: dict[str, Any]) -> None:
        self.reader = reader
        self.path = path
        self.data = data
        self.seen: set[str] = set()

    def at(self, key: str) -> str:
        step = _step(key)
        if not self.path:
            return step
        return f"{self.path}{step}" if step.startswith("[") else f"{self.path}.{step}"

    def problem(self, key: str, message: str) -> None:
        self.reader.problem(self.at(key), message)

    def get(self, key: str) -> Any:
        self.seen.add(key)
        return self.data.get(key)

    def finish(self) -> None:
        for key in self.data:
            if key not in self.seen:
                self.problem(key, f"unknown field {shown(key)}")

    def text(self, key: str, *, length: int | None = None, required: bool = False) -> str:
        value = self.get(key)
        if value is None:
            if required:
                self.problem(key, "missing")
            return ""
        if not isinstance(value, str):
            self.problem(key, f"not text: {shown(value)}")
            return ""
        if required and not value.strip():
            self.problem(key, "must not be empty")
        elif "\x00" in value:
            self.problem(key, "contains a NUL character, which no database can keep")
        elif length is not None and len(value) > length:
            self.problem(key, f"longer than {length} characters")
        return value

    def choice(
        self, key: str, allowed: Collection[str], *, default: str = "", required: bool = False
    ) -> str:
        value = self.get(key)
        if value is None or value == "":
            if required:
                self.problem(key, "missing")
            return default
        if not isinstance(value, str) or value not in allowed:
            self.problem(key, f"not one of {', '.join(allowed)}: {shown(value)}")
            return default
        return value

    def partial_date(self, key: str) -> PartialDate | None:
        value = self.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return PartialDate.parse(value)
            except ValueError:
                pass
        self.problem(key, f"not a date: {shown(value)}")
        return None

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self.get(key)
        if value is None or value == "":
            if required:
                self.problem(key, "missing")
            return None
        try:
            parsed = PartialDate.parse(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.problem(key, f"not a date: {shown(value)}")
            return None
        if not parsed.is_exact:
            self.problem(key, f"needs a whole date (YYYY-MM-DD, not approximate): {shown(value)}")
            return None
        return parsed.earliest()

    def boolean(self, key: str, *, default: bool) -> bool:
        value = self.maybe_boolean(key)
        return default if value is None else value

    def maybe_boolean(self, key: str) -> bool | None:
        value = self.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.problem(key, f"not true, false or null: {shown(value)}")
        return None

    def whole_number(self, key: str, *, default: int, lowest: int, highest: int) -> int:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 30.0, as spreadsheets write thirty
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"not a whole number: {shown(value)}")
            return default
        if not lowest <= value <= highest:
            self.problem(key, f"not between {lowest} and {highest}: {value}")
            return default
        return value

    def country(self, key: str) -> str:
        value = self.get(key)
        if value is None or value == "":
            return ""
        code = value.upper() if isinstance(value, str) else ""
        if len(code) == 2 and countries.alpha2(code) == code:
            return code
        self.problem(key, f"not a country code (ISO 3166 alpha-2, such as IR): {shown(value)}")
        return ""

    def email(self, key: str, *, length: int | None) -> str:
        value = self.text(key, length=length)
        if value:
            try:
                _EMAIL(value)
            except ValidationError:
                self.problem(key, f"not an email address: {shown(value)}")
        return value

    def url(self, key: str, *, length: int | None) -> str:
        value = self.text(key, length=length)
        if value:
            try:
                _URL(value)
            except ValidationError:
                self.problem(key, f"not a web address (http or https): {shown(value)}")
        return value

    def own_ref(self, collection: str, *, required: bool = True) -> str | None:
        value = self.get("ref")
        if value is None:
            if required:
                self.problem("ref", "missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem("ref", f"not a ref (refs are non-empty text): {shown(value)}")
            return None
        if len(value) > REF_LENGTH:
            self.problem("ref", f"longer than {REF_LENGTH} characters")
            return None
        first = self.reader.defined[collection].get(value)
        if first is not None:
            self.problem("ref", f"{shown(value)} is used twice in {collection} (also {first})")
            return None
        self.reader.defined[collection][value] = self.path
        return value

    def ref(
        self, key: str, collection: str, *, required: bool = False, parent: bool = False
    ) -> Ref | None:
        value = self.get(key)
        if value is None or value == "":
            if required:
                self.problem(key, "missing")
            return None
        return self.reader.reference(self.at(key), collection, value, parent=parent)

    def refs(self, key: str, collection: str, *, required: bool = False) -> list[Ref]:
        value = self.get(key)
        if value is None:
            value = []
        if not isinstance(value, list):
            self.problem(key, f"not a list of refs: {shown(value)}")
            return []
        if required and not value:
            self.problem(key, f"needs at least one {SINGULAR[collection]}")
        found: list[Ref] = []
        where = self.at(key)
        for index, element in enumerate(value):
            path = f"{where}[{index}]"
            ref = self.reader.reference(path, collection, element)
            if ref is None:
                continue
            if ref in found:
                self.reader.problem(path, f"{shown(element)} is listed twice")
                continue
            found.append(ref)
        return found

    def objects(self, key: str) -> list["_Item"]:
        value = self.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(key, f"not a list: {shown(value)}")
            return []
        items = []
        where = self.at(key)
        for index, element in enumerate(value):
            path = f"{where}[{index}]"
            if isinstance(element, dict):
                items.append(_Item(self.reader, path, element))
            else:
                self.reader.problem(path, f"not an object: {shown(element)}")
        return items

    def object(self, key: str) -> "_Item | None":
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            self.problem(key, f"not an object: {shown(value)}")
            return None
        return _Item(self.reader, self.at(key), value)


class _Reader:
    def __init__(
        self, *, source: str, files: BundleFiles, actor: User | None, team: Team | None
    ) -> None:
        self.source = source
        self.files = files
        self.actor = actor
        self.team = team
        self.problems: list[Problem] = []
        # collection -> ref -> the path of the record that defines it
        self.defined: dict[str, dict[str, str]] = defaultdict(dict)
        # (path, ref, whether the record referring to it is added to it)
        self.references: list[tuple[str, Ref, bool]] = []
        self.question_letter: dict[str, str] = {}
        # letter ref -> the refs of the authorities it goes to, for letters in this file
        self.letter_recipients: dict[str, set[str]] = {}
        self.event_types = {term.code: term for term in EventType.objects.all()}
        self.roles = dict(InvolvementRole.objects.values_list("code", "id"))
        self.kinds = dict(RelationshipKind.objects.values_list("code", "id"))
        self.teams = {team.name: team for team in Team.objects.all()}
        self.max_file_size: int = getattr(settings, "EVIDENCE_MAX_BYTES", 50 * 2**20)

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def reference(
        self, path: str, collection: str, value: Any, *, parent: bool = False
    ) -> Ref | None:
        """Note a ref to check once the whole file is read; `parent` when it is added to."""
        if not isinstance(value, str) or not value.strip():
            self.problem(path, f"not a ref (refs are non-empty text): {shown(value)}")
            return None
        ref = Ref(collection, value)
        self.references.append((path, ref, parent))
        return ref

    def read(self, document: Any) -> dict[str, list[Row]]:
        rows: dict[str, list[Row]] = {collection: [] for collection in COLLECTIONS}
        if not isinstance(document, dict):
            self.problem("", "The document is not a JSON object ({...}).")
            return rows
        top = _Item(self, "", document)
        if "format" not in document:
            self.problem(
                "format", f'missing: a Docket interchange document says "format": "{FORMAT}"'
            )
        elif document["format"] != FORMAT:
            self.problem("format", f'not "{FORMAT}": {shown(document["format"])}')
        version = top.get("version")
        top.seen.add("format")
        if version is None:
            self.problem("version", "missing")
        elif isinstance(version, bool) or version != VERSION:
            self.problem("version", f"this Docket reads version {VERSION}, not {shown(version)}")
        for collection in DOCUMENT_ORDER:
            for item in top.objects(collection):
                row = _READERS[collection](self, item)
                item.finish()
                if row is not None:
                    rows[collection].append(row)
        for key in document:
            if key not in top.seen:
                self.problem(
                    top.at(key),
                    f"unknown top-level key {shown(key)}; the format's collections are "
                    + ", ".join(DOCUMENT_ORDER),
                )
        return rows

    def resolve(self, rows: dict[str, list[Row]]) -> None:
        """Every ref must name a record of this file or one imported earlier from this source."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for collection, refs in self.defined.items():
            wanted[collection].update(refs)
        for _, ref, _ in self.references:
            wanted[ref.collection].add(ref.ref)
        earlier = self._earlier(wanted)
        self._check_references(earlier)
        if self.actor is not None:
            self._check_changes(earlier)
        self._check_secret_records(rows, earlier)
        if self.actor is not None:
            self._check_owning_teams(rows, earlier)
        self._check_answers(rows, earlier)
        self._check_repliers(rows, earlier)

    def _earlier(self, wanted: dict[str, set[str]]) -> dict[Ref, int]:
        """Refs this source was imported with before, of records that still exist."""
        found: dict[Ref, int] = {}
        for collection, refs in wanted.items():
            ids: dict[str, int] = {}
            for chunk in _chunks(sorted(refs), 500):
                ids.update(
                    ImportedRef.objects.filter(
                        source=self.source, collection=collection, ref__in=chunk
                    ).values_list("ref", "object_id")
                )
            existing = set(
                MODELS[collection]
                ._default_manager.filter(pk__in=ids.values())
                .values_list("pk", flat=True)
            )
            found.update({Ref(collection, ref): pk for ref, pk in ids.items() if pk in existing})
        return found

    def _check_references(self, earlier: dict[Ref, int]) -> None:
        seen, changeable = self._usable(earlier)
        for path, ref, parent in self.references:
            if ref.ref in self.defined[ref.collection]:
                continue
            if ref not in seen:
                self.problem(
                    path,
                    f"no {SINGULAR[ref.collection]} with ref {shown(ref.ref)} in this file "
                    f"or imported earlier from {shown(self.source)}",
                )
            elif parent and ref not in changeable:
                self.problem(
                    path, f"you may not add to {SINGULAR[ref.collection]} {shown(ref.ref)}"
                )

    def _usable(self, earlier: dict[Ref, int]) -> tuple[set[Ref], set[Ref]]:
        """Of the earlier records this file refers to: those the actor sees, and may change."""
        outside = {
            ref: earlier[ref]
            for _, ref, _ in self.references
            if ref in earlier and ref.ref not in self.defined[ref.collection]
        }
        if self.actor is None:
            return set(outside), set(outside)
        by_collection: dict[str, dict[int, Ref]] = defaultdict(dict)
        for ref, pk in outside.items():
            by_collection[ref.collection][pk] = ref
        seen: set[Ref] = set()
        changeable: set[Ref] = set()
        for collection, refs in by_collection.items():
            for queryset, found in (
                (visible(collection, self.actor), seen),
                (editable(collection, self.actor), changeable),
            ):
                ids = set(queryset.filter(pk__in=list(refs)).values_list("pk", flat=True))
                found.update(ref for pk, ref in refs.items() if pk in ids)
        return seen, changeable

    def _check_changes(self, earlier: dict[Ref, int]) -> None:
        """An actor may only update, through a second import, what they may change."""
        for collection, refs in self.defined.items():
            ids = {
                earlier[Ref(collection, ref)]: ref
                for ref in refs
                if Ref(collection, ref) in earlier
            }
            if not ids:
                continue
            allowed = set(
                editable(collection, self.actor)
                .filter(pk__in=list(ids))
                .values_list("pk", flat=True)
            )
            for pk, ref in ids.items():
                if pk not in allowed:
                    self.problem(
                        refs[ref],
                        f"{SINGULAR[collection]} {shown(ref)} was imported earlier from this "
                        "source and you may not change it",
                    )

    def _check_secret_records(self, rows: dict[str, list[Row]], earlier: dict[Ref, int]) -> None:
        """A secret record without a team would be hidden from everyone, its author included."""
        for collection, model in (("persons", Person), ("cases", Case)):
            candidates = [
                row
                for row in rows[collection]
                if row.values.get("confidentiality") == Confidentiality.SECRET
                and row.values.get("team_id") is None
                and self.team is None
            ]
            known = {
                earlier[Ref(collection, row.ref)]
                for row in candidates
                if row.ref is not None and Ref(collection, row.ref) in earlier
            }
            with_team = set(
                model._default_manager.filter(pk__in=known, team__isnull=False).values_list(
                    "pk", flat=True
                )
            )
            for row in candidates:
                pk = earlier.get(Ref(collection, row.ref or ""))
                if pk not in with_team:
                    where = (
                        "name one in team or give --team"
                        if collection == "cases"
                        else "give --team"
                    )
                    self.problem(
                        f"{row.path}.confidentiality",
                        f"a secret record needs an owning team, or nobody could see it: {where}",
                    )

    def _check_owning_teams(self, rows: dict[str, list[Row]], earlier: dict[Ref, int]) -> None:
        """A person importing files what they add under a team, as the write services do
        (docket.lib.services.owning_team): a record of no team would be edited by anyone
        and, made secret later, seen by no one."""
        if self.team is not None:
            return
        for collection in ("persons", "cases", "sources", "letters", "tracing_requests"):
            for row in rows[collection]:
                if row.values.get("team_id") is not None:
                    continue
                if row.ref is not None and Ref(collection, row.ref) in earlier:
                    continue  # an update keeps the record's team
                where = (
                    "name one in team or give --team" if collection == "cases" else ("give --team")
                )
                self.problem(
                    row.path,
                    f"{SINGULAR[collection]} {shown(row.ref or '')} needs an owning team, and "
                    f"you belong to no team or to several: {where}",
                )

    def _check_answers(self, rows: dict[str, list[Row]], earlier: dict[Ref, int]) -> None:
        """A response answers questions of the letter it responds to."""

        def known(ref: Ref) -> bool:
            return ref.ref in self.defined[ref.collection] or ref in earlier

        earlier_questions = [
            earlier[ref]
            for row in rows["responses"]
            for ref in row.lists["answers"]
            if ref.ref not in self.defined[QUESTIONS] and ref in earlier
        ]
        letter_of = dict(
            Question.objects.filter(pk__in=earlier_questions).values_list("pk", "letter_id")
        )
        for row in rows["responses"]:
            letter = row.values["letter_id"]
            if letter is None or not known(letter):
                continue  # already reported
            for index, answer in enumerate(row.lists["answers"]):
                if not known(answer):
                    continue
                if answer.ref in self.defined[QUESTIONS]:
                    belongs = self.question_letter.get(answer.ref) == letter.ref
                else:
                    # An earlier question, of a letter this file does not rewrite.
                    belongs = letter.ref not in self.defined["letters"] and letter_of.get(
                        earlier[answer]
                    ) == earlier.get(letter)
                if not belongs:
                    self.problem(
                        f"{row.path}.answers[{index}]",
                        f"question {shown(answer.ref)} is not a question of letter "
                        f"{shown(letter.ref)}",
                    )

    def _check_repliers(self, rows: dict[str, list[Row]], earlier: dict[Ref, int]) -> None:
        """A response comes from an authority the letter went to: each recipient's copy is
        tracked on its own, and a reply from anyone else would belong to no copy."""

        def known(ref: Ref) -> bool:
            return ref.ref in self.defined[ref.collection] or ref in earlier

        pairs = {
            (earlier[letter], earlier[authority])
            for row in rows["responses"]
            if isinstance(letter := row.values["letter_id"], Ref)
            and isinstance(authority := row.values["authority_id"], Ref)
            and letter.ref not in self.letter_recipients
            and letter in earlier
            and authority in earlier
        }
        copies = set()
        if pairs:
            copies = set(
                Dispatch.objects.filter(letter__in={letter for letter, _ in pairs}).values_list(
                    "letter_id", "authority_id"
                )
            )
        for row in rows["responses"]:
            letter, authority = row.values["letter_id"], row.values["authority_id"]
            if not (isinstance(letter, Ref) and isinstance(authority, Ref)):
                continue  # already reported
            if not (known(letter) and known(authority)):
                continue  # already reported
            if letter.ref in self.letter_recipients:
                sent_to = authority.ref in self.letter_recipients[letter.ref]
            else:
                sent_to = (earlier.get(letter), earlier.get(authority)) in copies
            if not sent_to:
                self.problem(
                    f"{row.path}.from",
                    f"authority {shown(authority.ref)} is not one the letter "
                    f"{shown(letter.ref)} went to (its to)",
                )

    def team_named(self, item: _Item, key: str) -> Team | None:
        name = item.text(key, length=limit(Team, "name"))
        if not name:
            return None
        team = self.teams.get(name)
        if team is None:
            item.problem(key, f"no team named {shown(name)}")
        elif self.actor is not None and not _may_file_under(self.actor, team):
            item.problem(
                key, f"you can only file records under one of your own teams, not {shown(name)}"
            )
        return team

    def evidence(self, item: _Item, seen: set[str]) -> EvidenceFile | None:
        name = item.text("name", length=limit(Evidence, "name"), required=True)
        sha256 = item.text("sha256", required=True)
        path = item.text("path", required=True)
        item.finish()
        if sha256 and not _SHA256.match(sha256):
            item.problem("sha256", f"not a SHA-256 (64 hexadecimal digits): {shown(sha256)}")
            return None
        sha256 = sha256.lower()
        if sha256 and sha256 in seen:
            item.problem("sha256", "the same file is listed twice for this source")
            return None
        seen.add(sha256)
        if not (name and sha256 and path):
            return None
        try:
            with self.files.open(path) as stream:
                facts = examine(stream)
        except UnsafePath:
            item.problem("path", f"not a path inside the bundle's folder: {shown(path)}")
            return None
        except FileNotFoundError:
            item.problem("path", f"no such file beside the document: {shown(path)}")
            return None
        except OSError as error:
            item.problem("path", f"cannot be read ({error.strerror or error}): {shown(path)}")
            return None
        if facts.content_type not in ALLOWED_TYPES:
            # The same rule as an upload on a page: no executables or archives as evidence.
            item.problem(
                "path",
                f"files of this type ({facts.content_type}) cannot be kept as evidence; "
                "use PDF, an image, sound, video or text",
            )
        if facts.size > self.max_file_size:
            item.problem("path", f"larger than the {self.max_file_size // 2**20} MB a file may be")
        if facts.sha256 != sha256:
            item.problem(
                "sha256", f"does not match the file {shown(path)}, whose SHA-256 is {facts.sha256}"
            )
            return None
        return EvidenceFile(name, sha256, path, facts.size, facts.content_type)


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _person(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("persons")
    names = []
    for name in item.objects("names"):
        names.append(
            (
                name.text("name", length=limit(PersonName, "name"), required=True),
                name.choice("script", values_of(Script), default=Script.LATIN),
                name.choice("kind", values_of(NameKind), default=NameKind.FULL),
            )
        )
        name.finish()
    if not names and not any(
        problem.path.startswith(item.at("names")) for problem in reader.problems
    ):
        item.problem("names", "needs at least one name")
    values = {
        "sex": item.choice("sex", values_of(Sex), default=Sex.UNKNOWN),
        "birth_date": item.partial_date("birth_date"),
        "birth_place": item.text("birth_place", length=limit(Person, "birth_place")),
        "nationality": item.country("nationality"),
        "status": item.choice("status", values_of(PersonStatus), default=PersonStatus.UNKNOWN),
        "notes": item.text("notes"),
        "confidentiality": item.choice(
            "confidentiality", values_of(Confidentiality), default=Confidentiality.INTERNAL
        ),
    }
    return Row("persons", item.path, ref, values, {"names": names})


def _relationship(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("relationships", required=False)
    # A relationship is written on its person's record, as `relate` writes it: only
    # someone who may change that person adds it or moves it there.
    person = item.ref("person", "persons", required=True, parent=True)
    relative = item.ref("relative", "persons", required=True)
    kind = item.choice("kind", reader.kinds, required=True)
    if person is not None and person == relative:
        item.problem("relative", "a person cannot be their own relative")
    values = {"person_id": person, "relative_id": relative, "kind_id": reader.kinds.get(kind)}
    return Row("relationships", item.path, ref, values)


def _authority(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("authorities")
    values = {
        "name": item.text("name", length=limit(Authority, "name"), required=True),
        "country": item.country("country"),
        "kind": item.choice("kind", values_of(AuthorityKind), default=AuthorityKind.OTHER),
        "email": item.email("email", length=limit(Authority, "email")),
        "address": item.text("address"),
        "response_days": item.whole_number("response_days", default=30, lowest=0, highest=3650),
        "working_days": item.boolean("working_days", default=False),
    }
    return Row("authorities", item.path, ref, values)


def _case(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("cases")
    team = reader.team_named(item, "team")
    values = {
        "title": item.text("title", length=limit(Case, "title"), required=True),
        "summary": item.text("summary"),
        "status": item.choice("status", values_of(CaseStatus), default=CaseStatus.OPEN),
        "confidentiality": item.choice(
            "confidentiality", values_of(Confidentiality), default=Confidentiality.INTERNAL
        ),
        "team_id": team.pk if team is not None else None,
    }
    return Row("cases", item.path, ref, values, {"persons": item.refs("persons", "persons")})


def _event(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("events")
    case = item.ref("case", "cases", required=True, parent=True)
    type_code = item.choice("type", reader.event_types, required=True)
    event_type = reader.event_types.get(type_code)
    start = item.partial_date("start")
    end = item.partial_date("end")
    if start is not None and end is not None and end.latest() < start.earliest():
        item.problem("end", f"before the start ({start}): {shown(end.isoformat())}")
    place_name, place_country = "", ""
    place = item.object("place")
    if place is not None:
        place_name = place.text("name", length=limit(Event, "place_name"))
        place_country = place.country("country")
        place.finish()
    involvements: list[tuple[Ref, int]] = []
    for involvement in item.objects("persons"):
        person = involvement.ref("person", "persons", required=True)
        role = involvement.choice("role", reader.roles, required=True)
        involvement.finish()
        if person is None or not role:
            continue
        if (person, reader.roles[role]) in involvements:
            reader.problem(involvement.path, f"{shown(person.ref)} as {role} is listed twice")
            continue
        involvements.append((person, reader.roles[role]))
    values = {
        "case_id": case,
        "type_id": event_type.pk if event_type is not None else None,
        "start": start,
        "end": end,
        "place_name": place_name,
        "place_country": place_country,
        "authority_id": item.ref("authority", "authorities"),
        "charged": item.maybe_boolean("charged"),
        "document": item.choice("document", values_of(DocumentKind)),
        "destination": item.country("destination"),
        "description": item.text("description"),
    }
    if event_type is not None:
        for extra in ("charged", "document", "destination"):
            if values[extra] not in (None, "") and extra not in event_type.fields:
                users = [code for code, term in reader.event_types.items() if extra in term.fields]
                item.problem(
                    extra,
                    f"only for events of type {', '.join(users) or 'none'}, not {type_code}",
                )
    lists: dict[str, list[Any]] = {
        "involvements": involvements,
        "sources": item.refs("sources", "sources"),
    }
    return Row("events", item.path, ref, values, lists)


def _source(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("sources")
    values = {
        "kind": item.choice("kind", values_of(SourceKind), default=SourceKind.OTHER),
        "title": item.text("title", length=limit(Source, "title"), required=True),
        "given_by": item.text("given_by", length=limit(Source, "given_by")),
        "date": item.partial_date("date"),
        "url": item.url("url", length=limit(Source, "url")),
        "reliability": item.choice(
            "reliability", values_of(Reliability), default=Reliability.UNKNOWN
        ),
    }
    seen: set[str] = set()
    files = [
        found
        for entry in item.objects("files")
        if (found := reader.evidence(entry, seen)) is not None
    ]
    return Row("sources", item.path, ref, values, {"files": files})


def _letter(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("letters")
    questions = []
    for question in item.objects("questions"):
        question_ref = question.own_ref(QUESTIONS)
        text = question.text("text", required=True)
        status = question.choice("status", QUESTION_STATUSES, default=AnswerStatus.UNANSWERED)
        question.finish()
        if question_ref is not None:
            if ref is not None:
                reader.question_letter[question_ref] = ref
            questions.append(QuestionRow(question_ref, text, status))
    values = {
        "title": item.text("title", length=limit(Letter, "title"), required=True),
        "body": item.text("body"),
        "published": item.boolean("published", default=False),
    }
    lists: dict[str, list[Any]] = {
        "to": item.refs("to", "authorities", required=True),
        "cases": item.refs("cases", "cases"),
        "questions": questions,
    }
    # Each recipient's copy went out on this day by this channel.
    facts = {"sent_on": item.day("sent_on"), "channel": item.choice("channel", values_of(Channel))}
    if ref is not None:
        reader.letter_recipients[ref] = {recipient.ref for recipient in lists["to"]}
    return Row("letters", item.path, ref, values, lists, facts)


def _response(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("responses")
    values = {
        "letter_id": item.ref("letter", "letters", required=True, parent=True),
        "authority_id": item.ref("from", "authorities", required=True),
        "received_on": item.day("received_on", required=True),
        "body": item.text("body"),
    }
    return Row("responses", item.path, ref, values, {"answers": item.refs("answers", QUESTIONS)})


def _tracing_request(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("tracing_requests")
    values = {
        "requester_id": item.ref("requester", "persons", required=True),
        "sought_id": item.ref("sought", "persons", required=True),
        "relationship": item.text("relationship", length=limit(TracingRequest, "relationship")),
        "opened_on": item.day("opened_on"),
        "last_contact": item.day("last_contact"),
        "status": item.choice("status", values_of(TracingStatus), default=TracingStatus.OPEN),
    }
    return Row("tracing_requests", item.path, ref, values)


def _consent(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("consents")
    # A consent is the person's own word, written on their record: only someone who may
    # change that person records it, as on the tracing pages.
    person = item.ref("person", "persons", required=True, parent=True)
    # "public" is the format's word for everyone; a person's ref cannot be that word.
    public = item.data.get("granted_to") == PUBLIC
    granted_to = None if public else item.ref("granted_to", "persons", required=True)
    item.seen.add("granted_to")
    given_on = item.day("given_on", required=True)
    expires_on = item.day("expires_on")
    withdrawn_on = item.day("withdrawn_on")
    if given_on and expires_on and expires_on < given_on:
        item.problem("expires_on", f"before it was given ({given_on})")
    if given_on and withdrawn_on and withdrawn_on < given_on:
        item.problem("withdrawn_on", f"before it was given ({given_on})")
    values = {
        "person_id": person,
        "scope": item.choice("scope", values_of(ConsentScope), required=True),
        "granted_to_id": granted_to,
        "granted_to_public": public,
        "given_on": given_on,
        "expires_on": expires_on,
        "withdrawn_on": withdrawn_on,
        "how": item.choice("how", values_of(ConsentMethod), required=True),
    }
    return Row("consents", item.path, ref, values)


def _contact_attempt(reader: _Reader, item: _Item) -> Row:
    ref = item.own_ref("contact_attempts")
    values = {
        "tracing_request_id": item.ref(
            "tracing_request", "tracing_requests", required=True, parent=True
        ),
        "kind": item.choice("kind", values_of(ContactKind), required=True),
        "date": item.day("date", required=True),
        "outcome": item.choice(
            "outcome", values_of(ContactOutcome), default=ContactOutcome.PENDING
        ),
        "refused_by_id": item.ref("refused_by", "authorities"),
        "notes": item.text("notes"),
    }
    return Row("contact_attempts", item.path, ref, values)


_READERS = {
    "persons": _person,
    "relationships": _relationship,
    "authorities": _authority,
    "cases": _case,
    "events": _event,
    "sources": _source,
    "letters": _letter,
    "responses": _response,
    "tracing_requests": _tracing_request,
    "consents": _consent,
    "contact_attempts": _contact_attempt,
}
