"""The append-only, keyed, hash-chained audit log.

Each entry holds an HMAC-SHA256, under the audit key kept with the encryption
keyring (never in the database), of its own content and of the entry before
it, so changing, removing or inserting an entry breaks the chain at that point
(`docket audit verify`), and someone who can write the database cannot
recompute the chain. Entries written before the chain was keyed keep their
plain SHA-256 (`docket.audit.chain`). On PostgreSQL a trigger also refuses
UPDATE and DELETE on the table.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from docket.audit import chain as chains
from docket.audit.chain import GENESIS

__all__ = ["GENESIS", "Action", "AuditEntry"]


class Action(models.TextChoices):
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    CREATE = "create", _("Created")
    CHANGE = "change", _("Changed")
    DELETE = "delete", _("Deleted")
    RESTORE = "restore", _("Restored")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    DOWNLOAD = "download", _("Downloaded")
    PUBLISH = "publish", _("Published")
    VIEW = "view", _("Viewed")
    CHECK = "check", _("Checked")
    MERGE = "merge", _("Merged persons")
    UNMERGE = "unmerge", _("Undid a merge")
    NOT_SAME = "not_same", _("Not the same person")
    KEYED = "keyed", _("Keyed the audit log")
    ANCHOR = "anchor", _("Anchored the audit log")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"))
    # No database constraint and nothing done on deletion: an entry is never
    # updated, not even to forget a removed account; actor_name keeps who it was.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action)
    object_type = models.CharField(_("record type"), max_length=60, blank=True)
    object_id = models.CharField(_("record"), max_length=40, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # How `hash` is computed (docket.audit.chain): entries from before the switch stay plain.
    chain = models.PositiveSmallIntegerField(default=chains.KEYED)
    # The keyring key whose audit key keyed this entry; empty for plain entries.
    key_id = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def content(self) -> dict[str, Any]:
        """What the hash covers: everything but the hash itself."""
        return {
            "at": self.at.isoformat(),
            "actor": self.actor_id,
            "actor_name": self.actor_name,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "detail": self.detail,
            "previous_hash": self.previous_hash,
        }

    def compute_hash(self) -> str:
        """Raises crypto.DecryptionError when a keyed entry's key is no longer in the keyring."""
        if self.chain == chains.PLAIN:
            return chains.plain_hash(self.content())
        return chains.keyed_hash(chains.keyed_content(self.content(), self.key_id), self.key_id)
