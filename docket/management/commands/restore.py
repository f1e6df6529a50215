from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.lib.backup import BackupError, restore_backup
from docket.management.commands.backup import passphrase_from


class Command(BaseCommand):
    help = "Restore an encrypted archive made by `docket backup` into an empty data folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--data-keys",
            type=Path,
            help="the newest data-keys file (docket backup --data-keys): without it, the "
            "persons' sealed data (contact details) stays unreadable",
        )
        parser.add_argument("--passphrase-env", default="DOCKET_BACKUP_PASSPHRASE")

    def handle(
        self,
        *args: Any,
        archive: Path,
        data_keys: Path | None,
        passphrase_env: str,
        **options: Any,
    ) -> None:
        passphrase = passphrase_from(passphrase_env)
        for path in [archive, data_keys]:
            if path is not None and not path.is_file():
                raise CommandError(f"There is no file {path}.")
        try:
            with ExitStack() as stack:
                source = stack.enter_context(archive.open("rb"))
                keys = stack.enter_context(data_keys.open("rb")) if data_keys else None
                summary = restore_backup(source, passphrase=passphrase, data_keys=keys)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {summary.records} records and {summary.files} evidence files from {archive}."
        )
        if summary.erased:
            self.stdout.write(
                f"{summary.erased} persons were erased after this backup was made: their "
                "sealed data is unreadable (erased) and their names were removed again."
            )
        if summary.unreadable:
            self.stdout.write(
                f"{summary.unreadable} persons' sealed data cannot be opened: "
                + (
                    "their data keys are not in the data-keys file given."
                    if data_keys
                    else "give the newest data-keys file with --data-keys."
                )
            )
