"""Dossier downloads: a case or a person as PDF, for staff or for outside use, and the
draft communication to the UN Working Group on Arbitrary Detention.

Each is a download of a whole record with its parts: the record is fetched through
the read door (404 for hidden and missing alike), the reader must be one who may
take records out (`require_taking_out`: viewers read on screen), and every
download is an audit entry naming what was taken and in which form.
"""

from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from docket.accounts.models import User
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Case
from docket.dossiers import wgad
from docket.dossiers.build import case_dossier, person_dossier
from docket.dossiers.pdf import render_dossier_pdf
from docket.lib.access import get_visible, require_taking_out
from docket.people.models import Person

PDF = "application/pdf"
LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _language(request: HttpRequest) -> str:
    chosen = request.GET.get("language", "")
    if chosen and chosen not in LANGUAGES:
        raise Http404
    return chosen or translation.get_language() or settings.LANGUAGE_CODE


def _outside(request: HttpRequest) -> bool:
    return request.GET.get("for") == "outside"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@never_cache
def case_dossier_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    # Logged as a download below, whatever the level.
    case = get_visible(Case, user, pk, via="pdf", audit=False)
    require_taking_out(user)
    language, outside = _language(request), _outside(request)
    dossier = case_dossier(case, reader=user, as_of=timezone.localdate(), outside=outside)
    content = render_dossier_pdf(dossier, language=language)
    audit(
        Action.DOWNLOAD,
        actor=user,
        target=case,
        detail={"dossier": "outside" if outside else "staff", "language": language},
    )
    suffix = "-outside" if outside else ""
    return _download(content, f"case-{case.pk}-dossier{suffix}.pdf", PDF)


@login_required
@require_GET
@never_cache
def person_dossier_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    person = get_visible(Person, user, pk, via="pdf", audit=False)
    require_taking_out(user)
    language, outside = _language(request), _outside(request)
    dossier = person_dossier(person, reader=user, as_of=timezone.localdate(), outside=outside)
    content = render_dossier_pdf(dossier, language=language)
    audit(
        Action.DOWNLOAD,
        actor=user,
        target=person,
        detail={"dossier": "outside" if outside else "staff", "language": language},
    )
    suffix = "-outside" if outside else ""
    return _download(content, f"person-{person.pk}-dossier{suffix}.pdf", PDF)


@login_required
@require_GET
@never_cache
def case_wgad_draft(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    case = get_visible(Case, user, pk, via="pdf", audit=False)
    require_taking_out(user)
    today = timezone.localdate()
    with translation.override(_language(request)):
        sections = wgad.draft(case, reader=user, as_of=today)
        text = wgad.as_text(case, sections, as_of=today)
    audit(Action.DOWNLOAD, actor=user, target=case, detail={"draft": "wgad"})
    return _download(
        text.encode("utf-8"), f"case-{case.pk}-wgad-draft.txt", "text/plain; charset=utf-8"
    )
