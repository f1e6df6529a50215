"""Persons, their names in every script, the relationships between them, and merges.

A person found to be the same as another is merged into them (docket.people.merges):
the absorbed person's record stays, hidden like a deleted one, and a `Merge`
remembers what moved so that it can be undone.
"""

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from docket.lib.crypto import SealedBytesField
from docket.lib.datakeys import PersonSealedTextField, new_key_id
from docket.lib.partialdate import PartialDateField
from docket.lib.records import ConfidentialRecord, RecordQuerySet
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


class PersonQuerySet(RecordQuerySet):
    """A person merged into another carries `deleted_at`, so every list, page, search and
    count leaves them out as it does a deleted one; unlike a deleted one, they come back
    only by undoing the merge, never from the deleted persons."""

    def deleted(self) -> Self:
        return super().deleted().filter(merged_into__isnull=True)

    def editable_by(self, user: Any, *, include_deleted: bool = False) -> Self:
        changeable = super().editable_by(user, include_deleted=include_deleted)
        return changeable.filter(merged_into__isnull=True)


class Person(ConfidentialRecord):
    sex = models.CharField(_("sex"), max_length=10, choices=Sex, default=Sex.UNKNOWN)
    birth_date = PartialDateField(_("birth date"), null=True, blank=True)
    birth_place = models.CharField(_("birth place"), max_length=200, blank=True)
    nationality = CountryField(_("nationality"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=PersonStatus, default=PersonStatus.UNKNOWN
    )
    notes = models.TextField(_("notes"), blank=True)
    # Sensitive: sealed at rest under this person's own data key (docket.lib.datakeys),
    # shown only to those who may edit the person.
    contact_details = PersonSealedTextField(_("contact details"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set while this person's records are merged into another person's (see Merge).
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
        editable=False,
        verbose_name=_("merged into"),
    )
    # The id of this person's data key (a PersonKey), which seals their sealed values.
    data_key = models.CharField(max_length=16, default=new_key_id, unique=True, editable=False)
    # Set when the person's personal data was erased (docket.people.erasure): a tombstone.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)

    # A narrower queryset than ConfidentialRecord's, with the same methods.
    objects = PersonQuerySet.as_manager()  # type: ignore[misc]
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.display_name

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    @property
    def display_name(self) -> str:
        """The first full name, else the first name of any kind, else a number."""
        names = list(self.names.all())
        for name in names:
            if name.kind == NameKind.FULL:
                return name.name
        return names[0].name if names else f"#{self.pk}"


class PersonKey(models.Model):
    """A person's data key, wrapped (sealed) under the keyring: see docket.lib.datakeys.

    Erasing the person deletes the row, and with it every way to open their sealed
    values, wherever copies of them are. Never in the backup archive: `docket backup
    --data-keys FILE` writes these rows to a file of their own.
    """

    key_id = models.CharField(max_length=16, unique=True)
    wrapped = SealedBytesField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("data key")
        verbose_name_plural = _("data keys")

    def __str__(self) -> str:
        return self.key_id


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


class Merge(models.Model):
    """The records of `absorbed` moved onto `keep`, the same person, reversibly.

    `moved` lists, row by row, what the merge changed (names, involvements in
    events, case memberships, relationships, tracing requests, consents) and
    the rows it set aside because `keep` already had their twin, so that
    undoing the merge puts back exactly the state before it. Sources hang on
    events and are never touched. See docket.people.merges.
    """

    keep = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="merges", verbose_name=_("kept person")
    )
    absorbed = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        related_name="merged_away",
        verbose_name=_("merged person"),
    )
    moved = models.JSONField(default=dict, editable=False)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"))
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        constraints = [
            models.UniqueConstraint(
                fields=["absorbed"],
                condition=models.Q(undone_at__isnull=True),
                name="merge_absorbed_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(keep=models.F("absorbed")), name="merge_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.absorbed_id} merged into #{self.keep_id}"

    @property
    def active(self) -> bool:
        return self.undone_at is None
