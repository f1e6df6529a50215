"""Adding many new records at once, for the batch functions of the write services.

A batch function (`people.services.add_persons_in_bulk`, ...) checks its rules
for the whole batch in a few queries, then calls `save_new` here, which does
for thousands of records what `save()` does for one: short texts stored without
direction controls, one history version each (django-simple-history's
`bulk_create_with_history`, with who acted and why), the through rows of
many-to-many links with their history, one audit entry each (collected on the
`Batch` and appended with `docket.audit.log.record_many`), and the search index
(`docket.search.signals.saved_in_bulk`).

A rule a batch refuses names the record by its place in the batch (`RowRefused`),
so the caller can name it in its own words (the importer: its JSON path).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from docket.accounts.models import Role, User
from docket.accounts.permissions import may_create
from docket.audit.log import Pending, record_many
from docket.audit.models import Action
from docket.lib.names import strip_direction_controls_from

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
        self.entries.append(Pending.of(action, target, {**detail, **self.detail}))

    def created(self, instances: Iterable[models.Model]) -> None:
        for instance in instances:
            self.note(Action.CREATE, instance)

    def flush(self) -> None:
        """Append the collected entries to the audit log, chained, in one go."""
        record_many(self.entries, actor=self.actor)
        self.entries = []


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


def save_new(
    model: type[models.Model], instances: list[Any], batch: Batch, *, history: bool = True
) -> list[Any]:
    """Insert new records with one history version each (who, why), ids set on them."""
    if not instances:
        return instances
    for instance in instances:
        strip_direction_controls_from(instance)
    if history and hasattr(model, "history"):
        created = bulk_create_with_history(
            instances,
            model,
            batch_size=BATCH_SIZE,
            default_user=batch.actor,
            default_change_reason=batch.reason,
        )
    else:
        created = model._default_manager.bulk_create(instances, batch_size=BATCH_SIZE)
    return list(created)


def save_history(model: type[models.Model], instances: list[Any], batch: Batch) -> list[Any]:
    """The first history version of records inserted without one (when their many-to-many
    links had to be written first, so the version holds them: `save_links`)."""
    manager: Any = model.history  # type: ignore[attr-defined]
    return list(
        manager.bulk_history_create(
            instances,
            batch_size=BATCH_SIZE,
            default_user=batch.actor,
            default_change_reason=batch.reason,
        )
    )


def save_links(
    model: type[models.Model], name: str, links: Sequence[tuple[int, Sequence[int]]]
) -> list[Any]:
    """The through rows of the many-to-many field `name`: (record id, linked ids) each."""
    relation: Any = model._meta.get_field(name)
    through = relation.remote_field.through
    source = relation.m2m_field_name()
    target = relation.m2m_reverse_field_name()
    rows = [
        through(**{f"{source}_id": owner, f"{target}_id": linked})
        for owner, linked_ids in links
        for linked in dict.fromkeys(linked_ids)
    ]
    return list(through._default_manager.bulk_create(rows, batch_size=BATCH_SIZE))


def save_link_history(
    model: type[models.Model], name: str, versions: list[Any], links: list[Any]
) -> None:
    """The links each new history version holds, as django-simple-history records them
    when a many-to-many field changes."""
    relation: Any = model._meta.get_field(name)
    tracked = HistoricalRecords.m2m_models.get(relation)
    if tracked is None:
        return
    source = relation.m2m_field_name()
    version_of = {version.id: version for version in versions}
    rows = []
    for link in links:
        owner = getattr(link, f"{source}_id")
        version = version_of.get(owner)
        if version is None:
            continue
        # Every field of the through row, its id included, as django-simple-history copies.
        copied = {column.attname: getattr(link, column.attname) for column in link._meta.fields}
        rows.append(tracked(history=version, **copied))
    tracked._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)
