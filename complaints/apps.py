from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from complaints import checks, figures, schema  # noqa: F401  (they register themselves)

        # The monthly report (audit) pulls our figures; audit never imports us.
        figures.register()
        # A patient's revocation or refusal goes to the hospital's callback URL
        # through our outbox (the relay, below us, only sends the signal).
        from complaints.consent_callbacks import consent_ended_received
        from relay.signals import consent_ended

        consent_ended.connect(consent_ended_received, dispatch_uid="complaints.consent_callbacks")
