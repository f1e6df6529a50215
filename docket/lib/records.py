"""The base of every documented record: versions, soft deletion, and visibility.

`version` counts saves, so a form opened on version 3 cannot silently
overwrite version 4 (see docket.lib.versioning). Deletion only sets
`deleted_at`; a coordinator can restore the record.
"""

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from docket.accounts.permissions import Confidentiality, editing_q, visibility_q

# The largest key a record can have (DEFAULT_AUTO_FIELD is a BigAutoField). Input
# that names a record by a larger number names none, and must not reach the
# database, which refuses to compare it.
MAX_ID = 2**63 - 1


class RecordQuerySet(models.QuerySet[Any]):
    def alive(self) -> Self:
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> Self:
        return self.filter(deleted_at__isnull=False)

    def visible_to(self, user: Any) -> Self:
        """What `user` may see, deleted records excluded. The one read rule."""
        return self.alive().filter(visibility_q(user))

    def editable_by(self, user: Any, *, include_deleted: bool = False) -> Self:
        """What `user` may change; deleted records only when restoring."""
        queryset = self if include_deleted else self.alive()
        return queryset.filter(editing_q(user))


class Record(models.Model):
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class ConfidentialRecord(Record):
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=10,
        choices=Confidentiality,
        default=Confidentiality.INTERNAL,
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning team"),
    )

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True
