from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.lib.backup import BackupError, restore_backup
from docket.management.commands.backup import passphrase_from


class Command(BaseCommand):
    help = "Restore an encrypted archive made by `docket backup` into an empty data folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--passphrase-env", default="DOCKET_BACKUP_PASSPHRASE")

    def handle(self, *args: Any, archive: Path, passphrase_env: str, **options: Any) -> None:
        passphrase = passphrase_from(passphrase_env)
        if not archive.is_file():
            raise CommandError(f"There is no file {archive}.")
        try:
            with archive.open("rb") as source:
                summary = restore_backup(source, passphrase=passphrase)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Restored {summary.records} records and {summary.files} evidence files from {archive}."
        )
