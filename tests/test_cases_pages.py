"""The case pages: cases, their figures and timeline, events, sources and evidence,
authorities, history, stale edits and soft deletion; each grant beside its denial."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from docket.accounts.models import User
from docket.cases import services
from docket.cases.models import (
    Authority,
    Case,
    CustodyAction,
    CustodyEntry,
    Event,
    EventType,
    Evidence,
    InvolvementRole,
    Source,
)
from docket.people.models import Person
from tests import factories
from tests.conftest import pass_second_factor

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def client_for(user: User) -> Client:
    """A separate browser session, for tests that need two people at once."""
    client = Client()
    client.force_login(user)
    if user.role in {"administrator", "coordinator"}:
        pass_second_factor(client, user)
    return client


@pytest.fixture
def detainee(documenter) -> Person:
    return factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری")


@pytest.fixture
def dossier(documenter, team, detainee) -> Case:
    """A restricted case of our team: an open detention without charge, then a deportation."""
    case = factories.case(
        documenter,
        "Held at the northern camp",
        [detainee],
        team=team,
        confidentiality="restricted",
        summary="Held without charge since the spring.",
    )
    start = (timezone.localdate() - timedelta(days=100)).isoformat()
    factories.event(
        documenter,
        case,
        "detention",
        start,
        victims=(detainee,),
        charged=False,
        place_name="Northern camp",
    )
    return case


@pytest.fixture
def source(documenter, team) -> Source:
    return services.create_source(
        actor=documenter, title="Testimony of a cellmate", team=team, kind="testimony"
    )


@pytest.fixture
def evidence(documenter, source) -> Evidence:
    return services.attach_evidence(
        actor=documenter, source=source, upload=SimpleUploadedFile("statement.pdf", PDF)
    )


# The case list


def test_the_case_list_shows_our_restricted_case(logged_in, documenter, dossier):
    response = logged_in(documenter).get(reverse("cases:case_list"))

    assert response.status_code == 200
    assert "Held at the northern camp" in response.text
    assert "Gholamreza Shekari" in response.text


def test_the_case_list_hides_another_teams_restricted_case(logged_in, outsider, dossier):
    response = logged_in(outsider).get(reverse("cases:case_list"))

    assert response.status_code == 200
    assert "Held at the northern camp" not in response.text


def test_the_case_list_filters_by_status_confidentiality_and_title(
    logged_in, documenter, team, dossier
):
    factories.case(documenter, "Visa refused to a mother", [], team=team, status="closed")
    client = logged_in(documenter)

    by_status = client.get(reverse("cases:case_list"), {"status": "closed"})
    by_level = client.get(reverse("cases:case_list"), {"confidentiality": "restricted"})
    by_title = client.get(reverse("cases:case_list"), {"title": "VISA"})

    assert "Visa refused" in by_status.text and "northern camp" not in by_status.text
    assert "northern camp" in by_level.text and "Visa refused" not in by_level.text
    assert "Visa refused" in by_title.text and "northern camp" not in by_title.text


def test_the_case_list_answers_htmx_with_the_results_only(logged_in, documenter, dossier):
    response = logged_in(documenter).get(
        reverse("cases:case_list"), {"title": "northern"}, headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith('<section id="results"')
    assert "northern camp" in response.text


def test_the_case_list_costs_the_same_few_queries_for_many_cases(
    logged_in, documenter, team, django_assert_max_num_queries
):
    for number in range(20):
        person = factories.person(documenter, f"Fictional Person {number}")
        factories.case(documenter, f"Case {number}", [person], team=team)
    client = logged_in(documenter)
    client.get(reverse("cases:case_list"))  # warm the session

    # The page, its persons, and the facet counts by status, confidentiality and team.
    with django_assert_max_num_queries(14):
        response = client.get(reverse("cases:case_list"))

    assert response.text.count("Fictional Person") == 20


def test_the_case_list_is_paginated(logged_in, documenter, team):
    for number in range(30):
        factories.case(documenter, f"Paged case {number:02d}", [], team=team)

    first = logged_in(documenter).get(reverse("cases:case_list"))
    second = logged_in(documenter).get(reverse("cases:case_list"), {"page": 2})

    assert first.text.count("Paged case") == 25
    assert second.text.count("Paged case") == 5


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client, dossier):
    response = client.get(reverse("cases:case_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# Opening a case


def test_a_documenter_opens_a_case_for_a_person(logged_in, documenter, team, detainee):
    client = logged_in(documenter)
    form = client.get(reverse("cases:case_create"))
    assert "Gholamreza Shekari" in form.text

    response = client.post(
        reverse("cases:case_create"),
        {
            "title": "Deported to a third country",
            "summary": "",
            "status": "open",
            "confidentiality": "internal",
            "team": team.pk,
            "persons": [detainee.pk],
        },
    )

    case = Case.objects.get(title="Deported to a third country")
    assert response.status_code == 302
    assert response.url == reverse("cases:case_detail", args=[case.pk])
    assert list(case.persons.all()) == [detainee]
    assert case.history.first().history_user == documenter


def test_a_case_can_only_be_filed_under_ones_own_team(logged_in, documenter, other_team):
    response = logged_in(documenter).post(
        reverse("cases:case_create"),
        {
            "title": "Under someone else's team",
            "status": "open",
            "confidentiality": "internal",
            "team": other_team.pk,
        },
    )

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.text
    assert not Case.objects.filter(title="Under someone else's team").exists()


def test_a_case_can_not_take_a_person_hidden_from_its_author(
    logged_in, documenter, outsider, other_team
):
    hidden = factories.person(outsider, "Hidden Person", confidentiality="secret")

    response = logged_in(documenter).post(
        reverse("cases:case_create"),
        {
            "title": "A case",
            "status": "open",
            "confidentiality": "internal",
            "persons": [hidden.pk],
        },
    )

    assert response.status_code == 200
    assert not Case.objects.filter(title="A case").exists()


def test_a_viewer_may_not_open_a_case(logged_in, viewer, team):
    client = logged_in(viewer)

    assert client.get(reverse("cases:case_create")).status_code == 403
    response = client.post(
        reverse("cases:case_create"),
        {"title": "Not allowed", "status": "open", "confidentiality": "internal"},
    )
    assert response.status_code == 403
    assert not Case.objects.filter(title="Not allowed").exists()


def test_person_search_finds_visible_persons_by_any_name(logged_in, documenter, detainee):
    response = logged_in(documenter).get(reverse("cases:person_choices"), {"name": "شکاری"})

    assert f'value="{detainee.pk}"' in response.text


def test_person_search_does_not_find_hidden_persons(logged_in, documenter, outsider):
    hidden = factories.person(documenter, "Parvin Shekari", confidentiality="restricted")

    response = logged_in(outsider).get(reverse("cases:person_choices"), {"name": "Shekari"})

    assert f'value="{hidden.pk}"' not in response.text


# The case page


def test_the_case_page_shows_figures_rights_and_timeline(logged_in, documenter, dossier):
    response = logged_in(documenter).get(reverse("cases:case_detail", args=[dossier.pk]))

    text = response.text
    assert response.status_code == 200
    assert "Held without charge since the spring." in text
    assert "Gholamreza Shekari" in text
    assert "Detained" in text
    # An open detention counts to today, all of it without charge.
    assert re.search(r'<td class="number">100</td>\s*<td class="number">100</td>', text)
    assert "ICCPR 9</strong> — Liberty and security of person" in text
    assert "Northern camp" in text
    assert "no end recorded" in text
    assert reverse("cases:case_edit", args=[dossier.pk]) in text


def test_approximate_dates_are_shown_as_given_and_mark_the_figures(
    logged_in, documenter, team, detainee
):
    case = factories.case(documenter, "Approximate", [detainee], team=team)
    factories.event(
        documenter, case, "detention", "2019-03~", "2019-05", victims=(detainee,), charged=False
    )

    text = logged_in(documenter).get(reverse("cases:case_detail", args=[case.pk])).text

    assert "2019-03~" in text
    assert "approximate" in text


def test_the_timeline_is_in_date_order(logged_in, documenter, dossier, detainee):
    factories.event(documenter, dossier, "release", "2001-05-02", victims=(detainee,))
    factories.event(documenter, dossier, "deportation", "2000-01-10", victims=(detainee,))

    text = logged_in(documenter).get(reverse("cases:case_detail", args=[dossier.pk])).text

    headings = re.findall(r"<h3>([^<]+)</h3>", text)
    assert headings == ["Deportation or removal", "Release", "Detention"]


def test_an_outsider_gets_404_on_another_teams_restricted_case(logged_in, outsider, dossier):
    client = logged_in(outsider)
    event = dossier.events.get()

    for url in [
        reverse("cases:case_detail", args=[dossier.pk]),
        reverse("cases:case_edit", args=[dossier.pk]),
        reverse("cases:case_history", args=[dossier.pk]),
        reverse("cases:event_create", args=[dossier.pk]),
        reverse("cases:event_edit", args=[event.pk]),
        reverse("cases:event_history", args=[event.pk]),
        reverse("cases:event_delete", args=[event.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_a_viewer_sees_the_case_without_edit_or_delete_buttons(logged_in, viewer, dossier):
    response = logged_in(viewer).get(reverse("cases:case_detail", args=[dossier.pk]))

    assert response.status_code == 200
    assert reverse("cases:case_edit", args=[dossier.pk]) not in response.text
    assert reverse("cases:case_delete", args=[dossier.pk]) not in response.text
    assert reverse("cases:event_create", args=[dossier.pk]) not in response.text


def test_a_viewer_gets_403_on_every_write(logged_in, viewer, dossier):
    client = logged_in(viewer)
    event = dossier.events.get()

    for url in [
        reverse("cases:case_edit", args=[dossier.pk]),
        reverse("cases:case_delete", args=[dossier.pk]),
        reverse("cases:event_create", args=[dossier.pk]),
        reverse("cases:event_edit", args=[event.pk]),
        reverse("cases:event_delete", args=[event.pk]),
    ]:
        assert client.post(url, {"title": "Changed", "version": 1}).status_code == 403, url
    dossier.refresh_from_db()
    assert dossier.title == "Held at the northern camp"
    assert dossier.deleted_at is None


# Events


def test_a_documenter_adds_a_detention_with_persons_and_sources(
    logged_in, documenter, dossier, detainee, source
):
    detention = EventType.objects.get(code="detention")
    victim = InvolvementRole.objects.get(code="victim")
    authority = services.create_authority(actor=documenter, name="Border police", kind="police")

    response = logged_in(documenter).post(
        reverse("cases:event_create", args=[dossier.pk]),
        {
            "type": detention.pk,
            "start": "2020-02",
            "end": "",
            "place_name": "Airport holding room",
            "place_country": "TR",
            "authority": authority.pk,
            "charged": "false",
            "description": "Taken from the airport.",
            "sources": [source.pk],
            "persons-TOTAL_FORMS": "2",
            "persons-INITIAL_FORMS": "0",
            "persons-0-person": detainee.pk,
            "persons-0-role": victim.pk,
            "persons-1-person": "",
            "persons-1-role": "",
        },
    )

    event = dossier.events.get(place_name="Airport holding room")
    assert response.status_code == 302
    assert response.url.endswith(f"#event-{event.pk}")
    assert event.start.isoformat() == "2020-02"
    assert event.charged is False
    assert event.authority == authority
    assert list(event.sources.all()) == [source]
    assert [(item.person, item.role) for item in event.involvements.all()] == [(detainee, victim)]


def test_an_event_form_refuses_an_end_before_its_start(logged_in, documenter, dossier):
    response = logged_in(documenter).post(
        reverse("cases:event_create", args=[dossier.pk]),
        {
            "type": EventType.objects.get(code="detention").pk,
            "start": "2020-02-10",
            "end": "2019",
            "charged": "unknown",
            "persons-TOTAL_FORMS": "0",
            "persons-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "The end comes before the start." in response.text
    assert dossier.events.count() == 1


def test_an_event_form_refuses_a_date_that_is_not_one(logged_in, documenter, dossier):
    response = logged_in(documenter).post(
        reverse("cases:event_create", args=[dossier.pk]),
        {
            "type": EventType.objects.get(code="return").pk,
            "start": "spring 2020",
            "persons-TOTAL_FORMS": "0",
            "persons-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD, YYYY-MM or YYYY." in response.text


def test_the_event_form_shows_only_the_fields_a_type_asks_for(logged_in, documenter, dossier):
    deportation = EventType.objects.get(code="deportation")

    response = logged_in(documenter).get(
        reverse("cases:event_create", args=[dossier.pk]),
        {"type": deportation.pk},
        headers={"HX-Request": "true"},
    )

    assert response.text.lstrip().startswith('<div id="type-fields"')
    assert 'name="destination"' in response.text
    assert 'name="charged"' not in response.text


def test_editing_an_event_keeps_what_the_editor_may_not_see(
    logged_in, documenter, coordinator, team, dossier, detainee
):
    secret_source = services.create_source(
        actor=coordinator, title="Secret informant", team=team, confidentiality="secret"
    )
    event = dossier.events.get()
    event.sources.add(secret_source)
    viewer_like = factories.person(coordinator, "Secret Witness", confidentiality="secret")
    services.update_event(
        actor=coordinator,
        event=event,
        expected_version=event.version,
        involvements=[
            services.InvolvementInput(detainee, InvolvementRole.objects.get(code="victim")),
            services.InvolvementInput(viewer_like, InvolvementRole.objects.get(code="witness")),
        ],
    )
    event.refresh_from_db()
    # An administrator of no team sees restricted records but not secret ones.
    administrator = User.objects.create_user(username="rahim.jafari", role="administrator")

    response = logged_in(administrator).post(
        reverse("cases:event_edit", args=[event.pk]),
        {
            "version": event.version,
            "type": event.type_id,
            "start": event.start.isoformat(),
            "place_name": "Renamed camp",
            "charged": "false",
            "persons-TOTAL_FORMS": "1",
            "persons-INITIAL_FORMS": "1",
            "persons-0-person": detainee.pk,
            "persons-0-role": InvolvementRole.objects.get(code="victim").pk,
        },
    )

    assert response.status_code == 302, response.text
    event.refresh_from_db()
    assert event.place_name == "Renamed camp"
    assert secret_source in event.sources.all()
    assert viewer_like in [item.person for item in event.involvements.all()]


# Stale edits


def test_a_stale_edit_is_refused_showing_both_versions(documenter, coordinator, dossier, team):
    first, second = client_for(coordinator), client_for(documenter)
    url = reverse("cases:case_edit", args=[dossier.pk])
    # Both open the form on the same version.
    assert f'name="version" value="{dossier.version}"' in first.get(url).text
    assert f'name="version" value="{dossier.version}"' in second.get(url).text
    fields = {
        "version": dossier.version,
        "status": "open",
        "confidentiality": "restricted",
        "team": team.pk,
    }

    saved = first.post(url, {**fields, "title": "Title from the first"})
    refused = second.post(url, {**fields, "title": "Title from the second"})

    assert saved.status_code == 302
    assert refused.status_code == 409
    assert "someone else changed this record" in refused.text
    # The second person's input is still in the form, the first person's change beside it.
    assert 'value="Title from the second"' in refused.text
    assert "<dd>Title from the first</dd>" in refused.text
    assert "Farhad Nouri" in refused.text
    dossier.refresh_from_db()
    assert dossier.title == "Title from the first"
    # Saving again is now a deliberate choice, made on the current version.
    assert f'name="version" value="{dossier.version}"' in refused.text


def test_a_stale_event_edit_is_refused_too(documenter, coordinator, dossier):
    event = dossier.events.get()
    services.update_event(
        actor=coordinator, event=event, expected_version=event.version, place_name="Moved"
    )

    response = client_for(documenter).post(
        reverse("cases:event_edit", args=[event.pk]),
        {
            "version": 1,
            "type": event.type_id,
            "start": event.start.isoformat(),
            "place_name": "My place",
            "charged": "false",
            "persons-TOTAL_FORMS": "0",
            "persons-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 409
    assert 'value="My place"' in response.text
    assert "<dd>Moved</dd>" in response.text
    event.refresh_from_db()
    assert event.place_name == "Moved"


# Soft deletion and restoring


def test_a_coordinator_deletes_and_restores_a_case(logged_in, coordinator, dossier, detainee):
    client = logged_in(coordinator)
    delete_url = reverse("cases:case_delete", args=[dossier.pk])
    assert "Delete the case" in client.get(delete_url).text

    response = client.post(delete_url)

    assert response.status_code == 302
    assert client.get(reverse("cases:case_detail", args=[dossier.pk])).status_code == 404
    assert "northern camp" not in client.get(reverse("cases:case_list")).text
    deleted = client.get(reverse("cases:deleted_list"))
    assert "Held at the northern camp" in deleted.text

    restore_url = reverse("cases:record_restore", args=["case", dossier.pk])
    assert client.post(restore_url).status_code == 302
    assert client.get(reverse("cases:case_detail", args=[dossier.pk])).status_code == 200


def test_a_deleted_event_leaves_the_timeline_and_the_figures(
    logged_in, coordinator, dossier, detainee
):
    client = logged_in(coordinator)
    event = dossier.events.get()

    client.post(reverse("cases:event_delete", args=[event.pk]))
    page = client.get(reverse("cases:case_detail", args=[dossier.pk])).text

    assert "Northern camp" not in page
    assert "ICCPR 9" not in page
    assert client.get(reverse("cases:event_edit", args=[event.pk])).status_code == 404
    assert "Detention" in client.get(reverse("cases:deleted_list")).text

    client.post(reverse("cases:record_restore", args=["event", event.pk]))
    assert "Northern camp" in client.get(reverse("cases:case_detail", args=[dossier.pk])).text


def test_a_documenter_may_not_delete(logged_in, documenter, dossier):
    client = logged_in(documenter)

    assert client.post(reverse("cases:case_delete", args=[dossier.pk])).status_code == 403
    assert client.get(reverse("cases:deleted_list")).status_code == 403
    dossier.refresh_from_db()
    assert dossier.deleted_at is None


def test_a_coordinator_of_another_team_can_not_restore_ours(
    logged_in, coordinator, other_team, dossier
):
    services.delete_record(actor=coordinator, record=dossier)
    stranger = User.objects.create_user(username="kaveh.rostami", role="coordinator")
    stranger.teams.add(other_team)
    client = logged_in(stranger)

    assert "northern camp" not in client.get(reverse("cases:deleted_list")).text
    restore_url = reverse("cases:record_restore", args=["case", dossier.pk])
    assert client.post(restore_url).status_code == 404


# History


def test_the_history_shows_who_changed_what_and_each_version(logged_in, documenter, dossier):
    services.update_case(
        actor=documenter, case=dossier, expected_version=dossier.version, title="Renamed case"
    )
    client = logged_in(documenter)

    history = client.get(reverse("cases:case_history", args=[dossier.pk]))

    assert history.status_code == 200
    assert "Narges Amini" in history.text
    assert "<del>Held at the northern camp</del>" in history.text
    assert "<ins>Renamed case</ins>" in history.text
    oldest = dossier.history.order_by("history_date").first()
    version = client.get(reverse("cases:case_version", args=[dossier.pk, oldest.history_id]))
    assert version.status_code == 200
    assert "<dd>Held at the northern camp</dd>" in version.text
    assert "earlier version" in version.text


def test_the_history_shows_deletion_and_restoring(logged_in, coordinator, dossier):
    services.delete_record(actor=coordinator, record=dossier)
    services.restore_record(actor=coordinator, record=dossier)

    text = logged_in(coordinator).get(reverse("cases:case_history", args=[dossier.pk])).text

    assert "Deleted" in text and "Restored" in text


def test_the_history_of_an_event_and_a_source(logged_in, documenter, dossier, source):
    client = logged_in(documenter)
    event = dossier.events.get()

    assert client.get(reverse("cases:event_history", args=[event.pk])).status_code == 200
    assert client.get(reverse("cases:source_history", args=[source.pk])).status_code == 200


def test_the_history_is_hidden_from_outsiders(logged_in, outsider, dossier, source):
    client = logged_in(outsider)
    version = dossier.history.first()

    assert client.get(reverse("cases:case_history", args=[dossier.pk])).status_code == 404
    assert (
        client.get(reverse("cases:case_version", args=[dossier.pk, version.history_id])).status_code
        == 404
    )
    assert client.get(reverse("cases:source_history", args=[source.pk])).status_code == 404


def test_a_version_of_another_record_is_not_found(logged_in, documenter, dossier, team):
    other = factories.case(documenter, "Another", [], team=team)
    version = other.history.first()

    response = logged_in(documenter).get(
        reverse("cases:case_version", args=[dossier.pk, version.history_id])
    )

    assert response.status_code == 404


# Sources and evidence


def test_a_documenter_adds_a_source(logged_in, documenter, team):
    response = logged_in(documenter).post(
        reverse("cases:source_create"),
        {
            "kind": "document",
            "title": "Deportation order",
            "date": "2021-06~",
            "reliability": "confirmed",
            "confidentiality": "restricted",
            "team": team.pk,
        },
    )

    source = Source.objects.get(title="Deportation order")
    assert response.status_code == 302
    assert source.date.isoformat() == "2021-06~"
    assert source.team == team


def test_the_source_list_and_page(logged_in, documenter, source, evidence, dossier):
    event = dossier.events.get()
    event.sources.add(source)
    client = logged_in(documenter)

    listed = client.get(reverse("cases:source_list"))
    page = client.get(reverse("cases:source_detail", args=[source.pk]))

    assert "Testimony of a cellmate" in listed.text
    assert page.status_code == 200
    assert "statement.pdf" in page.text
    assert evidence.sha256 in page.text
    assert "Held at the northern camp" in page.text


def test_an_outsider_neither_lists_nor_opens_our_restricted_source(logged_in, outsider, source):
    client = logged_in(outsider)

    assert "cellmate" not in client.get(reverse("cases:source_list")).text
    assert client.get(reverse("cases:source_detail", args=[source.pk])).status_code == 404


def test_a_file_is_attached_through_the_page(logged_in, documenter, source):
    response = logged_in(documenter).post(
        reverse("cases:evidence_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("order.pdf", PDF, content_type="application/pdf")},
    )

    assert response.status_code == 302
    evidence = source.files.get()
    assert evidence.name == "order.pdf"
    assert evidence.custody.get().action == CustodyAction.ADDED


def test_a_file_that_is_too_large_is_refused_on_the_form(logged_in, documenter, source, settings):
    settings.EVIDENCE_MAX_BYTES = 10

    response = logged_in(documenter).post(
        reverse("cases:evidence_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("order.pdf", PDF)},
    )

    assert response.status_code == 200
    assert "The file is larger than" in response.text
    assert 'id="id_file_error"' in response.text
    assert not source.files.exists()


def test_a_file_of_a_refused_type_is_refused_on_the_form(logged_in, documenter, source):
    program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256))

    response = logged_in(documenter).post(
        reverse("cases:evidence_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("invoice.pdf.exe", program)},
    )

    assert response.status_code == 200
    assert "Files of this type cannot be kept as evidence" in response.text
    assert not source.files.exists()


def test_a_viewer_may_not_attach_files(logged_in, viewer, source):
    response = logged_in(viewer).post(
        reverse("cases:evidence_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("order.pdf", PDF)},
    )

    assert response.status_code == 403
    assert not source.files.exists()


def test_every_download_is_served_as_an_attachment_and_logged(logged_in, viewer, evidence):
    client = logged_in(viewer)
    url = reverse("cases:evidence_download", args=[evidence.pk])

    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"

    downloads = CustodyEntry.objects.filter(evidence=evidence, action=CustodyAction.DOWNLOADED)
    assert [entry.actor for entry in downloads] == [viewer, viewer]


def test_an_outsider_can_not_download_our_evidence(logged_in, outsider, evidence):
    response = logged_in(outsider).get(reverse("cases:evidence_download", args=[evidence.pk]))

    assert response.status_code == 404
    assert not CustodyEntry.objects.filter(action=CustodyAction.DOWNLOADED).exists()


def test_evidence_of_a_deleted_source_can_not_be_downloaded(
    logged_in, coordinator, source, evidence
):
    services.delete_record(actor=coordinator, record=source)

    response = logged_in(coordinator).get(reverse("cases:evidence_download", args=[evidence.pk]))

    assert response.status_code == 404


def test_evidence_files_live_outside_the_static_folder_sealed(evidence, settings):
    assert not evidence.file.path.startswith(str(settings.STATIC_ROOT))
    assert evidence.file.path.startswith(str(settings.DATA_DIR / "files"))
    with evidence.file.open("rb") as stored:
        assert PDF not in stored.read()


def test_a_coordinator_deletes_a_source(logged_in, coordinator, source):
    client = logged_in(coordinator)

    client.post(reverse("cases:source_delete", args=[source.pk]))

    assert client.get(reverse("cases:source_detail", args=[source.pk])).status_code == 404
    assert "cellmate" in client.get(reverse("cases:deleted_list")).text


# Authorities


def test_a_documenter_adds_and_edits_an_authority(logged_in, documenter):
    client = logged_in(documenter)
    fields = {
        "name": "Ministry of the Interior",
        "kind": "ministry",
        "country": "AL",
        "email": "office@interior.example",
        "address": "",
        "response_days": "30",
    }

    created = client.post(reverse("cases:authority_create"), fields)
    authority = Authority.objects.get(name="Ministry of the Interior")
    edited = client.post(
        reverse("cases:authority_edit", args=[authority.pk]),
        {**fields, "response_days": "20", "version": authority.version},
    )

    assert created.status_code == 302 and edited.status_code == 302
    authority.refresh_from_db()
    assert authority.response_days == 20
    listed = client.get(reverse("cases:authority_list"))
    assert "Ministry of the Interior" in listed.text


def test_a_viewer_may_not_add_or_edit_authorities(logged_in, viewer, documenter):
    authority = services.create_authority(actor=documenter, name="Border police")
    client = logged_in(viewer)

    assert "Border police" in client.get(reverse("cases:authority_list")).text
    assert client.post(reverse("cases:authority_create"), {"name": "X"}).status_code == 403
    edit = client.post(
        reverse("cases:authority_edit", args=[authority.pk]), {"name": "X", "version": 1}
    )
    assert edit.status_code == 403
    authority.refresh_from_db()
    assert authority.name == "Border police"


def test_the_navigation_links_to_the_case_list(logged_in, documenter):
    response = logged_in(documenter).get(reverse("dashboard"))

    assert f'href="{reverse("cases:case_list")}"' in response.text


def test_events_are_not_visible_through_a_deleted_case(logged_in, coordinator, dossier):
    event = Event.objects.get(case=dossier)
    services.delete_record(actor=coordinator, record=dossier)

    response = logged_in(coordinator).get(reverse("cases:event_history", args=[event.pk]))

    assert response.status_code == 404
