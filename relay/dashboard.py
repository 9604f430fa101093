"""The dashboard's province-sync section: the backlog and its failures.

One aggregate query over the consents waiting for the province (pending or
failed sync: how many, the oldest change still unsent) and one over the call
log (failed calls to the province's consent interface in the last 24 hours).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from audit.models import CallLog
from hospitals.admin_scope import operator_hospital_id
from hub.dashboard import Figure, Section, register_section
from relay.models import Authorization, SyncState
from relay.sync import INTERFACE


def sync_backlog(*, now, hospital_id: int | None = None) -> dict:
    """Pending and failed syncs, the oldest unsent change, failed calls in 24 h."""
    qs = Authorization.objects.filter(sync_state__in=[SyncState.PENDING, SyncState.FAILED])
    calls = CallLog.objects.filter(
        interface=INTERFACE, created_at__gte=now - timedelta(hours=24)
    ).exclude(outcome=CallLog.Outcome.OK)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
        calls = calls.filter(hospital_id=hospital_id)
    figures = qs.aggregate(
        pending=Count("id", filter=Q(sync_state=SyncState.PENDING)),
        failed=Count("id", filter=Q(sync_state=SyncState.FAILED)),
        # A revocation waits since it ended, a grant since it was granted.
        oldest=Min(Coalesce("ended_at", "granted_at", "created_at")),
    )
    figures["failures_24h"] = calls.count()
    figures["oldest_age"] = now - figures["oldest"] if figures["oldest"] else None
    return figures


def _age(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    if minutes < 48 * 60:
        return _("%(n)d h") % {"n": minutes // 60}
    return _("%(n)d days") % {"n": minutes // (24 * 60)}


def sync_section(request, now) -> Section | None:
    if not request.user.has_perm("relay.view_authorization"):
        return None
    figures = sync_backlog(now=now, hospital_id=operator_hospital_id(request))
    changelist = reverse("admin:relay_authorization_changelist")
    calls = reverse("admin:audit_calllog_changelist")
    old = figures["oldest_age"] is not None and figures["oldest_age"] > timedelta(hours=1)
    return Section(
        key="sync",
        title=_("Province sync backlog"),
        figures=[
            Figure(
                _("waiting to be synced"),
                figures["pending"],
                url=f"{changelist}?sync_state__exact={SyncState.PENDING}",
            ),
            Figure(
                _("sync failed"),
                figures["failed"],
                url=f"{changelist}?sync_state__exact={SyncState.FAILED}",
                warn=bool(figures["failed"]),
            ),
            Figure(_("oldest unsent change"), _age(figures["oldest_age"]), warn=old),
            Figure(
                _("failed province calls, last 24 h"),
                figures["failures_24h"],
                url=f"{calls}?outcome__exact={CallLog.Outcome.TRANSIENT}",
                warn=bool(figures["failures_24h"]),
            ),
        ],
    )


register_section("sync", sync_section, order=20)
