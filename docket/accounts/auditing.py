"""Every change to who may see what lands in the audit log, whichever path makes it.

The account screens, `docket createadmin`, `docket token`, Django's admin, a
shell and a script all save the same models, so the entries are written here,
from the models' signals, and not by each path: a user's creation, deletion,
role, activation, administrator flags and password; their teams (`m2m_changed`
from either side of the relation, a row of the relation's table saved or
deleted, a team deleted); every django-otp device (confirmed, re-keyed,
removed) and recovery code; API tokens; teams created, renamed and deleted.
Services say who acts with `acting_as`; without it the actor is the person
logged in to the page being served (Django's admin), or nobody, and the entry
says the change came from outside Docket's pages.

Bulk `QuerySet.update()` and `bulk_create()`, and a queryset `delete()` of the
relation's table, send no signal: Docket's own code uses them on these models
only where an entry is written otherwise (new recovery codes: their device's),
and someone at the shell can change the database directly anyway
(docs/permissions.md, "Managing accounts").
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from simple_history.models import HistoricalRecords

from docket.accounts.models import Team, User
from docket.api.models import ApiToken
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


# Memberships written on the relation's own table. Its model is Django's, made for the
# relation, and Django sends such models no signals: saving or deleting one row of it
# goes through these methods instead. A team's or a user's deletion removes its rows
# with neither, so those are recorded from the team's and the user's own signals.


def _membership(user_id: int, team_id: int, key: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    name = Team.objects.filter(pk=team_id).values_list("name", flat=True).first()
    if user is not None and name is not None:
        _record(Action.CHANGE, user, {"user": user.get_username(), key: [name]})


def _watch_memberships() -> None:
    through: Any = User.teams.through
    if getattr(through, "_docket_audited", False):
        return
    plain_save = through.save
    plain_delete = through.delete

    def save(self: Any, *args: Any, **kwargs: Any) -> None:
        before: tuple[int, int] | None = None
        if self.pk is not None:
            before = through.objects.filter(pk=self.pk).values_list("user_id", "team_id").first()
        plain_save(self, *args, **kwargs)
        after = (self.user_id, self.team_id)
        if before == after:
            return
        if before is not None:
            _membership(before[0], before[1], "teams_removed")
        _membership(*after, "teams_added")

    def delete(self: Any, *args: Any, **kwargs: Any) -> Any:
        row = (self.user_id, self.team_id)
        removed = plain_delete(self, *args, **kwargs)
        if removed[0]:
            _membership(*row, "teams_removed")
        return removed

    through.save = save
    through.delete = delete
    through._docket_audited = True


def _team_before_save(sender: Any, instance: Team, raw: bool = False, **kwargs: Any) -> None:
    before = None
    if not raw and instance.pk is not None:
        before = Team.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
    instance._docket_name_before = before  # type: ignore[attr-defined]


def _team_saved(
    sender: Any, instance: Team, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before = getattr(instance, "_docket_name_before", None)
    instance._docket_name_before = instance.name  # type: ignore[attr-defined]
    if created:
        _record(Action.CREATE, instance, {"name": instance.name})
    elif before is not None and before != instance.name:
        _record(Action.CHANGE, instance, {"name": [before, instance.name]})


def _team_before_delete(sender: Any, instance: Team, **kwargs: Any) -> None:
    # The memberships go with the team, by a cascade that sends no signal.
    for user in instance.members.order_by("pk"):
        _record(
            Action.CHANGE, user, {"user": user.get_username(), "teams_removed": [instance.name]}
        )


def _team_deleted(sender: Any, instance: Team, **kwargs: Any) -> None:
    _record(Action.DELETE, instance, {"name": instance.name})


def _user_before_delete(sender: Any, instance: User, **kwargs: Any) -> None:
    names = sorted(instance.teams.values_list("name", flat=True))
    instance._docket_teams_before = names  # type: ignore[attr-defined]


def _user_deleted(sender: Any, instance: User, **kwargs: Any) -> None:
    detail: dict[str, Any] = {"user": instance.get_username()}
    names = getattr(instance, "_docket_teams_before", [])
    if names:
        detail["teams_removed"] = names
    _record(Action.DELETE, instance, detail)


# The second factor: every device of django-otp (the authenticator app, the recovery
# codes, any other installed) and every recovery code. What a device notes about its
# own use (the last code's time step, the drift, throttling, timestamps) is not a change.

BOOKKEEPING = frozenset(
    {
        "created_at",
        "last_used_at",
        "throttling_failure_timestamp",
        "throttling_failure_count",
        "last_generated_timestamp",
        "last_t",
        "drift",
        "counter",
        "token",
        "valid_until",
    }
)
DEVICE_NAMES = {
    "otp_totp.totpdevice": "authenticator app",
    "otp_static.staticdevice": "recovery codes",
}

# Recovery-code devices being deleted: their codes go with them, in one entry.
_deleting_devices: ContextVar[frozenset[int]] = ContextVar("docket_deleting", default=frozenset())


def _watched(model: Any) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in BOOKKEEPING
    ]


def _two_factor(user_id: Any, value: str, device: str, **more: Any) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        _record(
            Action.CHANGE,
            user,
            {"user": user.get_username(), "two_factor": value, "device": device, **more},
        )


def _device_name(instance: Device) -> str:
    return DEVICE_NAMES.get(instance._meta.label_lower, str(instance._meta.verbose_name))


def _device_before_save(sender: Any, instance: Device, raw: bool = False, **kwargs: Any) -> None:
    before = None
    if not raw and instance.pk is not None:
        before = sender._default_manager.filter(pk=instance.pk).values(*_watched(sender)).first()
    instance._docket_before = before


def _device_saved(
    sender: Any, instance: Device, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before: dict[str, Any] | None = getattr(instance, "_docket_before", None)
    instance._docket_before = None
    name = _device_name(instance)
    if before is None:
        if instance.confirmed:
            _two_factor(instance.user_id, "set up", name)
        return
    if not before["confirmed"] and not instance.confirmed:
        return  # still being set up: it passes no two-factor step
    if not before["confirmed"]:
        _two_factor(instance.user_id, "set up", name)
        return
    # The names of what changed, never their values (a key is a secret).
    changed = sorted(name_ for name_ in before if before[name_] != getattr(instance, name_))
    if not changed:
        return
    if before["user_id"] != instance.user_id:
        _two_factor(before["user_id"], "removed", name)
    _two_factor(instance.user_id, "changed", name, fields=changed)


def _device_deleted(sender: Any, instance: Device, **kwargs: Any) -> None:
    if isinstance(instance, StaticDevice):
        _deleting_devices.set(_deleting_devices.get() - {instance.pk})
    if instance.confirmed:
        _two_factor(instance.user_id, "removed", _device_name(instance))


def _static_before_delete(sender: Any, instance: StaticDevice, **kwargs: Any) -> None:
    _deleting_devices.set(_deleting_devices.get() | {instance.pk})


def _static_device(device_id: Any) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (
        StaticDevice.objects.filter(pk=device_id).values("user_id", "confirmed").first()
    )
    return found


def _code_before_save(sender: Any, instance: StaticToken, raw: bool = False, **kwargs: Any) -> None:
    before = None
    if not raw and instance.pk is not None:
        before = StaticToken.objects.filter(pk=instance.pk).values("device_id", "token").first()
    instance._docket_before = before


def _code_saved(
    sender: Any, instance: StaticToken, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before: dict[str, Any] | None = getattr(instance, "_docket_before", None)
    instance._docket_before = None
    name = DEVICE_NAMES["otp_static.staticdevice"]
    if before is not None and before["device_id"] != instance.device_id:
        was = _static_device(before["device_id"])
        if was is not None and was["confirmed"]:
            _two_factor(was["user_id"], "recovery code used or removed", name)
    device = _static_device(instance.device_id)
    if device is None or not device["confirmed"]:
        return
    if before is None or before["device_id"] != instance.device_id:
        _two_factor(device["user_id"], "recovery code added", name)
    elif before["token"] != instance.token:
        _two_factor(device["user_id"], "recovery code changed", name)


def _code_deleted(sender: Any, instance: StaticToken, **kwargs: Any) -> None:
    if instance.device_id in _deleting_devices.get():
        return  # the device's own entry says the codes are gone
    device = _static_device(instance.device_id)
    if device is not None and device["confirmed"]:
        _two_factor(
            device["user_id"],
            "recovery code used or removed",
            DEVICE_NAMES["otp_static.staticdevice"],
        )


# API tokens: a token acts as its user without a second factor.

TOKEN_FIELDS = ("user_id", "name", "token_sha256", "revoked_at")


def _token_before_save(sender: Any, instance: ApiToken, raw: bool = False, **kwargs: Any) -> None:
    before = None
    if not raw and instance.pk is not None:
        before = ApiToken.objects.filter(pk=instance.pk).values(*TOKEN_FIELDS).first()
    instance._docket_before = before  # type: ignore[attr-defined]


def _token_saved(
    sender: Any, instance: ApiToken, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        return
    before: dict[str, Any] | None = getattr(instance, "_docket_before", None)
    instance._docket_before = None  # type: ignore[attr-defined]
    user = User.objects.filter(pk=instance.user_id).first()
    username = user.get_username() if user is not None else ""
    if created or before is None:
        detail: dict[str, Any] = {"user": username, "name": instance.name}
        if instance.revoked_at is not None:
            detail["revoked"] = True
        _record(Action.CREATE, instance, detail)
        return
    changed = [name for name in TOKEN_FIELDS if before[name] != getattr(instance, name)]
    if not changed:
        return
    detail = {"user": username}
    if "revoked_at" in changed:
        detail["revoked"] = instance.revoked_at is not None
    others = sorted(name for name in changed if name != "revoked_at")
    if others:
        # Which fields, never the token's hash.
        detail["fields"] = others
    _record(Action.CHANGE, instance, detail)


def _token_deleted(sender: Any, instance: ApiToken, **kwargs: Any) -> None:
    user = User.objects.filter(pk=instance.user_id).first()
    detail = {"user": user.get_username() if user else "", "name": instance.name}
    _record(Action.DELETE, instance, detail)


def connect() -> None:
    pre_save.connect(_user_before_save, sender=User, dispatch_uid="accounts_user_before")
    post_save.connect(_user_saved, sender=User, dispatch_uid="accounts_user_saved")
    pre_delete.connect(_user_before_delete, sender=User, dispatch_uid="accounts_user_deleting")
    post_delete.connect(_user_deleted, sender=User, dispatch_uid="accounts_user_deleted")
    m2m_changed.connect(_teams_changed, sender=User.teams.through, dispatch_uid="accounts_teams")
    _watch_memberships()
    pre_save.connect(_team_before_save, sender=Team, dispatch_uid="accounts_team_before")
    post_save.connect(_team_saved, sender=Team, dispatch_uid="accounts_team_saved")
    pre_delete.connect(_team_before_delete, sender=Team, dispatch_uid="accounts_team_deleting")
    post_delete.connect(_team_deleted, sender=Team, dispatch_uid="accounts_team_deleted")
    for model in apps.get_models():
        if issubclass(model, Device):
            uid = f"accounts_device_{model._meta.label_lower}"
            pre_save.connect(_device_before_save, sender=model, dispatch_uid=uid + "_before")
            post_save.connect(_device_saved, sender=model, dispatch_uid=uid + "_saved")
            post_delete.connect(_device_deleted, sender=model, dispatch_uid=uid + "_deleted")
    pre_delete.connect(
        _static_before_delete, sender=StaticDevice, dispatch_uid="accounts_static_deleting"
    )
    pre_save.connect(_code_before_save, sender=StaticToken, dispatch_uid="accounts_code_before")
    post_save.connect(_code_saved, sender=StaticToken, dispatch_uid="accounts_code_saved")
    post_delete.connect(_code_deleted, sender=StaticToken, dispatch_uid="accounts_code_deleted")
    pre_save.connect(_token_before_save, sender=ApiToken, dispatch_uid="accounts_token_before")
    post_save.connect(_token_saved, sender=ApiToken, dispatch_uid="accounts_token_saved")
    post_delete.connect(_token_deleted, sender=ApiToken, dispatch_uid="accounts_token_deleted")
