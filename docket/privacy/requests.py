"""Data subjects' rights requests: recording them, the identity check, the deadline (one
month from receipt, extendable once by two months with a reason), the decision; and the
answer to an access request: everything Docket holds about the person, across merged
records, with what would harm others withheld by rule and listed.
"""

import calendar
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.accounts.permissions import Confidentiality
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import Case, Involvement
from docket.people.models import Person
from docket.privacy.disclosures import for_person
from docket.privacy.models import Decision, RightKind, RightsRequest
from docket.privacy.retention import _require_decider
from docket.tracing.consent import disclosure_for_requester
from docket.tracing.models import Consent, ConsentScope, TracingRequest


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_on(request: RightsRequest) -> date:
    """One month from receipt; three once extended."""
    return add_months(request.received_on, 3 if request.extended_on else 1)


def is_overdue(request: RightsRequest, as_of: date) -> bool:
    return not request.decision and due_on(request) < as_of


def _save(request: RightsRequest, actor: Any, detail: dict[str, Any], *, new: bool = False) -> None:
    request._history_user = actor  # type: ignore[attr-defined]
    request.full_clean()
    request.save()
    audit(Action.CREATE if new else Action.CHANGE, actor=actor, target=request, detail=detail)


@transaction.atomic
def record_request(
    *,
    actor: Any,
    person: Person,
    kind: str,
    received_on: date,
    asked_by: str = "",
    details: str = "",
    today: date,
) -> RightsRequest:
    _require_decider(actor, person)
    if received_on > today:
        raise ValidationError({"received_on": _("A request cannot be received in the future.")})
    request = RightsRequest(
        person=person,
        kind=kind,
        received_on=received_on,
        asked_by=asked_by.strip(),
        details=details.strip(),
        recorded_by=actor,
    )
    _save(request, actor, {"kind": kind, "person": person.pk}, new=True)
    return request


@transaction.atomic
def check_identity(*, actor: Any, request: RightsRequest, on: date, how: str) -> RightsRequest:
    _require_decider(actor, request.person)
    if not how.strip():
        raise ValidationError({"identity_check": _("Say how the identity was checked.")})
    request.identity_checked_on, request.identity_check = on, how.strip()
    _save(request, actor, {"identity_checked": on.isoformat()})
    return request


@transaction.atomic
def extend(*, actor: Any, request: RightsRequest, on: date, reason: str) -> RightsRequest:
    _require_decider(actor, request.person)
    if request.extended_on is not None:
        raise ValidationError(_("The deadline can be extended only once."))
    if not reason.strip():
        raise ValidationError({"extension_reason": _("Say why the deadline is extended.")})
    request.extended_on, request.extension_reason = on, reason.strip()
    _save(request, actor, {"extended": on.isoformat(), "reason": reason.strip()})
    return request


@transaction.atomic
def decide(
    *, actor: Any, request: RightsRequest, decision: str, reason: str, on: date
) -> RightsRequest:
    _require_decider(actor, request.person)
    if request.decision:
        raise ValidationError(_("This request is already decided."))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    if request.identity_checked_on is None and decision != Decision.REFUSED:
        raise ValidationError(_("Check the person's identity before granting the request."))
    if not reason.strip():
        raise ValidationError({"decision_reason": _("Give the reason for the decision.")})
    request.decision, request.decision_reason, request.decided_on = decision, reason.strip(), on
    _save(request, actor, {"decision": decision, "reason": reason.strip()})
    return request


# The access request's answer

AT_RISK = {Confidentiality.RESTRICTED, Confidentiality.SECRET}


def access_output(request: RightsRequest, *, actor: Any) -> dict[str, Any]:
    """Everything Docket holds about the request's person and every record merged into
    them, for the person to read. Withheld by rule, and listed in `withheld`:

    - other persons: their names, contact details and anything about them (fellow
      persons of an event or case, relatives, the other party of a tracing request and
      what the request says of them, family messages' replies written by others);
    - of a tracing request they asked for, what the sought person has not agreed to pass
      on: its status (found, refused) too, as every other door tells a requester
      (docket.tracing.consent); to the sought person, the family's messages not passed on;
    - sources: who gave information and the sources' titles (a source may be at risk);
      evidence files;
    - cases and events at a restricted or secret level are named by number only, without
      their summaries or descriptions, which may describe others.

    Only what `actor` may see goes in, through the read door, and is counted: a record of
    another team hidden from the compiler is neither shown, nor numbered, nor counted
    (its existence must not leak); that team's coordinators answer for it.
    """
    if request.kind != RightKind.ACCESS:
        raise ValidationError(_("Only an access request has this answer."))
    person = request.person
    _require_decider(actor, person)
    ids = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    withheld: list[dict[str, Any]] = []
    persons = Person.objects.filter(pk__in=ids).prefetch_related("names")
    data: dict[str, Any] = {
        "person": person.pk,
        "records": [
            {
                "number": each.pk,
                "merged_into": each.merged_into_id,
                "names": [
                    {"name": name.name, "kind": name.kind, "script": name.script}
                    for name in each.names.all()
                ],
                "sex": each.sex,
                "birth_date": str(each.birth_date or ""),
                "birth_place": each.birth_place,
                "nationality": str(each.nationality or ""),
                "status": each.status,
                "notes": each.notes,
                "contact_details": each.contact_details,
            }
            for each in persons
        ],
    }
    seen_persons = Person.objects.visible_to(actor)
    relatives = (
        person.relationships.filter(relative__in=seen_persons).count()
        + person.relatives_of.filter(person__in=seen_persons).count()
    )
    if relatives:
        withheld.append({"what": "relationships", "count": relatives, "rule": "other persons"})
    case_ids = set(
        Case.persons.through.objects.filter(person_id__in=ids).values_list("case_id", flat=True)
    ) | set(Involvement.objects.filter(person__in=ids).values_list("event__case_id", flat=True))
    cases = []
    seen_cases = Case.objects.visible_to(actor)
    for case in seen_cases.filter(pk__in=case_ids).order_by("pk"):
        at_risk = case.confidentiality in AT_RISK
        cases.append(
            {
                "number": case.pk,
                "status": case.status,
                "title": "" if at_risk else case.title,
                "summary": "" if at_risk else case.summary,
            }
        )
        if at_risk:
            withheld.append(
                {"what": "case title and summary", "number": case.pk, "rule": "at risk"}
            )
        others = case.persons.filter(pk__in=seen_persons).exclude(pk__in=ids).count()
        if others:
            withheld.append(
                {
                    "what": "other persons of a case",
                    "number": case.pk,
                    "count": others,
                    "rule": "other persons",
                }
            )
    data["cases"] = cases
    events = []
    for involvement in (
        Involvement.objects.filter(
            person__in=ids,
            event__deleted_at__isnull=True,
            event__case__in=seen_cases,
        )
        .select_related("event", "event__type", "event__case", "role")
        .order_by("event__start_on", "event_id")
    ):
        event = involvement.event
        at_risk = event.case.confidentiality in AT_RISK
        events.append(
            {
                "number": event.pk,
                "case": event.case_id,
                "type": str(event.type),
                "role": str(involvement.role),
                "start": str(event.start_on or ""),
                "end": str(event.end_on or ""),
                "place": event.place_name,
                "description": "" if at_risk else event.description,
            }
        )
        sources = event.sources.visible_to(actor).count()
        if sources:
            withheld.append(
                {
                    "what": "sources of an event",
                    "number": event.pk,
                    "count": sources,
                    "rule": "sources",
                }
            )
        if at_risk and event.description:
            withheld.append({"what": "event description", "number": event.pk, "rule": "at risk"})
    data["events"] = events
    tracing = []
    today = timezone.localdate()
    for tracing_request in (
        TracingRequest.objects.visible_to(actor)
        .filter(Q(requester__in=ids) | Q(sought__in=ids))
        .select_related("sought", "requester")
        .order_by("pk")
    ):
        as_sought = tracing_request.sought_id in ids
        entry: dict[str, Any] = {
            "number": tracing_request.pk,
            "as": "sought" if as_sought else "requester",
            "opened_on": str(tracing_request.opened_on or ""),
            "relationship": tracing_request.relationship,
        }
        if as_sought:
            entry.update(
                status=tracing_request.status,
                whereabouts=tracing_request.whereabouts,
                last_known_place=tracing_request.last_known_place,
                # What the family wrote reaches them as their consent lets it: passed on.
                messages=[
                    {
                        "written_on": str(message.written_on),
                        "text": message.text,
                        "passed_on": str(message.passed_on),
                        "reply": message.reply,
                    }
                    for message in tracing_request.messages.filter(passed_on__isnull=False)
                ],
            )
        else:
            # A requester is told what the sought person allowed, and only that, as by
            # every other door (docket.tracing.consent): not the request's status, which
            # says whether they were found or refused.
            told = disclosure_for_requester(tracing_request, today)
            passed = str(ConsentScope.PASS_MESSAGES) in told.scopes
            entry.update(
                statement=told.statement,
                messages=[
                    {
                        "written_on": str(message.written_on),
                        "text": message.text,
                        "passed_on": str(message.passed_on or "") if passed else "",
                    }
                    for message in tracing_request.messages.all()
                ],
            )
        tracing.append(entry)
        withheld.append(
            {
                "what": "the other party of a tracing request",
                "number": tracing_request.pk,
                "rule": "other persons",
            }
        )
        if not as_sought:
            withheld.append(
                {
                    "what": "what the sought person has not agreed to pass on",
                    "number": tracing_request.pk,
                    "rule": "the sought person's consent",
                }
            )
    data["tracing_requests"] = tracing
    data["consents"] = [
        {
            "scope": consent.scope,
            "given_on": str(consent.given_on),
            "expires_on": str(consent.expires_on or ""),
            "withdrawn_on": str(consent.withdrawn_on or ""),
        }
        for consent in Consent.objects.filter(person__in=ids).order_by("given_on", "pk")
    ]
    data["disclosures"] = [
        {"at": item.at.isoformat(timespec="seconds"), "what": item.what}
        for item in for_person(person, actor)
    ]
    data["withheld"] = withheld
    audit(
        Action.EXPORT,
        actor=actor,
        target=request,
        detail={
            "via": "page",
            "what": "access request answer",
            "person": person.pk,
            "withheld": len(withheld),
        },
    )
    return data
