from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import checks, figures, schema  # noqa: F401  (they register themselves)

        # The monthly report (audit) pulls our figures; audit never imports us.
        figures.register()
