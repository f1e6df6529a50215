"""A deterministic, fictional dataset in the proportions of a large association.

For N events: N/10 cases, N/5 persons (two per case), N/20 sources, N/100
letters with 3 to 8 questions each, five teams and thirty staff. Names come
from `docket.lib.fictional` (common given and family names paired at random,
in Persian script and in the Latin spellings different hands give them), so
no person stands for a real one. Events spread over twenty years, more of them
recent; most happen at a few places and before a few authorities, with a long
tail of others, as real documentation does. Five cases hold 200 events each,
for the case page of the benchmark.

The same seed gives the same records, generated a block of cases at a time so
that a million events never sit in memory at once. `load` writes them with
bulk inserts (no history, no audit entries: what a migration from another
system would do), then the index is built by `docket.search.documents`.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from docket.lib.fictional import FictionalNames
from docket.lib.partialdate import PartialDate, PartialDateField
from docket.search.documents import insert_rows

TEAMS = ("Documentation", "Families", "Legal", "Advocacy", "Tracing")
# (role, how many) of the thirty staff; each in one team, round robin.
STAFF = (("administrator", 2), ("coordinator", 5), ("documenter", 15), ("viewer", 8))

# Places: a few facilities hold most events; the rest spread over a long tail.
MAIN_PLACES = (
    ("North Camp", "IQ", 20),
    ("Harbour Detention Centre", "AL", 13),
    ("Central Police Station", "IQ", 10),
    ("Airport Transit Zone", "TR", 8),
    ("Border Post East", "TR", 6),
    ("Southern Prison", "IQ", 5),
    ("Immigration Office, Old Town", "AL", 4),
    ("Reception Centre West", "DE", 3),
)
TAIL_PLACES = 300
TAIL_SHARE = 21  # percent of events at one of the tail places
NO_PLACE = 10  # percent without a place

AUTHORITIES = (
    ("Ministry of the Interior", "ministry"),
    ("Border Police", "border"),
    ("Migration Office", "other"),
    ("National Police", "police"),
    ("Camp Administration", "other"),
    ("Court of First Instance", "court"),
    ("Public Prosecutor", "prosecutor"),
    ("Ministry of Justice", "ministry"),
    ("Ministry of Foreign Affairs", "ministry"),
    ("Appeals Court", "court"),
    ("Consular Section", "embassy"),
    ("Security Directorate", "police"),
    ("Refugee Agency Liaison Office", "international"),
    ("Parliamentary Human Rights Committee", "parliament"),
    ("Office of the President", "head_of_state"),
    *((f"Regional Police Command {number}", "police") for number in range(1, 16)),
    *((f"District Court {number}", "court") for number in range(1, 11)),
)
NO_AUTHORITY = 15  # percent

EVENT_TYPES = (
    ("detention", 30),
    ("transfer", 10),
    ("release", 8),
    ("hearing", 9),
    ("visit_refused", 8),
    ("document_refused", 8),
    ("contact_barred", 6),
    ("deportation", 5),
    ("visa_refused", 4),
    ("return", 3),
    ("entry_refused", 3),
    ("search_seizure", 2),
    ("charge", 1),
    ("trial", 1),
    ("other", 2),
)
DOCUMENTS = ("id_card", "work_permit", "travel_document", "bank_account", "residence_permit")
COUNTRIES = ("IQ", "AL", "TR", "IR", "DE")

FIRST_YEAR, LAST_YEAR = 2005, 2024
BIG_CASES, BIG_CASE_EVENTS = 5, 200

WHAT = {
    "detention": (
        "was detained at {place} without being told why",
        "was taken from the queue and held at {place}",
        "was arrested during a night raid and brought to {place}",
        "was held incommunicado at {place} for several weeks",
    ),
    "transfer": (
        "was moved from the camp to {place} in a closed van",
        "was transferred to {place}; the family was not informed",
    ),
    "release": (
        "was released from {place} without papers",
        "was let go at the gate of {place} after signing a statement",
    ),
    "hearing": (
        "appeared before the judge; the interpreter did not come",
        "had a hearing that lasted ten minutes; the lawyer was refused entry",
    ),
    "visit_refused": (
        "could not be visited: the family was turned away at the gate of {place}",
        "was refused a visit from a brother who travelled for three days",
    ),
    "document_refused": (
        "asked for papers at {place} and was refused",
        "was told the application would not be accepted",
    ),
    "contact_barred": (
        "has not been allowed to telephone the family since the transfer",
        "was barred from any contact with relatives",
    ),
    "deportation": (
        "was deported across the border at night",
        "was put on a flight without notice to the lawyer",
    ),
}
WHO = ("A relative", "A cellmate", "The lawyer", "A neighbour", "The family", "A witness")
AFTER = (
    "The family learned of it weeks later.",
    "No written order was shown.",
    "Officers confiscated the telephone.",
    "The interpreter was a guard.",
    "Medicine was refused.",
    "The lawyer filed a complaint the next day.",
    "Nobody answered the family's letters.",
    "It happened during the winter cold.",
    "He was handcuffed throughout.",
    "She was pregnant at the time.",
    "The decision cited security reasons only.",
    "Several others were taken the same day.",
)
TOPICS = ("the detention", "the deportation", "the separation of the family")
QUESTIONS = (
    "On what legal basis is {name} held?",
    "When may the family of {name} visit?",
    "Why was {name} refused a travel document?",
    "Will you release the detention order concerning {name}?",
    "Who decided the transfer of {name}, and when?",
    "Has {name} been told of any charge?",
    "Why was the lawyer of {name} refused entry?",
    "When will {name} be allowed to telephone relatives?",
)


def _weighted(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    return rng.choices([value for value, _w in options], [w for _v, w in options])[0]


@dataclass
class Block:
    """The records of a run of cases, with their ids already given."""

    persons: list[dict[str, Any]] = field(default_factory=list)
    names: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    case_persons: list[tuple[int, int]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    involvements: list[tuple[int, int, str]] = field(default_factory=list)
    event_sources: list[tuple[int, int]] = field(default_factory=list)

    def rows(self) -> int:
        return sum(
            len(part)
            for part in (
                self.persons,
                self.names,
                self.cases,
                self.case_persons,
                self.sources,
                self.events,
                self.involvements,
                self.event_sources,
            )
        )


class Dataset:
    def __init__(self, events: int, seed: int = 1) -> None:
        self.seed = seed
        self.event_count = max(events, 10)
        self.case_count = max(self.event_count // 10, 1)
        self.person_count = self.case_count * 2
        self.source_count = (self.case_count + 1) // 2
        self.letter_count = max(self.event_count // 100, 1)
        big = min(BIG_CASES, self.case_count) if self.event_count >= 20 * BIG_CASE_EVENTS else 0
        self.big_cases = big
        self._sizes = self._case_sizes()
        self.places = [(name, country) for name, country, _w in MAIN_PLACES] + [
            (f"{kind} {number}", COUNTRIES[number % len(COUNTRIES)])
            for number in range(1, TAIL_PLACES + 1)
            for kind in ("Village",)
        ]

    def _case_sizes(self) -> list[int]:
        """Events per case: 200 for the big ones, about ten for the rest, varied in pairs
        so the total is exact."""
        sizes = [BIG_CASE_EVENTS] * self.big_cases
        rest = self.case_count - self.big_cases
        remaining = self.event_count - sum(sizes)
        if rest <= 0:
            sizes[-1] += remaining
            return sizes
        base, extra = divmod(remaining, rest)
        small = [base + (1 if index < extra else 0) for index in range(rest)]
        rng = random.Random(self.seed)  # noqa: S311  # nosec B311 - reproducible data
        for index in range(0, rest - 1, 2):
            shift = rng.randint(0, max(small[index + 1] - 1, 0))
            small[index] += shift
            small[index + 1] -= shift
        return sizes + small

    def _rng(self, *parts: int) -> random.Random:
        number = self.seed
        for part in parts:
            number = number * 1_000_003 + part
        return random.Random(number)  # noqa: S311  # nosec B311 - reproducible data

    # The small tables

    def teams(self) -> list[str]:
        return list(TEAMS)

    def staff(self) -> list[dict[str, Any]]:
        names = FictionalNames(self.seed)
        people = []
        number = 0
        for role, how_many in STAFF:
            for _ in range(how_many):
                name = names.name()
                number += 1
                people.append(
                    {
                        "username": f"{name.given_latin[0].lower()}.{number}",
                        "first_name": name.given_latin[0],
                        "last_name": name.family_latin[0],
                        "role": role,
                        "team": TEAMS[number % len(TEAMS)],
                    }
                )
        return people

    def authorities(self) -> list[dict[str, Any]]:
        return [
            {"name": name, "kind": kind, "country": COUNTRIES[index % 3], "response_days": 30}
            for index, (name, kind) in enumerate(AUTHORITIES)
        ]

    # Cases and everything in them

    def blocks(self, size: int = 500) -> Iterator[Block]:
        event_id = 0
        for first in range(1, self.case_count + 1, size):
            block = Block()
            for case_id in range(first, min(first + size, self.case_count + 1)):
                event_id = self._case(block, case_id, event_id)
            yield block

    def _date(self, rng: random.Random) -> PartialDate | None:
        shape = rng.random()
        if shape < 0.05:
            return None
        years = range(FIRST_YEAR, LAST_YEAR + 1)
        year = rng.choices(years, [1 + (year - FIRST_YEAR) * 0.3 for year in years])[0]
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        approximate = rng.random() < 0.05
        if shape < 0.15:
            return PartialDate(year, approximate=approximate)
        if shape < 0.30:
            return PartialDate(year, month, approximate=approximate)
        return PartialDate(year, month, day, approximate)

    def person_name(self, person_id: int) -> Any:
        return FictionalNames(self.seed * 7_919 + person_id).name()

    def _person(self, block: Block, person_id: int, team: str, level: str) -> None:
        rng = self._rng(2, person_id)
        name = self.person_name(person_id)
        latin = rng.choice(name.latin_variants())
        block.persons.append(
            {
                "id": person_id,
                "sex": name.sex,
                "birth_date": PartialDate(rng.randint(1950, 2005)) if rng.random() < 0.7 else None,
                "birth_place": rng.choice(("Mashhad", "Tehran", "Shiraz", "Tabriz", "Ahvaz", "")),
                "nationality": "IR",
                "status": rng.choice(("refugee", "asylum_seeker", "unknown")),
                "notes": rng.choice(AFTER) if rng.random() < 0.3 else "",
                "confidentiality": level,
                "team": team,
            }
        )
        names = [(latin, "latin", "full")]
        if rng.random() < 0.75:
            names.append((name.persian, "persian", "full"))
        if rng.random() < 0.1:
            names.append((rng.choice(name.family_latin), "latin", "family"))
        for position, (text, script, kind) in enumerate(names):
            block.names.append(
                {
                    "person_id": person_id,
                    "name": text,
                    "script": script,
                    "kind": kind,
                    "position": position,
                }
            )

    def _case(self, block: Block, case_id: int, event_id: int) -> int:
        rng = self._rng(1, case_id)
        level = rng.choices(("public", "internal", "restricted", "secret"), (10, 60, 20, 10))[0]
        if case_id <= self.big_cases:
            level = "internal"  # the case page of the benchmark is open to its reader
        team = rng.choices(TEAMS, (35, 25, 20, 12, 8))[0]
        persons = [case_id * 2 - 1, case_id * 2]
        for person_id in persons:
            self._person(block, person_id, team, level)
        subject = self.person_name(persons[0])
        block.cases.append(
            {
                "id": case_id,
                "title": rng.choice(
                    (
                        "Detention of {name}",
                        "{name}: deported, returned and detained again",
                        "Family of {name} kept apart",
                        "{name} refused papers",
                        "Disappearance of {name}",
                    )
                ).format(name=subject.latin),
                "summary": " ".join(rng.sample(AFTER, 3)),
                "status": rng.choices(("open", "monitoring", "closed"), (50, 30, 20))[0],
                "confidentiality": level,
                "team": team,
            }
        )
        block.case_persons += [(case_id, person_id) for person_id in persons]
        if case_id > 10 and rng.random() < 0.1:
            # A relative already documented in another case.
            block.case_persons.append((case_id, rng.randint(1, case_id * 2 - 2)))
        source_id = (case_id + 1) // 2
        if case_id % 2 == 1:
            block.sources.append(
                {
                    "id": source_id,
                    "kind": rng.choice(("testimony", "document", "media", "official", "letter")),
                    "title": rng.choice(
                        (
                            "Testimony of {who}",
                            "Letter from the family of {who}",
                            "Detention order concerning {who}",
                            "Press report on {who}",
                        )
                    ).format(who=subject.latin),
                    "given_by": self.person_name(persons[1]).latin,
                    "reliability": rng.choice(("confirmed", "probable", "possible", "unknown")),
                    "confidentiality": rng.choice(("restricted", "restricted", "internal")),
                    "team": team,
                }
            )
        for _ in range(self._sizes[case_id - 1]):
            event_id += 1
            self._event(block, event_id, case_id, persons, source_id, subject)
        return event_id

    def _event(
        self,
        block: Block,
        event_id: int,
        case_id: int,
        persons: list[int],
        source_id: int,
        subject: Any,
    ) -> None:
        rng = self._rng(3, event_id)
        kind = _weighted(rng, EVENT_TYPES)
        start = self._date(rng)
        end = None
        if kind == "detention" and start is not None and start.day is not None:
            if rng.random() < 0.6:
                end = PartialDate.from_date(start.earliest() + timedelta(rng.randint(1, 900)))
        place_roll = rng.randrange(100)
        if place_roll < NO_PLACE:
            place, country = "", ""
        elif place_roll < NO_PLACE + TAIL_SHARE:
            place, country = self.places[len(MAIN_PLACES) + rng.randrange(TAIL_PLACES)]
        else:
            place, country = self.places[
                rng.choices(range(len(MAIN_PLACES)), [w for _n, _c, w in MAIN_PLACES])[0]
            ]
        authority = None
        if rng.randrange(100) >= NO_AUTHORITY:
            authority = rng.choices(range(len(AUTHORITIES)), [1 / (i + 1) for i in range(40)])[0]
        what = rng.choice(WHAT.get(kind, ("was affected; {place} was named",)))
        description = (
            f"{rng.choice(WHO)} reports that {subject.latin} "
            f"{what.format(place=place or 'an unknown place')}. {rng.choice(AFTER)}"
        )
        block.events.append(
            {
                "id": event_id,
                "case_id": case_id,
                "type": kind,
                "start": start,
                "end": end,
                "start_on": start.earliest() if start else None,
                "end_on": end.latest() if end else None,
                "place_name": place,
                "place_country": country,
                "authority": authority,
                "charged": rng.choice((None, False, False, True)) if kind == "detention" else None,
                "document": rng.choice(DOCUMENTS) if kind == "document_refused" else "",
                "destination": rng.choice(COUNTRIES) if kind == "deportation" else "",
                "description": description,
            }
        )
        block.involvements.append((event_id, persons[0], "victim"))
        if rng.random() < 0.3:
            block.involvements.append((event_id, persons[1], "family"))
        if rng.random() < 0.3:
            block.event_sources.append((event_id, source_id))

    # Letters

    def letters(self) -> Iterator[dict[str, Any]]:
        today = date(LAST_YEAR + 1, 6, 1)
        for letter_id in range(1, self.letter_count + 1):
            rng = self._rng(4, letter_id)
            cases = sorted({rng.randint(1, self.case_count) for _ in range(rng.randint(1, 3))})
            subject = self.person_name(cases[0] * 2 - 1)
            recipients = sorted({rng.randrange(len(AUTHORITIES)) for _ in range(rng.randint(1, 2))})
            sent = today - timedelta(rng.randint(0, 3 * 365)) if rng.random() < 0.8 else None
            yield {
                "id": letter_id,
                "title": f"Open letter on {rng.choice(TOPICS)} of {subject.latin}",
                "body": " ".join(rng.sample(AFTER, 4)),
                "confidentiality": rng.choices(("public", "internal", "restricted"), (30, 60, 10))[
                    0
                ],
                "team": rng.choice(TEAMS),
                "cases": cases,
                "recipients": recipients,
                "sent_on": sent,
                "questions": [
                    (template.format(name=subject.latin), rng.random() < 0.3)
                    for template in rng.sample(QUESTIONS, rng.randint(3, 8))
                ],
            }


@dataclass
class LoadReport:
    rows: int = 0
    seconds: float = 0.0
    by_table: dict[str, int] = field(default_factory=dict)


def load(dataset: Dataset, progress: Callable[[str, int, int], None] | None = None) -> LoadReport:
    """Write the dataset into an empty database with bulk inserts."""
    from docket.accounts.models import Team, User
    from docket.cases.models import (
        Authority,
        Case,
        Event,
        EventType,
        Involvement,
        InvolvementRole,
        Source,
    )
    from docket.letters.models import REFERENCE_ALPHABET, Dispatch, Letter, Question
    from docket.people.models import Person, PersonName

    report = LoadReport()

    def write(model: Any, table: str, rows: list[dict[str, Any]]) -> None:
        bulk_insert(model, rows)
        report.by_table[table] = report.by_table.get(table, 0) + len(rows)
        report.rows += len(rows)

    teams = {name: Team.objects.get_or_create(name=name)[0] for name in dataset.teams()}
    unusable = make_password(None)
    for person in dataset.staff():
        user = User.objects.create(
            username=person["username"],
            first_name=person["first_name"],
            last_name=person["last_name"],
            role=person["role"],
            password=unusable,
            is_staff=person["role"] == "administrator",
        )
        user.teams.add(teams[person["team"]])
    owner = User.objects.filter(role="documenter").order_by("pk").first()
    authorities = Authority.objects.bulk_create(
        [Authority(**values) for values in dataset.authorities()]
    )
    report.by_table["authorities"] = len(authorities)
    report.rows += len(authorities)
    types = dict(EventType.objects.values_list("code", "pk"))
    roles = dict(InvolvementRole.objects.values_list("code", "pk"))
    team_ids = {name: team.pk for name, team in teams.items()}
    done = 0
    for block in dataset.blocks():
        with transaction.atomic():
            write(
                Person,
                "persons",
                [_but(row, "team") | {"team_id": team_ids[row["team"]]} for row in block.persons],
            )
            write(PersonName, "names", block.names)
            write(
                Case,
                "cases",
                [_but(row, "team") | {"team_id": team_ids[row["team"]]} for row in block.cases],
            )
            write(
                Case.persons.through,
                "case_persons",
                [
                    {"case_id": case_id, "person_id": person_id}
                    for case_id, person_id in sorted(set(block.case_persons))
                ],
            )
            write(
                Source,
                "sources",
                [_but(row, "team") | {"team_id": team_ids[row["team"]]} for row in block.sources],
            )
            write(
                Event,
                "events",
                [
                    _but(row, "type", "authority")
                    | {
                        "type_id": types[row["type"]],
                        "authority_id": (
                            authorities[row["authority"]].pk
                            if row["authority"] is not None
                            else None
                        ),
                    }
                    for row in block.events
                ],
            )
            write(
                Involvement,
                "involvements",
                [
                    {"event_id": event_id, "person_id": person_id, "role_id": roles[role]}
                    for event_id, person_id, role in block.involvements
                ],
            )
            write(
                Event.sources.through,
                "event_sources",
                [
                    {"event_id": event_id, "source_id": source_id}
                    for event_id, source_id in block.event_sources
                ],
            )
        done += len(block.events)
        if progress is not None:
            progress("event", done, dataset.event_count)
    letters: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    dispatches: list[dict[str, Any]] = []
    cited: list[dict[str, Any]] = []
    for values in dataset.letters():
        letters.append(
            {
                "id": values["id"],
                "title": values["title"],
                "body": values["body"],
                "confidentiality": values["confidentiality"],
                "team_id": team_ids[values["team"]],
                "owner_id": owner.pk if owner else None,
            }
        )
        for number, (text, answered) in enumerate(values["questions"], start=1):
            questions.append(
                {
                    "letter_id": values["id"],
                    "number": number,
                    "text": text,
                    "status": "answered" if answered else "unanswered",
                }
            )
        for recipient in values["recipients"]:
            number = len(dispatches)
            reference = "DKT-" + "".join(
                REFERENCE_ALPHABET[(number // len(REFERENCE_ALPHABET) ** place) % 30]
                for place in range(8)
            )
            authority = authorities[recipient]
            dispatch = Dispatch(authority=authority, sent_on=values["sent_on"])
            dispatches.append(
                {
                    "letter_id": values["id"],
                    "authority_id": authority.pk,
                    "sent_on": values["sent_on"],
                    "due_on": dispatch.compute_due_on(),
                    "channel": "email" if values["sent_on"] else "",
                    "reference": reference,
                }
            )
        cited += [{"letter_id": values["id"], "case_id": case_id} for case_id in values["cases"]]
    with transaction.atomic():
        write(Letter, "letters", letters)
        write(Question, "questions", questions)
        write(Dispatch, "dispatches", dispatches)
        write(Letter.cases.through, "letter_cases", cited)
    _reset_sequences(
        [Person, PersonName, Case, Source, Event, Involvement, Letter, Question, Dispatch]
        + [Case.persons.through, Event.sources.through, Letter.cases.through]
    )
    return report


PER_ROW = object()


def bulk_insert(model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert rows given by column (attname), with the model's defaults for the others
    (timestamps: now), converted as Django would, in statements of many rows: what
    `bulk_create` does, without building a model instance for every row."""
    if not rows:
        return
    now = timezone.now()
    given = set(rows[0])
    columns: list[Any] = []
    for column in model._meta.concrete_fields:
        if column.attname in given:
            columns.append((column, None))
        elif getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False):
            columns.append((column, now))
        elif column.primary_key:
            continue  # the database numbers it
        elif callable(column.default):
            columns.append((column, PER_ROW))  # a default of its own for each row (a key id)
        else:
            columns.append((column, column.get_default()))
    # Values that are not plain numbers and text: what Django turns into the column's form.
    converted = [
        column
        for column, _default in columns
        if isinstance(column, (PartialDateField, models.DateTimeField))
    ]
    prepare = {
        column.attname: (lambda value, column=column: column.get_db_prep_save(value, connection))
        for column in converted
    }
    names = [column.attname for column, _default in columns]
    values = []
    for row in rows:
        converted_row = []
        for (column, default), name in zip(columns, names, strict=True):
            if name in given:
                value = row[name]
            else:
                value = column.get_default() if default is PER_ROW else default
            convert = prepare.get(name)
            converted_row.append(convert(value) if convert is not None else value)
        values.append(converted_row)
    insert_rows(model._meta.db_table, [column.column for column, _default in columns], values)


def _but(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: value for name, value in values.items() if name not in names}


def _reset_sequences(models: list[Any]) -> None:
    """Explicit ids do not move PostgreSQL's sequences; later inserts must not collide."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)


def interchange_bundle(dataset: Dataset, cases: int) -> dict[str, Any]:
    """The first `cases` cases with their persons, events and sources, in the interchange
    format (docket.interchange), for timing the import path on the same data. Persons and
    sources go to the team the import is given; cases keep their own."""
    block = next(dataset.blocks(size=cases))
    authorities = dataset.authorities()
    used = sorted({event["authority"] for event in block.events if event["authority"] is not None})
    names: dict[int, list[dict[str, str]]] = {}
    for name in block.names:
        names.setdefault(name["person_id"], []).append(
            {"name": name["name"], "script": name["script"], "kind": name["kind"]}
        )
    persons_of: dict[int, list[str]] = {}
    for case_id, person_id in block.case_persons:
        if person_id <= cases * 2:
            persons_of.setdefault(case_id, []).append(f"bench-p{person_id}")
    involved: dict[int, list[dict[str, str]]] = {}
    for event_id, person_id, role in block.involvements:
        involved.setdefault(event_id, []).append({"person": f"bench-p{person_id}", "role": role})
    cited: dict[int, list[str]] = {}
    for event_id, source_id in block.event_sources:
        cited.setdefault(event_id, []).append(f"bench-s{source_id}")

    def event(values: dict[str, Any]) -> dict[str, Any]:
        row: dict[str, Any] = {
            "ref": f"bench-e{values['id']}",
            "case": f"bench-c{values['case_id']}",
            "type": values["type"],
            "persons": involved.get(values["id"], []),
            "description": values["description"],
            "sources": cited.get(values["id"], []),
        }
        if values["start"]:
            row["start"] = values["start"].isoformat()
        if values["end"]:
            row["end"] = values["end"].isoformat()
        if values["place_name"]:
            row["place"] = {"name": values["place_name"], "country": values["place_country"]}
        if values["authority"] is not None:
            row["authority"] = f"bench-a{values['authority']}"
        if values["charged"] is not None:
            row["charged"] = values["charged"]
        if values["document"]:
            row["document"] = values["document"]
        if values["destination"]:
            row["destination"] = values["destination"]
        return row

    return {
        "format": "docket",
        "version": 1,
        "authorities": [
            {"ref": f"bench-a{index}", "name": authorities[index]["name"]} for index in used
        ],
        "persons": [
            {
                "ref": f"bench-p{values['id']}",
                "names": names.get(values["id"], []),
                "sex": values["sex"],
                "birth_place": values["birth_place"],
                "notes": values["notes"],
                "confidentiality": values["confidentiality"],
            }
            for values in block.persons
        ],
        "cases": [
            {
                "ref": f"bench-c{values['id']}",
                "title": values["title"],
                "summary": values["summary"],
                "status": values["status"],
                "confidentiality": values["confidentiality"],
                "team": values["team"],
                "persons": persons_of.get(values["id"], []),
            }
            for values in block.cases
        ],
        "sources": [
            {
                "ref": f"bench-s{values['id']}",
                "kind": values["kind"],
                "title": values["title"],
                "given_by": values["given_by"],
                "reliability": values["reliability"],
            }
            for values in block.sources
        ],
        "events": [event(values) for values in block.events],
    }
