"""Letters by email: the copy that goes out, and finding the letter a reply belongs to.

An emailed copy carries its reference (DKT-XXXXXXXX) twice: in the subject,
and in the reply-to address (replies+DKT-XXXXXXXX@…), so a reply finds its
letter whether the authority answers the address, keeps the subject, or
quotes either. Its Message-ID is kept too, for mail programs that only set
In-Reply-To.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses, make_msgid, parsedate_to_datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.letters import decoding
from docket.letters.decoding import Attachment
from docket.letters.models import REFERENCE_ALPHABET, REFERENCE_PREFIX, Dispatch
from docket.letters.text import citations, plain_text, render_markdown
from docket.lib.email import html_email

REFERENCE = re.compile(rf"{REFERENCE_PREFIX}[{REFERENCE_ALPHABET}]{{8}}")
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def reply_address(reference: str) -> str:
    local, _, domain = settings.REPLY_ADDRESS.partition("@")
    return f"{local}+{reference}@{domain}"


def subject(dispatch: Dispatch) -> str:
    return f"{dispatch.letter.title} [{dispatch.reference}]"


def compose(
    dispatch: Dispatch,
    *,
    attachment: tuple[str, bytes, str] | None = None,
    on: date | None = None,
) -> EmailMessage:
    """The email for one recipient's copy, dated `on` (its sending day); sets the copy's
    Message-ID. HTML in the letter's language and direction, with a plain-text part."""
    domain = settings.REPLY_ADDRESS.partition("@")[2] or "localhost"
    dispatch.message_id = make_msgid(idstring=dispatch.reference, domain=domain)
    letter = dispatch.letter
    message = html_email(
        subject=subject(dispatch),
        text=plain_text(letter),
        template="letters/email/letter.html",
        context={
            "letter": letter,
            "date": on or dispatch.sent_on or timezone.localdate(),
            "reference": dispatch.reference,
            "body": render_markdown(letter.body),
            "citations": citations(letter),
            "questions": list(letter.questions.order_by("number")),
        },
        language=letter.language,
        to=[dispatch.authority.email],
        reply_to=[reply_address(dispatch.reference)],
        headers={"Message-ID": dispatch.message_id},
    )
    if attachment is not None:
        message.attach(*attachment)
    return message


@dataclass(frozen=True)
class Incoming:
    sender: str
    subject: str
    message_id: str
    received_on: date
    text: str
    references: list[str]
    in_reply_to: list[str]
    attachments: list[Attachment] = field(default_factory=list)
    # How the text's charset was found ("declared", "utf-8", "detected", "fallback"), and
    # which it was: a guess is shown as one.
    charset: str = ""
    charset_found: str = ""
    # Set when the message could not be read as an email at all.
    problem: str = ""


def message_id_of(message: ParsedMessage) -> str:
    """The Message-ID as the bare <id>: folding, comments and spaces do not make another id."""
    text = decoding.header(message, "Message-ID")
    found = re.search(r"<[^<>\s]+>", text)
    return (found.group(0) if found else text.strip())[:255]


def _received_on(message: ParsedMessage) -> date:
    try:
        sent = parsedate_to_datetime(decoding.header(message, "Date"))
    except (TypeError, ValueError, IndexError, OverflowError):
        return timezone.localdate()
    if sent is None or sent.year < 1990:
        return timezone.localdate()
    return min(sent.date(), timezone.localdate())


def parse(raw: bytes) -> Incoming:
    """Read one email from its bytes, whatever charsets, encodings and damage it has.
    Never raises for the message's content; `problem` says when it is no email at all."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, ParsedMessage)  # the default policy gives one  # noqa: S101
    problem = ""
    if not raw.strip():
        problem = _("The message is empty.")
    elif not message.keys():
        problem = _(
            "Docket found no mail headers in it (From, Subject, Date): it may not be an email."
        )
    header_text = " ".join(decoding.header(message, name) for name in ADDRESS_HEADERS)
    try:
        addresses = " ".join(address for _, address in getaddresses([header_text]))
    except (TypeError, ValueError, IndexError):
        addresses = header_text
    subject_text = decoding.header(message, "Subject")
    body, attachments = decoding.body_and_attachments(message) if not problem else (None, [])
    text = body.text if body is not None else ""
    found: list[str] = []
    # Most trustworthy first: the address, then the subject, then quoted text.
    for where in (addresses, subject_text, text):
        for reference in REFERENCE.findall(where):
            if reference not in found:
                found.append(reference)
    threaded = " ".join(decoding.header(message, name) for name in ("In-Reply-To", "References"))
    return Incoming(
        sender=decoding.header(message, "From")[:300],
        subject=subject_text[:500],
        message_id=message_id_of(message),
        received_on=_received_on(message),
        text=text,
        references=found,
        in_reply_to=re.findall(r"<[^<>\s]+>", threaded),
        attachments=attachments,
        charset=body.charset if body is not None else "",
        charset_found=body.how if body is not None else "",
        problem=str(problem),
    )


def find_dispatch(incoming: Incoming) -> Dispatch | None:
    """The copy a reply answers: by its reference, else by the Message-ID it replies to.
    A message naming several different copies is left for a person to sort out."""
    copies = {
        dispatch.pk: dispatch
        for dispatch in Dispatch.objects.filter(reference__in=incoming.references).select_related(
            "letter", "authority"
        )
    }
    if not copies and incoming.in_reply_to:
        copies = {
            dispatch.pk: dispatch
            for dispatch in Dispatch.objects.filter(
                message_id__in=incoming.in_reply_to
            ).select_related("letter", "authority")
        }
    if len(copies) != 1:
        return None
    dispatch = next(iter(copies.values()))
    return dispatch if dispatch.letter.deleted_at is None else None
