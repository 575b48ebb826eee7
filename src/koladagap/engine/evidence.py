"""Counts, chance and the pooled evidence (method section 4, *Credible*).

:func:`weigh` marks the rows with too few counts, the rows whose level is
computed, the known sampling variance of each row's statistic (counts or
margins of error), the current year's interval, and whether a value is new or a
copy of the year before. :func:`pooled_evidence` pools a row's window of
distinct observations, which the reference (:mod:`.decision`) judges.
"""

from __future__ import annotations

import numpy as np

from koladagap.engine import credibility as cred
from koladagap.engine.panel import lookup, take
from koladagap.engine.rules import AMOUNT, SHARE
from koladagap.engine.run import (
    MOE,
    NEWCOMBE,
    NO_METHOD,
    POPULATION_KPI,
    Arr,
    BoolArray,
    EngineRun,
    FloatArray,
    IntArray,
    Sparse,
)


def weigh(run: EngineRun) -> None:
    """Counts, the rows needed, variances, intervals and new-value marks of every row."""
    _counts(run)
    _needed(run)
    _variance(run)
    _tests(run)
    run.rows["first"] = _first_of_run(run)


def aux_values(run: EngineRun, positions: IntArray, which: str) -> tuple[FloatArray, FloatArray]:
    """Women/men values of the rows' ``denom`` or ``moe`` KPI (same municipality and year)."""
    r, panel = run.rows, run.panel
    codes = run.per_kpi(which, positions)
    has = codes >= 0
    q = panel.make_key(codes, r["mc"][positions], r["period"][positions])
    idx = np.where(has, lookup(panel.key, q), -1)
    return take(panel.women, idx), take(panel.men, idx)


def _counts(run: EngineRun) -> None:
    r = run.rows
    too_small = np.zeros(len(r["ok"]), dtype=bool)
    i = np.flatnonzero(r["ok"] & (run.per_kpi("denom") >= 0))
    if len(i):
        n_k, n_m = aux_values(run, i, "denom")
        known = np.isfinite(n_k) & np.isfinite(n_m)
        min_n = run.per_kpi("min_n", i)
        with np.errstate(invalid="ignore"):
            too_small[i] = known & ((n_k < min_n) | (n_m < min_n))
        run.counts = Sparse(i, {"n_women": n_k, "n_men": n_m})
    r["too_small"] = too_small
    r["eligible"] = r["focus"] & r["ok"] & ~too_small


def _needed(run: EngineRun) -> None:
    """Rows whose level is computed: the eligible rows of the result."""
    r = run.rows
    r["needed"] = r["eligible"] & r["output"]


def _variance(run: EngineRun) -> None:
    """The known sampling variance of each row's statistic (counts or margins of error).

    Shares with counts: the binomial variance of pK − pM (pp²); published 95 %
    margins of error: (moe/1.96)² per sex, on the log scale for amounts
    (log-% units). NaN where neither is known.
    """
    r = run.rows
    n = len(r["ok"])
    method = np.zeros(n, dtype=np.int8)
    has_aux = (run.kpis.num["denom"] >= 0) | (run.kpis.num["moe"] >= 0)
    i = (
        np.flatnonzero(r["ok"] & np.repeat(has_aux, r["kpi_rows"]))
        if has_aux.any()
        else (np.empty(0, dtype=np.int64))
    )
    var = np.full(len(i), np.nan)
    if len(i):
        k, m, kind = r["women"][i], r["men"][i], r["kind"][i]
        n_k, n_m = aux_values(run, i, "denom")
        moe_k, moe_m = aux_values(run, i, "moe")
        with np.errstate(invalid="ignore", divide="ignore"):
            nc = (kind == SHARE) & (n_k > 0) & (n_m > 0) & (k >= 0) & (k <= 100)
            nc &= (m >= 0) & (m <= 100)
            v_counts = (100.0 * cred.proportion_gap_se(k / 100.0, n_k, m / 100.0, n_m)) ** 2
            # amounts: on the log scale, each sex's margin relative to its value
            v_moe = np.where(
                kind == AMOUNT,
                (100.0 * cred.moe_se(moe_k / k, moe_m / m)) ** 2,
                cred.moe_se(moe_k, moe_m) ** 2,
            )
            mo = ~nc & (moe_k >= 0) & (moe_m >= 0) & np.isfinite(v_moe) & (v_moe > 0)
        var = np.where(nc, v_counts, np.where(mo, v_moe, np.nan))
        method[i] = np.where(nc, NEWCOMBE, np.where(mo, MOE, NO_METHOD))
    # kept only for the rows that have one: most KPIs have neither
    run.variance = Sparse(i.astype(np.int64), {"v": var})
    r["var_method"] = method


def _tests(run: EngineRun) -> None:
    """The current year's interval for the gap, where counts or margins of error are known."""
    r = run.rows
    cand = np.flatnonzero(r["needed"] & (r["var_method"] > 0))
    if len(cand) == 0:
        return
    k, m, gap = r["women"][cand], r["men"][cand], r["gap"][cand]
    z_c = cred.z_critical(run.per_kpi("alpha", cand).astype("float64"))
    nc = r["var_method"][cand] == NEWCOMBE
    n_k, n_m = aux_values(run, cand, "denom")
    lo, hi = np.full(len(cand), np.nan), np.full(len(cand), np.nan)
    se = np.full(len(cand), np.nan)
    a = np.flatnonzero(nc)
    if len(a):
        p1, p2 = k[a] / 100.0, m[a] / 100.0
        lo_a, hi_a = cred.newcombe_interval(p1, n_k[a], p2, n_m[a], z_c[a])
        lo[a], hi[a] = lo_a * 100.0, hi_a * 100.0
        se[a] = cred.proportion_gap_se(p1, n_k[a], p2, n_m[a]) * 100.0
    b = np.flatnonzero(~nc)
    if len(b):
        moe_k, moe_m = aux_values(run, cand[b], "moe")
        se_b = cred.moe_se(moe_k, moe_m)
        lo[b], hi[b] = gap[b] - z_c[b] * se_b, gap[b] + z_c[b] * se_b
        se[b] = se_b
    run.tests = Sparse(cand, {"ci_low": lo, "ci_high": hi, "se": se, "n_women": n_k, "n_men": n_m})


def _first_of_run(run: EngineRun) -> BoolArray:
    """Per row: its women, men and total values differ from the year before (or it has none).

    A value identical in all three to the previous year's is a copy (an
    election result repeated until the next election), not new evidence.
    """
    r, panel = run.rows, run.panel
    out: BoolArray = np.ones(len(r["key"]), dtype=bool)
    rows = np.flatnonzero(r["ref_ok"])  # only rows that can be evidence are asked about
    prev = np.where(r["period"][rows] > panel.pmin, r["key"][rows] - 1, -1)
    pos = lookup(r["key"], prev)
    same = pos >= 0
    for col in ("women", "men", "total"):
        a, b = r[col][rows], take(r[col], pos)
        same &= (a == b) | (np.isnan(a) & np.isnan(b))
    out[rows] = ~same
    return out


def population(run: EngineRun, positions: IntArray) -> FloatArray:
    """Inhabitants (Kolada's N01951, total) of each row's municipality in its year.

    The nearest earlier year stands in when the year is missing, then any year;
    NaN when the values hold no population at all.
    """
    panel, r = run.panel, run.rows
    code = panel.kpi_code(POPULATION_KPI)
    out = np.full(len(positions), np.nan)
    if code < 0 or len(positions) == 0:
        return out
    lo = np.searchsorted(panel.kc, code)
    hi = np.searchsorted(panel.kc, code, side="right")
    mc, per, tot = panel.mc[lo:hi], panel.period[lo:hi], panel.total[lo:hi]
    fine = np.isfinite(tot) & (tot > 0)
    mc, per, tot = mc[fine], per[fine], tot[fine]
    if len(tot) == 0:
        return out
    want_m = r["mc"][positions].astype(np.int64)
    want_p = r["period"][positions].astype(np.int64)
    key = mc.astype(np.int64) * 10_000 + per
    q = want_m * 10_000 + want_p
    pos = np.searchsorted(key, q, side="right") - 1
    ok = (pos >= 0) & (mc[np.maximum(pos, 0)] == want_m)
    out = np.where(ok, tot[np.maximum(pos, 0)], np.nan)
    # no earlier year: the first year of that municipality
    nxt = np.searchsorted(key, q, side="left")
    ok2 = ~ok & (nxt < len(key)) & (mc[np.minimum(nxt, len(key) - 1)] == want_m)
    out = np.where(ok2, tot[np.minimum(nxt, len(key) - 1)], out)
    result: FloatArray = out.astype("float64")
    return result


def pooled_evidence(run: EngineRun, ref_rows: IntArray) -> dict[str, Arr]:
    """Pooled evidence of each row in ``ref_rows``: the distinct observations of its window.

    The window is the row's year and the ``pool_years − 1`` years before it. The
    current value always counts; an earlier one counts when it starts a new run
    of values (a copy of its previous year adds nothing), is not part of the
    current value's run, and does not overlap the values counted (a KPI whose
    values pool ``p`` years counts every ``p``-th year).
    """
    r, panel = run.rows, run.panel
    ok = r["ref_ok"]
    first = r["first"]

    def y_at(positions: IntArray) -> FloatArray:
        out: FloatArray = run.stat.get("y", positions)
        return out

    def var_at(positions: IntArray) -> FloatArray:
        out: FloatArray = run.variance.get("v", positions)
        return out

    width = run.per_kpi("pool_years", ref_rows).astype(np.int64)
    step = np.maximum(run.per_kpi("pooled", ref_rows).astype(np.int64), 1)
    y0 = y_at(ref_rows)
    total = np.where(np.isfinite(y0), y0, 0.0)
    v0 = var_at(ref_rows)
    vsum = np.where(np.isfinite(v0), v0, 0.0)
    vknown = np.isfinite(v0)
    k = np.isfinite(y0).astype(np.int64)
    open_run = ~first[ref_rows]
    kc, mc, per = r["kc"][ref_rows], r["mc"][ref_rows], r["period"][ref_rows]
    max_w = int(width.max()) if len(width) else 1
    for lag in range(1, max_w):
        pos = lookup(r["key"], panel.make_key(kc, mc, per - lag))
        exists = pos >= 0
        p0 = np.maximum(pos, 0)
        in_current = open_run & exists
        yp = y_at(p0)
        count = (
            exists
            & ~in_current
            & first[p0]
            & ok[p0]
            & np.isfinite(yp)
            & (lag < width)
            & (lag % step == 0)
        )
        total += np.where(count, yp, 0.0)
        vp = var_at(p0)
        vsum += np.where(count & np.isfinite(vp), vp, 0.0)
        vknown &= ~count | np.isfinite(vp)
        k += count
        open_run = in_current & ~first[p0]
    with np.errstate(invalid="ignore", divide="ignore"):
        ybar = np.where(k > 0, total / k, np.nan)
        vbar = np.where(vknown & (k > 0), vsum / k.astype("float64") ** 2, np.nan)
        x = 1.0 / (population(run, ref_rows) * k)
    return {"y": ybar, "v": vbar, "x": np.where(np.isfinite(x), x, np.nan), "k": k}


__all__ = ["aux_values", "pooled_evidence", "population", "weigh"]
