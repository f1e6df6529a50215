"""Persons, their names in every script, and the relationships between them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from docket.lib.crypto import SealedTextField
from docket.lib.partialdate import PartialDateField
from docket.lib.records import ConfidentialRecord
from docket.lib.vocabulary import Term


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class PersonStatus(models.TextChoices):
    REFUGEE = "refugee", _("Refugee")
    ASYLUM_SEEKER = "asylum_seeker", _("Asylum seeker")
    RESIDENT = "resident", _("Resident")
    CITIZEN = "citizen", _("Citizen")
    UNKNOWN = "unknown", _("Unknown")


class Script(models.TextChoices):
    LATIN = "latin", _("Latin")
    PERSIAN = "persian", _("Persian")
    ARABIC = "arabic", _("Arabic")
    CYRILLIC = "cyrillic", _("Cyrillic")
    OTHER = "other", _("Other")


class NameKind(models.TextChoices):
    FULL = "full", _("Full name")
    GIVEN = "given", _("Given name")
    FAMILY = "family", _("Family name")
    FATHER = "father", _("Father's name")
    ALIAS = "alias", _("Alias")


class Person(ConfidentialRecord):
    sex = models.CharField(_("sex"), max_length=10, choices=Sex, default=Sex.UNKNOWN)
    birth_date = PartialDateField(_("birth date"), null=True, blank=True)
    birth_place = models.CharField(_("birth place"), max_length=200, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PersonStatus, default=PersonStatus.UNKNOWN
    )
    notes = models.TextField(_("notes"), blank=True)
    # Sensitive: sealed at rest, shown only to those who may edit the person.
    contact_details = SealedTextField(_("contact details"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The first full name, else the first name of any kind, else a number."""
        names = list(self.names.all())
        for name in names:
            if name.kind == NameKind.FULL:
                return name.name
        return names[0].name if names else f"#{self.pk}"


class PersonName(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=200)
    script = models.CharField(_("script"), max_length=10, choices=Script, default=Script.LATIN)
    kind = models.CharField(_("kind"), max_length=10, choices=NameKind, default=NameKind.FULL)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("name")
        verbose_name_plural = _("names")

    def __str__(self) -> str:
        return self.name


class RelationshipKind(Term):
    class Meta(Term.Meta):
        verbose_name = _("relationship kind")
        verbose_name_plural = _("relationship kinds")


class Relationship(models.Model):
    """{person: p1, relative: p2, kind: parent} says p2 is p1's parent."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships")
    relative = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relatives_of")
    kind = models.ForeignKey(RelationshipKind, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "relative", "kind"], name="relationship_once"
            ),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("relative")), name="relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relative} is {self.kind} of {self.person}"
