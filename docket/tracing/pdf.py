"""The reply letter to the family, as HTML and as an A4 PDF.

Built from a `Disclosure` (docket.tracing.consent) and nothing else, so the
letter holds only what the sought person allowed. Printing reuses the letters'
WeasyPrint set-up (docket.letters.pdf): its own stylesheet, nothing fetched.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from docket.letters.pdf import FetchNothing
from docket.tracing.consent import Disclosure


def reply_html(told: Disclosure) -> str:
    """In the language of the page it is asked from, set right to left for Persian as the
    Persian letter PDF is (docket/letters/templates/letters/pdf/letter.html)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    return render_to_string(
        "tracing/pdf/reply.html",
        {
            "told": told,
            "letterhead": settings.LETTERHEAD,
            "language": language,
            "rtl": translation.get_language_info(language)["bidi"],
        },
    )


def render_reply_pdf(told: Disclosure) -> bytes:
    # Imported here: WeasyPrint takes a second to import, and only printing needs it.
    from weasyprint import HTML

    document = HTML(string=reply_html(told), base_url=None, url_fetcher=FetchNothing())
    content = document.write_pdf()
    assert content is not None  # without a target, write_pdf returns the bytes  # noqa: S101
    return bytes(content)
