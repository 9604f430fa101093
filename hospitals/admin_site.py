"""The back office: Django admin behind password + TOTP (django-otp).

``HubAdminSite`` is installed as ``django.contrib.admin.site`` (see
``hospitals.apps.HubAdminConfig``), so every app's ``@admin.register`` lands on
it. A session that logged in with a password only, without a verified OTP
device, is treated as not staff: the admin answers with its login page.
"""

from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite


class HubAdminSite(OTPAdminSite):
    site_header = _("City health-information sharing hub")
    site_title = _("Hub back office")
    index_title = _("Administration")

    def __init__(self, name: str = "admin") -> None:
        # Keep the "admin" namespace so reverse("admin:...") works everywhere.
        super().__init__(name)
