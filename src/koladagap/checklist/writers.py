"""Writing for the user: the empty score sheet and the report's tables.

:func:`write_template` writes the score sheet to fill in before each meeting
(CSV or xlsx, Swedish headers, one row per item per meeting);
:func:`write_checklist_tables` writes a result's tables (xlsx and CSV). The
chart and the whole report are drawn by :mod:`koladagap.render.checklist`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from koladagap._cells import XLSX_OPTIONS, clean_title, csv_frame, xlsx_write
from koladagap._files import atomic_path as _atomic
from koladagap.checklist.model import (
    DEFAULT_SESSIONS,
    LEVEL_NAMES,
    Checklist,
    check_sessions,
    get_checklist,
)
from koladagap.checklist.sheets import xlsxwriter_module
from koladagap.checklist.text import ATTRIBUTION, language, message, report_text
from koladagap.errors import InputError

if TYPE_CHECKING:
    from koladagap.checklist.results import ChecklistResult


def template_frame(
    checklist: Checklist | str,
    sessions: Sequence[str] = DEFAULT_SESSIONS,
    lang: str = "sv",
) -> pd.DataFrame:
    """The empty score sheet: one row per item per meeting, meetings in order.

    Columns (Swedish): ``Version, Möte, [Nivå,] Moment/punkt, Beskrivning,
    Poäng (1–3), Kommentar``; ``Nivå`` only for checklists with levels.

    Examples:
        >>> t = template_frame("2019")
        >>> list(t.columns)
        ['Version', 'Möte', 'Moment/punkt', 'Beskrivning', 'Poäng (1–3)', 'Kommentar']
        >>> len(t), t["Möte"].iloc[0], t["Möte"].iloc[-1]
        (50, 'Uppstart', 'Resultatkonferens')
    """
    lang = language(lang)
    c = get_checklist(checklist) if isinstance(checklist, str) else checklist
    names = check_sessions(sessions)
    items = c.items_frame(lang)
    grid = pd.DataFrame({"session": np.repeat(names, len(items))})
    grid = pd.concat([grid, pd.concat([items] * len(names), ignore_index=True)], axis=1)
    out = pd.DataFrame(
        {
            message(lang, "col_version"): c.version,
            message(lang, "col_session"): grid["session"],
        }
    )
    if c.levels:
        out[message(lang, "col_level")] = grid["level"].map(LEVEL_NAMES[lang]).fillna(grid["level"])
    out[message(lang, "col_item")] = grid["item"]
    out[message(lang, "col_label")] = grid["label"]
    out[message(lang, "col_score", lo=c.scale_min, hi=c.scale_max)] = pd.array(
        [pd.NA] * len(grid), dtype="Int64"
    )
    out[message(lang, "col_comment")] = ""
    return out


def write_template(
    checklist: Checklist | str,
    path: str | os.PathLike[str],
    *,
    sessions: Sequence[str] = DEFAULT_SESSIONS,
    lang: str = "sv",
    overwrite: bool = False,
) -> Path:
    """Write the empty score sheet to ``path`` (``.xlsx`` or ``.csv``); return the path.

    The xlsx has the sheet to fill in first (scores limited to the scale by
    data validation) and a second sheet that explains the scale. A CSV is
    UTF-8 with a byte-order mark so that Excel shows å, ä and ö.

    Raises:
        InputError: another suffix, or the file exists and ``overwrite`` is false.
    """
    lang = language(lang)
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(
            f"invalid template file {str(out)!r}: expected a name ending in .xlsx or .csv"
        )
    if out.is_dir() or ((out.exists() or out.is_symlink()) and not overwrite):
        raise InputError(
            f"{out} exists (it may hold scores); choose another name or overwrite with --force"
        )
    c = get_checklist(checklist) if isinstance(checklist, str) else checklist
    df = template_frame(c, sessions, lang)
    if suffix == ".csv":
        with _atomic(out) as tmp:
            csv_frame(df).to_csv(tmp, index=False, encoding="utf-8-sig")
        return out
    xw = xlsxwriter_module()
    with _atomic(out) as tmp:
        wb = xw.Workbook(str(tmp), XLSX_OPTIONS)
        head = wb.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet("Självskattning" if lang == "sv" else "Self-assessment")
        _write_rows(ws, 0, df, head)
        widths = {"Beskrivning": 50, "Description": 50, "Kommentar": 50, "Comment": 50}
        for j, col in enumerate(df.columns):
            ws.set_column(j, j, widths.get(col, max(10, len(col) + 2)))
        score_col = list(df.columns).index(
            message(lang, "col_score", lo=c.scale_min, hi=c.scale_max)
        )
        ws.data_validation(
            1,
            score_col,
            len(df),
            score_col,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": c.scale_min,
                "maximum": c.scale_max,
                "error_message": f"{c.scale_min}–{c.scale_max}",
            },
        )
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(df), len(df.columns) - 1)
        info = wb.add_worksheet("Skala" if lang == "sv" else "Scale")
        info.set_column(0, 0, 12)
        info.set_column(1, 1, 60)
        xlsx_write(
            info, 0, 0, clean_title(c.title(lang)), wb.add_format({"bold": True, "font_size": 13})
        )
        for k in c.scale:
            xlsx_write(info, k - c.scale_min + 2, 0, k, wrap)
            xlsx_write(info, k - c.scale_min + 2, 1, c.scale_label(k, lang), wrap)
        info.write(c.scale_max - c.scale_min + 4, 0, ATTRIBUTION if lang == "sv" else "")
        wb.close()
    return out


def write_checklist_tables(
    result: ChecklistResult, out_dir: str | os.PathLike[str], lang: str = "sv"
) -> list[Path]:
    """Write a result's tables to ``out_dir``; return the files written.

    Files (Swedish names by default): ``checklista_per_moment.csv``,
    ``checklista_sammanfattning.csv`` (each ending with the attribution as a
    ``#`` comment) and ``checklista.xlsx`` (sheets summary, per item, scores
    and comments, readiness; left out with a warning when xlsxwriter is
    missing). Every file is written to a temporary name and moved into place.
    """
    lang = language(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = report_text(lang, "file_stem")
    written: list[Path] = []
    items, summary = result.items_table(lang), result.summary_table(lang)
    for name, table in (
        (report_text(lang, "file_items"), items),
        (report_text(lang, "file_summary"), summary),
    ):
        p = out / f"{stem}_{name}.csv"
        with _atomic(p) as tmp:  # plain CSV: the attribution is the last column
            csv_frame(table.assign(source=ATTRIBUTION)).to_csv(tmp, index=False)
        written.append(p)
    try:
        xw = xlsxwriter_module()
    except InputError as err:  # pragma: no cover - the extra is part of [test]
        warnings.warn(str(err), stacklevel=3)
    else:
        p = out / f"{stem}.xlsx"
        _write_xlsx(result, p, lang, xw)
        written.append(p)
    return written


def _write_xlsx(result: ChecklistResult, path: Path, lang: str, xw: Any) -> None:
    sheets = [
        (report_text(lang, "sheet_summary"), result.summary_table(lang)),
        (report_text(lang, "sheet_items"), result.items_table(lang)),
        (report_text(lang, "sheet_scores"), result.scores_table(lang)),
        (report_text(lang, "sheet_ready"), result.readiness_table(lang)),
    ]
    with _atomic(path) as tmp:
        wb = xw.Workbook(str(tmp), XLSX_OPTIONS)
        head = wb.add_format(
            {"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True, "valign": "top"}
        )
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        title = wb.add_format({"bold": True, "font_size": 13})
        source = wb.add_format({"italic": True, "font_color": "#555555"})
        for name, df in sheets:
            ws = wb.add_worksheet(name[:31])
            xlsx_write(ws, 0, 0, clean_title(result.checklist.title(lang)), title)
            xlsx_write(ws, 1, 0, ATTRIBUTION, source)
            _write_rows(ws, 3, df, head, wrap)
            for j, col in enumerate(df.columns):
                values = df[col].astype(object).where(df[col].notna(), None).tolist()
                longest = max([len(str(col))] + [len(str(v)) for v in values if v is not None])
                ws.set_column(j, j, min(60, max(8, longest + 2)))
            ws.freeze_panes(4, 0)
        wb.close()


def _write_rows(ws: Any, top: int, df: pd.DataFrame, head: Any, style: Any = None) -> None:
    """The header at row ``top`` and the cells below it: numbers as numbers, text as text."""
    for j, name in enumerate(df.columns):
        xlsx_write(ws, top, j, str(name), head)
    for i, row in enumerate(df.astype(object).itertuples(index=False), start=top + 1):
        for j, v in enumerate(row):
            xlsx_write(ws, i, j, v, style)


__all__ = ["template_frame", "write_checklist_tables", "write_template"]
