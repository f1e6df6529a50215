"""The API's one NinjaAPI: its routers, authentication and error shapes."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.operation import Operation

from docket.api import authorities, cases, events, letters, persons, sources, tracing
from docket.api.auth import BrowserSession, TokenAuth
from docket.api.common import error_messages
from docket.api.docs import OfflineSwagger

DESCRIPTION = """\
Docket's records as JSON: persons, cases, events, sources, authorities, and
letters to authorities with their questions and replies, and tracing requests
with their consents and contact attempts.

Authenticate with `Authorization: Bearer <token>`; an administrator creates
tokens with `docket token create USERNAME`. A logged-in browser may also read.
You see exactly what you would see in Docket's pages: a record hidden from you
answers 404, and lists and their counts leave it out. A list is a bulk read:
viewers, who read records one at a time, are refused lists (403), and every
list page read goes to the audit log with its query, as does every read of a
restricted or secret record. Answers are never to be cached (`no-store`). Field names and codes
follow Docket's interchange format. A change (PATCH) carries the `version` it
was based on and is refused with 409 and the current record when someone saved
in between.
"""

# Model field names that the API spells differently, for error messages.
FIELD_NAMES = {"place_name": "place.name", "place_country": "place.country"}


class DocketAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Short, stable names for generated clients: list_persons, get_case, …
        return operation.view_func.__name__


api = DocketAPI(
    title="Docket API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=[TokenAuth(), BrowserSession()],
    docs=OfflineSwagger(),
)
api.add_router("/persons", persons.router)
api.add_router("/cases", cases.router)
api.add_router("/events", events.router)
api.add_router("/sources", sources.router)
api.add_router("/authorities", authorities.router)
api.add_router("/letters", letters.router)
api.add_router("/tracing", tracing.router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": "Send a valid token: Authorization: Bearer <token>."}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="docket"'
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    detail = str(error) or "You may not do this."
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(DjangoValidationError)
def invalid_record(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": "The record is not valid.", "errors": error_messages(error, FIELD_NAMES)},
        status=422,
    )


@api.exception_handler(SchemaValidationError)
def invalid_request(request: HttpRequest, error: SchemaValidationError) -> HttpResponse:
    """Schema errors in the same shape as the record's own: messages by field path."""
    messages: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ())]
        # ("body", "payload", "names", 0) -> "names.0"; ("query", "limit") -> "limit"
        if location[:2] == ["body", "payload"]:
            location = location[2:]
        elif location and location[0] in {"body", "query", "path", "header", "cookie"}:
            location = location[1:]
        messages.setdefault(".".join(location) or "__all__", []).append(str(item.get("msg")))
    return api.create_response(
        request, {"detail": "The request is not valid.", "errors": messages}, status=422
    )
