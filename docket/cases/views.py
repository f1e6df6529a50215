"""The case pages: cases with their figures and timeline, the events in them, sources with
their evidence files, authorities, the history of each, and the deleted-records page.

Reads go through each model's `visible_to(user)`, so a record the reader may not
see answers 404 exactly like one that does not exist; a record they may see but
not change answers 403 to a change. Writes go through docket.cases.services and
nothing else: a view only turns their PermissionDenied, ValidationError and
StaleEdit into pages.
"""

import copy
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, Prefetch, Q, QuerySet
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from docket.accounts.models import Role, User
from docket.accounts.permissions import DELETERS, may_create, may_delete
from docket.cases import figures as case_figures
from docket.cases import services
from docket.cases.forms import (
    AuthorityFilterForm,
    AuthorityForm,
    CaseFilterForm,
    CaseForm,
    EventForm,
    EvidenceForm,
    InvolvementFormSet,
    RelativeRefusalForm,
    SourceFilterForm,
    SourceForm,
)
from docket.cases.models import (
    Authority,
    Case,
    Event,
    Evidence,
    Involvement,
    InvolvementRole,
    Source,
)
from docket.law.rights import articles_engaged, load_rules
from docket.letters import scorecards
from docket.letters.figures import authority_figures
from docket.letters.models import Letter
from docket.lib.access import get_restorable, get_visible
from docket.lib.history import FieldValue, history_page, record_values, version_page
from docket.lib.records import MAX_ID, Record
from docket.lib.services import require_editable
from docket.lib.versioning import StaleEdit
from docket.people.finder import find_persons
from docket.people.models import Person
from docket.search.facets import case_facets

PAGE_SIZE = 25
# How many recently changed persons and sources a form lists besides those already chosen;
# any other visible one is found by name.
OFFERED = 30
FOUND = 20


def _user(request: HttpRequest) -> User:
    # Every view here is behind login_required, which lets only a signed-in User through.
    return cast(User, request.user)


def _require_creator(user: User) -> None:
    if not may_create(user):
        raise PermissionDenied(_("Your role may not add or change records."))


def _may_edit(user: User, record: Record) -> bool:
    try:
        require_editable(user, record)
    except PermissionDenied:
        return False
    return True


def _may_delete(user: User, record: Record) -> bool:
    return _may_edit(user, record) and may_delete(user, record)


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal on the form: by field where the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _ids(values: Iterable[str]) -> list[int]:
    """The values that can be record ids; "²" is a digit to isdigit(), not to int()."""
    return [
        int(value)
        for value in values
        if value.isascii() and value.isdigit() and int(value) <= MAX_ID
    ]


@dataclass
class Conflict:
    """Someone else saved the record while this form was open: their version, to show."""

    saved: list[FieldValue]
    saved_by: str
    saved_at: Any


def _conflict(request: HttpRequest, current: Record, fields: Iterable[str]) -> Conflict:
    """What the other person saved, of `current`: the record read again through the read
    door (docket.lib.access), never the one the refused save carries."""
    last = current.history.select_related("history_user").first()  # type: ignore[attr-defined]
    saved_by = _("someone")
    if last is not None and last.history_user is not None:
        saved_by = last.history_user.display_name
    return Conflict(
        saved=record_values(current, request.user, only=set(fields)),
        saved_by=saved_by,
        saved_at=current.updated_at,
    )


def _rebased(request: HttpRequest, current: Record) -> QueryDict:
    """The user's input as typed, now carrying the saved version: saving it again is a
    deliberate choice made with the other change in view."""
    data = request.POST.copy()
    data["version"] = str(current.version)
    return data


def _values(form: BaseForm, names: Iterable[str]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in names}


def _confirm_delete(
    request: HttpRequest, record: Record, *, cancel_url: str, done_url: str
) -> HttpResponse:
    """The confirmation page on GET; the soft deletion itself on POST."""
    user = _user(request)
    if not _may_delete(user, record):
        raise PermissionDenied(
            _("Only a coordinator of the owning team may delete or restore this.")
        )
    if request.method == "POST":
        services.delete_record(actor=user, record=record)
        messages.success(
            request,
            _("“%(record)s” was deleted. A coordinator can restore it from Deleted records.")
            % {"record": record},
        )
        return redirect(done_url)
    context = {"record": record, "model_name": record._meta.verbose_name, "cancel_url": cancel_url}
    return render(request, "cases/confirm_delete.html", context)


def _offered_persons(visible: QuerySet[Person], keep: Iterable[int]) -> QuerySet[Person]:
    """The persons a form lists: those already chosen and the most recently changed."""
    recent = visible.order_by("-updated_at").values("pk")[:OFFERED]
    return visible.filter(Q(pk__in=list(keep)) | Q(pk__in=recent))


# Cases


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CaseFilterForm(request.GET or None)
    cases = (
        form.apply(Case.objects.visible_to(user))
        .select_related("team")
        .prefetch_related(
            Prefetch(
                "persons",
                queryset=Person.objects.visible_to(user).prefetch_related("names"),
                to_attr="visible_persons",
            )
        )
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "may_create": may_create(user),
        "facets": case_facets(user, form),
    }
    template = "cases/case_list.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def person_choices(request: HttpRequest) -> HttpResponse:
    """Visible persons whose names contain ?name=, as checkboxes for the case form."""
    fragment = request.GET.get("name", "").strip()
    persons: list[Person] = []
    if fragment:
        # Any spelling, in either script (the search index's name keys), or a number.
        persons = find_persons(_user(request), fragment, limit=FOUND)
    return render(request, "cases/person_choices.html", {"persons": persons, "name": fragment})


def _case_form(
    request: HttpRequest, user: User, case: Case | None, data: QueryDict | None = None
) -> CaseForm:
    visible = Person.objects.visible_to(user)
    keep = _ids(request.POST.getlist("persons"))
    if case is not None:
        keep += list(case.persons.values_list("pk", flat=True))
    initial: dict[str, Any] = {}
    if case is not None:
        initial = {"version": case.version, "persons": list(visible.filter(cases=case))}
    else:
        teams = list(user.teams.all())
        initial = {"team": teams[0] if len(teams) == 1 else None}
    return CaseForm(
        data if data is not None else (request.POST or None),
        instance=case,
        initial=initial,
        user=user,
        persons=visible,
        offered=_offered_persons(visible, keep),
    )


CASE_FIELDS = ("title", "summary", "status", "confidentiality", "team")


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_creator(user)
    form = _case_form(request, user, None)
    if request.method == "POST" and form.is_valid():
        values = _values(form, CASE_FIELDS)
        try:
            case = services.open_case(
                actor=user,
                persons=list(form.cleaned_data["persons"]),
                **values,
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The case was opened."))
            return redirect("cases:case_detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "case": None})


@dataclass
class PersonRow:
    person: Person
    figures: case_figures.PersonFigures | None
    status: str


@dataclass
class TimelineEntry:
    event: Event
    involvements: list[Involvement]
    sources: list[Source]


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = get_visible(Case.objects.select_related("team", "created_by"), user, pk)
    figures = case_figures.case_figures(case, as_of=timezone.localdate(), user=user)
    persons = list(Person.objects.visible_to(user).filter(cases=case).prefetch_related("names"))
    shown = {person.pk for person in persons}
    rows = []
    for person in sorted(persons, key=lambda person: person.display_name):
        found = figures.persons.get(person.pk)
        status = case_figures.STATUS_LABELS[found.current_status] if found else _("Unknown")
        rows.append(PersonRow(person, found, str(status)))
    visible_sources = set(
        Source.objects.visible_to(user).filter(events__case=case).values_list("pk", flat=True)
    )
    timeline = [
        TimelineEntry(
            event=event,
            # A person or source the reader may not see stays off the page, though the event shows.
            involvements=[
                involvement
                for involvement in event.involvements.all()
                if involvement.person_id in shown
            ],
            sources=[source for source in event.sources.all() if source.pk in visible_sources],
        )
        for event in figures.events
    ]
    may_edit = _may_edit(user, case)
    context = {
        "case": case,
        "persons": rows,
        "timeline": timeline,
        "rights": articles_engaged(figures.events, load_rules()),
        "may_edit": may_edit,
        "may_delete": may_edit and may_delete(user, case),
        "today": timezone.localdate(),
    }
    return render(request, "cases/case_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = get_visible(Case, user, pk, action="edit")
    # The form and the service change `case` in memory; headings show what is saved.
    saved = copy.copy(case)
    # Persons on the case whom this user may not see stay on it.
    unseen = list(case.persons.exclude(pk__in=Person.objects.visible_to(user).values("pk")))
    form = _case_form(request, user, case)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(
                actor=user,
                case=case,
                expected_version=form.cleaned_data["version"],
                persons=[*form.cleaned_data["persons"], *unseen],
                **_values(form, CASE_FIELDS),
            )
        except StaleEdit:
            current = get_visible(Case, user, pk)
            conflict = _conflict(request, current, [*CASE_FIELDS, "persons"])
            form = _case_form(request, user, current, _rebased(request, current))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The case was saved."))
            return redirect("cases:case_detail", pk=case.pk)
    context = {"form": form, "case": saved, "conflict": conflict}
    return render(request, "cases/case_form.html", context, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def case_delete(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_visible(Case, _user(request), pk)
    return _confirm_delete(
        request,
        case,
        cancel_url=reverse("cases:case_detail", args=[case.pk]),
        done_url=reverse("cases:case_list"),
    )


@login_required
@require_GET
def case_history(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_visible(Case, _user(request), pk)
    return history_page(
        request,
        case,
        version_url_name="cases:case_version",
        back_url=reverse("cases:case_detail", args=[case.pk]),
    )


@login_required
@require_GET
def case_version(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    case = get_visible(Case, _user(request), pk)
    return version_page(
        request,
        case,
        history_id,
        history_url=reverse("cases:case_history", args=[case.pk]),
        back_url=reverse("cases:case_detail", args=[case.pk]),
    )


# Events


EVENT_FIELDS = services.EVENT_FIELDS


def _event_forms(
    request: HttpRequest,
    user: User,
    case: Case,
    event: Event | None,
    data: QueryDict | None = None,
) -> tuple[EventForm, Any]:
    """The event form and the formset of persons involved, bound on POST."""
    bound = data if data is not None else (request.POST or None)
    visible_persons = Person.objects.visible_to(user)

    visible_sources = Source.objects.visible_to(user)
    keep = _ids(request.POST.getlist("sources"))
    if event is not None:
        keep += list(event.sources.values_list("pk", flat=True))
    recent = visible_sources.order_by("-updated_at").values("pk")[:OFFERED]
    offered_sources = visible_sources.filter(
        Q(pk__in=keep) | Q(events__case=case) | Q(pk__in=recent)
    ).distinct()

    initial: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    if event is not None:
        initial = {"version": event.version, "sources": list(visible_sources.filter(events=event))}
        rows = [
            {"person": involvement.person_id, "role": involvement.role_id}
            for involvement in event.involvements.filter(person__in=visible_persons)
        ]
    elif bound is None:
        # A new event of a case of one person starts with that person, as the victim;
        # only on the blank form: a posted form says itself who is in it.
        only = list(visible_persons.filter(cases=case).values_list("pk", flat=True)[:2])
        if len(only) == 1 and case.persons.count() == 1:
            victim = InvolvementRole.objects.filter(code="victim").first()
            rows = [{"person": only[0], "role": victim.pk if victim else None}]
    if request.method == "GET" and request.headers.get("HX-Request"):
        # Redrawing the fields a type asks for: keep what the user has typed in them.
        initial = {**initial, **request.GET.dict()}
    form = EventForm(
        bound,
        instance=event,
        initial=initial,
        sources=visible_sources,
        offered_sources=offered_sources,
    )
    form.fields["type"].widget.attrs["hx-get"] = request.path
    formset = InvolvementFormSet(
        bound,
        initial=rows,
        prefix="persons",
        form_kwargs={"persons": visible_persons, "user": user},
    )
    return form, formset


def _involvements(formset: Any, unseen: list[Involvement]) -> list[services.InvolvementInput]:
    chosen = [
        services.InvolvementInput(row["person"], row["role"])
        for row in formset.cleaned_data
        if row.get("person") and row.get("role")
    ]
    # Involvements of persons this user may not see stay as they were.
    return chosen + [services.InvolvementInput(item.person, item.role) for item in unseen]


def _event_page(
    request: HttpRequest,
    case: Case,
    event: Event | None,
    form: EventForm,
    formset: Any,
    conflict: Conflict | None = None,
) -> HttpResponse:
    context = {
        "case": case,
        "event": event,
        "form": form,
        "formset": formset,
        "conflict": conflict,
    }
    if request.method == "GET" and request.headers.get("HX-Request"):
        return render(request, "cases/event_form.html#type-fields", context)
    return render(request, "cases/event_form.html", context, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    case = get_visible(Case, user, pk, action="edit")
    form, formset = _event_forms(request, user, case, None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            event = services.add_event(
                actor=user,
                case=case,
                involvements=_involvements(formset, []),
                sources=list(form.cleaned_data["sources"]),
                **_values(form, EVENT_FIELDS),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The event was added."))
            return redirect(reverse("cases:case_detail", args=[case.pk]) + f"#event-{event.pk}")
    return _event_page(request, case, None, form, formset)


@login_required
@require_http_methods(["GET", "POST"])
def relative_refusal(request: HttpRequest, pk: int) -> HttpResponse:
    """A family member's refused visa or visit, from the case, in one form and one
    transaction (services.record_relative_refusal)."""
    from docket.linkage.lookalike import Lookalike, lookalikes
    from docket.people.services import NameInput

    user = _user(request)
    case = get_visible(Case, user, pk, action="edit")
    data = request.POST if request.method == "POST" else None
    form = RelativeRefusalForm(data, user=user, case=case, persons=Person.objects.visible_to(user))
    alike: list[Lookalike] = []
    if data is not None and form.is_valid():
        values = form.cleaned_data
        relative: Person | services.NewRelative = values["relative"]
        if not relative:
            names = form.new_names()
            alike = lookalikes(
                user, [(text, "full") for text, _script in names], values["birth_date"]
            )
            in_team = case.team_id is not None and (
                user.role == Role.ADMINISTRATOR or user.teams.filter(pk=case.team_id).exists()
            )
            relative = services.NewRelative(
                names=[NameInput(text, script) for text, script in names],
                fields={
                    "birth_date": values["birth_date"],
                    "confidentiality": case.confidentiality,
                },
                team=case.team if in_team else None,
            )
        if not alike or values["save_anyway"]:
            try:
                event = services.record_relative_refusal(
                    actor=user,
                    case=case,
                    person=values["person"],
                    relative=relative,
                    kind=values["kind"],
                    type=values["type"],
                    start=values["start"],
                    authority=values["authority"],
                    description=values["description"],
                )
            except (ValidationError, PermissionDenied) as error:
                if isinstance(error, ValidationError):
                    _show_errors(form, error)
                else:
                    form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("The family member, their relationship and the refusal were recorded."),
                )
                return redirect(reverse("cases:case_detail", args=[case.pk]) + f"#event-{event.pk}")
    context = {"case": case, "form": form, "lookalikes": alike}
    return render(
        request, "cases/relative_refusal.html", context, status=400 if form.errors else 200
    )


def _visible_event(request: HttpRequest, pk: int) -> Event:
    event: Event = get_visible(Event.objects.select_related("case", "type"), _user(request), pk)
    return event


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    event = _visible_event(request, pk)
    case = event.case
    require_editable(user, case)
    visible_persons = Person.objects.visible_to(user)
    unseen_involvements = list(
        event.involvements.exclude(person__in=visible_persons).select_related("person", "role")
    )
    unseen_sources = list(event.sources.exclude(pk__in=Source.objects.visible_to(user)))
    form, formset = _event_forms(request, user, case, event)
    conflict = None
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.update_event(
                actor=user,
                event=event,
                expected_version=form.cleaned_data["version"],
                involvements=_involvements(formset, unseen_involvements),
                sources=[*form.cleaned_data["sources"], *unseen_sources],
                **_values(form, EVENT_FIELDS),
            )
        except StaleEdit:
            current = get_visible(Event.objects.select_related("case", "type"), user, pk)
            conflict = _conflict(request, current, [*EVENT_FIELDS, "sources"])
            form, formset = _event_forms(request, user, case, current, _rebased(request, current))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The event was saved."))
            return redirect(reverse("cases:case_detail", args=[case.pk]) + f"#event-{event.pk}")
    return _event_page(request, case, event, form, formset, conflict)


@login_required
@require_http_methods(["GET", "POST"])
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    case_url = reverse("cases:case_detail", args=[event.case_id])
    return _confirm_delete(
        request, event, cancel_url=f"{case_url}#event-{event.pk}", done_url=case_url
    )


@login_required
@require_GET
def event_history(request: HttpRequest, pk: int) -> HttpResponse:
    event = _visible_event(request, pk)
    return history_page(
        request,
        event,
        version_url_name="cases:event_version",
        back_url=reverse("cases:case_detail", args=[event.case_id]) + f"#event-{event.pk}",
    )


@login_required
@require_GET
def event_version(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    event = _visible_event(request, pk)
    return version_page(
        request,
        event,
        history_id,
        history_url=reverse("cases:event_history", args=[event.pk]),
        back_url=reverse("cases:case_detail", args=[event.case_id]) + f"#event-{event.pk}",
    )


# Sources and evidence


@login_required
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = SourceFilterForm(request.GET or None)
    sources = form.apply(Source.objects.visible_to(user)).select_related("team")
    page = Paginator(sources.order_by("-updated_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "may_create": may_create(user)}
    template = "cases/source_list.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


SOURCE_FIELDS = services.SOURCE_FIELDS


def _source_form(
    request: HttpRequest, user: User, source: Source | None, data: QueryDict | None = None
) -> SourceForm:
    if source is not None:
        initial: dict[str, Any] = {"version": source.version}
    else:
        teams = list(user.teams.all())
        initial = {"team": teams[0] if len(teams) == 1 else None}
    return SourceForm(
        data if data is not None else (request.POST or None),
        instance=source,
        initial=initial,
        user=user,
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_creator(user)
    form = _source_form(request, user, None)
    if request.method == "POST" and form.is_valid():
        try:
            source = services.create_source(actor=user, **_values(form, SOURCE_FIELDS))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The source was added. You can attach files to it now."))
            return redirect("cases:source_detail", pk=source.pk)
    return render(request, "cases/source_form.html", {"form": form, "source": None})


def _source_page(
    request: HttpRequest, source: Source, upload: EvidenceForm | None = None
) -> HttpResponse:
    user = _user(request)
    events = (
        Event.objects.visible_to(user)
        .filter(sources=source)
        .select_related("type", "case")
        .order_by("start_on", "id")
    )
    may_edit = _may_edit(user, source)
    context = {
        "source": source,
        "events": events,
        "files": source.files.select_related("added_by", "derived_from"),
        "strippable": services.STRIPPABLE,
        "upload": upload or EvidenceForm(originals=_originals(source)),
        "may_edit": may_edit,
        "may_delete": may_edit and may_delete(user, source),
    }
    return render(request, "cases/source_detail.html", context)


def _originals(source: Source) -> QuerySet[Evidence]:
    return source.files.filter(derived_from__isnull=True)


def _visible_source(request: HttpRequest, pk: int) -> Source:
    source: Source = get_visible(
        Source.objects.select_related("team", "created_by"), _user(request), pk
    )
    return source


@login_required
@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _source_page(request, _visible_source(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    source = _visible_source(request, pk)
    require_editable(user, source)
    saved = copy.copy(source)
    form = _source_form(request, user, source)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_source(
                actor=user,
                source=source,
                expected_version=form.cleaned_data["version"],
                **_values(form, SOURCE_FIELDS),
            )
        except StaleEdit:
            current = get_visible(Source, user, pk)
            conflict = _conflict(request, current, SOURCE_FIELDS)
            form = _source_form(request, user, current, _rebased(request, current))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The source was saved."))
            return redirect("cases:source_detail", pk=source.pk)
    context = {"form": form, "source": saved, "conflict": conflict}
    return render(request, "cases/source_form.html", context, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = _visible_source(request, pk)
    return _confirm_delete(
        request,
        source,
        cancel_url=reverse("cases:source_detail", args=[source.pk]),
        done_url=reverse("cases:source_list"),
    )


@login_required
@require_GET
def source_history(request: HttpRequest, pk: int) -> HttpResponse:
    source = _visible_source(request, pk)
    return history_page(
        request,
        source,
        version_url_name="cases:source_version",
        back_url=reverse("cases:source_detail", args=[source.pk]),
    )


@login_required
@require_GET
def source_version(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    source = _visible_source(request, pk)
    return version_page(
        request,
        source,
        history_id,
        history_url=reverse("cases:source_history", args=[source.pk]),
        back_url=reverse("cases:source_detail", args=[source.pk]),
    )


@login_required
@require_POST
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    source = _visible_source(request, pk)
    require_editable(user, source)
    form = EvidenceForm(request.POST, request.FILES, originals=_originals(source))
    if form.is_valid():
        try:
            if form.cleaned_data["copy_of"] is not None:
                evidence = services.attach_redacted_copy(
                    actor=user,
                    original=form.cleaned_data["copy_of"],
                    upload=form.cleaned_data["file"],
                )
            else:
                evidence = services.attach_evidence(
                    actor=user, source=source, upload=form.cleaned_data["file"]
                )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request, _("“%(name)s” was attached and fingerprinted.") % {"name": evidence.name}
            )
            return redirect("cases:source_detail", pk=source.pk)
    return _source_page(request, source, form)


@login_required
@require_POST
def evidence_strip(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a copy of a picture without its metadata, for sharing."""
    user = _user(request)
    original = get_visible(Evidence.objects.select_related("source"), user, pk)
    require_editable(user, original.source)
    try:
        # Decoding a large picture takes seconds and much memory: the worker does it.
        services.request_metadata_stripped_copy(actor=user, original=original)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _source_page(request, original.source)
    messages.success(
        request,
        _(
            "A copy of “%(name)s” without its metadata is being prepared; it appears on "
            "this page in a minute or so."
        )
        % {"name": original.name},
    )
    return redirect("cases:source_detail", pk=original.source_id)


@login_required
@require_GET
@never_cache
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file itself, to those who may see its source; every download is logged first."""
    user = _user(request)
    # The download is logged as such (services.record_download), not as a view too.
    evidence = get_visible(Evidence, user, pk, audit=False)
    try:
        # Stored sealed; opened here only for someone who may see its source.
        content = services.read_evidence(evidence)
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    services.record_download(actor=user, evidence=evidence)
    response = FileResponse(
        io.BytesIO(content),
        as_attachment=True,
        filename=evidence.name,
        content_type=evidence.content_type,
    )
    # Evidence must not linger in shared caches or be rendered by the browser.
    response["Cache-Control"] = "private, no-store"
    return response


# Authorities


@login_required
@require_GET
def authority_list(request: HttpRequest) -> HttpResponse:
    """Every authority with its scorecard, counted over the letters the reader may see,
    sorted by any column (?sort=overdue, ?sort=-share)."""
    user = _user(request)
    form = AuthorityFilterForm(request.GET or None)
    authorities = form.apply(Authority.objects.visible_to(user)).order_by("name", "pk")
    sort = scorecards.Sort.parse(request.GET.get("sort"))
    rows = scorecards.rows(
        authorities,
        letters=Letter.objects.visible_to(user),
        as_of=timezone.localdate(),
        sort=sort,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "may_create": may_create(user),
        "sort": sort.value,
        "headers": scorecards.headers(sort),
    }
    template = "cases/authority_list.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


@login_required
@require_GET
def authority_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One authority: its scorecard and the letters to it, of those the reader may see."""
    user = _user(request)
    authority = get_visible(Authority, user, pk)
    letters = Letter.objects.visible_to(user)
    as_of = timezone.localdate()
    context = {
        "authority": authority,
        "figures": authority_figures(authority, as_of=as_of, letters=letters),
        "deadline": scorecards.deadline_rule(authority),
        "letters": scorecards.letters_to(authority, letters=letters, as_of=as_of),
        "may_create": may_create(user),
    }
    return render(request, "cases/authority_detail.html", context)


AUTHORITY_FIELDS = services.AUTHORITY_FIELDS


@login_required
@require_http_methods(["GET", "POST"])
def authority_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_creator(user)
    form = AuthorityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_authority(actor=user, **_values(form, AUTHORITY_FIELDS))
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The authority was added."))
            return redirect("cases:authority_list")
    return render(request, "cases/authority_form.html", {"form": form, "authority": None})


@login_required
@require_http_methods(["GET", "POST"])
def authority_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    authority = get_visible(Authority, user, pk)
    _require_creator(user)
    saved = copy.copy(authority)
    form = AuthorityForm(
        request.POST or None, instance=authority, initial={"version": authority.version}
    )
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_authority(
                actor=user,
                authority=authority,
                expected_version=form.cleaned_data["version"],
                **_values(form, AUTHORITY_FIELDS),
            )
        except StaleEdit:
            current = get_visible(Authority, user, pk)
            conflict = _conflict(request, current, AUTHORITY_FIELDS)
            form = AuthorityForm(_rebased(request, current), instance=current)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The authority was saved."))
            return redirect("cases:authority_list")
    context = {"form": form, "authority": saved, "conflict": conflict}
    return render(request, "cases/authority_form.html", context, status=409 if conflict else 200)


@login_required
@require_GET
def authority_history(request: HttpRequest, pk: int) -> HttpResponse:
    authority = get_visible(Authority, _user(request), pk)
    return history_page(
        request,
        authority,
        version_url_name="cases:authority_version",
        back_url=reverse("cases:authority_list"),
    )


@login_required
@require_GET
def authority_version(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    authority = get_visible(Authority, _user(request), pk)
    return version_page(
        request,
        authority,
        history_id,
        history_url=reverse("cases:authority_history", args=[authority.pk]),
        back_url=reverse("cases:authority_list"),
    )


# Deleted records

RESTORABLE: dict[str, type[Model]] = {
    "case": Case,
    "event": Event,
    "source": Source,
    "letter": Letter,
}


def _require_deleter(user: User) -> None:
    if user.role not in DELETERS:
        raise PermissionDenied(_("Only coordinators and administrators see deleted records."))


def _restorable(user: User, model: type[Model]) -> list[Any]:
    """Deleted records of `model` that `user` may restore, most recently deleted first."""
    queryset = model._default_manager.all()
    assert hasattr(queryset, "editable_by")  # noqa: S101 - a Record's queryset
    deleted = queryset.editable_by(user, include_deleted=True).deleted()
    if model is Event:
        deleted = deleted.select_related("case", "type")
    records = deleted.select_related("deleted_by").order_by("-deleted_at")
    return [record for record in records if may_delete(user, record)]


@login_required
@require_GET
def deleted_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_deleter(user)
    context = {
        "groups": [
            (_("Cases"), "case", _restorable(user, Case)),
            (_("Events"), "event", _restorable(user, Event)),
            (_("Sources"), "source", _restorable(user, Source)),
            (_("Letters"), "letter", _restorable(user, Letter)),
        ]
    }
    return render(request, "cases/deleted_list.html", context)


@login_required
@require_POST
def record_restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = _user(request)
    _require_deleter(user)
    model = RESTORABLE.get(kind)
    if model is None:
        raise Http404
    record = cast(Record, get_restorable(model, user, pk))
    services.restore_record(actor=user, record=record)
    messages.success(request, _("“%(record)s” was restored.") % {"record": record})
    return redirect("cases:deleted_list")
