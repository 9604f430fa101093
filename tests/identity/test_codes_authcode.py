"""The code rules for authorization codes, and what the operation log keeps."""

import re

import pytest

from identity import services
from identity.errors import IdentityCode, IdentityError
from identity.models import CodeChallenge
from tests.identity.code_helpers import PHONE, REF, expect, sent_code, wrong

pytestmark = pytest.mark.django_db


# --- Authorization codes -------------------------------------------------------------


def test_authcode_is_returned_once_and_verifies(push_outbox, sms_outbox, code_actor):
    challenge, code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    assert re.fullmatch(r"[0-9]{6}", code)
    assert challenge.channel == "authcode" and challenge.phone is None
    assert code not in challenge.code_mac
    assert sms_outbox == []
    assert [m.code for m in push_outbox] == [code]
    assert push_outbox[0].reference == REF
    services.challenge_verify(challenge=challenge, code=code, actor=code_actor)
    assert challenge.state == "used"


def test_authcode_reissue_supersedes_and_follows_cooldown(clock, code_actor):
    first, first_code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    clock.advance(seconds=10)
    error = expect(
        IdentityCode.CODE_COOLDOWN,
        services.authcode_challenge_issue,
        reference=REF,
        actor=code_actor,
    )
    assert error.http_status == 429 and error.headers["Retry-After"] == "50"
    clock.advance(seconds=51)
    second, second_code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    expect(
        IdentityCode.CODE_SUPERSEDED,
        services.challenge_verify,
        challenge=first,
        code=first_code,
        actor=code_actor,
    )
    services.challenge_verify(challenge=second, code=second_code, actor=code_actor)


def test_authcode_wrong_five_times_locks(code_actor):
    challenge, code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    for _ in range(4):
        expect(
            IdentityCode.CODE_WRONG,
            services.challenge_verify,
            challenge=challenge,
            code=wrong(code),
            actor=code_actor,
        )
    expect(
        IdentityCode.CODE_LOCKED,
        services.challenge_verify,
        challenge=challenge,
        code=wrong(code),
        actor=code_actor,
    )


def test_failing_push_does_not_fail_the_issue(settings, code_actor):
    settings.AUTHCODE_PUSH_BACKEND = "tests.identity.test_codes_authcode.ExplodingPush"
    challenge, code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    services.challenge_verify(challenge=challenge, code=code, actor=code_actor)


class ExplodingPush:
    name = "exploding"

    def __init__(self, **options):
        pass

    def push(self, message):
        raise ConnectionError("push service down")


def test_optional_django_otp_throttle_delays_next_try(settings, clock, code_actor):
    settings.IDENTITY_CODE_THROTTLE_FACTOR = 1
    challenge, code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    expect(
        IdentityCode.CODE_WRONG,
        services.challenge_verify,
        challenge=challenge,
        code=wrong(code),
        actor=code_actor,
    )
    challenge = CodeChallenge.objects.get(pk=challenge.pk)  # fresh cached_property
    error = expect(
        IdentityCode.CODE_THROTTLED,
        services.challenge_verify,
        challenge=challenge,
        code=code,
        actor=code_actor,
    )
    assert error.headers["Retry-After"] == "1"
    clock.advance(seconds=2)
    services.challenge_verify(challenge=challenge, code=code, actor=code_actor)


# --- Operation log -------------------------------------------------------------------


def test_state_changes_are_in_the_operation_log_without_code_or_phone(clock, sms_outbox):
    from audit.models import OperationLog

    actor = "hospital:7"
    first = services.sms_challenge_start(reference=REF, phone=PHONE, actor=actor)
    first_code = sent_code(sms_outbox)
    clock.advance(seconds=61)
    second = services.sms_challenge_resend(challenge=first, actor=actor)
    code = sent_code(sms_outbox)
    expect(
        IdentityCode.CODE_WRONG,
        services.challenge_verify,
        challenge=second,
        code=wrong(code),
        actor=actor,
    )
    services.challenge_verify(challenge=second, code=code, actor=actor)

    rows = list(OperationLog.objects.order_by("id"))
    assert [r.action for r in rows] == [
        "identity.code.issued",
        "identity.code.reissued",
        "identity.code.failed",
        "identity.code.verified",
    ]
    assert {r.target_type for r in rows} == {"identity.codechallenge"}
    assert rows[1].before["state"] == "active" and rows[1].after["state"] == "active"
    assert rows[2].after["failures"] == 1 and rows[3].after["state"] == "used"
    assert all(r.actor_repr == actor for r in rows)
    dumped = str([(r.before, r.after, r.target_repr) for r in rows])
    assert PHONE not in dumped and code not in dumped and first_code not in dumped
    assert "138****8000" in dumped


def test_lock_and_expiry_are_logged(clock, code_actor):
    from audit.models import OperationLog

    challenge, code = services.authcode_challenge_issue(reference=REF, actor=code_actor)
    for _ in range(5):
        with pytest.raises(IdentityError):
            services.challenge_verify(challenge=challenge, code=wrong(code), actor=code_actor)
    other, other_code = services.authcode_challenge_issue(reference="authorization:43", actor=None)
    clock.advance(minutes=5)
    with pytest.raises(IdentityError):
        services.challenge_verify(challenge=other, code=other_code, actor=None)
    actions = list(OperationLog.objects.order_by("id").values_list("action", flat=True))
    assert actions.count("identity.code.failed") == 4
    assert "identity.code.locked" in actions and actions[-1] == "identity.code.expired"
