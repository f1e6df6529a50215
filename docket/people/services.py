"""Writes to persons: one function per use case, for pages, API and commands alike."""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from docket.accounts.models import Team
from docket.audit.log import record
from docket.audit.models import Action
from docket.lib import bulk
from docket.lib.services import owning_team, require_editable, require_writer
from docket.lib.versioning import save_versioned
from docket.people.models import (
    NameKind,
    Person,
    PersonName,
    Relationship,
    RelationshipKind,
    Script,
)
from docket.search.documents import PERSON
from docket.search.signals import deferred_indexing, saved_in_bulk

PERSON_FIELDS = (
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "status",
    "notes",
    "contact_details",
    "confidentiality",
    "team",
)


@dataclass(frozen=True)
class NameInput:
    name: str
    script: str = Script.LATIN
    kind: str = NameKind.FULL


@transaction.atomic
@deferred_indexing()
def create_person(
    *, actor: Any, names: list[NameInput], team: Team | None = None, **fields: Any
) -> Person:
    user = require_writer(actor)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    person = Person(created_by=user, team=owning_team(user, team), **fields)
    person._history_user = user  # type: ignore[attr-defined]
    person.full_clean()
    person.save()
    _replace_names(person, names, user)
    record(Action.CREATE, actor=user, target=person)
    # Look for this person's duplicates in the background once they are saved.
    from docket.linkage.tasks import find_duplicates_after_commit

    find_duplicates_after_commit()
    return person


@transaction.atomic
@deferred_indexing()
def update_person(
    *,
    actor: Any,
    person: Person,
    expected_version: int,
    names: list[NameInput] | None = None,
    **fields: Any,
) -> Person:
    require_editable(actor, person)
    if person.erased_at is not None:
        raise ValidationError(_("This person was erased: the record stays as it is."))
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    if "team" in fields:
        fields["team"] = owning_team(actor, fields["team"])
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    save_versioned(person, expected_version=expected_version, actor=actor, fields=list(fields))
    if names is not None:
        _replace_names(person, names, actor)
    return person


def _replace_names(person: Person, names: list[NameInput], actor: Any) -> None:
    if not [name for name in names if name.name.strip()]:
        raise ValidationError({"names": "A person needs at least one name."})
    current = [(name.name, name.script, name.kind) for name in person.names.all()]
    wanted = [(name.name.strip(), name.script, name.kind) for name in names if name.name.strip()]
    if current == wanted:
        return
    for old in person.names.all():
        old._history_user = actor  # type: ignore[attr-defined]
        old.delete()
    for position, (text, script, kind) in enumerate(wanted):
        name = PersonName(person=person, name=text, script=script, kind=kind, position=position)
        name._history_user = actor  # type: ignore[attr-defined]
        name.full_clean()
        name.save()


@transaction.atomic
def relate(*, actor: Any, person: Person, relative: Person, kind: RelationshipKind) -> Relationship:
    """Record that `relative` is `person`'s `kind` (parent, child, …)."""
    require_editable(actor, person)
    relationship = Relationship(person=person, relative=relative, kind=kind)
    relationship._history_user = actor  # type: ignore[attr-defined]
    relationship.full_clean()
    relationship.save()
    return relationship


# Batches: many new records at once, for the importer (docket.lib.bulk)


def add_persons_in_bulk(
    *, batch: bulk.Batch, persons: list[Person], names: list[list[PersonName]]
) -> list[Person]:
    """New persons, each with their names (`names[i]` are `persons[i]`'s), under the rules
    of `create_person`: a writer, filing each under one of their own teams."""
    bulk.require_batch_writer(batch)
    bulk.check_teams(batch, [person.team_id for person in persons])
    for person in persons:
        person.created_by = batch.actor
    bulk.save_new(Person, persons, batch)
    rows = []
    for person, own in zip(persons, names, strict=True):
        for position, name in enumerate(own):
            name.person_id = person.pk
            name.position = position
            rows.append(name)
    bulk.save_new(PersonName, rows, batch)
    batch.created(persons)
    saved_in_bulk(PERSON, [person.pk for person in persons])
    if persons:
        # As the signal on a person's save: published letters redact names again.
        from docket.letters.redaction import mark_stale

        mark_stale()
    return persons


def relate_in_bulk(*, batch: bulk.Batch, relationships: list[Relationship]) -> list[Relationship]:
    """New relationships, under the rule of `relate`: the person must be the writer's to
    change."""
    bulk.require_batch_writer(batch)
    if batch.actor is not None:
        bulk.check_among(
            batch,
            Person.objects.editable_by(batch.actor),
            [[relationship.person_id] for relationship in relationships],
            _("You may not change this record."),
        )
    bulk.save_new(Relationship, relationships, batch)
    batch.created(relationships)
    return relationships
