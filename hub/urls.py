"""Root URLs. Each app owns its own ``urls.py``; this file only mounts them."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from hub.landing import landing

urlpatterns = [
    # The province-compatible endpoint and the relay API.
    path("", include("relay.urls")),
    path("api/v1/", include("hospitals.urls")),
    path("api/v1/", include("audit.urls")),
    path("api/v1/", include("complaints.urls")),
    path("me/", include("patients.urls")),
    path("", include("hub.ops_urls")),
    path("", landing, name="landing"),
    # OpenAPI 3 of the contract and its pages for integrators (docs/api.md).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
]

if settings.ADMIN_ENABLED:
    urlpatterns.append(path("admin/", admin.site.urls))

handler400 = "hub.errors.handler400"
handler403 = "hub.errors.handler403"
handler404 = "hub.errors.handler404"
handler500 = "hub.errors.handler500"
