"""Project-wide pages: the dashboard after login and the health check."""

import shutil
import time
from pathlib import Path
from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from docket.accounts.models import User
from docket.audit.models import AuditEntry
from docket.letters.figures import silent_questions_count
from docket.letters.views import due_soon, overdue_copies_of
from docket.lib.tasks import heartbeat_age


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required lets only a signed-in User through
    today = timezone.localdate()
    overdue = overdue_copies_of(user, today).select_related("letter", "authority")
    counts = overdue.order_by().aggregate(
        replies=Count("pk"), questions=Sum(silent_questions_count(today))
    )
    oldest = overdue.first()
    context = {
        "teams": user.teams.all(),
        "replies_overdue": counts["replies"],
        "questions_overdue": counts["questions"] or 0,
        "oldest_overdue": oldest,
        "oldest_days": (today - oldest.due_on).days if oldest and oldest.due_on else None,
        "replies_due_soon": len(due_soon(user, today)),
    }
    return render(request, "dashboard.html", context)


def _checkpoint_age() -> float | None:
    """Seconds since the audit log's newest checkpoint; None when none is due yet
    (no checkpoint, and no entry older than the limit either)."""
    path = Path(settings.AUDIT_CHECKPOINT_FILE)
    try:
        return max(0.0, time.time() - path.stat().st_mtime)
    except FileNotFoundError:
        first = AuditEntry.objects.order_by("id").values_list("at", flat=True).first()
        if first is None:
            return None
        return max(0.0, (timezone.now() - first).total_seconds())


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, the background worker beat recently, the audit
    log was checkpointed in time and the data folder's disk has room; 503 otherwise,
    naming which. Ages in whole seconds and free space in MB: nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    body: dict[str, object] = {"status": "ok", "database": "ok"}
    problems = []

    worker_age = heartbeat_age()
    body["worker_heartbeat_age"] = None if worker_age is None else round(worker_age)
    if worker_age is None or worker_age > settings.WORKER_STALE_MINUTES * 60:
        problems.append("worker")

    try:
        checkpoint_age = _checkpoint_age()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    body["audit_checkpoint_age"] = None if checkpoint_age is None else round(checkpoint_age)
    if checkpoint_age is not None and checkpoint_age > settings.AUDIT_CHECKPOINT_STALE_HOURS * 3600:
        problems.append("audit_checkpoint")

    free_mb = shutil.disk_usage(settings.DATA_DIR).free // 2**20
    body["free_disk_mb"] = free_mb
    if free_mb < settings.MIN_FREE_DISK_MB:
        problems.append("free_disk")

    if problems:
        body["status"] = "unavailable"
        body["stale"] = problems
        return JsonResponse(body, status=503)
    return JsonResponse(body)
