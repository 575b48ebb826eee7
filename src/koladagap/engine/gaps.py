"""The first steps of a run: which rows, their gap, the expected gap and materiality.

:func:`select_rows` picks the rows a run computes (the KPIs evaluated, the
pooling window of ``year``, the municipalities asked for); :func:`measure` then
fills, for every row, the gap (K − M; for shares of one sex the value − 50; for
gap values the value), the excess gap over the expected gap (a number, Riket's
gap or the peers' median), the statistic the reference compares (the excess gap;
100 · log(K/M) for amounts) and whether the gap is material (method section 4).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from koladagap.engine.panel import lookup, take
from koladagap.engine.rules import (
    AMOUNT,
    ELECTION_YEARS,
    EXP_NUMBER,
    EXP_PEERS,
    EXP_RIKET,
    GAP_VALUE,
    LOWER,
    NEED,
    ONE_SEX,
    SHARE,
)
from koladagap.engine.run import (
    EPS,
    RIKET_ID,
    BoolArray,
    EngineRun,
    FloatArray,
    IntArray,
    Sparse,
)
from koladagap.errors import InvalidYearsError, UnknownIdError

_ELECTION_ARRAY = np.array(sorted(ELECTION_YEARS), dtype=np.int32)


def measure(run: EngineRun) -> None:
    """Gap, expected and excess gap, the reference's statistic and materiality of every row."""
    _gaps(run)
    _expected(run)
    _materiality(run)


def select_rows(run: EngineRun, municipalities: Iterable[str] | None) -> None:
    """The rows of the run: every panel row, flagged ``selected``, ``focus`` and ``output``.

    Selected: a KPI evaluated, at or before ``run.year`` and within its deepest
    pooling window; focus: also of the municipalities asked for; output: also of
    ``run.year`` (the rows of the result).

    Raises:
        InvalidYearsError: ``run.year`` is not a whole year or has no values.
        UnknownIdError: a municipality asked for has no values at all.
    """
    panel, at, year = run.panel, run.kpis, run.year
    counts = np.diff(np.searchsorted(panel.kc, np.arange(len(panel.kpis) + 1)))
    sel = np.repeat(at.num["evaluated"].astype(bool), counts)
    if year is not None:
        if isinstance(year, bool) or not isinstance(year, int | np.integer):
            raise InvalidYearsError(f"invalid year {year!r}: expected a whole year such as 2022")
        if sel.any() and not (sel & (panel.period == year)).any():
            years = panel.period[sel]
            raise InvalidYearsError(
                f"no values for {year} among the KPIs evaluated; the values cover "
                f"{int(years.min())}–{int(years.max())}"
            )
        sel &= panel.period <= year
        # only the pooling window can reach the result: earlier years are never read
        pool = at.num["pool_years"]
        deepest = int(pool[at.num["evaluated"].astype(bool)].max()) if len(pool) else 1
        sel &= panel.period > year - max(deepest, 1)
    focus_codes = None
    if municipalities is not None:
        ids = (
            [municipalities]
            if isinstance(municipalities, str)
            else [str(m) for m in municipalities]
        )
        focus_codes = panel.muni_codes(ids)
        unknown = [m for m, c in zip(ids, focus_codes, strict=True) if c < 0]
        if unknown:
            raise UnknownIdError(
                "municipality", unknown, hint="no values for them in the data given"
            )
    r = run.rows
    # every panel row stays (no copies); rows of KPIs not evaluated and years after
    # ``year`` are simply never computable, eligible or part of the result
    for name in ("kc", "mc", "period", "key", "women", "men", "total"):
        r[name] = getattr(panel, name)
    r["kpi_rows"] = counts
    r["selected"] = sel
    focus = sel if focus_codes is None else sel & np.isin(panel.mc, focus_codes)
    r["focus"] = focus
    r["output"] = focus if year is None else focus & (panel.period == year)


def _gaps(run: EngineRun) -> None:
    """The gap of every selected row (NaN where not computable or not an election year)."""
    r = run.rows
    kind = run.per_kpi("kind").astype(np.int8)
    event_skip = np.zeros(len(kind), dtype=bool)
    if run.kpis.num["event"].any():
        ev = np.flatnonzero(run.per_kpi("event").astype(bool))
        event_skip[ev] = ~np.isin(r["period"][ev], _ELECTION_ARRAY)
    k, m, t = r["women"], r["men"], r["total"]
    gap = k - m
    computable = np.isfinite(gap)
    single = np.flatnonzero(kind > AMOUNT)
    if len(single):
        ts = t[single]
        gap[single] = np.where(kind[single] == ONE_SEX, ts - 50.0, ts)
        computable[single] = np.isfinite(ts)
    computable &= ~event_skip
    computable &= r["selected"]
    gap[~computable] = np.nan
    r["kind"], r["event_skip"], r["computable"], r["gap"] = kind, event_skip, computable, gap


def riket_gap(run: EngineRun, positions: IntArray, column: str = "gap") -> FloatArray:
    """Riket's gap (or another row ``column``) for the same KPI and year as ``positions``."""
    r, panel = run.rows, run.panel
    code = panel.muni_code(RIKET_ID)
    if code < 0 or len(positions) == 0:
        return np.full(len(positions), np.nan)
    q = panel.make_key(r["kc"][positions], np.full(len(positions), code), r["period"][positions])
    out: FloatArray = take(r[column], lookup(r["key"], q))
    return out


def peer_median(
    run: EngineRun, positions: IntArray, column: str = "gap"
) -> tuple[FloatArray, IntArray]:
    """Median gap (or ``column``) of each row's peers (same KPI and year) and their number."""
    r, panel, peers = run.rows, run.panel, run.peers
    n = len(positions)
    med = np.full(n, np.nan)
    cnt = np.zeros(n, dtype=np.int64)
    if not peers or n == 0:
        return med, cnt
    pairs = [(str(a), str(b)) for a, ps in peers.items() for b in ps if str(a) != str(b)]
    mcodes = panel.muni_codes([a for a, _ in pairs])
    pcodes = panel.muni_codes([b for _, b in pairs])
    keep = (mcodes >= 0) & (pcodes >= 0)
    pair_df = pd.DataFrame({"mc": mcodes[keep], "pc": pcodes[keep]}).drop_duplicates()
    rows_mc = r["mc"][positions]
    local = np.flatnonzero(np.isin(rows_mc, pair_df["mc"].to_numpy()))
    if len(local) == 0:
        return med, cnt
    ex = pd.DataFrame({"row": local, "mc": rows_mc[local]}).merge(pair_df, on="mc")
    row = ex["row"].to_numpy()
    at = positions[row]
    q = panel.make_key(r["kc"][at], ex["pc"].to_numpy(), r["period"][at])
    g = take(r[column], lookup(r["key"], q))
    agg = pd.DataFrame({"row": row, "g": g}).groupby("row")["g"].agg(["median", "count"])
    med[agg.index.to_numpy()] = agg["median"].to_numpy()
    cnt[agg.index.to_numpy()] = agg["count"].to_numpy()
    return med, cnt


def expected_gap(run: EngineRun, positions: IntArray) -> FloatArray:
    """The expected gap of the rows at ``positions`` (a number, Riket's gap or the peers')."""
    src = run.per_kpi("exp_src", positions)
    exp = run.per_kpi("exp_num", positions).astype("float64")
    i = np.flatnonzero(src == EXP_RIKET)
    if len(i):
        exp[i] = riket_gap(run, positions[i])
    j = np.flatnonzero(src == EXP_PEERS)
    if len(j):
        exp[j] = peer_median(run, positions[j])[0]
    return exp


def _expected(run: EngineRun) -> None:
    r = run.rows
    src = run.per_kpi("exp_src")
    excess = r["gap"].copy()
    shifted = run.kpis.num["exp_num"] != 0
    if shifted.any():  # an expected number other than 0 (rare): subtract it where set
        j = np.flatnonzero(np.repeat(shifted, r["kpi_rows"]))
        excess[j] -= run.per_kpi("exp_num", j)
    special = np.flatnonzero(src != 0)
    if len(special):
        excess[special] = r["gap"][special] - expected_gap(run, special)
    missing = r["computable"] & np.isnan(excess)
    excluded = run.per_kpi("exclude").astype(bool) | r["event_skip"]
    r["excess_gap"], r["expected_missing"], r["excluded"] = excess, missing, excluded
    r["ok"] = r["computable"] & ~missing & ~excluded
    # the rows that take part in the reference: computable and not excluded, also
    # where this row's own expected gap is missing (another kommun's peers)
    r["ref_ok"] = r["computable"] & ~excluded
    # the statistic the reference compares: the gap less a numeric expectation
    # (Riket's or the peers' gap is the reference's business, not a shift); for
    # amounts 100 · log(K / M) (a relative measure, so that the level of the
    # amount does not make the gap look unusual)
    stat_rows = np.flatnonzero(r["ref_ok"])
    num_exp = src[stat_rows] == EXP_NUMBER
    y = np.where(num_exp, excess[stat_rows], r["gap"][stat_rows])
    am_local = np.flatnonzero(r["kind"][stat_rows] == AMOUNT)
    am = stat_rows[am_local]
    if len(am):
        k, m = r["women"][am], r["men"][am]
        e = np.where(num_exp[am_local], run.per_kpi("exp_num", am).astype("float64"), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            lr = np.where((k > 0) & (m > 0), 100.0 * np.log(k / m), np.nan)
            exp_lr = np.where(e != 0, 100.0 * np.log((m + e) / m), 0.0)
        y[am_local] = lr - exp_lr
    # kept for the rows that can be judged only (with a year: its pooling window)
    run.stat = Sparse(stat_rows.astype(np.int64), {"y": y})


def advantaged_value(run: EngineRun, positions: IntArray) -> FloatArray:
    """The value the relative gap divides by: the advantaged sex's (|value|).

    Higher is better (and parity targets): the larger value; lower is better:
    the smaller; need: the larger; shares of one sex: 50; gap values: none (NaN).
    """
    r = run.rows
    k, m = np.abs(r["women"][positions]), np.abs(r["men"][positions])
    kind = r["kind"][positions]
    dirn = run.per_kpi("direction", positions)
    adv = np.where(dirn == LOWER, np.fmin(k, m), np.fmax(k, m))
    out: FloatArray = np.where(kind == ONE_SEX, 50.0, np.where(kind == GAP_VALUE, np.nan, adv))
    return out


def material_at(run: EngineRun, i: IntArray, gap: FloatArray) -> BoolArray:
    """Whether the gaps ``gap`` (KPI unit, one per row ``i``) reach the materiality rule."""
    kind = run.rows["kind"][i]
    out = np.zeros(len(i), dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        for code in (SHARE, AMOUNT, ONE_SEX, GAP_VALUE):
            j = np.flatnonzero(kind == code)
            if len(j) == 0:
                continue
            ij, g = i[j], gap[j]
            ag = np.abs(g)
            if code == SHARE:
                small = (ag >= run.per_kpi("share_min", ij) - EPS) & (
                    ag >= run.per_kpi("share_rel", ij) * advantaged_value(run, ij) - EPS
                )
                out[j] = (ag >= run.per_kpi("share_pp", ij) - EPS) | small
            elif code == AMOUNT:
                lim = run.per_kpi("relative", ij) * advantaged_value(run, ij)
                out[j] = (ag > 0) & (ag >= lim - EPS * np.fmax(1.0, lim))
            elif code == ONE_SEX:
                v = g + 50.0
                out[j] = (v < run.per_kpi("band_lo", ij) - EPS) | (
                    v > run.per_kpi("band_hi", ij) + EPS
                )
            else:
                out[j] = ag > run.per_kpi("tol", ij) + EPS
    return out


def _materiality(run: EngineRun) -> None:
    """Material on the excess gap; with Riket's or the peers' gap as the expectation on a
    directional KPI, the gap itself must be material too (a sex 0.5 pp behind is not a
    deviation because Riket's gap points the other way)."""
    r = run.rows
    material = np.zeros(len(r["kind"]), dtype=bool)
    i = np.flatnonzero(r["ok"])
    if len(i):
        material[i] = material_at(run, i, r["excess_gap"][i])
        ref = (run.per_kpi("exp_src", i) != EXP_NUMBER) & (run.per_kpi("direction", i) != NEED)
        j = i[ref]
        if len(j):
            material[j] &= material_at(run, j, r["gap"][j])
    r["material"] = material


__all__ = [
    "advantaged_value",
    "expected_gap",
    "material_at",
    "measure",
    "peer_median",
    "riket_gap",
    "select_rows",
]
