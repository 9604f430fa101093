"""Reads of real-name registration."""

from __future__ import annotations

from identity.models import CodeChallenge
from identity.sms import PATIENT_LOGIN_PREFIX


def proven_phone(*, phone_digest: str) -> str | None:
    """The mobile number behind ``phone_digest`` as proven by a patient
    sign-in code, or None.

    The patient pages keep only the digest of the signed-in phone; the number
    itself is read back (unsealed) from the sign-in SMS challenge the patient
    answered correctly. The digest is a keyed HMAC of the number, so the row
    found holds that very number, and a signed-in session is the proof that
    its holder received the code.
    """
    if not phone_digest:
        return None
    row = (
        CodeChallenge.objects.filter(
            channel=CodeChallenge.Channel.SMS,
            phone_digest=phone_digest,
            state=CodeChallenge.State.USED,
            reference__startswith=PATIENT_LOGIN_PREFIX,
        )
        .exclude(phone=None)
        .order_by("-used_at", "-id")
        .first()
    )
    return row.phone if row else None
