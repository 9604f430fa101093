"""Hospital- and feed-facing complaint API (thin: parse, call a service, answer).

- ``POST /api/v1/complaints``: intake (hospital or province feed).
- ``GET /api/v1/complaints``: the caller's complaints, ``state`` filter, pages.
- ``GET /api/v1/complaints/{id}``: one, with its history.
- ``POST /api/v1/complaints/{id}/acknowledge`` and ``.../resolve``: the
  hospital it is routed to. Anyone else gets 404 (existence is not leaked);
  the hospital that raised it may read it but not act (403).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import BasePermission

from audit.context import note
from complaints import openapi, selectors, services
from complaints.auth import FeedAuthentication
from complaints.errors import ComplaintsCode
from complaints.intake import ComplaintInput
from complaints.models import FeedCredential, Source
from complaints.representation import complaint_data
from complaints.serializers import (
    ComplaintAcknowledgeSerializer,
    ComplaintIntakeSerializer,
    ComplaintListQuerySerializer,
    ComplaintResolveSerializer,
    validated,
)
from hospitals.api import HospitalAPIView
from hospitals.auth import XTifAuthentication
from hospitals.models import Hospital
from hospitals.permissions import IsLiveHospital
from hub.errors import HubError, ok

TAGS = ["complaints"]


class IsLiveHospitalOrFeed(BasePermission):
    def has_permission(self, request, view) -> bool:
        if isinstance(request.user, FeedCredential):
            return True
        return IsLiveHospital().has_permission(request, view)


def _not_found() -> HubError:
    return HubError(ComplaintsCode.COMPLAINT_NOT_FOUND, _("Complaint not found."), 404)


class ComplaintAPIView(HospitalAPIView):
    authentication_classes = [FeedAuthentication, XTifAuthentication]
    permission_classes = [IsLiveHospitalOrFeed]

    def _submitter(self, request, complaint) -> bool:
        caller = request.user
        if isinstance(caller, FeedCredential):
            return complaint.submitted_by_feed_id == caller.pk
        return complaint.submitted_by_hospital_id == caller.pk

    def _data(self, request, complaint, **kwargs) -> dict:
        return complaint_data(
            complaint,
            key_hex=request.auth.sm4_key,
            submitter=self._submitter(request, complaint),
            **kwargs,
        )


class ComplaintListView(ComplaintAPIView):
    @extend_schema(
        summary="Submit a complaint (hospital or province feed)",
        tags=TAGS,
        request=ComplaintIntakeSerializer,
        responses=openapi.SUBMIT,
    )
    def post(self, request):
        caller = request.user
        is_feed = isinstance(caller, FeedCredential)
        fields = validated(
            ComplaintIntakeSerializer,
            request.data,
            key_hex=request.auth.sm4_key,
            allow_callback=is_feed,
            callback_prefix=caller.callback_url_prefix if is_feed else "",
        )
        data = ComplaintInput(**fields)
        complaint, created = services.complaint_submit(
            actor=caller, source=Source.FEED if is_feed else Source.HOSPITAL, data=data
        )
        note(request, patient_digest=complaint.patient_digest)
        return ok(
            {"id": str(complaint.public_id), "state": complaint.state}, 201 if created else 200
        )

    @extend_schema(
        summary="The caller's complaints (routed to it, or raised by it)",
        operation_id="complaints_list",
        tags=TAGS,
        parameters=[ComplaintListQuerySerializer],
        responses=openapi.LIST,
    )
    def get(self, request):
        query = validated(ComplaintListQuerySerializer, request.query_params)
        qs = selectors.visible_to(request.user, role=query["role"])
        if query["states"]:
            qs = qs.filter(state__in=query["states"])
        page, size = query["page"], query["page_size"]
        total = qs.count()
        rows = qs.order_by("-received_at", "-id")[(page - 1) * size : page * size]
        return ok(
            {
                "count": total,
                "page": page,
                "pageSize": size,
                "hasNext": page * size < total,
                "results": [self._data(request, c) for c in rows],
            }
        )


class ComplaintDetailView(ComplaintAPIView):
    @extend_schema(
        summary="One complaint, with its history",
        operation_id="complaints_retrieve",
        tags=TAGS,
        responses=openapi.DETAIL,
    )
    def get(self, request, public_id):
        complaint = selectors.complaint_for(request.user, public_id)
        if complaint is None:
            raise _not_found()
        note(request, patient_digest=complaint.patient_digest)
        return ok(self._data(request, complaint, history=True))


class _HospitalActionView(ComplaintAPIView):
    def _target(self, request, public_id):
        caller = request.user
        if not isinstance(caller, Hospital):
            raise HubError(
                ComplaintsCode.FEED_NOT_ALLOWED,
                _("The feed submits and reads complaints; hospitals act on them."),
                403,
            )
        complaint = selectors.complaint_for(caller, public_id)
        if complaint is None:
            raise _not_found()
        note(request, patient_digest=complaint.patient_digest)
        return complaint

    def _body(self, request, serializer_class) -> dict:
        """The checked body (after the target: 403/404 come before a 400).
        A JSON ``null`` body is an empty object."""
        return validated(serializer_class, {} if request.data is None else request.data)


class ComplaintAcknowledgeView(_HospitalActionView):
    @extend_schema(
        summary="Acknowledge a complaint routed to the caller",
        tags=TAGS,
        request=ComplaintAcknowledgeSerializer,
        responses=openapi.ACKNOWLEDGE,
    )
    def post(self, request, public_id):
        complaint = self._target(request, public_id)
        body = self._body(request, ComplaintAcknowledgeSerializer)
        complaint = services.complaint_acknowledge(
            actor=request.user, complaint=complaint, note=body["note"]
        )
        return ok({"id": str(complaint.public_id), "state": complaint.state})


class ComplaintResolveView(_HospitalActionView):
    @extend_schema(
        summary="Resolve a complaint routed to the caller (what was fixed)",
        tags=TAGS,
        request=ComplaintResolveSerializer,
        responses=openapi.RESOLVE,
    )
    def post(self, request, public_id):
        complaint = self._target(request, public_id)
        body = self._body(request, ComplaintResolveSerializer)
        complaint = services.complaint_resolve(
            actor=request.user, complaint=complaint, resolution=body["resolution"]
        )
        return ok({"id": str(complaint.public_id), "state": complaint.state})
