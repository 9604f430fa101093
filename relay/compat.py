"""The province-compatible endpoint (mode 1, after an online appointment):
``POST /ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save``.

Same body as the province's (spec §2.3), signed with the hub credentials, with
``patientIdcard`` under the hospital's hub key. ``orgCode`` must be the
caller's. ``status`` ``"1"`` (or the seed's ``" 1"``) grants, ``"0"`` revokes
the caller's live authorizations of that patient. ``authDays`` is relayed as
sent, 1 to 30 (30 when absent). ``appId`` is accepted as sent and replaced by
the province account's; ``orgName`` is replaced by the registered name.

The hub relays synchronously and answers as the province answered it:
``{"returnCode": "1", "returnDesc": "成功"}`` or the province's own refusal
(HTTP 200, ``returnCode`` ``"0"``, its ``returnDesc``). The hub's own refusals
(bad signature, bad input, province unreachable) have the same shape plus
``errorCode``. A grant the province could not take (down, timeout) is kept and
retried by the hub; the answer is then 502/504 ``PROVINCE_UNAVAILABLE`` /
``PROVINCE_TIMEOUT``, and a retry by the HIS is harmless.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from audit.context import note
from audit.usage import auth_kind
from hospitals.api import HospitalAPIView
from hub.openapi import TAG_COMPAT, failures
from hub.protect import digest
from relay import openapi, services
from relay.answers import ProvinceAnswer
from relay.errors import RelayCode, relay_error
from relay.models import Method
from relay.serializers import CodeAuthRecSaveRequestSerializer, validated
from relay.sync import FAILED, SYNCED, SyncOutcome, province_revoke_direct
from relay.validation import decrypt_field, printable_text, validate_id_number

DEFAULT_AUTH_DAYS = 30


def province_shaped(outcome: SyncOutcome | None) -> Response:
    """The province's answer, relayed; or the hub's refusal when there is none."""
    if outcome is not None and outcome.kind == SYNCED:
        return Response({"returnCode": outcome.return_code, "returnDesc": outcome.return_desc})
    if outcome is not None and outcome.kind == FAILED:
        if outcome.http_status is not None and 200 <= outcome.http_status < 300:
            # A business refusal: exactly what the province said.
            return Response(
                {"returnCode": outcome.return_code or "0", "returnDesc": outcome.return_desc}
            )
        raise relay_error(RelayCode.PROVINCE_REFUSED, reason=outcome.return_desc[:200])
    if outcome is not None and outcome.timeout:
        raise relay_error(RelayCode.PROVINCE_TIMEOUT)
    raise relay_error(RelayCode.PROVINCE_UNAVAILABLE)


class CodeAuthRecSaveView(HospitalAPIView):
    @extend_schema(
        summary="与省平台相同的 codeAuthRec/save（模式一：在线预约授权） / Province-compatible codeAuthRec/save (mode 1: online appointment)",
        description="请求体与省平台相同，patientIdcard 用本院在共享平台的 SM4 密钥加密；orgCode 须为本院。应答为省平台原样应答。\n\nThe province's own body, patientIdcard under the caller's hub SM4 key; orgCode must be the caller's. The answer is the province's, relayed.",
        tags=[TAG_COMPAT],
        operation_id="codeauthrec_save",
        request=CodeAuthRecSaveRequestSerializer,
        responses={
            200: OpenApiResponse(
                ProvinceAnswer,
                description="省平台的原样应答：returnCode 为 1，或为 0 及其原因 / The province's "
                "own answer, relayed: returnCode 1, or 0 and its reason.",
            ),
            **failures("CodeAuthRecSave", openapi.COMPAT),
        },
    )
    def post(self, request: Request):
        hospital = request.user
        rec = validated(CodeAuthRecSaveRequestSerializer, request.data)["codeAuthRec"]
        status = rec["status"].strip()
        if status not in ("1", "0"):
            raise relay_error(RelayCode.STATUS_INVALID)
        if rec["orgCode"].strip() != hospital.org_code:
            raise relay_error(RelayCode.ORG_CODE_MISMATCH)
        id_number = validate_id_number(
            decrypt_field(
                request.auth.sm4_key, rec["patientIdcard"], field="codeAuthRec.patientIdcard"
            ),
            card_type="",
        )
        name = printable_text(rec["patientName"], "codeAuthRec.patientName")
        note(request, patient_digest=digest(id_number, purpose="id"))

        if status == "1":
            auth, outcome = services.authorization_grant_appointment(
                hospital=hospital,
                id_number=id_number,
                patient_name=name,
                auth_days=rec.get("authDays", DEFAULT_AUTH_DAYS),
                system_id=request.auth.system_id,
                actor=hospital,
            )
            # granted / synced are counted by the services (audit.usage).
            note(request, authorization_id=auth.pk)
            return province_shaped(outcome)

        results = services.authorization_revoke_patient(
            hospital=hospital, id_number=id_number, actor=hospital
        )
        if not results:
            # A consent granted before the hospital moved to the hub: relayed
            # as is; a revocation the province took is counted here.
            direct = province_revoke_direct(
                hospital=hospital, id_number=id_number, patient_name=name
            )
            if direct.kind == SYNCED:
                note(request, usage=[auth_kind(Method.APPOINTMENT, "revoke_synced")])
            return province_shaped(direct)
        auth, outcome = results[0]
        # revoked / revoke_synced are counted by the services, once per consent.
        note(request, authorization_id=auth.pk)
        return province_shaped(outcome)
