"""The people pages: list, person page, forms, relatives, history, deletion; and who is refused."""

import re

import pytest
from django.urls import reverse

from docket.accounts.models import User
from docket.accounts.permissions import Confidentiality
from docket.cases import services as case_services
from docket.cases.models import EventType, InvolvementRole
from docket.people.models import NameKind, Person, PersonStatus, Relationship, RelationshipKind
from docket.people.services import NameInput, create_person, relate, update_person
from tests import factories

pytestmark = pytest.mark.django_db

PERSIAN = "غلامرضا شکاری"
LATIN = "Gholamreza Shekari"
CONTACT = "Telephone +98 21 5550 1234"


@pytest.fixture
def shekari(documenter, team):
    return factories.person(
        documenter,
        LATIN,
        PERSIAN,
        team=team,
        status=PersonStatus.REFUGEE,
        nationality="IR",
        birth_date="1975",
        contact_details=CONTACT,
    )


@pytest.fixture
def hidden_person(outsider, other_team):
    """Another team's restricted person: nobody in our team may see them."""
    return factories.person(
        outsider, "Leila Rahimi", team=other_team, confidentiality=Confidentiality.RESTRICTED
    )


def detail(person):
    return reverse("people:person_detail", args=[person.pk])


def edit(person):
    return reverse("people:person_edit", args=[person.pk])


def form_data(version=None, names=(), **fields):
    """A filled-in person form as a browser would post it."""
    data = {
        "names-TOTAL_FORMS": "4",
        "names-INITIAL_FORMS": "0",
        "names-MIN_NUM_FORMS": "0",
        "names-MAX_NUM_FORMS": "30",
        "sex": "male",
        "birth_date": "",
        "birth_place": "",
        "nationality": "",
        "status": "unknown",
        "notes": "",
        "contact_details": "",
        "confidentiality": "internal",
        "team": "",
    }
    for index in range(4):
        text, script, kind = names[index] if index < len(names) else ("", "latin", "full")
        data |= {
            f"names-{index}-name": text,
            f"names-{index}-script": script,
            f"names-{index}-kind": kind,
        }
    if version is not None:
        data["version"] = str(version)
    return data | {key: str(value) for key, value in fields.items()}


# The list


def test_the_list_shows_each_visible_person_with_names_and_status(logged_in, viewer, shekari):
    page = logged_in(viewer).get(reverse("people:person_list")).content.decode()

    assert LATIN in page
    assert f'lang="fa">{PERSIAN}</bdi>' in page
    assert "Refugee" in page
    assert "Iran" in page


def test_the_list_leaves_out_another_teams_restricted_person(logged_in, viewer, hidden_person):
    page = logged_in(viewer).get(reverse("people:person_list")).content.decode()

    assert "Leila Rahimi" not in page
    assert "0 persons" in page


def test_the_name_filter_finds_a_persian_name_by_a_persian_fragment(
    logged_in, viewer, documenter, shekari
):
    factories.person(documenter, "Leila Rahimi", "لیلا رحیمی")

    page = logged_in(viewer).get(reverse("people:person_list"), {"name": "شکاری"}).content.decode()

    assert LATIN in page
    assert "Leila Rahimi" not in page


def test_the_name_filter_finds_a_name_typed_with_arabic_letters(logged_in, viewer, shekari):
    # "شكاري" with Arabic kaf and yeh, as an Arabic keyboard types it.
    page = logged_in(viewer).get(reverse("people:person_list"), {"name": "شكاري"}).content.decode()

    assert LATIN in page


def test_the_name_filter_matches_any_name_in_any_script(logged_in, viewer, shekari):
    page = logged_in(viewer).get(reverse("people:person_list"), {"name": "shek"}).content.decode()

    assert PERSIAN in page


def test_status_and_nationality_filter_the_list(logged_in, viewer, documenter, shekari):
    factories.person(
        documenter, "Leila Rahimi", status=PersonStatus.ASYLUM_SEEKER, nationality="AF"
    )
    client = logged_in(viewer)

    by_status = client.get(reverse("people:person_list"), {"status": "asylum_seeker"})
    by_nationality = client.get(reverse("people:person_list"), {"nationality": "IR"})

    assert "Leila Rahimi" in by_status.content.decode()
    assert LATIN not in by_status.content.decode()
    assert LATIN in by_nationality.content.decode()
    assert "Leila Rahimi" not in by_nationality.content.decode()


def test_the_list_is_paginated_and_the_pages_keep_the_filter(logged_in, viewer, documenter):
    for number in range(30):
        factories.person(documenter, f"Rahimi {number:02d}")

    response = logged_in(viewer).get(reverse("people:person_list"), {"name": "Rahimi"})
    page = response.content.decode()

    assert "30 persons" in page
    assert page.count('href="/people/') >= 25
    assert "Page 1 of 2" in page
    assert "?name=Rahimi&amp;page=2" in page


def test_the_list_costs_the_same_few_queries_however_many_persons(
    logged_in, viewer, documenter, django_assert_max_num_queries
):
    client = logged_in(viewer)
    client.get(reverse("people:person_list"))  # warm the session
    for number in range(25):
        factories.person(documenter, f"Rahimi {number:02d}", f"رحیمی {number:02d}")

    # Session, user, teams, count, persons, names; and saving the session (three).
    with django_assert_max_num_queries(9):
        response = client.get(reverse("people:person_list"), {"name": "Rahimi"})

    assert response.content.decode().count("رحیمی") == 25


def test_the_navigation_leads_to_the_people_list(logged_in, viewer):
    page = logged_in(viewer).get(reverse("people:person_list")).content.decode()

    assert '<a href="/people/" aria-current="page">People</a>' in page


def test_the_list_needs_a_log_in(client):
    response = client.get(reverse("people:person_list"))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


# A person's page


def test_the_person_page_shows_names_facts_and_figures(logged_in, viewer, shekari):
    page = logged_in(viewer).get(detail(shekari)).content.decode()

    assert f'<bdi class="name" dir="auto" lang="fa">{PERSIAN}</bdi>' in page
    assert LATIN in page
    assert '<time datetime="1975">1975</time>' in page
    assert "Refugee" in page
    assert "Days detained in all" in page
    assert "Years without family contact" in page


def test_an_outsider_gets_404_for_another_teams_restricted_person(
    logged_in, documenter, hidden_person
):
    client = logged_in(documenter)

    for name in ["person_detail", "person_edit", "person_history", "relative_add"]:
        assert client.get(reverse(f"people:{name}", args=[hidden_person.pk])).status_code == 404


def test_the_owning_teams_documenter_sees_contact_details(logged_in, documenter, shekari):
    page = logged_in(documenter).get(detail(shekari)).content.decode()

    assert CONTACT in page


def test_a_viewer_sees_that_contact_details_exist_but_not_what_they_are(logged_in, viewer, shekari):
    page = logged_in(viewer).get(detail(shekari)).content.decode()

    assert CONTACT not in page
    assert "5550" not in page
    assert "Recorded, hidden" in page


def test_a_documenter_of_another_team_who_may_not_edit_sees_no_contact_details(
    logged_in, outsider, shekari
):
    # Internal: every staff member sees the person, only the owning team edits them.
    response = logged_in(outsider).get(detail(shekari))

    assert response.status_code == 200
    assert CONTACT not in response.content.decode()
    assert "Recorded, hidden" in response.content.decode()


@pytest.fixture
def documented(documenter, outsider, other_team, shekari):
    """Shekari held, then released, on a case of ours; plus a case of theirs we may not see."""
    dossier = factories.case(documenter, "Held at the camp", [shekari])
    testimony = case_services.create_source(
        actor=documenter, title="Testimony of his brother", kind="testimony"
    )
    factories.event(
        documenter, dossier, "release", "2021-05-01", victims=(shekari,), place_name="Camp Ashraf"
    )
    detention = factories.event(
        documenter, dossier, "detention", "2020-03", victims=(shekari,), charged=False
    )
    case_services.update_event(
        actor=documenter,
        event=detention,
        expected_version=detention.version,
        sources=[testimony],
    )
    secret_case = factories.case(
        outsider, "A case of theirs", [], team=other_team, confidentiality="restricted"
    )
    secret_source = case_services.create_source(
        actor=outsider, title="Their informant", team=other_team
    )
    witness = InvolvementRole.objects.get(code="witness")
    case_services.add_event(
        actor=outsider,
        case=secret_case,
        type=EventType.objects.get(code="hearing"),
        involvements=[case_services.InvolvementInput(shekari, witness)],
        sources=[secret_source],
    )
    return dossier


def test_the_person_page_gathers_cases_events_and_sources(logged_in, documenter, documented):
    person = documented.persons.get()
    page = logged_in(documenter).get(detail(person)).content.decode()

    assert "Held at the camp" in page
    assert page.index("Detention") < page.index("Release")  # in date order
    assert '<time datetime="2020-03">2020-03</time>' in page
    assert "Victim" in page
    assert "Camp Ashraf" in page
    assert "Testimony of his brother" in page
    assert "Approximate" in page  # the detention began in a month, not on a day
    assert "ICCPR 9" in page
    assert "At liberty" in page


def test_the_person_page_leaves_out_cases_events_and_sources_the_reader_may_not_see(
    logged_in, documenter, documented
):
    person = documented.persons.get()
    page = logged_in(documenter).get(detail(person)).content.decode()

    assert "A case of theirs" not in page
    assert "Hearing" not in page
    assert "Their informant" not in page


# New person


def test_a_documenter_adds_a_person_with_a_persian_name_and_a_partial_birth_date(
    logged_in, documenter, team
):
    client = logged_in(documenter)
    assert client.get(reverse("people:person_create")).status_code == 200

    response = client.post(
        reverse("people:person_create"),
        form_data(
            names=[(PERSIAN, "persian", "full"), (LATIN, "latin", "full"), ("", "latin", "alias")],
            birth_date="1975-03~",
            birth_place="Tabriz",
            nationality="IR",
            status="refugee",
            team=team.pk,
            contact_details=CONTACT,
        ),
    )

    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(person)
    assert [(name.name, name.script) for name in person.names.all()] == [
        (PERSIAN, "persian"),
        (LATIN, "latin"),
    ]
    assert person.birth_date.isoformat() == "1975-03~"
    assert person.team == team
    assert person.created_by == documenter
    page = client.get(detail(person)).content.decode()
    assert f'<h1><bdi class="name" dir="auto" lang="fa">{PERSIAN}</bdi></h1>' in page
    assert '<time datetime="1975-03">1975-03</time> <span class="approximate">' in page


@pytest.mark.parametrize("typed", ["1975", "1975-03", "1975-03-02", "1975~"])
def test_a_birth_date_may_be_a_year_a_month_a_day_or_approximate(
    logged_in, documenter, team, typed
):
    logged_in(documenter).post(
        reverse("people:person_create"),
        form_data(names=[("Leila Rahimi", "latin", "full")], birth_date=typed, team=team.pk),
    )

    assert Person.objects.get().birth_date.isoformat() == typed


def test_a_wrong_birth_date_is_refused_beside_its_field_and_nothing_typed_is_lost(
    logged_in, documenter, team
):
    response = logged_in(documenter).post(
        reverse("people:person_create"),
        form_data(names=[(PERSIAN, "persian", "full")], birth_date="March 1975", team=team.pk),
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert not Person.objects.exists()
    assert 'role="alert"' in page
    assert 'id="id_birth_date_error"' in page
    assert re.search(r'aria-describedby="[^"]*id_birth_date_error"', page)
    assert 'aria-invalid="true"' in page
    assert f'value="{PERSIAN}"' in page


def test_a_person_needs_at_least_one_name(logged_in, documenter, team):
    response = logged_in(documenter).post(
        reverse("people:person_create"), form_data(names=[], team=team.pk)
    )

    assert response.status_code == 200
    assert "Give the person at least one name." in response.content.decode()
    assert not Person.objects.exists()


def test_a_person_is_filed_only_under_ones_own_team(logged_in, documenter, other_team):
    response = logged_in(documenter).post(
        reverse("people:person_create"),
        form_data(names=[("Leila Rahimi", "latin", "full")], team=other_team.pk),
    )

    assert response.status_code == 200
    assert 'id="id_team_error"' in response.content.decode()
    assert not Person.objects.exists()


def test_the_team_choices_are_the_writers_own_teams(logged_in, documenter, team, other_team):
    page = logged_in(documenter).get(reverse("people:person_create")).content.decode()

    assert f'<option value="{team.pk}" selected>Documentation</option>' in page
    assert "Another association" not in page


def test_a_viewer_may_not_add_a_person(logged_in, viewer, team):
    client = logged_in(viewer)

    assert client.get(reverse("people:person_create")).status_code == 403
    response = client.post(
        reverse("people:person_create"),
        form_data(names=[("Leila Rahimi", "latin", "full")], team=team.pk),
    )
    assert response.status_code == 403
    assert not Person.objects.exists()


# Editing


def test_the_edit_form_carries_the_version_it_was_opened_on(logged_in, documenter, shekari):
    page = logged_in(documenter).get(edit(shekari)).content.decode()

    assert f'<input type="hidden" name="version" value="{shekari.version}"' in page
    assert f'value="{PERSIAN}"' in page
    assert 'dir="auto"' in page


def test_a_documenter_renames_a_person_and_changes_facts(logged_in, documenter, team, shekari):
    response = logged_in(documenter).post(
        edit(shekari),
        form_data(
            version=shekari.version,
            names=[(PERSIAN, "persian", "full"), ("Gholamreza Shekary", "latin", "alias")],
            birth_date="1975-03-02",
            status="asylum_seeker",
            team=team.pk,
            contact_details=CONTACT,
        ),
    )

    assert response.status_code == 302
    shekari.refresh_from_db()
    assert shekari.version == 2
    assert shekari.status == "asylum_seeker"
    assert [name.kind for name in shekari.names.all()] == [NameKind.FULL, NameKind.ALIAS]


def test_a_viewer_may_not_edit(logged_in, viewer, team, shekari):
    client = logged_in(viewer)

    assert client.get(edit(shekari)).status_code == 403
    response = client.post(
        edit(shekari), form_data(version=1, names=[("Changed", "latin", "full")], team=team.pk)
    )
    assert response.status_code == 403
    assert shekari.names.first().name == LATIN


def test_a_documenter_of_another_team_may_not_edit_a_person_they_see(logged_in, outsider, shekari):
    assert logged_in(outsider).get(edit(shekari)).status_code == 403


def test_a_stale_edit_is_refused_with_both_versions_shown_and_nothing_lost(
    logged_in, documenter, coordinator, team, shekari
):
    opened_on = shekari.version
    # A colleague saves first, while the documenter still has the form open.
    update_person(
        actor=coordinator,
        person=shekari,
        expected_version=opened_on,
        notes="Moved to the closed camp in 2019.",
    )

    response = logged_in(documenter).post(
        edit(shekari),
        form_data(
            version=opened_on,
            names=[(PERSIAN, "persian", "full"), (LATIN, "latin", "full")],
            notes="Has a daughter in Hamburg.",
            birth_date="1975",
            team=team.pk,
        ),
    )
    page = response.content.decode()

    assert response.status_code == 200
    shekari.refresh_from_db()
    assert shekari.notes == "Moved to the closed camp in 2019."  # theirs kept
    assert shekari.version == opened_on + 1
    assert "Someone else saved this person while you were editing" in page
    assert 'role="alert"' in page
    assert "Farhad Nouri" in page  # who saved it
    # Both versions, side by side; the user's own input still in the form.
    saved = re.search(r'class="saved-value">([^<]*)<', page.split("Notes")[1])
    assert saved and saved.group(1) == "Moved to the closed camp in 2019."
    assert '<td dir="auto" class="your-value">Has a daughter in Hamburg.</td>' in page
    assert "Has a daughter in Hamburg.</textarea>" in page
    # Saving again, having seen theirs, is based on the current version.
    assert f'name="version" value="{opened_on + 1}"' in page


def test_saving_again_after_seeing_the_other_version_goes_through(
    logged_in, documenter, coordinator, team, shekari
):
    opened_on = shekari.version
    update_person(actor=coordinator, person=shekari, expected_version=opened_on, notes="Theirs")
    client = logged_in(documenter)
    data = form_data(
        version=opened_on, names=[(LATIN, "latin", "full")], notes="Both", team=team.pk
    )
    client.post(edit(shekari), data)

    response = client.post(edit(shekari), data | {"version": str(opened_on + 1)})

    assert response.status_code == 302
    shekari.refresh_from_db()
    assert shekari.notes == "Both"


# Relatives


def test_a_relative_is_shown_on_both_persons_pages(logged_in, documenter, shekari):
    daughter = factories.person(documenter, "Leila Shekari", "لیلا شکاری")
    client = logged_in(documenter)

    search = client.get(reverse("people:relative_add", args=[daughter.pk]), {"q": "شکاری"})
    assert f'value="{shekari.pk}"' in search.content.decode()
    parent = RelationshipKind.objects.get(code="parent")
    response = client.post(
        reverse("people:relative_add", args=[daughter.pk]),
        {"relative": shekari.pk, "kind": parent.pk, "q": "شکاری"},
    )

    assert response.status_code == 302
    assert Relationship.objects.filter(person=daughter, relative=shekari, kind=parent).exists()
    daughters_page = client.get(detail(daughter)).content.decode()
    fathers_page = client.get(detail(shekari)).content.decode()
    link = r'<dt>{}</dt>\s*<dd><span class="names"><a href="{}"><bdi[^>]*>{}</bdi>'
    assert re.search(link.format("Parent", detail(shekari), LATIN), daughters_page)
    assert re.search(link.format("Parent of", detail(daughter), "Leila Shekari"), fathers_page)


def test_the_relative_search_answers_htmx_with_the_candidates_alone(logged_in, documenter, shekari):
    daughter = factories.person(documenter, "Leila Shekari")

    response = logged_in(documenter).get(
        reverse("people:relative_add", args=[daughter.pk]),
        {"q": "Gholam"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()

    assert page.lstrip().startswith('<input type="hidden" name="q" value="Gholam">')
    assert LATIN in page
    assert "<html" not in page


def test_a_relative_must_be_someone_the_writer_may_see(
    logged_in, documenter, shekari, hidden_person
):
    parent = RelationshipKind.objects.get(code="parent")
    response = logged_in(documenter).post(
        reverse("people:relative_add", args=[shekari.pk]),
        {"relative": hidden_person.pk, "kind": parent.pk},
    )

    assert response.status_code == 200
    assert "Choose the relative from the persons found." in response.content.decode()
    assert not Relationship.objects.exists()


def test_relatives_one_may_not_see_stay_hidden(
    logged_in, documenter, administrator, outsider, shekari, hidden_person
):
    brother = factories.person(outsider, "Visible relative")
    relate(
        actor=outsider,
        person=hidden_person,
        relative=brother,
        kind=RelationshipKind.objects.get(code="sibling"),
    )
    # An administrator, who sees restricted persons of every team, linked them.
    relate(
        actor=administrator,
        person=shekari,
        relative=hidden_person,
        kind=RelationshipKind.objects.get(code="spouse"),
    )
    client = logged_in(documenter)

    for person in [shekari, brother]:
        page = client.get(detail(person)).content.decode()
        assert "Leila Rahimi" not in page
        assert "Spouse" not in page and "Sibling of" not in page


def test_a_viewer_may_not_add_a_relative(logged_in, viewer, documenter, shekari):
    other = factories.person(documenter, "Leila Rahimi")
    client = logged_in(viewer)
    url = reverse("people:relative_add", args=[shekari.pk])

    assert client.get(url).status_code == 403
    kind = RelationshipKind.objects.get(code="parent")
    assert client.post(url, {"relative": other.pk, "kind": kind.pk}).status_code == 403
    assert not Relationship.objects.exists()


# History


def test_the_history_shows_each_change_and_each_renaming(logged_in, documenter, shekari):
    update_person(
        actor=documenter,
        person=shekari,
        expected_version=shekari.version,
        names=[NameInput("Gholamreza Shekary"), NameInput(PERSIAN, script="persian")],
        status=PersonStatus.ASYLUM_SEEKER,
    )

    page = logged_in(documenter).get(reverse("people:person_history", args=[shekari.pk]))
    text = page.content.decode()

    assert page.status_code == 200
    assert "Created" in text and "Changed" in text
    assert "Asylum seeker" in text
    assert "Gholamreza Shekary (Latin, Full name)" in text
    assert "<del>Gholamreza Shekari (Latin, Full name)" in text
    assert "Narges Amini" in text


def test_an_earlier_version_shows_the_names_it_had(logged_in, documenter, shekari):
    first = shekari.history.earliest("history_date")
    update_person(
        actor=documenter,
        person=shekari,
        expected_version=shekari.version,
        names=[NameInput("Gholamreza Shekary")],
    )

    page = logged_in(documenter).get(
        reverse("people:person_version", args=[shekari.pk, first.history_id])
    )

    assert "Gholamreza Shekari (Latin, Full name)" in page.content.decode()
    assert "Gholamreza Shekary (Latin" not in page.content.decode()


def test_the_history_hides_contact_details_from_those_who_may_not_edit(
    logged_in, viewer, documenter, shekari
):
    history = reverse("people:person_history", args=[shekari.pk])
    first = shekari.history.earliest("history_date")
    version = reverse("people:person_version", args=[shekari.pk, first.history_id])

    assert CONTACT not in logged_in(viewer).get(history).content.decode()
    assert CONTACT not in logged_in(viewer).get(version).content.decode()
    assert CONTACT in logged_in(documenter).get(history).content.decode()


def test_the_history_of_a_person_one_may_not_see_is_404(logged_in, documenter, hidden_person):
    first = hidden_person.history.earliest("history_date")
    client = logged_in(documenter)

    assert client.get(reverse("people:person_history", args=[hidden_person.pk])).status_code == 404
    version = reverse("people:person_version", args=[hidden_person.pk, first.history_id])
    assert client.get(version).status_code == 404


# Deleting and restoring


def test_a_coordinator_deletes_a_person_who_then_is_404_until_restored(
    logged_in, coordinator, shekari
):
    client = logged_in(coordinator)
    delete = reverse("people:person_delete", args=[shekari.pk])
    assert "Delete this person" in client.get(delete).content.decode()

    response = client.post(delete)

    assert response.status_code == 302
    assert client.get(detail(shekari)).status_code == 404
    assert LATIN not in client.get(reverse("people:person_list")).content.decode()
    assert LATIN in client.get(reverse("people:deleted_list")).content.decode()

    restore = reverse("people:person_restore", args=[shekari.pk])
    assert client.get(restore).status_code == 200
    assert client.post(restore).status_code == 302
    assert client.get(detail(shekari)).status_code == 200
    history = client.get(reverse("people:person_history", args=[shekari.pk])).content.decode()
    assert "Deleted" in history and "Restored" in history


def test_a_documenter_may_neither_delete_nor_restore(logged_in, documenter, coordinator, shekari):
    client = logged_in(documenter)
    delete = reverse("people:person_delete", args=[shekari.pk])

    assert client.get(delete).status_code == 403
    assert client.post(delete).status_code == 403
    shekari.refresh_from_db()
    assert shekari.deleted_at is None
    assert client.get(reverse("people:deleted_list")).status_code == 403

    case_services.delete_record(actor=coordinator, record=shekari)
    restore = reverse("people:person_restore", args=[shekari.pk])
    assert client.get(restore).status_code == 404
    assert client.post(restore).status_code == 404


def test_a_deleted_person_vanishes_for_everyone(logged_in, viewer, coordinator, shekari):
    case_services.delete_record(actor=coordinator, record=shekari)
    client = logged_in(viewer)

    assert client.get(detail(shekari)).status_code == 404
    assert LATIN not in client.get(reverse("people:person_list")).content.decode()


def test_a_coordinator_of_another_team_may_not_restore(logged_in, coordinator, other_team):
    theirs = create_person(
        actor=coordinator, names=[NameInput("Leila Rahimi")], team=coordinator.teams.get()
    )
    case_services.delete_record(actor=coordinator, record=theirs)
    stranger = User.objects.create_user(
        username="omid.farahani", role="coordinator", password="a fictional pass phrase"
    )
    stranger.teams.add(other_team)

    response = logged_in(stranger).post(reverse("people:person_restore", args=[theirs.pk]))

    assert response.status_code == 404


# Direction overrides in names (issue 13, finding 12)

OVERRIDE = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: flips all that follows it on screen


def test_direction_overrides_typed_into_a_name_are_not_stored(logged_in, documenter, team):
    client = logged_in(documenter)

    client.post(
        reverse("people:person_create"),
        form_data(
            names=[(f"Ali{OVERRIDE} Karimi\u2066", "latin", "full")],
            birth_place=f"\u200f{OVERRIDE}Tabriz\u202c",
            team=team.pk,
        ),
    )

    person = Person.objects.get()
    assert person.names.get().name == "Ali Karimi"
    assert person.birth_place == "Tabriz"


def test_every_write_path_stores_names_without_direction_controls(documenter, team):
    person = factories.person(documenter, "\u202bParvin\u202a Jafari\u2067", team=team)
    documenter.first_name = f"Narges{OVERRIDE}"
    documenter.save()

    assert person.names.get().name == "Parvin Jafari"
    assert User.objects.get(pk=documenter.pk).first_name == "Narges"
    # A mark inside a name written in two scripts is kept; only its ends are cleaned.
    mixed = factories.person(documenter, "\u200fReza \u200fرضا\u200f", team=team)
    assert mixed.names.get().name == "Reza \u200fرضا"


def test_names_are_isolated_where_the_page_shows_them(logged_in, documenter, team):
    person = factories.person(documenter, "Ali Karimi", team=team)
    client = logged_in(documenter)

    page = client.get(detail(person)).content.decode()
    edit_page = client.get(edit(person)).content.decode()

    assert "<title>\u2068Ali Karimi\u2069" in page
    assert '<bdi class="name" dir="auto">Ali Karimi</bdi>' in page
    assert '<bdi class="user-name">Narges Amini</bdi>' in page
    assert "Edit \u2068Ali Karimi\u2069" in edit_page


def test_the_isolate_filter_cannot_be_closed_early_by_the_text():
    from docket.templatetags.bidi import isolate

    assert isolate(f"A{OVERRIDE}\u2069B") == "\u2068AB\u2069"
    assert isolate("") == ""
