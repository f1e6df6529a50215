"""The one permission rule: who may see, edit and delete a record.

Every way data leaves Docket (pages, API, exports, commands) filters through
`visibility_q`, so a record hidden from a person is hidden everywhere. Records
carry a confidentiality level and an owning team:

- public and internal records: every active staff member sees them;
- restricted: members of the owning team, and administrators;
- secret: members of the owning team other than viewers. Administrators are
  not shown secret records of teams they do not belong to: running the system
  is not a reason to read its most dangerous files.

Editing needs the documenter or coordinator role in the owning team (or an
administrator); soft deletion and restoring need a coordinator of the owning
team (or an administrator). A record without a team is edited by any
documenter. Missing and forbidden look the same: 404.
"""

from typing import Any

from django.db.models import Model, Q, TextChoices
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import Role, User


class Confidentiality(TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")
    RESTRICTED = "restricted", _("Restricted")
    SECRET = "secret", _("Secret")


NOTHING = Q(pk__in=[])
EDITORS = {Role.ADMINISTRATOR, Role.COORDINATOR, Role.DOCUMENTER}
DELETERS = {Role.ADMINISTRATOR, Role.COORDINATOR}


def _team_ids(user: User) -> list[int]:
    cached: list[int] | None = getattr(user, "_docket_team_ids", None)
    if cached is None:
        cached = list(user.teams.values_list("id", flat=True))
        user._docket_team_ids = cached  # type: ignore[attr-defined]
    return cached


def _field(prefix: str, name: str, value: Any) -> Q:
    return Q(**{f"{prefix}{name}": value})


def visibility_q(user: Any, prefix: str = "") -> Q:
    """A filter for the records `user` may see; `prefix` reaches them through a relation."""
    if not isinstance(user, User) or not user.is_active:
        return NOTHING
    in_team = _field(prefix, "team__in", _team_ids(user))
    visible = _field(
        prefix, "confidentiality__in", [Confidentiality.PUBLIC, Confidentiality.INTERNAL]
    )
    restricted = _field(prefix, "confidentiality", Confidentiality.RESTRICTED)
    visible |= restricted if user.role == Role.ADMINISTRATOR else restricted & in_team
    if user.role != Role.VIEWER:
        visible |= _field(prefix, "confidentiality", Confidentiality.SECRET) & in_team
    return visible


def editing_q(user: Any, prefix: str = "") -> Q:
    """A filter for the visible records `user` may change."""
    if not isinstance(user, User) or user.role not in EDITORS:
        return NOTHING
    if user.role == Role.ADMINISTRATOR:
        return visibility_q(user, prefix)
    own = _field(prefix, "team__in", _team_ids(user)) | _field(prefix, "team__isnull", True)
    return visibility_q(user, prefix) & own


def may_create(user: Any) -> bool:
    return isinstance(user, User) and user.is_active and user.role in EDITORS


def may_take_out(user: Any) -> bool:
    """Taking records out in bulk (the export page, `docket export`, the API's lists):
    those who work on the records. Viewers read on screen, one record at a time."""
    return isinstance(user, User) and user.is_active and user.role in EDITORS


def may_delete(user: Any, record: Model) -> bool:
    """Soft deletion and restoring, for a record the caller already may edit."""
    if not isinstance(user, User) or user.role not in DELETERS:
        return False
    # Events belong to their case's team.
    owner = getattr(record, "case", record)
    team_id = getattr(owner, "team_id", None)
    return user.role == Role.ADMINISTRATOR or team_id is None or team_id in _team_ids(user)


def may_publish(user: Any, record: Model) -> bool:
    """Publishing (and withdrawing) follows deletion: coordinators of the owning team and
    administrators, for a record the caller already may edit."""
    return may_delete(user, record)


def may_triage_mail(user: Any) -> bool:
    """Incoming email that matched no letter may hold anything: coordinators and
    administrators sort it."""
    return isinstance(user, User) and user.is_active and user.role in DELETERS
