"""``plan init``: a starter plan for one kommun or region, from the sample, the cache or Kolada.

The plan fits the organisation's type (:func:`koladagap.benchmarking.starter.starter_plan`):
a region's peers are the other 20 regioner and its KPIs come from the regions'
"Jämställdhet" group. Its KPIs are those with values for the organisation where
that can be known without a request:

- ``sample``: the sample's KPIs that have values for the organisation;
- ``offline``: the members of the type's "Jämställdhet" group that the cache holds
  values for (the group itself when the cache holds none of them);
- ``api``: the group itself, resolved when the plan is run.

The KPIs left out are named, with the reason, in one line (logged once and kept as
a comment in the plan), never dropped silently.
"""

from __future__ import annotations

import logging
import re
import tomllib
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.kpi_table import resolve_kpi_group
from koladagap.benchmarking.plan import parse_plan
from koladagap.benchmarking.starter import starter_plan
from koladagap.columns import KPI, VALUE, org_kind
from koladagap.errors import CacheError, InputError
from koladagap.kolada.schema import parse_ids
from koladagap.kolada.source import UnknownIdWarning

log = logging.getLogger("koladagap")

KPI_GROUP_KOMMUN = "G2KPI148333"
KPI_GROUP_REGION = "G2KPI148336"
"""Kolada's KPI groups for gender equality (kommun, region): a starter plan's KPIs online."""


@dataclass(frozen=True)
class StarterKpis:
    """What a starter plan lists under ``[kpis]``.

    Attributes:
        kind: ``"kommun"`` or ``"region"``.
        ids: the explicit KPI ids.
        groups: KPI groups named instead (online, or a cache without the group's KPIs).
        left_out: the KPIs considered and left out.
        note: one line naming ``left_out`` and why (``""`` when none).
        where: where the values were looked for: ``"sample"``, ``"cache"`` or ``""``.
    """

    kind: str
    ids: list[str]
    groups: list[str]
    left_out: list[str]
    note: str
    where: str = ""


def starter_kpis(source: Kolada, municipality: str, name: str) -> StarterKpis:
    """The KPIs of a starter plan for ``municipality`` (see the module docstring).

    Examples:
        >>> k = starter_kpis(Kolada(mode="sample"), "0001", "Region Stockholm")
        >>> k.kind, len(k.ids), k.left_out[:2]
        ('region', 12, ['N00090', 'N00206'])
        >>> k.note[:60]
        'left out 7 of 19 KPIs, no values for Region Stockholm in the'
    """
    kind = _kind(municipality)
    group = KPI_GROUP_REGION if kind == "region" else KPI_GROUP_KOMMUN
    if source.mode == "sample":
        considered = source.available_kpis()
        where = "the shipped sample"
    elif source.mode == "offline":
        cached = set(source.available_kpis())
        considered = [k for k in _members(source, group) if k in cached]
        where = "the cache"
    else:
        considered = []
        where = ""
    if not considered:
        return StarterKpis(kind, [], [group], [], "")
    have = _with_values(source, considered, municipality)
    ids = [k for k in considered if k in have]
    left = [k for k in considered if k not in have]
    note = ""
    if left:
        note = (
            f"left out {len(left)} of {len(considered)} KPIs, no values for {name} in "
            f"{where}: {', '.join(left)}"
        )
    origin = "sample" if source.mode == "sample" else "cache"
    if not ids:  # nothing to list: name the group, to be read when the plan is run
        return StarterKpis(kind, [], [group], left, note, origin)
    return StarterKpis(kind, ids, [], left, note, origin)


def _kind(municipality: str) -> str:
    """``"kommun"`` or ``"region"``; Riket is refused in one line, naming what is accepted."""
    kind = str(org_kind(pd.Series([municipality])).iloc[0])
    if kind == "riket":
        raise InputError(
            "Riket (0000) is the reference, not an organisation: give a kommun id "
            "(e.g. 0180) or a region id (0001–0025)"
        )
    return kind


def _members(source: Kolada, group: str) -> list[str]:
    """The members of a KPI group, from the cached group list or the shipped one."""
    try:
        live = source._metadata("kpi_groups")
    except CacheError:  # not cached: the shipped list of the Jämställdhet groups
        live = None
    res = resolve_kpi_group(group, groups=live)
    return res.members


def _with_values(source: Kolada, kpis: list[str], municipality: str) -> set[str]:
    """The KPIs of ``kpis`` with at least one value for ``municipality`` (offline: cached)."""
    if source.mode == "offline":  # whatever years the cache holds, without asking for all
        v = source.cache.read(kpis, [municipality], None)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnknownIdWarning)  # an unknown KPI has no values
            v = source.values(kpis, municipality)
    return set(v.loc[v[VALUE].notna().to_numpy(dtype=bool), KPI].astype(str))


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` safe in a TOML comment: line breaks and control characters become one space.

    A name from Kolada (or a file name) is written into the plan's comments; a line
    break in it would end the comment and leave the rest as broken TOML.

    >>> one_line("Stock\\nholm\\x1b[31m  stad\\t")
    'Stock holm [31m stad'
    """
    return re.sub(r" {2,}", " ", _CONTROL.sub(" ", str(text))).strip()


def starter_plan_for(
    source: Kolada,
    municipality: str,
    *,
    baseline: int = 2018,
    followup: int = 2022,
    file: str = "plan.toml",
    announce: bool | Callable[[StarterKpis], None] = True,
) -> tuple[str, str]:
    """The starter plan of ``municipality`` as ``(text, organisation name)``.

    On the sample the plan lists the sample's KPIs with values for the organisation;
    offline the cached members of Kolada's gender-equality KPI group for its type
    (kommun or region) with values; online it names that group. The KPIs left out
    are named in one line: a comment in the plan and, with ``announce``, a log
    message (or, when ``announce`` is a function, it is called with the
    :class:`StarterKpis` so that the caller says it in the user's language). The
    text is parsed before it is returned, so what ``plan init`` writes always
    reads back.

    Raises:
        InputError: not exactly one municipality id, Riket, or an unknown id.
    """
    mid = parse_ids(municipality, "municipality")
    if len(mid) != 1:
        raise InputError("give exactly one --municipality id, e.g. 0180")
    _kind(mid[0])  # Riket: a one-line InputError before anything is read
    name = one_line(source.municipality_name(mid[0]))
    kpis = starter_kpis(source, mid[0], name)
    text = starter_plan(
        mid[0],
        name,
        kpis.ids,
        baseline=baseline,
        followup=followup,
        file=one_line(file),
        groups=kpis.groups,
        left_out=kpis.note[:1].upper() + kpis.note[1:],
    )
    try:  # what is written must read back
        parse_plan(tomllib.loads(text), path=file)
    except tomllib.TOMLDecodeError as err:  # pragma: no cover - one_line keeps comments whole
        raise InputError(
            f"the starter plan for {mid[0]} would not be valid TOML ({err}); write the plan by hand"
        ) from None
    if callable(announce):
        announce(kpis)
    elif announce and kpis.note:
        log.warning("%s", kpis.note)
    return text, name


__all__ = [
    "KPI_GROUP_KOMMUN",
    "KPI_GROUP_REGION",
    "StarterKpis",
    "one_line",
    "starter_kpis",
    "starter_plan_for",
]
