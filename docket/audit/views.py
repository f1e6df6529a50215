"""Administrators browse and filter the audit log."""

from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import User
from docket.audit.models import Action, AuditEntry
from docket.lib.forms import DayField


class AuditFilter(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), choices=[("", _("Any"))] + list(Action.choices), required=False
    )
    who = forms.CharField(label=_("Who (user name)"), required=False, max_length=150)
    record_type = forms.CharField(label=_("Record type"), required=False, max_length=60)
    since = DayField(label=_("From"), required=False)
    until = DayField(label=_("Until"), required=False)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    if not cast(User, request.user).is_administrator:
        # Like any page a person may not see: it is not there for them.
        raise Http404
    form = AuditFilter(request.GET or None)
    entries = AuditEntry.objects.order_by("-id")
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            entries = entries.filter(action=data["action"])
        if data["who"]:
            entries = entries.filter(actor_name=data["who"])
        if data["record_type"]:
            entries = entries.filter(object_type=data["record_type"])
        if data["since"]:
            entries = entries.filter(at__date__gte=data["since"])
        if data["until"]:
            entries = entries.filter(at__date__lte=data["until"])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
