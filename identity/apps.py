from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Patient verification")

    def ready(self):
        from identity.sms import checks  # noqa: F401  (registers the system checks)
