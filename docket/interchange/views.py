"""The export page: everything a person may see, as an interchange bundle in a zip file."""

import tempfile
import zipfile
from pathlib import Path
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from docket.accounts.confirmation import recent_confirmation_required
from docket.accounts.models import User
from docket.cases.models import Case, Event, Source
from docket.interchange.exporter import export_bundle
from docket.lib.access import require_taking_out
from docket.people.models import Person
from docket.privacy.archive import MIN_PASSWORD, seal_archive


@login_required
@require_http_methods(["GET"])
def export_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    counts = {
        "persons": Person.objects.visible_to(user).count(),
        "cases": Case.objects.visible_to(user).count(),
        "events": Event.objects.visible_to(user).count(),
        "sources": Source.objects.visible_to(user).count(),
    }
    return render(request, "interchange/export.html", {"counts": counts})


@login_required
@require_http_methods(["POST"])
@recent_confirmation_required
def export_download(request: HttpRequest) -> HttpResponseBase:
    user = cast(User, request.user)
    # Viewers read on screen; carrying data out is for those who work on it.
    require_taking_out(user)
    password = request.POST.get("archive_password", "")
    if password and len(password) < MIN_PASSWORD:
        messages.error(
            request,
            _("A password for the archive needs at least %(count)d characters.")
            % {"count": MIN_PASSWORD},
        )
        return redirect("export")
    name = f"docket-export-{timezone.localdate().isoformat()}"
    archive = tempfile.TemporaryFile()
    with tempfile.TemporaryDirectory() as folder:
        export_bundle(user, out=Path(folder) / f"{name}.json", via="page")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(Path(folder).rglob("*")):
                if path.is_file():
                    bundle.write(path, Path(name) / path.relative_to(folder))
    archive.seek(0)
    if password:
        # Sealed with the password (docket.privacy.archive); `docket unseal` opens it.
        sealed = seal_archive(archive.read(), password)
        archive.close()
        response = HttpResponse(sealed, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{name}.zip.sealed"'
        return response
    return FileResponse(archive, as_attachment=True, filename=f"{name}.zip")
