"""The forms of the case pages: cases, events and the persons in them, sources, evidence
files, authorities, and the filters above the lists.

These forms only read and check input; nothing here saves. The views hand the
cleaned values to docket.cases.services, which check permission, keep versions
and write the audit log. Choices of related records come from querysets the
view has already narrowed to what the user may see.
"""

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.cases.models import (
    Authority,
    Case,
    CaseStatus,
    Event,
    EventType,
    Evidence,
    InvolvementRole,
    Reliability,
    Source,
    SourceKind,
)
from docket.lib.dates import ENTRY_HELP
from docket.lib.forms import PartialDateFormField, RecordsField, offer_teams
from docket.people.forms import PersonFinderField, finder_for
from docket.people.models import Person, RelationshipKind, Script

# The model fields' empty help text would otherwise hide PartialDateFormField's own.
PARTIAL_DATE_HELP = ENTRY_HELP

# Fields an event type may ask for (EventType.fields), in the order the form shows them.
EXTRA_EVENT_FIELDS = ("charged", "document", "destination")


class PlainForm(forms.Form):
    """Labels without a trailing colon, as on every other Docket form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class VersionedForm(forms.ModelForm):  # type: ignore[type-arg]
    """A form that carries the version of the record it was opened on.

    The services refuse a save whose version is no longer the record's, so two
    people editing at once cannot overwrite each other.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new record has no version yet; the field only matters when editing.
            self.fields["version"].required = False


def _labelled(persons: QuerySet[Person]) -> list[tuple[int, str]]:
    return [(person.pk, person.display_name) for person in persons.prefetch_related("names")]


class CaseFilterForm(PlainForm):
    """The filters above the case list; every one optional."""

    title = forms.CharField(
        label=_("Title contains"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *CaseStatus.choices]
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"),
        required=False,
        choices=[("", _("Any level")), *Confidentiality.choices],
    )

    def apply(self, cases: QuerySet[Case]) -> QuerySet[Case]:
        values = self.cleaned_data if self.is_valid() else {}
        if values.get("title"):
            cases = cases.filter(title__icontains=values["title"])
        if values.get("status"):
            cases = cases.filter(status=values["status"])
        if values.get("confidentiality"):
            cases = cases.filter(confidentiality=values["confidentiality"])
        return cases


class CaseForm(VersionedForm):
    """A case's own facts and its persons. `persons` offers the visible ones."""

    persons = RecordsField(
        label=_("Persons"),
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The persons this case is about. Find others by name below the list."),
    )

    class Meta:
        model = Case
        fields = ["title", "summary", "status", "confidentiality", "team", "persons"]
        widgets = {
            "title": forms.TextInput(attrs={"dir": "auto"}),
            "summary": forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        }

    def __init__(
        self,
        *args: Any,
        user: User,
        persons: QuerySet[Person],
        offered: QuerySet[Person],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        offer_teams(self.fields["team"], user, self.instance.team_id)
        field = self.fields["persons"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        # Any visible person is accepted; only a few are listed, since there may be thousands.
        field.queryset = persons
        field.widget.choices = _labelled(offered)


class EventForm(VersionedForm):
    class Meta:
        model = Event
        fields = [
            "type",
            "start",
            "end",
            "place_name",
            "place_country",
            "authority",
            "charged",
            "document",
            "destination",
            "description",
            "sources",
        ]
        widgets = {
            "place_name": forms.TextInput(attrs={"dir": "auto"}),
            "description": forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
            "sources": forms.CheckboxSelectMultiple,
        }
        field_classes = {"sources": RecordsField}
        help_texts = {
            "start": PARTIAL_DATE_HELP,
            "end": PARTIAL_DATE_HELP,
            "charged": _("For a detention: was the person charged with an offence?"),
            "document": _("For a refused document: which one."),
            "destination": _("For a deportation or removal: the country the person was sent to."),
        }

    def __init__(
        self,
        *args: Any,
        sources: QuerySet[Source],
        offered_sources: QuerySet[Source],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = EventType.objects.all()  # type: ignore[attr-defined]
        self.fields["type"].widget.attrs.update(
            {
                # Swap in the fields the chosen type asks for, keeping what is typed in them;
                # the view sets hx-get to its own address.
                "hx-trigger": "change",
                "hx-target": "#type-fields",
                "hx-swap": "outerHTML",
                "hx-include": "#type-fields",
            }
        )
        self.fields["authority"].queryset = Authority.objects.alive()  # type: ignore[attr-defined]
        field = self.fields["sources"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - a many-to-many
        field.queryset = sources
        field.widget.choices = [(source.pk, source.title) for source in offered_sources]
        field.required = False

    def chosen_type(self) -> EventType | None:
        """The type as chosen on the form, else as saved; None on a new, untouched form."""
        value = self["type"].value()
        try:
            return EventType.objects.get(pk=value) if value else None
        except (EventType.DoesNotExist, ValueError, TypeError):
            return None

    def extra_fields(self) -> list[forms.BoundField]:
        """The type-dependent fields to show: those the chosen type uses, or all of them
        while no type is chosen, so the form works without JavaScript too."""
        chosen = self.chosen_type()
        wanted = EXTRA_EVENT_FIELDS if chosen is None else chosen.fields
        return [self[name] for name in EXTRA_EVENT_FIELDS if name in wanted]


class InvolvementForm(PlainForm):
    """One person's role in an event; a row left without a person is ignored."""

    person = PersonFinderField(label=_("Person"), required=False)
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=InvolvementRole.objects.all(), required=False
    )

    def __init__(
        self,
        *args: Any,
        persons: QuerySet[Person],
        user: User | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Rows are told apart by number, so each label names its own input.
        number = int(self.prefix.rsplit("-", 1)[-1]) + 1 if self.prefix else 1
        self.fields["person"].label = _("Person %(number)d") % {"number": number}
        self.fields["role"].label = _("Role of person %(number)d") % {"number": number}
        finder_for(self.fields["person"], user, persons)

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        if values.get("person") and not values.get("role"):
            self.add_error("role", _("Choose the person's role in the event."))
        return values


class BaseInvolvementFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[tuple[int, int]] = set()
        for form in self.forms:
            person, role = form.cleaned_data.get("person"), form.cleaned_data.get("role")
            if not (person and role):
                continue
            if (person.pk, role.pk) in seen:
                raise forms.ValidationError(
                    _(
                        "%(person)s is named twice as %(role)s in this event: name a person once "
                        "in each role."
                    )
                    % {"person": person.display_name, "role": role.shown},
                    code="twice",
                )
            seen.add((person.pk, role.pk))


InvolvementFormSet = forms.formset_factory(
    InvolvementForm, formset=BaseInvolvementFormSet, extra=2, max_num=50, validate_max=True
)


class RelativeRefusalForm(PlainForm):
    """A family member's refused visa or visit, from the case: who they are to which of
    the case's persons (recorded already, or new: a name is enough), and the refusal."""

    person = forms.ModelChoiceField(label=_("Person of the case"), queryset=Person.objects.none())
    relative = PersonFinderField(
        label=_("The family member, if recorded already"),
        required=False,
        help_text=_("Type a name in any spelling or script, or a number; leave empty to add them."),
    )
    name = forms.CharField(
        label=_("Or the name of a family member not recorded yet"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    other_name = forms.CharField(
        label=_("Their name in another script"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    other_script = forms.ChoiceField(
        label=_("Script of that name"), choices=Script.choices, initial=Script.PERSIAN
    )
    birth_date = PartialDateFormField(
        label=_("Their birth date"), required=False, help_text=PARTIAL_DATE_HELP
    )
    kind = forms.ModelChoiceField(
        label=_("What the family member is to the person"),
        queryset=RelationshipKind.objects.all(),
        empty_label=_("Choose…"),
    )
    type = forms.ModelChoiceField(
        label=_("What was refused"),
        queryset=EventType.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    start = PartialDateFormField(label=_("Refused on"), required=False, help_text=PARTIAL_DATE_HELP)
    authority = forms.ModelChoiceField(
        label=_("Refused by"), queryset=Authority.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    save_anyway = forms.BooleanField(
        label=_("Save anyway: the new family member is someone else"),
        required=False,
        help_text=_("Tick only after checking that the persons named above are not this one."),
    )

    def __init__(
        self, *args: Any, user: User, case: Case, persons: QuerySet[Person], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        from docket.cases.services import RELATIVE_REFUSALS

        person = self.fields["person"]
        assert isinstance(person, forms.ModelChoiceField)  # noqa: S101 - declared above
        person.queryset = persons.filter(cases=case)
        person.widget.choices = [
            (p.pk, p.display_name) for p in person.queryset.prefetch_related("names")
        ]
        if not self.is_bound:
            only = list(person.queryset.values_list("pk", flat=True)[:2])
            if len(only) == 1:
                self.initial.setdefault("person", only[0])
        finder_for(self.fields["relative"], user, persons)
        refusal = self.fields["type"]
        assert isinstance(refusal, forms.ModelChoiceField)  # noqa: S101 - declared above
        refusal.queryset = EventType.objects.filter(code__in=RELATIVE_REFUSALS)
        self.fields["authority"].queryset = Authority.objects.alive()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        values = super().clean() or {}
        has_name = bool(
            (values.get("name") or "").strip() or (values.get("other_name") or "").strip()
        )
        if values.get("relative") and has_name:
            self.add_error(
                "name", _("Either choose a recorded family member or name a new one, not both.")
            )
        elif not values.get("relative") and not has_name and "relative" not in self.errors:
            self.add_error("relative", _("Choose the family member or give their name."))
        if values.get("relative") and values.get("person") == values.get("relative"):
            self.add_error("relative", _("A person is not their own relative."))
        return values

    def new_names(self) -> list[tuple[str, str]]:
        """(name, script) of a new family member, in the order given."""
        values = self.cleaned_data
        names: list[tuple[str, str]] = []
        text = (values.get("name") or "").strip()
        if text:
            persian = any("\u0600" <= char <= "\u06ff" for char in text)
            names.append((text, Script.PERSIAN if persian else Script.LATIN))
        other = (values.get("other_name") or "").strip()
        if other:
            names.append((other, values["other_script"]))
        return names


class SourceFilterForm(PlainForm):
    title = forms.CharField(
        label=_("Title contains"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *SourceKind.choices]
    )
    reliability = forms.ChoiceField(
        label=_("Reliability"),
        required=False,
        choices=[("", _("Any reliability")), *Reliability.choices],
    )

    def apply(self, sources: QuerySet[Source]) -> QuerySet[Source]:
        values = self.cleaned_data if self.is_valid() else {}
        if values.get("title"):
            sources = sources.filter(title__icontains=values["title"])
        if values.get("kind"):
            sources = sources.filter(kind=values["kind"])
        if values.get("reliability"):
            sources = sources.filter(reliability=values["reliability"])
        return sources


class SourceForm(VersionedForm):
    class Meta:
        model = Source
        fields = [
            "kind",
            "title",
            "given_by",
            "date",
            "url",
            "reliability",
            "confidentiality",
            "team",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"dir": "auto"}),
            "given_by": forms.TextInput(attrs={"dir": "auto"}),
        }
        help_texts = {
            "date": PARTIAL_DATE_HELP,
            "given_by": _("Who gave a testimony can be endangered by it: choose the level below."),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_teams(self.fields["team"], user, self.instance.team_id)


class EvidenceForm(PlainForm):
    file = forms.FileField(
        label=_("File to attach"),
        help_text=_("PDF, an image, sound, video or text. Its fingerprint is taken on arrival."),
    )
    copy_of = forms.ModelChoiceField(
        label=_("A redacted copy of"),
        queryset=Evidence.objects.none(),
        required=False,
        empty_label=_("— none: this is an original —"),
        help_text=_(
            "For a version with names or faces blacked out, made for sharing. The original "
            "stays as it was, and the copy is linked to it."
        ),
    )

    def __init__(self, *args: Any, originals: QuerySet[Evidence], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        copy_of = self.fields["copy_of"]
        assert isinstance(copy_of, forms.ModelChoiceField)  # noqa: S101
        copy_of.queryset = originals


class AuthorityFilterForm(PlainForm):
    name = forms.CharField(
        label=_("Name contains"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )

    def apply(self, authorities: QuerySet[Authority]) -> QuerySet[Authority]:
        values = self.cleaned_data if self.is_valid() else {}
        if values.get("name"):
            authorities = authorities.filter(
                Q(name__icontains=values["name"]) | Q(email__icontains=values["name"])
            )
        return authorities


class AuthorityForm(VersionedForm):
    class Meta:
        model = Authority
        fields = ["name", "kind", "country", "email", "address", "response_days", "working_days"]
        widgets = {
            "name": forms.TextInput(attrs={"dir": "auto"}),
            "address": forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        }
