"""The public pages: published letters, each question's fate with each authority, and (in
docket.letters.feeds) their Atom feed; for anyone, logged in or not.

Publishing is the decision (docket.letters.services.publish_letter): a published
letter is shown whatever its confidentiality. Its title, body and questions are
its public text, in which the name of every person who is not public is replaced
by their initials (docket.letters.redaction); what it cites goes through the
redaction rule of docket.letters.text, the same as in the copy the authority
received; and nothing else of the records behind it is shown: not the text of
a reply, no staff name, no link into Docket. A deleted letter is gone from here
as from everywhere.

`public_letter` is the one function that says what the public reads: the public
page, the feed and the publishing preview all call it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from docket.letters.figures import letter_figures, with_figures_prefetched
from docket.letters.models import AnswerStatus, Channel, Letter, ReplyChannel
from docket.letters.redaction import PublicText, body_html, plain, public_text, text_html
from docket.letters.text import Citation, citations

PAGE_SIZE = 20


def published() -> QuerySet[Letter]:
    """Every letter on the public pages, newest publication first."""
    return Letter.objects.filter(published=True, deleted_at__isnull=True).order_by(
        "-published_at", "-pk"
    )


@dataclass(frozen=True)
class PublicStatus:
    """Where one question stands with one authority."""

    authority: str
    status: str
    label: str
    overdue: bool
    days_silent: int | None


@dataclass(frozen=True)
class PublicQuestion:
    number: int
    # Escaped, with each name left out marked (docket.letters.redaction).
    text: SafeString
    status: str
    label: str
    statuses: list[PublicStatus]


@dataclass(frozen=True)
class PublicRecipient:
    name: str
    sent_on: date | None
    channel: str
    due_on: date | None
    replies: int


@dataclass(frozen=True)
class PublicAnswer:
    number: int
    label: str


@dataclass(frozen=True)
class PublicReply:
    """That a reply came and how it dealt with each question; never what it says."""

    authority: str
    received_on: date
    via: str
    answers: list[PublicAnswer]


@dataclass(frozen=True)
class PublicLetter:
    pk: int
    title: str
    # The title as HTML, with each name left out marked.
    title_html: SafeString
    language: str
    rtl: bool
    published_at: datetime | None
    body: SafeString
    citations: list[Citation]
    recipients: list[PublicRecipient]
    questions: list[PublicQuestion]
    replies: list[PublicReply] = field(default_factory=list)


def _label(status: str) -> str:
    return str(AnswerStatus(status).label)


def public_letter(letter: Letter, *, as_of: date, text: PublicText | None = None) -> PublicLetter:
    """What the public may read of a published letter, as of a day: its stored public
    text, or `text` (the preview's, of a letter about to be published)."""
    text = text or public_text(letter)
    figures = letter_figures(letter, as_of=as_of)
    names = {recipient.authority_id: recipient.name for recipient in figures.recipients}
    numbers = {question.pk: question.number for question in letter.questions.all()}
    replies = [
        PublicReply(
            authority=response.authority.name,
            received_on=response.received_on,
            via=str(ReplyChannel(response.via).label) if response.via else "",
            answers=sorted(
                (
                    PublicAnswer(numbers[answer.question_id], _label(answer.status))
                    for answer in response.answer_set.all()
                    if answer.question_id in numbers
                ),
                key=lambda answer: answer.number,
            ),
        )
        for response in sorted(
            letter.responses.all(), key=lambda response: (response.received_on, response.pk)
        )
        if response.received_on <= as_of
    ]
    return PublicLetter(
        pk=letter.pk,
        title=plain(text.title),
        title_html=text_html(text.title),
        language=letter.language,
        rtl=bool(translation.get_language_info(letter.language)["bidi"]),
        published_at=letter.published_at,
        body=body_html(text.body),
        citations=citations(letter),
        recipients=[
            PublicRecipient(
                name=recipient.name,
                sent_on=recipient.sent_on if recipient.days_since_sent is not None else None,
                channel=str(Channel(recipient.channel).label) if recipient.channel else "",
                due_on=recipient.due_on if recipient.days_since_sent is not None else None,
                replies=recipient.replies,
            )
            for recipient in figures.recipients
        ],
        questions=[
            PublicQuestion(
                number=question.number,
                text=text_html(text.questions.get(question.number, "")),
                status=question.status,
                label=_label(question.status),
                statuses=[
                    PublicStatus(
                        authority=names[status.authority_id],
                        status=status.status,
                        label=_label(status.status),
                        overdue=status.overdue,
                        days_silent=status.days_silent,
                    )
                    for status in question.recipients
                ],
            )
            for question in figures.questions
        ],
        replies=replies,
    )


@dataclass(frozen=True)
class ListedLetter:
    pk: int
    title: str
    language: str
    published_at: datetime | None
    recipients: list[str]
    questions: int
    answered: int
    overdue: int


def listed_letter(letter: Letter, *, as_of: date) -> ListedLetter:
    figures = letter_figures(letter, as_of=as_of)
    return ListedLetter(
        pk=letter.pk,
        title=plain(public_text(letter).title),
        language=letter.language,
        published_at=letter.published_at,
        recipients=[recipient.name for recipient in figures.recipients],
        questions=len(figures.questions),
        answered=sum(q.status == AnswerStatus.ANSWERED for q in figures.questions),
        overdue=figures.overdue_questions,
    )


def with_public_prefetched(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """`letters` with what `public_letter` reads besides the citations."""
    return with_figures_prefetched(letters).prefetch_related("responses__authority")


def letterhead() -> str:
    return settings.LETTERHEAD.splitlines()[0] if settings.LETTERHEAD else "Docket"


@login_not_required
@require_GET
def letter_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(with_public_prefetched(published()), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    as_of = timezone.localdate()
    letters = [listed_letter(letter, as_of=as_of) for letter in page.object_list]
    context = {"page": page, "letters": letters, "letterhead": letterhead()}
    return render(request, "letters/public_letter_list.html", context)


@login_not_required
@require_GET
def letter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    letter = get_object_or_404(with_public_prefetched(published()), pk=pk)
    context = {
        "public": public_letter(letter, as_of=timezone.localdate()),
        "letterhead": letterhead(),
    }
    return render(request, "letters/public_letter_detail.html", context)
