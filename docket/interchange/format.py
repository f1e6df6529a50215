"""The interchange format's fixed vocabulary: its name, version, collections and their models.

The format is documented in INTERCHANGE.md (version 1) and is a promise to
other associations; the models behind it may change, this mapping may not.
"""

from typing import Any

from django.db import models

from docket.cases.models import Authority, Case, Event, Source
from docket.letters.models import Letter, Question, Response
from docket.people.models import Person, Relationship
from docket.tracing.models import Consent, ContactAttempt, TracingRequest

FORMAT = "docket"
VERSION = 1

# In the order the importer writes them: every collection after those it refers to.
COLLECTIONS: tuple[str, ...] = (
    "authorities",
    "persons",
    "relationships",
    "cases",
    "sources",
    "events",
    "letters",
    "responses",
    "tracing_requests",
    "consents",
    "contact_attempts",
)

# The order an exported document lists them in, as INTERCHANGE.md does.
DOCUMENT_ORDER: tuple[str, ...] = (
    "persons",
    "relationships",
    "authorities",
    "cases",
    "events",
    "sources",
    "letters",
    "responses",
    "tracing_requests",
    "consents",
    "contact_attempts",
)

# Questions are written inside letters but carry refs of their own, remembered
# as a collection of their own so responses can name them.
QUESTIONS = "questions"

SINGULAR: dict[str, str] = {
    "persons": "person",
    "relationships": "relationship",
    "authorities": "authority",
    "cases": "case",
    "events": "event",
    "sources": "source",
    "letters": "letter",
    "questions": "question",
    "responses": "response",
    "tracing_requests": "tracing request",
    "consents": "consent",
    "contact_attempts": "contact attempt",
}

MODELS: dict[str, type[models.Model]] = {
    "persons": Person,
    "relationships": Relationship,
    "authorities": Authority,
    "cases": Case,
    "events": Event,
    "sources": Source,
    "letters": Letter,
    "questions": Question,
    "responses": Response,
    "tracing_requests": TracingRequest,
    "consents": Consent,
    "contact_attempts": ContactAttempt,
}

# The word that grants a consent to everyone rather than to a person's ref.
PUBLIC = "public"


def limit(model: type[models.Model], field: str) -> int | None:
    """The longest text a model's field holds, so the format refuses what would not fit."""
    found: Any = model._meta.get_field(field)
    return found.max_length if isinstance(found.max_length, int) else None
