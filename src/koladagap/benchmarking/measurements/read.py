"""Reading measurements files (xlsx or csv) and in-memory frames into :class:`Measurements`."""

from __future__ import annotations

import importlib.util
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koladagap.benchmarking.measurements.definitions import catalogue, definitions, rules
from koladagap.benchmarking.measurements.model import COUNT_SUFFIX, Measurements, combine
from koladagap.benchmarking.measurements.sheet import Sheet, letter, table
from koladagap.benchmarking.measurements.values import check_t_kinds, values
from koladagap.benchmarking.measurements.vocabulary import PARTS, SHEETS, part_of
from koladagap.columns import (
    COUNT,
    GENDER,
    ISDELETED,
    KPI,
    MUNICIPALITY_ID,
    PERIOD,
    STATUS,
    VALUE,
)
from koladagap.errors import ConfigError, InputError
from koladagap.kolada.schema import normalise_data_frame


def read_measurements(path: str | os.PathLike[str]) -> Measurements:
    """Read and validate own measurements from an xlsx workbook or a CSV file.

    See :mod:`koladagap.benchmarking.measurements` for the layout.

    Raises:
        ConfigError: the file is missing or unreadable, or a cell is wrong (the
            message names the file, sheet, row and column).
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            "file not found; create a template with: koladagap measurements template --out "
            "egna_matningar.xlsx",
            path=str(p),
        )
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        defs, vals = _read_xlsx(p)
    elif suffix in (".csv", ".txt"):
        defs, vals = _read_csv(p)
    else:
        raise ConfigError("unsupported file type; use .xlsx or .csv", path=str(p))
    return build(defs, vals, (str(p),))


def read_many(paths: Iterable[str | os.PathLike[str]]) -> Measurements:
    """Read several measurement files into one :class:`Measurements`.

    Raises:
        ConfigError: as :func:`read_measurements`, or an id defined in two files.
    """
    return combine([read_measurements(p) for p in paths])


def from_frames(
    definitions: pd.DataFrame, values: pd.DataFrame, *, path: str | None = None
) -> Measurements:
    """Measurements from two in-memory frames whose columns are the headers.

    Row numbers in errors count the header as row 1 and the frames' rows from 2.
    """

    def raw(df: pd.DataFrame) -> pd.DataFrame:
        head = pd.DataFrame([list(map(str, df.columns))])
        body = pd.DataFrame(df.astype(object).to_numpy())
        return pd.concat([head, body], ignore_index=True)

    defs, vals = (
        table(
            raw(df),
            np.arange(1, len(df) + 2),
            label=f"sheet {part.name}",
            aliases=part.aliases,
            path=path,
        )
        for part, df in zip(PARTS, (definitions, values), strict=True)
    )
    return build(defs, vals, (path,) if path else ())


def build(defs_sheet: Sheet, vals_sheet: Sheet, paths: tuple[str, ...]) -> Measurements:
    """Validate the two tables and make the :class:`Measurements` of them.

    Values given with a count also become values of the counts KPI ``<id>-N``.
    """
    defs = definitions(defs_sheet)
    vals = values(vals_sheet, defs)
    check_t_kinds(defs_sheet, defs, vals)
    counted = vals.loc[vals["count"].notna()]
    has_counts = set(counted["kpi"])
    aux = counted.assign(
        kpi=counted["kpi"] + COUNT_SUFFIX, value=counted["count"].astype("float64")
    )
    aux = aux.assign(count=pd.array([pd.NA] * len(aux), dtype="Int64"))
    cols = [KPI, MUNICIPALITY_ID, PERIOD, GENDER, VALUE, COUNT]
    tidy = pd.concat([vals[cols], aux[cols]], ignore_index=True)
    tidy[STATUS] = ""
    tidy[ISDELETED] = False
    tidy = normalise_data_frame(tidy.sort_values([KPI, PERIOD, GENDER], kind="stable"))
    cat = catalogue(defs, has_counts)
    titles = cat.set_index("id")["title"]
    kpi_rules = rules(defs.assign(title=defs["id"].map(titles)), has_counts)
    return Measurements(values=tidy, kpis=cat, rules=kpi_rules, paths=paths)


# --- xlsx ---------------------------------------------------------------------------------


def _read_xlsx(p: Path) -> tuple[Sheet, Sheet]:
    if importlib.util.find_spec("openpyxl") is None:  # pragma: no cover - test extras have it
        raise InputError(
            "reading .xlsx needs openpyxl: pip install openpyxl (or save the file as .csv)"
        )
    try:
        book = pd.read_excel(p, sheet_name=None, header=None, dtype=str)
    except Exception as err:  # openpyxl raises many kinds for a broken file
        raise ConfigError(f"cannot read the workbook ({err})", path=str(p)) from None
    out: list[Sheet] = []
    names: list[str] = []
    for part in PARTS:
        name = next((n for n in book if part_of(n) == part.which), None)
        if name is None:
            raise ConfigError(
                f"no sheet {part.name} ({' / '.join(SHEETS[part.which][1:3])}); the workbook has "
                f"{', '.join(book) or 'no sheets'}",
                path=str(p),
            )
        names.append(name)
    _check_formulas(p, names)
    for part, name in zip(PARTS, names, strict=True):
        raw = book[name]
        out.append(
            table(
                raw,
                np.arange(1, len(raw) + 1),
                label=f"sheet {name}",
                aliases=part.aliases,
                path=str(p),
            )
        )
    return out[0], out[1]


def _check_formulas(p: Path, sheets: list[str]) -> None:
    """Refuse a formula cell whose result the workbook does not hold.

    A workbook keeps the last computed result of each formula beside it; one written
    by a program (not saved by Excel) may hold none, and would read as a blank, i.e. a
    missing value. The error names the file, sheet, row and column, and what to do.
    """
    formulas = _cells(p, sheets, data_only=False, formulas_only=True)
    if not formulas:
        return
    results = _cells(p, sheets, data_only=True, formulas_only=False, only=set(formulas))
    for (name, row, col), formula in formulas.items():
        if results.get((name, row, col)) is None:
            raise ConfigError(
                f"a formula without a saved result ({str(formula)[:40]}): open the file in "
                "Excel and save it (Excel stores each formula's result), or type the value",
                path=str(p),
                key=f"sheet {name}, row {row}, column {letter(col - 1)}",
            )


def _cells(
    p: Path,
    sheets: list[str],
    *,
    data_only: bool,
    formulas_only: bool,
    only: set[tuple[str, int, int]] | None = None,
) -> dict[tuple[str, int, int], Any]:
    """Cells of ``sheets`` by ``(sheet, row, column)``: the formula cells, or those in ``only``.

    ``data_only``: the results a workbook holds for its formulas, not the formulas.
    """
    import openpyxl  # type: ignore[import-untyped]

    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=data_only, keep_links=False)
    except Exception as err:  # openpyxl raises many kinds for a broken file
        raise ConfigError(f"cannot read the workbook ({err})", path=str(p)) from None
    out: dict[tuple[str, int, int], Any] = {}
    try:
        for name in sheets:
            for row in book[name].iter_rows():
                for c in row:
                    key = (name, getattr(c, "row", 0), getattr(c, "column", 0))
                    formula = formulas_only and getattr(c, "data_type", None) == "f"
                    if formula or (only is not None and key in only):
                        out[key] = c.value
    finally:
        book.close()
    return out


# --- csv ------------------------------------------------------------------------------------

_MARKER = re.compile(r"^[ \t\"']*\[([^\]\n]+)\][ \t\"';,]*$", re.MULTILINE)
_COMMENT = re.compile(r"^[ \t\"]*#[^\n]*$", re.MULTILINE)


def _read_text(p: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), else
    Windows-1252 (what Excel writes as "CSV").

    Raises:
        ConfigError: the file cannot be read, or is no text (a workbook or other binary
            file named .csv), naming the file and what is accepted.
    """
    try:
        data = p.read_bytes()
    except OSError as err:
        raise ConfigError(f"cannot read the file ({err.strerror})", path=str(p)) from None
    encoding = _utf16(data)
    if encoding is not None:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            raise ConfigError(
                "looks like UTF-16 text but is not readable as such; save it as "
                '"CSV UTF-8" (or CSV) from Excel',
                path=str(p),
            ) from None
    if data[:4] == b"PK\x03\x04":
        raise ConfigError(
            "an Excel workbook (or another zip file), not CSV text: name it .xlsx, "
            'or save it from Excel as "CSV UTF-8"',
            path=str(p),
        )
    if b"\x00" in data:
        raise ConfigError(
            "not text (it holds NUL bytes): expected CSV text in UTF-8, UTF-16 or "
            "Windows-1252, or an .xlsx workbook",
            path=str(p),
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _utf16(data: bytes) -> str | None:
    """``"utf-16"`` for text with a UTF-16 byte order mark, ``"utf-16-le"``/``"-be"`` without
    one when nearly every other byte of its start is NUL (Latin text in UTF-16); else ``None``.

    >>> _utf16("Id;År".encode("utf-16")), _utf16("Id".encode("utf-16-le")), _utf16(b"Id;")
    ('utf-16', 'utf-16-le', None)
    """
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[: min(len(data), 400) // 2 * 2]
    half = len(head) // 2
    if half < 2:
        return None
    even, odd = head[0::2].count(0) / half, head[1::2].count(0) / half
    if odd > 0.9 and even < 0.1:
        return "utf-16-le"
    if even > 0.9 and odd < 0.1:
        return "utf-16-be"
    return None


def _csv_parts(text: str, p: Path) -> dict[str, tuple[str, int, str]]:
    """The ``[Nyckeltal]`` and ``[Värden]`` parts: which → (body, first line number, name)."""
    markers = list(_MARKER.finditer(text))
    parts: dict[str, tuple[str, int, str]] = {}
    for j, mk in enumerate(markers):
        name = mk.group(1).strip()
        which = part_of(name)
        line = text.count("\n", 0, mk.start()) + 1
        if which is None:
            raise ConfigError(
                f"unknown part [{name}]; accepted: [Nyckeltal] and [Värden]",
                path=str(p),
                key=f"row {line}",
            )
        if which in parts:
            raise ConfigError(f"the part [{name}] twice", path=str(p), key=f"row {line}")
        end = markers[j + 1].start() if j + 1 < len(markers) else len(text)
        parts[which] = (text[mk.end() + 1 : end], line + 1, name)
    return parts


def _read_csv(p: Path) -> tuple[Sheet, Sheet]:
    text = _read_text(p).replace("\r\n", "\n").replace("\r", "\n")
    parts = _csv_parts(_COMMENT.sub("", text), p)
    out: list[Sheet] = []
    for part in PARTS:
        if part.which not in parts:
            raise ConfigError(
                f"no part [{part.name}]: the CSV needs a line [Nyckeltal] before the KPI "
                "definitions and a line [Värden] before the values",
                path=str(p),
            )
        body, first_line, name = parts[part.which]
        raw = _csv_block(body, p)
        out.append(
            table(
                raw,
                np.arange(first_line, first_line + len(raw)),
                label=f"part [{name}]",
                aliases=part.aliases,
                path=str(p),
            )
        )
    return out[0], out[1]


def _csv_block(body: str, p: Path) -> pd.DataFrame:
    """One part's cells as strings; the separator (``;``, tab or ``,``) is its header's."""
    head = next((ln for ln in body.split("\n") if ln.strip()), "")
    sep = max((";", "\t", ","), key=head.count) if head else ","
    if not head.count(sep):
        sep = ","
    if not body.strip():
        return pd.DataFrame()
    width = max(ln.count(sep) for ln in body.split("\n")) + 1
    try:
        return pd.read_csv(
            io.StringIO(body),
            sep=sep,
            header=None,
            names=list(range(width)),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="python",
        )
    except (pd.errors.ParserError, ValueError) as err:
        raise ConfigError(f"not a readable CSV part ({err})", path=str(p)) from None


__all__ = ["build", "from_frames", "read_many", "read_measurements"]
