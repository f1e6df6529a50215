"""Saved reports: what a report counts, kept under a name, shared with a team, maybe
published.

A saved report keeps its choice only (measure, rows, columns, period), never
numbers: whoever opens it counts what they themselves may see, and its public
page counts public events only (docket.reports.counting.Scope.public).
"""

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from docket.accounts.models import Team, User


class SavedReportQuerySet(models.QuerySet["SavedReport"]):
    def visible_to(self, user: Any) -> Self:
        """The reader's own reports and those shared with one of their teams."""
        if not isinstance(user, User) or not user.is_active:
            return self.none()
        return self.filter(Q(owner=user) | Q(team__in=user.teams.all()))

    def published(self) -> Self:
        return self.filter(published_at__isnull=False)


class SavedReport(models.Model):
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    measure = models.CharField(max_length=10, default="events")
    rows = models.CharField(max_length=12, default="period")
    columns = models.CharField(max_length=12, blank=True)
    period = models.CharField(max_length=8, default="year")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_reports"
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("shared with"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = SavedReportQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")

    def __str__(self) -> str:
        return self.name

    def choice_query(self) -> dict[str, str]:
        values = {"measure": self.measure, "rows": self.rows, "period": self.period}
        if self.columns:
            values["columns"] = self.columns
        return values
