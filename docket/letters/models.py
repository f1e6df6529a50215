"""Letters to authorities, their numbered questions, and the responses.

The screens and tracking come with the letters issue; the interchange format
already carries these records faithfully.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from docket.lib.records import ConfidentialRecord


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    HAND = "hand", _("Hand delivery")
    PUBLISHED = "published", _("Published online")


class Letter(ConfidentialRecord):
    title = models.CharField(_("title"), max_length=300)
    to = models.ManyToManyField("cases.Authority", related_name="letters", verbose_name=_("to"))
    body = models.TextField(_("body"), blank=True)
    cases = models.ManyToManyField("cases.Case", related_name="letters", blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, blank=True)
    published = models.BooleanField(_("published"), default=False)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self) -> str:
        return self.title


class AnswerStatus(models.TextChoices):
    UNANSWERED = "unanswered", _("Unanswered")
    ANSWERED = "answered", _("Answered")
    PARTIAL = "partial", _("Partially answered")
    REFUSED = "refused", _("Refused")
    NOT_HELD = "not_held", _("Not held")


class Question(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=12, choices=AnswerStatus, default=AnswerStatus.UNANSWERED
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="question_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class Response(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="responses")
    authority = models.ForeignKey(
        "cases.Authority", on_delete=models.PROTECT, related_name="responses"
    )
    received_on = models.DateField(_("received on"))
    body = models.TextField(_("body"), blank=True)
    answers = models.ManyToManyField(Question, related_name="responses", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.authority} {self.received_on}"
