"""The events list's facet counts, below the pages: each count what the records hold, as
each persona may see them, on SQLite and PostgreSQL.

The forty-odd events are made once for the module (`shared`, tests/conftest.py); the tests
only read them.
"""

from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.db.models import Q, QuerySet

from docket.accounts.models import Team, User
from docket.cases import services as case_services
from docket.cases.models import Authority, Event
from docket.lib.partialdate import PartialDate
from docket.search.facets import PAGE_SIZE, EventFilters, EventSearch
from tests import factories
from tests.conftest import Shared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared")]


@pytest.fixture(scope="module")
def events_world(shared: Shared) -> list[Event]:
    """Forty-odd events of several types, places, authorities, years and levels."""
    with shared.making():
        return _events(shared.documenter, shared.team)


def _events(documenter: User, team: Team) -> list[Event]:
    authorities = [
        case_services.create_authority(actor=documenter, name=name)
        for name in ("Ministry of Order", "Border Police")
    ]
    types = ["detention", "deportation", "visit_refused", "document_refused", "hearing"]
    places = ["Evin", "Camp Ashraf", "Border post", ""]
    made = []
    for number in range(12):
        level = ("public", "internal", "restricted", "secret")[number % 4]
        status = ("open", "monitoring", "closed")[number % 3]
        case = factories.case(
            documenter,
            f"Case {number}",
            [],
            team=team,
            confidentiality=level,
            status=status,
        )
        for index in range(number % 5 + 1):
            start = [None, "2018", "2019-03", "2019-07-14", "2020-01", "2019"][(number + index) % 6]
            fields: dict[str, Any] = {}
            kind = types[(number * 3 + index) % len(types)]
            if kind == "detention":
                fields["charged"] = [None, False, True][index % 3]
            if kind == "document_refused":
                fields["document"] = ["work_permit", "id_card"][index % 2]
            made.append(
                factories.event(
                    documenter,
                    case,
                    kind,
                    start,
                    place_name=places[(number + index * 2) % len(places)],
                    authority=authorities[index % 2] if index % 3 else None,
                    **fields,
                )
            )
    return made


FILTER_SETS = [
    {},
    {"types": ["detention"]},
    {"types": ["detention", "hearing"]},
    {"rights": ["ICCPR 9"]},
    {"rights": ["RC1951 17"], "types": ["document_refused"]},
    {"places": "Evin"},
    {"statuses": ["closed"]},
    {"levels": ["restricted"]},
    {"teams": "team"},
    {"date_from": "2019", "date_to": "2019"},
    {"date_from": "2019-03", "date_to": "2019-06"},
    {"date_from": "2019-07-01"},
    {"types": ["detention"], "places": "Evin"},
    {"types": ["detention"], "statuses": ["open"], "levels": ["public", "secret"]},
    {"words": "ministry"},
    {"authorities": "Border Police", "date_from": "2018", "date_to": "2019"},
]


def _filters(spec: dict[str, Any], team: Team) -> EventFilters:
    values = dict(spec)
    if values.get("places"):
        from docket.search.models import FacetTerm

        values["places"] = [FacetTerm.objects.get(dimension="place", label=values["places"]).pk]
    if values.get("authorities"):
        values["authorities"] = [Authority.objects.get(name=values["authorities"]).pk]
    if values.get("teams"):
        values["teams"] = [team.pk]
    for key in ("date_from", "date_to"):
        if key in values:
            values[key] = PartialDate.parse(values[key])
    return EventFilters(**values)


def _matches(user: User, filters: EventFilters, *, skip: str = "") -> QuerySet[Event]:
    """The same filters, straight from the records and the permission rule."""
    from docket.law.rights import load_rules, rights_at_stake

    events = Event.objects.visible_to(user).select_related("case", "type")
    if filters.types and skip != "type":
        events = events.filter(type__code__in=filters.types)
    if filters.places and skip != "place":
        from docket.search.models import FacetTerm

        labels = FacetTerm.objects.filter(pk__in=filters.places).values_list("label", flat=True)
        events = events.filter(place_name__in=list(labels))
    if filters.authorities and skip != "authority":
        events = events.filter(authority_id__in=filters.authorities)
    if filters.statuses and skip != "status":
        events = events.filter(case__status__in=filters.statuses)
    if filters.levels and skip != "confidentiality":
        events = events.filter(case__confidentiality__in=filters.levels)
    if filters.teams and skip != "team":
        events = events.filter(case__team_id__in=filters.teams)
    if skip != "year":
        if filters.date_to is not None:
            events = events.filter(start_on__lte=filters.date_to.latest())
        if filters.date_from is not None:
            events = events.exclude(start__isnull=True)
            keep = [
                event.pk
                for event in events
                if event.start is not None and event.start.latest() >= filters.date_from.earliest()
            ]
            events = events.filter(pk__in=keep)
    if filters.words:
        events = events.filter(
            Q(description__icontains=filters.words)
            | Q(authority__name__icontains=filters.words)
            | Q(place_name__icontains=filters.words)
        )
    if filters.rights and skip != "right":
        rules = load_rules()
        keep = [
            event.pk
            for event in events
            if set(filters.rights) & set(rights_at_stake([event], rules))
        ]
        events = events.filter(pk__in=keep)
    return events


@pytest.mark.parametrize("spec", FILTER_SETS, ids=[str(spec) for spec in FILTER_SETS])
@pytest.mark.parametrize("persona", ["documenter", "outsider", "viewer"])
def test_facets_count_what_the_records_hold(
    request: pytest.FixtureRequest,
    persona: str,
    spec: dict[str, Any],
    events_world: list[Event],
    team: Team,
) -> None:
    user: User = request.getfixturevalue(persona)
    filters = _filters(spec, team)

    page = EventSearch(user, filters).page()

    matching = _matches(user, filters)
    assert page.total == matching.count()
    # Chosen values are listed even when none is left; the others only when counted.
    facets = {
        facet.name: {v.value: v.count for v in facet.values if v.count} for facet in page.facets
    }
    by_type = Counter(event.type.code for event in _matches(user, filters, skip="type"))
    assert facets["type"] == dict(by_type)
    by_status = Counter(event.case.status for event in _matches(user, filters, skip="status"))
    assert facets["status"] == dict(by_status)
    by_level = Counter(
        event.case.confidentiality for event in _matches(user, filters, skip="confidentiality")
    )
    assert facets["confidentiality"] == dict(by_level)
    by_year = Counter(
        str(event.start.year if event.start else 0)
        for event in _matches(user, filters, skip="year")
    )
    assert facets["year"] == dict(by_year)
    by_place = Counter(event.place_name for event in _matches(user, filters, skip="place"))
    labelled = {
        value.label: value.count
        for facet in page.facets
        if facet.name == "place"
        for value in facet.values
    }
    assert labelled == {place: n for place, n in by_place.items() if place}
    from docket.law.rights import load_rules, rights_at_stake

    rules = load_rules()
    by_right: Counter[str] = Counter()
    for event in _matches(user, filters, skip="right"):
        by_right.update(rights_at_stake([event], rules))
    assert facets["right"] == dict(by_right)
    newest_first = sorted(
        matching, key=lambda event: (event.start_on or date(1, 1, 1), event.pk), reverse=True
    )
    assert [event.pk for event in page.events] == [event.pk for event in newest_first[:PAGE_SIZE]]


def test_counts_come_from_the_index_for_one_facet_and_from_the_events_beyond(
    events_world: list[Event], documenter: User, team: Team
) -> None:
    def counted_by(**spec: Any) -> str:
        return EventSearch(documenter, _filters(spec, team)).page().counted_by

    assert counted_by() == "index"
    assert counted_by(types=["detention", "hearing"], levels=["secret"]) == "index"
    assert counted_by(date_from="2018", date_to="2019") == "index"
    assert counted_by(date_from="2019-03") == "scan"
    assert counted_by(types=["detention"], places="Evin") == "scan"
    assert counted_by(words="evin") == "scan"
