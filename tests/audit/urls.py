"""The project's URLs plus a signed endpoint that notes usage (tests only)."""

from django.urls import include, path

from audit.context import note
from hospitals.api import HospitalAPIView
from hub.errors import Code, HubError, ok
from hub.protect import digest


class NotingView(HospitalAPIView):
    """Notes what the query string asks for, then answers (or fails)."""

    def post(self, request, pk: int):
        kinds = [k for k in request.query_params.get("usage", "").split(",") if k]
        note(
            request,
            staff_no="doc-7",
            patient_digest=digest("440106199003071231"),
            authorization_id=pk,
            usage=kinds,
        )
        if request.query_params.get("fail"):
            raise HubError(Code.FORBIDDEN, "no", 403)
        return ok({"id": pk})


class PlainView(HospitalAPIView):
    def get(self, request):
        return ok({})


urlpatterns = [
    path("api/v1/test-audit/<int:pk>/note", NotingView.as_view()),
    path("api/v1/test-audit/plain", PlainView.as_view()),
    path("", include("hub.urls")),
]
