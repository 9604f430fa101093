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
                   ``synced`` (accepted by the province), ``revoked``
=================  =================================================================

Views and failures:

- ``view``: a viewer URL handed out for a live authorization.
- ``view.refused``: a view refused (no live authorization, wrong hospital...).
- ``auth.sms.unverified_phone``: an SMS consent granted on a phone that is not
  the patient's phone of record (the city allows it with
  ``SMS_UNRECORDED_PHONE=allow``; docs/trust.md), counted besides its
  ``auth.sms.granted``.
- ``province.failure``: one failed call to the province made for the hospital
  (a transient failure — network, timeout, 5xx — or a refusal), counted by
  ``audit.services.call_log_record`` with its call-log row; retries count
  each attempt, as the call log does.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUTH_METHODS = ("sms", "authcode", "face", "appointment")
AUTH_OUTCOMES = ("started", "granted", "failed", "synced", "revoked")

VIEW = "view"
VIEW_REFUSED = "view.refused"
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
    PROVINCE_FAILURE,
)
_VALID = frozenset(ALL_KINDS)

#: The columns of the usage page and the monthly report (kind prefixes summed).
SUMMARY_COLUMNS: tuple[tuple[str, str, object], ...] = (
    ("granted", "auth.*.granted", _("authorizations granted")),
    ("synced", "auth.*.synced", _("synced to the province")),
    ("failed", "auth.*.failed", _("verifications failed")),
    ("revoked", "auth.*.revoked", _("revoked")),
    ("views", VIEW, _("views")),
    ("refused", VIEW_REFUSED, _("views refused")),
    ("province_failures", PROVINCE_FAILURE, _("province failures")),
)


def is_valid_kind(kind: str) -> bool:
    return kind in _VALID


def summary_key(kind: str) -> str | None:
    """The summary column a kind is added to, or None."""
    for key, pattern, _label in SUMMARY_COLUMNS:
        if pattern == kind:
            return key
        if (
            pattern.startswith("auth.*.")
            and kind.startswith("auth.")
            and kind.endswith(pattern[len("auth.*") :])
        ):
            return key
    return None


def validate_kinds(kinds) -> list[str]:
    """Unique, sorted (a fixed lock order for the counter upsert), validated."""
    out = sorted(set(kinds or ()))
    for kind in out:
        if kind not in _VALID:
            raise ValueError(f"unknown usage kind {kind!r}; see audit.usage")
    return out
