from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelayConfig(AppConfig):
    name = "relay"
    verbose_name = _("Authorization relay")

    def ready(self):
        from relay import checks  # noqa: F401  (registers the system checks)
