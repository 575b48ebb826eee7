"""Both ends of a comparison: each end's gap and evidence, and the normal variation.

:func:`compare <koladagap.engine.followup.compare>` reads, for every KPI ×
municipality, the published values at the baseline and the follow-up
(:func:`end_values`), the reference's pooled evidence and spreads at each end
(:func:`evidence_at`), the spread that persists from one end to the other
(:func:`stable_spread`) and the KPI's normal year-to-year variation
(:func:`noise_thresholds`); :mod:`.followup` then judges the change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from koladagap.engine.funnel import WINSOR
from koladagap.engine.gaps import advantaged_value
from koladagap.engine.panel import lookup, take
from koladagap.engine.rules import ELECTION_YEARS
from koladagap.engine.run import EngineRun, FloatArray, IntArray


def noise_thresholds(run: EngineRun, *, up_to: int | None = None) -> FloatArray:
    """Per row of ``run``: the KPI's normal year-to-year variation of the statistic.

    The statistic is the one ``delta`` is measured in (the excess gap; 100 · log(K/M)
    for amounts). The ``followup.noise_quantile`` quantile of |y(t) − y(t−1)| over all
    municipalities of the same type (kommuner, regioner), consecutive years
    (consecutive election years for event KPIs), up to year ``up_to``.
    """
    r, at = run.rows, run.kpis
    kc = r["kc"].astype(np.int64)
    mtype = run.muni_types[r["mc"]].astype(np.int64)
    ok = r["ok"]
    idx = np.flatnonzero(ok)
    noise = np.full(len(kc), np.nan)
    if len(idx) < 2:
        return noise
    group = r["key"][idx] // run.panel.nper
    same = group[1:] == group[:-1]
    step = r["period"][idx][1:] - r["period"][idx][:-1]
    event = at.num["event"][kc[idx]][1:].astype(bool)
    consecutive = same & ((step == 1) | (event & (step <= 4)))
    if up_to is not None:
        consecutive &= r["period"][idx][1:] <= up_to
    yy = run.stat.get("y", idx)  # the statistic delta is measured in
    d = np.abs(yy[1:] - yy[:-1])
    cur = idx[1:][consecutive]
    q = run.thresholds.followup.noise_quantile
    df = pd.DataFrame({"g": kc[cur] * 4 + mtype[cur], "d": d[consecutive]})
    per = df.groupby("g")["d"].quantile(q)
    gk = kc * 4 + mtype
    noise = pd.Series(gk).map(per).to_numpy(dtype="float64", na_value=np.nan)
    return noise


def end_values(
    run: EngineRun, kc: IntArray, mc: IntArray, year: IntArray, span: IntArray
) -> dict[str, FloatArray]:
    """Means over ``year − span + 1 .. year`` (published years only) per comparison row."""
    r = run.rows
    n = len(kc)
    event = run.kpis.num["event"][np.maximum(kc, 0)].astype(bool)
    ey = _election_year_at_or_before(year)
    year_eff = np.where(event, ey, year)
    span = np.where(event, 1, span)
    width = int(span.max()) if n else 1
    rows = np.repeat(np.arange(n), width)
    off = np.tile(np.arange(width), n)
    use = off < span[rows]
    rows, off = rows[use], off[use]
    q = run.panel.make_key(kc[rows], mc[rows], year_eff[rows] - off)
    pos = lookup(r["key"], q)
    ok = np.where(pos >= 0, r["ok"][np.maximum(pos, 0)], False)
    pos = np.where(ok, pos, -1)
    df = pd.DataFrame(
        {
            "row": rows,
            "gap": take(r["gap"], pos),
            "ex": take(r["excess_gap"], pos),
            "women": take(r["women"], pos),
            "men": take(r["men"], pos),
            "total": take(r["total"], pos),
            "adv": _adv_at(run, pos),
            "se2": np.where(pos >= 0, run.tests.get("se", np.maximum(pos, 0)), np.nan) ** 2,
            "n": ok.astype("int64"),
        }
    )
    g = df.groupby("row")
    mean = g[["gap", "ex", "women", "men", "total", "adv"]].mean()
    nyears = g["n"].sum()
    se2_sum = g["se2"].sum().reindex(range(n)).to_numpy()
    se2_cnt = g["se2"].count().reindex(range(n)).fillna(0).to_numpy()
    out = {c: mean[c].reindex(range(n)).to_numpy() for c in mean.columns}
    k = nyears.reindex(range(n)).fillna(0).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        # the standard error of a mean of k years: only when every year has one
        out["se"] = np.where((k > 0) & (se2_cnt == k), np.sqrt(se2_sum) / k, np.nan)
    out["n"] = k
    out["year_eff"] = year_eff.astype("float64")
    return out


def _election_year_at_or_before(year: IntArray) -> IntArray:
    """The latest election year at or before each ``year`` (the year itself before 1970)."""
    ey = np.array(sorted(ELECTION_YEARS), dtype="int64")
    pos = np.searchsorted(ey, year, side="right") - 1
    out: IntArray = np.where(pos >= 0, ey[np.maximum(pos, 0)], year)
    return out


def noise_for(run: EngineRun, kc: IntArray, mc: IntArray, up_to: int | None) -> FloatArray:
    """:func:`noise_thresholds` of each comparison row's KPI and municipality type."""
    noise = noise_thresholds(run, up_to=up_to)
    r = run.rows
    gk_rows = r["kc"].astype(np.int64) * 4 + run.muni_types[r["mc"]]
    per = pd.Series(noise).groupby(gk_rows).first()
    types = np.where(mc >= 0, run.muni_types[np.maximum(mc, 0)], 3).astype(np.int64)
    mapped = pd.Series(kc * 4 + types).map(per)
    out: FloatArray = np.asarray(mapped.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    return out


def evidence_at(
    run: EngineRun, kc: IntArray, mc: IntArray, year: FloatArray
) -> dict[str, FloatArray]:
    """The reference's pooled evidence, centre and spreads for (KPI, municipality, year)."""
    ok_year = np.isfinite(year)
    y = np.where(ok_year, year, run.panel.pmin).astype("int64")
    pos = lookup(run.rows["key"], run.panel.make_key(kc, mc, y))
    pos = np.where(ok_year, pos, -1)
    p0 = np.maximum(pos, 0)
    out: dict[str, FloatArray] = {}
    for name in ("evidence", "median", "tau", "chance", "scale", "years", "orientation"):
        got = run.ref.get(name, p0).astype("float64")
        out[name] = np.where(pos >= 0, got, np.nan)
    return out


def stable_spread(
    run: EngineRun, kc: IntArray, mc: IntArray, year_b: FloatArray, year_f: FloatArray
) -> FloatArray:
    """τ² that persists: the covariance of the deviations at both ends, per comparison row.

    Chance does not repeat from one window to the next; real differences do. So
    the covariance, across all municipalities of the type, of each one's
    deviation from the centre at the baseline and at the follow-up estimates the
    stable spread without any assumption about how chance depends on size
    (deviations winsorised as in the reference; kept within 0 and the smaller
    total variance of the ends).
    """
    r, ref = run.rows, run.ref
    n = len(kc)
    out = np.full(n, np.nan)
    if len(ref.idx) == 0 or n == 0:
        return out
    pos = ref.idx
    dev = ref.cols["evidence"] - ref.cols["median"]
    scale = ref.cols["scale"]
    w = np.clip(dev, -WINSOR * scale, WINSOR * scale)
    allrows = pd.DataFrame(
        {
            "kc": r["kc"][pos].astype(np.int64),
            "mc": r["mc"][pos].astype(np.int64),
            "typ": run.muni_types[r["mc"][pos]].astype(np.int64),
            "period": r["period"][pos].astype(np.int64),
            "w": w,
            "s2": scale**2,
        }
    ).dropna()
    ok = np.isfinite(year_b) & np.isfinite(year_f) & (mc >= 0)
    typ = np.where(mc >= 0, run.muni_types[np.maximum(mc, 0)], -1).astype(np.int64)
    keys = pd.DataFrame(
        {
            "kc": kc[ok],
            "typ": typ[ok],
            "yb": year_b[ok].astype(np.int64),
            "yf": year_f[ok].astype(np.int64),
        }
    ).drop_duplicates()
    if keys.empty:
        return out
    b = keys.merge(allrows, left_on=["kc", "typ", "yb"], right_on=["kc", "typ", "period"])
    f = keys.merge(allrows, left_on=["kc", "typ", "yf"], right_on=["kc", "typ", "period"])
    both = b.merge(f, on=["kc", "typ", "yb", "yf", "mc"], suffixes=("_b", "_f"))
    both["prod"] = both["w_b"] * both["w_f"]
    agg = both.groupby(["kc", "typ", "yb", "yf"]).agg(
        cov=("prod", "mean"), s2b=("s2_b", "median"), s2f=("s2_f", "median"), n=("prod", "size")
    )
    agg["tau2"] = np.clip(agg["cov"], 0.0, np.minimum(agg["s2b"], agg["s2f"]))
    agg.loc[agg["n"] < 10, "tau2"] = np.nan
    q = pd.DataFrame(
        {
            "kc": kc,
            "typ": typ,
            "yb": np.nan_to_num(year_b).astype(np.int64),
            "yf": np.nan_to_num(year_f).astype(np.int64),
        }
    )
    got = q.merge(agg["tau2"].reset_index(), on=["kc", "typ", "yb", "yf"], how="left")["tau2"]
    out = np.where(ok, got.to_numpy(dtype="float64", na_value=np.nan), np.nan)
    return out


def _adv_at(run: EngineRun, pos: IntArray) -> FloatArray:
    """The advantaged value at row positions (NaN where ``pos`` is −1)."""
    if len(run.rows["ok"]) == 0:
        return np.full(len(pos), np.nan)
    out: FloatArray = np.where(pos >= 0, advantaged_value(run, np.maximum(pos, 0)), np.nan)
    return out


__all__ = ["end_values", "evidence_at", "noise_for", "noise_thresholds", "stable_spread"]
