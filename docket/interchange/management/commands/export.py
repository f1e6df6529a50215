from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.interchange.exporter import ExportFailed, export_bundle
from docket.interchange.management.actors import reader


class Command(BaseCommand):
    help = (
        "Export everything a user may see as an interchange bundle (INTERCHANGE.md, "
        "version 1), with evidence files in a folder beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="the JSON file to write")
        parser.add_argument(
            "--as",
            dest="username",
            help="export what this user may see (may be left out only when there is "
            "exactly one active administrator)",
        )

    def handle(self, *args: Any, out: Path, username: str | None, **options: Any) -> None:
        user = reader(username)
        try:
            summary = export_bundle(user, out=out, via="cli")
        except ExportFailed as error:
            raise CommandError(str(error)) from None
        except PermissionDenied as error:
            raise CommandError(f"{user.username} may not export: {error}") from None
        except OSError as error:
            raise CommandError(f"Cannot write the export: {error.strerror or error}.") from None
        self.stdout.write(f"{summary.summary} (as {user.username} may see it)")
