"""A hospital system written against the province's guide alone, pointed at
the hub by changing only the host, the credentials and the appId.

Everything the system does is written here from the guide (docs: spec §2),
not with the hub's helpers: the x-tif signature (SHA-256 of timestamp +
paastoken + nonce + timestamp, upper-case hex), SM4-ECB with PKCS#7 padding
(gmssl's implementation, not the hub's), the ``codeAuthRec/save`` body, and
the viewer URL ``<viewer>?param=<SM4 hex>&appId=<appId>`` opened in the
doctor's browser. It grants (mode 1), views through the hub's viewer entry
(the browser follows the hub's redirect to the province viewer), and
revokes; after the revocation the entry refuses.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time

import requests
from gmssl.sm4 import SM4_ENCRYPT, CryptSM4

from audit.models import AccessLog
from tests.fixtures.hospitals import DEMO_A
from tests.fixtures.relay import resident_id


class GuideSystem:
    """The province's integration, as a vendor writes it from the guide."""

    SAVE_PATH = "/ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save"

    def __init__(
        self,
        *,
        host,
        viewer_url,
        paasid,
        paastoken,
        sm4_key,
        app_id,
        org_code,
        org_name,
        call_sys_code,
    ):
        self.host = host
        self.viewer_url = viewer_url
        self.paasid, self.paastoken, self.key = paasid, paastoken, sm4_key
        self.app_id, self.org_code, self.org_name = app_id, org_code, org_name
        self.call_sys_code = call_sys_code
        self.http = requests.Session()
        self.http.trust_env = False

    # §9.3.3: Sm4Utils.encryptEcb(key, text): ECB, PKCS#5/7, lowercase hex.
    def encrypt(self, text: str) -> str:
        sm4 = CryptSM4()
        sm4.set_key(bytes.fromhex(self.key), SM4_ENCRYPT)
        return sm4.crypt_ecb(text.encode("utf-8")).hex()

    # §9.1: the gateway headers.
    def headers(self) -> dict[str, str]:
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(8)
        digest = hashlib.sha256(f"{timestamp}{self.paastoken}{nonce}{timestamp}".encode())
        return {
            "Content-Type": "application/json",
            "x-tif-paasid": self.paasid,
            "x-tif-timestamp": timestamp,
            "x-tif-nonce": nonce,
            "x-tif-signature": digest.hexdigest().upper(),
        }

    # §9.2: the authorization interface.
    def save(self, idcard: str, name: str, status: str) -> dict:
        body = {
            "codeAuthRec": {
                "authDays": 30,
                "patientIdcard": self.encrypt(idcard),
                "patientName": name,
                "orgCode": self.org_code,
                "orgName": self.org_name,
                "status": status,
                "appId": self.app_id,
            }
        }
        answer = self.http.post(
            self.host + self.SAVE_PATH,
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers=self.headers(),
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    # §9.3: the viewing interface, a URL for the doctor's browser.
    def viewer_link(self, *, staff_no, staff_name, card_type, idcard, name, patient_id) -> str:
        param = (
            f"orgCode={self.org_code}&staffNo={staff_no}&staffName={staff_name}"
            f"&cardType={card_type}&idcard={idcard}&patientName={name}"
            f"&patientId={patient_id}&callSysCode={self.call_sys_code}"
        )
        return f"{self.viewer_url}?param={self.encrypt(param)}&appId={self.app_id}"


def test_a_guide_only_system_grants_views_through_the_entry_and_revokes(relay):
    # Only the host, the credentials and the appId differ from the province's.
    his = GuideSystem(
        host=relay.url,
        viewer_url=relay.url + "/viewer",
        paasid=DEMO_A["paasid"],
        paastoken=DEMO_A["paastoken"],
        sm4_key=DEMO_A["sm4_key"],
        app_id=DEMO_A["app_id"],
        org_code=DEMO_A["org_code"],
        org_name=DEMO_A["org_name"],
        call_sys_code="his-vendor",
    )
    idcard, name = resident_id(401), "王五"
    link = his.viewer_link(
        staff_no="doc007",
        staff_name="陈医生",
        card_type="01",
        idcard=idcard,
        name=name,
        patient_id="H-0401",
    )
    doctor = requests.Session()
    doctor.trust_env = False

    assert his.save(idcard, name, "1") == {"returnCode": "1", "returnDesc": "成功"}

    page = doctor.get(link, timeout=30)  # the browser follows the hub's 302
    assert page.status_code == 200, page.text[:300]
    assert page.url.startswith(relay.sim.viewer_url + "?param=")
    assert "<h2>诊疗记录</h2>" in page.text and name in page.text and "陈医生" in page.text
    assert relay.sim.state.snapshot()["counts"].get("view.shown") == 1

    assert his.save(idcard, name, "0") == {"returnCode": "1", "returnDesc": "成功"}
    refused = doctor.get(link, timeout=30)
    assert refused.status_code == 403 and "CONSENT_REVOKED" in refused.text
    assert refused.url.startswith(relay.url + "/viewer")  # not forwarded

    rows = list(AccessLog.objects.filter(endpoint="/viewer").order_by("id"))
    assert [(r.http_status, r.error_code, r.staff_no) for r in rows] == [
        (302, "", "doc007"),
        (403, "CONSENT_REVOKED", "doc007"),
    ]
