"""Instruments, their articles, and the rules that say which events engage which rights.

The rules are shipped as data (rights.json, loaded by a migration) so an
administrator can add to them; `docket.law.rights` applies them.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Instrument(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return self.code

    @property
    def shown_name(self) -> str:
        """The name in the active language (the English name is the msgid)."""
        return gettext(self.name) if self.name else ""


class Article(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="articles")
    number = models.CharField(_("number"), max_length=10)
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        ordering = ["instrument__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="article_once")
        ]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.reference

    @property
    def shown_title(self) -> str:
        """The title in the active language (the English title is the msgid)."""
        return gettext(self.title) if self.title else ""

    @property
    def reference(self) -> str:
        """ "ICCPR 9", the form the rules, the API and the interchange format use."""
        return f"{self.instrument.code} {self.number}"


class RightsRule(models.Model):
    """Events of `event_type` whose facts match every item of `when` engage `articles`.

    `when` maps an event field to a value: {"charged": false} matches a
    detention known to be without charge; {} matches every event of the type.
    """

    event_type = models.ForeignKey("cases.EventType", on_delete=models.CASCADE, related_name="+")
    when = models.JSONField(default=dict, blank=True)
    articles = models.ManyToManyField(Article, related_name="rules")
    why = models.CharField(_("why"), max_length=200)

    class Meta:
        verbose_name = _("rights rule")
        verbose_name_plural = _("rights rules")

    def __str__(self) -> str:
        return f"{self.event_type}: {self.why}"
