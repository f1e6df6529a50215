"""Derived figures for persons and cases, computed and never typed in.

Each figure is one function of the records and an as-of date. Partial dates
count from their first possible day; a figure built on any partial or
approximate date says so (`approximate`). Every figure takes its reader
(`user`) and counts only what that person may see: a figure must not reveal a
record its reader may not open, and there is no "no reader means everything".
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from docket.cases.models import Case, Event, Involvement
from docket.law.models import RightsRule
from docket.law.rights import load_rules, rights_at_stake
from docket.people.models import Person

DETAINED = "detained"
AT_LIBERTY = "at_liberty"
DEPORTED = "deported"
UNKNOWN = "unknown"

STATUS_LABELS = {
    DETAINED: gettext_lazy("Detained"),
    AT_LIBERTY: gettext_lazy("At liberty"),
    DEPORTED: gettext_lazy("Deported"),
    UNKNOWN: gettext_lazy("Unknown"),
}

# What each event type says about where a person is afterwards.
STATUS_AFTER = {
    "detention": DETAINED,
    "transfer": DETAINED,
    "release": AT_LIBERTY,
    "return": AT_LIBERTY,
    "deportation": DEPORTED,
}
# Events that end a detention that has no end date of its own.
ENDS_DETENTION = {"release", "deportation"}


@dataclass
class PersonFigures:
    current_status: str
    days_detained_total: int
    days_detained_without_charge: int
    years_without_family_contact: float | None
    rights_at_stake: list[str]
    approximate: bool = False


@dataclass
class CaseFigures:
    persons: dict[int, PersonFigures]
    events: list[Event] = field(default_factory=list)
    rights_at_stake: list[str] = field(default_factory=list)


def _visible_events(user: Any) -> QuerySet[Event]:
    return Event.objects.visible_to(user)


def _events_of(person: Person, user: Any) -> list[Event]:
    return list(
        _visible_events(user)
        .filter(involvements__person=person)
        .select_related("type")
        .prefetch_related("involvements__role")
        .distinct()
        .order_by("start_on", "id")
    )


def _as_victim(events: Iterable[Event], person: Person) -> list[Event]:
    return [
        event
        for event in events
        if any(
            involvement.person_id == person.pk and involvement.role.code == "victim"
            for involvement in event.involvements.all()
        )
    ]


def detention_spans(events: list[Event], *, as_of: date) -> list[tuple[date, date, Event]]:
    """(first day, day it ended or as_of, the detention) for each detention of one person.

    A detention without an end date lasts until the next release or deportation,
    or is still open and counts to `as_of`.
    """
    dated = [
        event for event in events if event.start is not None and event.start.earliest() <= as_of
    ]
    spans = []
    for index, detention in enumerate(dated):
        if detention.type.code != "detention":
            continue
        assert detention.start is not None  # noqa: S101 - filtered above
        begin = detention.start.earliest()
        if detention.end is not None:
            finish = detention.end.earliest()
        else:
            ending = next(
                (
                    later
                    for later in dated[index + 1 :]
                    if later.type.code in ENDS_DETENTION
                    and later.start
                    and later.start.earliest() >= begin
                ),
                None,
            )
            finish = ending.start.earliest() if ending and ending.start else as_of
        finish = min(finish, as_of)
        if finish >= begin:
            spans.append((begin, finish, detention))
    return spans


def _merged_days(spans: Iterable[tuple[date, date]]) -> int:
    """Days covered by the spans, overlaps counted once."""
    total = 0
    current: tuple[date, date] | None = None
    for begin, finish in sorted(spans):
        if current is None or begin > current[1]:
            if current is not None:
                total += (current[1] - current[0]).days
            current = (begin, finish)
        else:
            current = (current[0], max(current[1], finish))
    if current is not None:
        total += (current[1] - current[0]).days
    return total


def days_detained(events: list[Event], *, as_of: date) -> int:
    return _merged_days(
        (begin, finish) for begin, finish, _ in detention_spans(events, as_of=as_of)
    )


def days_detained_without_charge(events: list[Event], *, as_of: date) -> int:
    """Days held before a charge was brought, over every detention of one person.

    For each detention span (`detention_spans`: from its first day to its end,
    the next release or deportation, or `as_of`):

    - with a dated "charge brought" event of the person on or after the first
      day and on or before the last (the earliest possible day of a partial
      date), the days from the first day to the first such charge count,
      **whether or not the detention is flagged as charged**: the flag says a
      charge came, the event says when, and the days before it were days
      without charge;
    - with none, and the detention flagged as charged (`charged is True`), no
      day counts: a charge came at a date not recorded, and a figure must not
      claim days it cannot show (it is then a lower bound);
    - with none, and the detention not flagged as charged (False, or not
      known), every day of the span counts.

    A charge dated before a detention began belongs to an earlier one, so it
    does not shorten this one. Overlapping spans count their days once.
    """
    charges = sorted(
        event.start.earliest()
        for event in events
        if event.type.code == "charge" and event.start is not None
    )
    uncharged = []
    for begin, finish, detention in detention_spans(events, as_of=as_of):
        charged_on = next((day for day in charges if begin <= day <= finish), None)
        if charged_on is not None:
            uncharged.append((begin, charged_on))
        elif detention.charged is not True:
            uncharged.append((begin, finish))
    return _merged_days(uncharged)


def current_status(events: list[Event], *, as_of: date) -> str:
    status = UNKNOWN
    for event in events:
        if event.start is None or event.start.earliest() > as_of:
            continue
        after = STATUS_AFTER.get(event.type.code)
        if after is None:
            continue
        status = after
        if (
            event.type.code == "detention"
            and event.end is not None
            and event.end.earliest() <= as_of
        ):
            status = AT_LIBERTY
    return status


def years_without_family_contact(person: Person, *, as_of: date, user: Any) -> float | None:
    """Years since the last contact recorded on a tracing request for `person`."""
    from docket.tracing.models import TracingRequest

    requests = TracingRequest.objects.visible_to(user)
    last: date | None = (
        requests.filter(sought=person, last_contact__isnull=False)
        .order_by("-last_contact")
        .values_list("last_contact", flat=True)
        .first()
    )
    return years_since(last, as_of=as_of)


def years_since(last: date | None, *, as_of: date) -> float | None:
    """Whole years and tenths from `last` to `as_of`: how long a family has had no contact."""
    if last is None:
        return None
    return round(max((as_of - last).days, 0) / 365.25, 1)


def person_figures(
    person: Person,
    *,
    as_of: date,
    user: Any,
    rules: dict[int, list[RightsRule]] | None = None,
) -> PersonFigures:
    return _person_figures(person, _events_of(person, user), as_of=as_of, user=user, rules=rules)


def _person_figures(
    person: Person,
    events: list[Event],
    *,
    as_of: date,
    user: Any,
    rules: dict[int, list[RightsRule]] | None,
) -> PersonFigures:
    """Figures of `person` from `events`: every event the reader may see that involves them,
    in date order, with their involvements prefetched."""
    own = _as_victim(events, person)
    dates_used = [event.start for event in own] + [event.end for event in own]
    return PersonFigures(
        current_status=current_status(own, as_of=as_of),
        days_detained_total=days_detained(own, as_of=as_of),
        days_detained_without_charge=days_detained_without_charge(own, as_of=as_of),
        years_without_family_contact=years_without_family_contact(person, as_of=as_of, user=user),
        rights_at_stake=rights_at_stake(events, rules),
        approximate=any(value is not None and not value.is_exact for value in dates_used),
    )


def case_figures(case: Case, *, as_of: date, user: Any) -> CaseFigures:
    persons = list(Person.objects.visible_to(user).filter(cases=case).prefetch_related("names"))
    # The case's events and every other event of its persons, read once: a person's
    # figures count their events in other cases too, and most of them are this case's.
    # Two lists of ids, then the events by id: an OR of the two would read every event.
    ids = set(Event.objects.filter(case=case).values_list("pk", flat=True))
    ids.update(Involvement.objects.filter(person__in=persons).values_list("event_id", flat=True))
    loaded = list(
        _visible_events(user)
        .filter(pk__in=ids)
        .select_related("type", "authority")
        .prefetch_related("involvements__person__names", "involvements__role", "sources")
        .order_by("start_on", "id")
    )
    rules = load_rules()
    events = [event for event in loaded if event.case_id == case.pk]
    involving = [(event, {item.person_id for item in event.involvements.all()}) for event in loaded]
    return CaseFigures(
        persons={
            person.pk: _person_figures(
                person,
                [event for event, persons_in in involving if person.pk in persons_in],
                as_of=as_of,
                user=user,
                rules=rules,
            )
            for person in persons
        },
        events=events,
        rights_at_stake=rights_at_stake(events, rules),
    )
