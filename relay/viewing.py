"""The view relay (``POST /api/v1/views``): read the hospital's ``param``,
check it, and build the province viewer URL for a live, synced consent.

The hub never fetches the viewer and keeps nothing of what it shows (seed
§7.2): the answer is a URL the doctor's browser opens. The hot path is kept
to one authorization query: the caller's credential and the province account
come from in-process caches (``hospitals.selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hospitals.selectors import province_account_for
from hub.protect import digest
from hub.province.client import viewer_url
from relay import targets
from relay.errors import RelayCode, relay_error
from relay.models import Authorization
from relay.validation import decrypt_field, parse_param


@dataclass(frozen=True)
class ViewRequest:
    values: dict[str, str]
    patient_digest: str

    @property
    def staff_no(self) -> str:
        return self.values["staffNo"]


def view_request_read(*, hospital, key_hex: str, param_hex: str) -> ViewRequest:
    """Decrypt ``param`` under the hospital's hub key and check every field;
    its ``orgCode`` must be the caller's own."""
    values = parse_param(decrypt_field(key_hex, param_hex, field="param"))
    if values["orgCode"].strip() != hospital.org_code:
        raise relay_error(RelayCode.ORG_CODE_MISMATCH)
    return ViewRequest(values=values, patient_digest=digest(values["idcard"], purpose="id"))


def view_url_build(*, hospital, view: ViewRequest, authorization: Authorization | None) -> str:
    """The province viewer URL: ``param`` re-encrypted under the province key,
    with the province-side ``callSysCode`` and ``appId``; the joint-test
    viewer (``PROVINCE_TEST_VIEWER_URL``) for a consent on the test target.
    ``authorization`` None: consent taken at the province
    (``relay.view_consent``), the hospital's current target."""
    account = province_account_for(hospital)
    v = view.values
    target = (
        authorization.province_target if authorization is not None else targets.target_for(hospital)
    )
    return viewer_url(
        account,
        viewer_url=targets.viewer_base(target),
        org_code=hospital.org_code,
        staff_no=v["staffNo"],
        staff_name=v["staffName"],
        card_type=v["cardType"],
        id_number=v["idcard"],
        patient_name=v["patientName"],
        patient_id=v["patientId"],
    )
