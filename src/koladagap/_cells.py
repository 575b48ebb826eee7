"""Text from outside made harmless before koladagap writes or draws it.

Titles, operating areas and names come from Kolada's answers and from the user's own
files; koladagap treats them as untrusted wherever it writes them:

- :func:`clean_text` drops control characters (C0 and C1, except a newline where
  one is meant) and the bidirectional overrides and isolates that can make a text
  read differently from what it holds; a tab becomes a space, CR LF a newline.
- :func:`csv_cell` / :func:`csv_frame`: a CSV cell whose text begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a CR (also after other white space) gets a leading
  single quote (OWASP's advice
  against formula injection), so a spreadsheet opening the file shows text, never
  runs a formula. Numbers stay numbers: only text cells are touched.
- :func:`xlsx_write` writes a workbook cell: numbers as number cells, text always
  as a string cell (``write_string``, never a formula); workbooks are opened with
  :data:`XLSX_OPTIONS`, which also stop xlsxwriter turning text into formulas or links.
- :func:`no_mathtext` escapes ``$`` so that matplotlib draws the text as it is.

A base module: it imports nothing of koladagap's.
"""

from __future__ import annotations

import numbers
import re
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may read as the start of a formula (OWASP, CSV injection)."""

XLSX_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
}
"""Options for every ``xlsxwriter.Workbook`` koladagap opens: text stays text."""

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_FORMULA = re.compile(r"^\s*[=+\-@]")


def clean_text(s: str, *, newlines: bool = True) -> str:
    r"""``s`` without control characters and bidi overrides; a tab becomes a space.

    Line breaks (``\n``, ``\r\n``, ``\r``) become ``\n``, or a space when
    ``newlines`` is false (a title on one line).

    >>> clean_text("Skola\x00 och\tfritid\u202e")
    'Skola och fritid'
    >>> clean_text("rad 1\r\nrad 2", newlines=False)
    'rad 1 rad 2'
    """
    s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    s = _CONTROL.sub("", s)
    return s if newlines else s.replace("\n", " ")


def clean_title(s: object) -> str:
    r"""A title on one line: :func:`clean_text` without newlines; ``""`` for a missing one.

    >>> clean_title("Andel\nkvinnor\x07")
    'Andel kvinnor'
    """
    if s is None or (isinstance(s, float) and s != s) or s is pd.NA:
        return ""
    return clean_text(str(s), newlines=False)


def csv_cell(value: object) -> object:
    """A CSV cell made harmless: text cleaned and quoted if it could start a formula.

    Anything that is not text (numbers, missing values) is returned as it is.

    >>> print(csv_cell('=HYPERLINK("http://x")'))
    '=HYPERLINK("http://x")
    >>> csv_cell("-3,5"), csv_cell(-3.5), csv_cell("Skola")
    ("'-3,5", -3.5, 'Skola')
    """
    if not isinstance(value, str):
        return value
    return _quote(clean_text(value))


def _quote(s: str) -> str:
    """``s`` with a leading quote if, after leading white space, it could start a formula."""
    return "'" + s if _FORMULA.match(s) else s


def _clean_column(col: pd.Series, quote: bool) -> pd.Series:
    """A column's text cells cleaned (and quoted); other cells (numbers, NaN) kept."""
    if not (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)):
        return col
    if pd.api.types.is_string_dtype(col) and col.dtype != object:
        text = col.notna().to_numpy(bool)  # a string column: every non-missing cell is text
    else:
        found = col.map(lambda v: isinstance(v, str), na_action="ignore")
        text = found.astype("boolean").fillna(False).to_numpy(bool)
    if not text.any():
        return col
    s = col[text].astype(str)
    s = s.str.replace("\r\n", "\n", regex=False).str.replace("\r", "\n", regex=False)
    s = s.str.replace("\t", " ", regex=False).str.replace(_CONTROL, "", regex=True)
    if quote:
        s = s.where(~s.str.contains(_FORMULA, regex=True), "'" + s)
    out = col.astype(object).copy()
    out[text] = s
    return out


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` ready for ``to_csv``: every text cell and header through :func:`csv_cell`.

    Number columns are not touched, so a negative gap stays a number.

    >>> df = pd.DataFrame({"title": ["=1+1", "Skola"], "gap": [-2.5, 1.0]})
    >>> csv_frame(df).to_csv(index=False).splitlines()
    ['title,gap', "'=1+1,-2.5", 'Skola,1.0']
    """
    return clean_frame(df, quote=True)


def clean_frame(df: pd.DataFrame, *, quote: bool = False) -> pd.DataFrame:
    """``df`` with every text cell and header through :func:`clean_text` (for a terminal).

    With ``quote`` a text that could start a formula also gets its quote (:func:`csv_frame`).

    >>> clean_frame(pd.DataFrame({"t": ["a\x1b[2Jb"]}))["t"].tolist()
    ['a[2Jb']
    """
    out = df.copy()
    for i in range(out.shape[1]):
        out.isetitem(i, _clean_column(out.iloc[:, i], quote))  # type: ignore[arg-type]
    head = [clean_text(c) if isinstance(c, str) else c for c in out.columns]
    out.columns = [_quote(c) if quote and isinstance(c, str) else c for c in head]
    return out


def csv_unquote(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells of a CSV koladagap wrote, read back: the quote :func:`csv_cell` added dropped.

    >>> csv_unquote(pd.DataFrame({"a": ["'=1+1", "'x", "-"]}))["a"].tolist()
    ['=1+1', "'x", '-']
    """
    return df.replace(r"^'([=+\-@])", r"\1", regex=True)


def xlsx_write(ws: Any, row: int, col: int, value: object, style: Any = None) -> None:
    """One workbook cell: a number as a number, text as a string cell, nothing if missing.

    Text is cleaned (:func:`clean_text`) and written with ``write_string``, so a
    title beginning with ``=`` is shown as text and never computed. A missing value
    (``None``, NaN, ``pd.NA``, ``""``) writes a blank cell only when it has a style.
    """
    if isinstance(value, bool):
        ws.write_boolean(row, col, value, style)
    elif isinstance(value, numbers.Real) and not _missing(value):
        ws.write_number(row, col, float(value), style)
    elif isinstance(value, str) and value:
        ws.write_string(row, col, clean_text(value), style)
    elif value is None or isinstance(value, str) or _missing(value):
        if style is not None:
            ws.write_blank(row, col, None, style)
    else:
        ws.write_string(row, col, clean_text(str(value)), style)


def _missing(value: object) -> bool:
    """Whether a scalar is a missing value (NaN, ``pd.NA``, ``NaT``)."""
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):  # not a scalar
        return False


def no_mathtext(s: str) -> str:
    r"""``s`` with each ``$`` escaped, so matplotlib draws it instead of reading mathtext.

    >>> no_mathtext("$x^2$ kr")
    '\\$x^2\\$ kr'
    """
    return s.replace("\\$", "$").replace("$", "\\$")


__all__ = [
    "FORMULA_START",
    "XLSX_OPTIONS",
    "clean_frame",
    "clean_text",
    "clean_title",
    "csv_cell",
    "csv_frame",
    "csv_unquote",
    "no_mathtext",
    "xlsx_write",
]
