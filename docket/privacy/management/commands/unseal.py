"""`docket unseal FILE --out ZIP`: open an export sealed with a password."""

import getpass
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.privacy.archive import WrongPassword, open_archive


class Command(BaseCommand):
    help = "Open an export sealed with a password (the export page's sealed zip file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sealed", type=Path, help="the .zip.sealed file")
        parser.add_argument("--out", type=Path, required=True, help="the zip file to write")
        parser.add_argument(
            "--password-file",
            type=Path,
            help="read the password from this file (else it is asked for)",
        )

    def handle(
        self, *args: Any, sealed: Path, out: Path, password_file: Path | None, **options: Any
    ) -> None:
        if password_file is not None:
            password = password_file.read_text(encoding="utf-8").strip()
        elif sys.stdin.isatty():
            password = getpass.getpass("Password: ")
        else:
            password = sys.stdin.readline().strip()
        try:
            content = open_archive(sealed.read_bytes(), password)
        except WrongPassword as error:
            raise CommandError(f"{sealed}: {error}.") from None
        except OSError as error:
            raise CommandError(f"Cannot read {sealed}: {error.strerror or error}.") from None
        out.write_bytes(content)
        out.chmod(0o600)
        self.stdout.write(f"Opened {sealed} into {out}.")
