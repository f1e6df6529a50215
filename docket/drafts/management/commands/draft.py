"""`docket draft FILE`: the persons and events a letter or testimony reports, as JSON.

`--as USER` matches the persons against those USER may see and reads places of the
events USER may see (the read door); without it nothing recorded is matched, and only
country names and authorities (public bodies) are read. `--score DIR` scores the
drafter on an annotated corpus instead (docket.drafts.score).
"""

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from docket.drafts.extract import draft
from docket.drafts.matching import gazetteer_for, match_persons
from docket.drafts.reading import text_of
from docket.drafts.score import score_corpus
from docket.interchange.management.actors import user_named


class Command(BaseCommand):
    help = "Draft persons and events from a letter or testimony (text, PDF, DOCX or email)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path)
        parser.add_argument("--lang", choices=["en", "fa", "sq"], help="the text's language")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print JSON")
        parser.add_argument(
            "--as", dest="username", help="match persons among those this user may see"
        )
        parser.add_argument(
            "--score", type=Path, metavar="DIR", help="score the drafter on an annotated corpus"
        )

    def handle(
        self,
        *args: Any,
        file: Path | None,
        lang: str | None,
        as_json: bool,
        username: str | None,
        score: Path | None,
        **options: Any,
    ) -> None:
        if score is not None:
            if not score.is_dir():
                raise CommandError(f"{score} is not a folder.")
            self.stdout.write(json.dumps(score_corpus(score), ensure_ascii=False, indent=2))
            return
        if file is None:
            raise CommandError("Name the file to draft from, or --score DIR.")
        try:
            text = text_of(file.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        user = user_named(username) if username else None
        result = draft(text, language=lang, gazetteer=gazetteer_for(user))
        if user is not None:
            match_persons(result, user)
        payload = result.as_json()
        if as_json:
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        names = {person["ref"]: ", ".join(person["names"]) for person in payload["persons"]}
        for person in payload["persons"]:
            matched = f" (recorded person #{person['match']})" if person["match"] else ""
            self.stdout.write(f"{person['ref']}: {names[person['ref']]}{matched}")
        for event in payload["events"]:
            when = " to ".join(str(value) for value in (event["start"], event["end"]) if value)
            self.stdout.write(f"  {names[event['person']]}: {event['type']} {when}".rstrip())
