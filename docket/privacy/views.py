"""Data protection pages: the register of processing activities, the retention queue,
legal holds, the disclosure log and rights requests. For coordinators and
administrators (403 for everyone else); every record is fetched through the read door
and every change made by the services of this app (or cases.services for a hold).
"""

import json
from datetime import date
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from docket.accounts.models import Role, User
from docket.cases.models import Case, Evidence
from docket.cases.services import set_legal_hold
from docket.lib.access import get_visible
from docket.people.models import Person
from docket.privacy import anonymise, basis, requests, retention
from docket.privacy.disclosures import Disclosure, log_for
from docket.privacy.models import (
    Decision,
    LegalBasis,
    RecordKind,
    RetentionEvent,
    RightKind,
    RightsRequest,
)
from docket.tracing.models import TracingRequest


def _decider(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not (user.is_active and user.role in {Role.ADMINISTRATOR, Role.COORDINATOR}):
        raise PermissionDenied(_("Data protection is for coordinators and administrators."))
    return user


def _message_errors(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


# The register of processing activities


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=RecordKind.choices, widget=forms.HiddenInput)
    basis = forms.ChoiceField(label=gettext_lazy("Legal basis"), choices=LegalBasis.choices)
    purpose = forms.CharField(label=gettext_lazy("Purpose"), widget=forms.Textarea)
    data_subjects = forms.CharField(label=gettext_lazy("Whose data"), required=False)
    recipients = forms.CharField(label=gettext_lazy("To whom it may go"), required=False)
    retention_days = forms.IntegerField(
        label=gettext_lazy("Kept for (days)"), required=False, min_value=1
    )
    counted_from = forms.ChoiceField(
        label=gettext_lazy("Counted from"),
        choices=[("", "—"), *RetentionEvent.choices],
        required=False,
    )
    safeguards = forms.CharField(label=gettext_lazy("Safeguards"), required=False)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def register_page(request: HttpRequest) -> HttpResponse:
    user = _decider(request)
    if request.method == "POST":
        if not user.is_administrator:
            raise PermissionDenied(_("Only an administrator may change the register."))
        form = ActivityForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            kind = data.pop("kind")
            try:
                basis.set_activity(actor=user, kind=kind, **data)
            except ValidationError as error:
                _message_errors(request, error)
            else:
                messages.success(request, _("The register is changed."))
                return redirect("privacy:register")
        else:
            messages.error(request, _("Check the fields of the register."))
    lines = basis.activities()
    forms_by_kind = {
        # Each line's form its own ids: one page holds them all.
        line.kind: ActivityForm(
            auto_id=f"id_{line.kind}_%s",
            initial={
                "kind": line.kind,
                **{name: getattr(line, name) for name in basis.ACTIVITY_FIELDS},
            },
        )
        for line in lines
    }
    overrides = basis.overrides_count()
    rows = [(line, forms_by_kind[line.kind], overrides.get(line.kind, 0)) for line in lines]
    return render(
        request, "privacy/register.html", {"rows": rows, "may_edit": user.is_administrator}
    )


def register_data() -> list[dict[str, Any]]:
    """The register as data, for `docket register --json` and the page."""
    overrides = basis.overrides_count()
    return [
        {
            "kind": line.kind,
            "kind_label": str(line.get_kind_display()),
            "legal_basis": line.basis,
            "legal_basis_label": str(line.get_basis_display()),
            # The defaults are stored in English and shown translated; a text an
            # administrator wrote is not a msgid and shows as written.
            "purpose": _(line.purpose),
            "data_subjects": _(line.data_subjects),
            "recipients": _(line.recipients),
            "retention_days": line.retention_days,
            "counted_from": line.counted_from,
            "safeguards": _(line.safeguards) if line.safeguards else "",
            "records_with_own_basis": overrides.get(line.kind, 0),
        }
        for line in basis.activities()
    ]


# Retention


MODELS: dict[str, type[models.Model]] = {
    "person": Person,
    "tracingrequest": TracingRequest,
    "evidence": Evidence,
}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    user = _decider(request)
    today = timezone.localdate()
    if request.method == "POST":
        _retention_action(request, user, today)
        return redirect("privacy:retention")
    items = retention.queue(user, today)
    held = Case.objects.editable_by(user).filter(legal_hold=True).order_by("pk")
    return render(
        request,
        "privacy/retention.html",
        {"items": items, "as_of": today, "held": held},
    )


def _retention_action(request: HttpRequest, user: User, today: date) -> None:
    kind = request.POST.get("kind", "")
    model = MODELS.get(request.POST.get("model", ""))
    if kind not in RecordKind.values or model is None:
        raise Http404
    record = get_visible(
        model, user, request.POST.get("pk"), action="view" if model is Evidence else "delete"
    )
    reason = request.POST.get("reason", "")
    choice = request.POST.get("action")
    try:
        if choice == "keep":
            try:
                review_on = date.fromisoformat(request.POST.get("review_on", ""))
            except ValueError:
                raise ValidationError(_("Give the date of the next review.")) from None
            retention.keep(
                actor=user,
                kind=kind,
                record=record,
                reason=reason,
                review_on=review_on,
                today=today,
            )
            messages.success(request, _("Kept until %(day)s.") % {"day": review_on})
        elif choice == "anonymise":
            _anonymise(user, kind, record, reason)
            messages.success(request, _("Anonymised."))
        elif choice == "erase" and isinstance(record, Person):
            retention.erase(actor=user, person=record, reason=reason)
            messages.success(request, _("Erased."))
        else:
            raise Http404
    except ValidationError as error:
        _message_errors(request, error)
    except PermissionDenied as error:
        messages.error(request, str(error) or _("You may not do this."))


def _anonymise(user: User, kind: str, record: models.Model, reason: str) -> None:
    if kind == RecordKind.PERSONS and isinstance(record, Person):
        anonymise.anonymise_person(actor=user, person=record, reason=reason)
    elif kind == RecordKind.CONTACT_DETAILS and isinstance(record, Person):
        anonymise.remove_contact_details(actor=user, person=record, reason=reason)
    elif kind in (RecordKind.TRACING_REQUESTS, RecordKind.MESSAGES) and isinstance(
        record, TracingRequest
    ):
        anonymise.anonymise_tracing_request(
            actor=user,
            request=record,
            reason=reason,
            messages_only=kind == RecordKind.MESSAGES,
        )
    else:
        raise Http404


@login_required
@require_POST
def legal_hold(request: HttpRequest, pk: int) -> HttpResponse:
    user = _decider(request)
    case = get_visible(Case, user, pk, action="delete")
    try:
        set_legal_hold(
            actor=user,
            case=case,
            hold=request.POST.get("hold") == "1",
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        _message_errors(request, error)
    else:
        held = case.legal_hold
        messages.success(
            request, _("The case is under legal hold.") if held else _("The legal hold is lifted.")
        )
    return redirect("cases:case_detail", pk=case.pk)


# A record's own legal basis


@login_required
@require_POST
def set_basis(request: HttpRequest, pk: int, model: str) -> HttpResponse:
    """Give a person, tracing request or evidence file a legal basis and purpose of its
    own, or take it back to its kind's (an empty basis). Whoever may change the record."""
    user = cast(User, request.user)
    record = get_visible(MODELS[model], user, pk)
    chosen = request.POST.get("basis", "")
    try:
        basis.set_override(
            actor=user,
            record=record,
            basis=chosen or None,
            purpose=request.POST.get("purpose", ""),
        )
    except ValidationError as error:
        _message_errors(request, error)
    else:
        messages.success(request, _("The legal basis is recorded."))
    if isinstance(record, Person):
        return redirect("people:person_detail", pk=record.pk)
    if isinstance(record, TracingRequest):
        return redirect("tracing:request_detail", pk=record.pk)
    return redirect("cases:source_detail", pk=cast(Evidence, record).source_id)


# The disclosure log


@login_required
@never_cache
@require_http_methods(["GET"])
def disclosure_log(request: HttpRequest) -> HttpResponse:
    user = _decider(request)
    page = Paginator(log_for(user), 50).get_page(request.GET.get("page"))
    items = [Disclosure(entry) for entry in page]
    return render(request, "privacy/disclosures.html", {"page": page, "items": items})


# Rights requests


class RightsRequestForm(forms.Form):
    person = forms.IntegerField(label=gettext_lazy("Person's number"), min_value=1)
    kind = forms.ChoiceField(label=gettext_lazy("Right"), choices=RightKind.choices)
    received_on = forms.DateField(
        label=gettext_lazy("Received on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    asked_by = forms.CharField(
        label=gettext_lazy("Asked by (if a representative)"), required=False, max_length=200
    )
    details = forms.CharField(
        label=gettext_lazy("What is asked"), required=False, widget=forms.Textarea
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def request_list(request: HttpRequest) -> HttpResponse:
    user = _decider(request)
    today = timezone.localdate()
    form = RightsRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = get_visible(Person, user, data["person"], action="delete")
        try:
            created = requests.record_request(
                actor=user,
                person=person,
                kind=data["kind"],
                received_on=data["received_on"],
                asked_by=data["asked_by"],
                details=data["details"],
                today=today,
            )
        except ValidationError as error:
            _message_errors(request, error)
        else:
            return redirect("privacy:request_detail", pk=created.pk)
    rows = [
        (item, requests.due_on(item), requests.is_overdue(item, today))
        for item in RightsRequest.objects.visible_to(user).select_related("person")
    ]
    rows.sort(key=lambda row: (not row[2], bool(row[0].decision), row[1]))
    overdue = sum(1 for row in rows if row[2])
    return render(
        request,
        "privacy/requests.html",
        {"form": form, "rows": rows, "overdue": overdue, "as_of": today},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _decider(request)
    item = get_visible(RightsRequest.objects.select_related("person"), user, pk)
    today = timezone.localdate()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "identity":
                requests.check_identity(
                    actor=user, request=item, on=today, how=request.POST.get("how", "")
                )
            elif action == "extend":
                requests.extend(
                    actor=user, request=item, on=today, reason=request.POST.get("reason", "")
                )
            elif action == "decide":
                requests.decide(
                    actor=user,
                    request=item,
                    decision=request.POST.get("decision", ""),
                    reason=request.POST.get("reason", ""),
                    on=today,
                )
            else:
                raise Http404
        except ValidationError as error:
            _message_errors(request, error)
        return redirect("privacy:request_detail", pk=item.pk)
    return render(
        request,
        "privacy/request_detail.html",
        {
            "item": item,
            "due_on": requests.due_on(item),
            "overdue": requests.is_overdue(item, today),
            "decisions": Decision.choices,
        },
    )


@login_required
@never_cache
@require_http_methods(["GET"])
def request_access(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer to an access request, as JSON (`?format=json`) or a readable PDF."""
    user = _decider(request)
    item = get_visible(RightsRequest.objects.select_related("person"), user, pk)
    try:
        data = requests.access_output(item, actor=user)
    except ValidationError as error:
        raise Http404 from error
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="access-{item.pk}.json"'
        return response
    from weasyprint import HTML

    from docket.letters.pdf import FetchNothing

    html = render_to_string("privacy/access_pdf.html", {"item": item, "data": data})
    pdf = HTML(string=html, base_url=None, url_fetcher=FetchNothing()).write_pdf()
    response = HttpResponse(bytes(pdf or b""), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="access-{item.pk}.pdf"'
    return response
