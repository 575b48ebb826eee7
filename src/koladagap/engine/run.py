"""The engine's vocabulary and the data structure every step of a run fills in.

:class:`EngineRun` holds the panel, the per-KPI arrays and one full-length array
per row (``run.rows``); :class:`Sparse` holds the columns known only for some rows
(tests, reference, counts). The steps live in :mod:`.gaps` (selection, gap,
expected gap, materiality), :mod:`.evidence` (counts, variances, intervals, the
pooled evidence) and :mod:`.decision` (reference and level);
:func:`~koladagap.engine.levels.run_engine` runs them in order.

The level codes are the indices into :data:`LEVELS`; the names people read live
in :mod:`koladagap.render.i18n`, not here.

Examples:
    >>> LEVELS[ACT], FLAG_LEVELS
    ('act', ('watch', 'act'))
    >>> s = Sparse(np.array([2, 5]), {"z": np.array([1.5, 3.0])})
    >>> s.get("z", np.array([5, 3])).tolist()
    [3.0, nan]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from koladagap.columns import RIKET_ID, org_kind
from koladagap.engine.panel import Panel, lookup, take
from koladagap.engine.rules import KpiArrays
from koladagap.engine.thresholds import KpiRule, Thresholds

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
"""The levels, lowest first (a level's code in the arrays is its index)."""
NOT_COMPUTABLE, TOO_SMALL, EXCLUDED, NONE, INFO, WATCH, ACT = range(7)
FLAG_LEVELS: tuple[str, ...] = ("watch", "act")
"""The levels that are flags (avvikelser)."""

CREDIBILITY_METHODS: tuple[str, ...] = ("counts", "moe", "size", "spread")
"""Where the reference's chance part came from: counts (a denominator KPI), published
margins of error, the population size, or one spread for all (no size known)."""
NO_METHOD, NEWCOMBE, MOE = range(3)

POPULATION_KPI = "N01951"
"""Kolada's inhabitants (women, men, total): the size behind the chance part when no
counts are published."""
KOMMUN, REGION, RIKET, OTHER = range(4)

EPS = 1e-9
"""Slack when comparing with a threshold: published values have few decimals, and
``52.3 − 47.3`` is ``4.999999999999996`` in binary floating point; such a gap is 5 pp."""


def municipality_types(panel: Panel, meta: pd.DataFrame | None) -> NDArray[np.int8]:
    """Per municipality code: kommun, region, riket or other (municipality groups).

    The id rule is :func:`koladagap.columns.org_kind`; a ``type`` ``K``/``L`` from
    ``meta`` wins over it, except that ``0000`` is always Riket and ``G…`` ids groups.
    """
    ids = pd.Series(np.asarray(panel.munis, dtype=object).astype(str))
    kind = org_kind(ids).to_numpy(dtype=object)
    types = np.select(
        [kind == "region", kind == "riket", kind == "group"], [REGION, RIKET, OTHER], KOMMUN
    )
    if meta is not None and {"id", "type"} <= set(meta.columns):
        m = meta.drop_duplicates("id")
        mapping = dict(zip(m["id"].astype(str), m["type"].astype(str), strict=True))
        kinds = ids.map(mapping).to_numpy(dtype=object)
        fixed = (kind == "riket") | (kind == "group")
        types = np.where(~fixed & (kinds == "K"), KOMMUN, types)
        types = np.where(~fixed & (kinds == "L"), REGION, types)
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


__all__ = [
    "ACT",
    "CREDIBILITY_METHODS",
    "EPS",
    "EXCLUDED",
    "FLAG_LEVELS",
    "INFO",
    "KOMMUN",
    "LEVELS",
    "MOE",
    "NEWCOMBE",
    "NONE",
    "NOT_COMPUTABLE",
    "NO_METHOD",
    "OTHER",
    "POPULATION_KPI",
    "REGION",
    "RIKET",
    "RIKET_ID",
    "TOO_SMALL",
    "WATCH",
    "EngineRun",
    "Sparse",
    "municipality_types",
]
