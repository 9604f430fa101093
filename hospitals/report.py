"""The operation report of seed appendix 1 (广东健康档案互通系统接入运行报告),
pre-filled for one hospital as a printable XLSX (A4, one page wide), and the
city's summary of it for the province (:func:`city_summary_xlsx`): the
appendix's fields as columns, one row per connected system, the city's and
the province's signature boxes, then each hospital's own form on a sheet of
its own.

The labels are the appendix's own Chinese labels: the document goes to the
province as it is. The contact phone is printed in full: it is the form's
purpose, and the file is produced only for city staff.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from hospitals.models import Hospital

TITLE = "广东健康档案互通系统接入运行报告"
SUBTITLE = "（接入单位填写）"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_COLS = 4


def operation_report_filename(hospital: Hospital) -> str:
    from urllib.parse import quote

    return quote(f"{TITLE}-{hospital.org_code}.xlsx")


def _row(ws, r: int, cells: list[tuple[str, int]], *, bold_first=True, height=None) -> None:
    """Write ``(text, span)`` cells from column A, merged over ``span`` columns."""
    col = 1
    for i, (text, span) in enumerate(cells):
        ws.cell(row=r, column=col, value=text)
        if span > 1:
            ws.merge_cells(start_row=r, start_column=col, end_row=r, end_column=col + span - 1)
        for c in range(col, col + span):
            cell = ws.cell(row=r, column=c)
            cell.border = _BORDER
            cell.alignment = _WRAP
        if bold_first and i % 2 == 0 and len(cells) > 1:
            ws.cell(row=r, column=col).font = Font(bold=True)
        col += span
    if height:
        ws.row_dimensions[r].height = height


def operation_report_xlsx(hospital: Hospital) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "接入运行报告"
    _fill_operation_report(ws, hospital)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _fill_operation_report(ws, hospital: Hospital) -> None:
    for i, width in enumerate((24, 34, 16, 30), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=_COLS)
    ws["A1"] = TITLE
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = _CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=_COLS)
    ws["A2"] = SUBTITLE
    ws["A2"].alignment = _CENTER

    went_live = hospital.went_live_on.strftime("%Y-%m-%d") if hospital.went_live_on else ""
    r = 3
    _row(ws, r, [("医疗机构名称", 1), (hospital.org_name, 3)], height=24)
    _row(ws, r + 1, [("统一社会信用代码", 1), (hospital.uscc, 3)], height=24)
    _row(ws, r + 2, [("上线日期", 1), (went_live, 3)], height=24)
    _row(
        ws,
        r + 3,
        [
            ("联系人", 1),
            (hospital.contact_name, 1),
            ("联系电话", 1),
            (hospital.contact_phone or "", 1),
        ],
        height=24,
    )
    integration = (
        "一、授权接口集成情况\n"
        f"{hospital.authorization_integration or '其他'}\n"
        "二、调阅接口集成情况\n"
        f"{hospital.viewing_integration or '其他'}"
    )
    _row(ws, r + 4, [("系统集成情况", 1), (integration, 3)], height=80)

    r += 5
    _row(ws, r, [("接入系统名称", 1), ("URL 地址", 2), ("IP 地址", 1)], bold_first=False)
    for c in range(1, _COLS + 1):
        ws.cell(row=r, column=c).font = Font(bold=True)
    systems = list(hospital.systems.all()) if hospital.pk else []
    for system in systems or [None]:
        r += 1
        if system is None:
            _row(ws, r, [("", 1), ("", 2), ("", 1)], bold_first=False, height=20)
        else:
            _row(ws, r, [(system.name, 1), (system.url, 2), (system.ip, 1)], bold_first=False)

    r += 1
    signatures = [
        "接入医疗机构：\n\n（盖章）：\n\n日期：",
        "市卫生健康局（委）审核意见：\n\n（盖章）：\n\n日期：",
        "省平台工作组审核意见：\n\n（盖章）：\n\n日期：",
    ]
    _row(
        ws,
        r,
        [(signatures[0], 1), (signatures[1], 2), (signatures[2], 1)],
        bold_first=False,
        height=110,
    )

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(_COLS)}{r}"


CITY_TITLE = "广东健康档案互通系统接入运行报告（汇总）"
CITY_SUBTITLE = "（市卫生健康局（委）汇总）"
#: The appendix's fields, as the summary's columns (after 序号).
CITY_COLUMNS = (
    "序号",
    "医疗机构名称",
    "统一社会信用代码",
    "上线日期",
    "联系人",
    "联系电话",
    "授权接口集成情况",
    "调阅接口集成情况",
    "接入系统名称",
    "URL 地址",
    "IP 地址",
)
#: Columns 1-based where the systems start (接入系统名称) and the figures start.
_SYSTEM_COL = CITY_COLUMNS.index("接入系统名称") + 1
_FIGURES_COL = len(CITY_COLUMNS) + 1


def city_summary_hospitals():
    """The hospitals the city reports: those that went live (and after)."""
    from hospitals.models.hospital import RELAY_STAGES

    return (
        Hospital.objects.filter(stage__in=RELAY_STAGES)
        .prefetch_related("systems")
        .order_by("org_code")
    )


def city_summary_filename(month: str = "") -> str:
    from urllib.parse import quote

    return quote(f"{CITY_TITLE}{'-' + month if month else ''}.xlsx")


def city_summary_xlsx(
    hospitals,
    *,
    month: str = "",
    figures: dict[int, dict[str, int]] | None = None,
    figure_columns: list[tuple[str, str]] | None = None,
    forms: bool = True,
) -> bytes:
    """The appendix-1 report aggregated over ``hospitals``.

    ``figure_columns`` [(key, label)] and ``figures`` {hospital_id: {key: n}}
    add the month's usage (the audit app passes them; this app cannot read the
    counters). ``forms``: add each hospital's own appendix form as a sheet.
    """
    hospitals = list(hospitals)
    figure_columns = list(figure_columns or [])
    figures = figures or {}
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总表"
    last_col = len(CITY_COLUMNS) + len(figure_columns)
    widths = (6, 28, 22, 12, 10, 16, 24, 24, 20, 30, 16)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for i in range(_FIGURES_COL, last_col + 1):
        ws.column_dimensions[get_column_letter(i)].width = 14

    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws["A1"] = CITY_TITLE
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = _CENTER
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=last_col)
    ws["A2"] = CITY_SUBTITLE + (f"  统计月份：{month}" if month else "")
    ws["A2"].alignment = _CENTER

    header = [*CITY_COLUMNS, *(label for _key, label in figure_columns)]
    for c, text in enumerate(header, start=1):
        cell = ws.cell(row=3, column=c, value=text)
        cell.font = Font(bold=True)
        cell.border = _BORDER
        cell.alignment = _CENTER
    ws.row_dimensions[3].height = 30

    r = 3
    totals = {key: 0 for key, _label in figure_columns}
    system_count = 0
    for n, hospital in enumerate(hospitals, start=1):
        systems = list(hospital.systems.all()) or [None]
        first = r + 1
        went_live = hospital.went_live_on.strftime("%Y-%m-%d") if hospital.went_live_on else ""
        own = [
            n,
            hospital.org_name,
            hospital.uscc,
            went_live,
            hospital.contact_name,
            hospital.contact_phone or "",
            hospital.authorization_integration or "其他",
            hospital.viewing_integration or "其他",
        ]
        counts = figures.get(hospital.pk, {})
        for system in systems:
            r += 1
            if system is not None:
                system_count += 1
            values = [
                *own,
                *(("", "", "") if system is None else (system.name, system.url, system.ip)),
                *(counts.get(key, 0) for key, _label in figure_columns),
            ]
            for c, value in enumerate(values, start=1):
                cell = ws.cell(
                    row=r, column=c, value=value if r == first or not _merged(c) else None
                )
                cell.border = _BORDER
                cell.alignment = _WRAP
        if r > first:  # one hospital over several systems: its own cells merged
            for c in range(1, last_col + 1):
                if _merged(c):
                    ws.merge_cells(start_row=first, start_column=c, end_row=r, end_column=c)
        for key, _label in figure_columns:
            totals[key] += counts.get(key, 0)

    r += 1
    ws.cell(row=r, column=1, value="合计")
    ws.cell(row=r, column=2, value=f"接入医疗机构 {len(hospitals)} 家")
    ws.cell(row=r, column=_SYSTEM_COL, value=f"接入系统 {system_count} 个")
    for i, (key, _label) in enumerate(figure_columns):
        ws.cell(row=r, column=_FIGURES_COL + i, value=totals[key])
    for c in range(1, last_col + 1):
        ws.cell(row=r, column=c).border = _BORDER
        ws.cell(row=r, column=c).font = Font(bold=True)

    r += 1
    split = _SYSTEM_COL - 1
    ws.cell(row=r, column=1, value="市卫生健康局（委）：\n\n（盖章）：\n\n日期：")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=split)
    ws.cell(row=r, column=split + 1, value="省平台工作组审核意见：\n\n（盖章）：\n\n日期：")
    ws.merge_cells(start_row=r, start_column=split + 1, end_row=r, end_column=last_col)
    for c in range(1, last_col + 1):
        ws.cell(row=r, column=c).border = _BORDER
        ws.cell(row=r, column=c).alignment = _WRAP
    ws.row_dimensions[r].height = 110

    ws.freeze_panes = "C4"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:{get_column_letter(last_col)}{r}"
    ws.print_title_rows = "3:3"

    if forms:
        for hospital in hospitals:
            _fill_operation_report(wb.create_sheet(hospital.org_code[:31] or "-"), hospital)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _merged(column: int) -> bool:
    """The hospital's own columns (merged over its systems); not the systems'."""
    return column < _SYSTEM_COL or column >= _FIGURES_COL
