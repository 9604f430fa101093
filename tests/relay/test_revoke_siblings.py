"""Revoking one consent revokes the hospital's other live consents for that
patient (the province keeps one authorization per hospital and patient), and
nothing else: another hospital's consent for the same patient, and the same
hospital's consent for another patient, stay live. Over real HTTP."""

from __future__ import annotations

from hub.protect import digest
from relay.models import Authorization, State
from tests.fixtures.hospitals import DEMO_A, DEMO_B
from tests.fixtures.relay import resident_id


def _granted_via_compat(client, idcard: str) -> int:
    answer = client.compat(idcard)
    assert answer.status_code == 200 and answer.json()["returnCode"] == "1", answer.text
    return (
        Authorization.objects.filter(
            hospital__org_code=client.org_code, patient_digest=digest(idcard, purpose="id")
        )
        .latest("pk")
        .pk
    )


def test_revoking_one_consent_revokes_the_hospitals_other_live_ones_only(relay, push_code):
    patient, other_patient = resident_id(541), resident_id(542)
    # Hospital A: three live consents for the patient (two online-appointment
    # ones, one the patient confirmed with an authorization code) ...
    a_ids = [_granted_via_compat(relay.a, patient), _granted_via_compat(relay.a, patient)]
    started = relay.a.start(patient, "authcode").json()["data"]["authorizationId"]
    verified = relay.a.verify(started, code=push_code())
    assert verified.json()["data"]["state"] == "granted", verified.text
    a_ids.append(started)
    # ... one for another patient; hospital B: one for the same patient.
    a_other = _granted_via_compat(relay.a, other_patient)
    b_id = _granted_via_compat(relay.b, patient)
    live = Authorization.objects.filter(state=State.GRANTED)
    assert set(live.values_list("pk", flat=True)) == {*a_ids, a_other, b_id}

    answer = relay.a.revoke(a_ids[1])  # the middle one: siblings on both sides

    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["state"] == "revoked"
    states = dict(Authorization.objects.values_list("pk", "state"))
    assert [states[pk] for pk in a_ids] == [State.REVOKED] * 3
    assert states[a_other] == State.GRANTED
    assert states[b_id] == State.GRANTED
    assert not Authorization.objects.filter(
        hospital__org_code=DEMO_A["org_code"],
        patient_digest=digest(patient, purpose="id"),
        state=State.GRANTED,
    ).exists()
    assert Authorization.objects.filter(pk__in=a_ids, ended_at__isnull=True).count() == 0

    # The province heard it for A and this patient only.
    sim = relay.sim.state
    assert sim.live_grant(DEMO_A["org_code"], patient) is None
    assert sim.live_grant(DEMO_A["org_code"], other_patient) is not None
    assert sim.live_grant(DEMO_B["org_code"], patient) is not None
    # And the hub refuses A's views of the patient while B and A's other consent still work.
    refused = relay.a.view(patient)
    assert refused.status_code == 403, refused.text
    assert refused.json()["errorCode"] == "CONSENT_REVOKED"
    assert relay.b.view(patient).status_code == 200
    assert relay.a.view(other_patient).status_code == 200
