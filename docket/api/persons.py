"""/api/v1/persons: persons with their names in every script, and their figures."""

from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.api.common import caller, iso, page, partial_date, team_named
from docket.api.schemas import (
    UNCHANGED,
    CountryCode,
    Error,
    Input,
    Invalid,
    Page,
    PageParams,
    PartialDateText,
    PersonFigures,
    figures_data,
)
from docket.cases.figures import person_figures
from docket.lib.access import get_visible
from docket.lib.versioning import StaleEdit
from docket.people import services
from docket.people.models import NameKind, Person, PersonName, PersonStatus, Script, Sex
from docket.people.services import NameInput

router = Router(tags=["persons"])


class Name(Input):
    name: str = Field(min_length=1, max_length=200)
    script: Script = Script.LATIN
    kind: NameKind = NameKind.FULL


class PersonOut(Schema):
    id: int
    names: list[Name]
    sex: Sex
    birth_date: PartialDateText | None
    birth_place: str
    nationality: CountryCode | None
    status: PersonStatus
    notes: str
    contact_details: str | None = Field(
        None,
        description="Sensitive: present only for those who may edit the person, "
        "absent (not null) for everyone else.",
    )
    confidentiality: Confidentiality
    team: str | None = Field(description="The owning team's name.")
    version: int = Field(description="Send it back with a change (PATCH).")
    created_at: datetime
    updated_at: datetime


class PersonDetail(PersonOut):
    figures: PersonFigures


class PersonPage(Page[PersonOut]):
    pass


class PersonConflict(Error):
    current: PersonDetail


class PersonFilter(PageParams):
    name: str | None = Field(None, description="Part of any of the person's names.")
    status: PersonStatus | None = None
    nationality: CountryCode | None = None


class PersonIn(Input):
    names: list[Name] = Field(min_length=1)
    sex: Sex = Sex.UNKNOWN
    birth_date: PartialDateText | None = None
    birth_place: str = Field("", max_length=200)
    nationality: CountryCode | None = None
    status: PersonStatus = PersonStatus.UNKNOWN
    notes: str = ""
    contact_details: str = ""
    confidentiality: Confidentiality = Confidentiality.INTERNAL
    team: str | None = Field(None, description="Default: the caller's team, if only one.")


class PersonPatch(Input):
    """Only the fields sent change; `version` is the one the change was based on."""

    version: int
    names: list[Name] = Field(UNCHANGED, min_length=1)
    sex: Sex = UNCHANGED
    birth_date: PartialDateText | None = None
    birth_place: str = Field(UNCHANGED, max_length=200)
    nationality: CountryCode | None = None
    status: PersonStatus = UNCHANGED
    notes: str = UNCHANGED
    contact_details: str = UNCHANGED
    confidentiality: Confidentiality = UNCHANGED
    team: str | None = None


def _with_related(queryset: QuerySet[Person]) -> QuerySet[Person]:
    return queryset.select_related("team").prefetch_related("names")


def _data(person: Person, *, editable: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": person.pk,
        "names": [
            {"name": name.name, "script": name.script, "kind": name.kind}
            for name in person.names.all()
        ],
        "sex": person.sex,
        "birth_date": iso(person.birth_date),
        "birth_place": person.birth_place,
        "nationality": person.nationality.code or None,
        "status": person.status,
        "notes": person.notes,
        "confidentiality": person.confidentiality,
        "team": person.team.name if person.team else None,
        "version": person.version,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }
    if editable:
        data["contact_details"] = person.contact_details
    return data


def _editable_ids(user: User, persons: list[Person]) -> set[int]:
    """Which of `persons` the user may edit, in one query: they alone see contact details."""
    return set(
        Person.objects.editable_by(user)
        .filter(pk__in=[person.pk for person in persons])
        .values_list("pk", flat=True)
    )


def _detail(user: User, person: Person) -> dict[str, Any]:
    as_of = timezone.localdate()
    data = _data(person, editable=bool(_editable_ids(user, [person])))
    data["figures"] = figures_data(person_figures(person, as_of=as_of, user=user), as_of)
    return data


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """Body values as the services take them."""
    fields = dict(values)
    if "birth_date" in fields:
        fields["birth_date"] = partial_date(fields["birth_date"])
    if "nationality" in fields:
        fields["nationality"] = fields["nationality"] or ""
    if "team" in fields:
        fields["team"] = team_named(fields["team"])
    return fields


def _names(names: list[Name]) -> list[NameInput]:
    return [NameInput(name.name, name.script, name.kind) for name in names]


@router.get("", summary="List persons", response=PersonPage, exclude_unset=True)
def list_persons(request: HttpRequest, filters: Query[PersonFilter]) -> dict[str, Any]:
    """The persons the caller may see, oldest first."""
    user = caller(request)
    persons = _with_related(Person.objects.visible_to(user)).order_by("id")
    if filters.name:
        persons = persons.filter(
            Exists(PersonName.objects.filter(person=OuterRef("pk"), name__icontains=filters.name))
        )
    if filters.status:
        persons = persons.filter(status=filters.status)
    if filters.nationality:
        persons = persons.filter(nationality=filters.nationality)

    def serialize(items: list[Person]) -> list[dict[str, Any]]:
        editable = _editable_ids(user, items)
        return [_data(person, editable=person.pk in editable) for person in items]

    return page(request, persons, filters, serialize)


@router.get(
    "/{int:person_id}",
    summary="Read a person",
    response={200: PersonDetail, 404: Error},
    exclude_unset=True,
)
def get_person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """One person, with the figures derived from the events the caller may see."""
    user = caller(request)
    person = get_visible(_with_related(Person.objects.all()), user, person_id, via="api")
    return _detail(user, person)


@router.post(
    "",
    summary="Create a person",
    response={201: PersonDetail, 403: Error, 422: Invalid},
    exclude_unset=True,
)
def create_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    user = caller(request)
    names = _names(payload.names)
    fields = _fields(payload.model_dump(exclude={"names"}))
    person = services.create_person(actor=user, names=names, **fields)
    return Status(201, _detail(user, person))


@router.patch(
    "/{int:person_id}",
    summary="Change a person",
    response={200: PersonDetail, 403: Error, 404: Error, 409: PersonConflict, 422: Invalid},
    exclude_unset=True,
)
def update_person(
    request: HttpRequest, person_id: int, payload: PersonPatch
) -> Status[dict[str, Any]]:
    """Change the fields sent; 409 with the current record if someone saved since `version`."""
    user = caller(request)
    person = get_visible(Person, user, person_id, via="api")
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    names = _names(payload.names) if values.pop("names", None) is not None else None
    try:
        services.update_person(
            actor=user, person=person, expected_version=version, names=names, **_fields(values)
        )
    except StaleEdit:
        # The current record only through the read door: it may have left the caller's sight.
        current = get_visible(_with_related(Person.objects.all()), user, person_id, via="api")
        return Status(
            409,
            {
                "detail": "Someone changed this person since version "
                f"{version}; here is the current record.",
                "current": _detail(user, current),
            },
        )
    return Status(200, _detail(user, _with_related(Person.objects.all()).get(pk=person.pk)))
