"""Tracing requests, their steps and candidate matches, consents and refusals, contact
attempts and relayed messages.

What may be told to a requester about the person they seek is decided in one place,
docket.tracing.consent; everything here is what staff record.
"""

from django.conf import settings
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


class AskedFor(models.TextChoices):
    NEWS = "news", _("News")
    CONTACT = "contact", _("Contact")
    MESSAGE = "message", _("A message passed on")
    VISIT = "visit", _("A visit")


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
    # The sought person's name as the requester gave it: what a reply to them may repeat,
    # whatever the record they were matched with is called.
    sought_as_given = models.CharField(_("sought person, as named"), max_length=200, blank=True)
    sought_created = models.BooleanField(
        _("sought person recorded at intake"), default=False, editable=False
    )
    last_known_place = models.CharField(_("last known place"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    asks_for = models.JSONField(_("asks for"), default=list, blank=True)
    # Where staff found the sought person: passed on only under a share_whereabouts consent.
    whereabouts = models.TextField(_("whereabouts"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
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

    def __str__(self) -> str:
        return f"TR-{self.pk}"

    @property
    def reference(self) -> str:
        return f"TR-{self.pk}"

    def asks_for_labels(self) -> list[str]:
        labels = dict(AskedFor.choices)
        return [str(labels.get(code, code)) for code in self.asks_for]


class TracingStep(models.Model):
    """One change of a request's status: when, by whom, from what to what."""

    tracing_request = models.ForeignKey(
        TracingRequest, on_delete=models.CASCADE, related_name="steps"
    )
    from_status = models.CharField(max_length=20, choices=TracingStatus, blank=True)
    to_status = models.CharField(max_length=20, choices=TracingStatus)
    on = models.DateField(_("on"))
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["on", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} {self.on}"


class MatchStatus(models.TextChoices):
    OPEN = "open", _("To decide")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class TracingMatch(models.Model):
    """A recorded person who may be the one sought, as the person-matching model scored them."""

    tracing_request = models.ForeignKey(
        TracingRequest, on_delete=models.CASCADE, related_name="matches"
    )
    # A person's number, not a foreign key: a candidate merged or deleted later simply
    # stops being shown (they are no longer visible), and merging needs nothing new.
    candidate_id = models.BigIntegerField()
    probability = models.FloatField()
    match_weight = models.FloatField(default=0)
    weights = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=MatchStatus, default=MatchStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracing_request", "candidate_id"], name="tracing_match_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tracing_request_id}~{self.candidate_id}"

    @property
    def percent(self) -> str:
        return f"{self.probability * 100:.0f}%"


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
    withdrawal_reason = models.TextField(_("reason for the withdrawal"), blank=True)
    how = models.CharField(_("how recorded"), max_length=20, choices=ConsentMethod)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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


class Refusal(models.Model):
    """The sought person's recorded "no" to a scope, towards this request's requester (or
    towards anyone, `refused_to_public`): when and how.

    Kept apart from Consent on purpose: a refusal carried as a consent row (in an export,
    say) would read as agreement. It hangs on the request, not on persons, so merging
    persons needs nothing new.
    """

    tracing_request = models.ForeignKey(
        TracingRequest, on_delete=models.CASCADE, related_name="refusals"
    )
    scope = models.CharField(_("scope"), max_length=20, choices=ConsentScope)
    refused_to_public = models.BooleanField(_("towards anyone"), default=False)
    refused_on = models.DateField(_("refused on"))
    how = models.CharField(_("how recorded"), max_length=20, choices=ConsentMethod)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["refused_on", "id"]

    def __str__(self) -> str:
        return f"{self.tracing_request_id}: no {self.scope}"


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
    channel = models.CharField(_("channel"), max_length=200, blank=True)
    # The documented event a refusal became, once staff confirmed it.
    event = models.ForeignKey(
        "cases.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.date}: {self.outcome}"

    @property
    def proposes_event(self) -> str | None:
        """The event type code a refusal of this attempt documents, if any."""
        if self.outcome != ContactOutcome.REFUSED:
            return None
        return {
            ContactKind.VISA_APPLICATION: "visa_refused",
            ContactKind.VISIT: "visit_refused",
        }.get(ContactKind(self.kind))


class RelayedMessage(models.Model):
    """A short message from the family to the person sought, Red Cross message style."""

    tracing_request = models.ForeignKey(
        TracingRequest, on_delete=models.CASCADE, related_name="messages"
    )
    text = models.TextField(_("message"), max_length=2000)
    written_on = models.DateField(_("written on"))
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    passed_on = models.DateField(_("passed on"), null=True, blank=True)
    passed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True, max_length=2000)
    reply_on = models.DateField(_("reply received on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["written_on", "id"]

    def __str__(self) -> str:
        return f"message {self.pk} of {self.tracing_request_id}"
