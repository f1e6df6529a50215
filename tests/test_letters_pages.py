"""The letter pages: the list, writing, sending by email, replies by hand and by email, the
marks per question, follow-ups, publishing, deletion, history, the overdue list and the
review queue of incoming email; each grant beside its denial."""

import re
from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.accounts.models import User
from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Authority, Case
from docket.letters import services
from docket.letters.models import (
    Answer,
    Dispatch,
    InboundMail,
    InboundState,
    Letter,
    Response,
)
from docket.people.models import Person
from tests import factories
from tests.conftest import pass_second_factor

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "On what legal basis is Gholamreza Shekari held?",
    "When may his family visit him?",
    "Has he been charged with an offence?",
]


def client_for(user: User) -> Client:
    """A separate browser session, for tests that need two people at once."""
    client = Client()
    client.force_login(user)
    if user.role in {"administrator", "coordinator"}:
        pass_second_factor(client, user)
    return client


@pytest.fixture
def locmem_mail(settings) -> None:
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.REPLY_ADDRESS = "replies@docket.example.org"


@pytest.fixture
def ministry(documenter) -> Authority:
    return case_services.create_authority(
        actor=documenter,
        name="Fictional Ministry of Justice",
        email="minister@justice.example.org",
        country="DE",
        response_days=10,
        working_days=True,
    )


@pytest.fixture
def embassy(documenter) -> Authority:
    return case_services.create_authority(
        actor=documenter, name="Fictional Embassy", response_days=30, working_days=False
    )


@pytest.fixture
def detainee(documenter) -> Person:
    return factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری")


@pytest.fixture
def dossier(documenter, team, detainee) -> Case:
    return factories.case(
        documenter,
        "Held at the northern camp",
        [detainee],
        team=team,
        confidentiality="restricted",
        summary="Held without charge since the spring.",
    )


@pytest.fixture
def letter(documenter, team, ministry, embassy, dossier) -> Letter:
    """A restricted draft of our team to two authorities, citing the restricted case."""
    return services.create_letter(
        actor=documenter,
        title="Open letter on the northern camp",
        body="We write about **detentions** at the northern camp.",
        recipients=[ministry, embassy],
        cases=[dossier],
        questions=QUESTIONS,
        team=team,
        confidentiality="restricted",
    )


def _sent(letter: Letter, actor: User, days_ago: int, channel: str = "post") -> Letter:
    services.send_copies(
        actor=actor,
        letter=letter,
        channel=channel,
        sent_on=timezone.localdate() - timedelta(days=days_ago),
    )
    return letter


def _raw_email(subject: str, text: str, sender: str = "clerk@justice.example.org") -> bytes:
    return (
        f"From: {sender}\r\nTo: replies@docket.example.org\r\nSubject: {subject}\r\n"
        "Date: Mon, 04 Mar 2024 10:00:00 +0000\r\n"
        f"Message-ID: <{subject.replace(' ', '.')}@example.org>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n"
    ).encode()


# The list


def test_the_list_shows_the_letters_a_person_may_see(logged_in, letter, outsider):
    response = logged_in(outsider).get(reverse("letters:letter_list"))

    assert response.status_code == 200
    assert "0 letters" in response.text
    assert letter.title not in response.text


def test_the_list_shows_recipients_dates_and_counts(logged_in, documenter, letter):
    _sent(letter, documenter, days_ago=60)

    response = logged_in(documenter).get(reverse("letters:letter_list"))

    assert "1 letter" in response.text
    assert letter.title in response.text
    assert "Fictional Ministry of Justice" in response.text
    assert "Fictional Embassy" in response.text
    row = re.search(r"<tr>\s*<td><a href=\"/letters/\d+/\".*?</tr>", response.text, re.S)
    assert row is not None
    numbers = re.findall(r'<td class="number">(?:<strong class="overdue">)?(\d+)', row[0])
    # 60 days since sent, 3 questions open, all 3 overdue for at least one recipient.
    assert numbers == ["60", "3", "3"]
    assert "Overdue" in row[0]


def test_the_list_filters_by_state_and_title(logged_in, documenter, team, letter, ministry):
    draft = services.create_letter(
        actor=documenter, title="A draft to the embassy", recipients=[ministry], team=team
    )
    _sent(letter, documenter, days_ago=60)
    client = logged_in(documenter)

    drafts = client.get(reverse("letters:letter_list"), {"state": "draft"})
    overdue = client.get(reverse("letters:letter_list"), {"state": "overdue"})
    sent = client.get(reverse("letters:letter_list"), {"state": "sent"})
    published = client.get(reverse("letters:letter_list"), {"state": "published"})
    titled = client.get(reverse("letters:letter_list"), {"title": "northern"})

    assert draft.title in drafts.text and letter.title not in drafts.text
    assert letter.title in overdue.text and draft.title not in overdue.text
    assert letter.title in sent.text and draft.title not in sent.text
    assert "0 letters" in published.text
    assert letter.title in titled.text and draft.title not in titled.text


def test_the_list_answers_htmx_with_the_results_only(logged_in, documenter, letter):
    response = logged_in(documenter).get(
        reverse("letters:letter_list"), {"title": "northern"}, headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith('<section id="results"')
    assert letter.title in response.text


def test_the_list_costs_the_same_few_queries_for_many_letters(
    logged_in, documenter, team, ministry, embassy, django_assert_max_num_queries
):
    for number in range(12):
        letter = services.create_letter(
            actor=documenter,
            title=f"Fictional letter {number}",
            recipients=[ministry, embassy],
            questions=QUESTIONS,
            team=team,
        )
        _sent(letter, documenter, days_ago=20)
        services.record_reply(
            actor=documenter,
            letter=letter,
            authority=ministry,
            received_on=timezone.localdate(),
            answers={1: "answered"},
        )
    client = logged_in(documenter)
    client.get(reverse("letters:letter_list"))  # warm the session

    with django_assert_max_num_queries(14):
        response = client.get(reverse("letters:letter_list"))
    with django_assert_max_num_queries(16):
        client.get(reverse("letters:letter_list"), {"state": "overdue"})

    assert response.text.count("Fictional letter") == 12


# Writing


def _form_data(**values: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "To the ministry",
        "body": "Dear minister,",
        "language": "en",
        "confidentiality": "internal",
        "team": "",
        "questions": "",
    }
    data.update(values)
    return data


def test_a_documenter_writes_a_letter_with_numbered_questions(
    logged_in, documenter, team, ministry, dossier
):
    client = logged_in(documenter)
    assert client.get(reverse("letters:letter_create")).status_code == 200

    response = client.post(
        reverse("letters:letter_create"),
        _form_data(
            team=team.pk,
            recipients=[ministry.pk],
            cases=[dossier.pk],
            revealed_cases=[dossier.pk],
            questions="First question?\n\n  Second question?  \n",
        ),
    )

    letter = Letter.objects.get(title="To the ministry")
    assert response.status_code == 302
    assert response["Location"] == reverse("letters:letter_detail", args=[letter.pk])
    assert [(q.number, q.text) for q in letter.questions.all()] == [
        (1, "First question?"),
        (2, "Second question?"),
    ]
    assert list(letter.to.all()) == [ministry]
    assert list(letter.revealed_cases.all()) == [dossier]
    assert letter.owner == documenter


def test_a_viewer_may_not_write_a_letter(logged_in, viewer):
    client = logged_in(viewer)

    assert client.get(reverse("letters:letter_create")).status_code == 403
    assert client.post(reverse("letters:letter_create"), _form_data()).status_code == 403
    assert not Letter.objects.exists()


def test_a_case_the_writer_may_not_see_cannot_be_cited(logged_in, outsider, dossier):
    response = logged_in(outsider).post(
        reverse("letters:letter_create"), _form_data(cases=[dossier.pk])
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Letter.objects.exists()


def test_only_a_case_the_writer_may_edit_can_be_cited_in_full(
    logged_in, outsider, documenter, team, detainee
):
    internal = factories.case(documenter, "An internal case of another team", [detainee], team=team)

    response = logged_in(outsider).post(
        reverse("letters:letter_create"),
        _form_data(cases=[internal.pk], revealed_cases=[internal.pk]),
    )

    assert response.status_code == 200
    assert "You may cite a case in full only if you may edit it." in response.text
    assert not Letter.objects.exists()


def test_the_case_finder_lists_only_visible_cases(logged_in, documenter, outsider, dossier):
    found = logged_in(documenter).get(reverse("letters:case_choices"), {"q": "northern"})
    by_number = logged_in(documenter).get(reverse("letters:case_choices"), {"q": dossier.pk})
    hidden = client_for(outsider).get(reverse("letters:case_choices"), {"q": "northern"})

    assert dossier.title in found.text
    assert f'name="revealed_cases" value="{dossier.pk}"' in found.text
    assert dossier.title in by_number.text
    assert dossier.title not in hidden.text


def test_editing_a_letter_keeps_its_version(logged_in, documenter, letter, ministry):
    client = logged_in(documenter)
    page = client.get(reverse("letters:letter_edit", args=[letter.pk]))
    assert QUESTIONS[0] in page.text

    response = client.post(
        reverse("letters:letter_edit", args=[letter.pk]),
        _form_data(
            title="A better title",
            version=letter.version,
            team=letter.team_id,
            confidentiality="restricted",
            recipients=[ministry.pk],
            cases=[c.pk for c in letter.cases.all()],
            questions="Only one question now?",
        ),
    )

    letter.refresh_from_db()
    assert response.status_code == 302
    assert letter.title == "A better title"
    assert letter.version == 2
    assert [q.text for q in letter.questions.all()] == ["Only one question now?"]
    assert list(letter.to.all()) == [ministry]


def test_a_stale_edit_shows_both_versions_and_saves_nothing(
    logged_in, documenter, coordinator, letter
):
    client = logged_in(documenter)
    services.update_letter(
        actor=coordinator, letter=letter, expected_version=1, title="Their title"
    )

    response = client.post(
        reverse("letters:letter_edit", args=[letter.pk]),
        _form_data(
            title="My title",
            version=1,
            team=letter.team_id,
            confidentiality="restricted",
            questions="\n".join(QUESTIONS),
        ),
    )

    letter.refresh_from_db()
    assert response.status_code == 409
    assert "someone else changed this record" in response.text
    assert "Their title" in response.text and "My title" in response.text
    assert letter.title == "Their title"
    assert 'name="version" value="2"' in response.text


def test_a_sent_letter_keeps_its_text_but_takes_new_recipients(
    logged_in, documenter, team, letter, ministry, embassy
):
    extra = case_services.create_authority(actor=documenter, name="Fictional Parliament")
    services.send_copies(actor=documenter, letter=letter, channel="post", authorities=[ministry])
    client = logged_in(documenter)

    page = client.get(reverse("letters:letter_edit", args=[letter.pk]))
    response = client.post(
        reverse("letters:letter_edit", args=[letter.pk]),
        _form_data(
            title="Changed after sending",
            body="Changed body",
            questions="A new question?",
            version=letter.version,
            team=team.pk,
            confidentiality="restricted",
            recipients=[ministry.pk, embassy.pk, extra.pk],
            cases=[c.pk for c in letter.cases.all()],
        ),
    )

    letter.refresh_from_db()
    assert "This letter has been sent" in page.text
    assert response.status_code == 302
    assert letter.title == "Open letter on the northern camp"
    assert [q.text for q in letter.questions.all()] == QUESTIONS
    assert set(letter.to.all()) == {ministry, embassy, extra}


def test_a_copy_already_sent_cannot_be_taken_back(logged_in, documenter, team, letter, ministry):
    services.send_copies(actor=documenter, letter=letter, channel="post", authorities=[ministry])

    response = logged_in(documenter).post(
        reverse("letters:letter_edit", args=[letter.pk]),
        _form_data(
            version=letter.version,
            team=team.pk,
            confidentiality="restricted",
            recipients=[],
            cases=[c.pk for c in letter.cases.all()],
        ),
    )

    assert response.status_code == 200
    assert "A copy already sent cannot be taken back." in response.text
    assert letter.dispatches.count() == 2


def test_editing_keeps_a_cited_case_the_editor_may_not_see(
    logged_in, administrator, documenter, team, other_team, ministry, detainee
):
    administrator.teams.set([other_team])
    secret = factories.case(
        documenter, "A secret case", [detainee], team=team, confidentiality="secret"
    )
    letter = services.create_letter(
        actor=documenter,
        title="Citing a secret case",
        recipients=[ministry],
        cases=[secret],
        revealed=[secret],
        team=team,
        confidentiality="restricted",
    )
    client = logged_in(administrator)

    page = client.get(reverse("letters:letter_edit", args=[letter.pk]))
    response = client.post(
        reverse("letters:letter_edit", args=[letter.pk]),
        _form_data(
            title="Still citing it",
            version=letter.version,
            team=team.pk,
            confidentiality="restricted",
            recipients=[ministry.pk],
        ),
    )

    assert "A secret case" not in page.text
    assert response.status_code == 302, response.text
    assert list(letter.cases.all()) == [secret]
    assert list(letter.revealed_cases.all()) == [secret]


def test_a_viewer_may_not_edit_and_an_outsider_finds_nothing(logged_in, viewer, outsider, letter):
    assert (
        logged_in(viewer).get(reverse("letters:letter_edit", args=[letter.pk])).status_code == 403
    )
    response = client_for(outsider).get(reverse("letters:letter_edit", args=[letter.pk]))
    assert response.status_code == 404


# The letter


def test_the_letter_page_shows_text_citations_and_questions(logged_in, documenter, letter):
    response = logged_in(documenter).get(reverse("letters:letter_detail", args=[letter.pk]))

    assert response.status_code == 200
    assert "<strong>detentions</strong>" in response.text
    for question in QUESTIONS:
        assert question in response.text
    # The restricted case is cited by number and initials, with a link for staff.
    dossier = letter.cases.get()
    assert "G. S." in response.text
    assert reverse("cases:case_detail", args=[dossier.pk]) in response.text
    assert "Held without charge since the spring." not in response.text
    assert "10 working days, public holidays of Germany skipped" in response.text
    assert "30 calendar days" in response.text


def test_a_case_cited_in_full_shows_its_title_and_summary(logged_in, documenter, letter):
    letter.revealed_cases.set(letter.cases.all())

    response = logged_in(documenter).get(reverse("letters:letter_detail", args=[letter.pk]))

    assert "Held at the northern camp" in response.text
    assert "Held without charge since the spring." in response.text


def test_the_letter_body_cannot_carry_script(logged_in, documenter, team):
    letter = services.create_letter(
        actor=documenter, title="Markup", body="<script>alert(1)</script> *fine*", team=team
    )

    response = logged_in(documenter).get(reverse("letters:letter_detail", args=[letter.pk]))

    assert "<script>alert(1)" not in response.text
    assert "<em>fine</em>" in response.text


def test_an_outsider_gets_404_on_a_restricted_letter_of_another_team(logged_in, outsider, letter):
    client = logged_in(outsider)

    for name in ("letter_detail", "letter_history", "letter_send", "letter_follow_up"):
        assert client.get(reverse(f"letters:{name}", args=[letter.pk])).status_code == 404


def test_a_viewer_reads_the_letter_without_the_writing_actions(logged_in, viewer, letter):
    response = logged_in(viewer).get(reverse("letters:letter_detail", args=[letter.pk]))

    assert response.status_code == 200
    assert reverse("letters:letter_edit", args=[letter.pk]) not in response.text
    assert reverse("letters:letter_send", args=[letter.pk]) not in response.text
    assert reverse("letters:letter_publish", args=[letter.pk]) not in response.text


def test_opening_a_restricted_letter_is_logged(logged_in, viewer, letter):
    logged_in(viewer).get(reverse("letters:letter_detail", args=[letter.pk]))

    assert AuditEntry.objects.filter(action=Action.VIEW, actor=viewer).count() == 1


# Sending, replies and their marks


def test_write_send_reply_mark_and_read_the_statuses(
    logged_in, documenter, letter, ministry, embassy, locmem_mail
):
    client = logged_in(documenter)
    send_url = reverse("letters:letter_send", args=[letter.pk])

    page = client.get(send_url)
    assert page.status_code == 200
    assert "minister@justice.example.org" in page.text
    assert "no email address" in page.text

    sent = client.post(
        send_url,
        {"recipients": [ministry.pk], "channel": "email", "sent_on": timezone.localdate()},
    )
    assert sent.status_code == 302
    dispatch = Dispatch.objects.get(letter=letter, authority=ministry)
    assert dispatch.sent_on == timezone.localdate()
    assert len(outbox.outbox) == 1
    message = outbox.outbox[0]
    assert dispatch.reference in message.subject
    assert message.to == ["minister@justice.example.org"]
    assert message.reply_to == [f"replies+{dispatch.reference}@docket.example.org"]
    assert QUESTIONS[1] in message.body

    by_post = client.post(
        send_url,
        {"recipients": [embassy.pk], "channel": "post", "sent_on": timezone.localdate()},
    )
    assert by_post.status_code == 302
    assert len(outbox.outbox) == 1

    reply_url = reverse("letters:reply_create", args=[letter.pk])
    assert client.get(reply_url).status_code == 200
    recorded = client.post(
        reply_url,
        {
            "authority": ministry.pk,
            "received_on": timezone.localdate(),
            "via": "post",
            "body": "The ministry answers the first question.",
            "question_1": "answered",
            "question_2": "refused",
            "question_3": "unanswered",
            "attachments": [
                SimpleUploadedFile("reply.txt", b"The reply, scanned.", "text/plain"),
                SimpleUploadedFile("annex.txt", b"An annex.", "text/plain"),
            ],
        },
    )
    assert recorded.status_code == 302
    response = Response.objects.get(letter=letter, authority=ministry)
    assert response.source is not None and response.source.files.count() == 2
    assert {a.question.number: a.status for a in response.answer_set.all()} == {
        1: "answered",
        2: "refused",
    }

    marked = client.post(
        reverse("letters:reply_answers", args=[response.pk]),
        {"question_1": "answered", "question_2": "refused", "question_3": "partial"},
    )
    assert marked.status_code == 302

    detail = client.get(reverse("letters:letter_detail", args=[letter.pk]))
    assert dispatch.reference in detail.text
    grid = detail.text.split('id="grid-heading"')[1].split("</table>")[0]
    assert "answer-answered" in grid
    assert "answer-refused" in grid
    assert "answer-partial" in grid
    assert "Partially answered" in detail.text
    assert "The ministry answers the first question." in detail.text
    assert reverse("cases:source_detail", args=[response.source.pk]) in detail.text


def test_sending_in_the_future_is_refused(logged_in, documenter, letter, ministry):
    response = logged_in(documenter).post(
        reverse("letters:letter_send", args=[letter.pk]),
        {
            "recipients": [ministry.pk],
            "channel": "post",
            "sent_on": timezone.localdate() + timedelta(days=2),
        },
    )

    assert response.status_code == 200
    assert "cannot have gone out in the future" in response.text
    assert not letter.dispatches.filter(sent_on__isnull=False).exists()


def test_email_to_an_authority_without_an_address_is_refused_in_one_sentence(
    logged_in, documenter, letter, embassy, locmem_mail
):
    response = logged_in(documenter).post(
        reverse("letters:letter_send", args=[letter.pk]),
        {"recipients": [embassy.pk], "channel": "email", "sent_on": timezone.localdate()},
    )

    assert response.status_code == 200
    assert "No email address is known for: Fictional Embassy." in response.text
    assert not outbox.outbox
    assert not letter.dispatches.filter(sent_on__isnull=False).exists()


def test_a_failed_email_marks_nothing_sent_and_keeps_the_choice(
    logged_in, documenter, letter, ministry, locmem_mail, monkeypatch
):
    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)

    response = logged_in(documenter).post(
        reverse("letters:letter_send", args=[letter.pk]),
        {"recipients": [ministry.pk], "channel": "email", "sent_on": timezone.localdate()},
    )

    assert response.status_code == 200
    assert "could not be sent" in response.text
    assert not letter.dispatches.filter(sent_on__isnull=False).exists()
    assert re.search(rf'value="{ministry.pk}"[^>]*checked', response.text)


def test_a_viewer_may_not_send_or_record_replies(logged_in, viewer, documenter, letter, ministry):
    _sent(letter, documenter, days_ago=3)
    reply = services.record_reply(
        actor=documenter, letter=letter, authority=ministry, received_on=timezone.localdate()
    )
    client = logged_in(viewer)

    assert client.get(reverse("letters:letter_send", args=[letter.pk])).status_code == 403
    assert client.get(reverse("letters:reply_create", args=[letter.pk])).status_code == 403
    assert client.get(reverse("letters:reply_answers", args=[reply.pk])).status_code == 403
    assert (
        client.post(reverse("letters:reply_answers", args=[reply.pk]), {"question_1": "answered"})
    ).status_code == 403
    assert not Answer.objects.exists()


def test_an_outsider_finds_no_reply_to_mark(logged_in, outsider, documenter, letter, ministry):
    _sent(letter, documenter, days_ago=3)
    reply = services.record_reply(
        actor=documenter, letter=letter, authority=ministry, received_on=timezone.localdate()
    )

    response = logged_in(outsider).get(reverse("letters:reply_answers", args=[reply.pk]))

    assert response.status_code == 404


def test_a_reply_from_an_authority_not_sent_the_letter_is_refused(
    logged_in, documenter, letter, ministry, embassy
):
    services.send_copies(actor=documenter, letter=letter, channel="post", authorities=[ministry])

    response = logged_in(documenter).post(
        reverse("letters:reply_create", args=[letter.pk]),
        {"authority": embassy.pk, "received_on": timezone.localdate(), "via": "post"},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert not Response.objects.exists()


# Follow-ups


def test_a_follow_up_repeats_the_open_questions_to_those_who_owe_them(
    logged_in, documenter, letter, ministry, embassy
):
    services.send_copies(
        actor=documenter,
        letter=letter,
        channel="post",
        authorities=[ministry],
        sent_on=timezone.localdate() - timedelta(days=40),
    )
    services.record_reply(
        actor=documenter,
        letter=letter,
        authority=ministry,
        received_on=timezone.localdate(),
        answers={1: "answered", 2: "refused"},
    )
    client = logged_in(documenter)
    url = reverse("letters:letter_follow_up", args=[letter.pk])

    page = client.get(url)
    response = client.post(url)

    assert page.status_code == 200
    assert QUESTIONS[2] in page.text and QUESTIONS[0] not in page.text
    # The embassy was never sent the letter: it owes nothing.
    assert "Fictional Embassy" not in page.text
    draft = Letter.objects.get(follows=letter)
    assert response["Location"] == reverse("letters:letter_edit", args=[draft.pk])
    assert [q.text for q in draft.questions.all()] == [QUESTIONS[2]]
    assert list(draft.to.all()) == [ministry]


def test_a_letter_fully_answered_has_nothing_to_follow_up(logged_in, documenter, letter, ministry):
    services.send_copies(actor=documenter, letter=letter, channel="post", authorities=[ministry])
    services.record_reply(
        actor=documenter,
        letter=letter,
        authority=ministry,
        received_on=timezone.localdate(),
        answers={1: "answered", 2: "answered", 3: "not_held"},
    )
    client = logged_in(documenter)
    url = reverse("letters:letter_follow_up", args=[letter.pk])

    page = client.get(url)
    response = client.post(url)

    assert "nothing to repeat" in page.text
    assert response.status_code == 200
    assert "Every question of this letter has been dealt with." in response.text
    assert not Letter.objects.filter(follows=letter).exists()


def test_a_viewer_may_not_write_a_follow_up(logged_in, viewer, documenter, letter):
    _sent(letter, documenter, days_ago=40)

    response = logged_in(viewer).post(reverse("letters:letter_follow_up", args=[letter.pk]))

    assert response.status_code == 403
    assert not Letter.objects.filter(follows=letter).exists()


# Publishing, deleting, history


def test_a_coordinator_publishes_and_withdraws_a_letter(logged_in, coordinator, letter):
    client = logged_in(coordinator)
    url = reverse("letters:letter_publish", args=[letter.pk])
    preview_url = reverse("letters:letter_publish_preview", args=[letter.pk])

    page = client.get(reverse("letters:letter_detail", args=[letter.pk]))
    preview = client.get(preview_url)
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', preview.text)[1]
    published = client.post(url, {"published": "1", "confirm": digest})
    letter.refresh_from_db()
    assert letter.published and letter.published_at is not None
    withdrawn = client.post(url, {"published": "0"})
    letter.refresh_from_db()

    assert preview_url in page.text
    assert published.status_code == withdrawn.status_code == 302
    assert not letter.published


def test_a_documenter_may_not_publish(logged_in, documenter, letter):
    client = logged_in(documenter)

    page = client.get(reverse("letters:letter_detail", args=[letter.pk]))
    response = client.post(reverse("letters:letter_publish", args=[letter.pk]))

    assert reverse("letters:letter_publish", args=[letter.pk]) not in page.text
    assert response.status_code == 403
    letter.refresh_from_db()
    assert not letter.published


def test_publishing_is_post_only(logged_in, coordinator, letter):
    response = logged_in(coordinator).get(reverse("letters:letter_publish", args=[letter.pk]))

    assert response.status_code == 405


def test_a_coordinator_deletes_a_letter_and_it_disappears(logged_in, coordinator, letter):
    client = logged_in(coordinator)
    url = reverse("letters:letter_delete", args=[letter.pk])

    assert client.get(url).status_code == 200
    response = client.post(url)

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.deleted_at is not None
    client.get(reverse("letters:letter_list"))  # the message that names it
    assert "0 letters" in client.get(reverse("letters:letter_list")).text
    assert client.get(reverse("letters:letter_detail", args=[letter.pk])).status_code == 404


def test_a_coordinator_restores_a_deleted_letter(logged_in, coordinator, letter):
    case_services.delete_record(actor=coordinator, record=letter)
    client = logged_in(coordinator)

    listed = client.get(reverse("cases:deleted_list"))
    response = client.post(reverse("cases:record_restore", args=["letter", letter.pk]))

    assert letter.title in listed.text
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.deleted_at is None


def test_a_documenter_may_not_delete_a_letter(logged_in, documenter, letter):
    response = logged_in(documenter).post(reverse("letters:letter_delete", args=[letter.pk]))

    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.deleted_at is None


def test_the_history_lists_each_version(logged_in, documenter, viewer, letter):
    services.update_letter(actor=documenter, letter=letter, expected_version=1, title="Renamed")
    first = letter.history.order_by("history_id").first()

    history = logged_in(viewer).get(reverse("letters:letter_history", args=[letter.pk]))
    version = client_for(viewer).get(
        reverse("letters:letter_version", args=[letter.pk, first.history_id])
    )

    assert history.status_code == 200
    assert "Open letter on the northern camp" in history.text and "Renamed" in history.text
    assert version.status_code == 200
    assert "Open letter on the northern camp" in version.text


# Everything due


def test_the_overdue_page_lists_overdue_copies_oldest_first(
    logged_in, documenter, team, letter, ministry, embassy
):
    _sent(letter, documenter, days_ago=60)
    newer = services.create_letter(
        actor=documenter,
        title="A newer letter",
        recipients=[embassy],
        questions=["Why?"],
        team=team,
    )
    _sent(newer, documenter, days_ago=35)
    services.record_reply(
        actor=documenter,
        letter=letter,
        authority=ministry,
        received_on=timezone.localdate(),
        answers={1: "answered"},
    )

    response = logged_in(documenter).get(reverse("letters:overdue"))

    assert response.status_code == 200
    assert "3 replies overdue" in response.text
    table = response.text.split('id="overdue-heading"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>.*?</tr>", table, re.S)[1:]
    assert "Fictional Ministry of Justice" in rows[0]  # due 10 working days after sending
    assert "<td>2, 3</td>" in rows[0]
    assert "Fictional Embassy" in rows[1] and "northern camp" in rows[1]
    assert "<td>1, 2, 3</td>" in rows[1]
    assert "A newer letter" in rows[2]
    assert re.search(r'class="overdue">30<', rows[1])


def test_the_overdue_page_leaves_out_letters_the_reader_may_not_see(
    logged_in, outsider, documenter, letter
):
    _sent(letter, documenter, days_ago=60)

    response = logged_in(outsider).get(reverse("letters:overdue"))

    assert "0 replies overdue" in response.text
    assert letter.title not in response.text


def test_the_overdue_page_lists_replies_due_within_three_days(logged_in, documenter, team, embassy):
    letter = services.create_letter(
        actor=documenter, title="Due soon", recipients=[embassy], questions=["Why?"], team=team
    )
    _sent(letter, documenter, days_ago=28)

    response = logged_in(documenter).get(reverse("letters:overdue"))

    soon = response.text.split('id="soon-heading"')[1]
    assert "Due soon" in soon


def test_the_dashboard_counts_overdue_replies_the_reader_may_see(
    logged_in, documenter, outsider, letter
):
    _sent(letter, documenter, days_ago=60)

    mine = logged_in(documenter).get(reverse("dashboard"))
    theirs = client_for(outsider).get(reverse("dashboard"))

    assert re.search(r"Replies overdue</dt>\s*<dd>2</dd>", mine.text)
    assert re.search(r"Replies overdue</dt>\s*<dd>0</dd>", theirs.text)
    assert reverse("letters:overdue") in mine.text


# The review queue of incoming email


def test_a_coordinator_attaches_an_unmatched_email_by_hand(
    logged_in, coordinator, documenter, letter, ministry
):
    _sent(letter, documenter, days_ago=5)
    inbound = services.ingest_email(
        _raw_email("About your letter", "We answer your first question: he is held lawfully.")
    )
    assert inbound.state == InboundState.WAITING
    client = logged_in(coordinator)
    dispatch = letter.dispatches.get(authority=ministry)

    queue = client.get(reverse("letters:inbox"))
    page = client.get(reverse("letters:inbox_detail", args=[inbound.pk]))
    response = client.post(
        reverse("letters:inbox_detail", args=[inbound.pk]),
        {"action": "attach", "dispatch": dispatch.pk},
    )

    assert "About your letter" in queue.text and "1 email waiting" in queue.text
    assert "clerk@justice.example.org" in page.text
    assert "he is held lawfully" in page.text
    assert response["Location"] == reverse("letters:letter_detail", args=[letter.pk])
    inbound.refresh_from_db()
    assert inbound.state == InboundState.ATTACHED
    reply = Response.objects.get(letter=letter, authority=ministry)
    assert reply.via == "email" and "held lawfully" in reply.body
    detail = client.get(reverse("letters:letter_detail", args=[letter.pk]))
    assert "Not marked yet" in detail.text
    assert "0 emails waiting" in client.get(reverse("letters:inbox")).text


def test_a_coordinator_dismisses_an_email(logged_in, coordinator):
    inbound = services.ingest_email(_raw_email("A newsletter", "Subscribe now."))

    response = logged_in(coordinator).post(
        reverse("letters:inbox_detail", args=[inbound.pk]), {"action": "dismiss"}
    )

    assert response.status_code == 302
    inbound.refresh_from_db()
    assert inbound.state == InboundState.DISMISSED


def test_only_those_who_sort_mail_find_the_inbox(logged_in, documenter, viewer):
    inbound = services.ingest_email(_raw_email("Private", "Anything at all."))

    for user in (documenter, viewer):
        client = client_for(user)
        assert client.get(reverse("letters:inbox")).status_code == 404
        assert client.get(reverse("letters:inbox_detail", args=[inbound.pk])).status_code == 404
        response = client.post(
            reverse("letters:inbox_detail", args=[inbound.pk]), {"action": "dismiss"}
        )
        assert response.status_code == 404
    assert InboundMail.objects.get().state == InboundState.WAITING


def test_the_inbox_offers_only_letters_the_coordinator_may_change(
    logged_in, coordinator, other_team, documenter, letter
):
    _sent(letter, documenter, days_ago=5)
    coordinator.teams.set([other_team])
    inbound = services.ingest_email(_raw_email("About your letter", "An answer."))

    page = logged_in(coordinator).get(reverse("letters:inbox_detail", args=[inbound.pk]))

    assert letter.title not in page.text


def test_the_main_navigation_links_to_the_letters(logged_in, documenter):
    response = logged_in(documenter).get(reverse("dashboard"))

    assert f'href="{reverse("letters:letter_list")}"' in response.text
