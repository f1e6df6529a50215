"""Project-wide pages: the dashboard after login and the health check."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from docket.accounts.models import User
from docket.letters.views import due_and_overdue


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required lets only a signed-in User through
    overdue, soon = due_and_overdue(user, timezone.localdate())
    context = {
        "teams": user.teams.all(),
        "replies_overdue": len(overdue),
        "questions_overdue": sum(len(row.numbers) for row in overdue),
        "oldest_overdue": overdue[0] if overdue else None,
        "replies_due_soon": len(soon),
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
