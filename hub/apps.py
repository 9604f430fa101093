from django.apps import AppConfig


class HubConfig(AppConfig):
    """The project package as an app: its management commands (``run_province``,
    ``run_periodic``) and the history of migrations from before the layout
    change (``hub/migrations``). It has no models of its own."""

    name = "hub"

    def ready(self):
        from hub import checks  # noqa: F401  (registers the system checks)
