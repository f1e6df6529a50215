"""The tracing pages as forms: every field labelled, no id twice, no description pointing
nowhere, persons chosen by name, and a consent withdrawn only with a date, a reason and a
confirmation."""

from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from docket.audit.models import AuditEntry
from docket.people.services import NameInput
from docket.tracing import services
from docket.tracing.models import Consent, ConsentScope, TracingRequest
from tests import factories
from tests.test_tracing import open_request

pytestmark = pytest.mark.django_db


class Fields(HTMLParser):
    """Ids, labels' targets, described-by references and the form controls of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.described: list[str] = []
        self.controls: list[dict[str, str]] = []
        self.wrapping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "label":
            if "for" in values:
                self.label_for.add(values["for"])
            else:
                self.wrapping += 1
        if "aria-describedby" in values:
            self.described += values["aria-describedby"].split()
        if tag in ("input", "select", "textarea") and values.get("type") not in (
            "hidden",
            "submit",
        ):
            self.controls.append(values | {"wrapped": str(self.wrapping > 0)})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.wrapping:
            self.wrapping -= 1


def _parsed(html: str) -> Fields:
    parser = Fields()
    parser.feed(html)
    return parser


def _check_form_markup(html: str) -> Fields:
    page = _parsed(html)
    repeated = {item for item in page.ids if page.ids.count(item) > 1}
    assert not repeated, f"ids used twice: {sorted(repeated)}"
    missing = [item for item in page.described if item not in page.ids]
    assert not missing, f"aria-describedby pointing nowhere: {missing}"
    unlabelled = [
        control.get("name")
        for control in page.controls
        if control.get("id") not in page.label_for
        and control["wrapped"] != "True"
        and not control.get("aria-label")
    ]
    assert not unlabelled, f"fields without a label: {unlabelled}"
    return page


@pytest.fixture
def tracing(documenter: Any, team: Any) -> TracingRequest:
    request = open_request(documenter, team)
    for scope in (ConsentScope.SHARE_WHEREABOUTS, ConsentScope.PASS_MESSAGES):
        services.record_consent(
            actor=documenter,
            request=request,
            scope=scope,
            given_on=timezone.localdate() - timedelta(days=5),
            how="written",
        )
    message = services.log_message(actor=documenter, request=request, text="We miss you.")
    services.log_message(actor=documenter, request=request, text="Write to us.")
    services.relay_message(actor=documenter, message=message)
    return request


def test_the_request_page_has_one_id_each_and_every_field_labelled(logged_in, documenter, tracing):
    page = logged_in(documenter).get(reverse("tracing:request_detail", args=[tracing.pk]))
    assert page.status_code == 200
    found = _check_form_markup(page.text)
    assert "step_on" in found.ids and "consent_on" in found.ids


def test_the_new_request_form_is_labelled_and_finds_persons_by_name(logged_in, documenter):
    page = logged_in(documenter).get(reverse("tracing:request_create"))
    found = _check_form_markup(page.text)
    finders = [c for c in found.controls if "data-person-finder" in c]
    assert {c["name"] for c in finders} == {"requester", "sought"}
    assert "number of a recorded person" not in page.text


def test_a_request_is_opened_for_a_requester_named_in_another_script(logged_in, documenter, team):
    requester = factories.person(documenter, "Parvin Kamali", "پروین کمالی", team=team)
    response = logged_in(documenter).post(
        reverse("tracing:request_create"),
        {
            "requester": "پروين كمالي",  # typed on an Arabic keyboard
            "sought_name": "Dariush Kamali",
            "sought_other_script": "persian",
            "confidentiality": "restricted",
            "team": team.pk,
        },
    )
    assert response.status_code == 302
    assert TracingRequest.objects.get().requester == requester


def test_the_withdrawal_page_is_labelled(logged_in, documenter, tracing):
    page = logged_in(documenter).get(reverse("tracing:consent_withdraw", args=[tracing.pk]))
    assert page.status_code == 200
    _check_form_markup(page.text)


def test_a_consent_is_withdrawn_only_with_a_date_a_reason_and_a_confirmation(
    logged_in, documenter, tracing
):
    client = logged_in(documenter)
    url = reverse("tracing:consent_withdraw", args=[tracing.pk])
    consent = Consent.objects.get(scope=ConsentScope.SHARE_WHEREABOUTS)
    today = timezone.localdate()

    for missing in ("on", "reason", "confirm"):
        data = {"consent": consent.pk, "on": today.isoformat(), "reason": "Asked by phone."}
        data["confirm"] = "on"
        del data[missing]
        refused = client.post(url, data)
        assert refused.status_code == 400, missing
        consent.refresh_from_db()
        assert consent.withdrawn_on is None

    tomorrow = client.post(
        url,
        {
            "consent": consent.pk,
            "on": (today + timedelta(days=1)).isoformat(),
            "reason": "Asked by phone.",
            "confirm": "on",
        },
    )
    assert tomorrow.status_code == 400

    done = client.post(
        url,
        {
            "consent": consent.pk,
            "on": today.isoformat(),
            "reason": "Asked by phone.",
            "confirm": "on",
        },
    )
    assert done.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == today
    assert consent.withdrawal_reason == "Asked by phone."
    assert consent.history.first().withdrawal_reason == "Asked by phone."
    entry = AuditEntry.objects.filter(object_id=str(tracing.pk)).order_by("-pk").first()
    assert entry.detail["consent_withdrawn"] == consent.pk


def test_a_viewer_may_not_withdraw_a_consent(logged_in, viewer, tracing):
    consent = Consent.objects.get(scope=ConsentScope.SHARE_WHEREABOUTS)
    response = logged_in(viewer).post(
        reverse("tracing:consent_withdraw", args=[tracing.pk]),
        {
            "consent": consent.pk,
            "on": timezone.localdate().isoformat(),
            "reason": "x",
            "confirm": "on",
        },
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_a_recorded_person_is_proposed_as_the_one_sought_by_name(logged_in, documenter, team):
    requester = factories.person(documenter, "Parvin Kamali", team=team)
    request = services.open_request(
        actor=documenter,
        intake=services.Intake(
            requester=requester,
            sought=services.NewPerson(names=[NameInput("D. K.")]),
            team=team,
        ),
        match=False,
    )
    recorded = factories.person(documenter, "Dariush Kamali", "داریوش کمالی", team=team)
    response = logged_in(documenter).post(
        reverse("tracing:match_propose", args=[request.pk]), {"candidate": "داريوش كمالي"}
    )
    assert response.status_code == 302
    assert list(request.matches.values_list("candidate_id", flat=True)) == [recorded.pk]
