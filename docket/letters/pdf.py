"""Printed letters: a letter, or one recipient's copy of it, as an A4 PDF.

WeasyPrint lays the pages out from one template (letters/pdf/letter.html) in
the letter's own language, right to left for Persian, with fonts installed on
the machine: DejaVu, and Noto Naskh Arabic for Persian where Debian's
fonts-noto-core is installed (DejaVu Sans covers Arabic script otherwise).
Printing fetches nothing: the template carries its stylesheet, and every URL
WeasyPrint would load is refused.

Cited cases follow the redaction rule of docket.letters.text, as in the email
and on the public page: the printed letter says what the authority reads.
"""

from datetime import date
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Authority
from docket.letters.mail import reply_address
from docket.letters.models import Dispatch, Letter
from docket.letters.text import citations, render_markdown

PDF = "application/pdf"


class FetchNothing:
    """A URL fetcher that refuses every URL, so printing never reaches the network or
    the disk; WeasyPrint logs the refusal and goes on without the resource."""

    # Read by WeasyPrint (68 and later) when a fetch fails: a refusal is not fatal.
    _fail_on_errors = False

    def __call__(self, url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"printing a letter fetches nothing: {url}")


def _copy(letter: Letter, authority: Authority | None) -> Dispatch | None:
    if authority is None:
        return None
    return letter.dispatches.filter(authority=authority).first()


def letter_date(letter: Letter, *, authority: Authority | None = None) -> date:
    """The date a letter carries: its copy's sending date, the first copy's for the
    letter as a whole, or today for a letter not yet sent."""
    copy = _copy(letter, authority)
    if copy is not None:
        return copy.sent_on or timezone.localdate()
    sent = [day for day in letter.dispatches.values_list("sent_on", flat=True) if day]
    return min(sent, default=timezone.localdate())


def letter_html(
    letter: Letter, *, authority: Authority | None = None, on: date | None = None
) -> str:
    """The printed letter as HTML for WeasyPrint, addressed to `authority` when given
    (with its reply reference), else to every recipient."""
    copy = _copy(letter, authority)
    recipients = (
        [authority]
        if authority is not None
        else [dispatch.authority for dispatch in letter.dispatches.select_related("authority")]
    )
    with translation.override(letter.language):
        return render_to_string(
            "letters/pdf/letter.html",
            {
                "letter": letter,
                "language": letter.language,
                "rtl": translation.get_language_info(letter.language)["bidi"],
                "letterhead": settings.LETTERHEAD,
                "date": on or letter_date(letter, authority=authority),
                "recipients": recipients,
                "single": authority is not None,
                "reference": copy.reference if copy is not None else "",
                "reply_to": reply_address(copy.reference) if copy is not None else "",
                "body": render_markdown(letter.body),
                "citations": citations(letter),
                "questions": list(letter.questions.order_by("number")),
            },
        )


def render_letter_pdf(
    letter: Letter, *, authority: Authority | None = None, on: date | None = None
) -> bytes:
    """The letter as PDF bytes; `authority` prints that recipient's copy, `on` the date
    it carries (default: its sending date, or today)."""
    # Imported here: WeasyPrint takes a second to import, and only printing needs it.
    from weasyprint import HTML

    html = letter_html(letter, authority=authority, on=on)
    document = HTML(string=html, base_url=None, url_fetcher=FetchNothing())
    pdf = document.write_pdf()
    assert pdf is not None  # without a target, write_pdf returns the bytes  # noqa: S101
    return bytes(pdf)


def pdf_filename(letter: Letter, *, authority: Authority | None = None) -> str:
    copy = _copy(letter, authority)
    suffix = f"-{copy.reference}" if copy is not None else ""
    return f"letter-{letter.pk}{suffix}.pdf"


def pdf_attachment(dispatch: Dispatch, *, on: date | None = None) -> tuple[str, bytes, str]:
    """The printed copy for one recipient, as an email attachment (name, content, type)."""
    letter, authority = dispatch.letter, dispatch.authority
    content = render_letter_pdf(letter, authority=authority, on=on)
    return pdf_filename(letter, authority=authority), content, PDF


def print_letter(*, actor: Any, letter: Letter, authority: Authority | None = None) -> bytes:
    """The PDF a staff member downloads, written in the audit log; the caller has fetched
    `letter` through `Letter.objects.visible_to(actor)`."""
    content = render_letter_pdf(letter, authority=authority)
    detail: dict[str, Any] = {"printed": True}
    if authority is not None:
        detail["copy_for"] = authority.name
    audit(Action.DOWNLOAD, actor=actor, target=letter, detail=detail)
    return content
