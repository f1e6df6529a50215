"""Derived figures for letters and the authorities they go to, computed and never stored.

Each figure is one function of the records and an as-of date, so a page, the
API, `docket show` and the reminders all give the same answer for the same day:

- each recipient's reply is due `response_days` after its copy was sent, in
  calendar days or in working days of the authority's country (weekends and
  public holidays skipped, docket.letters.calendar);
- a question's status for one recipient, as of a day, is the status the latest
  of that authority's replies received by then gave it; with no such reply it
  is unanswered, unless a status was recorded for the letter as a whole
  without any reply (an imported file, a refusal by telephone);
- a question is open while unanswered, partially answered or ignored, and
  overdue for a recipient while unanswered or ignored after the due date (on
  the due date itself it is not yet late); a partial answer is open but not
  overdue, since the authority did reply;
- a recipient has been silent on a question for the days since its copy was
  sent, while the question stays unanswered or ignored.
"""

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, Exists, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from docket.cases.models import Authority
from docket.letters.models import Answer, AnswerStatus, Dispatch, Letter, Question

OPEN = frozenset({AnswerStatus.UNANSWERED, AnswerStatus.PARTIAL, AnswerStatus.IGNORED})
SILENT = frozenset({AnswerStatus.UNANSWERED, AnswerStatus.IGNORED})
# When recipients differ, the letter-wide status of a question is the best any gave.
BEST_FIRST = (
    AnswerStatus.ANSWERED,
    AnswerStatus.PARTIAL,
    AnswerStatus.REFUSED,
    AnswerStatus.NOT_HELD,
    AnswerStatus.IGNORED,
    AnswerStatus.UNANSWERED,
)


@dataclass
class RecipientStatus:
    authority_id: int
    status: str
    overdue: bool
    days_silent: int | None


@dataclass
class QuestionFigures:
    number: int
    text: str
    # Across recipients: the best status any of them gave.
    status: str
    # Overdue for at least one recipient.
    overdue: bool
    recipients: list[RecipientStatus] = field(default_factory=list)


@dataclass
class RecipientFigures:
    authority_id: int
    name: str
    reference: str
    sent_on: date | None
    channel: str
    due_on: date | None
    days_since_sent: int | None
    replies: int
    open_questions: int
    overdue_questions: int


@dataclass
class LetterFigures:
    # Since the first copy went out.
    days_since_sent: int | None
    # The earliest of the recipients' due dates: the first day someone owes a reply.
    due_on: date | None
    recipients: list[RecipientFigures]
    questions: list[QuestionFigures]
    # Questions overdue for at least one recipient.
    overdue_questions: int


@dataclass
class AuthorityFigures:
    letters_received: int
    questions_asked: int
    answered: int
    partial: int
    refused: int
    not_held: int
    overdue: int
    share_answered: float | None
    median_days_to_answer: float | None


def _questions_now(statuses: frozenset[str], as_of: date) -> QuerySet[Question]:
    """The questions of the outer copy's letter whose status for the copy's authority,
    as of `as_of`, is one of `statuses`: `_Answers.status` in SQL."""
    latest = (
        Answer.objects.filter(
            question=OuterRef("pk"),
            response__authority=OuterRef(OuterRef("authority")),
            response__received_on__lte=as_of,
        )
        .order_by("-response__received_on", "-response_id")
        .values("status")[:1]
    )
    status = Coalesce(
        Subquery(latest),
        Case(
            When(
                Exists(Answer.objects.filter(question=OuterRef("pk"))),
                then=Value(AnswerStatus.UNANSWERED),
            ),
            default=F("status"),
        ),
    )
    questions = Question.objects.filter(letter=OuterRef("letter")).annotate(now=status)
    return questions.filter(now__in=sorted(statuses))


def _owing(statuses: frozenset[str], as_of: date) -> Exists:
    return Exists(_questions_now(statuses, as_of))


def silent_questions_count(as_of: date) -> Subquery:
    """For an overdue copy: how many of its letter's questions are overdue for it."""
    questions = _questions_now(SILENT, as_of).order_by().values("letter")
    return Subquery(questions.annotate(total=Count("pk")).values("total")[:1])


def overdue_copies(dispatches: QuerySet[Dispatch], as_of: date) -> QuerySet[Dispatch]:
    """The copies among `dispatches` with a question overdue as of `as_of`: what
    `letter_figures` counts, selected by the database over the stored due dates."""
    return dispatches.filter(sent_on__lte=as_of, due_on__lt=as_of).filter(_owing(SILENT, as_of))


def copies_due_between(
    dispatches: QuerySet[Dispatch], as_of: date, last: date
) -> QuerySet[Dispatch]:
    """The copies among `dispatches` that owe an answer and fall due from `as_of` to `last`."""
    return dispatches.filter(sent_on__lte=as_of, due_on__gte=as_of, due_on__lte=last).filter(
        _owing(OPEN, as_of)
    )


def overdue_letters[Letters: QuerySet[Letter]](letters: Letters, as_of: date) -> Letters:
    """The letters among `letters` with at least one question overdue as of `as_of`."""
    copies = overdue_copies(Dispatch.objects.filter(letter=OuterRef("pk")), as_of)
    return letters.filter(Exists(copies))


def _is_sent(dispatch: Dispatch, as_of: date) -> bool:
    return dispatch.sent_on is not None and dispatch.sent_on <= as_of


class _Answers:
    """Every answer to a letter's questions, by question and authority, in order received."""

    def __init__(self, answers: list[Answer], *, answered: set[int] | None = None) -> None:
        """`answered`: the questions any reply answers, when `answers` are only some
        authorities'; a letter-wide status counts only for questions no reply answers."""
        self.by_pair: dict[tuple[int, int], list[Answer]] = defaultdict(list)
        self.asked: set[int] = set(answered or ())
        for answer in sorted(answers, key=lambda a: (a.response.received_on, a.response_id)):
            self.by_pair[(answer.question_id, answer.response.authority_id)].append(answer)
            self.asked.add(answer.question_id)

    def status(self, question: Question, authority_id: int, as_of: date) -> str:
        received = [
            answer
            for answer in self.by_pair.get((question.pk, authority_id), [])
            if answer.response.received_on <= as_of
        ]
        if received:
            return received[-1].status
        if question.pk not in self.asked:
            return question.status
        return AnswerStatus.UNANSWERED

    def first_reply(
        self, question: Question, authority_id: int, statuses: frozenset[str]
    ) -> date | None:
        for answer in self.by_pair.get((question.pk, authority_id), []):
            if answer.status in statuses:
                return answer.response.received_on
        return None


def _letter_answers(letter: Letter) -> _Answers:
    return _Answers(
        [answer for response in letter.responses.all() for answer in response.answer_set.all()]
    )


def with_figures_prefetched(letters: QuerySet[Letter]) -> QuerySet[Letter]:
    """`letters` with what `letter_figures` reads, so a list costs a handful of queries."""
    return letters.prefetch_related(
        "dispatches__authority", "questions", "responses__answer_set__response"
    )


def letter_figures(letter: Letter, *, as_of: date) -> LetterFigures:
    dispatches = sorted(letter.dispatches.all(), key=lambda d: (d.authority.name, d.pk))
    questions = sorted(letter.questions.all(), key=lambda q: q.number)
    answers = _letter_answers(letter)
    due = {dispatch.pk: dispatch.compute_due_on() for dispatch in dispatches}

    question_figures = []
    per_recipient_open: dict[int, int] = defaultdict(int)
    per_recipient_overdue: dict[int, int] = defaultdict(int)
    for question in questions:
        recipients = []
        for dispatch in dispatches:
            status = answers.status(question, dispatch.authority_id, as_of)
            sent = _is_sent(dispatch, as_of)
            due_on = due[dispatch.pk]
            overdue = sent and due_on is not None and as_of > due_on and status in SILENT
            silent = (
                (as_of - dispatch.sent_on).days
                if sent and dispatch.sent_on and status in SILENT
                else None
            )
            recipients.append(RecipientStatus(dispatch.authority_id, status, overdue, silent))
            per_recipient_open[dispatch.pk] += sent and status in OPEN
            per_recipient_overdue[dispatch.pk] += overdue
        statuses = {recipient.status for recipient in recipients} or {question.status}
        question_figures.append(
            QuestionFigures(
                number=question.number,
                text=question.text,
                status=next(status for status in BEST_FIRST if status in statuses),
                overdue=any(recipient.overdue for recipient in recipients),
                recipients=recipients,
            )
        )

    replies: dict[int, int] = defaultdict(int)
    for response in letter.responses.all():
        if response.received_on <= as_of:
            replies[response.authority_id] += 1
    recipient_figures = [
        RecipientFigures(
            authority_id=dispatch.authority_id,
            name=dispatch.authority.name,
            reference=dispatch.reference,
            sent_on=dispatch.sent_on,
            channel=dispatch.channel,
            due_on=due[dispatch.pk],
            days_since_sent=(as_of - dispatch.sent_on).days
            if _is_sent(dispatch, as_of) and dispatch.sent_on
            else None,
            replies=replies[dispatch.authority_id],
            open_questions=per_recipient_open[dispatch.pk],
            overdue_questions=per_recipient_overdue[dispatch.pk],
        )
        for dispatch in dispatches
    ]
    sent_days = [d.sent_on for d in dispatches if _is_sent(d, as_of) and d.sent_on]
    due_days = [day for d in dispatches if _is_sent(d, as_of) and (day := due[d.pk]) is not None]
    return LetterFigures(
        days_since_sent=(as_of - min(sent_days)).days if sent_days else None,
        due_on=min(due_days, default=None),
        recipients=recipient_figures,
        questions=question_figures,
        overdue_questions=sum(question.overdue for question in question_figures),
    )


def authority_figures(
    authority: Authority, *, as_of: date, letters: QuerySet[Letter]
) -> AuthorityFigures:
    """How an authority answers the letters sent to it, as of a day.

    `letters` are those the reader may see (`Letter.objects.visible_to(reader)`);
    there is no default, so a caller cannot count every letter by forgetting it.
    Deleted letters never count. Only this authority's own replies count. Days to
    answer run from sending to the first reply that answered the question,
    fully or in part.
    """
    return authorities_figures([authority], as_of=as_of, letters=letters)[authority.pk]


def authorities_figures(
    authorities: Iterable[Authority], *, as_of: date, letters: QuerySet[Letter]
) -> dict[int, AuthorityFigures]:
    """`authority_figures` of many authorities by their ids, in three queries whatever
    their number: the table of every authority sorts by these."""
    ids = [authority.pk for authority in authorities]
    visible = letters.filter(deleted_at__isnull=True)
    dispatches = list(
        Dispatch.objects.filter(
            authority__in=ids, letter__in=visible, sent_on__isnull=False, sent_on__lte=as_of
        ).select_related("authority")
    )
    letter_ids = {dispatch.letter_id for dispatch in dispatches}
    by_letter: dict[int, list[Question]] = defaultdict(list)
    for question in Question.objects.filter(letter__in=letter_ids):
        by_letter[question.letter_id].append(question)
    # Every authority's answers to these letters: whether any reply answers a question
    # decides if its letter-wide status still counts.
    answered: set[int] = set()
    answers: dict[int, list[Answer]] = defaultdict(list)
    for answer in Answer.objects.filter(question__letter__in=letter_ids).select_related("response"):
        answered.add(answer.question_id)
        answers[answer.response.authority_id].append(answer)
    copies: dict[int, list[Dispatch]] = defaultdict(list)
    for dispatch in dispatches:
        copies[dispatch.authority_id].append(dispatch)
    return {
        pk: _authority_figures(
            pk, copies[pk], by_letter, _Answers(answers[pk], answered=answered), as_of
        )
        for pk in ids
    }


def _authority_figures(
    authority_id: int,
    dispatches: list[Dispatch],
    by_letter: dict[int, list[Question]],
    answers: _Answers,
    as_of: date,
) -> AuthorityFigures:
    counts: dict[str, int] = defaultdict(int)
    overdue = 0
    days_to_answer: list[int] = []
    for dispatch in dispatches:
        assert dispatch.sent_on is not None  # filtered above  # noqa: S101
        due_on = dispatch.compute_due_on()
        for question in by_letter[dispatch.letter_id]:
            status = answers.status(question, authority_id, as_of)
            counts[status] += 1
            overdue += due_on is not None and as_of > due_on and status in SILENT
            replied_on = answers.first_reply(
                question, authority_id, frozenset({AnswerStatus.ANSWERED, AnswerStatus.PARTIAL})
            )
            if replied_on is not None and replied_on <= as_of:
                days_to_answer.append((replied_on - dispatch.sent_on).days)
    asked = sum(counts.values())
    return AuthorityFigures(
        letters_received=len(dispatches),
        questions_asked=asked,
        answered=counts[AnswerStatus.ANSWERED],
        partial=counts[AnswerStatus.PARTIAL],
        refused=counts[AnswerStatus.REFUSED],
        not_held=counts[AnswerStatus.NOT_HELD],
        overdue=overdue,
        share_answered=round(counts[AnswerStatus.ANSWERED] / asked, 3) if asked else None,
        median_days_to_answer=float(statistics.median(days_to_answer)) if days_to_answer else None,
    )
