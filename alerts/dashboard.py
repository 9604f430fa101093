"""The dashboard's alerts section: open security alerts, by severity (one query)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertState, Severity
from hospitals.admin_scope import operator_hospital_id
from hub.dashboard import Figure, Section, register_section


def open_alerts(*, hospital_id: int | None = None) -> dict[str, int]:
    """{"open": n, "high": n, "medium": n, "low": n, "acknowledged": n}."""
    qs = Alert.objects.exclude(state=AlertState.CLOSED)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    opened = Q(state=AlertState.OPEN)
    return qs.aggregate(
        open=Count("id", filter=opened),
        acknowledged=Count("id", filter=Q(state=AlertState.ACKNOWLEDGED)),
        **{s: Count("id", filter=opened & Q(severity=s)) for s in Severity.values},
    )


def alerts_section(request, now) -> Section | None:
    if not request.user.has_perm("alerts.view_alert"):
        return None
    figures = open_alerts(hospital_id=operator_hospital_id(request))
    url = reverse("admin:alerts_alert_changelist")
    return Section(
        key="alerts",
        title=_("Security alerts"),
        figures=[
            Figure(
                _("open alerts"),
                figures["open"],
                url=f"{url}?queue=open",
                warn=bool(figures["open"]),
                note=_("%(high)d high, %(medium)d medium, %(low)d low")
                % {s: figures[s] for s in Severity.values},
            ),
            Figure(_("acknowledged, not closed"), figures["acknowledged"], url=f"{url}?queue=todo"),
        ],
    )


register_section("alerts", alerts_section, order=40)
