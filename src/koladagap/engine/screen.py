"""The national screen: every municipality of one type, judged at one year.

:func:`screen` is :func:`~koladagap.engine.levels.evaluate` for all kommuner
(or all regioner) at once, Riket left out, with the columns an analyst needs
to read a flag and to check the method: the gap, the pooled evidence, the
reference statistic and the reasons. ``koladagap screen`` and
:func:`koladagap.screen` fetch the values and call it;
``benchmarks/calibration.py`` runs it on simulated panels.

Examples:
    >>> from koladagap.benchmarking.kpi_table import kpi_table
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> s = screen(sample_values(), year=2022, municipality_meta=sample_municipalities(),
    ...            kpi_table=kpi_table())
    >>> sorted(s["municipality_id"].unique())[:2], int((s["municipality_id"] == "0000").sum())
    (['0114', '0115'], 0)
    >>> set(s["level"]) <= set(LEVELS)
    True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from koladagap.engine.levels import evaluate
from koladagap.engine.panel import build_panel
from koladagap.engine.result import ROW_COLUMNS
from koladagap.engine.run import KOMMUN, LEVELS, REGION, municipality_types
from koladagap.engine.thresholds import KpiRule, Thresholds
from koladagap.errors import ConfigError

MunicipalityType = Literal["kommun", "region"]

SCREEN_COLUMNS: list[str] = [
    *ROW_COLUMNS,
    "expected",
    "excess_gap",
    "disadvantaged",
    "material",
    "evidence",
    "evidence_years",
    "repeated",
    "credibility",
    "reference_median",
    "reference_scale",
    "reference_tau",
    "reference_n",
    "z_ref",
    "percentile_ref",
    "p_value",
    "q_value",
    "level",
    "reasons",
]
"""The columns of :func:`screen`'s result, in order."""


def screen(
    values: pd.DataFrame,
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None = None,
    thresholds: Thresholds | None = None,
    *,
    year: int,
    municipality_type: MunicipalityType = "kommun",
    municipality_meta: pd.DataFrame | None = None,
    kpi_meta: pd.DataFrame | None = None,
    kpi_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per KPI × municipality of ``municipality_type``, judged at ``year``.

    Args:
        values: the tidy long frame for all municipalities and the years before
            ``year`` (the evidence pools them); the population (N01951) and the
            rules' denominator and margin-of-error KPIs should be in it too.
        rules: per-KPI rules; ``None``: the rules of ``kpi_table`` (KPIs it lacks
            get a provisional rule and reach at most ``info``).
        thresholds: ``None`` for the defaults.
        year: the year judged.
        municipality_type: ``"kommun"`` or ``"region"``.
        municipality_meta: ``id, title, type`` for names and types.
        kpi_meta: the KPI catalogue for titles.
        kpi_table: the KPI table, needed when ``rules`` is ``None`` (as for
            :func:`~koladagap.engine.levels.evaluate`).

    Returns:
        A frame with :data:`SCREEN_COLUMNS`, sorted by KPI and municipality.

    Raises:
        ConfigError: an unknown ``municipality_type``.
        InvalidYearsError: no values for ``year``.
    """
    if municipality_type not in ("kommun", "region"):
        raise ConfigError(
            f"unknown municipality type {municipality_type!r}; accepted: kommun, region",
            key="type",
        )
    panel = build_panel(values)
    types = municipality_types(panel, municipality_meta)
    want = KOMMUN if municipality_type == "kommun" else REGION
    ids = [str(m) for m in np.asarray(panel.munis)[types == want]]
    if not ids:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in SCREEN_COLUMNS})
    res = evaluate(
        values,
        rules,
        thresholds,
        year=year,
        municipalities=ids,
        municipality_meta=municipality_meta,
        kpi_meta=kpi_meta,
        kpi_table=kpi_table,
    )
    return res[SCREEN_COLUMNS].reset_index(drop=True)


__all__ = ["LEVELS", "SCREEN_COLUMNS", "screen"]
