"""Hospital- and feed-facing complaint API (thin: parse, call a service, answer).

- ``POST /api/v1/complaints``: intake (hospital or province feed).
- ``GET /api/v1/complaints``: the caller's complaints, ``state`` filter, pages.
- ``GET /api/v1/complaints/{id}``: one, with its history.
- ``POST /api/v1/complaints/{id}/acknowledge`` and ``.../resolve``: the
  hospital it is routed to. Anyone else gets 404 (existence is not leaked);
  the hospital that raised it may read it but not act (403).
"""

from __future__ import annotations

from uuid import UUID

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
from hub.openapi import TAG_COMPLAINTS
from hub.pagination import HubPagination, PageQuery

TAGS = [TAG_COMPLAINTS]


class IsLiveHospitalOrFeed(BasePermission):
    def has_permission(self, request, view) -> bool:
        if isinstance(request.user, FeedCredential):
            return True
        return IsLiveHospital().has_permission(request, view)


def _not_found() -> HubError:
    return HubError(ComplaintsCode.COMPLAINT_NOT_FOUND, _("Complaint not found."), 404)


def _complaint_for(caller, public_id: str):
    """The complaint ``public_id`` if the caller may see it; a malformed id is
    an unknown one (``COMPLAINT_NOT_FOUND``), as for every resource."""
    try:
        uuid = UUID(str(public_id))
    except ValueError:
        raise _not_found() from None
    complaint = selectors.complaint_for(caller, uuid)
    if complaint is None:
        raise _not_found()
    return complaint


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
        summary="提交投诉（医疗机构或省平台反馈渠道） / Submit a complaint (hospital or province feed)",
        description="patientIdcard、reporterContact 为本院 SM4 密钥加密的十六进制密文；同一 externalRef 重复提交返回 200。\n\npatientIdcard and reporterContact are SM4 hex under the caller's key; a repeated externalRef answers 200.",
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
        summary="本院的投诉列表（分派给本院的，或本院提交的） / The caller's complaints (routed to it, or raised by it)",
        description="分页：page、pageSize；应答 data 为 {items, total, page, pageSize, hasNext}，最新收到的在前。\n\nPages: page, pageSize; data is {items, total, page, pageSize, hasNext}, newest received first.",
        operation_id="complaints_list",
        tags=TAGS,
        parameters=[ComplaintListQuerySerializer, PageQuery],
        responses=openapi.LIST,
    )
    def get(self, request):
        query = validated(ComplaintListQuerySerializer, request.query_params)
        qs = selectors.visible_to(request.user, role=query["role"])
        if query["states"]:
            qs = qs.filter(state__in=query["states"])
        paginator = HubPagination()
        rows = paginator.paginate_queryset(qs.order_by("-received_at", "-id"), request)
        return paginator.get_paginated_response([self._data(request, c) for c in rows])


class ComplaintDetailView(ComplaintAPIView):
    @extend_schema(
        summary="查询一条投诉及其处理记录 / One complaint, with its history",
        description="不存在、格式不对或与本院无关的 id：404 COMPLAINT_NOT_FOUND。\n\nAn unknown, malformed or unrelated id: 404 COMPLAINT_NOT_FOUND.",
        operation_id="complaints_retrieve",
        tags=TAGS,
        responses=openapi.DETAIL,
    )
    def get(self, request, public_id):
        complaint = _complaint_for(request.user, public_id)
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
        complaint = _complaint_for(caller, public_id)
        note(request, patient_digest=complaint.patient_digest)
        return complaint

    def _body(self, request, serializer_class) -> dict:
        """The checked body (after the target: 403/404 come before a 400).
        A JSON ``null`` body is an empty object."""
        return validated(serializer_class, {} if request.data is None else request.data)


class ComplaintAcknowledgeView(_HospitalActionView):
    @extend_schema(
        summary="受理分派给本院的投诉 / Acknowledge a complaint routed to the caller",
        description="可附 note 说明。\n\nAn optional note may be given.",
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
        summary="解决分派给本院的投诉（说明更正了什么） / Resolve a complaint routed to the caller (what was fixed)",
        description="resolution 必填。\n\nresolution is required.",
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
