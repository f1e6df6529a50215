"""The forms of the letter pages: writing a letter, sending it, recording a reply and how it
dealt with each question, the filters above the list, and sorting incoming email.

As everywhere in Docket, these forms only read and check input; the views hand the
cleaned values to docket.letters.services. Choices of related records come from
querysets the view has already narrowed to what the user may see.
"""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import User
from docket.cases.forms import PlainForm, VersionedForm
from docket.cases.models import Authority, Case
from docket.letters.models import AnswerStatus, Channel, Dispatch, Letter, Question, ReplyChannel
from docket.lib.forms import DayField, RecordsField, offer_teams


class LetterState:
    DRAFT = "draft"
    SENT = "sent"
    OVERDUE = "overdue"
    PUBLISHED = "published"

    CHOICES = (
        (DRAFT, _("Draft: not sent yet")),
        (SENT, _("Sent")),
        (OVERDUE, _("Overdue")),
        (PUBLISHED, _("Published")),
    )


class LetterFilterForm(PlainForm):
    """The filters above the letter list; every one optional. "Overdue" depends on each
    authority's calendar, so the view applies it from the figures."""

    title = forms.CharField(
        label=_("Title contains"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "dir": "auto"}),
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Any state")), *LetterState.CHOICES],
    )

    def values(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}


def case_label(case: Case) -> str:
    return f"{case.pk}. {case.title}"


class QuestionsField(forms.CharField):
    """Numbered questions typed one per line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 6, "dir": "auto"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            lines = [str(item) for item in value]
        else:
            lines = str(super().to_python(value) or "").splitlines()
        return [line.strip() for line in lines if line.strip()]


class LetterForm(VersionedForm):
    """A letter: its text, who it goes to, the cases it cites and its questions.

    Once a copy has gone out the text and questions are fixed (the service refuses
    a change); the view passes `sent=True` and those fields are shown, not edited.
    """

    recipients = forms.ModelMultipleChoiceField(
        label=_("To"),
        queryset=Authority.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Each authority gets its own copy, reply reference and deadline."),
    )
    cases = RecordsField(
        label=_("Cases cited"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Cited by number and the initials of their persons, unless public or cited in "
            "full. Find others by title or number below the list."
        ),
    )
    revealed_cases = RecordsField(
        label=_("Cite in full"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = QuestionsField(
        label=_("Questions"),
        required=False,
        help_text=_("One question per line; they are numbered 1, 2, 3… in this order."),
    )

    class Meta:
        model = Letter
        fields = ["title", "body", "language", "confidentiality", "team"]
        widgets = {
            "title": forms.TextInput(attrs={"dir": "auto"}),
            "body": forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
        }
        help_texts = {
            "body": _(
                "Markdown: a blank line between paragraphs, *italics*, **bold**, lines starting "
                "with - for a list, [text](https://…) for a link. Cited cases and the numbered "
                "questions are added after the body."
            ),
        }

    def __init__(
        self,
        *args: Any,
        user: User,
        authorities: QuerySet[Authority],
        cases: QuerySet[Case],
        offered_cases: Sequence[Case],
        sent: bool = False,
        sent_to: Iterable[int] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sent = sent
        # One's own teams, and the team the letter already has (an administrator's edit).
        offer_teams(self.fields["team"], user, self.instance.team_id)
        recipients = self.fields["recipients"]
        assert isinstance(recipients, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        recipients.queryset = authorities
        already = set(sent_to)
        recipients.widget.choices = [
            (
                authority.pk,
                f"{authority.name} ({_('copy sent')})"
                if authority.pk in already
                else authority.name,
            )
            for authority in authorities
        ]
        labelled = [(case.pk, case_label(case)) for case in offered_cases]
        for name in ("cases", "revealed_cases"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
            # Any visible case is accepted; only a few are listed, since there may be thousands.
            field.queryset = cases
            field.widget.choices = labelled
        if sent:
            for name in ("title", "body", "questions"):
                self.fields[name].disabled = True

    def case_rows(self) -> list[tuple[Any, Any]]:
        """Each listed case's "cite" and "cite in full" boxes, side by side."""
        return list(zip(self["cases"], self["revealed_cases"], strict=True))


class CaseChoicesForm(PlainForm):
    q = forms.CharField(required=False, max_length=200)


class SendForm(PlainForm):
    recipients = forms.ModelMultipleChoiceField(
        label=_("Send to"),
        queryset=Authority.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one recipient.")},
    )
    channel = forms.ChoiceField(
        label=_("How it goes"),
        choices=Channel.choices,
        initial=Channel.EMAIL,
        widget=forms.RadioSelect,
        help_text=_(
            "Email sends each copy from Docket with its reply reference; the others only "
            "record how and when it went."
        ),
    )
    sent_on = DayField(label=_("Sent on"), required=True)

    def __init__(self, *args: Any, dispatches: Sequence[Dispatch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dispatches = list(dispatches)
        field = self.fields["recipients"]
        assert isinstance(field, forms.ModelMultipleChoiceField)  # noqa: S101 - declared above
        field.queryset = Authority.objects.filter(
            pk__in=[dispatch.authority_id for dispatch in self.dispatches]
        )
        field.widget.choices = [
            (
                dispatch.authority_id,
                f"{dispatch.authority.name} <{dispatch.authority.email}>"
                if dispatch.authority.email
                else _("%(name)s (no email address)") % {"name": dispatch.authority.name},
            )
            for dispatch in self.dispatches
        ]
        if not self.is_bound:
            self.initial.setdefault("recipients", [d.authority_id for d in self.dispatches])
            self.initial.setdefault("sent_on", timezone.localdate())

    def clean_sent_on(self) -> date:
        value: date = self.cleaned_data["sent_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A letter cannot have gone out in the future."))
        return value


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; none is fine."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def question_field_name(number: int) -> str:
    return f"question_{number}"


STATUS_CHOICES = AnswerStatus.choices


class AnswersMixin:
    """One status select per question of the letter, named question_<number>."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_question_fields(self, questions: Sequence[Question], initial: dict[int, str]) -> None:
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question_field_name(question.number)] = forms.ChoiceField(
                label=_("Question %(number)d") % {"number": question.number},
                choices=STATUS_CHOICES,
                initial=initial.get(question.number, AnswerStatus.UNANSWERED),
                required=False,
            )

    def question_rows(self) -> list[tuple[Question, Any]]:
        return [
            (question, self[question_field_name(question.number)])  # type: ignore[index]
            for question in self.questions
        ]

    def answers(self) -> dict[int, str]:
        return {
            question.number: self.cleaned_data.get(question_field_name(question.number))
            or AnswerStatus.UNANSWERED
            for question in self.questions
        }


class ReplyForm(AnswersMixin, PlainForm):
    authority = forms.ModelChoiceField(
        label=_("From"), queryset=Authority.objects.none(), empty_label=None
    )
    received_on = DayField(label=_("Received on"))
    via = forms.ChoiceField(label=_("Received by"), choices=ReplyChannel.choices)
    body = forms.CharField(
        label=_("What the reply says"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        help_text=_("Its text, or a summary; attach the reply itself below."),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        help_text=_(
            "The reply as scanned or received, and anything sent with it. Kept as evidence "
            "with the letter's confidentiality."
        ),
    )

    def __init__(
        self,
        *args: Any,
        authorities: QuerySet[Authority],
        questions: Sequence[Question],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = authorities
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
            self.initial.setdefault("via", ReplyChannel.POST)
        self.add_question_fields(questions, {})

    def clean_received_on(self) -> date:
        value: date = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("A reply cannot arrive in the future."))
        return value


class AnswersForm(AnswersMixin, PlainForm):
    def __init__(
        self, *args: Any, questions: Sequence[Question], current: dict[int, str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_question_fields(questions, current)


class DispatchChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.letter.title} — {obj.authority.name} ({obj.reference})"


class AttachMailForm(PlainForm):
    """Which letter and authority an email from the review queue answers: one choice of the
    copies sent of the letters the user may change."""

    dispatch = DispatchChoiceField(
        label=_("Reply to"),
        queryset=Dispatch.objects.none(),
        empty_label=_("— choose the letter and authority —"),
        help_text=_("Each letter you may change, once for each authority it was sent to."),
    )

    def __init__(self, *args: Any, dispatches: QuerySet[Dispatch], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["dispatch"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = dispatches
