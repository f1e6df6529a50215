"""Headless Debian Chromium, driven by Playwright; never a downloaded browser."""

import os
from typing import Any

import pytest
from django.test import Client

from docket.accounts.models import Role
from tests.conftest import pass_second_factor

# Playwright's sync API runs an event loop in the test thread, where the tests
# also create their records through the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test-services).")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def vocabularies(transactional_db: None) -> None:
    """Event types, roles, relationship kinds, instruments and rights rules, as the data
    migrations load them: a live-server test before this one emptied the database."""
    from importlib import import_module

    from django.apps import apps

    for migration in (
        "docket.cases.migrations.0002_load_event_types_and_roles",
        "docket.people.migrations.0002_load_relationship_kinds",
        "docket.law.migrations.0002_load_instruments_and_rules",
    ):
        import_module(migration).load(apps, None)


def log_in(page: Any, base: str, user: Any) -> None:
    """Hand the browser a session of `user` as its cookie, through the second step too
    where their role requires it (as the `logged_in` fixture): for the tests whose
    subject is not the log-in form."""
    client = Client()
    client.force_login(user)
    if user.role in {Role.ADMINISTRATOR, Role.COORDINATOR}:
        pass_second_factor(client, user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}]
    )
