"""Baseline and follow-up: has a gap changed, and how did the flags move? (method section 5)

:func:`compare` takes two results of :func:`~koladagap.engine.levels.evaluate`
(a baseline session and a follow-up session) and the values, and gives one
row per KPI × municipality:

- the gaps at both ends (single years, as the charts show them; event KPIs use
  the latest election year at or before each end) and the pooled evidence the
  reference judges (distinct observations of ``reference.pool_years`` years;
  pp for shares, 100 · log(K/M) for amounts, so nominal growth moves nothing);
- ``delta``: the change of the evidence, oriented so positive = worse for the
  sex behind at the end with the larger gap (so a gap that crosses parity and
  grows has worsened; ``crossed`` says the other sex is now behind);
- ``change``: ``worsened``/``improved`` only when ``|delta|`` reaches
  ``max(2 pp or 5 %, 1/3 of the baseline's excess)`` *and* both the follow-up
  against the baseline shrunk toward the national centre (regression to the
  mean, ``z_expected``) and the two windows' difference (``z_change``) pass
  ``followup.z``; else ``unchanged``; ``not_comparable`` when an end is missing;
  ``noise`` (the 90th percentile of yearly changes) is shown for reading;
- the follow-up level, raised from ``info`` to ``watch`` when the gap, material
  now, worsened as clearly as a flag (both z at ``reference.watch_z``), and the flag
  movement: ``new`` (and worsened), ``flagged_unchanged``, ``persisting``,
  ``resolved`` (and improved), ``below_threshold`` (under the line without a
  real improvement), ``escalated``, ``de-escalated``, ``not_assessable`` or ``none``;
- progress towards a rule's ``target_gap`` / ``target_value`` by ``target_year``
  on the linear trend of the years from baseline to follow-up.

Examples:
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> v, mm = sample_values(), sample_municipalities()
    >>> b = evaluate(v, year=2018, municipalities=["0180"], municipality_meta=mm)
    >>> f = evaluate(v, year=2022, municipalities=["0180"], municipality_meta=mm)
    >>> c = compare(b, f, v, municipality_meta=mm)
    >>> c.set_index("kpi").loc["N00906", ["compared", "change", "flag_movement"]].tolist()
    ['pooled evidence of 3 years', 'unchanged', 'none']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from koladagap.engine.funnel import WINSOR
from koladagap.engine.levels import (
    EPS,
    FLAG_LEVELS,
    EngineRun,
    advantaged_value,
    evaluate,
    run_engine,
)
from koladagap.engine.panel import lookup, take
from koladagap.engine.result import join_present, shape
from koladagap.engine.rules import AMOUNT, ELECTION_YEARS, GAP_VALUE, LOWER, ONE_SEX, SHARE
from koladagap.engine.thresholds import KpiRule, Thresholds

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

CHANGES: tuple[str, ...] = ("improved", "worsened", "unchanged", "not_comparable")
CHANGE_LABELS_SV: dict[str, str] = {
    "improved": "förbättrad",
    "worsened": "försämrad",
    "unchanged": "oförändrad (inom normal variation)",
    "not_comparable": "ej jämförbar",
}
CHANGE_LABELS_EN: dict[str, str] = {
    "improved": "improved",
    "worsened": "worsened",
    "unchanged": "unchanged (within normal variation)",
    "not_comparable": "not comparable",
}
MOVEMENTS: tuple[str, ...] = (
    "new",
    "flagged_unchanged",
    "persisting",
    "resolved",
    "below_threshold",
    "escalated",
    "de-escalated",
    "not_assessable",
    "none",
)

COMPARE_COLUMNS: list[str] = [
    "kpi",
    "municipality_id",
    "baseline_year",
    "followup_year",
    "compared",
    "baseline_years_used",
    "followup_years_used",
    "gap_baseline",
    "gap_followup",
    "excess_gap_baseline",
    "excess_gap_followup",
    "evidence_baseline",
    "evidence_followup",
    "crossed",
    "delta",
    "delta_threshold",
    "noise",
    "z_change",
    "z_expected",
    "significant",
    "beyond_noise",
    "change",
    "change_label_sv",
    "change_label_en",
    "level_baseline",
    "level_followup_raw",
    "level_followup",
    "flag_movement",
    "reasons",
    "target_year",
    "target_gap",
    "gap_to_target",
    "gap_trend_at_target",
    "gap_on_track",
    "target_value",
    "value_to_target",
    "value_trend_at_target",
    "value_on_track",
]
"""The columns of :func:`compare`'s result, in order."""

__all__ = [
    "CHANGES",
    "CHANGE_LABELS_EN",
    "CHANGE_LABELS_SV",
    "COMPARE_COLUMNS",
    "MOVEMENTS",
    "compare",
    "evaluate",
    "flag_movement",
    "noise_thresholds",
]


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI × municipality: the latest period."""
    cols = ["kpi", "municipality_id", "period", "level", "disadvantaged"]
    f = frame[[c for c in cols if c in frame.columns]].copy()
    f["kpi"] = f["kpi"].astype(str)
    f["municipality_id"] = f["municipality_id"].astype(str)
    f = f.sort_values("period").drop_duplicates(["kpi", "municipality_id"], keep="last")
    return f


def flag_movement(
    level_baseline: pd.Series, level_followup: pd.Series, change: pd.Series | None = None
) -> pd.Series:
    """How a flag moved between two levels (vectorised, missing levels allowed).

    With ``change`` (from :func:`compare`) a flag is ``resolved`` only when the gap
    really ``improved``, and ``new`` only when it really ``worsened``; a flag that
    dropped below the thresholds without a real improvement is ``below_threshold``
    (the gap is about where it was: chance took it under the line), and one that
    appeared without a real worsening is ``flagged_unchanged``.

    >>> flag_movement(pd.Series(["none", "watch", "act", "watch", "act"]),
    ...               pd.Series(["watch", "watch", "watch", "act", "info"])).tolist()
    ['new', 'persisting', 'de-escalated', 'escalated', 'resolved']
    >>> flag_movement(pd.Series(["act", "none"]), pd.Series(["info", "watch"]),
    ...               pd.Series(["unchanged", "unchanged"])).tolist()
    ['below_threshold', 'flagged_unchanged']
    """
    b = level_baseline.astype("string").fillna("").to_numpy(dtype=object)
    f = level_followup.astype("string").fillna("").to_numpy(dtype=object)
    n = len(b)
    if change is None:
        improved = worsened = np.ones(n, dtype=bool)
    else:
        c = change.astype("string").fillna("").to_numpy(dtype=object)
        improved, worsened = c == "improved", c == "worsened"
    bflag = np.isin(b, FLAG_LEVELS)
    fflag = np.isin(f, FLAG_LEVELS)
    judged = np.isin(f, ["none", "info"])
    out = np.select(
        [
            ~bflag & fflag & worsened,
            ~bflag & fflag,
            bflag & fflag & (b == f),
            (b == "watch") & (f == "act"),
            (b == "act") & (f == "watch"),
            bflag & judged & improved,
            bflag & judged,
            bflag & ~fflag & ~judged,
        ],
        [
            "new",
            "flagged_unchanged",
            "persisting",
            "escalated",
            "de-escalated",
            "resolved",
            "below_threshold",
            "not_assessable",
        ],
        "none",
    )
    return pd.Series(out, index=level_baseline.index, dtype="string")


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


def _end_values(
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
    ey = np.array(sorted(ELECTION_YEARS), dtype="int64")
    pos = np.searchsorted(ey, year, side="right") - 1
    out: IntArray = np.where(pos >= 0, ey[np.maximum(pos, 0)], year)
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


def compare(
    baseline: pd.DataFrame,
    follow: pd.DataFrame,
    values: pd.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None = None,
    municipality_meta: pd.DataFrame | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Compare a follow-up result with a baseline result, per KPI × municipality.

    Args:
        baseline: an :func:`evaluate` result (the latest period per KPI ×
            municipality is used).
        follow: a later :func:`evaluate` result.
        values: the tidy values for all municipalities and years (for the
            3-year means, the normal variation and the trends).
        thresholds: ``None`` for the defaults (use the plan's).
        rules: the same rules as the evaluations (``None``: the KPI table);
            their ``target_*`` fields give the goals.
        municipality_meta: municipality types, as for :func:`evaluate`.
        peers: as for :func:`evaluate` (needed when ``expected = "peers"``).

    Returns:
        A frame with :data:`COMPARE_COLUMNS`.
    """
    th = thresholds or Thresholds()
    b = _latest(baseline)
    f = _latest(follow)
    pairs = b.merge(f, on=["kpi", "municipality_id"], how="outer", suffixes=("_b", "_f"))
    pairs = pairs.sort_values(["kpi", "municipality_id"], ignore_index=True)
    munis = sorted(set(pairs["municipality_id"]))
    run = run_engine(
        values, rules, th, municipalities=munis, municipality_meta=municipality_meta, peers=peers
    )
    kc = run.panel.kpi_codes(pairs["kpi"])
    mc = run.panel.muni_codes(pairs["municipality_id"])
    yb = pairs["period_b"].to_numpy(dtype="float64", na_value=np.nan)
    yf = pairs["period_f"].to_numpy(dtype="float64", na_value=np.nan)
    both = np.isfinite(yb) & np.isfinite(yf) & (kc >= 0) & (mc >= 0)
    yb_i = np.where(np.isfinite(yb), yb, 0).astype("int64")
    yf_i = np.where(np.isfinite(yf), yf, 0).astype("int64")
    span = np.ones(len(kc), dtype="int64")
    end_b = _end_values(run, kc, mc, yb_i, span)
    end_f = _end_values(run, kc, mc, yf_i, span)
    ev_b = _evidence_at(run, kc, mc, end_b["year_eff"])
    ev_f = _evidence_at(run, kc, mc, end_f["year_eff"])
    ev_b["stable"] = _stable_spread(run, kc, mc, end_b["year_eff"], end_f["year_eff"])
    out = _change(run, pairs, kc, end_b, end_f, ev_b, ev_f, both, th)
    event = run.kpis.num["event"][np.maximum(kc, 0)].astype(bool)
    pool = th.reference.pool_years
    compared = np.where(event, "election years", f"pooled evidence of {pool} years")
    out["compared"] = pd.Series(compared, dtype="string").where(both)
    out["baseline_years_used"] = np.nan_to_num(ev_b["years"]).astype("int64")
    out["followup_years_used"] = np.nan_to_num(ev_f["years"]).astype("int64")
    _targets(run, out, kc, mc, yb_i, yf_i, end_f, both)
    return out[COMPARE_COLUMNS]


def _noise_for(run: EngineRun, kc: IntArray, mc: IntArray, up_to: int | None) -> FloatArray:
    noise = noise_thresholds(run, up_to=up_to)
    r = run.rows
    gk_rows = r["kc"].astype(np.int64) * 4 + run.muni_types[r["mc"]]
    per = pd.Series(noise).groupby(gk_rows).first()
    types = np.where(mc >= 0, run.muni_types[np.maximum(mc, 0)], 3).astype(np.int64)
    mapped = pd.Series(kc * 4 + types).map(per)
    out: FloatArray = np.asarray(mapped.to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    return out


def _followup_arrays(run: EngineRun, th: Thresholds, kpis: pd.Series) -> dict[str, FloatArray]:
    """Per comparison row: the follow-up thresholds of its KPI (plan's, or the KPI's overrides)."""
    names = ("min_change_pp", "min_change_relative", "baseline_fraction", "z")
    per: dict[str, dict[str, float]] = {n: {} for n in (*names, "tol", "share_pp")}
    for kpi, rule in run.rules.items():
        t = rule.overrides or th
        for n in names:
            per[n][kpi] = getattr(t.followup, n)
        per["tol"][kpi] = t.materiality.gap_value_tolerance
        per["share_pp"][kpi] = t.materiality.share_pp
    defaults = {n: float(getattr(th.followup, n)) for n in names}
    defaults["tol"] = th.materiality.gap_value_tolerance
    defaults["share_pp"] = th.materiality.share_pp
    return {n: np.asarray(kpis.map(per[n]).fillna(defaults[n]), dtype=np.float64) for n in per}


def _evidence_at(
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


def _stable_spread(
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


def _change(
    run: EngineRun,
    pairs: pd.DataFrame,
    kc: IntArray,
    end_b: dict[str, FloatArray],
    end_f: dict[str, FloatArray],
    ev_b: dict[str, FloatArray],
    ev_f: dict[str, FloatArray],
    both: BoolArray,
    th: Thresholds,
) -> pd.DataFrame:
    """Has the gap really moved? Both ends' pooled evidence, with regression to the mean.

    The change is measured on the statistic the reference judges (pp for shares;
    100 · log(K/M), i.e. about %, for amounts, so that wage growth alone moves
    nothing) and oriented so that positive = worse for the sex behind at the end
    with the larger gap. It counts as ``worsened``/``improved`` only when

    1. it is large enough: at least ``min_change_pp`` (shares) or
       ``min_change_relative`` (amounts) and ``baseline_fraction`` of the
       baseline's excess;
    2. the follow-up differs from what the baseline predicts at ``followup.z``:
       the prediction is the baseline shrunk toward the national centre by
       τ² / (τ² + chance²) (empirical Bayes), because an extreme baseline is
       partly chance and drifts back by itself; τ², the spread that persists,
       is the covariance of all municipalities' deviations at the two ends, and
       chance is the rest of each end's variance (never less than the
       reference model's chance part);
    3. and the two windows' difference is beyond ``followup.z`` times its
       standard error, √(chance_b² + chance_f²) (the stable part cancels).
    """
    at = run.kpis
    k = np.maximum(kc, 0)
    kind = at.num["kind"][k]
    t = _followup_arrays(run, th, pairs["kpi"].astype(str))
    yb, yf = ev_b["evidence"], ev_f["evidence"]
    comparable = both & np.isfinite(yb) & np.isfinite(yf)
    # judged from the side of the larger disadvantage: a gap that crosses parity
    # and grows (women 3 behind → men 9 behind) has worsened
    ob, of_ = ev_b["orientation"], ev_f["orientation"]
    with np.errstate(invalid="ignore"):
        later = (np.abs(yf) > np.abs(yb)) & np.isfinite(of_) & (of_ != 0)
    o = np.where(later, of_, np.where(np.isfinite(ob) & (ob != 0), ob, of_))
    o = np.where(np.isfinite(o) & (o != 0), o, 1.0)
    delta = o * (yf - yb)
    gb, gf = end_b["ex"], end_f["ex"]
    crossed = comparable & (np.sign(gf) * np.sign(gb) < 0)
    floor = np.select(
        [(kind == SHARE) | (kind == ONE_SEX), kind == AMOUNT, kind == GAP_VALUE],
        [
            t["min_change_pp"],
            100.0 * t["min_change_relative"],
            t["tol"] * t["min_change_pp"] / t["share_pp"],
        ],
        np.nan,
    )
    threshold = np.fmax(floor, t["baseline_fraction"] * np.abs(yb))
    # each end's total variance comes from the reference; the part that persists
    # (τ²) from the covariance of the two ends (the model's τ² when too few);
    # chance is the rest, and never less than the model's own chance part
    sb2, sf2 = ev_b["scale"] ** 2, ev_f["scale"] ** 2
    tau2 = np.where(np.isfinite(ev_b["stable"]), ev_b["stable"], np.nan_to_num(ev_b["tau"]) ** 2)
    # (at least a twentieth of each end's variance is taken as chance, so that a
    # group whose spread looks wholly stable never gives an infinite z)
    cb2 = np.fmax(np.fmax(sb2 - tau2, np.nan_to_num(ev_b["chance"]) ** 2), 0.05 * sb2)
    cf2 = np.fmax(np.fmax(sf2 - tau2, np.nan_to_num(ev_f["chance"]) ** 2), 0.05 * sf2)
    with np.errstate(divide="ignore", invalid="ignore"):
        shrink = np.where(tau2 + cb2 > 0, tau2 / (tau2 + cb2), 0.0)
        predicted = ev_b["median"] + shrink * (yb - ev_b["median"])
        z_pred = o * (yf - predicted) / np.sqrt(cf2 + tau2 * (1.0 - shrink))
        # the stable part cancels in the difference of the two windows
        z = delta / np.sqrt(cb2 + cf2)
    up_to = int(np.nanmax(end_f["year_eff"])) if np.isfinite(end_f["year_eff"]).any() else None
    mc = run.panel.muni_codes(pairs["municipality_id"])
    noise = _noise_for(run, k, mc, up_to)
    with np.errstate(invalid="ignore"):
        big = np.abs(delta) >= threshold - EPS
        significant = (np.abs(z) >= t["z"] - EPS) & (np.abs(z_pred) >= t["z"] - EPS)
        significant &= np.sign(z) == np.sign(z_pred)
        beyond = np.abs(yf - yb) > noise + EPS  # both in the statistic's units
    changed = comparable & big & significant
    change = np.where(
        ~comparable,
        "not_comparable",
        np.where(changed & (delta > 0), "worsened", np.where(changed, "improved", "unchanged")),
    )
    lb = pairs["level_b"].astype("string")
    lf_raw = pairs["level_f"].astype("string")
    # a worsening lifts the level to watch only when it is as clear as a flag itself:
    # both change statistics at the reference's watch z
    with np.errstate(invalid="ignore"):
        clear = (z >= th.reference.watch_z - EPS) & (z_pred >= th.reference.watch_z - EPS)
    raise_ = (
        (change == "worsened")
        & clear
        & lf_raw.eq("info").fillna(False).to_numpy(bool)  # material now, not merely wider
    )
    lf = lf_raw.where(~raise_, "watch")
    out = pd.DataFrame(
        {
            "kpi": pairs["kpi"].astype("string"),
            "municipality_id": pairs["municipality_id"].astype("string"),
            "baseline_year": pairs["period_b"].astype("Int64"),
            "followup_year": pairs["period_f"].astype("Int64"),
            "gap_baseline": end_b["gap"],
            "gap_followup": end_f["gap"],
            "excess_gap_baseline": gb,
            "excess_gap_followup": gf,
            "evidence_baseline": yb,
            "evidence_followup": yf,
            "crossed": crossed,
            "delta": np.where(comparable, delta, np.nan),
            "delta_threshold": threshold,
            "noise": noise,
            "z_change": np.where(comparable, z, np.nan),
            "z_expected": np.where(comparable, z_pred, np.nan),
            "significant": significant & comparable,
            "beyond_noise": beyond & comparable,
            "change": pd.array(change, dtype="string"),
            "level_baseline": lb,
            "level_followup_raw": lf_raw,
            "level_followup": lf.astype("string"),
        }
    )
    out["change_label_sv"] = out["change"].map(CHANGE_LABELS_SV).astype("string")
    out["change_label_en"] = out["change"].map(CHANGE_LABELS_EN).astype("string")
    out["flag_movement"] = flag_movement(
        out["level_baseline"], out["level_followup"], out["change"]
    )
    out["reasons"] = _change_reasons(out, raise_)
    return out


def _change_reasons(out: pd.DataFrame, raised: BoolArray) -> pd.Series:
    def arrow(s: pd.Series) -> pa.Array:
        return pa.array(s.astype("string").astype(object).where(s.notna(), None), pa.string())

    def num(col: str, digits: int) -> pd.Series:
        return (out[col].round(digits) + 0.0).astype("string")

    comparable = out["change"] != "not_comparable"
    parts = [
        arrow(
            (
                "change:"
                + out["change"]
                + " delta="
                + num("delta", 1)
                + " (min "
                + num("delta_threshold", 1)
                + ")"
            ).where(comparable, "change:not_comparable")
        ),
        arrow(("z=" + num("z_change", 2)).where(out["z_change"].notna())),
        arrow(("noise=" + num("noise", 1)).where(out["noise"].notna())),
        arrow(
            pd.Series("crossed:the other sex is now behind", index=out.index).where(
                out["crossed"].to_numpy(bool) & out["change"].isin(["improved", "worsened"])
            )
        ),
        arrow(pd.Series("widened:raised to watch", index=out.index).where(raised)),
    ]
    return pd.Series(pd.arrays.ArrowStringArray(join_present(parts)), index=out.index)


def _targets(
    run: EngineRun,
    out: pd.DataFrame,
    kc: IntArray,
    mc: IntArray,
    yb: IntArray,
    yf: IntArray,
    end_f: dict[str, FloatArray],
    both: BoolArray,
) -> None:
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
    col = np.where(dis_f == 1, "women", np.where(dis_f == 2, "men", "total"))
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
    r = run.rows
    pos = lookup(r["key"], run.panel.make_key(kc, mc, yf))
    dis = shape(run, np.maximum(pos, 0))["disadvantaged"]
    out: IntArray = np.where(pos >= 0, dis, 0).astype(np.int64)
    return out


def _adv_at(run: EngineRun, pos: IntArray) -> FloatArray:
    """The advantaged value at row positions (NaN where ``pos`` is −1)."""
    if len(run.rows["ok"]) == 0:
        return np.full(len(pos), np.nan)
    out: FloatArray = np.where(pos >= 0, advantaged_value(run, np.maximum(pos, 0)), np.nan)
    return out


def _bool_or_na(values: BoolArray, known: BoolArray) -> Any:
    arr = pd.array(np.asarray(values, dtype=bool), dtype="boolean")
    arr[~np.asarray(known, dtype=bool)] = pd.NA
    return arr
