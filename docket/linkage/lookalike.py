"""Whether a person being entered looks like one already recorded, before they are saved.

The background runs (docket.linkage.services) score every pair with the whole model;
a form cannot wait for that, so here the name comparison of the model is applied
directly to the few recorded persons that the search index finds by name keys: the
given names and the family names must each be readings of one another (a key in
common, `docket.lib.names.name_key_variants`) or share their skeleton (`name_skeleton`),
as the model's strongest name levels ask, and two known birth years may not be more
than two years apart. Names are split into given and family names as the model reads
them (docket.linkage.persons).

Only persons the user may see are compared: a warning names its person, so it must
never name one the user could not open.
"""

from dataclasses import dataclass
from typing import Any

from docket.lib.names import name_key_variants, name_skeleton
from docket.lib.partialdate import PartialDate
from docket.linkage.persons import _Names
from docket.people.models import Person
from docket.search.documents import key_token
from docket.search.engine import audiences_of, engine

# Birth years further apart than this are two people, whatever their names.
YEARS_APART = 2
# At most this many lookalikes are named.
SHOWN = 5


@dataclass(frozen=True)
class Lookalike:
    person: Person
    recorded_on: Any  # a date


def _parts(names: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    read = _Names()
    for text, kind in names:
        read.add(text, kind)
    return read.of("given"), read.of("family")


def _alike(first: list[str], second: list[str]) -> bool:
    for one in first:
        for other in second:
            if name_key_variants(one) & name_key_variants(other):
                return True
            if name_skeleton(one) and name_skeleton(one) == name_skeleton(other):
                return True
    return False


def looks_alike(
    names: list[tuple[str, str]],
    birth_date: PartialDate | None,
    recorded_names: list[tuple[str, str]],
    recorded_birth_date: PartialDate | None,
) -> bool:
    """The model's name comparison, given and family names alike, and birth years close."""
    given, family = _parts(names)
    their_given, their_family = _parts(recorded_names)
    if not (given and their_given and _alike(given, their_given)):
        return False
    if family and their_family and not _alike(family, their_family):
        return False
    if not family and their_family or family and not their_family:
        return False
    if birth_date and recorded_birth_date:
        return abs(birth_date.year - recorded_birth_date.year) <= YEARS_APART
    return True


def _clauses(names: list[tuple[str, str]]) -> list[tuple[tuple[str, ...], ...]]:
    clauses = []
    for text, _kind in names:
        groups = []
        for word in text.replace("\u200c", " ").split()[:4]:
            tokens = tuple(sorted(key_token(key) for key in name_key_variants(word) if key))
            if tokens:
                groups.append(tokens)
        if groups:
            clauses.append(tuple(groups))
    return clauses


def lookalikes(
    user: Any,
    names: list[tuple[str, str]],
    birth_date: PartialDate | None = None,
    *,
    exclude: int | None = None,
) -> list[Lookalike]:
    """Recorded persons `user` may see who look like a person of `names` ((text, kind)
    pairs) born on `birth_date`; the oldest record first."""
    clauses = _clauses([(text, kind) for text, kind in names if text.strip()])
    if not clauses:
        return []
    found = engine().persons_named(clauses, audiences_of(user))
    if exclude is not None:
        found.discard(exclude)
    if not found:
        return []
    recorded = (
        Person.objects.visible_to(user)
        .filter(pk__in=sorted(found)[:200])
        .prefetch_related("names")
        .order_by("created_at", "pk")
    )
    alike = []
    for person in recorded:
        theirs = [(name.name, name.kind) for name in person.names.all()]
        if looks_alike(names, birth_date, theirs, person.birth_date):
            alike.append(Lookalike(person, person.created_at.date()))
        if len(alike) == SHOWN:
            break
    return alike
