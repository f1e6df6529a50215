"""Checks every write service shares: may this person write, and for which team."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from docket.accounts.models import Role, Team, User
from docket.accounts.permissions import may_create, may_delete
from docket.lib.records import Record, RecordQuerySet


def require_writer(actor: Any) -> User:
    if not may_create(actor):
        raise PermissionDenied(_("Your role may not add or change records."))
    assert isinstance(actor, User)  # may_create checked it  # noqa: S101
    return actor


def owning_team(actor: User, team: Team | None) -> Team:
    """The team a new record belongs to: the one chosen, which must be the actor's own
    (an administrator may choose any), or the actor's only team when none is chosen.

    A record is never filed under no team: nobody would own it, any documenter could
    change it, and once made secret nobody could see it, its author included. So an
    actor of no team, or of several, must choose."""
    teams = list(actor.teams.all())
    if team is None:
        if len(teams) == 1:
            return teams[0]
        if not teams and actor.role != Role.ADMINISTRATOR:
            raise ValidationError(
                {"team": _("You belong to no team; ask an administrator to add you to one.")}
            )
        raise ValidationError({"team": _("Choose the team that owns this record.")})
    if actor.role != Role.ADMINISTRATOR and team not in teams:
        raise ValidationError({"team": _("You can only file records under one of your own teams.")})
    return team


def require_editable(actor: Any, record: Record, *, include_deleted: bool = False) -> None:
    queryset = type(record)._default_manager.all()
    assert isinstance(queryset, RecordQuerySet)  # noqa: S101
    editable = queryset.editable_by(actor, include_deleted=include_deleted)
    if not editable.filter(pk=record.pk).exists():
        raise PermissionDenied(_("You may not change this record."))


def require_deleter(actor: Any, record: Record) -> None:
    """Soft deletion and restoring; `record` may already be deleted."""
    require_editable(actor, record, include_deleted=True)
    if not may_delete(actor, record):
        raise PermissionDenied(
            _("Only a coordinator of the owning team may delete or restore this.")
        )
