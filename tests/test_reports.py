"""Reports: counts over what the reader may see, links to the events behind each
number, downloads, durations, saved and published reports with small cells withheld."""

import csv
import io
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from docket.accounts.models import Role, Team, User
from docket.audit.models import AuditEntry
from docket.cases import services as case_services
from docket.cases.models import EventType, InvolvementRole
from docket.law.models import Article, RightsRule
from docket.lib.partialdate import PartialDate
from docket.people.merges import merge_persons
from docket.people.models import Person
from docket.people.services import update_person
from docket.reports import counting, services
from docket.reports.counting import Choice, Scope, age_band, build_table
from docket.reports.durations import durations
from docket.reports.models import SavedReport
from docket.reports.suppression import PRIMARY, SECONDARY, suppress
from docket.search.documents import Indexer
from docket.search.facets import EventFilters, EventSearch
from docket.search.models import ReportCount
from tests import factories

pytestmark = pytest.mark.django_db


def _user(name: str, role: Role, team: Team) -> User:
    user = User.objects.create_user(username=name, password="x", role=role)
    user.teams.add(team)
    return user


@pytest.fixture
def world(documenter: User, outsider: User, team: Team) -> dict[str, Any]:
    """Our team: a public case (2023, Camp Alpha), an internal one (2024, Camp Beta) and a
    secret one (2023, a place named only there). The other team: a secret case of its own."""
    alpha_a = factories.person(
        documenter, "Azar Example", confidentiality="public", sex="female", birth_date="1990"
    )
    alpha_b = factories.person(
        documenter, "Babak Example", confidentiality="public", sex="male", birth_date="2010-05"
    )
    beta = factories.person(documenter, "Cyrus Example", confidentiality="internal")
    hidden = factories.person(documenter, "Dara Example", confidentiality="secret")
    public_case = factories.case(
        documenter, "Public case", [alpha_a, alpha_b], confidentiality="public"
    )
    internal_case = factories.case(
        documenter, "Internal case", [beta], confidentiality="internal", status="closed"
    )
    secret_case = factories.case(documenter, "Secret case", [hidden], confidentiality="secret")
    factories.event(
        documenter,
        public_case,
        "detention",
        "2023-03-10",
        victims=(alpha_a, alpha_b),
        place_name="Camp Alpha",
    )
    factories.event(
        documenter,
        public_case,
        "release",
        "2023-06-01",
        victims=(alpha_a,),
        place_name="camp alpha",
    )
    factories.event(
        documenter, public_case, "charge", "2023", victims=(alpha_b,), place_name="Court"
    )
    internal_event = factories.event(
        documenter,
        internal_case,
        "detention",
        "2024-01-15",
        victims=(beta,),
        place_name="Camp Beta",
    )
    secret_event = factories.event(
        documenter,
        secret_case,
        "detention",
        "2023-03-05",
        victims=(hidden,),
        place_name="Zindan Nihan",
    )
    theirs = factories.person(outsider, "Elham Example", confidentiality="secret")
    their_case = factories.case(outsider, "Their case", [theirs], confidentiality="secret")
    factories.event(outsider, their_case, "detention", "2023-03-20", victims=(theirs,))
    return {
        "public_case": public_case,
        "secret_event": secret_event,
        "internal_event": internal_event,
        "persons": {"azar": alpha_a, "babak": alpha_b, "cyrus": beta, "dara": hidden},
    }


def _table(user: Any, **choice: str) -> Any:
    return build_table(Scope.of_reader(user), Choice.from_query(choice))


def test_counts_by_period_place_right_and_cross_tab_on_fixed_data(
    world: Any, documenter: User, other_team: Team
) -> None:
    table = _table(documenter, measure="events", rows="period", period="month")
    assert table.row_totals == {"2023-01": 1, "2023-03": 2, "2023-06": 1, "2024-01": 1}
    assert table.total == 5
    by_quarter = _table(documenter, measure="events", rows="period", period="quarter")
    assert by_quarter.row_totals == {"2023-Q1": 3, "2023-Q2": 1, "2024-Q1": 1}
    victims = _table(documenter, measure="victims", rows="period", period="year")
    assert victims.row_totals == {"2023": 3, "2024": 1}
    assert victims.total == 4  # distinct: not the sum of the rows' victims
    cases = _table(documenter, measure="cases", rows="status")
    assert cases.row_totals == {"open": 2, "closed": 1}
    # Places are one whatever their case; rights count by the shipped rules.
    places = _table(documenter, measure="events", rows="place")
    assert places.row_totals["camp alpha"] == 2
    assert places.label("place", "camp alpha") == "Camp Alpha"
    rights = _table(documenter, measure="events", rows="right")
    assert rights.row_totals  # detention engages rights by the shipped rules
    assert max(rights.row_totals.values()) <= rights.total
    # A cross-tab of any two.
    table = _table(documenter, measure="events", rows="type", columns="period", period="year")
    assert table.cells[("detention", "2023")] == 2
    assert table.cells[("detention", "2024")] == 1
    assert table.cells[("release", "2023")] == 1
    assert table.column_totals == {"2023": 4, "2024": 1}
    assert table.row_totals["detention"] == 3
    by_sex = _table(documenter, measure="victims", rows="sex", columns="type")
    assert by_sex.cells[("female", "detention")] == 1
    assert by_sex.cells[("male", "charge")] == 1
    _check_durations(documenter, other_team)


@pytest.mark.django_db
def test_a_charge_shortens_the_days_without_charge_whatever_comes_between(
    documenter: User,
) -> None:
    """Durations read each victim's detention, release, deportation and charge events (and
    no others, docket.reports.durations): a charge a month into a detention ends its days
    without charge; a refused visit in between changes nothing."""
    held = factories.person(documenter, "Golnar Example", confidentiality="public")
    case = factories.case(documenter, "Held without charge", [held], confidentiality="public")
    factories.event(documenter, case, "detention", "2023-01-01", victims=(held,))
    factories.event(documenter, case, "visit_refused", "2023-01-15", victims=(held,))
    factories.event(documenter, case, "charge", "2023-02-01", victims=(held,))

    found = {item.key: item for item in durations(documenter, as_of=date(2023, 3, 1))}

    assert (found["detained"].persons, found["detained"].median) == (1, 59)
    assert (found["uncharged"].persons, found["uncharged"].median) == (1, 31)


def test_age_bands() -> None:
    assert age_band(PartialDate.parse("1990"), date(2023, 3, 10)) == "30–49"
    assert age_band(PartialDate.parse("2010-05"), date(2023, 3, 10)) == "0–17"
    assert age_band(None, date(2023, 3, 10)) == ""


def _events_count(client: Client, url: str) -> int:
    page = client.get(url).content.decode()
    found = re.search(r"(\d+) events?\b", page)
    assert found, url
    return int(found.group(1))


def test_each_number_opens_the_events_behind_it(
    world: Any, documenter: User, logged_in: Any
) -> None:
    """The events list, given each cell's link, counts what the cell says: through the
    same parser and counter as the page (and the page itself for one of them)."""
    checked = []
    for choice in (
        {"rows": "period", "period": "month"},
        {"rows": "period", "period": "quarter"},
        {"rows": "type", "columns": "period", "period": "year"},
        {"rows": "place", "columns": "status"},
        {"rows": "right"},
    ):
        table = _table(documenter, measure="events", **choice)
        links = 0
        for (row, column), count in table.cells.items():
            parts = [(table.choice.rows, row)] + (
                [(table.choice.columns, column)] if column else []
            )
            query = table.link(*parts)
            if query is None or not count:
                continue
            url = f"{reverse('search:event_list')}?{urlencode(query)}"
            listed = EventSearch(documenter, EventFilters.from_query(QueryDict(urlencode(query))))
            assert listed.counts()[0] == count, (choice, row, column)
            checked.append((url, count))
            links += 1
        assert links, choice
    client = logged_in(documenter)
    january = next(item for item in checked if "2023-01" in item[0])
    assert _events_count(client, january[0]) == january[1] == 1


def test_a_second_teams_viewer_counts_only_what_it_may_see(
    world: Any, documenter: User, outsider: User, other_team: Team, logged_in: Any
) -> None:
    theirs = _user("other.viewer", Role.VIEWER, other_team)
    ours = _table(documenter, measure="events", rows="place")
    seen = _table(theirs, measure="events", rows="place")
    assert ours.total == 5 and seen.total == 4
    assert "zindan nihan" in ours.row_totals and "zindan nihan" not in seen.row_totals
    client = logged_in(theirs)
    page = client.get(reverse("reports:report"), {"rows": "place"}).content.decode()
    assert "Zindan" not in page
    assert re.search(r'id="report-total"><a href="[^"]*">4<', page)
    # The numbers download holds no hidden label, the events download is refused.
    download = client.get(reverse("reports:download"), {"rows": "place", "format": "csv"})
    assert "Zindan" not in download.content.decode()
    refused = client.get(reverse("reports:events_download"), {"format": "csv"})
    assert refused.status_code == 403
    _check_chart(page)
    how_long = client.get(reverse("reports:report"), {"durations": "1"}).content.decode()
    assert "Median: " in how_long and "over 3 victims" in how_long
    # In Persian the page and the chart run right to left.
    client.cookies["django_language"] = "fa"
    persian = client.get(reverse("reports:report"), {"rows": "place"}).content.decode()
    del client.cookies["django_language"]
    assert 'dir="rtl"' in persian
    assert re.search(r'<svg[^>]*direction="rtl"', persian)
    _check_numbers_download(logged_in(documenter))
    _check_events_download(logged_in(outsider))


def test_victims_stay_counted_right_after_the_writes_that_change_them(
    world: Any,
    documenter: User,
    coordinator: User,
    other_team: Team,
) -> None:
    """The index's distinct counts follow each write, in its transaction: a victim added
    to another audience's event, a case restricted to its team, a merge, a person's sex,
    a new rights rule. A second team's viewer never counts what they may not see."""
    persons = world["persons"]
    theirs = _user("other.viewer", Role.VIEWER, other_team)
    victim = InvolvementRole.objects.get(code="victim")
    # Dara (secret) becomes a victim of the internal event: the other team sees the event,
    # not her, and does not count her.
    internal_event = world["internal_event"]
    case_services.update_event(
        actor=documenter,
        event=internal_event,
        expected_version=internal_event.version,
        involvements=[
            case_services.InvolvementInput(persons["cyrus"], victim),
            case_services.InvolvementInput(persons["dara"], victim),
        ],
    )
    # Azar (public) becomes a victim of the secret event too: one victim, seen through two
    # audiences, counted once; the other team sees her through the public events only.
    secret_event = world["secret_event"]
    case_services.update_event(
        actor=documenter,
        event=secret_event,
        expected_version=secret_event.version,
        involvements=[
            case_services.InvolvementInput(persons["dara"], victim),
            case_services.InvolvementInput(persons["azar"], victim),
        ],
    )
    ours = _table(documenter, measure="victims", rows="place")
    assert ours.total == 4 and ours.row_totals["zindan nihan"] == 2
    assert ours.row_totals["camp beta"] == 2
    seen = _table(theirs, measure="victims", rows="place")
    assert seen.total == 3 and "zindan nihan" not in seen.row_totals
    assert seen.row_totals["camp beta"] == 1
    # The public case restricted to our team: its victims leave the other team's counts.
    case = world["public_case"]
    case_services.update_case(
        actor=documenter, case=case, expected_version=case.version, confidentiality="restricted"
    )
    assert _table(theirs, measure="victims", rows="sex").total == 1  # Cyrus alone
    assert build_table(Scope.public(), Choice(measure="victims")).total == 0
    assert _table(documenter, measure="victims").total == 4
    # Babak merged into Azar: one victim fewer; Cyrus recorded as a woman.
    merge_persons(actor=coordinator, keep=persons["azar"], absorb=persons["babak"])
    cyrus = Person.objects.get(pk=persons["cyrus"].pk)
    update_person(actor=documenter, person=cyrus, expected_version=cyrus.version, sex="female")
    by_sex = _table(documenter, measure="victims", rows="sex")
    assert by_sex.total == 3 and by_sex.row_totals["female"] == 2
    # A rule that releases engage an article: the victims of releases count under it.
    article = Article.objects.select_related("instrument").order_by("pk").first()
    assert article is not None
    rule = RightsRule.objects.create(event_type=EventType.objects.get(code="release"), why="x")
    rule.articles.add(article)
    assert _table(documenter, measure="victims", rows="right").row_totals[article.reference]
    _check_kept_counts([Scope.of_reader(documenter), Scope.of_reader(theirs), Scope.public()])


def test_the_rights_counts_follow_every_change_to_the_rules(
    world: Any, documenter: User, outsider: User
) -> None:
    """A change to the rules counts again only the articles it may move events in or out
    of (and "none by the rules"): after each kind of change, the index holds what counting
    everything again gives, and a cross-tab of rights is the records'."""
    first, second, third = Article.objects.order_by("pk")[:3]
    release, detention = (EventType.objects.get(code=code) for code in ("release", "detention"))
    rule = RightsRule.objects.create(event_type=release, why="x")
    changes: list[Any] = [
        lambda: rule.articles.add(first, second),
        lambda: rule.articles.remove(first),
        lambda: first.rules.add(rule),  # from the article's side
        lambda: _save(rule, event_type=detention),
        lambda: rule.articles.clear(),
        lambda: rule.articles.add(third),
        lambda: rule.delete(),
        lambda: RightsRule.objects.create(event_type=detention, why="y").articles.add(second),
        lambda: second.delete(),  # the rules that engaged it lose it
    ]
    scopes = [Scope.of_reader(documenter), Scope.of_reader(outsider)]
    for change in changes:
        change()
        _check_cells_as_counted_again()
        for scope in scopes:
            found = counting.tally(scope, "victims", ["right", "place"], "year", counting._Rights())
            expected = counting.tally_from_records(
                scope, "victims", ["right", "place"], "year", counting._Rights()
            )
            assert found == expected


def _save(record: Any, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(record, name, value)
    record.save()


def _check_cells_as_counted_again() -> None:
    """What the writes left in the index is what counting everything again gives."""

    def cells() -> set[tuple[Any, ...]]:
        return set(
            ReportCount.objects.filter(count__gt=0).values_list(
                "measure", "dimension", "value", "audiences__key", "count"
            )
        )

    kept = cells()
    with transaction.atomic():
        Indexer().tallies.recount()
        assert cells() == kept
        transaction.set_rollback(True)


def _check_kept_counts(scopes: list[Scope]) -> None:
    """What the writes left in the index is what counting everything again gives, and the
    reports read from it agree with the records (the read door's querysets)."""
    _check_cells_as_counted_again()
    choices = [("victims", [rows]) for rows in ("period", "right", "place", "sex", "age")]
    choices += [("victims", []), ("cases", ["sex"]), ("events", ["age"])]
    # Cross-tabs, read from the index's rows.
    choices += [("victims", ["place", "sex"]), ("cases", ["right", "period"])]
    choices += [("events", ["period", "authority"])]
    # The rights crossed with every other dimension, from their own cells, either way round.
    others = ["period", "type", "place", "authority", "status", "sex", "age"]
    choices += [(measure, ["right", other]) for measure in counting.MEASURES for other in others]
    choices += [("victims", ["place", "right"]), ("events", ["sex", "right"])]
    for scope in scopes:
        for measure, dimensions in choices:
            found = counting.tally(scope, measure, dimensions, "month", counting._Rights())
            expected = counting.tally_from_records(
                scope, measure, dimensions, "month", counting._Rights()
            )
            assert found == expected, (scope.user, measure, dimensions)


def _check_events_download(client: Client) -> None:
    """The events download holds addresses and only visible rows, and is logged."""
    response = client.get(reverse("reports:events_download"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][0] == "Address"
    # Our public and internal events (4) and their own secret one; never our secret one.
    assert len(rows) - 1 == 5
    assert all(row[0].startswith("http://testserver/cases/") for row in rows[1:])
    assert not any("Zindan" in cell for row in rows for cell in row)
    entry = AuditEntry.objects.filter(action="export").latest("id")
    assert entry.detail["what"] == "report events" and entry.detail["count"] == 5
    workbook = client.get(reverse("reports:events_download"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    values = list(sheet.values)
    assert len(values) == 6 and str(values[1][0]).startswith("http://testserver/cases/")


def _check_numbers_download(client: Client) -> None:
    query = {"rows": "type", "columns": "period", "period": "year"}
    text = client.get(reverse("reports:download"), {**query, "format": "csv"}).content.decode()
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Event type", "2023", "2024", "Total"]
    assert rows[-1] == ["Total", "4", "1", "5"]
    response = client.get(reverse("reports:download"), {**query, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert list(sheet.values)[-1] == ("Total", 4, 1, 5)


def _check_durations(documenter: User, other_team: Team) -> None:
    """Durations come from the figures of what the reader sees."""
    found = {item.key: item for item in durations(documenter, as_of=date(2024, 3, 15))}
    # Azar: 2023-03-10 to the release on 2023-06-01 (83 days); Babak: detained since
    # 2023-03-10, charged in 2023 (its first day is before, so not this detention's);
    # Cyrus: since 2024-01-15 (60 days); the secret one since 2023-03-05.
    assert found["detained"].persons == 4
    for key in ("detained", "uncharged"):  # 60 and 83 days; 371 and 376
        assert dict(found[key].counts)["31–90"] == 2
        assert dict(found[key].counts)["366–730"] == 2
        assert found[key].median == (83 + 371) / 2
    theirs = _user("other.viewer", Role.VIEWER, other_team)
    assert {item.key: item for item in durations(theirs, as_of=date(2024, 3, 15))}[
        "detained"
    ].persons == 3


def _check_chart(page: str) -> None:
    """The chart is accessible SVG with a table beside it."""
    svg = re.search(r"<svg.*?</svg>", page, re.S)
    assert svg
    tree = ElementTree.fromstring(svg.group(0))  # noqa: S314 - our own page
    namespace = "{http://www.w3.org/2000/svg}"
    assert tree.get("role") == "img" and tree.find(f"{namespace}title") is not None
    assert tree.find(f"{namespace}desc") is not None
    assert "\u2068Camp Alpha\u2069" in svg.group(0) or "\u2068camp alpha\u2069" in svg.group(
        0
    )  # labels isolated
    assert '<table class="report-table">' in page


def test_small_cells_and_the_cells_that_would_give_them_away_are_withheld() -> None:
    rows, columns = ["a", "b", "c"], ["x", "y"]
    cells = {
        ("a", "x"): 3,
        ("a", "y"): 10,
        ("b", "x"): 7,
        ("b", "y"): 8,
        ("c", "x"): 6,
        ("c", "y"): 9,
    }
    row_totals = {"a": 13, "b": 15, "c": 15}
    column_totals = {"x": 16, "y": 27}
    withheld = suppress(rows, columns, cells, row_totals, column_totals, 43, crossed=True)
    assert withheld.why[("cell", "a", "x")] == PRIMARY
    # Row a and column x would each give the 3 back: a second cell goes in each.
    assert withheld.why[("cell", "a", "y")] == SECONDARY
    assert withheld.why[("cell", "c", "x")] == SECONDARY or withheld.why.get(("cell", "b", "x"))
    for row in rows:
        hidden = [column for column in columns if ("cell", row, column) in withheld.why]
        assert len(hidden) != 1
    for column in columns:
        hidden = [row for row in rows if ("cell", row, column) in withheld.why]
        assert len(hidden) != 1
    assert withheld.shown(("cell", "a", "x"), 3) == "<5"
    assert withheld.shown(("cell", "a", "y"), 10) == "—"
    one = suppress(
        ["a", "b", "c"],
        [""],
        {("a", ""): 2, ("b", ""): 9, ("c", ""): 6},
        {},
        {},
        17,
        crossed=False,
    )
    assert one.why == {("cell", "a", ""): PRIMARY, ("cell", "c", ""): SECONDARY}


def test_a_public_cross_tab_whose_only_column_is_not_recorded_withholds_its_small_totals(
    documenter: User, coordinator: User
) -> None:
    """Events by type and age band, published, with one public victim of no recorded birth
    date: the only column is the unknown band (key ""), as a table of one dimension has,
    and its row and column totals must be withheld like any small count. (Found by a
    fresh-eye review: they printed 1 on the page, its CSV and XLSX and the feed.)"""
    azar = factories.person(documenter, "Azar Example", confidentiality="public")
    case = factories.case(documenter, "Public case", [azar], confidentiality="public")
    factories.event(documenter, case, "detention", "2024-01-01", victims=(azar,))
    saved = services.save_report(
        actor=documenter,
        name="Events by type and age",
        choice=Choice(measure="events", rows="type", columns="age"),
        team=documenter.teams.get(),
    )
    services.publish_report(actor=coordinator, report=saved)

    url = reverse("public:report_detail", args=[saved.pk])
    text = Client().get(url, {"format": "csv"}).content.decode().lstrip("\ufeff")

    shown = [value for row in list(csv.reader(io.StringIO(text)))[1:] for value in row[1:]]
    assert shown and "1" not in shown, shown
    assert "<5" in shown


def test_a_team_that_is_not_a_number_is_refused_not_a_server_error(
    documenter: User, logged_in: Any
) -> None:
    """ "²" is a digit to str.isdigit and not a number to int."""
    client = logged_in(documenter)
    client.raise_request_exception = False

    response = client.post(reverse("reports:saved_create"), {"name": "x", "team": "²"})

    assert response.status_code < 500


def test_saved_reports_are_shared_published_and_withheld(
    world: Any,
    documenter: User,
    viewer: User,
    outsider: User,
    coordinator: User,
    other_team: Team,
    logged_in: Any,
) -> None:
    team = documenter.teams.get()
    saved = services.save_report(
        actor=documenter, name="By place", choice=Choice(rows="place"), team=team
    )
    assert list(SavedReport.objects.visible_to(viewer)) == [saved]
    assert not SavedReport.objects.visible_to(outsider).exists()
    assert saved.history.count() == 1
    assert AuditEntry.objects.filter(action="create", object_type="reports.savedreport").exists()
    with pytest.raises(Exception, match="own team"):
        services.save_report(actor=documenter, name="x", choice=Choice(), team=other_team)
    with pytest.raises(PermissionDenied):
        services.publish_report(actor=documenter, report=saved)
    with pytest.raises(PermissionDenied):
        services.delete_report(actor=viewer, report=saved)
    saved.delete()
    _check_published(documenter, coordinator, Client())
    _check_pages_post(documenter, viewer, logged_in)


def _check_published(documenter: User, coordinator: User, client: Client) -> None:
    """A published report counts public events only and withholds small cells."""
    saved = services.save_report(
        actor=documenter,
        name="Events by place",
        choice=Choice(rows="place"),
        team=documenter.teams.get(),
    )
    assert client.get(reverse("public:report_detail", args=[saved.pk])).status_code == 404
    services.publish_report(actor=coordinator, report=saved)
    page = client.get(reverse("public:report_detail", args=[saved.pk])).content.decode()
    # The public case only: Camp Alpha 2, Court 1; the internal and secret ones are not counted.
    assert "Camp Beta" not in page and "Zindan" not in page
    assert "&lt;5" in page
    assert re.search(r'id="report-total">\s*&lt;5', page)
    assert "/events/" not in page  # no link into staff pages
    text = client.get(reverse("public:report_detail", args=[saved.pk]), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(text.content.decode().lstrip("\ufeff"))))
    assert all(
        value in {"<5", "—", "0"} or not value.isdigit() for row in rows for value in row[1:]
    )
    assert "Camp Beta" not in text.content.decode()
    feed = client.get(reverse("public:report_feed")).content.decode()
    assert "Events by place" in feed and "Camp Beta" not in feed and "Zindan" not in feed
    assert "&lt;5" in feed or "&amp;lt;5" in feed
    listing = client.get(reverse("public:report_list")).content.decode()
    assert "Events by place" in listing
    services.publish_report(actor=coordinator, report=saved, published=False)
    assert client.get(reverse("public:report_detail", args=[saved.pk])).status_code == 404
    assert "Events by place" not in client.get(reverse("public:report_feed")).content.decode()


def _check_pages_post(documenter: User, viewer: User, logged_in: Any) -> None:
    """The report pages post through the services."""
    SavedReport.objects.all().delete()
    client = logged_in(documenter)
    response = client.post(
        reverse("reports:saved_create"),
        {"name": "Types", "rows": "type", "measure": "victims", "team": documenter.teams.get().pk},
    )
    assert response.status_code == 302
    saved = SavedReport.objects.get()
    assert (saved.rows, saved.measure, saved.owner) == ("type", "victims", documenter)
    other = logged_in(viewer)
    page = other.get(reverse("reports:report")).content.decode()
    assert "Types" in page
    assert other.post(reverse("reports:saved_delete", args=[saved.pk])).status_code == 403
