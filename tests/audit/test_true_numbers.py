"""The numbers the regulator reads are true: in one month, every path that
changes a consent (hospital API grants by SMS and authorization code, the
compatible save's grant and revocation, the hospital's revocation with its
sibling, the patient's revocation and refusal on /me/ through the pages'
forms, a grant and a revocation the province missed and the retry task
finished, an expiry by the sweep task), then:

    the monthly report's figures == counts taken from the logs == UsageCounter

and grant syncs never exceed grants. "From the logs" is recounted by meaning
(operation-log actions, call-log outcomes, access-log endpoints), not from
the kinds the counters wrote, and checked against numbers worked out by hand.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone, translation

from audit.models import AccessLog, CallLog, OperationLog
from audit.recount import usage_counts, usage_recount
from audit.reports import report_build
from audit.selectors import Month
from audit.usage import SUMMARY_COLUMNS, summary_key
from relay.models import Authorization, State
from relay.tasks import expire_authorizations, sync_due_authorizations
from tests.fixtures.relay import resident_id

P1, P2, P3, P4, P5, P6 = (resident_id(n) for n in (611, 612, 613, 614, 615, 616))
PHONE_1, PHONE_2 = "13711112222", "13722223333"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _submit(client: Client, url: str, **fields):
    """Open the page and submit its form as a browser would: only fields the
    page renders, with its CSRF token (the client enforces the check)."""
    page = client.get(url)
    assert page.status_code == 200, url
    html = page.content.decode()
    assert "<form" in html
    for name in fields:
        assert f'name="{name}"' in html, (url, name)
    token = CSRF_RE.search(html).group(1)
    return client.post(url, {"csrfmiddlewaretoken": token, **fields})


def _sign_in(sms_outbox, phone: str) -> Client:
    patient = Client(enforce_csrf_checks=True)
    assert _submit(patient, "/me/login/", phone=phone)["Location"] == "/me/login/code/"
    code = sms_outbox[-1].params["code"]
    assert _submit(patient, "/me/login/code/", code=code)["Location"] == "/me/"
    return patient


def _due_now() -> None:
    Authorization.objects.update(sync_next_at=None)


def _grant_by_sms(hub, sms_code, idcard: str, phone: str) -> int:
    auth_id = hub.start(idcard, "sms", phone=phone).json()["data"]["authorizationId"]
    wrong = f"{(int(sms_code()) + 1) % 1_000_000:06d}"
    assert hub.verify(auth_id, code=wrong).status_code == 400  # one failed verification
    assert hub.verify(auth_id, code=sms_code()).json()["data"]["provinceSynced"] is True
    return auth_id


def _every_path(relay, sms_code, push_code) -> dict:
    a, b = relay.a, relay.b
    ids: dict = {}
    # Hospital API: SMS (with one wrong code) and authorization code.
    ids["sms"] = _grant_by_sms(a, sms_code, P1, PHONE_1)
    ids["authcode"] = a.start(P2, "authcode").json()["data"]["authorizationId"]
    assert a.verify(ids["authcode"], code=push_code()).json()["data"]["state"] == "granted"
    # The compatible save: a grant; P2's appointment is the authcode one's sibling.
    assert a.compat(P2).json()["returnCode"] == "1"
    assert a.compat(P3).json()["returnCode"] == "1"
    assert b.compat(P3).json()["returnCode"] == "1"
    # ...and a revocation through it.
    assert a.compat(P3, status="0").json()["returnCode"] == "1"
    # The hospital revokes P2's authcode consent: its appointment one goes too.
    assert a.revoke(ids["authcode"]).json()["data"]["state"] == "revoked"
    assert Authorization.objects.filter(state=State.REVOKED).count() == 3

    # The patient, on /me/ (pages and forms as a browser gets them).
    patient = _sign_in(relay.sms_outbox, PHONE_1)
    listing = patient.get("/me/authorizations/").content.decode()
    revoke_url = f"/me/authorizations/{ids['sms']}/revoke/"
    assert revoke_url in listing
    assert _submit(patient, revoke_url).status_code == 302
    assert a.view(P1).json()["errorCode"] == "CONSENT_REVOKED"  # one view refused
    ids["refused"] = a.start(P1, "authcode").json()["data"]["authorizationId"]
    request_url = f"/me/requests/{ids['refused']}/"
    assert request_url in patient.get("/me/requests/").content.decode()
    assert _submit(patient, request_url, decision="refuse").status_code == 302
    assert Authorization.objects.get(pk=ids["refused"]).state == State.REFUSED

    # The province misses a grant and a revocation; the retry task finishes both.
    relay.sim.control(fail_rate=1.0)
    assert a.compat(P4).status_code == 502
    relay.sim.control(fail_rate=0.0)
    _due_now()
    assert sync_due_authorizations.apply().get() == 1
    relay.sim.control(fail_rate=1.0)
    assert a.compat(P4, status="0").status_code == 502
    relay.sim.control(fail_rate=0.0)
    _due_now()
    assert sync_due_authorizations.apply().get() == 1
    assert sync_due_authorizations.apply().get() == 0  # nothing is sent (or counted) twice

    # One consent viewed, then expired by the sweep.
    assert a.compat(P5, authDays=1).json()["returnCode"] == "1"
    assert a.view(P5).status_code == 200
    ids["expired"] = Authorization.objects.latest("pk").pk
    Authorization.objects.filter(pk=ids["expired"]).update(
        valid_until=timezone.now() - timedelta(seconds=1)  # its day is over
    )
    assert expire_authorizations.apply().get() == 1
    # A request nobody verified expires too, but no consent ended: not counted.
    stale = a.start(P6, "authcode").json()["data"]["authorizationId"]
    Authorization.objects.filter(pk=stale).update(created_at=timezone.now() - timedelta(days=2))
    assert expire_authorizations.apply().get() == 1
    return ids


def _from_logs(hospital_id: int, start, end) -> dict[str, int]:
    """The summary columns recounted by meaning from the three logs."""
    mine = {
        str(pk)
        for pk in Authorization.objects.filter(hospital_id=hospital_id).values_list("pk", flat=True)
    }
    ops = [
        op
        for op in OperationLog.objects.filter(
            created_at__gte=start, created_at__lt=end, target_type="relay.authorization"
        )
        if op.target_id in mine
    ]

    def count(action, test=lambda op: True):
        return sum(1 for op in ops if op.action == action and test(op))

    access = AccessLog.objects.filter(
        hospital_id=hospital_id, created_at__gte=start, created_at__lt=end
    )
    calls = CallLog.objects.filter(
        hospital_id=hospital_id, created_at__gte=start, created_at__lt=end
    )
    return {
        **{key: 0 for key, _p, _l in SUMMARY_COLUMNS},
        "granted": count("authorization.granted"),
        "synced": count("authorization.synced", lambda op: op.after["sync_status"] == "1"),
        "failed": access.filter(
            endpoint="/api/v1/authorizations/<str:pk>/verify", http_status__gte=400
        ).count(),
        "revoked": count("authorization.revoked"),
        "revoke_synced": count("authorization.synced", lambda op: op.after["sync_status"] == "0"),
        "expired": count("authorization.expired", lambda op: op.before["state"] == "granted"),
        "patient_refused": count("authorization.refused", lambda op: op.actor_type == "patient"),
        "views": access.filter(endpoint="/api/v1/views", http_status=200).count(),
        "refused": access.filter(endpoint="/api/v1/views", http_status__gte=400).count(),
        "province_failures": calls.exclude(outcome=CallLog.Outcome.OK).count(),
    }


def _from_counters(hospital_id: int, month: Month) -> dict[str, int]:
    out = {key: 0 for key, _p, _l in SUMMARY_COLUMNS}
    for (h, day, kind), n in usage_counts(since=month.first_day).items():
        key = summary_key(kind)
        if h == hospital_id and day < month.end_day and key is not None:
            out[key] += n
    return out


def _csv_row(report, org_code: str) -> dict[str, str]:
    report.csv.open("rb")
    try:
        rows = list(csv.reader(io.StringIO(report.csv.read().decode("utf-8-sig"))))
    finally:
        report.csv.close()
    header = rows[0]
    line = next(r for r in rows[1:] if r[0] == org_code)
    return dict(zip(header, line, strict=False))


def test_report_figures_equal_the_logs_and_the_counters(relay, sms_code, push_code, sms_outbox):
    relay.sms_outbox = sms_outbox
    _every_path(relay, sms_code, push_code)
    month = Month.current()
    start, end = month.bounds()

    # Every counter is re-derivable from a log row (access or operation log).
    assert usage_counts() == usage_recount()

    report = report_build(month=month)
    rows = {row["org_code"]: row for row in report.summary.get("rows", [])}
    hospital_ids = dict(
        Authorization.objects.values_list("hospital__org_code", "hospital_id").distinct()
    )
    totals = {key: 0 for key, _p, _l in SUMMARY_COLUMNS}
    for org_code, hospital_id in hospital_ids.items():
        logs = _from_logs(hospital_id, start, end)
        assert _from_counters(hospital_id, month) == logs, org_code
        if rows:
            assert rows[org_code]["current"] == logs, org_code
        with translation.override("zh-hans"):
            line = _csv_row(report, org_code)
            for key, _pattern, label in SUMMARY_COLUMNS:
                assert int(line[str(label)]) == logs[key], (org_code, key)
        # A grant is synced at most once: syncs never exceed grants.
        assert logs["synced"] <= logs["granted"]
        for key in totals:
            totals[key] += logs[key]
    assert report.summary["totals"] == totals

    # Worked out by hand from the paths above (hospital A, then B).
    assert _from_logs(hospital_ids[relay.a.org_code], start, end) == {
        **{key: 0 for key, _p, _l in SUMMARY_COLUMNS},
        "granted": 6,  # sms P1, authcode P2, compat P2, P3, P4, P5
        "synced": 6,  # P4's by the retry task, once
        "failed": 1,  # the wrong SMS code
        "revoked": 5,  # compat P3, hospital P2 + sibling, patient P1, compat P4
        "revoke_synced": 5,  # P4's by the retry task, once
        "expired": 1,  # P5 (the never-verified request is not a consent)
        "patient_refused": 1,  # P1's second request, refused on /me/
        "views": 1,
        "refused": 1,
        "province_failures": 2,  # P4's grant and revocation, first attempts
    }
    assert _from_logs(hospital_ids[relay.b.org_code], start, end) == {
        **{key: 0 for key, _p, _l in SUMMARY_COLUMNS},
        "granted": 1,
        "synced": 1,
    }
