"""Per-KPI rules: a KPI table turned into :class:`KpiRule` objects, and arrays.

:func:`rules_from_table` gives the default rule of each KPI (kind, direction,
expectation, denominators, margins of error, event, exclusion);
:func:`resolve_rules` decides which KPIs an evaluation covers; the engine
turns the rules and their thresholds into per-KPI arrays once, so that every
per-row step is a NumPy gather by KPI code.

The KPI table itself belongs to the benchmarking layer
(:func:`koladagap.benchmarking.kpi_table.kpi_table`): callers pass it in.

Examples:
    >>> table = pd.DataFrame({"id": ["N21704"], "kind": ["share"], "direction": ["need"],
    ...                       "expected": ["riket"]})
    >>> r = rules_from_table(["N21704", "X1"], table=table, titles={"X1": "Kostnad, kr/inv"})
    >>> r["N21704"].direction, r["N21704"].expected, r["X1"].kind, r["X1"].provisional
    ('need', 'riket', 'amount', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from koladagap.engine.panel import Panel
from koladagap.engine.thresholds import DIRECTIONS, KINDS, KpiRule, Thresholds
from koladagap.errors import ConfigError

Arr = NDArray[Any]

SHARE, AMOUNT, ONE_SEX, GAP_VALUE = range(4)
"""Codes of :data:`~koladagap.engine.thresholds.KINDS`, in order."""
HIGHER, LOWER, NEED, PARITY = range(4)
"""Codes of :data:`~koladagap.engine.thresholds.DIRECTIONS`, in order."""
EXP_NUMBER, EXP_RIKET, EXP_PEERS = range(3)
EXPECTED_SOURCES: tuple[str, ...] = ("number", "riket", "peers")


def election_years(first: int = 1970, last: int = 2100) -> frozenset[int]:
    """Swedish general election years: every third year 1970–1994, every fourth since.

    >>> sorted(y for y in election_years() if 2010 <= y <= 2022)
    [2010, 2014, 2018, 2022]
    """
    years = set(range(1970, 1995, 3)) | set(range(1994, last + 1, 4))
    return frozenset(y for y in years if first <= y <= last)


ELECTION_YEARS = election_years()


def _guess_kind(title: str | None) -> str:
    return "share" if title and "%" in title else "amount"


def rules_from_table(
    kpis: Iterable[str] | None = None,
    *,
    table: pd.DataFrame,
    titles: Mapping[str, str] | None = None,
) -> dict[str, KpiRule]:
    """Default :class:`KpiRule` objects from a KPI table.

    A KPI the table lacks gets ``direction = "need"`` (no value judgement) and a
    kind guessed from its title (``%`` → share, else amount) and is marked
    ``provisional`` (no free-text ``reason``: the flag is the code readers translate;
    its level is ``info`` at most); give it a proper rule in the plan.

    Args:
        kpis: the KPI ids wanted; ``None`` for every KPI in the table.
        table: a KPI table with :func:`koladagap.benchmarking.kpi_table.kpi_table`'s
            columns (``id`` and any of ``kind, direction, expected, exclude, reason,
            denominator_kpi, moe_kpi, event, pooled_years, share_of, short_title_sv``).
        titles: KPI titles (e.g. Kolada's) used for labels and kind guesses.
    """
    rows: dict[str, dict[str, Any]] = {
        str(r["id"]): {str(k): v for k, v in r.items()} for r in table.to_dict("records")
    }
    ids = list(rows) if kpis is None else [str(k) for k in kpis]
    titles = titles or {}
    out: dict[str, KpiRule] = {}
    for k in ids:
        r = rows.get(k)
        if r is None:
            out[k] = KpiRule(
                kpi=k,
                kind=_guess_kind(titles.get(k)),  # type: ignore[arg-type]
                direction="need",
                title=titles.get(k, ""),
                provisional=True,
            )
            continue
        out[k] = _rule_from_row(k, r, titles.get(k))
    return out


def _rule_from_row(k: str, r: Mapping[str, Any], title: str | None) -> KpiRule:
    def text(name: str) -> str:
        v = r.get(name, "")
        return "" if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)

    exp_txt = text("expected").strip()
    expected: Any = None
    if exp_txt in ("riket", "peers"):
        expected = exp_txt
    elif exp_txt:
        try:
            expected = float(exp_txt)
        except ValueError as err:
            raise ConfigError(
                f"expected must be a number, 'riket' or 'peers'; got {exp_txt!r}",
                key=f"kpis.{k}.expected",
            ) from err
    share_of = text("share_of") or None
    return KpiRule(
        kpi=k,
        kind=text("kind") or "share",  # type: ignore[arg-type]
        direction=text("direction") or "higher_is_better",  # type: ignore[arg-type]
        expected=expected,
        exclude=bool(r.get("exclude", False)),
        reason=text("reason"),
        denominator_kpi=text("denominator_kpi") or None,
        moe_kpi=text("moe_kpi") or None,
        event=bool(r.get("event", False)),
        pooled_years=_whole(r.get("pooled_years"), 1),
        share_of=share_of,  # type: ignore[arg-type]
        title=title or text("short_title_sv"),
    )


def _whole(v: Any, default: int) -> int:
    if v is None or v is pd.NA or v == "" or (isinstance(v, float) and np.isnan(v)):
        return default
    return int(v)


def resolve_rules(
    rules: Mapping[str, KpiRule] | Iterable[KpiRule] | None,
    kpis_present: Iterable[str],
    titles: Mapping[str, str] | None = None,
    *,
    table: pd.DataFrame | None = None,
) -> dict[str, KpiRule]:
    """The rules to evaluate: the given ones, or ``table``'s defaults for the KPIs present.

    With ``rules=None`` every KPI present gets its rule from ``table`` (see
    :func:`rules_from_table`), except KPIs that only serve as another KPI's
    denominator or margin of error.

    Raises:
        TypeError: ``rules`` is ``None`` and no ``table`` is given.
        ConfigError: ``rules`` holds something other than :class:`KpiRule` objects.
    """
    if rules is None:
        if table is None:
            raise TypeError(
                "rules=None takes the rules from a KPI table: pass the table (kpi_table= "
                "to evaluate, compare and screen; e.g. "
                "koladagap.benchmarking.kpi_table.kpi_table()) or the rules themselves"
            )
        present = [str(k) for k in kpis_present]
        out = rules_from_table(present, table=table, titles=titles)
        aux = {r.denominator_kpi for r in out.values()} | {r.moe_kpi for r in out.values()}
        table_ids = set(table["id"].astype(str))
        return {k: r for k, r in out.items() if k not in aux or k in table_ids}
    items = rules.values() if isinstance(rules, Mapping) else rules
    out = {}
    for r in items:
        if not isinstance(r, KpiRule):
            raise ConfigError(f"expected KpiRule objects; got {type(r).__name__}", key="kpis")
        out[r.kpi] = r
    return out


@dataclass
class KpiArrays:
    """Per-KPI arrays indexed by panel KPI code.

    Attributes:
        num: numbers and codes (``kind``, ``direction``, ``exp_src``, ``exp_num``,
            ``event``, ``share_of_m``, ``exclude``, ``denom``, ``moe``,
            ``evaluated``) and every threshold (``share_pp``, ``relative``, ...).
        text: strings (``reason``, ``title``, ``kind``, ``direction``): codes and
            the KPI table's own words, never the engine's.
    """

    num: dict[str, Arr]
    text: dict[str, Arr]


_DTYPES: dict[str, Any] = {
    "evaluated": bool,
    "kind": np.int8,
    "direction": np.int8,
    "exp_src": np.int8,
    "exp_num": np.float64,
    "event": bool,
    "share_of_m": bool,
    "exclude": bool,
    "pooled": np.int16,
    "provisional": bool,
    "denom": np.int32,
    "moe": np.int32,
    "min_n": np.float64,
    "pool_years": np.int16,
    "ref_min_n": np.int32,
}


def kpi_arrays(panel: Panel, rules: Mapping[str, KpiRule], th: Thresholds) -> KpiArrays:
    """The rules as per-KPI arrays (KPIs without a rule are not evaluated)."""
    nk = len(panel.kpis)
    num: dict[str, list[Any]] = {
        k: [d] * nk
        for k, d in (
            ("evaluated", False),
            ("kind", 0),
            ("direction", 0),
            ("exp_src", 0),
            ("exp_num", 0.0),
            ("event", False),
            ("share_of_m", False),
            ("exclude", False),
            ("pooled", 1),
            ("provisional", False),
            ("denom", -1),
            ("moe", -1),
        )
    }
    text: dict[str, list[str]] = {k: [""] * nk for k in ("reason", "title", "kind", "direction")}
    thr = {name: [val] * nk for name, val in _flat_thresholds(th).items()}
    for kpi, rule in rules.items():
        code = panel.kpi_code(kpi)
        if code < 0:
            continue
        t = rule.overrides or th
        num["evaluated"][code] = True
        num["kind"][code] = KINDS.index(rule.kind)
        num["direction"][code] = DIRECTIONS.index(rule.direction)
        num["exp_src"][code] = EXPECTED_SOURCES.index(rule.expected_source)
        num["exp_num"][code] = rule.expected_number
        num["event"][code] = rule.event
        num["share_of_m"][code] = rule.share_of == "M"
        num["exclude"][code] = rule.exclude
        num["pooled"][code] = rule.pooled_years
        num["provisional"][code] = rule.provisional
        num["denom"][code] = panel.kpi_code(rule.denominator_kpi)
        num["moe"][code] = panel.kpi_code(rule.moe_kpi)
        for name, val in _flat_thresholds(t).items():
            thr[name][code] = val
        text["reason"][code] = rule.reason
        text["title"][code] = rule.title
        text["kind"][code] = rule.kind
        text["direction"][code] = rule.direction
    arrays: dict[str, Arr] = {k: np.asarray(v, dtype=_DTYPES.get(k)) for k, v in num.items()}
    arrays.update({k: np.asarray(v, dtype=_DTYPES.get(k, np.float64)) for k, v in thr.items()})
    return KpiArrays(arrays, {k: np.asarray(v, dtype=object) for k, v in text.items()})


def _flat_thresholds(t: Thresholds) -> dict[str, float]:
    m, c, r = t.materiality, t.credibility, t.reference
    return {
        "share_pp": m.share_pp,
        "share_rel": m.share_relative,
        "share_min": m.share_min_pp,
        "relative": m.relative,
        "band_lo": m.one_sex_band[0],
        "band_hi": m.one_sex_band[1],
        "tol": m.gap_value_tolerance,
        "alpha": c.alpha,
        "min_n": c.min_n,
        "watch_z": r.watch_z,
        "act_z": r.act_z,
        "act_q": r.act_fdr_q,
        "pool_years": r.pool_years,
        "ref_min_n": r.min_n,
    }


__all__ = [
    "ELECTION_YEARS",
    "EXPECTED_SOURCES",
    "KpiArrays",
    "election_years",
    "kpi_arrays",
    "resolve_rules",
    "rules_from_table",
]
