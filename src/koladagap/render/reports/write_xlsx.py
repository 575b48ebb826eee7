"""The report as an ``.xlsx`` workbook: one sheet per table, typed cells, level colours.

Numbers are number cells (sortable, filterable), settings and texts are text cells
formatted by :mod:`koladagap.render.i18n`; each sheet has the title lines, a frozen
header with filters, column widths and the source line (also in the page footer).
The level colours are :mod:`koladagap.render.style`'s, the palette of the charts.
Text is always a string cell (:func:`koladagap._cells.xlsx_write`): a title from
Kolada that begins with ``=`` is shown, never computed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from koladagap._cells import XLSX_OPTIONS, xlsx_write
from koladagap._files import atomic_path
from koladagap.errors import InputError
from koladagap.render.reports.model import Column, Report, Table
from koladagap.render.style import LEVELS, level_fill, level_font


def write_xlsx(report: Report, path: Path) -> list[Path]:
    """The workbook: overview, notices, units (if any) and the methods annex."""
    try:
        import xlsxwriter
    except ImportError as err:  # pragma: no cover - the extra is part of [test]
        raise InputError(
            "writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]' "
            "(or write .csv, .md or .html)"
        ) from err
    t = report.text
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        fmt = _formats(wb)
        notices = report.notices
        if not len(notices):
            empty = pd.DataFrame({"note": [t["no_flags"]]}, dtype="string")
            notices = Table(t["notices"], (Column("note", t["notices"]),), empty)
        units = [report.units] if report.units is not None else []
        for table in (report.overview, notices, *units, report.annex):
            header = [*report.header, table.note] if table.note else report.header
            coloured = table is report.overview
            _sheet(wb, table, header, report.source, fmt, coloured)
        wb.close()
    return [path]


def _formats(wb: Any) -> dict[str, Any]:
    head = {"bold": True, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top", "border": 1}
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format(head),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "source": wb.add_format({"italic": True, "font_color": "#555555"}),
    }
    for lv in LEVELS:
        style = {"bg_color": level_fill(lv), "font_color": level_font(lv), "valign": "top"}
        fmt[f"level:{lv}"] = wb.add_format(style)
    return fmt


def _cells(table: Table, col: Column) -> list[Any]:
    """A column's cells: numbers as numbers, the rest as text; ``None`` where empty."""
    v = table.values(col.key)
    if col.kind in ("number", "int"):
        return [None if pd.isna(x) else (int(x) if col.kind == "int" else float(x)) for x in v]
    return [x if isinstance(x, str) and x else None for x in v.astype(object).fillna("")]


def _sheet(
    wb: Any,
    table: Table,
    header: list[str],
    source: str,
    fmt: dict[str, Any],
    coloured: bool,
) -> None:
    ws = wb.add_worksheet(table.name[:31])
    for i, line in enumerate(header):
        xlsx_write(ws, i, 0, line, fmt["title"] if i == 0 else fmt["source"])
    top = len(header) + 1
    texts = table.texts()
    for j, col in enumerate(table.columns):
        xlsx_write(ws, top, j, col.label, fmt["head"])
        longest = texts[col.label].astype(str).str.len().max() if len(table) else 0
        width = min(max(len(col.label) * 0.6, longest or 8, 8), 60)
        ws.set_column(j, j, width + 2, fmt["wrap"] if width >= 40 else None)
    levels = table.levels if coloured and table.levels is not None else None
    columns = [_cells(table, c) for c in table.columns]
    for i in range(len(table)):
        style = None
        if levels is not None and pd.notna(levels.iloc[i]):
            style = fmt.get(f"level:{levels.iloc[i]}")
        for j, cells in enumerate(columns):
            xlsx_write(ws, top + 1 + i, j, cells[i], style)
    ncol = len(table.columns)
    ws.freeze_panes(top + 1, 2 if ncol > 2 else 0)
    if ncol:
        ws.autofilter(top, 0, top + max(len(table), 1), ncol - 1)
    xlsx_write(ws, top + len(table) + 2, 0, source, fmt["source"])
    ws.set_footer(f"&L{source}&R&P / &N")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


__all__ = ["write_xlsx"]
