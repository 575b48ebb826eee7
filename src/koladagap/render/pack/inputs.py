"""The pack's input: the baseline's result, read, never fetched.

:func:`pack_input` makes a :class:`PackInput` from the baseline meeting's
:class:`~koladagap.benchmarking.run.PlanResult`: its values, levels, reasons, peers,
names and KPI titles. It reads the result only; the pack never fetches.

:func:`baseline_pack_input` is the shorthand for one organisation without a plan
file: it runs a plan of its own through
:func:`koladagap.benchmarking.baseline.run_baseline` and reads that result;
:func:`baseline_pack_from_sample` is its offline form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from koladagap.benchmarking.baseline import HISTORY_YEARS
from koladagap.errors import InputError, InvalidYearsError, UnknownIdError
from koladagap.render.pack.model import PackInput

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.run import PlanResult


def pack_input(
    result: PlanResult,
    *,
    lang: str | None = None,
    levels: Mapping[str, str] | pd.DataFrame | None = None,
    reasons: Mapping[str, str] | None = None,
    first_year: int | None = None,
    title: str | None = None,
    checklist: Any = None,
) -> PackInput:
    """The :class:`PackInput` of a plan's result (what ``koladagap baseline`` draws).

    Everything comes from ``result``, best made by
    :func:`koladagap.benchmarking.baseline.run_baseline` (its values reach
    :data:`~koladagap.benchmarking.baseline.HISTORY_YEARS` years back): the values
    (every kommun, Riket, the peers and the organisation's own measurements), the
    KPIs in the plan's order and their titles, the levels
    (:attr:`~koladagap.benchmarking.run.PlanResult.level`), the reasons
    (:func:`koladagap.render.explain.reasons_by_kpi`), the peers and the names.
    ``lang`` defaults to the plan's; ``levels`` and ``reasons`` replace the
    result's when given. The time charts start ``HISTORY_YEARS`` before the
    baseline unless ``first_year`` is given. The result's table (the engine rows)
    picks the main problems; the rules name the one-sex shares. ``checklist``, a
    :class:`~koladagap.checklist.ChecklistResult`, adds the self-assessment slide.

    A follow-up's result (its meeting is not the plan's baseline, made by
    :func:`koladagap.benchmarking.baseline.run_meeting`) makes the Benchmarking 2
    deck: the prioritised KPIs (those with targets) against the targets.

    Raises:
        InputError: the result carries no values.
    """
    from koladagap.render.explain import reasons_by_kpi

    values = getattr(result, "values", None)
    if not isinstance(values, pd.DataFrame) or values.empty:
        raise InputError(
            "the plan's result carries no values to draw: make it with "
            "koladagap.benchmarking.baseline.run_baseline (the pack never fetches)"
        )
    lang = lang or result.plan.lang
    table = result.table
    followup = result.meeting != result.plan.baseline
    year = int(result.plan.baseline.year if followup else result.meeting.year)
    if levels is None:
        lv = result.level.dropna()
        levels = dict(zip(lv.index.astype(str), lv.astype(str), strict=True))
    in_table = result.kpis  # the table, then own measurements begun later
    kpis = [k for k in result.plan.kpi_ids if k in in_table]
    kpis += [k for k in in_table if k not in kpis]  # group members, own measurements
    return PackInput(
        organisation_id=str(result.plan.organisation),
        organisation_name=result.organisation_name or str(result.plan.organisation),
        baseline_year=year,
        kpis=kpis,
        values=values,
        kpi_meta=_titles(result, kpis),
        peers=result.peers["id"].astype(str).tolist(),
        peer_group_title=result.peer_group_title,
        levels=levels,
        reasons=reasons if reasons is not None else reasons_by_kpi(table, lang),
        lang=lang,
        first_year=first_year if first_year is not None else year - HISTORY_YEARS,
        title=title,
        table=table,
        one_sex={
            k: str(r.share_of or "K")
            for k, r in result.rules.items()
            if r.kind == "share_of_one_sex"
        },
        checklist=checklist,
        targets=result.comparison if followup else None,
        meeting=result.meeting.name if followup else None,
        meeting_year=int(result.meeting.year) if followup else None,
    )


def _titles(result: PlanResult, kpis: Sequence[str]) -> pd.DataFrame:
    """``id, title`` of ``kpis``: the result's catalogue, else its table's ``kpi_title``."""
    meta = getattr(result, "kpi_meta", None)
    if isinstance(meta, pd.DataFrame) and {"id", "title"} <= set(meta.columns):
        pairs = meta[["id", "title"]].rename(columns={"id": "kpi", "title": "kpi_title"})
        pairs = pd.concat([pairs, result.table[["kpi", "kpi_title"]]], ignore_index=True)
    else:
        pairs = result.table[["kpi", "kpi_title"]]
    pairs = pairs.dropna().astype({"kpi": str, "kpi_title": str}).drop_duplicates("kpi")
    pairs = pairs.loc[pairs["kpi"].isin(list(kpis)).to_numpy(dtype=bool)]
    return pd.DataFrame({"id": pairs["kpi"], "title": pairs["kpi_title"]}).reset_index(drop=True)


def _ids(ids: Sequence[str] | str | None) -> list[str]:
    """KPI ids from ``"N1, N2"`` or a list: stripped, upper-cased, without duplicates."""
    if ids is None:
        return []
    items = [ids] if isinstance(ids, str) else [str(i) for i in ids]
    parts = (p.strip().upper() for s in items for p in re.split(r"[,\s]+", s))
    return list(dict.fromkeys(p for p in parts if p))


def baseline_pack_input(
    municipality_id: str,
    baseline_year: int,
    *,
    kpis: Sequence[str] | str | None = None,
    source: str | Kolada = "sample",
    lang: str = "sv",
    levels: Mapping[str, str] | pd.DataFrame | None = None,
    first_year: int | None = None,
    title: str | None = None,
    family: str = "övergripande",
    reasons: Mapping[str, str] | None = None,
) -> PackInput:
    """A :class:`PackInput` for one organisation, without a plan file.

    A shorthand for a plan naming ``kpis`` with ``baseline_year`` as its baseline,
    run by :func:`koladagap.benchmarking.baseline.run_baseline` on ``source``
    (``"sample"``: the shipped real-data sample, offline; ``"offline"``: the
    cache only; ``"api"``; or a :class:`koladagap.Kolada`; nothing is kept on
    disk), then :func:`pack_input`. ``kpis=None`` takes every KPI the sample or
    the cache holds. Peers are the organisation's "Liknande kommuner" group in
    ``family`` (none for a region). Unlike :func:`pack_input`, the pack shows
    only the ``levels`` and ``reasons`` given here (none by default). With a
    plan, run it and use :func:`pack_input` instead.

    Raises:
        UnknownIdError: the organisation or a KPI is unknown to ``source``.
        InvalidYearsError: ``baseline_year`` is in the future.
    """
    from koladagap.benchmarking.baseline import run_baseline
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.plan import parse_plan

    if int(baseline_year) > dt.date.today().year:
        raise InvalidYearsError(f"the baseline year {baseline_year} is in the future")
    kg = source if isinstance(source, Kolada) else Kolada(mode=source)  # type: ignore[arg-type]
    mid = str(municipality_id).strip()
    kg.municipality_name(mid)  # an unknown organisation fails here, before any work
    ids = _ids(kpis) or kg.available_kpis()
    if not ids:
        raise InputError("no KPIs for the pack: name them (the cache holds none)")
    unknown, _ = kg.check_ids(ids, [])
    if unknown:
        where = "the shipped sample" if kg.mode == "sample" else "Kolada"
        raise UnknownIdError("kpi", unknown, f"not in {where}")
    plan = parse_plan(
        {
            "organisation": {"id": mid},
            "kpis": {"ids": ids},
            "sessions": {"baseline": {"name": "Benchmarking 1", "year": int(baseline_year)}},
            "comparison": {"peer_family": family},
            "report": {"lang": lang},
        }
    )
    result = run_baseline(plan, source=kg, meetings_dir=None)
    return pack_input(
        result,
        lang=lang,
        levels=levels if levels is not None else {},
        reasons=reasons if reasons is not None else {},
        first_year=first_year,
        title=title,
    )


def baseline_pack_from_sample(
    municipality_id: str = "0180",
    baseline_year: int = 2018,
    kpis: Sequence[str] | str | None = None,
    lang: str = "sv",
    levels: Mapping[str, str] | pd.DataFrame | None = None,
) -> PackInput:
    """:func:`baseline_pack_input` on the shipped sample (offline; 19 KPIs by default).

    Examples:
        >>> inp = baseline_pack_from_sample("0180", 2018, kpis="N15428,N00906")
        >>> inp.organisation_name, inp.kpis, len(inp.peers)
        ('Stockholm', ('N15428', 'N00906'), 7)
    """
    return baseline_pack_input(
        municipality_id, baseline_year, kpis=kpis, source="sample", lang=lang, levels=levels
    )


__all__ = ["baseline_pack_from_sample", "baseline_pack_input", "pack_input"]
