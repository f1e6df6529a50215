"""Letters by email: the copy that goes out, and finding the letter a reply belongs to.

An emailed copy carries its reference (DKT-XXXXXXXX) twice: in the subject,
and in the reply-to address (replies+DKT-XXXXXXXX@…), so a reply finds its
letter whether the authority answers the address, keeps the subject, or
quotes either. Its Message-ID is kept too, for mail programs that only set
In-Reply-To.
"""

import re
from dataclasses import dataclass
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage as ParsedMessage
from email.utils import getaddresses, make_msgid, parsedate_to_datetime

import nh3
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from docket.letters.models import REFERENCE_ALPHABET, REFERENCE_PREFIX, Dispatch
from docket.letters.text import plain_text

REFERENCE = re.compile(rf"{REFERENCE_PREFIX}[{REFERENCE_ALPHABET}]{{8}}")
ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")


def reply_address(reference: str) -> str:
    local, _, domain = settings.REPLY_ADDRESS.partition("@")
    return f"{local}+{reference}@{domain}"


def subject(dispatch: Dispatch) -> str:
    return f"{dispatch.letter.title} [{dispatch.reference}]"


def compose(
    dispatch: Dispatch, *, attachment: tuple[str, bytes, str] | None = None
) -> EmailMessage:
    """The email for one recipient's copy; sets the copy's Message-ID."""
    domain = settings.REPLY_ADDRESS.partition("@")[2] or "localhost"
    dispatch.message_id = make_msgid(idstring=dispatch.reference, domain=domain)
    message = EmailMessage(
        subject=subject(dispatch),
        body=plain_text(dispatch.letter),
        from_email=settings.DEFAULT_FROM_EMAIL,
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


def _text_of(message: ParsedMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        # Keep the words, drop every tag.
        return nh3.clean(content, tags=set()).strip()
    return content.strip()


def parse(raw: bytes) -> Incoming:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, ParsedMessage)  # the default policy gives one  # noqa: S101
    try:
        sent = parsedate_to_datetime(str(message["Date"]))
        received_on = sent.date() if sent is not None else timezone.localdate()
    except (TypeError, ValueError):
        received_on = timezone.localdate()
    header_text = " ".join(str(message.get(name, "")) for name in ADDRESS_HEADERS)
    addresses = " ".join(address for _, address in getaddresses([header_text]))
    subject_text = str(message.get("Subject", ""))
    text = _text_of(message)
    found: list[str] = []
    # Most trustworthy first: the address, then the subject, then quoted text.
    for where in (addresses, subject_text, text):
        for reference in REFERENCE.findall(where):
            if reference not in found:
                found.append(reference)
    threaded = " ".join(str(message.get(name, "")) for name in ("In-Reply-To", "References"))
    return Incoming(
        sender=str(message.get("From", ""))[:300],
        subject=subject_text[:500],
        message_id=str(message.get("Message-ID", "")).strip()[:255],
        received_on=received_on,
        text=text,
        references=found,
        in_reply_to=re.findall(r"<[^<>\s]+>", threaded),
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
