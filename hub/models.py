"""Models of the ``hub`` app: the consent records (``hub.authorizations``)."""

from hub.authorizations.models import Authorization

__all__ = ["Authorization"]
