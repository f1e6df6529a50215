"""Small builders for records the tests need, all written through the services."""

from typing import Any

from docket.accounts.models import User
from docket.cases import services as case_services
from docket.cases.models import Case, Event, EventType, InvolvementRole
from docket.lib.partialdate import PartialDate
from docket.people.models import Person
from docket.people.services import NameInput, create_person


def person(actor: User, latin: str, persian: str | None = None, **fields: Any) -> Person:
    names = [NameInput(latin)]
    if persian:
        names.append(NameInput(persian, script="persian"))
    return create_person(actor=actor, names=names, **fields)


def case(actor: User, title: str, persons: list[Person], **fields: Any) -> Case:
    return case_services.open_case(actor=actor, title=title, persons=persons, **fields)


def event(
    actor: User,
    on_case: Case,
    type_code: str,
    start: str | None,
    end: str | None = None,
    victims: tuple[Person, ...] = (),
    **fields: Any,
) -> Event:
    victim = InvolvementRole.objects.get(code="victim")
    return case_services.add_event(
        actor=actor,
        case=on_case,
        type=EventType.objects.get(code=type_code),
        start=PartialDate.parse(start) if start else None,
        end=PartialDate.parse(end) if end else None,
        involvements=[case_services.InvolvementInput(person, victim) for person in victims],
        **fields,
    )


def trace_marked_world(world: Any, author: User, team: Any) -> None:
    """One tracing request per level of the marked world (tests/markers.py), as
    `world.tracing_requests`: that level's person looks for the public one (the public
    person for the internal one), with texts marked by the level; and a consent to pass
    messages on the public request, as `world.tracing_consent`."""
    from docket.tracing import services as tracing_services
    from tests.markers import LEVELS, token

    world.tracing_requests = {}
    for level in LEVELS:
        sought = world.persons["internal" if level == "public" else "public"]
        world.tracing_requests[level] = tracing_services.open_request(
            actor=author,
            intake=tracing_services.Intake(
                requester=world.persons[level],
                sought=sought,
                reason=f"{token(level)} reason",
                last_known_place=f"{token(level)} place",
                confidentiality=level,
                team=team,
            ),
            match=False,
        )
    world.tracing_consent = tracing_services.record_consent(
        actor=author,
        request=world.tracing_requests["public"],
        scope="pass_messages",
        given_on=world.tracing_requests["public"].opened_on,
        how="written",
    )
