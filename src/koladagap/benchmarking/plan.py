"""The plan file: who is analysed, against whom, which KPIs, which meetings and thresholds.

A plan is a TOML file read with :mod:`tomllib` into frozen dataclasses. Every
mistake raises :class:`~koladagap.errors.ConfigError` naming the file, the key
and what is accepted, on one line: a number must be finite (``nan`` and ``inf``
are refused) and in its range, a text (``reason``, ``title``) text in quotes, a
flag ``true`` or ``false``; ``[kpis.ID.thresholds]`` are checked as the file is
read, against the plan's own thresholds. ``koladagap plan init`` writes a commented
starter plan (:func:`starter_plan`).

A *meeting* is one of the programme's meetings (Benchmarking 1, a follow-up, the
results conference) with the data year shown at it: :class:`Meeting`. The plan
file lists them under ``[sessions]`` (the name plan files have always used);
``[meetings]`` is accepted as the same table.

The shape (every section but ``organisation`` and ``sessions`` is optional)::

    [organisation]
    id = "0180"                      # a kommun or region id (Riket: 0000 cannot be planned)

    [comparison]
    peer_family = "övergripande"     # one of RKA's 12 "Liknande kommuner" families (a region:
                                     # "övergripande" = the other 20 regioner, "socioekonomi" …)
    riket = true                     # show Riket as a reference
    groups = []                      # extra municipality groups (G…) as context

    [kpis]
    ids = ["N15428", "N00906"]       # explicit KPI ids …
    groups = ["G2KPI148333"]         # … and/or Kolada KPI groups (SKR's "Jämställdhet")

    [kpis.N21704]                    # per-KPI rules override the bundled KPI table
    direction = "need"
    expected = "riket"

    [sessions]
    baseline = { name = "Benchmarking 1", year = 2018 }
    followups = [{ name = "Benchmarking 2", year = 2020 },
                 { name = "Resultatkonferens", year = 2022 }]

    [thresholds.materiality]         # see koladagap.engine.thresholds
    share_pp = 5.0

    [areas]                          # optional: operating areas for managers
    "Skola" = ["N15428", "N15436"]

Examples:
    >>> p = parse_plan({"organisation": {"id": "0180"},
    ...                 "kpis": {"ids": ["N15428"]},
    ...                 "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018}}})
    >>> p.organisation, p.baseline.year, p.kpi_ids
    ('0180', 2018, ('N15428',))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from koladagap.benchmarking import plan_fields as pf
from koladagap.benchmarking.starter import REGION_PEER_FAMILIES, starter_plan
from koladagap.columns import RIKET_ID
from koladagap.engine.thresholds import KpiRule, Thresholds
from koladagap.errors import ConfigError
from koladagap.kolada.metadata import PEER_FAMILIES

_TOP_KEYS = (
    "organisation",
    "comparison",
    "kpis",
    "sessions",
    "meetings",
    "thresholds",
    "areas",
    "units",
    "measurements",
    "report",
)
_MEETING_TABLES = ("sessions", "meetings")
"""The plan file's table of meetings: ``[sessions]`` (as always) or ``[meetings]``."""


@dataclass(frozen=True)
class Meeting:
    """A meeting of the programme and the data year shown at it (e.g. Benchmarking 1, 2018)."""

    name: str
    year: int


@dataclass(frozen=True)
class Plan:
    """A parsed, validated plan. Build it with :func:`load_plan` or :func:`parse_plan`.

    Attributes:
        organisation: the kommun or region id (``"0180"``).
        peer_family: the "Liknande kommuner" family used as peers; for a region
            ``"övergripande"`` means the other 20 regioner, another family its
            "Liknande regioner" (:data:`~koladagap.benchmarking.starter.REGION_PEER_FAMILIES`).
        riket: whether Riket (``0000``) is shown as a reference.
        extra_groups: further municipality groups shown as context.
        kpi_ids: KPI ids named explicitly.
        kpi_groups: Kolada KPI groups whose members are added.
        rules: per-KPI rule overrides from the plan (field → value), by KPI id.
        baseline: the baseline meeting.
        followups: follow-up meetings, in year order.
        thresholds: the thresholds (defaults overridden by ``[thresholds]``).
        areas: operating areas defined by the plan (area → KPI ids); empty means
            Kolada's ``operating_area`` of each KPI.
        measurement_files: the organisation's own measurements (``[measurements]
            files``, paths relative to the plan file),
            see :mod:`koladagap.benchmarking.measurements`.
        units_type: organisational units to analyse in the report (``"V15"``
            grundskolor …; ``None``: none), from ``[units] type``.
        units_kpis: the KPIs to analyse per unit (``[units] kpis``; default: the
            plan's explicit KPI ids).
        lang: report language (``"sv"`` or ``"en"``).
        path: the file the plan came from (``None`` when built in memory).
    """

    organisation: str
    baseline: Meeting
    peer_family: str = "övergripande"
    riket: bool = True
    extra_groups: tuple[str, ...] = ()
    kpi_ids: tuple[str, ...] = ()
    kpi_groups: tuple[str, ...] = ()
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    followups: tuple[Meeting, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    areas: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    measurement_files: tuple[str, ...] = ()
    units_type: str | None = None
    units_kpis: tuple[str, ...] = ()
    lang: str = "sv"
    path: str | None = None

    @property
    def meetings(self) -> tuple[Meeting, ...]:
        """Baseline first, then the follow-ups."""
        return (self.baseline, *self.followups)

    def meeting(self, name: str | None) -> Meeting:
        """A meeting by name (case-insensitive); ``None`` gives the latest one."""
        return find_meeting(self.meetings, name, "plan", self.path)

    @property
    def sessions(self) -> tuple[Meeting, ...]:
        """Deprecated: :attr:`meetings`."""
        _renamed("Plan.sessions", "Plan.meetings")
        return self.meetings

    def session(self, name: str | None) -> Meeting:
        """Deprecated: :meth:`meeting`."""
        _renamed("Plan.session()", "Plan.meeting()")
        return self.meeting(name)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data (for a meeting result's manifest; meetings under ``sessions``)."""
        return {
            "organisation": {"id": self.organisation},
            "comparison": {
                "peer_family": self.peer_family,
                "riket": self.riket,
                "groups": list(self.extra_groups),
            },
            "kpis": {
                "ids": list(self.kpi_ids),
                "groups": list(self.kpi_groups),
                **{k: dict(v) for k, v in self.rules.items()},
            },
            "sessions": {
                "baseline": {"name": self.baseline.name, "year": self.baseline.year},
                "followups": [{"name": s.name, "year": s.year} for s in self.followups],
            },
            "thresholds": self.thresholds.to_dict(),
            "areas": {k: list(v) for k, v in self.areas.items()},
            **(
                {"measurements": {"files": list(self.measurement_files)}}
                if self.measurement_files
                else {}
            ),
            **(
                {"units": {"type": self.units_type, "kpis": list(self.units_kpis)}}
                if self.units_type
                else {}
            ),
            "report": {"lang": self.lang},
        }

    def kpi_rules(
        self, kpis: Sequence[str], base: Mapping[str, KpiRule] | None = None
    ) -> dict[str, KpiRule]:
        """The rule of every KPI: a default rule overridden by the plan's ``[kpis.ID]``.

        Args:
            kpis: the KPI ids.
            base: default rules by KPI id; ``None`` (or a KPI missing from it) uses
                :func:`koladagap.engine.rules_from_table` on the bundled KPI table.

        Raises:
            ConfigError: an override that makes an invalid rule (naming file and key).
        """
        from koladagap.benchmarking.kpi_table import kpi_table
        from koladagap.engine.rules import rules_from_table

        missing = [k for k in kpis if base is None or k not in base]
        defaults = dict(base or {})
        if missing:
            defaults.update(rules_from_table(missing, table=kpi_table()))
        out: dict[str, KpiRule] = {}
        for k in kpis:
            over = dict(self.rules.get(k, {}))
            th = over.pop("thresholds", None)
            if th is not None:
                over["overrides"] = pf.thresholds(
                    self.thresholds, th, f"kpis.{k}.thresholds", self.path
                )
            if over:  # the plan gives this KPI a rule of its own
                over.setdefault("provisional", False)
            rule = dataclasses.replace(defaults[k], **over)
            try:
                rule.validate()
            except ConfigError as err:
                raise ConfigError(pf.bare_message(err), path=self.path, key=err.key) from None
            out[k] = rule
        return out


# --- parsing -------------------------------------------------------------------------


def find_meeting(
    meetings: Sequence[Meeting],
    name: str | None,
    owner: str,
    path: str | None,
    key: str | None = None,
) -> Meeting:
    """The meeting called ``name`` (case-insensitive) of a plan or network; ``None``: the latest.

    An unknown name is a :class:`ConfigError` naming the ``owner``'s meetings.
    """
    if name is None:
        return meetings[-1]
    for m in meetings:
        if m.name.casefold() == name.casefold():
            return m
    names = ", ".join(repr(m.name) for m in meetings)
    raise ConfigError(f"no meeting named {name!r}; the {owner} has {names}", path=path, key=key)


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and validate a plan file.

    Raises:
        ConfigError: the file is missing, not TOML, or a key or value is wrong
            (the message names the file and the key).
    """
    p = Path(path)
    missing = "plan file not found; create one with: koladagap plan init --municipality 0180"
    return parse_plan(pf.read_toml(p, missing), path=str(p))


def load_screen_plan(path: str | os.PathLike[str]) -> Plan:
    """A plan file read for ``koladagap screen``: only ``[kpis.ID]`` rules and ``[thresholds]``.

    The other sections may be left out (a full plan is read as a whole, and
    validated as one); the result's organisation is empty.

    Raises:
        ConfigError: as :func:`load_plan`.
    """
    p = Path(path)
    data = pf.read_toml(p, "plan file not found")
    if "organisation" in data:
        return parse_plan(data, path=str(p))
    pf.check_known(data, _TOP_KEYS, "", str(p))
    kp = pf.table(data, "kpis", str(p))
    rules: dict[str, dict[str, Any]] = {}
    for key, value in kp.items():
        if key in ("ids", "groups"):
            continue
        if not pf.KPI_ID.match(str(key)) or not isinstance(value, Mapping):
            raise ConfigError(
                "expected a table of rules under a KPI id such as [kpis.N15428]",
                path=str(p),
                key=f"kpis.{key}",
            )
        rules[key] = pf.rule(key, value, str(p))
    thresholds = pf.thresholds(Thresholds(), data.get("thresholds", {}), "thresholds", str(p))
    _check_rule_thresholds(rules, thresholds, str(p))
    return Plan(
        organisation="",
        baseline=Meeting("", 0),
        rules=rules,
        thresholds=thresholds,
        path=str(p),
    )


def parse_plan(data: Mapping[str, Any], *, path: str | None = None) -> Plan:
    """Validate plan data (as :mod:`tomllib` returns it) into a :class:`Plan`."""
    pf.check_known(data, _TOP_KEYS, "", path)
    org = pf.table(data, "organisation", path, required=True)
    pf.check_known(org, ("id", "name"), "organisation", path)
    org_id = pf.municipality_id(org.get("id"), "organisation.id", path)
    if org_id == RIKET_ID:
        raise ConfigError(
            "Riket (0000) is a reference, not an organisation; give a kommun or region id",
            path=path,
            key="organisation.id",
        )

    comp = pf.table(data, "comparison", path)
    pf.check_known(comp, ("peer_family", "riket", "groups"), "comparison", path)
    family = comp.get("peer_family", "övergripande")
    region = org_id.startswith("00")  # the rule of columns.org_kind (Riket is refused above)
    families = REGION_PEER_FAMILIES if region else PEER_FAMILIES
    if family not in families:
        whose = "a region" if region else "a kommun"
        raise ConfigError(
            f"unknown family {family!r} for {whose}; accepted: {', '.join(families)}",
            path=path,
            key="comparison.peer_family",
        )
    riket = comp.get("riket", True)
    if not isinstance(riket, bool):
        raise ConfigError("expected true or false", path=path, key="comparison.riket")
    groups = pf.id_list(comp.get("groups", []), pf.GROUP_ID, "comparison.groups", "G…", path)

    kp = pf.table(data, "kpis", path)
    kpi_ids = pf.id_list(kp.get("ids", []), pf.KPI_ID, "kpis.ids", "N00906", path)
    kpi_groups = pf.id_list(kp.get("groups", []), pf.GROUP_ID, "kpis.groups", "G2KPI148333", path)
    rules: dict[str, dict[str, Any]] = {}
    for key, value in kp.items():
        if key in ("ids", "groups"):
            continue
        if not pf.KPI_ID.match(str(key)):
            raise ConfigError(
                "unknown key; accepted: ids, groups, or a KPI id such as N15428 for its rules",
                path=path,
                key=f"kpis.{key}",
            )
        if not isinstance(value, Mapping):
            raise ConfigError("expected a table of rules", path=path, key=f"kpis.{key}")
        rules[key] = pf.rule(key, value, path)
    if not kpi_ids and not kpi_groups:
        raise ConfigError(
            "no KPIs: give kpis.ids and/or kpis.groups (e.g. groups = ['G2KPI148333'])",
            path=path,
            key="kpis",
        )

    baseline, followups = _meetings(data, path)
    thresholds = pf.thresholds(Thresholds(), data.get("thresholds", {}), "thresholds", path)
    _check_rule_thresholds(rules, thresholds, path)
    areas = pf.areas(data.get("areas", {}), path)
    units_type, units_kpis = pf.units(pf.table(data, "units", path), kpi_ids, path)
    files = pf.measurement_files(pf.table(data, "measurements", path), path)
    rep = pf.table(data, "report", path)
    pf.check_known(rep, ("lang",), "report", path)
    lang = rep.get("lang", "sv")
    if lang not in ("sv", "en"):
        raise ConfigError(
            f"unknown language {lang!r}; accepted: sv, en", path=path, key="report.lang"
        )
    return Plan(
        organisation=org_id,
        baseline=baseline,
        peer_family=str(family),
        riket=riket,
        extra_groups=groups,
        kpi_ids=kpi_ids,
        kpi_groups=kpi_groups,
        rules=rules,
        followups=followups,
        thresholds=thresholds,
        areas=areas,
        measurement_files=files,
        units_type=units_type,
        units_kpis=units_kpis,
        lang=lang,
        path=path,
    )


def _check_rule_thresholds(
    rules: Mapping[str, Mapping[str, Any]], base: Thresholds, path: str | None
) -> None:
    """Each ``[kpis.ID.thresholds]`` checked on reading, against the plan's thresholds.

    :meth:`Plan.kpi_rules` applies them when the plan is run; a wrong value is
    reported before any data are read.
    """
    for kpi, rule in rules.items():
        if "thresholds" in rule:
            pf.thresholds(base, rule["thresholds"], f"kpis.{kpi}.thresholds", path)


def _meetings(data: Mapping[str, Any], path: str | None) -> tuple[Meeting, tuple[Meeting, ...]]:
    """The baseline and the follow-ups from ``[sessions]`` (or ``[meetings]``)."""
    given = [t for t in _MEETING_TABLES if t in data]
    if len(given) > 1:
        raise ConfigError(
            "give the meetings once: [sessions] or [meetings], not both", path=path, key="meetings"
        )
    name = given[0] if given else "sessions"
    table = pf.table(data, name, path, required=True)
    pf.check_known(table, ("baseline", "followups"), name, path)
    if "baseline" not in table:
        raise ConfigError(
            'missing the baseline, e.g. baseline = { name = "Benchmarking 1", year = 2018 }',
            path=path,
            key=f"{name}.baseline",
        )
    baseline = _meeting(table["baseline"], f"{name}.baseline", path)
    raw = table.get("followups", [])
    if not isinstance(raw, list):
        raise ConfigError(
            "expected a list of { name = …, year = … }", path=path, key=f"{name}.followups"
        )
    followups = [_meeting(m, f"{name}.followups[{i}]", path) for i, m in enumerate(raw)]
    names = [baseline.name.casefold()]
    for i, m in enumerate(followups):
        key = f"{name}.followups[{i}]"
        if m.name.casefold() in names:
            raise ConfigError(f"meeting name {m.name!r} is used twice", path=path, key=key)
        names.append(m.name.casefold())
        if m.year < baseline.year:
            raise ConfigError(
                f"a follow-up year ({m.year}) cannot come before the baseline ({baseline.year})",
                path=path,
                key=f"{key}.year",
            )
    return baseline, tuple(sorted(followups, key=lambda m: m.year))


def _meeting(value: Any, key: str, path: str | None) -> Meeting:
    if not isinstance(value, Mapping):
        raise ConfigError('expected { name = "…", year = 2018 }', path=path, key=key)
    pf.check_known(value, ("name", "year"), key, path)
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            'expected a meeting name such as "Benchmarking 1"', path=path, key=f"{key}.name"
        )
    year = value.get("year")
    this_year = dt.date.today().year
    if isinstance(year, bool) or not isinstance(year, int) or not 1950 <= year <= this_year:
        raise ConfigError(
            f"expected a data year between 1950 and {this_year}; got {year!r}",
            path=path,
            key=f"{key}.year",
        )
    return Meeting(name.strip(), year)


def _renamed(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is now {new} (a meeting of the programme); the old name goes in koladagap 0.3",
        DeprecationWarning,
        stacklevel=3,
    )


def __getattr__(name: str) -> Any:
    if name == "Session":
        _renamed("koladagap.benchmarking.plan.Session", "Meeting")
        return Meeting
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Meeting", "Plan", "load_plan", "load_screen_plan", "parse_plan", "starter_plan"]
