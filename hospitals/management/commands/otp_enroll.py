"""``python manage.py otp_enroll USERNAME``: give an admin a TOTP device.

Prints the ``otpauth://`` URI and the same as a QR code in the terminal, to
scan with any authenticator app. The URI carries the issuer
(``OTP_TOTP_ISSUER``, the hub's name) so the app labels the entry
"<issuer>: <username>". The back office refuses sessions without a verified
device, so run this for every admin after ``createsuperuser``.
``--backup-codes N`` also prints N one-time backup codes, accepted in the same
field of the login page when the phone is lost.
"""

from __future__ import annotations

import io

import qrcode
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for USERNAME and print its otpauth:// URI and a terminal QR."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="authenticator", help="device name (default: %(default)s)"
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete the user's other TOTP devices first (and old backup codes with --backup-codes)",
        )
        parser.add_argument("--no-qr", action="store_true", help="print the URI only")
        parser.add_argument(
            "--backup-codes",
            type=int,
            default=0,
            metavar="N",
            help="also create N one-time backup codes and print them (default: none)",
        )

    def handle(self, *args, username: str, name: str, replace: bool, no_qr: bool, **options):
        backup_codes: int = options["backup_codes"]
        if backup_codes < 0 or backup_codes > 20:
            raise CommandError("--backup-codes takes 0 to 20")
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(
                f"no user {username!r}; create it with createsuperuser first"
            ) from exc
        with transaction.atomic():
            if replace:
                TOTPDevice.objects.filter(user=user).delete()
                if backup_codes:
                    StaticDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
            codes = self._backup_codes(user, backup_codes) if backup_codes else []
        uri = device.config_url
        self.stdout.write(f"TOTP device {device.persistent_id} created for {username}.")
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "") or ""
        if issuer:
            self.stdout.write(f"Issuer: {issuer} (the app shows '{issuer}: {username}')")
        self.stdout.write("Add it to an authenticator app (scan the QR or paste the URI):")
        self.stdout.write(uri)
        if not no_qr:
            qr = qrcode.QRCode(border=1)
            qr.add_data(uri)
            buffer = io.StringIO()
            qr.print_ascii(out=buffer, invert=True)
            self.stdout.write(buffer.getvalue())
        if codes:
            self.stdout.write(
                "Backup codes (each works once, in the code field; keep them offline):"
            )
            for code in codes:
                self.stdout.write(f"  {code}")
        self.stdout.write(
            "Log in at /admin/ with the username, the password and the 6-digit code the app shows."
        )

    @staticmethod
    def _backup_codes(user, count: int) -> list[str]:
        device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(count)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        return codes
