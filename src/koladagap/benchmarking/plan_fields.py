"""The checks behind :func:`koladagap.benchmarking.plan.parse_plan`, one per kind of field.

Each takes the raw value (as :mod:`tomllib` returns it), the key it came under and
the plan file's path, and returns the checked value or raises a one-line
:class:`~koladagap.errors.ConfigError` naming the file, the key and what is accepted.

Examples:
    >>> id_list("n15428", KPI_ID, "kpis.ids", "N15428", None)
    ('N15428',)
    >>> municipality_id("0180", "organisation.id", "plan.toml")
    '0180'
    >>> try:
    ...     municipality_id(180, "organisation.id", "plan.toml")
    ... except ConfigError as err:
    ...     print(err.key)
    organisation.id
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from koladagap.engine.thresholds import (
    DIRECTIONS,
    EXPECTED_WORDS,
    KINDS,
    KpiRule,
    Thresholds,
    shown_value,
)
from koladagap.errors import ConfigError

KPI_ID = re.compile(r"^(?:[A-Z]\d{5}|[A-Z]{2,10}-[A-Za-z0-9_-]{1,40})$")
"""A Kolada KPI id (``N15428``) or an own measurement's id (``EGEN-BESOK``)."""
GROUP_ID = re.compile(r"^G[0-9A-Z]+$")
MUNI_ID = re.compile(r"^\d{4}$")

RULE_KEYS = tuple(
    f.name for f in fields(KpiRule) if f.name not in ("kpi", "overrides", "title")
) + ("thresholds", "title")


def bare_message(err: ConfigError) -> str:
    """The message of ``err`` without its ``key: `` prefix (to be re-raised under another key)."""
    text = str(err)
    if err.key and text.startswith(f"{err.key}: "):
        return text[len(err.key) + 2 :]
    return text


def read_toml(p: Path, missing: str) -> dict[str, Any]:
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


def check_known(d: Mapping[str, Any], keys: Sequence[str], where: str, path: str | None) -> None:
    """Raise on the first key of ``d`` that is not one of ``keys``."""
    for k in d:
        if k not in keys:
            key = f"{where}.{k}" if where else str(k)
            raise ConfigError(f"unknown key; accepted: {', '.join(keys)}", path=path, key=key)


def table(
    data: Mapping[str, Any], name: str, path: str | None, *, required: bool = False
) -> Mapping[str, Any]:
    """The table ``[name]`` of ``data`` (empty when absent and not required)."""
    if name not in data:
        if required:
            raise ConfigError(f"missing section [{name}]", path=path, key=name)
        return {}
    value = data[name]
    if not isinstance(value, Mapping):
        raise ConfigError(f"expected a table [{name}]", path=path, key=name)
    return value


def municipality_id(value: Any, key: str, path: str | None) -> str:
    """A 4-digit municipality or region id written as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise ConfigError(
            f'write the id as text in quotes, e.g. "{value:04d}" (leading zeros matter)',
            path=path,
            key=key,
        )
    if not isinstance(value, str) or not MUNI_ID.match(value):
        raise ConfigError(
            f'expected a 4-digit municipality or region id such as "0180"; got {value!r}',
            path=path,
            key=key,
        )
    return value


def id_list(
    value: Any, pattern: re.Pattern[str], key: str, example: str, path: str | None
) -> tuple[str, ...]:
    """A list of ids (one id alone is a list of one) matching ``pattern``, upper case, unique."""
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


def rule(kpi: str, value: Mapping[str, Any], path: str | None) -> dict[str, Any]:
    """The checked ``[kpis.ID]`` rule table (fields of :class:`KpiRule` and ``thresholds``)."""
    key = f"kpis.{kpi}"
    check_known(value, RULE_KEYS, key, path)
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
    _check_types(out, key, path)
    if out.get("exclude") and not str(out.get("reason", "")).strip():
        raise ConfigError(
            'an excluded KPI needs a reason (reason = "…"): it is printed in the report',
            path=path,
            key=f"{key}.reason",
        )
    for name in ("denominator_kpi", "moe_kpi"):
        if name in out and (not isinstance(out[name], str) or not KPI_ID.match(out[name])):
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


def _check_types(out: Mapping[str, Any], key: str, path: str | None) -> None:
    """Flags are true/false, texts text, ``share_of`` K or M, ``pooled_years`` 1–20."""
    for name in ("exclude", "event", "provisional"):
        if name in out and not isinstance(out[name], bool):
            raise ConfigError(
                f"expected true or false; got {out[name]!r}", path=path, key=f"{key}.{name}"
            )
    for name in ("reason", "title"):
        if name in out and not isinstance(out[name], str):
            raise ConfigError(
                f'expected text in quotes, e.g. {name} = "…"; got {out[name]!r}',
                path=path,
                key=f"{key}.{name}",
            )
    if "share_of" in out and out["share_of"] not in ("K", "M"):
        raise ConfigError(
            f'expected "K" or "M" (whose share the value is); got {out["share_of"]!r}',
            path=path,
            key=f"{key}.share_of",
        )
    if "pooled_years" in out:
        py = out["pooled_years"]
        if isinstance(py, bool) or not isinstance(py, int) or not 1 <= py <= 20:
            raise ConfigError(
                f"expected a whole number of years from 1 to 20; got {py!r}",
                path=path,
                key=f"{key}.pooled_years",
            )


def finite(value: Any) -> bool:
    """Whether ``value`` is a finite number (not a bool, not NaN or ±inf, not beyond a float).

    >>> finite(2), finite(-0.5), finite(float("nan")), finite(float("inf")), finite(10**400)
    (True, True, False, False, False)
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _expected(e: Any, key: str, path: str | None) -> Any:
    if isinstance(e, str) and e in EXPECTED_WORDS:
        return e
    if not finite(e):
        raise ConfigError(
            f"expected must be a finite number, 'riket' or 'peers'; got {shown_value(e)}",
            path=path,
            key=key,
        )
    return float(e)


def _check_targets(out: Mapping[str, Any], key: str, path: str | None) -> None:
    for name in ("target_gap", "target_value"):
        v = out.get(name)
        if v is not None and not finite(v):
            raise ConfigError(
                f"expected a finite number; got {shown_value(v)}", path=path, key=f"{key}.{name}"
            )
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


def thresholds(base: Thresholds, data: Any, key: str, path: str | None) -> Thresholds:
    """``base`` with the ``[thresholds.SECTION]`` values of ``data`` put in."""
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
        raise ConfigError(bare_message(err), path=path, key=f"{key}.{err.key}") from None


def measurement_files(data: Mapping[str, Any], path: str | None) -> tuple[str, ...]:
    """The ``[measurements] files``, as paths relative to the plan file, each existing."""
    if not data:
        return ()
    check_known(data, ("files",), "measurements", path)
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


def units(
    data: Mapping[str, Any], kpi_ids: tuple[str, ...], path: str | None
) -> tuple[str | None, tuple[str, ...]]:
    """The ``[units]`` type (``V15`` …, or ``None``) and its KPIs."""
    if not data:
        return None, ()
    check_known(data, ("type", "kpis"), "units", path)
    import re

    kind = data.get("type")
    if not isinstance(kind, str) or not re.fullmatch(r"V\d\d", kind.strip().upper()):
        raise ConfigError(
            f"invalid unit type {kind!r}; accepted: V and two digits as in Kolada's unit ids "
            "(e.g. V15 grundskola, V23 särskilt boende; koladagap units types lists them)",
            path=path,
            key="units.type",
        )
    kind = kind.strip().upper()
    kpis = id_list(data.get("kpis", list(kpi_ids)), KPI_ID, "units.kpis", "N15428", path)
    if not kpis:
        raise ConfigError("no KPIs for the units: give units.kpis", path=path, key="units.kpis")
    return kind.upper(), kpis


def areas(value: Any, path: str | None) -> dict[str, tuple[str, ...]]:
    """The ``[areas]`` table: operating area → KPI ids."""
    if not isinstance(value, Mapping):
        raise ConfigError('expected a table such as "Skola" = ["N15428"]', path=path, key="areas")
    return {
        str(area): id_list(ids, KPI_ID, f"areas.{area}", "N15428", path)
        for area, ids in value.items()
    }
