"""Writes to cases, events, sources, evidence and authorities: one function per use case.

Each checks permission, runs in a transaction, and records who acted in the
record's history; pages, the API and commands call these and nothing else.
"""

import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from docket.accounts.models import Team
from docket.accounts.permissions import may_create
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases.models import (
    Authority,
    Case,
    CustodyAction,
    CustodyEntry,
    Derivation,
    Event,
    EventType,
    Evidence,
    Involvement,
    InvolvementRole,
    Source,
    SourceKind,
)
from docket.lib import bulk
from docket.lib.crypto import DecryptionError, open_bytes, seal_bytes
from docket.lib.dates import refuse_future
from docket.lib.records import Record
from docket.lib.services import owning_team, require_deleter, require_editable, require_writer
from docket.lib.storage import DiskFull
from docket.lib.versioning import restore, save_versioned, soft_delete
from docket.people.models import Person
from docket.search.documents import CASE, EVENT, SOURCE
from docket.search.signals import deferred_indexing, saved_in_bulk

CASE_FIELDS = ("title", "summary", "status", "confidentiality", "team")
EVENT_FIELDS = (
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
)
SOURCE_FIELDS = (
    "kind",
    "title",
    "given_by",
    "date",
    "url",
    "reliability",
    "confidentiality",
    "team",
)
AUTHORITY_FIELDS = ("name", "country", "kind", "email", "address", "response_days", "working_days")

# Bound into every sealed evidence file, so a sealed field cannot pass for a file.
EVIDENCE_CONTEXT = b"docket evidence"

# Types an evidence file may have: documents, pictures, sound and video.
ALLOWED_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "audio/mpeg",
    "audio/ogg",
    "audio/x-wav",
    "audio/m4a",
    "video/mp4",
    "video/quicktime",
    "video/webm",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
    "text/plain",
}


@dataclass(frozen=True)
class InvolvementInput:
    person: Person
    role: InvolvementRole


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")


def _save_new(new: Any, actor: Any) -> None:
    new._history_user = actor
    new.full_clean()
    new.save()
    if isinstance(new, Record):
        audit(Action.CREATE, actor=actor, target=new)


@transaction.atomic
@deferred_indexing()
def open_case(
    *,
    actor: Any,
    title: str,
    persons: list[Person] | None = None,
    team: Team | None = None,
    **fields: Any,
) -> Case:
    user = require_writer(actor)
    _check_fields(fields, CASE_FIELDS)
    case = Case(title=title, created_by=user, team=owning_team(user, team), **fields)
    _save_new(case, user)
    if persons:
        case.persons.set(persons)
    return case


@transaction.atomic
@deferred_indexing()
def update_case(
    *,
    actor: Any,
    case: Case,
    expected_version: int,
    persons: list[Person] | None = None,
    **fields: Any,
) -> Case:
    require_editable(actor, case)
    _check_fields(fields, CASE_FIELDS)
    if "team" in fields:
        fields["team"] = owning_team(actor, fields["team"])
    for name, value in fields.items():
        setattr(case, name, value)
    case.full_clean()
    save_versioned(case, expected_version=expected_version, actor=actor, fields=list(fields))
    if persons is not None:
        case.persons.set(persons)
    return case


@transaction.atomic
def set_legal_hold(*, actor: Any, case: Case, hold: bool, reason: str) -> Case:
    """Put a case under legal hold, or lift it, with the reason: while held, nothing of
    the case is proposed for anonymising or erasure, and neither is done to it.
    Coordinators of the owning team and administrators."""
    require_deleter(actor, case)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the legal hold is set or lifted.")})
    if case.legal_hold == hold:
        raise ValidationError(
            _("The case is already under legal hold.")
            if hold
            else _("The case is not under legal hold.")
        )
    case.legal_hold = hold
    case.legal_hold_reason = reason if hold else ""
    save_versioned(
        case,
        expected_version=case.version,
        actor=actor,
        fields=["legal_hold", "legal_hold_reason"],
    )
    audit(
        Action.CHANGE,
        actor=actor,
        target=case,
        detail={"legal_hold": hold, "reason": reason},
    )
    return case


@transaction.atomic
@deferred_indexing()
def add_event(
    *,
    actor: Any,
    case: Case,
    involvements: list[InvolvementInput] | None = None,
    sources: list[Source] | None = None,
    **fields: Any,
) -> Event:
    require_editable(actor, case)
    _check_fields(fields, EVENT_FIELDS)
    event = Event(case=case, **fields)
    _clean_event(event)
    _save_new(event, actor)
    _set_involvements(event, involvements or [], actor)
    if sources:
        event.sources.set(sources)
    return event


@transaction.atomic
@deferred_indexing()
def update_event(
    *,
    actor: Any,
    event: Event,
    expected_version: int,
    involvements: list[InvolvementInput] | None = None,
    sources: list[Source] | None = None,
    **fields: Any,
) -> Event:
    require_editable(actor, event.case)
    _check_fields(fields, EVENT_FIELDS)
    for name, value in fields.items():
        setattr(event, name, value)
    _clean_event(event)
    save_versioned(event, expected_version=expected_version, actor=actor, fields=list(fields))
    if involvements is not None:
        _set_involvements(event, involvements, actor)
    if sources is not None:
        event.sources.set(sources)
    return event


def _clean_event(event: Event) -> None:
    event.full_clean(exclude=["case"])
    try:
        # A start after today is a slip of the keyboard (2031 for 2021), never a plan.
        refuse_future(event.start)
    except ValidationError as error:
        raise ValidationError({"start": error.messages}) from None
    if event.start and event.end and event.end.latest() < event.start.earliest():
        raise ValidationError({"end": _("The end comes before the start.")})
    # Fields that only some types use are cleared on the others, so nothing stale lingers.
    extra = set(event.type.fields)
    if "charged" not in extra:
        event.charged = None
    if "document" not in extra:
        event.document = ""
    if "destination" not in extra:
        event.destination = ""


def _set_involvements(event: Event, involvements: list[InvolvementInput], actor: Any) -> None:
    wanted = {(item.person.pk, item.role.pk) for item in involvements}
    current = {(item.person_id, item.role_id): item for item in event.involvements.all()}
    for key, involvement in current.items():
        if key not in wanted:
            involvement._history_user = actor  # type: ignore[attr-defined]
            involvement.delete()
    for item in involvements:
        if (item.person.pk, item.role.pk) not in current:
            _save_new(Involvement(event=event, person=item.person, role=item.role), actor)
    if involvements:
        event.case.persons.add(*{item.person for item in involvements})


# Refusals a family member meets: a visa or a visit refused to a relative of the case's
# person (the event-type vocabulary's codes), recorded from the case in one step.
RELATIVE_REFUSALS = ("visa_refused", "visit_refused")


@dataclass(frozen=True)
class NewRelative:
    """A relative not recorded yet: created through docket.people.services.create_person."""

    names: list[Any]  # docket.people.services.NameInput
    fields: dict[str, Any]
    team: Team | None = None


@transaction.atomic
def record_relative_refusal(
    *,
    actor: Any,
    case: Case,
    person: Person,
    relative: Person | NewRelative,
    kind: Any,  # docket.people.models.RelationshipKind
    type: EventType,
    **fields: Any,
) -> Event:
    """A family member's refused visa or visit, from the case, in one transaction: the
    relative (recorded, or created now), their relationship to the case's `person`, and
    the event on the case with the relative as the one refused (victim) and `person` as
    the family member; the relative joins the case through the event. Everything or
    nothing: any refusal (permission, a field) leaves no record behind."""
    from docket.people.models import Relationship
    from docket.people.services import create_person, relate

    require_editable(actor, case)
    if type.code not in RELATIVE_REFUSALS:
        raise ValidationError({"type": _("Choose a refused visa or a refused visit.")})
    if not case.persons.filter(pk=person.pk).exists():
        raise ValidationError({"person": _("Choose one of the case's persons.")})
    if isinstance(relative, NewRelative):
        relative = create_person(
            actor=actor, names=relative.names, team=relative.team, **relative.fields
        )
    if relative.pk == person.pk:
        raise ValidationError({"relative": _("A person is not their own relative.")})
    if not Relationship.objects.filter(person=person, relative=relative, kind=kind).exists():
        relate(actor=actor, person=person, relative=relative, kind=kind)
    victim = InvolvementRole.objects.get(code="victim")
    family = InvolvementRole.objects.get(code="family")
    return add_event(
        actor=actor,
        case=case,
        type=type,
        involvements=[InvolvementInput(relative, victim), InvolvementInput(person, family)],
        **fields,
    )


@transaction.atomic
def create_source(*, actor: Any, title: str, team: Team | None = None, **fields: Any) -> Source:
    user = require_writer(actor)
    _check_fields(fields, SOURCE_FIELDS)
    source = Source(title=title, created_by=user, team=owning_team(user, team), **fields)
    _save_new(source, user)
    return source


@transaction.atomic
def update_source(*, actor: Any, source: Source, expected_version: int, **fields: Any) -> Source:
    require_editable(actor, source)
    _check_fields(fields, SOURCE_FIELDS)
    if "team" in fields:
        fields["team"] = owning_team(actor, fields["team"])
    for name, value in fields.items():
        setattr(source, name, value)
    source.full_clean()
    save_versioned(source, expected_version=expected_version, actor=actor, fields=list(fields))
    return source


def detect_type(head: bytes) -> str | None:
    """A file's type from its first bytes (8 KiB is plenty); plain text when they decode
    as UTF-8; None when neither says. The name a file came with is never trusted."""
    kind = filetype.guess(head)
    if kind is not None:
        return str(kind.mime)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain"


def shown_file_name(name: str | None) -> str:
    """The name an evidence file is listed and downloaded under: the last part of the name
    it came with, printable characters only.

    A browser's upload arrives cleaned by Django's form parsing; other callers hand
    names straight here, and a folder, a NUL byte or a right-to-left override in one
    would be stored, shown and offered as a download name.
    """
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(character for character in last if character.isprintable()).strip()
    return cleaned[:255] if cleaned not in {"", ".", ".."} else "file"


def _check_upload(upload: UploadedFile[Any]) -> tuple[bytes, str]:
    """The content and type of an uploaded file, refused when too large or of a kind that
    cannot be kept as evidence."""
    limit = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            _("The file is larger than the %(limit)d MB allowed.") % {"limit": limit // 2**20}
        )
    upload.seek(0)
    content_type = detect_type(upload.read(8192))
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            _(
                "Files of this type cannot be kept as evidence; "
                "use PDF, an image, sound, video or text."
            )
        )
    upload.seek(0)
    return upload.read(), content_type


def _store_evidence(
    *,
    actor: Any,
    source: Source,
    name: str,
    content: bytes,
    content_type: str,
    derived_from: Evidence | None = None,
    derivation: str = "",
    actor_name: str = "",
) -> Evidence:
    evidence = Evidence(
        source=source,
        name=shown_file_name(name),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content_type=content_type,
        added_by=actor,
        derived_from=derived_from,
        derivation=derivation,
    )
    # Sealed before it touches the disk; the stored name says nothing of the original.
    # Written whole or not at all (docket.lib.storage); a full disk leaves nothing behind.
    try:
        evidence.file.save(
            "sealed", ContentFile(seal_bytes(content, context=EVIDENCE_CONTEXT)), save=False
        )
    except DiskFull as error:
        raise ValidationError(str(error)) from None
    evidence.save()
    CustodyEntry.objects.create(evidence=evidence, actor=actor, action=CustodyAction.ADDED)
    detail: dict[str, Any] = {"sha256": evidence.sha256}
    if derived_from is not None:
        detail |= {"derived_from": derived_from.pk, "derivation": derivation}
    audit(Action.CREATE, actor=actor, actor_name=actor_name, target=evidence, detail=detail)
    return evidence


@transaction.atomic
def attach_evidence(*, actor: Any, source: Source, upload: UploadedFile[Any]) -> Evidence:
    """Store a file for `source`: type and size checked, SHA-256 taken on arrival."""
    require_editable(actor, source)
    content, content_type = _check_upload(upload)
    return _store_evidence(
        actor=actor,
        source=source,
        name=upload.name or "",
        content=content,
        content_type=content_type,
    )


def received_file_type(content: bytes, declared: str = "") -> str:
    """The type a received file is kept under: sniffed from its bytes, never taken from
    its name; what the sender declared only for a mail message, which has no magic."""
    if declared == "message/rfc822":
        return declared
    return detect_type(content[:8192]) or "application/octet-stream"


@transaction.atomic
def keep_received_files(
    *,
    actor: Any,
    title: str,
    given_by: str,
    team: Team | None,
    confidentiality: str,
    files: Sequence[tuple[str, bytes, str]],
) -> Source:
    """A source holding files as they were received (an email and its attachments), for a
    letter's team and confidentiality: evidence of the reply, each hashed and sealed.

    Unlike an upload, no type is refused: what an authority sent is evidence whatever it
    is, and it is only ever downloaded, never shown. `actor` is None when the mail
    collector files a reply by itself; only the mail code calls this.
    """
    actor_name = "" if actor is not None else "docket mail"
    source = Source(
        title=title[:300],
        kind=SourceKind.LETTER,
        given_by=given_by[:200],
        team=team,
        confidentiality=confidentiality,
        created_by=actor,
    )
    source._history_user = actor  # type: ignore[attr-defined]
    source.full_clean()
    source.save()
    audit(Action.CREATE, actor=actor, actor_name=actor_name, target=source)
    for name, content, declared in files:
        _store_evidence(
            actor=actor,
            source=source,
            name=name,
            content=content,
            content_type=received_file_type(content, declared),
            actor_name=actor_name,
        )
    return source


@transaction.atomic
def attach_redacted_copy(*, actor: Any, original: Evidence, upload: UploadedFile[Any]) -> Evidence:
    """Keep a redacted version of `original`, made elsewhere, as a new file linked to it;
    the original stays as it was."""
    require_editable(actor, original.source)
    if original.derived_from_id is not None:
        raise ValidationError(_("Make copies from the original file, not from a copy."))
    content, content_type = _check_upload(upload)
    return _store_evidence(
        actor=actor,
        source=original.source,
        name=upload.name or "",
        content=content,
        content_type=content_type,
        derived_from=original,
        derivation=Derivation.REDACTED,
    )


# Pictures whose metadata (camera, time, place, author) Docket can strip itself.
STRIPPABLE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/tiff": "TIFF"}


def check_picture_size(content: bytes) -> None:
    """Refuse a picture too large to decode, reading only its header.

    A small file can hold a huge picture (a 657 KB PNG of 13,000 x 13,000
    pixels takes 1.5 GB once decoded): its size is read first, and a picture of
    more than settings.MAX_PICTURE_PIXELS is refused before any pixel is decoded.
    """
    limit = settings.MAX_PICTURE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as picture:
                width, height = picture.size
    except Image.DecompressionBombError:
        width, height = limit + 1, 1
    except (OSError, SyntaxError, ValueError):
        raise ValidationError(_("This picture cannot be read; it may be damaged.")) from None
    if width * height > limit:
        raise ValidationError(
            _(
                "This picture is too large to process here (%(pixels)s megapixels; at most "
                "%(limit)s). Remove its metadata with another program and attach the result "
                "as a redacted copy."
            )
            % {"pixels": f"{width * height / 1e6:.0f}", "limit": f"{limit / 1e6:.0f}"}
        )


def strip_metadata(content: bytes, content_type: str) -> bytes:
    """The picture's pixels alone, saved again without EXIF, GPS, XMP or comments."""
    check_picture_size(content)
    with Image.open(io.BytesIO(content)) as picture:
        picture.load()
        bare = Image.new(picture.mode, picture.size)
        bare.paste(picture)
        if "transparency" in picture.info and picture.mode in {"P", "L", "RGB"}:
            bare.info["transparency"] = picture.info["transparency"]
        if picture.mode == "P" and picture.getpalette():
            bare.putpalette(picture.getpalette() or [])
    out = io.BytesIO()
    bare.save(out, format=STRIPPABLE[content_type])
    return out.getvalue()


def _strippable(actor: Any, original: Evidence) -> bytes:
    """The original picture's bytes, once it is known a copy may be made of it."""
    require_editable(actor, original.source)
    if original.derived_from_id is not None:
        raise ValidationError(_("Make copies from the original file, not from a copy."))
    if original.content_type not in STRIPPABLE:
        raise ValidationError(
            _(
                "Docket can remove metadata from pictures only; for other files, attach a "
                "cleaned copy made elsewhere as a redacted copy."
            )
        )
    content = read_evidence(original)
    check_picture_size(content)
    return content


def request_metadata_stripped_copy(*, actor: Any, original: Evidence) -> None:
    """Queue the making of a copy without metadata (`strip_metadata_copy`) for the
    worker, once the picture is known to be one Docket can process."""
    from docket.cases.tasks import make_metadata_stripped_copy

    _strippable(actor, original)
    make_metadata_stripped_copy.enqueue(original.pk, actor.pk)


def strip_metadata_copy(*, actor: Any, original: Evidence) -> Evidence:
    """A copy of a picture without its metadata, for sharing; the original is untouched.

    The picture is decoded and saved again before the transaction opens: the
    database's write lock is held only while the new file is recorded.
    """
    content = strip_metadata(_strippable(actor, original), original.content_type)
    stem, dot, extension = original.name.rpartition(".")
    name = f"{stem}-no-metadata{dot}{extension}" if dot else f"{original.name}-no-metadata"
    with transaction.atomic():
        require_editable(actor, original.source)
        return _store_evidence(
            actor=actor,
            source=original.source,
            name=name,
            content=content,
            content_type=original.content_type,
            derived_from=original,
            derivation=Derivation.METADATA_STRIPPED,
        )


def read_evidence(evidence: Evidence) -> bytes:
    """The original bytes of an evidence file, opened from its sealed copy."""
    with evidence.file.open("rb") as stored:
        return open_bytes(stored.read(), context=EVIDENCE_CONTEXT)


@dataclass(frozen=True)
class Mismatch:
    evidence: Evidence
    reason: str


def verify_evidence() -> tuple[int, list[Mismatch]]:
    """Re-hash every stored file against the SHA-256 taken on arrival."""
    checked, mismatches = 0, []
    for evidence in Evidence.objects.order_by("id").iterator(chunk_size=200):
        checked += 1
        try:
            content = read_evidence(evidence)
        except FileNotFoundError:
            mismatches.append(Mismatch(evidence, "the file is missing"))
            continue
        except DecryptionError as error:
            mismatches.append(Mismatch(evidence, f"it cannot be opened: {error}"))
            continue
        if hashlib.sha256(content).hexdigest() != evidence.sha256:
            mismatches.append(Mismatch(evidence, "its content no longer matches its SHA-256"))
    return checked, mismatches


def orphan_files() -> list[str]:
    """Stored evidence files no record points to: left by an import or upload killed
    between writing the file and committing its record, or a write cut short
    (a temporary `.partial-` file). Names relative to the storage, sorted."""
    root = Path(default_storage.path("evidence"))
    if not root.is_dir():
        return []
    known = set(Evidence.objects.values_list("file", flat=True))
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            name = path.relative_to(root.parent).as_posix()
            if name not in known:
                found.append(name)
    return sorted(found)


def reseal_evidence() -> tuple[int, list[str]]:
    """Seal every evidence file again under the current key, as new files.

    Runs inside the caller's transaction; returns how many were resealed and the
    names of the old files, which the caller deletes only after commit, so a
    failure half-way leaves every original where it was.
    """
    storage_names = []
    count = 0
    for evidence in Evidence.objects.order_by("id").iterator(chunk_size=200):
        content = read_evidence(evidence)
        old_name = str(evidence.file.name)
        evidence.file.save(
            "sealed", ContentFile(seal_bytes(content, context=EVIDENCE_CONTEXT)), save=False
        )
        Evidence.objects.filter(pk=evidence.pk).update(file=evidence.file.name)
        storage_names.append(old_name)
        count += 1
    return count, storage_names


@transaction.atomic
def record_download(*, actor: Any, evidence: Evidence) -> None:
    """Log the access before the file is served; the caller has checked visibility."""
    CustodyEntry.objects.create(evidence=evidence, actor=actor, action=CustodyAction.DOWNLOADED)
    audit(Action.DOWNLOAD, actor=actor, target=evidence)


@transaction.atomic
def create_authority(*, actor: Any, name: str, **fields: Any) -> Authority:
    user = require_writer(actor)
    _check_fields(fields, AUTHORITY_FIELDS)
    authority = Authority(name=name, **fields)
    _save_new(authority, user)
    return authority


@transaction.atomic
def update_authority(
    *, actor: Any, authority: Authority, expected_version: int, **fields: Any
) -> Authority:
    if not may_create(actor):
        raise PermissionDenied(_("Your role may not add or change records."))
    _check_fields(fields, AUTHORITY_FIELDS)
    for name, value in fields.items():
        setattr(authority, name, value)
    authority.full_clean()
    save_versioned(authority, expected_version=expected_version, actor=actor, fields=list(fields))
    return authority


@transaction.atomic
def delete_record(*, actor: Any, record: Record) -> None:
    """Soft deletion: hidden everywhere, kept, and restorable by a coordinator."""
    require_deleter(actor, record)
    soft_delete(record, actor=actor)


@transaction.atomic
def restore_record(*, actor: Any, record: Record) -> None:
    require_deleter(actor, record)
    restore(record, actor=actor)


# Batches: many new records at once, for the importer (docket.lib.bulk)


def add_authorities_in_bulk(*, batch: bulk.Batch, authorities: list[Authority]) -> list[Authority]:
    """New authorities (public bodies, of no team), by a writer."""
    bulk.require_batch_writer(batch)
    bulk.save_new(Authority, authorities, batch)
    batch.created(authorities)
    return authorities


def open_cases_in_bulk(
    *, batch: bulk.Batch, cases: list[Case], persons: list[list[int]]
) -> list[Case]:
    """New cases with their persons (`persons[i]` are `cases[i]`'s), under the rules of
    `open_case`: a writer, each case filed under one of their own teams, naming persons
    they may see. Each case's first version holds its persons."""
    bulk.require_batch_writer(batch)
    bulk.check_teams(batch, [case.team_id for case in cases])
    if batch.actor is not None:
        bulk.check_among(
            batch,
            Person.objects.visible_to(batch.actor),
            persons,
            _("One of the persons chosen does not exist."),
        )
    for case in cases:
        case.created_by = batch.actor
    bulk.save_new(Case, cases, batch, history=False)
    links = bulk.save_links(
        Case, "persons", [(case.pk, wanted) for case, wanted in zip(cases, persons, strict=True)]
    )
    versions = bulk.save_history(Case, cases, batch)
    bulk.save_link_history(
        Case, "persons", list(zip(versions, [case.pk for case in cases], strict=True)), links
    )
    batch.created(cases)
    saved_in_bulk(CASE, [case.pk for case in cases], created=True)
    if links:
        # As the signal on a case's persons: published letters redact names again.
        from docket.letters.redaction import mark_stale

        mark_stale()
    return cases


def create_sources_in_bulk(*, batch: bulk.Batch, sources: list[Source]) -> list[Source]:
    """New sources (without files: those go through `attach_evidence`'s sealing), each
    filed under one of the writer's own teams."""
    bulk.require_batch_writer(batch)
    bulk.check_teams(batch, [source.team_id for source in sources])
    for source in sources:
        source.created_by = batch.actor
    bulk.save_new(Source, sources, batch)
    batch.created(sources)
    saved_in_bulk(SOURCE, [source.pk for source in sources])
    return sources


def add_events_in_bulk(
    *,
    batch: bulk.Batch,
    events: list[Event],
    involvements: list[list[tuple[int, int]]],
    sources: list[list[int]],
) -> list[Event]:
    """New events with their persons, as (person id, role id), and sources, under the rules
    of `add_event`: each added to a case the writer may change, naming persons and
    sources they may see. Each event's first version holds its sources."""
    bulk.require_batch_writer(batch)
    if batch.actor is not None:
        bulk.check_among(
            batch,
            Case.objects.editable_by(batch.actor),
            [[event.case_id] for event in events],
            _("You may not change this record."),
        )
        bulk.check_among(
            batch,
            Person.objects.visible_to(batch.actor),
            [[person for person, _role in each] for each in involvements],
            _("One of the persons chosen does not exist."),
        )
        bulk.check_among(
            batch,
            Source.objects.visible_to(batch.actor),
            sources,
            _("One of the sources chosen does not exist."),
        )
    for event in events:
        # What Event.save() derives: the sort and filter keys of its dates.
        event.start_on = event.start.earliest() if event.start else None
        event.end_on = event.end.latest() if event.end else None
    bulk.save_new(Event, events, batch, history=False)
    links = bulk.save_links(
        Event,
        "sources",
        [(event.pk, wanted) for event, wanted in zip(events, sources, strict=True)],
    )
    versions = bulk.save_history(Event, events, batch)
    bulk.save_link_history(
        Event, "sources", list(zip(versions, [event.pk for event in events], strict=True)), links
    )
    bulk.save_new(
        Involvement,
        [
            bulk.new(Involvement, {"event_id": event.pk, "person_id": person, "role_id": role})
            for event, each in zip(events, involvements, strict=True)
            for person, role in each
        ],
        batch,
    )
    batch.created(events)
    saved_in_bulk(EVENT, [event.pk for event in events])
    return events
