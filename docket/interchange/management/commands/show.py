import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from docket.interchange.management.actors import reader
from docket.interchange.show import KINDS, ShowFailed, as_text, show_record


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of needs a date such as 2024-05-31, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Show a person, case, letter or authority with its derived figures, "
        "named by an imported ref or Docket's number."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("ref", help="a ref it was imported with, or Docket's number")
        parser.add_argument("--as-of", dest="as_of", help="compute the figures for this day")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
        parser.add_argument(
            "--as",
            dest="username",
            help="show what this user may see (may be left out only when there is "
            "exactly one active administrator)",
        )

    def handle(
        self,
        *args: Any,
        kind: str,
        ref: str,
        as_of: str | None,
        as_json: bool,
        username: str | None,
        **options: Any,
    ) -> None:
        day = _day(as_of) if as_of else timezone.localdate()
        user = reader(username)
        try:
            payload = show_record(kind, ref, user=user, as_of=day)
        except ShowFailed as error:
            raise CommandError(str(error)) from None
        if as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(as_text(payload))
