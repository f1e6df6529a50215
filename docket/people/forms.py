"""The forms of the people pages: finding persons, a person's facts and names, a relative.

These forms only read and check input. Nothing here saves: the views hand the
cleaned values to docket.people.services, which check permission, keep
versions and write the audit log.
"""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from docket.accounts.models import Team, User
from docket.lib.forms import PartialDateFormField, offer_teams
from docket.people.models import (
    NameKind,
    Person,
    PersonName,
    PersonStatus,
    RelationshipKind,
    Script,
)
from docket.people.services import NameInput

# Persian keyboards and Arabic ones type different code points for the same
# letters (yeh, kaf); a name typed on one must be found from the other.
ARABIC_TO_PERSIAN = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
PERSIAN_TO_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})


def name_variants(fragment: str) -> set[str]:
    """The fragment as typed, and with yeh and kaf in their Persian and Arabic forms.

    NUL characters are dropped: no stored name holds one, and PostgreSQL refuses
    a query that does (a 500 for a search typed by hand into the address).
    """
    text = fragment.replace("\x00", "").strip()
    return {text, text.translate(ARABIC_TO_PERSIAN), text.translate(PERSIAN_TO_ARABIC)}


def with_name_like(persons: QuerySet[Person], fragment: str) -> QuerySet[Person]:
    """Persons any of whose names, in any script, contain `fragment`."""
    matches = Q()
    for variant in name_variants(fragment):
        matches |= Q(name__icontains=variant)
    # Exists rather than a join: a person with two matching names is listed once.
    return persons.filter(Exists(PersonName.objects.filter(matches, person=OuterRef("pk"))))


class PersonFinderInput(forms.TextInput):
    """A plain text input for a person's name or number; docket/static/docket/finder.js
    turns it into a finder (a list of persons found as one types, and "New person")."""

    template_name = "people/widgets/person_finder.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "dir": "auto", "size": 30, **(attrs or {})})
        # The persons the field accepts, to show the one chosen by name (set by the field).
        self.persons: QuerySet[Person] | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        from docket.people.finder import _number, label

        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["data-person-finder"] = reverse("people:person_find")
        widget["attrs"]["data-person-new"] = reverse("people:person_quick")
        # What finder.js shows, in the reader's language.
        widget["attrs"]["data-new-label"] = _("New person…")
        widget["attrs"]["data-none-label"] = _("Nobody you may see has such a name.")
        widget["attrs"]["data-found-label"] = _("Persons found:")
        widget["attrs"]["data-cancel-label"] = _("Cancel")
        number = _number(str(value or "").strip())
        widget["chosen"] = ""
        if number is not None and self.persons is not None:
            person = self.persons.filter(pk=number).prefetch_related("names").first()
            if person is not None:
                widget["chosen"] = label(person)
        return context


class PersonFinderField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A person chosen by typing: their number, or a name in any spelling or script that
    only one person the user may see bears. Works without JavaScript; finder.js lists the
    persons found as one types and puts the chosen one's number in."""

    widget = PersonFinderInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Person.objects.none())
        kwargs.setdefault(
            "help_text", _("Type a name in any spelling or script, or a person's number.")
        )
        super().__init__(*args, **kwargs)
        self.user: Any = None

    def _set_queryset(self, queryset: Any) -> None:
        super()._set_queryset(queryset)  # type: ignore[misc]
        if isinstance(self.widget, PersonFinderInput):
            self.widget.persons = self._queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)  # type: ignore[attr-defined]

    def to_python(self, value: Any) -> Any:
        from docket.people.finder import _number, find_persons, label

        text = str(value or "").strip()
        if text in self.empty_values:
            return None
        number = _number(text)
        if number is not None:
            return super().to_python(str(number))
        if text.isascii() and text.lstrip("#").isdigit():
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if self.user is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        found = find_persons(self.user, text, among=self.queryset, limit=6)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ValidationError(
                _("Nobody you may see is named like “%(name)s”.") % {"name": text},
                code="invalid_choice",
            )
        raise ValidationError(
            _(
                "Several persons are named like this: %(persons)s. "
                "Type the number of the one you mean."
            )
            % {"persons": "; ".join(label(person) for person in found)},
            code="ambiguous",
        )


def finder_for(field: forms.Field, user: Any, persons: QuerySet[Person]) -> None:
    """Point a PersonFinderField at the persons `user` may choose."""
    assert isinstance(field, PersonFinderField)  # noqa: S101 - declared as one
    field.queryset = persons
    field.user = user


class PersonFilterForm(forms.Form):
    """The filters above the people list; every one optional."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        help_text=_("Part of any name, in any script"),
        widget=forms.TextInput(attrs={"dir": "auto", "type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *PersonStatus.choices],
    )
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Built here, not at import, so country names follow the reader's language.
        nationality = self.fields["nationality"]
        assert isinstance(nationality, forms.ChoiceField)  # noqa: S101 - declared above
        nationality.choices = [("", _("Any nationality")), *countries]

    def apply(self, persons: QuerySet[Person]) -> QuerySet[Person]:
        """`persons` narrowed by every filter that was given and valid."""
        values = getattr(self, "cleaned_data", {})
        if values.get("name"):
            persons = with_name_like(persons, values["name"])
        if values.get("status"):
            persons = persons.filter(status=values["status"])
        if values.get("nationality"):
            persons = persons.filter(nationality=values["nationality"])
        return persons


class PersonForm(forms.ModelForm[Person]):
    """A person's facts. The names come in a NameFormSet beside it."""

    # Declared rather than generated: PartialDateField.formfield passes on the
    # `empty_value` that CharField adds for a nullable column, which
    # PartialDateFormField does not take.
    birth_date = PartialDateFormField(
        label=_("Birth date"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Person
        fields = [
            "sex",
            "birth_date",
            "birth_place",
            "nationality",
            "status",
            "notes",
            "contact_details",
            "confidentiality",
            "team",
        ]
        widgets = {
            "birth_place": forms.TextInput(attrs={"dir": "auto"}),
            "notes": forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
            "contact_details": forms.Textarea(
                attrs={"rows": 3, "dir": "auto", "autocomplete": "off"}
            ),
        }
        help_texts = {
            "contact_details": _(
                "Sensitive: shown only to those who may edit this person. "
                "Addresses, telephone numbers, messaging accounts."
            ),
            "confidentiality": _(
                "Restricted: only the owning team. Secret: the owning team, not its viewers."
            ),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own_teams = Team.objects.filter(members=user)
        current = self.instance.team_id
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)  # noqa: S101 - a foreign key
        # A person is filed under one of the writer's own teams; an administrator
        # editing another team's person may keep it where it is.
        offer_teams(team, user, current)
        if not self.instance.pk and not self.is_bound:
            self.initial.setdefault("team", own_teams.first())
        nationality = self.fields["nationality"]
        assert isinstance(nationality, forms.ChoiceField)  # noqa: S101 - a country field
        nationality.choices = [("", _("Not known")), *countries]

    def person_fields(self) -> dict[str, Any]:
        """The cleaned facts, as create_person and update_person take them."""
        return {name: self.cleaned_data[name] for name in self._meta.fields or []}

    def save(self, commit: bool = True) -> Person:
        raise NotImplementedError("Persons are written through docket.people.services.")


class NewPersonForm(PersonForm):
    """A new person's facts, with the answer to "this looks like someone recorded"."""

    save_anyway = forms.BooleanField(
        label=_("Save anyway: this is someone else"),
        required=False,
        help_text=_("Tick only after checking that the persons named above are not this one."),
    )


class QuickPersonForm(forms.Form):
    """A new person in a few fields, from any form that needs one (the finder's "New
    person"): a name, perhaps in a second script, the birth date and nationality that
    tell namesakes apart, and who may see them."""

    name = forms.CharField(
        label=_("Name"), max_length=200, widget=forms.TextInput(attrs={"dir": "auto"})
    )
    other_name = forms.CharField(
        label=_("The name in another script"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    other_script = forms.ChoiceField(
        label=_("Script of that name"), choices=Script.choices, initial=Script.PERSIAN
    )
    birth_date = PartialDateFormField(
        label=_("Birth date"),
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    nationality = forms.ChoiceField(label=_("Nationality"), required=False)
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), initial="internal")
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    save_anyway = forms.BooleanField(
        label=_("Save anyway: this is someone else"),
        required=False,
        help_text=_("Tick only after checking that the persons named above are not this one."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        from docket.accounts.permissions import Confidentiality

        offer_teams(self.fields["team"], user)
        nationality = self.fields["nationality"]
        assert isinstance(nationality, forms.ChoiceField)  # noqa: S101 - declared above
        nationality.choices = [("", _("Not known")), *countries]
        level = self.fields["confidentiality"]
        assert isinstance(level, forms.ChoiceField)  # noqa: S101 - declared above
        level.choices = Confidentiality.choices

    def name_inputs(self) -> list[NameInput]:
        data = self.cleaned_data
        text = data["name"].strip()
        # Persian or Arabic letters say which script the first name is in.
        script = (
            Script.PERSIAN if any("\u0600" <= char <= "\u06ff" for char in text) else Script.LATIN
        )
        names = [NameInput(text, script)]
        if data.get("other_name", "").strip():
            names.append(NameInput(data["other_name"].strip(), data["other_script"]))
        return names

    def person_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "birth_date": data["birth_date"],
            "nationality": data["nationality"],
            "confidentiality": data["confidentiality"],
            "team": data["team"],
        }


class PersonEditForm(PersonForm):
    # The version the form was opened on: a save based on an older one is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class NameForm(forms.Form):
    """One name: a row of the names formset. A row left empty is ignored."""

    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    script = forms.ChoiceField(label=_("Script"), choices=Script.choices, initial=Script.LATIN)
    kind = forms.ChoiceField(label=_("Kind"), choices=NameKind.choices, initial=NameKind.FULL)


class BaseNameFormSet(forms.BaseFormSet[NameForm]):
    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        # Every row is read, even one equal to its initial value: an unchanged
        # name is still one of the person's names, and an empty row is skipped anyway.
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def clean(self) -> None:
        if any(self.errors):
            return
        if not self.name_inputs():
            raise ValidationError(_("Give the person at least one name."), code="no_name")

    def name_inputs(self) -> list[NameInput]:
        """The filled rows, in the order they were given."""
        return [
            NameInput(
                form.cleaned_data["name"].strip(),
                form.cleaned_data["script"],
                form.cleaned_data["kind"],
            )
            for form in self.forms
            if form.cleaned_data.get("name", "").strip()
        ]


# Empty rows enough for a full name in two scripts plus a variant or two; no
# script needed to add more, and a person with more names gets more on edit.
NameFormSet = cast(
    type[BaseNameFormSet],
    forms.formset_factory(NameForm, formset=BaseNameFormSet, extra=2, max_num=30),
)


def name_rows(person: Person | None) -> list[dict[str, str]]:
    """Initial rows of the names formset: the person's names, or a Latin and a Persian row."""
    if person is None:
        return [
            {"script": Script.LATIN, "kind": NameKind.FULL},
            {"script": Script.PERSIAN, "kind": NameKind.FULL},
        ]
    return [
        {"name": name.name, "script": name.script, "kind": name.kind} for name in person.names.all()
    ]


class RelativeForm(forms.Form):
    """Which visible person is a relative of `person`, and what they are to them."""

    relative = forms.ModelChoiceField(
        label=_("Relative"),
        queryset=Person.objects.none(),
        error_messages={
            "required": _("Choose the relative from the persons found."),
            "invalid_choice": _("Choose the relative from the persons found."),
        },
    )
    kind = forms.ModelChoiceField(
        label=_("Relationship"),
        queryset=RelationshipKind.objects.all(),
        empty_label=_("Choose…"),
    )

    def __init__(self, *args: Any, person: Person, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        relative = self.fields["relative"]
        assert isinstance(relative, forms.ModelChoiceField)  # noqa: S101 - declared above
        # Only someone the writer may see can be named, and never the person themself.
        relative.queryset = Person.objects.visible_to(user).exclude(pk=person.pk)
