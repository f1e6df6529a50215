"""Background tasks of the cases app."""

import logging
from typing import Any

from django.tasks import task

from docket.audit.log import record
from docket.audit.models import Action
from docket.cases.services import verify_evidence

logger = logging.getLogger(__name__)


@task()
def verify_evidence_files() -> dict[str, Any]:
    """Re-hash every evidence file; a mismatch goes to the log and the audit log."""
    checked, mismatches = verify_evidence()
    for mismatch in mismatches:
        logger.error("Evidence %s failed its check: %s.", mismatch.evidence.pk, mismatch.reason)
        record(
            Action.CHECK,
            actor_name="docket worker",
            target=mismatch.evidence,
            detail={"result": "mismatch", "reason": mismatch.reason},
        )
    record(
        Action.CHECK,
        actor_name="docket worker",
        detail={"evidence_checked": checked, "mismatches": len(mismatches)},
    )
    return {"checked": checked, "mismatches": [mismatch.evidence.pk for mismatch in mismatches]}
