"""No open redirects: a `next` that points elsewhere is ignored."""

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from docket.accounts import twofactor
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ELSEWHERE = ["https://attacker.example/", "//attacker.example/", "/\\attacker.example/"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_log_in_does_not_send_people_elsewhere(client, documenter, target):
    response = client.post(
        "/login/", {"username": "narges.amini", "password": PASSWORD, "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_second_step_does_not_send_people_elsewhere(client, administrator, target):
    TOTPDevice.objects.create(user=administrator, confirmed=True, name="app")
    code = twofactor.new_recovery_codes(administrator)[0]
    client.post("/login/", {"username": "leila.karimi", "password": PASSWORD})

    response = client.post("/account/two-factor/", {"code": code, "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_language_switch_does_not_send_people_elsewhere(client):
    response = client.post(
        "/i18n/setlang/", {"language": "fa", "next": "https://attacker.example/"}
    )

    assert response["Location"] == "/"
