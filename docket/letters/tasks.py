"""Background tasks of letters: collecting replies from the mailbox, and reminders.

`poll_mailbox` reads settings.MAILBOX, either a maildir folder or an IMAP
mailbox over TLS (imaps://user:password@host[:port]/FOLDER), and hands each
new message to services.ingest_email, which attaches it to its letter or
queues it for review. A message Docket cannot read is kept too, sealed as
received, in the review queue with what went wrong, and marked seen like any
other: it never sits in the mailbox failing at every poll. A message is marked
seen only once ingest_email has committed it; only when nothing could be
stored (the database away or locked) does it stay unseen, logged, to be tried
again at the next poll, so no reply is lost. The same bytes taken in twice are
kept once (by their SHA-256), so a crash between committing and marking seen
costs nothing.
"""

import contextlib
import imaplib
import logging
import mailbox
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from docket.letters import services
from docket.letters.models import InboundMail, InboundState
from docket.lib.tasks import background_task, is_locked

logger = logging.getLogger(__name__)

IMAP_PORT = 993
# Seconds to wait for the IMAP server before giving up until the next poll.
IMAP_TIMEOUT = 60


@dataclass
class Tally:
    attached: int = 0
    queued: int = 0
    failed: int = 0
    letters: list[int] = field(default_factory=list)

    def count(self, inbound: InboundMail) -> None:
        if inbound.state == InboundState.ATTACHED and inbound.response is not None:
            self.attached += 1
            self.letters.append(inbound.response.letter_id)
        else:
            self.queued += 1

    def as_dict(self) -> dict[str, Any]:
        return {"attached": self.attached, "queued": self.queued, "failed": self.failed}


# A message as fetched, and how to mark it seen once it is safely taken in.
Fetched = tuple[str, bytes, Callable[[], None]]


def _maildir(path: Path, *, unseen_only: bool = True) -> Iterator[Fetched]:
    """The maildir's messages not yet seen (no S flag), or all of them, by name."""
    if not path.is_dir():
        raise ImproperlyConfigured(f"The mailbox folder {path} does not exist.")
    folder = mailbox.Maildir(path, factory=None, create=False)
    for key in sorted(folder.keys()):
        try:
            message = folder.get_message(key)
        except KeyError:
            continue  # another reader took it meanwhile
        if unseen_only and "S" in message.get_flags():
            continue

        def mark_seen(key: str = key, message: mailbox.MaildirMessage = message) -> None:
            message.set_subdir("cur")
            message.add_flag("S")
            folder[key] = message

        yield key, folder.get_bytes(key), mark_seen


def _imap(url: str) -> Iterator[Fetched]:
    """The IMAP folder's unseen messages, read without marking them seen."""
    parts = urlsplit(url)
    if not parts.hostname or parts.username is None or parts.password is None:
        raise ImproperlyConfigured(
            "DOCKET_MAILBOX must read imaps://user:password@host/FOLDER for IMAP."
        )
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    client = imaplib.IMAP4_SSL(
        parts.hostname,
        parts.port or IMAP_PORT,
        ssl_context=ssl.create_default_context(),
        timeout=IMAP_TIMEOUT,
    )
    try:
        client.login(unquote(parts.username), unquote(parts.password))
        status, _ = client.select(_quoted(folder))
        if status != "OK":
            raise ImproperlyConfigured(f"The IMAP folder {folder!r} cannot be opened.")
        status, found = client.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise OSError(f"the IMAP server refused the search: {found!r}")
        for uid in (found[0] or b"").decode().split():
            status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next(
                (item[1] for item in data or [] if isinstance(item, tuple) and len(item) > 1),
                None,
            )
            if status != "OK" or not isinstance(raw, bytes):
                logger.error("Fetching message %s from the mailbox failed: %r", uid, data)
                continue

            def mark_seen(uid: str = uid) -> None:
                client.uid("STORE", uid, "+FLAGS", "(\\Seen)")

            yield uid, raw, mark_seen
    finally:
        # A connection already gone needs no goodbye.
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def messages(location: str, *, unseen_only: bool = True) -> Iterator[Fetched]:
    """The unseen messages of a mailbox given as settings.MAILBOX gives it; every message
    of a maildir folder with `unseen_only` false."""
    if location.startswith("imaps://"):
        return _imap(location)
    if "://" in location:
        raise ImproperlyConfigured(
            "DOCKET_MAILBOX is a maildir folder or imaps://user:password@host/FOLDER, "
            f"not {location.split('://')[0]}://."
        )
    return _maildir(Path(location).expanduser(), unseen_only=unseen_only)


def collect(location: str) -> Tally:
    """Take in every unseen message of the mailbox; mark each seen once it is committed."""
    tally = Tally()
    for name, raw, mark_seen in messages(location):
        try:
            # ingest_email runs in its own transaction: when it returns, the message is kept.
            inbound = services.ingest_email(raw)
        except Exception as error:
            if is_locked(error):
                # The database stayed busy: this message and the rest stay unseen, and
                # the whole poll runs again shortly (background_task).
                raise
            # Nothing was stored (the database refused): left unseen, tried at the next poll.
            logger.exception("Taking in message %s from the mailbox failed.", name)
            tally.failed += 1
            continue
        tally.count(inbound)
        try:
            mark_seen()
        except (OSError, imaplib.IMAP4.error):
            # Taken in already; the next poll finds it again and keeps it once.
            logger.exception("Marking message %s seen failed.", name)
    return tally


@background_task()
def poll_mailbox() -> dict[str, Any]:
    """Collect replies from settings.MAILBOX, if one is set."""
    location = settings.MAILBOX
    if not location:
        return {"mailbox": None}
    tally = collect(location)
    if tally.attached or tally.queued or tally.failed:
        logger.info(
            "Mailbox: %s replies attached, %s queued for review, %s failed.",
            tally.attached,
            tally.queued,
            tally.failed,
        )
    return tally.as_dict()


@background_task()
def send_letter_reminders() -> dict[str, Any]:
    """Remind letters' owners of replies due in three days and of replies overdue."""
    sent = services.send_reminders()
    for line in sent:
        logger.info("Reminder sent: %s.", line)
    return {"sent": sent}
