from django.urls import path

from audit import openapi  # noqa: F401  (schema annotations)
from audit.views import UsageView

urlpatterns = [
    path("usage", UsageView.as_view(), name="audit-usage"),
]
