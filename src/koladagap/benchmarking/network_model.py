"""What a benchmarking network's run gives the writers: :class:`NetworkResult`.

SKR's benchmarking is done in networks of three to five organisations (kommuner
and/or regioner) and a mentor organisation. :func:`koladagap.benchmarking.network.run_network`
evaluates every member (and the mentor) on the network's shared KPIs for one
meeting and returns a :class:`NetworkResult`; the writers (CSV, xlsx, the deck)
read only this.

The tidy :attr:`NetworkResult.table` has one row per KPI × organisation:

=================  ==========================================================
``kpi``            KPI id
``kpi_title``      Kolada's title
``area``           operating area for the organisation's type (may be empty)
``municipality_id`` the member's (or mentor's) id
``member``         its name
``role``           ``"member"`` or ``"mentor"``
``period``         the data year evaluated (the meeting's year, or the
                   latest year with data)
``women``, ``men`` the values of that year (NaN for a one-sex share)
``gap``            the engine's gap (women − men; a one-sex share's
                   distance from 50/50)
``kind``           the engine's KPI kind (``share``, ``share_of_one_sex`` …)
``level``          the engine's level code (``none/info/watch/act/...``),
                   exactly the member's own report's and ``screen``'s
``reason``         the level's reason in one plain sentence, in ``lang``
``reasons``        the engine's reason codes (for analysts)
=================  ==========================================================

:attr:`NetworkResult.movement` (``None`` at the first meeting) has one row per KPI ×
organisation × meeting evaluated: ``kpi, municipality_id, meeting, year, level``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

NETWORK_COLUMNS: tuple[str, ...] = (
    "kpi",
    "kpi_title",
    "area",
    "municipality_id",
    "member",
    "role",
    "period",
    "women",
    "men",
    "gap",
    "kind",
    "level",
    "level_report",
    "reason",
    "reasons",
)
"""The columns of :attr:`NetworkResult.table`, in this order.

``level`` is the engine's level for the KPI's year (= ``koladagap screen``'s);
``level_report`` the level of the organisation's own ``deviations`` report, which
at a follow-up may be raised by a real worsening since the baseline (the
follow-up rule); at a baseline the two are the same."""


@dataclass(frozen=True, eq=False)
class NetworkResult:
    """A network evaluated for one meeting.

    Attributes:
        name: the network's name, e.g. ``"Nätverk Skåne 2026"``.
        meeting: the meeting's name, e.g. ``"Benchmarking 2"``.
        year: the meeting's data year.
        members: one row per organisation: ``id, name, kind`` (``kommun`` or
            ``region``), ``role`` (``member`` or ``mentor``), in the network
            file's order, the mentor last.
        kpis: the shared KPIs in order: ``id, title``.
        table: one row per KPI × organisation (:data:`NETWORK_COLUMNS`).
        movement: the levels at every meeting evaluated so far (see the module
            docstring), or ``None``.
        lang: ``"sv"`` or ``"en"``: the language of ``reason``.
        thresholds_text: the methods annex's rows (``setting, value``) the
            levels were judged by, for the workbook's annex.
        scores: optional per-member checklist results (member id → a
            :class:`koladagap.checklist.ChecklistResult`).
        details: the engine's rows behind :attr:`table` (same order and index,
            every column of :func:`koladagap.engine.evaluate`), for the plain
            reasons (:func:`koladagap.render.network_text.with_reasons`); ``None``
            when not kept.
        comparison: at a follow-up, each organisation's comparison with the
            baseline (:data:`koladagap.engine.COMPARE_COLUMNS`, one row per KPI ×
            organisation: ``change``, ``level_followup`` … as in its own report),
            or ``None``.
    """

    name: str
    meeting: str
    year: int
    members: pd.DataFrame
    kpis: pd.DataFrame
    table: pd.DataFrame
    movement: pd.DataFrame | None = None
    lang: str = "sv"
    thresholds_text: pd.DataFrame | None = None
    scores: Mapping[str, object] = field(default_factory=dict)
    details: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None

    @property
    def mentor(self) -> str | None:
        """The mentor's id, if the network has one."""
        m = self.members.loc[self.members["role"] == "mentor", "id"]
        return str(m.iloc[0]) if len(m) else None


__all__ = ["NETWORK_COLUMNS", "NetworkResult"]
