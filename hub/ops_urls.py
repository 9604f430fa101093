"""Operations endpoints, mounted at the site root: liveness, readiness, metrics."""

from django.urls import path

from hub.ops import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
]
