import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.lib.backup import BackupError, create_private, write_backup


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
        if out.exists():
            raise CommandError(f"{out} already exists; choose a new file name.")
        partial = out.with_name(out.name + ".partial")
        try:
            with create_private(partial) as target:
                summary = write_backup(target, passphrase=passphrase)
            partial.rename(out)
        except BackupError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(str(error)) from None
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        self.stdout.write(
            f"Wrote {out}: {summary.records} records and {summary.files} evidence files, encrypted."
        )
