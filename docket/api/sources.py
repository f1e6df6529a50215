"""/api/v1/sources: testimonies, documents and reports the events rest on."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from docket.accounts.permissions import Confidentiality
from docket.api.common import caller, iso, page, partial_date, team_named
from docket.api.schemas import UNCHANGED, Error, Input, Invalid, Page, PageParams, PartialDateText
from docket.cases import services
from docket.cases.models import Reliability, Source, SourceKind
from docket.lib.access import get_visible
from docket.lib.versioning import StaleEdit

router = Router(tags=["sources"])


class SourceOut(Schema):
    id: int
    kind: SourceKind
    title: str
    given_by: str
    date: PartialDateText | None
    url: str
    reliability: Reliability
    confidentiality: Confidentiality
    team: str | None = Field(description="The owning team's name.")
    version: int = Field(description="Send it back with a change (PATCH).")
    created_at: datetime
    updated_at: datetime


class SourcePage(Page[SourceOut]):
    pass


class SourceConflict(Error):
    current: SourceOut


class SourceFilter(PageParams):
    kind: SourceKind | None = None
    reliability: Reliability | None = None


class SourceIn(Input):
    kind: SourceKind = SourceKind.OTHER
    title: str = Field(min_length=1, max_length=300)
    given_by: str = Field("", max_length=200)
    date: PartialDateText | None = None
    url: str = Field("", max_length=500)
    reliability: Reliability = Reliability.UNKNOWN
    # Who gave a testimony can endanger them: restricted unless someone decides otherwise.
    confidentiality: Confidentiality = Confidentiality.RESTRICTED
    team: str | None = Field(None, description="Default: the caller's team, if only one.")


class SourcePatch(Input):
    """Only the fields sent change; `version` is the one the change was based on."""

    version: int
    kind: SourceKind = UNCHANGED
    title: str = Field(UNCHANGED, min_length=1, max_length=300)
    given_by: str = Field(UNCHANGED, max_length=200)
    date: PartialDateText | None = None
    url: str = Field(UNCHANGED, max_length=500)
    reliability: Reliability = UNCHANGED
    confidentiality: Confidentiality = UNCHANGED
    team: str | None = None


def _data(source: Source) -> dict[str, Any]:
    return {
        "id": source.pk,
        "kind": source.kind,
        "title": source.title,
        "given_by": source.given_by,
        "date": iso(source.date),
        "url": source.url,
        "reliability": source.reliability,
        "confidentiality": source.confidentiality,
        "team": source.team.name if source.team else None,
        "version": source.version,
        "created_at": source.created_at,
        "updated_at": source.updated_at,
    }


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    fields = dict(values)
    if "date" in fields:
        fields["date"] = partial_date(fields["date"])
    if "team" in fields:
        fields["team"] = team_named(fields["team"])
    return fields


def _with_related(queryset: QuerySet[Source]) -> QuerySet[Source]:
    return queryset.select_related("team")


@router.get("", summary="List sources", response=SourcePage)
def list_sources(request: HttpRequest, filters: Query[SourceFilter]) -> dict[str, Any]:
    """The sources the caller may see, oldest first."""
    sources = _with_related(Source.objects.visible_to(caller(request))).order_by("id")
    if filters.kind:
        sources = sources.filter(kind=filters.kind)
    if filters.reliability:
        sources = sources.filter(reliability=filters.reliability)
    return page(request, sources, filters, lambda items: [_data(source) for source in items])


@router.get("/{int:source_id}", summary="Read a source", response={200: SourceOut, 404: Error})
def get_source(request: HttpRequest, source_id: int) -> dict[str, Any]:
    user = caller(request)
    return _data(get_visible(_with_related(Source.objects.all()), user, source_id, via="api"))


@router.post("", summary="Create a source", response={201: SourceOut, 403: Error, 422: Invalid})
def create_source(request: HttpRequest, payload: SourceIn) -> Status[dict[str, Any]]:
    source = services.create_source(actor=caller(request), **_fields(payload.model_dump()))
    return Status(201, _data(_with_related(Source.objects.all()).get(pk=source.pk)))


@router.patch(
    "/{int:source_id}",
    summary="Change a source",
    response={200: SourceOut, 403: Error, 404: Error, 409: SourceConflict, 422: Invalid},
)
def update_source(
    request: HttpRequest, source_id: int, payload: SourcePatch
) -> Status[dict[str, Any]]:
    """Change the fields sent; 409 with the current record if someone saved since `version`."""
    user = caller(request)
    source = get_visible(Source, user, source_id, via="api")
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    try:
        services.update_source(
            actor=user, source=source, expected_version=version, **_fields(values)
        )
    except StaleEdit:
        return Status(
            409,
            {
                "detail": f"Someone changed this source since version {version}; "
                "here is the current record.",
                # Only through the read door: it may have left the caller's sight.
                "current": _data(
                    get_visible(_with_related(Source.objects.all()), user, source_id, via="api")
                ),
            },
        )
    return Status(200, _data(_with_related(Source.objects.all()).get(pk=source_id)))
