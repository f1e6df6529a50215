"""How long: days detained, days without charge, time since last family contact.

Distributions (buckets) and medians over the victims a reader may see, each
figure computed by the figures functions of docket.cases.figures with the
as-of date passed in, over the events the reader may see; the last contact
comes from the tracing requests the reader may see. Persons with no detention
are left out of the detention figures, and persons with no recorded contact
out of the contact figure: a median says of whom it is.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from django.db.models import Max
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from docket.cases.figures import (
    ENDS_DETENTION,
    days_detained,
    days_detained_without_charge,
    years_since,
)
from docket.reports.counting import Scope

# The event types the detention figures read (docket.cases.figures): a detention, what
# ends one, a charge. Events of any other type change neither figure.
READ_TYPES = {"detention", "charge", *ENDS_DETENTION}

# (lowest, label) for days, then for years.
DAY_BUCKETS: tuple[tuple[int, str], ...] = (
    (0, "0–30"),
    (31, "31–90"),
    (91, "91–180"),
    (181, "181–365"),
    (366, "366–730"),
    (731, "731+"),
)
YEAR_BUCKETS: tuple[tuple[float, str], ...] = (
    (0, "<1"),
    (1, "1–2"),
    (2, "2–5"),
    (5, "5–10"),
    (10, "10+"),
)


@dataclass
class Distribution:
    key: str
    label: str | Promise
    unit: str | Promise
    counts: list[tuple[str, int]]
    persons: int
    median: float | None


def _bucket(value: float, buckets: tuple[tuple[Any, str], ...]) -> str:
    found = buckets[0][1]
    for lowest, label in buckets:
        if value >= lowest:
            found = label
    return found


def _distribution(
    key: str,
    label: str | Promise,
    unit: str | Promise,
    values: list[float],
    buckets: tuple[tuple[Any, str], ...],
) -> Distribution:
    counted = dict.fromkeys([name for _lowest, name in buckets], 0)
    for value in values:
        counted[_bucket(value, buckets)] += 1
    return Distribution(
        key=key,
        label=label,
        unit=unit,
        counts=list(counted.items()),
        persons=len(values),
        median=float(median(values)) if values else None,
    )


def durations(user: Any, *, as_of: date) -> list[Distribution]:
    """The three distributions for `user`: only victims, events and requests they may see."""
    from docket.tracing.models import TracingRequest

    scope = Scope.of_reader(user)
    events, persons = scope.events, scope.persons
    # Of the victims' events, the figures read the kinds in READ_TYPES alone: the others
    # are not loaded. A subquery, not a list of ids: at a million events the list outgrows
    # what SQLite takes in one statement.
    read = scope.victims().filter(event__type__code__in=READ_TYPES)
    by_person: dict[int, list[int]] = defaultdict(list)
    for person_id, event_id in read.values_list("person_id", "event_id"):
        by_person[person_id].append(event_id)
    loaded = {
        event.pk: event
        for event in events.filter(pk__in=read.values("event_id"))
        .select_related("type")
        .only("start", "end", "charged", "start_on", "type__code")
        .order_by()  # each person's are sorted below
    }
    detained: list[float] = []
    uncharged: list[float] = []
    for ids in by_person.values():
        own = sorted(
            (loaded[pk] for pk in set(ids) if pk in loaded),
            key=lambda event: (event.start_on or date.max, event.pk),
        )
        if not any(event.type.code == "detention" for event in own):
            continue
        detained.append(days_detained(own, as_of=as_of))
        uncharged.append(days_detained_without_charge(own, as_of=as_of))
    last_contacts = (
        TracingRequest.objects.visible_to(user)
        .filter(
            sought__in=persons.filter(pk__in=scope.victims().values("person_id")),
            last_contact__isnull=False,
        )
        .values("sought")
        .annotate(last=Max("last_contact"))
        .values_list("last", flat=True)
    )
    years = [
        value
        for value in (years_since(last, as_of=as_of) for last in last_contacts)
        if value is not None
    ]
    return [
        _distribution("detained", _("Days detained"), _("days"), detained, DAY_BUCKETS),
        _distribution(
            "uncharged", _("Days detained without charge"), _("days"), uncharged, DAY_BUCKETS
        ),
        _distribution(
            "contact", _("Time since last family contact"), _("years"), years, YEAR_BUCKETS
        ),
    ]
