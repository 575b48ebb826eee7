"""From gaps to levels: the deviation rule of method sections 2–4, vectorised.

:func:`evaluate` takes the tidy long frame of values for **all**
municipalities (the reference compares a municipality with every other of
its type, persistence looks back over the years) and returns one row per KPI
× municipality × year with every measure, test and the level:

=================  ===========================================================
``not_computable``  women or men (or the published total of a one-sex share)
                    missing, or the expected gap (Riket, peers) missing
``too_small``       a count is known and below ``credibility.min_n`` for a sex
``excluded``        excluded by the KPI table or plan, with the reason; also the
                    non-election years of event KPIs
``none``            not material, or material but tested and not credible
``info``            material and credible (or credibility unknown), not worse
                    than the reference
``watch``           material, credible and ``watch_z <= z < act_z``
``act``             material, credible and ``z >= act_z``; or ``watch`` now
                    and ``watch`` in at least 2 of the last 3 published years
=================  ===========================================================

A widened gap since a baseline raises ``none``/``info`` to ``watch`` in
:func:`koladagap.engine.followup.compare`.

How it is computed: the values become integer-coded arrays (:mod:`.panel`);
every step is a NumPy operation over all rows or a subset of them. When a
``year`` is given, tests and the reference are computed only where the
result can depend on them (the last published years of each series, the
same municipality-years, the same KPI-years), so one year for all 290
kommuner costs little more than reading the data; the results are the same
as computing everything.

Examples:
    >>> from koladagap.sample import sample_values, sample_municipalities
    >>> res = evaluate(sample_values(), None, year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities())
    >>> row = res.set_index("kpi").loc["N00906"]
    >>> float(row["gap"]), row["disadvantaged"], row["level"]
    (-46800.0, 'women', 'info')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..errors import InvalidYearsError, UnknownIdError
from . import credibility as cred
from .panel import Panel, build_panel, lookup, take, trailing_counts
from .reference import oriented_percentile, robust_z
from .rules import (
    AMOUNT,
    ELECTION_YEARS,
    EXP_PEERS,
    EXP_RIKET,
    GAP_VALUE,
    LOWER,
    ONE_SEX,
    SHARE,
    KpiArrays,
    kpi_arrays,
    resolve_rules,
    rules_from_table,
)
from .thresholds import KpiRule, Thresholds

Arr = NDArray[Any]
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# --- vocabulary ----------------------------------------------------------------

LEVELS: tuple[str, ...] = (
    "not_computable",
    "too_small",
    "excluded",
    "none",
    "info",
    "watch",
    "act",
)
NOT_COMPUTABLE, TOO_SMALL, EXCLUDED, NONE, INFO, WATCH, ACT = range(7)
FLAG_LEVELS: tuple[str, ...] = ("watch", "act")

LEVEL_LABELS_SV: dict[str, str] = {
    "not_computable": "Kan inte beräknas",
    "too_small": "För få för att bedöma",
    "excluded": "Undantagen",
    "none": "Ingen påtaglig skillnad",
    "info": "Könsskillnad (känt mönster)",
    "watch": "Avvikelse – bevaka",
    "act": "Avvikelse – åtgärda (avvikelseanmälan)",
}
LEVEL_LABELS_EN: dict[str, str] = {
    "not_computable": "Not computable",
    "too_small": "Too few to judge",
    "excluded": "Excluded",
    "none": "No notable difference",
    "info": "Gender gap (known pattern)",
    "watch": "Deviation – watch",
    "act": "Deviation – act (deviation report)",
}


def level_labels(lang: str = "sv") -> dict[str, str]:
    """The level names for readers: Swedish (``"sv"``, default) or English (``"en"``).

    >>> level_labels()["act"]
    'Avvikelse – åtgärda (avvikelseanmälan)'
    """
    return dict(LEVEL_LABELS_SV if lang == "sv" else LEVEL_LABELS_EN)


CREDIBILITY_METHODS: tuple[str, ...] = ("newcombe", "moe", "persistence", "unknown")
NO_METHOD, NEWCOMBE, MOE, PERSISTENCE, UNKNOWN = range(5)
KOMMUN, REGION, RIKET, OTHER = range(4)

RIKET_ID = "0000"
EPS = 1e-9
"""Slack when comparing with a threshold: published values have few decimals, and
``52.3 − 47.3`` is ``4.999999999999996`` in binary floating point; such a gap is 5 pp."""

_ELECTION_ARRAY = np.array(sorted(ELECTION_YEARS), dtype=np.int32)


def municipality_types(panel: Panel, meta: pd.DataFrame | None) -> NDArray[np.int8]:
    """Per municipality code: kommun, region, riket or other (municipality groups).

    ``type`` ``K``/``L`` from ``meta`` wins; without it ids ``0001``–``0099`` are
    regions; ``0000`` is always Riket and ``G…`` ids are groups.
    """
    ids = pd.Series(np.asarray(panel.munis, dtype=object).astype(str))
    types = np.where(ids.str.startswith("00"), REGION, KOMMUN)
    if meta is not None and {"id", "type"} <= set(meta.columns):
        m = meta.drop_duplicates("id")
        mapping = dict(zip(m["id"].astype(str), m["type"].astype(str), strict=True))
        kinds = ids.map(mapping).to_numpy(dtype=object)
        types = np.where(kinds == "K", KOMMUN, np.where(kinds == "L", REGION, types))
    types = np.where(ids.str.startswith("G"), OTHER, types)
    types = np.where(ids == RIKET_ID, RIKET, types)
    return types.astype(np.int8)


# --- the run ------------------------------------------------------------------------


@dataclass
class Sparse:
    """Columns known for a sorted subset of rows (``idx``), read back by row position."""

    idx: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    cols: dict[str, Arr] = field(default_factory=dict)

    def get(self, name: str, positions: IntArray, fill: Any = np.nan) -> Arr:
        """Values of column ``name`` at ``positions`` (``fill`` where not known)."""
        if name not in self.cols:
            return np.full(len(positions), fill)
        return take(self.cols[name], lookup(self.idx, np.asarray(positions, dtype=np.int64)), fill)


@dataclass
class EngineRun:
    """Everything :func:`evaluate` computed, as arrays (also used by follow-ups).

    Attributes:
        panel: the wide panel of all values.
        kpis: per-KPI arrays of the rules and thresholds.
        rules: the rules used.
        thresholds: the plan's thresholds.
        year: the ``year`` asked for (``None``: all).
        rows: full-length arrays, one element per evaluated row (KPI × municipality ×
            year of an evaluated KPI, up to ``year``), sorted by KPI, municipality, year.
        tests: Newcombe / margin-of-error results for the rows tested.
        ref: reference results (z, median, n, percentile) for the rows compared.
        counts: denominator counts for the rows of KPIs with one.
        muni_types: per municipality code (see :func:`municipality_types`).
        peers: the peers mapping given.
    """

    panel: Panel
    kpis: KpiArrays
    rules: dict[str, KpiRule]
    thresholds: Thresholds
    year: int | None
    rows: dict[str, Arr] = field(default_factory=dict)
    tests: Sparse = field(default_factory=Sparse)
    ref: Sparse = field(default_factory=Sparse)
    counts: Sparse = field(default_factory=Sparse)
    muni_types: NDArray[np.int8] = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    peers: Mapping[str, Iterable[str]] | None = None

    def per_kpi(self, name: str, positions: Arr | None = None) -> Arr:
        """A per-KPI number (``kind``, ``share_pp``, ...) for all rows or those at ``positions``.

        Rows are sorted by KPI, so for all rows this is a ``np.repeat`` over the
        KPIs' row counts rather than a gather.
        """
        values = self.kpis.num[name]
        if positions is None:
            out: Arr = np.repeat(values, self.rows["kpi_rows"])
            return out
        picked: Arr = values[self.rows["kc"][positions]]
        return picked


def run_engine(
    values: pd.DataFrame,
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None = None,
    thresholds: Thresholds | None = None,
    *,
    year: int | None = None,
    municipalities: Iterable[str] | None = None,
    municipality_meta: pd.DataFrame | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
    kpi_meta: pd.DataFrame | None = None,
) -> EngineRun:
    """The array pipeline behind :func:`evaluate` (same arguments)."""
    th = thresholds or Thresholds()
    th.validate()
    panel = build_panel(values)
    titles = _titles(kpi_meta)
    rule_map = resolve_rules(rules, [str(k) for k in panel.kpis], titles)
    for rule in rule_map.values():
        rule.validate()
    at = kpi_arrays(panel, rule_map, th)
    run = EngineRun(panel, at, rule_map, th, year, peers=peers)
    run.muni_types = municipality_types(panel, municipality_meta)
    _select_rows(run, municipalities)
    _measures(run)
    _expected(run)
    _materiality(run)
    _counts(run)
    _needed(run)
    _tests(run)
    _persistence(run)
    _reference(run)
    _levels(run)
    for name in ("group", "selected", "eligible"):
        run.rows.pop(name, None)  # working arrays no later step reads
    return run


def _titles(kpi_meta: pd.DataFrame | None) -> dict[str, str] | None:
    if kpi_meta is None or not {"id", "title"} <= set(kpi_meta.columns):
        return None
    m = kpi_meta.dropna(subset=["id", "title"])
    return dict(zip(m["id"].astype(str), m["title"].astype(str), strict=True))


def _select_rows(run: EngineRun, municipalities: Iterable[str] | None) -> None:
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
    r["group"] = panel.kc * np.int32(len(panel.munis)) + panel.mc
    focus = sel if focus_codes is None else sel & np.isin(panel.mc, focus_codes)
    r["focus"] = focus
    r["output"] = focus if year is None else focus & (panel.period == year)


def _measures(run: EngineRun) -> None:
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


def riket_gap(run: EngineRun, positions: IntArray) -> FloatArray:
    """Riket's gap for the same KPI and year as the rows at ``positions``."""
    r, panel = run.rows, run.panel
    code = panel.muni_code(RIKET_ID)
    if code < 0 or len(positions) == 0:
        return np.full(len(positions), np.nan)
    q = panel.make_key(r["kc"][positions], np.full(len(positions), code), r["period"][positions])
    return take(r["gap"], lookup(r["key"], q))


def peer_median(run: EngineRun, positions: IntArray) -> tuple[FloatArray, IntArray]:
    """Median gap of each row's peers (same KPI and year) and how many peers had one."""
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
    g = take(r["gap"], lookup(r["key"], q))
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
    excess = r["gap"] - run.per_kpi("exp_num")
    special = np.flatnonzero(src != 0)
    if len(special):
        excess[special] = r["gap"][special] - expected_gap(run, special)
    missing = r["computable"] & np.isnan(excess)
    excluded = run.per_kpi("exclude").astype(bool) | r["event_skip"]
    r["excess_gap"], r["expected_missing"], r["excluded"] = excess, missing, excluded
    r["ok"] = r["computable"] & ~missing & ~excluded


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


def _materiality(run: EngineRun) -> None:
    r = run.rows
    kind, ok, ex = r["kind"], r["ok"], r["excess_gap"]
    material = np.zeros(len(kind), dtype=bool)
    with np.errstate(invalid="ignore"):
        for code in (SHARE, AMOUNT, ONE_SEX, GAP_VALUE):
            i = np.flatnonzero(ok & (kind == code))
            if len(i) == 0:
                continue
            aex = np.abs(ex[i])
            if code == SHARE:
                material[i] = aex >= run.per_kpi("share_pp", i) - EPS
            elif code == AMOUNT:
                lim = run.per_kpi("relative", i) * advantaged_value(run, i)
                material[i] = (aex > 0) & (aex >= lim - EPS * np.fmax(1.0, lim))
            elif code == ONE_SEX:
                v = ex[i] + 50.0
                material[i] = (v < run.per_kpi("band_lo", i) - EPS) | (
                    v > run.per_kpi("band_hi", i) + EPS
                )
            else:
                material[i] = aex > run.per_kpi("tol", i) + EPS
    r["material"] = material


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
    """Rows whose credibility and z can reach the result (the last published years)."""
    r = run.rows
    eligible = r["eligible"]
    if run.year is None:
        r["needed"] = eligible
        return
    group = r["group"]
    n = len(group)
    if n == 0:
        r["needed"] = eligible
        return
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, n])
    cum = np.cumsum(eligible, dtype=np.int64)
    ends_cum = cum[starts + sizes - 1]
    after = np.repeat(ends_cum, sizes) - cum  # eligible rows after this one, same series
    has_output = np.maximum.reduceat((eligible & r["output"]).astype(np.int8), starts) > 0
    r["needed"] = eligible & np.repeat(has_output, sizes) & (after < run.per_kpi("aw_years"))


def _tests(run: EngineRun) -> None:
    r, panel = run.rows, run.panel
    n = len(r["ok"])
    method = np.zeros(n, dtype=np.int8)
    credible = np.full(n, -1, dtype=np.int8)
    r["method"], r["credible"] = method, credible
    cand = np.flatnonzero(
        r["eligible"]
        & ((run.per_kpi("denom") >= 0) | (run.per_kpi("moe") >= 0))
        & (r["kind"] <= AMOUNT)
    )
    if len(cand) == 0:
        return
    fam = r["mc"][cand].astype(np.int64) * panel.nper + (r["period"][cand] - panel.pmin)
    wanted = np.unique(fam[r["needed"][cand]])
    keep = np.isin(fam, wanted)
    cand, fam = cand[keep], fam[keep]
    res = _test_rows(run, cand)
    tested = res.pop("method") > 0
    idx = cand[tested]
    cols = {k: v[tested] for k, v in res.items()}
    cols["q"] = cred.bh_qvalues(cols["p"], fam[tested])
    fdr = run.per_kpi("fdr_q", idx)
    with np.errstate(invalid="ignore"):
        cols["passed"] = cols["excludes"] & (cols["q"] <= fdr + EPS)
    method[idx] = cols["method_code"]
    credible[idx] = cols["passed"].astype(np.int8)
    run.tests = Sparse(idx, cols)


def _test_rows(run: EngineRun, i: IntArray) -> dict[str, Arr]:
    """Newcombe where counts are known, else the margin-of-error test, for rows ``i``."""
    r = run.rows
    k, m, ex, gap = r["women"][i], r["men"][i], r["excess_gap"][i], r["gap"][i]
    exp = gap - ex
    n_k, n_m = aux_values(run, i, "denom")
    moe_k, moe_m = aux_values(run, i, "moe")
    kind = r["kind"][i]
    z_c = cred.z_critical(run.per_kpi("alpha", i).astype("float64"))
    with np.errstate(invalid="ignore"):
        nc = (kind == SHARE) & (n_k > 0) & (n_m > 0) & (k >= 0) & (k <= 100)
        nc &= (m >= 0) & (m <= 100)
        se_moe = cred.moe_se(moe_k, moe_m)
        mo = ~nc & (moe_k >= 0) & (moe_m >= 0) & (se_moe > 0)
    n = len(i)
    out: dict[str, Arr] = {
        name: np.full(n, np.nan) for name in ("p", "ci_low", "ci_high", "se", "n_women", "n_men")
    }
    out["excludes"] = np.zeros(n, dtype=bool)
    out["method"] = np.where(nc, NEWCOMBE, np.where(mo, MOE, NO_METHOD)).astype(np.int8)
    out["method_code"] = out["method"].copy()
    a = np.flatnonzero(nc)
    if len(a):
        p1, p2, e = k[a] / 100.0, m[a] / 100.0, exp[a] / 100.0
        lo, hi = cred.newcombe_interval(p1, n_k[a], p2, n_m[a], z_c[a])
        out["ci_low"][a], out["ci_high"][a] = lo * 100.0, hi * 100.0
        out["excludes"][a] = (lo > e + EPS) | (hi < e - EPS)
        out["p"][a] = cred.newcombe_pvalue(p1, n_k[a], p2, n_m[a], e)
        out["se"][a] = cred.proportion_gap_se(p1, n_k[a], p2, n_m[a]) * 100.0
        out["n_women"][a], out["n_men"][a] = n_k[a], n_m[a]
    b = np.flatnonzero(mo)
    if len(b):
        se = se_moe[b]
        out["ci_low"][b], out["ci_high"][b] = gap[b] - z_c[b] * se, gap[b] + z_c[b] * se
        out["excludes"][b] = np.abs(ex[b]) > z_c[b] * se
        out["p"][b] = cred.two_sided_p(ex[b] / se)
        out["se"][b] = se
    return out


def _persistence(run: EngineRun) -> None:
    r = run.rows

    def make_hit(idx: IntArray) -> Callable[[slice, slice], BoolArray]:
        material = r["material"][idx]
        sign = np.sign(r["excess_gap"][idx]).astype(np.int8)

        def hit(prev: slice, cur: slice) -> BoolArray:
            out: BoolArray = material[prev] & (sign[prev] == sign[cur])
            return out

        return hit

    width = np.repeat(run.kpis.num["p_years"].astype(np.int16), r["kpi_rows"])
    avail, hits = trailing_counts(r["group"], r["eligible"], width, make_hit)
    r["p_avail"], r["p_hits"] = avail, hits
    i = np.flatnonzero(r["needed"] & (r["method"] == NO_METHOD))
    need = run.per_kpi("p_hits", i)
    known = avail[i] >= need
    r["method"][i] = np.where(known, PERSISTENCE, UNKNOWN)
    r["credible"][i] = np.where(known, (hits[i] >= need).astype(np.int8), -1)


def _reference(run: EngineRun) -> None:
    r, panel = run.rows, run.panel
    needed = np.flatnonzero(r["needed"])
    # the reference groups (KPI × year × type) that some needed row belongs to
    periods = np.unique(r["period"][needed])
    cand = r["ok"] & (np.isin(r["period"], periods) if run.year is not None else True)
    mtype = run.muni_types
    inref = np.flatnonzero(cand & np.isin(r["mc"], np.flatnonzero(mtype <= REGION)))
    del cand

    def group_of(pos: IntArray) -> IntArray:
        kp = r["kc"][pos].astype(np.int64) * panel.nper + (r["period"][pos] - panel.pmin)
        out: IntArray = kp * 2 + (mtype[r["mc"][pos]] == REGION)
        return out

    grp = group_of(inref)
    keep = np.isin(grp, np.unique(group_of(needed)))
    pop, grp = inref[keep], grp[keep]
    del inref, keep
    x = r["excess_gap"][pop]
    z_raw, med, _, n = robust_z(x, grp, min_n=0)
    z = np.sign(x) * np.where(n >= run.per_kpi("ref_min_n", pop), z_raw, np.nan)
    pct = np.full(len(pop), np.nan)
    shown = np.isin(grp, np.unique(grp[r["needed"][pop] & r["output"][pop]]))
    pct[shown] = oriented_percentile(x[shown], grp[shown])
    run.ref = Sparse(pop, {"z": z, "median": med, "n": n, "percentile": pct})


def _levels(run: EngineRun) -> None:
    r = run.rows
    n = len(r["ok"])
    level = np.full(n, NONE, dtype=np.int8)
    i = np.flatnonzero(r["needed"])
    z = run.ref.get("z", i)
    credible = r["credible"][i]
    with np.errstate(invalid="ignore"):
        ref_level = np.where(
            z >= run.per_kpi("act_z", i) - EPS,
            ACT,
            np.where(z >= run.per_kpi("watch_z", i) - EPS, WATCH, INFO),
        )
    level[i] = np.where(
        r["material"][i],
        np.where(credible == 1, ref_level, np.where(credible == -1, INFO, NONE)),
        NONE,
    )
    base = level

    def make_hit(idx: IntArray) -> Callable[[slice, slice], BoolArray]:
        watch = base[idx] >= WATCH

        def hit(prev: slice, cur: slice) -> BoolArray:
            out: BoolArray = watch[prev]
            return out

        return hit

    width = np.repeat(run.kpis.num["aw_years"].astype(np.int16), r["kpi_rows"])
    _, watch_hits = trailing_counts(r["group"], r["needed"], width, make_hit)
    escalate = (level == WATCH) & (watch_hits >= run.per_kpi("aw_hits"))
    level = np.where(escalate, ACT, level).astype(np.int8)
    level[r["too_small"]] = TOO_SMALL
    level[~r["ok"]] = NOT_COMPUTABLE
    level[r["excluded"]] = EXCLUDED
    r["level"], r["escalated"], r["watch_hits"] = level, escalate, watch_hits


# --- the verb ---------------------------------------------------------------------------------


def evaluate(
    values: pd.DataFrame,
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None = None,
    thresholds: Thresholds | None = None,
    *,
    year: int | None = None,
    municipalities: Iterable[str] | None = None,
    municipality_meta: pd.DataFrame | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
    kpi_meta: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Gaps, tests, reference and level for every KPI × municipality × year.

    Args:
        values: the tidy long frame (``kpi, municipality_id, period, gender,
            value, ...``) for **all** municipalities and every year available:
            the reference needs every municipality of the same type, the
            persistence rule needs earlier years. Denominator and
            margin-of-error KPIs named by the rules must be in it too.
        rules: per-KPI rules (a mapping by id or an iterable of
            :class:`KpiRule`); ``None``: the bundled KPI table for every KPI
            present.
        thresholds: ``None`` for the method's defaults.
        year: only rows of this year in the result (earlier years still feed
            persistence and escalation); ``None``: every year.
        municipalities: only these municipalities in the result (the reference
            still uses all); ``None``: all.
        municipality_meta: ``id, title, type`` (``K``/``L``) for names and
            reference groups; without it types follow the ids.
        peers: municipality id → peer ids ("Liknande kommuner"), for
            ``peer_median_gap`` and ``expected = "peers"``.
        kpi_meta: the KPI catalogue (``id, title``): titles for labels.

    Returns:
        A frame with :data:`~koladagap.engine.result.RESULT_COLUMNS`, sorted by
        KPI, municipality and year.

    Raises:
        InvalidYearsError: ``year`` has no values for the KPIs evaluated.
        UnknownIdError: a requested municipality has no values at all.
        ConfigError: a rule or threshold is invalid.
    """
    from .result import assemble, empty_result

    run = run_engine(
        values,
        rules,
        thresholds,
        year=year,
        municipalities=municipalities,
        municipality_meta=municipality_meta,
        peers=peers,
        kpi_meta=kpi_meta,
    )
    idx = np.flatnonzero(run.rows["output"])
    if len(idx) == 0:
        return empty_result()
    return assemble(run, idx, municipality_meta, kpi_meta)


# --- result object ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deviations:
    """An evaluation with the rules and thresholds that produced it.

    Attributes:
        table: :func:`evaluate`'s frame.
        thresholds: the thresholds used.
        rules: the per-KPI rules used.
    """

    table: pd.DataFrame
    thresholds: Thresholds = field(default_factory=Thresholds)
    rules: Mapping[str, KpiRule] = field(default_factory=dict)

    @property
    def flags(self) -> pd.DataFrame:
        """The ``watch`` and ``act`` rows (the avvikelser), ``act`` first."""
        t = self.table
        f = t.loc[t["level"].isin(FLAG_LEVELS).fillna(False).to_numpy(bool)].copy()
        f["_o"] = (f["level"] == "watch").astype(int)
        f = f.sort_values(["_o", "kpi", "municipality_id", "period"]).drop(columns="_o")
        return f.reset_index(drop=True)

    def counts(self) -> pd.Series:
        """Number of rows per level, in the vocabulary's order."""
        c = self.table["level"].astype(str).value_counts()
        return c.reindex(list(LEVELS), fill_value=0).astype("int64")

    def to_frame(self) -> pd.DataFrame:
        """The full result frame (a copy)."""
        return self.table.copy()


def deviations(
    values: pd.DataFrame,
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None = None,
    thresholds: Thresholds | None = None,
    **kwargs: Any,
) -> Deviations:
    """:func:`evaluate` wrapped in a :class:`Deviations` object (same arguments)."""
    th = thresholds or Thresholds()
    table = evaluate(values, rules, th, **kwargs)
    kpis = table["kpi"].dropna().astype(str).unique().tolist() if len(table) else []
    return Deviations(table=table, thresholds=th, rules=resolve_rules(rules, kpis))


__all__ = [
    "CREDIBILITY_METHODS",
    "FLAG_LEVELS",
    "LEVELS",
    "LEVEL_LABELS_EN",
    "LEVEL_LABELS_SV",
    "Deviations",
    "EngineRun",
    "Sparse",
    "advantaged_value",
    "aux_values",
    "deviations",
    "evaluate",
    "expected_gap",
    "level_labels",
    "municipality_types",
    "peer_median",
    "resolve_rules",
    "riket_gap",
    "rules_from_table",
    "run_engine",
]
