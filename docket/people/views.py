"""The people pages: the list, a person's page, the new and edit forms, relatives,
history, and soft deletion.

Reads go through Person.objects.visible_to(user), so a person the reader may
not see answers 404 exactly like one that does not exist. Writes go through
docket.people.services and docket.cases.services and nothing else; a view only
turns their PermissionDenied, ValidationError and StaleEdit into pages.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import now
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from docket.accounts.confirmation import changes_need_recent_confirmation
from docket.accounts.models import User
from docket.accounts.permissions import DELETERS, may_create, may_delete
from docket.cases import figures as case_figures
from docket.cases.models import Case, Event, Involvement, InvolvementRole, Source
from docket.cases.services import delete_record, restore_record
from docket.law.models import Article
from docket.lib import history
from docket.lib.access import get_restorable, get_visible
from docket.lib.versioning import StaleEdit
from docket.linkage.lookalike import Lookalike, lookalikes
from docket.people import erasure, finder, merge_views, merges, services
from docket.people.forms import (
    BaseNameFormSet,
    NameFormSet,
    NewPersonForm,
    PersonEditForm,
    PersonFilterForm,
    PersonForm,
    QuickPersonForm,
    RelativeForm,
    name_rows,
)
from docket.people.models import NameKind, Person, PersonName, Relationship, Script
from docket.people.services import NameInput
from docket.tracing.models import TracingRequest

PAGE_SIZE = 25
# How many persons the relative search offers at once; a longer fragment narrows it.
CANDIDATE_LIMIT = 20


def _user(request: HttpRequest) -> User:
    # Every view here is behind login_required, which lets only a signed-in User through.
    return cast(User, request.user)


def _visible(user: User) -> QuerySet[Person]:
    return Person.objects.visible_to(user).select_related("team").prefetch_related("names")


def _person(user: User, pk: int) -> Person:
    """The person `pk` through the read door (docket.lib.access), names and team loaded."""
    person: Person = get_visible(
        Person.objects.select_related("team").prefetch_related("names"), user, pk
    )
    return person


def _may_edit(user: User, person: Person) -> bool:
    return Person.objects.editable_by(user).filter(pk=person.pk).exists()


def _editable(request: HttpRequest, pk: int) -> tuple[User, Person]:
    """The person to change: 404 if the user may not see them, 403 if only not change them."""
    user = _user(request)
    person = _person(user, pk)
    if not _may_edit(user, person):
        raise PermissionDenied(_("You may not change this person."))
    return user, person


def _show_errors(error: ValidationError, form: PersonForm) -> None:
    """Put a service's ValidationError beside the field it concerns, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field_name, errors in error.message_dict.items():
        if field_name in form.fields:
            form.add_error(field_name, errors)
        else:
            form.add_error(None, errors)


# The list


@login_required
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = PersonFilterForm(request.GET or None)
    filters.is_valid()
    # Newest first: the primary key orders it without an extra index at any size.
    persons = filters.apply(Person.objects.visible_to(user)).order_by("-pk")
    page = Paginator(persons.prefetch_related("names"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/person_list.html",
        {
            "filters": filters,
            "page": page,
            "filtered": any(request.GET.get(name) for name in filters.fields),
            "may_create": may_create(user),
            "may_restore": user.role in DELETERS,
        },
    )


# A person's page


@dataclass
class EventRow:
    event: Event
    roles: list[InvolvementRole] = field(default_factory=list)


@dataclass
class RelativeRow:
    label: str
    person: Person


def _event_rows(person: Person, user: User) -> list[EventRow]:
    """The person's visible events in date order, each with every role they had in it."""
    involvements = (
        # Exists, not event__in: SQLite would first list every event the reader may see.
        Involvement.objects.filter(person=person)
        .filter(Exists(Event.objects.visible_to(user).filter(pk=OuterRef("event_id"))))
        .select_related("event__type", "event__case", "event__authority", "role")
        .order_by("event__start_on", "event__id", "role__position")
    )
    rows: dict[int, EventRow] = {}
    for involvement in involvements:
        row = rows.setdefault(involvement.event_id, EventRow(involvement.event))
        row.roles.append(involvement.role)
    return list(rows.values())


def _relative_rows(person: Person, user: User) -> list[RelativeRow]:
    """Relatives in both directions, only those the user may see.

    {person: A, relative: B, kind: parent} reads "Parent: B" on A's page and
    "Parent of: A" on B's.
    """
    visible = Person.objects.visible_to(user)
    rows = [
        RelativeRow(relationship.kind.shown, relationship.relative)
        for relationship in Relationship.objects.filter(person=person)
        .filter(Exists(visible.filter(pk=OuterRef("relative_id"))))
        .select_related("kind")
        .prefetch_related("relative__names")
        .order_by("kind__position", "pk")
    ]
    rows += [
        RelativeRow(
            _("%(relationship)s of") % {"relationship": relationship.kind.shown},
            relationship.person,
        )
        for relationship in Relationship.objects.filter(relative=person)
        .filter(Exists(visible.filter(pk=OuterRef("person_id"))))
        .select_related("kind")
        .prefetch_related("person__names")
        .order_by("kind__position", "pk")
    ]
    return rows


@dataclass
class TracingRow:
    """A tracing request this person is in: who looks for whom, as the reader may see it."""

    request: TracingRequest
    requester: Person | None
    sought: Person | None


def _tracing_rows(person: Person, user: User) -> list[TracingRow]:
    """Visible tracing requests where the person asks or is sought; the other side is named
    only when the reader may see them."""
    requests = list(
        TracingRequest.objects.visible_to(user)
        .filter(Q(requester=person) | Q(sought=person))
        .order_by("-pk")
    )
    ids = {r.requester_id for r in requests} | {r.sought_id for r in requests}
    shown = {p.pk: p for p in _visible(user).filter(pk__in=ids)}
    return [TracingRow(r, shown.get(r.requester_id), shown.get(r.sought_id)) for r in requests]


def _articles(references: list[str]) -> list[tuple[str, str]]:
    """(reference, title) for each right at stake, in the order given."""
    if not references:
        return []
    titles = {
        article.reference: article.shown_title
        for article in Article.objects.select_related("instrument")
    }
    return [(reference, titles.get(reference, "")) for reference in references]


@login_required
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        person = _person(user, pk)
    except Http404:
        # A person merged into another leads to them, for a reader who may see both.
        target = merges.merged_target(user, pk)
        if target is None:
            raise
        return redirect("people:person_detail", pk=target.pk)
    editable = _may_edit(user, person)
    events = _event_rows(person, user)
    figures = case_figures.person_figures(person, as_of=timezone.localdate(), user=user)
    sources = (
        Source.objects.visible_to(user)
        .filter(events__in=[row.event.pk for row in events])
        .distinct()
        .order_by("title", "pk")
    )
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "editable": editable,
            "deletable": editable and may_delete(user, person),
            "erasable": not person.erased and erasure.may_erase(user, person),
            "figures": figures,
            "current_status": case_figures.STATUS_LABELS.get(figures.current_status, ""),
            "rights": _articles(figures.rights_at_stake),
            "cases": Case.objects.visible_to(user).filter(persons=person).order_by("title"),
            "events": events,
            "relatives": _relative_rows(person, user),
            "tracing_rows": _tracing_rows(person, user),
            "sources": sources,
            "merges": merge_views.merge_rows(user, person),
            "may_find_duplicates": merges.may_merge(user, person),
        },
    )


# New person, edit person


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_create(user):
        raise PermissionDenied(_("Your role may not add persons."))
    data = request.POST if request.method == "POST" else None
    form = NewPersonForm(data, user=user)
    names = NameFormSet(data, prefix="names", initial=name_rows(None))
    alike: list[Lookalike] = []
    if data is not None and all([form.is_valid(), names.is_valid()]):
        given = [(name.name, name.kind) for name in names.name_inputs()]
        alike = lookalikes(user, given, form.cleaned_data["birth_date"])
        if not alike or form.cleaned_data["save_anyway"]:
            try:
                person = services.create_person(
                    actor=user, names=names.name_inputs(), **form.person_fields()
                )
            except ValidationError as error:
                _show_errors(error, form)
            else:
                messages.success(request, _("The person was added."))
                return redirect("people:person_detail", pk=person.pk)
    return render(
        request, "people/person_form.html", {"form": form, "names": names, "lookalikes": alike}
    )


# Finding a person, and adding one from another form


@login_required
@require_GET
def person_find(request: HttpRequest) -> JsonResponse:
    """Persons the user may see whose names match ?q= in any spelling or script (or whose
    number it is), as JSON for finder.js: id, name, names, birth year and nationality.
    With ?lookalike=1 the persons a new person of that name would look like."""
    user = _user(request)
    text = request.GET.get("q", "")[:200]
    if request.GET.get("lookalike"):
        found = [item.person for item in lookalikes(user, [(text, NameKind.FULL)])]
    else:
        found = finder.find_persons(user, text)
    return JsonResponse({"q": text, "results": [finder.as_json(person) for person in found]})


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def person_quick(request: HttpRequest) -> HttpResponse:
    """A new person in a few fields, from the form that needs one. finder.js shows it in a
    dialog and reads the JSON answer; without JavaScript it is a page that goes back."""
    user = _user(request)
    if not may_create(user):
        raise PermissionDenied(_("Your role may not add persons."))
    data = request.POST if request.method == "POST" else None
    initial = {"name": request.GET.get("name", "")[:200]}
    form = QuickPersonForm(data, user=user, initial=initial)
    wants_json = "application/json" in request.headers.get("Accept", "")
    alike: list[Lookalike] = []
    if data is not None and form.is_valid():
        given = [(name.name, name.kind) for name in form.name_inputs()]
        alike = lookalikes(user, given, form.cleaned_data["birth_date"])
        if not alike or form.cleaned_data["save_anyway"]:
            try:
                person = services.create_person(
                    actor=user, names=form.name_inputs(), **form.person_fields()
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if wants_json:
                    return JsonResponse({"person": finder.as_json(person)}, status=201)
                messages.success(
                    request,
                    _("%(name)s was added as number %(number)d: type %(number)d to choose them.")
                    % {"name": person.display_name, "number": person.pk},
                )
                return redirect(
                    _safe_next(request) or reverse("people:person_detail", args=[person.pk])
                )
    context = {"form": form, "lookalikes": alike, "next": _safe_next(request)}
    template = "people/person_quick.html"
    if request.headers.get("HX-Request") or wants_json or request.GET.get("partial"):
        template += "#quick"
    response = render(request, template, context, status=400 if form.errors else 200)
    patch_vary_headers(response, ["HX-Request", "Accept"])
    return response


@dataclass
class Difference:
    label: str
    saved: str
    yours: str

    @property
    def differs(self) -> bool:
        return self.saved != self.yours


def _shown(person: Person, name: str) -> str:
    """A field of `person` as the comparison shows it."""
    value = getattr(person, name)
    display = getattr(person, f"get_{name}_display", None)
    if display is not None:
        return str(display()) if value else ""
    return "" if value is None else str(value)


def _names_shown(names: list[PersonName] | list[NameInput]) -> str:
    return "\n".join(
        f"{name.name} ({Script(name.script).label}, {NameKind(name.kind).label})" for name in names
    )


def _differences(current: Person, form: PersonForm, names: BaseNameFormSet) -> list[Difference]:
    """Each field as saved now beside what the user typed, so they can merge by hand."""
    yours = Person(**form.person_fields())
    rows = [
        Difference(
            _("Names"),
            _names_shown(list(current.names.all())),
            _names_shown(names.name_inputs()),
        )
    ]
    for name in form.person_fields():
        rows.append(
            Difference(str(form.fields[name].label), _shown(current, name), _shown(yours, name))
        )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user, person = _editable(request, pk)
    data = request.POST.copy() if request.method == "POST" else None
    form = PersonEditForm(data, instance=person, user=user, initial={"version": person.version})
    names = NameFormSet(data, prefix="names", initial=name_rows(person))
    saved_now: Person | None = None
    differences: list[Difference] = []
    if data is not None and all([form.is_valid(), names.is_valid()]):
        try:
            services.update_person(
                actor=user,
                person=person,
                expected_version=form.cleaned_data["version"],
                names=names.name_inputs(),
                **form.person_fields(),
            )
        except StaleEdit:
            # Read again through the door: the person may have moved out of the user's
            # sight (404) or hands (403) with the other save, contact details included.
            saved_now = get_visible(
                Person.objects.prefetch_related("names"), user, pk, action="edit"
            )
            differences = _differences(saved_now, form, names)
            # The next save is based on what the user has now seen, so it may
            # go through; the typed values stay in the form untouched.
            data["version"] = str(saved_now.version)
            form = PersonEditForm(data, instance=person, user=user)
        except ValidationError as error:
            _show_errors(error, form)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("people:person_detail", pk=person.pk)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "names": names,
            "person": person,
            "saved_now": saved_now,
            "saved_by": _last_author(saved_now) if saved_now else None,
            "differences": differences,
        },
    )


def _last_author(person: Person) -> User | None:
    last = person.history.order_by("-history_date").first()
    return cast(User | None, last.history_user) if last else None


# Relatives


@login_required
@require_http_methods(["GET", "POST"])
def relative_add(request: HttpRequest, pk: int) -> HttpResponse:
    user, person = _editable(request, pk)
    data = request.POST if request.method == "POST" else None
    query = (request.POST.get("q") or request.GET.get("q") or "").strip()
    form = RelativeForm(data, person=person, user=user)
    if data is not None and form.is_valid():
        try:
            services.relate(
                actor=user,
                person=person,
                relative=form.cleaned_data["relative"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The relative was added."))
            return redirect("people:person_detail", pk=person.pk)
    candidates: list[Person] = []
    if query:
        visible = Person.objects.visible_to(user).exclude(pk=person.pk)
        candidates = finder.find_persons(user, query, among=visible, limit=CANDIDATE_LIMIT + 1)
    context = {
        "person": person,
        "form": form,
        "query": query,
        "candidates": candidates[:CANDIDATE_LIMIT],
        "more": len(candidates) > CANDIDATE_LIMIT,
        "chosen": str(form["relative"].value() or ""),
    }
    template = "people/relative_form.html"
    if request.headers.get("HX-Request") and request.method == "GET":
        # htmx asks for the search results only, as the user types.
        template += "#candidates"
    response = render(request, template, context)
    # One address, two answers: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# History


def _hidden_fields(user: User, person: Person) -> tuple[str, ...]:
    # Contact details stay out of the history of those who may not read them on the page.
    return () if _may_edit(user, person) else ("contact_details",)


def _name_snapshots(person: Person, moments: list[datetime]) -> dict[datetime, str]:
    """The person's names as they stood just before each of `moments`.

    Names are rows of their own with their own history; replaying it gives the
    names at any moment, so a version can show what it renamed.
    """
    rows: dict[int, tuple[int, str]] = {}
    records = PersonName.history.filter(person_id=person.pk).order_by("history_date", "history_id")
    snapshots: dict[datetime, str] = {}
    pending = iter(sorted(set(moments)))
    moment = next(pending, None)
    for record in records:
        while moment is not None and record.history_date >= moment:
            snapshots[moment] = _names_text(rows)
            moment = next(pending, None)
        if record.history_type == "-":
            rows.pop(record.id, None)
        else:
            shown = f"{record.name} ({Script(record.script).label}, {NameKind(record.kind).label})"
            rows[record.id] = (record.position, shown)
    while moment is not None:
        snapshots[moment] = _names_text(rows)
        moment = next(pending, None)
    return snapshots


def _names_text(rows: dict[int, tuple[int, str]]) -> str:
    return "\n".join(text for _position, text in sorted(rows.values())) or history.EMPTY


@login_required
@require_GET
def person_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The shared history page (docket.lib.history), with each version's renaming added."""
    user = _user(request)
    person = _person(user, pk)
    versions_all = person.history.select_related("history_user").order_by(
        "-history_date", "-history_id"
    )
    page = Paginator(versions_all, history.VERSIONS_PER_PAGE).get_page(request.GET.get("page"))
    versions = list(page.object_list)
    older = versions_all[page.end_index()] if page.has_next() else None
    entries = history.version_entries(
        person,
        versions,
        older,
        user=user,
        version_url_name="people:person_version",
        hidden=_hidden_fields(user, person),
    )
    # Names written with a version are saved just after it, before the next version.
    starts = [version.history_date for version in versions]
    newest_end = (
        versions_all[page.start_index() - 2].history_date
        if page.has_previous()
        else now() + timedelta(days=1)
    )
    ends = [newest_end, *starts[:-1]]
    snapshots = _name_snapshots(person, starts + ends)
    label = _("Names")
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        before, after = snapshots[start], snapshots[end]
        if before != after:
            renamed = history.FieldChange("names", label, before, after)
            entries[index] = replace(entries[index], changes=[renamed, *entries[index].changes])
    return render(
        request,
        "history/history.html",
        {
            "record": person,
            "model_name": Person._meta.verbose_name,
            "entries": entries,
            "page": page,
            "back_url": reverse("people:person_detail", args=[person.pk]),
        },
    )


@login_required
@require_GET
def person_version(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    """One earlier version of a person, names included."""
    user = _user(request)
    person = _person(user, pk)
    version = get_object_or_404(
        person.history.select_related("history_user"), history_id=history_id
    )
    newer = (
        person.history.filter(history_date__gt=version.history_date)
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    end = newer or now() + timedelta(days=1)
    names = history.FieldValue("names", _("Names"), _name_snapshots(person, [end])[end])
    author = version.history_user
    return render(
        request,
        "history/version.html",
        {
            "record": person,
            "model_name": Person._meta.verbose_name,
            "version": version,
            "version_user": author.display_name if author else _("unknown"),
            "values": [
                names,
                *history.record_values(version, user, hidden=_hidden_fields(user, person)),
            ],
            "is_current": newer is None,
            "history_url": reverse("people:person_history", args=[person.pk]),
            "back_url": reverse("people:person_detail", args=[person.pk]),
        },
    )


# Soft deletion and restoring


def _deletable(request: HttpRequest, pk: int) -> tuple[User, Person]:
    user, person = _editable(request, pk)
    if not may_delete(user, person):
        raise PermissionDenied(_("Only a coordinator of the owning team may delete this person."))
    return user, person


@login_required
@require_http_methods(["GET", "POST"])
def person_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user, person = _deletable(request, pk)
    if request.method == "POST":
        delete_record(actor=user, record=person)
        messages.success(
            request,
            _("%(name)s was deleted. A coordinator can restore them from Deleted persons.")
            % {"name": person.display_name},
        )
        return redirect("people:person_list")
    return render(request, "people/person_confirm.html", {"person": person, "action": "delete"})


@login_required
@require_GET
def deleted_list(request: HttpRequest) -> HttpResponse:
    """Deleted persons this user may bring back: coordinators of the owning team."""
    user = _user(request)
    if user.role not in DELETERS:
        raise PermissionDenied(_("Only coordinators may restore deleted persons."))
    deleted = (
        Person.objects.editable_by(user, include_deleted=True)
        .deleted()
        .select_related("deleted_by")
        .prefetch_related("names")
        .order_by("-deleted_at", "-pk")
    )
    page = Paginator(deleted, PAGE_SIZE).get_page(request.GET.get("page"))
    # may_delete is the rule; the query above already narrows to what it allows.
    restorable = [person for person in page.object_list if may_delete(user, person)]
    return render(request, "people/deleted_list.html", {"page": page, "persons": restorable})


@login_required
@require_http_methods(["GET", "POST"])
def person_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    # A deleted person is gone for everyone who could not bring them back.
    person = get_restorable(Person.objects.prefetch_related("names"), user, pk)
    if request.method == "POST":
        restore_record(actor=user, record=person)
        messages.success(request, _("%(name)s was restored.") % {"name": person.display_name})
        return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_confirm.html", {"person": person, "action": "restore"})


# Erasure


@login_required
@changes_need_recent_confirmation
@require_http_methods(["GET", "POST"])
def person_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase a person's personal data for good (docket.people.erasure): a confirmation page,
    then a POST with the reason; only after the password was given again recently."""
    user = _user(request)
    person = get_visible(Person.objects.prefetch_related("names"), user, pk, action="delete")
    if person.erased:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            erasure.erase_person(actor=user, person=person, reason=request.POST.get("reason", ""))
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(
                request,
                _("Person #%(number)s was erased. Their record stays as a tombstone.")
                % {"number": person.pk},
            )
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_erase.html", {"person": person, "error": error})
