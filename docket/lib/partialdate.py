"""Partial and approximate dates: "1975", "1975-03", "1975-03-02", "2019~".

Testimonies give a year, a month, or a day, often "about". One small type
carries that precision everywhere (models, forms, the interchange format), and
a model field stores it as its ISO text, which sorts correctly as text.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(~)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None
    approximate: bool = False

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        """Read ISO 8601 text with optional month, day and a trailing "~"."""
        match = _PATTERN.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"not a date: {text!r}")
        year, month, day = (int(part) if part else None for part in match.group(1, 2, 3))
        assert year is not None  # the pattern requires it  # noqa: S101
        result = cls(year, month, day, bool(match.group(4)))
        try:
            result.earliest()
        except ValueError:
            raise ValueError(f"not a date: {text!r}") from None
        return result

    @classmethod
    def from_date(cls, value: date) -> "PartialDate":
        return cls(value.year, value.month, value.day)

    def earliest(self) -> date:
        """The first day this date may mean."""
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        """The last day this date may mean."""
        if self.day is not None:
            return date(self.year, self.month or 1, self.day)
        month = self.month or 12
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def is_exact(self) -> bool:
        return self.day is not None and not self.approximate

    def isoformat(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        return text + ("~" if self.approximate else "")

    def __str__(self) -> str:
        return self.isoformat()


class PartialDateField(models.CharField[Any, Any]):
    """A PartialDate stored as its ISO text (at most "YYYY-MM-DD~")."""

    description = "A date that may be only a year or a month, or approximate"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["max_length"] = 11
        super().__init__(*args, **kwargs)
        # The value is a PartialDate, whose text is at most 11 characters by construction.
        self.validators[:] = [
            item for item in self.validators if not isinstance(item, MaxLengthValidator)
        ]

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        del kwargs["max_length"]
        return name, path, args, kwargs

    def from_db_value(self, value: str | None, *args: Any) -> PartialDate | None:
        return PartialDate.parse(value) if value else None

    def to_python(self, value: Any) -> PartialDate | None:
        if value is None or value == "" or isinstance(value, PartialDate):
            return value or None
        if isinstance(value, date):
            return PartialDate.from_date(value)
        try:
            return PartialDate.parse(str(value))
        except ValueError:
            raise ValidationError(
                "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, with ~ at the end if approximate.",
                code="invalid",
            ) from None

    def get_prep_value(self, value: Any) -> str | None:
        value = self.to_python(value)
        return value.isoformat() if value else None

    def value_to_string(self, obj: models.Model) -> str:
        value = self.value_from_object(obj)
        return value.isoformat() if value else ""

    def formfield(self, **kwargs: Any) -> Any:
        from docket.lib.forms import PartialDateFormField

        return super().formfield(**{"form_class": PartialDateFormField, **kwargs})
