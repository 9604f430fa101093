"""Schemathesis against the live schema: every operation of /api/schema/ is
called with the schema's examples and with generated valid and invalid input,
signed as demo hospital A at call time, through the app's own WSGI handler,
with the province simulator behind it.

Each answer must not be a 5xx, its status must be documented, its content
type too, and its body must match the documented schema (so an undocumented
``errorCode`` fails). Bounded and derandomized: the same calls on every run.

The operations are driven with schemathesis' public strategies rather than
its pytest plugin (whose fixture-loaded schemas need pytest < 9.2).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
#: The hospital-facing contract (docs/architecture.md) and the operations endpoints.
CONTRACT = {
    "POST /ebus/jiankangdangan/gdehr/dhccApi/codeAuthRec/save",
    "GET /api/v1/hospitals/me",
    "POST /api/v1/authorizations",
    "GET /api/v1/authorizations",
    "GET /api/v1/authorizations/{id}",
    "POST /api/v1/authorizations/{id}/verify",
    "POST /api/v1/authorizations/{id}/revoke",
    "POST /api/v1/authorizations/{id}/resend",
    "POST /api/v1/views",
    "GET /api/v1/usage",
    "GET /api/v1/complaints",
    "POST /api/v1/complaints",
    "GET /api/v1/complaints/{public_id}",
    "POST /api/v1/complaints/{public_id}/acknowledge",
    "POST /api/v1/complaints/{public_id}/resolve",
    "GET /healthz",
    "GET /readyz",
    "GET /metrics",
}
#: Generated cases per operation and generation mode (positive, negative);
#: API_FUZZ_EXAMPLES=500 for a deeper run by hand.
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))


def _run(strategy, sign, max_examples: int) -> None:
    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=strategy)
    def call(case):
        # Signed here, so a re-run of a case (shrinking) never replays a nonce.
        response = case.call(headers=sign())
        case.validate_response(response, checks=CHECKS)

    call()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_answer_matches_the_schema(api_schema, sign_a):
    failures: dict[str, str] = {}
    labels = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        strategies = [(s, 1) for s in operation.get_strategies_from_examples()]
        strategies += [
            (operation.as_strategy(generation_mode=mode), MAX_EXAMPLES)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        ]
        for strategy, count in strategies:
            try:
                _run(strategy, sign_a, count)
            except Unsatisfiable:
                continue  # no input to make invalid (GET /healthz): nothing to send
            except (Exception, BaseExceptionGroup) as exc:  # collected, reported below
                failures[operation.label] = f"{type(exc).__name__}: {exc}"
                break
    assert set(labels) >= CONTRACT, sorted(CONTRACT - set(labels))
    assert not failures, "\n\n".join(f"== {k}\n{v}" for k, v in failures.items())
