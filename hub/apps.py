from django.apps import AppConfig
from django.conf import settings


class HubConfig(AppConfig):
    """The project package as an app: its management commands (``run_province``,
    ``run_periodic``) and the history of migrations from before the layout
    change (``hub/migrations``). It has no models of its own."""

    name = "hub"

    def ready(self):
        from hub import checks  # noqa: F401  (registers the system checks)
        from hub.province.client import configure_transport

        # The government extranet's proxy and CA bundle for calls to the province.
        configure_transport(
            proxy_url=settings.PROVINCE_PROXY_URL, ca_bundle=settings.PROVINCE_CA_BUNDLE
        )
