"""Mail as it really arrives (issue 14): a corpus written for Docket (tests/data/mail/, fictional
senders) of charsets, 8-bit bytes, base64, quoted-printable, HTML-only, attachments,
malformed headers, reused and missing Message-IDs, and something that is no email at all.

Each failure of the issue has a test here: 8-bit non-UTF-8 bytes and unknown charsets
refused the message; duplicates were known by Message-ID alone; a message that failed
stayed in the mailbox failing at every poll; attachments were shown nowhere and HTML
lost its paragraphs.
"""

import hashlib
import io
import logging
import mailbox
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from docket.accounts.models import Role, Team, User
from docket.audit.models import AuditEntry
from docket.cases.models import Authority, CustodyEntry, Evidence
from docket.letters import decoding, mail, services, tasks
from docket.letters.models import Dispatch, InboundMail, InboundState, Letter, Response
from docket.lib import crypto
from tests.conftest import _person

CORPUS = Path(__file__).parent / "data" / "mail"

PERSIAN = "با سلام، نامه شما درباره بازداشت آقاي رضايي دريافت شد."
ALBANIAN = "Përshëndetje, ju falënderojmë për letrën tuaj."
RUSSIAN = "Здравствуйте. Ваше письмо получено"

# What a reader must find in each message of the corpus, read without a database.
READS = {
    "persian-windows-1256-8bit.eml": (PERSIAN, "Re: [DKT-REFERENCE]"),
    "persian-undeclared-8bit.eml": (PERSIAN, "پاسخ وزارت [DKT-REFERENCE]"),
    "albanian-iso-8859-2-qp.eml": (ALBANIAN, "Përgjigje në letërn tuaj [DKT-REFERENCE]"),
    "albanian-iso-8859-1-base64.eml": (ALBANIAN, "Pergjigje [DKT-REFERENCE]"),
    "russian-koi8-r.eml": (RUSSIAN, "Ответ министерства [DKT-REFERENCE]"),
    "unknown-charset.eml": ("Réponse du ministère", "Réponse [DKT-REFERENCE]"),
    "multipart-attachments.eml": ("Please find our answer attached.", "Re: Open letter"),
    "html-only.eml": ("We acknowledge your letter", "Re: your letter [DKT-REFERENCE]"),
    "malformed-headers.eml": ("The clerk's answer", "=?utf-8?B?broken [DKT-REFERENCE]"),
    "no-message-id.eml": ("I am out of the office until Monday.", "Automatic reply"),
}


def _raw(name: str, reference: str = "DKT-REFERENCE") -> bytes:
    return (CORPUS / name).read_bytes().replace(b"DKT-REFERENCE", reference.encode())


@pytest.mark.parametrize("name", sorted(READS))
def test_each_message_of_the_corpus_reads_in_its_own_charset(name: str) -> None:
    words, subject = READS[name]

    incoming = mail.parse(_raw(name))

    assert words in incoming.text
    assert incoming.subject.startswith(subject)
    assert "\ufffd" not in incoming.text + incoming.subject


def test_an_html_only_reply_keeps_its_paragraphs_and_line_breaks_and_loses_its_script() -> None:
    text = mail.parse(_raw("html-only.eml")).text

    assert text == (
        "Dear Sir or Madam,\n\n"
        "We acknowledge your letter of 1 March.\nIt has been passed to the legal department.\n\n"
        "Questions:\n\nFirst answer\nSecond answer\n\n"
        "Tom & Jerry Office (fictional)"
    )


def test_an_undeclared_charset_is_read_and_said_to_be_a_guess() -> None:
    declared = mail.parse(_raw("persian-windows-1256-8bit.eml"))
    guessed = mail.parse(_raw("persian-undeclared-8bit.eml"))

    assert (declared.charset, declared.charset_found) == ("cp1256", "declared")
    assert (guessed.charset, guessed.charset_found) == ("cp1256", "detected")


@pytest.mark.parametrize("label", ["base64", "unicode_escape", "x-no-such-charset", "", None])
def test_labels_that_name_no_charset_do_not_decide_the_text(label: str | None) -> None:
    decoded = decoding.decode(b"caf\xc3\xa9 \\ud800 \x00end", label)

    # Read as UTF-8, escapes left as written, NUL (unstorable in PostgreSQL) dropped.
    assert decoded.text == "café \\ud800 end"


# Taken in: the database


@pytest.fixture
def ministry(db: None) -> Authority:
    return Authority.objects.create(
        name="Ministry of the Interior (fictional)", email="letters@interior.example.org"
    )


@pytest.fixture
def letter(documenter: User, ministry: Authority, mailoutbox: Any) -> Letter:
    """Restricted, of the documenter's team, sent by email on 1 March 2024."""
    letter = services.create_letter(
        actor=documenter,
        title="Open letter on the detention of Arben Hoxha",
        recipients=[ministry],
        questions=["On what legal basis is he held?"],
        confidentiality="restricted",
    )
    services.send_copies(actor=documenter, letter=letter, channel="email", sent_on=date(2024, 3, 1))
    return letter


@pytest.fixture
def reference(letter: Letter, ministry: Authority) -> str:
    return Dispatch.objects.get(letter=letter, authority=ministry).reference


def _reply(inbound: InboundMail) -> Response:
    assert inbound.state == InboundState.ATTACHED, inbound.problem
    assert inbound.response is not None
    return inbound.response


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("persian-windows-1256-8bit.eml", PERSIAN),
        ("persian-undeclared-8bit.eml", PERSIAN),
        ("unknown-charset.eml", "Réponse du ministère"),
    ],
)
def test_eight_bit_and_unknown_charsets_are_filed_as_replies_with_the_bytes_kept(
    reference: str, name: str, words: str
) -> None:
    raw = _raw(name, reference)

    inbound = services.ingest_email(raw)

    assert words in _reply(inbound).body
    inbound.refresh_from_db()
    assert inbound.raw == raw
    assert inbound.sha256 == hashlib.sha256(raw).hexdigest()


def test_an_html_only_reply_is_filed_with_its_paragraphs(reference: str) -> None:
    body = _reply(services.ingest_email(_raw("html-only.eml", reference))).body

    assert "1 March.\nIt has been passed" in body
    assert "Questions:\n\nFirst answer\nSecond answer" in body


def test_the_same_bytes_are_kept_once_and_a_different_message_reusing_an_id_is_kept_and_flagged(
    reference: str,
) -> None:
    first = services.ingest_email(_raw("same-id-first.eml", reference))
    again = services.ingest_email(_raw("same-id-first.eml", reference))
    second = services.ingest_email(_raw("same-id-second.eml", reference))

    assert again.pk == first.pk
    assert _reply(first).body == "The first answer of the Border Police."
    # Not dropped as "taken in before", not filed on its id's word: a person compares.
    assert second.pk != first.pk
    assert second.same_id_as == first
    assert second.state == InboundState.WAITING
    assert Response.objects.count() == 1
    entry = AuditEntry.objects.filter(object_id=str(second.pk)).get()
    assert entry.detail == {"queued": True, "same_message_id_as": first.pk}


def test_messages_without_a_message_id_are_told_apart_by_their_bytes(db: None) -> None:
    raw = _raw("no-message-id.eml")
    other = raw.replace(b"until Monday", b"until Tuesday")

    services.ingest_email(raw)
    services.ingest_email(raw)
    services.ingest_email(other)

    assert InboundMail.objects.count() == 2
    assert set(InboundMail.objects.values_list("message_id", flat=True)) == {""}


def test_reingesting_the_whole_corpus_changes_nothing(
    reference: str, tmp_path: Path, coordinator: User
) -> None:
    for path in CORPUS.glob("*.eml"):
        (tmp_path / path.name).write_bytes(_raw(path.name, reference))
    files = sorted(tmp_path.glob("*.eml"))

    first = _ingest(*files)
    counts = [model.objects.count() for model in (InboundMail, Response, Evidence)]
    second = _ingest(*files)

    assert "not taken in" not in first
    assert counts[0] == len(files)  # each a message of its own, the same-id pair too
    assert [model.objects.count() for model in (InboundMail, Response, Evidence)] == counts
    assert second.count("taken in before,") == len(files)


def _ingest(*paths: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("letters", "ingest", *map(str, paths), stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_the_command_says_in_words_what_it_did_with_each_odd_message(
    reference: str, tmp_path: Path
) -> None:
    for name in ("same-id-first.eml", "same-id-second.eml", "not-an-email.eml"):
        (tmp_path / name).write_bytes(_raw(name, reference))

    out = _ingest(*sorted(tmp_path.glob("*.eml")))

    lines = dict(line.split(": ", 1) for line in out.splitlines())
    unreadable = InboundMail.objects.get(problem__gt="")
    assert lines[str(tmp_path / "not-an-email.eml")] == (
        f"could not be read; kept as received in the review queue (incoming email {unreadable.pk})."
    )
    first = InboundMail.objects.get(message_id="<reused-id@police.example.org>", same_id_as=None)
    assert lines[str(tmp_path / "same-id-second.eml")].startswith(
        f"a different message with the Message-ID of incoming email {first.pk}; both kept"
    )


# The mailbox: nothing left failing


@pytest.fixture
def maildir(tmp_path: Path, settings: Any) -> mailbox.Maildir:
    settings.MAILBOX = str(tmp_path / "Maildir")
    return mailbox.Maildir(tmp_path / "Maildir", create=True)


def test_a_message_docket_cannot_read_leaves_the_mailbox_for_the_review_queue(
    reference: str,
    maildir: mailbox.Maildir,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    coordinator: User,
    logged_in: Callable[[User], Client],
) -> None:
    raw = _raw("persian-windows-1256-8bit.eml", reference)
    maildir.add(raw)
    maildir.add(_raw("not-an-email.eml"))

    def broken(incoming: mail.Incoming) -> Dispatch | None:
        raise LookupError("unknown encoding: x-mac-farsi-2")

    monkeypatch.setattr(mail, "find_dispatch", broken)
    with caplog.at_level(logging.ERROR, logger="docket.letters.services"):
        first = tasks.poll_mailbox.call()
    second = tasks.poll_mailbox.call()

    assert first == {"attached": 0, "queued": 2, "failed": 0}
    assert second == {"attached": 0, "queued": 0, "failed": 0}
    assert all("S" in message.get_flags() for message in maildir)
    kept = InboundMail.objects.get(sha256=hashlib.sha256(raw).hexdigest())
    assert kept.raw == raw
    assert kept.problem.startswith(
        "Docket could not read this message: a part is in a character set Docket cannot read."
    )
    assert "x-" not in kept.problem  # no exception text for the person sorting
    client = logged_in(coordinator)
    queue = client.get(reverse("letters:inbox")).content.decode()
    assert queue.count("could not be read") == 2
    page = client.get(reverse("letters:inbox_detail", args=[kept.pk])).content.decode()
    assert "It is kept exactly as received" in page
    download = client.get(reverse("letters:inbox_file", args=[kept.pk, 0]))
    assert b"".join(download.streaming_content) == raw


# Attachments: evidence of the reply


@pytest.fixture
def filed(reference: str) -> Response:
    return _reply(services.ingest_email(_raw("multipart-attachments.eml", reference)))


def test_attachments_are_kept_hashed_sniffed_and_safely_named(filed: Response) -> None:
    files = list(Evidence.objects.filter(source=filed.source).order_by("pk"))
    raw = bytes(InboundMail.objects.get(response=filed).raw)
    message, pdf, png = files

    assert message.content_type == "message/rfc822" and message.name.endswith(".eml")
    assert message.sha256 == hashlib.sha256(raw).hexdigest()
    # Declared application/octet-stream; its bytes say PDF. Its name came RFC 2231-encoded.
    assert (pdf.name, pdf.content_type) == ("پاسخ answer.pdf", "application/pdf")
    assert pdf.sha256 == hashlib.sha256(mail.parse(raw).attachments[0].content).hexdigest()
    # No folder, no right-to-left override turning "exe.png" into "gnp.exe".
    assert (png.name, png.content_type) == ("gnp.exe", "image/png")
    assert filed.source is not None
    assert (filed.source.team_id, filed.source.confidentiality) == (
        filed.letter.team_id,
        "restricted",
    )


def test_the_letter_page_lists_the_reply_files_and_they_download_with_their_hash(
    filed: Response, documenter: User, logged_in: Callable[[User], Client]
) -> None:
    pdf = Evidence.objects.get(source=filed.source, content_type="application/pdf")
    client = logged_in(documenter)

    page = client.get(reverse("letters:letter_detail", args=[filed.letter_id])).content.decode()
    download = client.get(reverse("letters:reply_file", args=[pdf.pk]))
    content = b"".join(download.streaming_content)

    assert reverse("letters:reply_file", args=[pdf.pk]) in page
    assert pdf.sha256 in page
    assert download.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert "filename*=utf-8" in download["Content-Disposition"]
    assert hashlib.sha256(content).hexdigest() == pdf.sha256
    assert CustodyEntry.objects.filter(evidence=pdf, actor=documenter, action="downloaded").exists()
    assert AuditEntry.objects.filter(
        actor=documenter, action="download", object_id=str(pdf.pk)
    ).exists()


def test_a_second_teams_viewer_cannot_download_a_reply_file(
    filed: Response, other_team: Team, logged_in: Callable[[User], Client]
) -> None:
    stranger = _person("valbona.krasniqi", Role.VIEWER, other_team)
    pdf = Evidence.objects.get(source=filed.source, content_type="application/pdf")
    client = logged_in(stranger)

    download = client.get(reverse("letters:reply_file", args=[pdf.pk]))
    missing = client.get(reverse("letters:reply_file", args=[987_654_321]))

    assert download.status_code == missing.status_code == 404
    assert not CustodyEntry.objects.filter(evidence=pdf, action="downloaded").exists()


def test_a_file_of_a_source_that_is_no_reply_is_not_served_as_one(
    filed: Response, documenter: User, logged_in: Callable[[User], Client]
) -> None:
    pdf = Evidence.objects.get(source=filed.source, content_type="application/pdf")
    Response.objects.filter(pk=filed.pk).update(source=None)

    download = logged_in(documenter).get(reverse("letters:reply_file", args=[pdf.pk]))

    assert download.status_code == 404


def test_queue_files_are_for_its_sorters_and_each_download_is_logged(
    db: None,
    coordinator: User,
    documenter: User,
    logged_in: Callable[[User], Client],
) -> None:
    inbound = services.ingest_email(_raw("multipart-attachments.eml"))  # no letter matches
    assert inbound.state == InboundState.WAITING

    refused = logged_in(documenter).get(reverse("letters:inbox_file", args=[inbound.pk, 1]))
    client = logged_in(coordinator)
    page = client.get(reverse("letters:inbox_detail", args=[inbound.pk])).content.decode()
    pdf = client.get(reverse("letters:inbox_file", args=[inbound.pk, 1]))
    beyond = client.get(reverse("letters:inbox_file", args=[inbound.pk, 3]))

    assert refused.status_code == 404
    assert "پاسخ answer.pdf" in page and "application/pdf" in page
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-1.4")
    assert beyond.status_code == 404
    [entry] = AuditEntry.objects.filter(actor=coordinator, action="download")
    assert entry.detail["file"] == "پاسخ answer.pdf"


def test_raw_mail_stays_sealed_and_is_resealed_by_key_rotation(
    db: None, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    raw = _raw("persian-undeclared-8bit.eml")
    inbound = services.ingest_email(raw)

    def stored() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SELECT raw FROM letters_inboundmail WHERE id = %s", [inbound.pk])
            return str(cursor.fetchone()[0])

    before = stored()
    call_command("keys", "rotate", stdout=io.StringIO())

    assert before.startswith("dk1$") and "fa-undeclared" not in before
    assert stored().split("$")[1] == crypto.keyring().current_id != before.split("$")[1]
    assert InboundMail.objects.get(pk=inbound.pk).raw == raw


def test_when_the_database_refuses_the_command_says_so_in_words(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reply.eml").write_bytes(_raw("no-message-id.eml"))

    def locked(raw: bytes) -> InboundMail:
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "ingest_email", locked)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("letters", "ingest", str(tmp_path / "reply.eml"), stderr=err)

    assert err.getvalue() == (
        f"{tmp_path / 'reply.eml'}: not taken in: the database refused it (OperationalError); "
        "run the command again.\n"
    )
