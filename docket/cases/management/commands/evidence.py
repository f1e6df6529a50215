from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.cases.services import orphan_files, verify_evidence


class Command(BaseCommand):
    help = (
        "Check evidence files: `docket evidence verify` re-hashes every stored file and "
        "reports records whose file is missing and files no record points to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        checked, mismatches = verify_evidence()
        for mismatch in mismatches:
            self.stderr.write(
                f"Evidence {mismatch.evidence.pk} ({mismatch.evidence.name}): {mismatch.reason}."
            )
        orphans = orphan_files()
        for name in orphans:
            self.stderr.write(f"File {name}: no evidence record points to it.")
        problems = []
        if mismatches:
            problems.append(f"{len(mismatches)} of {checked} evidence files failed the check")
        if orphans:
            problems.append(f"{len(orphans)} stored files belong to no evidence record")
        if problems:
            raise CommandError("; ".join(problems) + ".")
        self.stdout.write(f"All {checked} evidence files match their SHA-256; no stray files.")
