"""Adding many new records at once, for the batch functions of the write services.

A batch function (`people.services.add_persons_in_bulk`, ...) checks its rules
for the whole batch in a few queries, then calls `save_new` here, which does
for thousands of records what `save()` does for one: short texts stored without
direction controls, one history version each (the rows django-simple-history
writes on a save, with who acted and why), the through rows of many-to-many
links with their history, one audit entry each (collected on the
`Batch` and appended with `docket.audit.log.record_many`), and the search index
(`docket.search.signals.saved_in_bulk`).

A rule a batch refuses names the record by its place in the batch (`RowRefused`),
so the caller can name it in its own words (the importer: its JSON path).
"""

import functools
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, models
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from docket.accounts.models import Role, User
from docket.accounts.permissions import may_create
from docket.audit.log import Pending, record_many
from docket.audit.models import Action
from docket.lib.names import strip_direction_controls_from
from docket.lib.partialdate import PartialDate, PartialDateField

BATCH_SIZE = 500


class RowRefused(Exception):
    """A batch function's refusal of one record: its place in the batch, and why."""

    def __init__(self, index: int, refusal: PermissionDenied | ValidationError) -> None:
        super().__init__(str(refusal))
        self.index = index
        self.refusal = refusal


@dataclass
class Batch:
    """Who writes a batch and why; collects the audit entries to append at its end."""

    actor: User | None
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)
    entries: list[Pending] = field(default_factory=list)

    def note(self, action: Action | str, target: models.Model, **detail: Any) -> None:
        # Without details of its own, an entry shares the batch's (never changed after):
        # the log writes it as JSON once for the whole batch (`insert`).
        shared = {**detail, **self.detail} if detail else self.detail
        self.entries.append(Pending.of(action, target, shared))

    def created(self, instances: Iterable[models.Model]) -> None:
        for instance in instances:
            self.note(Action.CREATE, instance)

    def flush(self) -> None:
        """Append the collected entries to the audit log, chained, in one go."""
        record_many(self.entries, actor=self.actor)
        self.entries = []


@contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector held off for a bulk job (an import's check and its
    writing), and let run again after it.

    Such a job makes tens of thousands of objects at once (the bundle's rows, their
    records, history and index rows), which sets the collector off every few thousand
    of them, and each pass walks every object still alive: a tenth of an import's CPU
    time. What the job drops is freed as usual as it goes; only cycles wait for the end.
    Whoever held it off lets it run again, so a job inside another changes nothing."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# SQLite's page cache while a bulk job writes (KiB): room for the pages of the tables and
# indexes it adds to (an event goes into five covering indexes of the events list, and
# thirty counts), which otherwise leave a 2 MiB cache and are read again, over and over.
BULK_PAGE_CACHE_KIB = 65536


@contextmanager
def larger_page_cache() -> Iterator[None]:
    """On SQLite, a larger page cache for this connection while a bulk job writes; the
    one it had after it (the memory is given back)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-BULK_PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        # On the driver's connection: Django's refuses statements in a failed atomic block.
        if connection.connection is not None:
            connection.connection.execute(f"PRAGMA cache_size = {before}")


def require_batch_writer(batch: Batch) -> None:
    """As `require_writer`, for a batch; no actor is the system itself (`docket demo`)."""
    if batch.actor is not None and not may_create(batch.actor):
        raise PermissionDenied(_("Your role may not add or change records."))


def check_teams(batch: Batch, team_ids: Sequence[int | None]) -> None:
    """The rule of `owning_team` for a batch of new records: each is filed under one of
    the actor's own teams (any team, for an administrator), never under none."""
    if batch.actor is None:
        return
    own = set(batch.actor.teams.values_list("pk", flat=True))
    for index, team_id in enumerate(team_ids):
        if team_id is None:
            raise RowRefused(index, ValidationError(_("Choose the team that owns this record.")))
        if batch.actor.role != Role.ADMINISTRATOR and team_id not in own:
            raise RowRefused(
                index,
                ValidationError(_("You can only file records under one of your own teams.")),
            )


def check_among(batch: Batch, allowed: Any, wanted: Sequence[Iterable[int]], message: str) -> None:
    """Every id of `wanted` (one list per record) must be in the queryset `allowed`
    (`editable_by`, `visible_to` the actor); PermissionDenied names the first record
    that uses another."""
    if batch.actor is None:
        return
    ids = sorted({pk for each in wanted for pk in each})
    found: set[int] = set()
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        found.update(allowed.filter(pk__in=chunk).values_list("pk", flat=True))
    for index, each in enumerate(wanted):
        if any(pk not in found for pk in each):
            raise RowRefused(index, PermissionDenied(message))


def new(model: type[models.Model], values: dict[str, Any]) -> Any:
    """`model(**values)`, quicker for a batch of thousands: by position, which Django's
    constructor takes without looking each field up by name; a field missing from
    `values` gets its default, as it would there. Values are named as the instance holds
    them (`case_id`, not `case`); other names go the usual way."""
    fields, names = _by_position(model)
    if not names.issuperset(values):
        return model(**values)
    return model(
        *[values[name] if name in values else field.get_default() for name, field in fields]
    )


@functools.lru_cache(maxsize=256)
def _by_position(model: type[models.Model]) -> tuple[tuple[tuple[str, Any], ...], frozenset[str]]:
    fields = tuple((field.attname, field) for field in model._meta.concrete_fields)
    return fields, frozenset(name for name, _ in fields)


def insert(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: bool = False,
) -> list[int]:
    """Insert rows of plain values (by attribute name, converted for the database here)
    into `model`'s table, without building an object per row; with `returning`, the new
    rows' ids in order. The hot path of an import: Django's bulk_create spends most of
    its time on objects and SQL building that these rows do not need."""
    if not rows:
        return []
    database = connections[connection.alias]  # the connection itself, not its proxy
    fields = [model._meta.get_field(name) for name in columns]
    if any(len(row) != len(fields) for row in rows):
        raise ValueError(f"rows of {model._meta.label} need {len(fields)} values each")
    # Converted a column at a time: most columns need nothing done to any of their values.
    prepared = list(
        zip(
            *(
                _prepared(field, column, database)
                for field, column in zip(fields, zip(*rows, strict=True), strict=True)
            ),
            strict=True,
        )
    )
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(getattr(field, "column", ""))) for field in fields)
    marks = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table = quote(model._meta.db_table)
    statement = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 - our names  # nosec B608
    pk_column = str(getattr(model._meta.pk, "column", "id"))
    tail = f" RETURNING {quote(pk_column)}" if returning else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not returning:
            cursor.executemany(statement + marks, prepared)
            return ids
        size = max(1, 900 // len(fields))
        for start in range(0, len(prepared), size):
            chunk = prepared[start : start + size]
            cursor.execute(
                statement + ", ".join([marks] * len(chunk)) + tail,
                list(chain.from_iterable(chunk)),
            )
            if returning:
                ids.extend(int(row[0]) for row in cursor.fetchall())
    return ids


# Fields whose values (text, numbers, booleans, None) go to the database as they are;
# exactly these classes, not those built on them (sealed text, partial dates).
_AS_THEY_ARE = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
)
# Exactly these types, not a choice's enum member, which a driver could mistake.
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
# Fields whose database value follows from the value alone, the same for equal values of
# one type (never a sealed field: each seal is new); and the types of value remembered.
_SAME_FOR_EQUAL = (models.DateTimeField, models.DateField, PartialDateField, CountryField)
_IMMUTABLE = frozenset({str, datetime, date, PartialDate})


def _prepared(field: Any, values: tuple[Any, ...], database: Any) -> Sequence[Any]:
    """A column's values made ready for the database."""
    plain = type(field) in _AS_THEY_ARE or (
        isinstance(field, models.ForeignKey)
        and type(field.target_field) in (models.AutoField, models.BigAutoField)
    )
    kinds = {type(value) for value in values}
    if plain and kinds <= _PLAIN_TYPES:
        return values
    convert = field.get_db_prep_save
    kinds.discard(type(None))
    if type(field) in _SAME_FOR_EQUAL and len(kinds) == 1 and kinds <= _IMMUTABLE:
        # A batch's moments are one moment (`save_new`), and its days, partial dates and
        # countries repeat: each value converted once.
        converted = {
            value: None if value is None else convert(value, database) for value in set(values)
        }
        return list(map(converted.__getitem__, values))
    if type(field) is models.JSONField:
        # Audit entries share their batch's details (Batch.note): written once.
        written: dict[int, Any] = {}
        return [
            None
            if value is None
            else written[id(value)]
            if id(value) in written
            else written.setdefault(id(value), convert(value, database))
            for value in values
        ]
    return [
        value
        if value is None or (plain and type(value) in _PLAIN_TYPES)
        else convert(value, database)
        for value in values
    ]


def save_new(
    model: type[models.Model], instances: list[Any], batch: Batch, *, history: bool = True
) -> list[Any]:
    """Insert new records with one history version each (who, why), ids set on them."""
    if not instances:
        return instances
    for instance in instances:
        strip_direction_controls_from(instance)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    now = timezone.now()
    for column in fields:
        if getattr(column, "auto_now", False) or getattr(column, "auto_now_add", False):
            for instance in instances:
                setattr(instance, column.attname, now)  # one moment for the batch
    # Each value as the instance holds it (a country's code, not a Country object).
    rows = [[instance.__dict__[column.attname] for column in fields] for instance in instances]
    ids = insert(model, [field.attname for field in fields], rows, returning=True)
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias
    if history and hasattr(model, "history"):
        save_history(model, instances, batch, returning=False)
    return instances


def save_history(
    model: type[models.Model], instances: list[Any], batch: Batch, *, returning: bool = True
) -> list[int]:
    """The first history version ("+") of each new record, as django-simple-history
    writes it on a save: the tracked fields, when, who and why. With `returning`, the
    versions' ids, for the many-to-many links they hold (`save_link_history`)."""
    historical: Any = model.history.model  # type: ignore[attr-defined]
    tracked = [field.attname for field in historical.tracked_fields]
    columns = [
        *tracked,
        "history_date",
        "history_change_reason",
        "history_type",
        "history_user_id",
    ]
    now = timezone.now()
    user = batch.actor.pk if batch.actor is not None else None
    rows = [
        [*(instance.__dict__[name] for name in tracked), now, batch.reason, "+", user]
        for instance in instances
    ]
    return insert(historical, columns, rows, returning=returning)


def save_links(
    model: type[models.Model], name: str, links: Sequence[tuple[int, Sequence[int]]]
) -> list[tuple[int, int, int]]:
    """The through rows of the many-to-many field `name`: (record id, linked ids) each.
    Returns (through row id, record id, linked id) of each row written."""
    relation: Any = model._meta.get_field(name)
    through = relation.remote_field.through
    source = f"{relation.m2m_field_name()}_id"
    target = f"{relation.m2m_reverse_field_name()}_id"
    pairs = [(owner, linked) for owner, linked_ids in links for linked in dict.fromkeys(linked_ids)]
    ids = insert(through, [source, target], pairs, returning=True)
    return [(pk, owner, linked) for pk, (owner, linked) in zip(ids, pairs, strict=True)]


def save_link_history(
    model: type[models.Model],
    name: str,
    versions: Sequence[tuple[int, int]],
    links: list[tuple[int, int, int]],
) -> None:
    """The links each new history version, (version id, record id), holds, as
    django-simple-history records them when a many-to-many field changes."""
    relation: Any = model._meta.get_field(name)
    tracked = HistoricalRecords.m2m_models.get(relation)
    if tracked is None:
        return
    source = f"{relation.m2m_field_name()}_id"
    target = f"{relation.m2m_reverse_field_name()}_id"
    version_of = {record: version for version, record in versions}
    rows = [
        [version_of[owner], pk, owner, linked] for pk, owner, linked in links if owner in version_of
    ]
    insert(tracked, ["history_id", "id", source, target], rows)
