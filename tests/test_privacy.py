"""Data protection: the register, retention and legal hold, anonymisation that keeps the
statistics, rights requests and the disclosure log (issue 16)."""

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.accounts.models import Team, User
from docket.audit.models import AuditEntry
from docket.cases.models import Case, Event
from docket.cases.services import set_legal_hold, update_case
from docket.lib.partialdate import PartialDate
from docket.lib.versioning import StaleEdit
from docket.people.models import Person, PersonName
from docket.people.services import update_person
from docket.privacy import anonymise, basis, requests, retention
from docket.privacy.archive import WrongPassword, expire_exports, open_archive, seal_archive
from docket.privacy.disclosures import for_person, log_for
from docket.privacy.models import LegalBasis, RecordKind, RightsRequest
from docket.reports.counting import DIMENSIONS, MEASURES, Scope, _Rights, tally
from docket.reports.durations import durations
from docket.search.models import SearchEntry
from docket.tracing import services as tracing
from tests import factories

TODAY = timezone.localdate()
LATER = TODAY + timedelta(days=3651)  # past the persons' ten years from a case closed today


def _closed_case(documenter: User, *persons: Person, title: str = "Closed case") -> Case:
    case = factories.case(documenter, title, list(persons))
    factories.event(
        documenter,
        case,
        "detention",
        "2021-05-10",
        "2021-09-01",
        victims=persons,
        place_name="Camp Alpha",
        description=f"{persons[0].display_name} was taken at night.",
    )
    update_case(actor=documenter, case=case, expected_version=case.version, status="closed")
    return case


@pytest.fixture
def azar(documenter: User) -> Person:
    return factories.person(
        documenter,
        "Azar Example",
        "آذر نمونه",
        birth_date=PartialDate.parse("1990-11-20"),
        birth_place="Sample Town",
        contact_details="+00 555 0100, 3 Example Street",
        notes="Told us about her brother.",
        sex="female",
    )


def _queue_keys(user: User, as_of: date) -> set[tuple[str, int]]:
    return {(item.kind, item.record.pk) for item in retention.queue(user, as_of)}


# The register


def test_the_register_gives_every_kind_a_basis_and_an_administrator_changes_it(
    administrator: User, coordinator: User
) -> None:
    lines = basis.activities()
    assert [line.kind for line in lines] == list(RecordKind.values)
    assert all(line.basis in LegalBasis.values and line.purpose for line in lines)

    basis.set_activity(actor=administrator, kind=RecordKind.MESSAGES, retention_days=90)
    with pytest.raises(PermissionDenied):
        basis.set_activity(actor=coordinator, kind=RecordKind.MESSAGES, retention_days=9)

    assert basis.activity(RecordKind.MESSAGES).retention_days == 90
    assert AuditEntry.objects.filter(object_type="privacy.processingactivity").count() == 1
    out = io.StringIO()
    call_command("register", "--json", stdout=out)
    assert {line["kind"]: line["retention_days"] for line in json.loads(out.getvalue())}[
        "messages"
    ] == 90


def test_a_record_has_its_own_basis_where_it_differs(documenter: User, azar: Person) -> None:
    assert basis.basis_of(azar).own is False

    basis.set_override(
        actor=documenter, record=azar, basis=LegalBasis.CONSENT, purpose="Her own request."
    )

    assert basis.basis_of(azar) == basis.Basis(LegalBasis.CONSENT, "Her own request.", True)
    basis.set_override(actor=documenter, record=azar, basis=None)
    assert basis.basis_of(azar).own is False


def test_the_register_page_is_for_coordinators_and_administrators(
    logged_in: Any, coordinator: User, documenter: User
) -> None:
    assert logged_in(coordinator).get(reverse("privacy:register")).status_code == 200
    assert Client().get(reverse("privacy:register")).status_code == 302
    client = Client()
    client.force_login(documenter)
    assert client.get(reverse("privacy:register")).status_code == 403


# Retention and legal hold


def test_a_record_past_retention_is_queued_and_nothing_else_changes(
    documenter: User, coordinator: User, azar: Person
) -> None:
    _closed_case(documenter, azar)
    before = (
        list(Person.objects.values()),
        list(Case.objects.values()),
        AuditEntry.objects.count(),
    )

    assert (RecordKind.PERSONS, azar.pk) not in _queue_keys(coordinator, TODAY)
    assert (RecordKind.PERSONS, azar.pk) in _queue_keys(coordinator, LATER)

    after = (list(Person.objects.values()), list(Case.objects.values()), AuditEntry.objects.count())
    assert after == before


def test_a_person_with_an_open_case_is_not_due(
    documenter: User, coordinator: User, azar: Person
) -> None:
    _closed_case(documenter, azar)
    factories.case(documenter, "Still open", [azar])

    assert (RecordKind.PERSONS, azar.pk) not in _queue_keys(coordinator, LATER)


def test_the_queue_is_for_the_persons_coordinators(
    documenter: User, viewer: User, outsider: User, azar: Person
) -> None:
    _closed_case(documenter, azar)

    assert _queue_keys(viewer, LATER) == set()
    assert _queue_keys(outsider, LATER) == set()


def test_legal_hold_removes_the_case_and_its_records_and_refuses_anonymising(
    documenter: User, coordinator: User, azar: Person
) -> None:
    case = _closed_case(documenter, azar)
    with pytest.raises(PermissionDenied):
        set_legal_hold(actor=documenter, case=case, hold=True, reason="Court order")

    set_legal_hold(actor=coordinator, case=case, hold=True, reason="Court order 12/2026")

    assert (RecordKind.PERSONS, azar.pk) not in _queue_keys(coordinator, LATER)
    with pytest.raises(ValidationError):
        anonymise.anonymise_person(actor=coordinator, person=azar, reason="retention")
    assert AuditEntry.objects.filter(
        object_type="cases.case", object_id=str(case.pk), detail__legal_hold=True
    ).exists()
    case.refresh_from_db()
    set_legal_hold(actor=coordinator, case=case, hold=False, reason="Order lifted")
    assert (RecordKind.PERSONS, azar.pk) in _queue_keys(coordinator, LATER)


def test_keeping_a_record_leaves_the_queue_until_its_review(
    documenter: User, coordinator: User, logged_in: Any, azar: Person
) -> None:
    _closed_case(documenter, azar)
    review = LATER + timedelta(days=30)

    retention.keep(
        actor=coordinator,
        kind=RecordKind.PERSONS,
        record=azar,
        reason="Her family asked us to keep it",
        review_on=review,
        today=LATER,
    )

    assert (RecordKind.PERSONS, azar.pk) not in _queue_keys(coordinator, LATER)
    assert (RecordKind.PERSONS, azar.pk) in _queue_keys(coordinator, review)


def test_the_retention_page_anonymises_from_the_queue(
    documenter: User, coordinator: User, logged_in: Any, azar: Person
) -> None:
    _closed_case(documenter, azar)
    client = logged_in(coordinator)

    response = client.post(
        reverse("privacy:retention"),
        {
            "kind": "persons",
            "model": "person",
            "pk": azar.pk,
            "action": "anonymise",
            "reason": "retention",
        },
    )

    assert response.status_code == 302
    assert not PersonName.objects.filter(name="Azar Example").exists()
    assert client.get(reverse("privacy:retention")).status_code == 200


def test_a_closed_tracing_request_and_its_messages_are_due(
    documenter: User, coordinator: User, azar: Person
) -> None:
    sought = factories.person(documenter, "Bahram Example")
    request = tracing.open_request(
        actor=documenter,
        intake=tracing.Intake(requester=azar, sought=sought, reason="Lost in 2021"),
        match=False,
    )
    tracing.log_message(actor=documenter, request=request, text="We are well.")
    tracing.move_request(actor=documenter, request=request, to="closed")

    due = _queue_keys(coordinator, TODAY + timedelta(days=1826))

    assert {(RecordKind.TRACING_REQUESTS, request.pk), (RecordKind.MESSAGES, request.pk)} <= due
    anonymise.anonymise_tracing_request(
        actor=coordinator, request=request, reason="retention", messages_only=True
    )
    assert request.messages.get().text == ""
    assert (RecordKind.MESSAGES, request.pk) not in _queue_keys(
        coordinator, TODAY + timedelta(days=1826)
    )


# Anonymisation


def _figures(user: User) -> Any:
    """Every count the reports page can show: each measure by each dimension, and the
    victims' own dimensions crossed with the others; and the durations."""
    scope, rights = Scope.of_reader(user), _Rights()
    tables = {}
    for measure in MEASURES:
        tables[(measure,)] = tally(scope, measure, [], "year", rights)
        for rows in DIMENSIONS:
            tables[(measure, rows)] = tally(scope, measure, [rows], "year", rights)
        for rows in ("sex", "age"):
            for columns in ("period", "type", "place"):
                tables[(measure, rows, columns)] = tally(
                    scope, measure, [rows, columns], "month", rights
                )
    spans = [(item.key, item.counts, item.persons) for item in durations(user, as_of=TODAY)]
    return tables, spans


def test_anonymising_keeps_every_report_figure_and_removes_what_names_her(
    documenter: User, coordinator: User, azar: Person
) -> None:
    other = factories.person(documenter, "Dariush Example", birth_date=PartialDate.parse("1960"))
    case = _closed_case(documenter, azar, other, title="Case of Azar Example")
    before = _figures(coordinator)
    stale = Person.objects.get(pk=azar.pk)

    anonymise.anonymise_person(actor=coordinator, person=azar, reason="retention ended")

    assert _figures(coordinator) == before
    azar.refresh_from_db()
    assert [name.name for name in azar.names.all()] == [f"Person {azar.pk}"]
    assert azar.contact_details == azar.notes == azar.birth_place == ""
    assert azar.sex == "female"
    names = {row.name for row in PersonName.history.all()}
    assert "Azar Example" not in names and "آذر نمونه" not in names
    assert not Person.history.filter(id=azar.pk).exclude(notes="").exists()
    case.refresh_from_db()
    assert "Azar" not in case.title
    assert "Azar" not in Event.objects.get(case=case).description
    assert not any("Azar" in row.title for row in Case.history.filter(id=case.pk))
    assert other.names.get().name == "Dariush Example"
    indexed = SearchEntry.objects.values_list("title", "names", "body")
    assert not any("Azar" in " ".join(row) for row in indexed)
    entry = AuditEntry.objects.filter(object_type="people.person", object_id=str(azar.pk)).last()
    assert entry is not None and entry.detail["anonymised"] is True
    with pytest.raises(ValidationError):
        anonymise.anonymise_person(actor=coordinator, person=azar, reason="again")
    # A form opened before cannot write the removed notes back.
    with pytest.raises(StaleEdit):
        update_person(
            actor=documenter, person=stale, expected_version=stale.version, notes=stale.notes
        )


def test_the_birth_date_is_cut_to_the_year_when_no_age_band_moves(
    documenter: User, azar: Person
) -> None:
    case = factories.case(documenter, "c", [azar])
    # 1990-11-20 at 2021-05-10: 30 either way; at 2008-06-01 born 1990-01-01 is 18, not 17.
    factories.event(documenter, case, "detention", "2021-05-10", victims=(azar,))
    assert anonymise.generalised_birth([azar.pk], azar.birth_date) == PartialDate(1990)
    factories.event(documenter, case, "detention", "2008-06-01", victims=(azar,))
    assert anonymise.generalised_birth([azar.pk], azar.birth_date) == PartialDate(1990, 11)


def test_only_a_coordinator_of_the_team_anonymises(
    documenter: User, outsider: User, azar: Person
) -> None:
    with pytest.raises(PermissionDenied):
        anonymise.anonymise_person(actor=documenter, person=azar, reason="x")
    with pytest.raises(PermissionDenied):
        anonymise.anonymise_person(actor=outsider, person=azar, reason="x")
    assert azar.names.filter(name="Azar Example").exists()


# Rights requests


def test_the_deadline_is_a_month_extended_once_by_two(coordinator: User, azar: Person) -> None:
    request = requests.record_request(
        actor=coordinator,
        person=azar,
        kind="access",
        received_on=date(2026, 1, 31),
        today=date(2026, 2, 1),
    )
    assert requests.due_on(request) == date(2026, 2, 28)
    assert requests.is_overdue(request, date(2026, 3, 1))
    requests.extend(actor=coordinator, request=request, on=date(2026, 2, 10), reason="Many files")
    assert requests.due_on(request) == date(2026, 4, 30)
    with pytest.raises(ValidationError):
        requests.extend(actor=coordinator, request=request, on=date(2026, 2, 11), reason="again")
    with pytest.raises(ValidationError):
        requests.decide(
            actor=coordinator, request=request, decision="granted", reason="ok", on=TODAY
        )
    requests.check_identity(actor=coordinator, request=request, on=TODAY, how="Passport seen")
    requests.decide(actor=coordinator, request=request, decision="granted", reason="ok", on=TODAY)
    assert not requests.is_overdue(request, date(2027, 1, 1))


def test_an_access_answer_holds_nothing_the_rule_withholds(
    documenter: User, coordinator: User, logged_in: Any, azar: Person
) -> None:
    brother = factories.person(documenter, "Kourosh Brother", contact_details="brother phone")
    secret_case = factories.case(
        documenter,
        "Secret title",
        [azar, brother],
        confidentiality="secret",
        summary="Secret summary",
    )
    source = factories_source(documenter, given_by="Informant Name")
    event = factories.event(documenter, secret_case, "detention", "2022-01-02", victims=(azar,))
    event.sources.add(source)
    request_ = tracing.open_request(
        actor=documenter,
        intake=tracing.Intake(
            requester=azar, sought=brother, reason="Lost", last_known_place="Brother's town"
        ),
        match=False,
    )
    tracing.move_request(
        actor=documenter, request=request_, to="located", whereabouts="Brother's address"
    )
    access = requests.record_request(
        actor=coordinator, person=azar, kind="access", received_on=TODAY, today=TODAY
    )

    response = logged_in(coordinator).get(
        reverse("privacy:request_access", args=[access.pk]) + "?format=json"
    )

    assert response.status_code == 200
    text = response.content.decode()
    data = json.loads(text)
    assert "Azar Example" in text and "+00 555 0100" in text
    for withheld in (
        "Kourosh",
        "brother phone",
        "Informant Name",
        "Secret title",
        "Secret summary",
        "Brother's address",
        "Brother's town",
    ):
        assert withheld not in text
    rules = {item["what"] for item in data["withheld"]}
    assert {"sources of an event", "other persons of a case", "case title and summary"} <= rules
    assert "what the sought person has not agreed to pass on" in rules


def factories_source(actor: User, **fields: Any) -> Any:
    from docket.cases.services import create_source

    return create_source(actor=actor, title="Witness", **fields)


def test_a_request_about_another_teams_person_is_a_404(
    coordinator: User, other_team: Team, outsider: User, logged_in: Any
) -> None:
    theirs = factories.person(outsider, "Elham Example", confidentiality="restricted")
    other_coordinator = User.objects.create_user("other.coord", role="coordinator")
    other_coordinator.teams.add(other_team)
    request = requests.record_request(
        actor=other_coordinator, person=theirs, kind="access", received_on=TODAY, today=TODAY
    )

    client = logged_in(coordinator)

    assert client.get(reverse("privacy:request_detail", args=[request.pk])).status_code == 404
    assert client.get(reverse("privacy:request_access", args=[request.pk])).status_code == 404
    assert b"Elham" not in client.get(reverse("privacy:requests")).content
    assert RightsRequest.objects.visible_to(coordinator).count() == 0


# Disclosures


def test_the_disclosure_log_lists_an_export_and_the_persons_dossier(
    documenter: User, coordinator: User, administrator: User, logged_in: Any, azar: Person
) -> None:
    client = logged_in(coordinator)
    factories.case(documenter, "Her case", [azar])
    case = Case.objects.get(title="Her case")
    assert client.get(reverse("dossiers:case_wgad_draft", args=[case.pk])).status_code == 200
    out = io.StringIO()
    from tempfile import TemporaryDirectory

    with TemporaryDirectory() as folder:
        call_command("export", "--out", f"{folder}/x.json", "--as", documenter.username, stdout=out)

    from docket.lib.access import note_bulk_read

    for named in ([azar.pk], [azar.pk * 10 + 1]):
        note_bulk_read(
            documenter,
            via="api",
            what="/api/v1/persons/",
            query=f"name=x{named[0]}",
            count=1,
            watched={"people.person": named},
        )

    queries = [item.query for item in for_person(azar, coordinator)]
    assert f"name=x{azar.pk}" in queries and f"name=x{azar.pk * 10 + 1}" not in queries
    disclosed = [item.what for item in for_person(azar, coordinator)]
    assert any("cases.case" in what for what in disclosed)
    assert any("export" in what for what in disclosed)
    assert log_for(administrator).filter(action="export").exists()
    assert log_for(coordinator).filter(actor=documenter).exists()
    page = client.get(reverse("privacy:disclosures"))
    assert page.status_code == 200 and b"export" in page.content
    person_page = client.get(reverse("people:person_detail", args=[azar.pk]))
    assert b"data-person-disclosures" in person_page.content


def test_a_documenter_does_not_see_the_disclosures(documenter: User, azar: Person) -> None:
    client = Client()
    client.force_login(documenter)
    assert log_for(documenter).count() == 0
    assert (
        b"data-person-disclosures"
        not in client.get(reverse("people:person_detail", args=[azar.pk])).content
    )


def test_a_sealed_export_opens_only_with_its_password_and_kept_ones_expire(
    settings: Any, tmp_path: Any
) -> None:
    sealed = seal_archive(b"zip bytes", "correct horse battery")
    assert b"zip bytes" not in sealed
    assert open_archive(sealed, "correct horse battery") == b"zip bytes"
    with pytest.raises(WrongPassword):
        open_archive(sealed, "wrong horse battery!")
    settings.EXPORTS_DIR = tmp_path
    (tmp_path / "old.zip.sealed").write_bytes(sealed)
    (tmp_path / "new.zip.sealed").write_bytes(sealed)
    now = timezone.now()
    old = (now - timedelta(days=31)).timestamp()
    import os

    os.utime(tmp_path / "old.zip.sealed", (old, old))

    assert expire_exports(now) == ["old.zip.sealed"]
    assert [path.name for path in tmp_path.iterdir()] == ["new.zip.sealed"]


def test_an_evidence_files_basis_follows_its_source(
    documenter: User, viewer: User, outsider: User, logged_in: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from docket.cases.services import attach_evidence

    source = factories_source(documenter, confidentiality="restricted")
    evidence = attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("note.txt", b"a statement")
    )
    path = reverse("privacy:evidence_basis", args=[evidence.pk])
    body = {"basis": "consent", "purpose": "The witness agreed."}

    for user, status in ((outsider, 404), (viewer, 403), (documenter, 302)):
        client = Client()
        client.force_login(user)
        assert client.post(path, body).status_code == status, user

    assert basis.basis_of(evidence) == basis.Basis("consent", "The witness agreed.", True)
