from django.urls import path

from hospitals.views import MeView

urlpatterns = [
    path("hospitals/me", MeView.as_view(), name="hospitals-me"),
]
