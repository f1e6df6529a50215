"""Who an interchange command acts as, from `--as USERNAME`.

What an export or `show` prints depends on who asks, so they need a person.
`--as` may be left out only when exactly one active administrator exists:
then there is no doubt whom the command-line user stands for. With several
administrators or none, guessing would pick whose secrets to print, so the
command asks instead. An import may run without anyone (as the system, like
`docket demo`); see docket.interchange.validation.
"""

from django.core.management.base import CommandError

from docket.accounts.models import Role, User


def user_named(username: str) -> User:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"There is no active user named {username!r}.")
    return user


def reader(username: str | None) -> User:
    """The person whose view a command shows: `--as`, else the only administrator."""
    if username:
        return user_named(username)
    administrators = list(User.objects.filter(role=Role.ADMINISTRATOR, is_active=True)[:2])
    if len(administrators) == 1:
        return administrators[0]
    which = "no active administrator" if not administrators else "several administrators"
    raise CommandError(
        f"Say whose view to show with --as USERNAME: what may be seen depends on who asks, "
        f"and there are {which} to stand in."
    )
