"""Reading the user's tables: a CSV or the first sheet of an xlsx, as text cells.

A :class:`Sheet` keeps where each column was, so that a bad cell is reported
as one line naming the file, the spreadsheet row (the header is row 1) and the
column: ``poang.csv: rad 5, kolumn E (Poäng (1–3)): 4 ligger utanför skalan 1–3``.

Examples:
    >>> col_letter(0), col_letter(27)
    ('A', 'AB')
    >>> norm_header("Poäng (1–3)")
    'poäng'
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koladagap._cells import csv_unquote
from koladagap._sheets import column_letter as col_letter
from koladagap.checklist.text import message
from koladagap.errors import ConfigError, InputError

_ITEM_HEADERS = {
    "version": "version",
    "nivå": "level",
    "level": "level",
    "moment/punkt": "item",
    "moment/punkt id": "item",
    "moment": "item",
    "punkt": "item",
    "id": "item",
    "item": "item",
}
"""The headers that name a checklist item, in a score sheet and in a checklist table."""

SCORE_HEADERS = {
    **_ITEM_HEADERS,
    "möte": "session",
    "session": "session",
    "meeting": "session",
    "item id": "item",
    "poäng": "score",
    "score": "score",
    "kommentar": "comment",
    "comment": "comment",
}
"""The headers of a score sheet, Swedish or English (as :func:`norm_header` gives them)."""

CHECKLIST_HEADERS = {
    **_ITEM_HEADERS,
    "beskrivning": "label_sv",
    "label_sv": "label_sv",
    "text": "label_sv",
    "description": "label_en",
    "label_en": "label_en",
    "skala": "scale",
    "scale": "scale",
}
"""The headers of a user's own checklist as a table."""


def norm_header(h: object) -> str:
    """A header as matched: lower case, spaces tidied, a trailing ``(…)`` dropped."""
    s = str(h).strip().lower()
    s = re.sub(r"\s*\(.*\)\s*$", "", s)  # "Poäng (1–3)" -> "poäng"
    return " ".join(s.split())


@dataclass
class Sheet:
    """A user's table as read: text cells, the file, and where each column was."""

    frame: pd.DataFrame  # canonical columns, str cells ("" = empty), index = spreadsheet row
    path: str | None
    lang: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    letters: dict[str, str] = field(default_factory=dict)  # canonical -> column letter
    raw_headers: list[str] = field(default_factory=list)  # every header, as written

    def where(self, col: str, row: int) -> str:
        """``rad 5, kolumn E (Poäng (1–3))``: a cell as a reader finds it."""
        return message(
            self.lang,
            "row_col",
            row=row,
            letter=self.letters.get(col, "?"),
            name=self.headers.get(col, col),
        )

    def fail(self, col: str, rows: pd.Index, key: str, **kw: Any) -> ConfigError:
        """The error for the first of ``rows`` (and how many more there are)."""
        first = int(rows[0])
        msg = message(self.lang, key, **kw)
        if len(rows) > 1:
            more = "more_row" if len(rows) == 2 else "more_rows"
            msg += message(self.lang, more, n=len(rows) - 1)
        return ConfigError(msg, path=self.path, key=self.where(col, first))


def read_table(path: Path, lang: str) -> tuple[pd.DataFrame, str]:
    """A CSV or the first sheet of an xlsx as text cells (``""`` for empty)."""
    suffix = path.suffix.lower()
    p = str(path)
    if suffix == ".csv":
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise ConfigError(message(lang, "err_read", why=err.strerror), path=p) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # "CSV (semikolonavgränsad)" from a Swedish Excel
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") > first.count(",") else ","
        try:
            df = pd.read_csv(
                StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise ConfigError(message(lang, "err_read", why=str(err).strip()), path=p) from None
        df = csv_unquote(df)  # a sheet koladagap wrote quoted text that looked like a formula
    elif suffix in (".xlsx", ".xlsm"):
        if importlib.util.find_spec("openpyxl") is None:
            raise ConfigError(message(lang, "err_openpyxl"), path=p)
        try:
            df = pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=object)
        except OSError as err:
            raise ConfigError(message(lang, "err_read", why=err.strerror), path=p) from None
        except Exception as err:  # openpyxl raises many kinds for a broken file
            why = " ".join(str(err).split()) or type(err).__name__
            raise ConfigError(message(lang, "err_read", why=why), path=p) from None
        df = df.apply(cells_to_text)
    else:
        raise ConfigError(message(lang, "err_suffix"), path=p)
    df.index = pd.RangeIndex(2, len(df) + 2)  # the spreadsheet's row numbers
    return df, p


def cells_to_text(col: pd.Series) -> pd.Series:
    """Excel cells as text: ``3`` and ``3.0`` give ``"3"``, empty gives ``""``."""
    num = pd.to_numeric(col, errors="coerce")
    f = num.astype(float)
    whole = num.notna() & np.isfinite(f) & (f % 1 == 0) & (f.abs() < 2**53)
    out = col.astype(object).where(col.notna(), "").astype(str)
    out = out.where(~whole, num.where(whole, 0).astype("int64").astype(str))
    return out.str.strip()


def canonical(df: pd.DataFrame, path: str | None, lang: str, aliases: Mapping[str, str]) -> Sheet:
    """The known columns of ``df`` under their canonical names, empty rows dropped.

    ``aliases`` maps a header (as :func:`norm_header` gives it) to a canonical name;
    the first column with a name wins, other columns are ignored.
    """
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    columns: dict[str, pd.Series] = {}
    for j, h in enumerate(df.columns):
        name = aliases.get(norm_header(h))
        if name is None or name in columns:
            continue
        headers[name] = str(h)
        letters[name] = col_letter(j)
        columns[name] = df.iloc[:, j].fillna("").astype(str).str.strip()
    frame = pd.DataFrame(columns, index=df.index)
    blank = (frame == "").all(axis=1) if len(frame.columns) else pd.Series(True, index=df.index)
    raw = [str(h) for h in df.columns]
    return Sheet(frame.loc[~blank], path, lang, headers, letters, raw)


def require(sheet: Sheet, cols: Iterable[str], shown: Mapping[str, str]) -> None:
    """A :class:`ConfigError` on the header row when one of ``cols`` is missing."""
    for c in cols:
        if c not in sheet.frame.columns:
            have = ", ".join(repr(h) for h in sheet.raw_headers) or "–"
            raise ConfigError(
                message(sheet.lang, "err_missing_column", name=shown[c], have=have),
                path=sheet.path,
                key=message(sheet.lang, "header_row"),
            )


def single_value(sheet: Sheet, col: str) -> str:
    """The one value given in ``col`` (``""`` when none); an error when rows differ."""
    s = sheet.frame[col]
    given = s.loc[s.ne("")]
    if given.empty:
        return ""
    other = given.index[given.ne(given.iloc[0])]
    if len(other):
        raise sheet.fail(
            col,
            other,
            "err_version_mixed",
            v=given.loc[other[0]],
            first=int(given.index[0]),
            w=given.iloc[0],
        )
    return str(given.iloc[0])


def xlsxwriter_module() -> Any:
    """The ``xlsxwriter`` module, or an :class:`InputError` saying how to install it."""
    try:
        import xlsxwriter
    except ImportError as err:  # pragma: no cover - the extra is part of [test]
        raise InputError(
            "writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]' (or write .csv)"
        ) from err
    return xlsxwriter


__all__ = [
    "CHECKLIST_HEADERS",
    "SCORE_HEADERS",
    "Sheet",
    "canonical",
    "cells_to_text",
    "col_letter",
    "norm_header",
    "read_table",
    "require",
    "single_value",
    "xlsxwriter_module",
]
