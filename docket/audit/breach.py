"""What a breached account or API token could have reached, for the notification a breach
requires (`docket breach report`).

Two lists for a window of days:

- **could see**: every record the user (a token's user, for a token) may see by the
  permission rule (`visible_to`), as it applies to their role and teams *now*, among the
  records that existed in the window (made before its end, not deleted before its
  start). Changes to their role or teams in the window are listed beside it from the
  audit log, so the reader knows when "now" differs from then;
- **read**: what the audit log says they actually took: every read of a restricted or
  secret record, every export, API list page and download in the window (reads of
  public and internal records one at a time are not logged, so "could see" is the
  honest bound for those).

The report is read by an administrator (`reader`), through the same rule: a record the
reader may not see is listed by its kind, number, level and team only, never by name,
and the report itself is a bulk read in the audit log.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from docket.accounts.models import User
from docket.audit.models import Action, AuditEntry
from docket.lib.access import note_bulk_read, watched_ids

# The kinds of record with a read rule of their own, and how each is named to a reader.
READ_ACTIONS = (Action.VIEW, Action.EXPORT, Action.DOWNLOAD)


def _kinds() -> list[tuple[str, Any]]:
    from docket.cases.models import Case, Event, Source
    from docket.letters.models import InboundMail, Letter
    from docket.people.models import Person
    from docket.tracing.models import TracingRequest

    return [
        ("person", Person),
        ("case", Case),
        ("event", Event),
        ("source", Source),
        ("letter", Letter),
        ("tracing_request", TracingRequest),
        ("inbound_mail", InboundMail),
    ]


@dataclass
class Item:
    kind: str
    id: int
    level: str
    team: str
    label: str  # empty when the report's reader may not see the record


@dataclass
class Read:
    at: str
    action: str
    record_type: str
    record_id: str
    detail: dict[str, Any]


@dataclass
class Report:
    subject: str
    window_from: str
    window_to: str
    role_now: str
    teams_now: list[str]
    could_see: list[Item] = field(default_factory=list)
    read: list[Read] = field(default_factory=list)
    access_changes: list[Read] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _moment(day: date, *, end: bool) -> datetime:
    moment = datetime.combine(day + timedelta(days=1) if end else day, time.min)
    return timezone.make_aware(moment)


def _existed(queryset: QuerySet[Any], start: datetime, end: datetime) -> QuerySet[Any]:
    names = {f.name for f in queryset.model._meta.get_fields()}
    made = "created_at" if "created_at" in names else "received_at"
    queryset = queryset.filter(**{f"{made}__lt": end})
    if "deleted_at" in names:
        queryset = queryset.filter(Q(deleted_at__isnull=True) | Q(deleted_at__gte=start))
    return queryset


def _label(item: Model) -> str:
    for attribute in ("display_name", "title", "subject"):
        value = getattr(item, attribute, None)
        if isinstance(value, str) and value:
            return value
    return str(item)


def _team_name(item: Model) -> str:
    owner = getattr(item, "case", None) or item
    team = getattr(owner, "team", None)
    return str(team.name) if team is not None else ""


def _level(item: Model) -> str:
    from docket.lib.access import level_of

    return level_of(item) or ""


def breach_report(
    *,
    reader: User,
    subject: User,
    start_day: date,
    end_day: date,
    token: Any = None,
) -> Report:
    """The report for `subject` (or `token`, one of theirs) from `start_day` to `end_day`
    inclusive, as `reader` (an administrator) may read it. Written in the audit log."""
    start, end = _moment(start_day, end=False), _moment(end_day, end=True)
    notes = []
    if token is not None:
        start = max(start, token.created_at)
        if token.revoked_at is not None:
            end = min(end, token.revoked_at)
        notes.append(
            "The audit log names the user a token acted for, not the token: the reads "
            "listed are every read of that user through the API in the window."
        )
    report = Report(
        subject=f"token #{token.pk} of {subject.username}" if token else subject.username,
        window_from=start.isoformat(),
        window_to=end.isoformat(),
        role_now=str(subject.role),
        teams_now=sorted(subject.teams.values_list("name", flat=True)),
        notes=notes,
    )
    watched: dict[str, list[int]] = {}
    for kind, model in _kinds():
        seen = _existed(model._default_manager.visible_to(subject), start, end)
        names = {f.name for f in model._meta.get_fields()}
        if "team" in names:
            seen = seen.select_related("team")
        if "case" in names:
            seen = seen.select_related("case__team")
        if "names" in names:
            seen = seen.prefetch_related("names")
        readable = set(model._default_manager.visible_to(reader).values_list("pk", flat=True))
        rows = list(seen.order_by("pk"))
        watched[kind] = watched_ids([row for row in rows if row.pk in readable])
        for row in rows:
            shown = row.pk in readable
            report.could_see.append(
                Item(kind, row.pk, _level(row), _team_name(row), _label(row) if shown else "")
            )
    reads = AuditEntry.objects.filter(
        actor=subject, at__gte=start, at__lt=end, action__in=READ_ACTIONS
    )
    if token is not None:
        reads = reads.filter(detail__via="api")
    for entry in reads.order_by("id"):
        report.read.append(
            Read(
                entry.at.isoformat(), entry.action, entry.object_type, entry.object_id, entry.detail
            )
        )
    changes = AuditEntry.objects.filter(
        object_type="accounts.user", object_id=str(subject.pk), at__gte=start, at__lt=end
    ).exclude(action__in=[Action.LOGIN, Action.LOGOUT, Action.LOGIN_FAILED])
    for entry in changes.order_by("id"):
        report.access_changes.append(
            Read(
                entry.at.isoformat(), entry.action, entry.object_type, entry.object_id, entry.detail
            )
        )
    if report.access_changes:
        report.notes.append(
            "The user's role or teams changed in the window (access_changes): 'could see' "
            "applies the rule to their role and teams now."
        )
    note_bulk_read(
        reader,
        via="cli",
        what="breach report",
        query={"subject": report.subject, "from": start_day.isoformat(), "to": end_day.isoformat()},
        count=len(report.could_see),
        watched=watched,
    )
    return report
