from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.accounts.models import Role, User
from docket.accounts.services import create_administrator, reset_password
from docket.cli import invoked_as


class Command(BaseCommand):
    help = "Create an administrator with a generated password, or give one a new password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin", help="default: admin")
        parser.add_argument(
            "--if-none",
            action="store_true",
            help="do nothing, successfully, when an administrator already exists",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="give the existing user USERNAME a new generated password",
        )

    def handle(
        self, *args: Any, username: str, if_none: bool, reset_password: bool, **options: Any
    ) -> None:
        if reset_password:
            self._reset(username)
            return
        administrators = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True)
        if if_none and administrators.exists():
            names = ", ".join(
                administrators.order_by("username").values_list("username", flat=True)
            )
            self.stdout.write(
                f"Log in as an existing administrator ({names}). Forgot the password? "
                f"Run: {invoked_as()} createadmin --reset-password --username NAME"
            )
            return
        if User.objects.filter(username=username).exists():
            raise CommandError(
                f"A user named {username!r} already exists; "
                "add --reset-password to give it a new password."
            )
        user, password = create_administrator(username=username)
        self._print_credentials(user.username, password, "Created the administrator")
        self.stdout.write(
            "At the first log-in Docket asks you to set up an authenticator app "
            "(two-factor log-in is required for administrators and coordinators)."
        )

    def _reset(self, username: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named {username!r}.")
        self._print_credentials(
            username, reset_password(user=user, via="docket createadmin"), "New password for"
        )

    def _print_credentials(self, username: str, password: str, heading: str) -> None:
        self.stdout.write(
            f"{heading} {username!r}. Note the password now: it is shown only once.\n"
            f"  user name: {username}\n"
            f"  password:  {password}"
        )
