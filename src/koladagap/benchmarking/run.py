"""Run a plan: fetch what it needs, evaluate a session, compare with the baseline, keep it.

:func:`run_plan` is what ``koladagap deviations`` does, for notebooks:

1. resolve the plan's KPIs (explicit ids and the members of KPI groups such as
   SKR's "Jämställdhet", reporting members that no longer exist);
2. read the values of every municipality for those KPIs (and the denominator
   and margin-of-error KPIs the rules name) from the sample, the cache or Kolada;
3. evaluate the session's data year with :func:`koladagap.engine.evaluate`
   (per KPI the latest year published up to the session's year);
4. for a follow-up session, compare with the baseline: the baseline stored when
   it was first evaluated if there is one (what was shown at Benchmarking 1),
   else evaluated now; and keep this session's result for later sessions.

Examples:
    >>> from koladagap.benchmarking.plan import parse_plan
    >>> plan = parse_plan({"organisation": {"id": "0180"},
    ...                    "kpis": {"ids": ["N17461", "N00906"]},
    ...                    "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018},
    ...                                 "followups": [{"name": "Resultatkonferens",
    ...                                                "year": 2022}]}})
    >>> res = run_plan(plan, source="sample", sessions_dir=None)
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
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from koladagap.benchmarking.data import Kolada, Source, _resolve
from koladagap.benchmarking.kpi_table import GroupResolution, kpi_table, resolve_kpi_group
from koladagap.benchmarking.measurements import annotate_reasons, is_own, merge_into, read_many
from koladagap.benchmarking.meetings import load_session, save_session
from koladagap.benchmarking.plan import Plan, Session
from koladagap.engine import FLAG_LEVELS, KpiRule, Thresholds, compare, evaluate
from koladagap.engine.levels import POPULATION_KPI
from koladagap.engine.rules import rules_from_table
from koladagap.errors import InputError

log = logging.getLogger("koladagap")

_SLUG = re.compile(r"[^a-z0-9]+")


def session_slug(name: str) -> str:
    """A file-safe name for a session (``"Benchmarking 1"`` → ``"benchmarking-1"``).

    >>> session_slug("Resultatkonferens 2024/25")
    'resultatkonferens-2024-25'
    """
    table = str.maketrans("åäöéü", "aaoeu")
    return _SLUG.sub("-", name.casefold().translate(table)).strip("-") or "session"


@dataclass
class PlanResult:
    """A plan evaluated for one session: what the deviation report is made of.

    Attributes:
        plan: the plan.
        session: the session evaluated.
        table: one row per KPI for the organisation (``evaluate`` columns), the
            latest year published up to the session's year.
        comparison: for a follow-up, one row per KPI compared with the baseline
            (:data:`koladagap.engine.COMPARE_COLUMNS`); ``None`` at the baseline.
        baseline_source: ``"stored"`` (the saved baseline session), ``"computed"``
            or ``None``.
        rules: the rule of every KPI.
        thresholds: the plan's thresholds.
        peers: the "Liknande kommuner" peers (``id, title``) and the group title.
        groups: how each KPI group of the plan was resolved.
        areas: operating area per KPI (for managers).
        organisation_name: e.g. ``"Stockholm"``.
        data_source: where the values came from (``sample``, ``cache``, the API URL).
    """

    plan: Plan
    session: Session
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
        """The same result restricted to the KPIs of one operating area."""
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
        return dataclasses.replace(
            self,
            table=self.table.loc[self.table["kpi"].isin(kpis)].reset_index(drop=True),
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
                log.warning(
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
    table = kpi_table().set_index("id")
    catalogue = kpi_meta.set_index("id")
    own = {k: area for area, ks in plan.areas.items() for k in ks}
    out: dict[str, str] = {}
    for k in kpis:
        if k in own:
            out[k] = own[k]
            continue
        area = ""
        if k in catalogue.index and "operating_area" in catalogue.columns:
            raw = catalogue.at[k, "operating_area"]
            area = str(raw).split(",")[0].strip() if isinstance(raw, str) else ""
        if not area and k in table.index:
            area = str(table.at[k, "operating_area_sv"] or "")
        out[k] = area or "Övrigt"
    return out


def _latest_per_kpi(table: pd.DataFrame, year: int) -> pd.DataFrame:
    t = table.loc[table["period"].astype("Int64").le(year).fillna(False).to_numpy(bool)]
    return t.sort_values(["kpi", "period"]).groupby("kpi", sort=True).tail(1).reset_index(drop=True)


def run_plan(
    plan: Plan,
    session: str | None = None,
    *,
    source: Source | Kolada = "api",
    sessions_dir: str | os.PathLike[str] | None = "default",
    refresh: bool = False,
) -> PlanResult:
    """Evaluate a plan for one session (default: its latest) and compare with the baseline.

    Args:
        plan: a :class:`~koladagap.benchmarking.plan.Plan`.
        session: a session name from the plan; ``None`` for the latest.
        source: where the values come from (as for :func:`koladagap.values`).
        sessions_dir: where session results are kept; ``"default"`` is
            ``sessions/<plan file name>/`` next to the plan file; ``None`` keeps nothing.
        refresh: ask Kolada for changes since the last fetch first.
    """
    kg = _resolve(source)
    sess = plan.session(session)
    kpi_meta = kg._metadata("kpis")
    muni_meta = kg._metadata("municipalities")
    kpis, groups = resolve_plan_kpis(plan, kg)
    own = read_many(plan.measurement_files)
    kpis = [k for k in kpis if not is_own(k)]  # own ids come from the measurement files
    titles = dict(zip(kpi_meta["id"].astype(str), kpi_meta["title"].astype(str), strict=False))
    rules = plan_rules(plan, kpis, titles)
    aux = sorted(
        {a for r in rules.values() for a in (r.denominator_kpi, r.moe_kpi) if a} - set(kpis)
    )
    if aux:  # denominators and margins of error help the tests; leave out the unknown ones
        unknown_aux = set(kg.check_ids(aux, [])[0])
        if unknown_aux:
            log.info("auxiliary KPIs not available here: %s", ", ".join(sorted(unknown_aux)))
        aux = [a for a in aux if a not in unknown_aux]
    if POPULATION_KPI not in kpis and POPULATION_KPI not in aux:
        aux.append(POPULATION_KPI)  # the size behind the reference's chance part
    wanted = kpis + aux
    first = min(plan.baseline.year, sess.year) - 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = kg.values(wanted, None, f"{first}-{sess.year}", refresh=refresh)
    for w in caught:
        log.warning("%s", w.message)
    if own.ids:
        values, kpi_meta = merge_into(
            values, kpi_meta, own, organisation=plan.organisation, years=(first, sess.year)
        )
        rules |= plan.kpi_rules(own.ids, own.rules)
        kpis = kpis + [k for k in own.ids if k not in kpis]
    name = kg.municipality_name(plan.organisation)
    try:
        peers_df = kg.peers(plan.organisation, plan.peer_family)
        peer_ids = peers_df["id"].astype(str).tolist()
        peer_title = str(peers_df["group_title"].iloc[0]) if len(peers_df) else ""
    except InputError as err:  # regions and some families have no peer group
        log.warning("no peers: %s", err)
        peers_df, peer_ids, peer_title = pd.DataFrame(columns=["id", "title"]), [], ""
    peers = {plan.organisation: peer_ids}
    kw: dict[str, Any] = {
        "municipalities": [plan.organisation],
        "municipality_meta": muni_meta,
        "peers": peers,
        "kpi_meta": kpi_meta,
    }
    evaluated = annotate_reasons(evaluate(values, rules, plan.thresholds, **kw))
    table = _latest_per_kpi(evaluated, sess.year)
    comparison = None
    baseline_source: str | None = None
    folder = _sessions_folder(plan, sessions_dir)
    if sess != plan.baseline:
        base_table = None
        if folder is not None and (folder / f"{session_slug(plan.baseline.name)}.json").exists():
            stored = load_session(folder, session_slug(plan.baseline.name))
            org = stored.manifest.get("plan", {}).get("organisation", {}).get("id")
            if org == plan.organisation:
                base_table = stored.table
                baseline_source = "stored"
            else:
                log.warning(
                    "the stored baseline in %s is for %s, not %s: computing the baseline now",
                    folder,
                    org,
                    plan.organisation,
                )
        if base_table is None:
            base_table = _latest_per_kpi(evaluated, plan.baseline.year)
            baseline_source = "computed"
            _save(folder, plan, plan.baseline, base_table, kg)
        base_table = base_table.loc[base_table["municipality_id"] == plan.organisation]
        comparison = compare(
            base_table,
            table,
            values,
            plan.thresholds,
            rules=rules,
            municipality_meta=muni_meta,
            peers=peers,
        )
    _save(folder, plan, sess, table, kg)
    units = None
    if plan.units_type:
        from koladagap.benchmarking.units import unit_gaps

        units = unit_gaps(
            kg,
            plan.organisation,
            plan.units_kpis,
            sess.year,
            kind=plan.units_type,
            rules={k: rules[k] for k in plan.units_kpis if k in rules} or None,
            thresholds=plan.thresholds,
        )
    return PlanResult(
        plan=plan,
        session=sess,
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
        data_source=kg.mode if kg.mode != "api" else kg.base_url,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        units=units,
    )


def _sessions_folder(plan: Plan, sessions_dir: str | os.PathLike[str] | None) -> Path | None:
    if sessions_dir is None:
        return None
    if sessions_dir == "default":
        # one folder per plan file, so two plans side by side never share sessions
        base = Path(plan.path).parent if plan.path else Path.cwd()
        stem = Path(plan.path).stem if plan.path else f"plan-{plan.organisation}"
        return base / "sessions" / stem
    return Path(sessions_dir)


def _save(folder: Path | None, plan: Plan, sess: Session, table: pd.DataFrame, kg: Kolada) -> None:
    if folder is None:
        return
    manifest = {
        "session": {"name": sess.name, "year": sess.year},
        "plan": plan.to_dict(),
        "plan_path": plan.path,
        "thresholds": plan.thresholds.to_dict(),
        "data_source": kg.mode if kg.mode != "api" else kg.base_url,
        "data_vintage": _vintage(kg),
    }
    save_session(table, folder, session_slug(sess.name), manifest, overwrite=True)


def _vintage(kg: Kolada) -> str:
    if kg.mode == "sample":
        from koladagap.kolada.sample import sample_manifest

        return str(sample_manifest()["values"]["source"])
    info = kg.cache.info()
    if len(info) and "fetched_at" in info.columns:
        return f"Kolada, fetched up to {info['fetched_at'].astype(str).max()}"
    return "Kolada"


__all__ = ["PlanResult", "plan_rules", "resolve_plan_kpis", "run_plan", "session_slug"]
