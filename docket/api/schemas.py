"""Shapes every resource shares: partial dates, country codes, pages, errors, figures."""

import re
from datetime import date
from typing import Annotated, Any

from django_countries import countries
from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, WithJsonSchema, field_validator

from docket.cases import figures as derived
from docket.lib.partialdate import PartialDate
from docket.lib.records import MAX_ID

# Large enough for a sync client, small enough that one request stays cheap.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far past any list Docket holds, and within every database's integers: an offset
# beyond them reached the database as a number it refused, a 500.
MAX_OFFSET = 2**31 - 1

# A reference to a record in a filter or a body; a larger number than any key
# reached the database as one it refused, a 500.
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _partial_date(text: str) -> str:
    return PartialDate.parse(text).isoformat()


PartialDateText = Annotated[
    str,
    AfterValidator(_partial_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?~?$",
            "description": 'A date that may be partial or approximate: "1975", "1975-03", '
            '"1975-03-02", "2019~".',
            "examples": ["1975-03", "2019~"],
        }
    ),
]


def _country(text: str) -> str:
    code = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code) or code not in countries:
        raise ValueError(f"not an ISO 3166 alpha-2 country code: {text!r}")
    return code


CountryCode = Annotated[
    str,
    AfterValidator(_country),
    WithJsonSchema(
        {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166 alpha-2 code"}
    ),
]


# The default of a field that a change (PATCH) may leave out but not set to null:
# pydantic does not validate defaults, so a field left out stays unset, while an
# explicit null fails the field's type. Typed Any so that every field type takes it.
UNCHANGED: Any = None


def _storable(value: Any) -> Any:
    """Text as a database can keep and compare it: PostgreSQL refuses NUL characters,
    so one in a body or a filter was a 500 there."""
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


class Input(Schema):
    """A request body: unknown keys are an error, so a misspelt field is not silently lost."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _storable(value)


class PageParams(Schema):
    """A list's page, and the base of its filters."""

    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _storable(value)


class Page[ItemT](Schema):
    count: int = Field(description="How many records match the filters, on all pages.")
    limit: int
    offset: int
    items: list[ItemT]


class Error(Schema):
    detail: str


class Invalid(Schema):
    detail: str
    errors: dict[str, list[str]] = Field(
        description='Messages by field, as a path into the request ("names.0.script"); '
        '"__all__" for the record as a whole.'
    )


class PersonFigures(Schema):
    as_of: date
    current_status: str = Field(description="detained, at_liberty, deported or unknown")
    days_detained_total: int
    days_detained_without_charge: int
    years_without_family_contact: float | None
    rights_at_stake: list[str] = Field(description='References such as "ICCPR 9".')
    approximate: bool = Field(description="Whether a partial or approximate date was used.")


class CasePersonFigures(PersonFigures):
    person: int


class CaseFigures(Schema):
    as_of: date
    persons: list[CasePersonFigures]
    events: list[int] = Field(description="The case's event ids in date order.")
    rights_at_stake: list[str]


def figures_data(figures: derived.PersonFigures, as_of: date) -> dict[str, Any]:
    """A person's derived figures as the API gives them."""
    return {
        "as_of": as_of,
        "current_status": figures.current_status,
        "days_detained_total": figures.days_detained_total,
        "days_detained_without_charge": figures.days_detained_without_charge,
        "years_without_family_contact": figures.years_without_family_contact,
        "rights_at_stake": figures.rights_at_stake,
        "approximate": figures.approximate,
    }
