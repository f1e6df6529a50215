"""Sessions that expire after idleness without a database write on every request.

Django either saves the session on every request (SESSION_SAVE_EVERY_REQUEST), a
write per page view that waits for the database's write lock, or only when the
session changes, and then an idle limit counts from sign-in. This middleware
keeps the idle limit with at most one write a minute per person: a session whose
only change would be its new expiry is saved when its last save is a minute old
or more, so a session ends between SESSION_COOKIE_AGE and a minute more after
its last request.
"""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Seconds between two saves of a session that did not change otherwise.
TOUCH_EVERY = 60
TOUCHED = "_docket_touched"


def _now() -> int:
    return int(time.time())


class TouchSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session that exists already: an anonymous visit creates none.
        if session is None or not session.session_key or session.is_empty():
            return response
        if response.status_code >= 500:
            return response
        now = _now()
        if session.modified or now - int(session.get(TOUCHED, 0)) >= TOUCH_EVERY:
            session[TOUCHED] = now
        return response
