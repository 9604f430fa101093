"""Back office: the logs (read-only), usage counters, the usage page, reports.

Access and call logs and the usage counters are scoped with
``hospitals.admin_scope``: a hospital operator sees only their hospital's rows
(and the usage page only their hospital's figures). The operation log and
the city-wide monthly reports are for city staff only.
"""

from __future__ import annotations

import re

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.urls import path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from audit import admin_reports  # noqa: F401  (registers the monthly reports' admin)
from audit.admin_usage import usage_page
from audit.models import (
    AccessLog,
    CallLog,
    ChainCheckpoint,
    OperationLog,
    UsageCounter,
)
from audit.usage import ALL_KINDS
from hospitals.admin_scope import HospitalScopedAdminMixin
from hub.admin_mixins import ReadOnlyAdminMixin
from hub.protect import digest

_ID_RE = re.compile(r"\d{17}[\dXx]")


def estimated_rows(table: str) -> int:
    """Planner's row estimate of a (partitioned) table: no COUNT(*) on millions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(GREATEST(c.reltuples, 0)), 0)::bigint FROM pg_class c "
            "WHERE c.relname = %s OR c.oid IN (SELECT i.inhrelid FROM pg_inherits i "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s)",
            [table, table],
        )
        return int(cursor.fetchone()[0])


class EstimatedCountPaginator(Paginator):
    """Unfiltered lists of a big log use the planner's estimate for the page count."""

    @cached_property
    def count(self):
        qs = self.object_list
        if connection.vendor == "postgresql" and not qs.query.where:
            estimate = estimated_rows(qs.model._meta.db_table)
            if estimate > 100_000:
                return estimate
        return super().count


class DistrictFilter(admin.SimpleListFilter):
    """Choices from the hospital registry (a DISTINCT over millions of log rows
    through the join would run on every list page)."""

    title = _("district")
    parameter_name = "district"

    def lookups(self, request, model_admin):
        from hospitals.models import Hospital

        districts = Hospital.objects.exclude(district="").values_list("district", flat=True)
        return [(d, d) for d in sorted(set(districts))]

    def queryset(self, request, queryset):
        return queryset.filter(hospital__district=self.value()) if self.value() else queryset


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        from hospitals.models import Level

        return list(Level.choices)

    def queryset(self, request, queryset):
        return queryset.filter(hospital__level=self.value()) if self.value() else queryset


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind, kind) for kind in ALL_KINDS]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


class ReadOnlyLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_per_page = 100
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_filter = (("created_at", admin.DateFieldListFilter),)

    @admin.display(boolean=True, description=_("sealed"))
    def sealed(self, obj):
        return obj.seq is not None


@admin.register(AccessLog)
class AccessLogAdmin(HospitalScopedAdminMixin, ReadOnlyLogAdmin):
    list_display = (
        "created_at",
        "org_code",
        "method",
        "endpoint",
        "http_status",
        "error_code",
        "latency_ms",
        "staff_no",
        "request_id",
        "sealed",
    )
    # No DISTINCT-based filters (method, endpoint...): they scan the whole log.
    list_filter = (("created_at", admin.DateFieldListFilter), DistrictFilter, LevelFilter)
    search_fields = ("=request_id", "=org_code", "=staff_no", "=patient_digest", "=error_code")
    search_help_text = _(
        "Exact request id, orgCode, staff number or error code; an ID number is "
        "searched by its digest (who accessed this patient)."
    )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if _ID_RE.fullmatch(term):
            return queryset.filter(patient_digest=digest(term)), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(CallLog)
class CallLogAdmin(HospitalScopedAdminMixin, ReadOnlyLogAdmin):
    list_display = (
        "created_at",
        "interface",
        "attempt",
        "http_status",
        "return_code",
        "return_desc",
        "outcome",
        "latency_ms",
        "org_code",
        "authorization_id",
        "sealed",
    )
    list_filter = (("created_at", admin.DateFieldListFilter), "outcome", DistrictFilter)
    search_fields = ("=request_id", "=org_code", "=authorization_id")


@admin.register(OperationLog)
class OperationLogAdmin(ReadOnlyLogAdmin):
    list_display = ("created_at", "actor_type", "actor_repr", "action", "target_repr", "sealed")
    list_filter = (("created_at", admin.DateFieldListFilter), "actor_type", "action")
    search_fields = ("=request_id", "=actor_id", "=target_id", "action")


@admin.register(ChainCheckpoint)
class ChainCheckpointAdmin(ReadOnlyLogAdmin):
    list_display = ("log", "kind", "day", "seq", "row_hash", "updated_at")
    list_filter = ("log", "kind")


@admin.register(UsageCounter)
class UsageCounterAdmin(HospitalScopedAdminMixin, ReadOnlyLogAdmin):
    """The list entry opens the usage page; ``raw/`` lists the counters themselves."""

    list_display = ("day", "org_code", "system_id", "kind", "count")
    list_filter = (("day", admin.DateFieldListFilter), KindFilter, DistrictFilter, LevelFilter)
    search_fields = ("=org_code",)

    def get_urls(self):
        raw = self.admin_site.admin_view(self.raw_changelist_view)
        return [path("raw/", raw, name="audit_usagecounter_raw"), *super().get_urls()]

    def raw_changelist_view(self, request):
        return super().changelist_view(request)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return usage_page(request, self.admin_site.each_context(request), self.opts)
