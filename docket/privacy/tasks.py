"""Background tasks of data protection."""

from typing import Any

from django.tasks import task
from django.utils import timezone

from docket.audit.log import record
from docket.audit.models import Action
from docket.privacy.archive import expire_exports


@task()
def expire_kept_exports() -> dict[str, Any]:
    """Delete exports kept on the server past their 30 days; audited when any goes."""
    deleted = expire_exports(timezone.now())
    if deleted:
        record(Action.DELETE, actor_name="docket worker", detail={"expired_exports": deleted})
    return {"deleted": deleted}
