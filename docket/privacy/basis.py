"""Purpose and legal basis of each kind of record, and of single records that differ.

The defaults below fill the register on first use; administrators change a kind's line
through `set_activity`, and anyone who may change a record gives it a basis of its own
through `set_override`. Both are audited and versioned.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from docket.accounts.models import User
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Evidence
from docket.lib.records import Record
from docket.lib.services import require_editable
from docket.privacy.models import (
    BasisOverride,
    LegalBasis,
    ProcessingActivity,
    RecordKind,
    RetentionEvent,
)

# Defaults for an association documenting detention and tracing families, after the ICRC
# handbook: editable by an administrator, shown in the register.
DEFAULTS: dict[str, dict[str, Any]] = {
    RecordKind.PERSONS: {
        "basis": LegalBasis.PUBLIC_INTEREST,
        "purpose": gettext_lazy(
            "Documenting violations of the rights of detained, deported and missing "
            "persons, to seek remedies and to report to authorities and UN bodies."
        ),
        "data_subjects": gettext_lazy("Detained, deported and missing persons; their relatives"),
        "recipients": gettext_lazy(
            "Staff of the owning team; authorities and UN bodies, redacted, in letters and dossiers"
        ),
        "retention_days": 3650,
        "counted_from": RetentionEvent.CASE_CLOSED,
    },
    RecordKind.CONTACT_DETAILS: {
        "basis": LegalBasis.CONSENT,
        "purpose": gettext_lazy("Keeping in touch with the person and their family."),
        "data_subjects": gettext_lazy("Persons and their relatives"),
        "recipients": gettext_lazy("Those who may change the person (never exported to others)"),
        "retention_days": 180,
        "counted_from": RetentionEvent.CONSENT_ENDED,
    },
    RecordKind.TRACING_REQUESTS: {
        "basis": LegalBasis.VITAL_INTEREST,
        "purpose": gettext_lazy(
            "Restoring family links: finding a sought person and, with their consent, "
            "passing news to the family."
        ),
        "data_subjects": gettext_lazy("Requesters and sought persons"),
        "recipients": gettext_lazy(
            "The requester, only what the sought person consented to pass on"
        ),
        "retention_days": 1825,
        "counted_from": RetentionEvent.TRACING_CLOSED,
    },
    RecordKind.EVIDENCE: {
        "basis": LegalBasis.PUBLIC_INTEREST,
        "purpose": gettext_lazy(
            "Proving what happened, for remedies and for the historical record."
        ),
        "data_subjects": gettext_lazy("Persons named or shown in the files; their sources"),
        "recipients": gettext_lazy("Staff of the owning team; courts and UN bodies on request"),
        "retention_days": None,
        "counted_from": "",
    },
    RecordKind.MESSAGES: {
        "basis": LegalBasis.CONSENT,
        "purpose": gettext_lazy("Passing short family messages to a sought person."),
        "data_subjects": gettext_lazy("Requesters and sought persons"),
        "recipients": gettext_lazy("The sought person, and their reply to the family"),
        "retention_days": 365,
        "counted_from": RetentionEvent.TRACING_CLOSED,
    },
}

# Which records of which model a kind covers, for a record's own basis.
KIND_OF_MODEL = {
    "people.person": RecordKind.PERSONS,
    "tracing.tracingrequest": RecordKind.TRACING_REQUESTS,
    "cases.evidence": RecordKind.EVIDENCE,
}

ACTIVITY_FIELDS = (
    "basis",
    "purpose",
    "data_subjects",
    "recipients",
    "retention_days",
    "counted_from",
    "safeguards",
)


def activities() -> list[ProcessingActivity]:
    """Every kind's line of the register, the missing ones filled with the defaults
    (stored on first use, so the register and the retention queue read the same)."""
    found = {activity.kind: activity for activity in ProcessingActivity.objects.all()}
    missing = [kind for kind in RecordKind if kind not in found]
    if missing:
        # Stored in the installation's language (English), whoever opens the register
        # first; pages show the defaults through gettext.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            for kind in missing:
                values = {
                    key: str(value) if isinstance(value, Promise) else value
                    for key, value in DEFAULTS[kind].items()
                }
                found[kind], _created = ProcessingActivity.objects.get_or_create(
                    kind=kind, defaults=values
                )
    return [found[kind] for kind in RecordKind]


def activity(kind: str) -> ProcessingActivity:
    return next(line for line in activities() if line.kind == kind)


def _require_administrator(actor: Any) -> None:
    if not (isinstance(actor, User) and actor.is_active and actor.is_administrator):
        raise PermissionDenied(_("Only an administrator may change the register."))


@transaction.atomic
def set_activity(*, actor: Any, kind: str, **fields: Any) -> ProcessingActivity:
    """Change a kind's purpose, basis or retention. Administrators only; audited."""
    _require_administrator(actor)
    unknown = set(fields) - set(ACTIVITY_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    line = activity(kind)
    before = {name: getattr(line, name) for name in fields}
    for name, value in fields.items():
        setattr(line, name, value)
    if (line.retention_days is None) != (not line.counted_from):
        raise ValidationError(
            {"counted_from": _("A retention period needs the event it is counted from.")}
        )
    line.full_clean()
    line.updated_by = actor
    line._history_user = actor  # type: ignore[attr-defined]
    line.save()
    audit(
        Action.CHANGE,
        actor=actor,
        target=line,
        detail={
            "fields": sorted(fields),
            "changed": {
                name: [str(before[name]), str(getattr(line, name))]
                for name in fields
                if before[name] != getattr(line, name)
            },
        },
    )
    return line


@dataclass(frozen=True)
class Basis:
    basis: str
    purpose: str
    own: bool  # set on the record itself, not its kind's default

    @property
    def label(self) -> str:
        return str(LegalBasis(self.basis).label)


def basis_of(record: models.Model) -> Basis:
    """The legal basis and purpose of one record: its own where it has one, else its kind's."""
    override = BasisOverride.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk
    ).first()
    if override is not None:
        return Basis(override.basis, override.purpose, True)
    line = activity(KIND_OF_MODEL[record._meta.label_lower])
    return Basis(line.basis, _(line.purpose), False)  # a default: stored in English


@transaction.atomic
def set_override(
    *, actor: Any, record: models.Model, basis: str | None, purpose: str = ""
) -> BasisOverride | None:
    """Give a person, tracing request or evidence file a legal basis and purpose of its own
    (`basis=None` goes back to its kind's). Whoever may change the record; audited."""
    label = record._meta.label_lower
    if label not in KIND_OF_MODEL:
        raise TypeError(f"{label} has no legal basis of its own")
    # An evidence file is changed with its source.
    owner = record.source if isinstance(record, Evidence) else record
    assert isinstance(owner, Record)  # persons and tracing requests are records  # noqa: S101
    require_editable(actor, owner)
    keys = {"content_type": ContentType.objects.get_for_model(type(record)), "object_id": record.pk}
    current = BasisOverride.objects.filter(**keys).first()
    if basis is None:
        if current is not None:
            current._history_user = actor  # type: ignore[attr-defined]
            current.delete()
        audit(Action.CHANGE, actor=actor, target=record, detail={"legal_basis": "default"})
        return None
    if basis not in LegalBasis.values:
        raise ValidationError({"basis": _("Choose one of the legal bases.")})
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say for what purpose this record is kept.")})
    override = current or BasisOverride(**keys)
    override.basis, override.purpose, override.set_by = basis, purpose.strip(), actor
    override._history_user = actor  # type: ignore[attr-defined]
    override.save()
    audit(
        Action.CHANGE,
        actor=actor,
        target=record,
        detail={"legal_basis": basis, "purpose": override.purpose},
    )
    return override


def overrides_count() -> dict[str, int]:
    """How many records of each kind have a basis of their own, for the register."""
    counts: dict[str, int] = {}
    for label, kind in KIND_OF_MODEL.items():
        app, model = label.split(".")
        counts[kind] = BasisOverride.objects.filter(
            content_type__app_label=app, content_type__model=model
        ).count()
    return counts
