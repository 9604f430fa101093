"""Expiry (periodic task and at use), the audit trail of a consent, and no
plaintext ID, phone or code in any log (the audit leak scanner)."""

from __future__ import annotations

from audit.models import AccessLog, CallLog, OperationLog, UsageCounter
from relay.models import Authorization, State
from relay.tasks import expire_authorizations
from tests.fixtures.relay import resident_id


def test_expiry_is_checked_at_use_and_marked_by_the_periodic_task(relay, clock):
    idcard = resident_id(80)
    assert relay.a.compat(idcard, authDays=1).json()["returnCode"] == "1"
    assert relay.a.view(idcard).status_code == 200
    clock.advance(days=1, seconds=1)
    # The task has not run: the view is refused all the same.
    refused = relay.a.view(idcard)
    assert refused.status_code == 410 and refused.json()["errorCode"] == "CONSENT_EXPIRED"
    assert Authorization.objects.get().state == State.GRANTED
    assert expire_authorizations.apply().get() == 1
    auth = Authorization.objects.get()
    assert auth.state == State.EXPIRED and auth.ended_at is not None
    assert OperationLog.objects.filter(
        action="authorization.expired", target_id=str(auth.pk)
    ).exists()
    assert relay.a.view(idcard).json()["errorCode"] == "CONSENT_EXPIRED"
    # Revoking an expired consent is a state conflict.
    assert relay.a.revoke(auth.pk).status_code == 409


def test_a_new_consent_after_revocation_allows_views_again(relay):
    idcard = resident_id(81)
    relay.a.compat(idcard)
    relay.a.compat(idcard, status="0")
    assert relay.a.view(idcard).json()["errorCode"] == "CONSENT_REVOKED"
    assert relay.a.compat(idcard).json()["returnCode"] == "1"
    assert relay.a.view(idcard).status_code == 200


def test_revoking_a_patient_unknown_to_the_hub_is_relayed(relay):
    answer = relay.a.compat(resident_id(82), status="0")
    assert answer.json() == {"returnCode": "1", "returnDesc": "成功"}
    assert relay.sim.state.last_save["body"]["codeAuthRec"]["status"] == "0"
    assert CallLog.objects.filter(authorization_id=None).count() == 1
    assert Authorization.objects.count() == 0


def test_audit_trail_of_one_consent_and_no_plaintext_in_any_log(relay, sms_code, leak_scan, caplog):
    caplog.set_level("DEBUG")
    idcard, phone = resident_id(83), "13512345678"
    auth_id = relay.a.start(idcard, "sms", phone=phone).json()["data"]["authorizationId"]
    code = sms_code()
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    assert relay.a.verify(auth_id, code=wrong).status_code == 400
    assert relay.a.verify(auth_id, code=code).status_code == 200
    assert relay.a.view(idcard).status_code == 200
    assert relay.b.view(idcard).status_code == 403
    assert relay.a.revoke(auth_id).status_code == 200

    actions = list(
        OperationLog.objects.filter(target_id=str(auth_id), action__startswith="authorization.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "authorization.started",
        "authorization.granted",
        "authorization.synced",
        "authorization.revoked",
        "authorization.synced",
    ]
    assert list(
        CallLog.objects.filter(authorization_id=auth_id).values_list("outcome", flat=True)
    ) == ["ok", "ok"]
    views = AccessLog.objects.filter(endpoint="/api/v1/views").order_by("id")
    assert [(v.org_code, v.http_status, v.usage) for v in views] == [
        (relay.a.org_code, 200, "view"),
        (relay.b.org_code, 403, "view.refused"),
    ]
    assert views[0].patient_digest == views[1].patient_digest != ""
    assert views[0].authorization_id == auth_id and views[0].staff_no == "doc001"
    counts = dict(
        UsageCounter.objects.filter(org_code=relay.a.org_code).values_list("kind", "count")
    )
    for kind, n in {
        "auth.sms.started": 1,
        "auth.sms.failed": 1,
        "auth.sms.granted": 1,
        "auth.sms.synced": 1,  # the grant the province took
        "auth.sms.revoked": 1,
        "auth.sms.revoke_synced": 1,  # the revocation it took: counted apart
        "view": 1,
    }.items():
        assert counts.get(kind) == n, (kind, counts)

    # The compatible endpoint and the views too.
    other = resident_id(84)
    relay.a.compat(other)
    relay.a.view(other)
    relay.a.compat(other, status="0")
    leak_scan([idcard, phone, code, wrong, other, relay.a.demo["sm4_key"]])
