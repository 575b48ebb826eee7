"""``plan init``: a starter plan for one organisation, from the sample or from Kolada."""

from __future__ import annotations

import tomllib

from koladagap.benchmarking.data import Kolada
from koladagap.benchmarking.plan import parse_plan
from koladagap.benchmarking.starter import starter_plan
from koladagap.errors import InputError
from koladagap.kolada.schema import parse_ids

KPI_GROUP_KOMMUN = "G2KPI148333"
KPI_GROUP_REGION = "G2KPI148336"
"""Kolada's KPI groups for gender equality (kommun, region): a starter plan's KPIs online."""


def starter_plan_for(
    source: Kolada,
    municipality: str,
    *,
    baseline: int = 2018,
    followup: int = 2022,
    file: str = "plan.toml",
) -> tuple[str, str]:
    """The starter plan of ``municipality`` as ``(text, organisation name)``.

    On the sample the plan lists the sample's KPIs; online it names Kolada's
    gender-equality KPI group for the organisation's type (kommun or region). The
    text is parsed before it is returned, so what ``plan init`` writes always reads back.

    Raises:
        InputError: not exactly one municipality id, or an unknown one.
    """
    mid = parse_ids(municipality, "municipality")
    if len(mid) != 1:
        raise InputError("give exactly one --municipality id, e.g. 0180")
    name = source.municipality_name(mid[0])
    kpis = source.available_kpis() if source.mode == "sample" else []
    text = starter_plan(mid[0], name, kpis, baseline=baseline, followup=followup, file=file)
    if not kpis:
        kinds = source.municipalities(kind=None)
        is_region = bool((kinds.loc[kinds["id"] == mid[0], "type"] == "L").any())
        group = KPI_GROUP_REGION if is_region else KPI_GROUP_KOMMUN
        text = text.replace("ids = [\n\n]", "ids = []").replace(
            "groups = []\n\n# Per-KPI", f'groups = ["{group}"]\n\n# Per-KPI'
        )
    parse_plan(tomllib.loads(text), path=file)  # what is written must read back
    return text, name


__all__ = ["KPI_GROUP_KOMMUN", "KPI_GROUP_REGION", "starter_plan_for"]
