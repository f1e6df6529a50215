"""A sought person's "no" binds on every tracing request, not only the one it was written on.

The family asks twice (a second request by the same requester for the same
person): the second discloses nothing the first may not. A refusal towards the
requester ends, for them, even a consent to the public.
"""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from docket.accounts.models import User
from docket.people.models import Person
from docket.tracing import services
from docket.tracing.consent import disclosure_for_requester, neutral_statement
from docket.tracing.models import ConsentScope, TracingRequest
from tests import factories

pytestmark = pytest.mark.django_db

WHEREABOUTS = ConsentScope.SHARE_WHEREABOUTS


def _days_ago(days: int) -> Any:
    return timezone.localdate() - timedelta(days=days)


def _request(actor: User, team: Any, requester: Person, sought: Person) -> TracingRequest:
    intake = services.Intake(requester=requester, sought=sought, relationship="sister", team=team)
    request = services.open_request(actor=actor, intake=intake, match=False)
    request.whereabouts = "The northern camp, block 7"
    request.save(update_fields=["whereabouts"])
    return request


@pytest.fixture
def family(documenter: User, team: Any) -> dict[str, Person]:
    return {
        name: factories.person(documenter, full, team=team, confidentiality="restricted")
        for name, full in (
            ("sister", "Roya Fictional"),
            ("cousin", "Babak Fictional"),
            ("sought", "Kaveh Fictional"),
        )
    }


def _consent(actor: User, request: TracingRequest, days_ago: int, **fields: Any) -> None:
    services.record_consent(
        actor=actor,
        request=request,
        scope=WHEREABOUTS,
        given_on=_days_ago(days_ago),
        how="written",
        **fields,
    )


def _refuse(actor: User, request: TracingRequest, days_ago: int, **fields: Any) -> None:
    services.record_refusal(
        actor=actor,
        request=request,
        scope=WHEREABOUTS,
        refused_on=_days_ago(days_ago),
        how="oral_witnessed",
        **fields,
    )


def _told(request: TracingRequest) -> list[str]:
    return disclosure_for_requester(request, timezone.localdate()).scopes


def test_a_refusal_on_one_request_binds_the_second_request_of_the_same_requester(
    documenter, team, family
):
    first = _request(documenter, team, family["sister"], family["sought"])
    _consent(documenter, first, 20)
    _refuse(documenter, first, 10)
    second = _request(documenter, team, family["sister"], family["sought"])
    # The second request finds the consent recorded before the refusal, to the public.
    _consent(documenter, second, 15, to_public=True)

    told = disclosure_for_requester(second, timezone.localdate())

    assert told.scopes == []
    assert told.statement == neutral_statement()
    assert told.whereabouts == ""


def test_a_refusal_to_the_requester_ends_a_public_consent_for_them_only(documenter, team, family):
    sister = _request(documenter, team, family["sister"], family["sought"])
    cousin = _request(documenter, team, family["cousin"], family["sought"])
    _consent(documenter, sister, 20, to_public=True)

    _refuse(documenter, sister, 5)

    assert _told(sister) == []
    assert _told(cousin) == [WHEREABOUTS]
    # Even a public consent given after it: a "yes" to everyone does not undo a "no" to her.
    _consent(documenter, cousin, 2, to_public=True)
    assert _told(sister) == []
    # Only a consent to her by name, given after her refusal, counts again.
    _consent(documenter, sister, 1)
    assert _told(sister) == [WHEREABOUTS]


def test_a_refusal_to_anyone_binds_every_requester_until_a_later_consent(documenter, team, family):
    sister = _request(documenter, team, family["sister"], family["sought"])
    cousin = _request(documenter, team, family["cousin"], family["sought"])
    _consent(documenter, cousin, 20)

    _refuse(documenter, sister, 10, to_public=True)

    assert _told(sister) == _told(cousin) == []
    _consent(documenter, sister, 3, to_public=True)
    assert _told(sister) == _told(cousin) == [WHEREABOUTS]


def test_a_refusal_on_a_deleted_request_still_binds(documenter, team, family):
    first = _request(documenter, team, family["sister"], family["sought"])
    _consent(documenter, first, 20)
    _refuse(documenter, first, 10)
    first.deleted_at = timezone.now()
    first.save(update_fields=["deleted_at"])

    second = _request(documenter, team, family["sister"], family["sought"])
    _consent(documenter, second, 15, to_public=True)

    assert _told(second) == []


def test_a_message_is_not_passed_on_through_a_second_request(documenter, team, family):
    first = _request(documenter, team, family["sister"], family["sought"])
    services.record_refusal(
        actor=documenter,
        request=first,
        scope=ConsentScope.PASS_MESSAGES,
        refused_on=_days_ago(3),
        how="written",
    )
    second = _request(documenter, team, family["sister"], family["sought"])
    services.record_consent(
        actor=documenter,
        request=second,
        scope=ConsentScope.PASS_MESSAGES,
        given_on=_days_ago(5),
        how="written",
        to_public=True,
    )
    message = services.log_message(actor=documenter, request=second, text="We are well.")

    with pytest.raises(services.NoConsent):
        services.relay_message(actor=documenter, message=message)
