"""Every change to who may see what lands in the audit log, whichever path makes it.

The account screens, `docket createadmin`, Django's admin, a shell and a
script all save the same models, so the entries are written here, from the
models' signals, and not by each path: a user's creation, role, activation,
administrator flags and password; their teams (`m2m_changed`, from either side
of the relation); and the confirmed authenticator app behind their second
factor. Services say who acts with `acting_as`; without it the actor is the
person logged in to the page being served (Django's admin), or nobody, and
the entry says the change came from outside Docket's pages.

Bulk `QuerySet.update()` sends no signal: Docket's own code never uses it on
these models, and someone at the shell can change the database directly anyway
(docs/permissions.md, "Managing accounts").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.models import HistoricalRecords

from docket.accounts.models import Team, User
from docket.audit.log import record
from docket.audit.models import Action

# Fields of a user that decide what they may see or do.
WATCHED_FIELDS = ("role", "is_active", "is_staff", "is_superuser")
OUTSIDE = "outside Docket's pages (shell or script)"
CHANGED = "changed"

_acting: ContextVar[tuple[User | None, str] | None] = ContextVar("docket_acting", default=None)


@contextmanager
def acting_as(actor: User | None, via: str = "") -> Iterator[None]:
    """Attribute the account changes made inside to `actor` (or, with no actor, to `via`)."""
    token = _acting.set((actor, via))
    try:
        yield
    finally:
        _acting.reset(token)


def _who() -> tuple[User | None, str]:
    acting = _acting.get()
    if acting is not None:
        return acting
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return user, str(getattr(request, "path", ""))
    return None, OUTSIDE


def _record(action: Action, target: Any, detail: dict[str, Any]) -> None:
    actor, via = _who()
    if via:
        detail = detail | {"via": via}
    record(action, actor=actor, actor_name="" if actor else via, target=target, detail=detail)


# Users


def _user_before_save(sender: Any, instance: User, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        # Loaded as it was (`docket restore`, fixtures): the teams set right after are too,
        # and m2m_changed has no `raw` of its own to say so.
        instance._docket_raw = True  # type: ignore[attr-defined]
        return
    if instance.pk is None or instance._state.adding:
        return
    update_fields = kwargs.get("update_fields")
    watched = [name for name in WATCHED_FIELDS if update_fields is None or name in update_fields]
    before = User.objects.filter(pk=instance.pk).values(*watched).first() if watched else None
    changes: dict[str, list[Any]] = {}
    if before is not None:
        for name in watched:
            if before[name] != getattr(instance, name):
                changes[name] = [before[name], getattr(instance, name)]
    instance._docket_changes = changes  # type: ignore[attr-defined]
    # set_password() keeps the new password here until the save; a re-hash of the
    # same password at log-in does not.
    instance._docket_password_changed = instance._password is not None  # type: ignore[attr-defined]


def _user_saved(
    sender: Any, instance: User, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    if created:
        _record(
            Action.CREATE,
            instance,
            {
                "user": instance.get_username(),
                "role": instance.role,
                "is_active": instance.is_active,
                "is_superuser": instance.is_superuser,
            },
        )
        return
    changes: dict[str, Any] = dict(getattr(instance, "_docket_changes", {}))
    if getattr(instance, "_docket_password_changed", False):
        # The fact of the change, never the password.
        changes["password"] = CHANGED
    instance._docket_changes = {}  # type: ignore[attr-defined]
    instance._docket_password_changed = False  # type: ignore[attr-defined]
    if changes:
        _record(
            Action.CHANGE,
            instance,
            {"user": instance.get_username(), "fields": sorted(changes), **changes},
        )


# Teams


def _teams_changed(
    sender: Any,
    instance: User | Team,
    action: str,
    reverse: bool,
    model: Any,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if getattr(instance, "_docket_raw", False):
        return
    if action == "pre_clear":
        # What a clear removes is gone by post_clear.
        related = instance.members.all() if reverse else instance.teams.all()  # type: ignore[union-attr]
        instance._docket_cleared = set(related.values_list("pk", flat=True))  # type: ignore[union-attr]
        return
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if action == "post_clear":
        pk_set = getattr(instance, "_docket_cleared", set())
    if not pk_set:
        return
    key = "teams_added" if action == "post_add" else "teams_removed"
    if isinstance(instance, Team):
        for user in User.objects.filter(pk__in=pk_set).order_by("pk"):
            _record(Action.CHANGE, user, {"user": user.get_username(), key: [instance.name]})
    else:
        names = sorted(Team.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        _record(Action.CHANGE, instance, {"user": instance.get_username(), key: names})


# The second factor


def _device_before_save(
    sender: Any, instance: TOTPDevice, raw: bool = False, **kwargs: Any
) -> None:
    was = False
    if not raw and instance.pk is not None:
        was = bool(
            TOTPDevice.objects.filter(pk=instance.pk).values_list("confirmed", flat=True).first()
        )
    instance._docket_was_confirmed = was


def _device_saved(
    sender: Any, instance: TOTPDevice, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw or not instance.confirmed or getattr(instance, "_docket_was_confirmed", False):
        return
    user = instance.user
    _record(Action.CHANGE, user, {"user": user.get_username(), "two_factor": "set up"})


def _device_deleted(sender: Any, instance: TOTPDevice, **kwargs: Any) -> None:
    if not instance.confirmed:
        return
    user = User.objects.filter(pk=instance.user_id).first()
    if user is not None:
        _record(Action.CHANGE, user, {"user": user.get_username(), "two_factor": "removed"})


def connect() -> None:
    pre_save.connect(_user_before_save, sender=User, dispatch_uid="accounts_user_before")
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts_user_saved")
    m2m_changed.connect(_teams_changed, sender=User.teams.through, dispatch_uid="accounts_teams")
    pre_save.connect(_device_before_save, sender=TOTPDevice, dispatch_uid="accounts_totp_before")
    post_save.connect(_device_saved, sender=TOTPDevice, dispatch_uid="accounts_totp_saved")
    post_delete.connect(_device_deleted, sender=TOTPDevice, dispatch_uid="accounts_totp_deleted")
