"""Writes to accounts, one function per use case, shared by pages and commands."""

import secrets

from django.db import transaction

from docket.accounts.models import Role, Team, User


def generate_password() -> str:
    # 16 URL-safe characters: about 96 bits, easy to copy from a terminal.
    return secrets.token_urlsafe(12)


@transaction.atomic
def create_administrator(*, username: str) -> tuple[User, str]:
    """Create an administrator with a generated password, returned once and never stored."""
    password = generate_password()
    user = User.objects.create_user(
        username=username,
        password=password,
        role=Role.ADMINISTRATOR,
        is_staff=True,
        is_superuser=True,
    )
    return user, password


@transaction.atomic
def reset_password(*, user: User) -> str:
    password = generate_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    return password


@transaction.atomic
def create_staff(
    *, username: str, first_name: str, last_name: str, role: Role, teams: list[Team]
) -> User:
    """A staff account without a usable password: an administrator sets one."""
    user = User.objects.create_user(
        username=username, first_name=first_name, last_name=last_name, role=role
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.teams.set(teams)
    return user
