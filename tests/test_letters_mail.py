"""Replies by email: found by their reference, kept once, queued when nothing matches, taken
in from files (`docket letters ingest`), a maildir or an IMAP mailbox, never lost."""

import io
import json
import logging
import mailbox
from datetime import date
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from docket.accounts.models import User
from docket.cases.models import Authority
from docket.letters import services, tasks
from docket.letters.models import Dispatch, InboundMail, InboundState, Letter, Response
from docket.schedule import schedule

pytestmark = pytest.mark.django_db

QUESTIONS = ["On what legal basis is Gholamreza Shekari held?", "When may his family visit?"]


@pytest.fixture
def ministry(db: None) -> Authority:
    return Authority.objects.create(
        name="Ministry of the Interior (fictional)", email="letters@interior.example.org"
    )


@pytest.fixture
def police(db: None) -> Authority:
    return Authority.objects.create(
        name="Border Police (fictional)", email="office@police.example.org"
    )


@pytest.fixture
def letter(documenter: User, ministry: Authority, police: Authority, mailoutbox: Any) -> Letter:
    """Sent by email to both on 1 March 2024."""
    letter = services.create_letter(
        actor=documenter,
        title="Open letter on the detention of Gholamreza Shekari",
        recipients=[ministry, police],
        questions=QUESTIONS,
    )
    services.send_copies(actor=documenter, letter=letter, channel="email", sent_on=date(2024, 3, 1))
    return letter


def _copy(letter: Letter, authority: Authority) -> Dispatch:
    return letter.dispatches.get(authority=authority)


def _email(
    *,
    to: str = "replies@localhost",
    subject: str = "Your letter",
    message_id: str = "<reply-1@police.example.org>",
    sender: str = "Border Police <office@police.example.org>",
    text: str = "We have received your letter and will answer in due course.",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = "Mon, 18 Mar 2024 10:00:00 +0100"
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def _reply_of(inbound: InboundMail) -> Response:
    assert inbound.state == InboundState.ATTACHED, inbound.state
    assert inbound.response is not None
    return inbound.response


# Finding the letter


def test_a_reply_to_the_copys_address_attaches_to_that_copy(
    letter: Letter, ministry: Authority, police: Authority
) -> None:
    reference = _copy(letter, police).reference

    reply = _reply_of(services.ingest_email(_email(to=f"replies+{reference}@localhost")))

    assert (reply.letter, reply.authority) == (letter, police)
    assert reply.received_on == date(2024, 3, 18)
    assert reply.via == "email"
    assert "in due course" in reply.body
    assert not Response.objects.filter(authority=ministry).exists()


def test_a_reference_only_in_the_subject_is_enough(letter: Letter, ministry: Authority) -> None:
    reference = _copy(letter, ministry).reference

    reply = _reply_of(
        services.ingest_email(_email(subject=f"RE: Open letter [{reference}]", to="me@example"))
    )

    assert (reply.letter, reply.authority) == (letter, ministry)


def test_in_reply_to_the_copys_message_id_is_enough(letter: Letter, police: Authority) -> None:
    copy = _copy(letter, police)
    assert copy.message_id

    reply = _reply_of(services.ingest_email(_email(In_Reply_To=copy.message_id)))

    assert (reply.letter, reply.authority) == (letter, police)


def test_an_email_without_a_reference_waits_for_review_and_is_filed_by_hand(
    letter: Letter, police: Authority, coordinator: User
) -> None:
    inbound = services.ingest_email(_email())

    assert inbound.state == InboundState.WAITING
    assert inbound.response is None
    assert not Response.objects.exists()
    assert b"in due course" in inbound.raw

    reply = services.attach_mail(
        actor=coordinator, inbound=inbound, letter=letter, authority=police
    )

    inbound.refresh_from_db()
    assert (inbound.state, inbound.response, inbound.handled_by) == (
        InboundState.ATTACHED,
        reply,
        coordinator,
    )
    assert (reply.letter, reply.authority, reply.received_on) == (letter, police, date(2024, 3, 18))


def test_a_documenter_may_not_file_mail_from_the_review_queue(
    letter: Letter, police: Authority, documenter: User
) -> None:
    inbound = services.ingest_email(_email())

    with pytest.raises(services.PermissionDenied):
        services.attach_mail(actor=documenter, inbound=inbound, letter=letter, authority=police)

    inbound.refresh_from_db()
    assert inbound.state == InboundState.WAITING


def test_the_same_message_taken_in_twice_is_kept_once(letter: Letter, police: Authority) -> None:
    raw = _email(to=f"replies+{_copy(letter, police).reference}@localhost")

    first = services.ingest_email(raw)
    second = services.ingest_email(raw)

    assert first.pk == second.pk
    assert InboundMail.objects.count() == 1
    assert Response.objects.count() == 1


# docket letters ingest


def _ingest(*paths: Path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("letters", "ingest", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_says_where_each_message_went(
    letter: Letter, police: Authority, tmp_path: Path
) -> None:
    reference = _copy(letter, police).reference
    (tmp_path / "reply.eml").write_bytes(_email(to=f"replies+{reference}@localhost"))
    (tmp_path / "other.eml").write_bytes(_email(message_id="<other@example.org>"))

    out, _ = _ingest(tmp_path / "reply.eml", tmp_path / "other.eml")
    again, _ = _ingest(tmp_path / "reply.eml")

    lines = out.splitlines()
    assert lines[0] == (
        f"{tmp_path / 'reply.eml'}: attached to letter {letter.pk} “{letter.title}” as the "
        f"reply of Border Police (fictional) ({reference})."
    )
    waiting = InboundMail.objects.get(message_id="<other@example.org>")
    assert lines[1] == (
        f"{tmp_path / 'other.eml'}: no letter matched; queued for review "
        f"(incoming email {waiting.pk})."
    )
    assert "taken in before, attached to letter" in again
    assert Response.objects.count() == 1


def test_the_command_takes_in_every_message_of_a_maildir(
    letter: Letter, ministry: Authority, tmp_path: Path
) -> None:
    folder = mailbox.Maildir(tmp_path / "Maildir", create=True)
    folder.add(_email(to=f"replies+{_copy(letter, ministry).reference}@localhost"))
    folder.add(_email(message_id="<other@example.org>"))

    out, _ = _ingest(tmp_path / "Maildir")

    assert out.count("attached to letter") == 1
    assert out.count("queued for review") == 1


def test_the_command_refuses_a_missing_file_in_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as refusal:
        _ingest(tmp_path / "missing.eml")

    assert (
        str(refusal.value) == f"Cannot read {tmp_path / 'missing.eml'}: No such file or directory."
    )


def test_docket_letters_ingest_works_end_to_end(docket_command: Any, tmp_path: Path) -> None:
    bundle = {
        "format": "docket",
        "version": 1,
        "authorities": [{"ref": "a1", "name": "Ministry of the Interior (fictional)"}],
        "letters": [
            {
                "ref": "l1",
                "title": "Open letter on the detention of Gholamreza Shekari",
                "to": ["a1"],
                "questions": [{"ref": "q1", "text": QUESTIONS[0]}],
                "sent_on": "2024-03-01",
                "channel": "email",
            }
        ],
    }
    (tmp_path / "bundle.json").write_text(json.dumps(bundle))
    docket_command("createadmin")
    assert docket_command("import", str(tmp_path / "bundle.json")).returncode == 0
    shown = docket_command("show", "letter", "l1", "--json", "--as-of", "2024-03-20")
    reference = json.loads(shown.stdout)["figures"]["recipients"][0]["reference"]
    (tmp_path / "reply.eml").write_bytes(_email(subject=f"Re: your letter [{reference}]"))
    (tmp_path / "unknown.eml").write_bytes(_email(message_id="<other@example.org>"))

    result = docket_command(
        "letters", "ingest", str(tmp_path / "reply.eml"), str(tmp_path / "unknown.eml")
    )
    after = docket_command("show", "letter", "l1", "--json", "--as-of", "2024-03-20")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "attached to letter" in lines[0] and reference in lines[0]
    assert "no letter matched; queued for review" in lines[1]
    assert json.loads(after.stdout)["figures"]["recipients"][0]["replies"] == 1


# The mailbox, polled by the worker


@pytest.fixture
def maildir(tmp_path: Path, settings: Any) -> mailbox.Maildir:
    settings.MAILBOX = str(tmp_path / "Maildir")
    return mailbox.Maildir(tmp_path / "Maildir", create=True)


def _seen(folder: mailbox.Maildir) -> list[bool]:
    return [
        "S" in message.get_flags() and message.get_subdir() == "cur"
        for _, message in sorted(folder.items())
    ]


def test_a_maildir_poll_takes_each_message_in_once(
    letter: Letter, police: Authority, maildir: mailbox.Maildir
) -> None:
    maildir.add(_email(to=f"replies+{_copy(letter, police).reference}@localhost"))
    maildir.add(_email(message_id="<other@example.org>"))

    first = tasks.poll_mailbox.call()
    second = tasks.poll_mailbox.call()

    assert first == {"attached": 1, "queued": 1, "failed": 0}
    assert second == {"attached": 0, "queued": 0, "failed": 0}
    assert _seen(maildir) == [True, True]
    assert InboundMail.objects.count() == 2
    assert Response.objects.count() == 1


def test_a_message_that_fails_stays_unseen_and_is_taken_in_later(
    letter: Letter,
    police: Authority,
    maildir: mailbox.Maildir,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    maildir.add(_email(to=f"replies+{_copy(letter, police).reference}@localhost"))
    ingest = services.ingest_email

    def broken(raw: bytes) -> InboundMail:
        raise RuntimeError("the database is away")

    monkeypatch.setattr(services, "ingest_email", broken)
    with caplog.at_level(logging.ERROR, logger="docket.letters.tasks"):
        failed = tasks.poll_mailbox.call()
    monkeypatch.setattr(services, "ingest_email", ingest)
    later = tasks.poll_mailbox.call()

    assert failed == {"attached": 0, "queued": 0, "failed": 1}
    assert "the database is away" in caplog.text
    assert later == {"attached": 1, "queued": 0, "failed": 0}
    assert _seen(maildir) == [True]


def test_without_a_mailbox_polling_does_nothing_and_is_not_scheduled(settings: Any) -> None:
    settings.MAILBOX = ""

    assert tasks.poll_mailbox.call() == {"mailbox": None}
    assert "poll the mailbox" not in [entry.name for entry in schedule()]
    settings.MAILBOX = "/var/mail/docket"
    assert "poll the mailbox" in [entry.name for entry in schedule()]


class FakeImap:
    """An IMAP server holding messages by UID, some already seen."""

    instances: list["FakeImap"] = []

    def __init__(self, host: str, port: int, **options: Any) -> None:
        self.address = (host, port)
        self.messages: dict[str, bytes] = {}
        self.seen: set[str] = {"1"}
        self.calls: list[tuple[str, ...]] = []
        FakeImap.instances.append(self)

    def login(self, user: str, password: str) -> tuple[str, list[bytes]]:
        self.calls.append(("LOGIN", user, password))
        return "OK", [b""]

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        self.calls.append(("SELECT", folder))
        return "OK", [b"3"]

    def uid(self, command: str, *arguments: str) -> tuple[str, list[Any]]:
        self.calls.append((command, *arguments))
        if command == "SEARCH":
            unseen = [uid for uid in sorted(self.messages) if uid not in self.seen]
            return "OK", [" ".join(unseen).encode()]
        if command == "FETCH":
            uid = arguments[0]
            return "OK", [(f"{uid} (UID {uid} BODY[] {{1}}".encode(), self.messages[uid]), b")"]
        if command == "STORE":
            self.seen.add(arguments[0])
            return "OK", [b""]
        raise AssertionError(command)

    def logout(self) -> tuple[str, list[bytes]]:
        return "BYE", [b""]


def test_an_imap_poll_peeks_and_marks_seen_only_what_it_took_in(
    letter: Letter, police: Authority, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = {
        "1": _email(message_id="<seen-before@example.org>"),
        "2": _email(to=f"replies+{_copy(letter, police).reference}@localhost"),
        "3": _email(message_id="<other@example.org>"),
    }

    def connect(host: str, port: int, **options: Any) -> FakeImap:
        server = FakeImap(host, port, **options)
        server.messages = messages
        return server

    monkeypatch.setattr(tasks.imaplib, "IMAP4_SSL", connect)
    settings.MAILBOX = "imaps://replies%40example.org:p%40ss@imap.example.org/Replies"

    result = tasks.poll_mailbox.call()

    [server] = FakeImap.instances[-1:]
    assert result == {"attached": 1, "queued": 1, "failed": 0}
    assert server.address == ("imap.example.org", 993)
    assert server.calls[:2] == [("LOGIN", "replies@example.org", "p@ss"), ("SELECT", '"Replies"')]
    # Read without marking seen; marked seen each after it was kept.
    assert [call for call in server.calls if call[0] in {"FETCH", "STORE"}] == [
        ("FETCH", "2", "(BODY.PEEK[])"),
        ("STORE", "2", "+FLAGS", "(\\Seen)"),
        ("FETCH", "3", "(BODY.PEEK[])"),
        ("STORE", "3", "+FLAGS", "(\\Seen)"),
    ]
    assert not InboundMail.objects.filter(message_id="<seen-before@example.org>").exists()


def test_an_unknown_kind_of_mailbox_is_refused_in_one_sentence(settings: Any) -> None:
    settings.MAILBOX = "pop3://mail.example.org"

    with pytest.raises(CommandError) as refusal:
        call_command("letters", "poll", stdout=io.StringIO())

    assert "not pop3://" in str(refusal.value)


# Reminders


def test_the_reminder_task_reminds_the_owner_once(
    letter: Letter, documenter: User, mailoutbox: Any, time_machine: Any
) -> None:
    documenter.email = "narges@example.org"
    documenter.save()
    mailoutbox.clear()
    time_machine.move_to("2024-03-28 09:00 +00:00", tick=False)

    first = tasks.send_letter_reminders.call()
    second = tasks.send_letter_reminders.call()

    assert len(first["sent"]) == 2
    assert second == {"sent": []}
    assert [email.to for email in mailoutbox] == [["narges@example.org"]] * 2
