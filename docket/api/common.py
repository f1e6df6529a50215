"""Helpers every resource's operations share: the caller, pages, references, errors."""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja.errors import AuthenticationError

from docket.accounts.models import Team, User
from docket.api.schemas import PageParams
from docket.lib.access import note_bulk_read, require_taking_out, watched_ids
from docket.lib.partialdate import PartialDate


def caller(request: HttpRequest) -> User:
    """The user the request was authenticated as (see docket.api.auth)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError()
    return user


def page[ModelT: Model](
    request: HttpRequest,
    queryset: QuerySet[ModelT],
    params: PageParams,
    serialize: Callable[[list[ModelT]], list[dict[str, Any]]],
) -> dict[str, Any]:
    """One page of `queryset`, serialized all at once so related rows load in bulk.

    A list is a bulk read: only those who may take records out get one (viewers read
    one record at a time), and each page read is in the audit log with its query and
    the restricted and secret records it returned (docket.lib.access).
    """
    user = caller(request)
    require_taking_out(user)
    items = list(queryset[params.offset : params.offset + params.limit])
    # Counting is skipped when the page already shows the end of the list.
    if params.offset == 0 and len(items) < params.limit:
        count = len(items)
    else:
        count = queryset.count()
    label = queryset.model._meta.label_lower
    note_bulk_read(
        user,
        via="api",
        what=request.path,
        query=request.GET.urlencode(),
        count=len(items),
        watched={label: watched_ids(items)},
    )
    return {
        "count": count,
        "limit": params.limit,
        "offset": params.offset,
        "items": serialize(items),
    }


def partial_date(text: str | None) -> PartialDate | None:
    return PartialDate.parse(text) if text else None


def iso(value: PartialDate | None) -> str | None:
    return value.isoformat() if value else None


def team_named(name: str | None) -> Team | None:
    """The team a body names; which teams a caller may file under is the services' rule."""
    if name is None:
        return None
    team = Team.objects.filter(name=name).first()
    if team is None:
        raise ValidationError({"team": f"There is no team named {name!r}."})
    return team


def resolve[ModelT: Model](
    queryset: QuerySet[ModelT], ids: Sequence[int], *, path: str, noun: str
) -> list[ModelT]:
    """The records with `ids` among `queryset`, in the order given.

    `path` names each id's place in the request for error messages, as
    "persons.{index}".

    An id the caller may not see gets the same message as one that does not
    exist, so a reference cannot be used to probe for hidden records.
    """
    found = {record.pk: record for record in queryset.filter(pk__in=set(ids))}
    missing = {
        path.format(index=index): f"There is no {noun} {pk}."
        for index, pk in enumerate(ids)
        if pk not in found
    }
    if missing:
        raise ValidationError(missing)
    return [found[pk] for pk in ids]


def resolve_one[ModelT: Model](
    queryset: QuerySet[ModelT], pk: int, *, field: str, noun: str
) -> ModelT:
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise ValidationError({field: f"There is no {noun} {pk}."})
    return record


def error_messages(
    error: ValidationError, renames: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """A model or service ValidationError as messages by API field name."""
    renames = renames or {}
    if hasattr(error, "error_dict"):
        return {
            renames.get(field, field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"__all__": [str(message) for message in error.messages]}


def unique(pairs: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """The pairs in order, each once."""
    return list(dict.fromkeys(pairs))
