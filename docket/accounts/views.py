"""The second step of logging in and setting it up, confirming it is you, and the account
screens where administrators manage users, teams, roles, tokens and second factors."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from axes.utils import reset as reset_failures
from django import forms
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from docket.accounts import services, twofactor
from docket.accounts.addresses import client_address
from docket.accounts.confirmation import changes_need_recent_confirmation, mark_confirmed
from docket.accounts.forms import DetailsForm, RoleForm, TeamForm, TeamsForm, UserCreateForm
from docket.accounts.models import DateCalendar, DateDigits, Team, User
from docket.api.models import ApiToken
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


def password_holds(request: HttpRequest, user: User, password: str) -> bool:
    """Check the password as logging in does, so django-axes counts each failure against
    the user name and address and pauses the account from that address after the limit
    (the lock-out page, 429), and the failure is in the audit log."""
    return authenticate(request, username=user.get_username(), password=password) == user


def _clear_failures(request: HttpRequest, user: User) -> None:
    """A confirmation that succeeds clears the failures from this address, as a log-in does
    (AXES_RESET_ON_SUCCESS)."""
    address = client_address(request)
    if address:
        reset_failures(ip=address, username=user.get_username())


@login_required
@sensitive_post_parameters("password", "code")
def confirm_identity(request: HttpRequest) -> HttpResponse:
    """Prove it is still you: the password, and the code where the role needs one."""
    user = cast(User, request.user)
    needs_code = twofactor.required_for(user)
    form = ConfirmForm(request.POST or None)
    if form.is_valid():
        password_ok = password_holds(request, user, form.cleaned_data["password"])
        code_ok = password_ok and (
            not needs_code or twofactor.check(user, form.cleaned_data["code"]) is not None
        )
        if code_ok:
            _clear_failures(request, user)
            mark_confirmed(request)
            return redirect(_next(request))
        if password_ok:
            record(Action.LOGIN_FAILED, actor=user, detail={"step": "confirmation code"})
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


class ReplaceForm(CodeForm):
    """Replacing the app needs what an intruder in an open session lacks: the password and
    a code from the current app (or a recovery code)."""

    password = forms.CharField(label=gettext_lazy("Password"), widget=forms.PasswordInput)
    current_code = forms.CharField(
        label=gettext_lazy("Code from your current app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


@login_required
@sensitive_post_parameters("code", "password", "current_code")
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    replacing = twofactor.has_device(user)
    if replacing and not user.is_verified():  # type: ignore[attr-defined]
        # Replacing a device needs the current one first.
        return redirect("two_factor_verify")
    device = twofactor.pending_device(user)
    form: CodeForm = (ReplaceForm if replacing else CodeForm)(request.POST or None)
    if form.is_valid() and replacing and not _may_replace(request, user, form):
        form.add_error(None, _("The password or the code of your current app is not right."))
    elif form.is_valid():
        codes = twofactor.confirm(user, device, form.cleaned_data["code"])
        if codes is not None:
            # The audit entries (new app set up, old one removed) come from the devices' signals.
            otp_login(request, device)
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
            "replacing": replacing,
            "qr_code": twofactor.qr_code_data_uri(device),
            "secret": twofactor.secret_text(device),
            "next": _next(request),
        },
    )


class DateSettingsForm(forms.Form):
    date_calendar = forms.ChoiceField(
        label=gettext_lazy("Calendar"), choices=DateCalendar.choices, required=False
    )
    date_digits = forms.ChoiceField(
        label=gettext_lazy("Digits"), choices=DateDigits.choices, required=False
    )


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own settings: how dates are shown to them."""
    user = cast(User, request.user)
    form = DateSettingsForm(
        request.POST or None,
        initial={"date_calendar": user.date_calendar, "date_digits": user.date_digits},
    )
    if request.method == "POST" and form.is_valid():
        services.set_date_preferences(
            user=user,
            calendar=form.cleaned_data["date_calendar"],
            digits=form.cleaned_data["date_digits"],
        )
        messages.success(request, _("Your settings are saved."))
        return redirect("account_settings")
    return render(
        request,
        "accounts/settings.html",
        {"form": form, "example": timezone.localdate()},
    )


def _may_replace(request: HttpRequest, user: User, form: CodeForm) -> bool:
    if not password_holds(request, user, form.cleaned_data["password"]):
        return False
    if twofactor.check(user, form.cleaned_data["current_code"]) is None:
        record(Action.LOGIN_FAILED, actor=user, detail={"step": "replacing two-factor"})
        return False
    return True


# The account screens: administrators manage users, teams, roles, tokens and second factors.


def administrators_only(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Like any page a person may not see, the account screens are not there for others."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not services.may_manage_accounts(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapped)


@administrators_only
def user_list(request: HttpRequest) -> HttpResponse:
    users = User.objects.order_by("username").prefetch_related("teams")
    two_factor = set(
        TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True).distinct()
    )
    rows = [(user, user.pk in two_factor) for user in users]
    return render(request, "accounts/user_list.html", {"rows": rows})


@administrators_only
@changes_need_recent_confirmation
@sensitive_post_parameters("password")
def user_create(request: HttpRequest) -> HttpResponse:
    actor = cast(User, request.user)
    form = UserCreateForm(request.POST or None)
    if form.is_valid():
        data = form.cleaned_data
        user, password = services.create_user(
            actor=actor,
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            teams=list(data["teams"]),
            password=data["password"] or None,
        )
        if password is None:
            messages.success(request, _("The account %(name)s is ready.") % {"name": user})
            return redirect("accounts:user_detail", pk=user.pk)
        # Rendered, not stored: the password is never kept anywhere.
        return render(
            request, "accounts/new_password.html", {"account": user, "password": password}
        )
    return render(request, "accounts/user_form.html", {"form": form})


USER_ACTIONS = ("details", "role", "active", "teams", "password", "two_factor", "revoke_token")


@administrators_only
@changes_need_recent_confirmation
@sensitive_post_parameters()
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: its details, role, activation, teams, API tokens and second factor.

    Each form on the page posts here with its `action`; every change needs the
    password (and code) given within the last few minutes.
    """
    actor = cast(User, request.user)
    account = get_object_or_404(User, pk=pk)
    action = request.POST.get("action") if request.method == "POST" else None
    details = DetailsForm(
        request.POST if action == "details" else None,
        initial={
            "first_name": account.first_name,
            "last_name": account.last_name,
            "email": account.email,
        },
    )
    role = RoleForm(request.POST if action == "role" else None, initial={"role": account.role})
    teams = TeamsForm(
        request.POST if action == "teams" else None,
        initial={"teams": list(account.teams.values_list("pk", flat=True))},
    )
    if action is not None:
        try:
            response = _apply(request, actor, account, action, details, role, teams)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            response = None
        if response is not None:
            return response
    context = {
        "account": account,
        "details_form": details,
        "role_form": role,
        "teams_form": teams,
        "tokens": ApiToken.objects.filter(user=account).order_by("-created_at"),
        "two_factor": twofactor.has_device(account),
        "two_factor_required": twofactor.required_for(account),
        "yourself": account.pk == actor.pk,
    }
    return render(request, "accounts/user_detail.html", context)


def _apply(
    request: HttpRequest,
    actor: User,
    account: User,
    action: str,
    details: DetailsForm,
    role: RoleForm,
    teams: TeamsForm,
) -> HttpResponse | None:
    """Carry out one form's action: a response, or None to show the page with its errors."""
    again = redirect("accounts:user_detail", pk=account.pk)
    if action == "details" and details.is_valid():
        services.update_details(actor=actor, user=account, **details.cleaned_data)
        messages.success(request, _("Saved."))
        return again
    if action == "role" and role.is_valid():
        if services.change_role(actor=actor, user=account, role=role.cleaned_data["role"]):
            messages.success(request, _("The role is changed."))
        return again
    if action == "teams" and teams.is_valid():
        services.set_teams(actor=actor, user=account, teams=list(teams.cleaned_data["teams"]))
        messages.success(request, _("The teams are saved."))
        return again
    if action == "active":
        active = request.POST.get("active") == "1"
        if services.set_active(actor=actor, user=account, active=active):
            messages.success(
                request,
                _("The account is active again.") if active else _("The account is deactivated."),
            )
        return again
    if action == "password":
        password = services.reset_password(actor=actor, user=account)
        return render(
            request,
            "accounts/new_password.html",
            {"account": account, "password": password, "reset": True},
        )
    if action == "two_factor":
        if services.reset_two_factor(actor=actor, user=account):
            messages.success(
                request,
                _("Two-factor log-in is reset: a new app is set up at the next log-in."),
            )
        return again
    if action == "revoke_token":
        number = request.POST.get("token", "")
        token = get_object_or_404(ApiToken, pk=int(number) if number.isdigit() else 0, user=account)
        if services.revoke_token(actor=actor, token=token):
            messages.success(request, _("The token is revoked."))
        return again
    if action not in USER_ACTIONS:
        return again
    return None


@administrators_only
def team_list(request: HttpRequest) -> HttpResponse:
    """The teams, and a form for a new one (a team alone changes nobody's access)."""
    actor = cast(User, request.user)
    form = TeamForm(request.POST or None)
    if form.is_valid():
        team = services.create_team(actor=actor, name=form.cleaned_data["name"])
        messages.success(request, _("The team %(name)s is created.") % {"name": team.name})
        return redirect("accounts:team_detail", pk=team.pk)
    teams = Team.objects.order_by("name").annotate(member_count=Count("members"))
    return render(request, "accounts/team_list.html", {"teams": teams, "form": form})


@administrators_only
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A team's members, and renaming it; memberships are changed on each user's page."""
    actor = cast(User, request.user)
    team = get_object_or_404(Team, pk=pk)
    form = TeamForm(request.POST or None, team=team, initial={"name": team.name})
    if form.is_valid():
        if services.rename_team(actor=actor, team=team, name=form.cleaned_data["name"]):
            messages.success(request, _("The team is renamed."))
        return redirect("accounts:team_detail", pk=team.pk)
    members = team.members.order_by("username")
    return render(
        request, "accounts/team_detail.html", {"team": team, "form": form, "members": members}
    )
