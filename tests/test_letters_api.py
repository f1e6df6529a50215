"""Letters through the API: written, sent and answered through the services; each caller
sees only the letters, cases and counts the permission rule lets them see."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client

from docket.accounts.models import Team, User
from docket.api.tokens import issue_token
from docket.cases.models import Authority, Case
from docket.letters import services
from docket.letters.models import Answer, Letter
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"
Api = Callable[[User], Client]
QUESTIONS = [
    "On what legal basis is Gholamreza Shekari held?",
    "When may his family visit him?",
    "Will you release the detention order?",
]


@pytest.fixture
def api() -> Api:
    def client_of(user: User) -> Client:
        _, token = issue_token(user=user, name="tests")
        return Client(headers={"Authorization": f"Bearer {token}"})

    return client_of


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", data=body, content_type="application/json")


def patch(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.patch(f"{API}{path}", data=body, content_type="application/json")


@pytest.fixture
def ministry(db: None) -> Authority:
    return Authority.objects.create(
        name="Ministry of the Interior (fictional)", country="AL", response_days=30
    )


@pytest.fixture
def police(db: None) -> Authority:
    return Authority.objects.create(
        name="Border Police (fictional)", country="AL", response_days=10, working_days=True
    )


@pytest.fixture
def dossier(documenter: User) -> Case:
    held = factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری")
    return factories.case(documenter, "Held at the camp", [held])


@pytest.fixture
def restricted_letter(documenter: User, team: Team, ministry: Authority) -> Letter:
    """Our restricted letter, sent on 1 March 2024 and unanswered."""
    letter = services.create_letter(
        actor=documenter,
        title="Restricted letter on a family held at the border",
        recipients=[ministry],
        questions=QUESTIONS[:2],
        confidentiality="restricted",
        team=team,
    )
    services.send_copies(actor=documenter, letter=letter, channel="post", sent_on=date(2024, 3, 1))
    return letter


def _create(client: Client, **body: Any) -> Any:
    return post(client, "/letters", {"title": "Open letter on Gholamreza Shekari"} | body)


# Writing


def test_a_documenter_writes_a_letter_to_two_authorities(
    api: Api, documenter: User, ministry: Authority, police: Authority, dossier: Case
) -> None:
    response = _create(
        api(documenter),
        body="We write about **Gholamreza Shekari**.",
        language="fa",
        recipients=[ministry.pk, police.pk],
        cases=[dossier.pk],
        questions=QUESTIONS,
    )

    assert response.status_code == 201, response.json()
    letter = response.json()
    assert letter["team"] == "Documentation"
    assert letter["language"] == "fa"
    assert letter["cases"] == [dossier.pk]
    assert [(q["number"], q["text"], q["status"]) for q in letter["questions"]] == [
        (1, QUESTIONS[0], "unanswered"),
        (2, QUESTIONS[1], "unanswered"),
        (3, QUESTIONS[2], "unanswered"),
    ]
    assert [(r["name"], r["sent_on"]) for r in letter["recipients"]] == [
        ("Border Police (fictional)", None),
        ("Ministry of the Interior (fictional)", None),
    ]
    assert all(r["reference"].startswith("DKT-") for r in letter["recipients"])
    assert letter["figures"]["state"] == "draft"
    assert Letter.objects.get(pk=letter["id"]).owner == documenter


def test_a_letter_is_sent_by_post_and_its_figures_follow(
    api: Api, documenter: User, ministry: Authority, police: Authority
) -> None:
    client = api(documenter)
    letter = _create(client, recipients=[ministry.pk, police.pk], questions=QUESTIONS).json()

    sent = post(
        client, f"/letters/{letter['id']}/copies", {"channel": "post", "sent_on": "2024-03-01"}
    )
    later = client.get(f"{API}/letters/{letter['id']}?as_of=2024-03-20")

    assert sent.status_code == 200, sent.json()
    assert {(r["sent_on"], r["channel"]) for r in sent.json()["recipients"]} == {
        ("2024-03-01", "post")
    }
    figures = later.json()
    # Ten Albanian working days: Summer Day (14 March) and the day off after it are holidays.
    assert figures["figures"] == {
        "as_of": "2024-03-20",
        "state": "overdue",
        "days_since_sent": 19,
        "due_on": "2024-03-19",
        "overdue_questions": 3,
    }
    assert [(r["name"], r["due_on"], r["overdue_questions"]) for r in figures["recipients"]] == [
        ("Border Police (fictional)", "2024-03-19", 3),
        ("Ministry of the Interior (fictional)", "2024-03-31", 0),
    ]


def test_a_letter_is_changed_with_its_version_and_a_stale_change_gets_409(
    api: Api, documenter: User, ministry: Authority
) -> None:
    client = api(documenter)
    letter = _create(client, recipients=[ministry.pk], questions=QUESTIONS[:1]).json()

    changed = patch(
        client,
        f"/letters/{letter['id']}",
        {"version": letter["version"], "title": "A better title", "questions": QUESTIONS},
    )
    stale = patch(client, f"/letters/{letter['id']}", {"version": letter["version"], "body": "x"})

    assert changed.status_code == 200, changed.json()
    assert changed.json()["title"] == "A better title"
    assert len(changed.json()["questions"]) == 3
    assert stale.status_code == 409
    assert stale.json()["current"]["title"] == "A better title"
    assert Letter.objects.get(pk=letter["id"]).body == ""


def test_a_sent_letters_text_can_no_longer_change(
    api: Api, documenter: User, restricted_letter: Letter
) -> None:
    response = patch(
        api(documenter),
        f"/letters/{restricted_letter.pk}",
        {"version": restricted_letter.version, "body": "Something else"},
    )

    assert response.status_code == 422
    assert "can no longer change" in str(response.json()["errors"])


def test_a_viewer_may_read_letters_but_not_write_them(
    api: Api, viewer: User, restricted_letter: Letter, ministry: Authority
) -> None:
    client = api(viewer)

    assert client.get(f"{API}/letters/{restricted_letter.pk}").status_code == 200
    assert _create(client, recipients=[ministry.pk]).status_code == 403
    reply = post(
        client,
        f"/letters/{restricted_letter.pk}/replies",
        {"authority": ministry.pk, "received_on": "2024-03-20"},
    )
    assert reply.status_code == 403


def test_an_unknown_language_is_refused_by_field(api: Api, documenter: User) -> None:
    response = _create(api(documenter), language="xx")

    assert response.status_code == 422
    assert "language" in response.json()["errors"]


# Replies


def test_a_reply_is_recorded_with_answers_by_question_number(
    api: Api, documenter: User, restricted_letter: Letter, ministry: Authority
) -> None:
    client = api(documenter)

    created = post(
        client,
        f"/letters/{restricted_letter.pk}/replies",
        {
            "authority": ministry.pk,
            "received_on": "2024-03-20",
            "via": "email",
            "body": "The detention is lawful.",
            "answers": {"1": "answered", "2": "refused"},
        },
    )
    listed = client.get(f"{API}/letters/{restricted_letter.pk}/replies")
    letter = client.get(f"{API}/letters/{restricted_letter.pk}?as_of=2024-05-01").json()

    one = client.get(f"{API}/letters/{restricted_letter.pk}/replies/{created.json()['id']}")
    copies = client.get(f"{API}/letters/{restricted_letter.pk}/copies?as_of=2024-05-01")

    assert created.status_code == 201, created.json()
    assert one.json() == created.json()
    assert [(c["name"], c["sent_on"], c["replies"]) for c in copies.json()] == [
        ("Ministry of the Interior (fictional)", "2024-03-01", 1)
    ]
    assert created.json()["answers"] == [
        {"question": 1, "status": "answered"},
        {"question": 2, "status": "refused"},
    ]
    assert listed.json() == [created.json()]
    assert [(q["status"], q["overdue"]) for q in letter["questions"]] == [
        ("answered", False),
        ("refused", False),
    ]
    assert letter["figures"]["state"] == "sent"
    assert letter["recipients"][0]["replies"] == 1


def test_a_replys_answers_are_marked_later(
    api: Api, documenter: User, restricted_letter: Letter, ministry: Authority
) -> None:
    client = api(documenter)
    reply = post(
        client,
        f"/letters/{restricted_letter.pk}/replies",
        {"authority": ministry.pk, "received_on": "2024-03-20", "answers": {"1": "partial"}},
    ).json()

    marked = patch(
        client,
        f"/letters/{restricted_letter.pk}/replies/{reply['id']}",
        {"answers": {"1": "unanswered", "2": "ignored"}},
    )

    assert marked.status_code == 200, marked.json()
    assert marked.json()["answers"] == [{"question": 2, "status": "ignored"}]
    assert list(Answer.objects.values_list("question__number", "status")) == [(2, "ignored")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"received_on": "2024-02-01"}, "received_on"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"answers": {"7": "answered"}}, "__all__"),
        ({"answers": {"1": "maybe"}}, "answers.1"),
    ],
)
def test_a_reply_that_cannot_be_is_refused_by_field(
    api: Api,
    documenter: User,
    restricted_letter: Letter,
    ministry: Authority,
    body: dict[str, Any],
    field: str,
) -> None:
    response = post(
        api(documenter),
        f"/letters/{restricted_letter.pk}/replies",
        {"authority": ministry.pk, "received_on": "2024-03-20"} | body,
    )

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not restricted_letter.responses.exists()


def test_a_reply_from_an_authority_the_letter_did_not_go_to_is_refused(
    api: Api, documenter: User, restricted_letter: Letter, police: Authority
) -> None:
    response = post(
        api(documenter),
        f"/letters/{restricted_letter.pk}/replies",
        {"authority": police.pk, "received_on": "2024-03-20"},
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {
        "authority": [f"There is no recipient of this letter {police.pk}."]
    }


# What each caller may see


def test_an_outsider_gets_404_for_our_restricted_letter_and_its_replies(
    api: Api, outsider: User, documenter: User, restricted_letter: Letter, ministry: Authority
) -> None:
    client = api(outsider)
    path = f"/letters/{restricted_letter.pk}"

    assert client.get(f"{API}{path}").status_code == 404
    assert client.get(f"{API}{path}/replies").status_code == 404
    assert patch(client, path, {"version": 1, "title": "Mine"}).status_code == 404
    assert post(client, f"{path}/copies", {"channel": "post"}).status_code == 404
    assert client.get(f"{API}{path}/copies").status_code == 404
    reply = post(client, f"{path}/replies", {"authority": ministry.pk, "received_on": "2024-03-20"})
    assert reply.status_code == 404
    assert client.get(f"{API}/letters/987654321").status_code == 404
    ours = services.record_reply(
        actor=documenter, letter=restricted_letter, authority=ministry, received_on=date(2024, 3, 5)
    )
    marked = patch(client, f"{path}/replies/{ours.pk}", {"answers": {"1": "answered"}})
    assert marked.status_code == 404
    assert client.get(f"{API}{path}/replies/{ours.pk}").status_code == 404
    assert not Answer.objects.exists()


def test_a_reply_is_marked_only_through_its_own_letter(
    api: Api, documenter: User, restricted_letter: Letter, ministry: Authority
) -> None:
    other = services.create_letter(
        actor=documenter, title="Another letter", recipients=[ministry], questions=QUESTIONS
    )
    reply = services.record_reply(
        actor=documenter, letter=restricted_letter, authority=ministry, received_on=date(2024, 3, 5)
    )

    response = patch(
        api(documenter), f"/letters/{other.pk}/replies/{reply.pk}", {"answers": {"1": "answered"}}
    )

    assert response.status_code == 404


def test_lists_and_counts_leave_out_letters_the_caller_may_not_see(
    api: Api, documenter: User, outsider: User, restricted_letter: Letter, ministry: Authority
) -> None:
    services.create_letter(actor=outsider, title="Their internal letter", recipients=[ministry])

    ours = api(documenter).get(f"{API}/letters").json()
    theirs = api(outsider).get(f"{API}/letters").json()
    filtered = api(outsider).get(f"{API}/letters?authority={ministry.pk}").json()

    assert ours["count"] == 2
    assert theirs["count"] == 1
    assert [letter["title"] for letter in theirs["items"]] == ["Their internal letter"]
    assert filtered["count"] == 1


def test_an_authoritys_scorecard_counts_only_letters_the_caller_may_see(
    api: Api, documenter: User, outsider: User, restricted_letter: Letter, ministry: Authority
) -> None:
    path = f"{API}/authorities/{ministry.pk}?as_of=2024-06-01"

    ours = api(documenter).get(path).json()["figures"]
    theirs = api(outsider).get(path).json()["figures"]

    assert ours == {
        "as_of": "2024-06-01",
        "letters_received": 1,
        "questions_asked": 2,
        "answered": 0,
        "partial": 0,
        "refused": 0,
        "not_held": 0,
        "overdue": 2,
        "share_answered": 0.0,
        "median_days_to_answer": None,
    }
    assert (theirs["letters_received"], theirs["questions_asked"], theirs["overdue"]) == (0, 0, 0)
    assert theirs["share_answered"] is None


def test_a_hidden_case_is_neither_shown_cited_nor_citable(
    api: Api,
    documenter: User,
    outsider: User,
    other_team: Team,
    ministry: Authority,
    dossier: Case,
) -> None:
    hidden = factories.case(
        outsider, "Another team's file", [], confidentiality="restricted", team=other_team
    )
    letter = services.create_letter(
        actor=outsider,
        title="Their letter citing both",
        recipients=[ministry],
        cases=[hidden, dossier],
    )
    client = api(documenter)

    shown = client.get(f"{API}/letters/{letter.pk}").json()
    by_hidden = client.get(f"{API}/letters?case={hidden.pk}").json()
    citing = _create(client, cases=[hidden.pk])
    missing = _create(client, cases=[987654321])

    assert shown["cases"] == [dossier.pk]
    assert by_hidden["count"] == 0
    assert citing.status_code == missing.status_code == 422
    assert citing.json()["errors"] == {"cases.0": [f"There is no case {hidden.pk}."]}


def test_a_change_keeps_the_cases_the_caller_cannot_see(
    api: Api,
    administrator: User,
    documenter: User,
    outsider: User,
    team: Team,
    other_team: Team,
    ministry: Authority,
    dossier: Case,
) -> None:
    theirs = factories.case(
        outsider, "Another team's file", [], confidentiality="restricted", team=other_team
    )
    letter = services.create_letter(
        actor=administrator,
        title="Citing another team's case",
        recipients=[ministry],
        cases=[theirs],
        team=team,
    )

    response = patch(
        api(documenter), f"/letters/{letter.pk}", {"version": 1, "cases": [dossier.pk]}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["cases"] == [dossier.pk]
    assert set(letter.cases.all()) == {theirs, dossier}


def test_letters_are_filtered_by_state_title_and_authority(
    api: Api, documenter: User, ministry: Authority, police: Authority, restricted_letter: Letter
) -> None:
    draft = services.create_letter(actor=documenter, title="A draft", recipients=[police])
    published = services.create_letter(actor=documenter, title="Published", recipients=[police])
    Letter.objects.filter(pk=published.pk).update(published=True)
    client = api(documenter)

    def titles(query: str) -> list[str]:
        return [letter["title"] for letter in client.get(f"{API}/letters?{query}").json()["items"]]

    assert titles("state=draft") == [draft.title, published.title]
    assert titles("state=overdue") == [restricted_letter.title]
    assert titles("state=overdue&as_of=2024-03-15") == []
    assert titles("state=sent") == [restricted_letter.title]
    assert titles("state=published") == [published.title]
    assert titles("title=DRAFT") == [draft.title]
    assert titles(f"authority={ministry.pk}") == [restricted_letter.title]


def test_the_letter_list_keeps_to_a_query_budget(
    api: Api,
    documenter: User,
    ministry: Authority,
    police: Authority,
    dossier: Case,
    django_assert_max_num_queries: Any,
) -> None:
    for number in range(6):
        letter = services.create_letter(
            actor=documenter,
            title=f"Letter {number}",
            recipients=[ministry, police],
            cases=[dossier],
            questions=QUESTIONS,
        )
        services.send_copies(
            actor=documenter, letter=letter, channel="post", sent_on=date(2024, 3, 1)
        )
        services.record_reply(
            actor=documenter,
            letter=letter,
            authority=ministry,
            received_on=date(2024, 3, 10),
            answers={1: "answered"},
        )
    client = api(documenter)
    client.get(f"{API}/letters")  # the token's first use is written down once

    # 14, and the bulk read's audit entry: the chain's lock (PostgreSQL), its head, the entry.
    with django_assert_max_num_queries(14 + 3):
        response = client.get(f"{API}/letters?limit=5")

    assert response.status_code == 200
    assert len(response.json()["items"]) == 5
    assert response.json()["count"] == 6


def test_a_letter_cannot_be_recorded_as_sent_in_the_future(
    api: Api, documenter: User, ministry: Authority
) -> None:
    client = api(documenter)
    letter = _create(client, recipients=[ministry.pk], questions=QUESTIONS).json()

    response = post(
        client, f"/letters/{letter['id']}/copies", {"channel": "post", "sent_on": "9999-12-31"}
    )

    assert response.status_code == 422
    assert "sent_on" in response.json()["errors"]
    assert not Letter.objects.get(pk=letter["id"]).dispatches.filter(sent_on__isnull=False).exists()


def test_a_question_with_a_nul_character_is_refused(api: Api, documenter: User) -> None:
    response = _create(api(documenter), questions=["Where is he held?\x00"])

    assert response.status_code == 422
    assert "questions.0" in response.json()["errors"]
