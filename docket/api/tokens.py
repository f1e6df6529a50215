"""Issuing, checking and revoking API tokens; the command and the API's auth call these."""

import hashlib
import secrets
from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from docket.accounts.auditing import acting_as
from docket.accounts.models import User
from docket.api.models import ApiToken

# A recognisable prefix lets secret scanners and people tell a Docket token apart.
PREFIX = "docket_"
# How stale `last_used_at` may get: writing it on every request would make each
# read a write, which SQLite serialises.
LAST_USED_PRECISION = timedelta(minutes=5)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def issue_token(
    *, user: User, name: str = "", actor: User | None = None, via: str = ""
) -> tuple[ApiToken, str]:
    """A new token for `user`: the record, and the token itself, which is never stored.

    `actor` is who asked, or `via` says how when nobody logged in did (the command line);
    the audit entry is written from the model's signal (`docket.accounts.auditing`).
    """
    token = PREFIX + secrets.token_urlsafe(32)
    with _acting(actor, via):
        record = ApiToken.objects.create(user=user, name=name, token_sha256=digest(token))
    return record, token


def _acting(actor: User | None, via: str) -> AbstractContextManager[None]:
    # Without either, the audit entry names the person logged in, or says "outside".
    return acting_as(actor, via) if actor is not None or via else nullcontext()


def user_for_token(token: str) -> User | None:
    """The active user a live token speaks for, or None; notes when it was used."""
    if not token.startswith(PREFIX):
        return None
    record = (
        ApiToken.objects.select_related("user")
        .filter(token_sha256=digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if record is None:
        return None
    now = timezone.now()
    if record.last_used_at is None or now - record.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
    return record.user


@transaction.atomic
def revoke_token(*, token: ApiToken, actor: User | None = None, via: str = "") -> bool:
    """Revoke `token`; False when it already was. Saved, not updated in bulk, so that
    the model's signal writes the audit entry."""
    live = ApiToken.objects.select_for_update().filter(pk=token.pk, revoked_at__isnull=True).first()
    if live is None:
        return False
    live.revoked_at = timezone.now()
    with _acting(actor, via):
        live.save(update_fields=["revoked_at"])
    token.revoked_at = live.revoked_at
    return True
