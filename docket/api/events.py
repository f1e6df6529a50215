"""/api/v1/events: the dated events of cases, seen and changed through their case."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from docket.accounts.models import User
from docket.api.common import caller, iso, page, partial_date, resolve, resolve_one, unique
from docket.api.schemas import (
    UNCHANGED,
    CountryCode,
    Error,
    Input,
    Invalid,
    Page,
    PageParams,
    PartialDateText,
    RecordId,
)
from docket.cases import services
from docket.cases.models import (
    Authority,
    Case,
    DocumentKind,
    Event,
    EventType,
    Involvement,
    InvolvementRole,
    Source,
)
from docket.cases.services import InvolvementInput
from docket.lib.access import get_visible
from docket.lib.versioning import StaleEdit
from docket.people.models import Person

router = Router(tags=["events"])


class Place(Input):
    name: str = Field("", max_length=200)
    country: CountryCode | None = None


class Involved(Input):
    person: RecordId
    role: str = Field(description="victim, perpetrator, witness, family, intervener, …")


class EventOut(Schema):
    id: int
    case: int
    type: str = Field(description="The event type's code: detention, release, charge, …")
    start: PartialDateText | None
    end: PartialDateText | None
    place: Place | None
    authority: int | None
    persons: list[Involved] = Field(description="Only persons the caller may see.")
    charged: bool | None
    document: DocumentKind | None
    destination: CountryCode | None
    description: str
    sources: list[int] = Field(description="Ids of the sources the caller may see.")
    version: int = Field(description="Send it back with a change (PATCH).")
    created_at: datetime
    updated_at: datetime


class EventPage(Page[EventOut]):
    pass


class EventConflict(Error):
    current: EventOut


class EventFilter(PageParams):
    case: RecordId | None = None
    type: str | None = Field(None, description="An event type code.")
    start_from: date | None = Field(None, description="Events starting on or after this day.")
    start_to: date | None = Field(None, description="Events starting on or before this day.")
    authority: RecordId | None = None


class EventIn(Input):
    case: RecordId
    type: str = Field(description="An event type code.")
    start: PartialDateText | None = None
    end: PartialDateText | None = None
    place: Place | None = None
    authority: RecordId | None = None
    persons: list[Involved] = Field(default_factory=list)
    charged: bool | None = Field(None, description="For a detention; null when unknown.")
    document: DocumentKind | None = Field(None, description="For document_refused.")
    destination: CountryCode | None = Field(None, description="For a deportation.")
    description: str = ""
    sources: list[RecordId] = Field(default_factory=list, description="Source ids.")


class EventPatch(Input):
    """Only the fields sent change; `version` is the one the change was based on.

    An event stays in its case.
    """

    version: int
    type: str = UNCHANGED
    start: PartialDateText | None = None
    end: PartialDateText | None = None
    place: Place | None = Field(None, description="Replaces the name and country together.")
    authority: RecordId | None = None
    persons: list[Involved] = Field(
        UNCHANGED,
        description="Replaces the involvements of persons the caller can see; "
        "those of persons hidden from the caller stay.",
    )
    charged: bool | None = None
    document: DocumentKind | None = None
    destination: CountryCode | None = None
    description: str = UNCHANGED
    sources: list[RecordId] = Field(
        UNCHANGED, description="Replaces the sources the caller can see; hidden ones stay."
    )


def _with_related(queryset: QuerySet[Event], user: User) -> QuerySet[Event]:
    involvements = Involvement.objects.filter(
        person__in=Person.objects.visible_to(user).values("pk")
    ).select_related("role")
    sources = Source.objects.visible_to(user).only("id").order_by("id")
    return queryset.select_related("type").prefetch_related(
        Prefetch(
            "involvements", queryset=involvements.order_by("id"), to_attr="visible_involvements"
        ),
        Prefetch("sources", queryset=sources, to_attr="visible_sources"),
    )


def _data(event: Event) -> dict[str, Any]:
    place = None
    if event.place_name or event.place_country:
        place = {"name": event.place_name, "country": event.place_country.code or None}
    return {
        "id": event.pk,
        "case": event.case_id,
        "type": event.type.code,
        "start": iso(event.start),
        "end": iso(event.end),
        "place": place,
        "authority": event.authority_id,
        "persons": [
            {"person": involvement.person_id, "role": involvement.role.code}
            for involvement in event.visible_involvements  # type: ignore[attr-defined]
        ],
        "charged": event.charged,
        "document": event.document or None,
        "destination": event.destination.code or None,
        "description": event.description,
        "sources": [source.pk for source in event.visible_sources],  # type: ignore[attr-defined]
        "version": event.version,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


def _detail(user: User, event_id: int) -> dict[str, Any]:
    return _data(_with_related(Event.objects.all(), user).get(pk=event_id))


def _fields(values: dict[str, Any], user: User) -> dict[str, Any]:
    """Body values as add_event and update_event take them; references checked."""
    fields: dict[str, Any] = {}
    for name in ("charged", "description"):
        if name in values:
            fields[name] = values[name]
    for name in ("start", "end"):
        if name in values:
            fields[name] = partial_date(values[name])
    if "type" in values:
        fields["type"] = EventType.objects.filter(code=values["type"]).first()
        if fields["type"] is None:
            raise ValidationError({"type": f"There is no event type {values['type']!r}."})
    if "place" in values:
        place = values["place"] or {}
        fields["place_name"] = place.get("name") or ""
        fields["place_country"] = place.get("country") or ""
    if "authority" in values:
        fields["authority"] = (
            resolve_one(
                Authority.objects.visible_to(user),
                values["authority"],
                field="authority",
                noun="authority",
            )
            if values["authority"] is not None
            else None
        )
    if "document" in values:
        fields["document"] = values["document"] or ""
    if "destination" in values:
        fields["destination"] = values["destination"] or ""
    return fields


def _involvements(user: User, items: list[dict[str, Any]]) -> list[InvolvementInput]:
    persons = resolve(
        Person.objects.visible_to(user),
        [item["person"] for item in items],
        path="persons.{index}.person",
        noun="person",
    )
    roles = {role.code: role for role in InvolvementRole.objects.all()}
    unknown = {
        f"persons.{index}.role": f"There is no role {item['role']!r}."
        for index, item in enumerate(items)
        if item["role"] not in roles
    }
    if unknown:
        raise ValidationError(unknown)
    # The same person in the same role twice is one involvement.
    pairs = unique((person.pk, item["role"]) for person, item in zip(persons, items, strict=True))
    by_id = {person.pk: person for person in persons}
    return [InvolvementInput(by_id[person_id], roles[code]) for person_id, code in pairs]


def _sources(user: User, ids: list[int]) -> list[Source]:
    return resolve(Source.objects.visible_to(user), ids, path="sources.{index}", noun="source")


@router.get("", summary="List events", response=EventPage)
def list_events(request: HttpRequest, filters: Query[EventFilter]) -> dict[str, Any]:
    """The events of the cases the caller may see, in date order (undated last)."""
    user = caller(request)
    events = _with_related(Event.objects.visible_to(user), user).order_by(
        F("start_on").asc(nulls_last=True), "id"
    )
    if filters.case is not None:
        events = events.filter(case_id=filters.case)
    if filters.type:
        events = events.filter(type__code=filters.type)
    if filters.start_from:
        events = events.filter(start_on__gte=filters.start_from)
    if filters.start_to:
        events = events.filter(start_on__lte=filters.start_to)
    if filters.authority is not None:
        events = events.filter(authority_id=filters.authority)
    return page(request, events, filters, lambda items: [_data(event) for event in items])


@router.get("/{int:event_id}", summary="Read an event", response={200: EventOut, 404: Error})
def get_event(request: HttpRequest, event_id: int) -> dict[str, Any]:
    user = caller(request)
    event = get_visible(_with_related(Event.objects.all(), user), user, event_id, via="api")
    return _data(event)


@router.post("", summary="Create an event", response={201: EventOut, 403: Error, 422: Invalid})
def create_event(request: HttpRequest, payload: EventIn) -> Status[dict[str, Any]]:
    """Add an event to a case the caller may edit; its persons join the case."""
    user = caller(request)
    values = payload.model_dump()
    case = resolve_one(Case.objects.visible_to(user), values["case"], field="case", noun="case")
    event = services.add_event(
        actor=user,
        case=case,
        involvements=_involvements(user, values["persons"]),
        sources=_sources(user, values["sources"]),
        **_fields(values, user),
    )
    return Status(201, _detail(user, event.pk))


@router.patch(
    "/{int:event_id}",
    summary="Change an event",
    response={200: EventOut, 403: Error, 404: Error, 409: EventConflict, 422: Invalid},
)
def update_event(
    request: HttpRequest, event_id: int, payload: EventPatch
) -> Status[dict[str, Any]]:
    """Change the fields sent; 409 with the current record if someone saved since `version`."""
    user = caller(request)
    event = get_visible(Event.objects.select_related("case", "type"), user, event_id, via="api")
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    involvements = None
    if "persons" in values:
        involvements = _involvements(user, values["persons"])
        # Involvements of persons the caller cannot see are not theirs to remove.
        hidden = event.involvements.exclude(
            person__in=Person.objects.visible_to(user).values("pk")
        ).select_related("person", "role")
        involvements += [InvolvementInput(item.person, item.role) for item in hidden]
    sources = None
    if "sources" in values:
        sources = _sources(user, values["sources"])
        sources += list(event.sources.exclude(pk__in=Source.objects.visible_to(user).values("pk")))
    try:
        services.update_event(
            actor=user,
            event=event,
            expected_version=version,
            involvements=involvements,
            sources=sources,
            **_fields(values, user),
        )
    except StaleEdit:
        # The current record only through the read door: it may have left the caller's sight.
        get_visible(Event.objects.select_related("case"), user, event_id, via="api")
        return Status(
            409,
            {
                "detail": f"Someone changed this event since version {version}; "
                "here is the current record.",
                "current": _detail(user, event_id),
            },
        )
    return Status(200, _detail(user, event_id))
