"""Signed-request authentication on the hot path: what it costs per request.

Runs against a throw-away test database (``test_<NAME>``, kept between runs)
and the configured cache (Redis under ``make bench``). Prints, single-threaded
in one process through Django's full stack (middleware included):

* signed ``GET /api/v1/hospitals/me`` per second (auth + throttle + nonce),
* the same view's refusal without headers (no crypto, no cache) per second,
  and the ratio between the two: the price of authentication;
* the authentication class alone (signature, nonce in the cache) per request;
* ``credentials_for_paasid`` per call, from the in-process cache and from the
  database with unsealing (the cache's gain, as a ratio).
"""

from __future__ import annotations

import time

BUDGET_SECONDS = 1.5


def _rate(fn, budget: float = BUDGET_SECONDS) -> float:
    fn()  # warm up
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < budget:
        fn()
        n += 1
    return n / (time.perf_counter() - started)


def run() -> None:
    import logging

    from django.test import Client

    from tests.bench.support import prepare_test_environment

    prepare_test_environment()
    # The refusal benchmark would print a warning line per refused request.
    logging.getLogger("hospitals.auth").setLevel(logging.ERROR)
    logging.getLogger("django.request").setLevel(logging.ERROR)

    from hospitals.selectors import _load_credentials, credentials_for_paasid
    from tests.fixtures.hospitals import DEMO_A, SignedClient, make_demo_hospital

    make_demo_hospital(DEMO_A)
    signed = SignedClient(DEMO_A["paasid"], DEMO_A["paastoken"])
    plain = Client()

    def signed_call():
        assert signed.get("/api/v1/hospitals/me").status_code == 200

    def unsigned_call():
        assert plain.get("/api/v1/hospitals/me").status_code == 401

    ok = _rate(signed_call)
    refused = _rate(unsigned_call)
    print(f"signed GET /api/v1/hospitals/me: {ok:8.0f} req/s (1 process, 1 thread)")
    print(f"unsigned refusal (no crypto):     {refused:8.0f} req/s")
    print(f"ratio signed/unsigned time:       {refused / ok:8.2f}x")

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from hospitals.auth import XTifAuthentication

    factory, auth = APIRequestFactory(), XTifAuthentication()

    def authenticate_only():
        headers = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in signed.headers().items()}
        assert auth.authenticate(Request(factory.get("/api/v1/hospitals/me", **headers)))

    per_auth = _rate(authenticate_only, 1.0)
    print(
        f"XTifAuthentication alone:         {1e6 / per_auth:8.0f} us/request (incl. Redis SET NX)"
    )
    print(f"auth share of a signed request:   {ok / per_auth * 100:8.0f} %")

    cached = _rate(lambda: credentials_for_paasid("hosp-a"), 0.5)
    loaded = _rate(lambda: _load_credentials("hosp-a"), 0.5)
    print(f"credentials_for_paasid cached:    {1e6 / cached:8.1f} us/call")
    print(f"credentials from DB + unseal:     {1e6 / loaded:8.1f} us/call")
    print(f"cache gain:                       {cached / loaded:8.1f}x")
