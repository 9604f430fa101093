"""Telling a hospital that a patient revoked or refused its consent.

The relay announces every revocation and refusal with
``relay.signals.consent_ended``, inside the transaction that made it (the
relay may not import this app: complaints is above it). When the patient
ended it (the patient's pages, a notice's revoke link) and the hospital has a
callback URL, :func:`consent_ended_received` writes one row of the complaints'
dispatch outbox (channel ``consent_callback``) in that same transaction and
queues its delivery on commit: the same claim, signed POST, retry with
backoff and sweeper as a complaint's callback (``complaints.dispatch``), so a
hospital that is down gets the message when it is back. A change made by
the hospital itself, the city or a task is not called back (the hospital
knows, or reads ``GET /api/v1/authorizations?changedSince=``).

The message (docs/api.md, "Consent callbacks"), built at send time::

    {"event": "consent.revoked", "authorizationId": 42, "state": "revoked",
     "endedBy": "patient", "endedAt": "2026-12-02T18:03:55.123456+08:00",
     "orgCode": "455404482", "appId": "hosp-a-app", "method": "sms",
     "patientId": "P0001", "patientIdcard": "<SM4 hex under the signing key>"}

signed with x-tif headers by the current credential of the system that asked
for the consent (else the hospital's), whose SM4 key also encrypts the ID
number; the name is never sent. ``Idempotency-Key``: the outbox row's key.
"""

from __future__ import annotations

import logging

from complaints.delivery import PermanentDeliveryError, post_signed
from complaints.models import Channel, DispatchOutbox
from complaints.services._outbox import publish_on_commit
from hospitals.models import HubCredential
from hospitals.selectors import current_credential
from hub.gm import sm4_encrypt_ecb_hex
from relay.answers import iso_beijing
from relay.models import Authorization

logger = logging.getLogger("complaints.consent")

#: Endings a hospital is called back for: the patient's own decisions.
CALLED_BACK = frozenset({"patient"})


def consent_ended_received(*, authorization: Authorization, state, ended_by, ended_at, **_kw):
    """The ``relay.signals.consent_ended`` receiver (connected in ``apps.py``)."""
    if ended_by not in CALLED_BACK:
        return None
    hospital = authorization.hospital
    if not hospital.callback_url:
        logger.info(
            "consent %s %s: %s has no callback URL (it pulls)",
            authorization.pk,
            state,
            hospital.org_code,
        )
        return None
    row = DispatchOutbox.objects.create(
        channel=Channel.CONSENT_CALLBACK,
        hospital=hospital,
        authorization=authorization,
        target=hospital.callback_url,
        payload={"state": str(state), "endedBy": ended_by, "endedAt": iso_beijing(ended_at)},
    )
    publish_on_commit([row.pk])
    return row


def _credential(authorization: Authorization):
    """The signing credential: the asking system's current one, else the hospital's."""
    if authorization.system_id is not None:
        credential = (
            HubCredential.objects.filter(system_id=authorization.system_id, valid_until=None)
            .order_by("-created_at")
            .first()
        )
        if credential is not None:
            return credential
    return current_credential(authorization.hospital)


def consent_event_body(outbox: DispatchOutbox, *, key_hex: str) -> dict:
    auth = outbox.authorization
    payload = outbox.payload or {}
    state = payload.get("state", "")
    system = auth.system
    return {
        "event": f"consent.{state}",
        "authorizationId": auth.pk,
        "state": state,
        "endedBy": payload.get("endedBy", ""),
        "endedAt": payload.get("endedAt"),
        "orgCode": auth.hospital.org_code,
        "appId": (system.app_id or "") if system is not None else "",
        "method": auth.method,
        "patientId": auth.patient_ref,
        "patientIdcard": sm4_encrypt_ecb_hex(key_hex, auth.patient_idcard),
    }


def send_consent_callback(outbox: DispatchOutbox) -> None:
    """The ``consent_callback`` channel's sender (``complaints.channels``)."""
    auth = outbox.authorization
    if auth is None:
        raise PermanentDeliveryError("authorization_gone")
    credential = _credential(auth)
    if credential is None:
        raise PermanentDeliveryError("no_hub_credential")
    post_signed(
        outbox.target,
        consent_event_body(outbox, key_hex=credential.sm4_key),
        paasid=credential.paasid,
        paastoken=credential.paastoken,
        idempotency_key=str(outbox.key),
    )
