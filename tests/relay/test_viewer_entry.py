"""The viewer entry (``GET|POST /viewer?param=..&appId=..``) over real HTTP:
the hub on a live server, the province simulator beside it, a doctor's
browser played by ``requests`` (redirects not followed, so the hub's own
answer is what is checked; then the province's URL is opened)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from audit.models import AccessLog, UsageCounter
from hospitals.models import Hospital, IntegratedSystem
from hub.gm import sm4_decrypt_ecb_hex, sm4_encrypt_ecb_hex
from hub.province.params import parse_view_param
from patients.selectors import views_of_record
from relay.models import Authorization
from tests.fixtures.hospitals import DEMO_A, DEMO_A_EMR, make_demo_hospital
from tests.fixtures.relay import resident_id, view_param

ENTRY = "/viewer"


@pytest.fixture
def browser():
    with requests.Session() as session:
        session.trust_env = False
        yield session


def entry_query(
    client, idcard: str, *, app_id: str | None = None, key: str | None = None, **param
) -> dict:
    plain = view_param(org_code=param.pop("org_code", client.org_code), idcard=idcard, **param)
    return {
        "param": sm4_encrypt_ecb_hex(key or client.demo["sm4_key"], plain),
        "appId": app_id or client.demo["app_id"],
    }


def open_entry(relay, browser, query, method="GET") -> requests.Response:
    url = relay.url + ENTRY
    if method == "POST":
        return browser.post(url, data=query, allow_redirects=False, timeout=10)
    return browser.request(method, url, params=query, allow_redirects=False, timeout=10)


def grant(relay, idcard: str) -> int:
    answer = relay.a.compat(idcard)
    assert answer.status_code == 200 and answer.json()["returnCode"] == "1", answer.text
    return Authorization.objects.filter(hospital__org_code=relay.a.org_code).latest("id").pk


def counts(org_code: str) -> dict[str, int]:
    out: dict[str, int] = {}
    rows = UsageCounter.objects.filter(hospital__org_code=org_code).values_list("kind", "count")
    for kind, count in rows:
        out[kind] = out.get(kind, 0) + count
    return out


def entry_rows():
    return list(AccessLog.objects.filter(endpoint=ENTRY).order_by("id"))


def assert_refused(page: requests.Response, status: int, code: str) -> None:
    assert page.status_code == status, page.text[:300]
    assert page.headers["Content-Type"].startswith("text/html")
    assert f'data-error-code="{code}"' in page.text
    assert "无法打开健康档案" in page.text  # Chinese for the doctor
    assert "Traceback" not in page.text
    assert page.headers["Cache-Control"] == "no-store"


def test_a_view_through_the_entry_goes_to_the_province_viewer_and_counts_a_view(relay, browser):
    idcard = resident_id(301)
    auth_id = grant(relay, idcard)

    answer = open_entry(relay, browser, entry_query(relay.a, idcard))

    assert answer.status_code == 302, answer.text[:300]
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    location = answer.headers["Location"]
    assert location.startswith(relay.sim.viewer_url + "?param=")
    query = parse_qs(urlsplit(location).query)
    assert query["appId"] == [relay.sim.account.app_id]
    # Re-encrypted under the city's province key, with the province's callSysCode.
    values = parse_view_param(sm4_decrypt_ecb_hex(relay.sim.account.sm4_key, query["param"][0]))
    assert values["idcard"] == idcard and values["orgCode"] == relay.a.org_code
    assert values["callSysCode"] == relay.sim.account.call_sys_code
    record = browser.get(location, timeout=10)
    assert record.status_code == 200 and "<h2>诊疗记录</h2>" in record.text

    (row,) = entry_rows()
    his = IntegratedSystem.objects.get(app_id=DEMO_A["app_id"])
    assert (row.http_status, row.error_code, row.authorization_id) == (302, "", auth_id)
    assert row.system_id == his.pk and row.staff_no == "doc001"
    assert row.hospital.org_code == relay.a.org_code
    assert counts(relay.a.org_code).get("view") == 1
    assert UsageCounter.objects.filter(kind="view", system_id=his.pk).exists()
    # The patient's "who viewed my record" lists it as a view.
    (seen,) = views_of_record([row.patient_digest])
    assert seen.allowed and seen.staff_no == "doc001" and seen.hospital == relay.a.org_name


def test_the_form_post_of_the_guide_works_the_same(relay, browser):
    idcard = resident_id(302)
    grant(relay, idcard)
    answer = open_entry(relay, browser, entry_query(relay.a, idcard), method="POST")
    assert answer.status_code == 302
    assert browser.get(answer.headers["Location"], timeout=10).status_code == 200


def test_each_system_opens_with_its_own_appid_and_key(relay, browser):
    make_demo_hospital(DEMO_A_EMR)
    idcard = resident_id(303)
    grant(relay, idcard)
    emr = {"app_id": DEMO_A_EMR["app_id"], "key": DEMO_A_EMR["sm4_key"]}

    assert open_entry(relay, browser, entry_query(relay.a, idcard, **emr)).status_code == 302
    mixed = entry_query(relay.a, idcard, app_id=DEMO_A_EMR["app_id"])  # the HIS's key
    assert_refused(open_entry(relay, browser, mixed), 400, "SM4_DECRYPT_FAILED")

    system = IntegratedSystem.objects.get(app_id=DEMO_A_EMR["app_id"])
    assert [r.system_id for r in entry_rows()] == [system.pk, system.pk]
    assert UsageCounter.objects.get(kind="view", system_id=system.pk).count == 1


def test_the_old_key_works_during_a_rotation_overlap(relay, browser):
    from hospitals.services.credentials import hub_credential_rotate

    idcard = resident_id(304)
    grant(relay, idcard)
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    system = IntegratedSystem.objects.get(app_id=DEMO_A["app_id"])
    issued = hub_credential_rotate(
        actor="system:test", hospital=hospital, system=system, overlap=timedelta(hours=1)
    )
    for key in (issued.sm4_key, DEMO_A["sm4_key"]):
        answer = open_entry(relay, browser, entry_query(relay.a, idcard, key=key))
        assert answer.status_code == 302, answer.text[:300]


@pytest.mark.parametrize(
    ("code", "status"),
    [("NO_CONSENT", 403), ("CONSENT_REVOKED", 403)],
)
def test_without_a_live_hub_consent_the_doctor_gets_a_chinese_refusal(relay, browser, code, status):
    idcard = resident_id(305)
    if code == "CONSENT_REVOKED":
        grant(relay, idcard)
        assert relay.a.compat(idcard, status="0").json()["returnCode"] == "1"
    page = open_entry(relay, browser, entry_query(relay.a, idcard))
    assert_refused(page, status, code)
    (row,) = entry_rows()
    assert (row.http_status, row.error_code) == (status, code)
    assert counts(relay.a.org_code).get("view.refused") == 1
    assert "view" not in counts(relay.a.org_code)


def test_refusals_of_a_bad_address(relay, browser):
    idcard = resident_id(306)
    good = entry_query(relay.a, idcard)
    cases = [
        ({"param": good["param"]}, 400, "VIEWER_QUERY_INVALID"),
        ({"appId": good["appId"]}, 400, "VIEWER_QUERY_INVALID"),
        ({**good, "param": "x" * 9000}, 400, "VIEWER_QUERY_INVALID"),
        ({**good, "appId": "nobody-app"}, 401, "APP_ID_UNKNOWN"),
        ({**good, "param": "not-hex"}, 400, "SM4_BAD_CIPHERTEXT"),
        (entry_query(relay.a, idcard, org_code=relay.b.org_code), 403, "ORG_CODE_MISMATCH"),
        (entry_query(relay.a, idcard, card_type="77"), 400, "CARD_TYPE_UNKNOWN"),
    ]
    for query, status, code in cases:
        assert_refused(open_entry(relay, browser, query), status, code)
    twice = relay.url + ENTRY + f"?param={good['param']}&param={good['param']}&appId=hosp-a-app"
    assert_refused(
        browser.get(twice, allow_redirects=False, timeout=10), 400, "VIEWER_QUERY_INVALID"
    )
    assert_refused(open_entry(relay, browser, good, method="PUT"), 405, "METHOD_NOT_ALLOWED")
    assert not UsageCounter.objects.filter(kind="view").exists()


def test_a_suspended_hospital_is_refused(relay, browser):
    idcard = resident_id(307)
    grant(relay, idcard)
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    hospital.status = "suspended"
    hospital.save()
    assert_refused(
        open_entry(relay, browser, entry_query(relay.a, idcard)), 403, "HOSPITAL_SUSPENDED"
    )


def test_consent_at_the_province_forwards_without_a_hub_consent(relay, browser, settings):
    settings.CONSENT_AT = "province"
    idcard = resident_id(308)
    answer = open_entry(relay, browser, entry_query(relay.a, idcard))
    assert answer.status_code == 302
    screen = browser.get(answer.headers["Location"], timeout=10)
    # The province asks the patient itself (its modes 2 and 3).
    assert 'data-screen="authorization"' in screen.text and "获取短信验证码" in screen.text
    (row,) = entry_rows()
    assert (row.http_status, row.authorization_id) == (302, None)
    assert counts(relay.a.org_code) == {"view.province_consent": 1}

    # With a hub consent it is an ordinary view, counted as such.
    grant(relay, idcard)
    assert open_entry(relay, browser, entry_query(relay.a, idcard)).status_code == 302
    assert counts(relay.a.org_code).get("view") == 1


def test_the_hospitals_own_setting_overrides_the_citys(relay, browser, settings):
    idcard = resident_id(309)
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    settings.CONSENT_AT = "hub"
    hospital.consent_at = "province"
    hospital.save()
    assert open_entry(relay, browser, entry_query(relay.a, idcard)).status_code == 302

    settings.CONSENT_AT = "province"
    hospital.consent_at = "hub"
    hospital.save()
    assert_refused(open_entry(relay, browser, entry_query(relay.a, idcard)), 403, "NO_CONSENT")


def test_the_view_api_follows_the_same_setting(relay, settings):
    idcard = resident_id(310)
    assert relay.a.view(idcard).json()["errorCode"] == "NO_CONSENT"
    settings.CONSENT_AT = "province"
    answer = relay.a.view(idcard)
    assert answer.status_code == 200, answer.text
    data = answer.json()["data"]
    assert data["consentAt"] == "province"
    assert data["authorizationId"] is None and data["validUntil"] is None
    assert data["viewerUrl"].startswith(relay.sim.viewer_url + "?param=")
    assert counts(relay.a.org_code).get("view.province_consent") == 1

    grant(relay, idcard)
    data = relay.a.view(idcard).json()["data"]
    assert data["consentAt"] == "hub" and data["authorizationId"] is not None


def test_the_hospitals_request_rate_applies_to_the_entry(relay, browser):
    idcard = resident_id(311)
    hospital = Hospital.objects.get(org_code=relay.a.org_code)
    hospital.throttle_rate = "3/day"
    hospital.save()
    grant(relay, idcard)  # the first of the three: the signed API shares the window
    query = entry_query(relay.a, idcard)
    assert [open_entry(relay, browser, query).status_code for _ in range(2)] == [302, 302]
    throttled = open_entry(relay, browser, query)
    assert_refused(throttled, 429, "THROTTLED")
    assert int(throttled.headers["Retry-After"]) >= 1
    assert counts(relay.a.org_code).get("view") == 2
