"""A table of the input as text cells, with spreadsheet row numbers and column letters.

:func:`table` turns the raw cells of an xlsx sheet or a CSV part into a
:class:`Sheet` with canonical columns; :meth:`Sheet.check` raises a
:class:`~koladagap.errors.ConfigError` on one line naming the file, the sheet,
the row as a spreadsheet shows it and the column. The cell parsers
(:func:`numbers`, :func:`mapped`, :func:`organisation`) are vectorised and
return what they could not read, for :meth:`Sheet.check` to report.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from koladagap._sheets import column_letter as letter
from koladagap.errors import ConfigError


def norm_header(text: str) -> str:
    """A header as compared with the aliases: case-folded, ``_`` as space, no trailing colon.

    >>> norm_header("  Andel_av: ")
    'andel av'
    """
    return re.sub(r"[\s_]+", " ", text.strip().casefold()).strip(" :")


def norm_word(s: pd.Series) -> pd.Series:
    """Cell words as compared with the word tables: case-folded, spaces and ``-`` as ``_``."""
    return s.str.strip().str.casefold().str.replace(r"[\s_-]+", "_", regex=True)


@dataclass
class Sheet:
    """One table of the input: canonical columns of stripped strings and their locations."""

    label: str  # "sheet Värden" or "part [Värden]"
    data: pd.DataFrame  # canonical column -> str, "" for empty
    rows: np.ndarray  # spreadsheet row number of each data row
    headers: dict[str, str]  # canonical -> header as written
    letters: dict[str, str]  # canonical -> column letter
    path: str | None
    header_row: int = 1

    def where(self, row: int, column: str | None) -> str:
        """``"sheet Värden, row 5, column D (Värde)"``."""
        if column is None:
            return f"{self.label}, row {row}"
        return f"{self.label}, row {row}, column {self.letters[column]} ({self.headers[column]})"

    def fail(self, message: str, row: int, column: str | None) -> ConfigError:
        """The error for a cell (or a whole row when ``column`` is ``None``)."""
        return ConfigError(message, path=self.path, key=self.where(row, column))

    def fail_header(self, message: str) -> ConfigError:
        """The error for the header row as a whole (a missing or clashing column)."""
        return ConfigError(message, path=self.path, key=f"{self.label}, row {self.header_row}")

    def check(
        self,
        bad: pd.Series | np.ndarray,
        column: str | pd.Series | None,
        message: Callable[[int], str],
    ) -> None:
        """Raise for the first row where ``bad`` is true (``message`` gets its position)."""
        mask = np.asarray(bad, dtype=bool)
        if not mask.any():
            return
        i = int(np.argmax(mask))
        col = column.iloc[i] if isinstance(column, pd.Series) else column
        raise self.fail(message(i), int(self.rows[i]), col)

    def require(self, columns: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> None:
        """Raise naming the columns of ``columns`` that the header lacks."""
        missing = [c for c in columns if c not in self.headers]
        if missing:
            names = ", ".join(aliases[c][0].capitalize() for c in missing)
            raise self.fail_header(f"missing column(s): {names}")


def table(
    raw: pd.DataFrame,
    row_numbers: np.ndarray,
    *,
    label: str,
    aliases: Mapping[str, Sequence[str]],
    path: str | None,
) -> Sheet:
    """Header and rows of a raw table of cells (header: its first non-empty row).

    Args:
        raw: the cells, any dtype; missing cells are empty.
        row_numbers: the spreadsheet row number of each row of ``raw``.
        label: how messages name the table (``"sheet Värden"``).
        aliases: canonical column → accepted headers.
        path: the file, for messages.

    Raises:
        ConfigError: an empty table, an unknown or repeated header, or cells
            below a blank header.
    """
    cells = raw.astype(object).where(raw.notna(), "").astype(str)
    cells = cells.apply(lambda c: c.str.replace("\u00a0", " ").str.strip())
    cells.columns = range(cells.shape[1])
    filled = (cells != "").to_numpy()
    nonempty = filled.any(axis=1)
    if not nonempty.any():
        raise ConfigError(f"{label} is empty: expected a header row", path=path, key=label)
    h = int(np.argmax(nonempty))
    header_row = int(row_numbers[h])
    lookup = {norm_header(a): canon for canon, names in aliases.items() for a in names}
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    positions: dict[str, int] = {}
    for pos, text in enumerate(cells.iloc[h].tolist()):
        if not text:
            if filled[h + 1 :, pos].any():
                raise ConfigError(
                    "a column without a header; name it or delete it",
                    path=path,
                    key=f"{label}, row {header_row}, column {letter(pos)}",
                )
            continue
        canon = lookup.get(norm_header(text))
        key = f"{label}, row {header_row}, column {letter(pos)} ({text})"
        if canon is None:
            accepted = ", ".join(names[0].capitalize() for names in aliases.values())
            raise ConfigError(f"unknown column; accepted: {accepted}", path=path, key=key)
        if canon in headers:
            raise ConfigError(
                f"the same column twice (also column {letters[canon]})", path=path, key=key
            )
        headers[canon], letters[canon], positions[canon] = text, letter(pos), pos
    keep = nonempty.copy()
    keep[: h + 1] = False
    data = pd.DataFrame(
        {canon: cells[pos].to_numpy()[keep] for canon, pos in positions.items()}, dtype=object
    )
    data = data.astype(str) if len(data.columns) else pd.DataFrame(index=range(int(keep.sum())))
    return Sheet(
        label, data.reset_index(drop=True), row_numbers[keep], headers, letters, path, header_row
    )


# --- parsing cells ----------------------------------------------------------------------


def numbers(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Numbers from text cells (decimal comma, spaces, a trailing %); and the bad cells.

    A blank cell is a missing value (NaN), not a bad one.

    >>> num, bad = numbers(pd.Series(["7,5", "1 234,5", "12 %", "\u22123", "", "sju"]))
    >>> num.tolist()[:4], bool(np.isnan(num[4])), bad.tolist()
    ([7.5, 1234.5, 12.0, -3.0], True, [False, False, False, False, False, True])
    """
    t = s.astype(str).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    t = t.str.replace("\u2212", "-", regex=False).str.replace(",", ".", regex=False)
    t = t.str.replace(r"%$", "", regex=True)
    blank = (t == "").to_numpy()
    num = pd.to_numeric(t.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & ~np.isfinite(num.to_numpy(dtype="float64", na_value=np.nan))
    return num, bad


def mapped(s: pd.Series, words: Mapping[str, Any]) -> pd.Series:
    """Cells looked up in a word table after :func:`norm_word` (NaN: not a known word)."""
    return norm_word(s).map(words)


def organisation(s: pd.Series) -> pd.Series:
    """Organisation ids with the leading zeros Excel drops put back (``180`` → ``0180``).

    >>> organisation(pd.Series(["180", "0180.0", "1480", "x"])).tolist()
    ['0180', '0180', '1480', 'x']
    """
    t = s.str.replace(r"\.0$", "", regex=True)
    return t.where(~t.str.fullmatch(r"\d{1,3}"), t.str.zfill(4))


__all__ = [
    "Sheet",
    "letter",
    "mapped",
    "norm_header",
    "norm_word",
    "numbers",
    "organisation",
    "table",
]
