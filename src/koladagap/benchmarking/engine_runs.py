"""One engine run for several plans: the organisations of a benchmarking network.

:func:`koladagap.benchmarking.run.run_plan` runs the engine for one organisation.
The engine judges each municipality against all of its type whichever are asked
for (``municipalities`` only selects the result's rows), so the plans of a network
that differ in nothing but the organisation share their values, one engine run and
one comparison with the baseline (:class:`Batch`): the same levels as each
member's own run (pinned by tests/test_network.py), made once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from koladagap.benchmarking.measurements import annotate_reasons
from koladagap.benchmarking.plan import Plan
from koladagap.engine import KpiRule, Thresholds, compare
from koladagap.engine.levels import EngineRun, evaluation, run_engine

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult


@dataclass
class Batch:
    """Several organisations' plans run on one engine run (a benchmarking network).

    The engine judges each municipality against all of its type whichever are
    asked for (``municipalities`` only selects the result's rows), so plans that
    differ in nothing but the organisation share the values and one engine run
    over all of them: ``memo`` keeps it per KPI set, rules, thresholds and years.
    ``peers`` maps every organisation to its peers (``id, title, group_title``, as
    :meth:`Kolada.peers` gives them, and the group's title). The comparisons with
    the baseline are made once per engine run too, by :meth:`compare`, after every
    plan has run (each comparison row is one organisation's: the rows do not
    depend on which others are compared).
    """

    organisations: list[str]
    peers: dict[str, tuple[pd.DataFrame, str]]
    memo: dict[tuple[Any, ...], tuple[pd.DataFrame, pd.DataFrame, EngineRun]] = field(
        default_factory=dict
    )
    pending: dict[str, tuple[pd.DataFrame, pd.DataFrame, EngineRun, Thresholds]] = field(
        default_factory=dict
    )

    def compare(self, results: list[PlanResult]) -> list[PlanResult]:
        """``results`` with the comparisons left pending (by organisation) filled in."""
        made: dict[int, pd.DataFrame] = {}
        out: list[PlanResult] = []
        for result in results:
            org = result.plan.organisation
            if org not in self.pending:
                out.append(result)
                continue
            _, _, run, th = self.pending[org]
            if id(run) not in made:
                mine = [p for p in self.pending.values() if p[2] is run]
                base = pd.concat([p[0] for p in mine], ignore_index=True)
                follow = pd.concat([p[1] for p in mine], ignore_index=True)
                made[id(run)] = compare(base, follow, pd.DataFrame(), th, run=run)
            done = made[id(run)]
            own = done["municipality_id"].astype(str).eq(org).to_numpy(bool)
            out.append(dataclasses.replace(result, comparison=done.loc[own].reset_index(drop=True)))
        self.pending.clear()
        return out


def _engine_rows(
    plan: Plan,
    values: pd.DataFrame,
    rules: Mapping[str, KpiRule],
    *,
    batch: Batch | None,
    key: tuple[Any, ...],
    peers: dict[str, list[str]],
    **meta: Any,
) -> tuple[pd.DataFrame, EngineRun]:
    """The organisation's evaluated rows (reasons annotated) and the engine run behind them.

    With a batch, the run covers the batch's organisations that have values and is
    made once per ``key`` (:class:`Batch`); alone, the organisation's.
    """
    orgs = [plan.organisation]
    if batch is not None and plan.organisation in set(values["municipality_id"].unique()):
        present = set(values["municipality_id"].unique())
        orgs = [o for o in batch.organisations if o in present]
        peers = {o: _ids(batch.peers.get(o)) for o in orgs} | peers
    if batch is not None and len(orgs) > 1 and key in batch.memo:
        _, evaluated, run = batch.memo[key]
    else:
        evaluated, run = _evaluate(
            values, rules, plan.thresholds, municipalities=orgs, peers=peers, **meta
        )
        evaluated = annotate_reasons(evaluated)
        if batch is not None and len(orgs) > 1:
            batch.memo[key] = (values, evaluated, run)
    if len(orgs) > 1:
        mine = evaluated["municipality_id"].astype(str).eq(plan.organisation).to_numpy(bool)
        evaluated = evaluated.loc[mine].reset_index(drop=True)
    return evaluated, run


def _ids(peers: tuple[pd.DataFrame, str] | None) -> list[str]:
    return [] if peers is None else peers[0]["id"].astype(str).tolist()


def _evaluate(
    values: pd.DataFrame,
    rules: Mapping[str, KpiRule],
    thresholds: Thresholds,
    **kw: Any,
) -> tuple[pd.DataFrame, EngineRun]:
    """:func:`koladagap.engine.evaluate`'s frame and the engine run behind it (run once)."""
    run = run_engine(values, rules, thresholds, **kw)
    return evaluation(run, kw.get("municipality_meta"), kw.get("kpi_meta")), run


__all__ = ["Batch"]
