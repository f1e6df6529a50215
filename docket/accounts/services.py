"""Writes to accounts, one function per use case, shared by pages and commands.

Each checks that the actor is an administrator and runs in a transaction; the
audit entries for users, their teams, their second factor, teams and API tokens
are written by `docket.accounts.auditing` from the models' signals, attributed
to the actor given here, so a change made any other way is recorded as well.
"""

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from docket.accounts.auditing import acting_as
from docket.accounts.models import DateCalendar, DateDigits, Role, Team, User
from docket.api import tokens
from docket.api.models import ApiToken
from docket.audit.log import record
from docket.audit.models import Action


def generate_password() -> str:
    # 16 URL-safe characters: about 96 bits, easy to copy from a terminal.
    return secrets.token_urlsafe(12)


def may_manage_accounts(user: object) -> bool:
    return isinstance(user, User) and user.is_active and user.is_administrator


def _check(actor: User) -> None:
    if not may_manage_accounts(actor):
        raise PermissionDenied(_("Only administrators manage accounts."))


def _not_yourself(actor: User, user: User) -> None:
    # An administrator who demotes or deactivates themself by mistake may leave
    # nobody to undo it; another administrator does it.
    if actor.pk == user.pk:
        raise ValidationError(_("Another administrator must change your own role or activation."))


def _staff_flags(user: User) -> None:
    """Django's admin (vocabularies, security logs) is for administrators only."""
    user.is_staff = user.is_superuser = user.role == Role.ADMINISTRATOR


@transaction.atomic
def create_administrator(*, username: str, via: str = "docket createadmin") -> tuple[User, str]:
    """Create an administrator with a generated password, returned once and never stored."""
    password = generate_password()
    with acting_as(None, via):
        user = User.objects.create_user(
            username=username,
            password=password,
            role=Role.ADMINISTRATOR,
            is_staff=True,
            is_superuser=True,
        )
    return user, password


@transaction.atomic
def reset_password(*, user: User, actor: User | None = None, via: str = "") -> str:
    """A new generated password for `user`, returned once; the command passes `via`."""
    if actor is not None:
        _check(actor)
    password = generate_password()
    with acting_as(actor, via):
        user.set_password(password)
        user.save(update_fields=["password"])
    return password


@transaction.atomic
def create_staff(
    *,
    username: str,
    first_name: str,
    last_name: str,
    role: Role,
    teams: list[Team],
    via: str = "docket demo",
) -> User:
    """A staff account without a usable password: an administrator sets one."""
    with acting_as(None, via):
        user = User(username=username, first_name=first_name, last_name=last_name, role=role)
        _staff_flags(user)
        user.set_unusable_password()
        user.save()
        user.teams.set(teams)
    return user


@transaction.atomic
def create_user(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: Role | str,
    teams: list[Team],
    password: str | None = None,
) -> tuple[User, str | None]:
    """A new account; without `password`, a generated one is returned to be shown once."""
    _check(actor)
    generated = None if password else generate_password()
    with acting_as(actor):
        user = User(
            username=username, first_name=first_name, last_name=last_name, email=email, role=role
        )
        _staff_flags(user)
        user.set_password(password or generated)
        user.save()
        user.teams.set(teams)
    return user, generated


@transaction.atomic
def update_details(*, actor: User, user: User, first_name: str, last_name: str, email: str) -> None:
    """Names and address: who the person is, not what they may see."""
    _check(actor)
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.save(update_fields=["first_name", "last_name", "email"])


@transaction.atomic
def change_role(*, actor: User, user: User, role: Role | str) -> bool:
    """Give `user` another role; False when it is the one they have."""
    _check(actor)
    if user.role == role:
        return False
    _not_yourself(actor, user)
    with acting_as(actor):
        user.role = role
        _staff_flags(user)
        user.save(update_fields=["role", "is_staff", "is_superuser"])
    return True


@transaction.atomic
def set_active(*, actor: User, user: User, active: bool) -> bool:
    """Deactivate (or reactivate) an account; a deactivated one logs in nowhere, its API
    tokens stop working and its sessions end at their next request."""
    _check(actor)
    if user.is_active == active:
        return False
    _not_yourself(actor, user)
    with acting_as(actor):
        user.is_active = active
        user.save(update_fields=["is_active"])
    return True


@transaction.atomic
def set_teams(*, actor: User, user: User, teams: list[Team]) -> None:
    """Make `user` a member of exactly `teams`; each team added or removed is recorded."""
    _check(actor)
    with acting_as(actor):
        user.teams.set(teams)


@transaction.atomic
def create_team(*, actor: User, name: str) -> Team:
    _check(actor)
    with acting_as(actor):
        return Team.objects.create(name=name)


@transaction.atomic
def rename_team(*, actor: User, team: Team, name: str) -> bool:
    _check(actor)
    if team.name == name:
        return False
    team.name = name
    with acting_as(actor):
        team.save(update_fields=["name"])
    return True


def revoke_token(*, actor: User, token: ApiToken) -> bool:
    """Revoke another person's (or one's own) API token; False when it already was."""
    _check(actor)
    return tokens.revoke_token(token=token, actor=actor)


@transaction.atomic
def reset_two_factor(*, actor: User, user: User) -> bool:
    """Remove the authenticator app and recovery codes of `user`, who sets up a new app at
    the next log-in (administrators and coordinators must). False when there was none."""
    _check(actor)
    with acting_as(actor):
        devices = list(TOTPDevice.objects.filter(user=user))
        for device in devices:
            device.delete()
        recovery = StaticDevice.objects.filter(user=user).delete()[0]
    return bool(devices) or bool(recovery)


@transaction.atomic
def set_date_preferences(*, user: User, calendar: str, digits: str) -> bool:
    """A user's own choice of calendar and digits for the dates they read. Anyone may make
    it for themselves and no one for another: it changes what they see, not what they may
    see. Returns whether anything changed."""
    if calendar not in DateCalendar.values or digits not in DateDigits.values:
        raise ValidationError(_("Choose a calendar and digits from the list."))
    before = {"date_calendar": user.date_calendar, "date_digits": user.date_digits}
    after = {"date_calendar": calendar, "date_digits": digits}
    if before == after:
        return False
    user.date_calendar, user.date_digits = calendar, digits
    user.save(update_fields=["date_calendar", "date_digits"])
    record(Action.CHANGE, actor=user, target=user, detail={"settings": after})
    return True
