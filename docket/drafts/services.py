"""Saving what a person accepted of a draft: through the ordinary services, at once.

Nothing of a draft is stored until someone accepts it. What they accept is written
by the services every page uses (`open_case`, `create_person`, `create_source`,
`attach_evidence`, `add_event`), so each record has its history, its audit entry
and the permission rule: the actor must be allowed to add to the case and its team.
The text itself becomes the source of every accepted event: a source of the kind
chosen, with the text kept as its evidence file, hashed (SHA-256) on arrival. One
transaction: a refusal anywhere saves nothing.
"""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from docket.accounts.models import Team
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases import services as cases
from docket.cases.models import Authority, Case, Event, EventType, InvolvementRole, Source
from docket.lib.partialdate import PartialDate
from docket.lib.services import require_editable, require_writer
from docket.people import services as people
from docket.people.models import Person, Script

ROLE = "victim"


@dataclass(frozen=True)
class AcceptedPerson:
    ref: str
    # A recorded person the actor may see, or None for a new person of this name.
    existing: int | None
    name: str


@dataclass(frozen=True)
class AcceptedEvent:
    person: str
    type: EventType
    start: PartialDate | None = None
    end: PartialDate | None = None
    place_name: str = ""
    place_country: str = ""
    authority: Authority | None = None
    charged: bool | None = None
    # Where in the text the event was read, for the event's description.
    quote: str = ""


@dataclass(frozen=True)
class Saved:
    case: Case
    source: Source
    sha256: str
    persons: list[Person]
    events: list[Event]


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _script(name: str) -> str:
    return Script.PERSIAN if any("\u0600" <= char <= "\u06ff" for char in name) else Script.LATIN


@transaction.atomic
def save_draft(
    *,
    actor: Any,
    text: str,
    source_title: str,
    source_kind: str,
    persons: list[AcceptedPerson],
    events: list[AcceptedEvent],
    case: Case | None = None,
    new_case_title: str = "",
    team: Team | None = None,
    file_name: str = "text.txt",
) -> Saved:
    """Save the accepted persons and events into `case` (or a new case), with the text as
    their source. Raises PermissionDenied, Http404 (a person the actor may not see) or
    ValidationError, and then nothing is saved."""
    user = require_writer(actor)
    if not text.strip():
        raise ValidationError(_("There is no text to save."))
    if not events and not persons:
        raise ValidationError(_("Nothing was accepted."))
    if case is None:
        if not new_case_title.strip():
            raise ValidationError({"case": _("Choose a case or give the new case a title.")})
        case = cases.open_case(actor=user, title=new_case_title.strip(), team=team)
    else:
        require_editable(user, case)
    by_ref: dict[str, Person] = {}
    visible = Person.objects.visible_to(user)
    for accepted in persons:
        if accepted.existing is not None:
            found = visible.filter(pk=accepted.existing).first()
            if found is None:
                raise Http404
            by_ref[accepted.ref] = found
        else:
            name = accepted.name.strip()
            if not name:
                raise ValidationError(_("A new person needs a name."))
            by_ref[accepted.ref] = people.create_person(
                actor=user,
                names=[people.NameInput(name, script=_script(name))],
                team=case.team,
                confidentiality=case.confidentiality,
            )
    if persons:
        case.persons.add(*by_ref.values())
    source = cases.create_source(
        actor=user,
        title=source_title.strip() or _("Text drafted from"),
        team=case.team,
        kind=source_kind,
    )
    upload = SimpleUploadedFile(file_name, text.encode("utf-8"), content_type="text/plain")
    evidence = cases.attach_evidence(actor=user, source=source, upload=upload)
    role = InvolvementRole.objects.get(code=ROLE)
    saved_events = []
    for accepted_event in events:
        person = by_ref.get(accepted_event.person)
        if person is None:
            raise ValidationError(_("An accepted event belongs to a person not accepted."))
        saved_events.append(
            cases.add_event(
                actor=user,
                case=case,
                type=accepted_event.type,
                start=accepted_event.start,
                end=accepted_event.end,
                place_name=accepted_event.place_name,
                place_country=accepted_event.place_country,
                authority=accepted_event.authority,
                charged=accepted_event.charged,
                description=accepted_event.quote,
                involvements=[cases.InvolvementInput(person, role)],
                sources=[source],
            )
        )
    audit(
        Action.CREATE,
        actor=user,
        target=source,
        detail={
            "drafted_from_text": evidence.sha256,
            "persons": len(by_ref),
            "events": len(saved_events),
        },
    )
    return Saved(case, source, evidence.sha256, list(by_ref.values()), saved_events)
