"""The public pages and the Atom feed: anyone reads a published letter, its questions and
where each stands with each authority; nothing of an unpublished or deleted letter, and of
the cases it cites only what the redaction rule lets through."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.cases import services as case_services
from docket.cases.models import Authority, Case
from docket.letters import services
from docket.letters.models import Letter
from tests import factories, markers

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
SENT = TODAY - timedelta(days=45)
REPLIED = TODAY - timedelta(days=10)
QUESTIONS = [
    "On what legal basis are the men of the first case held?",
    "When may their families visit them?",
]
# What the restricted case and its person hold: none of it may reach the public.
HIDDEN = [
    "Kaveh",
    "Tabrizi",
    "HIDDENCASETITLE",
    "HIDDENCASESUMMARY",
    # The revealed case's person is not public either: initials only.
    "Parisa",
    "Golzar",
    # The text of a reply, and the staff who wrote, sent and published.
    "REPLYBODYTEXT",
    "Narges",
    "Farhad",
]


def visible_text(response: Any) -> str:
    return response.content.decode()


def assert_hidden(text: str) -> None:
    shown = [word for word in HIDDEN if word in text]
    assert not shown, f"shows {shown}"


@pytest.fixture
def ministry(documenter: Any) -> Authority:
    return case_services.create_authority(
        actor=documenter, name="Fictional Ministry of Justice", response_days=30
    )


@pytest.fixture
def police(documenter: Any) -> Authority:
    return case_services.create_authority(
        actor=documenter, name="Fictional Border Police", response_days=30
    )


@pytest.fixture
def restricted_case(documenter: Any, team: Any) -> Case:
    person = factories.person(
        documenter, "Kaveh Tabrizi", "کاوه تبریزی", confidentiality="restricted", team=team
    )
    return factories.case(
        documenter,
        "HIDDENCASETITLE at the northern camp",
        [person],
        summary="HIDDENCASESUMMARY of three moves",
        confidentiality="restricted",
        team=team,
    )


@pytest.fixture
def revealed_case(documenter: Any, team: Any) -> Case:
    person = factories.person(documenter, "Parisa Golzar", confidentiality="internal", team=team)
    return factories.case(
        documenter,
        "Visits refused at the southern camp",
        [person],
        summary="Families turned away four times",
        confidentiality="internal",
        team=team,
    )


@pytest.fixture
def letter(
    documenter: Any,
    coordinator: Any,
    team: Any,
    ministry: Authority,
    police: Authority,
    restricted_case: Case,
    revealed_case: Case,
) -> Letter:
    letter = services.create_letter(
        actor=documenter,
        title="Open letter on detentions without charge",
        body="We write about **two** documented cases.",
        recipients=[ministry, police],
        cases=[restricted_case, revealed_case],
        revealed=[revealed_case],
        questions=QUESTIONS,
        team=team,
        confidentiality="restricted",
    )
    services.send_copies(actor=documenter, letter=letter, channel="post", sent_on=SENT)
    services.record_reply(
        actor=documenter,
        letter=letter,
        authority=police,
        received_on=REPLIED,
        body="REPLYBODYTEXT: the men are held lawfully.",
        answers={1: "answered", 2: "refused"},
    )
    return services.publish_letter(actor=coordinator, letter=letter)


def test_anyone_reads_a_published_letter_with_each_questions_status_and_silence(
    client: Client, letter: Letter
) -> None:
    response = client.get(reverse("public:letter_detail", args=[letter.pk]))

    assert response.status_code == 200
    text = visible_text(response)
    assert "Open letter on detentions without charge" in text
    assert "<strong>two</strong>" in text
    for question in QUESTIONS:
        assert question in text
    # The ministry has said nothing for 45 days and is past its 30 days; the police answered.
    assert text.count("silent for 45 days") == 2
    assert text.count("overdue") >= 2
    assert "Answered" in text
    assert "Refused" in text
    assert "Fictional Border Police</bdi> replied on" in text
    assert_hidden(text)


def test_the_list_shows_published_letters_newest_first(
    client: Client, letter: Letter, documenter: Any, coordinator: Any, team: Any
) -> None:
    newer = services.create_letter(actor=documenter, title="A second open letter", team=team)
    services.publish_letter(actor=coordinator, letter=newer)
    draft = services.create_letter(actor=documenter, title="A draft nobody published", team=team)

    text = visible_text(client.get(reverse("public:letter_list")))

    assert text.index("A second open letter") < text.index("Open letter on detentions")
    assert draft.title not in text
    assert "2 questions" in text
    assert "1 answered" in text
    assert_hidden(text)


def test_an_unpublished_letter_is_404_and_absent_from_the_list_and_feed(
    client: Client, letter: Letter, coordinator: Any
) -> None:
    services.publish_letter(actor=coordinator, letter=letter, published=False)

    assert client.get(reverse("public:letter_detail", args=[letter.pk])).status_code == 404
    assert letter.title not in visible_text(client.get(reverse("public:letter_list")))
    assert letter.title not in visible_text(client.get(reverse("public:letter_feed")))


def test_a_restricted_case_appears_by_number_and_initials_only(
    client: Client, letter: Letter, restricted_case: Case
) -> None:
    for name in ("public:letter_detail", "public:letter_feed"):
        args = [letter.pk] if name == "public:letter_detail" else []
        text = visible_text(client.get(reverse(name, args=args)))

        assert f"Case {restricted_case.pk}" in text, name
        assert "K. T." in text, name
        assert_hidden(text)


def test_a_revealed_case_appears_with_its_title_and_summary(
    client: Client, letter: Letter, revealed_case: Case
) -> None:
    for name in ("public:letter_detail", "public:letter_feed"):
        args = [letter.pk] if name == "public:letter_detail" else []
        text = visible_text(client.get(reverse(name, args=args)))

        assert "Visits refused at the southern camp" in text, name
        assert "Families turned away four times" in text, name
        # Its person is not public: initials, even in a case cited in full.
        assert "P. G." in text, name


def test_the_feed_is_atom_with_the_same_redacted_content(client: Client, letter: Letter) -> None:
    response = client.get(reverse("public:letter_feed"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = visible_text(response)
    assert 'xmlns="http://www.w3.org/2005/Atom"' in text
    assert text.count("<entry>") == 1
    assert f"/public/letters/{letter.pk}/" in text
    assert "silent for 45 days" in text
    assert QUESTIONS[0] in text
    assert_hidden(text)


def test_nothing_of_a_deleted_letter(client: Client, letter: Letter, coordinator: Any) -> None:
    case_services.delete_record(actor=coordinator, record=letter)

    assert client.get(reverse("public:letter_detail", args=[letter.pk])).status_code == 404
    for name in ("public:letter_list", "public:letter_feed"):
        assert letter.title not in visible_text(client.get(reverse(name)))


def test_a_missing_letter_is_404(client: Client) -> None:
    assert client.get(reverse("public:letter_detail", args=[987654])).status_code == 404


def test_staff_on_the_public_pages_see_no_staff_navigation_or_name(
    logged_in: Any, coordinator: Any, letter: Letter
) -> None:
    client = logged_in(coordinator)

    text = visible_text(client.get(reverse("public:letter_detail", args=[letter.pk])))

    assert "Log out" not in text
    assert reverse("cases:case_list") not in text
    assert_hidden(text)


def test_a_persian_letter_reads_right_to_left(
    client: Client, documenter: Any, coordinator: Any, team: Any, ministry: Authority
) -> None:
    letter = services.create_letter(
        actor=documenter,
        title="نامهٔ سرگشاده",
        body="ما دربارهٔ دو پرونده می‌نویسیم.",
        language="fa",
        recipients=[ministry],
        questions=["به استناد کدام قانون؟"],
        team=team,
    )
    services.publish_letter(actor=coordinator, letter=letter)

    text = visible_text(client.get(reverse("public:letter_detail", args=[letter.pk])))

    assert '<h1 lang="fa" dir="rtl">نامهٔ سرگشاده</h1>' in text
    assert 'class="public-text" lang="fa" dir="rtl"' in text
    assert "not sent yet" in text


def test_the_list_costs_a_handful_of_queries(
    client: Client,
    letter: Letter,
    documenter: Any,
    coordinator: Any,
    team: Any,
    ministry: Authority,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(5):
        more = services.create_letter(
            actor=documenter,
            title=f"Letter number {number}",
            recipients=[ministry],
            questions=QUESTIONS,
            team=team,
        )
        services.publish_letter(actor=coordinator, letter=more)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("public:letter_list"))

    assert response.status_code == 200


def test_the_marked_worlds_public_letter_shows_nothing_of_other_levels(
    client: Client, documenter: Any, coordinator: Any, team: Any
) -> None:
    """The public letter of tests/markers.py cites the secret case too: published, its page
    and the feed show the public records' tokens and no other."""
    world = markers.build(author=documenter, deleter=coordinator, team=team)
    letter = world.letters["public"]
    services.publish_letter(actor=coordinator, letter=letter)
    allowed = markers.token("public")

    for name, args in (
        ("public:letter_detail", [letter.pk]),
        ("public:letter_list", []),
        ("public:letter_feed", []),
    ):
        text = visible_text(client.get(reverse(name, args=args)))

        shown = [token for token in markers.every_token() if token != allowed and token in text]
        assert not shown, f"{name} shows {shown}"
        assert f"{allowed} letter" in text
        assert f"{allowed} reply" not in text
    page = visible_text(client.get(reverse("public:letter_detail", args=[letter.pk])))
    assert f"{allowed} case" in page
    assert f"Case {world.cases['secret'].pk}" in page
