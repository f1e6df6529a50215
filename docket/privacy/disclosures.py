"""The disclosure log: who took what out of Docket, when, under which query.

Not a second store: every way data leaves (exports, downloads of PDFs, evidence files
and mail, API list pages, relayed family messages, letters sent) already writes an audit
entry, and this module reads those entries back as disclosures. A person's page lists
those that touched them (`for_person`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from docket.accounts.models import Role, User
from docket.audit.models import Action, AuditEntry
from docket.cases.models import Case, Event, Evidence, Involvement, Source
from docket.letters.models import Letter
from docket.people.models import Person
from docket.tracing.models import TracingRequest

DISCLOSING = (
    Q(action__in=[Action.EXPORT, Action.DOWNLOAD])
    | Q(action=Action.CHANGE, detail__has_key="message_passed_on")
    | Q(action=Action.CHANGE, detail__has_key="sent_to")
)


@dataclass(frozen=True)
class Disclosure:
    entry: AuditEntry

    @property
    def at(self) -> datetime:
        return self.entry.at

    @property
    def who(self) -> str:
        return self.entry.actor_name or _("the system")

    @property
    def what(self) -> str:
        entry, detail = self.entry, self.entry.detail or {}
        if "message_passed_on" in detail:
            return _("Family message passed on (tracing request %(number)s)") % {
                "number": entry.object_id
            }
        if "sent_to" in detail:
            return _("Letter %(number)s sent to %(to)s by %(channel)s") % {
                "number": entry.object_id,
                "to": detail.get("sent_to", ""),
                "channel": detail.get("channel", ""),
            }
        if entry.action == Action.EXPORT:
            return _("Bulk read: %(what)s, %(count)s records (%(via)s)") % {
                "what": detail.get("what", entry.object_type or _("export")),
                "count": detail.get("count", "?"),
                "via": detail.get("via", ""),
            }
        form = detail.get("dossier") or detail.get("draft") or detail.get("file") or ""
        return _("Download of %(record)s %(number)s %(form)s") % {
            "record": entry.object_type,
            "number": entry.object_id,
            "form": form,
        }

    @property
    def query(self) -> str:
        query = (self.entry.detail or {}).get("query", "")
        if isinstance(query, dict):
            return "&".join(f"{key}={value}" for key, value in query.items())
        return str(query)


def disclosures() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(DISCLOSING).order_by("-id")


def _named_models() -> dict[str, Any]:
    """The confidential records a disclosure names by type and number."""
    from docket.privacy.models import RightsRequest

    return {
        model._meta.label_lower: model
        for model in (Person, Case, Event, Source, Evidence, Letter, TracingRequest, RightsRequest)
    }


def readable_by(entries: QuerySet[AuditEntry], reader: Any) -> QuerySet[AuditEntry]:
    """`entries` without those about a record `reader` may not see: a disclosure names its
    record ("Download of cases.case 42"), and a record hidden from the reader must not be
    told of, even by its number (the read door, docket/lib/access.py)."""
    for object_type, model in _named_models().items():
        seen = (
            model._default_manager.visible_to(reader)
            .annotate(key=Cast("pk", output_field=CharField()))
            .values("key")
        )
        entries = entries.exclude(Q(object_type=object_type) & ~Q(object_id__in=seen))
    return entries


def log_for(reader: Any) -> QuerySet[AuditEntry]:
    """The disclosures `reader` may review: every one for an administrator (who reads the
    whole audit log), those made by members of their teams about records the coordinator
    may see for a coordinator, none for anyone else."""
    if not isinstance(reader, User) or not reader.is_active:
        return AuditEntry.objects.none()
    if reader.role == Role.ADMINISTRATOR:
        return disclosures()
    if reader.role == Role.COORDINATOR:
        teams = list(reader.teams.values_list("pk", flat=True))
        return readable_by(disclosures().filter(actor__teams__in=teams).distinct(), reader)
    return AuditEntry.objects.none()


def _ids(queryset: Any) -> list[str]:
    return [str(pk) for pk in queryset]


def for_person(person: Person, reader: Any) -> list[Disclosure]:
    """Every disclosure that touched `person` (or a record merged into them) and names no
    record `reader` may not see: their dossier, a case or an evidence file of theirs, a
    tracing request of theirs, a bulk read that names them, and whole exports (which hold
    everyone their taker could see and are listed with that said)."""
    ids = [person.pk, *Person.objects.filter(merged_into=person).values_list("pk", flat=True)]
    cases = set(
        Case.persons.through.objects.filter(person_id__in=ids).values_list("case_id", flat=True)
    )
    cases |= set(
        Involvement.objects.filter(person__in=ids).values_list("event__case_id", flat=True)
    )
    events = Event.objects.filter(case__in=cases)
    evidence = Evidence.objects.filter(source__events__in=events).values_list("pk", flat=True)
    requests = TracingRequest.objects.filter(Q(requester__in=ids) | Q(sought__in=ids)).values_list(
        "pk", flat=True
    )
    touching = (
        Q(object_type="people.person", object_id__in=_ids(ids))
        | Q(object_type="cases.case", object_id__in=_ids(cases))
        | Q(object_type="cases.evidence", object_id__in=_ids(evidence))
        | Q(object_type="tracing.tracingrequest", object_id__in=_ids(requests))
    )
    # Bulk reads name the restricted and secret records they took (`watched`), as JSON
    # arrays of numbers: matched in the database by a pattern on the array's text, so the
    # log is not read into Python; whole exports hold everyone their taker could see.
    number = "|".join(str(pk) for pk in ids)
    pattern = rf"(^|[^0-9])({number})([^0-9]|$)"
    bulk = (
        Q(detail__what="export")
        | Q(detail__watched__persons__regex=pattern)
        | Q(**{"detail__watched__people.person__regex": pattern})
    )
    readable = readable_by(disclosures(), reader)
    entries = {entry.pk: entry for entry in readable.filter(touching)}
    entries.update({entry.pk: entry for entry in readable.filter(bulk, action=Action.EXPORT)})
    found = [Disclosure(entries[pk]) for pk in sorted(entries, reverse=True)]
    return found
