"""Finding a person by any spelling of any name, in any script, or by their number.

What every place that chooses a person uses: the JSON of `/people/find/` (read by
docket/static/docket/finder.js as the user types), the fields that take a typed name
or number without JavaScript (`PersonFinderField`), and the lookalike check of a new
person (docket.linkage.lookalike). Only persons of `Person.objects.visible_to(user)`
are ever found: the search index is read for the reader's audiences and the records
found are read through the door once more.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_countries import countries

from docket.lib import dates
from docket.lib.records import MAX_ID
from docket.people.models import Person

# How many persons a finder offers at once; typing more of the name narrows it.
FOUND = 10


def _number(text: str) -> int | None:
    digits = text[1:] if text.startswith("#") else text
    if digits.isascii() and digits.isdigit() and 0 < int(digits) <= MAX_ID:
        return int(digits)
    return None


def find_persons(
    user: Any, text: str, *, among: QuerySet[Person] | None = None, limit: int = FOUND
) -> list[Person]:
    """Persons `user` may see (narrowed to `among` when given) whose names match `text`
    in any spelling or script, or whose number `text` is; best first."""
    from docket.people.forms import with_name_like
    from docket.search.documents import PERSON
    from docket.search.engine import search

    visible = Person.objects.visible_to(user)
    if among is not None:
        visible = visible & among
    text = (text or "").replace("\x00", "").strip()[:200]
    if not text:
        return []
    number = _number(text)
    if number is not None:
        return list(visible.filter(pk=number).prefetch_related("names"))
    ordered: list[int] = []
    # Name keys first (any spelling, either script), then names containing the text as typed.
    for group in search(user, text, kinds=[PERSON], limit=limit).groups:
        ordered += [hit.object_id for hit in group.hits]
    ordered += list(
        with_name_like(visible, text).order_by("-updated_at").values_list("pk", flat=True)[:limit]
    )
    wanted = list(dict.fromkeys(ordered))[: limit * 2]
    records = {
        person.pk: person for person in visible.filter(pk__in=wanted).prefetch_related("names")
    }
    return [records[pk] for pk in wanted if pk in records][:limit]


def disambiguator(person: Person) -> str:
    """What tells two persons of one name apart: birth year and nationality."""
    parts = []
    if person.birth_date:
        parts.append(_("born %(year)s") % {"year": person.birth_date.year})
    if person.nationality:
        parts.append(str(dict(countries).get(str(person.nationality), person.nationality)))
    return dates.list_separator().join(parts)


def label(person: Person) -> str:
    """A person as a finder shows them: name, other names, year and nationality, number."""
    names = [name.name for name in person.names.all()]
    shown = person.display_name
    others = [name for name in names if name != shown][:2]
    text = " / ".join([shown, *others])
    detail = disambiguator(person)
    return f"{text} ({detail}) #{person.pk}" if detail else f"{text} #{person.pk}"


def as_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.display_name,
        "names": [name.name for name in person.names.all()],
        "detail": disambiguator(person),
        "label": label(person),
    }
