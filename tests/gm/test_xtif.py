"""The x-tif-* request signature: signing, verification, nonce stores."""

import pytest

from hub.gm import SignatureError, sign, signed_headers, verify
from hub.gm.nonces import CacheNonceStore, MemoryNonceStore
from hub.gm.xtif import check_timestamp

TS = "1732500000"
TOKEN = "demo-paastoken-0001"
NONCE = "k3x9q"
SIGNATURE = "2DCF71A729E7806A9EF73545AB52F42DFD9D047056392F6519C26E2FCDC6548A"
NOW = 1732500000.0


def check(**overrides):
    args = {
        "paasid": "demo-paasid",
        "timestamp": TS,
        "nonce": NONCE,
        "signature": SIGNATURE,
        "paastokens": [TOKEN],
        "nonce_store": MemoryNonceStore(),
        "now": NOW,
    }
    args.update(overrides)
    return verify(**args)


def refused(reason, **overrides):
    with pytest.raises(SignatureError) as info:
        check(**overrides)
    assert info.value.reason == reason
    return info.value


def test_signature_vector():
    assert sign(TS, TOKEN, NONCE) == SIGNATURE


def test_signed_headers_carry_the_four_headers_and_no_token():
    headers = signed_headers("demo-paasid", TOKEN, timestamp=TS, nonce=NONCE)
    assert headers == {
        "x-tif-paasid": "demo-paasid",
        "x-tif-timestamp": TS,
        "x-tif-nonce": NONCE,
        "x-tif-signature": SIGNATURE,
        "Content-Type": "application/json",
    }
    assert TOKEN not in "".join(headers.values())


def test_signed_headers_default_to_now_and_a_fresh_nonce():
    first = signed_headers("p", TOKEN)
    second = signed_headers("p", TOKEN)
    assert first["x-tif-nonce"] != second["x-tif-nonce"]
    check_timestamp(first["x-tif-timestamp"])  # within the window of our own clock
    assert first["x-tif-signature"] == sign(first["x-tif-timestamp"], TOKEN, first["x-tif-nonce"])


def test_integer_timestamp_is_sent_as_decimal_text():
    assert signed_headers("p", TOKEN, timestamp=1732500000, nonce=NONCE)["x-tif-timestamp"] == TS


def test_uppercase_signature_is_accepted_and_returns_the_token():
    assert check() == TOKEN


def test_lowercase_signature_is_accepted():
    assert check(signature=SIGNATURE.lower()) == TOKEN


def test_surrounding_whitespace_in_the_signature_is_tolerated():
    assert check(signature=f" {SIGNATURE}\t") == TOKEN


def test_wrong_token_is_refused():
    refused("bad_signature", paastokens=["another-token"])


def test_no_token_at_all_is_refused():
    refused("bad_signature", paastokens=[])


def test_signature_of_another_nonce_is_refused():
    refused("bad_signature", nonce="k3x9r")


def test_truncated_signature_is_refused():
    refused("bad_signature", signature=SIGNATURE[:-1])


def test_non_ascii_signature_is_refused_not_crashing():
    refused("bad_signature", signature="签名" * 32)


def test_overlap_window_accepts_either_token_and_says_which():
    assert check(paastokens=["new-token", TOKEN]) == TOKEN
    new_sig = sign(TS, "new-token", "n2")
    assert check(paastokens=["new-token", TOKEN], nonce="n2", signature=new_sig) == "new-token"


@pytest.mark.parametrize("offset", [-181, 181, -100_000])
def test_timestamp_more_than_180_seconds_off_is_refused(offset):
    ts = str(int(NOW) + offset)
    refused("stale_timestamp", timestamp=ts, signature=sign(ts, TOKEN, NONCE))


@pytest.mark.parametrize("offset", [-180, -179, 0, 179, 180])
def test_timestamp_within_180_seconds_is_accepted(offset):
    ts = str(int(NOW) + offset)
    assert check(timestamp=ts, signature=sign(ts, TOKEN, NONCE)) == TOKEN


@pytest.mark.parametrize(
    "timestamp",
    ["abc", "-1732500000", "1732500000.5", "1e9", " 1732500000", "9" * 13, "١٧٣٢٥٠٠٠٠٠", "²"],
)
def test_timestamp_that_is_not_unix_seconds_is_refused(timestamp):
    refused("bad_timestamp", timestamp=timestamp, signature=sign(timestamp, TOKEN, NONCE))


def test_milliseconds_timestamp_is_refused_as_not_seconds():
    ts = TS + "000"
    refused("bad_timestamp", timestamp=ts, signature=sign(ts, TOKEN, NONCE))


@pytest.mark.parametrize("missing", ["paasid", "timestamp", "nonce", "signature"])
@pytest.mark.parametrize("empty", ["", None])
def test_missing_header_is_refused(missing, empty):
    refused("missing_headers", **{missing: empty})


@pytest.mark.parametrize("nonce", ["n" * 129, "line\nbreak", "tab\there", "\x00"])
def test_unusable_nonce_is_refused(nonce):
    refused("bad_nonce", nonce=nonce, signature=sign(TS, TOKEN, nonce))


def test_longest_allowed_nonce_is_accepted():
    nonce = "n" * 128
    assert check(nonce=nonce, signature=sign(TS, TOKEN, nonce)) == TOKEN


def test_replayed_nonce_is_refused_with_the_memory_store():
    store = MemoryNonceStore()
    check(nonce_store=store)
    refused("replayed_nonce", nonce_store=store)


def test_same_nonce_from_another_caller_is_not_a_replay():
    store = MemoryNonceStore()
    check(nonce_store=store)
    assert check(nonce_store=store, paasid="other-paasid") == TOKEN


def test_caller_ids_cannot_collide_in_the_nonce_key():
    # "a:b" + nonce "c" must not be the same entry as "a" + nonce "b:c".
    store = MemoryNonceStore()
    check(nonce_store=store, paasid="a:b", nonce="c", signature=sign(TS, TOKEN, "c"))
    assert (
        check(nonce_store=store, paasid="a", nonce="b:c", signature=sign(TS, TOKEN, "b:c")) == TOKEN
    )


def test_a_forged_request_does_not_burn_the_nonce():
    store = MemoryNonceStore()
    refused("bad_signature", nonce_store=store, paastokens=["wrong"])
    assert check(nonce_store=store) == TOKEN


def test_without_a_store_nonces_are_not_tracked():
    check(nonce_store=None)
    assert check(nonce_store=None) == TOKEN


def test_replayed_nonce_is_refused_with_the_cache_store():
    # The test settings point the default cache at Redis.
    store = CacheNonceStore()
    check(nonce_store=store)
    refused("replayed_nonce", nonce_store=store)


def test_cache_store_prefixes_keep_stores_apart():
    check(nonce_store=CacheNonceStore(prefix="one"))
    assert check(nonce_store=CacheNonceStore(prefix="two")) == TOKEN


def test_memory_store_forgets_after_its_ttl(monkeypatch):
    import hub.gm.nonces as nonces

    clock = [1000.0]
    monkeypatch.setattr(nonces.time, "monotonic", lambda: clock[0])
    store = MemoryNonceStore()
    assert store.add("k", 360) is True
    assert store.add("k", 360) is False
    clock[0] += 361
    assert store.add("k", 360) is True


def test_cache_store_add_reports_first_and_second_sight():
    store = CacheNonceStore(prefix="direct")
    assert store.add("p:n", 60) is True
    assert store.add("p:n", 60) is False
