"""Background work: `docket worker` queues scheduled checks when due and runs them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from docket.audit.models import AuditEntry
from docket.cases.services import attach_evidence, create_source
from docket.models import ScheduledRun

# The worker closes database connections between tasks, as a long-running
# process must, which a test wrapped in one transaction cannot survive on
# PostgreSQL. serialized_rollback puts back the shipped vocabularies afterwards.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def evidence(documenter):
    source = create_source(actor=documenter, title="A statement")
    return attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("a.txt", b"A statement.\n")
    )


def _checks():
    return list(AuditEntry.objects.filter(action="check").values_list("object_id", "detail"))


def test_the_daily_evidence_check_runs_once_a_day(evidence, capsys):
    call_command("worker", "--once")
    call_command("worker", "--once")

    assert capsys.readouterr().out.count("Queued the scheduled task: verify evidence files.") == 1
    assert _checks() == [("", {"evidence_checked": 1, "mismatches": 0})]
    assert ScheduledRun.objects.filter(name="verify evidence files").count() == 1


def test_the_check_reports_a_changed_file_in_the_audit_log(evidence):
    with evidence.file.storage.open(evidence.file.name, "wb") as stored:
        stored.write(b"DKE1 not what was sealed")

    call_command("worker", "--once")

    reported = AuditEntry.objects.get(action="check", object_id=str(evidence.pk))
    assert reported.detail["result"] == "mismatch"
    assert reported.detail["reason"].startswith("it cannot be opened")
    assert ("", {"evidence_checked": 1, "mismatches": 1}) in _checks()
