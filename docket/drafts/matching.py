"""What a draft is read against, and which recorded person each drafted one may be.

Both go through the read door: a reader's gazetteer holds the places of the events
they may see, every authority (public bodies), and country names in the three
languages; a drafted person is matched only among the persons the reader may see
(`Person.objects.visible_to`), looked up through the name keys the search index
stores for the reader's audiences (`Engine.persons_named`), with the name keys of
`docket.lib.names` that person matching (`docket.linkage`) also uses. A person the
reader may not see is never proposed as a match, so a draft tells no one of them.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils import translation
from django_countries import countries

from docket.cases.models import Authority, Event
from docket.drafts.extract import Draft, Gazetteer, person_keys
from docket.lib.names import name_key_variants
from docket.people.models import Person
from docket.search.documents import key_token
from docket.search.engine import audiences_of, engine

# At most this many recorded place names are read into a gazetteer.
MAX_PLACES = 5000


@lru_cache(maxsize=1)
def _country_names() -> tuple[tuple[str, str], ...]:
    names: dict[str, str] = {}
    english = {code: str(name) for code, name in countries}
    for language in ("en", "fa", "sq"):
        with translation.override(language):
            for code, name in countries:
                names.setdefault(str(name), english[code])
    return tuple(names.items())


def country_names() -> dict[str, str]:
    """Each country's name in English, Persian and Albanian -> its English name (read once:
    the names ship with django-countries and do not change while Docket runs)."""
    return dict(_country_names())


def country_code(name: str) -> str:
    for code, english in countries:
        if str(english) == name:
            return str(code)
    return ""


def gazetteer_for(user: Any | None) -> Gazetteer:
    """Places and authorities to read a text against: what `user` may see; with no user
    (the command without --as), country names and authorities only."""
    gazetteer = Gazetteer(places=country_names())
    authorities = Authority.objects.visible_to(user) if user is not None else Authority.objects
    for pk, name in authorities.alive().values_list("pk", "name"):
        gazetteer.authorities[name] = (pk, name)
    if user is not None:
        places = (
            Event.objects.visible_to(user)
            .exclude(place_name="")
            .values_list("place_name", flat=True)
            .distinct()[:MAX_PLACES]
        )
        for place in places:
            gazetteer.places.setdefault(place, place)
    return gazetteer


@dataclass
class Candidate:
    pk: int
    name: str


@dataclass
class Matches:
    # draft person ref -> the recorded persons the reader may see who bear one of the names
    candidates: dict[str, list[Candidate]] = field(default_factory=dict)


def _clauses(names: list[str]) -> list[tuple[tuple[str, ...], ...]]:
    clauses: list[tuple[tuple[str, ...], ...]] = []
    for name in names:
        tokens = tuple(sorted({key_token(key) for key in name_key_variants(name) if len(key) >= 3}))
        if tokens:
            clauses.append((tokens,))
    return clauses


def match_persons(draft: Draft, user: Any) -> Matches:
    """Fill each drafted person's `match` with a recorded person `user` may see, or None."""
    matches = Matches()
    clauses = sorted({clause for person in draft.persons for clause in _clauses(person.names)})
    found = engine().persons_named(clauses, audiences_of(user)) if clauses else set()
    recorded = (
        Person.objects.visible_to(user).filter(pk__in=found).prefetch_related("names")
        if found
        else Person.objects.none()
    )
    keyed = [
        (person, set().union(*(person_keys(item.name) for item in person.names.all())))
        for person in recorded
    ]
    for drafted in draft.persons:
        keys = set().union(*(person_keys(name) for name in drafted.names))
        candidates = [
            Candidate(person.pk, person.display_name)
            for person, theirs in sorted(keyed, key=lambda item: item[0].pk)
            if keys & theirs
        ]
        matches.candidates[drafted.ref] = candidates
        drafted.match = candidates[0].pk if candidates else None
        drafted.match_label = candidates[0].name if candidates else ""
    return matches
