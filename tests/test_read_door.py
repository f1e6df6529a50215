"""The one read door (docket.lib.access) and what it closes: issue 13's findings 1, 5, 6, 7
and the caching part of 12.

A record hidden from its reader answers 404 however it is reached (an inbox item, a
filter's label, a stale edit's answer); taking records out in bulk is a permission;
every read of a restricted or secret record, and every bulk read, is in the audit log.
"""

import ast
import inspect
import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse

from docket.accounts.models import Role, Team, User
from docket.api.tokens import issue_token
from docket.audit.models import AuditEntry
from docket.cases import figures as case_figures
from docket.cases import services as case_services
from docket.cases.models import Authority, Case
from docket.letters import figures as letter_figures
from docket.letters import services as letter_services
from docket.letters.models import InboundMail, Letter
from docket.lib.versioning import StaleEdit
from docket.search.models import FacetTerm
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def other_coordinator(other_team: Team) -> User:
    """A coordinator of another team: may sort unmatched mail, sees none of our secrets."""
    user = User.objects.create_user(
        username="kaveh.rostami",
        password=PASSWORD,
        first_name="Kaveh",
        last_name="Rostami",
        role=Role.COORDINATOR,
    )
    user.teams.add(other_team)
    return user


@pytest.fixture
def ministry(documenter: User) -> Authority:
    return case_services.create_authority(actor=documenter, name="Ministry of Fictional Affairs")


def _token_client(user: User) -> Client:
    _, secret = issue_token(user=user, name="read door test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


def _entries(user: User, action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(actor=user, action=action).order_by("id"))


# Finding 1: mail filed as a secret letter's reply is as secret as the letter


def _emailed_reply(documenter: User, team: Team, ministry: Authority, level: str) -> InboundMail:
    letter = letter_services.create_letter(
        actor=documenter,
        title="About a detention",
        body="Please tell us where he is held.",
        recipients=[ministry],
        questions=["Where is he held?"],
        team=team,
        confidentiality=level,
    )
    letter_services.send_copies(
        actor=documenter, letter=letter, channel="post", sent_on=date(2024, 1, 8)
    )
    reference = letter.dispatches.get().reference
    inbound = letter_services.ingest_email(
        b"From: clerk@ministry.example.org\r\nTo: replies@localhost\r\n"
        + f"Subject: Re: About a detention [{reference}]\r\n".encode()
        + b"Message-ID: <answer@ministry.example.org>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"He is held in the northern wing of Ghezel Hesar.\r\n"
    )
    assert inbound.response is not None, "the reference should have matched the letter"
    return inbound


def test_a_reply_to_a_secret_letter_is_hidden_from_another_teams_coordinator(
    documenter: User,
    team: Team,
    ministry: Authority,
    other_coordinator: User,
    logged_in: Callable[[User], Client],
) -> None:
    inbound = _emailed_reply(documenter, team, ministry, "secret")
    letter = inbound.response.letter  # type: ignore[union-attr]
    client = logged_in(other_coordinator)

    reply = client.get(reverse("letters:inbox_detail", args=[inbound.pk]))
    missing = client.get(reverse("letters:inbox_detail", args=[inbound.pk + 1000]))

    assert client.get(reverse("letters:letter_detail", args=[letter.pk])).status_code == 404
    assert reply.status_code == missing.status_code == 404
    assert b"northern wing" not in reply.content


def test_a_reply_to_a_secret_letter_is_shown_to_its_teams_coordinator(
    documenter: User,
    team: Team,
    ministry: Authority,
    coordinator: User,
    logged_in: Callable[[User], Client],
) -> None:
    inbound = _emailed_reply(documenter, team, ministry, "secret")

    reply = logged_in(coordinator).get(reverse("letters:inbox_detail", args=[inbound.pk]))

    assert reply.status_code == 200
    assert "northern wing" in reply.text


def test_mail_that_matched_no_letter_stays_with_coordinators_and_administrators(
    documenter: User, other_coordinator: User, logged_in: Callable[[User], Client]
) -> None:
    inbound = letter_services.ingest_email(
        b"From: someone@example.org\r\nSubject: A question\r\n\r\nWho reads this?\r\n"
    )
    path = reverse("letters:inbox_detail", args=[inbound.pk])

    assert logged_in(other_coordinator).get(path).status_code == 200
    assert logged_in(documenter).get(path).status_code == 404


# Finding 6: a filter's labels come only from what the reader may see


def test_the_events_list_prints_no_label_of_a_place_the_reader_may_not_see(
    documenter: User, team: Team, outsider: User, logged_in: Callable[[User], Client]
) -> None:
    hidden = factories.case(documenter, "A hidden case", [], confidentiality="secret", team=team)
    factories.event(documenter, hidden, "detention", "2024-02-01", place_name="Valley Camp Nine")
    place = FacetTerm.objects.get(dimension="place", label__icontains="Valley Camp Nine")
    path = reverse("search:event_list") + f"?place={place.pk}"

    theirs = logged_in(outsider).get(path)
    nothing = logged_in(outsider).get(reverse("search:event_list") + "?place=987654321")

    assert theirs.status_code == 200
    assert "Valley Camp Nine" not in theirs.text
    # A hidden place is no such place: the same list as for one that does not exist.
    assert theirs.text.count("Place") == nothing.text.count("Place")


def test_the_events_list_names_a_place_of_an_event_the_reader_may_see(
    documenter: User, team: Team, logged_in: Callable[[User], Client]
) -> None:
    hidden = factories.case(documenter, "A hidden case", [], confidentiality="secret", team=team)
    factories.event(documenter, hidden, "detention", "2024-02-01", place_name="Valley Camp Nine")
    place = FacetTerm.objects.get(dimension="place", label__icontains="Valley Camp Nine")

    ours = logged_in(documenter).get(reverse("search:event_list") + f"?place={place.pk}")

    assert "Valley Camp Nine" in ours.text


# Finding 7: a stale edit's answer goes through the read door


@pytest.fixture
def moved_away(monkeypatch: pytest.MonkeyPatch, other_team: Team) -> None:
    """Someone else saves the case between the reader's opening it and their save, and
    with that save moves it to another team, secret: the save answers StaleEdit."""

    def save_of_someone_else(*, case: Case, **changes: Any) -> None:
        Case.objects.filter(pk=case.pk).update(
            team=other_team,
            confidentiality="secret",
            title="Moved to the other team",
            version=F("version") + 1,
        )
        raise StaleEdit(Case.objects.get(pk=case.pk))

    monkeypatch.setattr(case_services, "update_case", save_of_someone_else)


@pytest.mark.usefixtures("moved_away")
def test_a_stale_edit_page_of_a_record_gone_out_of_sight_is_a_404(
    documenter: User, team: Team, logged_in: Callable[[User], Client]
) -> None:
    case = factories.case(documenter, "Open case", [], team=team)

    response = logged_in(documenter).post(
        reverse("cases:case_edit", args=[case.pk]),
        {
            "version": 1,
            "title": "My edit",
            "summary": "",
            "status": "open",
            "confidentiality": "internal",
            "team": team.pk,
        },
    )

    assert response.status_code == 404
    assert "Moved to the other team" not in response.text


@pytest.mark.usefixtures("moved_away")
def test_a_stale_edit_409_of_a_record_gone_out_of_sight_is_a_404(
    documenter: User, team: Team
) -> None:
    case = factories.case(documenter, "Open case", [], team=team)

    response = _token_client(documenter).patch(
        f"/api/v1/cases/{case.pk}", {"version": 1, "title": "Mine"}, content_type="application/json"
    )

    assert response.status_code == 404
    assert "Moved to the other team" not in response.text


def test_a_stale_edit_409_still_shows_a_record_the_reader_may_see(
    documenter: User, team: Team
) -> None:
    case = factories.case(documenter, "Open case", [], team=team)
    case_services.update_case(actor=documenter, case=case, expected_version=1, title="Theirs")

    response = _token_client(documenter).patch(
        f"/api/v1/cases/{case.pk}", {"version": 1, "title": "Mine"}, content_type="application/json"
    )

    assert response.status_code == 409
    assert response.json()["current"]["title"] == "Theirs"


# Finding 5: taking out in bulk is a permission, and every read is in the log


@pytest.fixture
def restricted_person(documenter: User, team: Team) -> Any:
    return factories.person(
        documenter,
        "Azar Mohammadi",
        confidentiality="restricted",
        team=team,
        contact_details="+98 21 5550 0000",
    )


def test_a_viewer_may_not_list_records_through_the_api_with_the_session_cookie(
    viewer: User, restricted_person: Any, logged_in: Callable[[User], Client]
) -> None:
    client = logged_in(viewer)

    listed = client.get("/api/v1/persons")
    one = client.get(f"/api/v1/persons/{restricted_person.pk}")

    assert listed.status_code == 403
    assert "Azar" not in listed.text
    assert one.status_code == 200


@pytest.mark.parametrize(
    "collection", ["persons", "cases", "events", "sources", "authorities", "letters", "tracing"]
)
def test_a_viewer_may_not_list_any_collection_with_a_token(viewer: User, collection: str) -> None:
    assert _token_client(viewer).get(f"/api/v1/{collection}").status_code == 403


def test_every_api_list_read_is_audited_with_its_query(
    documenter: User, restricted_person: Any
) -> None:
    response = _token_client(documenter).get("/api/v1/persons?name=Azar&limit=5")

    assert response.status_code == 200
    [entry] = _entries(documenter, "export")
    assert entry.detail["via"] == "api"
    assert entry.detail["what"] == "/api/v1/persons"
    assert entry.detail["query"] == "name=Azar&limit=5"
    assert entry.detail["count"] == 1
    assert entry.detail["watched"] == {"people.person": [restricted_person.pk]}


def test_an_api_read_of_a_restricted_record_is_audited(
    documenter: User, restricted_person: Any
) -> None:
    _token_client(documenter).get(f"/api/v1/persons/{restricted_person.pk}")

    [entry] = _entries(documenter, "view")
    assert (entry.object_id, entry.detail) == (str(restricted_person.pk), {"via": "api"})


def test_docket_export_refuses_a_viewer(viewer: User, tmp_path: Path) -> None:
    out = tmp_path / "export.json"

    with pytest.raises(CommandError, match="may not export"):
        call_command("export", "--out", str(out), "--as", viewer.username, stdout=io.StringIO())

    assert not out.exists()


def test_docket_export_is_audited_with_the_restricted_records_it_took(
    documenter: User, restricted_person: Any, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    call_command("export", "--out", str(out), "--as", documenter.username, stdout=io.StringIO())

    [entry] = _entries(documenter, "export")
    assert entry.detail["via"] == "cli"
    assert entry.detail["watched"] == {"persons": [restricted_person.pk]}
    assert entry.detail["count"] == sum(
        len(items) for items in json.loads(out.read_text()).values() if isinstance(items, list)
    )


def test_docket_show_audits_reading_a_restricted_record(
    documenter: User, restricted_person: Any
) -> None:
    call_command(
        "show",
        "person",
        str(restricted_person.pk),
        "--as",
        documenter.username,
        stdout=io.StringIO(),
    )

    [entry] = _entries(documenter, "view")
    assert (entry.object_id, entry.detail) == (str(restricted_person.pk), {"via": "cli"})


@pytest.mark.parametrize("route", ["people:person_edit", "people:person_history"])
def test_edit_and_history_pages_audit_reading_a_restricted_person(
    documenter: User, restricted_person: Any, logged_in: Callable[[User], Client], route: str
) -> None:
    response = logged_in(documenter).get(reverse(route, args=[restricted_person.pk]))

    assert response.status_code == 200
    [entry] = _entries(documenter, "view")
    assert entry.object_id == str(restricted_person.pk)


def test_reading_an_internal_record_writes_no_entry(
    documenter: User, logged_in: Callable[[User], Client]
) -> None:
    person = factories.person(documenter, "Hamid Sadeghi")

    logged_in(documenter).get(reverse("people:person_detail", args=[person.pk]))

    assert _entries(documenter, "view") == []


# Finding 12, in part: what staff read is never stored by a cache


def test_pages_for_signed_in_staff_are_not_stored(
    documenter: User, logged_in: Callable[[User], Client]
) -> None:
    response = logged_in(documenter).get(reverse("people:person_list"))

    assert "no-store" in response["Cache-Control"]


def test_api_answers_are_not_stored(documenter: User) -> None:
    assert "no-store" in _token_client(documenter).get("/api/v1/persons")["Cache-Control"]
    assert "no-store" in Client().get("/api/v1/persons")["Cache-Control"]


def test_the_public_letters_stay_cacheable_for_visitors(client: Client) -> None:
    response = client.get(reverse("public:letter_list"))

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


# The class: no way around the door


def test_figures_have_no_reader_default() -> None:
    """No "no reader means everything": each figure over records takes its reader."""
    for function, reader in [
        (case_figures.person_figures, "user"),
        (case_figures.case_figures, "user"),
        (case_figures.years_without_family_contact, "user"),
        (letter_figures.authority_figures, "letters"),
        (letter_figures.authorities_figures, "letters"),
    ]:
        parameter = inspect.signature(function).parameters[reader]
        assert parameter.default is inspect.Parameter.empty, function.__name__


# Where records are read for one reader: views, the API, PDFs, history pages, commands.
READERS = [
    *ROOT.glob("docket/*/views.py"),
    *ROOT.glob("docket/*/*_views.py"),
    *ROOT.glob("docket/api/*.py"),
    *ROOT.glob("docket/*/management/commands/*.py"),
    ROOT / "docket/lib/history.py",
    ROOT / "docket/interchange/show.py",
]


def _confidential_models() -> set[str]:
    """Models with a read rule of their own (`visible_to`): those the door must fetch."""
    from django.apps import apps

    return {
        model.__name__
        for model in apps.get_models()
        if hasattr(model._default_manager.all(), "visible_to")
    }


def _chain(node: ast.expr) -> tuple[str, list[str]]:
    """The root name of `Model.objects.visible_to(user).filter(...)` and the attributes
    called along it, not those inside its arguments."""
    attributes: list[str] = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            attributes.append(node.attr)
            node = node.value
        else:
            break
    return (node.id if isinstance(node, ast.Name) else ""), attributes


def test_no_reader_fetches_a_confidential_record_around_the_read_door() -> None:
    """`get_object_or_404(Case.objects.visible_to(user), pk=pk)` works, and forgets the
    audit entry and the conflict rule: fetch one record through docket.lib.access."""
    confidential = _confidential_models()
    assert {"Case", "Person", "Letter", "InboundMail", "TracingRequest"} <= confidential
    found = []
    for path in READERS:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else ""
            if name not in {"get_object_or_404", "get_list_or_404"}:
                continue
            root, attributes = _chain(node.args[0])
            if (
                root in confidential
                or root.startswith("_visible")
                or {"visible_to", "editable_by"} & set(attributes)
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"Fetch these through docket.lib.access.get_visible: {found}"


def test_the_guard_finds_a_lookup_around_the_door() -> None:
    """The structural guard above, on a line that breaks the rule."""
    line = "get_object_or_404(Letter.objects.visible_to(user).select_related('team'), pk=pk)"
    call = ast.parse(line).body[0].value  # type: ignore[attr-defined]

    root, attributes = _chain(call.args[0])

    assert root == "Letter" and "visible_to" in attributes
    assert Letter.__name__ in _confidential_models()
