"""Which records of each interchange collection a person may see or change.

Built only from the models' `visible_to` and `editable_by` querysets, so the
one permission rule (docket.accounts.permissions) decides here too. Records
without a confidentiality of their own follow the record they belong to: a
question its letter, a consent its person, a contact attempt its tracing
request. A record is only in scope when every record it must name is too, so
an export never refers to something it leaves out.
"""

from typing import Any

from django.db.models import Q, QuerySet

from docket.accounts.permissions import may_create
from docket.cases.models import Authority, Case, Event, Source
from docket.letters.models import Letter, Question, Response
from docket.people.models import Person, Relationship
from docket.tracing.models import Consent, ContactAttempt, TracingRequest


def visible(collection: str, user: Any) -> QuerySet[Any]:
    """The records of `collection` that `user` may see (deleted records left out)."""
    persons = Person.objects.visible_to(user)
    match collection:
        case "persons":
            return persons
        case "relationships":
            return Relationship.objects.filter(person__in=persons, relative__in=persons)
        case "authorities":
            # Public bodies: everyone sees them, including those deleted, which
            # older records may still name.
            return Authority.objects.all()
        case "cases":
            return Case.objects.visible_to(user)
        case "events":
            return Event.objects.visible_to(user)
        case "sources":
            return Source.objects.visible_to(user)
        case "letters":
            return Letter.objects.visible_to(user)
        case "questions":
            return Question.objects.filter(letter__in=Letter.objects.visible_to(user))
        case "responses":
            return Response.objects.filter(letter__in=Letter.objects.visible_to(user))
        case "tracing_requests":
            return TracingRequest.objects.visible_to(user).filter(
                requester__in=persons, sought__in=persons
            )
        case "consents":
            return Consent.objects.filter(person__in=persons).filter(
                Q(granted_to_public=True) | Q(granted_to__in=persons)
            )
        case "contact_attempts":
            return ContactAttempt.objects.filter(
                tracing_request__in=visible("tracing_requests", user)
            )
    raise ValueError(f"not an interchange collection: {collection!r}")


def editable(collection: str, user: Any) -> QuerySet[Any]:
    """The records of `collection` that `user` may change."""
    match collection:
        case "persons":
            return Person.objects.editable_by(user)
        case "relationships":
            return Relationship.objects.filter(person__in=Person.objects.editable_by(user))
        case "authorities":
            return Authority.objects.all() if may_create(user) else Authority.objects.none()
        case "cases":
            return Case.objects.editable_by(user)
        case "events":
            return Event.objects.editable_by(user)
        case "sources":
            return Source.objects.editable_by(user)
        case "letters":
            return Letter.objects.editable_by(user)
        case "questions":
            return Question.objects.filter(letter__in=Letter.objects.editable_by(user))
        case "responses":
            return Response.objects.filter(letter__in=Letter.objects.editable_by(user))
        case "tracing_requests":
            return TracingRequest.objects.editable_by(user)
        case "consents":
            return Consent.objects.filter(person__in=Person.objects.editable_by(user))
        case "contact_attempts":
            return ContactAttempt.objects.filter(
                tracing_request__in=TracingRequest.objects.editable_by(user)
            )
    raise ValueError(f"not an interchange collection: {collection!r}")
