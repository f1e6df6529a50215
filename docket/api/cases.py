"""/api/v1/cases: cases, the persons in them, and the figures of each."""

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.api.common import caller, page, resolve, team_named
from docket.api.schemas import (
    UNCHANGED,
    CaseFigures,
    Error,
    Input,
    Invalid,
    Page,
    PageParams,
    RecordId,
    figures_data,
)
from docket.cases import services
from docket.cases.figures import case_figures
from docket.cases.models import Case, CaseStatus
from docket.lib.access import get_visible
from docket.lib.versioning import StaleEdit
from docket.people.models import Person

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    title: str
    summary: str
    status: CaseStatus
    confidentiality: Confidentiality
    team: str | None = Field(description="The owning team's name.")
    persons: list[int] = Field(description="Ids of the persons in the case the caller may see.")
    version: int = Field(description="Send it back with a change (PATCH).")
    created_at: datetime
    updated_at: datetime


class CaseDetail(CaseOut):
    figures: CaseFigures


class CasePage(Page[CaseOut]):
    pass


class CaseConflict(Error):
    current: CaseDetail


class CaseFilter(PageParams):
    status: CaseStatus | None = None
    confidentiality: Confidentiality | None = None
    team: str | None = Field(None, description="The owning team's name.")


class CaseIn(Input):
    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    status: CaseStatus = CaseStatus.OPEN
    confidentiality: Confidentiality = Confidentiality.INTERNAL
    team: str | None = Field(None, description="Default: the caller's team, if only one.")
    persons: list[RecordId] = Field(default_factory=list, description="Person ids.")


class CasePatch(Input):
    """Only the fields sent change; `version` is the one the change was based on."""

    version: int
    title: str = Field(UNCHANGED, min_length=1, max_length=200)
    summary: str = UNCHANGED
    status: CaseStatus = UNCHANGED
    confidentiality: Confidentiality = UNCHANGED
    team: str | None = None
    persons: list[RecordId] = Field(
        UNCHANGED,
        description="Replaces the persons the caller can see; those hidden from the caller stay.",
    )


def _with_related(queryset: QuerySet[Case], user: User) -> QuerySet[Case]:
    visible_persons = Person.objects.visible_to(user).only("id").order_by("id")
    return queryset.select_related("team").prefetch_related(
        Prefetch("persons", queryset=visible_persons, to_attr="visible_persons")
    )


def _data(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": case.title,
        "summary": case.summary,
        "status": case.status,
        "confidentiality": case.confidentiality,
        "team": case.team.name if case.team else None,
        "persons": [person.pk for person in case.visible_persons],  # type: ignore[attr-defined]
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def _detail(user: User, case_id: int) -> dict[str, Any]:
    # Loaded without the visibility filter: after a write the caller gets back
    # what they wrote even when its new team or confidentiality hides it from them.
    case = _with_related(Case.objects.all(), user).get(pk=case_id)
    as_of = timezone.localdate()
    figures = case_figures(case, as_of=as_of, user=user)
    data = _data(case)
    data["figures"] = {
        "as_of": as_of,
        "persons": [
            {"person": person_id, **figures_data(person, as_of)}
            for person_id, person in figures.persons.items()
        ],
        "events": [event.pk for event in figures.events],
        "rights_at_stake": figures.rights_at_stake,
    }
    return data


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    fields = dict(values)
    if "team" in fields:
        fields["team"] = team_named(fields["team"])
    return fields


@router.get("", summary="List cases", response=CasePage)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> dict[str, Any]:
    """The cases the caller may see, oldest first."""
    user = caller(request)
    cases = _with_related(Case.objects.visible_to(user), user).order_by("id")
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.confidentiality:
        cases = cases.filter(confidentiality=filters.confidentiality)
    if filters.team:
        cases = cases.filter(team__name=filters.team)
    return page(request, cases, filters, lambda items: [_data(case) for case in items])


@router.get("/{int:case_id}", summary="Read a case", response={200: CaseDetail, 404: Error})
def get_case(request: HttpRequest, case_id: int) -> dict[str, Any]:
    """One case, with the figures of each person in it the caller may see."""
    user = caller(request)
    case = get_visible(Case.objects.only("id", "confidentiality"), user, case_id, via="api")
    return _detail(user, case.pk)


@router.post("", summary="Create a case", response={201: CaseDetail, 403: Error, 422: Invalid})
def create_case(request: HttpRequest, payload: CaseIn) -> Status[dict[str, Any]]:
    user = caller(request)
    values = payload.model_dump()
    visible = Person.objects.visible_to(user)
    persons = resolve(visible, values.pop("persons"), path="persons.{index}", noun="person")
    case = services.open_case(actor=user, persons=persons, **_fields(values))
    return Status(201, _detail(user, case.pk))


@router.patch(
    "/{int:case_id}",
    summary="Change a case",
    response={200: CaseDetail, 403: Error, 404: Error, 409: CaseConflict, 422: Invalid},
)
def update_case(request: HttpRequest, case_id: int, payload: CasePatch) -> Status[dict[str, Any]]:
    """Change the fields sent; 409 with the current record if someone saved since `version`."""
    user = caller(request)
    case = get_visible(Case, user, case_id, via="api")
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    persons: list[Person] | None = None
    if "persons" in values:
        visible = Person.objects.visible_to(user)
        persons = resolve(visible, values.pop("persons"), path="persons.{index}", noun="person")
        # Persons the caller cannot see are not theirs to remove.
        persons += list(case.persons.exclude(pk__in=visible.values("pk")))
    try:
        services.update_case(
            actor=user, case=case, expected_version=version, persons=persons, **_fields(values)
        )
    except StaleEdit:
        # The current record only through the read door: it may have left the caller's sight.
        get_visible(Case.objects.only("id", "confidentiality"), user, case_id, via="api")
        return Status(
            409,
            {
                "detail": f"Someone changed this case since version {version}; "
                "here is the current record.",
                "current": _detail(user, case_id),
            },
        )
    return Status(200, _detail(user, case_id))
