"""`docket breach report --user NAME | --token ID --from DATE --to DATE [--json] [--as ADMIN]`."""

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.accounts.models import Role, User
from docket.api.models import ApiToken
from docket.audit.breach import breach_report
from docket.interchange.management.actors import reader


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Give a date such as 2026-11-30, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "List every record a user or API token could see in a window of days, and what the "
        "audit log says they read, for the notification a breach requires."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["report"])
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", help="the user name of the account concerned")
        who.add_argument("--token", type=int, help="the number of the API token concerned")
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--as",
            dest="username",
            help="the administrator who reads the report (may be left out when there is "
            "exactly one active administrator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        admin = reader(options["username"])
        if admin.role != Role.ADMINISTRATOR:
            raise CommandError(f"{admin.username} is not an administrator: only they run this.")
        start, end = _day(options["start"]), _day(options["end"])
        if end < start:
            raise CommandError("--to comes before --from.")
        token = None
        if options["token"] is not None:
            token = ApiToken.objects.select_related("user").filter(pk=options["token"]).first()
            if token is None:
                raise CommandError(f"There is no API token {options['token']}.")
            subject = token.user
        else:
            found = User.objects.filter(username=options["user"]).first()
            if found is None:
                raise CommandError(f"There is no user named {options['user']!r}.")
            subject = found
        report = breach_report(
            reader=admin, subject=subject, start_day=start, end_day=end, token=token
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=1, ensure_ascii=False))
            return
        self.stdout.write(
            f"Breach report for {report.subject}, {report.window_from} to {report.window_to}"
        )
        self.stdout.write(f"Role now: {report.role_now}; teams now: {', '.join(report.teams_now)}")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        self.stdout.write(f"\nCould see ({len(report.could_see)} records):")
        for item in report.could_see:
            label = item.label or "(not shown: you may not see this record)"
            self.stdout.write(f"  {item.kind} {item.id} [{item.level}, {item.team}] {label}")
        self.stdout.write(f"\nRead, by the audit log ({len(report.read)} entries):")
        for read in report.read:
            self.stdout.write(
                f"  {read.at} {read.action} {read.record_type} {read.record_id} "
                f"{json.dumps(read.detail, ensure_ascii=False)}"
            )
        if report.access_changes:
            self.stdout.write(f"\nChanges to the account's access ({len(report.access_changes)}):")
            for change in report.access_changes:
                self.stdout.write(
                    f"  {change.at} {change.action} {json.dumps(change.detail, ensure_ascii=False)}"
                )
