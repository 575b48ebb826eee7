"""Reading measurements files (xlsx or csv) and in-memory frames into :class:`Measurements`."""

from __future__ import annotations

import importlib.util
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from koladagap.benchmarking.measurements.definitions import catalogue, definitions, rules
from koladagap.benchmarking.measurements.model import COUNT_SUFFIX, Measurements, combine
from koladagap.benchmarking.measurements.sheet import Sheet, table
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
    for part in PARTS:
        name = next((n for n in book if part_of(n) == part.which), None)
        if name is None:
            raise ConfigError(
                f"no sheet {part.name} ({' / '.join(SHEETS[part.which][1:3])}); the workbook has "
                f"{', '.join(book) or 'no sheets'}",
                path=str(p),
            )
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


# --- csv ------------------------------------------------------------------------------------

_MARKER = re.compile(r"^[ \t\"']*\[([^\]\n]+)\][ \t\"';,]*$", re.MULTILINE)
_COMMENT = re.compile(r"^[ \t\"]*#[^\n]*$", re.MULTILINE)


def _read_text(p: Path) -> str:
    """The file's text: UTF-8 (with or without BOM), else Windows-1252 (what Excel writes)."""
    data = p.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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
