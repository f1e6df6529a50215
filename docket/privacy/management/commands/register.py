"""`docket register [--json]`: the register of processing activities."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from docket.privacy.views import register_data


class Command(BaseCommand):
    help = (
        "Print the register of processing activities: for each kind of record its purpose, "
        "legal basis, whose data it is, to whom it may go and how long it is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print it as JSON")

    def handle(self, *args: Any, json: bool = False, **options: Any) -> None:
        lines = register_data()
        if json:
            self.stdout.write(_dumps(lines))
            return
        for line in lines:
            kept = (
                f"{line['retention_days']} days from {line['counted_from']}"
                if line["retention_days"]
                else "no fixed period (reviewed by hand)"
            )
            self.stdout.write(
                f"{line['kind_label']}\n"
                f"  legal basis: {line['legal_basis_label']}\n"
                f"  purpose: {line['purpose']}\n"
                f"  whose data: {line['data_subjects']}\n"
                f"  to whom: {line['recipients']}\n"
                f"  kept: {kept}\n"
                f"  safeguards: {line['safeguards'] or '-'}\n"
                f"  records with a basis of their own: {line['records_with_own_basis']}\n"
            )


def _dumps(lines: list[dict[str, Any]]) -> str:
    return json.dumps(lines, ensure_ascii=False, indent=2)
