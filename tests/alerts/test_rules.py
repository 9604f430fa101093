"""The baseline rules, each tripped by traffic made as hospitals make it (signed
HTTP to the live hub), each quiet just below its threshold, and each measured
against the hospital's own past (rows written by the same writers, dated in
the previous days)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, Rule
from alerts.windows import night_bounds
from audit.models import OperationLog
from audit.services import access_log_write, operation_log_record
from hospitals.models import Hospital
from hub.protect import digest
from relay.models import Authorization, Method, State
from tests.alerts.conftest import days_ago, evaluate, local_midnight, raised
from tests.fixtures.relay import resident_id

ORG_A, ORG_B = "455404482", "455404483"


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def _past_access(hospital, when, *, staff_no: str, patients, route="/api/v1/views"):
    for n in patients:
        access_log_write(
            created_at=when,
            hospital=hospital,
            endpoint=route,
            method="POST",
            http_status=200,
            latency_ms=5.0,
            staff_no=staff_no,
            patient_digest=digest(resident_id(n), purpose="id"),
        )


# --- One staff number, many patients ---------------------------------------------------


def _staff_traffic(client, staff_no: str, first: int, starts: int, views: int) -> None:
    n = first
    for _ in range(starts):
        answer = client.start(resident_id(n), "authcode", staffNo=staff_no)
        assert answer.status_code == 200, answer.text
        n += 1
    for _ in range(views):
        # No consent: refused (403), and still a staff number asking for a patient.
        answer = client.view(resident_id(n), staff_no=staff_no)
        assert answer.json()["errorCode"] == "NO_CONSENT"
        n += 1


def test_a_staff_number_asking_for_many_patients_trips(relay, settings, push_code):
    settings.ALERT_STAFF_MIN_PATIENTS = 4
    _staff_traffic(relay.a, "doc-bulk", 601, starts=2, views=3)
    _staff_traffic(relay.a, "doc-ok", 611, starts=1, views=1)
    # The same patient again adds nothing.
    relay.a.view(resident_id(601), staff_no="doc-bulk")

    evaluate()

    [alert] = raised(Rule.STAFF_MANY_PATIENTS)
    assert alert.subject == f"{ORG_A} / doc-bulk"
    assert alert.hospital.org_code == ORG_A and alert.severity == "high"
    assert alert.details == {
        "staff_no": "doc-bulk",
        "patients": 5,
        "authorization_requests": 2,
        "view_requests": 4,
        "hospital_usual_per_staff": 0.0,
        "threshold": 4.0,
        "baseline_days": 14,
    }
    assert alert.day == timezone.localdate()


def test_a_staff_number_at_the_threshold_does_not_trip(relay, settings, push_code):
    settings.ALERT_STAFF_MIN_PATIENTS = 4
    _staff_traffic(relay.a, "doc-busy", 621, starts=2, views=2)
    evaluate()
    assert raised(Rule.STAFF_MANY_PATIENTS) == []


def test_a_hospital_whose_staff_usually_see_many_patients_does_not_trip(relay, settings, push_code):
    settings.ALERT_STAFF_MIN_PATIENTS = 4
    hospital_a = Hospital.objects.get(org_code=ORG_A)
    for day in range(1, 15):  # A's staff: 10 patients a day each, usually
        _past_access(hospital_a, days_ago(day), staff_no="doc-usual", patients=range(700, 710))
    _staff_traffic(relay.a, "doc-bulk", 631, starts=0, views=5)
    _staff_traffic(relay.b, "doc-bulk", 641, starts=0, views=5)
    evaluate()
    # A's bar is 3 x 10 = 30; B has no history, its bar is the minimum (4).
    [alert] = raised(Rule.STAFF_MANY_PATIENTS)
    assert alert.hospital.org_code == ORG_B
    assert alert.details["patients"] == 5


def test_a_staff_number_shaped_like_an_id_number_is_shown_masked(relay, settings):
    settings.ALERT_STAFF_MIN_PATIENTS = 2
    odd_staff_no = resident_id(999)
    for n in range(645, 648):
        relay.a.view(resident_id(n), staff_no=odd_staff_no)
    evaluate()
    [alert] = raised(Rule.STAFF_MANY_PATIENTS)
    shown = alert.subject + str(alert.details) + alert.dedup_key
    assert odd_staff_no not in shown
    assert alert.subject == f"{ORG_A} / {odd_staff_no[:4]}**********{odd_staff_no[-4:]}"


# --- Mode-1 grants far above the hospital's own baseline ------------------------------------


def test_mode1_grants_far_above_usual_trip(relay, settings, mailoutbox):
    settings.ALERT_MODE1_MIN_GRANTS = 3
    for n in range(651, 655):
        answer = relay.a.compat(resident_id(n))
        assert answer.json()["returnCode"] == "1", answer.text
    relay.b.compat(resident_id(660))

    evaluate()

    [alert] = raised(Rule.MODE1_GRANTS_SPIKE)
    assert alert.hospital.org_code == ORG_A and alert.subject == ORG_A
    assert alert.details == {
        "grants": 4,
        "daily_average": 0.0,
        "threshold": 3.0,
        "baseline_days": 14,
    }
    assert [m.subject for m in mailoutbox] == [
        f"【健康信息平台安全告警】在线预约授权远超平常：{ORG_A}"
    ]
    assert "  在线预约授权: 4\n" in mailoutbox[0].body


def test_mode1_grants_at_the_minimum_do_not_trip(relay, settings):
    settings.ALERT_MODE1_MIN_GRANTS = 3
    for n in range(661, 664):
        relay.a.compat(resident_id(n))
    evaluate()
    assert raised(Rule.MODE1_GRANTS_SPIKE) == []


def _past_mode1(hospital, when, count: int, first: int) -> None:
    for n in range(first, first + count):
        auth = Authorization.objects.create(
            hospital=hospital,
            method=Method.APPOINTMENT,
            state=State.GRANTED,
            patient_idcard=resident_id(n),
            patient_digest=digest(resident_id(n), purpose="id"),
            patient_name="张三",
            granted_at=when,
        )
        Authorization.objects.filter(pk=auth.pk).update(created_at=when)


def test_mode1_baseline_is_the_hospitals_own_daily_average(relay, settings):
    settings.ALERT_MODE1_MIN_GRANTS = 3
    hospital_a = Hospital.objects.get(org_code=ORG_A)
    for day in range(1, 15):
        _past_mode1(hospital_a, days_ago(day), 2, 800 + 10 * day)  # 2 a day: bar 6
    for n in range(671, 677):
        relay.a.compat(resident_id(n))
    evaluate()
    assert raised(Rule.MODE1_GRANTS_SPIKE) == []  # 6 is not above 6
    relay.a.compat(resident_id(677))
    evaluate()
    [alert] = raised(Rule.MODE1_GRANTS_SPIKE)
    assert alert.details["grants"] == 7
    assert alert.details["daily_average"] == 2.0 and alert.details["threshold"] == 6.0


# --- Failed verifications far above the hospital's own baseline -----------------------------


def _guess(client, patient: int, wrong: int, push_code) -> None:
    started = client.start(resident_id(patient), "authcode")
    assert started.status_code == 200, started.text
    auth_id = started.json()["data"]["authorizationId"]
    right = push_code()
    for _ in range(wrong):
        answer = client.verify(auth_id, code=_wrong(right))
        assert answer.json()["errorCode"] in ("CODE_WRONG", "CODE_LOCKED"), answer.text


def test_failed_verifications_far_above_usual_trip(relay, settings, push_code):
    settings.ALERT_FAILURES_MIN = 6
    _guess(relay.b, 681, 5, push_code)  # five wrong codes lock the request
    _guess(relay.b, 682, 2, push_code)
    _guess(relay.a, 683, 1, push_code)
    evaluate()
    [alert] = raised(Rule.FAILED_VERIFICATIONS_SPIKE)
    assert alert.hospital.org_code == ORG_B and alert.severity == "medium"
    assert alert.details["failed_verifications"] == 7
    assert alert.details["threshold"] == 6.0


def test_failed_verifications_at_the_minimum_do_not_trip(relay, settings, push_code):
    settings.ALERT_FAILURES_MIN = 6
    _guess(relay.b, 691, 5, push_code)
    _guess(relay.b, 692, 1, push_code)
    evaluate()
    assert raised(Rule.FAILED_VERIFICATIONS_SPIKE) == []


def test_face_mismatches_count_and_a_code_lock_counts_once(db, hospital_a, settings):
    """The face path's rows (relay.services: ``authorization.face_failed`` for the
    first four mismatches, ``authorization.locked`` with the face details for the
    fifth); a code lock's ``authorization.locked`` has no face details and is
    already counted as ``identity.code.locked``."""
    settings.ALERT_FAILURES_MIN = 3
    for _ in range(3):
        operation_log_record(
            actor=hospital_a, action="authorization.face_failed", target="authorization:1"
        )
    operation_log_record(
        actor=hospital_a,
        action="authorization.locked",
        target="authorization:1",
        after={"state": "locked", "face": {"distance": 0.9}},
    )
    operation_log_record(
        actor=hospital_a, action="authorization.locked", target="authorization:2", after={}
    )
    operation_log_record(actor="patient:x", action="identity.code.failed", target="code:9")
    evaluate()
    [alert] = raised(Rule.FAILED_VERIFICATIONS_SPIKE)
    assert alert.details["failed_verifications"] == 4


def test_failure_baseline_is_the_hospitals_own(relay, settings, push_code):
    settings.ALERT_FAILURES_MIN = 6
    hospital_b = Hospital.objects.get(org_code=ORG_B)
    for day in range(1, 15):  # 3 failed verifications a day, usually: bar 9
        for _ in range(3):
            operation_log_record(actor=hospital_b, action="identity.code.failed", target="code:1")
        OperationLog.objects.filter(created_at__gte=local_midnight()).update(
            created_at=days_ago(day)
        )
    _guess(relay.b, 695, 5, push_code)
    _guess(relay.b, 696, 3, push_code)
    evaluate()
    assert raised(Rule.FAILED_VERIFICATIONS_SPIKE) == []  # 8, not above 9


# --- Views at night, in bulk -----------------------------------------------------------------


@pytest.fixture
def night_now(settings):
    """A night window of two hours around the present hour."""
    hour = timezone.localtime().hour
    settings.ALERT_NIGHT_START_HOUR = (hour - 1) % 24
    settings.ALERT_NIGHT_END_HOUR = (hour + 1) % 24
    settings.ALERT_NIGHT_MIN_PATIENTS = 2
    return settings


def test_bulk_views_at_night_trip(relay, night_now):
    for n in range(901, 904):
        relay.a.view(resident_id(n), staff_no="doc-night")
    relay.a.view(resident_id(904), staff_no="doc-other")
    relay.b.view(resident_id(905), staff_no="doc-b")
    evaluate()
    [alert] = raised(Rule.NIGHT_BULK_VIEWS)
    start, end = night_bounds(timezone.now())
    assert alert.hospital.org_code == ORG_A and alert.day == start.date()
    assert alert.details["patients"] == 4 and alert.details["requests"] == 4
    assert alert.details["threshold"] == 2.0
    assert alert.details["top_staff"] == [
        {"staff_no": "doc-night", "patients": 3},
        {"staff_no": "doc-other", "patients": 1},
    ]
    assert alert.details["window"] == f"{start:%Y-%m-%d %H:%M}/{end:%Y-%m-%d %H:%M}"


def test_a_few_views_at_night_do_not_trip(relay, night_now):
    relay.a.view(resident_id(911), staff_no="doc-night")
    relay.a.view(resident_id(912), staff_no="doc-night")
    evaluate()
    assert raised(Rule.NIGHT_BULK_VIEWS) == []


def test_night_views_are_measured_against_the_hospitals_own_nights(relay, night_now):
    hospital_a = Hospital.objects.get(org_code=ORG_A)
    start, _end = night_bounds(timezone.now())
    for night in range(1, 15):  # 2 patients a night, usually: bar 6
        when = start - timedelta(days=night) + timedelta(minutes=30)
        _past_access(hospital_a, when, staff_no="doc-er", patients=(950 + night, 980 + night))
    for n in range(921, 924):
        relay.a.view(resident_id(n), staff_no="doc-night")
    evaluate()
    assert raised(Rule.NIGHT_BULK_VIEWS) == []


def test_night_windows_may_span_midnight(settings):
    settings.ALERT_NIGHT_START_HOUR, settings.ALERT_NIGHT_END_HOUR = 22, 6
    midnight = local_midnight()
    start, end = night_bounds(midnight + timedelta(hours=3))
    assert (start, end) == (midnight - timedelta(hours=2), midnight + timedelta(hours=6))
    start, end = night_bounds(midnight + timedelta(hours=23))
    assert (start, end) == (midnight + timedelta(hours=22), midnight + timedelta(hours=30))
    start, _end = night_bounds(midnight + timedelta(hours=12))  # the last night, ended
    assert start == midnight - timedelta(hours=2)


# --- One alert per condition and day ----------------------------------------------------------


def test_a_day_rule_raises_one_alert_a_day(relay, settings, mailoutbox):
    settings.ALERT_MODE1_MIN_GRANTS = 1
    relay.a.compat(resident_id(931))
    relay.a.compat(resident_id(932))
    assert len(evaluate()) == 1
    relay.a.compat(resident_id(933))  # grows: still the same condition today
    assert evaluate() == []
    assert Alert.objects.count() == 1 and len(mailoutbox) == 1


def test_just_after_midnight_yesterdays_last_minutes_still_count(db, hospital_a, settings):
    settings.ALERT_MODE1_MIN_GRANTS = 1
    midnight = local_midnight()
    _past_mode1(hospital_a, midnight - timedelta(minutes=10), 2, 940)
    # Evaluated at 00:20 (the last run of yesterday was before 23:50).
    evaluate(now=midnight + timedelta(minutes=20))
    [alert] = raised(Rule.MODE1_GRANTS_SPIKE)
    assert alert.day == midnight.date() - timedelta(days=1)
    # Later in the day yesterday is no longer looked at (and today has nothing).
    assert evaluate(now=midnight + timedelta(hours=2)) == []


def test_a_patient_blocked_after_guessing_across_hospitals_raises_an_alert(
    relay, settings, push_code, mailoutbox
):
    settings.PATIENT_DAILY_FAILURES_MAX = 6
    settings.ALERT_EMAIL_TO = ["security@example.gov.cn"]
    _guess(relay.a, 691, 5, push_code)
    evaluate()
    assert not raised(Rule.PATIENT_BLOCKED)  # five failures: not blocked yet
    # The same patient at the other hospital: the sixth failure blocks.
    _guess(relay.b, 691, 1, push_code)
    evaluate()
    [alert] = raised(Rule.PATIENT_BLOCKED)
    assert alert.severity == "high" and alert.details["failures"] == 6
    assert alert.details["hospitals"] == sorted([relay.a.org_code, relay.b.org_code])
    assert resident_id(691) not in str(alert.details) + alert.subject
    assert any("security@example.gov.cn" in m.to for m in mailoutbox)
    evaluate()
    assert len(raised(Rule.PATIENT_BLOCKED)) == 1  # one alert for one block
