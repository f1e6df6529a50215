"""Asking for the password (and code) again before bulk exports and account changes.

A stolen, unattended session should not be able to carry everything away, nor
change who may see what: a view marked `recent_confirmation_required` runs
only within a few minutes of the person proving who they are, at log-in or on
the confirmation page; one marked `changes_need_recent_confirmation` shows its
pages freely and asks only before a POST changes something.
"""

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "docket_confirmed_at"
RECENT_SECONDS = 5 * 60


def mark_confirmed(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = time.time()


def confirmed_recently(request: HttpRequest) -> bool:
    confirmed_at = request.session.get(SESSION_KEY)
    return isinstance(confirmed_at, float) and time.time() - confirmed_at < RECENT_SECONDS


def recent_confirmation_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not confirmed_recently(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('confirm_identity')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped


def changes_need_recent_confirmation(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """A POST only within a few minutes of confirming; afterwards the person comes back to
    the page (a GET) and sends the form again."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and not confirmed_recently(request):
            query = urlencode({"next": request.path})
            return redirect(f"{reverse('confirm_identity')}?{query}")
        return view(request, *args, **kwargs)

    return wrapped
