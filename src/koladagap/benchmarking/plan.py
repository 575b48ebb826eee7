"""The plan file: who is analysed, against whom, which KPIs, which sessions and thresholds.

A plan is a TOML file read with :mod:`tomllib` into frozen dataclasses. Every
mistake raises :class:`~koladagap.errors.ConfigError` naming the file, the key
and what is accepted, on one line. ``koladagap plan init`` writes a commented
starter plan (:func:`starter_plan`).

The shape (every section but ``organisation`` and ``sessions`` is optional)::

    [organisation]
    id = "0180"                      # a kommun or region id (Riket: 0000 cannot be planned)

    [comparison]
    peer_family = "övergripande"     # one of RKA's 12 "Liknande kommuner" families
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
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from koladagap.engine.thresholds import DIRECTIONS, EXPECTED_WORDS, KINDS, KpiRule, Thresholds
from koladagap.errors import ConfigError
from koladagap.kolada.metadata import PEER_FAMILIES

_KPI_ID = re.compile(r"^(?:[A-Z]\d{5}|[A-Z]{2,10}-[A-Za-z0-9_-]{1,40})$")
"""A Kolada KPI id (``N15428``) or an own measurement's id (``EGEN-BESOK``)."""
_GROUP_ID = re.compile(r"^G[0-9A-Z]+$")
_MUNI_ID = re.compile(r"^\d{4}$")

_TOP_KEYS = (
    "organisation",
    "comparison",
    "kpis",
    "sessions",
    "thresholds",
    "areas",
    "units",
    "measurements",
    "report",
)
_RULE_KEYS = tuple(
    f.name for f in fields(KpiRule) if f.name not in ("kpi", "overrides", "title")
) + ("thresholds", "title")


@dataclass(frozen=True)
class Session:
    """A meeting and the data year shown at it (e.g. Benchmarking 1, 2018)."""

    name: str
    year: int


@dataclass(frozen=True)
class Plan:
    """A parsed, validated plan. Build it with :func:`load_plan` or :func:`parse_plan`.

    Attributes:
        organisation: the kommun or region id (``"0180"``).
        peer_family: the "Liknande kommuner" family used as peers.
        riket: whether Riket (``0000``) is shown as a reference.
        extra_groups: further municipality groups shown as context.
        kpi_ids: KPI ids named explicitly.
        kpi_groups: Kolada KPI groups whose members are added.
        rules: per-KPI rule overrides from the plan (field → value), by KPI id.
        baseline: the baseline session.
        followups: follow-up sessions, in year order.
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
    baseline: Session
    peer_family: str = "övergripande"
    riket: bool = True
    extra_groups: tuple[str, ...] = ()
    kpi_ids: tuple[str, ...] = ()
    kpi_groups: tuple[str, ...] = ()
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    followups: tuple[Session, ...] = ()
    thresholds: Thresholds = field(default_factory=Thresholds)
    areas: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    measurement_files: tuple[str, ...] = ()
    units_type: str | None = None
    units_kpis: tuple[str, ...] = ()
    lang: str = "sv"
    path: str | None = None

    @property
    def sessions(self) -> tuple[Session, ...]:
        """Baseline first, then the follow-ups."""
        return (self.baseline, *self.followups)

    def session(self, name: str | None) -> Session:
        """A session by name (case-insensitive); ``None`` gives the latest one."""
        if name is None:
            return self.sessions[-1]
        for s in self.sessions:
            if s.name.casefold() == name.casefold():
                return s
        names = ", ".join(repr(s.name) for s in self.sessions)
        raise ConfigError(f"no session named {name!r}; the plan has {names}", path=self.path)

    def to_dict(self) -> dict[str, Any]:
        """The plan as plain data (for a session manifest)."""
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
                :func:`koladagap.engine.rules_from_table` (the bundled KPI table).

        Raises:
            ConfigError: an override that makes an invalid rule (naming file and key).
        """
        from koladagap.engine.rules import rules_from_table

        missing = [k for k in kpis if base is None or k not in base]
        defaults = dict(base or {})
        if missing:
            defaults.update(rules_from_table(missing))
        out: dict[str, KpiRule] = {}
        for k in kpis:
            over = dict(self.rules.get(k, {}))
            th = over.pop("thresholds", None)
            if th is not None:
                over["overrides"] = _thresholds(
                    self.thresholds, th, f"kpis.{k}.thresholds", self.path
                )
            if over:  # the plan gives this KPI a rule of its own
                over.setdefault("provisional", False)
            rule = dataclasses.replace(defaults[k], **over)
            try:
                rule.validate()
            except ConfigError as err:
                raise ConfigError(_bare(err), path=self.path, key=err.key) from None
            out[k] = rule
        return out


def _bare(err: ConfigError) -> str:
    text = str(err)
    if err.key and text.startswith(f"{err.key}: "):
        return text[len(err.key) + 2 :]
    return text


# --- parsing -------------------------------------------------------------------------


def load_plan(path: str | os.PathLike[str]) -> Plan:
    """Read and validate a plan file.

    Raises:
        ConfigError: the file is missing, not TOML, or a key or value is wrong
            (the message names the file and the key).
    """
    p = Path(path)
    missing = "plan file not found; create one with: koladagap plan init --municipality 0180"
    return parse_plan(_read_toml(p, missing), path=str(p))


def _read_toml(p: Path, missing: str) -> dict[str, Any]:
    """The TOML table of a plan file, or a one-line ConfigError naming the file."""
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(missing, path=str(p)) from None
    except OSError as err:
        raise ConfigError(f"cannot read the plan file ({err.strerror})", path=str(p)) from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text; save the plan as UTF-8", path=str(p)) from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML ({err})", path=str(p)) from None


def load_screen_plan(path: str | os.PathLike[str]) -> Plan:
    """A plan file read for ``koladagap screen``: only ``[kpis.ID]`` rules and ``[thresholds]``.

    The other sections may be left out (a full plan is read as a whole, and
    validated as one); the result's organisation is empty.

    Raises:
        ConfigError: as :func:`load_plan`.
    """
    p = Path(path)
    data = _read_toml(p, "plan file not found")
    if "organisation" in data:
        return parse_plan(data, path=str(p))
    _known(data, _TOP_KEYS, "", str(p))
    kp = _table(data, "kpis", str(p))
    rules: dict[str, dict[str, Any]] = {}
    for key, value in kp.items():
        if key in ("ids", "groups"):
            continue
        if not _KPI_ID.match(str(key)) or not isinstance(value, Mapping):
            raise ConfigError(
                "expected a table of rules under a KPI id such as [kpis.N15428]",
                path=str(p),
                key=f"kpis.{key}",
            )
        rules[key] = _rule(key, value, str(p))
    thresholds = _thresholds(Thresholds(), data.get("thresholds", {}), "thresholds", str(p))
    return Plan(
        organisation="",
        baseline=Session("", 0),
        rules=rules,
        thresholds=thresholds,
        path=str(p),
    )


def parse_plan(data: Mapping[str, Any], *, path: str | None = None) -> Plan:
    """Validate plan data (as :mod:`tomllib` returns it) into a :class:`Plan`."""
    _known(data, _TOP_KEYS, "", path)
    org = _table(data, "organisation", path, required=True)
    _known(org, ("id", "name"), "organisation", path)
    org_id = _muni(org.get("id"), "organisation.id", path)
    if org_id == "0000":
        raise ConfigError(
            "Riket (0000) is a reference, not an organisation; give a kommun or region id",
            path=path,
            key="organisation.id",
        )

    comp = _table(data, "comparison", path)
    _known(comp, ("peer_family", "riket", "groups"), "comparison", path)
    family = comp.get("peer_family", "övergripande")
    if family not in PEER_FAMILIES:
        raise ConfigError(
            f"unknown family {family!r}; accepted: {', '.join(PEER_FAMILIES)}",
            path=path,
            key="comparison.peer_family",
        )
    riket = comp.get("riket", True)
    if not isinstance(riket, bool):
        raise ConfigError("expected true or false", path=path, key="comparison.riket")
    groups = _id_list(comp.get("groups", []), _GROUP_ID, "comparison.groups", "G…", path)

    kp = _table(data, "kpis", path)
    kpi_ids = _id_list(kp.get("ids", []), _KPI_ID, "kpis.ids", "N00906", path)
    kpi_groups = _id_list(kp.get("groups", []), _GROUP_ID, "kpis.groups", "G2KPI148333", path)
    rules: dict[str, dict[str, Any]] = {}
    for key, value in kp.items():
        if key in ("ids", "groups"):
            continue
        if not _KPI_ID.match(str(key)):
            raise ConfigError(
                "unknown key; accepted: ids, groups, or a KPI id such as N15428 for its rules",
                path=path,
                key=f"kpis.{key}",
            )
        if not isinstance(value, Mapping):
            raise ConfigError("expected a table of rules", path=path, key=f"kpis.{key}")
        rules[key] = _rule(key, value, path)
    if not kpi_ids and not kpi_groups:
        raise ConfigError(
            "no KPIs: give kpis.ids and/or kpis.groups (e.g. groups = ['G2KPI148333'])",
            path=path,
            key="kpis",
        )

    baseline, followups = _sessions(_table(data, "sessions", path, required=True), path)
    thresholds = _thresholds(Thresholds(), data.get("thresholds", {}), "thresholds", path)
    areas = _areas(data.get("areas", {}), path)
    units_type, units_kpis = _units(_table(data, "units", path), kpi_ids, path)
    files = _measurement_files(_table(data, "measurements", path), path)
    rep = _table(data, "report", path)
    _known(rep, ("lang",), "report", path)
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


def _known(d: Mapping[str, Any], keys: Sequence[str], where: str, path: str | None) -> None:
    for k in d:
        if k not in keys:
            key = f"{where}.{k}" if where else str(k)
            raise ConfigError(f"unknown key; accepted: {', '.join(keys)}", path=path, key=key)


def _table(
    data: Mapping[str, Any], name: str, path: str | None, *, required: bool = False
) -> Mapping[str, Any]:
    if name not in data:
        if required:
            raise ConfigError(f"missing section [{name}]", path=path, key=name)
        return {}
    value = data[name]
    if not isinstance(value, Mapping):
        raise ConfigError(f"expected a table [{name}]", path=path, key=name)
    return value


def _muni(value: Any, key: str, path: str | None) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ConfigError(
            f'write the id as text in quotes, e.g. "{value:04d}" (leading zeros matter)',
            path=path,
            key=key,
        )
    if not isinstance(value, str) or not _MUNI_ID.match(value):
        raise ConfigError(
            f'expected a 4-digit municipality or region id such as "0180"; got {value!r}',
            path=path,
            key=key,
        )
    return value


def _id_list(
    value: Any, pattern: re.Pattern[str], key: str, example: str, path: str | None
) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ConfigError(f'expected a list of ids such as ["{example}"]', path=path, key=key)
    out: list[str] = []
    for v in value:
        item = v.strip() if isinstance(v, str) else v
        if isinstance(item, str):
            item = item.upper()
        if not isinstance(item, str) or not pattern.match(item):
            raise ConfigError(
                f"invalid id {v!r}; expected ids such as {example}", path=path, key=key
            )
        if item not in out:
            out.append(item)
    return tuple(out)


def _rule(kpi: str, value: Mapping[str, Any], path: str | None) -> dict[str, Any]:
    key = f"kpis.{kpi}"
    _known(value, _RULE_KEYS, key, path)
    out = dict(value)
    checks: dict[str, tuple[Sequence[str], str]] = {
        "kind": (KINDS, "kind"),
        "direction": (DIRECTIONS, "direction"),
    }
    for name, (accepted, _) in checks.items():
        if name in out and out[name] not in accepted:
            raise ConfigError(
                f"unknown {name} {out[name]!r}; accepted: {', '.join(accepted)}",
                path=path,
                key=f"{key}.{name}",
            )
    for name in ("exclude", "event"):
        if name in out and not isinstance(out[name], bool):
            raise ConfigError("expected true or false", path=path, key=f"{key}.{name}")
    if out.get("exclude") and not str(out.get("reason", "")).strip():
        raise ConfigError(
            'an excluded KPI needs a reason (reason = "…"): it is printed in the report',
            path=path,
            key=f"{key}.reason",
        )
    for name in ("denominator_kpi", "moe_kpi"):
        if name in out and (not isinstance(out[name], str) or not _KPI_ID.match(out[name])):
            raise ConfigError(
                f"expected a KPI id such as U01511; got {out[name]!r}",
                path=path,
                key=f"{key}.{name}",
            )
    _check_targets(out, key, path)
    if "expected" in out:
        out["expected"] = _expected(out["expected"], f"{key}.expected", path)
    if "thresholds" in out and not isinstance(out["thresholds"], Mapping):
        raise ConfigError("expected a table of thresholds", path=path, key=f"{key}.thresholds")
    return out


def _expected(e: Any, key: str, path: str | None) -> Any:
    ok = (isinstance(e, int | float) and not isinstance(e, bool)) or e in EXPECTED_WORDS
    if not ok:
        raise ConfigError(
            f"expected must be a number, 'riket' or 'peers'; got {e!r}", path=path, key=key
        )
    return float(e) if isinstance(e, int) else e


def _check_targets(out: Mapping[str, Any], key: str, path: str | None) -> None:
    for name in ("target_gap", "target_value"):
        v = out.get(name)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
            raise ConfigError(f"expected a number; got {v!r}", path=path, key=f"{key}.{name}")
    if "target_year" in out:
        ty = out["target_year"]
        if isinstance(ty, bool) or not isinstance(ty, int) or not 1950 <= ty <= 2100:
            raise ConfigError(
                f"expected a year between 1950 and 2100; got {ty!r}",
                path=path,
                key=f"{key}.target_year",
            )
    if ("target_gap" in out or "target_value" in out) and "target_year" not in out:
        raise ConfigError(
            "a target needs target_year (the year it should be reached)",
            path=path,
            key=f"{key}.target_year",
        )


def _thresholds(base: Thresholds, data: Any, key: str, path: str | None) -> Thresholds:
    if not isinstance(data, Mapping):
        raise ConfigError("expected a table of thresholds", path=path, key=key)
    flat: dict[str, Any] = {}
    for section, values in data.items():
        if not isinstance(values, Mapping):
            raise ConfigError(
                "expected a table, e.g. [thresholds.materiality]", path=path, key=f"{key}.{section}"
            )
        for k, v in values.items():
            flat[f"{section}.{k}"] = v
    try:
        return base.replace(**flat)
    except ConfigError as err:
        raise ConfigError(_bare(err), path=path, key=f"{key}.{err.key}") from None


def _sessions(data: Mapping[str, Any], path: str | None) -> tuple[Session, tuple[Session, ...]]:
    _known(data, ("baseline", "followups"), "sessions", path)
    if "baseline" not in data:
        raise ConfigError(
            'missing the baseline, e.g. baseline = { name = "Benchmarking 1", year = 2018 }',
            path=path,
            key="sessions.baseline",
        )
    baseline = _session(data["baseline"], "sessions.baseline", path)
    raw = data.get("followups", [])
    if not isinstance(raw, list):
        raise ConfigError(
            "expected a list of { name = …, year = … }", path=path, key="sessions.followups"
        )
    followups = [_session(s, f"sessions.followups[{i}]", path) for i, s in enumerate(raw)]
    names = [baseline.name.casefold()]
    for i, s in enumerate(followups):
        if s.name.casefold() in names:
            raise ConfigError(
                f"session name {s.name!r} is used twice", path=path, key=f"sessions.followups[{i}]"
            )
        names.append(s.name.casefold())
        if s.year < baseline.year:
            raise ConfigError(
                f"a follow-up year ({s.year}) cannot come before the baseline ({baseline.year})",
                path=path,
                key=f"sessions.followups[{i}].year",
            )
    return baseline, tuple(sorted(followups, key=lambda s: s.year))


def _session(value: Any, key: str, path: str | None) -> Session:
    if not isinstance(value, Mapping):
        raise ConfigError('expected { name = "…", year = 2018 }', path=path, key=key)
    _known(value, ("name", "year"), key, path)
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(
            'expected a session name such as "Benchmarking 1"', path=path, key=f"{key}.name"
        )
    year = value.get("year")
    this_year = dt.date.today().year
    if isinstance(year, bool) or not isinstance(year, int) or not 1950 <= year <= this_year:
        raise ConfigError(
            f"expected a data year between 1950 and {this_year}; got {year!r}",
            path=path,
            key=f"{key}.year",
        )
    return Session(name.strip(), year)


def _measurement_files(data: Mapping[str, Any], path: str | None) -> tuple[str, ...]:
    if not data:
        return ()
    _known(data, ("files",), "measurements", path)
    files = data.get("files", [])
    if isinstance(files, str):
        files = [files]
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise ConfigError(
            'expected a list of files, e.g. files = ["egna-matningar.xlsx"]',
            path=path,
            key="measurements.files",
        )
    base = Path(path).parent if path else Path.cwd()
    out = []
    for f in files:
        p = Path(f).expanduser()
        p = p if p.is_absolute() else base / p
        if not p.is_file():
            raise ConfigError(
                f"file not found: {p}; create one with: koladagap measurements template",
                path=path,
                key="measurements.files",
            )
        out.append(str(p))
    return tuple(out)


def _units(
    data: Mapping[str, Any], kpi_ids: tuple[str, ...], path: str | None
) -> tuple[str | None, tuple[str, ...]]:
    if not data:
        return None, ()
    _known(data, ("type", "kpis"), "units", path)
    from koladagap.benchmarking.units import OU_TYPES

    kind = data.get("type")
    if not isinstance(kind, str) or kind.upper() not in OU_TYPES:
        raise ConfigError(
            f"unknown unit type {kind!r}; accepted: {', '.join(OU_TYPES)}",
            path=path,
            key="units.type",
        )
    kpis = _id_list(data.get("kpis", list(kpi_ids)), _KPI_ID, "units.kpis", "N15428", path)
    if not kpis:
        raise ConfigError("no KPIs for the units: give units.kpis", path=path, key="units.kpis")
    return kind.upper(), kpis


def _areas(value: Any, path: str | None) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping):
        raise ConfigError('expected a table such as "Skola" = ["N15428"]', path=path, key="areas")
    return {
        str(area): _id_list(ids, _KPI_ID, f"areas.{area}", "N15428", path)
        for area, ids in value.items()
    }


# --- starter plan -------------------------------------------------------------------------

_STARTER = """\
# koladagap plan for {name} ({mid}). Edit, then run for example:
#   koladagap deviations --plan {file} --out avvikelser.xlsx
#   koladagap baseline --plan {file} --out baspaket
# Every setting not written here keeps the default printed in the report's
# methods annex. Ids are text in quotes so leading zeros stay ("0180").

[organisation]
id = "{mid}"            # {name}

[comparison]
# RKA's "Liknande kommuner" family used as peers (7 kommuner, {name} itself not included):
# {families}
peer_family = "övergripande"
riket = true             # Riket (0000) as a reference line
groups = []              # further municipality groups (G…) shown as context

[kpis]
# Explicit KPI ids (search with: koladagap search TEXT --gender-split) ...
ids = [
{ids}
]
# ... and/or Kolada KPI groups, e.g. SKR's "Jämställdhet" for kommuner (G2KPI148333)
# or regioner (G2KPI148336). Members that no longer exist in Kolada are reported.
groups = []

# Per-KPI rules override the bundled KPI table (kind, direction, expected gap ...).
# [kpis.N21704]
# direction = "need"      # no value judgement: compare with Riket's gap
# expected = "riket"
# [kpis.N15428]
# target_gap = 0.0        # the organisation's own goal ("koppling till organisationens mål")
# target_year = 2026
# [kpis.N00090]
# exclude = true
# reason = "Mäts annorlunda i vår personalredovisning"

[sessions]
# The data year shown at each meeting.
baseline = {{ name = "Benchmarking 1", year = {baseline} }}
followups = [
  {{ name = "Benchmarking 2", year = {followup} }},
]

# Thresholds (defaults shown). Uncomment to change; every report prints those used.
# [thresholds.materiality]
# share_pp = 5.0           # shares: |gap - expected| >= 5 percentage points ...
# share_relative = 0.25    # ... or, for small shares, >= 25 % of the advantaged value
# share_min_pp = 1.0       #     and >= 1 percentage point
# relative = 0.10          # amounts: |gap - expected| / advantaged value >= 10 %
# one_sex_band = [40.0, 60.0]
# [thresholds.credibility]
# alpha = 0.05             # the interval shown for the current year's gap (95 %)
# min_n = 10               # a sex counted fewer than this: too_small
# [thresholds.reference]
# watch_z = 2.75           # unusual among all municipalities of the type: watch ...
# act_z = 3.0              # ... act at this z ...
# act_fdr_q = 0.05         # ... when also the q-value across them is at most this
# pool_years = 3           # years whose distinct observations are pooled

# Gaps inside the organisation: per unit (V11 förskolor, V15 grundskolor, V17
# gymnasieskolor, V21 hemtjänst, V23 särskilda boenden ...), a section of the report.
# [units]
# type = "V15"
# kpis = ["N15428"]

# The organisation's own sex-disaggregated measurements, as extra KPIs
# (template: koladagap measurements template --out egna.xlsx). "Källa: egen mätning".
# [measurements]
# files = ["egna.xlsx"]

# Operating areas for managers (default: Kolada's operating area of each KPI).
# [areas]
# "Skola" = ["N15428", "N15436"]

[report]
lang = "sv"              # "sv" or "en"
"""


def starter_plan(
    municipality: str,
    name: str,
    kpis: Sequence[str],
    *,
    baseline: int = 2018,
    followup: int = 2022,
    file: str = "plan.toml",
) -> str:
    """The text of a commented starter plan (what ``koladagap plan init`` writes).

    Examples:
        >>> text = starter_plan("0180", "Stockholm", ["N15428", "N00906"])
        >>> p = parse_plan(tomllib.loads(text))
        >>> p.organisation, p.kpi_ids, p.baseline.year, p.followups[0].year
        ('0180', ('N15428', 'N00906'), 2018, 2022)
    """
    ids = "\n".join(f'  "{k}",' for k in kpis)
    return _STARTER.format(
        mid=municipality,
        name=name,
        ids=ids,
        baseline=baseline,
        followup=followup,
        file=file,
        families=", ".join(PEER_FAMILIES),
    )


__all__ = ["Plan", "Session", "load_plan", "parse_plan", "starter_plan"]
