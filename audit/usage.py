"""The usage kinds counted per hospital and per day.

A view notes what a request did with ``audit.context.note(request, usage=[...])``;
the access-log middleware then writes the access row and adds one to each
noted kind's counter for the calling hospital, in one transaction. Each kind
is a short dotted string; use the constants (or ``auth_kind``) so that a typo
fails in tests instead of silently opening a new column in the reports.

Authorizations, by method and outcome: ``auth.<method>.<outcome>``

=================  =================================================================
method             ``sms``, ``authcode``, ``face`` (on-site modes), ``appointment``
                   (mode 1: the province-compatible ``codeAuthRec/save`` relay)
outcome            ``started`` (challenge issued), ``granted`` (patient's consent
                   verified), ``failed`` (wrong code / face mismatch / expired),
                   ``synced`` (a grant accepted by the province), ``revoked``
                   (a granted consent revoked, by whoever: the hospital, the
                   compatible save, the patient on /me/ or a notice's link),
                   ``revoke_synced`` (a revocation accepted by the province),
                   ``expired`` (a granted consent past its end, marked by the
                   sweep), ``refused`` (the patient declined a request on /me/)
=================  =================================================================

Consent changes (``granted``, ``synced``, ``revoked``, ``revoke_synced``,
``expired``, ``refused``) are counted by the relay's services, not by views,
so that every path (hospital API, compatible save, the patient's pages, the
admin, Celery retries and sweeps) counts once:
``audit.services.operation_log_counted`` writes the operation-log row with the
kinds on it (``after["usage"]``) and adds them to the counters in the same
transaction. A retry that finally syncs counts one ``synced`` (the attempt
that succeeded); failed attempts count ``province.failure``. Requests still
count ``started``, ``failed``, ``view``... through ``audit.context.note``.
``audit.recount.usage_recount`` re-derives every counter from the access-log
and operation-log rows.

Views and failures:

- ``view``: a viewer URL handed out for a live authorization.
- ``view.refused``: a view refused (no live authorization, wrong hospital...).
- ``view.province_consent``: a view forwarded to the province viewer without a
  hub consent (``CONSENT_AT=province``): the province asks the patient itself.
  ``view`` counts views under a hub consent; both count a real view (the
  viewer entry, ``/viewer``) or a viewer URL handed out (``/api/v1/views``).
- ``auth.sms.unverified_phone``: an SMS consent granted on a phone that is not
  the patient's phone of record (the city allows it with
  ``SMS_UNRECORDED_PHONE=allow``; docs/trust.md), counted besides its
  ``auth.sms.granted``.
- ``province.failure``: one failed call to the province made for the hospital
  (a transient failure — network, timeout, 5xx — or a refusal), counted by
  ``audit.services.call_log_record`` with its call-log row; retries count
  each attempt, as the call log does.

Joint test: every kind counted for a hospital not yet live (its traffic on
the province's test target, docs/relay.md) is stored as ``test.<kind>``
(``joint_test_kinds``; the callers pass ``test=True`` to
``access_log_write``/``call_log_record``/``usage_increment``). The live
columns (``SUMMARY_COLUMNS``, ``summary_key``) never match a ``test.`` kind;
``is_test_kind`` and ``live_kind`` read them apart ("联调测试").
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUTH_METHODS = ("sms", "authcode", "face", "appointment")
AUTH_OUTCOMES = (
    "started",
    "granted",
    "failed",
    "synced",
    "revoked",
    "revoke_synced",
    "expired",
    "refused",
)

VIEW = "view"
VIEW_REFUSED = "view.refused"
#: A view forwarded without the hub's consent, the province viewer taking the
#: patient's consent itself (its modes 2 and 3): ``CONSENT_AT=province``.
VIEW_PROVINCE_CONSENT = "view.province_consent"
PROVINCE_FAILURE = "province.failure"
AUTH_SMS_UNVERIFIED_PHONE = "auth.sms.unverified_phone"


def auth_kind(method: str, outcome: str) -> str:
    """``auth_kind("sms", "granted")`` -> ``"auth.sms.granted"`` (validated)."""
    if method not in AUTH_METHODS:
        raise ValueError(f"unknown authorization method {method!r}")
    if outcome not in AUTH_OUTCOMES:
        raise ValueError(f"unknown authorization outcome {outcome!r}")
    return f"auth.{method}.{outcome}"


AUTH_SMS_STARTED = auth_kind("sms", "started")
AUTH_SMS_GRANTED = auth_kind("sms", "granted")
AUTH_SMS_FAILED = auth_kind("sms", "failed")
AUTH_AUTHCODE_STARTED = auth_kind("authcode", "started")
AUTH_AUTHCODE_GRANTED = auth_kind("authcode", "granted")
AUTH_AUTHCODE_FAILED = auth_kind("authcode", "failed")
AUTH_FACE_STARTED = auth_kind("face", "started")
AUTH_FACE_GRANTED = auth_kind("face", "granted")
AUTH_FACE_FAILED = auth_kind("face", "failed")
AUTH_APPOINTMENT_SYNCED = auth_kind("appointment", "synced")
AUTH_APPOINTMENT_REVOKED = auth_kind("appointment", "revoked")

#: Every valid kind, in report column order.
ALL_KINDS: tuple[str, ...] = (
    *(auth_kind(m, o) for m in AUTH_METHODS for o in AUTH_OUTCOMES),
    AUTH_SMS_UNVERIFIED_PHONE,
    VIEW,
    VIEW_REFUSED,
    VIEW_PROVINCE_CONSENT,
    PROVINCE_FAILURE,
)
_VALID = frozenset(ALL_KINDS)

#: The columns of the usage page and the monthly report (kind prefixes summed).
SUMMARY_COLUMNS: tuple[tuple[str, str, object], ...] = (
    ("granted", "auth.*.granted", _("authorizations granted")),
    ("synced", "auth.*.synced", _("grants synced to the province")),
    ("failed", "auth.*.failed", _("verifications failed")),
    ("revoked", "auth.*.revoked", _("revoked")),
    ("revoke_synced", "auth.*.revoke_synced", _("revocations synced to the province")),
    ("expired", "auth.*.expired", _("consents expired")),
    ("patient_refused", "auth.*.refused", _("requests refused by the patient")),
    ("views", VIEW, _("views")),
    ("refused", VIEW_REFUSED, _("views refused")),
    ("province_consent", VIEW_PROVINCE_CONSENT, _("views with consent at the province")),
    ("province_failures", PROVINCE_FAILURE, _("province failures")),
    # Joint test (hospitals not live yet), apart from the live columns above.
    ("test_granted", "test.auth.*.granted", _("joint test: authorizations granted")),
    ("test_views", "test.view", _("joint test: views")),
)


TEST_PREFIX = "test."


def is_test_kind(kind: str) -> bool:
    """A joint-test count (``test.<kind>``)?"""
    return kind.startswith(TEST_PREFIX)


def live_kind(kind: str) -> str:
    """``"test.view"`` -> ``"view"``; a live kind unchanged."""
    return kind[len(TEST_PREFIX) :] if is_test_kind(kind) else kind


def joint_test_kinds(kinds, test: bool = True) -> list[str]:
    """``kinds`` as counted for a hospital in the joint test (``test.`` prefix)."""
    if not test:
        return list(kinds or ())
    return [k if is_test_kind(k) else TEST_PREFIX + k for k in kinds or ()]


def is_valid_kind(kind: str) -> bool:
    return kind in _VALID or (is_test_kind(kind) and live_kind(kind) in _VALID)


def summary_key(kind: str) -> str | None:
    """The summary column a kind is added to, or None."""
    for key, pattern, _label in SUMMARY_COLUMNS:
        if pattern == kind:
            return key
        head, star, tail = pattern.partition("*")
        if (
            star
            and kind.startswith(head)
            and kind.endswith(tail)
            and kind.count(".") == pattern.count(".")  # "*" is one segment
        ):
            return key
    return None


def validate_kinds(kinds) -> list[str]:
    """Unique, sorted (a fixed lock order for the counter upsert), validated."""
    out = sorted(set(kinds or ()))
    for kind in out:
        if not is_valid_kind(kind):
            raise ValueError(f"unknown usage kind {kind!r}; see audit.usage")
    return out
