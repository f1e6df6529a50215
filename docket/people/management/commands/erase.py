"""`docket erase PERSON_ID --reason TEXT --as USER`: erase a person's personal data for good."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from docket.interchange.management.actors import user_named
from docket.lib.access import get_visible
from docket.people import erasure
from docket.people.models import Person


class Command(BaseCommand):
    help = (
        "Erase a person (docs/data-protection.md): their data key is destroyed, so their "
        "sealed data is unreadable in every earlier backup too; their names and personal "
        "fields are removed from the record and its history; a tombstone stays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("person", help="the person's number")
        parser.add_argument("--reason", required=True, help="why (kept in the audit log)")
        parser.add_argument(
            "--as",
            dest="username",
            required=True,
            help="the coordinator of the owning team, or administrator, who erases",
        )

    def handle(self, *args: Any, person: str, reason: str, username: str, **options: Any) -> None:
        actor = user_named(username)
        try:
            found = get_visible(Person, actor, person, action="delete", via="cli")
            if found.erased:
                raise Http404
            erasure.erase_person(actor=actor, person=found, reason=reason)
        except Http404:
            raise CommandError(f"There is no person {person} that {username} may see.") from None
        except PermissionDenied as error:
            raise CommandError(f"{username} may not erase this person: {error}") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"Erased person #{found.pk}: their data key is destroyed. A data-keys file written "
            "before now (docket backup --data-keys) still holds it: write a new one and "
            "destroy the older."
        )
