"""The history pages of any versioned record: who changed what, when, and each earlier version.

Generic over every model that keeps django-simple-history's `history`
(cases, events and sources in docket.cases, persons in docket.people). A view
fetches the record through the read door first (docket.lib.access.get_visible),
so a record its reader may not see is a 404 before this module is reached, and
reading the history of a restricted or secret record is in the audit log, then
hands it here:

    def case_history(request, pk):
        case = get_visible(Case, request.user, pk)
        return history_page(
            request, case, version_url_name="cases:case_version",
            back_url=reverse("cases:case_detail", args=[case.pk]),
        )

    def case_version(request, pk, history_id):
        case = get_visible(Case, request.user, pk)
        return version_page(
            request, case, history_id,
            history_url=reverse("cases:case_history", args=[case.pk]),
            back_url=reverse("cases:case_detail", args=[case.pk]),
        )

`version_url_name` must take the record's pk and the version's history_id.
Pass `hidden` to leave out fields the reader may not see (a person's contact
details, for one). Related records are named only when the reader may see
them (through their model's `visible_to`), so a history never discloses a
linked record its reader could not open. `record_values` renders any record
or version as label and text, for the stale-edit pages that show the other
person's saved version beside one's own input.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Field, ForeignKey, ManyToManyField, Model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.utils import get_m2m_reverse_field_name

from docket.lib import dates
from docket.lib.dates import show_date, show_datetime
from docket.lib.partialdate import PartialDate

# Bookkeeping every record carries; soft deletion is shown as the kind of a version instead.
BOOKKEEPING = frozenset(
    {"id", "version", "created_at", "updated_at", "deleted_at", "deleted_by", "created_by"}
)
VERSIONS_PER_PAGE = 25
EMPTY = "—"


@dataclass(frozen=True)
class FieldValue:
    name: str
    label: str
    text: str


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class VersionEntry:
    history_id: int
    date: datetime
    user: str
    kind: str
    changes: list[FieldChange]
    url: str


def displayed_fields(model: type[Model], hidden: Collection[str] = ()) -> list[Field[Any, Any]]:
    """The fields of `model` its history tracks and a reader is shown, in model order."""
    historical = model.history.model  # type: ignore[attr-defined]
    tracked = {field.name for field in historical.tracked_fields}
    many = {field.name for field in historical._history_m2m_fields}
    fields: list[Field[Any, Any]] = []
    for field in model._meta.get_fields():
        if not isinstance(field, Field) or field.name in BOOKKEEPING or field.name in hidden:
            continue
        if field.name in many or (field.name in tracked and field.editable):
            fields.append(field)
    return fields


def _related_labels(model: type[Model], ids: Iterable[Any], user: Any) -> list[str]:
    """Names of the related records `user` may see; the others are left out, not counted."""
    wanted = [value for value in ids if value is not None]
    if not wanted:
        return []
    queryset = model._default_manager.filter(pk__in=wanted)
    if hasattr(queryset, "visible_to"):
        queryset = queryset.visible_to(user)
    if model._meta.label == "people.Person":
        # A person's name is a related row; fetch them all at once.
        queryset = queryset.prefetch_related("names")
    found = {record.pk: getattr(record, "display_name", None) or str(record) for record in queryset}
    return [found[value] for value in wanted if value in found]


def _plain_text(field: Field[Any, Any], value: Any) -> str:
    if field.choices and value not in (None, ""):
        return str(dict(field.flatchoices).get(value, value))
    if value is None or value == "":
        return _("Unknown") if field.get_internal_type() == "BooleanField" else EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime):
        return show_datetime(value)
    if isinstance(value, PartialDate | date):
        return show_date(value)
    name = getattr(value, "name", None)
    if isinstance(name, str) and hasattr(value, "code"):
        # A django-countries Country: its name in the reader's language.
        return name or EMPTY
    return str(value)


def field_text(record: Any, field: Field[Any, Any], user: Any) -> str:
    """The value of `field` on a record or on one of its historical versions, as text."""
    if isinstance(field, ManyToManyField):
        related = getattr(record, field.name).all()
        if getattr(record, "history_id", None) is not None:
            # A version keeps its links as rows of a historical through table.
            reverse_name = get_m2m_reverse_field_name(field)
            ids = [getattr(row, f"{reverse_name}_id") for row in related]
        else:
            ids = [item.pk for item in related]
        labels = _related_labels(field.related_model, ids, user)
        return dates.list_separator().join(sorted(labels)) or EMPTY
    if isinstance(field, ForeignKey):
        labels = _related_labels(field.related_model, [getattr(record, field.attname)], user)
        return labels[0] if labels else EMPTY
    return _plain_text(field, getattr(record, field.attname))


def record_values(
    record: Any, user: Any, *, hidden: Collection[str] = (), only: Collection[str] | None = None
) -> list[FieldValue]:
    """Every shown field of a record or a version, as label and text."""
    model = record.instance_type if hasattr(record, "instance_type") else type(record)
    return [
        FieldValue(field.name, capfirst(str(field.verbose_name)), field_text(record, field, user))
        for field in displayed_fields(model, hidden)
        if only is None or field.name in only
    ]


def _kind(version: Any, older: Any | None) -> str:
    was_deleted = older is not None and older.deleted_at is not None
    if version.deleted_at is not None and not was_deleted and version.history_type == "~":
        return _("Deleted")
    if version.deleted_at is None and was_deleted:
        return _("Restored")
    kinds = {"+": _("Created"), "~": _("Changed"), "-": _("Removed")}
    return kinds.get(str(version.history_type), str(version.history_type))


def _changes(
    version: Any, older: Any | None, fields: list[Field[Any, Any]], user: Any
) -> list[FieldChange]:
    if older is None:
        # The first version: everything it was created with.
        values = ((field, EMPTY, field_text(version, field, user)) for field in fields)
    else:
        delta = version.diff_against(older, included_fields=[field.name for field in fields])
        changed = set(delta.changed_fields)
        values = (
            (field, field_text(older, field, user), field_text(version, field, user))
            for field in fields
            if field.name in changed
        )
    return [
        FieldChange(field.name, capfirst(str(field.verbose_name)), before, after)
        for field, before, after in values
        # A change only among links the reader may not see must not show that it happened.
        if before != after
    ]


def _user_name(version: Any) -> str:
    user = version.history_user
    if user is None:
        return _("unknown")
    return str(getattr(user, "display_name", None) or user)


def version_entries(
    record: Model,
    versions: list[Any],
    older: Any | None,
    *,
    user: Any,
    version_url_name: str,
    hidden: Collection[str] = (),
) -> list[VersionEntry]:
    """Entries for `versions` (newest first); `older` is the version before the last one."""
    fields = displayed_fields(type(record), hidden)
    neighbours = [*versions[1:], older]
    return [
        VersionEntry(
            history_id=version.history_id,
            date=version.history_date,
            user=_user_name(version),
            kind=_kind(version, previous),
            changes=_changes(version, previous, fields, user),
            url=reverse(version_url_name, args=[record.pk, version.history_id]),
        )
        for version, previous in zip(versions, neighbours, strict=True)
    ]


def history_page(
    request: HttpRequest,
    record: Model,
    *,
    version_url_name: str,
    back_url: str,
    hidden: Collection[str] = (),
    template_name: str = "history/history.html",
) -> HttpResponse:
    """Every version of `record`, newest first, paginated, with what each one changed."""
    history = record.history.select_related("history_user").order_by(  # type: ignore[attr-defined]
        "-history_date", "-history_id"
    )
    page = Paginator(history, VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    versions = list(page.object_list)
    # The version just before the last on this page is the first of the next page.
    older = history[page.end_index()] if page.has_next() else None
    entries = version_entries(
        record,
        versions,
        older,
        user=request.user,
        version_url_name=version_url_name,
        hidden=hidden,
    )
    context = {
        "record": record,
        "model_name": record._meta.verbose_name,
        "entries": entries,
        "page": page,
        "back_url": back_url,
    }
    return render(request, template_name, context)


def version_page(
    request: HttpRequest,
    record: Model,
    history_id: int,
    *,
    history_url: str,
    back_url: str,
    hidden: Collection[str] = (),
    template_name: str = "history/version.html",
) -> HttpResponse:
    """One earlier version of `record`, every shown field as it was then."""
    version = get_object_or_404(
        record.history.select_related("history_user"),  # type: ignore[attr-defined]
        history_id=history_id,
    )
    context = {
        "record": record,
        "model_name": record._meta.verbose_name,
        "version": version,
        "version_user": _user_name(version),
        "values": record_values(version, request.user, hidden=hidden),
        "is_current": version.history_id
        == record.history.values_list("history_id", flat=True).first(),  # type: ignore[attr-defined]
        "history_url": history_url,
        "back_url": back_url,
    }
    return render(request, template_name, context)
