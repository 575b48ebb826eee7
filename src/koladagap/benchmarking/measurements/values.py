"""The values sheet (``Värden``): long or wide layout, validated against the definitions."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd

from koladagap.benchmarking.measurements.sheet import Sheet, mapped, numbers
from koladagap.benchmarking.measurements.vocabulary import (
    GENDER_WORDS,
    SHARE_KINDS,
    T_KINDS,
    VAL_ALIASES,
    WIDE_COUNT,
    WIDE_VALUE,
)
from koladagap.errors import ConfigError
from koladagap.kolada.schema import MIN_YEAR

MAX_COUNT = 1_000_000_000
"""The largest count (``Antal``) accepted: far beyond any population a share is taken of."""
MAX_VALUE = 1e15
"""The largest value accepted, either sign: beyond it sums and ratios lose all precision."""


def long_cells(sheet: Sheet) -> pd.DataFrame:
    """The value cells as rows ``id, period, gender, value, count, row, vcol, ccol``.

    ``vcol`` and ``ccol`` name the canonical column each value and count came
    from, so that an error points at the cell a spreadsheet shows.
    """
    d = sheet.data
    is_long = "gender" in d or "value" in d
    wide = [c for c in (*WIDE_VALUE, *WIDE_COUNT.values()) if c in d]
    if is_long and wide:
        raise sheet.fail_header(
            "mixes the long layout (Kön, Värde) with the wide one (Kvinnor, Män, Totalt): "
            "use one of them"
        )
    if is_long:
        sheet.require(("id", "period", "gender", "value"), VAL_ALIASES)
        return pd.DataFrame(
            {
                "id": d["id"],
                "period": d["period"],
                "gender": d["gender"],
                "value": d["value"],
                "count": d.get("count", ""),
                "row": sheet.rows,
                "vcol": "value",
                "ccol": "count" if "count" in d else "value",
            }
        )
    sheet.require(("id", "period"), VAL_ALIASES)
    present = [c for c in WIDE_VALUE if c in d]
    if not present:
        raise sheet.fail_header(
            "no value columns: give Kön and Värde (long layout) or Kvinnor, Män, Totalt (wide)"
        )
    for c, n in WIDE_COUNT.items():
        if n in d and c not in d:
            raise ConfigError(
                f"a count column without its value column {VAL_ALIASES[c][0].capitalize()}",
                path=sheet.path,
                key=sheet.where(sheet.header_row, n),
            )
    parts = [
        pd.DataFrame(
            {
                "id": d["id"],
                "period": d["period"],
                "gender": WIDE_VALUE[c],
                "value": d[c],
                "count": d.get(WIDE_COUNT[c], ""),
                "row": sheet.rows,
                "vcol": c,
                "ccol": WIDE_COUNT[c] if WIDE_COUNT[c] in d else c,
                "_order": j,
            }
        )
        for j, c in enumerate(present)
    ]
    cells = pd.concat(parts, ignore_index=True)
    cells = cells.loc[(cells["value"] != "") | (cells["count"] != "")]
    cells = cells.sort_values(["row", "_order"], kind="stable").drop(columns="_order")
    return cells.reset_index(drop=True)


def values(sheet: Sheet, defs: pd.DataFrame) -> pd.DataFrame:
    """Validated value rows ``kpi, period, gender, value, count, row, vcol, kind, municipality_id``.

    Raises:
        ConfigError: the first bad cell, naming its row and column.
    """
    cells = long_cells(sheet)
    if cells.empty:
        raise ConfigError(
            "no values: add a row per value below the header", path=sheet.path, key=sheet.label
        )
    view = dataclasses.replace(sheet, rows=cells["row"].to_numpy())
    ids = cells["id"].str.upper()
    view.check(cells["id"] == "", "id", lambda _i: "missing id")
    known = set(defs["id"])
    view.check(
        ~ids.isin(known),
        "id",
        lambda i: (
            f"values for {cells['id'][i]!r}, which is not defined in the KPI sheet (Nyckeltal)"
        ),
    )
    period = _period(view, cells)
    gender = mapped(cells["gender"], GENDER_WORDS)
    view.check(
        gender.isna(),
        "gender",
        lambda i: (
            f"expected K, M or T (kvinnor, män, totalt; flickor, pojkar); "
            f"got {cells['gender'][i]!r}"
        ),
    )
    value, bad = numbers(cells["value"])
    view.check(bad, cells["vcol"], lambda i: f"not a number: {cells['value'][i]!r}")
    view.check(
        np.abs(value.to_numpy(dtype="float64", na_value=0.0)) > MAX_VALUE,
        cells["vcol"],
        lambda i: f"a value must lie between -1e15 and 1e15; got {cells['value'][i]!r}",
    )
    count = _count(view, cells)
    out = pd.DataFrame(
        {
            "kpi": ids,
            "period": period,
            "gender": gender,
            "value": value,
            "count": count,
            "row": cells["row"],
            "vcol": cells["vcol"],
        }
    )
    _check_duplicates(view, out)
    meta = defs.set_index("id")
    out["kind"] = out["kpi"].map(meta["kind"])
    out["municipality_id"] = out["kpi"].map(meta["organisation"])
    v = out["value"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        outside = out["kind"].isin(SHARE_KINDS).to_numpy() & ((v < 0) | (v > 100))
    view.check(
        outside,
        out["vcol"],
        lambda i: f"a share (%) must lie between 0 and 100; got {cells['value'][i]!r}",
    )
    return out


def _period(view: Sheet, cells: pd.DataFrame) -> pd.Series:
    this_year = dt.date.today().year
    num, bad = numbers(cells["period"])
    y = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        ok = (y == np.round(y)) & (y >= MIN_YEAR) & (y <= this_year)
    view.check(
        bad | ~ok,
        "period",
        lambda i: f"expected a year between {MIN_YEAR} and {this_year}; got {cells['period'][i]!r}",
    )
    return num.astype("int64")


def _count(view: Sheet, cells: pd.DataFrame) -> pd.Series:
    num, bad = numbers(cells["count"])
    view.check(bad, cells["ccol"], lambda i: f"count is not a number: {cells['count'][i]!r}")
    c = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        view.check(c < 0, cells["ccol"], lambda i: f"negative count: {cells['count'][i]!r}")
        view.check(
            np.isfinite(c) & (c != np.round(c)),
            cells["ccol"],
            lambda i: f"a count is a whole number of people; got {cells['count'][i]!r}",
        )
        view.check(
            c > MAX_COUNT,
            cells["ccol"],
            lambda i: f"a count is a number of people, at most 10^9; got {cells['count'][i]!r}",
        )
    return num.round().astype("Int64")


def _check_duplicates(view: Sheet, out: pd.DataFrame) -> None:
    keys = ["kpi", "period", "gender"]
    dup = out.duplicated(keys).to_numpy()
    if not dup.any():
        return
    first = out.groupby(keys, sort=False)["row"].transform("min").to_numpy()
    view.check(
        dup,
        out["vcol"],
        lambda i: (
            f"a second value for {out['kpi'][i]} {out['period'][i]} {out['gender'][i]} "
            f"(first in row {first[i]})"
        ),
    )


def check_t_kinds(defs_sheet: Sheet, defs: pd.DataFrame, vals: pd.DataFrame) -> None:
    """``share_of_one_sex`` and ``gap_value`` KPIs need their value in ``Kön = T``.

    Raises:
        ConfigError: naming the definition's row of the first KPI without one.
    """
    t_ids = set(vals.loc[(vals["gender"] == "T") & vals["value"].notna(), "kpi"])
    bad = defs["kind"].isin(T_KINDS) & ~defs["id"].isin(t_ids)
    view = dataclasses.replace(defs_sheet, rows=defs["row"].to_numpy())
    view.check(
        bad,
        "kind",
        lambda i: (
            f"a {defs['kind'].iloc[i]} KPI takes its value with Kön = T (totalt); "
            f"{defs['id'].iloc[i]} has no such value"
        ),
    )


__all__ = ["check_t_kinds", "long_cells", "values"]
