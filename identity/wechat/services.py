"""Writes of the WeChat bindings: bind an openid to patients, unbind.
Keyword-only, ``actor=``, one operation-log row per binding changed, in the
change's transaction; the openid is sealed at rest and masked in the log."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from audit.services import operation_log_record
from hub.protect import digest
from identity.models import ChallengeLock, WeChatBinding
from identity.wechat import app_id, mask_openid

logger = logging.getLogger(__name__)

OPENID_PURPOSE = "wechat-openid"


def openid_digest(openid: str) -> str:
    return digest(openid, purpose=OPENID_PURPOSE)


def _lock(patient_digest: str) -> None:
    key = f"wechat:{patient_digest}"
    ChallengeLock.objects.get_or_create(key=key)
    ChallengeLock.objects.select_for_update().get(key=key)


def _snapshot(binding: WeChatBinding) -> dict:
    """What the operation log may hold: the openid masked, the patient by digest prefix."""
    return {
        "patient": binding.patient_digest[:12],
        "openid": mask_openid(binding.openid),
        "app_id": binding.app_id,
        "bound_at": binding.bound_at.isoformat() if binding.bound_at else None,
        "unbound_at": binding.unbound_at.isoformat() if binding.unbound_at else None,
    }


def _end(binding: WeChatBinding, *, now, actor, action: str) -> None:
    before = _snapshot(binding)
    binding.unbound_at = now
    binding.save(update_fields=["unbound_at"])
    operation_log_record(
        actor=actor, action=action, target=binding, before=before, after=_snapshot(binding)
    )


def wechat_binding_bind(
    *, patient_digests: Iterable[str], openid: str, phone_digest: str, actor
) -> list[WeChatBinding]:
    """Bind ``openid`` (of the configured official account) to each patient:
    the patients the signed-in phone ``phone_digest`` acts for, and only
    those (the caller passes ``patients.selectors.bound_digests``). A
    patient's previous binding to another WeChat ends; binding the same
    openid again from the same phone changes nothing."""
    if not openid or len(openid) > 128:
        raise ValueError("openid must be 1-128 characters")
    account = app_id()
    if not account:
        raise ValueError("WECHAT_APP_ID is not set")
    wanted = openid_digest(openid)
    now = timezone.now()
    bindings = []
    with transaction.atomic():
        for patient in sorted(set(patient_digests)):
            _lock(patient)
            current = (
                WeChatBinding.objects.select_for_update()
                .filter(patient_digest=patient, app_id=account, unbound_at__isnull=True)
                .first()
            )
            if current is not None:
                if (
                    current.openid_digest == wanted
                    and current.openid == openid
                    and current.phone_digest == phone_digest
                ):
                    bindings.append(current)
                    continue
                _end(current, now=now, actor=actor, action="identity.wechat.replaced")
            binding = WeChatBinding.objects.create(
                patient_digest=patient,
                openid=openid,
                openid_digest=wanted,
                app_id=account,
                phone_digest=phone_digest,
                bound_at=now,
            )
            operation_log_record(
                actor=actor,
                action="identity.wechat.bound",
                target=binding,
                after=_snapshot(binding),
            )
            bindings.append(binding)
    logger.info("wechat bound patients=%d app=%s", len(bindings), account)
    return bindings


def wechat_binding_unbind(*, patient_digests: Iterable[str], actor) -> int:
    """End the live bindings of these patients (to any official account);
    returns how many ended. Nothing is pushed to them over WeChat after."""
    now = timezone.now()
    ended = 0
    with transaction.atomic():
        for patient in sorted(set(patient_digests)):
            _lock(patient)
            rows = WeChatBinding.objects.select_for_update().filter(
                patient_digest=patient, unbound_at__isnull=True
            )
            for binding in rows:
                _end(binding, now=now, actor=actor, action="identity.wechat.unbound")
                ended += 1
    logger.info("wechat unbound bindings=%d", ended)
    return ended
