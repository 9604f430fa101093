"""Reads for the patient pages. Every read starts from the patients whose
phone of record is the signed-in phone (:func:`bound_digests`): nothing here
takes an ID number from the visitor, and no phone a hospital typed counts, so
nothing typed can widen what a phone sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessLog
from hospitals.models import Hospital, Status
from identity.models import PatientPhone
from identity.phones import patients_of_phone
from relay.models import Authorization, Method, State

#: The access-log endpoint (route pattern) of the view relay.
VIEW_ENDPOINT = "/api/v1/views"
#: ... and of the viewer entry (a doctor's browser, relay.viewer_entry): 302 = forwarded.
VIEWER_ENTRY_ENDPOINT = "/viewer"
#: How many views the page lists (newest first).
VIEWS_SHOWN = 200


def pending_ttl() -> timedelta:
    # The relay's own setting: a request older than this can no longer be verified.
    return timedelta(hours=float(getattr(settings, "AUTHORIZATION_PENDING_TTL_HOURS", 24)))


def bound_digests(phone_digest: str) -> list[str]:
    """The ID digests this phone may act for: the patients whose phone of
    record it is (identity.PatientPhone)."""
    if not phone_digest:
        return []
    return patients_of_phone(phone_digest=phone_digest)


@dataclass(frozen=True)
class Identity:
    """One person this phone acts for, as the pages show them (masked);
    ``binding_id`` is the phone-of-record row's id."""

    binding_id: int
    patient_digest: str
    masked_id: str
    masked_name: str
    source: str


def latest_authorization(patient_digest: str) -> Authorization | None:
    """The newest authorization of a patient: where the sealed ID number and
    name are read from when the pages need them (masked, or for a complaint)."""
    return (
        Authorization.objects.filter(patient_digest=patient_digest)
        .order_by("-created_at", "-id")
        .first()
    )


def identities(phone_digest: str) -> list[Identity]:
    if not phone_digest:
        return []
    rows = PatientPhone.objects.filter(phone_digest=phone_digest).order_by("recorded_at", "id")
    found = []
    for record in rows:
        auth = latest_authorization(record.patient_digest)
        found.append(
            Identity(
                binding_id=record.pk,
                patient_digest=record.patient_digest,
                masked_id=record.masked_idcard,
                masked_name=auth.patient_name_masked if auth else "",
                source=record.get_source_display(),
            )
        )
    return found


# --- Requests and authorizations -------------------------------------------------------


def pending_requests(digests: list[str]) -> QuerySet[Authorization]:
    """Hospitals' authorization-code requests waiting for this patient."""
    return (
        Authorization.objects.filter(
            patient_digest__in=digests,
            state=State.PENDING,
            method=Method.AUTHCODE,
            created_at__gt=timezone.now() - pending_ttl(),
        )
        .select_related("hospital")
        .order_by("-created_at", "-id")
    )


def pending_request_get(digests: list[str], pk: int) -> Authorization | None:
    return pending_requests(digests).filter(pk=pk).first()


def authorizations_of(digests: list[str]) -> QuerySet[Authorization]:
    """Every decided authorization of this patient (pending ones are requests)."""
    return (
        Authorization.objects.filter(patient_digest__in=digests)
        .exclude(state=State.PENDING)
        .select_related("hospital")
        .order_by("-created_at", "-id")
    )


def live_authorization_get(digests: list[str], pk: int) -> Authorization | None:
    """A granted, unexpired authorization of this patient (one they may revoke)."""
    return (
        Authorization.objects.filter(
            patient_digest__in=digests,
            pk=pk,
            state=State.GRANTED,
            valid_until__gt=timezone.now(),
        )
        .select_related("hospital")
        .first()
    )


# --- Who viewed my record ------------------------------------------------------------


@dataclass(frozen=True)
class ViewEntry:
    at: datetime
    hospital: str
    staff_no: str
    staff_name: str
    allowed: bool
    outcome: str


def _outcome(status: int, error_code: str) -> str:
    if status in (200, 302):
        return _("Viewed")
    reasons = {
        "NO_CONSENT": _("Refused: no authorization"),
        "CONSENT_REVOKED": _("Refused: the authorization was revoked"),
        "CONSENT_EXPIRED": _("Refused: the authorization had expired"),
        "CONSENT_NOT_SYNCED": _("Refused: the province had not yet confirmed the authorization"),
    }
    return reasons.get(error_code, _("Refused"))


def _staff_names(digests: list[str], pairs: set[tuple[int, str]]) -> dict[tuple[int, str], str]:
    """Doctors' names from this patient's own authorization requests: the
    access log keeps the staff number only, and the hub stores nothing of
    what was viewed, so the name is the one the hospital gave when it asked."""
    if not pairs:
        return {}
    names: dict[tuple[int, str], str] = {}
    rows = (
        Authorization.objects.filter(patient_digest__in=digests)
        .exclude(staff_name="")
        .order_by("created_at", "id")
        .values_list("hospital_id", "staff_no", "staff_name")
    )
    for hospital_id, staff_no, name in rows:
        if (hospital_id, staff_no) in pairs:
            names[(hospital_id, staff_no)] = name
    return names


def views_of_record(digests: list[str], *, limit: int = VIEWS_SHOWN) -> list[ViewEntry]:
    """Every view relayed (or refused) for this patient, newest first, from the
    access log of ``POST /api/v1/views`` and of the viewer entry ``/viewer``."""
    if not digests:
        return []
    rows = list(
        AccessLog.objects.filter(
            endpoint__in=(VIEW_ENDPOINT, VIEWER_ENTRY_ENDPOINT), patient_digest__in=digests
        )
        .order_by("-created_at", "-id")
        .values("created_at", "hospital_id", "org_code", "staff_no", "http_status", "error_code")[
            :limit
        ]
    )
    hospital_ids = {r["hospital_id"] for r in rows if r["hospital_id"]}
    hospitals = dict(Hospital.objects.filter(pk__in=hospital_ids).values_list("pk", "org_name"))
    names = _staff_names(digests, {(r["hospital_id"], r["staff_no"]) for r in rows})
    return [
        ViewEntry(
            at=r["created_at"],
            hospital=hospitals.get(r["hospital_id"]) or r["org_code"],
            staff_no=r["staff_no"],
            staff_name=names.get((r["hospital_id"], r["staff_no"]), ""),
            allowed=r["http_status"] in (200, 302),
            outcome=_outcome(r["http_status"], r["error_code"]),
        )
        for r in rows
    ]


# --- Reporting a problem ---------------------------------------------------------------


def hospitals_for_report() -> QuerySet[Hospital]:
    return Hospital.objects.filter(status=Status.ACTIVE).order_by("org_name")


def complaints_of(digests: list[str]):
    """The patient's complaints (listed under the report form)."""
    from complaints.selectors import complaints_of_patient

    if not digests:
        return []
    found = []
    for patient_digest in digests:
        found.extend(complaints_of_patient(patient_digest).select_related("hospital")[:50])
    return sorted(found, key=lambda c: c.received_at, reverse=True)
