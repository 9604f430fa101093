"""``python manage.py otp_enroll USERNAME``: give an admin a TOTP device.

Prints the ``otpauth://`` URI and the same as a QR code in the terminal, to
scan with any authenticator app. The back office refuses sessions without a
verified device, so run this for every admin after ``createsuperuser``.
"""

from __future__ import annotations

import io

import qrcode
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Create a TOTP device for USERNAME and print its otpauth:// URI and a terminal QR."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--name", default="authenticator", help="device name (default: %(default)s)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete the user's other TOTP devices first"
        )
        parser.add_argument("--no-qr", action="store_true", help="print the URI only")

    def handle(self, *args, username: str, name: str, replace: bool, no_qr: bool, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as exc:
            raise CommandError(
                f"no user {username!r}; create it with createsuperuser first"
            ) from exc
        if replace:
            TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=name, confirmed=True)
        uri = device.config_url
        self.stdout.write(f"TOTP device {device.persistent_id} created for {username}.")
        self.stdout.write("Add it to an authenticator app (scan the QR or paste the URI):")
        self.stdout.write(uri)
        if not no_qr:
            qr = qrcode.QRCode(border=1)
            qr.add_data(uri)
            buffer = io.StringIO()
            qr.print_ascii(out=buffer, invert=True)
            self.stdout.write(buffer.getvalue())
        self.stdout.write("Log in at /admin/ with the password and the 6-digit code the app shows.")
