"""Tasks that run on their own every so often, queued by `docket worker`.

Each entry names a task and how often it is due; the worker queues it when
that much time has passed since it was last queued (kept in ScheduledRun, so
a restart neither skips nor repeats a run).
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from docket.models import ScheduledRun


@dataclass(frozen=True)
class Scheduled:
    name: str
    task: Any  # a django.tasks Task
    every: timedelta


def schedule() -> list[Scheduled]:
    from django.conf import settings

    from docket.audit.tasks import checkpoint_audit_log
    from docket.cases.tasks import verify_evidence_files
    from docket.letters.tasks import poll_mailbox, send_letter_reminders
    from docket.linkage.tasks import find_duplicate_persons, find_duplicates_of_new_persons
    from docket.privacy.tasks import expire_kept_exports

    entries = [
        Scheduled("verify evidence files", verify_evidence_files, timedelta(days=1)),
        Scheduled("send letter reminders", send_letter_reminders, timedelta(days=1)),
        Scheduled("checkpoint the audit log", checkpoint_audit_log, timedelta(days=1)),
        Scheduled("find duplicate persons", find_duplicate_persons, timedelta(days=1)),
        Scheduled("expire kept exports", expire_kept_exports, timedelta(days=1)),
        # Persons imported in bulk are not saved one by one through the services.
        Scheduled(
            "find duplicates of new persons", find_duplicates_of_new_persons, timedelta(minutes=10)
        ),
    ]
    if settings.MAILBOX:
        entries.append(Scheduled("poll the mailbox", poll_mailbox, timedelta(minutes=5)))
    return entries


def enqueue_due() -> list[str]:
    """Queue every scheduled task that is due; the names of those queued."""
    now = timezone.now()
    queued = []
    for entry in schedule():
        with transaction.atomic():
            run = ScheduledRun.objects.select_for_update().filter(name=entry.name).first()
            if run is not None and now - run.last_enqueued_at < entry.every:
                continue
            entry.task.enqueue()
            ScheduledRun.objects.update_or_create(
                name=entry.name, defaults={"last_enqueued_at": now}
            )
            queued.append(entry.name)
    return queued
