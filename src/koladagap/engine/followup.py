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
    >>> from koladagap.benchmarking.kpi_table import kpi_table
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> v, mm, kt = sample_values(), sample_municipalities(), kpi_table()
    >>> b = evaluate(v, year=2018, municipalities=["0180"], municipality_meta=mm, kpi_table=kt)
    >>> f = evaluate(v, year=2022, municipalities=["0180"], municipality_meta=mm, kpi_table=kt)
    >>> c = compare(b, f, v, municipality_meta=mm, kpi_table=kt)
    >>> row = c.set_index("kpi").loc["N00906"]
    >>> row["compared_on"], int(row["pool_years"]), row["change"], row["flag_movement"]
    ('pooled_years', 3, 'unchanged', 'none')

The words a person reads (``förbättrad``, ``kvarstår`` …) are made from these codes
in :mod:`koladagap.render.i18n.movement`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from koladagap.engine._moved import moved
from koladagap.engine.ends import (
    end_values,
    evidence_at,
    noise_for,
    noise_thresholds,
    stable_spread,
)
from koladagap.engine.levels import evaluate, run_engine
from koladagap.engine.movement import MOVEMENTS, flag_movement
from koladagap.engine.result import CROSSED, RAISED, join_present
from koladagap.engine.rules import AMOUNT, GAP_VALUE, ONE_SEX, SHARE
from koladagap.engine.run import EPS, BoolArray, EngineRun, FloatArray, IntArray
from koladagap.engine.targets import targets
from koladagap.engine.thresholds import KpiRule, Thresholds

CHANGES: tuple[str, ...] = ("improved", "worsened", "unchanged", "not_comparable")
"""Every value of the ``change`` column."""
COMPARED_ON: tuple[str, ...] = ("pooled_years", "election_years")
"""Every value of the ``compared_on`` column: the pooled evidence of ``pool_years``
years, or (event KPIs) the latest election year at or before each end."""
COMPARE_COLUMNS: list[str] = [
    "kpi",
    "municipality_id",
    "baseline_year",
    "followup_year",
    "compared_on",
    "pool_years",
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
    "COMPARED_ON",
    "COMPARE_COLUMNS",
    "MOVEMENTS",
    "compare",
    "evaluate",
    "flag_movement",
    "noise_thresholds",
]


def __getattr__(name: str) -> Any:
    """``CHANGE_LABELS_SV``, ``CHANGE_LABELS_EN``: moved to
    :mod:`koladagap.render.i18n.movement` (deprecated aliases for one release)."""
    return moved(__name__, name)


def _latest(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI × municipality: the latest period."""
    cols = ["kpi", "municipality_id", "period", "level", "disadvantaged"]
    f = frame[[c for c in cols if c in frame.columns]].copy()
    f["kpi"] = f["kpi"].astype(str)
    f["municipality_id"] = f["municipality_id"].astype(str)
    f = f.sort_values("period").drop_duplicates(["kpi", "municipality_id"], keep="last")
    return f


def compare(
    baseline: pd.DataFrame,
    follow: pd.DataFrame,
    values: pd.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None = None,
    municipality_meta: pd.DataFrame | None = None,
    peers: Mapping[str, Iterable[str]] | None = None,
    kpi_table: pd.DataFrame | None = None,
    run: EngineRun | None = None,
) -> pd.DataFrame:
    """Compare a follow-up result with a baseline result, per KPI × municipality.

    Args:
        baseline: an :func:`evaluate` result (the latest period per KPI ×
            municipality is used).
        follow: a later :func:`evaluate` result.
        values: the tidy values for all municipalities and years (for the
            3-year means, the normal variation and the trends).
        thresholds: ``None`` for the defaults (use the plan's).
        rules: the same rules as the evaluations (``None``: ``kpi_table``'s);
            their ``target_*`` fields give the goals.
        municipality_meta: municipality types, as for :func:`evaluate`.
        peers: as for :func:`evaluate` (needed when ``expected = "peers"``).
        kpi_table: as for :func:`evaluate` (needed when ``rules`` is ``None``).
        run: the engine run behind the evaluations
            (:func:`~koladagap.engine.levels.run_engine` of the same ``values``,
            rules, thresholds, ``municipality_meta`` and ``peers``, every year, with
            the compared municipalities among its ``municipalities``): reused
            instead of running the engine again; ``values``, ``rules``,
            ``municipality_meta``, ``peers`` and ``kpi_table`` are then not read.

    Raises:
        ValueError: ``run`` was made for one ``year`` only.

    Returns:
        A frame with :data:`COMPARE_COLUMNS`.
    """
    th = thresholds or (run.thresholds if run is not None else Thresholds())
    b = _latest(baseline)
    f = _latest(follow)
    pairs = b.merge(f, on=["kpi", "municipality_id"], how="outer", suffixes=("_b", "_f"))
    pairs = pairs.sort_values(["kpi", "municipality_id"], ignore_index=True)
    if run is None:
        run = run_engine(
            values,
            rules,
            th,
            municipalities=sorted(set(pairs["municipality_id"])),
            municipality_meta=municipality_meta,
            peers=peers,
            kpi_table=kpi_table,
        )
    elif run.year is not None:
        raise ValueError(
            f"compare needs a run of every year; this one was made for {run.year} only"
        )
    kc = run.panel.kpi_codes(pairs["kpi"])
    mc = run.panel.muni_codes(pairs["municipality_id"])
    yb = pairs["period_b"].to_numpy(dtype="float64", na_value=np.nan)
    yf = pairs["period_f"].to_numpy(dtype="float64", na_value=np.nan)
    both = np.isfinite(yb) & np.isfinite(yf) & (kc >= 0) & (mc >= 0)
    yb_i = np.where(np.isfinite(yb), yb, 0).astype("int64")
    yf_i = np.where(np.isfinite(yf), yf, 0).astype("int64")
    span = np.ones(len(kc), dtype="int64")
    end_b = end_values(run, kc, mc, yb_i, span)
    end_f = end_values(run, kc, mc, yf_i, span)
    ev_b = evidence_at(run, kc, mc, end_b["year_eff"])
    ev_f = evidence_at(run, kc, mc, end_f["year_eff"])
    ev_b["stable"] = stable_spread(run, kc, mc, end_b["year_eff"], end_f["year_eff"])
    out = _change(run, pairs, kc, end_b, end_f, ev_b, ev_f, both, th)
    event = run.kpis.num["event"][np.maximum(kc, 0)].astype(bool)
    on = np.where(event, "election_years", "pooled_years")
    out["compared_on"] = pd.Series(on, index=out.index, dtype="string").where(both)
    pool = run.kpis.num["pool_years"][np.maximum(kc, 0)].astype("int64")
    out["pool_years"] = pd.array(pool, dtype="Int64")
    out.loc[~both | event, "pool_years"] = pd.NA
    out["baseline_years_used"] = np.nan_to_num(ev_b["years"]).astype("int64")
    out["followup_years_used"] = np.nan_to_num(ev_f["years"]).astype("int64")
    targets(run, out, kc, mc, yb_i, yf_i, end_f, both)
    return out[COMPARE_COLUMNS]


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
    noise = noise_for(run, k, mc, up_to)
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
    out["flag_movement"] = flag_movement(
        out["level_baseline"], out["level_followup"], out["change"]
    )
    out["reasons"] = _change_reasons(out, raise_)
    return out


def _change_reasons(out: pd.DataFrame, raised: BoolArray) -> pd.Series:
    """``compare``'s ``reasons`` codes (the format: :mod:`koladagap.engine.result`)."""

    def arrow(s: pd.Series) -> pa.Array:
        return pa.array(s.astype("string").astype(object).where(s.notna(), None), pa.string())

    def num(col: str, digits: int) -> pd.Series:
        return (out[col].round(digits) + 0.0).astype("string")

    def flag(code: str, mask: BoolArray) -> pa.Array:
        return arrow(pd.Series(code, index=out.index, dtype="string").where(mask))

    comparable = out["change"] != "not_comparable"
    moved = out["change"].isin(["improved", "worsened"]).to_numpy(bool)
    crossed = out["crossed"].to_numpy(bool) & moved
    parts = [
        arrow(
            (
                "change:"
                + out["change"]
                + " delta="
                + num("delta", 1)
                + " min="
                + num("delta_threshold", 1)
            ).where(comparable, "change:not_comparable")
        ),
        arrow(("z=" + num("z_change", 2)).where(out["z_change"].notna())),
        arrow(("noise=" + num("noise", 1)).where(out["noise"].notna())),
        flag(CROSSED, crossed),
        flag(RAISED, np.asarray(raised, dtype=bool)),
    ]
    return pd.Series(pd.arrays.ArrowStringArray(join_present(parts)), index=out.index)
