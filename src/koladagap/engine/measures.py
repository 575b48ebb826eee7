"""Gap measures on the wide women/men/total view (method section 1).

All measures are vectorised over any number of rows. A null K or M gives
``status == "not_computable"`` and NaN measures: missing is never a zero gap.

Two kinds of KPI have no K and M of their own (method section 1), and the KPI table
says which: a *share of one sex* (``share_of_one_sex``, e.g. N00945, the men's share
of VAB days) publishes only the share T, and its gap is the distance from 50/50,
``T − 50`` (``status == "distance_from_parity"``); a *gap value* (``gap_value``, the
pay gap) publishes the gap itself, ``gap = T`` (``status == "gap_value"``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

NOT_COMPUTABLE = "not_computable"
COMPUTED = "computed"
DISTANCE_FROM_PARITY = "distance_from_parity"
"""``status`` of a one-sex share: ``gap`` is the share's distance from 50/50 (T − 50)."""
GAP_VALUE = "gap_value"
"""``status`` of a KPI whose value is already a gap: ``gap`` is T."""
STATUSES = (COMPUTED, DISTANCE_FROM_PARITY, GAP_VALUE, NOT_COMPUTABLE)
"""Every value of ``compute_gaps``'s ``status``."""


def _lower_is_better(wide: pd.DataFrame, table: pd.DataFrame | None) -> NDArray[np.bool_]:
    """Per row: ``table`` says lower is better for its KPI (False without a ``kpi`` or table)."""
    if table is None or "kpi" not in wide.columns or wide.empty:
        return np.zeros(len(wide), dtype=bool)
    lower = set(table.loc[table["direction"] == "lower_is_better", "id"].astype(str))
    out: NDArray[np.bool_] = wide["kpi"].astype(str).isin(lower).to_numpy(dtype=bool)
    return out


def _kind_of(
    wide: pd.DataFrame, table: pd.DataFrame | None
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]]:
    """Per row: a share of one sex, that share is men's, a gap value (from ``table``)."""
    n = len(wide)
    no = np.zeros(n, dtype=bool)
    if table is None or "kpi" not in wide.columns or "kind" not in table.columns or not n:
        return no, no, no
    kinds = dict(zip(table["id"].astype(str), table["kind"].astype(str), strict=False))
    kind = wide["kpi"].astype(str).map(kinds).fillna("")
    one = kind.eq("share_of_one_sex").to_numpy(dtype=bool)
    men = no
    if "share_of" in table.columns:
        of = dict(zip(table["id"].astype(str), table["share_of"].astype(str), strict=False))
        men = wide["kpi"].astype(str).map(of).eq("M").to_numpy(dtype=bool)
    return one, one & men, kind.eq("gap_value").to_numpy(dtype=bool)


def compute_gaps(wide: pd.DataFrame, kpi_table: pd.DataFrame | None) -> pd.DataFrame:
    """Add ``gap`` (K − M), ``relative_gap``, ``ratio`` (K / M), ``parity`` and ``status``.

    ``relative_gap`` divides the gap by the advantaged sex's value, as the
    engine and the reports do (one definition everywhere, docs/methods.md section 1):
    the larger of the two values, or the smaller for KPIs that ``kpi_table`` (``id,
    direction``, e.g. :func:`koladagap.benchmarking.kpi_table.kpi_table`) marks
    ``lower_is_better`` (when the frame has a ``kpi`` column; ``None``: the larger for
    every row). A zero denominator gives NaN, not infinity.

    Where ``kpi_table`` has ``kind`` (and ``share_of``), a share of one sex gets
    ``gap = T − 50`` (its distance from 50/50), ``relative_gap = gap / 50`` and ratio
    and parity of the implied shares (the other sex has 100 − T), with ``status``
    :data:`DISTANCE_FROM_PARITY`; a gap value gets ``gap = T`` and ``status``
    :data:`GAP_VALUE` — as :func:`~koladagap.engine.evaluate` measures them.

    Examples:
        >>> import koladagap
        >>> from koladagap.benchmarking.kpi_table import kpi_table
        >>> from koladagap.kolada.frames import to_wide
        >>> w = to_wide(koladagap.values("N00906", "0180", 2022, source="sample"))
        >>> g = compute_gaps(w, kpi_table())
        >>> float(g.loc[0, "gap"]), round(float(g.loc[0, "ratio"]), 3), g.loc[0, "status"]
        (-46800.0, 0.891, 'computed')
    """
    out = wide.copy()
    one, of_men, gap_value = _kind_of(out, kpi_table)
    t = out["total"].to_numpy(dtype="float64") if "total" in out.columns else np.nan
    t = np.broadcast_to(t, (len(out),))
    split = ~(one | gap_value)
    # a one-sex share implies both shares: the named sex's T, the other sex's 100 − T
    women_share = np.where(of_men, 100.0 - t, t)
    k = np.where(one, women_share, out["women"].to_numpy(dtype="float64"))
    m = np.where(one, 100.0 - women_share, out["men"].to_numpy(dtype="float64"))
    ok = np.where(split, ~(np.isnan(k) | np.isnan(m)), ~np.isnan(t))
    gap = np.where(one, t - 50.0, np.where(gap_value, t, k - m))
    gap = np.where(ok, gap, np.nan)
    hi = np.fmax(np.abs(k), np.abs(m))
    lo = np.fmin(np.abs(k), np.abs(m))
    adv = np.where(_lower_is_better(out, kpi_table), lo, hi)
    adv = np.where(one, 50.0, np.where(gap_value, np.nan, adv))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(ok & (adv > 0), gap / adv, np.nan)
        ratio = np.where(ok & ~gap_value & (m != 0), k / m, np.nan)
        parity = np.where(ok & (hi > 0), lo / hi, np.where(ok & (hi == 0), 1.0, np.nan))
    out["gap"] = gap
    out["relative_gap"] = rel
    out["ratio"] = ratio
    out["parity"] = np.where(gap_value, np.nan, parity)
    status = np.select(
        [~ok, one, gap_value], [NOT_COMPUTABLE, DISTANCE_FROM_PARITY, GAP_VALUE], COMPUTED
    )
    out["status"] = pd.Series(status, index=out.index, dtype="string")
    return out
