"""Progress towards a rule's targets (``target_gap``, ``target_value`` by ``target_year``).

The linear trend of the published years from the baseline's pooling window to
the follow-up, evaluated at the target year: on track when it reaches the
target (or the target is reached already). The value followed is that of the
sex behind at the follow-up (the total when neither is); a KPI that is one sex's
share (N00945) has only its total, which is the value followed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from koladagap.engine.panel import lookup, take
from koladagap.engine.result import shape
from koladagap.engine.rules import LOWER
from koladagap.engine.run import EPS, BoolArray, EngineRun, FloatArray, IntArray


def targets(
    run: EngineRun,
    out: pd.DataFrame,
    kc: IntArray,
    mc: IntArray,
    yb: IntArray,
    yf: IntArray,
    end_f: dict[str, FloatArray],
    both: BoolArray,
) -> None:
    """Add the target columns of :data:`~koladagap.engine.followup.COMPARE_COLUMNS` to ``out``."""
    rules = run.rules
    ids = out["kpi"].astype(str)
    tg = ids.map({k: r.target_gap for k, r in rules.items()}).to_numpy(
        dtype="float64", na_value=np.nan
    )
    tv = ids.map({k: r.target_value for k, r in rules.items()}).to_numpy(
        dtype="float64", na_value=np.nan
    )
    ty = ids.map({k: r.target_year for k, r in rules.items()}).to_numpy(
        dtype="float64", na_value=np.nan
    )
    first = yb - (run.thresholds.followup.mean_years - 1)
    at_year = np.where(both & (np.isfinite(tg) | np.isfinite(tv)), ty, np.nan)
    gap_now = end_f["gap"]
    gap_trend = _trend_at(run, np.maximum(kc, 0), np.maximum(mc, 0), first, yf, at_year, "gap")
    d_now = gap_now - tg
    reached = np.abs(d_now) <= EPS
    gap_on = reached | ((gap_trend - tg) * d_now <= 0)
    k = np.maximum(kc, 0)
    lower = run.kpis.num["direction"][k] == LOWER
    dis_f = _disadvantaged_at_followup(run, kc, mc, yf)
    one_sex = ids.map({k: r.kind == "share_of_one_sex" for k, r in rules.items()})
    one_sex_arr = one_sex.fillna(False).to_numpy(dtype=bool)
    col = np.where(
        one_sex_arr, "total", np.where(dis_f == 1, "women", np.where(dis_f == 2, "men", "total"))
    )
    value_now = np.where(
        col == "women", end_f["women"], np.where(col == "men", end_f["men"], end_f["total"])
    )
    trends = {
        c: _trend_at(
            run, k, np.maximum(mc, 0), first, yf, np.where(np.isfinite(tv), at_year, np.nan), c
        )
        for c in ("women", "men", "total")
    }
    value_trend = np.where(
        col == "women", trends["women"], np.where(col == "men", trends["men"], trends["total"])
    )
    sign = np.where(lower, -1.0, 1.0)
    to_go = (tv - value_now) * sign
    value_on = (to_go <= EPS) | ((value_trend - tv) * sign >= -EPS)
    with np.errstate(invalid="ignore"):
        out["target_year"] = pd.array(
            np.where(np.isfinite(ty), ty, np.nan), dtype="Float64"
        ).astype("Int64")
    out["target_gap"] = tg
    out["gap_to_target"] = d_now
    out["gap_trend_at_target"] = gap_trend
    out["gap_on_track"] = _bool_or_na(
        gap_on, np.isfinite(d_now) & (np.isfinite(gap_trend) | reached)
    )
    out["target_value"] = tv
    out["value_to_target"] = to_go
    out["value_trend_at_target"] = value_trend
    out["value_on_track"] = _bool_or_na(
        value_on, np.isfinite(to_go) & (np.isfinite(value_trend) | (to_go <= EPS))
    )


def _disadvantaged_at_followup(
    run: EngineRun, kc: IntArray, mc: IntArray, yf: IntArray
) -> IntArray:
    """The sex behind at the follow-up year: 1 women, 2 men, 0 none (or no row)."""
    r = run.rows
    pos = lookup(r["key"], run.panel.make_key(kc, mc, yf))
    dis = shape(run, np.maximum(pos, 0))["disadvantaged"]
    out: IntArray = np.where(pos >= 0, dis, 0).astype(np.int64)
    return out


def _trend_at(
    run: EngineRun,
    kc: IntArray,
    mc: IntArray,
    first: IntArray,
    last: IntArray,
    at_year: FloatArray,
    column: str,
) -> FloatArray:
    """Linear trend (least squares over published years first..last) evaluated at ``at_year``."""
    r = run.rows
    n = len(kc)
    width = int((last - first).max()) + 1 if n else 1
    rows = np.repeat(np.arange(n), width)
    yr = first[rows] + np.tile(np.arange(width), n)
    use = (yr <= last[rows]) & np.isfinite(at_year[rows])
    rows, yr = rows[use], yr[use]
    pos = lookup(r["key"], run.panel.make_key(kc[rows], mc[rows], yr))
    y = take(r[column], np.where((pos >= 0) & r["ok"][np.maximum(pos, 0)], pos, -1))
    ok = np.isfinite(y)
    df = pd.DataFrame({"row": rows[ok], "x": yr[ok].astype("float64"), "y": y[ok]})
    df["xy"] = df["x"] * df["y"]
    df["xx"] = df["x"] ** 2
    s = df.groupby("row")[["x", "y", "xy", "xx"]].sum().reindex(range(n))
    c = df.groupby("row")["x"].size().reindex(range(n)).fillna(0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        sx, sy, sxy, sxx = (s[k].to_numpy() for k in ("x", "y", "xy", "xx"))
        slope = (c * sxy - sx * sy) / (c * sxx - sx**2)
        icpt = (sy - slope * sx) / c
    out: FloatArray = np.where(c >= 3, icpt + slope * at_year, np.nan)
    return out


def _bool_or_na(values: BoolArray, known: BoolArray) -> Any:
    arr = pd.array(np.asarray(values, dtype=bool), dtype="boolean")
    arr[~np.asarray(known, dtype=bool)] = pd.NA
    return arr


__all__ = ["targets"]
