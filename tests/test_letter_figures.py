"""Letter figures: when each recipient's reply is due, which questions are overdue for whom,
and how authorities answer."""

from datetime import date

import pytest
from django.utils import timezone

from docket.cases import services as case_services
from docket.cases.models import Authority
from docket.letters import services
from docket.letters.calendar import due_date
from docket.letters.figures import (
    authorities_figures,
    authority_figures,
    letter_figures,
    overdue_copies,
    overdue_letters,
)
from docket.letters.models import Answer, Dispatch, Letter, Question, Response

pytestmark = pytest.mark.django_db

FRIDAY = date(2024, 3, 1)
QUESTIONS = (
    "On what legal basis is Gholamreza Shekari held?",
    "When may his family visit him?",
)


def _authority(name: str = "Ministry of the Interior (fictional)", **fields: object) -> Authority:
    return Authority.objects.create(name=name, **fields)


def _letter(
    *to: Authority,
    sent_on: date | None = FRIDAY,
    questions: tuple[str, ...] = QUESTIONS,
    **fields: object,
) -> Letter:
    """A letter with one copy per recipient, every copy sent on `sent_on`."""
    letter = Letter.objects.create(
        title="Open letter on the detention of Gholamreza Shekari", **fields
    )
    for authority in to:
        Dispatch.objects.create(
            letter=letter, authority=authority, sent_on=sent_on, channel="post" if sent_on else ""
        )
    for number, text in enumerate(questions, start=1):
        Question.objects.create(letter=letter, number=number, text=text)
    return letter


def _reply(
    letter: Letter, authority: Authority, received_on: date, answers: dict[int, str]
) -> Response:
    """A reply from `authority` that deals with the questions numbered in `answers`."""
    response = Response.objects.create(letter=letter, authority=authority, received_on=received_on)
    for number, status in answers.items():
        Answer.objects.create(
            response=response, question=letter.questions.get(number=number), status=status
        )
    return response


def _statuses(letter: Letter, as_of: date) -> list[tuple[str, bool]]:
    return [(q.status, q.overdue) for q in letter_figures(letter, as_of=as_of).questions]


# When a reply is due


def test_a_reply_is_due_calendar_days_after_sending():
    assert due_date(FRIDAY, days=30, working_days=False) == date(2024, 3, 31)
    assert due_date(FRIDAY, days=0, working_days=False) == FRIDAY


def test_working_days_skip_saturdays_and_sundays():
    assert due_date(FRIDAY, days=1, working_days=True) == date(2024, 3, 4)
    assert due_date(FRIDAY, days=10, working_days=True) == date(2024, 3, 15)
    assert due_date(date(2024, 3, 2), days=1, working_days=True) == date(2024, 3, 4)


def test_working_days_in_iran_skip_fridays_and_nowruz():
    # Saturday is a working day in Iran; Friday is the weekend.
    assert due_date(date(2024, 2, 29), days=1, working_days=True, country="IR") == date(2024, 3, 2)
    # Sent on Saturday 16 March 2024: the oil nationalisation day (19 March), Nowruz
    # (20 to 23 March), Islamic Republic Day (31 March) and Nature Day (1 April) are
    # holidays, and Fridays the weekend, so ten working days end on 3 April.
    assert due_date(date(2024, 3, 16), days=10, working_days=True, country="IR") == date(2024, 4, 3)
    # Without a country only Saturdays and Sundays are skipped.
    assert due_date(date(2024, 3, 16), days=10, working_days=True) == date(2024, 3, 29)


def test_an_iranian_authority_is_late_only_after_its_own_working_days():
    ministry = _authority(
        "Ministry of Foreign Affairs (fictional)", country="IR", response_days=10, working_days=True
    )
    letter = _letter(ministry, sent_on=date(2024, 3, 16))

    on_due_date = letter_figures(letter, as_of=date(2024, 4, 3))
    day_after = letter_figures(letter, as_of=date(2024, 4, 4))

    assert on_due_date.due_on == date(2024, 4, 3)
    assert on_due_date.overdue_questions == 0
    assert day_after.overdue_questions == 2


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


# How replies count


def test_an_answer_counts_from_the_day_it_arrives():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _reply(letter, ministry, date(2024, 4, 10), {1: "answered"})

    assert _statuses(letter, date(2024, 4, 5)) == [("unanswered", True), ("unanswered", True)]
    assert _statuses(letter, date(2024, 4, 10)) == [("answered", False), ("unanswered", True)]
    assert letter_figures(letter, as_of=date(2024, 4, 10)).overdue_questions == 1


def test_a_reply_recorded_through_the_service_counts(administrator):
    ministry = _authority(response_days=30)
    letter = _letter(ministry)

    services.record_reply(
        actor=administrator,
        letter=letter,
        authority=ministry,
        received_on=date(2024, 3, 20),
        answers={1: "answered", 2: "not_held"},
    )

    assert _statuses(letter, date(2024, 5, 1)) == [("answered", False), ("not_held", False)]


def test_a_refusal_is_a_reply_and_not_overdue():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _reply(letter, ministry, date(2024, 3, 20), {2: "refused"})

    assert _statuses(letter, date(2024, 5, 1)) == [("unanswered", True), ("refused", False)]


def test_a_partial_answer_stays_open_but_is_not_overdue():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _reply(letter, ministry, date(2024, 3, 20), {1: "partial"})

    figures = letter_figures(letter, as_of=date(2024, 5, 1))

    assert [(q.status, q.overdue) for q in figures.questions] == [
        ("partial", False),
        ("unanswered", True),
    ]
    [ministry_copy] = figures.recipients
    assert (ministry_copy.open_questions, ministry_copy.overdue_questions) == (2, 1)
    assert [q.recipients[0].days_silent for q in figures.questions] == [None, 61]


def test_an_ignored_question_is_overdue_and_silent_like_an_unanswered_one():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _reply(letter, ministry, date(2024, 3, 20), {1: "answered", 2: "ignored"})

    before_due = letter_figures(letter, as_of=date(2024, 3, 25))
    after_due = letter_figures(letter, as_of=date(2024, 5, 1))

    assert [(q.status, q.overdue) for q in before_due.questions] == [
        ("answered", False),
        ("ignored", False),
    ]
    assert [(q.status, q.overdue) for q in after_due.questions] == [
        ("answered", False),
        ("ignored", True),
    ]
    assert after_due.questions[1].recipients[0].days_silent == 61


def test_the_latest_reply_decides_a_questions_status():
    ministry = _authority(response_days=30)
    letter = _letter(ministry)
    _reply(letter, ministry, date(2024, 3, 10), {1: "partial"})
    _reply(letter, ministry, date(2024, 4, 20), {1: "answered"})

    assert _statuses(letter, date(2024, 4, 1))[0] == ("partial", False)
    assert _statuses(letter, date(2024, 5, 1))[0] == ("answered", False)


def test_a_status_recorded_without_a_reply_counts_for_every_recipient():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=30)
    letter = _letter(ministry, police)
    Question.objects.filter(letter=letter, number=2).update(status="refused")

    figures = letter_figures(letter, as_of=date(2024, 5, 1))

    assert [(r.status, r.overdue) for r in figures.questions[1].recipients] == [
        ("refused", False),
        ("refused", False),
    ]
    # Once a reply speaks of the question, each recipient's own answer counts.
    _reply(letter, police, date(2024, 3, 20), {2: "answered"})
    figures = letter_figures(letter, as_of=date(2024, 5, 1))
    assert [(r.status, r.overdue) for r in figures.questions[1].recipients] == [
        ("answered", False),
        ("unanswered", True),
    ]


# Several recipients


def test_each_recipient_owes_its_own_answers():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=30)
    letter = _letter(ministry, police)
    _reply(letter, ministry, date(2024, 3, 20), {1: "answered", 2: "answered"})

    figures = letter_figures(letter, as_of=date(2024, 5, 1))

    # Best over recipients: answered; still overdue, because the police said nothing.
    assert [(q.status, q.overdue) for q in figures.questions] == [
        ("answered", True),
        ("answered", True),
    ]
    assert [
        (recipient.name, recipient.replies, recipient.open_questions, recipient.overdue_questions)
        for recipient in figures.recipients
    ] == [
        ("Border Police (fictional)", 0, 2, 2),
        ("Ministry of the Interior (fictional)", 1, 0, 0),
    ]
    assert figures.overdue_questions == 2


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


def test_a_copy_sent_later_is_due_later():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=30)
    letter = _letter(ministry, police)
    Dispatch.objects.filter(letter=letter, authority=police).update(sent_on=date(2024, 4, 1))

    figures = letter_figures(letter, as_of=date(2024, 4, 15))

    assert figures.days_since_sent == 45
    assert [(r.name, r.days_since_sent, r.overdue_questions) for r in figures.recipients] == [
        ("Border Police (fictional)", 14, 0),
        ("Ministry of the Interior (fictional)", 45, 2),
    ]


def test_a_letter_not_yet_sent_owes_nothing():
    ministry = _authority()
    draft = _letter(ministry, sent_on=None)
    later = _letter(ministry, sent_on=date(2024, 6, 1))

    assert letter_figures(draft, as_of=date(2024, 12, 1)).due_on is None
    assert letter_figures(draft, as_of=date(2024, 12, 1)).overdue_questions == 0
    assert letter_figures(later, as_of=date(2024, 5, 1)).days_since_sent is None
    assert letter_figures(later, as_of=date(2024, 5, 1)).overdue_questions == 0


def test_a_recipient_not_yet_sent_to_owes_nothing():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=30)
    letter = _letter(ministry, police)
    Dispatch.objects.filter(letter=letter, authority=police).update(sent_on=None, channel="")

    figures = letter_figures(letter, as_of=date(2024, 5, 1))

    assert [
        (r.name, r.due_on, r.open_questions, r.overdue_questions) for r in figures.recipients
    ] == [
        ("Border Police (fictional)", None, 0, 0),
        ("Ministry of the Interior (fictional)", date(2024, 3, 31), 2, 2),
    ]


# Scorecards


def test_an_authority_is_measured_by_its_own_answers():
    ministry = _authority(response_days=30)
    police = _authority("Border Police (fictional)", response_days=10)
    first = _letter(ministry, police)
    second = _letter(ministry, sent_on=date(2024, 4, 1))
    _reply(first, ministry, date(2024, 3, 21), {1: "answered"})
    _reply(first, police, date(2024, 3, 5), {2: "answered"})
    _reply(second, ministry, date(2024, 4, 11), {1: "answered"})
    _reply(second, ministry, date(2024, 4, 12), {2: "refused"})

    figures = authority_figures(ministry, as_of=date(2024, 6, 1), letters=Letter.objects.all())

    assert figures.letters_received == 2
    assert figures.questions_asked == 4
    assert (figures.answered, figures.refused, figures.partial, figures.not_held) == (2, 1, 0, 0)
    # The police answered the first letter's second question; the ministry never did.
    assert figures.overdue == 1
    assert figures.share_answered == 0.5
    assert figures.median_days_to_answer == 15.0


def test_a_scorecard_counts_partial_answers_toward_days_to_answer_but_not_share_answered():
    ministry = _authority(response_days=30)
    letter = _letter(ministry, questions=(*QUESTIONS, "Who decided?"))
    _reply(letter, ministry, date(2024, 3, 11), {1: "partial", 2: "not_held"})
    _reply(letter, ministry, date(2024, 3, 31), {1: "answered", 3: "ignored"})

    figures = authority_figures(ministry, as_of=date(2024, 6, 1), letters=Letter.objects.all())

    assert (figures.answered, figures.partial, figures.not_held) == (1, 0, 1)
    # Ignored after the due date: overdue.
    assert figures.overdue == 1
    assert figures.share_answered == 0.333
    # From sending to the first reply that dealt with the question at all.
    assert figures.median_days_to_answer == 10.0


def test_authority_figures_as_of_an_earlier_day():
    ministry = _authority(response_days=30)
    _letter(ministry)
    _letter(ministry, sent_on=date(2024, 4, 1))

    figures = authority_figures(ministry, as_of=date(2024, 3, 15), letters=Letter.objects.all())

    assert figures.letters_received == 1
    assert figures.questions_asked == 2
    assert figures.overdue == 0
    assert figures.share_answered == 0.0
    assert figures.median_days_to_answer is None


def test_authority_figures_leave_out_deleted_letters_and_unsent_copies():
    ministry = _authority(response_days=30)
    _letter(ministry, sent_on=None)
    deleted = _letter(ministry)
    Letter.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())

    figures = authority_figures(ministry, as_of=date(2024, 6, 1), letters=Letter.objects.all())

    assert (figures.letters_received, figures.questions_asked) == (0, 0)


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


def test_every_authoritys_scorecard_costs_the_same_few_queries(django_assert_max_num_queries):
    authorities = [_authority(f"Office {number} (fictional)") for number in range(6)]
    for authority in authorities:
        letter = _letter(*dict.fromkeys([authority, authorities[0]]))
        _reply(letter, authority, date(2024, 3, 10), {1: "answered"})

    with django_assert_max_num_queries(3):
        figures = authorities_figures(
            authorities, as_of=date(2024, 6, 1), letters=Letter.objects.all()
        )

    assert [figures[a.pk].letters_received for a in authorities] == [6, 1, 1, 1, 1, 1]
    assert figures[authorities[1].pk].answered == 1


def _overdue_by_figures(as_of: date) -> set[tuple[int, int]]:
    """(letter, authority) of every copy with an overdue question, by letter_figures."""
    return {
        (letter.pk, recipient.authority_id)
        for letter in Letter.objects.all()
        for recipient in letter_figures(letter, as_of=as_of).recipients
        if recipient.overdue_questions
    }


def test_the_overdue_query_selects_exactly_what_the_figures_count():
    ministry = _authority(response_days=5, working_days=True, country="IR")
    office = _authority("Immigration Office (fictional)", response_days=14)
    unanswered = _letter(ministry, office)
    answered = _letter(ministry)
    _reply(answered, ministry, date(2024, 3, 5), {1: "answered", 2: "refused"})
    partly = _letter(office)
    _reply(partly, office, date(2024, 3, 20), {1: "partial"})
    ignored_later = _letter(ministry)
    _reply(ignored_later, ministry, date(2024, 3, 4), {1: "answered", 2: "answered"})
    _reply(ignored_later, ministry, date(2024, 4, 2), {2: "ignored"})
    settled_without_reply = _letter(office)
    settled_without_reply.questions.update(status="answered")
    _letter(ministry, sent_on=None)
    for as_of in (date(2024, 3, 1), date(2024, 3, 12), date(2024, 3, 16), date(2024, 4, 10)):
        found = {
            (dispatch.letter_id, dispatch.authority_id)
            for dispatch in overdue_copies(Dispatch.objects.all(), as_of)
        }
        assert found == _overdue_by_figures(as_of), as_of
        assert set(overdue_letters(Letter.objects.all(), as_of)) == {
            Letter.objects.get(pk=pk) for pk, _ in found
        }
    late = {(letter, authority) for letter, authority in _overdue_by_figures(date(2024, 4, 10))}
    assert (unanswered.pk, ministry.pk) in late
    assert (ignored_later.pk, ministry.pk) in late
    assert (answered.pk, ministry.pk) not in late
    assert (partly.pk, office.pk) in late  # question 2 was never answered


def test_changing_an_authoritys_rule_moves_its_copies_due_dates(administrator):
    office = _authority("Immigration Office (fictional)", response_days=14)
    letter = _letter(office)
    assert letter.dispatches.get().due_on == date(2024, 3, 15)
    assert overdue_copies(Dispatch.objects.all(), date(2024, 3, 20)).exists()

    case_services.update_authority(
        actor=administrator, authority=office, expected_version=office.version, response_days=30
    )

    assert letter.dispatches.get().due_on == date(2024, 3, 31)
    assert not overdue_copies(Dispatch.objects.all(), date(2024, 3, 20)).exists()
