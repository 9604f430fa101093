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
from complaints.intake import parse_intake, text_field
from complaints.lifecycle import State
from complaints.models import FeedCredential, Source
from complaints.representation import complaint_data
from hospitals.api import HospitalAPIView
from hospitals.auth import XTifAuthentication
from hospitals.models import Hospital
from hospitals.permissions import IsLiveHospital
from hub.errors import HubError, ok

MAX_PAGE_SIZE = 100


class IsLiveHospitalOrFeed(BasePermission):
    def has_permission(self, request, view) -> bool:
        if isinstance(request.user, FeedCredential):
            return True
        return IsLiveHospital().has_permission(request, view)


def _not_found() -> HubError:
    return HubError(ComplaintsCode.COMPLAINT_NOT_FOUND, _("Complaint not found."), 404)


def _positive_int(raw, name: str, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise HubError(
            ComplaintsCode.PAGE_INVALID,
            _("%(field)s must be a positive integer.") % {"field": name},
            400,
        )
    value = int(raw)
    if not 1 <= value <= maximum:
        raise HubError(
            ComplaintsCode.PAGE_INVALID,
            _("%(field)s must be between 1 and %(max)s.") % {"field": name, "max": maximum},
            400,
        )
    return value


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
        tags=openapi.TAGS,
        request=openapi.INTAKE,
        responses={201: openapi.CREATED, 200: openapi.CREATED},
    )
    def post(self, request):
        caller = request.user
        is_feed = isinstance(caller, FeedCredential)
        data = parse_intake(
            request.data,
            key_hex=request.auth.sm4_key,
            allow_callback=is_feed,
            callback_prefix=caller.callback_url_prefix if is_feed else "",
        )
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
        tags=openapi.TAGS,
        parameters=openapi.LIST_PARAMETERS,
        responses={200: openapi.PAGE},
    )
    def get(self, request):
        params = request.query_params
        role = params.get("role") or "routed"
        if role not in ("routed", "raised"):
            raise HubError(ComplaintsCode.FIELD_INVALID, _("role must be routed or raised."), 400)
        qs = selectors.visible_to(request.user, role=role)
        states = [s for s in (params.get("state") or "").split(",") if s]
        unknown = [s for s in states if s not in State.values]
        if unknown:
            raise HubError(
                ComplaintsCode.STATE_FILTER_INVALID,
                _("state must be among: %(states)s.") % {"states": ", ".join(State.values)},
                400,
            )
        if states:
            qs = qs.filter(state__in=states)
        page = _positive_int(params.get("page"), "page", 1, 100000)
        size = _positive_int(params.get("pageSize"), "pageSize", 20, MAX_PAGE_SIZE)
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
        tags=openapi.TAGS,
        responses={200: openapi.DETAIL},
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

    def _body(self, request) -> dict:
        body = request.data if request.data is not None else {}
        if not isinstance(body, dict):
            raise HubError(
                ComplaintsCode.BODY_NOT_OBJECT, _("The body must be a JSON object."), 400
            )
        return body

    @staticmethod
    def _text(body: dict, name: str, *, required: bool = False) -> str:
        return text_field(body, name, required=required, max_length=2000, multiline=True)


class ComplaintAcknowledgeView(_HospitalActionView):
    @extend_schema(
        summary="Acknowledge a complaint routed to the caller",
        tags=openapi.TAGS,
        request=openapi.ACKNOWLEDGE,
        responses={200: openapi.MOVED},
    )
    def post(self, request, public_id):
        complaint = self._target(request, public_id)
        text = self._text(self._body(request), "note")
        complaint = services.complaint_acknowledge(
            actor=request.user, complaint=complaint, note=text
        )
        return ok({"id": str(complaint.public_id), "state": complaint.state})


class ComplaintResolveView(_HospitalActionView):
    @extend_schema(
        summary="Resolve a complaint routed to the caller (what was fixed)",
        tags=openapi.TAGS,
        request=openapi.RESOLVE,
        responses={200: openapi.MOVED},
    )
    def post(self, request, public_id):
        complaint = self._target(request, public_id)
        resolution = self._text(self._body(request), "resolution")
        complaint = services.complaint_resolve(
            actor=request.user, complaint=complaint, resolution=resolution
        )
        return ok({"id": str(complaint.public_id), "state": complaint.state})
