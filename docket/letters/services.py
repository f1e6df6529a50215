"""Writes to letters: one function per use case, shared by pages, the API, commands and tasks.

Each checks permission, runs in a transaction, records who acted in the
record's history and the audit log.
"""

import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from smtplib import SMTPException
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, InterfaceError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from docket.accounts.models import Team
from docket.accounts.permissions import may_publish, may_triage_mail
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases import services as case_services
from docket.cases.models import Authority, Case, SourceKind
from docket.letters import mail, redaction
from docket.letters.figures import OPEN, copies_due_between, letter_figures, overdue_copies
from docket.letters.models import (
    Answer,
    AnswerStatus,
    Channel,
    Dispatch,
    InboundMail,
    InboundState,
    Letter,
    Question,
    ReplyChannel,
    Response,
)
from docket.letters.pdf import pdf_attachment
from docket.lib import dates
from docket.lib.dates import list_separator, show_date
from docket.lib.email import html_email
from docket.lib.services import owning_team, require_editable, require_writer
from docket.lib.versioning import save_versioned

logger = logging.getLogger(__name__)

LETTER_FIELDS = ("body", "language", "confidentiality", "team")
# What a reply may say of a question; "unanswered" is the absence of an answer.
ANSWER_STATUSES = {status for status in AnswerStatus if status != AnswerStatus.UNANSWERED}
REMIND_DAYS_BEFORE = 3


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - set(LETTER_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _check_cases(
    actor: Any,
    cases: Sequence[Case],
    revealed: Sequence[Case],
    *,
    were_cited: Iterable[int] = (),
    were_revealed: Iterable[int] = (),
) -> None:
    """Cases newly cited must be visible to the writer, and newly revealed ones editable;
    those the letter already cited or revealed may stay, even when this writer may not
    see them (an administrator editing a team's letter that cites a secret case)."""
    kept_cited, kept_revealed = set(were_cited), set(were_revealed)
    visible = set(
        Case.objects.visible_to(actor)
        .filter(pk__in=[c.pk for c in cases])
        .values_list("pk", flat=True)
    )
    if any(case.pk not in visible and case.pk not in kept_cited for case in cases):
        raise ValidationError({"cases": _("One of the cases cited does not exist.")})
    cited = {case.pk for case in cases}
    if any(case.pk not in cited for case in revealed):
        raise ValidationError({"revealed_cases": _("Only a cited case can be cited in full.")})
    editable = set(
        Case.objects.editable_by(actor)
        .filter(pk__in=[c.pk for c in revealed])
        .values_list("pk", flat=True)
    )
    if any(case.pk not in editable and case.pk not in kept_revealed for case in revealed):
        raise ValidationError(
            {"revealed_cases": _("You may cite a case in full only if you may edit it.")}
        )


def _any_sent(letter: Letter) -> bool:
    return letter.dispatches.filter(sent_on__isnull=False).exists()


def sent_among(letter_ids: Iterable[int]) -> set[int]:
    """Of these letters, those of which a copy has gone out: one query for a whole import."""
    return set(
        Dispatch.objects.filter(letter__in=list(letter_ids), sent_on__isnull=False)
        .values_list("letter_id", flat=True)
        .distinct()
    )


def check_fixed_once_sent(
    letter: Letter,
    *,
    sent: bool,
    title: str | None = None,
    body: str | None = None,
    questions: Sequence[str] | None = None,
) -> None:
    """Once a copy has gone out, what it said is fixed: the title, body and questions no
    longer change (write a follow-up instead). Pages, the API and the importer ask this."""
    if sent and (
        (title is not None and title != letter.title)
        or (body is not None and body != letter.body)
        or (questions is not None and list(questions) != _question_texts(letter))
    ):
        raise ValidationError(
            _("This letter has been sent: its text and questions can no longer change.")
        )


def check_fixed_while_published(
    letter: Letter,
    *,
    title: str | None = None,
    body: str | None = None,
    questions: Sequence[str] | None = None,
) -> None:
    """A published letter's title, body and questions are its public text, checked in the
    publishing preview: they do not change while it is published (take it off its public
    page first, then publish it again through the preview). Pages, the API and the
    importer ask this."""
    if letter.published and (
        (title is not None and title != letter.title)
        or (body is not None and body != letter.body)
        or (questions is not None and list(questions) != _question_texts(letter))
    ):
        raise ValidationError(
            _("This letter is published: take it off its public page before changing its text.")
        )


def check_copy_kept(dispatch: Dispatch) -> None:
    """A copy that has gone out cannot be taken back, by dropping its recipient or by
    clearing its sending date: its recipient has it, and owes an answer."""
    if dispatch.sent_on is not None:
        raise ValidationError({"recipients": _("A copy already sent cannot be taken back.")})


def _set_questions(letter: Letter, texts: Sequence[str], actor: Any) -> None:
    texts = [text.strip() for text in texts if text.strip()]
    existing = {question.number: question for question in letter.questions.all()}
    for number, text in enumerate(texts, start=1):
        question = existing.pop(number, None) or Question(letter=letter, number=number)
        if question.text != text:
            question.text = text
            question._history_user = actor  # type: ignore[attr-defined]
            question.save()
    for question in existing.values():
        question.delete()


def _set_recipients(letter: Letter, authorities: Iterable[Authority]) -> None:
    wanted = {authority.pk: authority for authority in authorities}
    current = {dispatch.authority_id: dispatch for dispatch in letter.dispatches.all()}
    for authority_id, dispatch in current.items():
        if authority_id not in wanted:
            check_copy_kept(dispatch)
            dispatch.delete()
    for authority_id, authority in wanted.items():
        if authority_id not in current:
            Dispatch.objects.create(letter=letter, authority=authority)


@transaction.atomic
def create_letter(
    *,
    actor: Any,
    title: str,
    recipients: Sequence[Authority] = (),
    cases: Sequence[Case] = (),
    revealed: Sequence[Case] = (),
    questions: Sequence[str] = (),
    team: Team | None = None,
    follows: Letter | None = None,
    **fields: Any,
) -> Letter:
    user = require_writer(actor)
    _check_fields(fields)
    _check_cases(user, cases, revealed)
    letter = Letter(
        title=title, owner=user, follows=follows, team=owning_team(user, team), **fields
    )
    letter._history_user = user  # type: ignore[attr-defined]
    letter.full_clean()
    letter.save()
    audit(Action.CREATE, actor=user, target=letter)
    letter.cases.set(cases)
    letter.revealed_cases.set(revealed)
    _set_recipients(letter, recipients)
    _set_questions(letter, questions, user)
    return letter


@transaction.atomic
def update_letter(
    *,
    actor: Any,
    letter: Letter,
    expected_version: int,
    title: str | None = None,
    recipients: Sequence[Authority] | None = None,
    cases: Sequence[Case] | None = None,
    revealed: Sequence[Case] | None = None,
    questions: Sequence[str] | None = None,
    **fields: Any,
) -> Letter:
    """Change a letter. Once a copy has gone out, what it said is fixed: the title, body
    and questions no longer change (write a follow-up instead); recipients may be added."""
    require_editable(actor, letter)
    _check_fields(fields)
    check_fixed_once_sent(
        letter,
        sent=_any_sent(letter),
        title=title,
        body=fields.get("body"),
        questions=questions,
    )
    # Its public text was checked in the preview: a new text needs a new preview.
    check_fixed_while_published(letter, title=title, body=fields.get("body"), questions=questions)
    if "team" in fields:
        fields["team"] = owning_team(actor, fields["team"])
    if title is not None:
        fields["title"] = title
    for name, value in fields.items():
        setattr(letter, name, value)
    letter.full_clean()
    save_versioned(letter, expected_version=expected_version, actor=actor, fields=list(fields))
    if cases is not None or revealed is not None:
        new_cases = list(cases) if cases is not None else list(letter.cases.all())
        new_revealed = list(revealed) if revealed is not None else list(letter.revealed_cases.all())
        _check_cases(
            actor,
            new_cases,
            new_revealed,
            were_cited=letter.cases.values_list("pk", flat=True),
            were_revealed=letter.revealed_cases.values_list("pk", flat=True),
        )
        letter.cases.set(new_cases)
        letter.revealed_cases.set(new_revealed)
        if letter.published:
            # Other cases cited, other persons whose names the public text leaves out.
            letter.public_text = None
            Letter.objects.filter(pk=letter.pk).update(public_text=None)
    if recipients is not None:
        _set_recipients(letter, recipients)
    if questions is not None:
        _set_questions(letter, questions, actor)
    return letter


def _question_texts(letter: Letter) -> list[str]:
    return [question.text for question in letter.questions.order_by("number")]


def send_copies(
    *,
    actor: Any,
    letter: Letter,
    channel: str,
    authorities: Sequence[Authority] | None = None,
    sent_on: date | None = None,
) -> list[Dispatch]:
    """Send the letter to `authorities` (default: every recipient not yet sent to), or record
    that it went by post, by hand or was published. An emailed copy carries the letter as a
    PDF. An email that fails to go is not marked sent; a copy already sent is not sent again
    (its due date would move): write a follow-up instead.
    """
    require_editable(actor, letter)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose how the letter goes out.")})
    if not letter.questions.exists():
        raise ValidationError(_("A letter needs at least one question before it is sent."))
    copies = letter.dispatches.select_related("authority", "letter")
    if authorities is not None:
        copies = copies.filter(authority__in=authorities)
        already = [copy.authority.name for copy in copies if copy.sent_on is not None]
        if already:
            raise ValidationError(
                _("This letter has already been sent to: %(names)s.")
                % {"names": dates.list_separator().join(already)}
            )
    copies_list = list(copies.filter(sent_on__isnull=True))
    if not copies_list:
        raise ValidationError(_("There is no recipient left to send this letter to."))
    today = timezone.localdate()
    sent_on = sent_on or today
    if sent_on > today:
        raise ValidationError({"sent_on": _("A letter cannot be sent in the future.")})
    if channel == Channel.EMAIL:
        missing = [copy.authority.name for copy in copies_list if not copy.authority.email]
        if missing:
            raise ValidationError(
                _("No email address is known for: %(names)s.")
                % {"names": list_separator().join(missing)}
            )
    for copy in copies_list:
        if channel == Channel.EMAIL:
            message = mail.compose(copy, attachment=pdf_attachment(copy, on=sent_on), on=sent_on)
            try:
                message.send()
            except (SMTPException, OSError) as error:
                logger.warning("Sending letter %s failed: %s", letter.pk, error)
                raise ValidationError(
                    _("The email to %(name)s could not be sent (%(error)s); it is not marked sent.")
                    % {"name": copy.authority.name, "error": error}
                ) from error
        with transaction.atomic():
            copy.sent_on = sent_on
            copy.channel = channel
            copy._history_user = actor  # type: ignore[attr-defined]
            copy.save(update_fields=["sent_on", "channel", "message_id"])
            audit(
                Action.CHANGE,
                actor=actor,
                target=letter,
                detail={"sent_to": copy.authority.name, "channel": channel, "on": str(sent_on)},
            )
    return copies_list


def _recipient(letter: Letter, authority: Authority) -> Dispatch:
    dispatch = letter.dispatches.filter(authority=authority).first()
    if dispatch is None:
        raise ValidationError({"authority": _("This letter was not sent to that authority.")})
    return dispatch


def _set_answers(response: Response, answers: Mapping[int, str], actor: Any) -> None:
    """`answers` maps question numbers to statuses; "unanswered" removes an answer."""
    questions = {question.number: question for question in response.letter.questions.all()}
    for number, status in answers.items():
        question = questions.get(number)
        if question is None:
            raise ValidationError(_("The letter has no question %(number)s.") % {"number": number})
        if status == AnswerStatus.UNANSWERED or not status:
            Answer.objects.filter(response=response, question=question).delete()
            continue
        if status not in ANSWER_STATUSES:
            raise ValidationError(_("Unknown answer status: %(status)s.") % {"status": status})
        answer = Answer.objects.filter(response=response, question=question).first() or Answer(
            response=response, question=question
        )
        answer.status = status
        answer._history_user = actor  # type: ignore[attr-defined]
        answer.save()


@transaction.atomic
def record_reply(
    *,
    actor: Any,
    letter: Letter,
    authority: Authority,
    received_on: date,
    via: str = ReplyChannel.POST,
    body: str = "",
    answers: Mapping[int, str] | None = None,
    files: Sequence[UploadedFile[Any]] = (),
) -> Response:
    """A reply entered by hand, with how it dealt with each question and its attachments,
    kept as evidence of a source of the letter's team and confidentiality."""
    require_editable(actor, letter)
    dispatch = _recipient(letter, authority)
    if dispatch.sent_on is not None and received_on < dispatch.sent_on:
        raise ValidationError(
            {"received_on": _("A reply cannot arrive before the letter was sent.")}
        )
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("A reply cannot arrive in the future.")})
    response = Response(
        letter=letter,
        authority=authority,
        received_on=received_on,
        via=via,
        body=body,
        recorded_by=actor,
    )
    if files:
        source = case_services.create_source(
            actor=actor,
            title=_("Reply of %(authority)s to “%(letter)s”")
            % {"authority": authority.name, "letter": letter.title},
            kind=SourceKind.LETTER,
            given_by=authority.name,
            team=letter.team,
            confidentiality=letter.confidentiality,
        )
        for upload in files:
            case_services.attach_evidence(actor=actor, source=source, upload=upload)
        response.source = source
    response._history_user = actor  # type: ignore[attr-defined]
    response.full_clean()
    response.save()
    _set_answers(response, answers or {}, actor)
    audit(Action.CHANGE, actor=actor, target=letter, detail={"reply_from": authority.name})
    return response


@transaction.atomic
def mark_answers(*, actor: Any, response: Response, answers: Mapping[int, str]) -> Response:
    """Say, question by question, how a reply dealt with each (an emailed reply first
    arrives with none marked)."""
    require_editable(actor, response.letter)
    _set_answers(response, answers, actor)
    audit(
        Action.CHANGE,
        actor=actor,
        target=response.letter,
        detail={"answers_marked": {str(k): v for k, v in answers.items()}},
    )
    return response


def _reply_from_mail(inbound: InboundMail, dispatch: Dispatch, actor: Any = None) -> Response:
    """File `inbound` as the reply of `dispatch`'s authority, its message and attachments
    kept as evidence of the reply, with the letter's team and confidentiality."""
    raw = bytes(inbound.raw)
    incoming = mail.parse(raw)
    received_on = incoming.received_on
    if dispatch.sent_on is not None and received_on < dispatch.sent_on:
        # A sender's clock set wrong must not put the reply before the letter.
        received_on = dispatch.sent_on
    letter, authority = dispatch.letter, dispatch.authority
    person = actor if getattr(actor, "is_authenticated", False) else None
    message_name = case_services.shown_file_name(f"{incoming.subject or 'message'}"[:200] + ".eml")
    files = [(message_name, raw, "message/rfc822")] + [
        (attachment.name, attachment.content, attachment.declared_type)
        for attachment in incoming.attachments
    ]
    source = case_services.keep_received_files(
        actor=person,
        title=_("Reply of %(authority)s to “%(letter)s”")
        % {"authority": authority.name, "letter": letter.title},
        given_by=authority.name,
        team=letter.team,
        confidentiality=letter.confidentiality,
        files=files,
    )
    response = Response.objects.create(
        letter=letter,
        authority=authority,
        received_on=received_on,
        via=ReplyChannel.EMAIL,
        body=incoming.text,
        source=source,
        recorded_by=person,
    )
    inbound.state = InboundState.ATTACHED
    inbound.response = response
    return response


def unreadable_sentence(error: Exception) -> str:
    """What went wrong, for the person sorting the queue: no exception text, which may be
    long, technical, or carry bytes of the message."""
    if isinstance(error, UnicodeError | LookupError):
        what = _("a part is in a character set Docket cannot read")
    elif isinstance(error, DataError):
        what = _("a header or a part is too long or malformed to store")
    else:
        what = _("its structure is damaged (%(kind)s)") % {"kind": type(error).__name__}
    return _(
        "Docket could not read this message: %(what)s. It is kept exactly as received; "
        "download it and open it in a mail program, then attach it to its letter by hand "
        "or dismiss it."
    ) % {"what": what}


def _take_in(inbound: InboundMail, raw: bytes) -> InboundMail:
    incoming = mail.parse(raw)
    inbound.sender = incoming.sender
    inbound.subject = incoming.subject
    inbound.message_id = incoming.message_id
    inbound.problem = incoming.problem
    if incoming.problem:
        inbound.save()
        audit(Action.CREATE, actor_name="docket mail", target=inbound, detail={"unreadable": True})
        return inbound
    if incoming.message_id:
        # A different message (the same bytes were found before) under a known id: a
        # careless mail server, a second message of a thread, or a forgery. Kept, and
        # shown to a person rather than filed on its id's word.
        inbound.same_id_as = (
            InboundMail.objects.filter(message_id=incoming.message_id).order_by("pk").first()
        )
    dispatch = None if inbound.same_id_as else mail.find_dispatch(incoming)
    if dispatch is not None:
        response = _reply_from_mail(inbound, dispatch)
        audit(
            Action.CHANGE,
            actor_name="docket mail",
            target=dispatch.letter,
            detail={"reply_from": dispatch.authority.name, "by": "email"},
        )
        logger.info("Reply %s attached to letter %s.", response.pk, dispatch.letter_id)
    inbound.save()
    if dispatch is None:
        detail: dict[str, Any] = {"queued": True}
        if inbound.same_id_as is not None:
            detail["same_message_id_as"] = inbound.same_id_as.pk
        audit(Action.CREATE, actor_name="docket mail", target=inbound, detail=detail)
    return inbound


def known_mail(raw: bytes) -> InboundMail | None:
    """The message taken in before with exactly these bytes."""
    digest = hashlib.sha256(raw).hexdigest()
    return InboundMail.objects.filter(sha256=digest).order_by("pk").first()


@transaction.atomic
def ingest_email(raw: bytes) -> InboundMail:
    """Take in one email: attached to its letter when its reference says which, otherwise
    kept for review. The same bytes taken in twice are kept once; a message Docket cannot
    read is kept too, in the review queue, with what went wrong.

    Raises only when nothing could be stored (the database is away or locked), so the
    mailbox keeps the message for the next poll.
    """
    known = known_mail(raw)
    if known is not None:
        return known
    digest = hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            return _take_in(InboundMail(raw=raw, sha256=digest), raw)
    except (OperationalError, InterfaceError):
        raise
    except Exception as error:  # noqa: BLE001 - whatever the message holds, it is kept
        logger.exception("Reading an incoming email failed; it is kept for review.")
        problem = unreadable_sentence(error)
    inbound = InboundMail(raw=raw, sha256=digest, problem=problem)
    inbound.save()
    audit(Action.CREATE, actor_name="docket mail", target=inbound, detail={"unreadable": True})
    return inbound


@transaction.atomic
def note_mail_download(*, actor: Any, inbound: InboundMail, name: str, content: bytes) -> None:
    """Log that `actor` took a copy of an incoming email or one of its attachments; the
    caller has checked that they may see it."""
    audit(
        Action.DOWNLOAD,
        actor=actor,
        target=inbound,
        detail={"file": name, "sha256": hashlib.sha256(content).hexdigest()},
    )


def _require_triage(actor: Any, inbound: InboundMail) -> None:
    if not may_triage_mail(actor):
        raise PermissionDenied(_("Only coordinators sort incoming email."))
    if inbound.state != InboundState.WAITING:
        raise ValidationError(_("This email has already been dealt with."))


@transaction.atomic
def attach_mail(
    *, actor: Any, inbound: InboundMail, letter: Letter, authority: Authority
) -> Response:
    """File an email from the review queue as `authority`'s reply to `letter`."""
    _require_triage(actor, inbound)
    require_editable(actor, letter)
    dispatch = _recipient(letter, authority)
    response = _reply_from_mail(inbound, dispatch, actor)
    inbound.handled_by = actor
    inbound.save(update_fields=["state", "response", "handled_by"])
    audit(
        Action.CHANGE,
        actor=actor,
        target=letter,
        detail={"reply_from": authority.name, "by": "email", "attached_by_hand": inbound.pk},
    )
    return response


@transaction.atomic
def dismiss_mail(*, actor: Any, inbound: InboundMail) -> None:
    """Spam, a newsletter, an out-of-office: kept, but out of the queue."""
    _require_triage(actor, inbound)
    inbound.state = InboundState.DISMISSED
    inbound.handled_by = actor
    inbound.save(update_fields=["state", "handled_by"])
    audit(Action.CHANGE, actor=actor, target=inbound, detail={"dismissed": True})


@transaction.atomic
def publish_letter(
    *, actor: Any, letter: Letter, published: bool = True, expected: str | None = None
) -> Letter:
    """Put the letter on its public page and in the feed, or take it off.

    What the public reads is redacted by rule (docket.letters.redaction for the
    title, body and questions, docket.letters.text for the cases cited), and the
    redacted text is kept on the letter. `expected` is the fingerprint of the
    text the publisher saw in the preview: when the text it would publish now
    differs (the letter or a person changed meanwhile), nothing is published.
    """
    require_editable(actor, letter)
    return set_published(actor=actor, letter=letter, published=published, expected=expected)


def require_publisher(actor: Any, letter: Letter) -> None:
    """Publishing and withdrawing: coordinators of the owning team and administrators."""
    if not may_publish(actor, letter):
        raise PermissionDenied(_("Only a coordinator of the owning team may publish a letter."))


def set_published(
    *, actor: Any, letter: Letter, published: bool, expected: str | None = None
) -> Letter:
    """Publish or withdraw a letter the caller already may edit (the importer checked that
    for the whole file); `actor` None is the system itself (`docket demo`). `expected`: see
    `publish_letter`."""
    if actor is not None:
        require_publisher(actor, letter)
    detail: dict[str, Any] = {"published": published}
    if published:
        public = redaction.redact(letter)
        if expected is not None and expected != public.digest:
            raise ValidationError(
                _(
                    "The public text changed since the preview (the letter or a person it "
                    "names was changed). Check the preview again before publishing."
                )
            )
        letter.public_text = public.stored()
        detail["names_redacted"] = len(public.flags)
    else:
        letter.public_text = None
    letter.published = published
    letter.published_at = timezone.now() if published else None
    letter._history_user = actor  # type: ignore[attr-defined]
    letter.save(update_fields=["published", "published_at", "public_text", "updated_at"])
    audit(Action.PUBLISH, actor=actor, target=letter, detail=detail)
    return letter


def follow_up(*, actor: Any, letter: Letter, as_of: date | None = None) -> Letter:
    """A new draft that repeats, to each recipient still owing answers, the open questions."""
    as_of = as_of or timezone.localdate()
    figures = letter_figures(letter, as_of=as_of)
    # Only recipients the letter went to can owe an answer.
    sent_to = {r.authority_id for r in figures.recipients if r.days_since_sent is not None}
    open_questions = [
        question.text
        for question in figures.questions
        if any(
            recipient.status in OPEN and recipient.authority_id in sent_to
            for recipient in question.recipients
        )
    ]
    if not open_questions:
        raise ValidationError(_("Every question of this letter has been dealt with."))
    owing = {
        recipient.authority_id
        for question in figures.questions
        for recipient in question.recipients
        if recipient.status in OPEN and recipient.authority_id in sent_to
    }
    sent_on = min((r.sent_on for r in figures.recipients if r.sent_on), default=None)
    with transaction.atomic():
        revealed = list(Case.objects.editable_by(actor).filter(pk__in=letter.revealed_cases.all()))
        return create_letter(
            actor=actor,
            title=_("Follow-up: %(title)s") % {"title": letter.title},
            body=_(
                "On %(date)s we wrote to you about the matters below. We have not yet received "
                "an answer to the following questions, which we repeat."
            )
            % {
                "date": show_date(sent_on, language=letter.language, printed=True)
                if sent_on
                else "—"
            },
            language=letter.language,
            recipients=list(Authority.objects.filter(pk__in=owing)),
            cases=list(Case.objects.visible_to(actor).filter(pk__in=letter.cases.all())),
            revealed=revealed,
            questions=open_questions,
            team=letter.team,
            confidentiality=letter.confidentiality,
            follows=letter,
        )


def send_reminders(*, today: date | None = None) -> list[str]:
    """Email each letter's owner when a reply is due in three days, and when it is overdue
    (with a link to write the follow-up). Each reminder goes once per copy."""
    today = today or timezone.localdate()
    sent: list[str] = []
    copies = Dispatch.objects.filter(
        sent_on__isnull=False,
        sent_on__lte=today,
        letter__deleted_at__isnull=True,
        letter__owner__isnull=False,
        letter__owner__is_active=True,
    ).select_related("letter__owner", "authority")
    # The database narrows the copies to those owing answers near or past their due
    # date; the letter's figures then decide, as on its page.
    candidates = {
        dispatch.pk: dispatch
        for dispatch in overdue_copies(copies.filter(reminded_overdue_on__isnull=True), today)
    }
    for dispatch in copies_due_between(
        copies.filter(reminded_due_on__isnull=True, reminded_overdue_on__isnull=True),
        today,
        today + timedelta(days=REMIND_DAYS_BEFORE),
    ):
        candidates.setdefault(dispatch.pk, dispatch)
    for dispatch in sorted(candidates.values(), key=lambda dispatch: dispatch.pk):
        due_on = dispatch.due_on
        if due_on is None:
            continue
        letter, owner = dispatch.letter, dispatch.letter.owner
        assert owner is not None  # filtered above  # noqa: S101
        if not Letter.objects.visible_to(owner).filter(pk=letter.pk).exists():
            continue
        figures = letter_figures(letter, as_of=today)
        mine = next(r for r in figures.recipients if r.authority_id == dispatch.authority_id)
        overdue = today > due_on
        if overdue and dispatch.reminded_overdue_on is None and mine.overdue_questions:
            kind = "overdue"
        elif not overdue and dispatch.reminded_due_on is None and mine.open_questions:
            kind = "due"
        else:
            continue
        if owner.email:
            count = mine.overdue_questions if kind == "overdue" else mine.open_questions
            # In the site's language: the reader is the letter's owner, and whatever
            # language the calling thread last served (a page, another task) is not theirs.
            with translation.override(settings.LANGUAGE_CODE):
                _remind(dispatch, kind=kind, due_on=due_on, count=count)
        field_name = "reminded_overdue_on" if kind == "overdue" else "reminded_due_on"
        setattr(dispatch, field_name, today)
        dispatch.save(update_fields=[field_name])
        sent.append(f"{kind}: {letter.pk} → {dispatch.authority.name}")
    return sent


def _remind(dispatch: Dispatch, *, kind: str, due_on: date, count: int) -> None:
    letter = dispatch.letter
    owner = letter.owner
    assert owner is not None  # noqa: S101
    link = settings.SITE_URL + reverse("letters:letter_detail", args=[letter.pk])
    values = {
        "title": letter.title,
        "authority": dispatch.authority.name,
        "due": show_date(due_on),
        "open": count,
    }
    if kind == "due":
        subject = _("Reply due on %(due)s: %(title)s") % values
        body = (
            _(
                "%(authority)s owes a reply to “%(title)s” by %(due)s; %(open)s questions are "
                "still open."
            )
            % values
        )
    else:
        subject = _("Overdue since %(due)s: %(title)s") % values
        body = (
            _(
                "%(authority)s has not answered %(open)s questions of “%(title)s”, due on %(due)s. "
                "You can write a follow-up letter that repeats them:"
            )
            % values
        )
        link = settings.SITE_URL + reverse("letters:letter_follow_up", args=[letter.pk])
    html_email(
        subject=subject,
        text=f"{body}\n\n{link}\n",
        template="letters/email/reminder.html",
        context={"body": body, "link": link},
        language=settings.LANGUAGE_CODE,
        to=[owner.email],
    ).send()
