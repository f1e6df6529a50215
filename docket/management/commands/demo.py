from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.demo import has_data, load_demo


class Command(BaseCommand):
    help = "Load the fictional demo dataset into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help="same seed, same data (default 1)")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing, successfully, when the database already holds data",
        )

    def handle(self, *args: Any, seed: int, if_empty: bool, **options: Any) -> None:
        if has_data():
            if if_empty:
                self.stdout.write("The database already holds data; demo data not loaded.")
                return
            raise CommandError(
                "The database already holds data; the demo loads only into an empty one."
            )
        summary = load_demo(seed=seed)
        self.stdout.write(
            f"Loaded the fictional demo dataset (seed {seed}): "
            f"{summary.teams} teams, {summary.staff} staff accounts, {summary.persons} persons, "
            f"{summary.cases} cases, {summary.events} events, {summary.letters} letters."
        )
