"""`docket estimate LISTS.csv [--method loglinear|lcmcr] [--seed N] [--strata COLUMN]
[--prior jeffreys|uniform] [--json]`:
how many persons there were in all, documented or not, from rows `person_id,list`.

Works on the CSV alone, with nothing in Docket's database (an export from any
system will do). The same code (docket.estimates.mse) serves the estimates page.
"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.estimates import lcmcr
from docket.estimates.mse import (
    METHODS,
    EstimateError,
    Options,
    Prior,
    estimate,
    explanation,
    read_csv,
)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Estimate the total number of persons, documented or not, from lists: a CSV of rows "
        "person_id,list (one per person per list; a header is optional), by multiple "
        "systems estimation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="the CSV: person_id,list[,stratum…]")
        parser.add_argument("--method", choices=METHODS, default="lcmcr")
        parser.add_argument("--seed", type=int, default=None, help="for a repeatable result")
        parser.add_argument(
            "--strata",
            default=None,
            metavar="COLUMN",
            help="estimate each value of this column apart and add them (needs a header row)",
        )
        parser.add_argument(
            "--samples",
            type=_positive,
            default=lcmcr.SAMPLES,
            help=(
                f"posterior draws kept by the latent-class method, all {lcmcr.CHAINS} chains "
                f"together (default {lcmcr.SAMPLES})"
            ),
        )
        parser.add_argument(
            "--burn-in",
            type=_positive,
            default=lcmcr.BURN_IN,
            help=f"sampler steps each chain discards first (default {lcmcr.BURN_IN})",
        )
        parser.add_argument(
            "--prior",
            choices=sorted(lcmcr.PRIORS),
            default=lcmcr.DEFAULT_PRIOR,
            help=(
                "the latent-class method's prior on capture probabilities: Jeffreys' "
                "Beta(1/2, 1/2) (default) or the uniform Beta(1, 1) of the paper and of the "
                "R package LCMCR"
            ),
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(
        self,
        *args: Any,
        input: Path,
        method: str,
        seed: int | None,
        strata: str | None,
        samples: int,
        burn_in: int,
        prior: Prior,
        json: bool,
        **options: Any,
    ) -> None:
        try:
            text = input.read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"cannot read {input}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{input} is not UTF-8 text") from None

        def progress(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        try:
            membership = read_csv(text, strata_column=strata)
            result = estimate(
                membership,
                method=method,  # type: ignore[arg-type]
                options=Options(
                    seed=seed, burn_in=burn_in, samples=samples, prior=prior, progress=progress
                ),
            )
        except EstimateError as error:
            raise CommandError(str(error)) from None
        if json:
            self.stdout.write(_dumps(result.as_json()))
            return
        self.stdout.write(f"observed: {result.observed}")
        if result.estimate is not None and result.interval is not None:
            low, high = result.interval
            self.stdout.write(
                f"estimate: {round(result.estimate)} "
                f"({round(low)} to {round(high)}, {result.level:.0%}) by {result.method}"
                + (f", {prior} prior" if result.method == "lcmcr" else "")
            )
        else:
            self.stdout.write("estimate: none")
        for item in result.all_diagnostics():
            self.stdout.write(f"{item.severity}: {item.message}")
        self.stdout.write("")
        for paragraph in explanation(result.method, prior):
            self.stdout.write(paragraph)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
