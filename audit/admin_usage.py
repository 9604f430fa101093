"""The admin usage page: per-hospital tables and charts.

Month (default: the current one), the last 12 months, the top and bottom
hospitals, filterable by district and level, and by one connected system
(``system``: its id; the hospital figures are then that system's alone). A
table per system splits each hospital's figures by the system that made the
calls (the hospital row is their sum). A hospital operator sees only their
own hospital (``hospitals.admin_scope``), whatever the filters say.
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
    usage_by_system,
    usage_monthly_series,
)
from audit.usage import SUMMARY_COLUMNS
from hospitals.admin_scope import is_operator, scope_queryset

TOP = 5


def _zero() -> dict[str, int]:
    return {key: 0 for key, _p, _l in SUMMARY_COLUMNS}


def _system_filter(request, systems):
    """The system the page is filtered to (one of ``systems``), else None."""
    text = request.GET.get("system", "")
    if not text.isdigit():
        return None
    return systems.filter(pk=int(text)).select_related("hospital").first()


def _system_rows(current: dict, registry: dict, names: dict) -> list[dict]:
    """One row per (hospital, system) with counts, by orgCode then system."""
    rows = []
    for (hospital_id, system_id), figures in current.items():
        hospital = registry.get(hospital_id)
        if hospital is None:
            continue
        name, app_id = names.get(system_id, (None, None))
        rows.append(
            {
                "org_code": hospital.org_code,
                "org_name": hospital.org_name,
                "system_id": system_id,
                "system": name if name is not None else _("(not one system's)"),
                "app_id": app_id or "",
                "values": [figures[k] for k, _p, _l in SUMMARY_COLUMNS],
                "views": figures["views"],
            }
        )
    rows.sort(key=lambda r: (r["org_code"], r["system_id"] or 1 << 62))
    return rows


def usage_page_data(request) -> dict:
    from hospitals.models import Hospital, IntegratedSystem, Level

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
    systems = scope_queryset(request, IntegratedSystem.objects.all()).order_by(
        "hospital__org_code", "id"
    )
    system = _system_filter(request, systems)
    system_id = system.pk if system is not None else None
    if system is not None:
        hospitals = hospitals.filter(pk=system.hospital_id)
    filtered = operator or bool(district or level) or system is not None
    registry = {h.pk: h for h in hospitals}
    ids = list(registry) if filtered else None
    current = usage_by_hospital(month=month, hospital_ids=ids, system_id=system_id)
    previous = usage_by_hospital(month=month.shift(-1), hospital_ids=ids, system_id=system_id)
    per_system = usage_by_system(month=month, hospital_ids=ids)
    if system is not None:
        per_system = {k: v for k, v in per_system.items() if k[1] == system_id}
    names = {
        pk: (name, app_id)
        for pk, name, app_id in IntegratedSystem.objects.filter(
            pk__in={k[1] for k in per_system}
        ).values_list("pk", "name", "app_id")
    }
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
    series = usage_monthly_series(last=month, months=12, hospital_ids=ids, system_id=system_id)
    daily = usage_by_kind_per_day(month=month, hospital_ids=ids, system_id=system_id)
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
        "system": system,
        "systems": [
            (s.pk, f"{s.hospital.org_name} · {s.name}" + (f" ({s.app_id})" if s.app_id else ""))
            for s in systems.select_related("hospital")
        ],
        "system_rows": _system_rows(per_system, registry, names),
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
