"""Cases, the dated events in them, the authorities responsible, sources and evidence."""

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from docket.accounts.permissions import Confidentiality, editing_q, visibility_q
from docket.lib.partialdate import PartialDateField
from docket.lib.records import ConfidentialRecord, Record, RecordQuerySet
from docket.lib.vocabulary import Term


class AuthorityKind(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    POLICE = "police", _("Police")
    BORDER = "border", _("Border service")
    COURT = "court", _("Court")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    EMBASSY = "embassy", _("Embassy")
    PARLIAMENT = "parliament", _("Parliament")
    HEAD_OF_STATE = "head_of_state", _("Head of state")
    INTERNATIONAL = "international", _("International body")
    OTHER = "other", _("Other")


class AuthorityQuerySet(RecordQuerySet):
    def visible_to(self, user: Any) -> Self:
        """Authorities are public bodies: every active staff member sees them."""
        active = getattr(user, "is_active", False) and getattr(user, "is_authenticated", False)
        return self.alive() if active else self.none()


class Authority(Record):
    """A public body or office holder. Authorities are public: no confidentiality."""

    name = models.CharField(_("name"), max_length=200)
    country = CountryField(_("country"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AuthorityKind, default=AuthorityKind.OTHER
    )
    email = models.EmailField(_("email"), blank=True)
    address = models.TextField(_("address"), blank=True)
    response_days = models.PositiveSmallIntegerField(_("days to reply"), default=30)
    working_days = models.BooleanField(_("counted in working days"), default=False)

    objects = AuthorityQuerySet.as_manager()

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")

    def __str__(self) -> str:
        return self.name


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MONITORING = "monitoring", _("Monitoring")
    CLOSED = "closed", _("Closed")


class Case(ConfidentialRecord):
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CaseStatus, default=CaseStatus.OPEN
    )
    persons = models.ManyToManyField(
        "people.Person", related_name="cases", blank=True, verbose_name=_("persons")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A legal hold keeps the case and everything it holds out of the retention queue and
    # refuses anonymising or erasing them (docket.privacy.retention); set by
    # cases.services.set_legal_hold only.
    legal_hold = models.BooleanField(_("legal hold"), default=False, editable=False)
    legal_hold_reason = models.TextField(_("reason for the legal hold"), blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "updated_at"], m2m_fields=[persons])

    class Meta:
        ordering = ["-updated_at"]
        # The case list, most recently changed first: read from the top of this index
        # until a page of cases the reader may see is found, instead of sorting them all.
        indexes = [models.Index(fields=["-updated_at", "-id"], name="case_recent_first")]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.title


class SourceKind(models.TextChoices):
    TESTIMONY = "testimony", _("Testimony")
    DOCUMENT = "document", _("Document")
    MEDIA = "media", _("Media report")
    OFFICIAL = "official", _("Official statement")
    LETTER = "letter", _("Letter")
    OTHER = "other", _("Other")


class Reliability(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    PROBABLE = "probable", _("Probable")
    POSSIBLE = "possible", _("Possible")
    DOUBTFUL = "doubtful", _("Doubtful")
    UNKNOWN = "unknown", _("Unknown")


class Source(ConfidentialRecord):
    kind = models.CharField(_("kind"), max_length=12, choices=SourceKind, default=SourceKind.OTHER)
    title = models.CharField(_("title"), max_length=300)
    given_by = models.CharField(_("given by"), max_length=200, blank=True)
    date = PartialDateField(_("date"), null=True, blank=True)
    url = models.URLField(_("address on the web"), max_length=500, blank=True)
    reliability = models.CharField(
        _("reliability"), max_length=10, choices=Reliability, default=Reliability.UNKNOWN
    )
    # Who gave a testimony can endanger them: restricted unless someone decides otherwise.
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=10,
        choices=Confidentiality,
        default=Confidentiality.RESTRICTED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title


class EventType(Term):
    # Extra fields this type uses: "charged", "document", "destination".
    fields = models.JSONField(_("extra fields"), default=list, blank=True)

    class Meta(Term.Meta):
        verbose_name = _("event type")
        verbose_name_plural = _("event types")


class InvolvementRole(Term):
    class Meta(Term.Meta):
        verbose_name = _("role")
        verbose_name_plural = _("roles")


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("Identity card")
    WORK_PERMIT = "work_permit", _("Work permit")
    TRAVEL_DOCUMENT = "travel_document", _("Travel document")
    BANK_ACCOUNT = "bank_account", _("Bank account")
    RESIDENCE_PERMIT = "residence_permit", _("Residence permit")
    OTHER = "other", _("Other")


class EventQuerySet(RecordQuerySet):
    """Events are seen and edited through their case."""

    def visible_to(self, user: Any) -> Self:
        return self.alive().filter(visibility_q(user, "case__"), case__deleted_at__isnull=True)

    def editable_by(self, user: Any, *, include_deleted: bool = False) -> Self:
        queryset = self if include_deleted else self.alive()
        return queryset.filter(editing_q(user, "case__"), case__deleted_at__isnull=True)


class Event(Record):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case")
    )
    type = models.ForeignKey(
        EventType, on_delete=models.PROTECT, related_name="+", verbose_name=_("type")
    )
    start = PartialDateField(_("start"), null=True, blank=True)
    end = PartialDateField(_("end"), null=True, blank=True)
    # Sort and filter keys derived from start and end on every save.
    start_on = models.DateField(null=True, editable=False, db_index=True)
    end_on = models.DateField(null=True, editable=False)
    place_name = models.CharField(_("place"), max_length=200, blank=True)
    place_country = CountryField(_("country of the place"), blank=True)
    authority = models.ForeignKey(
        Authority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("responsible authority"),
    )
    charged = models.BooleanField(_("charged"), null=True, blank=True)
    document = models.CharField(_("document"), max_length=20, choices=DocumentKind, blank=True)
    destination = CountryField(_("destination"), blank=True)
    description = models.TextField(_("description"), blank=True)
    sources = models.ManyToManyField(
        Source, related_name="events", blank=True, verbose_name=_("sources")
    )
    persons = models.ManyToManyField(
        "people.Person", through="Involvement", related_name="events", verbose_name=_("persons")
    )

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords(
        excluded_fields=["version", "updated_at", "start_on", "end_on"], m2m_fields=[sources]
    )

    class Meta:
        ordering = ["start_on", "id"]
        indexes = [models.Index(fields=["case", "start_on"])]
        verbose_name = _("event")
        verbose_name_plural = _("events")

    def __str__(self) -> str:
        return f"{self.type} {self.start or ''}".strip()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.start_on = self.start.earliest() if self.start else None
        self.end_on = self.end.latest() if self.end else None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and ({"start", "end"} & set(update_fields)):
            kwargs["update_fields"] = {*update_fields, "start_on", "end_on"}
        super().save(*args, **kwargs)


class Involvement(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="involvements", verbose_name=_("event")
    )
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.CASCADE,
        related_name="involvements",
        verbose_name=_("person"),
    )
    role = models.ForeignKey(
        InvolvementRole, on_delete=models.PROTECT, related_name="+", verbose_name=_("role")
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "person", "role"], name="involvement_once")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.role}) in {self.event}"


class Derivation(models.TextChoices):
    REDACTED = "redacted", _("Redacted copy")
    METADATA_STRIPPED = "metadata_stripped", _("Copy without metadata")


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def visible_to(self, user: Any) -> Self:
        """An evidence file is seen with its source."""
        return self.filter(source__in=Source.objects.visible_to(user))


class Evidence(models.Model):
    """A file attached to a source, hashed on arrival; stored outside the web root.

    An original is never changed. A copy made for sharing (redacted, or with its
    metadata stripped) is a file of its own, linked to the original it came from.
    """

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="files")
    derived_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derivatives",
        verbose_name=_("copy of"),
    )
    derivation = models.CharField(_("kind of copy"), max_length=20, choices=Derivation, blank=True)
    file = models.FileField(upload_to="evidence/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name


class CustodyAction(models.TextChoices):
    ADDED = "added", _("Added")
    DOWNLOADED = "downloaded", _("Downloaded")
    EXPORTED = "exported", _("Exported")


class CustodyEntry(models.Model):
    """Every access to an evidence file, in order; never changed or deleted."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="custody")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=CustodyAction)
    at = models.DateTimeField(auto_now_add=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.evidence} {self.action} {self.at:%Y-%m-%d %H:%M}"
