"""Person records as the linkage model reads them: from a CSV, checked, with their keys.

A record is what one source says about one person: names in any script, a
birth date that may be only a year, a birth place. `read_csv` checks a file
and gives its rows; `prepare` adds, for each name and the birth place, the
keys of `docket.lib.names`, and splits the birth date into year, month and
day, so the model compares keys and numbers and never raw text.
"""

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docket.lib.names import fold, name_key, name_key_variants, name_skeleton
from docket.lib.partialdate import PartialDate

REQUIRED_COLUMNS = (
    "record_id",
    "given_name",
    "family_name",
    "father_name",
    "birth_date",
    "birth_place",
    "source",
)
# Read when present; the model compares nationality only when the file has it.
OPTIONAL_COLUMNS = ("nationality",)
NAME_FIELDS = ("given", "family", "father")


class RecordsError(ValueError):
    """A file the linkage cannot read; the message is one sentence for the user."""


@dataclass(frozen=True)
class BirthDate:
    year: int | None = None
    month: int | None = None
    day: int | None = None
    # The year was written in the Solar Hijri calendar and converted.
    solar_hijri: bool = False


# Persian and Arabic-Indic digits, as a Persian keyboard types dates.
_DIGITS = str.maketrans(
    {chr(base + digit): str(digit) for base in (0x06F0, 0x0660) for digit in range(10)}
)
# Day first, as forms outside ISO mostly write it: 02/03/1975, 2.3.1975.
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$")
_YEAR_MONTH_DAY = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")


# Years before this are Solar Hijri (1360 is 1981/82); no person in a list was born before 1500.
SOLAR_HIJRI_BEFORE = 1500
# Nor before this in the Solar Hijri calendar (1921 Gregorian): a smaller year is garbled.
SOLAR_HIJRI_FROM = 1300


def _from_solar_hijri(date: BirthDate) -> BirthDate:
    """The Gregorian year of a Solar Hijri date, without month and day.

    The Solar Hijri year starts at the March equinox, so year Y runs from
    March of Y + 621 to March of Y + 622; 11 Dey (month 10) is 1 January. A
    year alone is taken as Y + 621, which the model compares within a year.
    Persian months do not line up with Gregorian ones, so month and day are
    dropped rather than compared wrongly.
    """
    assert date.year is not None  # noqa: S101 - only called with a year
    if date.year < SOLAR_HIJRI_FROM:
        return BirthDate()
    late = date.month is not None and (
        date.month > 10 or (date.month == 10 and (date.day or 0) >= 11)
    )
    return BirthDate(date.year + 621 + int(late), solar_hijri=True)


def parse_birth_date(text: str) -> BirthDate:
    """The year, month and day a birth date gives; nothing for what it lacks or garbles.

    ISO text with or without month and day ("1975", "1975-03", "1975-03-02",
    "1975~"), or day/month/year with slashes or dots. A year before 1500 is a
    Solar Hijri one ("1360", "1360-05-12") and becomes the Gregorian year it
    mostly falls in (1981), without month and day. A date that is not one
    counts as unknown: linkage must go on over a list with a few bad cells.
    """
    parsed = _parse_birth_date(text)
    if parsed.year is not None and parsed.year < SOLAR_HIJRI_BEFORE:
        return _from_solar_hijri(parsed)
    return parsed


def _parse_birth_date(text: str) -> BirthDate:
    text = text.translate(_DIGITS).replace(" ", "")
    if not text:
        return BirthDate()
    try:
        date = PartialDate.parse(text)
        return BirthDate(date.year, date.month, date.day)
    except ValueError:
        pass
    for pattern, order in ((_DAY_MONTH_YEAR, (2, 1, 0)), (_YEAR_MONTH_DAY, (0, 1, 2))):
        match = pattern.match(text)
        if match:
            parts = match.groups()
            year, month, day = (int(parts[index]) for index in order)
            candidate = f"{year:04d}-{month:02d}-{day:02d}"
            try:
                PartialDate.parse(candidate)
            except ValueError:
                return BirthDate(year)
            return BirthDate(year, month, day)
    return BirthDate()


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file of person records, checked; RecordsError otherwise."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as source:
            return list(_checked_rows(csv.DictReader(source), path.name))
    except FileNotFoundError:
        raise RecordsError(f"{path} does not exist.") from None
    except UnicodeDecodeError:
        raise RecordsError(f"{path.name} is not UTF-8 text.") from None
    except csv.Error as error:
        raise RecordsError(f"{path.name} is not a readable CSV file ({error}).") from None


def _checked_rows(reader: "csv.DictReader[str]", name: str) -> Iterator[dict[str, str]]:
    if not reader.fieldnames:
        raise RecordsError(f"{name} is empty; it needs a header line and one row per record.")
    columns = [column.strip() for column in reader.fieldnames]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise RecordsError(
            f"{name} lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}."
        )
    seen: set[str] = set()
    count = 0
    for line, row in enumerate(reader, start=2):
        record = {column.strip(): (value or "").strip() for column, value in row.items() if column}
        record_id = record.get("record_id", "")
        if not record_id:
            raise RecordsError(f"{name} line {line} has no record_id.")
        if record_id in seen:
            raise RecordsError(f"{name} line {line} repeats the record_id {record_id!r}.")
        seen.add(record_id)
        count += 1
        yield record
    if not count:
        raise RecordsError(f"{name} has a header but no records.")


def _or_none(value: str) -> str | None:
    return value or None


def prepare(rows: Iterable[Mapping[str, str]]) -> dict[str, list[Any]]:
    """Columns for the model, one list each, one entry per record in order.

    `unique_id` is the record's position; `record_id` is kept to write out.
    For each name field: `_key` (the usual key), `_keys` (every reading),
    `_skel` (the skeleton), `_text` (the folded spelling, for typos); for the
    birth place `place_key` and `place_skel`.
    """
    columns: dict[str, list[Any]] = {
        "unique_id": [],
        "record_id": [],
        "birth_year": [],
        "birth_month": [],
        "birth_day": [],
        "place_key": [],
        "place_skel": [],
        "nationality": [],
        "source": [],
    }
    for field in NAME_FIELDS:
        for suffix in ("_key", "_keys", "_skel", "_text"):
            columns[field + suffix] = []
    for position, row in enumerate(rows):
        columns["unique_id"].append(position)
        columns["record_id"].append(row["record_id"])
        for field in NAME_FIELDS:
            text = row.get(f"{field}_name", "")
            columns[f"{field}_key"].append(_or_none(name_key(text)))
            columns[f"{field}_keys"].append(sorted(name_key_variants(text)) or None)
            columns[f"{field}_skel"].append(_or_none(name_skeleton(text)))
            columns[f"{field}_text"].append(_or_none(fold(text).replace(" ", "")))
        birth = parse_birth_date(row.get("birth_date", ""))
        columns["birth_year"].append(birth.year)
        columns["birth_month"].append(birth.month)
        columns["birth_day"].append(birth.day)
        place = row.get("birth_place", "")
        columns["place_key"].append(_or_none(name_key(place)))
        columns["place_skel"].append(_or_none(name_skeleton(place)))
        columns["nationality"].append(_or_none(fold(row.get("nationality", ""))))
        columns["source"].append(row.get("source", ""))
    return columns
