"""``network init``: a commented starter network file for some members and a mentor.

The KPIs fit the organisations' type, as for a starter plan
(:func:`koladagap.benchmarking.plan_init.starter_kpis`): on the sample (or offline,
from the cache) the KPIs with values for every organisation of the network (not
those the KPI table keeps as context only, such as the population); online
Kolada's "Jämställdhet" group of their type (``G2KPI148333`` for kommuner,
``G2KPI148336`` for regioner; a mixed network names both, and the file says so).
The text is parsed before it is returned, so what is written always reads back.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence

from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.kpi_table import kpi_table
from koladagap.benchmarking.network import parse_network
from koladagap.benchmarking.plan_init import (
    KPI_GROUP_KOMMUN,
    KPI_GROUP_REGION,
    StarterKpis,
    starter_kpis,
)
from koladagap.engine.rules import rules_from_table
from koladagap.errors import InputError
from koladagap.kolada.schema import parse_ids

_STARTER = """\
# koladagap network file: {name_line}
# Edit, then run for example:
#   koladagap network --plan {file} --out natverk
# Ids are text in quotes so leading zeros stay ("0180").

[network]
name = "{title}"

# One [[members]] table per member. Optional for each:
#   plan = "member-plan.toml"     its own plan (rules, areas, targets, thresholds)
#   scores = "member-scores.xlsx" its checklist score sheet (koladagap checklist template)
{members}
# The mentor organisation (shown beside the members, marked as mentor).
{mentor}
[kpis]
# The KPIs the network looks at together.{mixed}
ids = [
{ids}
]{left_out}
# ... and/or Kolada KPI groups ("Jämställdhet": {group_k} kommuner, {group_r} regioner).
groups = [{groups}]

[meetings]
# The data year shown at each meeting.
baseline = {{ name = "Benchmarking 1", year = {baseline} }}
followups = [
  {{ name = "Benchmarking 2", year = {followup} }},
]

# Shared thresholds (defaults shown; a member's own plan keeps its own).
# [thresholds.materiality]
# share_pp = 5.0
# [thresholds.reference]
# watch_z = 2.75
# act_z = 3.0
"""


_NO_MENTOR = '# [mentor]\n# id = "1283"\n'


def _org(mid: str, name: str, header: str) -> str:
    return f'{header}\nid = "{mid}"            # {name}\n'


def network_starter(
    source: Kolada,
    members: str | Sequence[str],
    mentor: str | None = None,
    *,
    name: str = "",
    baseline: int = 2018,
    followup: int = 2022,
    file: str = "natverk.toml",
) -> str:
    """The starter network file for ``members`` and ``mentor`` (ids), checked to read back.

    Examples:
        >>> text = network_starter(Kolada(mode="sample"), "1233,1280", "1283")
        >>> net = parse_network(tomllib.loads(text))
        >>> [o.id for o in net.organisations], len(net.kpi_ids) > 5
        (['1233', '1280', '1283'], True)

    Raises:
        InputError: no member, Riket, an unknown id or an id given twice.
    """
    ids = list(parse_ids(members, "municipality"))
    boss = list(parse_ids(mentor, "municipality")) if mentor else []
    if not ids:
        raise InputError("give the members' ids, e.g. --members 1233,1280,0180")
    if len(boss) > 1:
        raise InputError("give one --mentor id, e.g. 1283")
    given = [str(g).strip() for g in (members.split(",") if isinstance(members, str) else members)]
    every = ids + boss
    twice = sorted({i for i in [*given, *boss] if i and [*given, *boss].count(i) > 1})
    if twice:
        raise InputError(f"id given twice: {', '.join(twice)}")
    known = set(source._metadata("municipalities")["id"].astype(str))
    unknown = [i for i in every if i not in known]
    if unknown:
        raise InputError(f"unknown kommun or region id: {', '.join(unknown)}")
    names = {i: source.municipality_name(i) for i in every}
    picks = [starter_kpis(source, i, names[i]) for i in every]  # refuses Riket
    kinds = {p.kind for p in picks}
    kpi_ids, left, groups = _kpis(picks)
    mixed = ""
    if len(kinds) > 1:
        mixed = (
            "\n# A mixed network (kommuner and regioner): the KPIs of both types are named;"
            "\n# a KPI only one type reports has no values for the other."
        )
    title = name or "Nätverk " + ", ".join(names[i] for i in ids)
    text = _STARTER.format(
        name_line=f"{title} ({', '.join(every)})",
        file=file,
        title=title.replace('"', "'"),
        members="".join(_org(i, names[i], "[[members]]") for i in ids),
        mentor=_org(boss[0], names[boss[0]], "[mentor]") if boss else _NO_MENTOR,
        mixed=mixed,
        ids=",\n".join(f'  "{k}"' for k in kpi_ids),
        left_out=f"\n# {left}" if left else "",
        group_k=KPI_GROUP_KOMMUN,
        group_r=KPI_GROUP_REGION,
        groups=", ".join(f'"{g}"' for g in groups),
        baseline=baseline,
        followup=followup,
    )
    parse_network(tomllib.loads(text), path=file)  # what is written must read back
    return text


def _kpis(picks: list[StarterKpis]) -> tuple[list[str], str, list[str]]:
    """The KPIs with values for every organisation, the line naming those left out, groups."""
    groups = list(dict.fromkeys(g for p in picks for g in p.groups))
    if groups:  # online (or nothing cached): the groups, resolved when the network is run
        kinds = {p.kind for p in picks}
        named = [KPI_GROUP_KOMMUN] * ("kommun" in kinds) + [KPI_GROUP_REGION] * ("region" in kinds)
        return [], "", named
    considered = list(dict.fromkeys(k for p in picks for k in [*p.ids, *p.left_out]))
    rules = rules_from_table(considered, table=kpi_table())
    context = [k for k in considered if rules[k].exclude]  # e.g. the population, N01951
    have = [set(p.ids) for p in picks]
    ids = [k for k in considered if any(k in h for h in have) and k not in context]
    shared = [k for k in ids if all(k in h for h in have)]
    chosen = shared or ids
    left = [k for k in considered if k not in chosen and k not in context]
    notes = []
    if left:
        notes.append(
            f"Left out {len(left)} of {len(considered)} KPIs, without values for every "
            f"organisation: {', '.join(left)}"
        )
    if context:
        notes.append(f"Left out, context not judged: {', '.join(context)}")
    return chosen, "\n# ".join(notes), []


__all__ = ["network_starter"]
