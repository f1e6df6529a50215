"""/api/v1/tracing: tracing requests, their steps, consents and refusals, contact attempts,
and what the requester may be told.

Staff who may see a request read all of it, under the usual confidentiality rule
(docket.accounts.permissions). `/{id}/for-requester` is the consent-governed answer
prepared for the requester: docket.tracing.consent decides it, as for the reply letter
and the requester export. Writes go through docket.tracing.services, as the pages' do.
"""

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.api.common import caller, page, resolve_one, team_named
from docket.api.schemas import Error, Input, Invalid, Page, PageParams, RecordId
from docket.cases.figures import years_without_family_contact
from docket.cases.models import Authority
from docket.lib.access import get_visible
from docket.people.models import Person
from docket.tracing import services
from docket.tracing.consent import disclosure_for_reader
from docket.tracing.models import (
    AskedFor,
    Consent,
    ConsentMethod,
    ConsentScope,
    ContactAttempt,
    ContactKind,
    ContactOutcome,
    Refusal,
    TracingRequest,
    TracingStatus,
)

router = Router(tags=["tracing"])


# Shapes


class StepOut(Schema):
    from_status: str = Field(description="Empty for the opening step.")
    to_status: TracingStatus
    on: date
    by: str | None


class TracingRequestOut(Schema):
    id: int
    ref: str = Field(description="TR-<id>.")
    requester: int | None = Field(description="The requester's id, if the caller may see them.")
    sought: int | None = Field(description="The sought person's id, if the caller may see them.")
    sought_as_given: str
    relationship: str
    opened_on: date | None
    last_contact: date | None
    last_known_place: str
    reason: str
    asks_for: list[AskedFor]
    status: TracingStatus
    whereabouts: str
    confidentiality: Confidentiality
    team: str | None
    years_without_family_contact: float | None
    steps: list[StepOut]
    version: int


class TracingRequestPage(Page[TracingRequestOut]):
    pass


class TracingRequestIn(Input):
    requester: RecordId = Field(description="A recorded person's id.")
    sought: RecordId = Field(description="A recorded person's id.")
    relationship: str = ""
    reason: str = ""
    asks_for: list[AskedFor] = Field(default_factory=list)
    last_contact: date | None = None
    last_known_place: str = ""
    confidentiality: Confidentiality = Confidentiality.RESTRICTED
    team: str | None = Field(None, description="Default: the caller's team, if only one.")


class StepIn(Input):
    to: TracingStatus
    on: date | None = None
    note: str = ""
    whereabouts: str | None = None


class ConsentOut(Schema):
    id: int
    scope: ConsentScope
    to_public: bool
    given_on: date
    expires_on: date | None
    withdrawn_on: date | None
    how: ConsentMethod


class ConsentIn(Input):
    scope: ConsentScope
    to_public: bool = False
    given_on: date
    expires_on: date | None = None
    how: ConsentMethod
    notes: str = ""


class RefusalIn(Input):
    scope: ConsentScope
    to_public: bool = False
    refused_on: date
    how: ConsentMethod
    notes: str = ""


class RefusalOut(Schema):
    id: int
    scope: ConsentScope
    to_public: bool
    refused_on: date
    how: ConsentMethod


class AttemptOut(Schema):
    id: int
    kind: ContactKind
    date: date
    channel: str
    outcome: ContactOutcome
    refused_by: int | None
    notes: str
    event: int | None = Field(description="The documented event a refusal became.")


class AttemptIn(Input):
    kind: ContactKind
    date: date
    channel: str = ""
    outcome: ContactOutcome = ContactOutcome.PENDING
    refused_by: RecordId | None = Field(None, description="An authority's id.")
    notes: str = ""


class MessageForRequester(Schema):
    written_on: date
    delivered_on: date | None
    reply: str
    reply_on: date | None


class ForRequesterOut(Schema):
    reference: str
    as_of: date
    requester: str = Field(
        description="The requester's name; a placeholder for a caller who may not see them."
    )
    sought: str = Field(description="The name the family gave.")
    opened_on: date | None
    statement: str = Field(
        description="One sentence; the same neutral words when nothing may be told."
    )
    found: bool = Field(description="True only under a consent to share whereabouts.")
    whereabouts: str
    contact_details: str = Field(
        description="Under a consent to share them; empty for a caller who may not edit "
        "the person sought."
    )
    messages: list[MessageForRequester]
    scopes: list[str] = Field(description="The scopes of the consents in force.")
    withheld: list[str] = Field(
        description="What the caller may not see and is left out: `requester` (the name), "
        "`contact_details`."
    )


# Reading


def _visible(user: User, tracing_request_id: int) -> TracingRequest:
    return get_visible(TracingRequest, user, tracing_request_id, via="api")


def _serialize(user: User, requests: list[TracingRequest]) -> list[dict[str, Any]]:
    ids = {r.requester_id for r in requests} | {r.sought_id for r in requests}
    shown = set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
    today = timezone.localdate()
    return [
        {
            "id": r.pk,
            "ref": r.reference,
            "requester": r.requester_id if r.requester_id in shown else None,
            "sought": r.sought_id if r.sought_id in shown else None,
            "sought_as_given": r.sought_as_given,
            "relationship": r.relationship,
            "opened_on": r.opened_on,
            "last_contact": r.last_contact,
            "last_known_place": r.last_known_place,
            "reason": r.reason,
            "asks_for": r.asks_for,
            "status": r.status,
            "whereabouts": r.whereabouts,
            "confidentiality": r.confidentiality,
            "team": r.team.name if r.team else None,
            "years_without_family_contact": years_without_family_contact(
                r.sought, as_of=today, user=user
            ),
            "steps": [
                {
                    "from_status": step.from_status,
                    "to_status": step.to_status,
                    "on": step.on,
                    "by": step.by.display_name if step.by else None,
                }
                for step in r.steps.select_related("by")
            ],
            "version": r.version,
        }
        for r in requests
    ]


@router.get("", summary="List tracing requests", response=TracingRequestPage)
def list_tracing_requests(request: HttpRequest, params: Query[PageParams]) -> Any:
    """The tracing requests the caller may see, oldest first."""
    user = caller(request)
    requests = TracingRequest.objects.visible_to(user).select_related("team").order_by("id")
    return page(request, requests, params, lambda rows: _serialize(user, rows))


@router.get(
    "/{int:tracing_request_id}",
    summary="Read a tracing request",
    response={200: TracingRequestOut, 404: Error},
)
def get_tracing_request(request: HttpRequest, tracing_request_id: int) -> dict[str, Any]:
    user = caller(request)
    return _serialize(user, [_visible(user, tracing_request_id)])[0]


@router.get(
    "/{int:tracing_request_id}/for-requester",
    summary="What the requester may be told",
    response={200: ForRequesterOut, 404: Error},
)
def get_for_requester(request: HttpRequest, tracing_request_id: int) -> dict[str, Any]:
    """Only what the person sought has agreed, today, may go to this requester."""
    user = caller(request)
    tracing = _visible(user, tracing_request_id)
    return disclosure_for_reader(tracing, user, timezone.localdate()).as_json()


def _consent_data(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.pk,
        "scope": consent.scope,
        "to_public": consent.granted_to_public,
        "given_on": consent.given_on,
        "expires_on": consent.expires_on,
        "withdrawn_on": consent.withdrawn_on,
        "how": consent.how,
    }


@router.get(
    "/{int:tracing_request_id}/consents",
    summary="List the consents that concern a tracing request",
    response={200: list[ConsentOut], 404: Error},
)
def list_consents(request: HttpRequest, tracing_request_id: int) -> list[dict[str, Any]]:
    tracing = _visible(caller(request), tracing_request_id)
    return [_consent_data(c) for c in services.request_consents(tracing).order_by("id")]


@router.get(
    "/{int:tracing_request_id}/consents/{int:consent_id}",
    summary="Read a consent",
    response={200: ConsentOut, 404: Error},
)
def get_consent(request: HttpRequest, tracing_request_id: int, consent_id: int) -> dict[str, Any]:
    tracing = _visible(caller(request), tracing_request_id)
    return _consent_data(get_object_or_404(services.request_consents(tracing), pk=consent_id))


def _refusal_data(refusal: Refusal) -> dict[str, Any]:
    return {
        "id": refusal.pk,
        "scope": refusal.scope,
        "to_public": refusal.refused_to_public,
        "refused_on": refusal.refused_on,
        "how": refusal.how,
    }


@router.get(
    "/{int:tracing_request_id}/refusals",
    summary="List the sought person's refusals on a tracing request",
    response={200: list[RefusalOut], 404: Error},
)
def list_refusals(request: HttpRequest, tracing_request_id: int) -> list[dict[str, Any]]:
    tracing = _visible(caller(request), tracing_request_id)
    return [_refusal_data(refusal) for refusal in tracing.refusals.all()]


@router.get(
    "/{int:tracing_request_id}/steps",
    summary="List a tracing request's steps",
    response={200: list[StepOut], 404: Error},
)
def list_steps(request: HttpRequest, tracing_request_id: int) -> list[dict[str, Any]]:
    user = caller(request)
    steps: list[dict[str, Any]] = _serialize(user, [_visible(user, tracing_request_id)])[0]["steps"]
    return steps


def _attempt_data(attempt: ContactAttempt) -> dict[str, Any]:
    return {
        "id": attempt.pk,
        "kind": attempt.kind,
        "date": attempt.date,
        "channel": attempt.channel,
        "outcome": attempt.outcome,
        "refused_by": attempt.refused_by_id,
        "notes": attempt.notes,
        "event": attempt.event_id,
    }


@router.get(
    "/{int:tracing_request_id}/attempts",
    summary="List a tracing request's contact attempts",
    response={200: list[AttemptOut], 404: Error},
)
def list_contact_attempts(request: HttpRequest, tracing_request_id: int) -> list[dict[str, Any]]:
    tracing = _visible(caller(request), tracing_request_id)
    return [_attempt_data(attempt) for attempt in tracing.attempts.all()]


# Writing


@router.post(
    "",
    summary="Open a tracing request",
    response={201: TracingRequestOut, 403: Error, 422: Invalid},
)
def create_tracing_request(
    request: HttpRequest, payload: TracingRequestIn
) -> Status[dict[str, Any]]:
    """Between two recorded persons; a new sought person is recorded through the pages,
    which match them at once."""
    user = caller(request)
    visible = Person.objects.visible_to(user)
    requester = resolve_one(visible, payload.requester, field="requester", noun="person")
    sought = resolve_one(visible, payload.sought, field="sought", noun="person")
    tracing = services.open_request(
        actor=user,
        intake=services.Intake(
            requester=requester,
            sought=sought,
            relationship=payload.relationship,
            reason=payload.reason,
            asks_for=[str(item) for item in payload.asks_for],
            last_contact=payload.last_contact,
            last_known_place=payload.last_known_place,
            confidentiality=payload.confidentiality,
            team=team_named(payload.team),
        ),
    )
    return Status(201, _serialize(user, [tracing])[0])


@router.post(
    "/{int:tracing_request_id}/steps",
    summary="Move a tracing request to another status",
    response={200: TracingRequestOut, 403: Error, 404: Error, 422: Invalid},
)
def move_tracing_request(
    request: HttpRequest, tracing_request_id: int, payload: StepIn
) -> dict[str, Any]:
    """Only the moves allowed from the current status; dated and attributed."""
    user = caller(request)
    tracing = _visible(user, tracing_request_id)
    services.move_request(
        actor=user,
        request=tracing,
        to=payload.to,
        on=payload.on,
        note=payload.note,
        whereabouts=payload.whereabouts,
    )
    return _serialize(user, [_visible(user, tracing_request_id)])[0]


@router.post(
    "/{int:tracing_request_id}/consents",
    summary="Record the sought person's consent",
    response={201: ConsentOut, 403: Error, 404: Error, 422: Invalid},
)
def record_consent(
    request: HttpRequest, tracing_request_id: int, payload: ConsentIn
) -> Status[dict[str, Any]]:
    user = caller(request)
    consent = services.record_consent(
        actor=user, request=_visible(user, tracing_request_id), **payload.model_dump()
    )
    return Status(201, _consent_data(consent))


class ConsentWithdrawal(Input):
    withdrawn: Literal[True] = Field(description="Withdraw the consent, from today.")


@router.patch(
    "/{int:tracing_request_id}/consents/{int:consent_id}",
    summary="Withdraw a consent, from today",
    response={200: ConsentOut, 403: Error, 404: Error, 422: Invalid},
)
def withdraw_consent(
    request: HttpRequest, tracing_request_id: int, consent_id: int, payload: ConsentWithdrawal
) -> dict[str, Any]:
    user = caller(request)
    tracing = _visible(user, tracing_request_id)
    consent = get_object_or_404(services.request_consents(tracing), pk=consent_id)
    return _consent_data(services.withdraw_consent(actor=user, request=tracing, consent=consent))


@router.post(
    "/{int:tracing_request_id}/refusals",
    summary="Record the sought person's refusal",
    response={201: RefusalOut, 403: Error, 404: Error, 422: Invalid},
)
def record_refusal(
    request: HttpRequest, tracing_request_id: int, payload: RefusalIn
) -> Status[dict[str, Any]]:
    user = caller(request)
    refusal = services.record_refusal(
        actor=user, request=_visible(user, tracing_request_id), **payload.model_dump()
    )
    return Status(201, _refusal_data(refusal))


@router.post(
    "/{int:tracing_request_id}/attempts",
    summary="Log a contact attempt",
    response={201: AttemptOut, 403: Error, 404: Error, 422: Invalid},
)
def log_contact_attempt(
    request: HttpRequest, tracing_request_id: int, payload: AttemptIn
) -> Status[dict[str, Any]]:
    """A refused visa or visit proposes a documented event; staff confirm it on the
    request's page, which creates it."""
    user = caller(request)
    tracing = _visible(user, tracing_request_id)
    values = payload.model_dump()
    authority_id = values.pop("refused_by")
    authority = (
        resolve_one(
            Authority.objects.visible_to(user), authority_id, field="refused_by", noun="authority"
        )
        if authority_id
        else None
    )
    attempt = services.log_attempt(actor=user, request=tracing, refused_by=authority, **values)
    return Status(201, _attempt_data(attempt))
