"""Tracing requests, consents and contact attempts.

The screens and the consent rule come with the tracing issue; the interchange
format already carries these records faithfully.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from docket.accounts.permissions import Confidentiality
from docket.lib.records import ConfidentialRecord


class TracingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SEARCHING = "searching", _("Searching")
    LOCATED = "located", _("Located")
    CONSENT_SOUGHT = "consent_sought", _("Consent sought")
    CONTACT_ESTABLISHED = "contact_established", _("Contact established")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed")


class TracingRequest(ConfidentialRecord):
    requester = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="tracing_requests_made"
    )
    sought = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="tracing_requests"
    )
    relationship = models.CharField(_("relationship"), max_length=100, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    last_contact = models.DateField(_("last contact"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=TracingStatus, default=TracingStatus.OPEN
    )

    # A family's search for a relative is restricted unless someone decides otherwise.
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=10,
        choices=Confidentiality,
        default=Confidentiality.RESTRICTED,
    )

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("tracing request")
        verbose_name_plural = _("tracing requests")


class ConsentScope(models.TextChoices):
    SHARE_WHEREABOUTS = "share_whereabouts", _("Share whereabouts")
    SHARE_CONTACT = "share_contact", _("Share contact details")
    PASS_MESSAGES = "pass_messages", _("Pass messages")
    PUBLISH = "publish", _("Publish")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Written")
    ORAL_WITNESSED = "oral_witnessed", _("Oral, witnessed")
    ELECTRONIC = "electronic", _("Electronic")


class Consent(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(_("scope"), max_length=20, choices=ConsentScope)
    # Either a named person or the public.
    granted_to = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consents_received",
    )
    granted_to_public = models.BooleanField(default=False)
    given_on = models.DateField(_("given on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    how = models.CharField(_("how recorded"), max_length=20, choices=ConsentMethod)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(granted_to__isnull=False, granted_to_public=False)
                | models.Q(granted_to__isnull=True, granted_to_public=True),
                name="consent_to_one_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.scope}"


class ContactKind(models.TextChoices):
    VISIT = "visit", _("Visit")
    VISA_APPLICATION = "visa_application", _("Visa application")
    CALL = "call", _("Phone call")
    LETTER = "letter", _("Letter")
    MESSAGE = "message", _("Message")


class ContactOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    REFUSED = "refused", _("Refused")
    NO_ANSWER = "no_answer", _("No answer")
    PENDING = "pending", _("Pending")


class ContactAttempt(models.Model):
    tracing_request = models.ForeignKey(
        TracingRequest, on_delete=models.CASCADE, related_name="attempts"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ContactKind)
    date = models.DateField(_("date"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=ContactOutcome, default=ContactOutcome.PENDING
    )
    refused_by = models.ForeignKey(
        "cases.Authority", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}: {self.outcome}"
