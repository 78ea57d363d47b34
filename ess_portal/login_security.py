"""Staff login security: lockout page, second factor (TOTP and backup codes), who must use it.

The lockout itself is django-axes (settings `AXES_*`, driven by `LOGIN_FAILURE_LIMIT` and
`LOGIN_COOLOFF_MINUTES`); the second factor is django-otp. The admin site
(`ess_portal.admin_site`) wires them into its login, its pages and its enrolment page.
"""

from base64 import b32encode
from datetime import timedelta

import segno
from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Application d'authentification"
BACKUP_DEVICE_NAME = "Codes de secours"


def is_verified(user) -> bool:
    """Whether this session passed the second factor (django-otp's middleware adds `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def second_factor_required(user) -> bool:
    """Whether this user may not use the admin without a second factor (superusers, by setting).

    Staff with a confirmed device are asked for a code by the login form itself; this rule is for
    the accounts that must *have* one: superusers while `OTP_REQUIRED_FOR_SUPERUSERS` is on.
    """
    return bool(user.is_active and user.is_superuser and settings.OTP_REQUIRED_FOR_SUPERUSERS)


def has_confirmed_device(user) -> bool:
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticDevice.objects.filter(user=user, confirmed=True).exists()
    )


def verify_second_factor(*, user, token: str):
    """The user's confirmed device that accepts `token` (a TOTP code or a backup code), or None.

    A six-digit token is checked against the TOTP device only, anything else against the backup
    codes only, so that a mistyped code does not throttle both. django-otp throttles each device
    after failures and refuses a TOTP code already used.
    """
    token = "".join(token.split()).lower()
    if not token:
        return None
    model = TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    with transaction.atomic():
        for device in model.objects.filter(user=user, confirmed=True).select_for_update():
            if device.verify_is_allowed()[0] and device.verify_token(token):
                return device
    return None


def totp_provisioning(device: TOTPDevice) -> dict:
    """What the enrolment page shows: the QR code (inline SVG, made here) and the secret in text."""
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return {
        "qr_svg": qr.svg_inline(scale=5, dark="#000", light="#fff", title=str(_("Code QR à scanner"))),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }


def pending_totp_device(user) -> TOTPDevice:
    """The user's device being enrolled (unconfirmed), created on first use: reloading keeps the secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Activate `device` if `token` is a valid code from it; returns fresh backup codes, or None.

    The backup codes replace any earlier ones; they are shown once and kept only as django-otp keeps them.
    """
    if not (device.verify_is_allowed()[0] and device.verify_token("".join(token.split()))):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    backup = StaticDevice.objects.create(user=device.user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=backup, token=code) for code in codes])
    return codes


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin login: username and password, plus the code for accounts that have a device.

    The code is checked in the same request as the password, before the login: a staff member
    with a confirmed device is never signed in on the password alone. A wrong code counts as a
    failed login for the lockout (django-axes), like a wrong password.
    """

    otp_token = forms.CharField(
        label=_("Code de vérification"),
        required=False,
        max_length=32,
        help_text=_(
            "Si vous avez activé la double authentification : le code à six chiffres de votre "
            "application, ou un code de secours."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _(
            "Ce compte est protégé par la double authentification : saisissez à nouveau votre mot de passe "
            "et le code à six chiffres de votre application (ou un code de secours)."
        ),
        "otp_invalid": _(
            "Code de vérification incorrect ou expiré. Saisissez à nouveau votre mot de passe et un code récent."
        ),
    }

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        if user is not None and has_confirmed_device(user):
            token = cleaned_data.get("otp_token") or ""
            if not token.strip():
                raise forms.ValidationError(self.error_messages["otp_required"], code="otp_required")
            device = verify_second_factor(user=user, token=token)
            if device is None:
                user_login_failed.send(
                    sender=__name__, credentials={"username": user.get_username()}, request=self.request
                )
                raise forms.ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
            # django-otp stores the device in the session when Django logs the user in.
            user.otp_device = device
        return cleaned_data


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' `AXES_LOCKOUT_CALLABLE`: a French page (HTTP 429) saying when to try again.

    Every attempt during a lockout restarts the cool-off (axes' default), so the wait runs from now.
    """
    cool_off = get_cool_off(request) or timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    retry_at = timezone.localtime(timezone.now() + cool_off)
    context = {
        "title": _("Connexion temporairement bloquée"),
        "cool_off_minutes": int(cool_off.total_seconds() // 60),
        "retry_at": retry_at,
    }
    if request.path.startswith("/admin/"):
        context = {**admin.site.each_context(request), **context}
        template = "admin/staff_lockout.html"
    else:  # the structures' accounts sign in on the public site
        template = "directory/account/lockout.html"
    response = render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
