"""Keeping what staff read out of every cache: `Cache-Control: no-store`.

A page or API answer shown to someone logged in (or to an API token) may
hold a confidential record; a shared proxy, the browser's back-forward cache
or its disk cache must not keep a copy a later user of the same machine or
proxy could open. So every such response says `no-store` (and `private`),
whatever the view forgot. What a visitor who is not logged in sees (the
published letters, their feed, the log-in page) stays cacheable.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers, patch_vary_headers

API_PREFIX = "/api/"


def _for_staff(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_authenticated", False)) or request.path.startswith(API_PREFIX)


class NoStoreMiddleware:
    """`Cache-Control: no-store, private` on every answer to a signed-in user and every
    API answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _for_staff(request):
            add_never_cache_headers(response)
            # The same address answers differently to a visitor: caches must tell them apart.
            patch_vary_headers(response, ["Cookie", "Authorization"])
        return response
