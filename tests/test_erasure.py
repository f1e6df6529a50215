"""Erasure that reaches the backups, and the breach report (issue 16).

Each person's sealed data is under a data key of their own (docket.lib.datakeys);
erasing the person destroys the key, so a backup made before cannot open it. The
whole restore of an old archive after an erasure, through the `docket` command, is
tests/test_backup.py::test_a_person_erased_after_a_backup_is_erased_in_it_too.
"""

import io
import json
import time
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.accounts.confirmation import SESSION_KEY
from docket.accounts.models import Role, User
from docket.api.tokens import issue_token
from docket.audit.models import AuditEntry
from docket.lib import backup, datakeys
from docket.lib.access import get_visible
from docket.people.erasure import erase_person
from docket.people.models import Person, PersonKey, PersonName
from docket.people.services import update_person
from docket.search.models import SearchEntry
from tests import factories

pytestmark = pytest.mark.django_db

CONTACT = "Through the families desk, line 42 (fictional)"
NAMES = ("Parvaneh Ghaffari", "پروانه غفاری")
PASSPHRASE = "a fictional long passphrase"
REASON = "The person's own request of 1 December (fictional)"


@pytest.fixture
def sought(documenter: User) -> Person:
    return factories.person(
        documenter, *NAMES, contact_details=CONTACT, notes="Lives by the fictional bridge"
    )


def _raw(person: Person) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_details FROM people_person WHERE id = %s", [person.pk])
        return str(cursor.fetchone()[0])


def _confirmed(client: Client) -> Client:
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()
    return client


def test_each_person_is_sealed_under_a_data_key_of_their_own(documenter, sought):
    other = factories.person(documenter, "Kamran Ghaffari", contact_details="Another line")

    assert _raw(sought).startswith(f"dp1${sought.data_key}$")
    assert _raw(other).startswith(f"dp1${other.data_key}$")
    assert sought.data_key != other.data_key
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT wrapped FROM people_personkey WHERE key_id IN (%s, %s)",
            [sought.data_key, other.data_key],
        )
        wrapped = [str(row[0]) for row in cursor.fetchall()]
    # Two keys, each wrapped under the keyring, never stored in clear.
    assert len(wrapped) == 2 and all(value.startswith("dk1$") for value in wrapped)
    assert Person.objects.get(pk=sought.pk).contact_details == CONTACT


def test_erasing_destroys_the_key_and_the_names_in_the_record_and_its_history(
    coordinator, documenter, sought
):
    case = factories.case(documenter, "A fictional detention", [sought])
    factories.event(documenter, case, "detention", "2024-03", victims=(sought,))
    sealed_before = _raw(sought)
    entry = SearchEntry.objects.filter(kind="person", object_id=sought.pk)
    assert "ghaffari" in entry.get().title and entry.get().names

    erase_person(actor=coordinator, person=sought, reason=REASON)

    assert not PersonKey.objects.filter(key_id=sought.data_key).exists()
    datakeys.forget()
    assert datakeys.open_sealed(sealed_before) == datakeys.ERASED
    person = Person.objects.get(pk=sought.pk)
    assert person.erased and person.display_name == f"#{person.pk}"
    assert not PersonName.objects.filter(person=person).exists()
    assert not PersonName.history.filter(person_id=person.pk).exists()
    history = list(Person.history.filter(id=person.pk))
    assert len(history) >= 2
    assert all(row.contact_details == "" and row.notes == "" for row in history)
    # Nor does the search index, which holds names with the person, the case and the event.
    assert not entry.get().names
    indexed = [" ".join(row).lower() for row in entry.model.objects.values_list("title", "body")]
    assert not [row for row in indexed if "ghaffari" in row or "غفاری" in row]


def test_the_erasure_is_audited_without_a_name(coordinator, sought):
    erase_person(actor=coordinator, person=sought, reason=REASON)

    entry = AuditEntry.objects.filter(object_type="people.person", object_id=str(sought.pk))
    last = entry.latest("id")
    assert last.detail["erased"] is True and last.actor == coordinator
    written = json.dumps(last.content(), ensure_ascii=False)
    for word in [*NAMES[0].split(), *NAMES[1].split(), "bridge", "line 42"]:
        assert word not in written


def test_a_backup_made_before_the_erasure_no_longer_opens_the_persons_data(
    coordinator, documenter, sought
):
    kept = factories.person(documenter, "Kamran Ghaffari", contact_details="Another line")
    archive = io.BytesIO()
    backup.write_backup(archive, passphrase=PASSPHRASE)

    erase_person(actor=coordinator, person=sought, reason=REASON)
    keys = io.BytesIO()
    backup.write_data_keys(keys, passphrase=PASSPHRASE)
    datakeys.forget()

    members = dict(backup._members(io.BytesIO(archive.getvalue()), PASSPHRASE))
    assert "data/people.personkey.json" not in members
    rows = {row["pk"]: row["fields"] for row in json.loads(members["data/people.person.json"])}
    assert datakeys.open_sealed(rows[sought.pk]["contact_details"]) == "[erased]"
    assert datakeys.open_sealed(rows[kept.pk]["contact_details"]) == "Another line"
    old_history = [
        row["fields"]["contact_details"]
        for row in json.loads(members["data/people.historicalperson.json"])
        if row["fields"]["id"] == sought.pk and row["fields"]["contact_details"]
    ]
    assert old_history and all(datakeys.open_sealed(v) == "[erased]" for v in old_history)
    newest = backup.read_data_keys(io.BytesIO(keys.getvalue()), passphrase=PASSPHRASE)
    assert sought.data_key not in {row[0] for row in newest["keys"]}
    assert kept.data_key in {row[0] for row in newest["keys"]}
    assert newest["erased"] == [sought.data_key]


def test_a_coordinator_erases_a_person_from_their_page(logged_in, coordinator, sought):
    client = _confirmed(logged_in(coordinator))
    url = reverse("people:person_erase", args=[sought.pk])

    assert "Erase" in client.get(reverse("people:person_detail", args=[sought.pk])).text
    assert "Erase this person for good" in client.get(url).text
    response = client.post(url, {"reason": REASON})

    assert response.status_code == 302
    assert Person.objects.get(pk=sought.pk).erased
    assert client.get(url).status_code == 404


def test_erasing_asks_for_the_password_again(logged_in, coordinator, sought):
    client = logged_in(coordinator)
    session = client.session
    session[SESSION_KEY] = time.time() - 3600
    session.save()

    response = client.post(reverse("people:person_erase", args=[sought.pk]), {"reason": REASON})

    assert response.status_code == 302 and "confirm" in response["Location"]
    assert not Person.objects.get(pk=sought.pk).erased


def test_erasing_needs_a_reason(logged_in, coordinator, sought):
    client = _confirmed(logged_in(coordinator))

    response = client.post(reverse("people:person_erase", args=[sought.pk]), {"reason": " "})

    assert response.status_code == 200 and "Say why" in response.text
    assert not Person.objects.get(pk=sought.pk).erased


@pytest.mark.parametrize("persona", ["documenter", "viewer", "outsider"])
def test_who_is_not_a_coordinator_of_the_team_may_not_erase(
    request, logged_in, persona, documenter, sought
):
    user = request.getfixturevalue(persona)
    hidden = factories.person(documenter, "Hidden Person", confidentiality="restricted")
    client = _confirmed(logged_in(user))

    seen = client.post(reverse("people:person_erase", args=[sought.pk]), {"reason": REASON})
    unseen = client.get(reverse("people:person_erase", args=[hidden.pk]))

    assert seen.status_code == 403
    assert unseen.status_code == (404 if persona == "outsider" else 403)
    assert "Erase this person" not in client.get(f"/people/{sought.pk}/").text
    with pytest.raises(PermissionDenied):
        erase_person(actor=user, person=sought, reason=REASON)
    assert not Person.objects.filter(erased_at__isnull=False).exists()


def test_docket_erase_acts_as_the_user_named(coordinator, documenter, sought):
    with pytest.raises(CommandError, match="may not erase"):
        call_command("erase", str(sought.pk), "--reason", REASON, "--as", documenter.username)
    out = io.StringIO()

    call_command(
        "erase", str(sought.pk), "--reason", REASON, "--as", coordinator.username, stdout=out
    )

    assert f"Erased person #{sought.pk}" in out.getvalue()
    assert Person.objects.get(pk=sought.pk).erased
    with pytest.raises(CommandError, match="There is no person"):
        call_command("erase", str(sought.pk), "--reason", REASON, "--as", coordinator.username)


def test_an_erased_person_stays_as_it_is(coordinator, sought):
    erase_person(actor=coordinator, person=sought, reason=REASON)
    person = Person.objects.get(pk=sought.pk)

    with pytest.raises(ValidationError):
        update_person(actor=coordinator, person=person, expected_version=person.version, notes="x")


# The breach report


def _report(*arguments: str) -> dict:
    out = io.StringIO()
    today = timezone.localdate()
    call_command(
        "breach",
        "report",
        *arguments,
        "--from",
        str(today - timedelta(days=1)),
        "--to",
        str(today),
        "--json",
        stdout=out,
    )
    return json.loads(out.getvalue())


@pytest.fixture
def auditor(db: None) -> User:
    """An administrator of no team: the rule keeps secret records from them."""
    return User.objects.create_user(username="auditor", password="x", role=Role.ADMINISTRATOR)


def test_the_breach_report_lists_what_the_user_could_see_and_read(auditor, documenter, outsider):
    administrator = auditor
    ours = factories.person(documenter, "Our Secret Person", confidentiality="secret")
    theirs = factories.person(outsider, "Their Secret Person", confidentiality="secret")
    factories.person(documenter, "Our Public Person", confidentiality="public")
    get_visible(Person, documenter, ours.pk)

    report = _report("--user", documenter.username, "--as", administrator.username)

    persons = {item["id"]: item for item in report["could_see"] if item["kind"] == "person"}
    assert set(persons) == set(Person.objects.visible_to(documenter).values_list("pk", flat=True))
    assert ours.pk in persons and theirs.pk not in persons
    # The administrator reading the report may not see the team's secret: no name for it.
    assert persons[ours.pk]["label"] == "" and persons[ours.pk]["level"] == "secret"
    assert "Their Secret" not in json.dumps(report) and "Our Secret" not in json.dumps(report)
    assert [(r["action"], r["record_id"]) for r in report["read"]] == [("view", str(ours.pk))]
    taken = AuditEntry.objects.filter(actor=administrator, action="export").latest("id")
    assert taken.detail["what"] == "breach report"


def test_the_breach_report_of_a_token_reads_its_users_api_reads(administrator, documenter):
    ours = factories.person(documenter, "Our Secret Person", confidentiality="secret")
    token, _ = issue_token(user=documenter, via="test")
    get_visible(Person, documenter, ours.pk, via="page")

    report = _report("--token", str(token.pk), "--as", administrator.username)

    assert ours.pk in {item["id"] for item in report["could_see"] if item["kind"] == "person"}
    assert report["read"] == []
    assert report["subject"].startswith(f"token #{token.pk}")


def test_the_breach_report_is_for_administrators(coordinator, documenter):
    with pytest.raises(CommandError, match="not an administrator"):
        _report("--user", documenter.username, "--as", coordinator.username)
