"""/api/v1/authorities: the public bodies responsible for events and asked in letters,
each with its scorecard: how it answers the letters the caller may see."""

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from docket.api.common import caller, page
from docket.api.schemas import UNCHANGED, CountryCode, Error, Input, Invalid, Page, PageParams
from docket.cases import services
from docket.cases.models import Authority, AuthorityKind
from docket.letters.figures import authority_figures
from docket.letters.models import Letter
from docket.lib.access import get_visible
from docket.lib.versioning import StaleEdit

router = Router(tags=["authorities"])


class AuthorityOut(Schema):
    id: int
    name: str
    country: CountryCode | None
    kind: AuthorityKind
    email: str
    address: str
    response_days: int = Field(description="Days a reply is due after a letter is sent.")
    working_days: bool = Field(description="Whether response_days count working days only.")
    version: int = Field(description="Send it back with a change (PATCH).")
    created_at: datetime
    updated_at: datetime


class Scorecard(Schema):
    """How the authority answers the letters sent to it that the caller may see."""

    as_of: date
    letters_received: int = Field(description="Copies of letters sent to it by `as_of`.")
    questions_asked: int
    answered: int
    partial: int
    refused: int
    not_held: int
    overdue: int = Field(description="Questions unanswered or ignored after the due date.")
    share_answered: float | None = Field(description="Answered in full, of questions asked.")
    median_days_to_answer: float | None = Field(
        description="From sending to the first reply that answered a question, fully or in part."
    )


class AuthorityDetail(AuthorityOut):
    figures: Scorecard


class AsOf(Schema):
    as_of: date | None = Field(None, description="The day the figures are for; default today.")


class AuthorityPage(Page[AuthorityOut]):
    pass


class AuthorityConflict(Error):
    current: AuthorityOut


class AuthorityFilter(PageParams):
    country: CountryCode | None = None
    kind: AuthorityKind | None = None


class AuthorityIn(Input):
    name: str = Field(min_length=1, max_length=200)
    country: CountryCode | None = None
    kind: AuthorityKind = AuthorityKind.OTHER
    email: str = Field("", max_length=254)
    address: str = ""
    response_days: int = Field(30, ge=0, le=32767)
    working_days: bool = False


class AuthorityPatch(Input):
    """Only the fields sent change; `version` is the one the change was based on."""

    version: int
    name: str = Field(UNCHANGED, min_length=1, max_length=200)
    country: CountryCode | None = None
    kind: AuthorityKind = UNCHANGED
    email: str = Field(UNCHANGED, max_length=254)
    address: str = UNCHANGED
    response_days: int = Field(UNCHANGED, ge=0, le=32767)
    working_days: bool = UNCHANGED


def _data(authority: Authority) -> dict[str, Any]:
    return {
        "id": authority.pk,
        "name": authority.name,
        "country": authority.country.code or None,
        "kind": authority.kind,
        "email": authority.email,
        "address": authority.address,
        "response_days": authority.response_days,
        "working_days": authority.working_days,
        "version": authority.version,
        "created_at": authority.created_at,
        "updated_at": authority.updated_at,
    }


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    fields = dict(values)
    if "country" in fields:
        fields["country"] = fields["country"] or ""
    return fields


@router.get("", summary="List authorities", response=AuthorityPage)
def list_authorities(request: HttpRequest, filters: Query[AuthorityFilter]) -> dict[str, Any]:
    """Every authority, by name: they are public bodies, seen by all staff."""
    authorities = Authority.objects.visible_to(caller(request)).order_by("name", "id")
    if filters.country:
        authorities = authorities.filter(country=filters.country)
    if filters.kind:
        authorities = authorities.filter(kind=filters.kind)
    return page(request, authorities, filters, lambda items: [_data(item) for item in items])


@router.get(
    "/{int:authority_id}", summary="Read an authority", response={200: AuthorityDetail, 404: Error}
)
def get_authority(request: HttpRequest, authority_id: int, query: Query[AsOf]) -> dict[str, Any]:
    """One authority with its scorecard as of `as_of`, counted over the letters the caller
    may see."""
    user = caller(request)
    authority = get_visible(Authority, user, authority_id, via="api")
    as_of = query.as_of or timezone.localdate()
    figures = authority_figures(authority, as_of=as_of, letters=Letter.objects.visible_to(user))
    return _data(authority) | {"figures": {"as_of": as_of, **asdict(figures)}}


@router.post(
    "", summary="Create an authority", response={201: AuthorityOut, 403: Error, 422: Invalid}
)
def create_authority(request: HttpRequest, payload: AuthorityIn) -> Status[dict[str, Any]]:
    authority = services.create_authority(actor=caller(request), **_fields(payload.model_dump()))
    return Status(201, _data(authority))


@router.patch(
    "/{int:authority_id}",
    summary="Change an authority",
    response={200: AuthorityOut, 403: Error, 404: Error, 409: AuthorityConflict, 422: Invalid},
)
def update_authority(
    request: HttpRequest, authority_id: int, payload: AuthorityPatch
) -> Status[dict[str, Any]]:
    """Change the fields sent; 409 with the current record if someone saved since `version`."""
    user = caller(request)
    authority = get_visible(Authority, user, authority_id, via="api")
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    try:
        services.update_authority(
            actor=user, authority=authority, expected_version=version, **_fields(values)
        )
    except StaleEdit:
        return Status(
            409,
            {
                "detail": f"Someone changed this authority since version {version}; "
                "here is the current record.",
                "current": _data(get_visible(Authority, user, authority_id, via="api")),
            },
        )
    return Status(200, _data(Authority.objects.get(pk=authority_id)))
