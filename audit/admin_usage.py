"""The admin usage page: per-hospital tables and charts.

Month (default: the current one), the last 12 months, the top and bottom
hospitals, filterable by district and level. A hospital operator sees only
their own hospital (``hospitals.admin_scope``), whatever the filters say.
"""

from __future__ import annotations

import base64

from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from audit.charts import usage_chart
from audit.report_data import ReportRow
from audit.selectors import (
    Month,
    province_availability,
    usage_by_hospital,
    usage_by_kind_per_day,
    usage_monthly_series,
)
from audit.usage import SUMMARY_COLUMNS
from hospitals.admin_scope import is_operator, scope_queryset

TOP = 5


def _zero() -> dict[str, int]:
    return {key: 0 for key, _p, _l in SUMMARY_COLUMNS}


def usage_page_data(request) -> dict:
    from hospitals.models import Hospital, Level

    try:
        month = Month.parse(request.GET.get("month", ""))
    except ValueError:
        month = Month.current()
    district = request.GET.get("district", "")
    level = request.GET.get("level", "")
    hospitals = scope_queryset(request, Hospital.objects.all(), hospital_field="pk")
    operator = is_operator(request)
    if not operator:
        if district:
            hospitals = hospitals.filter(district=district)
        if level:
            hospitals = hospitals.filter(level=level)
    filtered = operator or bool(district or level)
    registry = {h.pk: h for h in hospitals}
    ids = list(registry) if filtered else None
    current = usage_by_hospital(month=month, hospital_ids=ids)
    previous = usage_by_hospital(month=month.shift(-1), hospital_ids=ids)
    levels = dict(Level.choices)
    rows = [
        ReportRow(
            hospital_id=pk,
            org_code=h.org_code,
            org_name=h.org_name,
            district=h.district,
            level=str(levels.get(h.level, h.level)),
            current=current.get(pk) or _zero(),
            previous=previous.get(pk) or _zero(),
        )
        for pk, h in registry.items()
    ]
    rows.sort(key=lambda r: (-r.current["views"], -r.current["granted"], r.org_code))
    totals = _zero()
    for row in rows:
        for key in totals:
            totals[key] += row.current[key]
    series = usage_monthly_series(last=month, months=12, hospital_ids=ids)
    daily = usage_by_kind_per_day(month=month, hospital_ids=ids)
    chart = usage_chart(month=str(month), rows=rows, series=series, daily=daily)
    districts = (
        []
        if operator
        else sorted(d for d in Hospital.objects.values_list("district", flat=True).distinct() if d)
    )
    return {
        "month": str(month),
        "district": district,
        "level": level,
        "operator": operator,
        "districts": districts,
        "levels": list(Level.choices),
        "columns": [(key, label) for key, _p, label in SUMMARY_COLUMNS],
        "rows": rows,
        "table": [(r, [r.current[k] for k, _p, _l in SUMMARY_COLUMNS]) for r in rows],
        "top": rows[:TOP],
        "bottom": list(reversed(rows[-TOP:])) if len(rows) > TOP else [],
        "totals": [totals[k] for k, _p, _l in SUMMARY_COLUMNS],
        "series": [(m, [f[k] for k, _p, _l in SUMMARY_COLUMNS]) for m, f in series],
        "availability": province_availability(month=month, hospital_ids=ids),
        "chart": base64.b64encode(chart).decode(),
    }


def usage_page(request, site_context: dict, opts) -> TemplateResponse:
    context = {
        **site_context,
        "title": _("Usage"),
        "opts": opts,
        **usage_page_data(request),
    }
    return TemplateResponse(request, "admin/audit/usage.html", context)
