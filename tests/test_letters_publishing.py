"""Publishing a letter: the name of every person who is not public is left out of its title,
text and questions, in any spelling and script, on the public page, in the feed and in
the preview that comes before publishing; publishing is the preview's confirmation.

The persons are fictional."""

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Authority, Case
from docket.letters import redaction, services
from docket.letters.models import Letter
from docket.people import services as people_services
from docket.people.models import Person
from docket.people.services import NameInput
from tests import factories

pytestmark = pytest.mark.django_db

# One restricted person, written three ways in the letter, who is in no cited case.
SPELLINGS = ["Gholamreza Shekari", "Qolamreza Shakari", "غلامرضا شکاری", "Shekari Gholamreza"]
WORDS = ["Gholamreza", "Shekari", "Qolamreza", "Shakari", "غلامرضا", "شکاری"]
TITLE = "Open letter on the arrest of Gholamreza Shekari"
BODY = (
    "We write about **Qolamreza Shakari**, held since March, whose family writes his name "
    "غلامرضا شکاری. Hamid Rostami, who was held with him, agreed to be named.\n\n"
    "Mr Tabrizi was moved twice, the ministry said."
)
QUESTIONS = [
    "Where is Shekari Gholamreza held, and on what legal basis?",
    "When may the family of Kaveh Tabrizi visit him?",
]


def content(response: Any) -> str:
    return str(response.content.decode())


def assert_left_out(text: str, where: str) -> None:
    shown = [word for word in [*WORDS, "Kaveh", "Tabrizi"] if word in text]
    assert not shown, f"{where} shows {shown}"


@pytest.fixture
def ministry(documenter: Any) -> Authority:
    return case_services.create_authority(actor=documenter, name="Fictional Ministry of Justice")


@pytest.fixture
def restricted(documenter: Any, team: Any) -> Person:
    return factories.person(
        documenter, "Gholamreza Shekari", "غلامرضا شکاری", confidentiality="restricted", team=team
    )


@pytest.fixture
def public_person(documenter: Any, team: Any) -> Person:
    return factories.person(documenter, "Hamid Rostami", confidentiality="public", team=team)


@pytest.fixture
def cited_case(documenter: Any, team: Any) -> Case:
    person = factories.person(
        documenter, "Kaveh Tabrizi", "کاوه تبریزی", confidentiality="restricted", team=team
    )
    return factories.case(
        documenter, "Moved between camps", [person], confidentiality="restricted", team=team
    )


@pytest.fixture
def letter(
    documenter: Any,
    team: Any,
    ministry: Authority,
    restricted: Person,
    public_person: Person,
    cited_case: Case,
) -> Letter:
    return services.create_letter(
        actor=documenter,
        title=TITLE,
        body=BODY,
        recipients=[ministry],
        cases=[cited_case],
        questions=QUESTIONS,
        team=team,
        confidentiality="restricted",
    )


def preview(client: Client, letter: Letter) -> Any:
    return client.get(reverse("letters:letter_publish_preview", args=[letter.pk]))


def confirm(client: Client, letter: Letter) -> Any:
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', content(preview(client, letter)))
    assert digest is not None
    return client.post(
        reverse("letters:letter_publish", args=[letter.pk]),
        {"published": "1", "confirm": digest[1]},
    )


# The rule


def test_a_restricted_persons_name_is_left_out_in_every_spelling_and_script(
    letter: Letter,
) -> None:
    found = redaction.redact(letter)

    assert redaction.plain(found.title) == "Open letter on the arrest of G. S."
    body = redaction.plain(found.body)
    # Initials of the name as written (never of the recorded name: an alias stays untied).
    assert "We write about **Q. S.**, held since March" in body
    assert "writes his name غ. ش.." in body
    assert redaction.plain(found.questions[1]).startswith("Where is S. G. held")
    assert_left_out(str(found.stored()), "the public text")
    assert {flag.written for flag in found.flags} >= set(SPELLINGS)


def test_a_public_person_is_still_named(letter: Letter) -> None:
    body = redaction.plain(redaction.redact(letter).body)

    assert "Hamid Rostami, who was held with him" in body


def test_a_part_of_a_cited_persons_name_is_left_out_but_not_a_lower_case_word(
    letter: Letter,
) -> None:
    found = redaction.redact(letter)

    # Kaveh Tabrizi is in the case cited: "Mr Tabrizi" names him.
    assert "Mr T. was moved twice" in redaction.plain(found.body)
    assert "family of K. T. visit" in redaction.plain(found.questions[2])


def test_a_common_word_that_is_also_a_cited_persons_name_stays(documenter: Any, team: Any) -> None:
    person = factories.person(documenter, "Said Karimi", confidentiality="restricted", team=team)
    case = factories.case(documenter, "A fictional case", [person], team=team)
    letter = services.create_letter(
        actor=documenter,
        title="A letter",
        body="The ministry said that Said had been released.",
        cases=[case],
        team=team,
    )

    body = redaction.plain(redaction.redact(letter).body)

    assert body == "The ministry said that S. had been released."


def test_a_name_in_a_links_address_breaks_no_markup(documenter: Any, restricted: Person) -> None:
    letter = services.create_letter(
        actor=documenter,
        title="A letter",
        body="[His story](https://example.org/gholamreza-shekari) and Gholamreza Shekari.",
    )

    html = redaction.body_html(redaction.redact(letter).body)

    assert "Shekari" not in html and "shekari" not in html
    assert 'and <bdi class="redacted">G. S.</bdi>.' in html
    assert not re.search(r'="[^"]*<', html), html


def test_a_given_and_a_family_name_recorded_apart_are_found_together(
    documenter: Any, team: Any
) -> None:
    people_services.create_person(
        actor=documenter,
        names=[
            NameInput("Mahsa", kind="given"),
            NameInput("Jafari", kind="family"),
            NameInput("مهسا", script="persian", kind="given"),
            NameInput("جعفری", script="persian", kind="family"),
        ],
        team=team,
        confidentiality="internal",
    )
    letter = services.create_letter(
        actor=documenter,
        title="On Mahsa Ja'fari",
        body="Jafari Mahsa, also written مهسا جعفری, was moved. Mahsa alone stays.",
        team=team,
    )

    found = redaction.redact(letter)

    assert redaction.plain(found.title) == "On M. J."
    assert redaction.plain(found.body) == "J. M., also written م. ج., was moved. Mahsa alone stays."


def test_a_name_shared_only_in_part_is_not_left_out(documenter: Any, restricted: Person) -> None:
    letter = services.create_letter(
        actor=documenter,
        title="Gholamreza Rahimi and Ali Shekari",
        body="Gholam Reza alone, Shekari alone.",
    )

    found = redaction.redact(letter)

    assert found.flags == []
    assert redaction.plain(found.title) == letter.title


# The public pages


def test_the_public_page_the_list_and_the_feed_leave_the_names_out(
    client: Client, letter: Letter, coordinator: Any, logged_in: Any
) -> None:
    response = confirm(logged_in(coordinator), letter)
    assert response.status_code == 302
    client.logout()

    for name, args in (
        ("public:letter_detail", [letter.pk]),
        ("public:letter_list", []),
        ("public:letter_feed", []),
    ):
        text = content(client.get(reverse(name, args=args)))

        assert_left_out(text, name)
        assert "G. S." in text, name
    page = content(client.get(reverse("public:letter_detail", args=[letter.pk])))
    assert "<title>Open letter on the arrest of G. S. ·" in page
    assert '<bdi class="redacted">غ. ش.</bdi>' in page
    assert "Hamid Rostami" in page
    feed = content(client.get(reverse("public:letter_feed")))
    assert "<title>Open letter on the arrest of G. S.</title>" in feed


def test_the_public_pages_read_the_text_stored_at_publishing(
    client: Client, letter: Letter, coordinator: Any, monkeypatch: Any
) -> None:
    services.publish_letter(actor=coordinator, letter=letter)
    letter.refresh_from_db()
    assert letter.public_text is not None

    def no_search(*args: Any) -> None:
        raise AssertionError("a public page looked for names")

    monkeypatch.setattr(redaction, "redact", no_search)
    for name, args in (
        ("public:letter_detail", [letter.pk]),
        ("public:letter_list", []),
        ("public:letter_feed", []),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(name, args=args))

        assert response.status_code == 200
        assert_left_out(content(response), name)
        read = " ".join(query["sql"] for query in queries.captured_queries)
        assert "search_" not in read, name


def test_a_person_made_restricted_after_publishing_is_left_out_from_then_on(
    client: Client, letter: Letter, coordinator: Any, public_person: Person
) -> None:
    services.publish_letter(actor=coordinator, letter=letter)
    assert "Hamid Rostami" in content(client.get(reverse("public:letter_detail", args=[letter.pk])))

    people_services.update_person(
        actor=coordinator,
        person=public_person,
        expected_version=public_person.version,
        confidentiality="restricted",
    )

    for name, args in (("public:letter_detail", [letter.pk]), ("public:letter_feed", [])):
        text = content(client.get(reverse(name, args=args)))
        assert "Rostami" not in text, name
        assert "H. R." in text, name
    page = content(client.get(reverse("public:letter_detail", args=[letter.pk])))
    assert '<bdi class="redacted">H. R.</bdi>, who was held' in page


def test_a_person_recorded_after_publishing_is_left_out_too(
    client: Client, documenter: Any, coordinator: Any, team: Any
) -> None:
    letter = services.create_letter(
        actor=documenter, title="On Parvin Azadi", body="Parvin Azadi is missing.", team=team
    )
    services.publish_letter(actor=coordinator, letter=letter)
    assert "Azadi" in content(client.get(reverse("public:letter_detail", args=[letter.pk])))

    factories.person(documenter, "Parvin Azadi", confidentiality="internal", team=team)

    text = content(client.get(reverse("public:letter_detail", args=[letter.pk])))
    assert "Azadi" not in text
    assert '<bdi class="redacted">P. A.</bdi> is missing.' in text


def test_the_text_of_a_published_letter_cannot_change(letter: Letter, coordinator: Any) -> None:
    services.publish_letter(actor=coordinator, letter=letter)
    letter.refresh_from_db()

    with pytest.raises(ValidationError, match="published"):
        services.update_letter(
            actor=coordinator,
            letter=letter,
            expected_version=letter.version,
            title="Open letter naming someone else",
        )


# The preview and its confirmation


def test_the_preview_shows_the_public_text_with_each_name_flagged(
    logged_in: Any, coordinator: Any, letter: Letter, restricted: Person, cited_case: Case
) -> None:
    response = preview(logged_in(coordinator), letter)

    assert response.status_code == 200
    text = content(response)
    # What the public will read, from the public page's own template...
    preview_part = text[text.index('class="publish-preview"') :]
    assert_left_out(preview_part[: preview_part.index('name="confirm"')], "the preview")
    assert '<bdi class="redacted">G. S.</bdi>' in preview_part
    assert '<bdi class="redacted">غ. ش.</bdi>' in preview_part
    assert "Hamid Rostami" in preview_part
    # ...and each name left out, where it was, as written, by what it is replaced, and whose.
    flags = text[text.index("Names left out") : text.index('class="publish-preview"')]
    for written in SPELLINGS:
        assert f"<mark>{written}</mark>" in flags
    assert "Question 1" in flags and "Title" in flags
    assert reverse("people:person_detail", args=[restricted.pk]) in flags
    assert "in a case cited" in flags
    letter.refresh_from_db()
    assert not letter.published


def test_publishing_is_the_previews_confirmation(
    logged_in: Any, coordinator: Any, letter: Letter
) -> None:
    client = logged_in(coordinator)

    response = confirm(client, letter)

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.published
    entry = AuditEntry.objects.filter(action=Action.PUBLISH).latest("pk")
    assert entry.detail["names_redacted"] >= 5


def test_publishing_without_the_preview_is_not_possible(
    logged_in: Any, coordinator: Any, letter: Letter
) -> None:
    client = logged_in(coordinator)
    url = reverse("letters:letter_publish", args=[letter.pk])

    assert client.get(url).status_code == 405
    response = client.post(url, {"published": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("letters:letter_publish_preview", args=[letter.pk])
    letter.refresh_from_db()
    assert not letter.published
    assert letter.public_text is None


def test_a_preview_gone_stale_publishes_nothing(
    logged_in: Any, coordinator: Any, letter: Letter, public_person: Person
) -> None:
    client = logged_in(coordinator)
    text = content(preview(client, letter))
    digest = re.search(r'name="confirm" value="([0-9a-f]+)"', text)
    assert digest is not None
    # Meanwhile, a person the preview showed named becomes restricted.
    people_services.update_person(
        actor=coordinator,
        person=public_person,
        expected_version=public_person.version,
        confidentiality="restricted",
    )

    response = client.post(
        reverse("letters:letter_publish", args=[letter.pk]),
        {"published": "1", "confirm": digest[1]},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("letters:letter_publish_preview", args=[letter.pk])
    letter.refresh_from_db()
    assert not letter.published


def test_a_person_the_publisher_may_not_see_is_flagged_without_a_word_about_them(
    logged_in: Any, coordinator: Any, outsider: Any, other_team: Any, documenter: Any, team: Any
) -> None:
    factories.person(
        outsider, "Shirin Bahrami", "شیرین بهرامی", confidentiality="secret", team=other_team
    )
    letter = services.create_letter(
        actor=documenter, title="A letter", body="We ask about Shirin Bahrami.", team=team
    )

    text = content(preview(logged_in(coordinator), letter))

    assert "a person who is not public, whose record you may not see" in text
    assert "شیرین" not in text
    assert "<mark>Shirin Bahrami</mark>" in text
    assert '<bdi class="redacted">S. B.</bdi>' in text


@pytest.mark.parametrize("persona", ["administrator", "coordinator"])
def test_coordinators_and_administrators_reach_the_preview(
    request: Any, logged_in: Any, persona: str, letter: Letter
) -> None:
    client = logged_in(request.getfixturevalue(persona))

    assert preview(client, letter).status_code == 200
    assert confirm(client, letter).status_code == 302


@pytest.mark.parametrize(("persona", "status"), [("documenter", 403), ("viewer", 403)])
def test_those_who_may_not_publish_reach_neither_preview_nor_publishing(
    request: Any, logged_in: Any, persona: str, status: int, letter: Letter
) -> None:
    client = logged_in(request.getfixturevalue(persona))

    assert preview(client, letter).status_code == status
    response = client.post(
        reverse("letters:letter_publish", args=[letter.pk]), {"published": "1", "confirm": "0"}
    )

    assert response.status_code == status
    letter.refresh_from_db()
    assert not letter.published


def test_another_teams_letter_answers_404(logged_in: Any, outsider: Any, letter: Letter) -> None:
    client = logged_in(outsider)

    assert preview(client, letter).status_code == 404
    url = reverse("letters:letter_publish", args=[letter.pk])
    assert client.post(url, {"published": "1"}).status_code == 404


def test_the_letter_page_leads_to_the_preview(
    logged_in: Any, coordinator: Any, documenter: Any, letter: Letter
) -> None:
    url = reverse("letters:letter_publish_preview", args=[letter.pk])
    detail = reverse("letters:letter_detail", args=[letter.pk])

    assert f'href="{url}"' in content(logged_in(coordinator).get(detail))
    assert f'href="{url}"' not in content(logged_in(documenter).get(detail))
