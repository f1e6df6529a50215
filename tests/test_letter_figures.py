"""Letter figures: when replies are due, which questions are overdue, how authorities answer."""

from datetime import date

import pytest

from docket.cases.models import Authority
from docket.letters.figures import authority_figures, due_date, letter_figures
from docket.letters.models import Letter, Question, Response

pytestmark = pytest.mark.django_db

FRIDAY = date(2024, 3, 1)
QUESTIONS = (
    "On what legal basis is Gholamreza Shekari held?",
    "When may his family visit him?",
)


def _authority(name: str = "Ministry of the Interior (fictional)", **fields: object) -> Authority:
    return Authority.objects.create(name=name, **fields)


def _letter(*to: Authority, sent_on: date | None = FRIDAY, **fields: object) -> Letter:
    letter = Letter.objects.create(
        title="Open letter on the detention of Gholamreza Shekari", sent_on=sent_on, **fields
    )
    letter.to.set(to)
    for number, text in enumerate(QUESTIONS, start=1):
        Question.objects.create(letter=letter, number=number, text=text)
    return letter


def _answer(
    letter: Letter, authority: Authority, received_on: date, *numbers: int, status: str = "answered"
) -> Response:
    response = Response.objects.create(letter=letter, authority=authority, received_on=received_on)
    questions = letter.questions.filter(number__in=numbers)
    questions.update(status=status)
    response.answers.set(questions)
    return response


def test_a_reply_is_due_calendar_days_after_sending():
    assert due_date(FRIDAY, days=30, working_days=False) == date(2024, 3, 31)
    assert due_date(FRIDAY, days=0, working_days=False) == FRIDAY


def test_working_days_skip_saturdays_and_sundays():
    assert due_date(FRIDAY, days=1, working_days=True) == date(2024, 3, 4)
    assert due_date(FRIDAY, days=10, working_days=True) == date(2024, 3, 15)
    assert due_date(date(2024, 3, 2), days=1, working_days=True) == date(2024, 3, 4)


def test_questions_become_overdue_the_day_after_a_calendar_due_date():
    letter = _letter(_authority(response_days=30))

    on_due_date = letter_figures(letter, as_of=date(2024, 3, 31))
    day_after = letter_figures(letter, as_of=date(2024, 4, 1))

    assert on_due_date.due_on == date(2024, 3, 31)
    assert on_due_date.overdue_questions == 0
    assert day_after.overdue_questions == 2
    assert [question.overdue for question in day_after.questions] == [True, True]
    assert day_after.days_since_sent == 31


def test_questions_become_overdue_after_working_days():
    calendar = _letter(_authority("Border Police (fictional)", response_days=10))
    working = _letter(_authority(response_days=10, working_days=True))

    as_of = date(2024, 3, 14)

    assert letter_figures(calendar, as_of=as_of).due_on == date(2024, 3, 11)
    assert letter_figures(calendar, as_of=as_of).overdue_questions == 2
    assert letter_figures(working, as_of=as_of).due_on == date(2024, 3, 15)
    assert letter_figures(working, as_of=as_of).overdue_questions == 0
    assert letter_figures(working, as_of=date(2024, 3, 18)).overdue_questions == 2


def test_an_answer_counts_from_the_day_it_arrives():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _answer(letter, ministry, date(2024, 4, 10), 1)

    before = letter_figures(letter, as_of=date(2024, 4, 5))
    after = letter_figures(letter, as_of=date(2024, 4, 10))

    assert [(q.status, q.overdue) for q in before.questions] == [
        ("unanswered", True),
        ("unanswered", True),
    ]
    assert [(q.status, q.overdue) for q in after.questions] == [
        ("answered", False),
        ("unanswered", True),
    ]
    assert after.overdue_questions == 1


def test_a_refusal_is_a_reply_and_not_overdue():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _answer(letter, ministry, date(2024, 3, 20), 2, status="refused")

    figures = letter_figures(letter, as_of=date(2024, 5, 1))

    assert [(q.status, q.overdue) for q in figures.questions] == [
        ("unanswered", True),
        ("refused", False),
    ]


def test_with_several_recipients_the_earliest_due_date_counts():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=10, working_days=True)
    letter = _letter(ministry, police)

    figures = letter_figures(letter, as_of=date(2024, 3, 20))

    assert figures.due_on == date(2024, 3, 15)
    assert [(recipient.name, recipient.due_on) for recipient in figures.recipients] == [
        ("Border Police (fictional)", date(2024, 3, 15)),
        ("Ministry of the Interior (fictional)", date(2024, 3, 31)),
    ]
    assert figures.overdue_questions == 2


def test_a_letter_not_yet_sent_owes_nothing():
    ministry = _authority()
    draft = _letter(ministry, sent_on=None)
    later = _letter(ministry, sent_on=date(2024, 6, 1))

    assert letter_figures(draft, as_of=date(2024, 12, 1)).due_on is None
    assert letter_figures(draft, as_of=date(2024, 12, 1)).overdue_questions == 0
    assert letter_figures(later, as_of=date(2024, 5, 1)).days_since_sent is None
    assert letter_figures(later, as_of=date(2024, 5, 1)).overdue_questions == 0


def test_an_authority_is_measured_by_its_own_answers():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=10)
    first = _letter(ministry, police)
    second = _letter(ministry, sent_on=date(2024, 4, 1))
    _answer(first, ministry, date(2024, 3, 21), 1)
    _answer(first, police, date(2024, 3, 5), 2)
    _answer(second, ministry, date(2024, 4, 11), 1)
    _answer(second, ministry, date(2024, 4, 12), 2, status="refused")

    figures = authority_figures(ministry, as_of=date(2024, 6, 1))

    assert figures.letters_received == 2
    assert figures.questions_asked == 4
    assert figures.answered == 2
    # The police answered the first letter's second question; the ministry never did.
    assert figures.overdue == 1
    assert figures.share_answered == 0.5
    assert figures.median_days_to_answer == 15.0


def test_authority_figures_as_of_an_earlier_day():
    ministry = _authority(response_days=30)
    _letter(ministry)
    _letter(ministry, sent_on=date(2024, 4, 1))

    figures = authority_figures(ministry, as_of=date(2024, 3, 15))

    assert figures.letters_received == 1
    assert figures.questions_asked == 2
    assert figures.overdue == 0
    assert figures.share_answered == 0.0
    assert figures.median_days_to_answer is None


def test_authority_figures_count_only_letters_the_reader_may_see(team, documenter, outsider):
    ministry = _authority(response_days=30)
    _letter(ministry, confidentiality="restricted", team=team)

    ours = authority_figures(
        ministry, as_of=date(2024, 6, 1), letters=Letter.objects.visible_to(documenter)
    )
    theirs = authority_figures(
        ministry, as_of=date(2024, 6, 1), letters=Letter.objects.visible_to(outsider)
    )

    assert (ours.letters_received, ours.overdue) == (1, 2)
    assert (theirs.letters_received, theirs.questions_asked, theirs.share_answered) == (0, 0, None)
