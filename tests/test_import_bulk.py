"""The fast import: new records in batches through the services, still all or nothing.

A bundle of a few hundred records goes through the batch path of every service
(persons, relationships, cases, sources, events, tracing requests, contact
attempts); these tests check what a user relies on after it: every record has
its history version and audit entry and the audit chain verifies, search finds
them, the permission rule still holds, a bad record anywhere leaves nothing,
importing again changes nothing, a withdrawal stays, and a second import waits.
"""

import gc
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import connection

from docket.accounts.models import Team, User
from docket.audit.log import verify
from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Case, Event, EventType, Source
from docket.interchange.files import FolderFiles
from docket.interchange.importer import import_bundle
from docket.interchange.locking import one_import_at_a_time
from docket.interchange.models import ImportedRef
from docket.interchange.validation import BundleRefused, read_bundle
from docket.lib import bulk
from docket.lib.partialdate import PartialDate
from docket.people.models import Person, PersonName, Relationship
from docket.search.engine import search
from docket.tracing import services as tracing_services
from docket.tracing.models import Consent, ContactAttempt, TracingRequest

pytestmark = pytest.mark.django_db

OUR_APPS = {"people", "cases", "letters", "tracing", "interchange", "audit", "search"}
CASES = 12  # with 2 persons and 6 events each: about 120 records


def _bundle(team: str, *, cases: int = CASES) -> dict[str, Any]:
    persons, relationships, case_rows, events, sources = [], [], [], [], []
    for number in range(cases):
        first, second = f"p{number}a", f"p{number}b"
        persons += [
            {
                "ref": first,
                "names": [
                    {"name": f"Kourosh Zandvakili{number}", "script": "latin", "kind": "full"},
                    {"name": "Kourosh", "script": "latin", "kind": "given"},
                ],
                "notes": "Seen at the quarry camp.",
            },
            {"ref": second, "names": [{"name": f"Mahtab Zandvakili{number}"}]},
        ]
        relationships.append({"person": first, "relative": second, "kind": "sibling"})
        sources.append({"ref": f"s{number}", "kind": "testimony", "title": f"Testimony {number}"})
        case_rows.append(
            {
                "ref": f"c{number}",
                "title": f"Quarry camp detention {number}",
                "persons": [first, second],
                "team": team,
                "confidentiality": "restricted" if number % 2 else "internal",
            }
        )
        for index in range(6):
            events.append(
                {
                    "ref": f"e{number}-{index}",
                    "case": f"c{number}",
                    "type": "detention" if index % 2 else "transfer",
                    "start": f"20{10 + index}-03",
                    "persons": [{"person": first, "role": "victim"}],
                    "description": "Moved at night to the quarrywardens block.",
                    "sources": [f"s{number}"],
                }
            )
    return {
        "format": "docket",
        "version": 1,
        "authorities": [{"ref": "a1", "name": "Camp administration (fictional)"}],
        "persons": persons,
        "relationships": relationships,
        "cases": case_rows,
        "events": events,
        "sources": sources,
        "tracing_requests": [
            {"ref": "t1", "requester": "p0b", "sought": "p0a", "opened_on": "2021-01-10"}
        ],
        "contact_attempts": [
            {"ref": "ca1", "tracing_request": "t1", "kind": "call", "date": "2021-02-01"}
        ],
        "consents": [
            {
                "ref": "k1",
                "person": "p0a",
                "scope": "share_whereabouts",
                "granted_to": "p0b",
                "given_on": "2021-02-01",
                "how": "written",
            }
        ],
    }


def _import(
    document: dict[str, Any], tmp_path: Path, *, actor: User | None = None, team: Team | None = None
) -> Any:
    plan = read_bundle(
        document, source="partner", files=FolderFiles(tmp_path), team=team, actor=actor
    )
    return import_bundle(plan)


def _page_cache() -> int | None:
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return int(cursor.fetchone()[0])


def _rows() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS
    }


def test_every_imported_record_has_its_version_and_entry_and_the_chain_verifies(
    tmp_path, team, documenter
):
    cache = _page_cache()

    report = _import(_bundle(team.name), tmp_path, actor=documenter)

    # What an import holds off or enlarges while it runs is back as it was after it.
    assert gc.isenabled() and _page_cache() == cache
    # An authority; per case two persons, a relationship, the case, a source, six events;
    # a tracing request, a consent and a contact attempt.
    assert report.total("added") == 1 + CASES * (2 + 1 + 1 + 1 + 6) + 3
    for model in (Person, Relationship, Case, Source, Event, TracingRequest, ContactAttempt):
        records = model._default_manager.count()
        versions = model.history.filter(history_type="+")  # type: ignore[attr-defined]
        assert versions.count() == records, model
        assert set(versions.values_list("history_user", flat=True)) == {documenter.pk}
        assert set(versions.values_list("history_change_reason", flat=True)) == {
            "Imported from partner"
        }
        entries = AuditEntry.objects.filter(
            action=Action.CREATE, object_type=model._meta.label_lower
        )
        assert sorted(map(int, entries.values_list("object_id", flat=True))) == sorted(
            model._default_manager.values_list("pk", flat=True)
        ), model
        assert set(entries.values_list("actor_id", flat=True)) == {documenter.pk}
    assert PersonName.history.count() == PersonName.objects.count() == CASES * 3
    # Each case's first version holds its persons; each event's, its sources.
    version = Case.history.get(id=Case.objects.get(title="Quarry camp detention 3").pk)
    assert version.persons.count() == 2
    assert Event.history.first().sources.count() == 1
    assert AuditEntry.objects.filter(action=Action.IMPORT).count() == 1
    assert verify() == (AuditEntry.objects.count(), None)
    event = Event.objects.get(pk=ImportedRef.objects.get(ref="e2-3").object_id)
    assert event.start_on == date(2013, 3, 1) and event.end_on is None


def test_search_finds_the_imported_records_for_those_who_may_see_them(
    tmp_path, team, documenter, outsider
):
    _import(_bundle(team.name), tmp_path, actor=documenter)

    found = {group.kind: group.count for group in search(documenter, "Zandvakili").groups}
    assert found["person"] == 2 * CASES
    # Each case carries its persons' names (docket.search.documents), as indexed in bulk;
    # the other team's documenter finds by them only the internal cases.
    assert found["case"] == CASES
    assert {group.kind: group.count for group in search(outsider, "Zandvakili").groups}[
        "case"
    ] == CASES // 2
    found = {group.kind: group.count for group in search(documenter, "quarry camp").groups}
    assert found["case"] == CASES
    assert {group.kind: group.count for group in search(documenter, "quarrywardens").groups}[
        "event"
    ] == CASES * 6
    # The other team's documenter sees the internal cases' events only.
    assert {group.kind: group.count for group in search(outsider, "quarrywardens").groups}[
        "event"
    ] == CASES // 2 * 6


def test_a_bad_record_at_the_end_of_a_big_bundle_leaves_nothing(tmp_path, team, documenter):
    document = _bundle(team.name)
    # Withdrawn in the file, then given again on a day before the withdrawal: only found
    # when written, after every batch before it.
    document["consents"] = [
        {**document["consents"][0], "withdrawn_on": "2021-06-01"},
        {**document["consents"][0], "ref": "k2", "given_on": "2021-05-01"},
    ]
    before = _rows()
    cache = _page_cache()

    with pytest.raises(BundleRefused) as refused:
        _import(document, tmp_path, actor=documenter)

    assert gc.isenabled() and _page_cache() == cache
    assert [str(problem) for problem in refused.value.problems] == [
        'consents[1]: consent "k2": this was withdrawn or refused on 1 Jun 2021: a consent '
        "given on or before that day cannot bring it back; record the day they agreed again."
    ]
    assert _rows() == before
    assert verify() == (AuditEntry.objects.count(), None)


def test_an_event_of_a_case_the_importer_may_not_change_is_refused_and_nothing_written(
    tmp_path, team, other_team, documenter
):
    _import(_bundle(other_team.name, cases=2), tmp_path, team=other_team)
    intrusion = {
        "format": "docket",
        "version": 1,
        "events": [{"ref": "e-new", "case": "c1", "type": "detention"}],
    }
    before = _rows()

    with pytest.raises(BundleRefused) as refused:
        _import(intrusion, tmp_path, actor=documenter)

    assert "events[0].case" in str(refused.value.problems[0])
    assert _rows() == before


def test_the_batch_services_ask_the_permission_rule_themselves(team, other_team, documenter):
    """Whoever calls them: a case of another team cannot be added to, nor a record filed
    under another team, with the record's place in the batch named."""
    theirs = Case.objects.create(title="Theirs", team=other_team, confidentiality="internal")
    ours = Case.objects.create(title="Ours", team=team, confidentiality="internal")
    batch = bulk.Batch(documenter, "test")
    detention = EventType.objects.get(code="detention")

    with pytest.raises(bulk.RowRefused) as refused:
        case_services.add_events_in_bulk(
            batch=batch,
            events=[Event(case=ours, type=detention), Event(case=theirs, type=detention)],
            involvements=[[], []],
            sources=[[], []],
        )
    assert refused.value.index == 1
    assert isinstance(refused.value.refusal, PermissionDenied)

    with pytest.raises(bulk.RowRefused):
        case_services.create_sources_in_bulk(
            batch=batch, sources=[Source(title="Theirs", team=other_team)]
        )
    assert not Event.objects.exists() and not Source.objects.exists()


def test_importing_the_same_bundle_again_changes_nothing(tmp_path, team, documenter):
    document = _bundle(team.name)
    _import(document, tmp_path, actor=documenter)
    before = _rows()

    report = _import(document, tmp_path, actor=documenter)

    assert report.total("added") == report.total("changed") == 0
    assert _rows() == before


def test_a_withdrawal_stays_when_the_bundle_is_imported_again(tmp_path, team, documenter):
    document = _bundle(team.name)
    _import(document, tmp_path, actor=documenter)
    request = TracingRequest.objects.get()
    consent = Consent.objects.get()
    tracing_services.withdraw_consent(
        actor=documenter, request=request, consent=consent, on=date(2022, 1, 5)
    )

    _import(document, tmp_path, actor=documenter)

    consent.refresh_from_db()
    assert consent.withdrawn_on == date(2022, 1, 5)
    # And a copy of it under a new ref, given before the withdrawal, is refused up front.
    document["consents"].append({**document["consents"][0], "ref": "k-copy"})
    with pytest.raises(BundleRefused) as refused:
        _import(document, tmp_path, actor=documenter)
    assert str(refused.value.problems[0]).startswith('consents[1]: consent "k-copy": this was')


def test_a_second_import_waits_for_the_first_and_says_so(tmp_path, team):
    taken, release = threading.Event(), threading.Event()

    def first_import() -> None:
        with one_import_at_a_time():
            taken.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=first_import)
    holder.start()
    assert taken.wait(timeout=30)
    waited: list[float] = []

    def waiting(seconds: float) -> None:
        waited.append(seconds)
        release.set()  # the first import ends while the second waits

    plan = read_bundle(
        _bundle(team.name, cases=1), source="partner", files=FolderFiles(tmp_path), team=team
    )
    report = import_bundle(plan, waiting=waiting)
    holder.join()

    assert waited and report.total("added") > 0


def test_a_batch_builds_its_records_as_the_model_does(team):
    """bulk.new, by position, makes the same record as the model's own constructor: the
    values given, every other field its default (a fresh data key for each person)."""
    values = {
        "case_id": 7,
        "type_id": 3,
        "start": PartialDate.parse("2019-04~"),
        "place_name": "Quarry camp",
        "place_country": "IR",
        "charged": None,
    }

    def fields(instance: Any) -> dict[str, Any]:
        return {key: value for key, value in vars(instance).items() if key != "_state"}

    assert fields(bulk.new(Event, values)) == fields(Event(**values))
    first, second = (bulk.new(Person, {"team_id": team.pk, "notes": "n"}) for _ in range(2))
    expected = fields(Person(team_id=team.pk, notes="n"))
    for person in (first, second):
        assert fields(person).keys() == expected.keys()
        assert {**fields(person), "data_key": ""} == {**expected, "data_key": ""}
    assert first.data_key and second.data_key and first.data_key != second.data_key
    # A related record by name goes through the constructor's own way.
    case = Case(pk=7, title="Quarry camp detention")
    assert bulk.new(Event, {"case": case}).case is case


def test_statements_reach_sqlite_with_the_placeholders_django_would_give_them():
    """The quicker conversion (docket/lib/sqlite) writes exactly what Django's does,
    escaped percent signs included; the database runs on it."""
    import sqlite3

    from django.db.backends.sqlite3.base import SQLiteCursorWrapper

    from docket.lib.sqlite.base import CursorWrapper

    ours = sqlite3.connect(":memory:").cursor(factory=CursorWrapper)
    django = sqlite3.connect(":memory:").cursor(factory=SQLiteCursorWrapper)
    for statement in [
        "INSERT INTO t (a, b) VALUES (%s, %s), (%s, %s)",
        "SELECT 1 WHERE x LIKE '%%s%%' AND y = %s",
        "SELECT '%%%s' || %s",
        "SELECT 100 %% 7",
        "SELECT 1",
    ]:
        assert ours.convert_query(statement) == django.convert_query(statement), statement
    assert ours.convert_query("SELECT %(a)s", param_names=["a"]) == "SELECT :a"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert isinstance(cursor.cursor, CursorWrapper)
            cursor.execute("SELECT %s || '%%', 100 %% 7", ["9"])
            assert cursor.fetchone() == ("9%", 2)
