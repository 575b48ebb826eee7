"""The network file and its run: several organisations and a mentor on the same KPIs.

SKR's benchmarking is done in networks of three to five kommuner and/or regioner
and a mentor organisation. A network file (TOML, read like the plan file: one-line
:class:`~koladagap.errors.ConfigError` naming the file and the key) says who is in
it and what they look at together::

    [network]
    name = "Nätverk Skåne 2026"

    [[members]]
    id = "1233"                      # a kommun or region id, as text
    plan = "vellinge.toml"           # optional: the member's own plan (rules, areas, targets)
    scores = "vellinge-poang.xlsx"   # optional: its checklist score sheet

    [[members]]
    id = "1280"

    [mentor]                         # optional: the mentor organisation
    id = "1283"

    [kpis]
    ids = ["N15428"]                 # explicit KPI ids …
    groups = ["G2KPI148333"]         # … and/or Kolada KPI groups

    [meetings]
    baseline = { name = "Benchmarking 1", year = 2018 }
    followups = [{ name = "Benchmarking 2", year = 2022 }]

    [thresholds.materiality]         # optional, shared (a member's own plan keeps its own)
    share_pp = 5.0

:func:`run_network` evaluates every organisation with
:func:`~koladagap.benchmarking.run.run_plan`, the engine behind ``koladagap
deviations``: each one's plan is its own plan file (with the network's KPIs and
meetings put in) or a plan made from the network's KPIs, meetings and thresholds,
peers by its type. So a member's level is exactly its own report's, and
``koladagap screen``'s for the same data, thresholds and year.

The ``reason`` column of the result is left empty here (the sentences are made by
:mod:`koladagap.render`, which this layer does not import): fill it with
:func:`koladagap.render.network_text.with_reasons`.

Examples:
    >>> net = parse_network({"network": {"name": "Test"},
    ...                      "members": [{"id": "1233"}, {"id": "1280"}],
    ...                      "mentor": {"id": "1283"},
    ...                      "kpis": {"ids": ["N15428"]},
    ...                      "meetings": {"baseline": {"name": "Benchmarking 1", "year": 2022}}})
    >>> [o.id for o in net.organisations], net.mentor.id if net.mentor else None
    (['1233', '1280', '1283'], '1283')
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from koladagap.benchmarking import plan_fields as pf
from koladagap.benchmarking.data import Kolada, Source, _resolve
from koladagap.benchmarking.engine_runs import Batch
from koladagap.benchmarking.meetings import load_meeting, meeting_slug
from koladagap.benchmarking.network_model import NETWORK_COLUMNS, NetworkResult
from koladagap.benchmarking.plan import Meeting, Plan, _meetings, find_meeting, load_plan
from koladagap.benchmarking.run import (
    PlanResult,
    _latest_per_kpi,
    _peers,
    _run_plan,
    resolve_plan_kpis,
)
from koladagap.columns import RIKET_ID, org_kind
from koladagap.engine.thresholds import Thresholds
from koladagap.errors import ConfigError

_TOP_KEYS = ("network", "members", "mentor", "kpis", "meetings", "sessions", "thresholds")
MOVEMENT_COLUMNS: tuple[str, ...] = ("kpi", "municipality_id", "meeting", "year", "level")
"""The columns of :attr:`NetworkResult.movement`."""


@dataclass(frozen=True)
class Organisation:
    """A member (or the mentor) of a network.

    Attributes:
        id: the kommun or region id.
        role: ``"member"`` or ``"mentor"``.
        plan: its own plan file (absolute path), or ``None``.
        scores: its checklist score sheet (absolute path), or ``None``.
        key: where it is in the network file (``members[0]``, ``mentor``), for errors.
    """

    id: str
    role: str = "member"
    plan: str | None = None
    scores: str | None = None
    key: str = ""

    @property
    def kind(self) -> str:
        """``"kommun"`` or ``"region"``."""
        return str(org_kind(pd.Series([self.id])).iloc[0])


@dataclass(frozen=True)
class Network:
    """A validated network file: build it with :func:`load_network` or :func:`parse_network`.

    Attributes:
        name: the network's name.
        members: the members, in the file's order.
        mentor: the mentor organisation, if any.
        kpi_ids: KPI ids named explicitly.
        kpi_groups: Kolada KPI groups whose members are added.
        baseline: the first meeting.
        followups: the later meetings, in year order.
        thresholds: the shared thresholds (defaults overridden by ``[thresholds]``).
        path: the file the network came from (``None`` when built in memory).
    """

    name: str
    members: tuple[Organisation, ...]
    baseline: Meeting
    mentor: Organisation | None = None
    kpi_ids: tuple[str, ...] = ()
    kpi_groups: tuple[str, ...] = ()
    followups: tuple[Meeting, ...] = ()
    thresholds: Thresholds = dataclasses.field(default_factory=Thresholds)
    path: str | None = None

    @property
    def organisations(self) -> tuple[Organisation, ...]:
        """The members, then the mentor."""
        return (*self.members, *((self.mentor,) if self.mentor else ()))

    @property
    def meetings(self) -> tuple[Meeting, ...]:
        """Baseline first, then the follow-ups."""
        return (self.baseline, *self.followups)

    @property
    def kinds(self) -> set[str]:
        """The organisations' types: ``{"kommun"}``, ``{"region"}`` or both."""
        return {o.kind for o in self.organisations}

    def meeting(self, name: str | None) -> Meeting:
        """A meeting by name (case-insensitive); ``None`` gives the latest one."""
        return find_meeting(self.meetings, name, "network", self.path, key="meetings")


# --- parsing -------------------------------------------------------------------------


def load_network(path: str | os.PathLike[str]) -> Network:
    """Read and validate a network file.

    Raises:
        ConfigError: the file is missing, not TOML, or a key or value is wrong
            (the message names the file and the key).
    """
    p = Path(path)
    missing = (
        "network file not found; create one with: "
        "koladagap network init --members 1233,1280 --mentor 1283 --out natverk.toml"
    )
    return parse_network(pf.read_toml(p, missing), path=str(p))


def parse_network(data: Mapping[str, Any], *, path: str | None = None) -> Network:
    """Validate network data (as :mod:`tomllib` returns it) into a :class:`Network`."""
    pf.check_known(data, _TOP_KEYS, "", path)
    head = pf.table(data, "network", path, required=True)
    pf.check_known(head, ("name",), "network", path)
    name = head.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            'expected the network\'s name, e.g. name = "Nätverk Skåne 2026"',
            path=path,
            key="network.name",
        )
    raw = data.get("members")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(
            'expected one [[members]] table per member, e.g. [[members]] id = "1233"',
            path=path,
            key="members",
        )
    members = tuple(_organisation(m, f"members[{i}]", "member", path) for i, m in enumerate(raw))
    mentor = None
    if "mentor" in data:
        mentor = _organisation(pf.table(data, "mentor", path), "mentor", "mentor", path)
    seen: dict[str, str] = {}
    for o in (*members, *((mentor,) if mentor else ())):
        if o.id in seen:
            raise ConfigError(
                f"{o.id} is already in the network (at {seen[o.id]})", path=path, key=f"{o.key}.id"
            )
        seen[o.id] = o.key
    kp = pf.table(data, "kpis", path, required=True)
    pf.check_known(kp, ("ids", "groups"), "kpis", path)
    kpi_ids = pf.id_list(kp.get("ids", []), pf.KPI_ID, "kpis.ids", "N00906", path)
    kpi_groups = pf.id_list(kp.get("groups", []), pf.GROUP_ID, "kpis.groups", "G2KPI148333", path)
    if not kpi_ids and not kpi_groups:
        raise ConfigError(
            "no KPIs: give kpis.ids and/or kpis.groups (e.g. groups = ['G2KPI148333'])",
            path=path,
            key="kpis",
        )
    baseline, followups = _meetings(data, path)
    thresholds = pf.thresholds(Thresholds(), data.get("thresholds", {}), "thresholds", path)
    return Network(
        name=name.strip(),
        members=members,
        mentor=mentor,
        kpi_ids=kpi_ids,
        kpi_groups=kpi_groups,
        baseline=baseline,
        followups=followups,
        thresholds=thresholds,
        path=path,
    )


def _organisation(value: Any, key: str, role: str, path: str | None) -> Organisation:
    """One ``[[members]]`` entry or the ``[mentor]`` table."""
    if not isinstance(value, Mapping):
        raise ConfigError('expected a table such as { id = "1233" }', path=path, key=key)
    pf.check_known(value, ("id", "plan", "scores"), key, path)
    mid = pf.municipality_id(value.get("id"), f"{key}.id", path)
    if mid == RIKET_ID:
        raise ConfigError(
            "Riket (0000) is a reference, not an organisation; give a kommun or region id",
            path=path,
            key=f"{key}.id",
        )
    files = {f: _file(value.get(f), f"{key}.{f}", path) for f in ("plan", "scores")}
    return Organisation(mid, role, files["plan"], files["scores"], key)


def _file(value: Any, key: str, path: str | None) -> str | None:
    """An existing file named relative to the network file (``None`` when not given)."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError('expected a file name, e.g. "vellinge.toml"', path=path, key=key)
    p = Path(value).expanduser()
    p = p if p.is_absolute() else (Path(path).parent if path else Path.cwd()) / p
    if not p.is_file():
        raise ConfigError(f"file not found: {p}", path=path, key=key)
    return str(p)


# --- running -------------------------------------------------------------------------


def member_plan(network: Network, org: Organisation, kpis: tuple[str, ...]) -> Plan:
    """The plan ``org`` is evaluated by: its own plan file, or one made from the network's.

    Its own plan keeps its rules, thresholds, peers and areas; the network's KPIs
    and meetings are put in (its own measurements and units are left to its own
    report). A plan made from the network has the network's thresholds and the
    peers of the organisation's type.

    Raises:
        ConfigError: the plan file is for another organisation.
    """
    base = Plan(organisation=org.id, baseline=network.baseline, thresholds=network.thresholds)
    if org.plan is not None:
        base = load_plan(org.plan)
        if base.organisation != org.id:
            raise ConfigError(
                f"the plan {org.plan} is for {base.organisation}, not {org.id}",
                path=network.path,
                key=f"{org.key}.plan",
            )
    return dataclasses.replace(
        base,
        kpi_ids=kpis,
        kpi_groups=(),
        baseline=network.baseline,
        followups=network.followups,
        measurement_files=(),
        units_type=None,
        units_kpis=(),
    )


def network_kpis(network: Network, kg: Kolada) -> tuple[str, ...]:
    """The network's KPI ids: explicit ids first, then the members of its KPI groups."""
    plan = Plan(
        organisation=network.members[0].id,
        baseline=network.baseline,
        kpi_ids=network.kpi_ids,
        kpi_groups=network.kpi_groups,
    )
    return tuple(resolve_plan_kpis(plan, kg)[0])


def run_network(
    network: Network,
    meeting: str | None = None,
    *,
    source: Source | Kolada = "api",
    lang: str = "sv",
    meetings_dir: str | os.PathLike[str] | None = None,
) -> NetworkResult:
    """Evaluate every member and the mentor of ``network`` for one meeting (default: the latest).

    Each organisation is run with :func:`~koladagap.benchmarking.run.run_plan` on its
    plan (:func:`member_plan`), so its levels are its own report's. At a meeting
    after the first, the levels at the earlier meetings are in ``movement``: those
    stored in ``meetings_dir`` when it holds them, else taken from the same engine run.

    Args:
        network: a :class:`Network` (:func:`load_network`).
        meeting: a meeting name of the network; ``None`` for the latest.
        source: where the values come from (as for :func:`koladagap.values`).
        lang: the language the writers use (``reason`` is filled by
            :func:`koladagap.render.network_text.with_reasons`).
        meetings_dir: where each organisation's meeting results are kept (one folder
            per id inside it); ``None`` keeps nothing.

    Raises:
        ConfigError: an id Kolada does not know, a member's plan for another
            organisation, or an unknown meeting.
    """
    this = network.meeting(meeting)
    kg = _resolve(source)
    _check_known(network, kg)
    kpis = network_kpis(network, kg)
    plans = [member_plan(network, org, kpis) for org in network.organisations]
    # one engine run for the organisations whose plans differ only in who they are
    batch = Batch([p.organisation for p in plans], {p.organisation: _peers(kg, p) for p in plans})
    results: list[PlanResult] = []
    for org, plan in zip(network.organisations, plans, strict=True):
        folder = None if meetings_dir is None else Path(meetings_dir) / org.id
        results.append(
            _run_plan(plan, this.name, source=kg, meetings_dir=folder, refresh=False, batch=batch)
        )
    results = batch.compare(results)
    earlier = [m for m in network.meetings if m.year <= this.year and m != this]
    movement = None
    if earlier:
        movement = _movement(results, [*earlier, this], meetings_dir)
    table, details = _table(network, results, kpis)
    titles = table.drop_duplicates("kpi").set_index("kpi")["kpi_title"]
    return NetworkResult(
        name=network.name,
        meeting=this.name,
        year=this.year,
        members=_members(network, results),
        kpis=pd.DataFrame({"id": list(kpis), "title": [titles.get(k, "") for k in kpis]}),
        table=table,
        movement=movement,
        lang=lang,
        thresholds_text=thresholds_rows(network.thresholds),
        details=details,
        comparison=_comparison(results),
    )


def _comparison(results: list[PlanResult]) -> pd.DataFrame | None:
    """The organisations' comparisons with the baseline, one frame (``None`` at the baseline)."""
    parts = [r.comparison for r in results if r.comparison is not None]
    return pd.concat(parts, ignore_index=True) if parts else None


def _check_known(network: Network, kg: Kolada) -> None:
    """A one-line error naming the key of an id Kolada (or the sample) does not know."""
    known = set(kg._metadata("municipalities")["id"].astype(str))
    for org in network.organisations:
        if org.id not in known:
            raise ConfigError(
                f"unknown kommun or region id {org.id!r}", path=network.path, key=f"{org.key}.id"
            )


def _members(network: Network, results: list[PlanResult]) -> pd.DataFrame:
    orgs = network.organisations
    return pd.DataFrame(
        {
            "id": [o.id for o in orgs],
            "name": [r.organisation_name for r in results],
            "kind": [o.kind for o in orgs],
            "role": [o.role for o in orgs],
        }
    )


def _table(
    network: Network, results: list[PlanResult], kpis: tuple[str, ...]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy KPI × organisation table (every pair, KPI order first) and the engine rows."""
    orgs = network.organisations
    rows = pd.concat([r.table for r in results], ignore_index=True)
    grid = pd.DataFrame(
        {
            "kpi": [k for k in kpis for _ in orgs],
            "municipality_id": [o.id for _ in kpis for o in orgs],
        }
    )
    details = grid.merge(rows, on=["kpi", "municipality_id"], how="left")
    names = {o.id: r.organisation_name for o, r in zip(orgs, results, strict=True)}
    roles = {o.id: o.role for o in orgs}
    reported = pd.concat(
        [
            r.level.rename("level_report").reset_index().assign(municipality_id=o.id)
            for o, r in zip(orgs, results, strict=True)
        ],
        ignore_index=True,
    )
    details = details.merge(reported, on=["kpi", "municipality_id"], how="left")
    areas = pd.concat(
        [
            pd.DataFrame(
                {"kpi": list(r.areas), "municipality_id": o.id, "area": list(r.areas.values())}
            )
            for o, r in zip(orgs, results, strict=True)
        ],
        ignore_index=True,
    )
    meta = results[0].kpi_meta[["id", "title"]]
    meta = meta.loc[meta["id"].isin(kpis).to_numpy(bool)]
    title = dict(zip(meta["id"].astype(str), meta["title"].astype(str), strict=False))
    details = details.drop(columns=["area"], errors="ignore").merge(
        areas, on=["kpi", "municipality_id"], how="left"
    )
    table = pd.DataFrame(
        {
            "kpi": details["kpi"].astype(str),
            "kpi_title": details["kpi"].map(title).fillna(details.get("kpi_title")).astype(str),
            "area": details["area"].fillna("").astype(str),
            "municipality_id": details["municipality_id"].astype(str),
            "member": details["municipality_id"].map(names),
            "role": details["municipality_id"].map(roles),
            "period": details["period"].astype("Int64"),
            "women": details["women"].astype(float),
            "men": details["men"].astype(float),
            "gap": details["gap"].astype(float),
            "kind": details["kind"].astype("string"),
            "level": details["level"].astype("string"),
            "level_report": details["level_report"].astype("string"),
            "reason": pd.Series(pd.NA, index=details.index, dtype="string"),
            "reasons": details["reasons"].astype("string"),
        }
    )
    return table[list(NETWORK_COLUMNS)], details


def _movement(
    results: list[PlanResult],
    meetings: list[Meeting],
    meetings_dir: str | os.PathLike[str] | None,
) -> pd.DataFrame:
    """The level of every KPI × organisation at each of ``meetings`` (stored results first)."""
    parts = []
    for res in results:
        org = res.plan.organisation
        for m in meetings:
            t = _stored(meetings_dir, org, m) if m != res.meeting else None
            if t is None:
                t = res.table if m == res.meeting else _latest_per_kpi(res.evaluation, m.year)
            t = t.loc[t["municipality_id"].astype(str) == org]
            parts.append(
                pd.DataFrame(
                    {
                        "kpi": t["kpi"].astype(str).to_numpy(),
                        "municipality_id": org,
                        "meeting": m.name,
                        "year": m.year,
                        "level": t["level"].astype("string").to_numpy(),
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True)
    return out[list(MOVEMENT_COLUMNS)]


def _stored(
    meetings_dir: str | os.PathLike[str] | None, org: str, meeting: Meeting
) -> pd.DataFrame | None:
    """The result stored for ``org`` at ``meeting`` (what was shown then), or ``None``."""
    if meetings_dir is None:
        return None
    folder = Path(meetings_dir) / org
    slug = meeting_slug(meeting.name)
    if not (folder / f"{slug}.json").exists():
        return None
    return load_meeting(folder, slug).table


def thresholds_rows(thresholds: Thresholds) -> pd.DataFrame:
    """The thresholds as ``setting, value`` rows (``materiality.share_pp``, ``5.0`` …).

    >>> thresholds_rows(Thresholds()).iloc[0].tolist()
    ['materiality.share_pp', '5.0']
    """
    flat = [
        (f"{section}.{k}", str(v))
        for section, values in thresholds.to_dict().items()
        for k, v in values.items()
    ]
    return pd.DataFrame(flat, columns=["setting", "value"])


__all__ = [
    "MOVEMENT_COLUMNS",
    "Network",
    "Organisation",
    "load_network",
    "member_plan",
    "network_kpis",
    "parse_network",
    "run_network",
    "thresholds_rows",
]
