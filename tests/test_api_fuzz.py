"""Generated requests against the API's own OpenAPI schema: none may get a 5xx.

Schemathesis reads the schema that /api/v1/openapi.json serves and calls the
WSGI application in-process, as a documenter with a bearer token, over a few
records so that some ids name real ones. The number of examples is bounded
and the generation derandomized, so every run sends the same requests.
"""

from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.config import SchemathesisConfig

from docket.accounts.models import Team, User
from docket.api.api import api
from docket.api.tokens import issue_token
from docket.cases.services import create_authority, create_source
from docket.wsgi import application
from tests import factories

pytestmark = pytest.mark.django_db

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 2026,
        "generation": {"max-examples": 10, "deterministic": True, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
    }
)


@pytest.fixture
def in_process(settings: Any) -> Iterator[None]:
    """The WSGI application, called directly in the test's thread and transaction."""
    # Schemathesis's client calls itself "localhost".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    # The request signals would close the database connection in the middle of the
    # test's transaction; Django's test client unhooks them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(documenter: User, outsider: User, team: Team) -> str:
    """A documenter's token, with a few records of theirs and one hidden from them."""
    held = factories.person(documenter, "Parvin Karimi", "پروین کریمی", team=team)
    case = factories.case(documenter, "Held at the border", [held], team=team)
    factories.event(documenter, case, "detention", "2024-02", victims=(held,))
    create_source(actor=documenter, title="A neighbour's account", team=team)
    create_authority(actor=documenter, name="Fictional Border Police")
    factories.case(outsider, "Another team's file", [], confidentiality="restricted")
    _, secret = issue_token(user=documenter, name="fuzz")
    return secret


# The schema the API serves at /api/v1/openapi.json, read from the same object.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)


@schema.parametrize()
@hypothesis.settings(
    suppress_health_check=[
        hypothesis.HealthCheck.function_scoped_fixture,
        hypothesis.HealthCheck.too_slow,
    ]
)
def test_no_generated_request_gets_a_server_error(case: Any, token: str, in_process: None) -> None:
    response = case.call(app=application, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}:\n"
        f"{case.as_curl_command()}\n{response.text[:2000]}"
    )
