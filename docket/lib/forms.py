"""Form pieces shared by every app's forms."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from docket.lib.dates import DAY_HELP, ENTRY_HELP, parse_entry
from docket.lib.partialdate import PartialDate
from docket.lib.records import MAX_ID


class PartialDateFormField(forms.Field):
    """A text box that takes "1975", "1975-03", "1975-03-02", each optionally ending in
    "~", or a Solar Hijri date ("۱۳۵۴/۰۱/۱۲"): docket.lib.dates.parse_entry. A text box,
    not the browser's date picker, whose format follows the computer's settings."""

    def __init__(self, **kwargs: Any) -> None:
        # CharField-only options the model field's formfield() passes along.
        kwargs.pop("max_length", None)
        kwargs.pop("empty_value", None)
        # A model field passes its help text, often empty: empty means the format hint.
        kwargs["help_text"] = kwargs.get("help_text") or ENTRY_HELP
        kwargs.setdefault("widget", forms.TextInput(attrs={"placeholder": "YYYY-MM-DD"}))
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, PartialDate) else value

    def to_python(self, value: Any) -> PartialDate | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        return parse_entry(text)


class DayInput(forms.DateInput):
    """A date typed as text, shown back as YYYY-MM-DD."""

    input_type = "text"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(
            attrs={"placeholder": "YYYY-MM-DD", "autocomplete": "off", **(attrs or {})},
            format="%Y-%m-%d",
        )


class DayField(forms.DateField):
    """A whole date (year, month and day) typed as text, in either calendar: the messages
    of docket.lib.dates.parse_entry say what is wrong ("February 1980 has only 29 days")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", DAY_HELP)
        kwargs.setdefault("widget", DayInput())
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        return parse_entry(str(value), partial=False).earliest()


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


def offer_teams(field: forms.Field, user: Any, current_team_id: int | None = None) -> None:
    """The owning team of a record: one of the writer's own teams (an administrator may
    choose any), or the team the record already has. Always required, as the write
    services require it (docket.lib.services.owning_team): a record of no team would be
    changed by anyone and, made secret, seen by no one. A writer of exactly one team
    may leave it empty: the service files the record under that team."""
    from django.db.models import Q

    from docket.accounts.models import Role, Team

    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - a foreign key's field
    if getattr(user, "role", None) == Role.ADMINISTRATOR:
        teams = Team.objects.all()
    else:
        chosen = Q(members=user) | Q(pk=current_team_id) if current_team_id else Q(members=user)
        teams = Team.objects.filter(chosen).distinct()
    field.queryset = teams.order_by("name")
    own = list(Team.objects.filter(members=user)[:2]) if getattr(user, "pk", None) else []
    # A writer of one team may leave it out: the service files the record under it.
    field.required = len(own) != 1
    if len(own) == 1 and field.initial is None:
        field.initial = own[0]
    field.help_text = _("One of your own teams")
