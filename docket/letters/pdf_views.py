"""The printed letter, for staff who may see the letter."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from docket.accounts.models import User
from docket.cases.models import Authority
from docket.letters.models import Letter
from docket.letters.pdf import PDF, pdf_filename, print_letter
from docket.lib.access import get_visible
from docket.lib.records import MAX_ID


def _recipient(letter: Letter, value: str | None) -> Authority | None:
    """The recipient named by ?authority=ID, which must be one of the letter's."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and int(value) <= MAX_ID):
        raise Http404
    recipients = Authority.objects.filter(dispatches__letter=letter)
    return cast(Authority, get_object_or_404(recipients, pk=int(value)))


@login_required
@require_GET
@never_cache
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The letter as PDF, addressed to every recipient, or with ?authority=ID to that
    recipient with its reply reference. Each download is written in the audit log."""
    user = cast(User, request.user)
    # Every printing is logged as a download (print_letter), whatever the level.
    letter = get_visible(Letter, user, pk, via="pdf", audit=False)
    authority = _recipient(letter, request.GET.get("authority"))
    content = print_letter(actor=user, letter=letter, authority=authority)
    response = HttpResponse(content, content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=pdf_filename(letter, authority=authority)
    )
    # A letter may be confidential: not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
