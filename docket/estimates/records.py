"""Lists from Docket's own records, for one reader: the victims of a kind of event in a
period, each documentation source a list.

A person is on a list when they are a victim of a chosen event that the
source documents. Persons are counted once each, as the canonical person of
any merge (a merged person's records already hang on the person kept; an
absorbed record still named somewhere is followed to the one kept). Only what
the reader may see counts: events through `Event.objects.visible_to`, sources
through `Source.objects.visible_to`, persons through `Person.objects.visible_to`
(docket.accounts.permissions); a victim, source or event the reader may not
see is absent, as in every count.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from django.utils.translation import gettext as _

from docket.cases.models import Event, EventType, Involvement, Source
from docket.estimates.mse import Membership, from_pairs
from docket.people.models import Person

ListsBy = Literal["source", "given_by", "kind"]
StrataBy = Literal["", "place", "year"]
VICTIM = "victim"


@dataclass(frozen=True)
class Choice:
    event_type: EventType
    start: date | None = None
    end: date | None = None
    lists_by: ListsBy = "source"
    strata_by: StrataBy = ""


def canonical(person_ids: set[int]) -> dict[int, int]:
    """Each person's id mapped to the person kept by the merges it went through."""
    kept = {person: person for person in person_ids}
    frontier = set(person_ids)
    # A chain of merges is short; the bound only guards against a cycle.
    for _step in range(50):
        moved = dict(
            Person.objects.filter(pk__in=frontier, merged_into__isnull=False).values_list(
                "pk", "merged_into"
            )
        )
        if not moved:
            break
        kept = {person: moved.get(current, current) for person, current in kept.items()}
        frontier = set(moved.values())
    return kept


def _list_name(source: Source, lists_by: ListsBy) -> str:
    if lists_by == "given_by":
        return source.given_by.strip() or source.title
    if lists_by == "kind":
        return str(source.get_kind_display())
    return f"{source.title} (#{source.pk})"


def membership(user: Any, choice: Choice) -> Membership:
    """Who is on which list, per stratum, as `user` may see it."""
    events = Event.objects.visible_to(user).filter(type=choice.event_type)
    if choice.start is not None:
        events = events.filter(start_on__gte=choice.start)
    if choice.end is not None:
        events = events.filter(start_on__lte=choice.end)
    event_rows = {
        pk: (place, start)
        for pk, place, start in events.values_list("pk", "place_name", "start_on")
    }
    if not event_rows:
        return from_pairs([])
    sources = {
        source.pk: source
        for source in Source.objects.visible_to(user).filter(events__in=list(event_rows)).distinct()
    }
    documented: dict[int, set[int]] = defaultdict(set)
    for event_id, source_id in Event.sources.through.objects.filter(
        event_id__in=list(event_rows), source_id__in=list(sources)
    ).values_list("event_id", "source_id"):
        documented[event_id].add(source_id)
    victims = list(
        Involvement.objects.filter(event_id__in=list(event_rows), role__code=VICTIM).values_list(
            "event_id", "person_id"
        )
    )
    kept = canonical({person for _event, person in victims})
    visible = set(
        Person.objects.visible_to(user)
        .filter(pk__in=set(kept.values()))
        .values_list("pk", flat=True)
    )
    # A person's stratum is that of their earliest chosen event, so each is in one.
    first_event: dict[int, tuple[date, int]] = {}
    for event_id, person_id in victims:
        person = kept[person_id]
        start = event_rows[event_id][1] or date.max
        if person in visible and (
            person not in first_event or (start, event_id) < first_event[person]
        ):
            first_event[person] = (start, event_id)

    def stratum_of(person: int) -> str:
        _first, event_id = first_event[person]
        place, start = event_rows[event_id]
        if choice.strata_by == "place":
            return place.strip() or _("place not recorded")
        if choice.strata_by == "year":
            return str(start.year) if start else _("date not recorded")
        return ""

    triples = []
    for event_id, person_id in victims:
        person = kept[person_id]
        if person not in visible:
            continue
        for source_id in documented.get(event_id, ()):
            triples.append(
                (stratum_of(person), str(person), _list_name(sources[source_id], choice.lists_by))
            )
    return from_pairs(triples)


def undocumented_victims(user: Any, choice: Choice) -> int:
    """Victims of the chosen events whom no visible source documents: they are on no list,
    so the estimate cannot count them as documented (the page says how many)."""
    found = membership(user, Choice(choice.event_type, choice.start, choice.end, "source", ""))
    on_lists = {person for persons in found.values() for person in persons}
    events = Event.objects.visible_to(user).filter(type=choice.event_type)
    if choice.start is not None:
        events = events.filter(start_on__gte=choice.start)
    if choice.end is not None:
        events = events.filter(start_on__lte=choice.end)
    victims = set(
        Involvement.objects.filter(event__in=events, role__code=VICTIM).values_list(
            "person_id", flat=True
        )
    )
    kept = canonical(victims)
    visible = set(
        Person.objects.visible_to(user)
        .filter(pk__in=set(kept.values()))
        .values_list("pk", flat=True)
    )
    return len({str(kept[p]) for p in victims if kept[p] in visible} - on_lists)
