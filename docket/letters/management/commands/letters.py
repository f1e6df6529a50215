from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from docket.letters import services
from docket.letters.models import Dispatch, InboundMail, InboundState
from docket.letters.tasks import collect, messages


class Command(BaseCommand):
    help = (
        "Letters from the command line. `docket letters ingest FILE.eml …` takes in replies "
        "saved as files (or every message of a maildir folder): each is attached to its "
        "letter, or queued for review. `docket letters poll` collects new mail from "
        "DOCKET_MAILBOX once; `docket letters remind` sends the reminders due today."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        ingest = actions.add_parser(
            "ingest", help="take in emails saved as .eml files or in a maildir folder"
        )
        ingest.add_argument("paths", nargs="+", metavar="PATH", help="an .eml file or a maildir")
        actions.add_parser("poll", help="collect new mail from DOCKET_MAILBOX once")
        actions.add_parser("remind", help="send the reminders due today")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "ingest":
            self._ingest([Path(path) for path in options["paths"]])
        elif action == "poll":
            self._poll()
        else:
            for line in services.send_reminders():
                self.stdout.write(f"Reminder sent: {line}.")

    def _ingest(self, paths: list[Path]) -> None:
        failed = 0
        for name, raw in _read(paths):
            try:
                known = services.known_mail(raw) is not None
                inbound = services.ingest_email(raw)
            except DatabaseError as error:
                # Only the database can refuse now: every message is kept, read or not.
                self.stderr.write(
                    f"{name}: not taken in: the database refused it "
                    f"({type(error).__name__}); run the command again."
                )
                failed += 1
                continue
            self.stdout.write(f"{name}: {_outcome(inbound, known)}")
        if failed:
            raise CommandError(f"{failed} messages could not be taken in; see above.")

    def _poll(self) -> None:
        if not settings.MAILBOX:
            raise CommandError("Set DOCKET_MAILBOX to a maildir folder or an imaps:// address.")
        try:
            tally = collect(settings.MAILBOX)
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"{tally.attached} replies attached to their letters, {tally.queued} queued for "
            f"review, {tally.failed} failed."
        )
        if tally.failed:
            raise CommandError(f"{tally.failed} messages could not be taken in; see the log.")


def _read(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    for path in paths:
        if path.is_dir():
            if not (path / "cur").is_dir() or not (path / "new").is_dir():
                raise CommandError(f"{path} is a folder but not a maildir (no cur and new).")
            for key, raw, _ in messages(str(path), unseen_only=False):
                yield f"{path}/{key}", raw
            continue
        try:
            yield str(path), path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None


def _outcome(inbound: InboundMail, known: bool) -> str:
    before = "taken in before, " if known else ""
    if inbound.problem:
        return (
            f"{before}could not be read; kept as received in the review queue "
            f"(incoming email {inbound.pk})."
        )
    if inbound.same_id_as_id is not None and inbound.state == InboundState.WAITING:
        return (
            f"{before}a different message with the Message-ID of incoming email "
            f"{inbound.same_id_as_id}; both kept, this one queued for review "
            f"(incoming email {inbound.pk})."
        )
    if inbound.state == InboundState.ATTACHED and inbound.response is not None:
        response = inbound.response
        copy = Dispatch.objects.filter(
            letter=response.letter_id, authority=response.authority_id
        ).first()
        reference = f" ({copy.reference})" if copy else ""
        return (
            f"{before}attached to letter {response.letter_id} “{response.letter.title}” as the "
            f"reply of {response.authority.name}{reference}."
        )
    if inbound.state == InboundState.DISMISSED:
        return f"{before}dismissed from the review queue (incoming email {inbound.pk})."
    return f"{before}no letter matched; queued for review (incoming email {inbound.pk})."
