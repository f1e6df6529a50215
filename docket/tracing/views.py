"""The tracing pages: the list, intake, a request's page with its timeline, candidates,
consents, attempts and messages, and what is prepared for the requester.

Reads go through TracingRequest.objects.visible_to(user): a request the reader may not
see answers 404 like one that does not exist. Writes go through
docket.tracing.services; what goes to the requester through
docket.tracing.consent.disclosure_for_requester only, shown to staff through
disclosure_for_reader (less what the reader may not see).
"""

import json
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from docket.accounts.models import User
from docket.accounts.permissions import may_create
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.figures import years_since, years_without_family_contact
from docket.cases.models import Case
from docket.lib.access import get_visible
from docket.lib.dates import show_date
from docket.lib.records import MAX_ID
from docket.linkage.reasons import reasons
from docket.people import merges
from docket.people.models import Merge, Person
from docket.tracing import pdf, services
from docket.tracing.consent import disclosure_for_reader
from docket.tracing.forms import (
    AttemptForm,
    ConsentForm,
    DeliveryForm,
    EventConfirmForm,
    IntakeForm,
    MatchProposalForm,
    MessageForm,
    StepForm,
    WithdrawalForm,
)
from docket.tracing.models import (
    ContactAttempt,
    RelayedMessage,
    TracingMatch,
    TracingRequest,
    TracingStatus,
)

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _listed(user: User) -> QuerySet[TracingRequest]:
    return TracingRequest.objects.visible_to(user).select_related(
        "requester", "sought", "team", "created_by"
    )


def _visible(user: User, pk: int) -> TracingRequest:
    """The request `pk` through the read door (docket.lib.access), its persons loaded."""
    tracing: TracingRequest = get_visible(
        TracingRequest.objects.select_related("requester", "sought", "team", "created_by"),
        user,
        pk,
    )
    return tracing


def _editable(request: HttpRequest, pk: int) -> tuple[User, TracingRequest]:
    """The request to change: 404 if the user may not see it, 403 if only not change it."""
    user = _user(request)
    tracing = _visible(user, pk)
    if not TracingRequest.objects.editable_by(user).filter(pk=pk).exists():
        raise PermissionDenied(_("You may not change this tracing request."))
    return user, tracing


def _errors(request: HttpRequest, error: ValidationError | Any) -> None:
    for message in getattr(error, "messages", None) or [str(error)]:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _back(tracing: TracingRequest, anchor: str = "") -> HttpResponse:
    url = reverse("tracing:request_detail", args=[tracing.pk])
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _visible_ids(user: User, ids: set[int]) -> set[int]:
    return set(Person.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


# The list


@login_required
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    requests = _listed(user).prefetch_related("requester__names", "sought__names")
    status = request.GET.get("status") or ""
    if status not in TracingStatus.values:
        status = ""
    if status:
        requests = requests.filter(status=status)
    page = Paginator(requests.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    shown = _visible_ids(user, {r.requester_id for r in rows} | {r.sought_id for r in rows})
    today = timezone.localdate()
    # Each sought person's latest contact over every request the reader may see, as
    # years_without_family_contact counts it: one query for the page.
    last_contact = dict(
        _listed(user)
        .filter(sought_id__in={r.sought_id for r in rows}, last_contact__isnull=False)
        .order_by()
        .values("sought_id")
        .annotate(last=Max("last_contact"))
        .values_list("sought_id", "last")
    )
    return render(
        request,
        "tracing/request_list.html",
        {
            "page": page,
            "rows": [
                {
                    "request": row,
                    "requester": row.requester if row.requester_id in shown else None,
                    "sought": row.sought if row.sought_id in shown else None,
                    "years": years_since(last_contact.get(row.sought_id), as_of=today),
                }
                for row in rows
            ],
            "status": status,
            "statuses": TracingStatus.choices,
            "may_create": may_create(user),
        },
    )


# Intake


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_create(user):
        raise PermissionDenied(_("Your role may not open tracing requests."))
    form = IntakeForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            tracing = services.open_request(actor=user, intake=form.intake())
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            # Only candidates the user may see are counted: a count must not hint at others.
            candidates = tracing.matches.values_list("candidate_id", flat=True)
            count = len(_visible_ids(user, set(candidates)))
            messages.success(
                request,
                _("The tracing request was opened; %(count)s possible matches found.")
                % {"count": count},
            )
            return _back(tracing, "matches" if count else "")
    return render(request, "tracing/request_form.html", {"form": form})


# A request's page


@dataclass
class MatchRow:
    match: TracingMatch
    person: Person
    reasons: list[Any]


@login_required
@require_GET
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    tracing = _visible(user, pk)
    editable = TracingRequest.objects.editable_by(user).filter(pk=pk).exists()
    matches = list(tracing.matches.all())
    persons = {
        person.pk: person
        for person in Person.objects.visible_to(user)
        .filter(
            pk__in={m.candidate_id for m in matches} | {tracing.requester_id, tracing.sought_id}
        )
        .prefetch_related("names")
    }
    match_rows = [
        MatchRow(match, persons[match.candidate_id], reasons(match.weights))
        for match in matches
        if match.candidate_id in persons
    ]
    today = timezone.localdate()
    return render(
        request,
        "tracing/request_detail.html",
        {
            "tracing": tracing,
            "requester": persons.get(tracing.requester_id),
            "sought": persons.get(tracing.sought_id),
            "editable": editable,
            "years": years_without_family_contact(tracing.sought, as_of=today, user=user),
            "steps": tracing.steps.select_related("by"),
            # Each form of the page numbers its fields apart (auto_id): one page, one id each.
            "step_form": StepForm(
                choices=services.next_statuses(tracing.status), auto_id="step_%s"
            ),
            "match_form": MatchProposalForm(user=user, auto_id="match_%s"),
            "match_rows": match_rows,
            "may_confirm": editable
            and tracing.sought_created
            and merges.may_merge(user, tracing.sought),
            "consents": services.request_consents(tracing).select_related(
                "recorded_by", "withdrawn_by"
            ),
            "refusals": tracing.refusals.select_related("recorded_by"),
            "consent_form": ConsentForm(auto_id="consent_%s"),
            "attempts": tracing.attempts.select_related("refused_by", "event__case"),
            "attempt_form": AttemptForm(auto_id="attempt_%s"),
            "messages_relayed": [
                (message, DeliveryForm(auto_id=f"delivery{message.pk}_%s"))
                for message in tracing.messages.all()
            ],
            "message_form": MessageForm(auto_id="message_%s"),
            "told": disclosure_for_reader(tracing, user, today),
        },
    )


@login_required
@require_POST
def request_step(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _editable(request, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            services.move_request(
                actor=user,
                request=tracing,
                to=form.cleaned_data["to"],
                on=form.cleaned_data["on"],
                note=form.cleaned_data["note"],
                whereabouts=form.cleaned_data["whereabouts"] or None,
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The request's status was changed."))
    else:
        _errors(request, _("Choose a status the request may move to."))
    return _back(tracing, "timeline")


def _number(value: str | None) -> int:
    """A record's number from the form; 0 (which names nothing) for anything else."""
    if value and value.isascii() and value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    return 0


@login_required
@require_POST
def match_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _editable(request, pk)
    match = tracing.matches.filter(pk=_number(request.POST.get("match"))).first()
    if match is None or (
        not Person.objects.visible_to(user).filter(pk=match.candidate_id).exists()
    ):
        _errors(request, _("Choose one of the candidates listed."))
        return _back(tracing, "matches")
    try:
        if request.POST.get("decision") == "confirm":
            absorbed = tracing.sought_id
            services.confirm_match(actor=user, match=match)
            message = _("The match was confirmed; the records were merged.")
            raised = merges.raised_sentence(
                Merge.objects.filter(absorbed_id=absorbed).order_by("-pk").first()
            )
            messages.success(request, f"{message} {raised}" if raised else message)
        else:
            services.reject_match(actor=user, match=match)
            messages.success(request, _("The candidate was rejected."))
    except (ValidationError, PermissionDenied) as error:
        _errors(request, error)
    return _back(tracing, "matches")


@login_required
@require_POST
def match_propose(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a recorded person, found by name, among the candidates."""
    user, tracing = _editable(request, pk)
    form = MatchProposalForm(request.POST, user=user)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(tracing, "matches")
    try:
        services.propose_match(
            actor=user, request=tracing, candidate=form.cleaned_data["candidate"]
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("The person was added to the candidates."))
    return _back(tracing, "matches")


@login_required
@require_POST
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _editable(request, pk)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(tracing, "consent")
    data = form.cleaned_data
    try:
        if data["decision"] == "refusal":
            services.record_refusal(
                actor=user,
                request=tracing,
                scope=data["scope"],
                refused_on=data["on"],
                how=data["how"],
                to_public=data["to_public"],
                notes=data["notes"],
            )
            messages.success(request, _("The refusal was recorded."))
        else:
            services.record_consent(
                actor=user,
                request=tracing,
                scope=data["scope"],
                given_on=data["on"],
                expires_on=data["expires_on"],
                how=data["how"],
                to_public=data["to_public"],
                notes=data["notes"],
            )
            messages.success(request, _("The consent was recorded."))
    except ValidationError as error:
        _errors(request, error)
    return _back(tracing, "consent")


@login_required
@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdrawing a consent: a page asking which, from which day, why, and to confirm."""
    user, tracing = _editable(request, pk)
    consents = services.request_consents(tracing).filter(withdrawn_on__isnull=True)
    data = request.POST if request.method == "POST" else None
    initial = {"consent": _number(request.GET.get("consent")) or None}
    form = WithdrawalForm(data, consents=consents, initial=initial)
    if data is not None and form.is_valid():
        try:
            services.withdraw_consent(
                actor=user,
                request=tracing,
                consent=form.cleaned_data["consent"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "withdrawn_on" in error.message_dict:
                form.add_error("on", error.message_dict["withdrawn_on"])
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The consent was withdrawn; it covers nothing from %(day)s.")
                % {"day": show_date(form.cleaned_data["on"])},
            )
            return _back(tracing, "consent")
    context = {"tracing": tracing, "form": form, "consents": consents}
    return render(
        request, "tracing/consent_withdraw.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def attempt_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _editable(request, pk)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(tracing, "attempts")
    try:
        attempt = services.log_attempt(actor=user, request=tracing, **form.cleaned_data)
    except ValidationError as error:
        _errors(request, error)
        return _back(tracing, "attempts")
    messages.success(request, _("The contact attempt was logged."))
    if attempt.proposes_event:
        return redirect("tracing:attempt_event", pk=attempt.pk)
    return _back(tracing, "attempts")


@login_required
@require_http_methods(["GET", "POST"])
def attempt_event(request: HttpRequest, pk: int) -> HttpResponse:
    """The documented event a refused visa or visit proposes, for staff to confirm."""
    user = _user(request)
    attempt = get_object_or_404(
        ContactAttempt.objects.filter(
            tracing_request__in=TracingRequest.objects.visible_to(user)
        ).select_related("tracing_request__sought", "tracing_request__requester", "refused_by"),
        pk=pk,
    )
    _editable(request, attempt.tracing_request_id)
    tracing = attempt.tracing_request
    proposal = services.event_proposal(attempt, user)
    if proposal is None or attempt.event_id is not None:
        messages.info(request, _("This attempt proposes no event to document."))
        return _back(tracing)
    sought_cases = Case.objects.editable_by(user).filter(persons=tracing.sought)
    form = EventConfirmForm(
        request.POST or None,
        cases=Case.objects.editable_by(user).order_by("title"),
        initial={
            "case": sought_cases.order_by("pk").first(),
            "new_case_title": proposal.case_title,
            "description": proposal.description,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            event = services.document_refusal(
                actor=user,
                attempt=attempt,
                case=form.cleaned_data["case"],
                new_case_title=form.cleaned_data["new_case_title"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The refusal is now a documented event on the case."))
            return redirect(
                reverse("cases:case_detail", args=[event.case_id]) + f"#event-{event.pk}"
            )
    return render(
        request,
        "tracing/attempt_event.html",
        {
            "attempt": attempt,
            "tracing": tracing,
            "proposal": proposal,
            "form": form,
            "has_case": sought_cases.exists(),
        },
    )


@login_required
@require_POST
def message_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _editable(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.log_message(
                actor=user,
                request=tracing,
                text=form.cleaned_data["text"],
                written_on=form.cleaned_data["written_on"],
            )
        except ValidationError as error:
            _errors(request, error)
        else:
            messages.success(request, _("The message was logged."))
    else:
        _form_errors(request, form)
    return _back(tracing, "messages")


@login_required
@require_POST
def message_update(request: HttpRequest, pk: int) -> HttpResponse:
    """Pass a logged message on (under consent only), or record its delivery and reply."""
    user, tracing = _editable(request, pk)
    message: RelayedMessage | None = tracing.messages.filter(
        pk=_number(request.POST.get("message"))
    ).first()
    if message is None:
        _errors(request, _("Choose one of the messages listed."))
        return _back(tracing, "messages")
    try:
        if request.POST.get("action") == "relay":
            services.relay_message(actor=user, message=message)
            messages.success(request, _("The message was passed on."))
        else:
            form = DeliveryForm(request.POST, auto_id=f"delivery{message.pk}_%s")
            if not form.is_valid():
                raise ValidationError(_("Give valid dates."))
            services.record_delivery(
                actor=user,
                message=message,
                delivered_on=form.cleaned_data["delivered_on"],
                reply=form.cleaned_data["reply"],
                reply_on=form.cleaned_data["reply_on"],
            )
            messages.success(request, _("The delivery was recorded."))
    except ValidationError as error:
        _errors(request, error)
    return _back(tracing, "messages")


# Prepared for the requester: consent-governed


def _for_requester(request: HttpRequest, pk: int) -> tuple[User, TracingRequest]:
    user = _user(request)
    return user, _visible(user, pk)


@login_required
@require_GET
@never_cache
def requester_reply(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _for_requester(request, pk)
    told = disclosure_for_reader(tracing, user, timezone.localdate())
    return render(
        request,
        "tracing/requester_reply.html",
        {"tracing": tracing, "told": told, "letterhead": settings.LETTERHEAD},
    )


@login_required
@require_GET
@never_cache
def requester_reply_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _for_requester(request, pk)
    told = disclosure_for_reader(tracing, user, timezone.localdate())
    content = pdf.render_reply_pdf(told)
    audit(Action.DOWNLOAD, actor=user, target=tracing, detail={"requester_reply": True})
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"reply-{tracing.reference}.pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@never_cache
def requester_export(request: HttpRequest, pk: int) -> HttpResponse:
    user, tracing = _for_requester(request, pk)
    told = disclosure_for_reader(tracing, user, timezone.localdate())
    audit(Action.EXPORT, actor=user, target=tracing, detail={"requester_report": True})
    response = HttpResponse(
        json.dumps(told.as_json(), ensure_ascii=False, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"requester-{tracing.reference}.json"
    )
    response["Cache-Control"] = "private, no-store"
    return response
