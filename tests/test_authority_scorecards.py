"""Authorities' scorecards: the sortable table of every authority and each authority's page,
counted only over the letters the reader may see."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.cases import services as case_services
from docket.cases.models import Authority
from docket.letters import services
from docket.letters.models import Letter
from docket.letters.scorecards import deadline_rule

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
LONG_AGO = TODAY - timedelta(days=60)
LATELY = TODAY - timedelta(days=10)


def table(text: str) -> dict[str, list[str]]:
    """The authorities' table: each row's cells as text, by the authority's name."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", text, re.S):
        cells = [
            re.sub(r"<[^>]+>|\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        if cells:
            found[cells[0]] = cells[1:]
    return found


def names_in_order(text: str) -> list[str]:
    return list(table(text))


def figure(text: str, label: str) -> str:
    found = re.search(rf"<dt>{label}</dt><dd>([^<]*)</dd>", text)
    assert found is not None, label
    return found[1]


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
def parliament(documenter: Any) -> Authority:
    """Never written to: no figure to show."""
    return case_services.create_authority(actor=documenter, name="Fictional Parliament")


def _letter(
    actor: Any, team: Any, title: str, to: list[Authority], questions: int, **fields: Any
) -> Letter:
    return services.create_letter(
        actor=actor,
        title=title,
        recipients=to,
        questions=[f"Question {number} of {title}?" for number in range(1, questions + 1)],
        team=team,
        **fields,
    )


@pytest.fixture
def letters(
    documenter: Any, team: Any, ministry: Authority, police: Authority, parliament: Authority
) -> dict[str, Letter]:
    """Long ago, three questions to both: the ministry answered one and refused one after 20
    days, the police said nothing. Lately, two questions to the ministry, not yet due. And a
    restricted letter of four questions to the ministry, which the outsider may not see."""
    shared = _letter(
        documenter,
        team,
        "Letter on the northern camp",
        [ministry, police],
        3,
        confidentiality="internal",
    )
    services.send_copies(actor=documenter, letter=shared, channel="post", sent_on=LONG_AGO)
    services.record_reply(
        actor=documenter,
        letter=shared,
        authority=ministry,
        received_on=LONG_AGO + timedelta(days=20),
        answers={1: "answered", 2: "refused"},
    )
    recent = _letter(
        documenter, team, "Letter on visits", [ministry], 2, confidentiality="internal"
    )
    services.send_copies(actor=documenter, letter=recent, channel="post", sent_on=LATELY)
    restricted = _letter(
        documenter,
        team,
        "Restricted letter on a hidden case",
        [ministry],
        4,
        confidentiality="restricted",
    )
    services.send_copies(actor=documenter, letter=restricted, channel="post", sent_on=LONG_AGO)
    return {"shared": shared, "recent": recent, "restricted": restricted}


def test_the_table_shows_each_authoritys_figures(
    logged_in: Any, documenter: Any, letters: dict[str, Letter]
) -> None:
    text = logged_in(documenter).get(reverse("cases:authority_list")).content.decode()

    rows = table(text)
    # kind, country, letters, questions, answered, refused, overdue, share, median, actions
    assert rows["Fictional Ministry of Justice"][2:9] == ["3", "9", "1", "1", "5", "11%", "20"]
    assert rows["Fictional Border Police"][2:9] == ["1", "3", "0", "0", "3", "0%", "—"]
    assert rows["Fictional Parliament"][2:9] == ["0", "0", "0", "0", "0", "—", "—"]


def test_a_restricted_letter_of_another_team_is_not_counted_for_an_outsider(
    logged_in: Any, outsider: Any, ministry: Authority, letters: dict[str, Letter]
) -> None:
    client = logged_in(outsider)

    listed = client.get(reverse("cases:authority_list")).content.decode()
    detail = client.get(reverse("cases:authority_detail", args=[ministry.pk])).content.decode()

    assert table(listed)["Fictional Ministry of Justice"][2:9] == [
        "2",
        "5",
        "1",
        "1",
        "1",
        "20%",
        "20",
    ]
    assert figure(detail, "Letters received") == "2"
    assert figure(detail, "Questions asked") == "5"
    assert figure(detail, "Overdue") == "1"
    assert "Restricted letter on a hidden case" not in detail
    assert "Letter on the northern camp" in detail


def test_the_table_sorts_by_any_column_both_ways(
    logged_in: Any, documenter: Any, letters: dict[str, Letter]
) -> None:
    client = logged_in(documenter)
    path = reverse("cases:authority_list")

    def order(sort: str) -> list[str]:
        return names_in_order(client.get(path, {"sort": sort}).content.decode())

    ministry, police, parliament = (
        "Fictional Ministry of Justice",
        "Fictional Border Police",
        "Fictional Parliament",
    )
    assert order("name") == [police, ministry, parliament]
    assert order("-name") == [parliament, ministry, police]
    assert order("-overdue") == [ministry, police, parliament]
    assert order("overdue") == [parliament, police, ministry]
    assert order("-questions") == [ministry, police, parliament]
    # No share without a question: last, whichever way.
    assert order("-share") == [ministry, police, parliament]
    assert order("share") == [police, ministry, parliament]
    assert order("median")[0] == ministry
    assert order("nonsense") == order("name")


def test_the_headings_link_to_each_sort_and_mark_the_current_one(
    logged_in: Any, documenter: Any, letters: dict[str, Letter]
) -> None:
    client = logged_in(documenter)

    text = client.get(
        reverse("cases:authority_list"), {"sort": "-overdue", "name": "Fictional"}
    ).content.decode()

    assert 'aria-sort="descending"' in text
    assert "?sort=overdue&amp;name=Fictional" in text
    assert "?sort=-letters&amp;name=Fictional" in text
    # The filter keeps the sort.
    assert '<input type="hidden" name="sort" value="-overdue">' in text


def test_the_name_filter_and_htmx_still_work(
    logged_in: Any, documenter: Any, letters: dict[str, Letter]
) -> None:
    client = logged_in(documenter)

    response = client.get(
        reverse("cases:authority_list"), {"name": "police"}, headers={"HX-Request": "true"}
    )

    text = response.content.decode()
    assert text.lstrip().startswith('<section id="results"')
    assert names_in_order(text) == ["Fictional Border Police"]


def test_the_authority_page_shows_its_scorecard_deadline_and_letters(
    logged_in: Any, documenter: Any, ministry: Authority, letters: dict[str, Letter]
) -> None:
    text = (
        logged_in(documenter)
        .get(reverse("cases:authority_detail", args=[ministry.pk]))
        .content.decode()
    )

    assert figure(text, "Letters received") == "3"
    assert figure(text, "Answered") == "1"
    assert figure(text, "Refused") == "1"
    assert figure(text, "Overdue") == "5"
    assert figure(text, "Share answered") == "11%"
    assert figure(text, "Median days to answer") == "20"
    assert "30 calendar days" in text
    for letter in letters.values():
        assert reverse("letters:letter_detail", args=[letter.pk]) in text
    assert "4 questions overdue" in text
    assert "2 questions open" in text


def test_the_deadline_rule_in_words(documenter: Any) -> None:
    iran = case_services.create_authority(
        actor=documenter, name="Fictional Judiciary", country="IR", working_days=True
    )
    nowhere = case_services.create_authority(
        actor=documenter, name="Fictional Court", working_days=True, response_days=1
    )

    assert deadline_rule(iran) == "30 working days, public holidays of Iran skipped"
    assert deadline_rule(nowhere) == "1 working day (Monday to Friday)"


def test_a_visitor_who_is_not_logged_in_sees_no_scorecard(
    client: Client, ministry: Authority
) -> None:
    for path in (
        reverse("cases:authority_list"),
        reverse("cases:authority_detail", args=[ministry.pk]),
    ):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_a_missing_authority_is_404(logged_in: Any, documenter: Any) -> None:
    response = logged_in(documenter).get(reverse("cases:authority_detail", args=[987654]))

    assert response.status_code == 404


def test_the_table_costs_the_same_few_queries_for_many_authorities(
    logged_in: Any, documenter: Any, letters: dict[str, Letter], django_assert_max_num_queries: Any
) -> None:
    for number in range(20):
        Authority.objects.create(name=f"Fictional office {number}")
    client = logged_in(documenter)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("cases:authority_list"), {"sort": "-overdue"})

    assert response.status_code == 200
