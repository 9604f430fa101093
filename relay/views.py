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
from audit.usage import AUTH_SMS_UNVERIFIED_PHONE, VIEW_REFUSED, auth_kind
from hospitals.api import HospitalAPIView
from hub.errors import Code, HubError, ok
from hub.openapi import TAG_AUTHORIZATIONS, TAG_VIEWS, answers
from hub.pagination import HubPagination, PageQuery
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
from relay.models import ONSITE_METHODS, Method, PhoneCheck
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
from relay.view_consent import view_consent, view_recorded
from relay.viewing import view_request_read, view_url_build

#: Refusals that count as a failed verification in the usage counters.
FAILED_VERIFY_CODES = frozenset(
    {"CODE_WRONG", "CODE_LOCKED", "CODE_EXPIRED", "FACE_MISMATCH", "AUTHORIZATION_LOCKED"}
)
TAGS = [TAG_AUTHORIZATIONS]
AUTHORIZATION = AuthorizationOut()


def _usage_after_grant(request: Request, auth) -> None:
    # granted / synced / revoked are counted by the services with their
    # operation-log rows (every path, requests and tasks alike: audit.usage).
    if auth.phone_check == PhoneCheck.UNRECORDED:
        note(request, usage=[AUTH_SMS_UNVERIFIED_PHONE])


class AuthorizationStartView(HospitalAPIView):
    @extend_schema(
        summary="发起现场授权（短信验证码、授权码、人脸） / Start an on-site authorization (sms, authcode, face)",
        description="身份证号、手机号为本院 SM4 密钥加密的十六进制密文；短信验证码发往患者本人预留手机号（data.codeSentTo）。\n\nID and phone numbers are SM4 hex under the caller's hub key; an SMS code goes to the patient's phone of record (data.codeSentTo).",
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
            system_id=request.auth.system_id,
            actor=request.user,
        )
        note(request, authorization_id=auth.pk, usage=[auth_kind(method, "started")])
        return ok(authorization_data(auth))


class AuthorizationListView(HospitalAPIView):
    @extend_schema(
        summary="本院的授权列表（分页、可过滤） / The caller's own authorizations (paginated, filtered)",
        description="分页：page、pageSize；应答 data 为 {items, total, page, pageSize, hasNext}。带 changedSince 时按变更先后列出，把收到的最大 updatedAt 作为下一次的 changedSince。\n\nPages: page, pageSize; data is {items, total, page, pageSize, hasNext}. With changedSince, oldest change first: keep the largest updatedAt as the next changedSince.",
        tags=TAGS,
        operation_id="authorizations_list",
        parameters=[AuthorizationListQuerySerializer, PageQuery],
        responses=answers("AuthorizationList", AuthorizationListOut(), errors=openapi.LIST),
    )
    def get(self, request: Request):
        query = validated(
            AuthorizationListQuerySerializer, request.query_params.dict(), code=Code.FILTER_INVALID
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
        paginator = HubPagination()
        rows = paginator.paginate_queryset(qs, request)
        return paginator.get_paginated_response([authorization_data(a) for a in rows])


class AuthorizationsRoute(AuthorizationStartView, AuthorizationListView):
    # ``/api/v1/authorizations``: POST is AuthorizationStartView's, GET
    # AuthorizationListView's. One URL takes one view, and DRF picks the
    # handler by method, so the signature check, the throttle and the 405
    # answer of another method are those of every hospital view. (No
    # docstring: it would become both operations' description.)
    pass


class AuthorizationDetailView(HospitalAPIView):
    @extend_schema(
        summary="查询本院的一条授权 / One of the caller's authorizations",
        description="不存在、格式不对或不是本院的 id：404 AUTHORIZATION_NOT_FOUND。\n\nAn unknown, malformed or another hospital's id: 404 AUTHORIZATION_NOT_FOUND.",
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
        summary="核验验证码或人脸，授权并提交省平台 / Verify the patient's code or face; grant and relay",
        description="短信、授权码方式传 code；人脸方式传 idPhoto 与 livePhoto。成功后 data.state 为 granted。\n\ncode for sms/authcode; idPhoto and livePhoto for face. On success data.state is granted.",
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
        _usage_after_grant(request, auth)
        return ok(authorization_data(auth))


class AuthorizationRevokeView(HospitalAPIView):
    @extend_schema(
        summary="撤销授权（以 status 0 提交省平台）或取消待核验申请 / Revoke (relayed with status 0) or cancel a pending request",
        description="已授权的撤销后同步省平台；待核验的直接取消。\n\nA granted authorization is revoked at the province too; a pending one is cancelled.",
        tags=TAGS,
        operation_id="authorizations_revoke",
        request=None,
        responses=answers("AuthorizationRevoked", AUTHORIZATION, errors=openapi.REVOKE),
    )
    def post(self, request: Request, pk: str):
        auth = selectors.authorization_get(hospital=request.user, pk=pk)
        note(request, authorization_id=auth.pk, patient_digest=auth.patient_digest)
        auth, _outcome = services.authorization_revoke(authorization=auth, actor=request.user)
        return ok(authorization_data(auth))


class AuthorizationResendView(HospitalAPIView):
    @extend_schema(
        summary="重发验证码（短信）或重新生成授权码 / Send a fresh code (sms) or issue a new one (authcode)",
        description="仅适用于短信、授权码方式的待核验申请；受冷却时间限制（Retry-After）。\n\nFor pending sms/authcode requests only; subject to the cooldown (Retry-After).",
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
        summary="获取省平台调阅地址（患者授权有效时） / A province viewer URL for a patient with a live consent",
        description="param 为调阅参数串的 SM4 十六进制密文（本院密钥）；每次打开档案都调用，不要缓存 viewerUrl。\n\nparam is the SM4 hex of the viewer parameter string under the caller's hub key; call it every time a record is opened, never cache viewerUrl.",
        tags=[TAG_VIEWS],
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
            # The hub's consent, or (CONSENT_AT=province) the province's own.
            consent = view_consent(hospital=hospital, view=view)
            auth = consent.authorization
            url = view_url_build(hospital=hospital, view=view, authorization=auth)
        except HubError:
            note(request, usage=[VIEW_REFUSED])
            raise
        view_recorded(request, consent)
        return ok(
            {
                "viewerUrl": url,
                "authorizationId": auth.pk if auth is not None else None,
                "validUntil": iso_beijing(auth.valid_until) if auth is not None else None,
                "consentAt": consent.consent_at,
            }
        )
