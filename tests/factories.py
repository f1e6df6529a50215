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
