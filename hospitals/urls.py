from django.urls import path

from hospitals import openapi  # noqa: F401  (schema annotations)
from hospitals.views import MeView

urlpatterns = [
    path("hospitals/me", MeView.as_view(), name="hospitals-me"),
]
