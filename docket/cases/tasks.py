"""Background tasks of the cases app."""

import logging
from typing import Any

from docket.audit.log import record
from docket.audit.models import Action
from docket.cases import services
from docket.cases.models import Evidence
from docket.cases.services import verify_evidence
from docket.lib.tasks import background_task

logger = logging.getLogger(__name__)


@background_task()
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


@background_task()
def make_metadata_stripped_copy(original_id: int, actor_id: int) -> dict[str, Any]:
    """Decode a picture and save it again without its metadata, away from the web
    request (a large picture takes seconds and much memory)."""
    from docket.accounts.models import User

    original = Evidence.objects.select_related("source").filter(pk=original_id).first()
    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    if original is None or actor is None:
        return {"copy": None}
    copy = services.strip_metadata_copy(actor=actor, original=original)
    return {"copy": copy.pk}
