"""Figures computed from events, never typed in: status, days held, days without charge, rights."""

from datetime import date

import pytest

from docket.cases.figures import case_figures, person_figures
from docket.cases.services import delete_record
from docket.law.rights import rights_at_stake
from tests import factories

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 29)


@pytest.fixture
def held(documenter):
    return factories.person(documenter, "Gholamreza Shekari", "غلامرضا شکاری")


@pytest.fixture
def dossier(documenter, held):
    return factories.case(documenter, "Held at the camp", [held])


def test_an_open_detention_without_charge_counts_to_the_as_of_date(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,), charged=False)

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.current_status == "detained"
    assert figures.days_detained_total == 60
    assert figures.days_detained_without_charge == 60
    assert figures.approximate is False


def test_a_charge_stops_the_days_without_charge_but_not_the_detention(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,))
    factories.event(documenter, dossier, "charge", "2026-10-10", victims=(held,))

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.days_detained_total == 60
    assert figures.days_detained_without_charge == 10


def test_a_detention_known_to_be_charged_counts_no_day_without_charge(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,), charged=True)

    assert person_figures(held, as_of=AS_OF, user=documenter).days_detained_without_charge == 0


def test_a_detention_flagged_charged_counts_the_days_before_its_dated_charge(
    documenter, held, dossier
):
    factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,), charged=True)
    factories.event(documenter, dossier, "charge", "2026-10-10", victims=(held,))

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.days_detained_total == 60
    assert figures.days_detained_without_charge == 10


def test_a_charge_before_the_detention_began_does_not_shorten_it(documenter, held, dossier):
    factories.event(documenter, dossier, "charge", "2026-01-10", victims=(held,))
    factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,), charged=True)
    factories.event(documenter, dossier, "detention", "2026-10-29", victims=(held,), charged=False)

    # The first, flagged charged with no charge in its days, counts none until the
    # second began; the second counts all its 31 days.
    assert person_figures(held, as_of=AS_OF, user=documenter).days_detained_without_charge == 31


def test_deportation_ends_the_detention_and_return_brings_a_new_one(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2025-01-01", victims=(held,), charged=False)
    factories.event(
        documenter, dossier, "deportation", "2025-03-02", victims=(held,), destination="AL"
    )
    factories.event(documenter, dossier, "return", "2025-06-01", victims=(held,))
    factories.event(documenter, dossier, "detention", "2026-11-19", victims=(held,), charged=False)

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.days_detained_total == 60 + 10
    assert figures.current_status == "detained"
    later = person_figures(held, as_of=date(2025, 4, 1), user=documenter)
    assert later.current_status == "deported"
    latest = person_figures(held, as_of=date(2025, 7, 1), user=documenter)
    assert latest.current_status == "at_liberty"


def test_a_closed_detention_counts_its_own_days(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2024-01-01", "2024-01-31", victims=(held,))

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.days_detained_total == 30
    assert figures.current_status == "at_liberty"


def test_overlapping_records_of_one_detention_are_counted_once(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2024-01-01", "2024-01-31", victims=(held,))
    factories.event(documenter, dossier, "detention", "2024-01-15", "2024-02-10", victims=(held,))

    assert person_figures(held, as_of=AS_OF, user=documenter).days_detained_total == 40


def test_a_partial_date_counts_from_its_first_day_and_says_so(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2026-10", victims=(held,))

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.days_detained_total == 59
    assert figures.approximate is True


def test_events_after_the_as_of_date_do_not_count(documenter, held, dossier):
    factories.event(documenter, dossier, "detention", "2026-12-01", victims=(held,))

    figures = person_figures(held, as_of=AS_OF, user=documenter)

    assert figures.current_status == "unknown"
    assert figures.days_detained_total == 0


def test_a_deleted_event_no_longer_counts(coordinator, documenter, held, dossier):
    detention = factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,))
    delete_record(actor=coordinator, record=detention)

    assert person_figures(held, as_of=AS_OF, user=documenter).days_detained_total == 0


def test_figures_for_a_reader_leave_out_what_they_may_not_see(documenter, outsider, held, dossier):
    dossier.confidentiality = "secret"
    dossier.save()
    factories.event(documenter, dossier, "detention", "2026-09-30", victims=(held,))

    assert person_figures(held, as_of=AS_OF, user=documenter).days_detained_total == 60
    assert person_figures(held, as_of=AS_OF, user=outsider).days_detained_total == 0


@pytest.mark.parametrize(
    ("type_code", "facts", "expected"),
    [
        ("detention", {"charged": False}, {"ICCPR 9", "ECHR 5", "UDHR 9", "RC1951 31"}),
        ("detention", {"charged": True}, {"RC1951 31"}),
        (
            "deportation",
            {"destination": "AL"},
            {"RC1951 32", "RC1951 33", "CAT 3", "ECHR 3", "ICCPR 13"},
        ),
        ("visit_refused", {}, {"ICCPR 17", "ICCPR 23", "ECHR 8"}),
        ("contact_barred", {}, {"ICCPR 17", "ICCPR 23", "ECHR 8"}),
        ("document_refused", {"document": "work_permit"}, {"RC1951 17"}),
        ("document_refused", {"document": "id_card"}, {"RC1951 27"}),
        ("document_refused", {"document": "travel_document"}, {"RC1951 28", "ICCPR 12"}),
    ],
)
def test_events_engage_the_rights_the_shipped_rules_name(
    documenter, held, dossier, type_code, facts, expected
):
    event = factories.event(documenter, dossier, type_code, "2026-01-05", victims=(held,), **facts)

    assert set(rights_at_stake([event])) == expected


def test_a_case_gives_its_events_in_date_order_and_its_rights(documenter, held, dossier):
    factories.event(documenter, dossier, "deportation", "2025-03-02", victims=(held,))
    factories.event(documenter, dossier, "detention", "2025-01-01", victims=(held,), charged=False)

    figures = case_figures(dossier, as_of=AS_OF, user=documenter)

    assert [event.type.code for event in figures.events] == ["detention", "deportation"]
    assert {"ICCPR 9", "RC1951 33", "ECHR 3"} <= set(figures.rights_at_stake)
    assert figures.persons[held.pk].days_detained_total == 60
