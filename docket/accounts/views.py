"""The second step of logging in, and setting it up."""

from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from docket.accounts import twofactor
from docket.accounts.confirmation import mark_confirmed
from docket.accounts.models import User
from docket.audit.log import record
from docket.audit.models import Action


class ConfirmForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    return target if safe else "/"


@login_required
@sensitive_post_parameters("password", "code")
def confirm_identity(request: HttpRequest) -> HttpResponse:
    """Prove it is still you: the password, and the code where the role needs one."""
    user = cast(User, request.user)
    needs_code = twofactor.required_for(user)
    form = ConfirmForm(request.POST or None)
    if form.is_valid():
        password_ok = user.check_password(form.cleaned_data["password"])
        code_ok = not needs_code or twofactor.check(user, form.cleaned_data["code"]) is not None
        if password_ok and code_ok:
            mark_confirmed(request)
            return redirect(_next(request))
        record(Action.LOGIN_FAILED, actor=user, detail={"step": "confirmation"})
        form.add_error(None, _("The password or the code is not right."))
    return render(
        request,
        "accounts/confirm_identity.html",
        {"form": form, "needs_code": needs_code, "next": _next(request)},
    )


@login_required
@sensitive_post_parameters("code")
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not twofactor.has_device(user):
        return redirect("two_factor_setup")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = twofactor.check(user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            mark_confirmed(request)
            return redirect(_next(request))
        record(Action.LOGIN_FAILED, actor=user, detail={"step": "second factor"})
        form.add_error("code", _("That code is not right, or was already used."))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@login_required
@sensitive_post_parameters("code")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if twofactor.has_device(user) and not user.is_verified():  # type: ignore[attr-defined]
        # Replacing a device needs the current one first.
        return redirect("two_factor_verify")
    device = twofactor.pending_device(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = twofactor.confirm(user, device, form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            record(Action.CHANGE, actor=user, target=user, detail={"fields": ["two_factor"]})
            return render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error(
            "code", _("That code is not right; check the time on your phone and try again.")
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_code": twofactor.qr_code_data_uri(device),
            "secret": twofactor.secret_text(device),
            "next": _next(request),
        },
    )
