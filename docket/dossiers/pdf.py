"""Printing a dossier: the same WeasyPrint set-up as the printed letter
(docket.letters.pdf: its fonts, A4, right to left for Persian, a URL fetcher
that fetches nothing)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from docket.dossiers.build import Dossier
from docket.letters.pdf import FetchNothing


def dossier_html(dossier: Dossier, *, language: str) -> str:
    with translation.override(language):
        return render_to_string(
            "dossiers/dossier.html",
            {
                "dossier": dossier,
                "language": language,
                "rtl": translation.get_language_info(language)["bidi"],
                "letterhead": settings.LETTERHEAD,
            },
        )


def render_dossier_pdf(dossier: Dossier, *, language: str) -> bytes:
    # Imported here: WeasyPrint takes a second to import, and only printing needs it.
    from weasyprint import HTML

    html = dossier_html(dossier, language=language)
    pdf = HTML(string=html, base_url=None, url_fetcher=FetchNothing()).write_pdf()
    assert pdf is not None  # without a target, write_pdf returns the bytes  # noqa: S101
    return bytes(pdf)
