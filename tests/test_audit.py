"""The audit log: what lands in it, and how tampering is found."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from docket.audit.log import verify, write_checkpoint
from docket.audit.models import AuditEntry
from docket.cases.services import update_case
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(documenter, team):
    case = factories.case(documenter, "A case", [], team=team)
    update_case(actor=documenter, case=case, expected_version=1, summary="More")
    update_case(actor=documenter, case=case, expected_version=2, summary="Still more")
    return list(AuditEntry.objects.order_by("id"))


def _raw(sql: str, parameters: list[object]) -> None:
    """Tamper as someone with database access would, around the PostgreSQL guard."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_log_append_only")
        cursor.execute(sql, parameters)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_log_append_only")


def test_logins_and_failures_are_logged_without_the_password(client, documenter):
    client.post("/login/", {"username": "narges.amini", "password": "wrong guess"})
    client.post("/login/", {"username": "narges.amini", "password": PASSWORD})
    client.post("/logout/")

    entries = list(AuditEntry.objects.values_list("action", "actor_name"))
    assert entries == [
        ("login_failed", "narges.amini"),
        ("login", "narges.amini"),
        ("logout", "narges.amini"),
    ]
    assert "wrong guess" not in str(list(AuditEntry.objects.values_list("detail", flat=True)))


def test_every_write_is_logged_and_chained(history, documenter):
    assert [entry.action for entry in history] == ["create", "change", "change"]
    assert history[1].detail == {"fields": ["summary"]}
    assert all(entry.actor == documenter for entry in history)
    assert history[1].previous_hash == history[0].hash
    assert verify() == (3, None)


def test_a_changed_entry_is_named(history):
    _raw("UPDATE audit_auditentry SET detail = %s WHERE id = %s", ['{"fields": []}', history[1].pk])

    checked, broken = verify()

    assert checked == 1
    assert broken is not None
    assert broken.entry_id == history[1].pk
    assert "changed" in broken.reason


def test_a_removed_entry_is_found_at_the_next_one(history):
    _raw("DELETE FROM audit_auditentry WHERE id = %s", [history[1].pk])

    _, broken = verify()

    assert broken is not None
    assert broken.entry_id == history[2].pk
    assert "removed or inserted" in broken.reason


def test_the_command_fails_on_a_broken_log(history, capsys):
    call_command("audit", "verify")
    assert "intact: 3 entries" in capsys.readouterr().out

    _raw("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["someone", history[0].pk])

    with pytest.raises(CommandError, match=f"broken at entry {history[0].pk}"):
        call_command("audit", "verify")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL trigger")
def test_postgresql_refuses_update_and_delete(history):
    for statement in [
        "UPDATE audit_auditentry SET actor_name = 'someone'",
        "DELETE FROM audit_auditentry",
    ]:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement)
    assert AuditEntry.objects.count() == 3


def test_administrators_browse_and_filter_the_log(logged_in, administrator, history):
    client = logged_in(administrator)

    everything = client.get("/audit/").content.decode()
    changes = client.get("/audit/", {"action": "change"}).content.decode()

    # One header row, then one row per entry: the writes and the log-in.
    assert everything.count("<tr>") == 1 + AuditEntry.objects.count()
    assert changes.count("Changed") >= 2
    assert "Created</td>" not in changes


def test_other_roles_do_not_find_the_log(logged_in, coordinator):
    assert logged_in(coordinator).get("/audit/").status_code == 404


def test_opening_a_restricted_or_secret_record_is_logged(logged_in, documenter, team):
    restricted = factories.case(
        documenter, "Restricted", [], team=team, confidentiality="restricted"
    )
    internal = factories.case(documenter, "Internal", [], team=team, confidentiality="internal")
    client = logged_in(documenter)

    client.get(f"/cases/{restricted.pk}/")
    client.get(f"/cases/{internal.pk}/")

    views = AuditEntry.objects.filter(action="view")
    assert list(views.values_list("object_type", "object_id")) == [
        ("cases.case", str(restricted.pk))
    ]


def test_entries_cut_off_the_end_are_found_at_the_checkpoint(history, documenter):
    checkpoint = write_checkpoint()
    assert checkpoint == history[-1]
    assert verify() == (3, None)

    _raw("DELETE FROM audit_auditentry WHERE id = %s", [history[-1].pk])

    checked, broken = verify()
    assert checked == 2
    assert broken is not None
    assert broken.entry_id == history[-1].pk
    assert "cut off" in broken.reason


def test_the_command_prints_a_line_that_finds_a_later_cut(history, capsys):
    call_command("audit", "verify")
    line = capsys.readouterr().out.strip().splitlines()[-1]
    expect = line.rsplit(" ", 1)[-1]
    assert expect == f"{history[-1].pk}:{history[-1].hash}"

    _raw("DELETE FROM audit_auditentry WHERE id = %s", [history[-1].pk])

    with pytest.raises(CommandError, match=f"broken at entry {history[-1].pk}"):
        call_command("audit", "verify", "--expect", expect)
    with pytest.raises(CommandError, match="ENTRY:HASH"):
        call_command("audit", "verify", "--expect", "nonsense")
