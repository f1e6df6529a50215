"""API tokens: who a bearer token speaks for, kept only as a SHA-256 of the token."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The token itself is shown once and never stored: a copy of the database
    # must not let anyone act as the token's user. Tokens are long and random,
    # so a plain SHA-256 (no salt, no slow hash) cannot be reversed by guessing.
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name or _('token')} #{self.pk} ({self.user})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
