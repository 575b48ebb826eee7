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

How it is computed: the values become integer-coded arrays (:mod:`.panel`)
held by an :class:`~koladagap.engine.run.EngineRun`; :func:`run_engine` fills it
step by step, each a NumPy operation over all rows or a subset of them:
:mod:`.gaps` (rows, gap, expected gap, materiality), :mod:`.evidence` (counts,
chance, pooled evidence), :mod:`.decision` (reference and level);
:mod:`.result` turns the rows asked for into the result frame. When a
``year`` is given only the years of its pooling window are read, and the
reference only for that year's KPI-years, so one year for all 290 kommuner
costs little more than reading the data.

Examples:
    >>> from koladagap.benchmarking.kpi_table import kpi_table
    >>> from koladagap.kolada.sample import sample_values, sample_municipalities
    >>> res = evaluate(sample_values(), None, year=2022, municipalities=["0180"],
    ...                municipality_meta=sample_municipalities(), kpi_table=kpi_table())
    >>> row = res.set_index("kpi").loc["N00906"]
    >>> float(row["gap"]), row["disadvantaged"], row["level"]
    (-46800.0, 'women', 'info')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from koladagap.engine._moved import moved
from koladagap.engine.decision import decide, orientation
from koladagap.engine.evidence import aux_values, population, weigh
from koladagap.engine.gaps import (
    advantaged_value,
    expected_gap,
    measure,
    peer_median,
    riket_gap,
    select_rows,
)
from koladagap.engine.panel import build_panel
from koladagap.engine.result import assemble, empty_result
from koladagap.engine.rules import kpi_arrays, resolve_rules, rules_from_table
from koladagap.engine.run import (
    CREDIBILITY_METHODS,
    EPS,
    FLAG_LEVELS,
    KOMMUN,
    LEVELS,
    POPULATION_KPI,
    REGION,
    RIKET_ID,
    EngineRun,
    Sparse,
    municipality_types,
)
from koladagap.engine.thresholds import KpiRule, Thresholds

# the names above that this module does not use itself stay importable from here
# (koladagap.engine.levels was the one module of the engine run): see __all__


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
    kpi_table: pd.DataFrame | None = None,
) -> EngineRun:
    """The array pipeline behind :func:`evaluate` (same arguments)."""
    th = thresholds or Thresholds()
    th.validate()
    panel = build_panel(values)
    titles = _titles(kpi_meta)
    rule_map = resolve_rules(rules, [str(k) for k in panel.kpis], titles, table=kpi_table)
    for rule in rule_map.values():
        rule.validate()
    run = EngineRun(panel, kpi_arrays(panel, rule_map, th), rule_map, th, year, peers=peers)
    run.muni_types = municipality_types(panel, municipality_meta)
    select_rows(run, municipalities)
    measure(run)
    weigh(run)
    decide(run)
    for name in ("selected", "eligible", "focus", "lr"):
        run.rows.pop(name, None)  # working arrays no later step reads
    return run


def _titles(kpi_meta: pd.DataFrame | None) -> dict[str, str] | None:
    if kpi_meta is None or not {"id", "title"} <= set(kpi_meta.columns):
        return None
    m = kpi_meta.dropna(subset=["id", "title"])
    return dict(zip(m["id"].astype(str), m["title"].astype(str), strict=True))


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
    kpi_table: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Gaps, tests, reference and level for every KPI × municipality × year.

    Args:
        values: the tidy long frame (``kpi, municipality_id, period, gender,
            value, ...``) for **all** municipalities and every year available:
            the reference needs every municipality of the same type, the
            evidence pools earlier years. Denominator and margin-of-error KPIs
            named by the rules, and the population (N01951), should be in it too.
        rules: per-KPI rules (a mapping by id or an iterable of
            :class:`KpiRule`); ``None``: the rule ``kpi_table`` gives every KPI
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
        kpi_meta: the KPI catalogue: ``id, title`` for the titles, and
            ``label_women, label_men`` (the readers' words for the two groups,
            e.g. *flickor*/*pojkar*) copied into the result when present
            (empty strings otherwise).
        kpi_table: the KPI table
            (:func:`koladagap.benchmarking.kpi_table.kpi_table`'s columns), needed
            when ``rules`` is ``None``.

    Returns:
        A frame with :data:`~koladagap.engine.result.RESULT_COLUMNS`, sorted by
        KPI, municipality and year.

    Raises:
        InvalidYearsError: ``year`` has no values for the KPIs evaluated.
        UnknownIdError: a requested municipality has no values at all.
        ConfigError: a rule or threshold is invalid.
        TypeError: neither ``rules`` nor ``kpi_table`` is given.
    """
    run = run_engine(
        values,
        rules,
        thresholds,
        year=year,
        municipalities=municipalities,
        municipality_meta=municipality_meta,
        peers=peers,
        kpi_meta=kpi_meta,
        kpi_table=kpi_table,
    )
    return evaluation(run, municipality_meta, kpi_meta)


def evaluation(
    run: EngineRun,
    municipality_meta: pd.DataFrame | None = None,
    kpi_meta: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The :func:`evaluate` frame of an engine run made by :func:`run_engine`.

    For a caller that keeps the run (e.g. to :func:`~koladagap.engine.followup.compare`
    with it) and needs the frame too: ``evaluate(values, …)`` is
    ``evaluation(run_engine(values, …), municipality_meta, kpi_meta)``.

    Args:
        run: the engine run.
        municipality_meta: as for :func:`evaluate` (the municipality names).
        kpi_meta: as for :func:`evaluate` (titles and the readers' words for the sexes).

    Returns:
        A frame with :data:`~koladagap.engine.result.RESULT_COLUMNS` for the rows the
        run was asked for (its ``year`` and ``municipalities``); empty when none.
    """
    idx = np.flatnonzero(run.rows["output"])
    if len(idx) == 0:
        return empty_result()
    return assemble(run, idx, municipality_meta, kpi_meta)


def __getattr__(name: str) -> Any:
    """The level names moved to :mod:`koladagap.render.i18n` (deprecated aliases)."""
    return moved(__name__, name)


__all__ = [
    "CREDIBILITY_METHODS",
    "EPS",
    "FLAG_LEVELS",
    "KOMMUN",
    "LEVELS",
    "POPULATION_KPI",
    "REGION",
    "RIKET_ID",
    "EngineRun",
    "Sparse",
    "advantaged_value",
    "aux_values",
    "evaluate",
    "evaluation",
    "expected_gap",
    "municipality_types",
    "orientation",
    "peer_median",
    "population",
    "resolve_rules",
    "riket_gap",
    "rules_from_table",
    "run_engine",
]
