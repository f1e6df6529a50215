"""The audit log: what lands in it, and how tampering is found."""

import hashlib
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from docket.audit.chain import GENESIS, canonical
from docket.audit.log import checkpoint_path, verify, write_checkpoint
from docket.audit.models import AuditEntry
from docket.audit.tasks import checkpoint_audit_log
from docket.cases.services import update_case
from docket.lib import crypto
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


# The keyed chain (issue 13, finding 11): someone who can write the database,
# and even the checkpoint file, but does not hold the keyring.


def _rehash_plainly(entries: list[AuditEntry], start: int) -> None:
    """Recompute the chain from entries[start] on with plain SHA-256, as the old code did."""
    previous = entries[start - 1].hash if start else GENESIS
    for entry in entries[start:]:
        entry.refresh_from_db()
        entry.previous_hash = previous
        entry.hash = hashlib.sha256(canonical(entry.content())).hexdigest()
        _raw(
            "UPDATE audit_auditentry SET previous_hash = %s, hash = %s WHERE id = %s",
            [entry.previous_hash, entry.hash, entry.pk],
        )
        previous = entry.hash


def test_entries_are_keyed_with_the_audit_key_not_plain_sha256(history):
    entry = history[0]

    assert entry.chain == 2
    assert entry.key_id == crypto.keyring().current_id
    assert entry.hash != hashlib.sha256(canonical(entry.content())).hexdigest()


def test_an_edited_entry_is_found_although_the_later_hashes_were_recomputed(history):
    _raw("UPDATE audit_auditentry SET detail = %s WHERE id = %s", ['{"fields": []}', history[1].pk])
    _rehash_plainly(history, 1)

    checked, broken = verify()

    assert checked == 1
    assert broken is not None
    assert broken.entry_id == history[1].pk
    assert "changed" in broken.reason


def test_keyed_entries_rewritten_as_plain_ones_are_found(history):
    _raw("UPDATE audit_auditentry SET chain = 1, key_id = '' WHERE id >= %s", [history[1].pk])
    _rehash_plainly(history, 1)

    _, broken = verify()

    assert broken is not None
    assert broken.entry_id == history[1].pk
    assert "without the key" in broken.reason


def test_a_whole_log_rewritten_as_plain_is_found(history):
    _raw("UPDATE audit_auditentry SET chain = 1, key_id = ''", [])
    _rehash_plainly(history, 0)

    _, broken = verify()

    assert broken is not None
    assert broken.entry_id == history[0].pk
    assert "without the key" in broken.reason


def test_cut_entries_are_found_although_the_checkpoint_file_was_rewritten(history):
    write_checkpoint()
    for entry in history[1:]:
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    path = checkpoint_path()
    when, _, _, key_id, seal = path.read_text().split()
    # Point the checkpoint at the new end of the log, keeping its old seal.
    path.write_text(f"{when} {history[0].pk} {history[0].hash} {key_id} {seal}\n")

    _, broken = verify()

    assert broken is not None
    assert broken.entry_id == history[0].pk
    assert "checkpoint file was rewritten" in broken.reason


def test_a_checkpoint_line_taken_from_the_middle_or_added_unsealed_is_found(history, documenter):
    write_checkpoint()
    factories.case(documenter, "Another case", [])
    write_checkpoint()
    factories.case(documenter, "A third case", [])
    write_checkpoint()
    assert verify()[1] is None
    path = checkpoint_path()
    lines = path.read_text().splitlines()

    path.write_text("\n".join([lines[0], lines[2]]) + "\n")
    _, broken = verify()
    assert broken is not None
    assert "checkpoint file was rewritten" in broken.reason

    path.write_text(
        "\n".join(lines) + f"\n2026-12-01T00:00:00+00:00 {history[0].pk} {history[0].hash}\n"
    )
    _, broken = verify()
    assert broken is not None
    assert "checkpoint file was rewritten" in broken.reason


def test_checkpoints_from_before_sealing_are_still_read(history):
    checkpoint_path().write_text(f"2026-11-30T00:00:00+00:00 {history[-1].pk} {history[-1].hash}\n")
    assert verify() == (3, None)

    _raw("DELETE FROM audit_auditentry WHERE id = %s", [history[-1].pk])
    _, broken = verify()
    assert broken is not None
    assert "cut off" in broken.reason


def test_an_anchor_is_printed_mailed_and_finds_a_later_cut(history, capsys, mailoutbox):
    call_command("audit", "anchor", "--mail", "trustee@example.org")
    printed = capsys.readouterr().out
    anchor_entry = AuditEntry.objects.order_by("-id").first()
    expect = f"{anchor_entry.pk}:{anchor_entry.hash}"

    assert anchor_entry.action == "anchor"
    assert anchor_entry.detail == {"mailed_to": ["trustee@example.org"]}
    assert f"docket audit verify --expect {expect}" in printed
    assert [message.to for message in mailoutbox] == [["trustee@example.org"]]
    assert expect in mailoutbox[0].body
    call_command("audit", "verify", "--expect", expect)

    for entry in [*history[1:], anchor_entry]:
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    with pytest.raises(CommandError, match=f"broken at entry {anchor_entry.pk}"):
        call_command("audit", "verify", "--expect", expect)


def test_no_anchor_is_taken_of_a_broken_log(history, mailoutbox):
    _raw("UPDATE audit_auditentry SET actor_name = %s WHERE id = %s", ["someone", history[0].pk])

    with pytest.raises(CommandError, match="No anchor taken"):
        call_command("audit", "anchor", "--mail", "trustee@example.org")
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="anchor").exists()


def test_the_daily_checkpoint_mails_an_anchor_when_asked(history, settings, mailoutbox):
    settings.AUDIT_ANCHOR_MAIL = ["trustee@example.org"]

    result = checkpoint_audit_log.call()

    anchor_entry = AuditEntry.objects.get(action="anchor")
    assert result == {"entry": anchor_entry.pk, "anchor": anchor_entry.pk}
    assert f"{anchor_entry.pk}:{anchor_entry.hash}" in mailoutbox[0].body


def test_key_rotation_keeps_the_log_verifiable(settings, tmp_path, documenter, team):
    settings.DATA_DIR = tmp_path
    factories.case(documenter, "Before the rotation", [], team=team)
    write_checkpoint()
    old_key = crypto.keyring().current_id

    call_command("keys", "rotate")
    factories.case(documenter, "After the rotation", [], team=team)
    write_checkpoint()

    entries = list(AuditEntry.objects.order_by("id"))
    assert entries[0].key_id == old_key
    assert entries[-1].key_id == crypto.keyring().current_id != old_key
    assert verify() == (len(entries), None)
    call_command("audit", "verify")


def test_the_upgrade_keys_the_log_after_its_plain_entries(documenter):
    previous = GENESIS
    for number in range(3):
        entry = AuditEntry(
            at=timezone.now(),
            actor_name="narges.amini",
            action="create",
            object_type="cases.case",
            object_id=str(number),
            previous_hash=previous,
            chain=1,
            key_id="",
        )
        entry.hash = hashlib.sha256(canonical(entry.content())).hexdigest()
        entry.save()
        previous = entry.hash
    plain = list(AuditEntry.objects.order_by("id"))
    old_expect = ("the run given with --expect", plain[-1].pk, plain[-1].hash)
    _, broken = verify()
    assert broken is not None and "without the key" in broken.reason

    upgrade = importlib.import_module(
        "docket.audit.migrations.0005_key_the_chain_with_the_audit_key"
    )
    upgrade.key_the_chain(django_apps, SimpleNamespace(connection=connection))

    switch = AuditEntry.objects.order_by("id").last()
    assert switch.action == "keyed"
    assert switch.chain == 2
    assert switch.previous_hash == plain[-1].hash
    assert verify() == (4, None)
    assert verify([old_expect]) == (4, None)

    # A plain entry edited and the plain part rehashed no longer meets the keyed entry.
    _raw("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["99", plain[0].pk])
    _rehash_plainly(plain, 0)
    _, broken = verify()
    assert broken is not None
    assert broken.entry_id == switch.pk
