"""Onboarding stage moves (seed §6), each recorded with who, when and why."""

from __future__ import annotations

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from hospitals.errors import HospitalsCode
from hospitals.models import Hospital, Stage, StageChange
from hospitals.services._audit import record, user_or_none
from hub.errors import HubError

# Forward one step at a time; two moves back when the province or the city
# refuses what the hospital submitted.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    Stage.PARAMETERS_ISSUED: frozenset({Stage.INTEGRATING}),
    Stage.INTEGRATING: frozenset({Stage.TEST_SUBMITTED}),
    Stage.TEST_SUBMITTED: frozenset({Stage.TEST_CONFIRMED, Stage.INTEGRATING}),
    Stage.TEST_CONFIRMED: frozenset({Stage.LIVE}),
    Stage.LIVE: frozenset({Stage.REPORT_SUBMITTED}),
    Stage.REPORT_SUBMITTED: frozenset({Stage.RECEIPT_CONFIRMED, Stage.LIVE}),
    Stage.RECEIPT_CONFIRMED: frozenset(),
}


def allowed_next_stages(stage: str) -> list[str]:
    return [s for s in Stage.values if s in ALLOWED_MOVES.get(stage, ())]


def hospital_advance_stage(
    *,
    hospital: Hospital,
    to_stage: str,
    actor,
    note: str = "",
    evidence=None,
) -> StageChange:
    """Move ``hospital`` to ``to_stage``; 409 for a move the process does not allow.

    ``evidence`` (a Django ``File``, or an already stored ``FieldFile``, which
    is referenced rather than copied) is required for ``test_submitted``: the
    10-30 s screen recording of the joint test (``hospitals.joint_test``
    checks it, e-mails it to the province and makes this move).
    """
    if to_stage not in Stage.values:
        raise HubError(
            HospitalsCode.STAGE_TRANSITION_NOT_ALLOWED,
            _("Unknown onboarding stage %(stage)s.") % {"stage": to_stage},
            400,
        )
    if to_stage == Stage.TEST_SUBMITTED and not evidence:
        raise HubError(
            HospitalsCode.EVIDENCE_REQUIRED,
            _("Attach the joint-test screen recording."),
            400,
        )
    with transaction.atomic():
        locked = Hospital.objects.select_for_update().get(pk=hospital.pk)
        from_stage = locked.stage
        if to_stage not in ALLOWED_MOVES[from_stage]:
            raise HubError(
                HospitalsCode.STAGE_TRANSITION_NOT_ALLOWED,
                _("A hospital at stage %(from)s cannot move to %(to)s.")
                % {"from": Stage(from_stage).label, "to": Stage(to_stage).label},
                409,
            )
        locked.stage = to_stage
        fields = ["stage", "updated_at"]
        if to_stage == Stage.LIVE and locked.went_live_on is None:
            locked.went_live_on = timezone.localdate()
            fields.append("went_live_on")
        locked.save(update_fields=fields)
        change = StageChange(
            hospital=locked,
            from_stage=from_stage,
            to_stage=to_stage,
            actor=user_or_none(actor),
            note=note,
        )
        if isinstance(evidence, FieldFile) and evidence.name:
            # Already stored (the joint-test recording): point at it, no copy.
            change.evidence.name = evidence.name
        elif evidence:
            change.evidence.save(
                getattr(evidence, "name", "evidence") or "evidence", evidence, save=False
            )
        change.save()
        record(
            actor=actor,
            action="hospital.stage",
            target=locked,
            before={"stage": from_stage},
            after={"stage": to_stage, "note": note, "evidence": change.evidence.name or None},
        )
    hospital.stage = locked.stage
    hospital.went_live_on = locked.went_live_on
    return change
