from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.cases.services import verify_evidence


class Command(BaseCommand):
    help = "Check evidence files: `docket evidence verify` re-hashes every stored file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        checked, mismatches = verify_evidence()
        for mismatch in mismatches:
            self.stderr.write(
                f"Evidence {mismatch.evidence.pk} ({mismatch.evidence.name}): {mismatch.reason}."
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} of {checked} evidence files failed the check.")
        self.stdout.write(f"All {checked} evidence files match their SHA-256.")
