from django.urls import path

from complaints import views

urlpatterns = [
    path("complaints", views.ComplaintListView.as_view(), name="complaints"),
    path(
        "complaints/<str:public_id>", views.ComplaintDetailView.as_view(), name="complaint-detail"
    ),
    path(
        "complaints/<str:public_id>/acknowledge",
        views.ComplaintAcknowledgeView.as_view(),
        name="complaint-acknowledge",
    ),
    path(
        "complaints/<str:public_id>/resolve",
        views.ComplaintResolveView.as_view(),
        name="complaint-resolve",
    ),
]
