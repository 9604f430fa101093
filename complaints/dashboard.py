"""The dashboard's complaints section: open and overdue complaints (two queries).

"Overdue" is the queue's own definition (``complaints.selectors.with_overdue``,
the admin's "Overdue" filter the figure links to).
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from complaints.lifecycle import OPEN_STATES
from complaints.models import Complaint
from complaints.selectors import with_overdue
from hospitals.admin_scope import operator_hospital_id
from hub.dashboard import Figure, Section, register_section


def complaint_figures(*, now, hospital_id: int | None = None) -> dict[str, int]:
    qs = Complaint.objects.all()
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    figures = qs.aggregate(
        open=Count("id", filter=Q(state__in=OPEN_STATES)),
        triage=Count("id", filter=Q(hospital__isnull=True, state__in=OPEN_STATES)),
    )
    figures["overdue"] = with_overdue(qs, now).filter(overdue=True).count()
    return figures


def complaints_section(request, now) -> Section | None:
    if not request.user.has_perm("complaints.view_complaint"):
        return None
    figures = complaint_figures(now=now, hospital_id=operator_hospital_id(request))
    url = reverse("admin:complaints_complaint_changelist")
    return Section(
        key="complaints",
        title=_("Complaints"),
        figures=[
            Figure(
                _("overdue complaints"),
                figures["overdue"],
                url=f"{url}?queue=overdue",
                warn=bool(figures["overdue"]),
            ),
            Figure(_("open complaints"), figures["open"], url=f"{url}?queue=open"),
            Figure(_("waiting for city triage"), figures["triage"], url=f"{url}?queue=triage"),
        ],
    )


register_section("complaints", complaints_section, order=30)
