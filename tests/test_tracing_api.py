"""/api/v1/tracing: the same rules as the pages. A request hidden from the caller answers 404
to every read and write; writes go through the services (allowed steps only); and
for-requester holds only what consent allows, nothing once it is withdrawn."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from docket.accounts.models import User
from docket.api.tokens import issue_token
from docket.tracing.models import TracingRequest
from tests.test_tracing import open_request

pytestmark = pytest.mark.django_db

WRITES: list[tuple[str, dict[str, Any]]] = [
    ("steps", {"to": "searching"}),
    ("consents", {"scope": "share_whereabouts", "given_on": "2024-01-01", "how": "written"}),
    ("refusals", {"scope": "share_contact", "refused_on": "2024-01-01", "how": "written"}),
    ("attempts", {"kind": "call", "date": "2024-01-01"}),
]


def _client(user: User) -> Client:
    _, secret = issue_token(user=user, name="tracing test")
    return Client(headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def tracing(documenter: User, team: Any) -> TracingRequest:
    return open_request(documenter, team)


def test_staff_of_the_team_read_and_write(documenter: User, tracing: TracingRequest) -> None:
    client = _client(documenter)
    base = f"/api/v1/tracing/{tracing.pk}"

    for part, body in WRITES:
        response = client.post(f"{base}/{part}", body, content_type="application/json")
        assert response.status_code in {200, 201}, (part, response.content)

    answer = client.get(base).json()
    assert answer["status"] == "searching"
    assert [step["to_status"] for step in answer["steps"]] == ["open", "searching"]
    assert answer["years_without_family_contact"] > 5
    assert client.get(f"{base}/consents").json()[0]["scope"] == "share_whereabouts"
    assert client.get(f"{base}/attempts").json()[0]["kind"] == "call"
    assert client.get("/api/v1/tracing").json()["count"] == 1


@pytest.mark.parametrize("persona", ["outsider"])
def test_another_team_gets_404_for_every_operation(
    request: pytest.FixtureRequest, persona: str, documenter: User, tracing: TracingRequest
) -> None:
    client = _client(request.getfixturevalue(persona))
    base = f"/api/v1/tracing/{tracing.pk}"
    owner = _client(documenter)
    made = owner.post(
        f"{base}/consents",
        {"scope": "pass_messages", "given_on": "2024-01-01", "how": "written"},
        content_type="application/json",
    ).json()

    for part, body in WRITES:
        assert (
            client.post(f"{base}/{part}", body, content_type="application/json").status_code == 404
        )
    withdrawal = client.patch(
        f"{base}/consents/{made['id']}", {"withdrawn": True}, content_type="application/json"
    )
    assert withdrawal.status_code == 404
    assert client.get(f"{base}/consents/{made['id']}").status_code == 404
    assert owner.get(f"{base}/consents/{made['id']}").json()["scope"] == "pass_messages"
    for part in ("", "/for-requester", "/consents", "/attempts", "/steps", "/refusals"):
        assert client.get(f"{base}{part}").status_code == 404
    assert client.get("/api/v1/tracing").json()["count"] == 0


def test_a_viewer_reads_but_may_not_write(viewer: User, tracing: TracingRequest) -> None:
    client = _client(viewer)
    base = f"/api/v1/tracing/{tracing.pk}"

    assert client.get(base).status_code == 200
    for part, body in WRITES:
        assert (
            client.post(f"{base}/{part}", body, content_type="application/json").status_code == 403
        )


def test_a_step_not_allowed_is_refused(documenter: User, tracing: TracingRequest) -> None:
    response = _client(documenter).post(
        f"/api/v1/tracing/{tracing.pk}/steps",
        {"to": "contact_established"},
        content_type="application/json",
    )

    assert response.status_code == 422
    tracing.refresh_from_db()
    assert tracing.status == "open"


def test_for_requester_stops_the_moment_consent_is_withdrawn(
    documenter: User, tracing: TracingRequest
) -> None:
    client = _client(documenter)
    base = f"/api/v1/tracing/{tracing.pk}"
    given_on = (timezone.localdate() - timedelta(days=3)).isoformat()
    made = client.post(
        f"{base}/consents",
        {"scope": "share_whereabouts", "given_on": given_on, "how": "electronic"},
        content_type="application/json",
    ).json()
    assert client.get(f"{base}/for-requester").json()["whereabouts"]

    withdrawn = client.patch(
        f"{base}/consents/{made['id']}", {"withdrawn": True}, content_type="application/json"
    )
    assert withdrawn.json()["withdrawn_on"] == timezone.localdate().isoformat()

    told = client.get(f"{base}/for-requester").json()
    assert told["whereabouts"] == ""
    assert told["found"] is False
    assert "northern camp" not in str(told)


def test_create_names_a_hidden_person_like_a_missing_one(
    documenter: User, outsider: User, team: Any, tracing: TracingRequest
) -> None:
    client = _client(outsider)
    hidden = tracing.requester.pk

    response = client.post(
        "/api/v1/tracing",
        {"requester": hidden, "sought": tracing.sought.pk},
        content_type="application/json",
    )

    assert response.status_code == 422
    assert response.json()["errors"] == {"requester": [f"There is no person {hidden}."]}
