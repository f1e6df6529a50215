"""Background tasks of the audit log."""

from typing import Any

from django.conf import settings

from docket.audit.log import anchor, write_checkpoint
from docket.lib.tasks import background_task


@background_task()
def checkpoint_audit_log() -> dict[str, Any]:
    """Note the newest entry outside the database, so a cut-off end of the log is found;
    and mail an anchor off the machine when DOCKET_AUDIT_ANCHOR_MAIL names someone."""
    anchored = None
    if settings.AUDIT_ANCHOR_MAIL:
        # Raises on a broken log: the task fails loudly instead of vouching for it.
        anchored = anchor(mailed_to=settings.AUDIT_ANCHOR_MAIL, actor_name="docket worker").entry_id
    latest = write_checkpoint()
    return {"entry": latest.pk if latest else None, "anchor": anchored}
