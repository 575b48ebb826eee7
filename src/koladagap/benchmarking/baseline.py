"""The baseline: Benchmarking 1's result, with the history its pack shows.

:func:`run_baseline` is the domain half of ``koladagap baseline``: it runs the plan
for its baseline meeting (keeping the result for the follow-ups) with the values
of every kommun from :data:`HISTORY_YEARS` years before the baseline and the own
measurements of every year, so the pack (:func:`koladagap.render.pack.pack_input`)
draws the result and never fetches.

The longer history changes no level at the baseline: a year's level reads the
years of its pooling window and the year before, and no comparison is made.

Examples:
    >>> from koladagap.benchmarking.plan import parse_plan
    >>> plan = parse_plan({"organisation": {"id": "0180"},
    ...                    "kpis": {"ids": ["N15428", "N00906"]},
    ...                    "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018}}})
    >>> res = run_baseline(plan, source="sample", meetings_dir=None)
    >>> res.meeting.name, int(res.values["period"].min()), res.level["N00906"]
    ('Benchmarking 1', 2010, 'info')
"""

from __future__ import annotations

import os

from koladagap.benchmarking.data import Kolada, Source
from koladagap.benchmarking.plan import Plan
from koladagap.benchmarking.run import PlanResult, _run_plan

HISTORY_YEARS = 8
"""The baseline pack's time charts start this many years before the baseline."""


def run_baseline(
    plan: Plan,
    *,
    source: Source | Kolada = "api",
    meetings_dir: str | os.PathLike[str] | None = "default",
    refresh: bool = False,
) -> PlanResult:
    """Run ``plan`` for its baseline meeting, with :data:`HISTORY_YEARS` years of values.

    Args:
        plan: the plan.
        source: where the values come from (as for :func:`koladagap.values`).
        meetings_dir: where meeting results are kept (as for
            :func:`~koladagap.benchmarking.run.run_plan`); ``None`` keeps nothing.
        refresh: ask Kolada for changes since the last fetch first.

    Returns:
        The baseline's :class:`~koladagap.benchmarking.run.PlanResult`; its
        ``values`` cover every kommun, region and Riket from ``HISTORY_YEARS``
        before the baseline year up to it, and the organisation's own measurements
        of every year (:attr:`~koladagap.benchmarking.run.PlanResult.kpis` names
        those begun after the baseline year too).
    """
    return _run_plan(
        plan,
        plan.baseline.name,
        source=source,
        meetings_dir=meetings_dir,
        refresh=refresh,
        history=HISTORY_YEARS,
        every_own_year=True,
    )


def run_meeting(
    plan: Plan,
    meeting: str | None = None,
    *,
    source: Source | Kolada = "api",
    meetings_dir: str | os.PathLike[str] | None = "default",
    refresh: bool = False,
) -> PlanResult:
    """The result a meeting's deck draws: :func:`run_baseline` for the baseline meeting
    (``meeting`` None or the baseline's name), else the follow-up's
    :func:`~koladagap.benchmarking.run.run_plan` result, whose comparison carries
    the targets (Benchmarking 2).

    >>> from koladagap.benchmarking.plan import parse_plan
    >>> plan = parse_plan({"organisation": {"id": "0180"}, "kpis": {"ids": ["N15428"]},
    ...     "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018},
    ...                  "followups": [{"name": "Benchmarking 2", "year": 2022}]}})
    >>> res = run_meeting(plan, "Benchmarking 2", source="sample", meetings_dir=None)
    >>> res.meeting.name, res.comparison is not None
    ('Benchmarking 2', True)
    """
    from koladagap.benchmarking.run import run_plan

    if meeting is None or plan.meeting(meeting) == plan.baseline:
        return run_baseline(plan, source=source, meetings_dir=meetings_dir, refresh=refresh)
    return run_plan(plan, meeting, source=source, meetings_dir=meetings_dir, refresh=refresh)


__all__ = ["HISTORY_YEARS", "run_baseline", "run_meeting"]
