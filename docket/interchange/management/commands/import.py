import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.accounts.models import Team
from docket.interchange.files import FolderFiles
from docket.interchange.importer import import_bundle
from docket.interchange.locking import one_import_at_a_time
from docket.interchange.management.actors import user_named
from docket.interchange.validation import BundleRefused, load_document, read_bundle


class Command(BaseCommand):
    help = (
        "Import an interchange bundle (INTERCHANGE.md, version 1): all of it, or nothing. "
        "Importing the same file again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the bundle's JSON document")
        parser.add_argument(
            "--source",
            help="the name its refs are remembered under (default: the file's name)",
        )
        parser.add_argument(
            "--team",
            help="the team that owns records the file gives no team "
            "(default: the --as user's only team)",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="import as this user, with their permissions (default: as the system)",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        source: str | None,
        team: str | None,
        username: str | None,
        **options: Any,
    ) -> None:
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        actor = user_named(username) if username else None
        owner = None
        if team:
            owner = Team.objects.filter(name=team).first()
            if owner is None:
                raise CommandError(f"There is no team named {team!r}; create it first.")
        try:
            document = load_document(data, name=file.name)
            # One import at a time: a second one waits here, before checking its file
            # against what the first one writes.
            with one_import_at_a_time(self._waiting):
                plan = read_bundle(
                    document,
                    source=source or file.name,
                    files=FolderFiles(file.resolve().parent),
                    team=owner,
                    actor=actor,
                )
                self.stderr.write(f"Checked {file.name}: {plan.size} records; writing…")
                report = import_bundle(plan, progress=self._progress)
        except BundleRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(refused.summary) from None
        self.stdout.write(report.summary)

    def _waiting(self, seconds: float) -> None:
        self.stderr.write(
            f"Waiting for another import to finish ({seconds:.0f} s so far)…"
            if seconds >= 1
            else "Waiting for another import to finish…"
        )
        sys.stderr.flush()

    def _progress(self, collection: str, done: int, total: int) -> None:
        self.stderr.write(f"  {collection.replace('_', ' ')}: {done} of {total}")
        sys.stderr.flush()
