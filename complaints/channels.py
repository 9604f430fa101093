"""How each outbox channel sends its message. Every sender raises a
``complaints.delivery.DeliveryError`` subclass on failure (transient =
retried with backoff, permanent = given up at once)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.consent_callbacks import send_consent_callback
from complaints.delivery import PermanentDeliveryError, TransientDeliveryError, post_signed
from complaints.models import Channel, DispatchOutbox
from complaints.representation import complaint_data, feed_result
from hospitals.selectors import current_credential


def _hospital_callback(outbox: DispatchOutbox) -> None:
    """The complaint, to the hospital it is routed to (or, once resolved, to the
    hospital that raised it), signed with that hospital's own credential."""
    credential = current_credential(outbox.hospital)
    if credential is None:
        raise PermanentDeliveryError("no_hub_credential")
    raiser = outbox.channel == Channel.RAISER_CALLBACK
    body = complaint_data(outbox.complaint, key_hex=credential.sm4_key, submitter=raiser)
    body["event"] = "complaint.resolved" if raiser else "complaint.routed"
    post_signed(
        outbox.target,
        body,
        paasid=credential.paasid,
        paastoken=credential.paastoken,
        idempotency_key=str(outbox.key),
    )


def _feed_callback(outbox: DispatchOutbox) -> None:
    feed = outbox.complaint.submitted_by_feed
    if feed is None or not feed.is_enabled:
        raise PermanentDeliveryError("feed_disabled")
    post_signed(
        outbox.target,
        feed_result(outbox.complaint),
        paasid=feed.paasid,
        paastoken=feed.paastoken,
        idempotency_key=str(outbox.key),
    )


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _hospital_email(outbox: DispatchOutbox) -> None:
    complaint = outbox.complaint
    # E-mail is not a protected channel: no ID number, no phone, no description.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New complaint about your health-record data (%(ref)s)") % {
            "ref": str(complaint.public_id)[:8]
        }
        body = _(
            "A complaint about %(category)s data of %(date)s (patient %(id)s) was routed "
            "to your hospital.\nComplaint id: %(ref)s\nAcknowledge by: %(ack)s\n"
            "Resolve by: %(resolve)s\nFetch it with GET /api/v1/complaints/%(ref)s."
        ) % {
            "category": complaint.get_category_display(),
            "date": complaint.record_date.isoformat(),
            "id": complaint.patient_idcard_masked,
            "ref": complaint.public_id,
            "ack": _local(complaint.acknowledge_due_at),
            "resolve": _local(complaint.resolve_due_at),
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [outbox.target])
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise PermanentDeliveryError(f"smtp_refused:{type(exc).__name__}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientDeliveryError(f"smtp:{type(exc).__name__}") from None


def _patient_sms(outbox: DispatchOutbox) -> None:
    from identity.sms import SmsError, SmsMessage, send_sms

    complaint = outbox.complaint
    if not complaint.reporter_phone:
        raise PermanentDeliveryError("no_phone")
    ref = str(complaint.public_id)[:8]
    with translation.override(settings.LANGUAGE_CODE):
        text = _(
            "The health-record problem you reported (no. %(ref)s) has been handled by "
            "the institution. Check the result on the city health page."
        ) % {"ref": ref}
    message = SmsMessage(
        phone=complaint.reporter_phone,
        text=text,
        params={"ref": ref},
        reference=f"complaint:{complaint.pk}",
    )
    try:
        send_sms(message)
    except SmsError as exc:
        cls = TransientDeliveryError if exc.transient else PermanentDeliveryError
        raise cls(f"sms:{exc.provider_code}"[:100]) from None


SENDERS = {
    Channel.HOSPITAL_CALLBACK: _hospital_callback,
    Channel.RAISER_CALLBACK: _hospital_callback,
    Channel.FEED_CALLBACK: _feed_callback,
    Channel.HOSPITAL_EMAIL: _hospital_email,
    Channel.PATIENT_SMS: _patient_sms,
    # A patient's revocation or refusal, to the hospital (complaints.consent_callbacks).
    Channel.CONSENT_CALLBACK: send_consent_callback,
}


def send(outbox: DispatchOutbox) -> None:
    SENDERS[outbox.channel](outbox)
