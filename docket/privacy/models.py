"""Data protection's own records: the purpose, legal basis and retention of each kind of
record and of single records that differ, decisions to keep a record past its period,
what was anonymised, and data subjects' rights requests.

Disclosures have no table here: they are read from the audit log
(docket.privacy.disclosures).
"""

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class LegalBasis(models.TextChoices):
    """The bases for processing the ICRC Handbook on Data Protection in Humanitarian
    Action (3rd ed., 2024) lists."""

    VITAL_INTEREST = "vital_interest", _("Vital interest")
    PUBLIC_INTEREST = "public_interest", _("Public interest")
    CONSENT = "consent", _("Consent")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    CONTRACT = "contract", _("Performance of a contract")


class RecordKind(models.TextChoices):
    PERSONS = "persons", _("Persons")
    CONTACT_DETAILS = "contact_details", _("Contact details")
    TRACING_REQUESTS = "tracing_requests", _("Tracing requests")
    EVIDENCE = "evidence", _("Evidence")
    MESSAGES = "messages", _("Messages")


class RetentionEvent(models.TextChoices):
    """What a retention period is counted from."""

    CASE_CLOSED = "case_closed", _("Case closed")
    TRACING_CLOSED = "tracing_closed", _("Tracing request closed")
    CONSENT_ENDED = "consent_ended", _("Consent ended")


class ProcessingActivity(models.Model):
    """The default purpose, legal basis and retention of one kind of record: a line of
    the register of processing activities. Changed by administrators through
    docket.privacy.basis.set_activity only."""

    kind = models.CharField(_("kind of record"), max_length=20, choices=RecordKind, unique=True)
    basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis)
    purpose = models.TextField(_("purpose"))
    data_subjects = models.CharField(_("whose data"), max_length=300, blank=True)
    recipients = models.TextField(_("to whom it may go"), blank=True)
    # None: kept as long as the association needs it, reviewed by hand.
    retention_days = models.PositiveIntegerField(_("kept for (days)"), null=True, blank=True)
    counted_from = models.CharField(
        _("counted from"), max_length=20, choices=RetentionEvent, blank=True
    )
    safeguards = models.TextField(_("safeguards"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["kind"]
        verbose_name = _("processing activity")
        verbose_name_plural = _("processing activities")

    def __str__(self) -> str:
        return str(self.get_kind_display())


class RecordRef(models.Model):
    """A reference to any record by content type and number, so data protection can say
    something about a person, a tracing request or an evidence file without a column
    on each of their tables."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()

    class Meta:
        abstract = True

    @classmethod
    def of(cls, record: models.Model) -> dict[str, Any]:
        return {
            "content_type": ContentType.objects.get_for_model(type(record)),
            "object_id": record.pk,
        }


class BasisOverride(RecordRef):
    """One record's own legal basis and purpose, where they differ from its kind's."""

    basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis)
    purpose = models.TextField(_("purpose"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["set_at"])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="basis_once")
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.basis}"


class KeepDecision(RecordRef):
    """A coordinator kept a record past its retention period, for a reason, until a new
    review date; the record leaves the queue until then."""

    kind = models.CharField(_("kind of record"), max_length=20, choices=RecordKind)
    reason = models.TextField(_("reason"))
    review_on = models.DateField(_("review again on"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"keep {self.kind} {self.object_id} until {self.review_on}"


class Anonymisation(RecordRef):
    """A record of which names, contact details and free text were removed for good."""

    kind = models.CharField(_("kind of record"), max_length=20, choices=RecordKind)
    reason = models.TextField(_("reason"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-done_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "content_type", "object_id"], name="anonymised_once"
            )
        ]

    def __str__(self) -> str:
        return f"anonymised {self.kind} {self.object_id}"


class RightKind(models.TextChoices):
    ACCESS = "access", _("Access")
    CORRECTION = "correction", _("Correction")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction")
    OBJECTION = "objection", _("Objection")


class Decision(models.TextChoices):
    GRANTED = "granted", _("Granted")
    PARTLY = "partly", _("Partly granted")
    REFUSED = "refused", _("Refused")


class RightsRequestQuerySet(models.QuerySet["RightsRequest"]):
    def visible_to(self, user: Any) -> "RightsRequestQuerySet":
        """Requests about persons `user` may see and delete: a rights request is handled by
        the coordinators of the person's team and by administrators."""
        from docket.accounts.models import Role, User
        from docket.accounts.permissions import NOTHING, editing_q

        if not isinstance(user, User) or user.role not in {Role.ADMINISTRATOR, Role.COORDINATOR}:
            return self.filter(NOTHING)
        return self.filter(editing_q(user, "person__"), person__deleted_at__isnull=True)


class RightsRequest(models.Model):
    """A data subject (or their representative) asks to exercise a right over what
    Docket holds about them. Readable by those who may see the person and delete it
    (coordinators of its team, administrators); written by docket.privacy.requests."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="rights_requests"
    )
    kind = models.CharField(_("right"), max_length=12, choices=RightKind)
    asked_by = models.CharField(_("asked by (if a representative)"), max_length=200, blank=True)
    details = models.TextField(_("what is asked"), blank=True)
    received_on = models.DateField(_("received on"))
    identity_checked_on = models.DateField(_("identity checked on"), null=True, blank=True)
    identity_check = models.CharField(_("how identity was checked"), max_length=300, blank=True)
    extended_on = models.DateField(_("deadline extended on"), null=True, blank=True)
    extension_reason = models.TextField(_("why the deadline was extended"), blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RightsRequestQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "id"]
        verbose_name = _("rights request")
        verbose_name_plural = _("rights requests")

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk}"
