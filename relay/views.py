"""The hospital-facing relay API (``/api/v1/authorizations``, ``/api/v1/views``).

Thin doors: read and check the input (serializers, SM4 fields under the
caller's hub key), call a service or selector, answer in the province's shape,
and note what the access log and usage counters need (``audit.context.note``).
Each view declares its own OpenAPI operation: the serializer it validates
with, its answer and the ``errorCode`` set of ``relay.openapi``.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request

from audit.context import note
from audit.usage import AUTH_SMS_UNVERIFIED_PHONE, VIEW, VIEW_REFUSED, auth_kind
from hospitals.api import HospitalAPIView
from hub.errors import HubError, ok
from hub.openapi import answers
from hub.protect import digest
from identity import codes
from identity.errors import PhoneInvalid
from relay import openapi, selectors, services
from relay.answers import (
    AuthorizationListOut,
    AuthorizationOut,
    ViewOut,
    authorization_data,
    iso_beijing,
)
from relay.errors import RelayCode, relay_error
from relay.models import ONSITE_METHODS, Method, PhoneCheck, SyncState
from relay.notices import notice_first_view
from relay.serializers import (
    AuthorizationListQuerySerializer,
    AuthorizationStartRequestSerializer,
    AuthorizationVerifyRequestSerializer,
    ViewRequestSerializer,
    validated,
)
from relay.validation import (
    decrypt_field,
    printable_text,
    validate_card_type,
    validate_id_number,
)
from relay.viewing import view_request_read, view_url_build

#: Refusals that count as a failed verification in the usage counters.
FAILED_VERIFY_CODES = frozenset(
    {"CODE_WRONG", "CODE_LOCKED", "CODE_EXPIRED", "FACE_MISMATCH", "AUTHORIZATION_LOCKED"}
)
TAGS = ["authorizations"]
AUTHORIZATION = AuthorizationOut()


def _usage_after(request: Request, auth, outcome_kind: str) -> None:
    kinds = [auth_kind(auth.method, outcome_kind)]
    if auth.sync_state == SyncState.SYNCED and outcome_kind in ("granted", "revoked"):
        kinds.append(auth_kind(auth.method, "synced"))
    if outcome_kind == "granted" and auth.phone_check == PhoneCheck.UNRECORDED:
        kinds.append(AUTH_SMS_UNVERIFIED_PHONE)
    note(request, usage=kinds)


class AuthorizationStartView(HospitalAPIView):
    @extend_schema(
        summary="Start an on-site authorization (sms, authcode, face)",
        tags=TAGS,
        operation_id="authorizations_start",
        request=AuthorizationStartRequestSerializer,
        responses=answers("AuthorizationStarted", AUTHORIZATION, errors=openapi.START),
    )
    def post(self, request: Request):
        data = validated(AuthorizationStartRequestSerializer, request.data)
        method = data["method"]
        if method not in ONSITE_METHODS:
            raise relay_error(RelayCode.METHOD_UNKNOWN)
        card_type = validate_card_type(data["cardType"])
        key = request.auth.sm4_key
        id_number = validate_id_number(
            decrypt_field(key, data["patientIdcard"], field="patientIdcard"), card_type
        )
        phone = None
        # sms: compared with the patient's phone of record, where the code
        # goes (relay.patient_reach). face: optional, the phone the patient
        # gives at the kiosk; a passed face check records it when the patient
        # has no phone of record yet.
        if data.get("phone") and method in (Method.SMS, Method.FACE):
            phone = decrypt_field(key, data["phone"], field="phone").strip()
            if not codes.phone_is_valid(phone):
                raise PhoneInvalid()
        note(request, staff_no=data["staffNo"], patient_digest=digest(id_number, purpose="id"))
        auth = services.authorization_start(
            hospital=request.user,
            method=method,
            id_number=id_number,
            card_type=card_type,
            patient_name=printable_text(data["patientName"], "patientName"),
            staff_no=printable_text(data["staffNo"], "staffNo"),
            staff_name=printable_text(data.get("staffName", ""), "staffName", required=False),
            patient_ref=printable_text(data.get("patientId", ""), "patientId", required=False),
            phone=phone,
            actor=request.user,
        )
        note(request, authorization_id=auth.pk, usage=[auth_kind(method, "started")])
        return ok(authorization_data(auth))


class AuthorizationListView(HospitalAPIView):
    @extend_schema(
        summary="The caller's own authorizations (paginated, filtered)",
        tags=TAGS,
        operation_id="authorizations_list",
        parameters=[AuthorizationListQuerySerializer],
        responses=answers("AuthorizationList", AuthorizationListOut(), errors=openapi.LIST),
    )
    def get(self, request: Request):
        query = validated(
            AuthorizationListQuerySerializer,
            request.query_params.dict(),
            code=RelayCode.FILTER_INVALID,
        )
        patient_digest = None
        if query.get("patientIdcard"):
            plain = decrypt_field(
                request.auth.sm4_key, query["patientIdcard"], field="patientIdcard"
            )
            patient_digest = digest(plain.strip(), purpose="id")
        qs = selectors.authorization_list(
            hospital=request.user,
            state=query.get("state"),
            method=query.get("method"),
            sync_state=query.get("syncState"),
            staff_no=query.get("staffNo"),
            patient_digest=patient_digest,
            changed_since=query.get("changedSince"),
        )
        page, size = query["page"], query["pageSize"]
        total = qs.count()
        items = [authorization_data(a) for a in qs[(page - 1) * size : page * size]]
        return ok({"items": items, "page": page, "pageSize": size, "total": total})


class AuthorizationsRoute(AuthorizationStartView, AuthorizationListView):
    # ``/api/v1/authorizations``: POST is AuthorizationStartView's, GET
    # AuthorizationListView's. One URL takes one view, and DRF picks the
    # handler by method, so the signature check, the throttle and the 405
    # answer of another method are those of every hospital view. (No
    # docstring: it would become both operations' description.)
    pass


class AuthorizationDetailView(HospitalAPIView):
    @extend_schema(
        summary="One of the caller's authorizations",
        tags=TAGS,
        operation_id="authorizations_get",
        responses=answers("AuthorizationDetail", AUTHORIZATION, errors=openapi.DETAIL),
    )
    def get(self, request: Request, pk: str):
        auth = selectors.authorization_get(hospital=request.user, pk=pk)
        note(request, authorization_id=auth.pk)
        return ok(authorization_data(auth))


class AuthorizationVerifyView(HospitalAPIView):
    @extend_schema(
        summary="Verify the patient's code or face; grant and relay",
        tags=TAGS,
        operation_id="authorizations_verify",
        request=AuthorizationVerifyRequestSerializer,
        responses=answers("AuthorizationVerified", AUTHORIZATION, errors=openapi.VERIFY),
    )
    def post(self, request: Request, pk: str):
        auth = selectors.authorization_get(hospital=request.user, pk=pk)
        data = validated(AuthorizationVerifyRequestSerializer, request.data)
        note(
            request,
            authorization_id=auth.pk,
            staff_no=auth.staff_no,
            patient_digest=auth.patient_digest,
        )
        try:
            auth, _outcome = services.authorization_verify(
                authorization=auth,
                actor=request.user,
                code=data.get("code", "").strip(),
                id_photo=data.get("idPhoto", ""),
                live_photo=data.get("livePhoto", ""),
            )
        except HubError as exc:
            if exc.code in FAILED_VERIFY_CODES and auth.method in ONSITE_METHODS:
                note(request, usage=[auth_kind(auth.method, "failed")])
            raise
        _usage_after(request, auth, "granted")
        return ok(authorization_data(auth))


class AuthorizationRevokeView(HospitalAPIView):
    @extend_schema(
        summary="Revoke (relayed with status 0) or cancel a pending request",
        tags=TAGS,
        operation_id="authorizations_revoke",
        request=None,
        responses=answers("AuthorizationRevoked", AUTHORIZATION, errors=openapi.REVOKE),
    )
    def post(self, request: Request, pk: str):
        auth = selectors.authorization_get(hospital=request.user, pk=pk)
        note(request, authorization_id=auth.pk, patient_digest=auth.patient_digest)
        auth, _outcome = services.authorization_revoke(authorization=auth, actor=request.user)
        _usage_after(request, auth, "revoked")
        return ok(authorization_data(auth))


class AuthorizationResendView(HospitalAPIView):
    @extend_schema(
        summary="Send a fresh code (sms) or issue a new one (authcode)",
        tags=TAGS,
        operation_id="authorizations_resend",
        request=None,
        responses=answers("AuthorizationResent", AUTHORIZATION, errors=openapi.RESEND),
    )
    def post(self, request: Request, pk: str):
        auth = selectors.authorization_get(hospital=request.user, pk=pk)
        note(request, authorization_id=auth.pk, patient_digest=auth.patient_digest)
        auth = services.authorization_resend(authorization=auth, actor=request.user)
        return ok(authorization_data(auth))


class ViewerUrlIssueView(HospitalAPIView):
    @extend_schema(
        summary="A province viewer URL for a patient with a live consent",
        tags=["views"],
        operation_id="views_issue",
        request=ViewRequestSerializer,
        responses=answers("ViewIssued", ViewOut(), errors=openapi.VIEWS),
    )
    def post(self, request: Request):
        hospital = request.user
        try:
            data = validated(ViewRequestSerializer, request.data)
            view = view_request_read(
                hospital=hospital, key_hex=request.auth.sm4_key, param_hex=data["param"]
            )
            note(request, staff_no=view.staff_no, patient_digest=view.patient_digest)
            auth = selectors.consent_for_view(
                hospital_id=hospital.pk, patient_digest=view.patient_digest
            )
            url = view_url_build(hospital=hospital, view=view, authorization=auth)
        except HubError:
            note(request, usage=[VIEW_REFUSED])
            raise
        note(request, authorization_id=auth.pk, usage=[VIEW])
        notice_first_view(authorization=auth)
        return ok(
            {
                "viewerUrl": url,
                "authorizationId": auth.pk,
                "validUntil": iso_beijing(auth.valid_until),
            }
        )
