"""Administrators and coordinators give a code from an authenticator app after their password."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from docket.accounts import twofactor
from docket.audit.models import AuditEntry
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _log_in(client, username):
    return client.post("/login/", {"username": username, "password": PASSWORD}, follow=True)


def test_a_coordinator_without_an_app_is_sent_to_set_one_up(client, coordinator):
    response = _log_in(client, "farhad.nouri")

    assert response.redirect_chain[-1][0].startswith("/account/two-factor/setup/")
    page = response.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    assert client.get("/").status_code == 302


def test_setting_up_gives_recovery_codes_and_lets_the_person_in(client, coordinator):
    _log_in(client, "farhad.nouri")
    device = TOTPDevice.objects.get(user=coordinator, confirmed=False)

    wrong = client.post("/account/two-factor/setup/", {"code": "000000"})
    assert "not right" in wrong.content.decode()
    # A wrong code makes the device wait a moment before the next try.
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post("/account/two-factor/setup/", {"code": _code(device)})

    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/").status_code == 200


def test_a_second_log_in_asks_for_the_code(client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, confirmed=True, name="app")
    response = _log_in(client, "farhad.nouri")

    assert response.redirect_chain[-1][0] == "/account/two-factor/?next=%2F"
    assert client.get("/").status_code == 302
    client.post("/account/two-factor/", {"code": _code(device), "next": "/"})
    assert client.get("/").status_code == 200


def test_a_recovery_code_works_once(client, administrator):
    TOTPDevice.objects.create(user=administrator, confirmed=True, name="app")
    code = twofactor.new_recovery_codes(administrator)[0]

    _log_in(client, "leila.karimi")
    assert client.post("/account/two-factor/", {"code": code}).status_code == 302
    client.post("/logout/")
    _log_in(client, "leila.karimi")
    again = client.post("/account/two-factor/", {"code": code})

    assert again.status_code == 200
    assert "already used" in again.content.decode()
    assert AuditEntry.objects.filter(action="login_failed", actor=administrator).exists()


def test_the_admin_site_is_behind_the_second_step_too(client, administrator):
    TOTPDevice.objects.create(user=administrator, confirmed=True, name="app")
    _log_in(client, "leila.karimi")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")


def test_documenters_are_not_asked(client, documenter):
    response = _log_in(client, "narges.amini")

    assert response.redirect_chain == [("/", 302)]
    assert response.status_code == 200


def test_the_setup_page_cannot_replace_a_device_without_a_code(client, coordinator):
    TOTPDevice.objects.create(user=coordinator, confirmed=True, name="app")
    _log_in(client, "farhad.nouri")

    response = client.get("/account/two-factor/setup/")

    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/"


def _verified_coordinator(client, coordinator):
    device = TOTPDevice.objects.create(user=coordinator, confirmed=True, name="app")
    _log_in(client, "farhad.nouri")
    client.post("/account/two-factor/", {"code": _code(device)})
    assert client.get("/").status_code == 200
    return device


def test_an_open_session_alone_cannot_replace_the_app(client, coordinator):
    # Issue 13, finding 10: someone at an unattended, logged-in computer swapped in
    # their own authenticator app with nothing but a code from it.
    current = _verified_coordinator(client, coordinator)
    client.get("/account/two-factor/setup/")
    intruders = TOTPDevice.objects.get(user=coordinator, confirmed=False)

    response = client.post("/account/two-factor/setup/", {"code": _code(intruders)})

    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=coordinator, confirmed=True) == current
    wrong = client.post(
        "/account/two-factor/setup/",
        {"code": _code(intruders), "password": PASSWORD, "current_code": "123456"},
    )
    assert "current app is not right" in wrong.content.decode()
    assert TOTPDevice.objects.get(user=coordinator, confirmed=True) == current


def test_the_app_is_replaced_with_the_password_and_a_current_code(client, coordinator):
    current = _verified_coordinator(client, coordinator)
    client.get("/account/two-factor/setup/")
    new = TOTPDevice.objects.get(user=coordinator, confirmed=False)
    current.refresh_from_db()
    # A code of the current app not used yet: the next time step's.
    current.tolerance = 1
    current.save()
    from django_otp.oath import TOTP

    totp = TOTP(current.bin_key, current.step, current.t0, current.digits, current.drift)
    totp.time += current.step

    response = client.post(
        "/account/two-factor/setup/",
        {"code": _code(new), "password": PASSWORD, "current_code": f"{totp.token():06d}"},
    )

    assert len(re.findall(r"<li><code>(\w+)</code></li>", response.content.decode())) == 10
    assert TOTPDevice.objects.get(user=coordinator, confirmed=True).pk == new.pk
    changes = AuditEntry.objects.filter(object_id=str(coordinator.pk), actor=coordinator)
    assert {entry.detail.get("two_factor") for entry in changes} >= {"set up", "removed"}


def test_a_recovery_code_stands_in_for_the_current_app(client, coordinator):
    current = _verified_coordinator(client, coordinator)
    recovery = twofactor.new_recovery_codes(coordinator)[0]
    client.get("/account/two-factor/setup/")
    new = TOTPDevice.objects.get(user=coordinator, confirmed=False)

    client.post(
        "/account/two-factor/setup/",
        {"code": _code(new), "password": PASSWORD, "current_code": recovery},
    )

    assert not TOTPDevice.objects.filter(pk=current.pk).exists()
    assert TOTPDevice.objects.get(user=coordinator, confirmed=True).pk == new.pk
