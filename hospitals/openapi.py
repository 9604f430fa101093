"""OpenAPI: the refusals every signed operation shares, and the codes of
``/hospitals/me``.

Data only (the views declare their own ``extend_schema``).
``signed_errors()`` is what ``hospitals.auth.XTifAuthentication``, the
live-hospital permission and the per-hospital throttle can answer before a
view runs; each app merges it with its own codes (``hub.openapi.merge``).
The security scheme of the x-tif headers is ``hospitals.schema``.
"""

from __future__ import annotations

from hospitals.errors import HospitalsCode
from hub.errors import Code
from hub.openapi import BODY_ERRORS, failure, merge

SIGNATURE_REFUSALS = [
    HospitalsCode.MISSING_SIGNATURE_HEADERS,
    HospitalsCode.BAD_TIMESTAMP,
    HospitalsCode.STALE_TIMESTAMP,
    HospitalsCode.BAD_NONCE,
    HospitalsCode.UNKNOWN_PAASID,
    HospitalsCode.CREDENTIAL_RETIRED,
    HospitalsCode.BAD_SIGNATURE,
    HospitalsCode.REPLAYED_NONCE,
]
CALLER_REFUSALS = [HospitalsCode.HOSPITAL_SUSPENDED, HospitalsCode.IP_NOT_ALLOWED]
# Shared by every signed operation: named for what they are.
failure("SignatureRefused", SIGNATURE_REFUSALS)
failure("CallerRefused", [*CALLER_REFUSALS, HospitalsCode.HOSPITAL_NOT_LIVE])
failure("CallerRefusedAnyStage", CALLER_REFUSALS)


def signed_errors(*, live: bool = True, body: bool = False) -> dict[int, list[str]]:
    """Refusals before the view: signature (401), caller (403), throttle (429);
    with ``body`` also the JSON body's own (400 BAD_JSON, 413, 415)."""
    refused = CALLER_REFUSALS + ([HospitalsCode.HOSPITAL_NOT_LIVE] if live else [])
    errors = {401: SIGNATURE_REFUSALS, 403: refused, 429: [Code.THROTTLED]}
    return merge(errors, BODY_ERRORS) if body else merge(errors)


#: GET /api/v1/hospitals/me: any signed, active hospital, live or not.
ME = signed_errors(live=False)
