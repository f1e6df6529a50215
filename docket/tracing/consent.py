"""THE RULE of tracing: what a requester may be told about the person they seek.

Nothing about a sought person (whereabouts, contact details, messages, even
whether they were found) goes to a requester unless a consent of the sought
person covering exactly that scope, to that requester or to the public, is in
force on the day: given on or before it, not expired (`expires_on` is the last
day it covers), not withdrawn (withdrawal takes effect on the day it is
recorded), and given after every withdrawal towards the same party (a consent
dated on or before a withdrawal never brings back what it ended). A refusal,
or no consent, leaves the requester with one neutral sentence, the same
whether the person was not found, is still being looked for, or was found and
said no.

Everything prepared for a requester (the reply letter and its PDF, the
requester export, `docket tracing requester-report`, the API's for-requester
answer, relayed messages) is built from `disclosure_for_requester` and from
nothing else. Staff who may see a request see all of it on its page, under the
usual confidentiality rule; that is not a disclosure to the requester.

What a member of staff is shown of that letter (the reply page and its PDF, the
requester export, the API, the command) is `disclosure_for_reader`: the same
disclosure, less what the reader may not see under the rule that holds for every
record (`shown_to`): the requester's name only to those who may see the requester,
the sought person's contact details only to those who may edit the sought person.
"""

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from docket.accounts.models import User
from docket.people.models import Person
from docket.tracing.models import Consent, ConsentScope, Refusal, TracingRequest


class Public:
    """The party "anyone at all", as a consent to publish names it."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = Public()
Party = Person | Public


def consents_in_force(person: Person, scope: str, to: Party, *, on: date) -> QuerySet[Consent]:
    """The consents of `person` covering `scope` towards `to` (or the public) on day `on`.

    A withdrawal ends more than the one consent it was recorded on: no consent given on or
    before it counts any more towards its party. A withdrawal of a consent to a person binds
    every consent that reaches them (to them by name, or to the public); a withdrawal of a
    consent to the public binds the consents to the public. So a consent recorded later but
    dated before the withdrawal (a backdated one, a file's copy under a new ref) never
    brings back what the person withdrew; only one given after the withdrawal does."""
    party = Q(granted_to_public=True)
    if isinstance(to, Person):
        party |= Q(granted_to=to)
    withdrawals = Consent.objects.filter(
        person=OuterRef("person"),
        scope=OuterRef("scope"),
        withdrawn_on__isnull=False,
        withdrawn_on__lte=on,
        withdrawn_on__gte=OuterRef("given_on"),
    )
    consents = (
        Consent.objects.filter(person=person, scope=scope, given_on__lte=on)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        .filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))
        .filter(party)
        .exclude(Q(granted_to_public=True) & Exists(withdrawals.filter(granted_to_public=True)))
    )
    if isinstance(to, Person):
        consents = consents.exclude(Exists(withdrawals.filter(granted_to=to)))
    return consents


def consent_in_force(person: Person, scope: str, to: Party, *, on: date) -> bool:
    """Whether `person` has agreed to `scope` towards `to` (or the public), on day `on`."""
    return consents_in_force(person, scope, to, on=on).exists()


def neutral_statement() -> str:
    """What a requester is told when the sought person allowed nothing: the same words
    whether they were not found, are still sought, or were found and refused."""
    return _(
        "We have no news of the person you are looking for that we may pass on to you. "
        "Either they have not been found, or they have not agreed to information being "
        "passed on. We will write to you again if this changes."
    )


@dataclass(frozen=True)
class MessageOut:
    written_on: date
    delivered_on: date | None
    reply: str
    reply_on: date | None


@dataclass(frozen=True)
class Disclosure:
    """Everything a requester may be told, as of one day."""

    reference: str
    as_of: date
    requester: str
    sought: str
    opened_on: date | None
    statement: str
    found: bool = False
    whereabouts: str = ""
    contact_details: str = ""
    messages: list[MessageOut] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, list):
                return [plain(item) for item in value]
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            return value

        payload: dict[str, Any] = plain(asdict(self))
        return payload


def refusals_binding(sought: Person, scope: str, to: Party, *, on: date) -> QuerySet[Refusal]:
    """The refusals of `sought` for `scope` that bind towards `to` on day `on`, whichever
    tracing request they were recorded on: those made to anyone, and, for a person, those
    made on any request of theirs for `sought`. Deleted requests count too: a person's
    "no" outlives the file it was written in."""
    party = Q(refused_to_public=True)
    if isinstance(to, Person):
        party |= Q(tracing_request__requester=to)
    return Refusal.objects.filter(
        tracing_request__sought=sought, scope=scope, refused_on__lte=on
    ).filter(party)


def ended_since(person: Person | int, scope: str, to: Party | int, *, since: date) -> date | None:
    """The latest day, on or after `since` and up to today, on which `person` withdrew a
    consent for `scope` towards the party `to` (a person, or the public) or refused it
    towards them (or towards anyone). A consent given on `since` would count for nothing
    before that day has passed, so the services refuse to record one
    (docket.tracing.services)."""
    today = timezone.localdate()
    withdrawals = Consent.objects.filter(
        person=person, scope=scope, withdrawn_on__gte=since, withdrawn_on__lte=today
    )
    refusals = Refusal.objects.filter(
        tracing_request__sought=person, scope=scope, refused_on__gte=since, refused_on__lte=today
    )
    if isinstance(to, Public):
        withdrawals = withdrawals.filter(granted_to_public=True)
        refusals = refusals.filter(refused_to_public=True)
    else:
        withdrawals = withdrawals.filter(granted_to=to)
        refusals = refusals.filter(Q(refused_to_public=True) | Q(tracing_request__requester=to))
    days = [
        day
        for day in (
            withdrawals.aggregate(latest=Max("withdrawn_on"))["latest"],
            refusals.aggregate(latest=Max("refused_on"))["latest"],
        )
        if day is not None
    ]
    return max(days) if days else None


def allowed_for_requester(request: TracingRequest, scope: str, as_of: date) -> bool:
    """Whether `scope` may go to the requester of `request` on `as_of`.

    A consent to them (or the public) must be in force, and must be newer than every
    refusal binding towards them (on this request or any other): a consent given after a
    refusal to anyone counts again, whoever it names; after a refusal to this requester,
    only a consent given to this requester by name counts again, because a "no" to them
    is not undone by a "yes" to everyone."""
    sought, requester = request.sought, request.requester
    latest: dict[bool, date] = {}
    for to_public, refused_on in refusals_binding(sought, scope, requester, on=as_of).values_list(
        "refused_to_public", "refused_on"
    ):
        if refused_on > latest.get(to_public, date.min):
            latest[to_public] = refused_on
    consents = consents_in_force(sought, scope, requester, on=as_of)
    if True in latest:
        consents = consents.filter(given_on__gt=latest[True])
    if False in latest:
        consents = consents.filter(granted_to=requester, given_on__gt=latest[False])
    return consents.exists()


def disclosure_for_requester(request: TracingRequest, as_of: date) -> Disclosure:
    """What the requester of `request` may be told on day `as_of`, and only that."""
    sought, requester = request.sought, request.requester
    allowed = [
        scope
        for scope in (
            ConsentScope.SHARE_WHEREABOUTS,
            ConsentScope.SHARE_CONTACT,
            ConsentScope.PASS_MESSAGES,
        )
        if allowed_for_requester(request, scope, as_of)
    ]
    whereabouts = ConsentScope.SHARE_WHEREABOUTS in allowed
    contact = ConsentScope.SHARE_CONTACT in allowed
    messages = ConsentScope.PASS_MESSAGES in allowed
    if whereabouts:
        statement = _("The person you are looking for has been found.")
    elif contact or messages:
        statement = _("The person you are looking for has agreed to what follows.")
    else:
        statement = neutral_statement()
    return Disclosure(
        reference=request.reference,
        as_of=as_of,
        requester=requester.display_name,
        sought=request.sought_as_given or _("the person you are looking for"),
        opened_on=request.opened_on,
        statement=statement,
        found=whereabouts,
        whereabouts=request.whereabouts if whereabouts else "",
        contact_details=sought.contact_details if contact else "",
        messages=_messages(request, as_of) if messages else [],
        scopes=[str(scope) for scope in allowed],
    )


REQUESTER = "requester"
CONTACT_DETAILS = "contact_details"


def withheld_requester() -> str:
    """Put for the requester's name before a reader who may not see the requester."""
    return _("[the requester, whose record you may not see]")


def shown_to(told: Disclosure, request: TracingRequest, reader: User) -> Disclosure:
    """`told` as `reader` may be shown it: the requester named only to those who may see
    the requester, the sought person's contact details only to those who may edit them
    (docs/permissions.md, "Fields"). What is held back is named in `withheld`, so the
    reader knows the letter is not theirs to send as it stands."""
    withheld = []
    changes: dict[str, Any] = {}
    if not Person.objects.visible_to(reader).filter(pk=request.requester_id).exists():
        withheld.append(REQUESTER)
        changes["requester"] = withheld_requester()
    if (
        ConsentScope.SHARE_CONTACT in told.scopes
        and not Person.objects.editable_by(reader).filter(pk=request.sought_id).exists()
    ):
        withheld.append(CONTACT_DETAILS)
        changes["contact_details"] = ""
    return replace(told, **changes, withheld=withheld) if withheld else told


def disclosure_for_reader(request: TracingRequest, reader: User, as_of: date) -> Disclosure:
    """What `reader`, a member of staff, is shown of what the requester of `request` may
    be told on `as_of`: every staff output of the reply goes through here."""
    return shown_to(disclosure_for_requester(request, as_of), request, reader)


def _messages(request: TracingRequest, as_of: date) -> list[MessageOut]:
    return [
        MessageOut(
            written_on=message.written_on,
            delivered_on=message.delivered_on,
            reply=message.reply if message.reply_on and message.reply_on <= as_of else "",
            reply_on=message.reply_on if message.reply_on and message.reply_on <= as_of else None,
        )
        for message in request.messages.filter(passed_on__isnull=False, passed_on__lte=as_of)
    ]
