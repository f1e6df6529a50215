"""Derived figures for letters and the authorities they go to, computed and never stored.

Each figure is one function of the records and an as-of date, so a page, the
API and `docket show` all give the same answer for the same day:

- a reply is due `response_days` after the letter was sent, counted in
  calendar days or, when the authority says so, in working days (Monday to
  Friday; public holidays are not known to Docket and are not skipped);
- a question is answered as of a day once a response received on or before
  that day lists it among its answers;
- a question is overdue when it is still unanswered after its due date (on
  the due date itself it is not yet late).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet

from docket.cases.models import Authority
from docket.letters.models import AnswerStatus, Letter, Question, Response

# A reply that says "we refuse" or "we hold nothing" is a reply, not an answer.
NOT_ANSWERS = {AnswerStatus.REFUSED, AnswerStatus.NOT_HELD}


@dataclass
class RecipientDue:
    authority_id: int
    name: str
    due_on: date


@dataclass
class QuestionFigures:
    number: int
    text: str
    status: str
    overdue: bool


@dataclass
class LetterFigures:
    days_since_sent: int | None
    # The earliest of the recipients' due dates: the first day someone owes a reply.
    due_on: date | None
    recipients: list[RecipientDue]
    questions: list[QuestionFigures]
    overdue_questions: int


@dataclass
class AuthorityFigures:
    letters_received: int
    questions_asked: int
    answered: int
    overdue: int
    share_answered: float | None
    median_days_to_answer: float | None


def due_date(sent_on: date, *, days: int, working_days: bool) -> date:
    """The day a reply is due: `days` calendar days, or Monday-to-Friday days, after sending."""
    if not working_days:
        return sent_on + timedelta(days=days)
    due, counted = sent_on, 0
    while counted < days:
        due += timedelta(days=1)
        if due.weekday() < 5:
            counted += 1
    return due


def authority_due_date(letter: Letter, authority: Authority) -> date | None:
    if letter.sent_on is None:
        return None
    return due_date(
        letter.sent_on, days=authority.response_days, working_days=authority.working_days
    )


def question_status(question: Question, answered_on: date | None, *, as_of: date) -> str:
    """The question's status as it stood on `as_of`.

    `answered_on` is the day the first response listing the question arrived
    (None when none does). Before that day the question was unanswered; a
    status typed in without any response (a refusal by telephone, say) has no
    date and is taken as it is.
    """
    if answered_on is None:
        return question.status
    if answered_on > as_of:
        return AnswerStatus.UNANSWERED
    if question.status == AnswerStatus.UNANSWERED:
        # A response lists it: that is an answer even if nobody updated the status yet.
        return AnswerStatus.ANSWERED
    return question.status


def _first_answers(responses: QuerySet[Response]) -> dict[int, date]:
    """Question id -> the day the first of `responses` listing it was received."""
    first: dict[int, date] = {}
    through = Response.answers.through.objects.filter(response__in=responses).values_list(
        "question_id", "response__received_on"
    )
    for question_id, received_on in through:
        if question_id not in first or received_on < first[question_id]:
            first[question_id] = received_on
    return first


def letter_figures(letter: Letter, *, as_of: date) -> LetterFigures:
    recipients = [
        RecipientDue(authority_id=authority.pk, name=authority.name, due_on=due)
        for authority in letter.to.order_by("name", "id")
        if (due := authority_due_date(letter, authority)) is not None
    ]
    due_on = min((recipient.due_on for recipient in recipients), default=None)
    sent = letter.sent_on is not None and letter.sent_on <= as_of
    answered_on = _first_answers(letter.responses.all())
    questions = []
    for question in letter.questions.order_by("number"):
        status = question_status(question, answered_on.get(question.pk), as_of=as_of)
        overdue = (
            sent and due_on is not None and as_of > due_on and status == AnswerStatus.UNANSWERED
        )
        questions.append(
            QuestionFigures(
                number=question.number, text=question.text, status=status, overdue=overdue
            )
        )
    return LetterFigures(
        days_since_sent=(as_of - letter.sent_on).days if sent and letter.sent_on else None,
        due_on=due_on,
        recipients=recipients,
        questions=questions,
        overdue_questions=sum(question.overdue for question in questions),
    )


def authority_figures(
    authority: Authority, *, as_of: date, letters: QuerySet[Letter] | None = None
) -> AuthorityFigures:
    """How an authority answers the letters sent to it, as of a day.

    `letters` limits the count to the letters a reader may see (default: every
    letter not deleted). Only this authority's own responses count as its
    answers; a reply that refuses or holds nothing is neither answered nor
    overdue. Days to answer run from sending to the first such response.
    """
    sent = (
        (letters if letters is not None else Letter.objects.all())
        .filter(deleted_at__isnull=True, to=authority, sent_on__isnull=False, sent_on__lte=as_of)
        .distinct()
    )
    sent_on = dict(sent.values_list("pk", "sent_on"))
    questions = list(Question.objects.filter(letter__in=list(sent_on)).order_by("letter", "number"))
    own_responses = Response.objects.filter(
        authority=authority, letter__in=list(sent_on), received_on__lte=as_of
    )
    answered_on = _first_answers(own_responses)
    answered, overdue = 0, 0
    days_to_answer: list[int] = []
    by_letter: dict[int, list[Question]] = defaultdict(list)
    for question in questions:
        by_letter[question.letter_id].append(question)
    for letter_id, letter_questions in by_letter.items():
        due = due_date(
            sent_on[letter_id], days=authority.response_days, working_days=authority.working_days
        )
        for question in letter_questions:
            replied_on = answered_on.get(question.pk)
            if replied_on is None:
                overdue += as_of > due
            elif question.status not in NOT_ANSWERS:
                answered += 1
                days_to_answer.append((replied_on - sent_on[letter_id]).days)
    return AuthorityFigures(
        letters_received=len(sent_on),
        questions_asked=len(questions),
        answered=answered,
        overdue=overdue,
        share_answered=round(answered / len(questions), 3) if questions else None,
        median_days_to_answer=float(statistics.median(days_to_answer)) if days_to_answer else None,
    )
