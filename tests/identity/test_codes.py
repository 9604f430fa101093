"""The code rules: issue, verify, lock, expiry, cooldown, supersede, storage."""

import re

import pytest

from identity import codes, services
from identity.errors import IdentityCode
from identity.models import CodeChallenge
from tests.identity.code_helpers import PHONE, REF, expect, sent_code, wrong

pytestmark = pytest.mark.django_db


def test_start_sends_six_digit_code_in_chinese(sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    assert len(sms_outbox) == 1
    message = sms_outbox[0]
    assert message.phone == PHONE
    assert re.fullmatch(r"[0-9]{6}", message.params["code"])
    assert message.params["code"] in message.text
    assert "验证码" in message.text and "5分钟" in message.text
    assert challenge.state == "active" and challenge.channel == "sms"
    assert challenge.backend == "locmem"
    assert services.challenge_for(REF) == challenge


def test_right_code_verifies_once(sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    services.challenge_verify(challenge=challenge, code=sent_code(sms_outbox), actor=code_actor)
    challenge.refresh_from_db()
    assert challenge.state == "used" and challenge.used_at is not None
    expect(
        IdentityCode.CODE_ALREADY_USED,
        services.challenge_verify,
        challenge=challenge,
        code=sent_code(sms_outbox),
        actor=code_actor,
    )


def test_wrong_code_five_times_locks(sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    bad = wrong(sent_code(sms_outbox))
    for remaining in (4, 3, 2, 1):
        error = expect(
            IdentityCode.CODE_WRONG,
            services.challenge_verify,
            challenge=challenge,
            code=bad,
            actor=code_actor,
        )
        assert error.http_status == 400
        assert error.remaining == remaining
        assert str(remaining) in error.message
    error = expect(
        IdentityCode.CODE_LOCKED,
        services.challenge_verify,
        challenge=challenge,
        code=bad,
        actor=code_actor,
    )
    assert error.http_status == 423
    row = CodeChallenge.objects.get(pk=challenge.pk)
    assert row.state == "locked" and row.throttling_failure_count == 5
    assert challenge.state == "locked"  # updated in place for the caller
    # Even the right code is refused now, and no new code can be sent.
    expect(
        IdentityCode.CODE_LOCKED,
        services.challenge_verify,
        challenge=challenge,
        code=sent_code(sms_outbox),
        actor=code_actor,
    )
    expect(IdentityCode.CODE_LOCKED, services.sms_challenge_resend, challenge=row, actor=None)


def test_wrong_code_message_is_chinese_with_remaining_attempts(sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    error = expect(
        IdentityCode.CODE_WRONG,
        services.challenge_verify,
        challenge=challenge,
        code=wrong(sent_code(sms_outbox)),
        actor=code_actor,
    )
    assert error.message == "验证码错误，还可尝试4次。"


@pytest.mark.parametrize(
    "code", ["12345", "1234567", "12345a", "１２３４５６", "123456\n", "", None, 123456]
)
def test_malformed_code_is_refused_without_counting(code, sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    error = expect(
        IdentityCode.CODE_FORMAT,
        services.challenge_verify,
        challenge=challenge,
        code=code,
        actor=code_actor,
    )
    assert error.http_status == 400
    assert CodeChallenge.objects.get(pk=challenge.pk).throttling_failure_count == 0


def test_code_expires_after_five_minutes(clock, sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    clock.advance(minutes=4, seconds=59)
    assert challenge.current_state() == "active"
    clock.advance(seconds=1)
    assert challenge.current_state() == "expired"
    error = expect(
        IdentityCode.CODE_EXPIRED,
        services.challenge_verify,
        challenge=challenge,
        code=sent_code(sms_outbox),
        actor=code_actor,
    )
    assert error.http_status == 410
    assert CodeChallenge.objects.get(pk=challenge.pk).state == "expired"


def test_code_just_before_expiry_is_accepted(clock, sms_outbox, code_actor):
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    clock.advance(minutes=4, seconds=59)
    services.challenge_verify(challenge=challenge, code=sent_code(sms_outbox), actor=code_actor)
    assert challenge.state == "used"


def test_resend_waits_sixty_seconds(clock, sms_outbox, code_actor):
    first = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    clock.advance(seconds=30)
    error = expect(
        IdentityCode.SMS_COOLDOWN, services.sms_challenge_resend, challenge=first, actor=code_actor
    )
    assert error.http_status == 429
    assert error.headers["Retry-After"] == "30"
    assert len(sms_outbox) == 1
    clock.advance(seconds=31)
    second = services.sms_challenge_resend(challenge=first, actor=code_actor)
    assert len(sms_outbox) == 2
    assert second.pk != first.pk
    assert CodeChallenge.objects.get(pk=first.pk).state == "superseded"
    assert services.challenge_for(REF) == second


def test_resend_supersedes_old_code_and_keeps_failures(clock, sms_outbox, code_actor):
    first = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    old_code = sent_code(sms_outbox)
    for _ in range(3):
        expect(
            IdentityCode.CODE_WRONG,
            services.challenge_verify,
            challenge=first,
            code=wrong(old_code),
            actor=code_actor,
        )
    clock.advance(seconds=61)
    second = services.sms_challenge_resend(challenge=first, actor=code_actor)
    expect(
        IdentityCode.CODE_SUPERSEDED,
        services.challenge_verify,
        challenge=first,
        code=old_code,
        actor=code_actor,
    )
    new_code = sent_code(sms_outbox)
    assert second.throttling_failure_count == 3
    # Five wrong tries per request, not per code: two more lock it.
    expect(
        IdentityCode.CODE_WRONG,
        services.challenge_verify,
        challenge=second,
        code=wrong(new_code),
        actor=code_actor,
    )
    expect(
        IdentityCode.CODE_LOCKED,
        services.challenge_verify,
        challenge=second,
        code=wrong(new_code),
        actor=code_actor,
    )


def test_expired_code_can_be_resent(clock, sms_outbox, code_actor):
    first = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    clock.advance(minutes=6)
    second = services.sms_challenge_resend(challenge=first, actor=code_actor)
    services.challenge_verify(challenge=second, code=sent_code(sms_outbox), actor=code_actor)
    assert second.state == "used"


def test_used_challenge_cannot_be_resent(clock, sms_outbox, code_actor):
    first = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    services.challenge_verify(challenge=first, code=sent_code(sms_outbox), actor=code_actor)
    clock.advance(seconds=61)
    expect(
        IdentityCode.CODE_ALREADY_USED, services.sms_challenge_resend, challenge=first, actor=None
    )


@pytest.mark.parametrize(
    "phone",
    [
        "12800138000",
        "1380013800",
        "138001380001",
        "23800138000",
        "1380013800a",
        "１３８００１３８０００",
        "13800138000\n",
        " 13800138000",
        "",
        None,
    ],
)
def test_invalid_phone_is_refused(phone, sms_outbox, code_actor):
    error = expect(
        IdentityCode.PHONE_INVALID,
        services.sms_challenge_start,
        reference=REF,
        phone=phone,
        actor=code_actor,
    )
    assert error.http_status == 400
    assert sms_outbox == []
    assert not CodeChallenge.objects.exists()


def test_code_never_stored_in_clear(sms_outbox, code_actor):
    from django.db import connection

    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    code = sent_code(sms_outbox)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM identity_codechallenge WHERE id = %s", [challenge.pk])
        row = cursor.fetchone()
    raw = " ".join(bytes(v).hex() if isinstance(v, bytes | memoryview) else str(v) for v in row)
    assert code not in raw
    assert PHONE not in raw
    assert PHONE.encode().hex() not in raw
    # What is stored is a keyed MAC of salt and code, and the sealed phone.
    assert challenge.code_mac == codes.code_mac(salt=challenge.code_salt, code=code)
    assert CodeChallenge.objects.get(pk=challenge.pk).phone == PHONE


def test_code_is_compared_in_constant_time(monkeypatch, sms_outbox, code_actor):
    calls = []
    real = codes.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(codes, "compare_digest", spy)
    challenge = services.sms_challenge_start(reference=REF, phone=PHONE, actor=code_actor)
    expect(
        IdentityCode.CODE_WRONG,
        services.challenge_verify,
        challenge=challenge,
        code=wrong(sent_code(sms_outbox)),
        actor=code_actor,
    )
    services.challenge_verify(challenge=challenge, code=sent_code(sms_outbox), actor=code_actor)
    assert len(calls) == 2
    assert all(b == challenge.code_mac for _a, b in calls)


def test_codes_are_uniform_six_digits():
    drawn = {codes.generate_code() for _ in range(2000)}
    assert all(re.fullmatch(r"[0-9]{6}", code) for code in drawn)
    assert len(drawn) > 1990  # no obvious repetition
    assert any(code.startswith("0") for code in drawn)  # leading zeros kept


def test_same_code_in_two_rows_has_different_macs():
    assert codes.code_mac(salt="a" * 32, code="123456") != codes.code_mac(
        salt="b" * 32, code="123456"
    )
