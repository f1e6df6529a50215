"""Everything one person may see, as an interchange document with its evidence files beside it.

What goes out is decided by docket.interchange.scope (the one permission
rule); a record that would have to name something left out is itself left
out, or loses that one reference (an event keeps its case but not a person
hidden from the reader), so the document always imports cleanly elsewhere.

Refs: a record imported from a file goes out under the ref it came with
(the earliest, if several sources brought it); any other record under
"docket:<collection>:<id>". So a bundle imported and exported again comes
back with the same refs.

Every evidence file copied out is opened from its sealed copy, checked
against its SHA-256 and logged in its chain of custody; the export itself goes
to the audit log. All in one transaction, so the logs say what was written.
Note that the exported files are in the clear: an export is for carrying
data to where its reader decides, and its folder needs the same care.
"""

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePosixPath
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from docket.accounts.models import User
from docket.audit.log import WATCHED_LEVELS
from docket.cases.models import (
    Authority,
    Case,
    CustodyAction,
    CustodyEntry,
    Event,
    Evidence,
    Source,
)
from docket.cases.services import read_evidence
from docket.interchange.format import DOCUMENT_ORDER, FORMAT, PUBLIC, QUESTIONS, SINGULAR, VERSION
from docket.interchange.models import ImportedRef
from docket.interchange.scope import visible
from docket.letters.figures import letter_figures, with_figures_prefetched
from docket.letters.models import AnswerStatus, Letter, Response
from docket.lib.access import note_bulk_read, require_taking_out
from docket.lib.crypto import DecryptionError
from docket.lib.partialdate import PartialDate
from docket.people.models import Person, Relationship
from docket.tracing.models import Consent, ContactAttempt, TracingRequest

# Filters a set of ids of a collection down to those the reader may be shown.
Include = Callable[[str, set[int]], set[int]]
# Gives the relative path an evidence file is found at beside the document.
PlaceFile = Callable[[Evidence, str], str]


class ExportFailed(Exception):
    """The export cannot be made; the message says why in one sentence."""


class RefBook:
    """The ref each record goes by in a document: imported if it has one, else Docket's own."""

    def __init__(self) -> None:
        self.refs: dict[str, dict[int, str]] = {}
        self.imported: dict[str, dict[int, str]] = {}

    def assign(self, collection: str, ids: Iterable[int]) -> None:
        """Give every record of a document its ref at once, so no two share one."""
        pks = sorted(set(ids))
        imported = self._imported(collection, pks)
        refs: dict[int, str] = {}
        used: set[str] = set()
        # Imported refs first: a ref of Docket's own must never take a sender's.
        for pk in pks:
            ref = imported.get(pk)
            if ref is not None and ref not in used:
                refs[pk] = ref
                used.add(ref)
        for pk in pks:
            if pk not in refs:
                candidate, attempt = f"docket:{collection}:{pk}", 1
                while candidate in used:
                    attempt += 1
                    candidate = f"docket:{collection}:{pk}-{attempt}"
                refs[pk] = candidate
                used.add(candidate)
        self.refs.setdefault(collection, {}).update(refs)
        self.imported.setdefault(collection, {}).update(imported)

    def __call__(self, collection: str, pk: int) -> str:
        if pk not in self.refs.get(collection, {}):
            self.assign(collection, [pk])
        return self.refs[collection][pk]

    def imported_ref(self, collection: str, pk: int) -> str | None:
        """The ref a record was imported with, if the document uses it (a clash may not)."""
        ref = self(collection, pk)
        return ref if self.imported[collection].get(pk) == ref else None

    @staticmethod
    def _imported(collection: str, pks: list[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        for start in range(0, len(pks), 500):
            rows = (
                ImportedRef.objects.filter(
                    collection=collection, object_id__in=pks[start : start + 500]
                )
                .order_by("pk")
                .values_list("object_id", "ref")
            )
            for object_id, ref in rows:
                found.setdefault(object_id, ref)
        return found


# The statuses of a reply's answers that the format lists as the reply's `answers`.
ANSWERING = frozenset(
    {AnswerStatus.ANSWERED, AnswerStatus.PARTIAL, AnswerStatus.REFUSED, AnswerStatus.NOT_HELD}
)


def _format_status(status: str) -> str:
    """A question's status in the format's words: it has no "ignored", which means the
    authority replied and left the question unanswered."""
    return AnswerStatus.UNANSWERED if status == AnswerStatus.IGNORED else status


def _date(value: PartialDate | Any | None) -> str | None:
    return value.isoformat() if value is not None else None


def _country(value: Any) -> str | None:
    code = getattr(value, "code", value)
    return str(code) if code else None


class Serialiser:
    """Records in the interchange format; references to records left out are dropped."""

    def __init__(
        self, refs: RefBook, include: Include, place_file: PlaceFile | None = None
    ) -> None:
        self.refs = refs
        self.include = include
        self.place_file = place_file

    def _refs(self, collection: str, pks: Iterable[int]) -> list[str]:
        wanted = list(dict.fromkeys(pks))
        allowed = self.include(collection, set(wanted))
        return [self.refs(collection, pk) for pk in wanted if pk in allowed]

    def _ref(self, collection: str, pk: int | None) -> str | None:
        if pk is None or not self.include(collection, {pk}):
            return None
        return self.refs(collection, pk)

    def person(self, person: Person) -> dict[str, Any]:
        return {
            "ref": self.refs("persons", person.pk),
            "names": [
                {"name": name.name, "script": name.script, "kind": name.kind}
                for name in person.names.all()
            ],
            "sex": person.sex,
            "birth_date": _date(person.birth_date),
            "birth_place": person.birth_place,
            "nationality": _country(person.nationality),
            "status": person.status,
            "notes": person.notes,
            "confidentiality": person.confidentiality,
        }

    def relationship(self, relationship: Relationship) -> dict[str, Any]:
        record: dict[str, Any] = {}
        ref = self.refs.imported_ref("relationships", relationship.pk)
        if ref is not None:
            record["ref"] = ref
        return record | {
            "person": self.refs("persons", relationship.person_id),
            "relative": self.refs("persons", relationship.relative_id),
            "kind": relationship.kind.code,
        }

    def authority(self, authority: Authority) -> dict[str, Any]:
        return {
            "ref": self.refs("authorities", authority.pk),
            "name": authority.name,
            "country": _country(authority.country),
            "kind": authority.kind,
            "email": authority.email,
            "address": authority.address,
            "response_days": authority.response_days,
            "working_days": authority.working_days,
        }

    def case(self, case: Case) -> dict[str, Any]:
        return {
            "ref": self.refs("cases", case.pk),
            "title": case.title,
            "persons": self._refs("persons", sorted(person.pk for person in case.persons.all())),
            "summary": case.summary,
            "status": case.status,
            "confidentiality": case.confidentiality,
            "team": case.team.name if case.team is not None else None,
        }

    def event(self, event: Event) -> dict[str, Any]:
        involvements = sorted(event.involvements.all(), key=lambda involvement: involvement.pk)
        shown_persons = self.include("persons", {item.person_id for item in involvements})
        place = None
        if event.place_name or event.place_country:
            place = {"name": event.place_name, "country": _country(event.place_country)}
        return {
            "ref": self.refs("events", event.pk),
            "case": self.refs("cases", event.case_id),
            "type": event.type.code,
            "start": _date(event.start),
            "end": _date(event.end),
            "place": place,
            "authority": self._ref("authorities", event.authority_id),
            "persons": [
                {"person": self.refs("persons", item.person_id), "role": item.role.code}
                for item in involvements
                if item.person_id in shown_persons
            ],
            "charged": event.charged,
            "document": event.document or None,
            "destination": _country(event.destination),
            "description": event.description,
            "sources": self._refs("sources", sorted(source.pk for source in event.sources.all())),
        }

    def source(self, source: Source) -> dict[str, Any]:
        ref = self.refs("sources", source.pk)
        files = []
        for evidence in source.files.all():
            entry = {"name": evidence.name, "sha256": evidence.sha256}
            if self.place_file is not None:
                entry["path"] = self.place_file(evidence, ref)
            files.append(entry)
        return {
            "ref": ref,
            "kind": source.kind,
            "title": source.title,
            "given_by": source.given_by,
            "date": _date(source.date),
            "url": source.url,
            "reliability": source.reliability,
            "files": files,
        }

    def letter(self, letter: Letter) -> dict[str, Any]:
        """The format keeps one sending date and one status per question where Docket keeps
        them per recipient: the first copy sent gives `sent_on` and `channel`, and a
        question's `status` is the best any recipient gave (the figures' letter-wide one)."""
        dispatches = list(letter.dispatches.all())
        sent = [dispatch for dispatch in dispatches if dispatch.sent_on is not None]
        first = min(sent, key=lambda dispatch: (dispatch.sent_on, dispatch.pk), default=None)
        # Every reply recorded counts, whatever day it carries.
        statuses = {
            question.number: question.status
            for question in letter_figures(letter, as_of=date.max).questions
        }
        recipients = sorted({dispatch.authority_id for dispatch in dispatches})
        return {
            "ref": self.refs("letters", letter.pk),
            "title": letter.title,
            "to": self._refs("authorities", recipients),
            "body": letter.body,
            "cases": self._refs("cases", sorted(case.pk for case in letter.cases.all())),
            "questions": [
                {
                    "ref": self.refs(QUESTIONS, question.pk),
                    "text": question.text,
                    "status": _format_status(statuses.get(question.number, question.status)),
                }
                for question in sorted(letter.questions.all(), key=lambda item: item.number)
            ],
            "sent_on": _date(first.sent_on if first else None),
            "channel": (first.channel if first else "") or None,
            "published": letter.published,
        }

    def response(self, response: Response) -> dict[str, Any]:
        # A question the reply ignored is not one it answered.
        answers = sorted(
            (answer for answer in response.answer_set.all() if answer.status in ANSWERING),
            key=lambda answer: answer.question.number,
        )
        return {
            "ref": self.refs("responses", response.pk),
            "letter": self.refs("letters", response.letter_id),
            "from": self.refs("authorities", response.authority_id),
            "received_on": _date(response.received_on),
            "body": response.body,
            "answers": self._refs(QUESTIONS, [answer.question_id for answer in answers]),
        }

    def tracing_request(self, request: TracingRequest) -> dict[str, Any]:
        return {
            "ref": self.refs("tracing_requests", request.pk),
            "requester": self.refs("persons", request.requester_id),
            "sought": self.refs("persons", request.sought_id),
            "relationship": request.relationship,
            "opened_on": _date(request.opened_on),
            "last_contact": _date(request.last_contact),
            "status": request.status,
        }

    def consent(self, consent: Consent) -> dict[str, Any]:
        granted_to = PUBLIC
        if not consent.granted_to_public and consent.granted_to_id is not None:
            granted_to = self.refs("persons", consent.granted_to_id)
        return {
            "ref": self.refs("consents", consent.pk),
            "person": self.refs("persons", consent.person_id),
            "scope": consent.scope,
            "granted_to": granted_to,
            "given_on": _date(consent.given_on),
            "expires_on": _date(consent.expires_on),
            "withdrawn_on": _date(consent.withdrawn_on),
            "how": consent.how,
        }

    def contact_attempt(self, attempt: ContactAttempt) -> dict[str, Any]:
        return {
            "ref": self.refs("contact_attempts", attempt.pk),
            "tracing_request": self.refs("tracing_requests", attempt.tracing_request_id),
            "kind": attempt.kind,
            "date": _date(attempt.date),
            "outcome": attempt.outcome,
            "refused_by": self._ref("authorities", attempt.refused_by_id),
            "notes": attempt.notes,
        }


def visible_include(user: Any) -> Include:
    """An Include for one record at a time (`docket show`): asks the database each time."""

    def include(collection: str, pks: set[int]) -> set[int]:
        if not pks:
            return set()
        return set(visible(collection, user).filter(pk__in=pks).values_list("pk", flat=True))

    return include


def _records(user: Any) -> dict[str, list[Any]]:
    """What `user` may see of each collection, ready to serialise."""
    persons = list(visible("persons", user).prefetch_related("names").order_by("pk"))
    records: dict[str, list[Any]] = {
        "persons": persons,
        "relationships": list(visible("relationships", user).select_related("kind").order_by("pk")),
        "cases": list(
            visible("cases", user).select_related("team").prefetch_related("persons").order_by("pk")
        ),
        "events": list(
            visible("events", user)
            .select_related("type")
            .prefetch_related("involvements__role", "sources")
            .order_by("pk")
        ),
        "sources": list(visible("sources", user).prefetch_related("files").order_by("pk")),
        "letters": list(
            with_figures_prefetched(visible("letters", user))
            .prefetch_related("cases")
            .order_by("pk")
        ),
        "responses": list(
            visible("responses", user).prefetch_related("answer_set__question").order_by("pk")
        ),
        "tracing_requests": list(visible("tracing_requests", user).order_by("pk")),
        "consents": list(visible("consents", user).order_by("pk")),
        "contact_attempts": list(visible("contact_attempts", user).order_by("pk")),
    }
    referenced: set[int] = {event.authority_id for event in records["events"] if event.authority_id}
    referenced |= {
        dispatch.authority_id
        for letter in records["letters"]
        for dispatch in letter.dispatches.all()
    }
    referenced |= {response.authority_id for response in records["responses"]}
    referenced |= {
        attempt.refused_by_id for attempt in records["contact_attempts"] if attempt.refused_by_id
    }
    authorities: QuerySet[Authority] = visible("authorities", user)
    records["authorities"] = list(
        authorities.filter(Q(deleted_at__isnull=True) | Q(pk__in=referenced)).order_by("pk")
    )
    return records


def build_document(user: Any, *, place_file: PlaceFile | None = None) -> dict[str, Any]:
    """The interchange document of everything `user` may see, for those who may take
    records out in bulk (docket.accounts.permissions.may_take_out)."""
    require_taking_out(user)
    records = _records(user)
    refs = RefBook()
    exported: dict[str, set[int]] = {}
    for collection, items in records.items():
        exported[collection] = {item.pk for item in items}
        refs.assign(collection, exported[collection])
    questions = [
        question.pk for letter in records["letters"] for question in letter.questions.all()
    ]
    exported[QUESTIONS] = set(questions)
    refs.assign(QUESTIONS, questions)

    def include(collection: str, pks: set[int]) -> set[int]:
        return pks & exported[collection]

    serialiser = Serialiser(refs, include, place_file)
    document: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    for collection in DOCUMENT_ORDER:
        serialise = getattr(serialiser, SINGULAR[collection].replace(" ", "_"))
        document[collection] = [serialise(item) for item in records[collection]]
    return document


@dataclass
class ExportSummary:
    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    files: int = 0

    @property
    def summary(self) -> str:
        counts = ", ".join(
            f"{count} {collection.replace('_', ' ')}"
            for collection, count in self.counts.items()
            if count
        )
        return f"Exported {counts or 'nothing'} and {self.files} evidence files to {self.out}."


# Collections with a confidentiality of their own, whose restricted and secret records
# an export's audit entry names.
WATCHED_COLLECTIONS = ("persons", "cases", "sources", "letters", "tracing_requests")


def export_bundle(user: User, *, out: Path, via: str) -> ExportSummary:
    """Write what `user` may see to `out`, its evidence files into a folder beside it.
    `via` says for the audit log which way it left: "page" or "cli"."""
    out = out.resolve()
    if not out.parent.is_dir():
        raise ExportFailed(f"The folder {out.parent} does not exist.")
    folder_name = f"{out.stem}-files"
    folder = out.parent / folder_name
    summary = ExportSummary(out)

    def place_file(evidence: Evidence, source_ref: str) -> str:
        relative = PurePosixPath(folder_name, str(evidence.pk), _safe_name(evidence.name))
        target = out.parent / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_checked(evidence, target, source_ref)
        CustodyEntry.objects.create(
            evidence=evidence,
            actor=user,
            action=CustodyAction.EXPORTED,
            detail=f"exported to {out.name}"[:300],
        )
        summary.files += 1
        return str(relative)

    with transaction.atomic():
        document = build_document(user, place_file=place_file)
        summary.counts = {collection: len(document[collection]) for collection in DOCUMENT_ORDER}
        note_bulk_read(
            user,
            via=via,
            what="export",
            query={"scope": "everything the reader may see", "file": out.name},
            count=sum(summary.counts.values()),
            watched={
                collection: sorted(
                    visible(collection, user)
                    .filter(confidentiality__in=WATCHED_LEVELS)
                    .values_list("pk", flat=True)
                )
                for collection in WATCHED_COLLECTIONS
            },
        )
        _write_json(document, out)
    if not summary.files and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
    return summary


# Characters some file systems (FAT, NTFS on a USB stick) refuse in a file name.
FORBIDDEN = set('<>:"|?*')


def _safe_name(name: str) -> str:
    """The last part of a file's name, without characters a file system may refuse."""
    base = PurePosixPath(name.replace("\\", "/")).name
    cleaned = "".join(
        character for character in base if character.isprintable() and character not in '<>:"|?*'
    )
    return cleaned.strip(". ") or "file"


def _copy_checked(evidence: Evidence, target: Path, source_ref: str) -> None:
    """Copy an evidence file out, opened from its sealed copy; refuse one that changed."""
    try:
        content = read_evidence(evidence)
    except FileNotFoundError:
        raise ExportFailed(
            f"The evidence file {evidence.name!r} of source {source_ref!r} is missing from "
            "the data folder; nothing was exported."
        ) from None
    except DecryptionError as error:
        raise ExportFailed(
            f"The evidence file {evidence.name!r} of source {source_ref!r} cannot be opened "
            f"({error}); nothing was exported."
        ) from None
    if hashlib.sha256(content).hexdigest() != evidence.sha256:
        raise ExportFailed(
            f"The evidence file {evidence.name!r} of source {source_ref!r} no longer matches "
            "the SHA-256 it was stored with; nothing was exported."
        )
    target.write_bytes(content)


def _write_json(document: dict[str, Any], out: Path) -> None:
    """Write the whole document or leave the old file: never half a document."""
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
