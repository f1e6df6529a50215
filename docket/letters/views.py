"""The letter pages: the list, writing and editing, the letter with each recipient's copy and
the grid of questions, sending, replies and how they dealt with each question, follow-ups,
publishing, history, everything overdue, and the review queue of incoming email.

Reads go through `Letter.objects.visible_to(user)`, so a letter the reader may not
see answers 404 like one that does not exist; one they may see but not change
answers 403 to a change. Writes go through docket.letters.services only. Figures
(due dates, open and overdue questions, days silent) come from
docket.letters.figures, as of today.
"""

import copy
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.forms import BaseForm
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from docket.accounts.models import User
from docket.accounts.permissions import may_create, may_delete, may_publish, may_triage_mail
from docket.cases import services as case_services
from docket.cases.models import Authority, Case, Evidence, Source
from docket.letters import mail, redaction, services
from docket.letters.figures import (
    OPEN,
    LetterFigures,
    RecipientFigures,
    copies_due_between,
    letter_figures,
    overdue_copies,
    overdue_letters,
    with_figures_prefetched,
)
from docket.letters.forms import (
    AnswersForm,
    AttachMailForm,
    LetterFilterForm,
    LetterForm,
    LetterState,
    ReplyForm,
    SendForm,
    case_label,
)
from docket.letters.models import (
    AnswerStatus,
    Channel,
    Dispatch,
    InboundMail,
    InboundState,
    Letter,
    Response,
)
from docket.letters.public import public_letter, with_public_prefetched
from docket.letters.scorecards import deadline_rule
from docket.letters.text import Citation, citations, render_markdown
from docket.lib import dates
from docket.lib.access import get_visible
from docket.lib.history import FieldValue, history_page, record_values, version_page
from docket.lib.records import MAX_ID
from docket.lib.services import require_editable
from docket.lib.versioning import StaleEdit
from docket.people.models import Person

PAGE_SIZE = 25
# How many recently changed cases the letter form lists besides those already cited; any
# other visible case is found by title or number.
OFFERED = 30
FOUND = 20
# "Due soon" on the overdue page and the dashboard, as in the reminders.
DUE_SOON_DAYS = services.REMIND_DAYS_BEFORE
STATUS_LABELS = dict(AnswerStatus.choices)
CHANNEL_LABELS = dict(Channel.choices)


def _user(request: HttpRequest) -> User:
    # Every view here is behind login_required, which lets only a signed-in User through.
    return cast(User, request.user)


def _may_edit(user: User, letter: Letter) -> bool:
    try:
        require_editable(user, letter)
    except PermissionDenied:
        return False
    return True


def _visible_letter(request: HttpRequest, pk: int) -> Letter:
    letter: Letter = get_visible(Letter.objects.select_related("team", "owner"), _user(request), pk)
    return letter


def _editable_letter(request: HttpRequest, pk: int) -> Letter:
    """The letter, 404 if hidden, 403 if seen but not the user's to change."""
    letter: Letter = get_visible(
        Letter.objects.select_related("team", "owner"), _user(request), pk, action="edit"
    )
    return letter


def _show_errors(form: BaseForm, error: ValidationError) -> None:
    """A service's refusal on the form: by field where the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _sentence(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _ids(values: Iterable[str]) -> list[int]:
    """The values that can be record ids; "²" is a digit to isdigit(), not to int()."""
    return [
        int(value)
        for value in values
        if value.isascii() and value.isdigit() and int(value) <= MAX_ID
    ]


def _sent_to(figures: LetterFigures) -> set[int]:
    """The authorities whose copies had gone out by the figures' day."""
    return {r.authority_id for r in figures.recipients if r.days_since_sent is not None}


def _open_questions(figures: LetterFigures) -> int:
    """Questions some recipient who was sent the letter still owes an answer to."""
    sent = _sent_to(figures)
    return sum(
        any(r.status in OPEN and r.authority_id in sent for r in question.recipients)
        for question in figures.questions
    )


def _first_sent(figures: LetterFigures) -> date | None:
    return min((r.sent_on for r in figures.recipients if r.sent_on), default=None)


# The list


@dataclass
class LetterRow:
    letter: Letter
    figures: LetterFigures
    first_sent: date | None
    open_questions: int
    state: str
    state_label: str


def _row(letter: Letter, today: date) -> LetterRow:
    figures = letter_figures(letter, as_of=today)
    first_sent = _first_sent(figures)
    if first_sent is None:
        state, label = LetterState.DRAFT, _("Draft")
    elif figures.overdue_questions:
        state, label = LetterState.OVERDUE, _("Overdue")
    else:
        state, label = LetterState.SENT, _("Sent")
    return LetterRow(letter, figures, first_sent, _open_questions(figures), state, label)


def _any_sent() -> Exists:
    return Exists(Dispatch.objects.filter(letter=OuterRef("pk"), sent_on__isnull=False))


@login_required
@require_GET
def letter_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    form = LetterFilterForm(request.GET or None)
    values = form.values()
    letters: QuerySet[Letter] = Letter.objects.visible_to(user)
    if values.get("title"):
        letters = letters.filter(title__icontains=values["title"])
    state = values.get("state")
    if state == LetterState.DRAFT:
        letters = letters.filter(~_any_sent())
    elif state in (LetterState.SENT, LetterState.OVERDUE):
        letters = letters.filter(_any_sent())
    elif state == LetterState.PUBLISHED:
        letters = letters.filter(published=True)
    if state == LetterState.OVERDUE:
        letters = overdue_letters(letters, today)
    letters = with_figures_prefetched(
        letters.select_related("team", "owner").order_by("-updated_at", "-pk")
    )
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [_row(letter, today) for letter in page.object_list],
        "may_create": may_create(user),
    }
    template = "letters/letter_list.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, context)


# Writing


@dataclass
class Conflict:
    """Someone else saved the letter while this form was open: their version, to show."""

    saved: list[FieldValue]
    saved_by: str
    saved_at: Any


FORM_FIELDS = ("title", "body", "language", "confidentiality", "team")


def _conflict(request: HttpRequest, current: Letter) -> Conflict:
    """What the other person saved, of `current`: the letter read again through the read
    door (docket.lib.access), never the one the refused save carries."""
    last = current.history.select_related("history_user").first()
    saved_by = _("someone")
    if last is not None and last.history_user is not None:
        saved_by = last.history_user.display_name
    return Conflict(
        saved=record_values(current, request.user, only=set(FORM_FIELDS)),
        saved_by=saved_by,
        saved_at=current.updated_at,
    )


def _offered_cases(visible: QuerySet[Case], keep: Iterable[int]) -> list[Case]:
    """The cases the form lists: those already cited first, then the most recently changed."""
    chosen = set(keep)
    recent = visible.order_by("-updated_at").values("pk")[:OFFERED]
    offered = visible.filter(Q(pk__in=list(chosen)) | Q(pk__in=recent)).order_by("-pk")
    return sorted(offered, key=lambda case: case.pk not in chosen)


def _letter_form(
    request: HttpRequest, user: User, letter: Letter | None, data: QueryDict | None = None
) -> LetterForm:
    visible = Case.objects.visible_to(user)
    keep = _ids(request.POST.getlist("cases"))
    authorities = Authority.objects.alive()
    sent_to: list[int] = []
    initial: dict[str, Any]
    if letter is not None:
        keep += list(letter.cases.values_list("pk", flat=True))
        # A recipient whose authority was deleted since stays listed, so it is not dropped.
        authorities = Authority.objects.filter(
            Q(deleted_at__isnull=True) | Q(dispatches__letter=letter)
        ).distinct()
        dispatches = list(letter.dispatches.all())
        sent_to = [d.authority_id for d in dispatches if d.sent_on is not None]
        initial = {
            "version": letter.version,
            "recipients": [d.authority_id for d in dispatches],
            "cases": list(visible.filter(letters=letter)),
            "revealed_cases": list(visible.filter(pk__in=letter.revealed_cases.values("pk"))),
            "questions": [q.text for q in letter.questions.order_by("number")],
        }
    else:
        teams = list(user.teams.all())
        initial = {"team": teams[0] if len(teams) == 1 else None}
    return LetterForm(
        data if data is not None else (request.POST or None),
        instance=letter,
        initial=initial,
        user=user,
        authorities=authorities.order_by("name", "pk"),
        cases=visible,
        offered_cases=_offered_cases(visible, keep),
        sent=bool(sent_to),
        sent_to=sent_to,
    )


def _form_page(
    request: HttpRequest,
    form: LetterForm,
    letter: Letter | None,
    conflict: Conflict | None = None,
) -> HttpResponse:
    context = {
        "form": form,
        "letter": letter,
        "conflict": conflict,
        "questions": [q for q in letter.questions.order_by("number")] if letter else [],
    }
    return render(request, "letters/letter_form.html", context, status=409 if conflict else 200)


@login_required
@require_http_methods(["GET", "POST"])
def letter_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not may_create(user):
        raise PermissionDenied(_("Your role may not add or change records."))
    form = _letter_form(request, user, None)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            letter = services.create_letter(
                actor=user,
                title=values["title"],
                recipients=list(values["recipients"]),
                cases=list(values["cases"]),
                revealed=list(values["revealed_cases"]),
                questions=values["questions"],
                team=values["team"],
                body=values["body"],
                language=values["language"],
                confidentiality=values["confidentiality"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The letter was saved as a draft."))
            return redirect("letters:letter_detail", pk=letter.pk)
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def letter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    letter = _editable_letter(request, pk)
    # The form and the service change `letter` in memory; headings show what is saved.
    saved = copy.copy(letter)
    visible = Case.objects.visible_to(user)
    # Cases cited that this user may not see stay cited, and revealed ones stay revealed.
    unseen = list(letter.cases.exclude(pk__in=visible.values("pk")))
    unseen_revealed = list(letter.revealed_cases.exclude(pk__in=visible.values("pk")))
    form = _letter_form(request, user, letter)
    conflict = None
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        changes: dict[str, Any] = {
            "recipients": list(values["recipients"]),
            "cases": [*values["cases"], *unseen],
            "revealed": [*values["revealed_cases"], *unseen_revealed],
            "team": values["team"],
            "language": values["language"],
            "confidentiality": values["confidentiality"],
        }
        if not form.sent:
            changes |= {
                "title": values["title"],
                "body": values["body"],
                "questions": values["questions"],
            }
        try:
            services.update_letter(
                actor=user, letter=letter, expected_version=values["version"], **changes
            )
        except StaleEdit:
            current = get_visible(Letter.objects.select_related("team", "owner"), user, pk)
            conflict = _conflict(request, current)
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = _letter_form(request, user, current, data)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("The letter was saved."))
            return redirect("letters:letter_detail", pk=letter.pk)
    return _form_page(request, form, saved, conflict)


@login_required
@require_GET
def case_choices(request: HttpRequest) -> HttpResponse:
    """Visible cases whose title or number matches ?q=, as boxes for the letter form."""
    text = request.GET.get("q", "").strip()[:200]
    cases: list[Case] = []
    if text:
        visible = Case.objects.visible_to(_user(request))
        found = Q(title__icontains=text)
        if text.isascii() and text.isdigit() and int(text) <= MAX_ID:
            found |= Q(pk=int(text))
        cases = list(visible.filter(found).order_by("-pk")[:FOUND])
    labelled = [(case, case_label(case)) for case in cases]
    return render(request, "letters/case_choices.html", {"cases": labelled, "q": text})


# The letter


@dataclass
class Cell:
    authority_id: int
    status: str
    label: str
    overdue: bool
    days_silent: int | None
    sent: bool


@dataclass
class QuestionRow:
    number: int
    text: str
    status: str
    label: str
    overdue: bool
    cells: list[Cell]


@dataclass
class CitedCase:
    citation: Citation
    # Staff who may see the case get a link to it, by its title; the citation itself is
    # what the recipients read. Empty for a case the reader may not see.
    case_title: str


@dataclass
class Mark:
    number: int
    status: str
    label: str


@dataclass
class Reply:
    response: Response
    marks: list[Mark]
    source_visible: bool
    # The message itself and its attachments, as the reader may see them.
    files: list[Evidence] = field(default_factory=list)


@dataclass
class Copy:
    figures: RecipientFigures
    authority: Authority
    due_rule: str
    channel: str
    replies: list[Reply] = field(default_factory=list)


def _question_rows(figures: LetterFigures) -> list[QuestionRow]:
    sent = _sent_to(figures)
    return [
        QuestionRow(
            number=question.number,
            text=question.text,
            status=question.status,
            label=str(STATUS_LABELS.get(question.status, question.status)),
            overdue=question.overdue,
            cells=[
                Cell(
                    authority_id=item.authority_id,
                    status=item.status,
                    label=str(STATUS_LABELS.get(item.status, item.status)),
                    overdue=item.overdue,
                    days_silent=item.days_silent,
                    sent=item.authority_id in sent,
                )
                for item in question.recipients
            ],
        )
        for question in figures.questions
    ]


def _replies(user: User, letter: Letter) -> list[Reply]:
    responses = list(
        letter.responses.select_related("authority", "recorded_by").prefetch_related(
            "answer_set__question"
        )
    )
    source_ids = [r.source_id for r in responses if r.source_id]
    visible_sources = set(
        Source.objects.visible_to(user).filter(pk__in=source_ids).values_list("pk", flat=True)
    )
    files: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.visible_to(user).filter(
        source_id__in=visible_sources, derived_from__isnull=True
    ):
        files.setdefault(evidence.source_id, []).append(evidence)
    return [
        Reply(
            response=response,
            marks=[
                Mark(
                    answer.question.number,
                    answer.status,
                    str(STATUS_LABELS.get(answer.status, answer.status)),
                )
                for answer in sorted(response.answer_set.all(), key=lambda a: a.question.number)
            ],
            source_visible=response.source_id in visible_sources,
            files=files.get(response.source_id or 0, []),
        )
        for response in responses
    ]


@login_required
@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    letter = get_visible(
        with_figures_prefetched(Letter.objects.select_related("team", "owner")), user, pk
    )
    today = timezone.localdate()
    figures = letter_figures(letter, as_of=today)
    authorities = {a.pk: a for a in Authority.objects.filter(dispatches__letter=letter).distinct()}
    replies = _replies(user, letter)
    copies = []
    for recipient in figures.recipients:
        authority = authorities[recipient.authority_id]
        copies.append(
            Copy(
                figures=recipient,
                authority=authority,
                due_rule=deadline_rule(authority),
                channel=str(CHANNEL_LABELS.get(recipient.channel, "")),
                replies=[r for r in replies if r.response.authority_id == recipient.authority_id],
            )
        )
    cited = citations(letter, reader=user)
    visible_cases = dict(
        Case.objects.visible_to(user)
        .filter(pk__in=[c.number for c in cited])
        .values_list("pk", "title")
    )
    may_edit = _may_edit(user, letter)
    visible_letters = Letter.objects.visible_to(user)
    follows = visible_letters.filter(pk=letter.follows_id).first() if letter.follows_id else None
    unsent = sum(1 for c in figures.recipients if c.sent_on is None)
    context = {
        "letter": letter,
        "today": today,
        "body": render_markdown(letter.body),
        "figures": figures,
        "copies": copies,
        "questions": _question_rows(figures),
        "replies": replies,
        "cited": [CitedCase(c, visible_cases.get(c.number, "")) for c in cited],
        "sent": bool(_sent_to(figures)),
        "unsent": unsent,
        "open_questions": _open_questions(figures),
        "follows": follows,
        "follow_ups": list(visible_letters.filter(follows=letter).order_by("created_at")),
        "may_edit": may_edit,
        "may_delete": may_edit and may_delete(user, letter),
        "may_publish": may_edit and may_publish(user, letter),
    }
    return render(request, "letters/letter_detail.html", context)


# Sending


@login_required
@require_http_methods(["GET", "POST"])
def letter_send(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    letter = _editable_letter(request, pk)

    def unsent() -> list[Dispatch]:
        return list(
            letter.dispatches.filter(sent_on__isnull=True)
            .select_related("authority")
            .order_by("authority__name", "pk")
        )

    form = SendForm(request.POST or None, dispatches=unsent())
    failure = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        authorities = list(values["recipients"])
        try:
            sent = services.send_copies(
                actor=user,
                letter=letter,
                channel=values["channel"],
                authorities=authorities,
                sent_on=values["sent_on"],
            )
        except ValidationError as error:
            # Copies that did go out before a failure are marked sent; the form offers
            # the others again, with what was chosen.
            failure = _sentence(error)
            left = unsent()
            form = SendForm(
                initial={
                    "recipients": [d.authority_id for d in left if d.authority in authorities],
                    "channel": values["channel"],
                    "sent_on": values["sent_on"],
                },
                dispatches=left,
            )
        else:
            names = dates.list_separator().join(copy.authority.name for copy in sent)
            if values["channel"] == Channel.EMAIL:
                text = _("The letter was emailed to %(names)s.")
            else:
                text = _("The letter was recorded as sent to %(names)s.")
            messages.success(request, text % {"names": names})
            return redirect("letters:letter_detail", pk=letter.pk)
    already = letter.dispatches.filter(sent_on__isnull=False).select_related("authority")
    context = {
        "letter": letter,
        "form": form,
        "failure": failure,
        "already": list(already.order_by("authority__name")),
        "has_questions": letter.questions.exists(),
    }
    return render(request, "letters/letter_send.html", context)


# Replies


@login_required
@require_http_methods(["GET", "POST"])
def reply_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    letter = _editable_letter(request, pk)
    authorities = Authority.objects.filter(
        dispatches__letter=letter, dispatches__sent_on__isnull=False
    ).order_by("name", "pk")
    questions = list(letter.questions.order_by("number"))
    form = ReplyForm(
        request.POST or None,
        request.FILES or None,
        authorities=authorities,
        questions=questions,
    )
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            response = services.record_reply(
                actor=user,
                letter=letter,
                authority=values["authority"],
                received_on=values["received_on"],
                via=values["via"],
                body=values["body"],
                answers=form.answers(),
                files=values["attachments"],
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                _("The reply of %(authority)s was recorded.")
                % {"authority": response.authority.name},
            )
            return redirect(reverse("letters:letter_detail", args=[letter.pk]) + "#replies")
    context = {"letter": letter, "form": form, "has_recipients": authorities.exists()}
    return render(request, "letters/reply_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def reply_answers(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    response: Response = get_visible(
        Response.objects.select_related("letter", "authority"), user, pk
    )
    letter = response.letter
    require_editable(user, letter)
    current = {
        answer.question.number: answer.status
        for answer in response.answer_set.select_related("question")
    }
    form = AnswersForm(
        request.POST or None,
        questions=list(letter.questions.order_by("number")),
        current=current,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mark_answers(actor=user, response=response, answers=form.answers())
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("How the reply dealt with each question was saved."))
            return redirect(reverse("letters:letter_detail", args=[letter.pk]) + "#replies")
    context = {"letter": letter, "response": response, "form": form}
    return render(request, "letters/reply_answers.html", context)


# Follow-ups


@dataclass
class Owed:
    name: str
    numbers: list[int]


@login_required
@require_http_methods(["GET", "POST"])
def letter_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    letter = _editable_letter(request, pk)
    error = ""
    if request.method == "POST":
        try:
            draft = services.follow_up(actor=user, letter=letter)
        except ValidationError as refusal:
            error = _sentence(refusal)
        else:
            messages.success(
                request,
                _("A follow-up was drafted. Check it, then send it."),
            )
            return redirect("letters:letter_edit", pk=draft.pk)
    figures = letter_figures(letter, as_of=timezone.localdate())
    sent = _sent_to(figures)
    owed = [
        Owed(
            recipient.name,
            [
                question.number
                for question in figures.questions
                for item in question.recipients
                if item.authority_id == recipient.authority_id and item.status in OPEN
            ],
        )
        for recipient in figures.recipients
        if recipient.authority_id in sent
    ]
    repeated = [
        question
        for question in figures.questions
        if any(item.status in OPEN and item.authority_id in sent for item in question.recipients)
    ]
    context = {
        "letter": letter,
        "owed": [item for item in owed if item.numbers],
        "repeated": repeated,
        "error": error,
    }
    return render(request, "letters/letter_follow_up.html", context)


# Publishing, deleting, history


# Around a name flagged in the preview, this many characters of its text are shown.
CONTEXT = 40


@dataclass(frozen=True)
class FlaggedPerson:
    person_id: int
    # Empty when the publisher may not see the person: then nothing of them is shown.
    name: str
    cited: bool


@dataclass(frozen=True)
class FlaggedName:
    """A name the public text leaves out, as the preview lists it."""

    where: str
    before: str
    written: str
    after: str
    replacement: str
    persons: list[FlaggedPerson]


def _where(place: str) -> str:
    if place == "title":
        return _("Title")
    if place == "body":
        return _("Text")
    return _("Question %(number)s") % {"number": place}


def _flagged(user: User, letter: Letter, flags: list[redaction.Flag]) -> list[FlaggedName]:
    ids = {named.person_id for flag in flags for named in flag.persons}
    visible = {
        person.pk: person.display_name
        for person in Person.objects.visible_to(user).filter(pk__in=ids).prefetch_related("names")
    }
    texts = {"title": letter.title, "body": letter.body}
    texts |= {str(q.number): q.text for q in letter.questions.all()}
    rows = []
    for flag in flags:
        text = redaction.plain(texts.get(flag.where, ""))
        rows.append(
            FlaggedName(
                where=_where(flag.where),
                before=text[max(0, flag.start - CONTEXT) : flag.start],
                written=flag.written,
                after=text[flag.end : flag.end + CONTEXT],
                replacement=flag.replacement,
                persons=[
                    FlaggedPerson(named.person_id, visible.get(named.person_id, ""), named.cited)
                    for named in flag.persons
                ],
            )
        )
    return rows


def _publishable_letter(request: HttpRequest, pk: int) -> Letter:
    """The letter, 404 if hidden, 403 unless the user may publish it."""
    letter = _editable_letter(request, pk)
    services.require_publisher(_user(request), letter)
    return letter


@login_required
@require_GET
def letter_publish_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """What the public will read, made by the public page's own function and template,
    with each name left out marked and listed; publishing is the confirmation below it."""
    user = _user(request)
    # The read door (get_visible) has logged a restricted or secret letter's reading.
    letter = _publishable_letter(request, pk)
    letter = with_public_prefetched(Letter.objects.filter(pk=letter.pk)).get()
    found = redaction.redact(letter)
    # Shown as the public will see it once published: dated today.
    letter.published_at = letter.published_at or timezone.now()
    public = public_letter(
        letter, as_of=timezone.localdate(), text=redaction.PublicText.load(found.stored())
    )
    context = {
        "letter": letter,
        "public": public,
        "flags": _flagged(user, letter, found.flags),
        "digest": found.digest,
    }
    response = render(request, "letters/letter_publish_preview.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def letter_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publishing, confirmed from the preview with the fingerprint of what it showed; or
    taking the letter off its public page."""
    user = _user(request)
    letter = _publishable_letter(request, pk)
    if request.POST.get("published", "1") == "0":
        services.publish_letter(actor=user, letter=letter, published=False)
        messages.success(request, _("The letter was taken off its public page."))
        return redirect("letters:letter_detail", pk=letter.pk)
    digest = request.POST.get("confirm", "")
    if not digest:
        messages.info(request, _("Check what the public will read, then confirm."))
        return redirect("letters:letter_publish_preview", pk=letter.pk)
    try:
        services.publish_letter(actor=user, letter=letter, expected=digest)
    except ValidationError as error:
        messages.error(request, _sentence(error))
        return redirect("letters:letter_publish_preview", pk=letter.pk)
    messages.success(request, _("The letter is published on its public page."))
    return redirect("letters:letter_detail", pk=letter.pk)


@login_required
@require_http_methods(["GET", "POST"])
def letter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    letter = _visible_letter(request, pk)
    if not (_may_edit(user, letter) and may_delete(user, letter)):
        raise PermissionDenied(
            _("Only a coordinator of the owning team may delete or restore this.")
        )
    if request.method == "POST":
        case_services.delete_record(actor=user, record=letter)
        messages.success(
            request,
            _("“%(record)s” was deleted. A coordinator can restore it from Deleted records.")
            % {"record": letter},
        )
        return redirect("letters:letter_list")
    context = {
        "record": letter,
        "model_name": letter._meta.verbose_name,
        "cancel_url": reverse("letters:letter_detail", args=[letter.pk]),
    }
    return render(request, "cases/confirm_delete.html", context)


@login_required
@require_GET
def letter_history(request: HttpRequest, pk: int) -> HttpResponse:
    letter = _visible_letter(request, pk)
    return history_page(
        request,
        letter,
        version_url_name="letters:letter_version",
        back_url=reverse("letters:letter_detail", args=[letter.pk]),
    )


@login_required
@require_GET
def letter_version(request: HttpRequest, pk: int, history_id: int) -> HttpResponse:
    letter = _visible_letter(request, pk)
    return version_page(
        request,
        letter,
        history_id,
        history_url=reverse("letters:letter_history", args=[letter.pk]),
        back_url=reverse("letters:letter_detail", args=[letter.pk]),
    )


# Everything due


@dataclass
class DueRow:
    letter: Letter
    authority: str
    due_on: date
    days: int
    numbers: list[int]


def _visible_copies(user: User) -> QuerySet[Dispatch]:
    return Dispatch.objects.filter(letter__in=Letter.objects.visible_to(user))


def _due_rows(copies: Iterable[Dispatch], today: date, *, overdue: bool) -> list[DueRow]:
    """Rows for `copies`, each with the numbers of its questions overdue (or still open),
    from the letters' own figures."""
    dispatches = list(copies)
    letters = with_figures_prefetched(
        Letter.objects.filter(
            pk__in={dispatch.letter_id for dispatch in dispatches}
        ).select_related("owner")
    ).in_bulk()
    figures = {pk: letter_figures(letter, as_of=today) for pk, letter in letters.items()}
    rows = []
    for dispatch in dispatches:
        found = figures[dispatch.letter_id]
        place = [recipient.authority_id for recipient in found.recipients].index(
            dispatch.authority_id
        )
        numbers = [
            question.number
            for question in found.questions
            if (
                question.recipients[place].overdue
                if overdue
                else question.recipients[place].status in OPEN
            )
        ]
        due_on = cast(date, dispatch.due_on)  # the queries select copies with a due date
        days = (today - due_on).days if overdue else (due_on - today).days
        letter = letters[dispatch.letter_id]
        rows.append(DueRow(letter, dispatch.authority.name, due_on, days, numbers))
    return rows


def overdue_copies_of(user: User, today: date) -> QuerySet[Dispatch]:
    """Each copy the user may see with a question overdue, oldest due date first."""
    return overdue_copies(_visible_copies(user), today).order_by(
        "due_on", "letter_id", "authority__name", "pk"
    )


def due_soon(user: User, today: date) -> list[DueRow]:
    """Each copy the user may see still owing answers that falls due within the next few
    days, soonest first."""
    copies = copies_due_between(
        _visible_copies(user), today, today + timedelta(days=DUE_SOON_DAYS)
    ).select_related("authority")
    return _due_rows(
        copies.order_by("due_on", "letter_id", "authority__name", "pk"), today, overdue=False
    )


@login_required
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = timezone.localdate()
    copies = overdue_copies_of(user, today).select_related("authority")
    page = Paginator(copies, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "overdue": _due_rows(page.object_list, today, overdue=True),
        "soon": due_soon(user, today),
        "today": today,
        "soon_days": DUE_SOON_DAYS,
    }
    return render(request, "letters/overdue.html", context)


# The review queue of incoming email


def _require_triager(user: User) -> None:
    # The queue may hold anything; to everyone else it does not exist.
    if not may_triage_mail(user):
        raise Http404


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    _require_triager(user)
    waiting = (
        InboundMail.objects.visible_to(user)
        .filter(state=InboundState.WAITING)
        .order_by("received_at", "pk")
    )
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "letters/inbox.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def inbox_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    _require_triager(user)
    # Mail filed as a reply is as confidential as its letter (InboundMail.visible_to).
    inbound = get_visible(InboundMail.objects.select_related("response__letter"), user, pk)
    dispatches = (
        Dispatch.objects.filter(letter__in=Letter.objects.editable_by(user), sent_on__isnull=False)
        .select_related("letter", "authority")
        .order_by("-letter__created_at", "letter__pk", "authority__name")
    )
    form = AttachMailForm(
        request.POST if request.POST.get("action") == "attach" else None,
        dispatches=dispatches,
    )
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "dismiss":
                services.dismiss_mail(actor=user, inbound=inbound)
                messages.success(request, _("The email was dismissed; it is kept."))
                return redirect("letters:inbox")
            if form.is_valid():
                dispatch = form.cleaned_data["dispatch"]
                services.attach_mail(
                    actor=user,
                    inbound=inbound,
                    letter=dispatch.letter,
                    authority=dispatch.authority,
                )
                messages.success(
                    request,
                    _(
                        "The email was filed as the reply of %(authority)s. Mark how it dealt "
                        "with each question."
                    )
                    % {"authority": dispatch.authority.name},
                )
                return redirect("letters:letter_detail", pk=dispatch.letter_id)
        except ValidationError as refusal:
            error = _sentence(refusal)
    incoming = mail.parse(bytes(inbound.raw))
    attached_to = None
    if inbound.response is not None:
        attached_to = Letter.objects.visible_to(user).filter(pk=inbound.response.letter_id).first()
    context = {
        "inbound": inbound,
        "incoming": incoming,
        "form": form,
        "error": error,
        "waiting": inbound.state == InboundState.WAITING,
        "attached_to": attached_to,
        "attachments": [
            (number, attachment, case_services.received_file_type(attachment.content))
            for number, attachment in enumerate(incoming.attachments, start=1)
        ],
        "same_id_as": (
            InboundMail.objects.visible_to(user).filter(pk=inbound.same_id_as_id).first()
            if inbound.same_id_as_id
            else None
        ),
    }
    return render(request, "letters/inbox_detail.html", context)


def _download(content: bytes, name: str, content_type: str) -> FileResponse:
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=name, content_type=content_type
    )
    # Evidence must not linger in shared caches or be rendered by the browser.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
@never_cache
def inbox_file(request: HttpRequest, pk: int, number: int) -> FileResponse:
    """An incoming email as received (number 0) or one of its attachments, for those who
    sort the queue and may see the email; each download is in the audit log."""
    user = _user(request)
    _require_triager(user)
    # The download is logged as such (services.note_mail_download), not as a view too.
    inbound = get_visible(InboundMail, user, pk, audit=False)
    raw = bytes(inbound.raw)
    if number == 0:
        name = case_services.shown_file_name(f"incoming-email-{inbound.pk}.eml")
        content, content_type = raw, "message/rfc822"
    else:
        attachments = mail.parse(raw).attachments
        if not 1 <= number <= len(attachments):
            raise Http404
        attachment = attachments[number - 1]
        name = case_services.shown_file_name(attachment.name)
        content = attachment.content
        content_type = case_services.received_file_type(content, attachment.declared_type)
    services.note_mail_download(actor=user, inbound=inbound, name=name, content=content)
    return _download(content, name, content_type)


@login_required
@require_GET
@never_cache
def reply_file(request: HttpRequest, pk: int) -> FileResponse:
    """A file of a reply (an emailed reply's message or attachment, or a file entered with
    a reply), to those who may see both the letter and the file; logged as a download."""
    user = _user(request)
    replies = Response.objects.visible_to(user).filter(source__isnull=False)
    evidence = get_visible(
        Evidence.objects.filter(source__in=replies.values("source")), user, pk, audit=False
    )
    try:
        # Stored sealed; opened here only for someone who may see the letter and the file.
        content = case_services.read_evidence(evidence)
    except FileNotFoundError:
        raise Http404(_("The file is missing from storage.")) from None
    case_services.record_download(actor=user, evidence=evidence)
    return _download(content, evidence.name, evidence.content_type)
