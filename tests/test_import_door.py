"""`docket import --as` is one more door in, with the same rules as the pages and the API.

The importer calls the write services' rules (docket/*/services.py): who may
change what, who may publish, a sent letter is fixed, a withdrawal is never
undone, a record always has an owning team. Each role imports the same hostile
bundles against records of another team, and nothing forbidden is written or
revealed.
"""

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from docket.accounts.models import Role, Team, User
from docket.audit.models import AuditEntry
from docket.cases.models import Case, Event
from docket.interchange.models import ImportedRef
from docket.letters.models import Letter
from docket.tracing import services as tracing_services
from docket.tracing.models import Consent, TracingRequest

pytestmark = pytest.mark.django_db

SOURCE = "partner.json"
SECRET_TITLE = "Secret fictional dossier of Kian Azadi"
OUR_APPS = {"people", "cases", "letters", "tracing", "interchange"}


def _header(**collections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": "docket", "version": 1, **collections}


AUTHORITY = {"ref": "a1", "name": "Ministry of the Interior (fictional)", "kind": "ministry"}
SENT = {
    "ref": "lsent",
    "title": "Open letter on the camp",
    "to": ["a1"],
    "body": "We write about the camp.",
    "questions": [{"ref": "q1", "text": "Who is held there?"}],
    "sent_on": "2022-03-01",
    "channel": "post",
}
DRAFT = {
    "ref": "ldraft",
    "title": "Draft letter on visits",
    "to": ["a1"],
    "questions": [{"ref": "q2", "text": "When may families visit?"}],
}
WHEREABOUTS = {
    "ref": "k1",
    "person": "prestricted",
    "scope": "share_whereabouts",
    "granted_to": "prequester",
    "given_on": "2021-02-01",
    "how": "written",
}
BASE = _header(
    persons=[
        {"ref": "psecret", "names": [{"name": "Kian Azadi"}], "confidentiality": "secret"},
        {"ref": "prestricted", "names": [{"name": "Dara Rahimi"}], "confidentiality": "restricted"},
        {"ref": "prequester", "names": [{"name": "Mina Rahimi"}], "confidentiality": "internal"},
    ],
    authorities=[AUTHORITY],
    cases=[
        {
            "ref": "csecret",
            "title": SECRET_TITLE,
            "persons": ["psecret"],
            "confidentiality": "secret",
        }
    ],
    letters=[SENT, DRAFT],
    tracing_requests=[{"ref": "t1", "requester": "prequester", "sought": "prestricted"}],
    consents=[WHEREABOUTS],
)

# Each hostile bundle, imported under the same source as BASE, so its refs reach BASE's records.
ATTACKS: dict[str, dict[str, Any]] = {
    "rename_secret_case": _header(
        cases=[
            {
                "ref": "csecret",
                "title": "Renamed",
                "persons": ["psecret"],
                "confidentiality": "secret",
            }
        ]
    ),
    "event_on_secret_case": _header(
        events=[{"ref": "e9", "case": "csecret", "type": "release", "start": "2022-01-05"}]
    ),
    "consent_of_restricted_person": _header(
        consents=[
            {
                "ref": "k9",
                "person": "prestricted",
                "scope": "share_contact",
                "granted_to": "public",
                "given_on": "2022-01-01",
                "how": "written",
            }
        ]
    ),
    "publish_draft": _header(letters=[DRAFT | {"published": True}]),
    "rewrite_sent_letter": _header(letters=[SENT | {"body": "We never wrote about the camp."}]),
}

# Which attacks each role's import may carry out; every other one is refused whole.
# The base records belong to another team than the personas', except the outsider's.
ALLOWED = {
    # Restricted records of any team are the administrator's to change, secret ones are not.
    "administrator": {"consent_of_restricted_person", "publish_draft"},
    "coordinator": set(),
    "documenter": set(),
    "viewer": set(),
    # The owning team's documenter: may change its records, may not publish, and nobody
    # rewrites a letter that has gone out.
    "outsider": {"rename_secret_case", "event_on_secret_case", "consent_of_restricted_person"},
}


def _write(folder: Path, document: dict[str, Any], name: str) -> Path:
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _import(path: Path, *arguments: str) -> tuple[bool, str]:
    """Import a bundle; whether it went in, and everything the command wrote."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import", str(path), "--source", SOURCE, *arguments, stdout=out, stderr=err)
    except CommandError as refusal:
        return False, out.getvalue() + err.getvalue() + str(refusal)
    return True, out.getvalue() + err.getvalue()


def _rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
    }


def _imported(collection: str, ref: str) -> int:
    return ImportedRef.objects.get(source=SOURCE, collection=collection, ref=ref).object_id


@pytest.fixture
def base(tmp_path: Path, other_team: Team) -> Path:
    """The other team's records, imported by the system (as a partner's file would be)."""
    done, output = _import(_write(tmp_path, BASE, "base.json"), "--team", other_team.name)
    assert done, output
    return tmp_path


ROLES = ["administrator", "coordinator", "documenter", "viewer", "outsider"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_imports_only_what_its_pages_would_let_it_write(request, base, role):
    actor: User = request.getfixturevalue(role)
    for name, attack in ATTACKS.items():
        before = _rows()
        done, output = _import(_write(base, attack, f"{name}.json"), "--as", actor.username)

        assert done == (name in ALLOWED[role]), f"{role} {name}: {output}"
        if not done:
            assert _rows() == before, f"{role} {name} wrote something"
            assert "Nothing was imported" in output
        # Nobody outside the owning team learns the secret case's title, not even by error.
        if role != "outsider":
            assert SECRET_TITLE not in output
    secret_case = Case.objects.get(pk=_imported("cases", "csecret"))
    assert (secret_case.title == SECRET_TITLE) == (role != "outsider")
    assert Letter.objects.get(pk=_imported("letters", "lsent")).body == SENT["body"]
    assert Letter.objects.get(pk=_imported("letters", "ldraft")).published == (
        role == "administrator"
    )


def test_a_secret_case_answers_an_outsiders_import_as_a_missing_one(base, coordinator):
    missing = _header(
        events=[{"ref": "e9", "case": "cnothing", "type": "release", "start": "2022-01-05"}]
    )

    _, hidden = _import(
        _write(base, ATTACKS["event_on_secret_case"], "hidden.json"), "--as", coordinator.username
    )
    _, absent = _import(_write(base, missing, "absent.json"), "--as", coordinator.username)

    assert hidden.replace("csecret", "X") == absent.replace("cnothing", "X")


def test_a_documenter_may_not_publish_a_letter_by_import(base, outsider):
    done, output = _import(
        _write(base, ATTACKS["publish_draft"], "publish.json"), "--as", outsider.username
    )

    assert not done
    assert (
        'letters[0]: letter "ldraft": only a coordinator of the owning team may publish a letter.'
        in output.splitlines()
    )
    assert not Letter.objects.get(pk=_imported("letters", "ldraft")).published


def test_a_coordinator_of_the_owning_team_publishes_by_import(base, other_team):
    coordinator = User.objects.create_user(username="omid.farahani", role=Role.COORDINATOR)
    coordinator.teams.add(other_team)

    done, output = _import(
        _write(base, ATTACKS["publish_draft"], "publish.json"), "--as", coordinator.username
    )

    assert done, output
    letter = Letter.objects.get(pk=_imported("letters", "ldraft"))
    assert letter.published and letter.published_at is not None
    assert AuditEntry.objects.filter(action="publish", actor=coordinator).count() == 1


def test_a_letter_already_sent_cannot_be_rewritten_by_import(base, outsider):
    new_question = SENT | {"questions": [{"ref": "q1", "text": "Who decided to hold them?"}]}

    body_done, body_output = _import(
        _write(base, ATTACKS["rewrite_sent_letter"], "body.json"), "--as", outsider.username
    )
    question_done, question_output = _import(
        _write(base, _header(letters=[new_question]), "question.json"), "--as", outsider.username
    )
    system_done, _ = _import(_write(base, _header(letters=[new_question]), "system.json"))

    sentence = (
        'letters[0]: letter "lsent": this letter has been sent: its text and questions can '
        "no longer change."
    )
    assert not body_done and sentence in body_output.splitlines()
    assert not question_done and sentence in question_output.splitlines()
    assert not system_done  # the rule is the letter's, not the importer's role
    letter = Letter.objects.get(pk=_imported("letters", "lsent"))
    assert letter.body == SENT["body"]
    assert list(letter.questions.values_list("text", flat=True)) == ["Who is held there?"]


def test_a_withdrawal_recorded_in_docket_survives_importing_the_file_again(base, outsider):
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t1"))
    consent = Consent.objects.get(pk=_imported("consents", "k1"))
    tracing_services.withdraw_consent(
        actor=outsider, request=request, consent=consent, on=date(2023, 5, 1)
    )
    before = _rows()

    done, output = _import(base / "base.json", "--as", outsider.username)

    assert done, output
    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2023, 5, 1)
    assert _rows() == before
    assert "0 records added, 0 changed" in output


def test_an_import_only_brings_a_withdrawal_earlier_and_never_rewrites_a_consent(base):
    earlier = WHEREABOUTS | {"withdrawn_on": "2022-06-01", "expires_on": "2030-01-01"}
    later = WHEREABOUTS | {"withdrawn_on": "2024-01-01"}
    moved = WHEREABOUTS | {"given_on": "2024-01-02"}

    _import(_write(base, _header(consents=[earlier]), "earlier.json"))
    _import(_write(base, _header(consents=[later]), "later.json"))
    done, output = _import(_write(base, _header(consents=[moved]), "moved.json"))

    consent = Consent.objects.get(pk=_imported("consents", "k1"))
    assert consent.withdrawn_on == date(2022, 6, 1)
    assert consent.given_on == date(2021, 2, 1)
    assert not done
    assert (
        'consents[0]: consent "k1": who gave this consent, to whom, for what and on which day '
        "cannot change; record a new consent instead." in output.splitlines()
    )


def test_an_import_refuses_a_consent_given_in_the_future(base):
    future = WHEREABOUTS | {"ref": "k2", "given_on": "2999-01-01"}

    done, output = _import(_write(base, _header(consents=[future]), "future.json"))

    assert not done
    assert 'consents[0]: consent "k2": a consent cannot be given in the future.' in output


def test_an_import_as_someone_of_no_team_must_name_one(tmp_path, team):
    lone = User.objects.create_user(username="arash.kamali", role=Role.ADMINISTRATOR)
    bundle = _write(tmp_path, _header(authorities=[AUTHORITY], letters=[DRAFT]), "lone.json")

    refused, output = _import(bundle, "--as", lone.username)
    filed, _ = _import(bundle, "--as", lone.username, "--team", team.name)

    assert not refused
    assert 'letters[0]: letter "ldraft" needs an owning team' in output
    assert filed
    assert Letter.objects.get().team == team


def test_an_import_never_lowers_confidentiality_and_says_so(base, outsider):
    lowered = _header(
        cases=[
            {
                "ref": "csecret",
                "title": SECRET_TITLE,
                "persons": ["psecret"],
                "confidentiality": "public",
            }
        ]
    )

    done, output = _import(_write(base, lowered, "lowered.json"), "--as", outsider.username)

    assert done
    assert Case.objects.get(pk=_imported("cases", "csecret")).confidentiality == "secret"
    assert "1 record keeps the stricter confidentiality recorded in Docket (cases[0])" in output
    assert not Event.objects.exists()


def test_an_import_that_raises_confidentiality_says_so(base, outsider):
    raised = _header(
        persons=[
            {"ref": "prequester", "names": [{"name": "Mina Rahimi"}], "confidentiality": "secret"}
        ]
    )

    done, output = _import(_write(base, raised, "raised.json"), "--as", outsider.username)

    assert done
    assert "1 record was made more confidential by the file (persons[0])." in output
    entry = AuditEntry.objects.filter(action="change", actor=outsider).get()
    assert entry.detail["fields"] == ["confidentiality"]


# Found by a fresh-eye review of the import door (each failed before its fix).


def test_an_import_cannot_change_who_asks_or_who_is_sought(base, outsider):
    """A refusal binds through the request's requester and sought person: a file moving
    either would free a "no". The pages cannot change them either."""
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t1"))
    moved = {"ref": "t1", "requester": "psecret", "sought": "prestricted"}

    done, output = _import(
        _write(base, _header(tracing_requests=[moved]), "moved.json"), "--as", outsider.username
    )

    assert not done
    assert (
        'tracing_requests[0]: tracing request "t1": who asks and who is sought cannot change; '
        "open a new request instead." in output.splitlines()
    )
    request.refresh_from_db()
    assert request.requester_id == _imported("persons", "prequester")


def test_a_status_changed_by_import_moves_as_the_pages_move_it(base, outsider):
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t1"))
    row = {"ref": "t1", "requester": "prequester", "sought": "prestricted"}

    skipped, output = _import(
        _write(base, _header(tracing_requests=[row | {"status": "contact_established"}]), "a"),
        "--as",
        outsider.username,
    )
    moved, _ = _import(
        _write(base, _header(tracing_requests=[row | {"status": "searching"}]), "b"),
        "--as",
        outsider.username,
    )

    assert not skipped
    assert "a request that is open cannot become contact established." in output
    assert moved
    request.refresh_from_db()
    assert request.status == "searching"
    step = request.steps.get()
    assert (step.from_status, step.to_status, step.by) == ("open", "searching", outsider)


def test_an_update_by_import_keeps_the_records_owning_team(base, administrator, other_team):
    """An administrator of one team updates another team's records from a file that names
    no team: they stay the other team's."""
    person = {"ref": "prestricted", "names": [{"name": "Dara Rahimi"}], "notes": "Seen in May."}
    person |= {"confidentiality": "restricted"}

    done, output = _import(
        _write(base, _header(persons=[person]), "notes.json"), "--as", administrator.username
    )

    assert done, output
    updated = apps.get_model("people", "Person").objects.get(pk=_imported("persons", "prestricted"))
    assert (updated.notes, updated.team) == ("Seen in May.", other_team)


def test_a_relationship_goes_only_onto_a_person_the_importer_may_change(tmp_path, outsider, team):
    ours = {"ref": "pours", "names": [{"name": "Roya Fictional"}], "confidentiality": "internal"}
    assert _import(_write(tmp_path, _header(persons=[ours]), "ours.json"), "--team", team.name)[0]
    theirs = [
        {"ref": "pb1", "names": [{"name": "Babak Fictional"}]},
        {"ref": "pb2", "names": [{"name": "Kaveh Fictional"}]},
    ]
    relation = {"ref": "r1", "person": "pb1", "relative": "pb2", "kind": "parent"}
    bundle = _header(persons=theirs, relationships=[relation])
    assert _import(_write(tmp_path, bundle, "theirs.json"), "--as", outsider.username)[0]

    moved = _header(relationships=[relation | {"person": "pours"}])
    done, _ = _import(_write(tmp_path, moved, "moved.json"), "--as", outsider.username)

    assert not done
    relationship = apps.get_model("people", "Relationship").objects.get()
    assert relationship.person_id == _imported("persons", "pb1")


def test_a_withdrawal_recorded_in_docket_is_never_moved_to_let_an_older_consent_revive(
    base, outsider
):
    """Moved earlier by one file, a withdrawal would let a second file's consent dated
    between the two days pass as given after it."""
    request = TracingRequest.objects.get(pk=_imported("tracing_requests", "t1"))
    consent = Consent.objects.get(pk=_imported("consents", "k1"))
    tracing_services.withdraw_consent(
        actor=outsider, request=request, consent=consent, on=date(2024, 6, 1)
    )
    earlier = _header(consents=[WHEREABOUTS | {"withdrawn_on": "2021-06-01"}])
    older = _header(consents=[WHEREABOUTS | {"ref": "k2", "given_on": "2022-01-01"}])

    _import(_write(base, earlier, "earlier.json"), "--as", outsider.username)
    revived, output = _import(_write(base, older, "older.json"), "--as", outsider.username)

    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2024, 6, 1)
    assert not revived, output
    assert not Consent.objects.filter(given_on=date(2022, 1, 1)).exists()
