"""Background tasks of the audit log."""

from typing import Any

from django.tasks import task

from docket.audit.log import write_checkpoint


@task()
def checkpoint_audit_log() -> dict[str, Any]:
    """Note the newest entry outside the database, so a cut-off end of the log is found."""
    latest = write_checkpoint()
    return {"entry": latest.pk if latest else None}
