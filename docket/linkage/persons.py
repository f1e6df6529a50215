"""Persons in Docket as the linkage model reads them: one record per person.

A person has names of several kinds in several scripts. The model compares
one given name, one family name and one father's name (docket.linkage.model);
here the first of each kind stands for the person, and the `_keys` column
holds the readings of every name of that kind, so that any spelling on file
meets another record's. A full name or an alias reads as given names and a
family name, its last word; names given by kind come first.

Every living person is read, whoever may see them: the pairs found are
filtered by permission when they are shown (docket.linkage.views).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from docket.lib.names import name_key_variants
from docket.linkage.records import NAME_FIELDS, prepare
from docket.people.models import NameKind, Person, PersonName

_WHOLE: set[str] = {NameKind.FULL, NameKind.ALIAS}
_OWN: dict[str, str] = {
    NameKind.GIVEN: "given",
    NameKind.FAMILY: "family",
    NameKind.FATHER: "father",
}


@dataclass
class _Names:
    own: dict[str, list[str]] = field(default_factory=lambda: {key: [] for key in NAME_FIELDS})
    split: dict[str, list[str]] = field(default_factory=lambda: {key: [] for key in NAME_FIELDS})

    def add(self, text: str, kind: str) -> None:
        if kind in _OWN:
            self.own[_OWN[kind]].append(text)
        elif kind in _WHOLE:
            words = text.split()
            if len(words) > 1:
                self.split["given"].append(" ".join(words[:-1]))
                self.split["family"].append(words[-1])
            elif words:
                self.split["given"].append(words[0])

    def of(self, field_name: str) -> list[str]:
        return self.own[field_name] + self.split[field_name]


def person_columns(person_ids: Iterable[int] | None = None) -> dict[str, list[Any]]:
    """Columns for the model (as `records.prepare` gives), `unique_id` being the person's id.

    Every living person, or only those of `person_ids`, in id order.
    """
    persons = Person.objects.filter(deleted_at__isnull=True)
    names = PersonName.objects.filter(person__deleted_at__isnull=True)
    if person_ids is not None:
        wanted = list(person_ids)
        persons = persons.filter(pk__in=wanted)
        names = names.filter(person_id__in=wanted)
    by_person: dict[int, _Names] = {}
    for person_id, text, kind in names.order_by("person_id", "position", "pk").values_list(
        "person_id", "name", "kind"
    ):
        by_person.setdefault(person_id, _Names()).add(text, kind)
    ids: list[int] = []
    rows: list[dict[str, str]] = []
    all_names: list[_Names] = []
    for pk, birth_date, birth_place, nationality in persons.order_by("pk").values_list(
        "pk", "birth_date", "birth_place", "nationality"
    ):
        own = by_person.get(pk, _Names())
        ids.append(pk)
        all_names.append(own)
        rows.append(
            {
                "record_id": str(pk),
                "given_name": next(iter(own.of("given")), ""),
                "family_name": next(iter(own.of("family")), ""),
                "father_name": next(iter(own.of("father")), ""),
                "birth_date": str(birth_date or ""),
                "birth_place": birth_place or "",
                "nationality": str(nationality or ""),
                "source": "",
            }
        )
    columns = prepare(rows)
    columns["unique_id"] = ids
    for field_name in NAME_FIELDS:
        columns[f"{field_name}_keys"] = [
            sorted(set().union(*(name_key_variants(text) for text in own.of(field_name)))) or None
            for own in all_names
        ]
    return columns
