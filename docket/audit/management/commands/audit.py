from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.audit.log import verify


class Command(BaseCommand):
    help = "Check the audit log: `docket audit verify` walks its hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        checked, broken = verify()
        if broken is not None:
            raise CommandError(
                f"The audit log is broken at entry {broken.entry_id}: {broken.reason}. "
                f"The {checked} entries before it are intact."
            )
        self.stdout.write(f"The audit log is intact: {checked} entries checked.")
