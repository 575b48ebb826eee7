"""The methods annex (*Metodbilaga*): every threshold, expectation and choice behind a report.

The values are kept as the plan holds them (a threshold is a number, a band a pair,
Riket a yes/no) in a ``"setting"`` column, so every writer formats them with
:func:`~koladagap.render.i18n.format_setting`: ``3,5`` in Swedish, ``3.5`` in English.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from koladagap.columns import org_kind
from koladagap.render.i18n import Lang, format_setting
from koladagap.render.i18n.explain import exclusion_reason
from koladagap.render.i18n.report import (
    ANNEX_TEXT,
    DATA_SOURCES,
    REGION_TEXT,
    RULE_WORDS,
    THRESHOLD_NOTES,
    report_lang,
    report_text,
    setting_name,
)
from koladagap.render.reports.model import Column, Table

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult
    from koladagap.engine import KpiRule

Row = tuple[str, str, Any, str]
"""Section, setting, value (typed), explanation."""


def source_line(result: PlanResult) -> str:
    """The source line of a report: processed Kolada data, own measurements, or both."""
    from koladagap.benchmarking.measurements import attribution

    return attribution(result.table["kpi"].astype(str))


def is_region(result: PlanResult) -> bool:
    """Is the report's organisation a region (compared with the other regions)?"""
    return bool(org_kind(pd.Series([str(result.plan.organisation)])).iloc[0] == "region")


def annex_table(result: PlanResult, lang: str = "sv") -> Table:
    """The methods annex as a table: section, setting, value (typed) and explanation."""
    lg = report_lang(lang)
    t = report_text(lg)
    rows = [*_plan_rows(result, lg), *_threshold_rows(result, lg), *_kpi_rows(result, lg)]
    data = pd.DataFrame(rows, columns=["section", "setting", "value", "explanation"])
    named = data["section"].ne(ANNEX_TEXT[lg]["kpis"])  # a KPI row is named by its id
    data.loc[named, "setting"] = [setting_name(k, lg) for k in data.loc[named, "setting"]]
    data = data.astype({"section": "string", "setting": "string", "explanation": "string"})
    columns = (
        Column("section", t["section"]),
        Column("setting", t["setting"]),
        Column("value", t["value"], "setting"),
        Column("explanation", t["explanation"]),
    )
    return Table(t["annex"], columns, data, lang=lg)


def annex_frame(result: PlanResult, lang: str = "sv") -> pd.DataFrame:
    """Every threshold, expectation, exclusion and choice behind the report (labelled frame)."""
    return annex_table(result, lang).frame()


def _plan_rows(result: PlanResult, lang: Lang) -> list[Row]:
    a = ANNEX_TEXT[lang]
    plan = result.plan
    sec = a["plan"]
    peers = ", ".join(result.peers["title"].astype(str))
    riket_note = (REGION_TEXT[lang] if is_region(result) else a)["riket_note"]
    rows: list[Row] = [
        (sec, "organisation", f"{result.organisation_name} ({plan.organisation})", ""),
        (sec, "meeting", f"{result.meeting.name} ({result.meeting.year})", a["meeting_note"]),
        (
            sec,
            "baseline",
            f"{plan.baseline.name} ({plan.baseline.year})",
            a.get(result.baseline_source or "", ""),
        ),
        (sec, "comparison.peer_family", plan.peer_family, f"{result.peer_group_title}: {peers}"),
        (sec, "comparison.riket", bool(plan.riket), riket_note),
        (
            sec,
            "data",
            DATA_SOURCES[lang].get(result.data_source, result.data_source),
            source_line(result),
        ),
    ]
    for g in result.groups:
        gone = a["gone"] + ", ".join(g.missing) if g.missing else ""
        rows.append((sec, f"kpis.groups {g.group_id}", f"{g.title}: {len(g.members)}", gone))
    return rows


def _threshold_rows(result: PlanResult, lang: Lang) -> list[Row]:
    sec = ANNEX_TEXT[lang]["thresholds"]
    notes = THRESHOLD_NOTES[lang]
    flat = result.thresholds.to_dict_flat()
    return [(sec, key, value, notes.get(key, "")) for key, value in flat.items()]


def _kpi_rows(result: PlanResult, lang: Lang) -> list[Row]:
    a = ANNEX_TEXT[lang]
    rows: list[Row] = []
    for k, r in result.rules.items():
        why = exclusion_reason(r.reason, lang)
        note = a["excluded"] + why if r.exclude else why
        rows.append((a["kpis"], k, rule_text(r, lang), note))
    return rows


def rule_text(rule: KpiRule, lang: str = "sv") -> str:
    """A KPI's rule in words: kind, direction, expected gap and what the rule draws on."""
    words = RULE_WORDS[report_lang(lang)]
    exp = rule.expected if rule.expected is not None else 0
    parts = [
        words[rule.kind],
        words[rule.direction],
        f"{words['expected']} {words.get(str(exp), format_setting(exp, lang))}",
    ]
    if rule.denominator_kpi:
        parts.append(f"{words['denominator']} {rule.denominator_kpi}")
    if rule.moe_kpi:
        parts.append(f"{words['moe']} {rule.moe_kpi}")
    if rule.pooled_years > 1:
        parts.append(words["pooled"].format(n=rule.pooled_years))
    if rule.event:
        parts.append(words["event"])
    if rule.provisional:
        parts.append(words["provisional"])
    if rule.overrides is not None:
        parts.append(words["own"])
    return "; ".join(parts)


__all__ = ["annex_frame", "annex_table", "is_region", "rule_text", "source_line"]
