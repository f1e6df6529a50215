"""Project-wide pages: the dashboard after login and the health check."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from docket.accounts.models import User
from docket.letters.figures import silent_questions_count
from docket.letters.views import due_soon, overdue_copies_of


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


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 once the database answers a query, 503 otherwise; says nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
