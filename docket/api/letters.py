"""/api/v1/letters: letters to authorities, their numbered questions, copies and replies.

A letter goes to one or more authorities, each with its own copy (when and
how it went, its reply reference) and its own replies; each reply says,
question by question, how it dealt with each. The figures (due dates,
overdue questions) are computed for the day asked (`as_of`, default today)
by docket.letters.figures, as on the letter's page. Writes go through
docket.letters.services, as the pages' do.
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import AfterValidator

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.api.common import caller, page, resolve, resolve_one, team_named
from docket.api.schemas import UNCHANGED, Error, Input, Invalid, Page, PageParams, RecordId
from docket.cases.models import Authority, Case, Source
from docket.letters import services
from docket.letters.figures import (
    LetterFigures,
    letter_figures,
    overdue_letters,
    with_figures_prefetched,
)
from docket.letters.models import (
    AnswerStatus,
    Channel,
    Dispatch,
    Letter,
    ReplyChannel,
    Response,
)
from docket.lib.access import get_visible
from docket.lib.versioning import StaleEdit

router = Router(tags=["letters"])

State = Literal["draft", "sent", "overdue", "published"]


def _no_nul(text: str) -> str:
    # PostgreSQL refuses NUL characters; Input checks only top-level text fields.
    if "\x00" in text:
        raise ValueError("must not contain a NUL character")
    return text


QuestionText = Annotated[str, AfterValidator(_no_nul)]


# Shapes


class RecipientFiguresOut(Schema):
    authority: int
    name: str
    reference: str = Field(description="The reply reference (DKT-…) of this recipient's copy.")
    sent_on: date | None = Field(description="When this copy went out; null while a draft.")
    channel: Channel | None
    due_on: date | None = Field(description="When this recipient's reply is due.")
    days_since_sent: int | None
    replies: int = Field(description="Replies received from this recipient by `as_of`.")
    open_questions: int = Field(
        description="Questions this recipient has not answered, or answered only in part."
    )
    overdue_questions: int


class RecipientStatusOut(Schema):
    authority: int
    status: AnswerStatus = Field(description="How this recipient's latest reply dealt with it.")
    overdue: bool
    days_silent: int | None = Field(
        description="Days since the copy was sent, while the question is unanswered or ignored."
    )


class QuestionOut(Schema):
    number: int
    text: str
    status: AnswerStatus = Field(description="The best status any recipient gave.")
    overdue: bool = Field(description="Overdue for at least one recipient.")
    recipients: list[RecipientStatusOut]


class LetterFiguresOut(Schema):
    as_of: date
    state: Literal["draft", "sent", "overdue"]
    days_since_sent: int | None = Field(description="Since the first copy went out.")
    due_on: date | None = Field(description="The earliest due date of the copies sent.")
    overdue_questions: int = Field(description="Questions overdue for at least one recipient.")


class LetterOut(Schema):
    id: int
    title: str
    body: str = Field(description="Markdown.")
    language: str
    confidentiality: Confidentiality
    team: str | None = Field(description="The owning team's name.")
    cases: list[int] = Field(description="Ids of the cases cited that the caller may see.")
    revealed_cases: list[int] = Field(
        description="Ids of the cases cited in full (not only by number and initials)."
    )
    follows: int | None = Field(description="The letter this one follows up, if visible.")
    published: bool
    published_at: datetime | None
    recipients: list[RecipientFiguresOut] = Field(description="One copy per authority.")
    questions: list[QuestionOut]
    figures: LetterFiguresOut
    version: int = Field(description="Send it back with a change (PATCH).")
    created_at: datetime
    updated_at: datetime


class LetterPage(Page[LetterOut]):
    pass


class LetterConflict(Error):
    current: LetterOut


class AsOf(Schema):
    as_of: date | None = Field(None, description="The day the figures are for; default today.")


class LetterFilter(PageParams):
    as_of: date | None = Field(None, description="The day the figures are for; default today.")
    state: State | None = Field(
        None,
        description="draft: no copy sent; sent: some copy sent; overdue: some question "
        "overdue as of `as_of`; published: on the public site.",
    )
    title: str | None = Field(None, description="Part of the title, any case.")
    authority: RecordId | None = Field(None, description="Letters to this authority.")
    case: RecordId | None = Field(None, description="Letters citing this case.")
    confidentiality: Confidentiality | None = None
    team: str | None = Field(None, description="The owning team's name.")


class LetterIn(Input):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field("", description="Markdown.")
    language: str = Field("en", description="A language code Docket offers: en, fa, sq.")
    confidentiality: Confidentiality = Confidentiality.INTERNAL
    team: str | None = Field(None, description="Default: the caller's team, if only one.")
    recipients: list[RecordId] = Field(default_factory=list, description="Authority ids.")
    cases: list[RecordId] = Field(default_factory=list, description="Ids of cases cited.")
    revealed_cases: list[RecordId] = Field(
        default_factory=list,
        description="Cases cited in full; each must be cited and editable by the caller.",
    )
    questions: list[QuestionText] = Field(
        default_factory=list, description="The questions' texts, numbered 1, 2, … in order."
    )


class LetterPatch(Input):
    """Only the fields sent change; `version` is the one the change was based on.

    Once a copy has been sent, the title, body and questions are fixed (write a
    follow-up instead); recipients may still be added.
    """

    version: int
    title: str = Field(UNCHANGED, min_length=1, max_length=300)
    body: str = UNCHANGED
    language: str = UNCHANGED
    confidentiality: Confidentiality = UNCHANGED
    team: str | None = None
    recipients: list[RecordId] = Field(UNCHANGED, description="Replaces the recipients.")
    cases: list[RecordId] = Field(
        UNCHANGED,
        description="Replaces the cases the caller can see; those hidden from the caller stay.",
    )
    revealed_cases: list[RecordId] = Field(
        UNCHANGED,
        description="Replaces the cases cited in full that the caller can see.",
    )
    questions: list[QuestionText] = Field(UNCHANGED, description="Replaces the questions.")


class SendIn(Input):
    channel: Channel = Field(
        description="email sends each copy now; post, hand and published record how it went."
    )
    authorities: list[RecordId] | None = Field(
        None, description="Default: every recipient not yet sent to."
    )
    sent_on: date | None = Field(None, description="Default: today; not in the future.")


class AnswerOut(Schema):
    question: int = Field(description="The question's number.")
    status: AnswerStatus


class ReplyOut(Schema):
    id: int
    letter: int
    authority: int
    received_on: date
    via: ReplyChannel | None
    body: str
    answers: list[AnswerOut] = Field(description="The questions this reply dealt with.")
    source: int | None = Field(
        description="The source holding the reply's attachments, if the caller may see it."
    )


Answers = dict[int, AnswerStatus]


class ReplyIn(Input):
    authority: RecordId = Field(description="The authority the reply came from.")
    received_on: date
    via: ReplyChannel = ReplyChannel.POST
    body: str = ""
    answers: Answers = Field(
        default_factory=dict,
        description='How the reply dealt with each question, by number: {"1": "answered", '
        '"2": "refused"}; answered, partial, refused, not_held or ignored.',
    )


class ReplyPatch(Input):
    answers: Answers = Field(
        description='Statuses by question number; "unanswered" removes an answer. '
        "Questions left out keep theirs."
    )


# Reading


def _with_related(queryset: QuerySet[Letter], user: User) -> QuerySet[Letter]:
    visible_cases = Case.objects.visible_to(user).only("id").order_by("id")
    return with_figures_prefetched(queryset.select_related("team")).prefetch_related(
        Prefetch("cases", queryset=visible_cases, to_attr="visible_cases"),
        Prefetch("revealed_cases", queryset=visible_cases, to_attr="visible_revealed"),
    )


def _state(figures: LetterFigures) -> Literal["draft", "sent", "overdue"]:
    if figures.days_since_sent is None:
        return "draft"
    return "overdue" if figures.overdue_questions else "sent"


def _data(letter: Letter, *, as_of: date, visible_letters: set[int]) -> dict[str, Any]:
    figures = letter_figures(letter, as_of=as_of)
    return {
        "id": letter.pk,
        "title": letter.title,
        "body": letter.body,
        "language": letter.language,
        "confidentiality": letter.confidentiality,
        "team": letter.team.name if letter.team else None,
        "cases": [case.pk for case in letter.visible_cases],  # type: ignore[attr-defined]
        "revealed_cases": [case.pk for case in letter.visible_revealed],  # type: ignore[attr-defined]
        "follows": letter.follows_id if letter.follows_id in visible_letters else None,
        "published": letter.published,
        "published_at": letter.published_at,
        "recipients": [
            {
                "authority": recipient.authority_id,
                "name": recipient.name,
                "reference": recipient.reference,
                "sent_on": recipient.sent_on,
                "channel": recipient.channel or None,
                "due_on": recipient.due_on,
                "days_since_sent": recipient.days_since_sent,
                "replies": recipient.replies,
                "open_questions": recipient.open_questions,
                "overdue_questions": recipient.overdue_questions,
            }
            for recipient in figures.recipients
        ],
        "questions": [
            {
                "number": question.number,
                "text": question.text,
                "status": question.status,
                "overdue": question.overdue,
                "recipients": [
                    {
                        "authority": recipient.authority_id,
                        "status": recipient.status,
                        "overdue": recipient.overdue,
                        "days_silent": recipient.days_silent,
                    }
                    for recipient in question.recipients
                ],
            }
            for question in figures.questions
        ],
        "figures": {
            "as_of": as_of,
            "state": _state(figures),
            "days_since_sent": figures.days_since_sent,
            "due_on": figures.due_on,
            "overdue_questions": figures.overdue_questions,
        },
        "version": letter.version,
        "created_at": letter.created_at,
        "updated_at": letter.updated_at,
    }


def _serialize(letters: list[Letter], user: User, as_of: date) -> list[dict[str, Any]]:
    follows = {letter.follows_id for letter in letters if letter.follows_id is not None}
    visible = set(
        Letter.objects.visible_to(user).filter(pk__in=follows).values_list("pk", flat=True)
    )
    return [_data(letter, as_of=as_of, visible_letters=visible) for letter in letters]


def _detail(user: User, letter_id: int, as_of: date | None = None) -> dict[str, Any]:
    # Loaded without the visibility filter: after a write the caller gets back
    # what they wrote even when its new team or confidentiality hides it from them.
    letter = _with_related(Letter.objects.all(), user).get(pk=letter_id)
    return _serialize([letter], user, as_of or timezone.localdate())[0]


def _visible_letter(user: User, letter_id: int) -> Letter:
    return get_visible(Letter, user, letter_id, via="api")


def _any_sent() -> Exists:
    return Exists(Dispatch.objects.filter(letter=OuterRef("pk"), sent_on__isnull=False))


@router.get("", summary="List letters", response=LetterPage)
def list_letters(request: HttpRequest, filters: Query[LetterFilter]) -> dict[str, Any]:
    """The letters the caller may see, oldest first, each with its figures as of `as_of`."""
    user = caller(request)
    as_of = filters.as_of or timezone.localdate()
    letters = Letter.objects.visible_to(user).order_by("id")
    if filters.title:
        letters = letters.filter(title__icontains=filters.title)
    if filters.authority is not None:
        letters = letters.filter(dispatches__authority=filters.authority)
    if filters.case is not None:
        # Only a case the caller may see: a filter must not tell what hidden cases are cited.
        letters = letters.filter(
            cases__in=Case.objects.visible_to(user).filter(pk=filters.case).values("pk")
        )
    if filters.confidentiality:
        letters = letters.filter(confidentiality=filters.confidentiality)
    if filters.team:
        letters = letters.filter(team__name=filters.team)
    if filters.state == "draft":
        letters = letters.filter(~_any_sent())
    elif filters.state in ("sent", "overdue"):
        letters = letters.filter(_any_sent())
    elif filters.state == "published":
        letters = letters.filter(published=True)
    if filters.state == "overdue":
        letters = overdue_letters(letters, as_of)
    return page(
        request, _with_related(letters, user), filters, lambda items: _serialize(items, user, as_of)
    )


@router.get("/{int:letter_id}", summary="Read a letter", response={200: LetterOut, 404: Error})
def get_letter(request: HttpRequest, letter_id: int, query: Query[AsOf]) -> dict[str, Any]:
    """One letter with its questions, each recipient's copy and the figures as of `as_of`."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    return _detail(user, letter.pk, query.as_of)


# Writing


def _authorities(user: User, ids: list[int], letter: Letter | None = None) -> list[Authority]:
    authorities = Authority.objects.visible_to(user)
    if letter is not None:
        # A recipient whose authority was deleted since stays a recipient.
        authorities = Authority.objects.filter(
            Q(pk__in=authorities.values("pk")) | Q(dispatches__letter=letter)
        ).distinct()
    return resolve(authorities, ids, path="recipients.{index}", noun="authority")


def _cases(user: User, ids: list[int], path: str) -> list[Case]:
    return resolve(Case.objects.visible_to(user), ids, path=path + ".{index}", noun="case")


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        name: values[name] for name in ("body", "language", "confidentiality") if name in values
    }
    if "team" in values:
        fields["team"] = team_named(values["team"])
    return fields


@router.post("", summary="Create a letter", response={201: LetterOut, 403: Error, 422: Invalid})
def create_letter(request: HttpRequest, payload: LetterIn) -> Status[dict[str, Any]]:
    """A draft letter: nothing goes out until it is sent."""
    user = caller(request)
    values = payload.model_dump()
    letter = services.create_letter(
        actor=user,
        title=values["title"],
        recipients=_authorities(user, values["recipients"]),
        cases=_cases(user, values["cases"], "cases"),
        revealed=_cases(user, values["revealed_cases"], "revealed_cases"),
        questions=values["questions"],
        **_fields(values),
    )
    return Status(201, _detail(user, letter.pk))


@router.patch(
    "/{int:letter_id}",
    summary="Change a letter",
    response={200: LetterOut, 403: Error, 404: Error, 409: LetterConflict, 422: Invalid},
)
def update_letter(
    request: HttpRequest, letter_id: int, payload: LetterPatch
) -> Status[dict[str, Any]]:
    """Change the fields sent; 409 with the current record if someone saved since `version`."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    values = payload.model_dump(exclude_unset=True)
    version = values.pop("version")
    visible = Case.objects.visible_to(user).values("pk")
    cases = revealed = recipients = None
    if "cases" in values:
        cases = _cases(user, values["cases"], "cases")
        # Cases the caller cannot see are not theirs to remove.
        cases += list(letter.cases.exclude(pk__in=visible))
    if "revealed_cases" in values:
        revealed = _cases(user, values["revealed_cases"], "revealed_cases")
        revealed += list(letter.revealed_cases.exclude(pk__in=visible))
    if "recipients" in values:
        recipients = _authorities(user, values["recipients"], letter)
    try:
        services.update_letter(
            actor=user,
            letter=letter,
            expected_version=version,
            title=values.get("title"),
            recipients=recipients,
            cases=cases,
            revealed=revealed,
            questions=values.get("questions"),
            **_fields(values),
        )
    except StaleEdit:
        # The current record only through the read door: it may have left the caller's sight.
        _visible_letter(user, letter_id)
        return Status(
            409,
            {
                "detail": f"Someone changed this letter since version {version}; "
                "here is the current record.",
                "current": _detail(user, letter_id),
            },
        )
    return Status(200, _detail(user, letter_id))


@router.get(
    "/{int:letter_id}/copies",
    summary="List a letter's copies",
    response={200: list[RecipientFiguresOut], 404: Error},
)
def list_copies(request: HttpRequest, letter_id: int, query: Query[AsOf]) -> list[dict[str, Any]]:
    """Each recipient's copy: when and how it went, its reply reference, and its figures."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    recipients: list[dict[str, Any]] = _detail(user, letter.pk, query.as_of)["recipients"]
    return recipients


@router.post(
    "/{int:letter_id}/copies",
    summary="Send a letter, or record how it went",
    response={200: LetterOut, 403: Error, 404: Error, 422: Invalid},
)
def send_letter(request: HttpRequest, letter_id: int, payload: SendIn) -> dict[str, Any]:
    """By email, each copy goes now with its reply reference; by post, by hand or published,
    the copies are recorded as sent on `sent_on`."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    if payload.sent_on is not None and payload.sent_on > timezone.localdate():
        raise ValidationError({"sent_on": "A letter cannot have been sent in the future."})
    authorities = None
    if payload.authorities is not None:
        authorities = resolve(
            Authority.objects.filter(dispatches__letter=letter),
            payload.authorities,
            path="authorities.{index}",
            noun="recipient",
        )
    services.send_copies(
        actor=user,
        letter=letter,
        channel=payload.channel,
        authorities=authorities,
        sent_on=payload.sent_on,
    )
    return _detail(user, letter.pk)


# Replies


def _reply_data(response: Response, visible_sources: set[int]) -> dict[str, Any]:
    return {
        "id": response.pk,
        "letter": response.letter_id,
        "authority": response.authority_id,
        "received_on": response.received_on,
        "via": response.via or None,
        "body": response.body,
        "answers": [
            {"question": answer.question.number, "status": answer.status}
            for answer in sorted(response.answer_set.all(), key=lambda a: a.question.number)
        ],
        "source": response.source_id if response.source_id in visible_sources else None,
    }


def _replies(user: User, responses: list[Response]) -> list[dict[str, Any]]:
    sources = {response.source_id for response in responses if response.source_id is not None}
    visible = set(
        Source.objects.visible_to(user).filter(pk__in=sources).values_list("pk", flat=True)
    )
    return [_reply_data(response, visible) for response in responses]


def _reply_queryset(letter: Letter) -> QuerySet[Response]:
    return letter.responses.prefetch_related("answer_set__question").order_by("received_on", "id")


@router.get(
    "/{int:letter_id}/replies",
    summary="List a letter's replies",
    response={200: list[ReplyOut], 404: Error},
)
def list_replies(request: HttpRequest, letter_id: int) -> list[dict[str, Any]]:
    """Every reply to the letter, in the order received, with its answers."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    return _replies(user, list(_reply_queryset(letter)))


def _answers(answers: Mapping[int, str]) -> dict[int, str]:
    return {int(number): str(status) for number, status in answers.items()}


@router.post(
    "/{int:letter_id}/replies",
    summary="Record a reply",
    response={201: ReplyOut, 403: Error, 404: Error, 422: Invalid},
)
def create_reply(request: HttpRequest, letter_id: int, payload: ReplyIn) -> Status[dict[str, Any]]:
    """A reply received by post, by hand or otherwise, with how it dealt with each question."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    authority = resolve_one(
        Authority.objects.filter(dispatches__letter=letter),
        payload.authority,
        field="authority",
        noun="recipient of this letter",
    )
    response = services.record_reply(
        actor=user,
        letter=letter,
        authority=authority,
        received_on=payload.received_on,
        via=payload.via,
        body=payload.body,
        answers=_answers(payload.answers),
    )
    return Status(201, _replies(user, [_reply_queryset(letter).get(pk=response.pk)])[0])


@router.get(
    "/{int:letter_id}/replies/{int:reply_id}",
    summary="Read a reply",
    response={200: ReplyOut, 404: Error},
)
def get_reply(request: HttpRequest, letter_id: int, reply_id: int) -> dict[str, Any]:
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    response = get_object_or_404(_reply_queryset(letter), pk=reply_id)
    return _replies(user, [response])[0]


@router.patch(
    "/{int:letter_id}/replies/{int:reply_id}",
    summary="Mark a reply's answers",
    response={200: ReplyOut, 403: Error, 404: Error, 422: Invalid},
)
def update_reply(
    request: HttpRequest, letter_id: int, reply_id: int, payload: ReplyPatch
) -> dict[str, Any]:
    """Say how a reply dealt with each question (an emailed reply arrives with none marked)."""
    user = caller(request)
    letter = _visible_letter(user, letter_id)
    response = get_object_or_404(letter.responses.select_related("letter"), pk=reply_id)
    if not payload.answers:
        raise ValidationError({"answers": "Give at least one question's status."})
    services.mark_answers(actor=user, response=response, answers=_answers(payload.answers))
    return _replies(user, [_reply_queryset(letter).get(pk=response.pk)])[0]
