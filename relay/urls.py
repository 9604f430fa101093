"""The relay's URLs: the province-compatible endpoint, /api/v1/ authorizations and
views, and the viewer entry (/viewer)."""

from django.urls import path

from hub.province.client import SAVE_PATH
from relay import views
from relay.compat import CodeAuthRecSaveView
from relay.viewer_entry import viewer_entry

urlpatterns = [
    path(SAVE_PATH.lstrip("/"), CodeAuthRecSaveView.as_view(), name="codeauthrec-save"),
    path("api/v1/authorizations", views.AuthorizationsRoute.as_view(), name="authorizations"),
    path(
        "api/v1/authorizations/<str:pk>",
        views.AuthorizationDetailView.as_view(),
        name="authorization-detail",
    ),
    path(
        "api/v1/authorizations/<str:pk>/verify",
        views.AuthorizationVerifyView.as_view(),
        name="authorization-verify",
    ),
    path(
        "api/v1/authorizations/<str:pk>/revoke",
        views.AuthorizationRevokeView.as_view(),
        name="authorization-revoke",
    ),
    path(
        "api/v1/authorizations/<str:pk>/resend",
        views.AuthorizationResendView.as_view(),
        name="authorization-resend",
    ),
    path("api/v1/views", views.ViewerUrlIssueView.as_view(), name="views"),
    # The guide's viewer call (a doctor's browser), pointed at the hub.
    path("viewer", viewer_entry, name="viewer-entry"),
]
