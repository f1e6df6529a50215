"""What a dossier holds: a case's or a person's timeline, computed figures, rights at
stake, sources, letters and their answers, for one reader, for staff or for outside use.

Everything is read through the reader's `visible_to` rules: a person, event,
source or letter the reader may not see is not in the dossier, as on the page.

For outside use (`outside=True`) the publication rules of docket.letters.text
apply on top: a person is named only when their record is public (initials
otherwise), a case's title and summary appear only when the case is public,
events keep their type, dates, place and authority but lose their description
unless the case is public, only public sources are listed (the others counted),
and only published letters appear, with the status of each question, never
the text of a reply.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from docket.accounts.permissions import Confidentiality
from docket.cases.figures import STATUS_LABELS, PersonFigures, case_figures, person_figures
from docket.cases.models import Case, Event, Source
from docket.law.rights import articles_engaged, load_rules
from docket.letters.models import Letter, Response
from docket.letters.pdf import letter_date
from docket.letters.redaction import public_text
from docket.letters.text import person_label
from docket.lib.dates import list_separator
from docket.people.models import Person


@dataclass
class PersonLine:
    name: str
    status: str
    days_detained: int
    days_without_charge: int
    years_without_contact: float | None
    approximate: bool


@dataclass
class EventLine:
    date: str
    end: str
    kind: str
    place: str
    authority: str
    persons: list[str]
    description: str
    sources: list[str]


@dataclass
class LetterLine:
    title: str
    sent: date
    recipients: list[str]
    questions: list[tuple[int, str, str]]
    replies: list[tuple[date, str, str]]


@dataclass
class Dossier:
    kind: str
    title: str
    number: int
    outside: bool
    level: str
    summary: str
    as_of: date
    persons: list[PersonLine] = field(default_factory=list)
    events: list[EventLine] = field(default_factory=list)
    rights: list[tuple[str, str]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    sources_withheld: int = 0
    letters: list[LetterLine] = field(default_factory=list)


def _name(person: Person, outside: bool) -> str:
    return person_label(person) if outside else person.display_name


def _person_line(person: Person, figures: PersonFigures | None, outside: bool) -> PersonLine:
    return PersonLine(
        name=_name(person, outside),
        status=str(STATUS_LABELS[figures.current_status]) if figures else _("Unknown"),
        days_detained=figures.days_detained_total if figures else 0,
        days_without_charge=figures.days_detained_without_charge if figures else 0,
        years_without_contact=figures.years_without_family_contact if figures else None,
        approximate=figures.approximate if figures else False,
    )


def _event_lines(
    events: list[Event], reader: Any, outside: bool, shown: set[int]
) -> tuple[list[EventLine], list[str], int]:
    visible = {
        source.pk: source
        for source in Source.objects.visible_to(reader).filter(events__in=[e.pk for e in events])
    }
    listed: dict[int, str] = {}
    withheld: set[int] = set()
    lines = []
    for event in events:
        public_case = event.case.confidentiality == Confidentiality.PUBLIC
        names = [
            _name(item.person, outside)
            for item in event.involvements.all()
            if item.person_id in shown
        ]
        sources = []
        for source in event.sources.all():
            if source.pk not in visible:
                continue
            if outside and source.confidentiality != Confidentiality.PUBLIC:
                withheld.add(source.pk)
                continue
            label = f"{source.get_kind_display()}: {source.title}"
            listed[source.pk] = label
            sources.append(label)
        lines.append(
            EventLine(
                date=str(event.start or ""),
                end=str(event.end or ""),
                kind=str(event.type),
                place=list_separator().join(
                    part for part in (event.place_name, str(event.place_country.name or "")) if part
                ),
                authority=event.authority.name if event.authority else "",
                persons=names,
                description="" if outside and not public_case else event.description,
                sources=sources,
            )
        )
    return lines, list(listed.values()), len(withheld)


def _letters(letters: Any, reader: Any, outside: bool) -> list[LetterLine]:
    if outside:
        letters = letters.filter(published=True)
    found = []
    replies = Response.objects.visible_to(reader)
    for letter in letters.prefetch_related("questions", "dispatches__authority").distinct():
        # Outside, a letter reads as its public page does: title and questions with the
        # names of persons who are not public replaced (docket.letters.redaction).
        shown = public_text(letter) if outside else None
        questions = [
            (
                question.number,
                shown.questions.get(question.number, "") if shown else question.text,
                str(question.get_status_display()),
            )
            for question in letter.questions.all()
        ]
        answered = [
            (reply.received_on, reply.authority.name, "" if outside else reply.body)
            for reply in replies.filter(letter=letter).select_related("authority")
        ]
        found.append(
            LetterLine(
                title=shown.title if shown else letter.title,
                sent=letter_date(letter),
                recipients=[dispatch.authority.name for dispatch in letter.dispatches.all()],
                questions=questions,
                replies=answered,
            )
        )
    return found


def _rights(events: list[Event]) -> list[tuple[str, str]]:
    return [
        (article.reference, article.shown_title)
        for article in articles_engaged(events, load_rules())
    ]


def case_dossier(case: Case, *, reader: Any, as_of: date, outside: bool) -> Dossier:
    """The dossier of `case` (fetched through the read door by the caller)."""
    figures = case_figures(case, as_of=as_of, user=reader)
    persons = list(Person.objects.visible_to(reader).filter(cases=case).prefetch_related("names"))
    shown = {person.pk for person in persons}
    public_case = case.confidentiality == Confidentiality.PUBLIC
    events, sources, withheld = _event_lines(figures.events, reader, outside, shown)
    return Dossier(
        kind="case",
        title=case.title
        if (public_case or not outside)
        else _("Case %(number)s") % {"number": case.pk},
        number=case.pk,
        outside=outside,
        level=str(case.get_confidentiality_display()),
        summary=case.summary if (public_case or not outside) else "",
        as_of=as_of,
        persons=[
            _person_line(person, figures.persons.get(person.pk), outside)
            for person in sorted(persons, key=lambda person: person.display_name)
        ],
        events=events,
        rights=_rights(figures.events),
        sources=sources,
        sources_withheld=withheld,
        letters=_letters(Letter.objects.visible_to(reader).filter(cases=case), reader, outside),
    )


def person_dossier(person: Person, *, reader: Any, as_of: date, outside: bool) -> Dossier:
    """The dossier of `person` (fetched through the read door by the caller): every event
    the reader may see that involves them, in every case."""
    figures = person_figures(person, as_of=as_of, user=reader)
    events = list(
        Event.objects.visible_to(reader)
        .filter(involvements__person=person)
        .select_related("type", "authority", "case")
        .prefetch_related("involvements__person__names", "sources")
        .distinct()
        .order_by("start_on", "id")
    )
    shown = set(
        Person.objects.visible_to(reader)
        .filter(involvements__event__in=events)
        .values_list("pk", flat=True)
    ) | {person.pk}
    lines, sources, withheld = _event_lines(events, reader, outside, shown)
    cases = Case.objects.visible_to(reader).filter(Q(persons=person) | Q(events__in=events))
    name = _name(person, outside)
    return Dossier(
        kind="person",
        title=name,
        number=person.pk,
        outside=outside,
        level=str(person.get_confidentiality_display()),
        summary="" if outside else person.notes,
        as_of=as_of,
        persons=[_person_line(person, figures, outside)],
        events=lines,
        rights=_rights(events),
        sources=sources,
        sources_withheld=withheld,
        letters=_letters(
            Letter.objects.visible_to(reader).filter(cases__in=cases), reader, outside
        ),
    )
