"""Holds administrators and coordinators at the second step until they give a code."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from docket.accounts import twofactor
from docket.accounts.models import User

# Pages a half-logged-in person may still reach.
OPEN_PATHS = ("/account/two-factor/", "/logout/", "/i18n/", "/healthz", "/api/")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            isinstance(user, User)
            and twofactor.required_for(user)
            # is_verified() is set on the user by django-otp's OTPMiddleware.
            and not user.is_verified()  # type: ignore[attr-defined]
            and not request.path.startswith((*OPEN_PATHS, settings.STATIC_URL))
        ):
            step = "two_factor_verify" if twofactor.has_device(user) else "two_factor_setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
