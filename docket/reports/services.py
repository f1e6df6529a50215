"""The write door for saved reports: saving, sharing, publishing, deleting.

Each function checks who may, saves a version (django-simple-history) and
writes the audit entry. Sharing is with one of the owner's own teams;
publishing (and taking off) is for coordinators of that team and
administrators, as for letters; only the owner deletes a report.
"""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.accounts.models import Role, Team, User
from docket.audit.log import record
from docket.audit.models import Action
from docket.reports.counting import Choice
from docket.reports.models import SavedReport


def _active(actor: Any) -> User:
    if not isinstance(actor, User) or not actor.is_active:
        raise PermissionDenied(_("Sign in to keep a report."))
    return actor


def _check_team(actor: User, team: Team | None) -> None:
    if team is not None and actor.role != Role.ADMINISTRATOR:
        if not actor.teams.filter(pk=team.pk).exists():
            raise ValidationError({"team": _("You can only share a report with your own team.")})


def save_report(
    *, actor: Any, name: str, choice: Choice, team: Team | None = None, description: str = ""
) -> SavedReport:
    """Keep what a report counts (never its numbers) under a name; `team`: shared with."""
    user = _active(actor)
    if not name.strip():
        raise ValidationError({"name": _("Give the report a name.")})
    _check_team(user, team)
    with transaction.atomic():
        report = SavedReport(
            name=name.strip()[:150],
            description=description,
            owner=user,
            team=team,
            measure=choice.measure,
            rows=choice.rows,
            columns=choice.columns,
            period=choice.period,
        )
        report._history_user = user  # type: ignore[attr-defined]
        report.save()
        record(
            Action.CREATE,
            actor=user,
            target=report,
            detail={"report": choice.query(), "team": team.pk if team else None},
        )
    return report


def may_publish_report(actor: Any, report: SavedReport) -> bool:
    """Coordinators of the team it is shared with, and administrators."""
    if not isinstance(actor, User) or not actor.is_active:
        return False
    if actor.role == Role.ADMINISTRATOR:
        return True
    return (
        actor.role == Role.COORDINATOR
        and report.team_id is not None
        and actor.teams.filter(pk=report.team_id).exists()
    )


def publish_report(*, actor: Any, report: SavedReport, published: bool = True) -> SavedReport:
    """Put the report on its public page and in the feed (public events only, small
    counts withheld), or take it off."""
    user = _active(actor)
    if not SavedReport.objects.visible_to(user).filter(pk=report.pk).exists():
        raise PermissionDenied(_("You may not change this report."))
    if not may_publish_report(user, report):
        raise PermissionDenied(
            _("Only a coordinator of the team a report is shared with may publish it.")
        )
    with transaction.atomic():
        report.published_at = timezone.now() if published else None
        report._history_user = user  # type: ignore[attr-defined]
        report.save(update_fields=["published_at"])
        record(Action.PUBLISH, actor=user, target=report, detail={"published": published})
    return report


def delete_report(*, actor: Any, report: SavedReport) -> None:
    user = _active(actor)
    if report.owner_id != user.pk:
        raise PermissionDenied(_("Only the person who saved a report may delete it."))
    with transaction.atomic():
        record(Action.DELETE, actor=user, target=report, detail={"name": report.name})
        report._history_user = user  # type: ignore[attr-defined]
        report.delete()
