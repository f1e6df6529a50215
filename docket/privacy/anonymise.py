"""Anonymisation that keeps the statistics: a person's names become a neutral label,
their contact details and free text go, and what the reports count (events, dates,
involvements, sex, age band, nationality, status) stays exactly as it was.

Irreversible: the history rows of what is removed are blanked too, the search index is
rewritten, and an audit entry (without the removed text) says who did it and why.
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Case, Event, Involvement
from docket.lib.partialdate import PartialDate
from docket.people.merges import absorbed_into
from docket.people.models import Merge, NameKind, Person, PersonName, Script
from docket.privacy.models import Anonymisation, RecordKind
from docket.privacy.retention import _require_decider, refuse_if_held
from docket.reports.counting import age_band
from docket.search.documents import CASE, EVENT, PERSON
from docket.search.signals import saved_in_bulk
from docket.tracing.models import (
    Consent,
    ContactAttempt,
    Refusal,
    RelayedMessage,
    TracingRequest,
    TracingStep,
)


def neutral_label(person: Person) -> str:
    return _("Person %(number)s") % {"number": person.pk}


def generalised_birth(person_ids: list[int], birth: PartialDate | None) -> PartialDate | None:
    """The birth date cut to its year, or to its month, or kept, whichever is the coarsest
    that leaves the age band at every event the person is in unchanged (so every report
    counts them in the same band as before)."""
    if birth is None:
        return None
    days = [
        day
        for day in Involvement.objects.filter(person__in=person_ids)
        .values_list("event__start_on", flat=True)
        .distinct()
        if day is not None
    ]
    for candidate in (
        PartialDate(birth.year, approximate=birth.approximate),
        PartialDate(birth.year, birth.month, approximate=birth.approximate),
    ):
        if candidate == birth:
            return birth
        if all(age_band(candidate, day) == age_band(birth, day) for day in days):
            return candidate
    return birth


def _replace_names(text: str, names: list[str], label: str) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name), label, text, flags=re.IGNORECASE)
    return text


def _scrub_model(
    model: Any, ids: list[int], fields: list[str], names: list[str], label: str
) -> list[int]:
    """Replace the names in the text `fields` of rows `ids` of `model` and of their history."""
    changed: list[int] = []
    pattern = Q()
    for name in names:
        for field in fields:
            pattern |= Q(**{f"{field}__icontains": name})
    if not names:
        return changed
    for row in model._default_manager.filter(pk__in=ids).filter(pattern):
        values = {field: _replace_names(getattr(row, field), names, label) for field in fields}
        # A new version, so a form opened on the old text cannot save it back.
        model._default_manager.filter(pk=row.pk).update(**values, version=F("version") + 1)
        changed.append(row.pk)
    for row in model.history.filter(id__in=ids).filter(pattern):
        values = {field: _replace_names(getattr(row, field), names, label) for field in fields}
        model.history.filter(history_id=row.history_id).update(**values)
    return changed


def _blank_tracing_notes(request_ids: list[int]) -> None:
    """The free text around tracing requests that may name or reach the persons: the
    contact attempts' channels (a phone number, an address) and notes, the refusals' and
    the status steps' notes; history rows too."""
    attempts = {"channel": "", "notes": ""}
    ContactAttempt.objects.filter(tracing_request__in=request_ids).update(**attempts)
    ContactAttempt.history.filter(tracing_request_id__in=request_ids).update(**attempts)
    Refusal.objects.filter(tracing_request__in=request_ids).update(notes="")
    Refusal.history.filter(tracing_request_id__in=request_ids).update(notes="")
    TracingStep.objects.filter(tracing_request__in=request_ids).update(note="")


@transaction.atomic
def anonymise_person(*, actor: Any, person: Person, reason: str) -> Person:
    """Anonymise `person` (and every record merged into them) for good.

    Removed: every name (one neutral name, "Person 1234", instead), contact details,
    notes, birth place, the person's names wherever the case titles and summaries and the
    event descriptions they are in use them, what tracing requests say of them in free
    text, consents' notes, family messages; and the same in every history row.
    Kept: sex, nationality, status, confidentiality and team, the birth date as far as
    the age bands allow (`generalised_birth`), every case, event, involvement,
    relationship, date and tracing request's dates and status.
    """
    _require_decider(actor, person)
    if person.merged_into_id is not None:
        raise ValidationError(_("Anonymise the person this record was merged into."))
    refuse_if_held(person)
    if Anonymisation.objects.filter(kind=RecordKind.PERSONS, **Anonymisation.of(person)).exists():
        raise ValidationError(_("This person is already anonymised."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the person is anonymised.")})
    persons = [person, *absorbed_into(person)]
    ids = [each.pk for each in persons]
    label = neutral_label(person)
    name_ids = set(PersonName.objects.filter(person__in=ids).values_list("pk", flat=True))
    name_ids |= set(PersonName.history.filter(person_id__in=ids).values_list("id", flat=True))
    names = sorted(
        {name for name in PersonName.history.filter(id__in=name_ids).values_list("name", flat=True)}
        | set(PersonName.objects.filter(pk__in=name_ids).values_list("name", flat=True)),
    )
    names = [name for name in names if len(name.strip()) >= 3]
    birth = generalised_birth(ids, person.birth_date)
    precision = (
        "none" if birth is None else ("day" if birth.day else "month" if birth.month else "year")
    )

    # Free text that names them: case titles and summaries, event descriptions.
    case_ids = sorted(
        set(
            Case.persons.through.objects.filter(person_id__in=ids).values_list("case_id", flat=True)
        )
        | set(Involvement.objects.filter(person__in=ids).values_list("event__case_id", flat=True))
    )
    event_ids = sorted(set(Event.objects.filter(case__in=case_ids).values_list("pk", flat=True)))
    changed_cases = _scrub_model(Case, case_ids, ["title", "summary"], names, label)
    changed_events = _scrub_model(Event, event_ids, ["description"], names, label)

    # Tracing requests: what they say of the person in free text, and the messages.
    requests = list(TracingRequest.objects.filter(Q(requester__in=ids) | Q(sought__in=ids)))
    for request in requests:
        values: dict[str, str] = {"reason": ""}
        if request.sought_id in ids:
            values.update(sought_as_given="", whereabouts="", last_known_place="")
        TracingRequest.objects.filter(pk=request.pk).update(**values, version=F("version") + 1)
        TracingRequest.history.filter(id=request.pk).update(**values)
    request_ids = [request.pk for request in requests]
    RelayedMessage.objects.filter(tracing_request__in=request_ids).update(text="", reply="")
    RelayedMessage.history.filter(tracing_request_id__in=request_ids).update(text="", reply="")
    _blank_tracing_notes(request_ids)
    Consent.objects.filter(person__in=ids).update(notes="", withdrawal_reason="")
    Consent.history.filter(person_id__in=ids).update(notes="", withdrawal_reason="")

    # A merge keeps the names it moved, to put them back if it is undone: they go too, or
    # undoing the merge would write the removed names again.
    for merge_pk, moved in Merge.objects.filter(absorbed__in=ids).values_list("pk", "moved"):
        if moved.get("names"):
            Merge.objects.filter(pk=merge_pk).update(moved={**moved, "names": []})

    # The person's own records.
    PersonName.objects.filter(person__in=ids).delete()
    PersonName.history.filter(id__in=name_ids).update(name=label)
    for each in persons:
        PersonName.objects.create(
            person=each, name=neutral_label(each), script=Script.LATIN, kind=NameKind.FULL
        )
    scrubbed = {"notes": "", "birth_place": "", "contact_details": "", "birth_date": birth}
    Person.objects.filter(pk__in=ids).update(**scrubbed, version=F("version") + 1)
    Person.history.filter(id__in=ids).update(**scrubbed)
    for each in persons:
        Anonymisation.objects.create(
            kind=RecordKind.PERSONS, reason=reason.strip(), done_by=actor, **Anonymisation.of(each)
        )
        audit(
            Action.CHANGE,
            actor=actor,
            target=each,
            detail={
                "anonymised": True,
                "reason": reason.strip(),
                "birth_date_kept_to": precision,
                "cases_rewritten": changed_cases,
                "events_rewritten": changed_events,
                "tracing_requests": request_ids,
            },
        )
    saved_in_bulk(PERSON, ids)
    saved_in_bulk(CASE, case_ids)
    saved_in_bulk(EVENT, event_ids)
    person.refresh_from_db()
    return person


@transaction.atomic
def remove_contact_details(*, actor: Any, person: Person, reason: str) -> Person:
    """Remove a person's contact details for good (their retention ended), history too."""
    _require_decider(actor, person)
    refuse_if_held(person)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the contact details are removed.")})
    ids = [each.pk for each in [person, *absorbed_into(person)]]
    Person.objects.filter(pk__in=ids).update(contact_details="", version=F("version") + 1)
    Person.history.filter(id__in=ids).update(contact_details="")
    Anonymisation.objects.create(
        kind=RecordKind.CONTACT_DETAILS,
        reason=reason.strip(),
        done_by=actor,
        **Anonymisation.of(person),
    )
    audit(
        Action.CHANGE,
        actor=actor,
        target=person,
        detail={"contact_details_removed": True, "reason": reason.strip()},
    )
    person.refresh_from_db()
    return person


@transaction.atomic
def anonymise_tracing_request(
    *, actor: Any, request: TracingRequest, reason: str, messages_only: bool = False
) -> TracingRequest:
    """Remove a tracing request's free text (its reason, the sought person's name as
    given, whereabouts, last known place, the channels and notes of its contact attempts,
    refusals and steps) and its family messages, history too; its
    persons, dates, steps and status stay. `messages_only` removes the messages alone."""
    _require_decider(actor, request)
    refuse_if_held(request)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the request is anonymised.")})
    kind = RecordKind.MESSAGES if messages_only else RecordKind.TRACING_REQUESTS
    if Anonymisation.objects.filter(kind=kind, **Anonymisation.of(request)).exists():
        raise ValidationError(_("This is already anonymised."))
    if not messages_only:
        values = {
            "reason": "",
            "sought_as_given": "",
            "whereabouts": "",
            "last_known_place": "",
        }
        TracingRequest.objects.filter(pk=request.pk).update(**values, version=F("version") + 1)
        TracingRequest.history.filter(id=request.pk).update(**values)
        _blank_tracing_notes([request.pk])
    RelayedMessage.objects.filter(tracing_request=request).update(text="", reply="")
    RelayedMessage.history.filter(tracing_request_id=request.pk).update(text="", reply="")
    Anonymisation.objects.create(
        kind=kind, reason=reason.strip(), done_by=actor, **Anonymisation.of(request)
    )
    audit(
        Action.CHANGE,
        actor=actor,
        target=request,
        detail={"anonymised": str(kind), "reason": reason.strip()},
    )
    request.refresh_from_db()
    return request
