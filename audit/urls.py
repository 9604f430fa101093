from django.urls import path

from audit.views import UsageView

urlpatterns = [
    path("usage", UsageView.as_view(), name="audit-usage"),
]
