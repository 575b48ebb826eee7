"""The network's workbook ``natverk.xlsx``: the matrix, "samma eller olika?", movement, methods.

Every text is written as a string cell (:func:`koladagap._cells.xlsx_write`), so a KPI
title or a name that begins with ``=``, ``+``, ``-`` or ``@`` is never read as a formula.
Level fills and font colours come from :mod:`koladagap.render.style`, level names from
:mod:`koladagap.render.i18n`, the words from :mod:`koladagap.render.i18n.network`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from koladagap._cells import XLSX_OPTIONS, xlsx_write
from koladagap._files import atomic_path
from koladagap.benchmarking.network_model import NetworkResult
from koladagap.errors import InputError
from koladagap.render.i18n import ATTRIBUTION_PROCESSED, LEVEL_LABELS, LEVEL_SHORT, check_lang
from koladagap.render.i18n.measures import gap_heading
from koladagap.render.i18n.network import text
from koladagap.render.network.checklist import checklist_headers, checklist_table
from koladagap.render.network.model import (
    cells,
    flags_by,
    kpi_order,
    kpi_titles,
    matrix,
    organisations,
)
from koladagap.render.style import LEVELS, level_fill, level_font

Formats = dict[str, Any]


def write_network_xlsx(result: NetworkResult, path: Path) -> list[Path]:
    """Write the network's workbook to ``path`` (atomically); return ``[path]``.

    Sheets (Swedish names, English with ``result.lang == "en"``): "Matris" (KPI ×
    member, the gap in each cell on its level's fill, the mentor last), "Samma eller
    olika" (per operating area and per KPI: how many members flag it and which),
    "Rörelse" (the levels per member and meeting), with members' score sheets
    "Checklista" (the checklists side by side, with the readiness rule's verdict),
    and "Metodbilaga" (thresholds, method, source).
    """
    try:
        import xlsxwriter
    except ImportError as err:  # pragma: no cover - the extra is part of [test]
        raise InputError("writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]'") from err
    lang = check_lang(result.lang)
    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        fmt = _formats(wb)
        _matrix_sheet(wb.add_worksheet(text(lang, "sheet_matrix")), result, fmt)
        _same_sheet(wb.add_worksheet(text(lang, "sheet_same")), result, fmt)
        _movement_sheet(wb.add_worksheet(text(lang, "sheet_movement")), result, fmt)
        if result.scores:
            _checklist_sheet(wb.add_worksheet(text(lang, "sheet_checklist")), result, fmt)
        _annex_sheet(wb.add_worksheet(text(lang, "sheet_annex")), result, fmt)
        wb.close()
    return [path]


def _formats(wb: Any) -> Formats:
    head = {"bold": True, "bg_color": "#DDDDDD", "text_wrap": True, "valign": "top", "border": 1}
    fmt: Formats = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True}),
        "head": wb.add_format(head),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "source": wb.add_format({"italic": True, "font_color": "#555555"}),
    }
    for lv in LEVELS:
        style = {"bg_color": level_fill(lv), "font_color": level_font(lv), "border": 1}
        fmt[f"level:{lv}"] = wb.add_format({**style, "align": "center"})
        fmt[f"legend:{lv}"] = wb.add_format(style)
    return fmt


def _s(ws: Any, row: int, col: int, value: object, style: Any = None) -> None:
    """A text cell, always a string (never a formula), or nothing for an empty value."""
    if (
        value is None
        or value is pd.NA
        or value == ""
        or (isinstance(value, float) and value != value)
    ):
        return  # nothing to write for a missing value
    xlsx_write(ws, row, col, str(value), style)


def _header(ws: Any, result: NetworkResult, fmt: Formats, lines: list[str]) -> int:
    """The sheet's title lines; returns the first free row (after a blank one)."""
    lang = result.lang
    sub = text(lang, "subtitle", meeting=result.meeting, year=result.year)
    for i, line in enumerate([result.name, sub, *lines]):
        _s(ws, i, 0, line, fmt["title"] if i == 0 else fmt["source"])
    return len(lines) + 3


def _table(ws: Any, top: int, headers: list[str], rows: pd.DataFrame, fmt: Formats) -> int:
    """Headers and text rows from ``top``; returns the first free row."""
    for j, h in enumerate(headers):
        _s(ws, top, j, h, fmt["head"])
    values = rows.astype(object).to_numpy()
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if isinstance(v, int | float) and not isinstance(v, bool) and pd.notna(v):
                ws.write_number(top + 1 + i, j, v)
            else:
                _s(ws, top + 1 + i, j, v)
    return top + 2 + len(values)


def _footer(ws: Any, row: int, fmt: Formats, source: str = ATTRIBUTION_PROCESSED) -> None:
    _s(ws, row, 0, source, fmt["source"])
    ws.set_footer(f"&L{source}&R&P / &N")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _matrix_sheet(ws: Any, result: NetworkResult, fmt: Formats) -> None:
    lang = result.lang
    orgs = organisations(result)
    levels, texts = matrix(result, "level"), matrix(result, "cell")
    kinds = matrix(result, "kind").bfill(axis=1).iloc[:, 0] if len(orgs) else None
    titles = kpi_titles(result)
    top = _header(ws, result, fmt, [text(lang, "heatmap_lines")])
    headers = [text(lang, "kpi_id"), text(lang, "kpi"), text(lang, "measure"), *orgs["header"]]
    for j, h in enumerate(headers):
        _s(ws, top, j, h, fmt["head"])
    for i, kpi in enumerate(levels.index):
        r = top + 1 + i
        kind = None if kinds is None or pd.isna(kinds.get(kpi)) else str(kinds.get(kpi))
        _s(ws, r, 0, kpi)
        _s(ws, r, 1, titles.get(kpi, kpi))
        _s(ws, r, 2, gap_heading(lang, kind=kind))
        for j, mid in enumerate(orgs["id"]):
            lv, cell = levels.at[kpi, mid], texts.at[kpi, mid]
            style = fmt.get(f"level:{lv}") if isinstance(lv, str) else None
            if isinstance(cell, str):
                xlsx_write(ws, r, 3 + j, cell, style)
            elif style is not None:
                ws.write_blank(r, 3 + j, None, style)
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, 55, fmt["wrap"])
    ws.set_column(2, 2, 22, fmt["wrap"])
    ws.set_column(3, 2 + max(len(orgs), 1), 16)
    ws.freeze_panes(top + 1, 2)
    row = top + len(levels) + 2
    _s(ws, row, 0, text(lang, "legend"), fmt["bold"])
    for k, lv in enumerate(LEVELS):
        _s(ws, row + 1 + k, 0, LEVEL_SHORT[lang][lv], fmt[f"legend:{lv}"])
        _s(ws, row + 1 + k, 1, LEVEL_LABELS[lang][lv])
    _footer(ws, row + len(LEVELS) + 2, fmt)


def _same_sheet(ws: Any, result: NetworkResult, fmt: Formats) -> None:
    lang = result.lang
    yes_no = {True: text(lang, "yes"), False: text(lang, "no")}
    top = _header(ws, result, fmt, [text(lang, "same_question"), text(lang, "flag_note")])
    _s(ws, top, 0, text(lang, "by_area"), fmt["bold"])
    areas = flags_by(result, "area_name")
    areas["mentor_flag"] = areas["mentor_flag"].map(yes_no)
    heads = [
        text(lang, "area"),
        text(lang, "n_flagging"),
        text(lang, "which"),
        text(lang, "mentor"),
    ]
    row = _table(ws, top + 1, heads, areas[["area_name", "n", "names", "mentor_flag"]], fmt)
    _s(ws, row + 1, 0, text(lang, "by_kpi"), fmt["bold"])
    kpis = flags_by(result, "kpi")
    t = cells(result)
    first = t.drop_duplicates("kpi").set_index("kpi")
    mentor = t.loc[t["role"] == "mentor"].drop_duplicates("kpi").set_index("kpi")["level"]
    titles = kpi_titles(result)
    order = {k: i for i, k in enumerate(kpi_order(result))}
    kpis = kpis.assign(o=kpis["kpi"].map(order)).sort_values(["n", "o"], ascending=[False, True])
    table = pd.DataFrame(
        {
            "kpi": kpis["kpi"],
            "title": kpis["kpi"].map(titles),
            "area": kpis["kpi"].map(first["area_name"]),
            "n": kpis["n"],
            "names": kpis["names"],
            "mentor": kpis["kpi"].map(mentor).map(LEVEL_SHORT[lang]).fillna(""),
        }
    )
    heads = [
        text(lang, "kpi_id"),
        text(lang, "kpi"),
        text(lang, "area"),
        text(lang, "n_flagging"),
        text(lang, "which"),
        text(lang, "mentor_level"),
    ]
    end = _table(ws, row + 2, heads, table, fmt)
    for j, w in enumerate((30, 50, 30, 40, 20, 20)):
        ws.set_column(j, j, w, fmt["wrap"] if w >= 30 else None)
    _footer(ws, end + 1, fmt)


def _movement_sheet(ws: Any, result: NetworkResult, fmt: Formats) -> None:
    lang = result.lang
    if result.movement is None or result.movement.empty:
        top = _header(ws, result, fmt, [])
        _s(ws, top, 0, text(lang, "first_meeting"), fmt["bold"])
        ws.set_column(0, 0, 60)
        _footer(ws, top + 2, fmt)
        return
    top = _header(ws, result, fmt, [text(lang, "movement_note")])
    m = result.movement.copy()
    m["municipality_id"] = m["municipality_id"].astype(str)
    orgs = organisations(result)
    m = m.loc[m["municipality_id"].isin(list(orgs["id"])).to_numpy(dtype=bool)]
    m["org"] = pd.Categorical(m["municipality_id"], categories=list(orgs["id"]), ordered=True)
    counts = pd.crosstab([m["org"], m["year"], m["meeting"]], m["level"]).reindex(
        columns=[lv for lv in LEVELS if lv in set(m["level"])], fill_value=0
    )
    counts = counts.sort_index(level=["org", "year"]).reset_index()
    flags = [c for c in ("watch", "act") if c in counts.columns]
    counts["n_flags"] = counts[flags].sum(axis=1) if flags else 0
    counts["org"] = counts["org"].map(dict(zip(orgs["id"], orgs["header"], strict=True)))
    level_cols = [c for c in counts.columns if c in LEVELS]
    table = counts[["org", "meeting", "year", "n_flags", *level_cols]].copy()
    table["year"] = table["year"].astype(int)
    heads = [
        text(lang, "member"),
        text(lang, "meeting"),
        text(lang, "year"),
        text(lang, "n_flags"),
        *(LEVEL_SHORT[lang][c] for c in level_cols),
    ]
    end = _table(ws, top, heads, table, fmt)
    ws.set_column(0, 1, 24)
    ws.set_column(2, 3 + len(level_cols), 12)
    _footer(ws, end + 1, fmt)


def _checklist_sheet(ws: Any, result: NetworkResult, fmt: Formats) -> None:
    lang = result.lang
    top = _header(ws, result, fmt, [text(lang, "ck_lines")])
    table, heads = checklist_table(result), checklist_headers(lang)
    if not table["level"].astype(bool).any():  # a checklist without levels
        table, heads = table.drop(columns="level"), heads[:1] + heads[2:]
    end = _table(ws, top, heads, table, fmt)
    ws.set_column(0, 1, 22)
    ws.set_column(2, 7, 14)
    _footer(ws, end + 1, fmt, text(lang, "ck_source"))


def _annex_sheet(ws: Any, result: NetworkResult, fmt: Formats) -> None:
    lang = result.lang
    top = _header(ws, result, fmt, [text(lang, "method")])
    th = result.thresholds_text
    if th is not None and not th.empty:
        rows = th.iloc[:, :2].astype(object)
        end = _table(ws, top, [text(lang, "setting"), text(lang, "value")], rows, fmt)
    else:
        _s(ws, top, 0, text(lang, "no_thresholds"))
        end = top + 2
    ws.set_column(0, 0, 50, fmt["wrap"])
    ws.set_column(1, 1, 30, fmt["wrap"])
    _footer(ws, end + 1, fmt)


__all__ = ["write_network_xlsx"]
