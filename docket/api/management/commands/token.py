"""`docket token create|list|revoke`: API tokens, each shown once when created."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.accounts.models import User
from docket.api.models import ApiToken
from docket.api.tokens import issue_token, revoke_token

# Who the audit log names for what this command does: nobody logged in.
VIA = "docket token (command line)"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer TOKEN)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="create a token for a user and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for, to recognise it")
        listing = actions.add_parser("list", help="list tokens, of one user or of everyone")
        listing.add_argument("username", nargs="?")
        revoke = actions.add_parser("revoke", help="revoke a token by its number (see list)")
        revoke.add_argument("id", type=int)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "create":
            self._create(options["username"], options["name"])
        elif action == "list":
            self._list(options["username"])
        else:
            self._revoke(options["id"])

    def _create(self, username: str, name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is deactivated; its tokens would not work.")
        record, token = issue_token(user=user, name=name, via=VIA)
        self.stdout.write(
            f"Created token #{record.pk} for {username!r}. "
            "Note it now: it is shown only once.\n"
            f"  token: {token}\n"
            f"Use it as the header  Authorization: Bearer {token}"
        )

    def _list(self, username: str | None) -> None:
        tokens = ApiToken.objects.select_related("user").order_by("id")
        if username is not None:
            tokens = tokens.filter(user__username=username)
        rows = [
            (
                f"#{token.pk}",
                token.user.username,
                token.name or "-",
                f"created {token.created_at:%Y-%m-%d %H:%M}",
                f"last used {token.last_used_at:%Y-%m-%d %H:%M}"
                if token.last_used_at
                else "never used",
                f"REVOKED {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active",
            )
            for token in tokens
        ]
        if not rows:
            self.stdout.write("No tokens.")
        for row in rows:
            self.stdout.write("  ".join(row))

    def _revoke(self, token_id: int) -> None:
        token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
        if token is None:
            raise CommandError(f"There is no token #{token_id}.")
        if revoke_token(token=token, via=VIA):
            self.stdout.write(f"Revoked token #{token_id} of {token.user.username!r}.")
        else:
            self.stdout.write(f"Token #{token_id} was already revoked.")
