"""Run a plan: fetch what it needs, evaluate a meeting, compare with the baseline, keep it.

:func:`run_plan` is what ``koladagap deviations`` does, for notebooks:

1. resolve the plan's KPIs (explicit ids and the members of KPI groups such as
   SKR's "Jämställdhet", reporting members that no longer exist);
2. read the values of every municipality for those KPIs (and the denominator
   and margin-of-error KPIs the rules name) from the sample, the cache or Kolada;
3. run the engine once on those values (:func:`koladagap.engine.evaluate`) and
   take the meeting's data year (per KPI the latest year published up to it);
4. for a follow-up meeting, compare with the baseline: the baseline stored when
   it was first evaluated if there is one (what was shown at Benchmarking 1),
   else taken from the same engine run; the comparison reuses that run; and keep
   this meeting's result for later meetings (:mod:`koladagap.benchmarking.meetings`).

The :class:`PlanResult` carries the values, the evaluation and the comparison,
so what is drawn or written from it needs no second fetch and no second run.

Examples:
    >>> from koladagap.benchmarking.plan import parse_plan
    >>> plan = parse_plan({"organisation": {"id": "0180"},
    ...                    "kpis": {"ids": ["N17461", "N00906"]},
    ...                    "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018},
    ...                                 "followups": [{"name": "Resultatkonferens",
    ...                                                "year": 2022}]}})
    >>> res = run_plan(plan, source="sample", meetings_dir=None)
    >>> row = res.table.set_index("kpi").loc["N17461"]
    >>> int(row["period"]), row["level"]
    (2022, 'info')
    >>> res.comparison.set_index("kpi").loc["N17461", "change"]
    'unchanged'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from koladagap.benchmarking.data import Kolada, Source, _resolve
from koladagap.benchmarking.engine_runs import Batch, _engine_rows
from koladagap.benchmarking.kpi_table import (
    GONE_KPIS,
    GroupResolution,
    kpi_table,
    operating_areas,
    resolve_kpi_group,
)
from koladagap.benchmarking.measurements import is_own, merge_into, read_many
from koladagap.benchmarking.meetings import (
    meeting_slug,
    meetings_folder,
    save_plan_meeting,
    stored_baseline,
)
from koladagap.benchmarking.plan import Meeting, Plan
from koladagap.columns import KPI, org_kind
from koladagap.engine import FLAG_LEVELS, KpiRule, Thresholds, compare
from koladagap.engine.levels import POPULATION_KPI
from koladagap.engine.rules import rules_from_table
from koladagap.errors import InputError
from koladagap.kolada.frames import label_columns

log = logging.getLogger("koladagap")

_UNSET: Any = object()
"""Marks a deprecated keyword that was not given."""
HISTORY = 4
"""Years of values read before the earlier of the baseline and the meeting evaluated."""


@dataclass
class PlanResult:
    """A plan evaluated for one meeting: what the deviation report and the pack are made of.

    Attributes:
        plan: the plan.
        meeting: the meeting evaluated.
        table: one row per KPI for the organisation (``evaluate`` columns), the
            latest year published up to the meeting's year.
        comparison: for a follow-up, one row per KPI compared with the baseline
            (:data:`koladagap.engine.COMPARE_COLUMNS`); ``None`` at the baseline.
        baseline_source: ``"stored"`` (the saved baseline meeting result),
            ``"computed"`` or ``None``.
        rules: the rule of every KPI.
        thresholds: the plan's thresholds.
        peers: the peers (``id, title``): a kommun's "Liknande kommuner", a region's
            other 20 regioner (``peer_group_title`` "Övriga regioner").
        peer_group_title: the peer group's title.
        groups: how each KPI group of the plan was resolved.
        areas: operating area per KPI (for managers).
        organisation_name: e.g. ``"Stockholm"``.
        data_source: where the values came from (``sample``, ``offline``, the API URL).
        values: the tidy values the engine ran on: every municipality, the plan's
            KPIs with their denominators, margins of error and the population,
            the years from four before the earlier of baseline and meeting to the
            meeting's year (and own measurements, for the organisation).
        evaluation: the engine's frame for the organisation, every year of
            ``values`` (:attr:`table` is its row per KPI for the meeting).
        kpi_meta: the KPI catalogue used (``id, title`` …; own measurements included).
    """

    plan: Plan
    meeting: Meeting
    table: pd.DataFrame
    comparison: pd.DataFrame | None
    baseline_source: str | None
    rules: Mapping[str, KpiRule]
    thresholds: Thresholds
    peers: pd.DataFrame
    peer_group_title: str
    groups: list[GroupResolution] = field(default_factory=list)
    areas: Mapping[str, str] = field(default_factory=dict)
    organisation_name: str = ""
    data_source: str = ""
    created_at: str = ""
    units: Any = None
    """:class:`koladagap.benchmarking.units.UnitGaps` when the plan asks for units (``[units]``)."""
    values: pd.DataFrame = field(default_factory=pd.DataFrame)
    evaluation: pd.DataFrame = field(default_factory=pd.DataFrame)
    kpi_meta: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def session(self) -> Meeting:
        """Deprecated: :attr:`meeting`."""
        warnings.warn(
            "PlanResult.session is now PlanResult.meeting; the old name goes in koladagap 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.meeting

    @property
    def organisation_kind(self) -> str:
        """``"region"`` or ``"kommun"``: which peers, areas and words fit the organisation."""
        return _kind(self.plan.organisation)

    @property
    def kpis(self) -> list[str]:
        """The KPIs the result covers, in order.

        Those of :attr:`table`, then own measurements that have values for the
        organisation but none up to the meeting's year (begun later).
        """
        ids = self.table["kpi"].astype(str).tolist()
        if self.values.empty:
            return ids
        v = self.values
        kpi = v["kpi"].astype(str)
        later = (v["municipality_id"] == self.plan.organisation) & kpi.map(is_own).astype(bool)
        later &= ~kpi.str.endswith("-N")  # the counts behind an own share
        return ids + [k for k in pd.unique(kpi[later.to_numpy(bool)]) if k not in ids]

    @property
    def level(self) -> pd.Series:
        """The level per KPI (after the follow-up rule when compared), indexed by KPI."""
        lv = self.table.set_index("kpi")["level"].astype("string")
        if self.comparison is not None and len(self.comparison):
            f = self.comparison.set_index("kpi")["level_followup"].astype("string")
            lv = f.reindex(lv.index).fillna(lv)
        return lv

    @property
    def flags(self) -> pd.DataFrame:
        """The ``watch``/``act`` rows of :attr:`table` (with the follow-up level), act first."""
        lv = self.level
        t = self.table.copy()
        t["level"] = t["kpi"].map(lv)
        f = t.loc[t["level"].isin(FLAG_LEVELS).fillna(False).to_numpy(bool)].copy()
        f["_o"] = (f["level"] == "watch").astype(int)
        return f.sort_values(["_o", "kpi"]).drop(columns="_o").reset_index(drop=True)

    def for_area(self, area: str) -> PlanResult:
        """The same result restricted to the KPIs of one operating area (``values`` stay whole)."""
        kpis = [k for k, a in self.areas.items() if a == area]
        if not kpis:
            raise InputError(
                f"unknown area {area!r}; areas: {', '.join(sorted(set(self.areas.values())))}"
            )
        comp = None
        if self.comparison is not None:
            comp = self.comparison.loc[self.comparison["kpi"].isin(kpis)].reset_index(drop=True)
        units = self.units
        if units is not None:
            keep = units.table["kpi"].isin(kpis)
            units = dataclasses.replace(units, table=units.table.loc[keep].reset_index(drop=True))
        ev = self.evaluation
        if "kpi" in ev.columns:
            ev = ev.loc[ev["kpi"].isin(kpis)].reset_index(drop=True)
        return dataclasses.replace(
            self,
            table=self.table.loc[self.table["kpi"].isin(kpis)].reset_index(drop=True),
            evaluation=ev,
            comparison=comp,
            units=units,
            areas={k: a for k, a in self.areas.items() if a == area},
        )


def resolve_plan_kpis(plan: Plan, kg: Kolada) -> tuple[list[str], list[GroupResolution]]:
    """The plan's KPI ids: explicit ids first, then group members, without duplicates."""
    ids = list(plan.kpi_ids)
    resolutions: list[GroupResolution] = []
    if plan.kpi_groups:
        live = kg._metadata("kpi_groups")
        catalogue = kg._metadata("kpis")
        for gid in plan.kpi_groups:
            res = resolve_kpi_group(gid, groups=live, catalogue=catalogue)
            resolutions.append(res)
            if res.missing:
                # the members Kolada v3 dropped are known and documented: no news on every run
                news = any(m not in GONE_KPIS for m in res.missing)
                (log.warning if news else log.info)(
                    "KPI group %s (%s): %d member(s) no longer in Kolada, left out: %s",
                    gid,
                    res.title,
                    len(res.missing),
                    ", ".join(res.missing),
                )
            ids += [m for m in res.members if m not in ids]
    return ids, resolutions


def plan_rules(plan: Plan, kpis: Sequence[str], titles: Mapping[str, str]) -> dict[str, KpiRule]:
    """The bundled KPI table's rule of every KPI, overridden by the plan's ``[kpis.ID]``."""
    return plan.kpi_rules(kpis, rules_from_table(kpis, table=kpi_table(), titles=titles))


def _areas(plan: Plan, kpis: Sequence[str], kpi_meta: pd.DataFrame) -> dict[str, str]:
    """The operating area of every KPI: the plan's ``[areas]``, else one fitting the organisation.

    A kommun's KPI never lands in a "Regionen…" area nor a region's in a "Kommunen…"
    one (:func:`koladagap.benchmarking.kpi_table.operating_areas`).
    """
    own = {k: area for area, ks in plan.areas.items() for k in ks}
    fitting = operating_areas(kpis, _kind(plan.organisation), kpi_meta)
    return {k: own.get(k, str(fitting[k])) for k in kpis}


def _kind(organisation: str) -> str:
    """``"region"`` for a region id, else ``"kommun"`` (a plan never names Riket)."""
    return "region" if org_kind(pd.Series([organisation])).iloc[0] == "region" else "kommun"


def _note_no_values(evaluated: pd.DataFrame, kpis: Sequence[str], name: str) -> None:
    """Say once (``--verbose``) which of the plan's KPIs have no values for the organisation."""
    have = set(evaluated["kpi"].astype(str)) if "kpi" in evaluated.columns else set()
    none = [k for k in kpis if k not in have]
    if none:
        log.info("no values for %s, not in the report: %s", name, ", ".join(none))


def _latest_per_kpi(table: pd.DataFrame, year: int) -> pd.DataFrame:
    t = table.loc[table["period"].astype("Int64").le(year).fillna(False).to_numpy(bool)]
    return t.sort_values(["kpi", "period"]).groupby("kpi", sort=True).tail(1).reset_index(drop=True)


def run_plan(
    plan: Plan,
    meeting: str | None = None,
    *,
    source: Source | Kolada = "api",
    meetings_dir: str | os.PathLike[str] | None = "default",
    refresh: bool = False,
    session: Any = _UNSET,
    sessions_dir: Any = _UNSET,
) -> PlanResult:
    """Evaluate a plan for one meeting (default: its latest) and compare with the baseline.

    Args:
        plan: a :class:`~koladagap.benchmarking.plan.Plan`.
        meeting: a meeting name from the plan; ``None`` for the latest.
        source: where the values come from (as for :func:`koladagap.values`).
        meetings_dir: where meeting results are kept; ``"default"`` is
            ``sessions/<plan file name>/`` next to the plan file (the folder keeps
            its old name, so stored baselines are found); ``None`` keeps nothing.
        refresh: ask Kolada for changes since the last fetch first.
        session: deprecated name of ``meeting``.
        sessions_dir: deprecated name of ``meetings_dir``.
    """
    meeting = _renamed_kw("session", "meeting", session, meeting)
    meetings_dir = _renamed_kw("sessions_dir", "meetings_dir", sessions_dir, meetings_dir)
    return _run_plan(plan, meeting, source=source, meetings_dir=meetings_dir, refresh=refresh)


def _run_plan(
    plan: Plan,
    meeting: str | None,
    *,
    source: Source | Kolada,
    meetings_dir: str | os.PathLike[str] | None,
    refresh: bool,
    history: int = HISTORY,
    every_own_year: bool = False,
    batch: Batch | None = None,
) -> PlanResult:
    """:func:`run_plan` with values from ``history`` years before the earlier meeting.

    At a follow-up the comparison's normal variation reads every year it is given,
    so only the baseline (:func:`koladagap.benchmarking.baseline.run_baseline`)
    asks for more than :data:`HISTORY`, and for the own measurements of every
    year (``every_own_year``: an organisation often measures after Kolada's
    latest year). With a :class:`Batch`, a plan without own measurements shares
    the engine run of the batch's organisations (same levels, one run).
    """
    kg = _resolve(source)
    this = plan.meeting(meeting)
    kpi_meta = kg._metadata("kpis")
    muni_meta = kg._metadata("municipalities")
    kpis, groups = resolve_plan_kpis(plan, kg)
    own = read_many(plan.measurement_files)
    kpis = [k for k in kpis if not is_own(k)]  # own ids come from the measurement files
    mine = kpi_meta.loc[kpi_meta["id"].isin(kpis).to_numpy(bool)]
    titles = dict(zip(mine["id"].astype(str), mine["title"].astype(str), strict=False))
    rules = plan_rules(plan, kpis, titles)
    first = min(plan.baseline.year, this.year) - history
    key = (tuple(kpis), repr(sorted(rules.items())), repr(plan.thresholds), first, this.year)
    if batch is not None and not own.ids and key in batch.memo:
        values = batch.memo[key][0]
    else:
        values = _plan_values(kg, kpis, rules, f"{first}-{this.year}", refresh=refresh)
    if own.ids:
        values, kpi_meta = merge_into(
            values,
            kpi_meta,
            own,
            organisation=plan.organisation,
            years=None if every_own_year else (first, this.year),
        )
        rules |= plan.kpi_rules(own.ids, own.rules)
        kpis = kpis + [k for k in own.ids if k not in kpis]
    name = kg.municipality_name(plan.organisation)
    if batch is not None and plan.organisation in batch.peers:
        peers_df, peer_title = batch.peers[plan.organisation]
    else:
        peers_df, peer_title = _peers(kg, plan)
    peers = {plan.organisation: peers_df["id"].astype(str).tolist()}
    # the engine reads the catalogue rows of the KPIs it runs on: label those, not all 6 000
    run_meta = kpi_meta.loc[kpi_meta["id"].astype(str).isin(values[KPI].unique()).to_numpy(bool)]
    evaluated, run = _engine_rows(
        plan,
        values,
        rules,
        batch=batch if not own.ids else None,
        key=key,
        peers=peers,
        municipality_meta=muni_meta,
        kpi_meta=run_meta.assign(**label_columns(run_meta["title"]).set_axis(run_meta.index)),
    )
    _note_no_values(evaluated, kpis, name)
    table = _latest_per_kpi(evaluated, this.year)
    comparison = None
    baseline_source: str | None = None
    folder = meetings_folder(plan, meetings_dir)
    if this != plan.baseline:
        base_table, baseline_source = stored_baseline(folder, plan)
        if base_table is None:
            base_table = _latest_per_kpi(evaluated, plan.baseline.year)
            baseline_source = "computed"
            _save(folder, plan, plan.baseline, base_table, kg)
        base_table = base_table.loc[base_table["municipality_id"] == plan.organisation]
        # the comparison reads the engine run the evaluation made: no second run
        if batch is not None:  # made with the batch's others (Batch.compare)
            batch.pending[plan.organisation] = (base_table, table, run, plan.thresholds)
        else:
            comparison = compare(base_table, table, values, plan.thresholds, run=run)
    _save(folder, plan, this, table, kg)
    units = None
    if plan.units_type:
        from koladagap.benchmarking.units import unit_gaps

        units = unit_gaps(
            kg,
            plan.organisation,
            plan.units_kpis,
            this.year,
            kind=plan.units_type,
            rules={k: rules[k] for k in plan.units_kpis if k in rules} or None,
            thresholds=plan.thresholds,
        )
    return PlanResult(
        plan=plan,
        meeting=this,
        table=table,
        comparison=comparison,
        baseline_source=baseline_source,
        rules=rules,
        thresholds=plan.thresholds,
        peers=peers_df[["id", "title"]].reset_index(drop=True),
        peer_group_title=peer_title,
        groups=groups,
        areas=_areas(plan, kpis, kpi_meta),
        organisation_name=name,
        data_source=_data_source(kg),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        units=units,
        values=values,
        evaluation=evaluated,
        kpi_meta=kpi_meta,
    )


def _renamed_kw(old: str, new: str, given: Any, value: Any) -> Any:
    """``value``, or the deprecated keyword ``old`` when it was given (with a warning)."""
    if given is _UNSET:
        return value
    warnings.warn(
        f"run_plan({old}=…) is now run_plan({new}=…); the old name goes in koladagap 0.3",
        DeprecationWarning,
        stacklevel=3,
    )
    return given


def _plan_values(
    kg: Kolada, kpis: list[str], rules: Mapping[str, KpiRule], years: str, *, refresh: bool
) -> pd.DataFrame:
    """Every municipality's values of ``kpis`` and of what their rules need, for ``years``.

    Denominators and margins of error help the tests (the unknown ones are left
    out); the population (N01951) is the size behind the reference's chance part.
    Warnings about ids are logged, not raised.
    """
    aux = sorted(
        {a for r in rules.values() for a in (r.denominator_kpi, r.moe_kpi) if a} - set(kpis)
    )
    if aux:
        unknown_aux = set(kg.check_ids(aux, [])[0])
        if unknown_aux:
            log.info("auxiliary KPIs not available here: %s", ", ".join(sorted(unknown_aux)))
        aux = [a for a in aux if a not in unknown_aux]
    if POPULATION_KPI not in kpis and POPULATION_KPI not in aux:
        aux.append(POPULATION_KPI)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = kg.values(kpis + aux, None, years, refresh=refresh)
    for w in caught:
        log.warning("%s", w.message)
    return values


def _peers(kg: Kolada, plan: Plan) -> tuple[pd.DataFrame, str]:
    """The organisation's peers (``id, title`` …) and the group's title (:meth:`Kolada.peers`)."""
    try:
        peers_df = kg.peers(plan.organisation, plan.peer_family)
    except InputError as err:  # a family the organisation has no group of
        log.warning("no peers: %s", err)
        return pd.DataFrame(columns=["id", "title"]), ""
    title = str(peers_df["group_title"].iloc[0]) if len(peers_df) else ""
    return peers_df, title


def _save(
    folder: Path | None, plan: Plan, meeting: Meeting, table: pd.DataFrame, kg: Kolada
) -> None:
    if folder is not None:
        keep = {"data_source": _data_source(kg), "data_vintage": _vintage(kg)}
        save_plan_meeting(folder, plan, meeting, table, **keep)


def _data_source(kg: Kolada) -> str:
    """Where the values came from: ``sample``, ``offline`` or the API URL."""
    return kg.mode if kg.mode != "api" else kg.base_url


def _vintage(kg: Kolada) -> str:
    if kg.mode == "sample":
        from koladagap.kolada.sample import sample_manifest

        return str(sample_manifest()["values"]["source"])
    info = kg.cache.info()
    if len(info) and "fetched_at" in info.columns:
        return f"Kolada, fetched up to {info['fetched_at'].astype(str).max()}"
    return "Kolada"


def __getattr__(name: str) -> Any:
    if name == "session_slug":
        warnings.warn(
            "session_slug is now meeting_slug; the old name goes in koladagap 0.3",
            DeprecationWarning,
            stacklevel=2,
        )
        return meeting_slug
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["PlanResult", "meeting_slug", "plan_rules", "resolve_plan_kpis", "run_plan"]
