"""What the final report (slutrapport) is made of: the baseline and the latest meeting.

:func:`final_report_data` runs the plan twice with
:func:`~koladagap.benchmarking.run.run_plan`: for its baseline meeting (Benchmarking 1)
and for its latest meeting (normally the results conference), reading and keeping
meeting results in ``meetings_dir`` as ``koladagap deviations`` does. The
:class:`FinalReportData` carries both results; :func:`changes` puts the
comparison's columns the report shows in one frame. Nothing here words or draws:
:mod:`koladagap.render.slutrapport` does.

Examples:
    >>> from koladagap.benchmarking.plan import parse_plan
    >>> plan = parse_plan({"organisation": {"id": "1233"},
    ...     "kpis": {"ids": ["N31814", "N15428"]},
    ...     "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018},
    ...                  "followups": [{"name": "Resultatkonferens", "year": 2022}]}})
    >>> data = final_report_data(plan, source="sample", meetings_dir=None)
    >>> data.period, data.latest.meeting.name
    ((2018, 2022), 'Resultatkonferens')
    >>> changes(data).set_index("kpi").loc["N31814", ["change", "flag_movement"]].tolist()
    ['worsened', 'new']
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from koladagap.benchmarking.data import Kolada, Source, _resolve
from koladagap.benchmarking.network import Network, run_network
from koladagap.benchmarking.network_model import NetworkResult
from koladagap.benchmarking.plan import Plan
from koladagap.benchmarking.run import PlanResult, run_plan
from koladagap.errors import InputError

CHANGE_COLUMNS: tuple[str, ...] = (
    "kpi",
    "baseline_year",
    "followup_year",
    "gap_baseline",
    "gap_followup",
    "change",
    "level_baseline",
    "level_followup",
    "flag_movement",
    "target_year",
    "target_gap",
    "target_value",
)
"""The comparison's columns the final report reads (:func:`changes`)."""


@dataclass(frozen=True)
class FinalReportData:
    """The plan's baseline and latest meeting, evaluated.

    Attributes:
        plan: the plan.
        baseline: the baseline meeting's result (Benchmarking 1).
        latest: the latest meeting's result, compared with the baseline; ``None``
            when the plan has no meeting after the baseline.
        network: the organisation's benchmarking network evaluated for the plan's
            latest meeting (:func:`~koladagap.benchmarking.network.run_network`), or
            ``None`` without a network file.
    """

    plan: Plan
    baseline: PlanResult
    latest: PlanResult | None
    network: NetworkResult | None = None

    @property
    def period(self) -> tuple[int, int]:
        """The programme period: the first and the last meeting's data years."""
        years = [int(m.year) for m in self.plan.meetings]
        return min(years), max(years)

    @property
    def organisation_name(self) -> str:
        """The organisation's name (its id when the name is unknown)."""
        return self.baseline.organisation_name or str(self.plan.organisation)


def final_report_data(
    plan: Plan,
    *,
    source: Source | Kolada = "api",
    meetings_dir: str | os.PathLike[str] | None = "default",
    refresh: bool = False,
    network: Network | None = None,
) -> FinalReportData:
    """Run ``plan`` for its baseline and its latest meeting (one data source for both).

    The baseline runs first, so a follow-up compares with the baseline meeting
    result stored in ``meetings_dir`` (what was shown at Benchmarking 1) when
    there is one. With ``network`` (the plan's organisation a member or its
    mentor) the network is run on the same source for the meeting of
    :func:`network_meeting`; nothing of the network's run is stored.

    Raises:
        InputError: the plan's organisation is neither a member nor the mentor of
            ``network`` (the message names both files).
    """
    if network is not None:
        check_in_network(plan, network)
    kg = _resolve(source)
    base = run_plan(plan, plan.baseline.name, source=kg, meetings_dir=meetings_dir, refresh=refresh)
    last = plan.meetings[-1]
    latest = None
    if last != plan.baseline:
        latest = run_plan(plan, last.name, source=kg, meetings_dir=meetings_dir)
    net = None
    if network is not None:
        meeting = network_meeting(plan, network)
        net = run_network(network, meeting, source=kg, lang=plan.lang, meetings_dir=None)
    return FinalReportData(plan=plan, baseline=base, latest=latest, network=net)


def network_meeting(plan: Plan, network: Network) -> str:
    """The network's meeting for the plan's latest one: same name, else same year, else latest.

    Names are compared without regard to case.
    """
    last = plan.meetings[-1]
    for m in network.meetings:
        if m.name.casefold() == last.name.casefold():
            return m.name
    same_year = [m.name for m in network.meetings if int(m.year) == int(last.year)]
    return same_year[0] if same_year else network.meetings[-1].name


def check_in_network(plan: Plan, network: Network) -> None:
    """One line when the plan's organisation is not a member or the mentor of ``network``."""
    ids = {o.id for o in network.organisations}
    if str(plan.organisation) not in ids:
        raise InputError(
            f"{plan.path or 'the plan'}: organisation {plan.organisation} is neither a member "
            f"nor the mentor of the network in {network.path or 'the network file'} "
            f"({', '.join(sorted(ids))})"
        )


def changes(data: FinalReportData) -> pd.DataFrame:
    """One row per KPI of the latest meeting's comparison (:data:`CHANGE_COLUMNS`).

    Empty (with the columns) when the plan has no follow-up yet. The KPIs come in
    the order of the latest meeting's table.
    """
    comp = data.latest.comparison if data.latest is not None else None
    if comp is None or comp.empty:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    assert data.latest is not None
    c = comp.drop_duplicates("kpi").reindex(columns=list(CHANGE_COLUMNS))
    c = c.set_index(c["kpi"].astype(str), drop=False)
    order = [k for k in data.latest.kpis if k in c.index]
    return c.reindex(order).reset_index(drop=True)


__all__ = [
    "CHANGE_COLUMNS",
    "FinalReportData",
    "changes",
    "check_in_network",
    "final_report_data",
    "network_meeting",
]
