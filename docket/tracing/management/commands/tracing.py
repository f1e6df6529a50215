import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from docket.audit.log import record as audit
from docket.audit.models import Action
from docket.interchange.management.actors import reader
from docket.interchange.show import ShowFailed, find
from docket.tracing.consent import CONTACT_DETAILS, disclosure_for_reader
from docket.tracing.models import TracingRequest


class Command(BaseCommand):
    help = (
        "Tracing from the command line. `docket tracing requester-report REF` prints what the "
        "requester of a tracing request may be told today: only what the person sought has "
        "agreed to, and nothing once a consent is withdrawn."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        report = actions.add_parser(
            "requester-report", help="what the requester of a tracing request may be told"
        )
        report.add_argument("ref", help="an imported ref, TR-12, or Docket's number")
        report.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
        report.add_argument("--as", dest="username", help="whose view (see `docket show`)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        user = reader(options["username"])
        ref = options["ref"].removeprefix("TR-")
        try:
            request = find("tracing_requests", ref, TracingRequest.objects.visible_to(user))
        except ShowFailed as error:
            raise CommandError(str(error)) from None
        told = disclosure_for_reader(request, user, timezone.localdate())
        audit(Action.EXPORT, actor=user, target=request, detail={"requester_report": True})
        payload = told.as_json()
        if options["as_json"]:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{told.reference} for {told.requester}, as of {told.as_of}")
        self.stdout.write(told.statement)
        if told.whereabouts:
            self.stdout.write(f"Whereabouts: {told.whereabouts}")
        if told.contact_details:
            self.stdout.write(f"Contact: {told.contact_details}")
        elif CONTACT_DETAILS in told.withheld:
            self.stdout.write("Contact: held back (only those who may edit the person see it)")
        for message in told.messages:
            line = f"Message of {message.written_on}: delivered {message.delivered_on or '-'}"
            self.stdout.write(line + (f"; reply: {message.reply}" if message.reply else ""))
