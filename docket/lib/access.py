"""The one read door: a record for its reader, and the note in the audit log that they read it.

Every page, API operation, PDF, history page, conflict answer and command
that shows one record fetches it with `get_visible`, as Zulip's `access_*`
helpers do:

- the model's `visible_to(reader)` rule (docket.accounts.permissions) decides,
  and a record the reader may not see answers 404 exactly as a missing one;
- `action="edit"` or `"delete"` then asks the write rule, which answers 403
  for a record the reader sees but may not change;
- a restricted or secret record (or a part of one: an event of a restricted
  case, an evidence file of a secret source) leaves an audit VIEW entry
  saying who read it and by which way (`via`: page, api, pdf, cli).

Taking data out in bulk (the export page, `docket export`, the API's lists)
is a permission of its own (`docket.accounts.permissions.may_take_out`):
`require_taking_out` refuses the others, and `note_bulk_read` writes one audit
entry for each such read, with its query and the restricted and secret records
it returned.

There is no "no reader" here: every function takes the reader, and nobody
means nobody (a reader who is not an active staff member sees nothing).
"""

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from docket.accounts.permissions import may_delete, may_take_out
from docket.audit.log import WATCHED_LEVELS, record
from docket.audit.models import Action
from docket.lib.records import MAX_ID
from docket.lib.services import require_deleter, require_editable

Access = Literal["view", "edit", "delete"]
# The records a part without a confidentiality of its own belongs to, nearest first.
OWNERS = ("case", "letter", "tracing_request", "source", "response")


def _queryset[ModelT: Model](source: type[ModelT] | QuerySet[ModelT]) -> QuerySet[ModelT]:
    queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
    if not hasattr(queryset, "visible_to"):
        # A model without a read rule cannot be read through the door; say so at once.
        raise TypeError(f"{queryset.model.__name__} has no visible_to(user) rule")
    return queryset


def _key(pk: Any) -> int:
    """The record number `pk` names, or 404: text, a negative or a number past the largest
    key names no record, and must not reach the database."""
    if isinstance(pk, bool):
        raise Http404
    if isinstance(pk, str):
        if not (pk.isascii() and pk.isdigit()):
            raise Http404
        pk = int(pk)
    if not isinstance(pk, int) or not 0 < pk <= MAX_ID:
        raise Http404
    return pk


def get_visible[ModelT: Model](
    source: type[ModelT] | QuerySet[ModelT],
    user: Any,
    pk: Any,
    *,
    action: Access = "view",
    via: str = "page",
    audit: bool = True,
) -> ModelT:
    """The record `pk` of `source` (a model, or a queryset of it with its related rows)
    as `user` may see it; 404 when it is missing or hidden, 403 when `action` is not theirs.

    `audit=False` only where the caller writes an entry of its own for the same read
    (an evidence download is logged as a download).
    """
    queryset = _queryset(source)
    found: ModelT | None = queryset.visible_to(user).filter(pk=_key(pk)).first()  # type: ignore[attr-defined]
    if found is None:
        raise Http404
    if action == "edit":
        require_editable(user, found)  # type: ignore[arg-type]
    elif action == "delete":
        require_deleter(user, found)  # type: ignore[arg-type]
    if audit:
        note_read(user, found, via=via)
    return found


def get_restorable[ModelT: Model](
    source: type[ModelT] | QuerySet[ModelT], user: Any, pk: Any, *, via: str = "page"
) -> ModelT:
    """A deleted record `user` may bring back; every other one, deleted or not, is a 404: a
    deleted record is gone for everyone who could not restore it."""
    queryset = _queryset(source)
    deleted = queryset.editable_by(user, include_deleted=True).deleted()  # type: ignore[attr-defined]
    found: ModelT | None = deleted.filter(pk=_key(pk)).first()
    if found is None or not may_delete(user, found):
        raise Http404
    note_read(user, found, via=via)
    return found


def level_of(item: Model) -> str | None:
    """The confidentiality that governs `item`: its own, or that of the record it belongs to."""
    level = getattr(item, "confidentiality", None)
    if level is not None:
        return str(level)
    for owner in OWNERS:
        if hasattr(type(item), owner):
            parent = getattr(item, owner, None)
            if isinstance(parent, Model):
                return level_of(parent)
    return None


def note_read(user: Any, item: Model, *, via: str = "page") -> None:
    """Log that `user` read `item` when it is restricted or secret. The read door calls it;
    a lookup by something else than a number (`docket show` by imported ref) calls it too."""
    if level_of(item) in WATCHED_LEVELS:
        record(Action.VIEW, actor=user, target=item, detail={"via": via})


def require_taking_out(user: Any) -> None:
    """Bulk reads are for those who work on the records; viewers read one record at a time."""
    if not may_take_out(user):
        raise PermissionDenied(
            _("Your role reads records one at a time; it may not take them out in bulk.")
        )


def _level_path(model: type[Model]) -> str | None:
    """The lookup from `model` to the confidentiality that governs it, if any."""
    names = {field.name for field in model._meta.get_fields()}
    if "confidentiality" in names:
        return "confidentiality"
    for owner in OWNERS:
        if owner in names:
            related = model._meta.get_field(owner).related_model
            inner = _level_path(related) if isinstance(related, type) else None
            if inner is not None:
                return f"{owner}__{inner}"
    return None


def watched_ids(items: Sequence[Model]) -> list[int]:
    """The numbers of the restricted and secret records among `items` (a page of one
    model): read from the items themselves, or in one query for parts of a record."""
    if not items:
        return []
    model = type(items[0])
    path = _level_path(model)
    if path is None:
        return []
    if path == "confidentiality":
        return [item.pk for item in items if level_of(item) in WATCHED_LEVELS]
    found = model._default_manager.filter(
        pk__in=[item.pk for item in items], **{f"{path}__in": sorted(WATCHED_LEVELS)}
    )
    return sorted(found.values_list("pk", flat=True))


def note_bulk_read(
    user: Any,
    *,
    via: str,
    what: str,
    query: str | Mapping[str, Any],
    count: int,
    watched: Mapping[str, list[int]] | None = None,
) -> None:
    """One audit entry for one bulk read (an API page, an export): what was asked for,
    how many records came back, and which of them were restricted or secret."""
    record(
        Action.EXPORT,
        actor=user,
        detail={
            "via": via,
            "what": what,
            "query": query if isinstance(query, str) else dict(query),
            "count": count,
            "watched": {key: ids for key, ids in (watched or {}).items() if ids},
        },
    )
