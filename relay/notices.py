"""The patient hears of every consent.

Every grant, whatever its mode (sms, authcode, face, the compatible mode-1
save), and the first view by the hospital within a consent, queue a
``ConsentNotice``. Notices go to the patient's phone of record only (never to
a phone a hospital sent; a patient without one is not written to, the notice
is kept as ``skipped``):

- the first message of a day to a patient goes out at once;
- later notices wait and go out together, one message per patient every
  ``NOTICE_BATCH_MINUTES`` (the ``relay.notices_flush`` beat task);
- at most ``NOTICE_MAX_PER_DAY`` messages a patient a day; what is left waits
  for the next day's first message.

Each notice names the hospital, when, until when, and a one-tap link that
revokes the consent without signing in: a signed, single-purpose token
(``revoke_token``) that stops working when the consent ends. A notice stays
queued until its message is accepted, so a provider failure loses nothing.

A patient who bound their WeChat (``identity.wechat``, docs/wechat.md) also
gets each message there, best effort: the same text when the SMS goes, at
once when there is no phone of record to text. SMS stays the channel of
record: the notice's state follows the SMS alone.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from identity.phones import phone_of_record
from identity.sms import SmsError, SmsMessage, send_sms
from identity.wechat.selectors import live_binding
from identity.wechat.send import notice_push, notices_enabled
from relay.models import (
    Authorization,
    ConsentNotice,
    NoticeKind,
    NoticeState,
    PhoneCheck,
    State,
)

logger = logging.getLogger("relay.notices")

_SALT = "relay.consent-revoke-link"


# --- The one-tap revoke link -------------------------------------------------------------


def revoke_token(authorization: Authorization) -> str:
    """A token that names this consent and its end; nothing else."""
    valid_until = int(authorization.valid_until.timestamp())
    return signing.dumps({"a": authorization.pk, "u": valid_until}, salt=_SALT, compress=True)


def authorization_for_token(token: str) -> Authorization | None:
    """The live consent a revoke token names, or None (bad, foreign, ended)."""
    try:
        data = signing.loads(token, salt=_SALT)
        pk, until = int(data["a"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    auth = Authorization.objects.select_related("hospital").filter(pk=pk).first()
    if auth is None or auth.state != State.GRANTED or auth.valid_until is None:
        return None
    if int(auth.valid_until.timestamp()) != until or auth.valid_until <= timezone.now():
        return None
    return auth


def revoke_link(authorization: Authorization) -> str:
    base = str(getattr(settings, "PATIENT_PAGES_BASE_URL", "")).rstrip("/")
    return base + reverse("patients:revoke-link", args=[revoke_token(authorization)])


# --- Queueing ----------------------------------------------------------------------------


def notice_queue(*, authorization: Authorization, kind: str) -> ConsentNotice | None:
    """Queue the notice of ``kind`` for this consent (once per consent and
    kind) and, after the caller's transaction commits, send it at once when
    it is the patient's first message of the day."""
    auth = authorization
    notice, created = ConsentNotice.objects.get_or_create(
        authorization=auth,
        kind=kind,
        defaults={"patient_digest": auth.patient_digest},
    )
    if not created:
        return None
    # A phone the hospital typed is never written to (an unrecorded-phone consent).
    if auth.phone_check == PhoneCheck.UNRECORDED or not phone_of_record(
        patient_digest=auth.patient_digest
    ):
        ConsentNotice.objects.filter(pk=notice.pk).update(state=NoticeState.SKIPPED)
        _also_by_wechat(auth.patient_digest, [notice])
        return notice
    digest = auth.patient_digest
    transaction.on_commit(lambda: notices_deliver(patient_digest=digest))
    return notice


def notice_first_view(*, authorization: Authorization) -> None:
    """The first view within a consent (later views are not notified)."""
    seen = ConsentNotice.objects.filter(
        authorization_id=authorization.pk, kind=NoticeKind.FIRST_VIEW
    ).exists()
    if not seen:
        with transaction.atomic():
            notice_queue(authorization=authorization, kind=NoticeKind.FIRST_VIEW)


# --- Delivery ----------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _messages_today(patient_digest: str, now) -> tuple[int, object]:
    """(messages sent to the patient today, when the last one went)."""
    start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    sent = ConsentNotice.objects.filter(
        patient_digest=patient_digest, state=NoticeState.SENT, sent_at__gte=start
    )
    last = sent.order_by("-sent_at").values_list("sent_at", flat=True).first()
    return sent.values("message_key").distinct().count(), last


def _line(notice: ConsentNotice) -> str:
    auth = notice.authorization
    values = {
        "hospital": auth.hospital.org_name,
        "at": timezone.localtime(notice.created_at).strftime("%m-%d %H:%M"),
        "until": timezone.localtime(auth.valid_until).strftime("%Y-%m-%d"),
    }
    if notice.kind == NoticeKind.FIRST_VIEW:
        line = _("%(hospital)s viewed your health record at %(at)s (consent valid until %(until)s)")
    else:
        line = _(
            "%(hospital)s was authorized to view your health record at %(at)s, until %(until)s"
        )
    line = line % values
    if auth.state == State.GRANTED and auth.valid_until > timezone.now():
        line += _("; not you? revoke: %(link)s") % {"link": revoke_link(auth)}
    return line


def notice_text(notices: list[ConsentNotice]) -> str:
    """The message: one line per notice, in the hub's language."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [_line(n) for n in notices]
        if len(lines) == 1:
            return _("[City health record] %(line)s.") % {"line": lines[0]}
        return _("[City health record] %(count)d new: %(lines)s.") % {
            "count": len(lines),
            "lines": "; ".join(f"{n}) {line}" for n, line in enumerate(lines, start=1)),
        }


def notices_deliver(*, patient_digest: str, batch: bool = False, now=None) -> int:
    """Send the patient's queued notices as one message when the rules above
    allow it now; returns how many notices went out."""
    now = now or timezone.now()
    record = phone_of_record(patient_digest=patient_digest)
    with transaction.atomic():
        queued = list(
            ConsentNotice.objects.select_for_update()
            .filter(patient_digest=patient_digest, state=NoticeState.QUEUED)
            .select_related("authorization__hospital")
            .order_by("created_at", "id")
        )
        if not queued:
            return 0
        if record is None:
            ids = [n.pk for n in queued]
            ConsentNotice.objects.filter(pk__in=ids).update(state=NoticeState.SKIPPED)
            _also_by_wechat(patient_digest, queued)
            return 0
        sent_today, last = _messages_today(patient_digest, now)
        if sent_today >= _setting("NOTICE_MAX_PER_DAY", 3):
            return 0
        if sent_today and not batch:
            return 0  # not the first of the day: the batch task sends it
        if batch and last and now - last < timedelta(minutes=_setting("NOTICE_BATCH_MINUTES", 60)):
            return 0
        key = secrets.token_hex(8)
        message = SmsMessage(
            phone=record.phone,
            text=notice_text(queued),
            params={"count": str(len(queued))},
            reference=f"notice:{key}",
        )
        try:
            send_sms(message)
        except SmsError as exc:
            logger.warning("consent notice to patient %s not sent: %s", patient_digest[:12], exc)
            return 0
        ConsentNotice.objects.filter(pk__in=[n.pk for n in queued]).update(
            state=NoticeState.SENT, sent_at=now, message_key=key
        )
        _also_by_wechat(patient_digest, queued, text=message.text)
    return len(queued)


def _also_by_wechat(patient_digest: str, notices: list[ConsentNotice], text: str = "") -> None:
    """The same message to the patient's bound WeChat, after the commit; best
    effort, never raises (the SMS may already be out)."""
    if not notices_enabled():
        return
    try:
        if live_binding(patient_digest) is None:
            return
        auths = [n.authorization for n in notices]
        now = timezone.now()
        live = [
            a for a in auths if a.state == State.GRANTED and a.valid_until and a.valid_until > now
        ]
        # One consent: the message opens its one-tap revoke page.
        url = revoke_link(live[0]) if len(auths) == 1 and live else ""
        notice_push(patient_digest=patient_digest, text=text or notice_text(notices), url=url)
    except Exception:
        logger.exception("consent notice to patient %s not pushed", patient_digest[:12])


def notices_flush(*, now=None) -> int:
    """The batch: every patient with queued notices, one message each."""
    digests = (
        ConsentNotice.objects.filter(state=NoticeState.QUEUED)
        .values_list("patient_digest", flat=True)
        .distinct()
    )
    return sum(notices_deliver(patient_digest=d, batch=True, now=now) for d in list(digests))
