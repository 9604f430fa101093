"""The dashboard's usage section: today and this month per hospital.

Two aggregate queries over the daily usage counters (rows are per hospital,
system, day and kind: always summed), plus one for the hospitals' names:

- per hospital and kind, the month's sum and today's sum;
- per day and kind, the month's sums (the city's daily chart).

Kinds starting with ``test.`` are the joint-test traffic of hospitals not
live yet: never added to the figures, shown in a column of their own.
"""

from __future__ import annotations

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import UsageCounter
from audit.selectors import Month
from audit.usage import SUMMARY_COLUMNS, summary_key
from hospitals.admin_scope import operator_hospital_id
from hub.dashboard import Figure, Section, Table, bar_chart, column_chart, register_section

#: The summary columns the dashboard shows (SUMMARY_COLUMNS keys), in order.
DASHBOARD_KEYS = ("granted", "views", "refused", "failed")
TEST_PREFIX = "test."
TOP_N = 12


def _labels() -> dict[str, str]:
    return {key: str(label) for key, _pattern, label in SUMMARY_COLUMNS}


def usage_today_and_month(*, today, hospital_id: int | None = None) -> dict:
    """{hospital_id: {"today": {key: n}, "month": {key: n}}} with the
    joint-test traffic under the key ``"test"``; one query."""
    month = Month(today.year, today.month)
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lte=today)
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    rows = (
        qs.values("hospital_id", "kind")
        .annotate(month=Sum("count"), today=Sum("count", filter=Q(day=today)))
        .values_list("hospital_id", "kind", "month", "today")
    )
    out: dict[int, dict] = {}
    for hid, kind, in_month, on_day in rows:
        key = "test" if kind.startswith(TEST_PREFIX) else summary_key(kind)
        if key is None:
            continue
        figures = out.setdefault(hid, {"today": {}, "month": {}})
        figures["month"][key] = figures["month"].get(key, 0) + (in_month or 0)
        figures["today"][key] = figures["today"].get(key, 0) + (on_day or 0)
    return out


def daily_views(*, today, hospital_id: int | None = None) -> dict:
    """{day: {key: n}} for the month up to today (test kinds left out); one query."""
    month = Month(today.year, today.month)
    qs = UsageCounter.objects.filter(day__gte=month.first_day, day__lte=today).exclude(
        kind__startswith=TEST_PREFIX
    )
    if hospital_id is not None:
        qs = qs.filter(hospital_id=hospital_id)
    out: dict = {}
    for day, kind, n in (
        qs.values("day", "kind").annotate(n=Sum("count")).values_list("day", "kind", "n")
    ):
        key = summary_key(kind)
        if key is not None:
            out.setdefault(day, {}).setdefault(key, 0)
            out[day][key] += n
    return out


def usage_section(request, now) -> Section | None:
    if not request.user.has_perm("audit.view_usagecounter"):
        return None
    from hospitals.models import Hospital

    today = timezone.localdate(now)
    scope = operator_hospital_id(request)
    figures = usage_today_and_month(today=today, hospital_id=scope)
    names = dict(
        Hospital.objects.filter(pk__in=list(figures)).values_list("pk", "org_name")
        if figures
        else []
    )
    labels = _labels()
    keys = [k for k in DASHBOARD_KEYS if k in labels]
    has_test = any(f["month"].get("test") or f["today"].get("test") for f in figures.values())
    columns = [_("hospital")]
    for _period in ("today", "month"):
        columns += [labels[k] for k in keys]
        if has_test:
            columns.append(_("joint-test calls"))
    ordered = sorted(
        figures.items(),
        key=lambda item: (
            -item[1]["month"].get("views", 0),
            -item[1]["month"].get("granted", 0),
            names.get(item[0], ""),
        ),
    )
    rows, totals = [], {p: dict.fromkeys([*keys, "test"], 0) for p in ("today", "month")}
    for hid, f in ordered:
        line = [names.get(hid, f"#{hid}")]
        for period in ("today", "month"):
            for k in [*keys, *(["test"] if has_test else [])]:
                value = f[period].get(k, 0)
                totals[period][k] += value
                line.append(value)
        rows.append(line)
    if len(rows) > 1:
        line = [_("city total")]
        for period in ("today", "month"):
            line += [totals[period][k] for k in [*keys, *(["test"] if has_test else [])]]
        rows.append(line)
    span = len(keys) + (1 if has_test else 0)
    quiet = ""
    if scope is None:
        silent = Hospital.objects.exclude(pk__in=list(figures)).count()
        if silent:
            quiet = _("%(n)d hospitals without traffic this month.") % {"n": silent}
    table = Table(
        columns=columns,
        rows=rows,
        groups=[("", 1), (_("today"), span), (_("this month"), span)],
        footnote=quiet,
    )
    section = Section(
        key="usage",
        title=_("Usage: today and this month"),
        figures=[Figure(labels[k], totals["today"][k], note=_("today")) for k in keys],
        tables=[table],
        links=[
            (_("Usage page"), reverse("admin:audit_usagecounter_changelist")),
        ],
    )
    if request.user.has_perm("audit.view_monthlyreport"):
        section.links.append(
            (_("Monthly reports"), reverse("admin:audit_monthlyreport_changelist"))
        )
    if request.user.has_perm("audit.add_monthlyreport") and scope is None:
        section.links.append(
            (_("Build the report now"), reverse("admin:audit_monthlyreport_build"))
        )
    busiest = [
        (names.get(hid, f"#{hid}"), [f["month"].get("views", 0), f["month"].get("granted", 0)])
        for hid, f in ordered[:TOP_N]
        if f["month"].get("views") or f["month"].get("granted")
    ]
    if busiest:
        section.charts.append(
            bar_chart(_("This month by hospital"), [labels["views"], labels["granted"]], busiest)
        )
    days = daily_views(today=today, hospital_id=scope)
    month = Month(today.year, today.month)
    points = []
    day = month.first_day
    while day <= today:
        points.append((day.strftime("%d"), days.get(day, {}).get("views", 0)))
        day = day.fromordinal(day.toordinal() + 1)
    section.charts.append(
        column_chart(_("Views each day of %(month)s") % {"month": month}, labels["views"], points)
    )
    return section


register_section("usage", usage_section, order=10)
