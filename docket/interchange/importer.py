"""Writing a checked bundle into Docket: all of it in one transaction, or none of it.

`import_bundle` carries out a `Plan` from docket.interchange.validation.
Records are found again by the ref their source gave them (ImportedRef), so a
second import of the same file updates instead of duplicating, and a record
is saved only when a value really differs: an identical second import adds
no rows and no history versions.

Rules beyond INTERCHANGE.md, each to protect what people entered in Docket:

- an import never lowers a record's confidentiality, only raises it, so a
  partner's file cannot reopen what a coordinator has closed off;
- a record keeps its owning team unless the file or the command names one;
- evidence files are only ever added (matched by SHA-256), never removed:
  the chain of custody outlives the file that brought them;
- names, questions, case persons and event persons are part of their record
  and follow the file exactly, except that links to records the importer may
  not see (a case's persons, an event's persons and sources, a letter's cases)
  stay, as on the pages and in the API: they are not the importer's to remove;
- a question belongs to its letter: a file cannot move it to another one.

Letters are kept per recipient in Docket: a letter's `to`, `sent_on` and
`channel` become one copy (Dispatch) per authority, each sent on that day by
that channel. A question's `status` becomes the answer (Answer) of each
response that lists the question ("unanswered" there means answered: the
response says it answered it); a status no response carries stays the
question's own, the letter-wide status the figures fall back on.

Like every write service, it records who did what: each record's history
version (with the import as its reason), an audit entry for every record
added or changed and one for the import as a whole, and for each evidence
file its first chain-of-custody entry. Evidence is sealed at rest exactly as
docket.cases.services seals an upload.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, models, transaction
from django.db.models import F
from django.utils import timezone
from django_countries.fields import Country

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.audit.log import Pending
from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.cases import services as case_services
from docket.cases.models import Case, CustodyAction, CustodyEntry, Event, Evidence, Involvement
from docket.cases.services import EVIDENCE_CONTEXT
from docket.interchange.format import COLLECTIONS, MODELS, QUESTIONS, SINGULAR
from docket.interchange.locking import Waiting, hold_in_transaction, one_import_at_a_time
from docket.interchange.models import ImportedRef
from docket.interchange.validation import (
    BundleRefused,
    EvidenceFile,
    Plan,
    Problem,
    QuestionRow,
    Ref,
    Row,
)
from docket.letters import services as letter_services
from docket.letters.models import Answer, AnswerStatus, Dispatch, Letter, Question, Response
from docket.lib import bulk
from docket.lib.crypto import seal_bytes
from docket.lib.records import ConfidentialRecord, Record
from docket.people import services as people_services
from docket.people.models import Person, PersonName, Relationship
from docket.search.signals import deferred_indexing
from docket.tracing import services as tracing_services

ADDED, CHANGED, UNCHANGED = "added", "changed", "unchanged"
STRICTNESS = [
    Confidentiality.PUBLIC,
    Confidentiality.INTERNAL,
    Confidentiality.RESTRICTED,
    Confidentiality.SECRET,
]
# Collections whose records an owning team applies to when the file names none.
OWNED = {"persons", "cases", "sources", "letters", "tracing_requests"}
# Collections whose new records are written in batches through the services' batch
# functions (docket.lib.bulk); the rest, and every record imported before, one by one.
# Letters, responses and consents stay one by one: few, and each asks rules that depend
# on the records written before it in the same file (a consent on a withdrawal).
IN_BULK = {
    "authorities",
    "persons",
    "relationships",
    "cases",
    "sources",
    "events",
    "tracing_requests",
    "contact_attempts",
}
# New records per batch: progress is shown after each.
CHUNK = 2000

Progress = Callable[[str, int, int], None]


@dataclass
class Tally:
    added: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    source: str
    tallies: dict[str, Tally] = field(default_factory=dict)
    # Paths of records whose file gave a lower confidentiality than Docket keeps,
    # and of records the file made more confidential: neither happens unsaid.
    kept_stricter: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)

    def total(self, state: str) -> int:
        return sum(getattr(tally, state) for tally in self.tallies.values())

    @property
    def summary(self) -> str:
        text = (
            f"Imported source {self.source!r}: {self.total(ADDED)} records added, "
            f"{self.total(CHANGED)} changed, {self.total(UNCHANGED)} unchanged."
        )
        if self.raised:
            count = len(self.raised)
            text += (
                f" {count} {'record was' if count == 1 else 'records were'} made more "
                f"confidential by the file ({_some(self.raised)})."
            )
        if self.kept_stricter:
            count = len(self.kept_stricter)
            text += (
                f" {count} {'record keeps' if count == 1 else 'records keep'} the stricter "
                f"confidentiality recorded in Docket ({_some(self.kept_stricter)}): "
                "an import never lowers it."
            )
        return text


def _some(paths: list[str]) -> str:
    return ", ".join(paths[:5]) + (", …" if len(paths) > 5 else "")


def import_bundle(
    plan: Plan, *, progress: Progress | None = None, waiting: Waiting | None = None
) -> ImportReport:
    """Write everything the plan holds, or nothing; raise BundleRefused if a rule or the
    database refuses.

    One import at a time (docket.interchange.locking: a second one waits, `waiting` told
    how long). The services' rules that can be asked before writing are asked first, for
    the whole file and without the write lock (`check_rules`); then everything is written
    in one short transaction, new records in batches, which asks every rule again."""
    writer = _Writer(plan, progress)
    with bulk.without_cycle_collection(), one_import_at_a_time(waiting):
        problems = writer.check_rules()
        if problems:
            raise BundleRefused(problems)
        try:
            # One index update for the whole file, at its end, in the same transaction.
            with bulk.larger_page_cache(), transaction.atomic(), deferred_indexing():
                hold_in_transaction()
                writer.write_all()
        except DatabaseError as error:
            writer.discard_files()
            text = str(error).strip()
            message = text.splitlines()[0] if text else type(error).__name__
            raise BundleRefused(
                [Problem(writer.path, f"the database refused it: {message}")]
            ) from None
        except BaseException:
            writer.discard_files()
            raise
    return writer.report


def _refusal(row: Row, refusal: PermissionDenied | ValidationError) -> Problem:
    """A write service's refusal as one sentence naming the record."""
    if isinstance(refusal, ValidationError):
        reason = " ".join(str(message) for message in refusal.messages)
    else:
        reason = str(refusal) or "you may not change it."
    record = SINGULAR[row.collection] + (f' "{row.ref}"' if row.ref else "")
    return Problem(row.path, f"{record}: {reason[:1].lower()}{reason[1:]}")


def _same(current: Any, value: Any) -> bool:
    if isinstance(current, Country):
        current = current.code or ""
    return bool(current == value)


def _field_name(name: str) -> str:
    """A model field's name from the attribute an import sets ("case_id" is "case")."""
    return name.removesuffix("_id")


@dataclass
class Outcome:
    """What writing one record did: its state and the fields (or owned lists) that changed."""

    instance: Any
    state: str
    fields: list[str] = field(default_factory=list)

    def also(self, name: str, changed: bool) -> "Outcome":
        """Count a change to an owned list (names, questions, files) as a change of the record."""
        if changed:
            self.fields.append(name)
            if self.state == UNCHANGED:
                self.state = CHANGED
        return self


class _Writer:
    def __init__(self, plan: Plan, progress: Progress | None) -> None:
        self.plan = plan
        self.actor: User | None = plan.actor
        self.progress = progress
        self.reason = f"Imported from {plan.source}"[:100]
        self.report = ImportReport(plan.source)
        self.path = ""
        self.stored: list[str] = []
        # Ref -> (ImportedRef id, object id), for everything this source brought before.
        self.known: dict[Ref, tuple[int, int]] = {}
        self.pks: dict[Ref, int] = {}
        # Question refs: the status the file gives each, and those a response lists.
        self.question_status = {
            question.ref: question.status
            for row in plan.rows["letters"]
            for question in row.lists["questions"]
        }
        self.answered = {ref.ref for row in plan.rows["responses"] for ref in row.lists["answers"]}
        # Letters of which a copy had gone out before this import (letters.services).
        self.sent: set[int] = set()
        # Relationships the file gives twice: (the second, the first), adopted as one.
        self.twins: list[tuple[Row, Row]] = []
        # Audit entries, appended to the log in one go at the end (docket.lib.bulk).
        self.batch = bulk.Batch(self.actor, self.reason, {"source": plan.source})

    def check_rules(self) -> list[Problem]:
        """Ask, before writing and without the write lock, the services' rules on what
        this file changes in records Docket holds (a sent or published letter's text, a
        sent copy, who may publish, a consent's fixed facts and its not reviving a "no"):
        every refusal, each naming its record. Writing asks them again, in its
        transaction: a record may change in between."""
        self._load_known()
        problems: list[Problem] = []
        letters = self.plan.rows["letters"]
        existing = self._existing("letters", letters)
        sent = letter_services.sent_among(letter.pk for letter in existing.values())
        for row in letters:
            try:
                self._check_letter(row, existing.get(row.ref) if row.ref else None, sent)
            except (PermissionDenied, ValidationError) as refusal:
                problems.append(_refusal(row, refusal))
        consents = self.plan.rows["consents"]
        existing = self._existing("consents", consents)
        for row in consents:
            try:
                values = self._resolve(row.values)
            except KeyError:
                continue  # a person of this file: asked when it is written
            try:
                tracing_services.consent_as_imported(
                    existing.get(row.ref) if row.ref else None, values
                )
            except ValidationError as refusal:
                problems.append(_refusal(row, refusal))
        requests = self.plan.rows["tracing_requests"]
        existing = self._existing("tracing_requests", requests)
        for row in requests:
            request = existing.get(row.ref) if row.ref else None
            if request is None:
                continue
            try:
                values = self._resolve(row.values)
            except KeyError:
                continue  # a person of this file: asked when it is written
            try:
                tracing_services.request_as_imported(request, values)
            except ValidationError as refusal:
                problems.append(_refusal(row, refusal))
        return problems

    def _check_letter(self, row: Row, letter: Letter | None, sent: set[int]) -> None:
        values = row.values
        questions = [entry.text for entry in row.lists["questions"]]
        if letter is None:
            if values["published"] and self.actor is not None:
                team = self.plan.default_team
                letter_services.require_publisher(
                    self.actor, Letter(team_id=team.pk if team is not None else None)
                )
            return
        is_sent = letter.pk in sent
        letter_services.check_fixed_once_sent(
            letter, sent=is_sent, title=values["title"], body=values["body"]
        )
        letter_services.check_fixed_while_published(
            letter, title=values["title"], body=values["body"], questions=questions
        )
        letter_services.check_fixed_once_sent(letter, sent=is_sent, questions=questions)
        to = {self.pks[ref] for ref in row.lists["to"] if ref in self.pks}
        for dispatch in letter.dispatches.all():
            if dispatch.authority_id not in to or row.facts.get("sent_on") is None:
                letter_services.check_copy_kept(dispatch)
        if values["published"] != letter.published and self.actor is not None:
            letter_services.require_publisher(self.actor, letter)

    def _load_known(self) -> None:
        self.known.clear()
        self.pks.clear()
        for collection, ref, row_id, object_id in ImportedRef.objects.filter(
            source=self.plan.source
        ).values_list("collection", "ref", "pk", "object_id"):
            self.known[Ref(collection, ref)] = (row_id, object_id)
            self.pks[Ref(collection, ref)] = object_id

    def write_all(self) -> None:
        self._load_known()
        for collection in COLLECTIONS:
            rows = self.plan.rows[collection]
            tally = self.report.tallies.setdefault(collection, Tally())
            existing = self._existing(collection, rows)
            if collection == "letters":
                # The rule that sent letters are fixed, asked once for the whole file.
                self.sent = letter_services.sent_among(letter.pk for letter in existing.values())
            fresh = [
                row
                for row in rows
                if collection in IN_BULK
                and (row.ref is None or row.ref not in existing)
                and not row.lists.get("files")
            ]
            done = 0
            if fresh:
                chosen = {id(row) for row in fresh}
                rows = [row for row in rows if id(row) not in chosen]
                for start in range(0, len(fresh), CHUNK):
                    chunk = fresh[start : start + CHUNK]
                    self.path = chunk[0].path
                    added = self._write_new(collection, chunk)
                    tally.added += added
                    tally.unchanged += len(chunk) - added
                    done += len(chunk)
                    if self.progress:
                        self.progress(collection, done, len(fresh) + len(rows))
            write = getattr(self, f"_write_{collection}")
            total = done + len(rows)
            for row in rows:
                done += 1
                self.path = row.path
                try:
                    outcome: Outcome = write(row, existing.get(row.ref) if row.ref else None)
                except (PermissionDenied, ValidationError) as refusal:
                    raise BundleRefused([_refusal(row, refusal)]) from None
                self._audit(outcome)
                setattr(tally, outcome.state, getattr(tally, outcome.state) + 1)
                if self.progress and (done % 250 == 0 or done == total):
                    self.progress(collection, done, total)
        self.path = ""
        if self.report.total(ADDED) or self.report.total(CHANGED):
            self.batch.entries.append(
                Pending.of(
                    Action.IMPORT,
                    None,
                    {
                        "source": self.plan.source,
                        "added": self.report.total(ADDED),
                        "changed": self.report.total(CHANGED),
                    },
                )
            )
        self.batch.flush()

    # New records in batches, through the services' batch functions

    def _write_new(self, collection: str, rows: list[Row]) -> int:
        """Write these new records through their service's batch function; how many were
        added (a relationship already recorded is adopted instead)."""
        if collection == "relationships":
            rows = self._adopt_relationships(rows)
            if not rows:
                return 0
        model = MODELS[collection]
        instances: list[Any] = [
            bulk.new(model, self._owned(row, self._resolve(row.values), None)) for row in rows
        ]
        batch = self.batch
        try:
            if collection == "authorities":
                case_services.add_authorities_in_bulk(batch=batch, authorities=instances)
            elif collection == "persons":
                people_services.add_persons_in_bulk(
                    batch=batch,
                    persons=instances,
                    names=[
                        [
                            bulk.new(PersonName, {"name": text, "script": script, "kind": kind})
                            for text, script, kind in row.lists["names"]
                        ]
                        for row in rows
                    ],
                )
            elif collection == "relationships":
                people_services.relate_in_bulk(batch=batch, relationships=instances)
            elif collection == "cases":
                case_services.open_cases_in_bulk(
                    batch=batch,
                    cases=instances,
                    persons=[[self.pks[ref] for ref in row.lists["persons"]] for row in rows],
                )
            elif collection == "sources":
                case_services.create_sources_in_bulk(batch=batch, sources=instances)
            elif collection == "events":
                case_services.add_events_in_bulk(
                    batch=batch,
                    events=instances,
                    involvements=[
                        [(self.pks[person], role) for person, role in row.lists["involvements"]]
                        for row in rows
                    ],
                    sources=[[self.pks[ref] for ref in row.lists["sources"]] for row in rows],
                )
            elif collection == "tracing_requests":
                tracing_services.open_requests_in_bulk(batch=batch, requests=instances)
            elif collection == "contact_attempts":
                tracing_services.log_attempts_in_bulk(batch=batch, attempts=instances)
            else:  # pragma: no cover - IN_BULK lists the collections above
                raise ValueError(collection)
        except bulk.RowRefused as refused:
            raise BundleRefused([_refusal(rows[refused.index], refused.refusal)]) from None
        except (PermissionDenied, ValidationError) as refusal:
            raise BundleRefused([_refusal(rows[0], refusal)]) from None
        self._remember_all(collection, rows, instances)
        return len(rows)

    def _adopt_relationships(self, rows: list[Row]) -> list[Row]:
        """A relationship already recorded (by hand, or by a file without refs) is adopted,
        not added again; so is the same one twice in the file. The rest, to add."""
        wanted = [self._resolve(row.values) for row in rows]
        persons = sorted({values["person_id"] for values in wanted})
        recorded: dict[tuple[int, int, int], int] = {}
        for start in range(0, len(persons), bulk.BATCH_SIZE):
            for pk, person, relative, kind in Relationship.objects.filter(
                person_id__in=persons[start : start + bulk.BATCH_SIZE]
            ).values_list("pk", "person_id", "relative_id", "kind_id"):
                recorded.setdefault((person, relative, kind), pk)
        fresh: list[Row] = []
        first: dict[tuple[int, int, int], Row] = {}
        for row, values in zip(rows, wanted, strict=True):
            key = (values["person_id"], values["relative_id"], values["kind_id"])
            if key in recorded:
                if row.ref is not None:
                    self._remember(Ref(row.collection, row.ref), recorded[key])
            elif key in first:
                self.twins.append((row, first[key]))
            else:
                first[key] = row
                fresh.append(row)
        return fresh

    def _remember_all(self, collection: str, rows: list[Row], instances: list[Any]) -> None:
        """The refs of new records, remembered for the next import of this source."""
        new: list[list[Any]] = []
        now = timezone.now()
        for row, instance in zip(rows, instances, strict=True):
            if row.ref is None:
                continue
            ref = Ref(collection, row.ref)
            if ref in self.known:
                self._remember(ref, instance.pk)  # its record was deleted since
                continue
            self.pks[ref] = instance.pk
            new.append([self.plan.source, collection, row.ref, instance.pk, now])
        ids = bulk.insert(
            ImportedRef,
            ["source", "collection", "ref", "object_id", "imported_at"],
            new,
            returning=True,
        )
        for pk, (_source, _collection, ref_text, object_id, _at) in zip(ids, new, strict=True):
            self.known[Ref(collection, ref_text)] = (pk, object_id)
        for row, twin in self.twins:
            if row.ref is not None and twin.ref is not None:
                self._remember(Ref(collection, row.ref), self.pks[Ref(collection, twin.ref)])
        self.twins.clear()

    def discard_files(self) -> None:
        """Files stored for a transaction that was rolled back would be orphans."""
        for name in self.stored:
            default_storage.delete(name)
        self.stored.clear()

    # Shared steps

    def _audit(self, outcome: Outcome) -> None:
        # Field names only, never values: the log must not become a copy of the data.
        if outcome.state == ADDED:
            self.batch.note(Action.CREATE, outcome.instance)
        elif outcome.state == CHANGED:
            self.batch.note(Action.CHANGE, outcome.instance, fields=sorted(set(outcome.fields)))

    def _existing(self, collection: str, rows: list[Row]) -> dict[str, Any]:
        """The records of `rows` imported earlier from this source, by ref."""
        ids = {
            row.ref: self.known[Ref(collection, row.ref)][1]
            for row in rows
            if row.ref is not None and Ref(collection, row.ref) in self.known
        }
        found = MODELS[collection]._default_manager.in_bulk(list(ids.values()))
        return {ref: found[pk] for ref, pk in ids.items() if pk in found}

    def _mark(self, instance: models.Model) -> None:
        """Who made this history version, and why: read by django-simple-history."""
        setattr(instance, "_history_user", self.actor)  # noqa: B010
        setattr(instance, "_change_reason", self.reason)  # noqa: B010

    def _remember(self, ref: Ref, pk: int) -> None:
        self.pks[ref] = pk
        known = self.known.get(ref)
        if known is None:
            created = ImportedRef.objects.create(
                source=self.plan.source, collection=ref.collection, ref=ref.ref, object_id=pk
            )
            self.known[ref] = (created.pk, pk)
        elif known[1] != pk:
            # The record this ref named was deleted since; the ref now names the new one.
            ImportedRef.objects.filter(pk=known[0]).update(object_id=pk)
            self.known[ref] = (known[0], pk)

    def _resolve(self, values: dict[str, Any]) -> dict[str, Any]:
        return {
            name: self.pks[value] if isinstance(value, Ref) else value
            for name, value in values.items()
        }

    def _owned(self, row: Row, values: dict[str, Any], instance: Any) -> dict[str, Any]:
        """Apply the owning-team and never-lower-confidentiality rules."""
        if row.collection in OWNED:
            # The file's team, else the command's; a new record also the actor's only team.
            # A record already here keeps its own unless the file or the command names one.
            team = values.pop("team_id", None)
            fallback = self.plan.default_team if instance is None else self.plan.named_team
            if team is None and fallback is not None:
                team = fallback.pk
            if team is not None or instance is None:
                values["team_id"] = team
        if isinstance(instance, ConfidentialRecord) and "confidentiality" in values:
            wanted = values["confidentiality"]
            values["confidentiality"] = max(wanted, instance.confidentiality, key=STRICTNESS.index)
            if values["confidentiality"] != wanted:
                # Kept, and said so in the report: never lowered, never silently.
                self.report.kept_stricter.append(row.path)
            elif wanted != instance.confidentiality:
                self.report.raised.append(row.path)
        return values

    def _upsert(
        self,
        row: Row,
        model: type[models.Model],
        instance: Any,
        values: dict[str, Any],
        *,
        on_create: dict[str, Any] | None = None,
    ) -> Outcome:
        values = self._owned(row, self._resolve(values), instance)
        if instance is None:
            instance = model(**values, **(on_create or {}))
            self._mark(instance)
            instance.save()
            if row.ref is not None:
                self._remember(Ref(row.collection, row.ref), instance.pk)
            return Outcome(instance, ADDED)
        if row.ref is not None:
            self.pks[Ref(row.collection, row.ref)] = instance.pk
        changed = [
            name for name, value in values.items() if not _same(getattr(instance, name), value)
        ]
        if not changed:
            return Outcome(instance, UNCHANGED)
        for name in changed:
            setattr(instance, name, values[name])
        saved = list(changed)
        if isinstance(instance, Record):
            # Forms opened on the old version must not overwrite this one (see lib.versioning).
            instance.version = F("version") + 1
            saved += ["version", "updated_at"]
        self._mark(instance)
        instance.save(update_fields=saved)
        if isinstance(instance, Record):
            instance.refresh_from_db(fields=["version"])
        return Outcome(instance, CHANGED, [_field_name(name) for name in changed])

    def _unseen(self, model: type[models.Model], pks: Any) -> set[int]:
        """Of these records, those the importer may not see (none when the system imports)."""
        if self.actor is None:
            return set()
        seen = model._default_manager.visible_to(self.actor)  # type: ignore[attr-defined]
        return set(pks) - set(seen.filter(pk__in=list(pks)).values_list("pk", flat=True))

    def _set_many(self, instance: Any, name: str, pks: list[int]) -> bool:
        """The links the file gives, and the links to records the importer may not see:
        those are not theirs to remove, as on the pages and in the API."""
        manager = getattr(instance, name)
        current = set(manager.values_list("pk", flat=True))
        wanted = set(pks) | self._unseen(manager.model, current)
        if current == wanted:
            return False
        self._mark(instance)
        manager.set(wanted)
        return True

    # One writer per collection, in COLLECTIONS order

    def _write_authorities(self, row: Row, instance: Any) -> Outcome:
        return self._upsert(row, MODELS["authorities"], instance, row.values)

    def _write_persons(self, row: Row, instance: Person | None) -> Outcome:
        outcome = self._upsert(
            row, Person, instance, row.values, on_create={"created_by": self.actor}
        )
        return outcome.also("names", self._names(outcome.instance, row.lists["names"]))

    def _names(self, person: Person, names: list[tuple[str, str, str]]) -> bool:
        current = list(person.names.order_by("position", "id"))
        changed = False
        for position, (text, script, kind) in enumerate(names):
            wanted = {"name": text, "script": script, "kind": kind, "position": position}
            if position < len(current):
                name = current[position]
                differ = [key for key, value in wanted.items() if getattr(name, key) != value]
                if not differ:
                    continue
                for key in differ:
                    setattr(name, key, wanted[key])
                self._mark(name)
                name.save(update_fields=differ)
            else:
                name = PersonName(person=person, **wanted)
                self._mark(name)
                name.save()
            changed = True
        for extra in current[len(names) :]:
            self._mark(extra)
            extra.delete()
            changed = True
        return changed

    def _write_relationships(self, row: Row, instance: Relationship | None) -> Outcome:
        values = self._resolve(row.values)
        if instance is None:
            # The same fact entered by hand or by a file without refs: adopt it.
            instance = Relationship.objects.filter(**values).first()
            if instance is not None:
                if row.ref is not None:
                    self._remember(Ref(row.collection, row.ref), instance.pk)
                return Outcome(instance, UNCHANGED)
        return self._upsert(row, Relationship, instance, values)

    def _write_cases(self, row: Row, instance: Case | None) -> Outcome:
        outcome = self._upsert(
            row, Case, instance, row.values, on_create={"created_by": self.actor}
        )
        persons = [self.pks[ref] for ref in row.lists["persons"]]
        return outcome.also("persons", self._set_many(outcome.instance, "persons", persons))

    def _write_sources(self, row: Row, instance: Any) -> Outcome:
        outcome = self._upsert(
            row, MODELS["sources"], instance, row.values, on_create={"created_by": self.actor}
        )
        added = [self._evidence(outcome.instance, found) for found in row.lists["files"]]
        return outcome.also("files", any(added))

    def _evidence(self, source: Any, wanted: EvidenceFile) -> bool:
        existing = source.files.filter(sha256=wanted.sha256).first()
        if existing is not None:
            if existing.name == wanted.name:
                return False
            existing.name = wanted.name
            existing.save(update_fields=["name"])
            return True
        with self.plan.files.open(wanted.path) as stream:
            content = stream.read()
        if hashlib.sha256(content).hexdigest() != wanted.sha256:
            raise BundleRefused(
                [Problem(self.path, f"the file {wanted.path!r} changed while it was imported")]
            )
        evidence = Evidence(
            source=source,
            name=wanted.name,
            sha256=wanted.sha256,
            size=len(content),
            content_type=wanted.content_type,
            added_by=self.actor,
        )
        # Sealed before it touches the disk, under a name that says nothing of the original.
        sealed = ContentFile(seal_bytes(content, context=EVIDENCE_CONTEXT))
        evidence.file.save("sealed", sealed, save=False)
        self.stored.append(str(evidence.file.name))
        evidence.save()
        CustodyEntry.objects.create(
            evidence=evidence,
            actor=self.actor,
            action=CustodyAction.ADDED,
            detail=f"imported from {self.plan.source}"[:300],
        )
        audit(
            Action.CREATE,
            actor=self.actor,
            target=evidence,
            detail={"sha256": evidence.sha256, "source": self.plan.source},
        )
        return True

    def _write_events(self, row: Row, instance: Event | None) -> Outcome:
        outcome = self._upsert(row, Event, instance, row.values)
        event = outcome.instance
        sources = [self.pks[ref] for ref in row.lists["sources"]]
        return outcome.also("persons", self._involvements(event, row.lists["involvements"])).also(
            "sources", self._set_many(event, "sources", sources)
        )

    def _involvements(self, event: Event, wanted: list[tuple[Ref, int]]) -> bool:
        pairs = [(self.pks[person], role) for person, role in wanted]
        current = list(event.involvements.all())
        # Involvements of persons the importer may not see stay as they were.
        unseen = self._unseen(Person, {involvement.person_id for involvement in current})
        changed = False
        for involvement in current:
            if (involvement.person_id, involvement.role_id) in pairs:
                pairs.remove((involvement.person_id, involvement.role_id))
            elif involvement.person_id in unseen:
                continue
            else:
                self._mark(involvement)
                involvement.delete()
                changed = True
        for person, role in pairs:
            involvement = Involvement(event=event, person_id=person, role_id=role)
            self._mark(involvement)
            involvement.save()
            changed = True
        return changed

    def _write_letters(self, row: Row, instance: Letter | None) -> Outcome:
        values = dict(row.values)
        published = values.pop("published")
        if instance is not None:
            letter_services.check_fixed_once_sent(
                instance,
                sent=instance.pk in self.sent,
                title=values["title"],
                body=values["body"],
            )
            # As on the letter's page: a published letter's public text went through the
            # publishing preview; take it off its public page first, then change it.
            letter_services.check_fixed_while_published(
                instance,
                title=values["title"],
                body=values["body"],
                questions=[entry.text for entry in row.lists["questions"]],
            )
        outcome = self._upsert(row, Letter, instance, values)
        letter = outcome.instance
        to = [self.pks[ref] for ref in row.lists["to"]]
        cases = [self.pks[ref] for ref in row.lists["cases"]]
        recipients_changed, copies_changed = self._copies(letter, to, row.facts)
        outcome.also("to", recipients_changed)
        for name in copies_changed:
            outcome.also(name, True)
        outcome.also("cases", self._set_many(letter, "cases", cases)).also(
            "questions", self._questions(letter, row.lists["questions"])
        )
        if letter.published != published:
            # Who may publish is the letters service's rule, as on the letter's page; last,
            # so the public text it keeps is redacted from the letter's cases and questions.
            letter_services.set_published(actor=self.actor, letter=letter, published=published)
            outcome.also("published", True)
        elif letter.published and outcome.state == CHANGED:
            # Its kept public text is of the letter before: redacted again on the next read.
            Letter.objects.filter(pk=letter.pk).update(public_text=None)
        return outcome

    def _copies(
        self, letter: Letter, to: list[int], facts: dict[str, Any]
    ) -> tuple[bool, set[str]]:
        """One copy (Dispatch) per recipient, each sent on the file's day by its channel.

        Whether the recipients changed, and which of the copies' fields did.
        """
        wanted = {"sent_on": facts.get("sent_on"), "channel": facts.get("channel") or ""}
        current = {dispatch.authority_id: dispatch for dispatch in letter.dispatches.all()}
        recipients_changed = False
        fields_changed: set[str] = set()
        for authority_id, dropped in current.items():
            if authority_id not in to:
                letter_services.check_copy_kept(dropped)
                self._mark(dropped)
                dropped.delete()
                recipients_changed = True
        for authority_id in dict.fromkeys(to):
            dispatch = current.get(authority_id)
            if dispatch is None:
                added = Dispatch(letter=letter, authority_id=authority_id, **wanted)
                self._mark(added)
                added.save()
                recipients_changed = True
                continue
            differ = [name for name, value in wanted.items() if getattr(dispatch, name) != value]
            if wanted["sent_on"] is None and "sent_on" in differ:
                letter_services.check_copy_kept(dispatch)
            if differ:
                for name in differ:
                    setattr(dispatch, name, wanted[name])
                self._mark(dispatch)
                dispatch.save(update_fields=differ)
                fields_changed.update(differ)
        return recipients_changed, fields_changed

    def _questions(self, letter: Letter, wanted: list[QuestionRow]) -> bool:
        """Make the letter's questions the file's, numbered 1..n in the file's order."""
        letter_services.check_fixed_once_sent(
            letter, sent=letter.pk in self.sent, questions=[entry.text for entry in wanted]
        )
        current = {question.pk: question for question in letter.questions.all()}
        plan: list[tuple[QuestionRow, Question | None]] = []
        elsewhere = {
            known[1]
            for entry in wanted
            if (known := self.known.get(Ref(QUESTIONS, entry.ref))) is not None
            and known[1] not in current
        }
        # A question belongs to its letter: the file cannot move it to another one (off a
        # sent letter, say, whose questions are fixed). A ref of a question since deleted
        # names a new one.
        moved = set(Question.objects.filter(pk__in=elsewhere).values_list("pk", flat=True))
        for entry in wanted:
            known = self.known.get(Ref(QUESTIONS, entry.ref))
            if known is not None and known[1] in moved:
                raise ValidationError(
                    f'question "{entry.ref}" is a question of another letter, and a question '
                    "stays on its letter: give this one a new ref."
                )
            question = current.get(known[1]) if known is not None else None
            plan.append((entry, question))
        keep = {question.pk for _, question in plan if question is not None}
        changed = False
        for question in current.values():
            if question.pk not in keep:
                self._mark(question)
                question.delete()
                changed = True
        # Questions changing place take a free number first, so two may swap.
        moving = {
            question.pk
            for number, (_, question) in enumerate(plan, start=1)
            if question is not None and question.number != number
        }
        for offset, pk in enumerate(sorted(moving)):
            Question.objects.filter(pk=pk).update(number=20000 + offset)
        for number, (entry, question) in enumerate(plan, start=1):
            values = {
                "letter_id": letter.pk,
                "number": number,
                "text": entry.text,
                # A status that a response of the file carries lives in its answers; the
                # letter-wide one is only for a question no reply speaks of.
                "status": AnswerStatus.UNANSWERED if entry.ref in self.answered else entry.status,
            }
            if question is None:
                question = Question(**values)
                self._mark(question)
                question.save()
                changed = True
            else:
                differ = [key for key, value in values.items() if getattr(question, key) != value]
                if question.pk in moving and "number" not in differ:
                    differ.append("number")
                if differ:
                    for key in differ:
                        setattr(question, key, values[key])
                    self._mark(question)
                    question.save(update_fields=differ)
                    changed = True
            self._remember(Ref(QUESTIONS, entry.ref), question.pk)
        return changed

    def _write_responses(self, row: Row, instance: Response | None) -> Outcome:
        outcome = self._upsert(row, Response, instance, row.values)
        return outcome.also("answers", self._answers(outcome.instance, row.lists["answers"]))

    def _answers(self, response: Response, refs: list[Ref]) -> bool:
        """The response's answers are the questions it lists, each with the status the file
        gives the question ("unanswered" there, with a reply listing it, means answered).
        A question of a letter the file does not carry keeps the status it had."""
        wanted: dict[int, str | None] = {}
        for ref in refs:
            status = self.question_status.get(ref.ref)
            if status == AnswerStatus.UNANSWERED:
                status = AnswerStatus.ANSWERED
            wanted[self.pks[ref]] = status
        current = {answer.question_id: answer for answer in response.answer_set.all()}
        changed = False
        for question_id, dropped in current.items():
            if question_id not in wanted:
                self._mark(dropped)
                dropped.delete()
                changed = True
        for question_id, status in wanted.items():
            answer = current.get(question_id)
            if answer is None:
                added = Answer(
                    response=response,
                    question_id=question_id,
                    status=status or AnswerStatus.ANSWERED,
                )
                self._mark(added)
                added.save()
                changed = True
            elif status is not None and answer.status != status:
                answer.status = status
                self._mark(answer)
                answer.save(update_fields=["status"])
                changed = True
        return changed

    def _write_tracing_requests(self, row: Row, instance: Any) -> Outcome:
        # Who asks and who is sought stay; a status moves only as the pages move it.
        before = instance.status if instance is not None else None
        values = tracing_services.request_as_imported(instance, self._resolve(row.values))
        outcome = self._upsert(row, MODELS["tracing_requests"], instance, values)
        if before is not None and "status" in outcome.fields:
            tracing_services.imported_move(self.actor, outcome.instance, before, self.reason)
        return outcome

    def _write_consents(self, row: Row, instance: Any) -> Outcome:
        # A withdrawal recorded in Docket is never undone by a file (tracing.services).
        values = tracing_services.consent_as_imported(instance, self._resolve(row.values))
        return self._upsert(
            row, MODELS["consents"], instance, values, on_create={"recorded_by": self.actor}
        )

    def _write_contact_attempts(self, row: Row, instance: Any) -> Outcome:
        return self._upsert(row, MODELS["contact_attempts"], instance, row.values)
