"""Log-ins, log-outs and failed log-ins go to the audit log."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from docket.accounts.confirmation import mark_confirmed
from docket.audit.log import record
from docket.audit.models import Action


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record(Action.LOGIN, actor=user)
    if request is not None and hasattr(request, "session"):
        # The password was just checked: bulk exports need no second asking for a while.
        mark_confirmed(request)


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Action.LOGOUT, actor=user)


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The user name tried, never the password.
    record(Action.LOGIN_FAILED, actor_name=str(credentials.get("username", ""))[:150])
