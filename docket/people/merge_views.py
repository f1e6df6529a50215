"""Merges on the people pages: what a kept person's page shows of the records merged into
it, and undoing a merge.

Merging itself is decided in the review of possible duplicates
(docket.linkage.views); both go through docket.people.merges.
"""

from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from docket.accounts.models import User
from docket.accounts.permissions import editing_q, visibility_q
from docket.people import merges
from docket.people.models import Merge, Person


@dataclass
class MergeRow:
    merge: Merge
    # The merged record itself (its birth date, notes…), when the reader may see it.
    record: Person | None
    contact_shown: bool
    undoable: bool


def merge_rows(user: User, person: Person) -> list[MergeRow]:
    """The merges standing into `person`, newest first, as its page shows them."""
    rows = []
    for merge in merges.active_merges(person):
        seen = Person.objects.filter(visibility_q(user), pk=merge.absorbed_id)
        record = seen.select_related("team").first()
        rows.append(
            MergeRow(
                merge=merge,
                record=record,
                contact_shown=record is not None
                and Person.objects.filter(editing_q(user), pk=record.pk).exists(),
                undoable=merges.may_undo(user, merge),
            )
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def merge_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a merge: 404 unless the reader may see the kept person, 403 unless they may undo."""
    user = cast(User, request.user)
    merge = Merge.objects.filter(pk=pk).select_related("keep", "absorbed").first()
    visible = Person.objects.visible_to(user).filter(pk=merge.keep_id) if merge else None
    if merge is None or not merge.active or visible is None or not visible.exists():
        raise Http404
    if not merges.may_undo(user, merge):
        raise PermissionDenied(_("Only a coordinator of the owning team may undo this merge."))
    if request.method == "POST":
        try:
            merges.unmerge(actor=user, merge=merge)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("people:person_detail", pk=merge.keep_id)
        messages.success(request, _("The merge was undone: both records are as they were before."))
        return redirect("people:person_detail", pk=merge.absorbed_id)
    return render(request, "people/merge_undo.html", {"merge": merge, "person": merge.keep})
