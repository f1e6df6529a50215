"""The text of an uploaded letter: plain text, PDF with a text layer, DOCX, or an email.

The kind of a file is read from its first bytes, never from its name. A PDF without
a text layer (a scan) gives no text, and the page says so: reading pictures needs
OCR, which Docket does not do.
"""

import email
import email.policy
import io
from email.message import EmailMessage

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 10 * 2**20


def _pdf(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()


def _docx(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    return "\n".join(paragraph.text for paragraph in document.paragraphs).strip()


def _email(content: bytes) -> str:
    message = email.message_from_bytes(content, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # noqa: S101 - the default policy makes one
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    heading = "\n".join(
        f"{name}: {message[name]}" for name in ("Date", "Subject") if message[name] is not None
    )
    return (heading + "\n\n" + str(text)).strip()


def _looks_like_email(head: bytes) -> bool:
    lines = head[:2048].decode("utf-8", "replace").splitlines()[:20]
    fields = {line.split(":", 1)[0].lower() for line in lines if ":" in line}
    return len(fields & {"from", "to", "subject", "date", "message-id", "mime-version"}) >= 2


def text_of(content: bytes) -> str:
    """The text a file holds, or ValidationError in a sentence a person can act on."""
    if len(content) > MAX_BYTES:
        raise ValidationError(_("The file is larger than the 10 MB a draft reads."))
    try:
        if content.startswith(b"%PDF"):
            text = _pdf(content)
            if not text:
                raise ValidationError(
                    _("This PDF has no text layer (a scan?): paste its text instead.")
                )
            return text
        if content.startswith(b"PK\x03\x04"):
            return _docx(content)
        if _looks_like_email(content):
            return _email(content)
        return content.decode("utf-8-sig")
    except ValidationError:
        raise
    except UnicodeDecodeError:
        raise ValidationError(
            _("This file is neither text (UTF-8), PDF, DOCX nor an email.")
        ) from None
    except Exception:  # a damaged file of a known kind: say so, never a 500
        raise ValidationError(_("This file could not be read.")) from None
