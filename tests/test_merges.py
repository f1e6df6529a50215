"""Merging two records of one person, and undoing it (docket.people.merges).

The promise tested here: a merge moves everything onto the kept person and
hides the other record everywhere, and undoing it gives back every record,
source and relationship exactly as before, down to the rows' ids. Every
person is fictional.
"""

import re
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from docket.accounts.permissions import Confidentiality
from docket.api.tokens import issue_token
from docket.audit.models import Action, AuditEntry
from docket.cases import services as case_services
from docket.cases.models import Case, Event, Involvement, InvolvementRole, Source
from docket.lib.versioning import StaleEdit
from docket.people.merges import (
    HANDLED_RELATIONS,
    merge_persons,
    merged_target,
    relations_to_person,
    unmerge,
)
from docket.people.models import Merge, NameKind, Person, PersonName, Relationship, RelationshipKind
from docket.people.services import NameInput, create_person, relate, update_person
from docket.tracing.models import Consent, ConsentMethod, ConsentScope, TracingRequest
from tests import factories

pytestmark = pytest.mark.django_db


def _kind(code: str) -> RelationshipKind:
    return RelationshipKind.objects.get(code=code)


@pytest.fixture
def family(documenter: Any, team: Any) -> dict[str, Any]:
    """Two records of Gholamreza Shekari, written apart, with everything a person can have."""
    keep = create_person(
        actor=documenter,
        names=[NameInput("Gholamreza Shekari"), NameInput("Hossein", kind=NameKind.FATHER)],
        birth_date="1975",
        birth_place="Tehran",
    )
    absorb = create_person(
        actor=documenter,
        names=[
            NameInput("Qolamreza Shakari"),
            NameInput("غلامرضا شکاری", script="persian"),
            NameInput("Gholam-Reza", kind=NameKind.ALIAS),
            # The kept record has this very name: it is not shown twice.
            NameInput("Hossein", kind=NameKind.FATHER),
        ],
        birth_date="1975-03-02",
        birth_place="تهران",
        notes="From a former detainee's testimony.",
        contact_details="Telephone +98 21 5550 0101",
    )
    father = factories.person(documenter, "Hossein Shekari")
    sister = factories.person(documenter, "Mahnaz Shekari")
    mother = factories.person(documenter, "Parvin Shekari")
    # Relationships on both sides; the father's is recorded on both records (a twin).
    relate(actor=documenter, person=absorb, relative=father, kind=_kind("parent"))
    relate(actor=documenter, person=keep, relative=father, kind=_kind("parent"))
    relate(actor=documenter, person=sister, relative=absorb, kind=_kind("sibling"))
    relate(actor=documenter, person=absorb, relative=mother, kind=_kind("parent"))
    # Cases and events: one only the absorbed person is in, one both are in with the
    # same role (a twin involvement), each citing a source.
    testimony = case_services.create_source(actor=documenter, title="Testimony of a cellmate")
    roster = case_services.create_source(actor=documenter, title="Camp roster, spring 2024")
    own_case = factories.case(documenter, "Detention at the camp", [absorb])
    shared_case = factories.case(documenter, "Deportation order", [keep, absorb])
    victim = InvolvementRole.objects.get(code="victim")
    witness = InvolvementRole.objects.get(code="witness")
    detention = factories.event(
        documenter, own_case, "detention", "2024-02-01", "2024-03-01", victims=(absorb,)
    )
    detention.sources.set([testimony])
    deportation = factories.event(
        documenter, shared_case, "deportation", "2024-04-10", victims=(keep, absorb)
    )
    deportation.sources.set([roster])
    case_services.update_event(
        actor=documenter,
        event=deportation,
        expected_version=deportation.version,
        involvements=[
            case_services.InvolvementInput(keep, victim),
            case_services.InvolvementInput(absorb, victim),
            case_services.InvolvementInput(absorb, witness),
        ],
    )
    # A tracing request the family made for him, and a consent he gave.
    tracing = TracingRequest.objects.create(
        requester=sister, sought=absorb, team=team, opened_on=date(2024, 5, 1)
    )
    consent = Consent.objects.create(
        person=absorb,
        scope=ConsentScope.SHARE_WHEREABOUTS,
        granted_to=mother,
        given_on=date(2024, 5, 2),
        how=ConsentMethod.WRITTEN,
    )
    return {
        "keep": keep,
        "absorb": absorb,
        "father": father,
        "sister": sister,
        "mother": mother,
        "cases": (own_case, shared_case),
        "events": (detention, deportation),
        "tracing": tracing,
        "consent": consent,
    }


def _rows(model: Any, *fields: str) -> list[tuple[Any, ...]]:
    return sorted(model._default_manager.values_list("pk", *fields))


def snapshot() -> dict[str, Any]:
    """Every record, source and relationship that hangs on persons, ids included;
    versions and times of saving left out, as an undo is a save of its own."""
    return {
        "persons": _rows(
            Person,
            "confidentiality",
            "team",
            "sex",
            "birth_date",
            "birth_place",
            "nationality",
            "status",
            "notes",
            "contact_details",
            "deleted_at",
            "deleted_by",
            "merged_into",
        ),
        "names": _rows(PersonName, "person", "name", "script", "kind", "position"),
        "involvements": _rows(Involvement, "event", "person", "role"),
        "case persons": sorted(Case.persons.through.objects.values_list("case_id", "person_id")),
        "relationships": _rows(Relationship, "person", "relative", "kind"),
        "sources": _rows(Source, "title", "confidentiality", "deleted_at"),
        "event sources": sorted(Event.sources.through.objects.values_list("event_id", "source_id")),
        "events": _rows(Event, "case", "type", "start", "end", "deleted_at"),
        "cases": _rows(Case, "title", "confidentiality", "deleted_at"),
        "tracing": _rows(TracingRequest, "requester", "sought", "status", "confidentiality"),
        "consents": _rows(Consent, "person", "granted_to", "scope", "given_on"),
    }


# The round trip


def test_merge_then_unmerge_returns_every_record_source_and_relationship_unchanged(
    family, coordinator
):
    before = snapshot()

    merge = merge_persons(actor=coordinator, keep=family["keep"], absorb=family["absorb"])
    assert snapshot() != before
    unmerge(actor=coordinator, merge=merge)

    assert snapshot() == before


def test_a_merge_moves_everything_onto_the_kept_person(family, coordinator):
    keep, absorb = family["keep"], family["absorb"]
    before = snapshot()

    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)

    assert list(keep.names.values_list("name", flat=True)) == [
        "Gholamreza Shekari",
        "Hossein",
        "Qolamreza Shakari",
        "غلامرضا شکاری",
        "Gholam-Reza",
    ]
    assert not PersonName.objects.filter(person=absorb).exists()
    assert not Involvement.objects.filter(person=absorb).exists()
    roles = sorted(
        Involvement.objects.filter(person=keep).values_list("event__type__code", "role__code")
    )
    assert roles == [("deportation", "victim"), ("deportation", "witness"), ("detention", "victim")]
    assert set(Case.objects.filter(persons=keep)) == set(family["cases"])
    assert not Case.objects.filter(persons=absorb).exists()
    family["tracing"].refresh_from_db()
    family["consent"].refresh_from_db()
    assert family["tracing"].sought == keep
    assert family["consent"].person == keep
    # The sources stay, reached through the events now on the kept person.
    assert set(
        Source.objects.filter(events__involvements__person=keep).values_list("title", flat=True)
    ) == {
        "Testimony of a cellmate",
        "Camp roster, spring 2024",
    }
    assert snapshot()["sources"] == before["sources"]
    assert snapshot()["event sources"] == before["event sources"]
    # The absorbed record itself stays, hidden and pointing at the kept one.
    absorb.refresh_from_db()
    assert absorb.merged_into == keep
    assert absorb.notes == "From a former detainee's testimony."
    assert merge.moved["set_aside_involvements"] and merge.moved["set_aside_relationships"]


def test_relationships_after_a_merge_name_the_kept_person(family, coordinator):
    keep = family["keep"]

    merge_persons(actor=coordinator, keep=keep, absorb=family["absorb"])

    relationships = {
        (relationship.person_id, relationship.relative_id, relationship.kind.code)
        for relationship in Relationship.objects.all()
    }
    assert relationships == {
        (keep.pk, family["father"].pk, "parent"),
        (keep.pk, family["mother"].pk, "parent"),
        (family["sister"].pk, keep.pk, "sibling"),
    }


def test_undo_gives_back_rows_deleted_since_and_keeps_what_was_added_since(
    family, coordinator, documenter
):
    keep, absorb = family["keep"], family["absorb"]
    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)
    keep.refresh_from_db()
    # Someone retypes the kept person's names (the rows are written anew) and adds one.
    update_person(
        actor=documenter,
        person=keep,
        expected_version=keep.version,
        names=[
            *(NameInput(name.name, name.script, name.kind) for name in keep.names.all()),
            NameInput("Reza Shekari", kind=NameKind.ALIAS),
        ],
    )

    unmerge(actor=coordinator, merge=merge)

    assert list(absorb.names.values_list("name", flat=True)) == [
        "Qolamreza Shakari",
        "غلامرضا شکاری",
        "Gholam-Reza",
        "Hossein",
    ]
    assert "Reza Shekari" in keep.names.values_list("name", flat=True)
    assert Involvement.objects.filter(person=absorb).count() == 3


# Hidden everywhere, found by its page


def test_the_absorbed_person_disappears_from_every_list_and_count(family, coordinator, logged_in):
    keep, absorb = family["keep"], family["absorb"]
    client = logged_in(coordinator)
    before = client.get(reverse("people:person_list")).content.decode()

    merge_persons(actor=coordinator, keep=keep, absorb=absorb)

    assert not Person.objects.visible_to(coordinator).filter(pk=absorb.pk).exists()
    assert not Person.objects.editable_by(coordinator, include_deleted=True).filter(pk=absorb.pk)
    listing = client.get(reverse("people:person_list")).content.decode()
    assert "5 persons" in before and "4 persons" in listing
    assert "Qolamreza" not in client.get(reverse("people:deleted_list")).content.decode()
    assert client.get(reverse("people:person_restore", args=[absorb.pk])).status_code == 404
    _, secret = issue_token(user=coordinator, name="merges")
    api = Client(headers={"Authorization": f"Bearer {secret}"})
    assert api.get(reverse("api:get_person", args=[absorb.pk])).status_code == 404
    assert api.get(reverse("api:get_person", args=[keep.pk])).status_code == 200
    assert api.get("/api/v1/persons").json()["count"] == 4


def test_a_search_finds_the_kept_person_under_every_name_and_never_the_absorbed_one(
    family, coordinator, logged_in
):
    keep, absorb = family["keep"], family["absorb"]
    merge_persons(actor=coordinator, keep=keep, absorb=absorb)
    client = logged_in(coordinator)

    for words in ("Qolamreza", "غلامرضا", "Gholamreza Shekari"):
        text = client.get(reverse("search:search"), {"q": words, "kind": "person"}).content
        found = set(re.findall(r'href="/people/(\d+)/"', text.decode()))
        assert str(keep.pk) in found, words
        assert str(absorb.pk) not in found, words


def test_the_absorbed_persons_page_leads_to_the_kept_person(family, coordinator, logged_in):
    keep, absorb = family["keep"], family["absorb"]
    merge_persons(actor=coordinator, keep=keep, absorb=absorb)

    response = logged_in(coordinator).get(reverse("people:person_detail", args=[absorb.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[keep.pk])


def test_a_merged_secret_persons_page_stays_missing_for_who_may_not_see_it(
    family, coordinator, outsider, logged_in
):
    keep, absorb = family["keep"], family["absorb"]
    Person.objects.filter(pk__in=[keep.pk, absorb.pk]).update(
        confidentiality=Confidentiality.SECRET
    )
    keep.refresh_from_db()
    absorb.refresh_from_db()
    merge_persons(actor=coordinator, keep=keep, absorb=absorb)

    response = logged_in(outsider).get(reverse("people:person_detail", args=[absorb.pk]))

    assert response.status_code == 404
    assert merged_target(outsider, absorb.pk) is None


def test_the_kept_persons_page_shows_all_names_and_records_and_an_undo(
    family, coordinator, logged_in
):
    keep, absorb = family["keep"], family["absorb"]
    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)

    page = logged_in(coordinator).get(reverse("people:person_detail", args=[keep.pk]))

    text = page.content.decode()
    for name in ("Gholamreza Shekari", "Qolamreza Shakari", "غلامرضا شکاری", "Gholam-Reza"):
        assert name in text
    assert "Detention at the camp" in text and "Deportation order" in text
    assert "Testimony of a cellmate" in text and "Camp roster, spring 2024" in text
    assert f"Merged from #{absorb.pk}" in text
    assert reverse("people:merge_undo", args=[merge.pk]) in text
    assert "From a former detainee&#x27;s testimony." in text
    assert "+98 21 5550 0101" in text


def test_a_viewer_sees_the_merged_records_but_no_undo_nor_contact_details(
    family, coordinator, viewer, logged_in
):
    keep, absorb = family["keep"], family["absorb"]
    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)

    text = logged_in(viewer).get(reverse("people:person_detail", args=[keep.pk])).content.decode()

    assert f"Merged from #{absorb.pk}" in text
    assert reverse("people:merge_undo", args=[merge.pk]) not in text
    assert "+98 21 5550 0101" not in text


def test_undoing_from_the_page_shows_both_again(family, coordinator, logged_in):
    keep, absorb = family["keep"], family["absorb"]
    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)
    client = logged_in(coordinator)

    assert client.get(reverse("people:merge_undo", args=[merge.pk])).status_code == 200
    response = client.post(reverse("people:merge_undo", args=[merge.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("people:person_detail", args=[absorb.pk])
    assert client.get(reverse("people:person_detail", args=[absorb.pk])).status_code == 200
    assert client.get(reverse("people:merge_undo", args=[merge.pk])).status_code == 404


@pytest.mark.parametrize(
    "persona, status", [("documenter", 403), ("viewer", 403), ("outsider", 403)]
)
def test_only_coordinators_and_administrators_undo(
    request, family, coordinator, logged_in, persona, status
):
    merge = merge_persons(actor=coordinator, keep=family["keep"], absorb=family["absorb"])
    client = logged_in(request.getfixturevalue(persona))

    assert client.get(reverse("people:merge_undo", args=[merge.pk])).status_code == status
    assert client.post(reverse("people:merge_undo", args=[merge.pk])).status_code == status
    assert Merge.objects.get(pk=merge.pk).active


def test_an_undo_of_a_hidden_persons_merge_answers_404(family, coordinator, outsider, logged_in):
    Person.objects.filter(pk__in=[family["keep"].pk, family["absorb"].pk]).update(
        confidentiality=Confidentiality.RESTRICTED
    )
    merge = merge_persons(
        actor=coordinator,
        keep=Person.objects.get(pk=family["keep"].pk),
        absorb=Person.objects.get(pk=family["absorb"].pk),
    )

    response = logged_in(outsider).get(reverse("people:merge_undo", args=[merge.pk]))

    assert response.status_code == 404


# Who may merge, and which merges are refused


def test_a_documenter_may_not_merge(family, documenter):
    with pytest.raises(PermissionDenied):
        merge_persons(actor=documenter, keep=family["keep"], absorb=family["absorb"])


def test_a_coordinator_of_another_team_may_not_merge(family, outsider, other_team):
    outsider.role = "coordinator"
    outsider.save()
    with pytest.raises(PermissionDenied):
        merge_persons(actor=outsider, keep=family["keep"], absorb=family["absorb"])


def test_an_administrator_may_not_merge_a_secret_person_of_another_team(
    family, administrator, other_team
):
    administrator.teams.set([other_team])
    Person.objects.filter(pk=family["absorb"].pk).update(confidentiality=Confidentiality.SECRET)

    with pytest.raises(PermissionDenied):
        merge_persons(
            actor=administrator,
            keep=family["keep"],
            absorb=Person.objects.get(pk=family["absorb"].pk),
        )


def test_relatives_are_two_people_and_never_merged(family, coordinator):
    with pytest.raises(ValidationError, match="recorded as relatives"):
        merge_persons(actor=coordinator, keep=family["keep"], absorb=family["father"])
    with pytest.raises(ValidationError, match="tracing request"):
        merge_persons(actor=coordinator, keep=family["sister"], absorb=family["absorb"])


def test_a_person_is_not_merged_with_themselves(family, coordinator):
    with pytest.raises(ValidationError):
        merge_persons(actor=coordinator, keep=family["keep"], absorb=family["keep"])


def test_the_merged_person_is_as_confidential_as_the_stricter_record(family, coordinator):
    keep, absorb = family["keep"], family["absorb"]
    Person.objects.filter(pk=absorb.pk).update(confidentiality=Confidentiality.RESTRICTED)
    absorb.refresh_from_db()

    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)
    keep.refresh_from_db()
    assert keep.confidentiality == Confidentiality.RESTRICTED
    unmerge(actor=coordinator, merge=merge)
    keep.refresh_from_db()

    assert keep.confidentiality == Confidentiality.INTERNAL


def test_a_restricted_person_of_another_team_is_not_absorbed(family, administrator, other_team):
    absorb = family["absorb"]
    Person.objects.filter(pk=absorb.pk).update(
        confidentiality=Confidentiality.RESTRICTED, team=other_team
    )

    with pytest.raises(ValidationError, match="Keep that person instead"):
        merge_persons(
            actor=administrator, keep=family["keep"], absorb=Person.objects.get(pk=absorb.pk)
        )


def test_a_merge_is_undone_in_order(family, coordinator, documenter):
    first = merge_persons(actor=coordinator, keep=family["keep"], absorb=family["absorb"])
    # The kept person turns out to be a record of someone else again.
    later = factories.person(documenter, "Gholamreza Shekari")
    merge_persons(actor=coordinator, keep=later, absorb=Person.objects.get(pk=family["keep"].pk))

    with pytest.raises(ValidationError, match="undo that merge first"):
        unmerge(actor=coordinator, merge=first)


def test_an_edit_form_opened_before_a_merge_is_refused(family, coordinator, documenter):
    keep = family["keep"]
    opened_on = keep.version

    merge_persons(actor=coordinator, keep=keep, absorb=family["absorb"])

    with pytest.raises(StaleEdit):
        update_person(
            actor=documenter, person=keep, expected_version=opened_on, names=[NameInput("X")]
        )


def test_merges_and_undos_are_in_the_audit_log(family, coordinator):
    keep, absorb = family["keep"], family["absorb"]

    merge = merge_persons(actor=coordinator, keep=keep, absorb=absorb)
    unmerge(actor=coordinator, merge=merge)

    merged = AuditEntry.objects.get(action=Action.MERGE)
    undone = AuditEntry.objects.get(action=Action.UNMERGE)
    assert (merged.object_id, merged.detail["absorbed"]) == (str(keep.pk), absorb.pk)
    assert merged.detail["moved"]["names"] == 4
    assert (undone.object_id, undone.detail["keep"]) == (str(absorb.pk), keep.pk)
    assert merged.actor == undone.actor == coordinator


def test_every_relation_to_a_person_is_moved_by_a_merge():
    """A new model that points at Person must say what a merge does with it."""
    assert relations_to_person() <= set(HANDLED_RELATIONS)
