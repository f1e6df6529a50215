import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.lib.backup import BackupError, write_backup_file


def passphrase_from(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise CommandError(f"Set {variable} to the backup passphrase (at least 12 characters).")
    return value


class Command(BaseCommand):
    help = "Write one encrypted archive of the whole data set."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="the archive to write")
        parser.add_argument(
            "--passphrase-env",
            default="DOCKET_BACKUP_PASSPHRASE",
            help="the environment variable that holds the passphrase",
        )

    def handle(self, *args: Any, out: Path, passphrase_env: str, **options: Any) -> None:
        passphrase = passphrase_from(passphrase_env)
        try:
            summary = write_backup_file(out, passphrase=passphrase)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Wrote {out}: {summary.records} records and {summary.files} evidence files, encrypted."
        )
