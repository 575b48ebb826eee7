"""The reference and the level: is a material gap unusual, and how unusual?

:func:`decide` compares each row's pooled evidence (:mod:`.evidence`) with every
municipality of the same type in a funnel with over-dispersion
(:mod:`.funnel`), orients the z so that positive puts the same sex behind as the
row's gap, and turns materiality, z and the Benjamini–Hochberg q into the level
(``none``, ``info``, ``watch``, ``act``; ``too_small``, ``not_computable`` and
``excluded`` where the row cannot be judged).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from koladagap.engine import credibility as cred
from koladagap.engine.evidence import pooled_evidence
from koladagap.engine.funnel import funnel
from koladagap.engine.gaps import material_at
from koladagap.engine.reference import oriented_percentile
from koladagap.engine.rules import AMOUNT, EXP_NUMBER, LOWER, NEED, ONE_SEX, SHARE
from koladagap.engine.run import (
    ACT,
    EPS,
    EXCLUDED,
    INFO,
    NONE,
    NOT_COMPUTABLE,
    REGION,
    TOO_SMALL,
    WATCH,
    BoolArray,
    EngineRun,
    FloatArray,
    IntArray,
    Sparse,
)


def decide(run: EngineRun) -> None:
    """The reference (z, q, percentile) of the rows needed, then every row's level."""
    _reference(run)
    _levels(run)


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
    ev = pooled_evidence(run, pop)
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


__all__ = ["decide", "orientation"]
