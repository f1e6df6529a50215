"""Form pieces shared by every app's forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from docket.lib.partialdate import PartialDate
from docket.lib.records import MAX_ID


class PartialDateFormField(forms.Field):
    """A text box that takes "1975", "1975-03", "1975-03-02", each optionally ending in "~"."""

    default_error_messages = {
        "invalid": _(
            "Enter a date as YYYY, YYYY-MM or YYYY-MM-DD, with ~ at the end if approximate."
        )
    }

    def __init__(self, **kwargs: Any) -> None:
        # CharField-only options the model field's formfield() passes along.
        kwargs.pop("max_length", None)
        kwargs.pop("empty_value", None)
        # A model field passes its help text, often empty: empty means the format hint.
        kwargs["help_text"] = kwargs.get("help_text") or _(
            "YYYY, YYYY-MM or YYYY-MM-DD; add ~ if approximate"
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, PartialDate) else value

    def to_python(self, value: Any) -> PartialDate | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            return PartialDate.parse(text)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class RecordsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several records chosen by id. A number no key can be is refused like any unknown
    id; Django would pass it to the database, which refuses to compare it (a 500)."""

    def clean(self, value: Any) -> Any:
        for item in value or ():
            try:
                number = int(str(item))
            except ValueError:
                continue  # not a number at all: Django's own check refuses it
            if not -MAX_ID - 1 <= number <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super().clean(value)
