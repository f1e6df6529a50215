import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.lib.backup import BackupError, write_backup, write_backup_file, write_data_keys


def passphrase_from(variable: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise CommandError(f"Set {variable} to the backup passphrase (at least 12 characters).")
    return value


class Command(BaseCommand):
    help = (
        "Write one encrypted archive of the whole data set (--out), and the persons' data "
        "keys to a file of their own (--data-keys), which replaces the one written before."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="the archive to write")
        parser.add_argument(
            "--data-keys",
            type=Path,
            help="the data-keys file to write, replacing an older one: keep only the newest, "
            "never with the archives, so that erasing a person reaches every archive",
        )
        parser.add_argument(
            "--passphrase-env",
            default="DOCKET_BACKUP_PASSPHRASE",
            help="the environment variable that holds the passphrase",
        )

    def handle(
        self,
        *args: Any,
        out: Path | None,
        data_keys: Path | None,
        passphrase_env: str,
        **options: Any,
    ) -> None:
        if out is None and data_keys is None:
            raise CommandError("Say what to write: --out ARCHIVE, --data-keys FILE, or both.")
        passphrase = passphrase_from(passphrase_env)
        try:
            if out is not None:
                summary = write_backup_file(
                    out, lambda target: write_backup(target, passphrase=passphrase)
                )
                self.stdout.write(
                    f"Wrote {out}: {summary.records} records and {summary.files} evidence "
                    "files, encrypted."
                )
            if data_keys is not None:
                count = write_backup_file(
                    data_keys,
                    lambda target: write_data_keys(target, passphrase=passphrase),
                    replace=True,
                )
                self.stdout.write(
                    f"Wrote {data_keys}: {count} persons' data keys, encrypted; "
                    "destroy every older copy of it."
                )
        except BackupError as error:
            raise CommandError(str(error)) from None
        if data_keys is None:
            self.stdout.write(
                "The persons' data keys are not in the archive: a restore needs the newest "
                "file of docket backup --data-keys, or their contact details stay unreadable."
            )
