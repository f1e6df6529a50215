"""Two-factor log-in: TOTP codes from an authenticator app, with single-use recovery codes.

Required for administrators and coordinators, whose accounts can reach the
most. Built on django-otp's TOTP and static-token devices; this module is the
only place that creates or checks them.
"""

import base64
import io
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.db import transaction
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from docket.accounts.models import Role, User

RECOVERY_CODES = 10


def required_for(user: User) -> bool:
    return user.role in {Role.ADMINISTRATOR, Role.COORDINATOR}


def has_device(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app asks for it when typed in by hand."""
    return b32encode(device.bin_key).decode().rstrip("=")


def qr_code_data_uri(device: TOTPDevice) -> str:
    """An SVG QR code of the device's otpauth:// address, as a data: URI (no request leaves)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@transaction.atomic
def confirm(user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device with a first code: the new recovery codes, or None for a wrong code."""
    if not device.verify_token(token.strip()):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    return new_recovery_codes(user)


@transaction.atomic
def new_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes; each works once, and they are shown only now."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def check(user: User, token: str) -> Device | None:
    """The device a code belongs to (a used recovery code is spent), or None."""
    return match_token(user, token.strip().replace(" ", ""))
