from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from docket.audit.log import BrokenLog, anchor, verify
from docket.audit.models import AuditEntry


class Command(BaseCommand):
    help = (
        "Check the audit log: `docket audit verify` walks its keyed hash chain; "
        "`docket audit anchor` prints (or mails) its head to keep away from this machine."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "anchor"])
        parser.add_argument(
            "--expect",
            metavar="ENTRY:HASH",
            action="append",
            help="verify: an entry that must still be in the log, as printed by an earlier run "
            "or an anchor (instead of the checkpoint file)",
        )
        parser.add_argument(
            "--mail",
            metavar="ADDRESS",
            action="append",
            help="anchor: also email the anchor to this address (may be given more than once)",
        )

    def handle(
        self,
        *args: Any,
        action: str,
        expect: list[str] | None,
        mail: list[str] | None,
        **options: Any,
    ) -> None:
        if action == "anchor":
            self._anchor(mail or [], expect)
            return
        if mail:
            raise CommandError("--mail goes with `docket audit anchor`.")
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
            raise CommandError(str(BrokenLog(checked, broken)))
        self.stdout.write(f"The audit log is intact: {checked} entries checked.")
        latest = AuditEntry.objects.order_by("-id").first()
        if latest is not None:
            self.stdout.write(
                f"Keep this line to check later that nothing was cut off the end: "
                f"--expect {latest.pk}:{latest.hash}"
            )

    def _anchor(self, addresses: list[str], expect: list[str] | None) -> None:
        if expect:
            raise CommandError("--expect goes with `docket audit verify`.")
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"{address} is not an email address.") from None
        try:
            taken = anchor(mailed_to=addresses, actor_name="docket audit anchor")
        except BrokenLog as error:
            raise CommandError(f"No anchor taken. {error}") from None
        self.stdout.write(taken.text())
        if addresses:
            self.stdout.write(f"Mailed to {', '.join(addresses)}.")
