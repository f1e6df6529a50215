"""Writes to tracing: one function per use case, for pages, the API, commands and the demo.

Each checks permission (the request must be editable by the actor), runs in a
transaction, records who acted, and writes the audit entry. Disclosure to the
requester is not decided here but in docket.tracing.consent; relaying a
message asks it too.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.accounts.models import Team
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases import services as case_services
from docket.cases.models import Authority, Case, Event, EventType, InvolvementRole
from docket.lib import bulk
from docket.lib.dates import show_date
from docket.lib.partialdate import PartialDate
from docket.lib.services import owning_team, require_editable, require_writer
from docket.people import merges
from docket.people import services as people_services
from docket.people.models import NameKind, Person, RelationshipKind
from docket.people.services import NameInput
from docket.tracing.consent import PUBLIC, allowed_for_requester, ended_since
from docket.tracing.models import (
    AskedFor,
    Consent,
    ConsentMethod,
    ConsentScope,
    ContactAttempt,
    ContactKind,
    ContactOutcome,
    MatchStatus,
    Refusal,
    RelayedMessage,
    TracingMatch,
    TracingRequest,
    TracingStatus,
    TracingStep,
)

# Where a request may go from each status; the service refuses any other move.
TRANSITIONS: dict[str, set[str]] = {
    TracingStatus.OPEN: {TracingStatus.SEARCHING, TracingStatus.LOCATED, TracingStatus.CLOSED},
    TracingStatus.SEARCHING: {TracingStatus.LOCATED, TracingStatus.CLOSED},
    TracingStatus.LOCATED: {TracingStatus.CONSENT_SOUGHT, TracingStatus.CLOSED},
    TracingStatus.CONSENT_SOUGHT: {
        TracingStatus.CONTACT_ESTABLISHED,
        TracingStatus.DECLINED,
        TracingStatus.CLOSED,
    },
    TracingStatus.CONTACT_ESTABLISHED: {TracingStatus.CLOSED},
    TracingStatus.DECLINED: {TracingStatus.CONSENT_SOUGHT, TracingStatus.CLOSED},
    TracingStatus.CLOSED: {TracingStatus.OPEN},
}


def next_statuses(status: str) -> list[str]:
    """The statuses a request in `status` may move to, in the order of the choices."""
    allowed = TRANSITIONS.get(status, set())
    return [choice for choice in TracingStatus.values if choice in allowed]


@dataclass(frozen=True)
class NewPerson:
    """A person recorded at intake: names in any script, and what else is known."""

    names: list[NameInput]
    father_name: str = ""
    birth_date: PartialDate | None = None
    birth_place: str = ""
    contact_details: str = ""


@dataclass
class Intake:
    requester: Person | NewPerson
    sought: Person | NewPerson
    relationship_kind: RelationshipKind | None = None
    relationship: str = ""
    reason: str = ""
    asks_for: list[str] = field(default_factory=list)
    last_contact: date | None = None
    last_known_place: str = ""
    opened_on: date | None = None
    confidentiality: str = "restricted"
    team: Team | None = None


def _create_person(actor: Any, new: NewPerson, team: Team | None, level: str) -> Person:
    names = [name for name in new.names if name.name.strip()]
    if new.father_name.strip():
        names.append(NameInput(new.father_name.strip(), kind=NameKind.FATHER))
    return people_services.create_person(
        actor=actor,
        names=names,
        team=team,
        confidentiality=level,
        birth_date=new.birth_date,
        birth_place=new.birth_place,
        contact_details=new.contact_details,
    )


def _step(
    actor: Any, request: TracingRequest, before: str, after: str, on: date, note: str = ""
) -> TracingStep:
    return TracingStep.objects.create(
        tracing_request=request, from_status=before, to_status=after, on=on, by=actor, note=note
    )


@transaction.atomic
def open_request(*, actor: Any, intake: Intake, match: bool = True) -> TracingRequest:
    """Record a tracing request, with the requester and the sought person, new or known;
    a sought person recorded now is matched at once against everyone recorded."""
    user = require_writer(actor)
    team = owning_team(user, intake.team)
    unknown = set(intake.asks_for) - set(AskedFor.values)
    if unknown:
        raise ValidationError({"asks_for": _("Choose what the family asks for from the list.")})
    visible = Person.objects.visible_to(user)
    for chosen in (intake.requester, intake.sought):
        if isinstance(chosen, Person) and not visible.filter(pk=chosen.pk).exists():
            raise ValidationError(_("One of the persons chosen does not exist."))
    requester = (
        intake.requester
        if isinstance(intake.requester, Person)
        else _create_person(user, intake.requester, team, intake.confidentiality)
    )
    sought = (
        intake.sought
        if isinstance(intake.sought, Person)
        else _create_person(user, intake.sought, team, intake.confidentiality)
    )
    if requester.pk == sought.pk:
        raise ValidationError(_("The requester and the person sought must be two people."))
    relationship = intake.relationship or (
        intake.relationship_kind.label if intake.relationship_kind else ""
    )
    request = TracingRequest(
        requester=requester,
        sought=sought,
        sought_as_given=sought.display_name,
        sought_created=not isinstance(intake.sought, Person),
        relationship=relationship,
        reason=intake.reason,
        asks_for=list(intake.asks_for),
        last_contact=intake.last_contact,
        last_known_place=intake.last_known_place,
        opened_on=intake.opened_on or timezone.localdate(),
        confidentiality=intake.confidentiality,
        team=team,
        created_by=user,
    )
    request._history_user = user  # type: ignore[attr-defined]
    request.full_clean()
    request.save()
    if intake.relationship_kind is not None:
        people_services.relate(
            actor=user, person=requester, relative=sought, kind=intake.relationship_kind
        )
    _step(user, request, "", TracingStatus.OPEN, request.opened_on or timezone.localdate())
    audit(Action.CREATE, actor=user, target=request)
    if match and request.sought_created:
        find_matches(request)
    return request


# Matching


def find_matches(request: TracingRequest) -> list[TracingMatch]:
    """Score the sought person against everyone recorded with the person-matching model
    (docket.linkage.scoring) and keep the candidates with their per-comparison weights.
    A candidate already decided on keeps its decision."""
    from docket.linkage.persons import person_columns
    from docket.linkage.scoring import score_against_everyone

    sought_id = request.sought_id
    scores = score_against_everyone(person_columns(), {sought_id})
    decided = set(
        request.matches.exclude(status=MatchStatus.OPEN).values_list("candidate_id", flat=True)
    )
    request.matches.filter(status=MatchStatus.OPEN).delete()
    found: list[TracingMatch] = []
    for pair in scores.pairs:
        other = pair.second if pair.first == sought_id else pair.first
        if other in decided or other == request.requester_id:
            continue
        found.append(
            TracingMatch.objects.create(
                tracing_request=request,
                candidate_id=other,
                probability=pair.probability,
                match_weight=pair.match_weight,
                weights=[evidence.as_json() for evidence in pair.evidence],
            )
        )
    return sorted(found, key=lambda match: -match.probability)


@transaction.atomic
def confirm_match(*, actor: Any, match: TracingMatch) -> TracingRequest:
    """The candidate is the person sought: the sought person recorded at intake is merged
    into them (docket.people.merges, undoable there), so the request now names them.

    Confirming merges two records, so it follows the rule of merging: coordinators of
    the owning team and administrators."""
    request = match.tracing_request
    require_editable(actor, request)
    if match.status != MatchStatus.OPEN:
        raise ValidationError(_("This candidate was already decided on."))
    candidate = Person.objects.visible_to(actor).filter(pk=match.candidate_id).first()
    if candidate is None:
        raise ValidationError(_("This candidate is no longer recorded."))
    if not request.sought_created:
        raise ValidationError(
            _("The person sought was chosen at intake; there is nothing to match.")
        )
    if not (merges.may_merge(actor, candidate) and merges.may_merge(actor, request.sought)):
        raise PermissionDenied(
            _("Confirming a match merges two records: a coordinator of the owning team does it.")
        )
    merges.merge_persons(actor=actor, keep=candidate, absorb=request.sought)
    request.refresh_from_db()
    now = timezone.now()
    match.status, match.decided_by, match.decided_at = MatchStatus.CONFIRMED, actor, now
    match.save(update_fields=["status", "decided_by", "decided_at"])
    request.matches.filter(status=MatchStatus.OPEN).update(
        status=MatchStatus.REJECTED, decided_by=actor, decided_at=now
    )
    audit(
        Action.CHANGE,
        actor=actor,
        target=request,
        detail={"match_confirmed": match.candidate_id},
    )
    return request


@transaction.atomic
def propose_match(*, actor: Any, request: TracingRequest, candidate: Person) -> TracingMatch:
    """A recorded person found by name, put among the candidates by hand: the model did
    not propose them, so they carry no probability and no comparisons."""
    require_editable(actor, request)
    if not Person.objects.visible_to(actor).filter(pk=candidate.pk).exists():
        raise ValidationError(_("This candidate is no longer recorded."))
    if candidate.pk in (request.sought_id, request.requester_id):
        raise ValidationError(_("This person is already named in the request."))
    if request.matches.filter(candidate_id=candidate.pk).exists():
        raise ValidationError(_("This person is already among the candidates."))
    match = TracingMatch.objects.create(
        tracing_request=request, candidate_id=candidate.pk, probability=0.0
    )
    audit(Action.CHANGE, actor=actor, target=request, detail={"match_proposed": candidate.pk})
    return match


@transaction.atomic
def reject_match(*, actor: Any, match: TracingMatch) -> TracingMatch:
    require_editable(actor, match.tracing_request)
    if match.status != MatchStatus.OPEN:
        raise ValidationError(_("This candidate was already decided on."))
    match.status, match.decided_by, match.decided_at = (
        MatchStatus.REJECTED,
        actor,
        timezone.now(),
    )
    match.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        Action.CHANGE,
        actor=actor,
        target=match.tracing_request,
        detail={"match_rejected": match.candidate_id},
    )
    return match


# Status


def _check_move(now: str, to: str) -> None:
    """Refuse a status the pages do not allow after `now` (TRANSITIONS)."""
    if to not in TRANSITIONS.get(now, set()):
        raise ValidationError(
            _("A request that is %(now)s cannot become %(to)s.")
            % {
                "now": TracingStatus(now).label.lower(),
                "to": TracingStatus(to).label.lower() if to in TracingStatus.values else to,
            }
        )


@transaction.atomic
def move_request(
    *,
    actor: Any,
    request: TracingRequest,
    to: str,
    on: date | None = None,
    note: str = "",
    whereabouts: str | None = None,
) -> TracingStep:
    """Move the request to status `to`, if allowed from where it is; dated and attributed."""
    require_editable(actor, request)
    request = TracingRequest.objects.select_for_update().get(pk=request.pk)
    _check_move(request.status, to)
    day = on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"on": _("A step cannot be dated in the future.")})
    _not_before_opening(request, day, "on")
    before = request.status
    request.status = to
    fields = ["status"]
    if whereabouts is not None:
        request.whereabouts = whereabouts
        fields.append("whereabouts")
    request._history_user = actor  # type: ignore[attr-defined]
    request.version += 1
    request.save(update_fields=[*fields, "version", "updated_at"])
    step = _step(actor, request, before, to, day, note)
    audit(Action.CHANGE, actor=actor, target=request, detail={"status": [before, to]})
    return step


# Consent and refusal


def _not_before_opening(request: TracingRequest, day: date, name: str) -> None:
    """Nothing about a request happens before it was opened: an earlier day is a typo."""
    if request.opened_on is not None and day < request.opened_on:
        raise ValidationError(
            {
                name: _("The request was opened on %(opened)s: this cannot be dated before it.")
                % {"opened": show_date(request.opened_on)}
            }
        )


def _checked_day(day: date, name: str) -> date:
    if day > timezone.localdate():
        raise ValidationError({name: _("This cannot be in the future.")})
    return day


@transaction.atomic
def record_consent(
    *,
    actor: Any,
    request: TracingRequest,
    scope: str,
    given_on: date,
    how: str,
    to_public: bool = False,
    expires_on: date | None = None,
    notes: str = "",
) -> Consent:
    """The sought person agrees to `scope`, towards the requester (or the public)."""
    require_editable(actor, request)
    _checked_day(given_on, "given_on")
    if expires_on is not None and expires_on < given_on:
        raise ValidationError({"expires_on": _("A consent cannot end before it is given.")})
    check_not_revived(
        request.sought, scope, PUBLIC if to_public else request.requester, given_on=given_on
    )
    consent = Consent(
        person=request.sought,
        scope=scope,
        granted_to=None if to_public else request.requester,
        granted_to_public=to_public,
        given_on=given_on,
        expires_on=expires_on,
        how=how,
        notes=notes,
        recorded_by=actor,
    )
    consent._history_user = actor  # type: ignore[attr-defined]
    consent.full_clean()
    consent.save()
    audit(
        Action.CHANGE,
        actor=actor,
        target=request,
        detail={"consent": consent.pk, "scope": scope, "public": to_public},
    )
    return consent


def check_not_revived(
    person: Any, scope: str, to: Any, *, given_on: date, field: str = "given_on"
) -> None:
    """A consent given on or before a withdrawal or a refusal of the same scope towards
    the same party would count for nothing (docket.tracing.consent): refuse to record it,
    rather than keep a consent that looks in force and is not."""
    ended = ended_since(person, scope, to, since=given_on)
    if ended is not None:
        raise ValidationError(
            {
                field: _(
                    "This was withdrawn or refused on %(day)s: a consent given on or before "
                    "that day cannot bring it back; record the day they agreed again."
                )
                % {"day": show_date(ended)}
            }
        )


def _earliest(first: date | None, second: date | None) -> date | None:
    days = [day for day in (first, second) if day is not None]
    return min(days) if days else None


def consent_as_imported(current: Consent | None, values: dict[str, Any]) -> dict[str, Any]:
    """The values an import may write on a consent (`current` None for a new one).

    An import records a person's word, it never revives it: a consent given in the
    future is refused, and so is a new one (not itself withdrawn) given on or before
    a withdrawal or refusal of its scope towards its party (`check_not_revived`). Of
    one already recorded, who gave it, to whom, for what and on which day cannot
    change (record a new consent instead), its end only ever comes earlier, and a
    withdrawal recorded in Docket stays on its day whatever the file says.
    Refusals are not in the format at all; they bind through docket.tracing.consent,
    whatever consents a file brings.
    """
    given_on = values.get("given_on")
    if given_on is not None and given_on > timezone.localdate():
        raise ValidationError(_("A consent cannot be given in the future."))
    if current is None:
        if given_on is not None and values.get("withdrawn_on") is None:
            # A consent that would look in force, dated before a recorded "no".
            to = PUBLIC if values.get("granted_to_public") else values.get("granted_to_id")
            check_not_revived(values["person_id"], values["scope"], to, given_on=given_on)
        return values
    fixed = ("person_id", "scope", "granted_to_id", "granted_to_public", "given_on")
    if any(name in values and getattr(current, name) != values[name] for name in fixed):
        raise ValidationError(
            _(
                "Who gave this consent, to whom, for what and on which day cannot change; "
                "record a new consent instead."
            )
        )
    values = dict(values)
    if "expires_on" in values:
        values["expires_on"] = _earliest(current.expires_on, values["expires_on"])
    if current.withdrawn_on is not None:
        # As recorded: moved earlier, it would let a consent dated between the two days
        # pass check_not_revived and bring back what the person took back.
        values["withdrawn_on"] = current.withdrawn_on
    return values


def request_as_imported(current: TracingRequest | None, values: dict[str, Any]) -> dict[str, Any]:
    """The values an import may write on a tracing request (`current` None for a new one).

    Who asks and who is sought cannot change, as on the pages: a refusal binds through
    them (docket.tracing.consent), so a file moving them would undo a "no". A change of
    status follows the steps the pages allow (TRANSITIONS), and `imported_move` records
    it as a dated step."""
    if current is None:
        return values
    if any(
        name in values and getattr(current, name) != values[name]
        for name in ("requester_id", "sought_id")
    ):
        raise ValidationError(
            _("Who asks and who is sought cannot change; open a new request instead.")
        )
    to = values.get("status", current.status)
    if to != current.status:
        _check_move(current.status, to)
    return values


def imported_move(actor: Any, request: TracingRequest, before: str, note: str) -> TracingStep:
    """The dated step of a status an import changed (`request_as_imported` allowed it)."""
    return _step(actor, request, before, request.status, timezone.localdate(), note)


def request_consents(request: TracingRequest) -> Any:
    """The consents that concern this request: the sought person's, to its requester or
    to the public."""
    return Consent.objects.filter(person=request.sought_id).filter(
        Q(granted_to=request.requester_id) | Q(granted_to_public=True)
    )


@transaction.atomic
def withdraw_consent(
    *,
    actor: Any,
    request: TracingRequest,
    consent: Consent,
    on: date | None = None,
    reason: str = "",
) -> Consent:
    """Withdraw a consent; it stops covering anything from `on` (today) onwards. The
    reason, when given, is kept with the consent (and its history), not in the audit log."""
    require_editable(actor, request)
    if not request_consents(request).filter(pk=consent.pk).exists():
        raise ValidationError(_("This consent does not concern this request."))
    if consent.withdrawn_on is not None:
        raise ValidationError(_("This consent was already withdrawn."))
    day = _checked_day(on or timezone.localdate(), "withdrawn_on")
    if day < consent.given_on:
        raise ValidationError(
            {"withdrawn_on": _("A consent cannot be withdrawn before the day it was given.")}
        )
    consent.withdrawn_on = day
    consent.withdrawn_by = actor
    consent.withdrawal_reason = reason.strip()
    consent._history_user = actor  # type: ignore[attr-defined]
    consent.save(update_fields=["withdrawn_on", "withdrawn_by", "withdrawal_reason"])
    audit(
        Action.CHANGE,
        actor=actor,
        target=request,
        detail={"consent_withdrawn": consent.pk, "withdrawn_on": day.isoformat()},
    )
    return consent


@transaction.atomic
def record_refusal(
    *,
    actor: Any,
    request: TracingRequest,
    scope: str,
    refused_on: date,
    how: str,
    to_public: bool = False,
    notes: str = "",
) -> Refusal:
    """The sought person says no to `scope`, towards this request's requester (on every
    request of theirs for this person) or towards anyone. A consent in force to them by
    name ends (on the refusal's day if it was given by then, today otherwise); a refusal
    to anyone ends every consent in force for the scope. A
    consent to the public stays for others after a refusal to one requester, but binds
    that requester no more (docket.tracing.consent.allowed_for_requester)."""
    require_editable(actor, request)
    _checked_day(refused_on, "refused_on")
    refusal = Refusal(
        tracing_request=request,
        scope=scope,
        refused_to_public=to_public,
        refused_on=refused_on,
        how=how,
        notes=notes,
        recorded_by=actor,
    )
    refusal._history_user = actor  # type: ignore[attr-defined]
    refusal.full_clean()
    refusal.save()
    today = timezone.localdate()
    current = (
        Consent.objects.filter(person=request.sought, scope=scope, given_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    )
    if not to_public:
        current = current.filter(granted_to=request.requester)
    for consent in current:
        # A consent given by the day of the "no" ended that day (the refusal binds from
        # it already); one given since ends today. A consent dated on or before either
        # day then never counts again towards the party (docket.tracing.consent).
        ended = refused_on if consent.given_on <= refused_on else today
        consent.withdrawn_on, consent.withdrawn_by = ended, actor
        consent._history_user = actor  # type: ignore[attr-defined]
        consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    audit(Action.CHANGE, actor=actor, target=request, detail={"refusal": refusal.pk})
    return refusal


# Contact attempts and the events they become


@transaction.atomic
def log_attempt(
    *,
    actor: Any,
    request: TracingRequest,
    kind: str,
    date: date,
    outcome: str = ContactOutcome.PENDING,
    channel: str = "",
    refused_by: Authority | None = None,
    notes: str = "",
) -> ContactAttempt:
    require_editable(actor, request)
    _checked_day(date, "date")
    if refused_by is not None and outcome != ContactOutcome.REFUSED:
        raise ValidationError({"refused_by": _("Only a refused attempt has a refusing authority.")})
    attempt = ContactAttempt(
        tracing_request=request,
        kind=kind,
        date=date,
        outcome=outcome,
        channel=channel,
        refused_by=refused_by,
        notes=notes,
        recorded_by=actor,
    )
    attempt._history_user = actor  # type: ignore[attr-defined]
    attempt.full_clean()
    attempt.save()
    audit(Action.CHANGE, actor=actor, target=request, detail={"contact_attempt": attempt.pk})
    return attempt


@dataclass(frozen=True)
class EventProposal:
    """The documented event a refused visa or visit proposes, for staff to confirm."""

    type_code: str
    start: PartialDate
    authority: Authority | None
    description: str
    victims: list[Person]
    family: list[Person]
    case_title: str


def event_proposal(attempt: ContactAttempt, reader: Any) -> EventProposal | None:
    """What `reader` is offered to confirm: the sought person and the requester are named,
    and become the event's persons, only when `reader` may see them (a request one may
    change can name a person one may not see)."""
    code = attempt.proposes_event
    if code is None:
        return None
    request = attempt.tracing_request
    seen = set(
        Person.objects.visible_to(reader)
        .filter(pk__in=[request.sought_id, request.requester_id])
        .values_list("pk", flat=True)
    )
    sought_name = (
        request.sought.display_name
        if request.sought_id in seen
        else _("the person sought, whose record you may not see")
    )
    kind = ContactKind(attempt.kind).label.lower()
    values = {
        "kind": kind,
        "date": attempt.date.isoformat(),
        "sought": sought_name,
        "reference": request.reference,
    }
    if attempt.refused_by:
        description = _(
            "The family's %(kind)s on %(date)s, toward %(sought)s, was refused by "
            "%(authority)s (tracing request %(reference)s)."
        ) % (values | {"authority": attempt.refused_by.name})
    else:
        description = (
            _(
                "The family's %(kind)s on %(date)s, toward %(sought)s, was refused "
                "(tracing request %(reference)s)."
            )
            % values
        )
    if attempt.notes:
        description += "\n\n" + attempt.notes
    return EventProposal(
        type_code=code,
        start=PartialDate.parse(attempt.date.isoformat()),
        authority=attempt.refused_by,
        description=description,
        victims=[request.requester] if request.requester_id in seen else [],
        family=[request.sought] if request.sought_id in seen else [],
        case_title=_("Contact barred: %(name)s") % {"name": sought_name},
    )


@transaction.atomic
def document_refusal(
    *,
    actor: Any,
    attempt: ContactAttempt,
    case: Case | None = None,
    new_case_title: str = "",
    description: str | None = None,
) -> Event:
    """Turn a refused visa or visit into the documented event staff confirmed: on `case`
    (one they may edit), or on a new case for the sought person."""
    request = attempt.tracing_request
    require_editable(actor, request)
    proposal = event_proposal(attempt, actor)
    if proposal is None:
        raise ValidationError(_("Only a refused visa or visit becomes a documented event."))
    if attempt.event_id is not None:
        raise ValidationError(_("This refusal is already documented."))
    if case is None:
        if not new_case_title.strip():
            raise ValidationError({"case": _("Choose a case, or give a title for a new one.")})
        case = case_services.open_case(
            actor=actor,
            title=new_case_title.strip(),
            persons=[*proposal.family, *proposal.victims],
            team=request.team,
            confidentiality=request.confidentiality,
        )
    elif not Case.objects.editable_by(actor).filter(pk=case.pk).exists():
        raise ValidationError({"case": _("Choose a case you may change.")})
    victim = InvolvementRole.objects.get(code="victim")
    family = InvolvementRole.objects.get(code="family")
    event = case_services.add_event(
        actor=actor,
        case=case,
        type=EventType.objects.get(code=proposal.type_code),
        start=proposal.start,
        authority=proposal.authority,
        description=proposal.description if description is None else description,
        involvements=[
            *(case_services.InvolvementInput(person, victim) for person in proposal.victims),
            *(case_services.InvolvementInput(person, family) for person in proposal.family),
        ],
    )
    attempt.event = event
    attempt._history_user = actor  # type: ignore[attr-defined]
    attempt.save(update_fields=["event"])
    audit(Action.CHANGE, actor=actor, target=request, detail={"documented_as_event": event.pk})
    return event


# Relayed messages


@transaction.atomic
def log_message(
    *, actor: Any, request: TracingRequest, text: str, written_on: date | None = None
) -> RelayedMessage:
    """A short message from the family, logged; passing it on is a step of its own."""
    require_editable(actor, request)
    if not text.strip():
        raise ValidationError({"text": _("Write the message.")})
    message = RelayedMessage(
        tracing_request=request,
        text=text.strip(),
        written_on=_checked_day(written_on or timezone.localdate(), "written_on"),
        logged_by=actor,
    )
    message._history_user = actor  # type: ignore[attr-defined]
    message.full_clean()
    message.save()
    audit(Action.CHANGE, actor=actor, target=request, detail={"message": message.pk})
    return message


class NoConsent(ValidationError):
    """Passing something on that the sought person has not agreed to."""


@transaction.atomic
def relay_message(*, actor: Any, message: RelayedMessage, on: date | None = None) -> RelayedMessage:
    """Pass the family's message on: only while the sought person's consent to pass
    messages to this requester is in force."""
    request = message.tracing_request
    require_editable(actor, request)
    day = _checked_day(on or timezone.localdate(), "passed_on")
    if message.passed_on is not None:
        raise ValidationError(_("This message was already passed on."))
    if not allowed_for_requester(request, ConsentScope.PASS_MESSAGES, day):
        raise NoConsent(
            _(
                "This message cannot be passed on: the person sought has no consent in force "
                "to receive messages from this requester. Record their consent first."
            )
        )
    message.passed_on, message.passed_by = day, actor
    message._history_user = actor  # type: ignore[attr-defined]
    message.save(update_fields=["passed_on", "passed_by"])
    audit(Action.CHANGE, actor=actor, target=request, detail={"message_passed_on": message.pk})
    return message


@transaction.atomic
def record_delivery(
    *,
    actor: Any,
    message: RelayedMessage,
    delivered_on: date | None = None,
    reply: str = "",
    reply_on: date | None = None,
) -> RelayedMessage:
    request = message.tracing_request
    require_editable(actor, request)
    if message.passed_on is None:
        raise ValidationError(_("A message not passed on cannot have been delivered."))
    fields: list[str] = []
    if delivered_on is not None:
        message.delivered_on = _checked_day(delivered_on, "delivered_on")
        fields.append("delivered_on")
    if reply.strip():
        message.reply = reply.strip()
        message.reply_on = _checked_day(reply_on or timezone.localdate(), "reply_on")
        fields += ["reply", "reply_on"]
    if not fields:
        raise ValidationError(_("Give a delivery date or a reply."))
    message._history_user = actor  # type: ignore[attr-defined]
    message.save(update_fields=fields)
    audit(Action.CHANGE, actor=actor, target=request, detail={"message_delivery": message.pk})
    return message


# What the tracing pages and API name as their choices.
CONSENT_METHODS = ConsentMethod.choices


# Batches: many new records at once, for the importer (docket.lib.bulk)


def open_requests_in_bulk(
    *, batch: bulk.Batch, requests: list[TracingRequest]
) -> list[TracingRequest]:
    """New tracing requests between persons already recorded, under the rules of
    `open_request`: a writer, each request filed under one of their own teams, naming
    persons they may see, two different persons."""
    bulk.require_batch_writer(batch)
    bulk.check_teams(batch, [request.team_id for request in requests])
    for index, request in enumerate(requests):
        if request.requester_id == request.sought_id:
            raise bulk.RowRefused(
                index,
                ValidationError(_("The requester and the person sought must be two people.")),
            )
    if batch.actor is not None:
        bulk.check_among(
            batch,
            Person.objects.visible_to(batch.actor),
            [[request.requester_id, request.sought_id] for request in requests],
            _("One of the persons chosen does not exist."),
        )
    for request in requests:
        request.created_by = batch.actor
    bulk.save_new(TracingRequest, requests, batch)
    batch.created(requests)
    return requests


def log_attempts_in_bulk(
    *, batch: bulk.Batch, attempts: list[ContactAttempt]
) -> list[ContactAttempt]:
    """New contact attempts, under the rule of `log_attempt`: each on a request the writer
    may change."""
    bulk.require_batch_writer(batch)
    if batch.actor is not None:
        bulk.check_among(
            batch,
            TracingRequest.objects.editable_by(batch.actor),
            [[attempt.tracing_request_id] for attempt in attempts],
            _("You may not change this record."),
        )
    bulk.save_new(ContactAttempt, attempts, batch)
    batch.created(attempts)
    return attempts


def forget_sought_person(*, actor: Any, person: Person) -> None:
    """Blank what the tracing requests that sought `person` say of them (the name as the
    family gave it, their whereabouts), in the requests' history too: part of erasing the
    person (docket.people.erasure), inside its transaction and under its permission check."""
    for request in TracingRequest._base_manager.filter(sought=person):
        request.sought_as_given = ""
        request.whereabouts = ""
        request._history_user = actor  # type: ignore[attr-defined]
        request.save(update_fields=["sought_as_given", "whereabouts", "updated_at"])
    TracingRequest.history.filter(sought_id=person.pk).update(sought_as_given="", whereabouts="")
