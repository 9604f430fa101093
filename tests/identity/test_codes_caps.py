"""Per-phone SMS caps (5 per hour, 10 per day), also under concurrency."""

import threading
import time

import pytest
from django.db import connection

from identity import services
from identity.errors import IdentityCode, IdentityError
from identity.models import CodeChallenge
from identity.sms.backends.locmem import LocmemBackend

PHONE = "13900139000"
OTHER_PHONE = "13700137000"


def start(n: int, phone: str = PHONE):
    return services.sms_challenge_start(reference=f"authorization:{n}", phone=phone, actor=None)


def refused(n: int, phone: str = PHONE) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        start(n, phone)
    return info.value


@pytest.mark.django_db
def test_sixth_sms_in_an_hour_is_refused(clock, sms_outbox):
    for n in range(5):
        start(n)
        clock.advance(minutes=5)
    # Sends at 0, 5, 10, 15, 20 min; now 25 min.
    error = refused(5)
    assert error.code == IdentityCode.SMS_PHONE_HOURLY_LIMIT
    assert error.http_status == 429
    assert error.headers["Retry-After"] == str(35 * 60)  # the first send leaves the hour
    assert "1小时" in error.message
    assert len(sms_outbox) == 5
    # Another phone is not affected.
    start(6, OTHER_PHONE)
    assert len(sms_outbox) == 6
    # Once the first send is an hour old, one more fits.
    clock.advance(minutes=35, seconds=1)
    start(7)
    assert len(sms_outbox) == 7


@pytest.mark.django_db
def test_eleventh_sms_in_a_day_is_refused(clock, sms_outbox):
    n = 0
    for _hour in range(2):
        for _ in range(5):
            start(n)
            n += 1
        clock.advance(hours=1, seconds=1)
    error = refused(n)
    assert error.code == IdentityCode.SMS_PHONE_DAILY_LIMIT
    assert error.http_status == 429
    # The first send (2 h 2 s ago) leaves the rolling day in 21 h 59 min 58 s.
    assert error.headers["Retry-After"] == str(22 * 3600 - 2)
    assert len(sms_outbox) == 10
    start(100, OTHER_PHONE)
    clock.advance(hours=22)
    start(n)
    assert len(sms_outbox) == 12


@pytest.mark.django_db
def test_resends_count_towards_the_phone_caps(clock, sms_outbox):
    challenge = start(1)
    for _ in range(4):
        clock.advance(seconds=61)
        challenge = services.sms_challenge_resend(challenge=challenge, actor=None)
    clock.advance(seconds=61)
    with pytest.raises(IdentityError) as info:
        services.sms_challenge_resend(challenge=challenge, actor=None)
    assert info.value.code == IdentityCode.SMS_PHONE_HOURLY_LIMIT
    assert len(sms_outbox) == 5


@pytest.mark.django_db
def test_failed_delivery_is_not_counted(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.identity.test_sms_backends.DownBackend"
    for n in range(6):
        with pytest.raises(IdentityError) as info:
            start(n)
        assert info.value.code == IdentityCode.SMS_PROVIDER_FAILED
    assert not CodeChallenge.objects.exists()
    settings.SMS_BACKEND = "identity.sms.backends.locmem.LocmemBackend"
    start(7)
    assert len(sms_outbox) == 1


class SlowBackend(LocmemBackend):
    """Widens the window between counting and committing, to expose races."""

    def send(self, message):
        time.sleep(0.05)
        return super().send(message)


def _in_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except IdentityError as exc:
            results[i] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_hourly_cap_holds_under_concurrent_sends(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.identity.test_codes_caps.SlowBackend"
    results = _in_threads(8, lambda i: start(i).pk)
    refusals = [r for r in results if isinstance(r, str)]
    assert len(refusals) == 3, results
    assert set(refusals) == {IdentityCode.SMS_PHONE_HOURLY_LIMIT}
    assert CodeChallenge.objects.filter(channel="sms").count() == 5
    assert len(sms_outbox) == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_resends_of_one_request_send_once(settings, sms_outbox):
    settings.SMS_BACKEND = "tests.identity.test_codes_caps.SlowBackend"
    first = start(1)
    CodeChallenge.objects.filter(pk=first.pk).update(last_generated_timestamp=None)
    first.refresh_from_db()
    results = _in_threads(
        4, lambda i: services.sms_challenge_resend(challenge=first, actor=None).pk
    )
    assert sum(1 for r in results if isinstance(r, int)) == 1, results
    assert [r for r in results if isinstance(r, str)] == [IdentityCode.SMS_COOLDOWN] * 3
    assert CodeChallenge.objects.filter(reference="authorization:1", state="active").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_codes_lock_after_exactly_five():
    challenge, code = services.authcode_challenge_issue(reference="authorization:9", actor=None)
    bad = f"{(int(code) + 1) % 10**6:06d}"

    def attempt(_i: int):
        services.challenge_verify(
            challenge=CodeChallenge.objects.get(pk=challenge.pk), code=bad, actor=None
        )

    results = _in_threads(8, attempt)
    assert sorted(results).count(IdentityCode.CODE_WRONG) == 4
    assert sorted(results).count(IdentityCode.CODE_LOCKED) == 4
    row = CodeChallenge.objects.get(pk=challenge.pk)
    assert row.state == "locked" and row.throttling_failure_count == 5
