"""One letter to two authorities, followed through its life with the clock moved forward.

Sent on Sunday 15 March 2026 by email to a ministry in Iran (5 working days:
Friday is the weekend, and 20 to 24 March are Nowruz and Eid holidays, so the
reply is due on Wednesday 25 March, not Saturday 21) and to an office in
Australia (15 working days: Good Friday and Easter Monday skipped, so due on
Tuesday 7 April, not Friday 3 April). The ministry replies by email and
answers one question; the office's reply comes by post and is entered by hand.
At each step the overdue counts, the reminders and at the end the scorecards
must be right.
"""

from datetime import date
from email.message import EmailMessage
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from docket.accounts.models import User
from docket.cases import services as case_services
from docket.cases.models import Authority
from docket.letters import services
from docket.letters.figures import authority_figures, letter_figures
from docket.letters.models import Dispatch, InboundMail, InboundState, Letter

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "On what legal basis is each person named in this letter held?",
    "Has any charge been brought against them?",
    "When will their families be allowed to visit?",
]


def _on(day: date) -> Any:
    return time_machine.travel(day.isoformat() + " 09:00 +00:00", tick=False)


@pytest.fixture
def owner(documenter: User) -> User:
    documenter.email = "narges@example.org"
    documenter.save()
    return documenter


@pytest.fixture
def ministry(owner: User) -> Authority:
    return case_services.create_authority(
        actor=owner,
        name="Ministry of the Interior (fictional)",
        country="IR",
        email="secretariat@ministry.example",
        response_days=5,
        working_days=True,
    )


@pytest.fixture
def office(owner: User) -> Authority:
    return case_services.create_authority(
        actor=owner,
        name="Department of Home Affairs (fictional)",
        country="AU",
        email="correspondence@homeaffairs.example",
        response_days=15,
        working_days=True,
    )


@pytest.fixture
def letter(owner: User, ministry: Authority, office: Authority) -> Letter:
    return services.create_letter(
        actor=owner,
        title="Open letter on the detention of the Karimi brothers",
        body="We write about **two brothers** held without charge since 2023.",
        recipients=[ministry, office],
        questions=QUESTIONS,
    )


def _reply_email(dispatch: Dispatch, *, sent: str, text: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Secretariat <{dispatch.authority.email}>"
    message["To"] = f"replies+{dispatch.reference}@localhost"
    message["Subject"] = f"Re: {dispatch.letter.title}"
    message["Date"] = sent
    message["Message-ID"] = "<reply-1@ministry.example>"
    message.set_content(text)
    return message.as_bytes()


def _overdue(letter: Letter, day: date) -> dict[str, int]:
    figures = letter_figures(letter, as_of=day)
    return {
        recipient.name.split()[0]: recipient.overdue_questions for recipient in figures.recipients
    }


def test_a_letter_to_two_authorities_from_sending_to_scorecards(
    owner: User, ministry: Authority, office: Authority, letter: Letter, mailoutbox: list[Any]
) -> None:
    with _on(date(2026, 3, 15)):
        copies = services.send_copies(actor=owner, letter=letter, channel="email")

    # Each authority gets its own copy, with its own reference in the subject and reply-to.
    assert len(mailoutbox) == 2
    for copy in copies:
        email = next(e for e in mailoutbox if e.to == [copy.authority.email])
        assert copy.reference in email.subject
        assert email.reply_to == [f"replies+{copy.reference}@localhost"]
        assert QUESTIONS[2] in email.body
        # The printed letter travels with it.
        [printed] = email.attachments
        assert printed.mimetype == "application/pdf"
        assert printed.content.startswith(b"%PDF")
    to_ministry = next(copy for copy in copies if copy.authority == ministry)
    figures = letter_figures(letter, as_of=date(2026, 3, 15))
    assert {r.name: r.due_on for r in figures.recipients} == {
        ministry.name: date(2026, 3, 25),
        office.name: date(2026, 4, 7),
    }
    mailoutbox.clear()

    # Five days later nothing is due yet and nobody is reminded.
    assert services.send_reminders(today=date(2026, 3, 20)) == []
    assert _overdue(letter, date(2026, 3, 20)) == {"Department": 0, "Ministry": 0}

    # Three days before the ministry's due date, the owner is reminded, once, in the
    # site's language whatever language the calling thread last served.
    with translation.override("sq"):
        reminded = services.send_reminders(today=date(2026, 3, 22))
    assert reminded == [f"due: {letter.pk} → {ministry.name}"]
    assert services.send_reminders(today=date(2026, 3, 22)) == []
    assert [email.to for email in mailoutbox] == [[owner.email]]
    assert "25 Mar 2026" in mailoutbox[0].subject
    mailoutbox.clear()

    # The ministry replies by email; staff mark it as answering question 1 and ignoring 2.
    with _on(date(2026, 3, 23)):
        inbound = services.ingest_email(
            _reply_email(
                to_ministry,
                sent="Mon, 23 Mar 2026 10:00:00 +0330",
                text="The persons concerned are held in accordance with the law.",
            )
        )
    assert inbound.state == InboundState.ATTACHED
    assert inbound.response is not None
    assert inbound.response.letter == letter
    assert inbound.response.authority == ministry
    assert inbound.response.received_on == date(2026, 3, 23)
    services.mark_answers(
        actor=owner, response=inbound.response, answers={1: "answered", 2: "ignored"}
    )

    # On the due date nothing is late; the day after, the ignored and the unanswered are.
    assert _overdue(letter, date(2026, 3, 25)) == {"Department": 0, "Ministry": 0}
    assert _overdue(letter, date(2026, 3, 26)) == {"Department": 0, "Ministry": 2}
    assert services.send_reminders(today=date(2026, 3, 26)) == [
        f"overdue: {letter.pk} → {ministry.name}"
    ]
    assert "follow-up" in mailoutbox[0].body
    assert services.send_reminders(today=date(2026, 3, 27)) == []

    # The office's reminder comes three days before 7 April, counted in calendar days.
    assert services.send_reminders(today=date(2026, 4, 3)) == []
    assert services.send_reminders(today=date(2026, 4, 4)) == [f"due: {letter.pk} → {office.name}"]

    # The office's reply comes by post and is entered by hand, with the scan attached.
    with _on(date(2026, 4, 6)):
        reply = services.record_reply(
            actor=owner,
            letter=letter,
            authority=office,
            received_on=date(2026, 4, 6),
            via="post",
            body="We cannot comment on individual cases; the brothers have been charged.",
            answers={1: "refused", 2: "answered"},
            files=[SimpleUploadedFile("reply.txt", b"Scanned reply of the office")],
        )
    assert reply.source is not None
    assert [evidence.name for evidence in reply.source.files.all()] == ["reply.txt"]

    assert _overdue(letter, date(2026, 4, 7)) == {"Department": 0, "Ministry": 2}
    assert _overdue(letter, date(2026, 4, 8)) == {"Department": 1, "Ministry": 2}
    assert services.send_reminders(today=date(2026, 4, 8)) == [
        f"overdue: {letter.pk} → {office.name}"
    ]

    final = letter_figures(letter, as_of=date(2026, 4, 8))
    assert [(q.number, q.status, q.overdue) for q in final.questions] == [
        (1, "answered", False),
        (2, "answered", True),
        (3, "unanswered", True),
    ]
    assert final.overdue_questions == 2
    assert final.days_since_sent == 24

    # The scorecards: answered questions, refusals, overdue ones and days to answer.
    scorecard = authority_figures(ministry, as_of=date(2026, 4, 8), letters=Letter.objects.all())
    assert (scorecard.letters_received, scorecard.questions_asked) == (1, 3)
    assert (scorecard.answered, scorecard.refused, scorecard.overdue) == (1, 0, 2)
    assert scorecard.share_answered == 0.333
    assert scorecard.median_days_to_answer == 8.0
    scorecard = authority_figures(office, as_of=date(2026, 4, 8), letters=Letter.objects.all())
    assert (scorecard.answered, scorecard.refused, scorecard.overdue) == (1, 1, 1)
    assert scorecard.median_days_to_answer == 22.0


def test_an_email_without_a_reference_waits_for_review_and_is_filed_by_hand(
    owner: User, coordinator: User, ministry: Authority, letter: Letter
) -> None:
    with _on(date(2026, 3, 15)):
        services.send_copies(actor=owner, letter=letter, channel="post")
    message = EmailMessage()
    message["From"] = "someone@ministry.example"
    message["To"] = "info@association.example"
    message["Subject"] = "Your letter of March"
    message["Date"] = "Tue, 24 Mar 2026 08:00:00 +0330"
    message["Message-ID"] = "<loose@ministry.example>"
    message.set_content("We acknowledge receipt of your letter.")

    inbound = services.ingest_email(message.as_bytes())

    assert inbound.state == InboundState.WAITING
    assert InboundMail.objects.filter(state=InboundState.WAITING).count() == 1
    assert not letter.responses.exists()

    # Taken in again (a second poll of the mailbox), it is not queued twice.
    assert services.ingest_email(message.as_bytes()).pk == inbound.pk

    with _on(date(2026, 3, 25)):
        response = services.attach_mail(
            actor=coordinator, inbound=inbound, letter=letter, authority=ministry
        )
    inbound.refresh_from_db()
    assert inbound.state == InboundState.ATTACHED
    assert response.received_on == date(2026, 3, 24)
    assert "acknowledge receipt" in response.body


def test_a_documenter_may_not_sort_the_review_queue(
    owner: User, ministry: Authority, letter: Letter
) -> None:
    message = EmailMessage()
    message["Subject"] = "Unrelated"
    message.set_content("Hello")
    inbound = services.ingest_email(message.as_bytes())

    with pytest.raises(services.PermissionDenied):
        services.attach_mail(actor=owner, inbound=inbound, letter=letter, authority=ministry)
    with pytest.raises(services.PermissionDenied):
        services.dismiss_mail(actor=owner, inbound=inbound)
