"""Who is calling the API: a bearer token, or a logged-in browser for reads only."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from docket.accounts import twofactor
from docket.accounts.models import User
from docket.api.tokens import user_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`, from `docket token create`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token.strip())
        if user is not None:
            # Code that reads request.user (history, logging) sees the token's user.
            request.user = user
        return user


class BrowserSession(APIKeyCookie):
    """A logged-in staff member exploring the API in the browser (the docs page).

    Reads only: a write carried by a cookie could be forged by another site, so
    writes need a token, which no browser sends by itself. No CSRF check is
    needed for reads, which change nothing.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if request.method not in SAFE_METHODS or not isinstance(user, User):
            return None
        if "Authorization" in request.headers:
            # A caller that sent a token meant it: a bad one is refused, not replaced.
            return None
        if twofactor.required_for(user) and not _verified(user):
            # Half-way through logging in: the second step guards the API as it does pages.
            return None
        return user if user.is_active else None


def _verified(user: User) -> bool:
    """Whether this session gave its second factor (django-otp's middleware tells)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())
