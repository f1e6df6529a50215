"""Retention: which records are past the period their kind is kept for, counted from a
stated event, and what a coordinator decides about each (keep for a reason until a new
review date, anonymise, erase). A case under legal hold, and everything it holds, is
left out of all of it.

`queue(reader, as_of)` is the one function that says what is due; nothing it reads is
changed by reading it.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from docket.accounts.models import Role, User
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Case, CaseStatus, Event, Evidence, Involvement, Source
from docket.people.erasure import erase_person
from docket.people.models import Person
from docket.privacy.basis import activities
from docket.privacy.models import Anonymisation, KeepDecision, RecordKind, RetentionEvent
from docket.tracing.models import (
    Consent,
    RelayedMessage,
    TracingRequest,
    TracingStatus,
    TracingStep,
)

# The events a kind's period may be counted from.
EVENTS_OF_KIND: dict[str, tuple[str, ...]] = {
    RecordKind.PERSONS: (
        RetentionEvent.CASE_CLOSED,
        RetentionEvent.TRACING_CLOSED,
        RetentionEvent.CONSENT_ENDED,
    ),
    RecordKind.CONTACT_DETAILS: (
        RetentionEvent.CONSENT_ENDED,
        RetentionEvent.CASE_CLOSED,
        RetentionEvent.TRACING_CLOSED,
    ),
    RecordKind.TRACING_REQUESTS: (RetentionEvent.TRACING_CLOSED,),
    RecordKind.MESSAGES: (RetentionEvent.TRACING_CLOSED,),
    RecordKind.EVIDENCE: (RetentionEvent.CASE_CLOSED,),
}

# Which model a queue item of each kind is.
MODEL_OF_KIND: dict[str, type[models.Model]] = {
    RecordKind.PERSONS: Person,
    RecordKind.CONTACT_DETAILS: Person,
    RecordKind.TRACING_REQUESTS: TracingRequest,
    RecordKind.MESSAGES: TracingRequest,
    RecordKind.EVIDENCE: Evidence,
}


@dataclass(frozen=True)
class Due:
    """One record past its period."""

    kind: str
    record: models.Model
    since: date  # the stated event
    due_on: date  # since + the period

    @property
    def model(self) -> str:
        return str(self.record._meta.model_name)

    @property
    def kind_label(self) -> str:
        return str(RecordKind(self.kind).label)

    @property
    def label(self) -> str:
        if isinstance(self.record, TracingRequest):
            return self.record.reference
        if isinstance(self.record, Evidence):
            return self.record.name
        return str(self.record)

    @property
    def url(self) -> str:
        if isinstance(self.record, Person):
            return reverse("people:person_detail", args=[self.record.pk])
        if isinstance(self.record, TracingRequest):
            return reverse("tracing:request_detail", args=[self.record.pk])
        if isinstance(self.record, Evidence):
            return reverse("cases:source_detail", args=[self.record.source_id])
        return ""

    @property
    def may_anonymise(self) -> bool:
        return self.kind != RecordKind.EVIDENCE

    @property
    def may_erase(self) -> bool:
        return self.kind == RecordKind.PERSONS


# When stated events happened


def case_closed_on(case_ids: Iterable[int]) -> dict[int, date]:
    """The day each closed case of `case_ids` was last closed, from its history."""
    closed = list(
        Case.objects.alive()
        .filter(pk__in=list(case_ids), status=CaseStatus.CLOSED)
        .values_list("pk", "updated_at")
    )
    if not closed:
        return {}
    result = {pk: updated.date() for pk, updated in closed}
    rows = (
        Case.history.filter(id__in=list(result))
        .order_by("id", "history_date", "history_id")
        .values_list("id", "status", "history_date")
    )
    previous: dict[int, str] = {}
    for pk, status, at in rows:
        if status == CaseStatus.CLOSED and previous.get(pk) != CaseStatus.CLOSED:
            result[pk] = at.date()
        previous[pk] = status
    return result


def _cases_of_persons() -> dict[int, set[int]]:
    """Each person's cases: those they are a person of, and those of their events."""
    found: dict[int, set[int]] = defaultdict(set)
    for person, case in Case.persons.through.objects.filter(
        case__deleted_at__isnull=True
    ).values_list("person_id", "case_id"):
        found[person].add(case)
    for person, case in Involvement.objects.filter(
        event__deleted_at__isnull=True, event__case__deleted_at__isnull=True
    ).values_list("person_id", "event__case_id"):
        found[person].add(case)
    return found


def _latest_if_all(groups: dict[int, set[int]], ended: dict[int, date]) -> dict[int, date]:
    """For each key, the latest day among its members, when every member has ended."""
    result = {}
    for key, members in groups.items():
        if members and all(member in ended for member in members):
            result[key] = max(ended[member] for member in members)
    return result


def persons_since_case_closed() -> dict[int, date]:
    groups = _cases_of_persons()
    closed = case_closed_on({case for cases in groups.values() for case in cases})
    return _latest_if_all(groups, closed)


def tracing_closed_on() -> dict[int, date]:
    """The day each closed tracing request was last closed (its last step to closed)."""
    closed = dict(
        TracingRequest.objects.alive()
        .filter(status=TracingStatus.CLOSED)
        .values_list("pk", "updated_at")
    )
    result = {pk: updated.date() for pk, updated in closed.items()}
    for request, on in (
        TracingStep.objects.filter(tracing_request__in=list(result), to_status=TracingStatus.CLOSED)
        .order_by("on", "id")
        .values_list("tracing_request_id", "on")
    ):
        result[request] = on
    return result


def persons_since_tracing_closed() -> dict[int, date]:
    groups: dict[int, set[int]] = defaultdict(set)
    for pk, requester, sought in TracingRequest.objects.alive().values_list(
        "pk", "requester_id", "sought_id"
    ):
        groups[requester].add(pk)
        groups[sought].add(pk)
    return _latest_if_all(groups, tracing_closed_on())


def persons_since_consent_ended(as_of: date) -> dict[int, date]:
    """Persons every consent of whom has ended (withdrawn, or expired) by `as_of`."""
    groups: dict[int, set[int]] = defaultdict(set)
    ended: dict[int, date] = {}
    for pk, person, expires, withdrawn in Consent.objects.values_list(
        "pk", "person_id", "expires_on", "withdrawn_on"
    ):
        groups[person].add(pk)
        end = min(day for day in (expires, withdrawn, date.max) if day is not None)
        if end <= as_of:
            ended[pk] = end
    return _latest_if_all(groups, ended)


# Legal hold


def held_case_ids() -> set[int]:
    return set(Case.objects.alive().filter(legal_hold=True).values_list("pk", flat=True))


def held_person_ids() -> set[int]:
    held = held_case_ids()
    if not held:
        return set()
    persons = set(
        Case.persons.through.objects.filter(case_id__in=held).values_list("person_id", flat=True)
    )
    persons |= set(
        Involvement.objects.filter(event__case_id__in=held).values_list("person_id", flat=True)
    )
    # A person merged into a held one is held with them.
    persons |= set(Person.objects.filter(merged_into__in=persons).values_list("pk", flat=True))
    return persons


def is_held(record: models.Model) -> bool:
    """Whether `record` belongs to a case under legal hold."""
    if isinstance(record, Case):
        return record.legal_hold
    if isinstance(record, Person):
        return record.pk in held_person_ids()
    if isinstance(record, TracingRequest):
        persons = held_person_ids()
        return record.requester_id in persons or record.sought_id in persons
    if isinstance(record, Evidence):
        return Event.objects.filter(
            sources=record.source_id, case__legal_hold=True, case__deleted_at__isnull=True
        ).exists()
    return False


def refuse_if_held(record: models.Model) -> None:
    if is_held(record):
        raise ValidationError(
            _("This record belongs to a case under legal hold: it cannot be anonymised or erased.")
        )


# The queue


def _deciders_filter(reader: Any, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """The records of `queryset` `reader` may decide about: coordinators of their team and
    administrators, as for deleting."""
    if not isinstance(reader, User) or reader.role not in {Role.ADMINISTRATOR, Role.COORDINATOR}:
        return queryset.none()
    if queryset.model is Evidence:
        return queryset.filter(source__in=Source.objects.editable_by(reader))
    return queryset.editable_by(reader)  # type: ignore[attr-defined,no-any-return]


def _kept(kind: str, ids: Iterable[int], model: type[models.Model], as_of: date) -> set[int]:
    """Records kept by a decision whose review date has not come."""
    content_type = ContentType.objects.get_for_model(model)
    return set(
        KeepDecision.objects.filter(
            kind=kind, content_type=content_type, object_id__in=list(ids), review_on__gt=as_of
        ).values_list("object_id", flat=True)
    )


def _anonymised(kind: str, model: type[models.Model]) -> set[int]:
    content_type = ContentType.objects.get_for_model(model)
    return set(
        Anonymisation.objects.filter(kind=kind, content_type=content_type).values_list(
            "object_id", flat=True
        )
    )


def _since(kind: str, event: str, as_of: date) -> dict[int, date]:
    """The records of `kind` whose stated event has happened, with its day."""
    if kind in (RecordKind.PERSONS, RecordKind.CONTACT_DETAILS):
        if event == RetentionEvent.CASE_CLOSED:
            return persons_since_case_closed()
        if event == RetentionEvent.TRACING_CLOSED:
            return persons_since_tracing_closed()
        return persons_since_consent_ended(as_of)
    if kind == RecordKind.TRACING_REQUESTS:
        return tracing_closed_on()
    if kind == RecordKind.MESSAGES:
        closed = tracing_closed_on()
        with_text = set(
            RelayedMessage.objects.filter(tracing_request__in=list(closed))
            .exclude(text="", reply="")
            .values_list("tracing_request_id", flat=True)
        )
        return {pk: day for pk, day in closed.items() if pk in with_text}
    if kind == RecordKind.EVIDENCE:
        closed = case_closed_on(Case.objects.alive().values_list("pk", flat=True))
        groups: dict[int, set[int]] = defaultdict(set)
        for evidence, case in Evidence.objects.filter(
            source__events__deleted_at__isnull=True
        ).values_list("pk", "source__events__case_id"):
            groups[evidence].add(case)
        return _latest_if_all(groups, closed)
    return {}


def queue(reader: Any, as_of: date) -> list[Due]:
    """Every record `reader` may decide about that is past its kind's period on `as_of`,
    oldest due first: not under legal hold, not kept until a later review, not already
    anonymised, not deleted."""
    items: list[Due] = []
    held_persons = held_person_ids()
    for line in activities():
        if line.retention_days is None or line.counted_from not in EVENTS_OF_KIND[line.kind]:
            continue
        period = timedelta(days=line.retention_days)
        since = {
            pk: day
            for pk, day in _since(line.kind, line.counted_from, as_of).items()
            if day + period <= as_of
        }
        if not since:
            continue
        model = MODEL_OF_KIND[line.kind]
        skip = _kept(line.kind, since, model, as_of) | _anonymised(line.kind, model)
        candidates = _deciders_filter(reader, model._default_manager.filter(pk__in=list(since)))
        if model is Person:
            candidates = candidates.exclude(pk__in=held_persons)
        elif model is TracingRequest:
            candidates = candidates.exclude(requester__in=held_persons).exclude(
                sought__in=held_persons
            )
        if line.kind == RecordKind.CONTACT_DETAILS:
            candidates = candidates.exclude(contact_details="")
        for found in candidates:
            if found.pk in skip or (isinstance(found, Evidence) and is_held(found)):
                continue
            items.append(Due(line.kind, found, since[found.pk], since[found.pk] + period))
    items.sort(key=lambda item: (item.due_on, item.kind, item.record.pk))
    return items


# Decisions


def _require_decider(actor: Any, record: models.Model) -> None:
    from docket.lib.services import require_deleter

    owner = record.source if isinstance(record, Evidence) else record
    require_deleter(actor, owner)  # type: ignore[arg-type]


@transaction.atomic
def keep(
    *, actor: Any, kind: str, record: models.Model, reason: str, review_on: date, today: date
) -> KeepDecision:
    """Keep a record past its period, for a stated reason, until `review_on`; audited."""
    _require_decider(actor, record)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is kept.")})
    if review_on <= today:
        raise ValidationError({"review_on": _("The next review must be after today.")})
    decision = KeepDecision.objects.create(
        kind=kind,
        reason=reason.strip(),
        review_on=review_on,
        decided_by=actor,
        **KeepDecision.of(record),
    )
    audit(
        Action.CHANGE,
        actor=actor,
        target=record,
        detail={
            "retention": "kept",
            "kind": kind,
            "reason": decision.reason,
            "review_on": review_on.isoformat(),
        },
    )
    return decision


def erase(*, actor: Any, person: Person, reason: str) -> None:
    """Erase a person for good, through the erasure service (its data key destroyed, so no
    earlier backup can be read either). Coordinators of the person's team and
    administrators, as for deleting; a case under legal hold refuses it."""
    _require_decider(actor, person)
    refuse_if_held(person)
    erase_person(actor=actor, person=person, reason=reason)
