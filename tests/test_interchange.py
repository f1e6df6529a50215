"""The interchange format: import all or nothing, export what one may see, show with figures."""

import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from docket.accounts.models import Role, User
from docket.audit.models import AuditEntry
from docket.cases.models import Authority, Case, CustodyEntry, Event, Evidence
from docket.cases.services import read_evidence
from docket.interchange.files import FolderFiles
from docket.interchange.models import ImportedRef
from docket.interchange.validation import read_bundle
from docket.letters import services as letter_services
from docket.letters.models import Answer, Dispatch, Letter, Question, Response
from docket.people.models import Person

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
BUNDLE = DATA / "full_bundle.json"
EVIDENCE = ("detention-order.pdf", "testimony.txt")
OUR_APPS = {"people", "cases", "letters", "tracing", "interchange", "audit"}

# Every field of every collection, as INTERCHANGE.md lists them.
FORMAT_FIELDS = {
    "persons": {
        "ref",
        "names",
        "sex",
        "birth_date",
        "birth_place",
        "nationality",
        "status",
        "notes",
        "confidentiality",
    },
    "relationships": {"person", "relative", "kind"},
    "authorities": {
        "ref",
        "name",
        "country",
        "kind",
        "email",
        "address",
        "response_days",
        "working_days",
    },
    "cases": {"ref", "title", "persons", "summary", "status", "confidentiality", "team"},
    "events": {
        "ref",
        "case",
        "type",
        "start",
        "end",
        "place",
        "authority",
        "persons",
        "charged",
        "document",
        "destination",
        "description",
        "sources",
    },
    "sources": {"ref", "kind", "title", "given_by", "date", "url", "reliability", "files"},
    "letters": {
        "ref",
        "title",
        "to",
        "body",
        "cases",
        "questions",
        "sent_on",
        "channel",
        "published",
    },
    "responses": {"ref", "letter", "from", "received_on", "body", "answers"},
    "tracing_requests": {
        "ref",
        "requester",
        "sought",
        "relationship",
        "opened_on",
        "last_contact",
        "status",
    },
    "consents": {
        "ref",
        "person",
        "scope",
        "granted_to",
        "given_on",
        "expires_on",
        "withdrawn_on",
        "how",
    },
    "contact_attempts": {
        "ref",
        "tracing_request",
        "kind",
        "date",
        "outcome",
        "refused_by",
        "notes",
    },
}


def _command(*arguments: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*arguments, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(*arguments: str) -> tuple[str, str]:
    """Run a command that must fail; its error lines and its one-sentence summary."""
    err = io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command(*arguments, stdout=io.StringIO(), stderr=err)
    return err.getvalue(), str(refusal.value)


def _bundle_in(folder: Path, document: dict[str, Any], name: str = "bundle.json") -> Path:
    """Write a bundle with the test evidence files beside it."""
    for file_name in EVIDENCE:
        shutil.copy(DATA / file_name, folder / file_name)
    path = folder / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _full() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
    return document


def _import_full(*extra: str) -> str:
    out, _ = _command("import", str(BUNDLE), "--team", "Documentation", *extra)
    return out


def _export(tmp_path: Path, user: User, name: str = "export.json") -> dict[str, Any]:
    out = tmp_path / name
    _command("export", "--out", str(out), "--as", user.username)
    document: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return document


def _row_counts() -> dict[str, int]:
    """Rows of every Docket table the import may touch, history tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
    }


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_empty(item)
            for key, item in value.items()
            if item is not None and item != "" and item != []
        }
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """Content only: no empty fields, sets as sorted lists, records in a fixed order.

    Lists of refs are sets in Docket (a case's persons), so their order is not
    content; names and questions keep theirs (names rank, questions are numbered).
    Evidence paths differ by design: the export puts files in a folder of its own.
    """
    result: dict[str, Any] = {}
    for key, value in _without_empty(document).items():
        if not isinstance(value, list):
            result[key] = value
            continue
        for record in value:
            for field in ("persons", "to", "cases", "sources", "answers"):
                if field in record and all(isinstance(item, str) for item in record[field]):
                    record[field] = sorted(record[field])
            if key == "events" and "persons" in record:
                record["persons"].sort(key=lambda item: (item["person"], item["role"]))
            for entry in record.get("files", []):
                entry.pop("path")
        result[key] = sorted(value, key=lambda record: json.dumps(record, sort_keys=True))
    return result


def test_the_full_bundle_uses_every_field_of_every_collection():
    document = _full()

    assert set(document) == {"format", "version", *FORMAT_FIELDS}
    for collection, fields in FORMAT_FIELDS.items():
        used = set().union(*(record.keys() for record in document[collection]))
        assert fields <= used, f"{collection} does not use {fields - used}"
    events = document["events"]
    assert {"name", "country"} <= set().union(*(e["place"] for e in events if "place" in e))
    assert any(file for source in document["sources"] for file in source["files"])
    assert any(consent["granted_to"] == "public" for consent in document["consents"])


def test_a_bundle_imported_and_exported_comes_back_the_same(administrator, tmp_path):
    _import_full()

    exported = _export(tmp_path, administrator)

    assert _normalised(exported) == _normalised(_full())
    for source in exported["sources"]:
        for entry in source["files"]:
            copied = (tmp_path / entry["path"]).read_bytes()
            assert hashlib.sha256(copied).hexdigest() == entry["sha256"]
            assert entry["path"].startswith("export-files/")
    assert CustodyEntry.objects.filter(action="exported", actor=administrator).count() == 2
    assert AuditEntry.objects.filter(action="export", actor=administrator).count() == 1


def test_import_keeps_text_as_plain_text_and_files_as_evidence(team):
    _import_full()

    gholamreza = Person.objects.get(
        pk=ImportedRef.objects.get(collection="persons", ref="p1").object_id
    )
    assert "<b>Not bold</b> & <script>" in gholamreza.notes
    assert [name.name for name in gholamreza.names.all()][:2] == [
        "غلامرضا شکاری",
        "Gholamreza Shekari",
    ]
    order = Evidence.objects.get(name="detention-order.pdf")
    assert order.content_type == "application/pdf"
    assert order.size == (DATA / "detention-order.pdf").stat().st_size
    assert read_evidence(order) == (DATA / "detention-order.pdf").read_bytes()
    with order.file.open("rb") as stored:
        assert b"Detention order" not in stored.read()
    assert Evidence.objects.get(name="testimony.txt").content_type == "text/plain"
    assert CustodyEntry.objects.filter(action="added").count() == 2
    numbers = Question.objects.order_by("letter_id", "number").values_list("number", "text")
    assert list(numbers)[:3] == [
        (1, "On what legal basis is he held?"),
        (2, "When may his family visit him?"),
        (3, "Will you release the detention order?"),
    ]


def test_a_second_import_of_the_same_file_changes_nothing(team):
    _import_full()
    before = _row_counts()
    versions = sorted(Case.objects.values_list("version", flat=True))

    out = _import_full()

    assert _row_counts() == before
    assert sorted(Case.objects.values_list("version", flat=True)) == versions
    assert "0 records added, 0 changed, 29 unchanged" in out


def test_a_changed_record_is_updated_in_place_with_one_new_version(tmp_path, team):
    _import_full()
    document = _full()
    document["cases"][0]["title"] = "Detention of Gholamreza Shekari, now deported"
    document["persons"][0]["names"].pop()
    before = _row_counts()
    versions_before = Case.history.count()

    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")))

    case = Case.objects.get(pk=ImportedRef.objects.get(collection="cases", ref="c1").object_id)
    assert case.title == "Detention of Gholamreza Shekari, now deported"
    assert case.version == 2
    assert Case.history.count() == versions_before + 1
    assert Case.objects.count() == before["cases.Case"]
    assert Person.objects.get(cases=case, names__name="Gholamreza Shekari").names.count() == 5


def test_questions_are_numbered_in_the_files_order_again_after_a_change(tmp_path, team):
    document = _full()
    document["letters"][1]["questions"].append({"ref": "q6", "text": "Until when?"})
    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")), "--team", team.name)
    questions = document["letters"][1]["questions"]
    questions[0], questions[1] = questions[1], questions[0]
    questions.pop()

    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")))

    letter = ImportedRef.objects.get(collection="letters", ref="l2").object_id
    assert list(
        Question.objects.filter(letter=letter).order_by("number").values_list("number", "text")
    ) == [(1, "Who decided?"), (2, "Will the permit be renewed?")]
    assert not Question.objects.filter(text="Until when?").exists()


def _imported(collection: str, ref: str, source: str = "full_bundle.json") -> int:
    return ImportedRef.objects.get(source=source, collection=collection, ref=ref).object_id


def test_a_letter_becomes_one_copy_per_recipient_and_answers_per_reply(team):
    _import_full()

    letter = Letter.objects.get(pk=_imported("letters", "l1"))
    copies = [
        (copy.authority_id, copy.sent_on, copy.channel)
        for copy in letter.dispatches.order_by("authority_id")
    ]
    ministry, police = _imported("authorities", "a1"), _imported("authorities", "a2")
    assert copies == [
        (ministry, date(2022, 3, 1), "email"),
        (police, date(2022, 3, 1), "email"),
    ]
    assert len({copy.reference for copy in letter.dispatches.all()}) == 2
    answers = Answer.objects.filter(response=_imported("responses", "resp1"))
    assert sorted((answer.question.number, answer.status) for answer in answers) == [
        (1, "answered"),
        (3, "refused"),
    ]
    # A status no reply carries stays the question's own: the letter-wide fallback.
    assert dict(letter.questions.values_list("number", "status")) == {
        1: "unanswered",
        2: "unanswered",
        3: "unanswered",
    }
    draft = Letter.objects.get(pk=_imported("letters", "l2"))
    assert list(draft.dispatches.values_list("sent_on", "channel")) == [(None, "")]
    assert dict(draft.questions.values_list("number", "status")) == {1: "partial", 2: "not_held"}


def test_unanswered_in_the_file_means_answered_by_a_reply_that_lists_it(tmp_path, team):
    document = _full()
    document["responses"][0]["answers"] = ["q1", "q2"]

    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")), "--team", team.name)

    answers = Answer.objects.filter(response=_imported("responses", "resp1"))
    assert sorted((answer.question.number, answer.status) for answer in answers) == [
        (1, "answered"),
        (2, "answered"),
    ]


def test_a_changed_sending_date_changes_every_copy_in_place(tmp_path, team):
    _import_full()
    document = _full()
    document["letters"][0]["sent_on"] = "2022-03-02"
    document["letters"][0]["channel"] = "post"
    document["letters"][0]["questions"][2]["status"] = "not_held"
    before = _row_counts()
    letter = _imported("letters", "l1")
    references = set(Dispatch.objects.filter(letter=letter).values_list("reference", flat=True))

    out, _ = _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")))

    assert set(Dispatch.objects.filter(letter=letter).values_list("sent_on", "channel")) == {
        (date(2022, 3, 2), "post")
    }
    # The same copies, with their reply references: replies still find them.
    assert (
        set(Dispatch.objects.filter(letter=letter).values_list("reference", flat=True))
        == references
    )
    assert Answer.objects.get(question__number=3, question__letter=letter).status == "not_held"
    after = _row_counts()
    assert after["letters.Dispatch"] == before["letters.Dispatch"]
    assert after["letters.HistoricalDispatch"] == before["letters.HistoricalDispatch"] + 2
    assert after["letters.HistoricalAnswer"] == before["letters.HistoricalAnswer"] + 1
    assert "2 changed" in out


def test_a_recipient_left_out_of_the_file_loses_its_copy_not_yet_sent(tmp_path, team):
    document = _full()
    document["letters"][1]["to"] = ["a3", "a2"]
    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")), "--team", team.name)
    document["letters"][1]["to"] = ["a3"]

    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")))

    letter = Letter.objects.get(pk=_imported("letters", "l2"))
    assert list(letter.dispatches.values_list("authority", flat=True)) == [
        _imported("authorities", "a3")
    ]


def test_a_copy_already_sent_cannot_be_taken_back_by_an_import(tmp_path, team):
    _import_full()
    dropped = _full()
    dropped["letters"][0]["to"] = ["a1"]
    unsent = _full()
    unsent["letters"][0]["sent_on"] = None
    before = _row_counts()

    first, _ = _refused("import", str(_bundle_in(tmp_path, dropped, "full_bundle.json")))
    second, _ = _refused("import", str(_bundle_in(tmp_path, unsent, "full_bundle.json")))

    expected = 'letters[0]: letter "l1": a copy already sent cannot be taken back.'
    assert first.strip().splitlines()[-1] == second.strip().splitlines()[-1] == expected
    assert _row_counts() == before


def test_a_reply_from_an_authority_the_letter_did_not_go_to_is_refused(tmp_path, team):
    document = _full()
    document["responses"][0]["from"] = "a3"
    document["letters"][1]["questions"][0]["status"] = "ignored"

    errors, _ = _refused("import", str(_bundle_in(tmp_path, document)), "--team", team.name)

    assert errors.strip().splitlines() == [
        "letters[1].questions[0].status: not one of unanswered, answered, partial, refused, "
        'not_held: "ignored"',
        'responses[0].from: authority "a3" is not one the letter "l1" went to (its to)',
    ]
    assert not Letter.objects.exists()


def test_a_reply_to_a_letter_imported_earlier_must_come_from_a_recipient(tmp_path, team):
    _import_full()
    later = {
        "format": "docket",
        "version": 1,
        "responses": [
            {"ref": "r2", "letter": "l1", "from": "a2", "received_on": "2022-05-02"},
            {"ref": "r3", "letter": "l1", "from": "a3", "received_on": "2022-05-03"},
        ],
    }
    path = _bundle_in(tmp_path, later, "later.json")

    errors, _ = _refused("import", str(path), "--source", "full_bundle.json")
    del later["responses"][1]
    _command(
        "import", str(_bundle_in(tmp_path, later, "later.json")), "--source", "full_bundle.json"
    )

    assert errors.strip() == (
        'responses[1].from: authority "a3" is not one the letter "l1" went to (its to)'
    )
    assert Response.objects.filter(letter=_imported("letters", "l1")).count() == 2


def test_export_gives_the_first_copy_and_the_best_status_of_any_recipient(
    administrator, team, tmp_path
):
    ministry = Authority.objects.create(name="Ministry of the Interior (fictional)")
    police = Authority.objects.create(name="Border Police (fictional)")
    letter = letter_services.create_letter(
        actor=administrator,
        title="Open letter on the detention of Gholamreza Shekari",
        recipients=[ministry, police],
        questions=["On what legal basis is he held?", "When may his family visit him?", "Why?"],
    )
    letter_services.send_copies(
        actor=administrator,
        letter=letter,
        channel="post",
        authorities=[police],
        sent_on=date(2024, 3, 4),
    )
    letter_services.send_copies(
        actor=administrator, letter=letter, channel="hand", sent_on=date(2024, 3, 1)
    )
    letter_services.record_reply(
        actor=administrator,
        letter=letter,
        authority=police,
        received_on=date(2024, 3, 20),
        answers={1: "partial", 2: "ignored"},
    )
    letter_services.record_reply(
        actor=administrator,
        letter=letter,
        authority=ministry,
        received_on=date(2024, 3, 25),
        answers={1: "answered", 3: "refused"},
    )

    exported = _export(tmp_path, administrator)

    [letter_record] = exported["letters"]
    assert (letter_record["sent_on"], letter_record["channel"]) == ("2024-03-01", "hand")
    assert len(letter_record["to"]) == 2
    assert [question["status"] for question in letter_record["questions"]] == [
        "answered",
        "unanswered",
        "refused",
    ]
    questions = [question["ref"] for question in letter_record["questions"]]
    # An ignored question is not among what a reply answered.
    assert [response["answers"] for response in exported["responses"]] == [
        [questions[0]],
        [questions[0], questions[2]],
    ]
    read_bundle(exported, source="elsewhere", files=FolderFiles(tmp_path), team=team)


def test_import_never_lowers_a_records_confidentiality(tmp_path, team):
    _import_full()
    document = _full()
    document["cases"][0]["confidentiality"] = "public"

    _command("import", str(_bundle_in(tmp_path, document, "full_bundle.json")))

    assert Case.objects.get(title__startswith="Detention of").confidentiality == "restricted"


def test_a_broken_bundle_is_refused_whole_with_every_error_named(administrator, tmp_path):
    _import_full()
    document = _full()
    document["colour"] = "blue"
    document["persons"][1]["names"][0]["script"] = "klingon"
    document["cases"][1]["team"] = "Nobody"
    document["events"][0]["start"] = "31/02/2020"
    document["events"][1]["case"] = "c404"
    document["events"][2]["type"] = "kidnapping"
    document["sources"][1]["files"][0]["sha256"] = "0" * 64
    document["letters"][0]["questions"][1]["ref"] = "q1"
    document["letters"][0]["sent_on"] = "2022-03"
    document["consents"][0]["granted_to"] = "p99"
    path = _bundle_in(tmp_path, document, "broken.json")
    before = _row_counts()

    errors, summary = _refused("import", str(path), "--team", "Documentation")

    lines = errors.strip().splitlines()
    expected = [
        'colour: unknown top-level key "colour"',
        'persons[1].names[0].script: not one of latin, persian, arabic, cyrillic, other: "klingon"',
        'cases[1].team: no team named "Nobody"',
        'events[0].start: not a date: "31/02/2020"',
        'events[1].case: no case with ref "c404" in this file or imported earlier from "broken.',
        "events[2].type: not one of detention, release, transfer, deportation, return, entry_",
        "sources[1].files[0].sha256: does not match the file",
        'letters[0].questions[1].ref: "q1" is used twice in questions (also letters[0].question',
        'letters[0].sent_on: needs a whole date (YYYY-MM-DD, not approximate): "2022-03"',
        'consents[0].granted_to: no person with ref "p99" in this file or imported earlier',
    ]
    for start in expected:
        assert any(line.startswith(start) for line in lines), f"{start!r} not in {lines}"
    assert len(lines) == len(expected)
    assert summary == f"Nothing was imported: the file has {len(expected)} errors, listed above."
    assert _row_counts() == before


def test_a_broken_bundle_leaves_an_empty_database_empty(tmp_path, team):
    document = _full()
    document["events"][3]["persons"][0]["role"] = "bystander"
    before = _row_counts()

    errors, _ = _refused("import", str(_bundle_in(tmp_path, document)), "--team", team.name)

    assert errors.strip() == (
        "events[3].persons[0].role: not one of victim, perpetrator, witness, family, "
        'intervener: "bystander"'
    )
    assert _row_counts() == before
    assert not Evidence.objects.exists()


def test_format_and_version_are_checked(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"format": "csv", "version": 2, "persons": {}}))

    errors, _ = _refused("import", str(path))

    assert errors.strip().splitlines() == [
        'format: not "docket": "csv"',
        "version: this Docket reads version 1, not 2",
        "persons: not a list: {}",
    ]


def test_a_file_that_is_not_json_is_one_sentence(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"format": "docket",')

    errors, summary = _refused("import", str(path))

    assert errors.strip().startswith("notes.json is not valid JSON: ")
    assert summary == "Nothing was imported: the file has 1 error, listed above."


def test_a_file_outside_the_bundles_folder_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for export")
    folder = tmp_path / "bundle"
    folder.mkdir()
    digest = hashlib.sha256(secret.read_bytes()).hexdigest()
    document = {
        "format": "docket",
        "version": 1,
        "sources": [
            {
                "ref": "s1",
                "title": "Trying to read outside",
                "files": [{"name": "secret.txt", "sha256": digest, "path": "../secret.txt"}],
            }
        ],
    }
    (folder / "bundle.json").write_text(json.dumps(document))

    errors, _ = _refused("import", str(folder / "bundle.json"))

    assert errors.strip() == (
        'sources[0].files[0].path: not a path inside the bundle\'s folder: "../secret.txt"'
    )


def test_evidence_of_a_refused_type_is_an_error_at_its_path(tmp_path):
    program = b"\x7fELF\x02\x01\x01" + bytes(64)
    (tmp_path / "tool").write_bytes(program)
    document = {
        "format": "docket",
        "version": 1,
        "sources": [
            {
                "ref": "s1",
                "title": "A program, not a document",
                "files": [
                    {
                        "name": "tool",
                        "sha256": hashlib.sha256(program).hexdigest(),
                        "path": "tool",
                    }
                ],
            }
        ],
    }
    (tmp_path / "bundle.json").write_text(json.dumps(document))

    errors, _ = _refused("import", str(tmp_path / "bundle.json"))

    assert errors.strip().startswith(
        "sources[0].files[0].path: files of this type (application/x-executable) cannot be kept"
    )


def test_refs_imported_earlier_from_the_same_source_resolve(tmp_path, team):
    _import_full()
    later = {
        "format": "docket",
        "version": 1,
        "events": [{"ref": "e9", "case": "c1", "type": "release", "start": "2022-01-05"}],
    }
    path = _bundle_in(tmp_path, later, "later.json")

    _command("import", str(path), "--source", "full_bundle.json")
    errors, _ = _refused("import", str(path))

    assert Event.objects.filter(case__title__startswith="Detention of").count() == 4
    assert errors.strip() == (
        'events[0].case: no case with ref "c1" in this file or imported earlier from "later.json"'
    )


def test_an_outsider_cannot_add_to_a_case_they_may_not_see(tmp_path, team, outsider):
    _import_full()
    later = {
        "format": "docket",
        "version": 1,
        "events": [{"ref": "e9", "case": "c1", "type": "release", "start": "2022-01-05"}],
    }
    path = _bundle_in(tmp_path, later, "later.json")

    errors, _ = _refused(
        "import", str(path), "--source", "full_bundle.json", "--as", outsider.username
    )

    assert errors.strip().startswith('events[0].case: no case with ref "c1"')


def test_a_documenter_imports_into_their_own_team(documenter, team, tmp_path):
    # Publishing is a coordinator's step (tests/test_import_door.py), so the draft's copy.
    document = _full()
    document["letters"][0]["published"] = False
    _command("import", str(_bundle_in(tmp_path, document)), "--as", documenter.username)

    assert set(Person.objects.values_list("team", flat=True)) == {team.pk}
    assert Case.objects.filter(created_by=documenter).count() == 3
    assert Case.history.filter(history_user=documenter).count() >= 3
    assert AuditEntry.objects.filter(action="create", actor=documenter).count() >= 29
    assert AuditEntry.objects.filter(action="import", actor=documenter).count() == 1


def test_a_viewer_may_not_import(viewer):
    errors, _ = _refused("import", str(BUNDLE), "--as", viewer.username)

    assert errors.strip() == "behrouz.asadi may not add or change records (viewer)."
    assert not Person.objects.exists()


def test_an_outsider_may_not_import_into_our_team(outsider, team):
    errors, _ = _refused("import", str(BUNDLE), "--team", team.name, "--as", outsider.username)

    assert "You can only import into one of your own teams" in errors
    assert not Person.objects.exists()


def test_an_unknown_team_is_refused_before_reading(team):
    _, summary = _refused("import", str(BUNDLE), "--team", "Nobody")

    assert summary == "There is no team named 'Nobody'; create it first."


def test_export_as_an_outsider_leaves_out_our_restricted_and_secret_cases(
    administrator, outsider, tmp_path
):
    _import_full()

    exported = _export(tmp_path, outsider)

    assert [case["ref"] for case in exported["cases"]] == ["c2"]
    assert [event["ref"] for event in exported["events"]] == ["e4", "e5"]
    assert [person["ref"] for person in exported["persons"]] == ["p2", "p3"]
    assert exported["sources"] == []
    assert exported["tracing_requests"] == []
    assert exported["consents"] == []
    assert [letter["ref"] for letter in exported["letters"]] == ["l1", "l2"]
    assert exported["letters"][0]["cases"] == []
    assert all(event["sources"] == [] for event in exported["events"])
    assert not (tmp_path / "export-files").exists()
    # What the outsider got still imports cleanly on its own.
    read_bundle(exported, source="elsewhere", files=FolderFiles(tmp_path))


def test_export_as_our_administrator_includes_them(administrator, tmp_path):
    _import_full()

    exported = _export(tmp_path, administrator)

    assert [case["ref"] for case in exported["cases"]] == ["c1", "c2", "c3"]
    assert len(exported["events"]) == 6


def test_records_made_in_docket_export_under_refs_of_their_own(administrator, tmp_path):
    _import_full()
    ImportedRef.objects.filter(collection="cases", ref="c2").delete()

    exported = _export(tmp_path, administrator)

    case = Case.objects.get(title__startswith="Shekari family")
    own = f"docket:cases:{case.pk}"
    assert own in [case["ref"] for case in exported["cases"]]
    assert {event["case"] for event in exported["events"]} == {"c1", own, "c3"}


def test_refs_stay_unique_when_two_sources_used_the_same_ones(administrator, team, tmp_path):
    _import_full("--source", "one")
    _import_full("--source", "two")

    exported = _export(tmp_path, administrator)

    for collection, records in exported.items():
        if isinstance(records, list):
            refs = [record["ref"] for record in records if "ref" in record]
            assert len(refs) == len(set(refs)), collection
    persons = [person["ref"] for person in exported["persons"]]
    assert persons[:4] == ["p1", "p2", "p3", "p4"]
    assert all(ref.startswith("docket:persons:") for ref in persons[4:])
    read_bundle(exported, source="elsewhere", files=FolderFiles(tmp_path), team=team)


def test_export_needs_as_unless_there_is_exactly_one_administrator(administrator, tmp_path):
    _import_full()
    out = tmp_path / "alone.json"

    _command("export", "--out", str(out))
    User.objects.create_user("second.admin", role=Role.ADMINISTRATOR)
    _, summary = _refused("export", "--out", str(tmp_path / "two.json"))

    assert len(json.loads(out.read_text())["cases"]) == 3
    assert summary.startswith("Say whose view to show with --as USERNAME")


def test_show_person_gives_the_figures(administrator):
    _import_full()

    out, _ = _command(
        "show", "person", "p1", "--json", "--as-of", "2021-01-01", "--as", administrator.username
    )

    shown = json.loads(out)
    assert shown["ref"] == "p1"
    assert shown["record"]["names"][1]["name"] == "Gholamreza Shekari"
    figures = shown["figures"]
    assert {
        "current_status",
        "days_detained_total",
        "days_detained_without_charge",
        "years_without_family_contact",
        "rights_at_stake",
    } <= set(figures)
    assert figures["current_status"] == "detained"
    assert figures["days_detained_total"] == 610
    assert figures["years_without_family_contact"] == 0.1


def test_show_case_gives_each_persons_figures_and_events_in_date_order(administrator):
    _import_full()

    out, _ = _command("show", "case", "c1", "--json", "--as", administrator.username)

    figures = json.loads(out)["figures"]
    assert set(figures["persons"]) == {"p1", "p4"}
    assert [event["ref"] for event in figures["events"]] == ["e1", "e2", "e3"]
    assert "ICCPR 9" in figures["rights_at_stake"]


def test_show_letter_and_authority_give_their_figures(administrator):
    _import_full()

    letter = json.loads(_command("show", "letter", "l1", "--json", "--as-of", "2022-04-20")[0])[
        "figures"
    ]
    authority = json.loads(
        _command("show", "authority", "a1", "--json", "--as-of", "2022-06-01")[0]
    )["figures"]

    # The border police count ten working days, and 14 March is Albania's Summer Day.
    assert letter["due_on"] == "2022-03-16"
    assert letter["days_since_sent"] == 50
    assert [
        (recipient["authority"], recipient["due_on"], recipient["replies"])
        for recipient in letter["recipients"]
    ] == [("a2", "2022-03-16", 0), ("a1", "2022-03-31", 1)]
    # The ministry answered the first question and refused the third; the police said nothing.
    assert [(q["number"], q["status"], q["overdue"]) for q in letter["questions"]] == [
        (1, "answered", True),
        (2, "unanswered", True),
        (3, "refused", True),
    ]
    assert [
        [(r["authority"], r["status"], r["overdue"]) for r in question["recipients"]]
        for question in letter["questions"]
    ][0] == [("a2", "unanswered", True), ("a1", "answered", False)]
    assert letter["overdue_questions"] == 3
    assert [r["overdue_questions"] for r in letter["recipients"]] == [3, 1]
    assert authority == {
        "letters_received": 1,
        "questions_asked": 3,
        "answered": 1,
        "partial": 0,
        "refused": 1,
        "not_held": 0,
        "overdue": 1,
        "share_answered": 0.333,
        "median_days_to_answer": 45.0,
    }


def test_show_hides_what_the_reader_may_not_see(administrator, outsider):
    _import_full()

    _, summary = _refused("show", "person", "p1", "--json", "--as", outsider.username)

    assert summary == "There is no person 'p1' that you may see."


def test_show_says_when_a_ref_names_records_of_several_sources(administrator):
    _import_full("--source", "one")
    _import_full("--source", "two")

    _, summary = _refused("show", "person", "p2", "--as", administrator.username)
    first = ImportedRef.objects.get(source="one", collection="persons", ref="p2").object_id
    out, _ = _command("show", "person", str(first), "--json", "--as", administrator.username)

    assert summary.startswith("'p2' names 2 different persons imported from 'one', 'two'")
    assert json.loads(out)["id"] == first


def test_the_command_refuses_a_broken_bundle_in_sentences(docket_command, tmp_path):
    broken = {
        "format": "docket",
        "version": 1,
        "colour": "blue",
        "events": [{"ref": "e1", "case": "c9", "type": "detention", "start": "31/02/2020"}],
    }
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))

    result = docket_command("import", str(path))

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert [line for line in lines if not line.startswith("Preparing the database")] == [
        'colour: unknown top-level key "colour"; the format\'s collections are persons, '
        "relationships, authorities, cases, events, sources, letters, responses, "
        "tracing_requests, consents, contact_attempts",
        'events[0].start: not a date: "31/02/2020"',
        'events[0].case: no case with ref "c9" in this file or imported earlier from "broken.json"',
        "CommandError: Nothing was imported: the file has 3 errors, listed above.",
    ]


def test_the_command_imports_exports_and_shows_for_real(docket_command, tmp_path):
    docket_command("createadmin")
    docket_command(
        "shell",
        "-c",
        "from docket.accounts.models import Team, User; "
        "User.objects.get(username='admin').teams.add(Team.objects.create(name='Documentation'))",
    )

    first = docket_command("import", str(BUNDLE), "--team", "Documentation")
    second = docket_command("import", str(BUNDLE), "--team", "Documentation")
    export = docket_command("export", "--out", str(tmp_path / "out.json"))
    shown = docket_command("show", "person", "p1", "--json", "--as-of", "2021-01-01")

    assert first.returncode == 0, first.stderr
    assert "29 records added" in first.stdout
    assert "contact attempts: 2 of 2" in first.stderr
    assert "0 records added, 0 changed, 29 unchanged" in second.stdout
    assert export.returncode == 0, export.stderr
    exported = json.loads((tmp_path / "out.json").read_text())
    assert _normalised(exported) == _normalised(_full())
    assert json.loads(shown.stdout)["figures"]["current_status"] == "detained"
