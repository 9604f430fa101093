from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("Security alerts")

    def ready(self) -> None:
        from alerts.models import Rule
        from alerts.selectors import phone_is_blocked
        from hub import phone_blocks
        from hub.ops.metrics import ALERTS

        # The relay (before us in the layering) asks hub.phone_blocks before
        # it sends an SMS code; the blocks are ours.
        phone_blocks.connect(phone_is_blocked)
        # Every rule's series exists from the start (at 0), so that
        # increase(hub_alerts_total[...]) sees the first alert.
        for rule in Rule.values:
            ALERTS.labels(rule=rule)
