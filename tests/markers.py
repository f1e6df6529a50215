"""A world of marked records, one set per confidentiality level, for the leak tests.

Every text of a record at level L carries `token(L)` ("SECRET-MARKER" and so
on), so a page, an answer or an export that shows a record it should not is
caught by looking for the token. Records that were deleted carry
`gone_token(L)` instead ("SECRET-GONE-MARKER"), and a person's contact details
`contact_token(L)`, since they follow a rule of their own (shown only to those
who may edit the person). No token contains another.

The records are linked across levels on purpose: the public person is a victim
in every level's detention, the public case also names the secret person, the
public event cites the secret source, and the public person's relatives are
the restricted and secret persons. Each level's letter cites that level's case
(the public one the secret case too), went to the one authority long ago and has
a reply; an email that matched no letter waits in the review queue. Each page
that shows a record must leave out what its reader may not see of the records
around it.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from docket.accounts.models import Team, User
from docket.cases import services as case_services
from docket.cases.models import (
    Authority,
    Case,
    Event,
    EventType,
    Evidence,
    InvolvementRole,
    Source,
)
from docket.letters import services as letter_services
from docket.letters.models import InboundMail, Letter, Response
from docket.lib.partialdate import PartialDate
from docket.people import services as people_services
from docket.people.models import Person, RelationshipKind
from docket.people.services import NameInput

LEVELS = ("public", "internal", "restricted", "secret")
# The levels whose deleted records the world also holds.
GONE_LEVELS = ("restricted", "secret")

# The levels each persona may see, straight from the table in docs/permissions.md;
# written out rather than computed, so the test does not trust the rule it checks.
SEES: dict[str, frozenset[str]] = {
    "administrator": frozenset({"public", "internal", "restricted"}),
    "coordinator": frozenset(LEVELS),
    "documenter": frozenset(LEVELS),
    "viewer": frozenset({"public", "internal", "restricted"}),
    "outsider": frozenset({"public", "internal"}),
}
# Whose persons each persona may edit, and so whose contact details it reads.
EDITS: dict[str, frozenset[str]] = {
    "administrator": SEES["administrator"],
    "coordinator": frozenset(LEVELS),
    "documenter": frozenset(LEVELS),
    "viewer": frozenset(),
    "outsider": frozenset(),
}
# Whose deleted records each persona may list and restore (coordinators of the
# owning team; administrators for what they may see).
RESTORES: dict[str, frozenset[str]] = {
    "administrator": frozenset({"restricted"}),
    "coordinator": frozenset(GONE_LEVELS),
    "documenter": frozenset(),
    "viewer": frozenset(),
    "outsider": frozenset(),
}
# Days each level's detention of the public person lasts: powers of two, so the
# total tells exactly which detentions were counted.
DETENTION_DAYS = {"public": 1, "internal": 2, "restricted": 4, "secret": 8}


def token(level: str) -> str:
    return f"{level.upper()}-MARKER"


def gone_token(level: str) -> str:
    return f"{level.upper()}-GONE-MARKER"


def contact_token(level: str) -> str:
    return f"{level.upper()}-CONTACT-MARKER"


def forbidden(persona: str, *, may_list_deleted: bool = False) -> list[str]:
    """The tokens that must not reach `persona`.

    `may_list_deleted` is for the pages that list deleted records to those who
    may restore them.
    """
    seen = SEES[persona]
    tokens = [token(level) for level in LEVELS if level not in seen]
    tokens += [contact_token(level) for level in LEVELS if level not in EDITS[persona]]
    restorable = RESTORES[persona] if may_list_deleted else frozenset()
    tokens += [gone_token(level) for level in GONE_LEVELS if level not in restorable]
    return tokens


def every_token() -> list[str]:
    """What no visitor who is not logged in may see."""
    return (
        [token(level) for level in LEVELS]
        + [contact_token(level) for level in LEVELS]
        + [gone_token(level) for level in GONE_LEVELS]
    )


def leaks(text: str, persona: str, *, may_list_deleted: bool = False) -> list[str]:
    return [item for item in forbidden(persona, may_list_deleted=may_list_deleted) if item in text]


@dataclass
class World:
    team: Team
    persons: dict[str, Person] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    # Deleted records by kind: (level, record, whether it was deleted itself and so
    # may be restored, rather than hidden with the record it belongs to).
    gone: dict[str, list[tuple[str, Any, bool]]] = field(default_factory=dict)
    authority: Authority | None = None
    letters: dict[str, Letter] = field(default_factory=dict)
    replies: dict[str, Response] = field(default_factory=dict)
    # An email that matched no letter, waiting in the review queue.
    inbound: InboundMail | None = None

    def hide(self, kind: str, level: str, record: Any, *, restorable: bool) -> None:
        self.gone.setdefault(kind, []).append((level, record, restorable))


def _person(actor: User, team: Team, label: str, level: str, given: str, contact: str) -> Person:
    return people_services.create_person(
        actor=actor,
        names=[NameInput(f"{given} {label} person"), NameInput("زهره " + label, script="persian")],
        team=team,
        confidentiality=level,
        birth_place=f"{label} birth place",
        notes=f"{label} notes",
        contact_details=f"{contact} phone",
    )


def _detention(
    actor: User,
    case: Case,
    label: str,
    month: int,
    days: int,
    victims: list[Person],
    witnesses: list[Person],
    sources: list[Source],
    authority: Authority,
) -> Event:
    victim = InvolvementRole.objects.get(code="victim")
    witness = InvolvementRole.objects.get(code="witness")
    start = date(2024, month, 1)
    return case_services.add_event(
        actor=actor,
        case=case,
        type=EventType.objects.get(code="detention"),
        start=PartialDate.parse(start.isoformat()),
        end=PartialDate.parse(date(2024, month, 1 + days).isoformat()),
        place_name=f"{label} place",
        description=f"{label} description",
        authority=authority,
        charged=False,
        involvements=[case_services.InvolvementInput(person, victim) for person in victims]
        + [case_services.InvolvementInput(person, witness) for person in witnesses],
        sources=sources,
    )


def build(*, author: User, deleter: User, team: Team) -> World:
    """The marked world, written through the services by `author`, a documenter of `team`;
    `deleter`, a coordinator of `team`, deletes the gone records."""
    world = World(team=team)
    world.authority = case_services.create_authority(
        actor=author, name="Fictional Ministry of Order", address="1 Imaginary Square"
    )
    case_services.update_authority(
        actor=author, authority=world.authority, expected_version=1, address="2 Imaginary Square"
    )
    for level in LEVELS:
        label = token(level)
        person = _person(author, team, label, level, "Azar", contact_token(level))
        people_services.update_person(
            actor=author, person=person, expected_version=1, notes=f"{label} notes, amended"
        )
        world.persons[level] = person
        source = case_services.create_source(
            actor=author,
            title=f"{label} source",
            given_by=f"{label} giver",
            team=team,
            confidentiality=level,
        )
        case_services.update_source(
            actor=author, source=source, expected_version=1, given_by=f"{label} giver, amended"
        )
        world.sources[level] = source
        world.evidence[level] = case_services.attach_evidence(
            actor=author,
            source=source,
            upload=SimpleUploadedFile(f"{label}-file.txt", f"{label} evidence".encode()),
        )
        case = case_services.open_case(
            actor=author,
            title=f"{label} case",
            summary=f"{label} summary",
            persons=[person],
            team=team,
            confidentiality=level,
        )
        case_services.update_case(
            actor=author, case=case, expected_version=1, summary=f"{label} summary, amended"
        )
        world.cases[level] = case
    public = world.persons["public"]
    for month, level in enumerate(LEVELS, start=1):
        label = token(level)
        victims = [public] if level == "public" else [public, world.persons[level]]
        # The public detention also names the secret person and cites the secret source.
        witnesses = [world.persons["secret"]] if level == "public" else []
        sources = [world.sources[level]]
        if level == "public":
            sources.append(world.sources["secret"])
        event = _detention(
            author,
            world.cases[level],
            label,
            month,
            DETENTION_DAYS[level],
            victims,
            witnesses,
            sources,
            world.authority,
        )
        case_services.update_event(
            actor=author,
            event=event,
            expected_version=1,
            description=f"{label} description, amended",
        )
        world.events[level] = event
    parent = RelationshipKind.objects.get(code="parent")
    sibling = RelationshipKind.objects.get(code="sibling")
    people_services.relate(
        actor=author, person=public, relative=world.persons["secret"], kind=parent
    )
    people_services.relate(
        actor=author, person=public, relative=world.persons["restricted"], kind=sibling
    )
    people_services.relate(
        actor=author,
        person=world.persons["secret"],
        relative=public,
        kind=RelationshipKind.objects.get(code="child"),
    )
    for level in LEVELS:
        _build_letter(world, author, level)
    world.inbound = letter_services.ingest_email(
        b"From: clerk@ministry.example.org\r\nTo: replies@localhost\r\n"
        b"Subject: About your letter\r\nMessage-ID: <queued@ministry.example.org>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nWe will answer in due course.\r\n"
    )
    for level in GONE_LEVELS:
        _build_gone(world, author, deleter, level)
    return world


# Letters went out long ago: every one is overdue for its second question.
LETTER_SENT_ON = date(2024, 1, 8)
LETTER_REPLY_ON = date(2024, 1, 15)


def _letter(author: User, world: World, label: str, level: str, cases: list[Case]) -> Letter:
    assert world.authority is not None
    letter = letter_services.create_letter(
        actor=author,
        title=f"{label} letter",
        body=f"{label} letter body",
        recipients=[world.authority],
        cases=cases,
        questions=[f"{label} first question?", f"{label} second question?"],
        team=world.team,
        confidentiality=level,
    )
    letter_services.update_letter(
        actor=author, letter=letter, expected_version=1, body=f"{label} letter body, amended"
    )
    letter_services.send_copies(actor=author, letter=letter, channel="post", sent_on=LETTER_SENT_ON)
    return letter


def _build_letter(world: World, author: User, level: str) -> None:
    """A letter of `level` to the world's authority citing that level's case, sent, with a
    reply that answers its first question; the public letter also cites the secret case,
    which it must show by number and initials only."""
    label = token(level)
    cases = [world.cases[level]]
    if level == "public":
        cases.append(world.cases["secret"])
    letter = _letter(author, world, label, level, cases)
    assert world.authority is not None
    world.replies[level] = letter_services.record_reply(
        actor=author,
        letter=letter,
        authority=world.authority,
        received_on=LETTER_REPLY_ON,
        body=f"{label} reply",
        answers={1: "answered"},
    )
    world.letters[level] = letter


def _build_gone(world: World, author: User, deleter: User, level: str) -> None:
    """Deleted records of `level`: a person, a case with its event, a source, and an event
    in the living case of that level."""
    label = gone_token(level)
    team = world.team
    person = _person(author, team, label, level, "Roya", label)
    source = case_services.create_source(
        actor=author, title=f"{label} source", team=team, confidentiality=level
    )
    case = case_services.open_case(
        actor=author,
        title=f"{label} case",
        summary=f"{label} summary",
        persons=[person],
        team=team,
        confidentiality=level,
    )
    evidence = case_services.attach_evidence(
        actor=author,
        source=source,
        upload=SimpleUploadedFile(f"{label}-file.txt", f"{label} evidence".encode()),
    )
    assert world.authority is not None
    orphan = _detention(author, case, label, 6, 3, [person], [], [source], world.authority)
    event = _detention(
        author,
        world.cases[level],
        label,
        7,
        3,
        [world.persons[level]],
        [],
        [world.sources[level]],
        world.authority,
    )
    letter = _letter(author, world, label, level, [world.cases[level]])
    for record in (event, case, source, person, letter):
        case_services.delete_record(actor=deleter, record=record)
    world.hide("letter", level, letter, restorable=True)
    world.hide("person", level, person, restorable=True)
    world.hide("case", level, case, restorable=True)
    world.hide("source", level, source, restorable=True)
    world.hide("event", level, event, restorable=True)
    world.hide("event", level, orphan, restorable=False)
    world.hide("evidence", level, evidence, restorable=False)


def alive_by_level(world: World, kind: str) -> dict[str, Any]:
    """The living records of `kind` in `world`, by confidentiality level."""
    return {
        "person": world.persons,
        "case": world.cases,
        "event": world.events,
        "source": world.sources,
        "evidence": world.evidence,
        "letter": world.letters,
        "reply": world.replies,
        # Added by factories.trace_marked_world.
        "tracing_request": getattr(world, "tracing_requests", {}),
    }[kind]
