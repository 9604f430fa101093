"""The operation report of seed appendix 1 (广东健康档案互通系统接入运行报告),
pre-filled for one hospital as a printable XLSX (A4, one page wide).

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

    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
