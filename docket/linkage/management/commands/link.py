"""`docket link INPUT.csv --out CLUSTERS.csv [--threshold P]`: deduplicate a list of people.

Works on the CSV alone, with nothing in Docket's database, so an association
can find the duplicates in a list before importing it.
"""

import csv
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.lib.spreadsheet import safe_row
from docket.linkage.model import DEFAULT_THRESHOLD, link
from docket.linkage.records import REQUIRED_COLUMNS, RecordsError, prepare, read_csv


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 < value < 1.0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Find the records of one person in a CSV of person records and write one cluster "
        f"per person. Columns: {','.join(REQUIRED_COLUMNS)} (names in any script, birth "
        "dates partial or empty), and optionally nationality."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="the CSV of person records")
        parser.add_argument(
            "--out", required=True, type=Path, help="the CSV to write: record_id,cluster_id"
        )
        parser.add_argument(
            "--threshold",
            type=_probability,
            default=DEFAULT_THRESHOLD,
            help="match probability (between 0 and 1) at or above which two records are "
            f"one person (default {DEFAULT_THRESHOLD}); higher merges less",
        )

    def handle(self, *args: Any, input: Path, out: Path, threshold: float, **options: Any) -> None:
        def progress(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        started = time.perf_counter()
        progress(f"reading {input}…")
        try:
            rows = read_csv(input)
        except RecordsError as error:
            raise CommandError(str(error)) from None
        columns = prepare(rows)
        progress(
            f"read {len(rows)} records and computed their name keys: "
            f"{time.perf_counter() - started:.1f} s"
        )
        linkage = link(columns, threshold=threshold, progress=progress)

        partial = out.with_name(out.name + ".partial")
        with partial.open("w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target)
            writer.writerow(["record_id", "cluster_id"])
            record_ids = columns["record_id"]
            for unique_id, record_id in enumerate(record_ids):
                cluster = linkage.cluster_of.get(unique_id, unique_id)
                # The output is opened in spreadsheets: a record id must not run as a formula.
                writer.writerow(safe_row([record_id, record_ids[cluster]]))
        partial.replace(out)
        clusters = len({linkage.cluster_of.get(index, index) for index in range(len(rows))})
        progress(
            f"wrote {out}: {len(rows)} records in {clusters} clusters "
            f"({linkage.pairs_scored} pairs at or above {threshold}), "
            f"{time.perf_counter() - started:.1f} s in all"
        )
