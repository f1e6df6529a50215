"""One record in the interchange format with its derived figures, for `docket show`.

A record is named by a ref it was imported with (from any source) or by
Docket's own number. Figures come from one function each
(docket.cases.figures, docket.letters.figures), computed for the as-of date
and for the reader: nothing they count may be hidden from them.
"""

import re
from dataclasses import asdict, fields, is_dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from docket.cases.figures import case_figures, person_figures
from docket.interchange.exporter import RefBook, Serialiser, visible_include
from docket.interchange.format import SINGULAR
from docket.interchange.models import ImportedRef
from docket.interchange.scope import visible
from docket.letters.figures import authority_figures, letter_figures
from docket.letters.models import Letter
from docket.lib.access import note_read
from docket.lib.partialdate import PartialDate

KINDS = {"person": "persons", "case": "cases", "letter": "letters", "authority": "authorities"}
_OWN_REF = re.compile(r"^(?:docket:(?P<collection>[a-z_]+):)?(?P<pk>\d+)$")


class ShowFailed(Exception):
    """The record cannot be shown; the message says why in one sentence."""


def find(collection: str, ref: str, queryset: QuerySet[Any]) -> Any:
    """The record `ref` names among `queryset`: an imported ref first, then Docket's number."""
    imported = list(
        ImportedRef.objects.filter(collection=collection, ref=ref).values_list(
            "object_id", "source"
        )
    )
    found = {record.pk: record for record in queryset.filter(pk__in={pk for pk, _ in imported})}
    if len(found) > 1:
        sources = sorted({source for pk, source in imported if pk in found})
        raise ShowFailed(
            f"{ref!r} names {len(found)} different {collection.replace('_', ' ')} imported from "
            f"{', '.join(map(repr, sources))}; give Docket's number for one of them instead."
        )
    if found:
        return next(iter(found.values()))
    own = _OWN_REF.match(ref)
    if own and own.group("collection") in (None, collection):
        record = queryset.filter(pk=int(own.group("pk"))).first()
        if record is not None:
            return record
    raise ShowFailed(f"There is no {SINGULAR[collection]} {ref!r} that you may see.")


def plain(value: Any) -> Any:
    """Figures as JSON values: dates in ISO form, dataclasses as objects."""
    if is_dataclass(value) and not isinstance(value, type):
        return {field.name: plain(getattr(value, field.name)) for field in fields(value)}
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, date | PartialDate):
        return value.isoformat()
    return value


def show_record(kind: str, ref: str, *, user: Any, as_of: date) -> dict[str, Any]:
    """The record of `kind` named `ref` as `user` may see it, with its figures as of `as_of`."""
    collection = KINDS[kind]
    record = find(collection, ref, visible(collection, user))
    # Found by ref rather than by number: the read door's audit note is taken here.
    note_read(user, record, via="cli")
    refs = RefBook()
    serialiser = Serialiser(refs, visible_include(user))
    serialise = getattr(serialiser, kind)
    return {
        "kind": kind,
        "id": record.pk,
        "ref": refs(collection, record.pk),
        "as_of": as_of.isoformat(),
        "record": serialise(record),
        "figures": _figures(kind, record, user=user, as_of=as_of, refs=refs, serialiser=serialiser),
    }


def _figures(
    kind: str,
    record: Any,
    *,
    user: Any,
    as_of: date,
    refs: RefBook,
    serialiser: Serialiser,
) -> dict[str, Any]:
    match kind:
        case "person":
            person: dict[str, Any] = plain(asdict(person_figures(record, as_of=as_of, user=user)))
            return person
        case "case":
            figures = case_figures(record, as_of=as_of, user=user)
            return {
                "persons": {
                    refs("persons", pk): plain(asdict(person))
                    for pk, person in figures.persons.items()
                },
                "events": [serialiser.event(event) for event in figures.events],
                "rights_at_stake": list(figures.rights_at_stake),
            }
        case "letter":
            result = plain(letter_figures(record, as_of=as_of))
            # Authorities by ref, as the record names them.
            result["recipients"] = [
                {"authority": refs("authorities", recipient.pop("authority_id"))} | recipient
                for recipient in result["recipients"]
            ]
            for question in result["questions"]:
                question["recipients"] = [
                    {"authority": refs("authorities", recipient.pop("authority_id"))} | recipient
                    for recipient in question["recipients"]
                ]
            return dict(result)
        case "authority":
            letters = Letter.objects.visible_to(user)
            authority: dict[str, Any] = plain(
                authority_figures(record, as_of=as_of, letters=letters)
            )
            return authority
    raise ValueError(f"not a kind of record docket show knows: {kind!r}")


def as_text(payload: dict[str, Any]) -> str:
    """The same content as the JSON, as indented lines a person reads."""
    return "\n".join(_lines(payload, 0))


def _lines(value: Any, depth: int) -> list[str]:
    indent = "  " * depth
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{indent}{key}:")
                lines.extend(_lines(item, depth + 1))
            else:
                lines.append(f"{indent}{key}: {_scalar(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list) and item:
                lines.append(f"{indent}-")
                lines.extend(_lines(item, depth + 1))
            else:
                lines.append(f"{indent}- {_scalar(item)}")
    else:
        lines.append(f"{indent}{_scalar(value)}")
    return lines


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == [] or value == {}:
        return "none"
    return str(value)
