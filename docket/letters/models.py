"""Letters to authorities, their numbered questions, each copy sent, and the replies.

One letter goes to one or more authorities; each recipient gets its own copy
(`Dispatch`): its own sending date, channel, reply reference and reminders.
A reply (`Response`) comes from one authority and says, question by question,
how it dealt with each (`Answer`). The figures (due dates, overdue questions,
scorecards) are computed from these in `docket.letters.figures`. One is also
stored, as a cache: each copy's due date (`Dispatch.due_on`), so that "what is
overdue" is one query over thousands of letters. `Dispatch.save` writes it and
`refresh_due_dates` rewrites it when an authority's rule changes.
"""

import secrets
from datetime import date
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from docket.accounts.permissions import NOTHING, may_triage_mail
from docket.letters.calendar import due_date
from docket.lib.crypto import SealedBytesField
from docket.lib.records import ConfidentialRecord


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    HAND = "hand", _("Hand delivery")
    PUBLISHED = "published", _("Published online")


class Letter(ConfidentialRecord):
    title = models.CharField(_("title"), max_length=300)
    to = models.ManyToManyField(
        "cases.Authority",
        through="Dispatch",
        related_name="letters",
        verbose_name=_("to"),
    )
    # Markdown, rendered through an allow-list sanitiser (docket.letters.text).
    body = models.TextField(_("body"), blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    cases = models.ManyToManyField(
        "cases.Case", related_name="letters", blank=True, verbose_name=_("cases cited")
    )
    # Cases the writer chose to cite in full although they are not public; only a
    # writer who may edit the case can reveal it (docket.letters.services).
    revealed_cases = models.ManyToManyField(
        "cases.Case", related_name="+", blank=True, verbose_name=_("cases cited in full")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="letters",
        verbose_name=_("owner"),
    )
    follows = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
        verbose_name=_("follows up"),
    )
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # The title, body and questions as the public reads them, redacted by rule
    # (docket.letters.redaction): kept when the letter is published, None when it must
    # be computed again. A cache of the text, not a fact of its own.
    public_text = models.JSONField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["version", "updated_at", "public_text"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")

    def __str__(self) -> str:
        return self.title


# Letters and digits that cannot be mistaken for one another when read aloud or retyped.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_PREFIX = "DKT-"


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


class Dispatch(models.Model):
    """One recipient's copy of a letter: when and how it went, and its reply reference."""

    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="dispatches")
    authority = models.ForeignKey(
        "cases.Authority", on_delete=models.PROTECT, related_name="dispatches"
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, blank=True)
    # In the reply-to address and the subject of an emailed copy, so replies find it.
    reference = models.CharField(
        _("reply reference"), max_length=20, unique=True, default=new_reference
    )
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # A cache of `due_date()` for this copy, kept by save() and refresh_due_dates().
    due_on = models.DateField(null=True, blank=True, editable=False, db_index=True)
    reminded_due_on = models.DateField(null=True, blank=True, editable=False)
    reminded_overdue_on = models.DateField(null=True, blank=True, editable=False)

    # The due date is a cache of other fields, not a fact of its own.
    history = HistoricalRecords(excluded_fields=["due_on"])

    class Meta:
        ordering = ["letter", "authority__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "authority"], name="one_copy_per_recipient")
        ]
        verbose_name = _("copy sent")
        verbose_name_plural = _("copies sent")

    def __str__(self) -> str:
        return f"{self.letter} → {self.authority}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.due_on = self.compute_due_on()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "due_on" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "due_on"]
        super().save(*args, **kwargs)

    def compute_due_on(self) -> date | None:
        if self.sent_on is None:
            return None
        authority = self.authority
        return due_date(
            self.sent_on,
            days=authority.response_days,
            working_days=authority.working_days,
            country=str(authority.country or ""),
        )


def refresh_due_dates(authority: Any) -> int:
    """Rewrite the due dates of every copy sent to `authority` after its rule changed."""
    changed = []
    for dispatch in Dispatch.objects.filter(authority=authority, sent_on__isnull=False):
        dispatch.authority = authority
        due_on = dispatch.compute_due_on()
        if due_on != dispatch.due_on:
            dispatch.due_on = due_on
            changed.append(dispatch)
    Dispatch.objects.bulk_update(changed, ["due_on"], batch_size=500)
    return len(changed)


class AnswerStatus(models.TextChoices):
    UNANSWERED = "unanswered", _("Unanswered")
    ANSWERED = "answered", _("Answered")
    PARTIAL = "partial", _("Partially answered")
    REFUSED = "refused", _("Refused")
    NOT_HELD = "not_held", _("Not held")
    IGNORED = "ignored", _("Ignored")


class Question(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="questions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("text"))
    # The status recorded for the letter as a whole when no reply carries it (an
    # imported file, a refusal by telephone); replies' answers take precedence.
    status = models.CharField(
        _("status"), max_length=12, choices=AnswerStatus, default=AnswerStatus.UNANSWERED
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["letter", "number"]
        constraints = [
            models.UniqueConstraint(fields=["letter", "number"], name="question_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class ReplyChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    POST = "post", _("Post")
    HAND = "hand", _("By hand")
    PUBLISHED = "published", _("Published statement")
    OTHER = "other", _("Other")


class ResponseQuerySet(models.QuerySet["Response"]):
    def visible_to(self, user: Any) -> Self:
        """A reply is seen with its letter."""
        return self.filter(letter__in=Letter.objects.visible_to(user).values("pk"))


class Response(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="responses")
    authority = models.ForeignKey(
        "cases.Authority", on_delete=models.PROTECT, related_name="responses"
    )
    received_on = models.DateField(_("received on"))
    body = models.TextField(_("body"), blank=True)
    via = models.CharField(_("received by"), max_length=10, choices=ReplyChannel, blank=True)
    answers = models.ManyToManyField(Question, through="Answer", related_name="responses")
    # The reply's attachments (and, for an email, the message itself) as evidence.
    source = models.ForeignKey(
        "cases.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ResponseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.authority} {self.received_on}"


class Answer(models.Model):
    """How one reply dealt with one question."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answer_set")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answer_set")
    status = models.CharField(
        _("status"), max_length=12, choices=AnswerStatus, default=AnswerStatus.ANSWERED
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["question__number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_reply")
        ]

    def __str__(self) -> str:
        return f"{self.question.number}: {self.get_status_display()}"


class InboundState(models.TextChoices):
    WAITING = "waiting", _("Waiting for review")
    ATTACHED = "attached", _("Attached to a letter")
    DISMISSED = "dismissed", _("Dismissed")


class InboundMailQuerySet(models.QuerySet["InboundMail"]):
    def visible_to(self, user: Any) -> Self:
        """Mail filed as a letter's reply is seen as that letter is (a reply to a secret
        letter is as secret as the letter). Mail that matched no letter may hold anything:
        only coordinators and administrators, who sort it, see it."""
        attached = Q(
            response__isnull=False,
            response__letter__in=Letter.objects.visible_to(user).values("pk"),
        )
        unmatched = Q(response__isnull=True) if may_triage_mail(user) else NOTHING
        return self.filter(attached | unmatched)


class InboundMail(models.Model):
    """An email that came in: attached to its letter at once when its reference matches,
    otherwise kept in the review queue until someone attaches or dismisses it.

    The same bytes taken in twice are kept once (`sha256`); a different message reusing
    a Message-ID is kept too, marked (`same_id_as`), and waits for a person. A message
    Docket cannot read is kept as well, with what went wrong (`problem`), in the queue.
    """

    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    sender = models.CharField(_("from"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # The whole message, byte for byte as received, encrypted at rest like any evidence.
    raw = SealedBytesField()
    # SHA-256 of `raw`: what makes two messages the same one.
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # An earlier, different message with the same Message-ID.
    same_id_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why Docket could not read or file it, in words for the person sorting the queue.
    problem = models.TextField(_("problem"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=InboundState, default=InboundState.WAITING
    )
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = InboundMailQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")

    def __str__(self) -> str:
        return self.subject or self.sender
