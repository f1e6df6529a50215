"""The search page, the events list with its facets, and saved searches.

Every result, count and facet comes through `docket.search.engine` and
`docket.search.facets`, which show a reader only what `visibility_q` lets them
see. A saved search keeps filters only: whoever opens it sees what they may.
"""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from docket.accounts.models import User
from docket.lib.access import get_visible
from docket.search.documents import KINDS
from docket.search.engine import search
from docket.search.facets import EventFilters, EventSearch, date_problems
from docket.search.forms import PLACE_PARAMETERS, SavedSearchForm
from docket.search.models import SavedSearch

# Hits shown per kind on the search page, and when one kind is asked for.
GROUPED = 5
ONE_KIND = 30


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    text = request.GET.get("q", "")[:200]
    kind = request.GET.get("kind", "")
    kinds = [kind] if kind in KINDS else None
    results = search(user, text, kinds, limit=ONE_KIND if kinds else GROUPED)
    context = {
        "q": text,
        "kind": kind if kinds else "",
        "results": results,
        "saved": _saved(user, SavedSearch.Page.SEARCH),
        "save_form": SavedSearchForm(user=user, initial=_initial(request, "search")),
    }
    template = "search/search.html"
    if _is_htmx(request):
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = EventFilters.from_query(request.GET)
    page = EventSearch(user, filters).page()
    chosen = _kept(request.GET)
    context = {
        "filters": filters,
        # A date bound that is not a date is said, with what was typed, not dropped silently.
        "date_problems": date_problems(request.GET),
        "page": page,
        "chosen": chosen,
        "chosen_query": chosen.urlencode(),
        "saved": _saved(user, SavedSearch.Page.EVENTS),
        "save_form": SavedSearchForm(user=user, initial=_initial(request, "events")),
    }
    template = "search/event_list.html"
    if _is_htmx(request):
        template += "#results"
    return render(request, template, context)


def _kept(data: QueryDict) -> QueryDict:
    kept = data.copy()
    for name in PLACE_PARAMETERS:
        kept.pop(name, None)
    return kept


def _initial(request: HttpRequest, page: str) -> dict[str, str]:
    return {"page": page, "query": _kept(request.GET).urlencode()}


def _saved(user: User, page: str) -> list[SavedSearch]:
    return list(
        SavedSearch.objects.visible_to(user)
        .filter(page=page)
        .select_related("owner", "team")
        .order_by("name", "pk")
    )


PAGES = {
    SavedSearch.Page.EVENTS: "search:event_list",
    SavedSearch.Page.SEARCH: "search:search",
    SavedSearch.Page.CASES: "cases:case_list",
}


def saved_url(saved: SavedSearch) -> str:
    url = reverse(PAGES[SavedSearch.Page(saved.page)])
    return f"{url}?{saved.query}" if saved.query else url


@login_required
@require_POST
def saved_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SavedSearchForm(request.POST, user=user)
    if not form.is_valid():
        messages.error(request, _("The search was not saved: give it a name."))
        page = request.POST.get("page", "")
        known = page in SavedSearch.Page.values
        target = reverse(PAGES[SavedSearch.Page(page)] if known else "search:event_list")
        query = _kept(QueryDict(request.POST.get("query", "")))
        return redirect(f"{target}?{query.urlencode()}" if query else target)
    saved = form.save()
    messages.success(
        request,
        _("Saved as “%(name)s”, shared with %(team)s.") % {"name": saved.name, "team": saved.team}
        if saved.team
        else _("Saved as “%(name)s”, for you alone.") % {"name": saved.name},
    )
    return redirect(saved_url(saved))


@login_required
@require_POST
def saved_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    saved = get_visible(SavedSearch, user, pk)
    if saved.owner_id != user.pk:
        raise PermissionDenied(_("Only the person who saved a search may delete it."))
    target = reverse(PAGES[SavedSearch.Page(saved.page)])
    saved.delete()
    messages.success(request, _("The saved search was deleted."))
    return redirect(target)
