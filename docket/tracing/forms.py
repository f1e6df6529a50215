"""The forms of the tracing pages. They read and check input only; the views hand the
cleaned values to docket.tracing.services. Choices of records come from querysets the
view has narrowed to what the user may see."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import Team, User
from docket.accounts.permissions import Confidentiality
from docket.cases.forms import PlainForm
from docket.cases.models import Authority, Case
from docket.lib.forms import DayField, DayInput, PartialDateFormField, offer_teams
from docket.lib.records import MAX_ID
from docket.people.forms import PersonFinderField, finder_for
from docket.people.models import Person, RelationshipKind, Script
from docket.people.services import NameInput
from docket.tracing.models import (
    AskedFor,
    Consent,
    ConsentMethod,
    ConsentScope,
    ContactKind,
    ContactOutcome,
    TracingStatus,
)
from docket.tracing.services import Intake, NewPerson

DATE = DayInput()


class PersonNumberField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A recorded person named by Docket's number; a number no key can be is refused."""

    widget = forms.NumberInput

    def to_python(self, value: Any) -> Any:
        text = str(value or "").strip()
        if text and not (text.isascii() and text.isdigit() and int(text) <= MAX_ID):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IntakeForm(PlainForm):
    requester = PersonFinderField(
        required=False,
        label=_("Requester, if recorded already"),
        help_text=_(
            "Type a name in any spelling or script, or a number. Leave empty to record "
            "a new person with the name below."
        ),
    )
    requester_name = forms.CharField(label=_("Requester's name"), required=False, max_length=200)
    requester_contact = forms.CharField(
        label=_("Requester's contact details"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("Sealed at rest; shown only to those who may edit the person."),
    )
    sought = PersonFinderField(
        required=False,
        label=_("Person sought, if recorded already"),
        help_text=_(
            "Type a name in any spelling or script, or a number. Leave empty to record "
            "them below; they are then matched at once."
        ),
    )
    sought_name = forms.CharField(
        label=_("Name of the person sought"), required=False, max_length=200
    )
    sought_other_name = forms.CharField(
        label=_("Their name in another script"), required=False, max_length=200
    )
    sought_other_script = forms.ChoiceField(
        label=_("Script of that name"), choices=Script.choices, initial=Script.PERSIAN
    )
    sought_father_name = forms.CharField(label=_("Father's name"), required=False, max_length=200)
    sought_birth_date = PartialDateFormField(label=_("Birth date"), required=False)
    last_known_place = forms.CharField(label=_("Last known place"), required=False, max_length=200)
    last_contact = DayField(label=_("Last contact"), required=False, widget=DATE)
    relationship_kind = forms.ModelChoiceField(
        queryset=RelationshipKind.objects.all(),
        required=False,
        label=_("What the person sought is to the requester"),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"})
    )
    asks_for = forms.MultipleChoiceField(
        label=_("What the family asks for"),
        choices=AskedFor.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    confidentiality = forms.ChoiceField(
        label=_("Confidentiality"), choices=Confidentiality.choices, initial="restricted"
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        visible = Person.objects.visible_to(user)
        finder_for(self.fields["requester"], user, visible)
        finder_for(self.fields["sought"], user, visible)
        offer_teams(self.fields["team"], user)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("requester") and not (data.get("requester_name") or "").strip():
            self.add_error("requester_name", _("Choose the requester or give their name."))
        if (
            not data.get("sought")
            and not (data.get("sought_name") or "").strip()
            and not (data.get("sought_other_name") or "").strip()
        ):
            self.add_error("sought_name", _("Choose the person sought or give a name."))
        last = data.get("last_contact")
        if last and last > timezone.localdate():
            self.add_error("last_contact", _("This cannot be in the future."))
        return data

    def intake(self) -> Intake:
        data = self.cleaned_data
        requester: Person | NewPerson = data["requester"] or NewPerson(
            names=[NameInput(data["requester_name"].strip())],
            contact_details=data["requester_contact"],
        )
        names = []
        if data["sought_name"].strip():
            names.append(NameInput(data["sought_name"].strip()))
        if data["sought_other_name"].strip():
            names.append(NameInput(data["sought_other_name"].strip(), data["sought_other_script"]))
        sought: Person | NewPerson = data["sought"] or NewPerson(
            names=names,
            father_name=data["sought_father_name"],
            birth_date=data["sought_birth_date"],
        )
        return Intake(
            requester=requester,
            sought=sought,
            relationship_kind=data["relationship_kind"],
            reason=data["reason"],
            asks_for=list(data["asks_for"]),
            last_contact=data["last_contact"],
            last_known_place=data["last_known_place"],
            confidentiality=data["confidentiality"],
            team=data["team"],
        )


class StepForm(PlainForm):
    to = forms.ChoiceField(label=_("New status"), choices=TracingStatus.choices)
    on = DayField(label=_("On"), widget=DATE, required=False)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    whereabouts = forms.CharField(
        label=_("Whereabouts (when located)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("Passed to the requester only if the person sought agrees."),
    )

    def __init__(self, *args: Any, choices: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if choices is not None:
            labels = dict(TracingStatus.choices)
            self.fields["to"].choices = [(code, labels[code]) for code in choices]  # type: ignore[attr-defined]


class ConsentForm(PlainForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("consent", _("Agreed")), ("refusal", _("Refused"))],
        widget=forms.RadioSelect,
        initial="consent",
    )
    scope = forms.ChoiceField(label=_("To what"), choices=ConsentScope.choices)
    to_public = forms.BooleanField(
        label=_("Towards anyone (the public), not only the requester"), required=False
    )
    on = DayField(label=_("On"), widget=DATE, initial=timezone.localdate)
    expires_on = DayField(label=_("Until (last day)"), widget=DATE, required=False)
    how = forms.ChoiceField(label=_("How recorded"), choices=ConsentMethod.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MatchProposalForm(PlainForm):
    """A recorded person, found by name, who may be the one sought though the matching
    model did not propose them."""

    candidate = PersonFinderField(label=_("Another recorded person who may be the one sought"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        finder_for(self.fields["candidate"], user, Person.objects.visible_to(user))


class ConsentChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return _consent_label(obj)


class WithdrawalForm(PlainForm):
    """Withdrawing a consent: which one, from which day, why, and a confirmation."""

    consent = ConsentChoiceField(
        label=_("Consent to withdraw"),
        queryset=Consent.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    on = forms.DateField(
        label=_("Withdrawn on"),
        widget=DATE,
        initial=timezone.localdate,
        help_text=_("From this day on, the consent covers nothing."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("How the person sought withdrew it, or why it no longer holds."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm the withdrawal: it cannot be undone."),
        error_messages={"required": _("Tick to confirm the withdrawal.")},
    )

    def __init__(self, *args: Any, consents: QuerySet[Consent], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["consent"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = consents

    def clean_on(self) -> date:
        day: date = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("This cannot be in the future."))
        return day


def _consent_label(consent: Consent) -> str:
    towards = _("anyone") if consent.granted_to_public else _("the requester")
    return _("%(scope)s, towards %(towards)s, given on %(given)s") % {
        "scope": consent.get_scope_display(),
        "towards": towards,
        "given": consent.given_on.isoformat(),
    }


class AttemptForm(PlainForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    date = DayField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    channel = forms.CharField(label=_("Channel"), required=False, max_length=200)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ContactOutcome.choices)
    refused_by = forms.ModelChoiceField(
        queryset=Authority.objects.order_by("name"),
        required=False,
        label=_("Refused by (authority)"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MessageForm(PlainForm):
    text = forms.CharField(
        label=_("Message from the family"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    written_on = DayField(label=_("Written on"), widget=DATE, initial=timezone.localdate)


class DeliveryForm(PlainForm):
    delivered_on = DayField(label=_("Delivered on"), widget=DATE, required=False)
    reply = forms.CharField(
        label=_("Reply"), required=False, widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"})
    )
    reply_on = DayField(label=_("Reply received on"), widget=DATE, required=False)


class EventConfirmForm(PlainForm):
    case = forms.ModelChoiceField(
        queryset=Case.objects.none(),
        required=False,
        label=_("Case"),
        empty_label=_("Open a new case"),
    )
    new_case_title = forms.CharField(label=_("Title of a new case"), required=False, max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"})
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]


def day_or_today(value: date | None) -> date:
    return value or timezone.localdate()
