from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    name = "hospitals"
    verbose_name = _("Member hospitals")

    def ready(self) -> None:
        from hospitals import roles, schema, signals  # noqa: F401  (receivers, schema extension)
