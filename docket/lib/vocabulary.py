"""Controlled vocabularies shipped as data and extensible by an administrator.

Each term has a stable `code` (what the interchange format and the API speak),
a label, and its HURIDOCS Events Standard Formats reference ("MT04
030102000000") so exports can be read by other documentation tools.
"""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Term(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=100)
    esf = models.CharField(
        _("HURIDOCS ESF reference"),
        max_length=20,
        blank=True,
        help_text=_("Micro-thesaurus and code, for example MT04 030102000000"),
    )
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.shown

    @property
    def shown(self) -> str:
        """The label in the active language (the English label is the msgid)."""
        return gettext(self.label) if self.label else ""
