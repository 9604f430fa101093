"""The project's URLs plus a signed echo view, to probe DRF's own errors."""

from django.urls import include, path
from rest_framework.views import APIView

from hospitals.api import HospitalAPIView
from hub.errors import ok


class EchoView(HospitalAPIView):
    def post(self, request):
        return ok({"echo": request.data})


class OpenEchoView(APIView):
    def post(self, request):
        return ok({"echo": request.data})


urlpatterns = [
    path("api/v1/test-echo", EchoView.as_view()),
    path("api/v1/test-open-echo", OpenEchoView.as_view()),
    path("", include("hub.urls")),
]
handler404 = "hub.errors.handler404"
handler500 = "hub.errors.handler500"
