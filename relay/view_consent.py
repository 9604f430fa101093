"""Where a patient's consent to a view is taken, and the decision both view
doors share (``POST /api/v1/views`` and the viewer entry ``/viewer``).

``CONSENT_AT`` (the city's setting) or ``Hospital.consent_at`` (its
override, empty = the city's):

- ``hub``: a view needs the hub's own live, synced consent
  (``relay.selectors.consent_for_view``), or it is refused
  (``NO_CONSENT``, ``CONSENT_REVOKED``, ``CONSENT_EXPIRED``,
  ``CONSENT_NOT_SYNCED``).
- ``province``: with such a consent the view is the same; without one it is
  still forwarded to the province viewer, which holds the patient's consent
  or asks for it itself (user manual §3.1, modes 2 and 3: a WeChat or SMS
  code to the resident, checked by the province). Counted as
  ``view.province_consent`` instead of ``view``. The province's viewer is the
  judge of consent then: it refuses to show a record without one, as it does
  for any caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from audit.context import note
from audit.usage import VIEW, VIEW_PROVINCE_CONSENT
from hospitals.models import ConsentAt
from hub.errors import HubError
from relay import selectors
from relay.errors import RelayCode
from relay.models import Authorization
from relay.notices import notice_first_view
from relay.targets import target_for
from relay.viewing import ViewRequest

#: The refusals that mean "the hub holds no usable consent", which the
#: province setting turns into a view with consent at the province.
NO_HUB_CONSENT = frozenset(
    {
        RelayCode.NO_CONSENT,
        RelayCode.CONSENT_REVOKED,
        RelayCode.CONSENT_EXPIRED,
        RelayCode.CONSENT_NOT_SYNCED,
    }
)


def consent_at_for(hospital) -> str:
    """``"hub"`` or ``"province"``: the hospital's override, else the city's."""
    return hospital.consent_at or getattr(settings, "CONSENT_AT", ConsentAt.HUB)


@dataclass(frozen=True)
class ViewConsent:
    """The consent a view goes on: the hub's ``authorization``, or None when
    the province takes it."""

    authorization: Authorization | None

    @property
    def consent_at(self) -> str:
        return ConsentAt.HUB if self.authorization is not None else ConsentAt.PROVINCE

    @property
    def usage_kind(self) -> str:
        return VIEW if self.authorization is not None else VIEW_PROVINCE_CONSENT


def view_consent(*, hospital, view: ViewRequest) -> ViewConsent:
    """The hub's consent for this view, or (``province`` setting) none; the
    hub's refusal otherwise. One indexed query."""
    try:
        authorization = selectors.consent_for_view(
            hospital_id=hospital.pk,
            patient_digest=view.patient_digest,
            target=target_for(hospital),
        )
    except HubError as exc:
        if exc.code in NO_HUB_CONSENT and consent_at_for(hospital) == ConsentAt.PROVINCE:
            return ViewConsent(authorization=None)
        raise
    return ViewConsent(authorization=authorization)


def view_recorded(request, consent: ViewConsent) -> None:
    """A view made (both doors): noted for the access row and its usage
    count, and the patient's first-view notice for a hub consent."""
    auth = consent.authorization
    note(
        request,
        authorization_id=auth.pk if auth is not None else None,
        usage=[consent.usage_kind],
    )
    if auth is not None:
        notice_first_view(authorization=auth)
