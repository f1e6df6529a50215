from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.audit.log import verify
from docket.audit.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit log: `docket audit verify` walks its hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument(
            "--expect",
            metavar="ENTRY:HASH",
            action="append",
            help="an entry that must still be in the log, as printed by an earlier run "
            "(instead of the checkpoint file)",
        )

    def handle(self, *args: Any, action: str, expect: list[str] | None, **options: Any) -> None:
        expected = None
        if expect:
            expected = []
            for item in expect:
                entry_id, _, entry_hash = item.partition(":")
                if not entry_id.isdigit() or len(entry_hash) != 64:
                    raise CommandError(f"--expect takes ENTRY:HASH, as printed before; not {item}.")
                expected.append(("the run given with --expect", int(entry_id), entry_hash))
        checked, broken = verify(expected)
        if broken is not None:
            raise CommandError(
                f"The audit log is broken at entry {broken.entry_id}: {broken.reason}. "
                f"The {checked} entries before it are intact."
            )
        self.stdout.write(f"The audit log is intact: {checked} entries checked.")
        latest = AuditEntry.objects.order_by("-id").first()
        if latest is not None:
            self.stdout.write(
                f"Keep this line to check later that nothing was cut off the end: "
                f"--expect {latest.pk}:{latest.hash}"
            )
