"""From gaps to levels: the deviation rule of method sections 2–6, vectorised.

:func:`evaluate` takes the tidy long frame of values for **all**
municipalities (the reference compares a municipality with every other of
its type; the evidence pools the last ``reference.pool_years`` years) and
returns one row per KPI × municipality × year with every measure and the level:

=================  ===========================================================
``not_computable``  women or men (or the published total of a one-sex share)
                    missing, or the expected gap (Riket, peers) missing
``too_small``       a count is known and below ``credibility.min_n`` for a sex
``excluded``        excluded by the KPI table or plan, with the reason; also the
                    non-election years of event KPIs
``none``            not material
``info``            material, not unusual (oriented funnel z below ``watch_z``, or
                    no reference); KPIs without a rule never go higher
``watch``           material and z ≥ ``watch_z``, the current year on the same side
``act``             as watch, z ≥ ``act_z`` and the Benjamini–Hochberg q across
                    the municipalities of the type ≤ ``act_fdr_q``
=================  ===========================================================

The statistic is the excess gap (100 · log(K/M) for amounts), pooled over the
distinct observations of the window (a copy of the previous year counts once;
values that pool several years count when they do not overlap); the reference
is a funnel with over-dispersion (:mod:`.funnel`) whose chance part comes from
counts, margins of error or the population (N01951). A gap that is material and
has clearly widened since a baseline is raised from ``info`` to ``watch`` in
:func:`koladagap.engine.followup.compare`.

How it is computed: the values become integer-coded arrays (:mod:`.panel`);
every step is a NumPy operation over all rows or a subset of them. When a
``year`` is given only the years of its pooling window are read, and the
reference only for that year's KPI-years, so one year for all 290 kommuner
costs little more than reading the data.

Examples:
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> res = evaluate(sample_values(), None, year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities())
    >>> row = res.set_index("kpi").loc["N00906"]
    >>> float(row["gap"]), row["disadvantaged"], row["level"]
    (-46800.0, 'women', 'info')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import ndtr

from koladagap.engine import credibility as cred
from koladagap.engine.funnel import funnel
from koladagap.engine.panel import Panel, build_panel, lookup, take
from koladagap.engine.reference import oriented_percentile
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
    KpiArrays,
    kpi_arrays,
    resolve_rules,
    rules_from_table,
)
from koladagap.engine.thresholds import KpiRule, Thresholds
from koladagap.errors import InvalidYearsError, UnknownIdError

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


CREDIBILITY_METHODS: tuple[str, ...] = ("counts", "moe", "size", "spread")
"""Where the reference's chance part came from: counts (a denominator KPI), published
margins of error, the population size, or one spread for all (no size known)."""
NO_METHOD, NEWCOMBE, MOE = range(3)

POPULATION_KPI = "N01951"
"""Kolada's inhabitants (women, men, total): the size behind the chance part when no
counts are published."""
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
    _memo: tuple[IntArray, IntArray] | None = field(default=None, repr=False, compare=False)

    def get(self, name: str, positions: IntArray, fill: Any = np.nan) -> Arr:
        """Values of column ``name`` at ``positions`` (``fill`` where not known).

        The row lookup of the last ``positions`` is kept, so reading several
        columns for the same rows searches once.
        """
        if name not in self.cols:
            return np.full(len(positions), fill)
        pos = np.asarray(positions, dtype=np.int64)
        memo = self._memo
        if memo is not None and (memo[0] is pos or np.array_equal(memo[0], pos)):
            where = memo[1]
        else:
            where = lookup(self.idx, pos)
            self._memo = (pos, where)
        return take(self.cols[name], where, fill)


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
    variance: Sparse = field(default_factory=Sparse)
    stat: Sparse = field(default_factory=Sparse)
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
    _variance(run)
    _tests(run)
    r = run.rows
    r["first"] = _first_of_run(run)
    _reference(run)
    _levels(run)
    for name in ("selected", "eligible", "focus", "lr"):
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


def _evidence(run: EngineRun, ref_rows: IntArray) -> dict[str, Arr]:
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


def _floor(run: EngineRun, positions: IntArray) -> FloatArray:
    """The smallest scale a z may divide by: a tenth of the KPI's materiality step."""
    kind = run.rows["kind"][positions]
    out: FloatArray = np.select(
        [kind == SHARE, kind == AMOUNT, kind == ONE_SEX],
        [
            0.1 * run.per_kpi("share_min", positions),
            10.0 * run.per_kpi("relative", positions),
            0.1 * (50.0 - run.per_kpi("band_lo", positions)),
        ],
        0.1 * run.per_kpi("tol", positions),
    ).astype("float64")
    return np.fmax(out, 1e-9)


def orientation(run: EngineRun, positions: IntArray) -> FloatArray:
    """+1 or −1: the direction in which the rows' gap puts a sex behind (0: no gap).

    The sign of the gap itself when the expected gap is Riket's or the peers'
    (a reference, not a new zero), else of the excess gap; for ``need`` KPIs
    (no value judgement) the sign of the excess gap.
    """
    r = run.rows
    src = run.per_kpi("exp_src", positions)
    dirn = run.per_kpi("direction", positions)
    raw = (src != EXP_NUMBER) & (dirn != NEED)
    s = np.where(raw, np.sign(r["gap"][positions]), np.sign(r["excess_gap"][positions]))
    out: FloatArray = np.where(np.isfinite(s), s, 0.0)
    return out


def _reference(run: EngineRun) -> None:
    r, panel = run.rows, run.panel
    needed = np.flatnonzero(r["needed"])
    mtype = run.muni_types

    def group_of(pos: IntArray) -> IntArray:
        kp = r["kc"][pos].astype(np.int64) * panel.nper + (r["period"][pos] - panel.pmin)
        out: IntArray = kp * 2 + (mtype[r["mc"][pos]] == REGION)
        return out

    # candidates: the judged rows (with a year, only its pooling window is judged),
    # of the years asked for, of kommuner or regioner
    inref = np.flatnonzero(r["ref_ok"])
    if run.year is not None:
        inref = inref[r["period"][inref] == run.year]
    inref = inref[mtype[r["mc"][inref]] <= REGION]
    grp = group_of(inref)
    keep = np.isin(grp, np.unique(group_of(needed)))
    pop, grp = inref[keep], grp[keep]
    del inref, keep
    ev = _evidence(run, pop)
    fit = funnel(
        ev["y"],
        ev["v"],
        ev["x"],
        grp,
        min_n=0,
        floor=_floor(run, pop),
    )
    enough = fit["n"] >= run.per_kpi("ref_min_n", pop)
    z_raw = np.where(enough, fit["z"], np.nan)
    o = orientation(run, pop)
    need = run.per_kpi("direction", pop) == NEED
    o = np.where(need, np.sign(z_raw), o)
    z = o * z_raw
    z = np.where(np.isfinite(z_raw) & (o == 0), 0.0, z)
    # the current year must itself lie on the same side of the reference
    current = o * (run.stat.get("y", pop) - fit["mu"])
    # two-sided: the orientation follows each municipality's own gap, so a deviation
    # either way can be flagged (one-sided p would halve the real false-alarm rate)
    p = 2.0 * ndtr(-np.abs(z_raw))
    q = cred.bh_qvalues(np.where(np.isfinite(z), p, np.nan), grp)
    pct = np.full(len(pop), np.nan)
    shown = np.isin(grp, np.unique(grp[r["needed"][pop]]))
    d = o * (ev["y"] - fit["mu"])
    pct[shown] = oriented_percentile(np.where(np.isfinite(z_raw), d, np.nan)[shown], grp[shown])
    run.ref = Sparse(
        pop,
        {
            "z": z,
            "median": fit["mu"],
            "n": fit["n"],
            "percentile": pct,
            "scale": fit["scale"],
            "tau": fit["tau"],
            "chance": fit["chance"],
            "basis": fit["basis"],
            "p": np.where(np.isfinite(z), p, np.nan),
            "q": q,
            "evidence": ev["y"],
            "years": ev["k"],
            "current_ok": current > 0,
            "orientation": o,
        },
    )


def _log_threshold(run: EngineRun, i: IntArray) -> FloatArray:
    """The materiality of amounts on the evidence's scale, 100 · |log(K/M)|.

    A relative gap r of the advantaged value is |log(K/M)| = −log(1 − r) when
    the advantaged value is the larger (higher is better), log(1 + r) when it is
    the smaller (lower is better): the same gaps are material either way.
    """
    rel = np.clip(run.per_kpi("relative", i).astype("float64"), 0.0, 0.999999)
    lower = run.per_kpi("direction", i) == LOWER
    out: FloatArray = 100.0 * np.where(lower, np.log1p(rel), -np.log1p(-rel))
    return out


def _pooled_material(run: EngineRun, i: IntArray) -> BoolArray:
    """Whether the pooled evidence itself reaches the materiality threshold (rows ``i``).

    Only where the evidence is the excess gap (a numeric expectation); with Riket's or
    the peers' gap as the expectation the current year decides.
    """
    ev = run.ref.get("evidence", i)
    kind = run.rows["kind"][i]
    out = np.zeros(len(i), dtype=bool)
    num = (run.per_kpi("exp_src", i) == EXP_NUMBER) & np.isfinite(ev)
    amount = num & (kind == AMOUNT)
    with np.errstate(invalid="ignore"):
        out[amount] = np.abs(ev[amount]) >= _log_threshold(run, i[amount]) - EPS
    other = np.flatnonzero(num & (kind != AMOUNT))
    if len(other):
        out[other] = material_at(run, i[other], ev[other])
    return out


def _levels(run: EngineRun) -> None:
    r = run.rows
    n = len(r["ok"])
    level = np.full(n, NONE, dtype=np.int8)
    credible = np.full(n, -1, dtype=np.int8)
    i = np.flatnonzero(r["needed"])
    z = run.ref.get("z", i)
    q = run.ref.get("q", i)
    same_side = run.ref.get("current_ok", i, False).astype(bool)
    with np.errstate(invalid="ignore"):
        watch = (z >= run.per_kpi("watch_z", i) - EPS) & same_side
        act = watch & (z >= run.per_kpi("act_z", i) - EPS) & (q <= run.per_kpi("act_q", i) + EPS)
    ref_level = np.where(act, ACT, np.where(watch, WATCH, INFO))
    # material now, or over the pooled window (the steadier estimate of the gap)
    material = r["material"][i] | _pooled_material(run, i)
    r["material"][i] = material
    level[i] = np.where(material, ref_level, NONE)
    capped = run.per_kpi("provisional", i).astype(bool)
    level[i] = np.where(capped & (level[i] > INFO), INFO, level[i])
    credible[i] = np.where(np.isfinite(z), watch.astype(np.int8), -1)
    r["capped"] = np.zeros(n, dtype=bool)
    r["capped"][i] = capped & r["material"][i] & (ref_level > INFO)
    level[r["too_small"]] = TOO_SMALL
    level[~r["ok"]] = NOT_COMPUTABLE
    level[r["excluded"]] = EXCLUDED
    r["level"], r["credible"] = level, credible


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
            evidence pools earlier years. Denominator and margin-of-error KPIs
            named by the rules, and the population (N01951), should be in it too.
        rules: per-KPI rules (a mapping by id or an iterable of
            :class:`KpiRule`); ``None``: the bundled KPI table for every KPI
            present.
        thresholds: ``None`` for the method's defaults.
        year: only rows of this year in the result (earlier years of the
            pooling window still feed the evidence); ``None``: every year.
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
    from koladagap.engine.result import assemble, empty_result

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
