"""The daily-work flows: the person finder, a person added from another form, a family
member's refused visa in one form, event persons, the lookalike warning on a new person."""

import pytest
from django.urls import reverse

from docket.accounts.permissions import Confidentiality
from docket.audit.models import AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Event, EventType, Involvement, InvolvementRole
from docket.people.models import Person, Relationship, RelationshipKind
from tests import factories

pytestmark = pytest.mark.django_db

ROSTAMI = ("Mehdi Rostami", "مهدی رستمی")


@pytest.fixture
def rostami(documenter, team):
    return factories.person(documenter, *ROSTAMI, team=team, birth_date="1980", nationality="IR")


@pytest.fixture
def theirs(outsider, other_team):
    """Another team's person of the same name, restricted: nobody of ours may see them."""
    return factories.person(
        outsider, *ROSTAMI, team=other_team, confidentiality=Confidentiality.RESTRICTED
    )


@pytest.fixture
def dossier(documenter, team, rostami):
    return factories.case(documenter, "Rostami family", [rostami], team=team)


def _found(client, text, **extra):
    response = client.get(reverse("people:person_find"), {"q": text, **extra})
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


# The finder


@pytest.mark.parametrize("typed", ["Mahdi Rustamy", "مهدي رستمي", "rostami", "Mehdy", "Rosta"])
def test_the_finder_finds_a_person_by_any_spelling_or_script(
    logged_in, documenter, rostami, theirs, typed
):
    assert _found(logged_in(documenter), typed) == [rostami.pk]


def test_the_finder_answers_id_name_and_what_tells_namesakes_apart(logged_in, documenter, rostami):
    row = logged_in(documenter).get(reverse("people:person_find"), {"q": "Rostami"}).json()
    assert row["results"][0]["id"] == rostami.pk
    assert row["results"][0]["name"] == "Mehdi Rostami"
    assert "1980" in row["results"][0]["detail"] and "Iran" in row["results"][0]["detail"]


def test_another_teams_staff_find_none_of_our_restricted_persons(
    logged_in, outsider, documenter, team
):
    ours = factories.person(
        documenter, *ROSTAMI, team=team, confidentiality=Confidentiality.RESTRICTED
    )
    client = logged_in(outsider)
    assert _found(client, "Rostami") == []
    assert _found(client, "مهدي رستمي") == []
    assert _found(client, str(ours.pk)) == []


def test_the_finder_never_names_a_person_the_reader_may_not_see(
    logged_in, documenter, viewer, theirs
):
    assert _found(logged_in(documenter), "Mehdi Rostami") == []
    assert _found(logged_in(documenter), str(theirs.pk)) == []
    assert _found(logged_in(viewer), "مهدی رستمی") == []


def test_a_name_typed_without_javascript_chooses_the_one_person_who_bears_it(
    logged_in, documenter, dossier, rostami
):
    client = logged_in(documenter)
    visa = EventType.objects.get(code="visa_refused")
    victim = InvolvementRole.objects.get(code="victim")
    response = client.post(
        reverse("cases:event_create", args=[dossier.pk]),
        {
            "type": visa.pk,
            "persons-TOTAL_FORMS": "1",
            "persons-INITIAL_FORMS": "0",
            "persons-0-person": "Mahdi Rustami",
            "persons-0-role": victim.pk,
        },
    )
    assert response.status_code == 302
    event = Event.objects.get(case=dossier)
    assert list(event.involvements.values_list("person_id", flat=True)) == [rostami.pk]


# A person added from another form


def test_a_person_is_added_from_the_finder_through_the_service_and_audited(
    logged_in, documenter, team
):
    client = logged_in(documenter)
    response = client.post(
        reverse("people:person_quick"),
        {
            "name": "Parisa Kamali",
            "other_name": "پریسا کمالی",
            "other_script": "persian",
            "birth_date": "1991",
            "confidentiality": "internal",
            "team": team.pk,
        },
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    person = Person.objects.get(pk=response.json()["person"]["id"])
    assert [name.name for name in person.names.all()] == ["Parisa Kamali", "پریسا کمالی"]
    assert person.history.count() == 1
    assert AuditEntry.objects.filter(
        action="create", object_type="people.person", object_id=str(person.pk)
    ).exists()


def test_a_person_added_from_the_finder_is_queued_for_duplicate_detection(
    logged_in, documenter, team, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(documenter).post(
            reverse("people:person_quick"),
            {
                "name": "Parisa Kamali",
                "other_script": "persian",
                "confidentiality": "internal",
                "team": team.pk,
            },
        )
    assert response.status_code == 302
    queued = DBTaskResult.objects.filter(task_path__endswith="find_duplicates_of_new_persons")
    assert queued.count() == 1


def test_a_viewer_may_not_add_a_person_from_the_finder(logged_in, viewer):
    response = logged_in(viewer).post(reverse("people:person_quick"), {"name": "Parisa Kamali"})
    assert response.status_code == 403
    assert not Person.objects.exists()


# The lookalike warning


def _new_person(team, *names, **extra):
    data = {
        "names-TOTAL_FORMS": str(len(names)),
        "names-INITIAL_FORMS": "0",
        "sex": "male",
        "status": "unknown",
        "confidentiality": "internal",
        "team": str(team.pk),
        **extra,
    }
    for index, (name, script) in enumerate(names):
        data |= {
            f"names-{index}-name": name,
            f"names-{index}-script": script,
            f"names-{index}-kind": "full",
        }
    return data


def test_a_new_lookalike_is_warned_of_and_saved_only_when_confirmed(
    logged_in, documenter, team, rostami
):
    client = logged_in(documenter)
    data = _new_person(team, ("Mehdy Rustami", "latin"), ("مهدي رستمي", "persian"))
    warned = client.post(reverse("people:person_create"), data)
    assert warned.status_code == 200
    assert "looks like someone already recorded" in warned.text
    assert reverse("people:person_detail", args=[rostami.pk]) in warned.text
    assert Person.objects.count() == 1

    saved = client.post(reverse("people:person_create"), data | {"save_anyway": "on"})
    assert saved.status_code == 302
    assert Person.objects.count() == 2


def test_someone_else_of_another_name_is_saved_without_a_warning(
    logged_in, documenter, team, rostami
):
    data = _new_person(team, ("Hamid Rostami", "latin"))
    assert logged_in(documenter).post(reverse("people:person_create"), data).status_code == 302


def test_the_lookalike_warning_never_names_a_person_the_writer_may_not_see(
    logged_in, documenter, team, theirs
):
    data = _new_person(team, ("Mehdy Rustami", "latin"))
    assert logged_in(documenter).post(reverse("people:person_create"), data).status_code == 302


def test_the_finder_says_live_whom_a_name_looks_like(logged_in, documenter, rostami):
    assert _found(logged_in(documenter), "Mehdy Rustami", lookalike="1") == [rostami.pk]


# Event persons


def test_a_new_event_of_a_one_person_case_starts_with_that_person(
    logged_in, documenter, dossier, rostami
):
    page = logged_in(documenter).get(reverse("cases:event_create", args=[dossier.pk]))
    assert page.context["formset"].forms[0]["person"].value() == rostami.pk


def test_a_posted_event_form_is_not_given_the_prefilled_person_again(
    logged_in, documenter, dossier
):
    visa = EventType.objects.get(code="visa_refused")
    response = logged_in(documenter).post(
        reverse("cases:event_create", args=[dossier.pk]),
        {
            "type": visa.pk,
            "persons-TOTAL_FORMS": "1",
            "persons-INITIAL_FORMS": "0",
            "persons-0-person": "",
            "persons-0-role": "",
        },
    )
    assert response.status_code == 302
    assert not Involvement.objects.exists()


def test_a_person_may_not_be_named_twice_in_one_role_but_may_in_two(
    logged_in, documenter, dossier, rostami
):
    client = logged_in(documenter)
    visa = EventType.objects.get(code="visa_refused")
    victim = InvolvementRole.objects.get(code="victim")
    witness = InvolvementRole.objects.get(code="witness")
    rows = {
        "type": visa.pk,
        "persons-TOTAL_FORMS": "2",
        "persons-INITIAL_FORMS": "0",
        "persons-0-person": rostami.pk,
        "persons-0-role": victim.pk,
        "persons-1-person": rostami.pk,
        "persons-1-role": victim.pk,
    }
    twice = client.post(reverse("cases:event_create", args=[dossier.pk]), rows)
    assert twice.status_code == 200
    assert "named twice as Victim" in twice.text
    assert not Event.objects.exists()

    both = client.post(
        reverse("cases:event_create", args=[dossier.pk]), rows | {"persons-1-role": witness.pk}
    )
    assert both.status_code == 302
    assert Involvement.objects.count() == 2


# A family member's refused visa, in one form


def _refusal(dossier, rostami, **extra):
    return {
        "person": rostami.pk,
        "name": "Soraya Rostami",
        "other_name": "ثریا رستمی",
        "other_script": "persian",
        "kind": RelationshipKind.objects.get(code="sibling").pk,
        "type": EventType.objects.get(code="visa_refused").pk,
        "start": "2024-05",
        "description": "Refused a visa to visit her brother.",
        **extra,
    }


def test_a_family_members_refused_visa_is_recorded_in_one_form(
    logged_in, documenter, dossier, rostami
):
    url = reverse("cases:relative_refusal", args=[dossier.pk])
    response = logged_in(documenter).post(url, _refusal(dossier, rostami))
    assert response.status_code == 302
    sister = Person.objects.exclude(pk=rostami.pk).get()
    assert [name.name for name in sister.names.all()] == ["Soraya Rostami", "ثریا رستمی"]
    assert sister.team == dossier.team
    assert Relationship.objects.filter(
        person=rostami, relative=sister, kind__code="sibling"
    ).exists()
    assert set(dossier.persons.all()) == {rostami, sister}
    event = Event.objects.get(case=dossier)
    assert event.type.code == "visa_refused"
    assert set(event.involvements.values_list("person_id", "role__code")) == {
        (sister.pk, "victim"),
        (rostami.pk, "family"),
    }


def test_a_recorded_relative_is_chosen_rather_than_added(
    logged_in, documenter, team, dossier, rostami
):
    father = factories.person(documenter, "Karim Rostami", team=team)
    data = _refusal(
        dossier,
        rostami,
        name="",
        other_name="",
        relative=str(father.pk),
        kind=RelationshipKind.objects.get(code="parent").pk,
        type=EventType.objects.get(code="visit_refused").pk,
    )
    response = logged_in(documenter).post(
        reverse("cases:relative_refusal", args=[dossier.pk]), data
    )
    assert response.status_code == 302
    assert Person.objects.count() == 2
    assert Event.objects.get(case=dossier).involvements.filter(person=father).exists()


def test_a_refusal_that_fails_leaves_nothing_behind(
    logged_in, documenter, dossier, rostami, monkeypatch
):
    def broken(**kwargs):
        raise case_services.ValidationError({"start": "refused for the test"})

    monkeypatch.setattr(case_services, "add_event", broken)
    response = logged_in(documenter).post(
        reverse("cases:relative_refusal", args=[dossier.pk]), _refusal(dossier, rostami)
    )
    assert response.status_code == 400
    assert Person.objects.count() == 1
    assert not Relationship.objects.exists()
    assert list(dossier.persons.all()) == [rostami]


def test_a_viewer_may_not_record_a_family_members_refusal(logged_in, viewer, dossier, rostami):
    response = logged_in(viewer).post(
        reverse("cases:relative_refusal", args=[dossier.pk]), _refusal(dossier, rostami)
    )
    assert response.status_code == 403
    assert Person.objects.count() == 1


def test_the_forms_of_these_flows_point_their_descriptions_at_what_exists(
    logged_in, documenter, dossier
):
    from tests.test_tracing_flows import _check_form_markup, _parsed

    client = logged_in(documenter)
    for url in (
        reverse("cases:event_create", args=[dossier.pk]),
        reverse("cases:relative_refusal", args=[dossier.pk]),
        reverse("people:person_create"),
        reverse("people:person_quick"),
    ):
        _check_form_markup(client.get(url).text)
    for url in (reverse("search:search") + "?q=Rostami", reverse("search:event_list")):
        page = _parsed(client.get(url).text)
        assert not [item for item in page.described if item not in page.ids], url
