"""Build the report's tables once from a plan result: overview, notices, units, header.

Names of levels come from :func:`koladagap.render.i18n.level_labels`, the sentences
from :func:`koladagap.render.explain.explain`, the rules from the plan's typed
thresholds (formatted by :func:`~koladagap.render.i18n.format_setting`), every other
word from :mod:`koladagap.render.i18n.report`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from koladagap.render.explain import about_children, disadvantaged_words, explain
from koladagap.render.i18n import Lang, format_setting, level_labels
from koladagap.render.i18n.explain import explain_text
from koladagap.render.i18n.movement import change_names, movement_names
from koladagap.render.i18n.report import RULE_SENTENCES, report_lang, report_text
from koladagap.render.reports.annex import annex_table, source_line
from koladagap.render.reports.model import Column, Report, ReportFrames, Table

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult
    from koladagap.engine import KpiRule, Thresholds

FLAGGED = ("act", "watch")
"""The levels that get a notice, in the notices' order."""

_OVERVIEW: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("kpi", "text", {}),
    ("kpi_title", "text", {}),
    ("area", "text", {}),
    ("period", "int", {}),
    ("women", "number", {}),
    ("men", "number", {}),
    ("total", "number", {}),
    ("gap", "number", {}),
    ("relative_gap", "number", {"digits": 1, "decimals": 1}),
    ("disadvantaged", "text", {}),
    ("expected", "number", {}),
    ("level", "text", {}),
    ("reasons", "text", {}),
    ("threshold_material", "text", {}),
    ("threshold_credible", "text", {}),
    ("threshold_reference", "text", {}),
    ("z_ref", "number", {"decimals": 1}),
    ("percentile_ref", "number", {"digits": 0, "decimals": 0}),
    ("peer_median_gap", "number", {}),
    ("riket_gap", "number", {}),
)
_FOLLOWUP: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("baseline_year", "int", {}),
    ("gap_baseline", "number", {}),
    ("evidence_baseline", "number", {}),
    ("evidence_followup", "number", {}),
    ("delta", "number", {"sign": True}),
    ("change", "text", {}),
    ("level_baseline", "text", {}),
    ("flag_movement", "text", {}),
    ("target", "text", {}),
    ("to_target", "number", {}),
    ("on_track", "setting", {}),
)
_BLANKS = ("causes", "action", "responsible", "followup_date")


def _columns(spec: tuple[tuple[str, str, dict[str, Any]], ...], t: dict[str, Any]) -> list[Column]:
    return [Column(key, t[key], kind, **opts) for key, kind, opts in spec]  # type: ignore[arg-type]


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float).reset_index(drop=True)


def build_report(result: PlanResult, lang: str = "sv") -> Report:
    """The report of a plan result in ``lang`` (``"sv"``, default, or ``"en"``)."""
    lg = report_lang(lang)
    t = report_text(lg)
    overview = _overview(result, lg, t)
    notices, consequences = _notices(result, overview, lg, t)
    return Report(
        lang=lg,
        text=t,
        header=_header(result, lg, t),
        source=source_line(result),
        overview=overview,
        notices=notices,
        consequences=consequences,
        annex=annex_table(result, lg),
        units=_units(result, lg, t),
    )


def report_frames(result: PlanResult, lang: str = "sv") -> ReportFrames:
    """The overview, the notices and the methods annex of a plan result, as labelled frames.

    The frames are what the csv files hold: numbers rounded, settings and the rest as
    text in ``lang``; the overview's last column holds the level codes.
    """
    return build_report(result, lang).frames()


def _overview(result: PlanResult, lang: Lang, t: dict[str, Any]) -> Table:
    """One row per KPI: values, gap, level and why, thresholds, reference and context."""
    tab = result.table.reset_index(drop=True)
    level = tab["kpi"].map(result.level).astype("string")
    names = level_labels(lang)
    data = pd.DataFrame(
        {
            "kpi": tab["kpi"].astype("string"),
            "kpi_title": tab["kpi_title"].astype("string"),
            "area": tab["kpi"].map(result.areas).astype("string"),
            "period": pd.to_numeric(tab["period"], errors="coerce").astype("Int64"),
            "women": _number(tab["women"]),
            "men": _number(tab["men"]),
            "total": _number(tab["total"]),
            "gap": _number(tab["gap"]),
            "relative_gap": _number(tab["relative_gap"]) * 100,
            "disadvantaged": _disadvantaged(tab, lang, t),
            "expected": _number(tab["expected"]),
            "level": level.map(names).astype("string"),
            "reasons": explain(tab, lang).reset_index(drop=True),
            "z_ref": _number(tab["z_ref"]),
            "percentile_ref": _number(tab["percentile_ref"]),
            "peer_median_gap": _number(tab["peer_median_gap"]),
            "riket_gap": _number(tab["riket_gap"]),
        }
    )
    data = data.join(rule_sentences(tab["kpi"], result.rules, result.thresholds, lang))
    columns = _columns(_OVERVIEW, t)
    if result.comparison is not None:
        data = data.join(_followup(result, tab["kpi"], lang, t))
        columns += _columns(_FOLLOWUP, t)
    return Table(t["overview"], tuple(columns), data, levels=level, lang=lang)


def _disadvantaged(tab: pd.DataFrame, lang: Lang, t: dict[str, Any]) -> pd.Series:
    """The disadvantaged sex; for a share of one sex, the under-represented sex."""
    words = disadvantaged_words(tab, lang).reset_index(drop=True)
    one = tab["kind"].astype("string").eq("share_of_one_sex").fillna(False).to_numpy(dtype=bool)
    out = words.where(~(one & words.notna().to_numpy()), words + t["underrepresented"])
    return out.fillna("–").astype("string")


def rule_sentences(
    kpis: pd.Series, rules: Mapping[str, KpiRule], thresholds: Thresholds, lang: Lang
) -> pd.DataFrame:
    """Per KPI the materiality, credibility and reference rules applied, as sentences.

    Each threshold of the plan (or of the KPI's own ``overrides``) is formatted by
    :func:`~koladagap.render.i18n.format_setting`; a KPI without a rule gets ``""``.
    """
    texts = {k: _rule_texts(rules.get(k), thresholds, lang) for k in kpis.astype(str).unique()}
    keys = ("threshold_material", "threshold_credible", "threshold_reference")
    rows = [texts[k] for k in kpis.astype(str)]
    return pd.DataFrame(rows, columns=list(keys), dtype="string").reset_index(drop=True)


def _rule_texts(rule: KpiRule | None, thresholds: Thresholds, lang: Lang) -> tuple[str, ...]:
    if rule is None:
        return ("", "", "")
    th = rule.overrides or thresholds
    m, r = th.materiality, th.reference
    words = RULE_SENTENCES[lang]

    def s(value: Any) -> str:
        return format_setting(value, lang)

    settings = {
        "share_pp": s(m.share_pp),
        "share_min_pp": s(m.share_min_pp),
        "share_relative": s(m.share_relative * 100),
        "relative": s(m.relative * 100),
        "one_sex_band": s(m.one_sex_band),
        "gap_value_tolerance": s(m.gap_value_tolerance),
        "pool_years": s(r.pool_years),
        "watch_z": s(r.watch_z),
        "act_z": s(r.act_z),
        "act_fdr_q": s(r.act_fdr_q),
    }
    return (
        words[rule.kind].format(**settings),
        words["credible"].format(**settings),
        words["reference"].format(**settings),
    )


def _followup(result: PlanResult, kpis: pd.Series, lang: Lang, t: dict[str, Any]) -> pd.DataFrame:
    """The follow-up's columns: baseline, change, movement of the flag, target."""
    assert result.comparison is not None
    c = result.comparison.set_index("kpi").reindex(kpis.astype(str)).reset_index(drop=True)
    names = level_labels(lang)
    target = [
        _target_text(g, v, y, lang, t)
        for g, v, y in zip(c["target_gap"], c["target_value"], c["target_year"], strict=True)
    ]
    return pd.DataFrame(
        {
            "baseline_year": pd.to_numeric(c["baseline_year"], errors="coerce").astype("Int64"),
            "gap_baseline": _number(c["gap_baseline"]),
            "evidence_baseline": _number(c["evidence_baseline"]),
            "evidence_followup": _number(c["evidence_followup"]),
            "delta": _number(c["delta"]),
            "change": change_names(c["change"], lang),
            "level_baseline": c["level_baseline"].astype("string").map(names).astype("string"),
            "flag_movement": movement_names(c["flag_movement"], lang),
            "target": pd.Series(target, dtype="string"),
            "to_target": _number(c["gap_to_target"]),
            "on_track": c["gap_on_track"].astype(object).where(c["gap_on_track"].notna(), None),
        }
    )


def _target_text(gap: Any, value: Any, year: Any, lang: Lang, t: dict[str, Any]) -> str:
    """The organisation's own target: ``skillnad 0 år 2026`` (settings of the plan)."""
    parts = [
        t[key].format(v=format_setting(float(x), lang))
        for key, x in (("target_gap", gap), ("target_value", value))
        if pd.notna(x)
    ]
    if not parts:
        return ""
    by = t["target_by"].format(year=int(year)) if pd.notna(year) else ""
    return ", ".join(parts) + by


def _notices(
    result: PlanResult, overview: Table, lang: Lang, t: dict[str, Any]
) -> tuple[Table, list[str]]:
    """One pre-filled notice per ``watch``/``act`` KPI (act first), with fields to complete."""
    assert overview.levels is not None
    level = overview.levels
    flagged = level.isin(FLAGGED).fillna(False).to_numpy(dtype=bool)
    order = level[flagged].map({k: i for i, k in enumerate(FLAGGED)}).astype(int).to_numpy()
    data = overview.data.loc[flagged].assign(_o=order).sort_values(["_o", "kpi"], kind="stable")
    rows = data.index.to_numpy()
    child = about_children(result.table.reset_index(drop=True))[rows]
    levels = level.iloc[rows]
    data = data.drop(columns="_o").reset_index(drop=True)
    data["organisation"] = f"{result.organisation_name} ({result.plan.organisation})"
    data["peers"] = ", ".join(result.peers["title"].astype(str)) if len(result.peers) else ""
    for key in (*_BLANKS, "consequences"):
        data[key] = ""
    sex = explain_text(lang)
    consequences = [
        t["consequences"].format(
            women=sex["girls" if c else "women"], men=sex["boys" if c else "men"]
        )
        for c in child
    ]
    generic = t["consequences"].format(women="…", men="…")
    columns = (
        Column("organisation", t["organisation"]),
        *overview.columns,
        Column("peers", t["peers"]),
        *(Column(k, t[k], blank=True) for k in _BLANKS),
        Column("consequences", generic, blank=True),
    )
    table = Table(t["notices"], columns, data, levels=levels, lang=lang)
    return table, consequences


def _units(result: PlanResult, lang: Lang, t: dict[str, Any]) -> Table | None:
    """Gaps per organisational unit, when the plan asks for units."""
    ug = result.units
    if ug is None:
        return None
    u = ug.table.reset_index(drop=True)
    data = pd.DataFrame(
        {
            "kpi": u["kpi"].astype("string"),
            "unit": u["unit_title"].astype("string"),
            "unit_id": u["ou_id"].astype("string"),
            "period": pd.to_numeric(u["period"], errors="coerce").astype("Int64"),
            "women": _number(u["women"]),
            "men": _number(u["men"]),
            "gap": _number(u["gap"]),
            "level": u["level"].astype("string").map(level_labels(lang)).astype("string"),
            "reasons": u["reasons"].astype("string"),
            "rank": pd.to_numeric(u["rank"], errors="coerce").astype("Int64"),
        }
    )
    kinds = {"period": "int", "women": "number", "men": "number", "gap": "number", "rank": "int"}
    columns = tuple(Column(k, t[k], kinds.get(k, "text")) for k in data.columns)  # type: ignore[arg-type]
    return Table(t["units"], columns, data, levels=u["level"], note=t["units_note"], lang=lang)


def _header(result: PlanResult, lang: Lang, t: dict[str, Any]) -> list[str]:
    """Title, meeting, baseline (at a follow-up), the counts of the flags, the source."""
    lines = [
        t["title"].format(org=result.organisation_name, mid=result.plan.organisation),
        t["meeting"].format(name=result.meeting.name, year=result.meeting.year),
    ]
    if result.comparison is not None:
        b = result.plan.baseline
        lines.append(t["baseline"].format(name=b.name, year=b.year))
    counts = result.level.value_counts()
    names = level_labels(lang)
    shown = [f"{names[k]}: {int(counts[k])}" for k in ("act", "watch", "info") if k in counts]
    if shown:
        lines.append(f"{t['counts']}: " + "; ".join(shown))
    lines.append(source_line(result))
    return lines


__all__ = ["FLAGGED", "build_report", "report_frames", "rule_sentences"]
