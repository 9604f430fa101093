"""Writes on complaints (keyword-only ``complaint_<action>`` functions taking ``actor=``)."""

from complaints.services.deadline_checks import complaints_auto_close, complaints_escalate_overdue
from complaints.services.submit import complaint_submit, route_target
from complaints.services.workflow import (
    complaint_acknowledge,
    complaint_close,
    complaint_comment,
    complaint_escalate,
    complaint_hold,
    complaint_reassign,
    complaint_release,
    complaint_reopen,
    complaint_resolve,
)

__all__ = [
    "complaint_acknowledge",
    "complaint_close",
    "complaint_comment",
    "complaint_escalate",
    "complaint_hold",
    "complaint_reassign",
    "complaint_release",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_submit",
    "complaints_auto_close",
    "complaints_escalate_overdue",
    "route_target",
]
