"""`docket search reindex`: rebuild the search index from every record, in batches."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from docket.search.documents import Indexer


class Command(BaseCommand):
    help = "Rebuild the search index (after a bulk load, or to check it)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("reindex", help="empty the index and build it again from the records")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        started = time.monotonic()
        shown: dict[str, float] = {}

        def progress(kind: str, done: int, total: int) -> None:
            if total <= 1:
                self.stdout.write(f"  building the {kind}…")
                self.stdout.flush()
                return
            now = time.monotonic()
            if done < total and now - shown.get(kind, 0) < 2:
                return
            shown[kind] = now
            rate = done / max(now - started, 1e-6)
            self.stdout.write(f"  {kind}: {done:,} of {total:,} ({rate:,.0f} records a second)")
            self.stdout.flush()

        self.stdout.write("Rebuilding the search index…")
        counts = Indexer().rebuild(progress)
        summary = ", ".join(f"{count:,} {kind}s" for kind, count in counts.items())
        self.stdout.write(f"Indexed {summary} in {time.monotonic() - started:.1f} s.")
