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

from koladagap.render.explain import disadvantaged_words, explain
from koladagap.render.i18n import Lang, format_setting, level_counts, level_labels
from koladagap.render.i18n.groups import sex_labels
from koladagap.render.i18n.measures import ONE_SEX, gap_heading, share_heading
from koladagap.render.i18n.report import REGION_TEXT, RULE_SENTENCES, report_lang, report_text
from koladagap.render.reports.annex import annex_table, is_region, source_line
from koladagap.render.reports.followup import LABEL_PREFIX, followup_columns
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
    ("share_K", "number", {}),
    ("share_M", "number", {}),
    ("gap", "number", {}),
    ("distance", "number", {}),
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
    ("peer_median_distance", "number", {}),
    ("riket_gap", "number", {}),
    ("riket_distance", "number", {}),
)
ONE_SEX_COLUMNS = ("share_K", "share_M", "distance", "peer_median_distance", "riket_distance")
"""The overview's columns of shares of one sex: shown when the report has such a KPI."""
_BLANKS = ("causes", "action", "responsible", "followup_date")


def _columns(
    spec: tuple[tuple[str, str, dict[str, Any]], ...], t: dict[str, Any], data: pd.DataFrame
) -> list[Column]:
    """The columns of ``spec``; a one-sex column only where ``data`` has a value in it."""
    return [
        Column(key, t[key], kind, **opts)  # type: ignore[arg-type]
        for key, kind, opts in spec
        if key not in ONE_SEX_COLUMNS or data[key].notna().any()
    ]


def measure_labels(lang: Lang) -> dict[str, str]:
    """The headers of the gap and the one-sex share (:mod:`koladagap.render.i18n.measures`)."""
    return {
        "gap": gap_heading(lang),
        "distance": gap_heading(lang, kind=ONE_SEX),
        "share_K": share_heading(lang, "K"),
        "share_M": share_heading(lang, "M"),
    }


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float).reset_index(drop=True)


def build_report(result: PlanResult, lang: str = "sv") -> Report:
    """The report of a plan result in ``lang`` (``"sv"``, default, or ``"en"``)."""
    lg = report_lang(lang)
    t = {**report_text(lg), **measure_labels(lg)}
    if is_region(result):
        t.update(REGION_TEXT[lg])
    overview = _overview(result, lg, t)
    notices, consequences, labels = _notices(result, overview, lg, t)
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
        notice_labels=labels,
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
    one = tab["kind"].astype("string").eq(ONE_SEX).fillna(False).to_numpy(dtype=bool)
    share_of = tab["kpi"].astype(str).map({k: r.share_of for k, r in result.rules.items()})
    of_m = share_of.eq("M").fillna(False).to_numpy(dtype=bool)
    total, gap = _number(tab["total"]), _number(tab["gap"])
    peers, riket = _number(tab["peer_median_gap"]), _number(tab["riket_gap"])
    data = pd.DataFrame(
        {
            "kpi": tab["kpi"].astype("string"),
            "kpi_title": tab["kpi_title"].astype("string"),
            "area": tab["kpi"].map(result.areas).astype("string"),
            "period": pd.to_numeric(tab["period"], errors="coerce").astype("Int64"),
            "women": _number(tab["women"]),
            "men": _number(tab["men"]),
            "total": total.where(~one),
            "share_K": total.where(one & ~of_m),
            "share_M": total.where(one & of_m),
            "gap": gap.where(~one),
            "distance": gap.where(one),
            "relative_gap": _number(tab["relative_gap"]) * 100,
            "disadvantaged": _disadvantaged(tab, lang, t),
            "expected": _number(tab["expected"]),
            "level": level.map(names).astype("string"),
            "reasons": explain(tab, lang).reset_index(drop=True),
            "z_ref": _number(tab["z_ref"]),
            "percentile_ref": _number(tab["percentile_ref"]),
            "peer_median_gap": peers.where(~one),
            "peer_median_distance": peers.where(one),
            "riket_gap": riket.where(~one),
            "riket_distance": riket.where(one),
        }
    )
    data = data.join(rule_sentences(tab["kpi"], result.rules, result.thresholds, lang))
    columns = _columns(_OVERVIEW, t, data)
    if result.comparison is not None:
        follow, more = followup_columns(result, tab["kpi"], lang, t)
        data = data.join(follow)
        columns += more
    return Table(t["overview"], tuple(columns), data, levels=level, lang=lang)


def _disadvantaged(tab: pd.DataFrame, lang: Lang, t: dict[str, Any]) -> pd.Series:
    """The disadvantaged sex; for a share of one sex, the under-represented sex."""
    words = disadvantaged_words(tab, lang).reset_index(drop=True)
    one = tab["kind"].astype("string").eq(ONE_SEX).fillna(False).to_numpy(dtype=bool)
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


def _notices(
    result: PlanResult, overview: Table, lang: Lang, t: dict[str, Any]
) -> tuple[Table, list[str], list[dict[str, str]]]:
    """One pre-filled notice per ``watch``/``act`` KPI (act first), with fields to complete.

    Also each notice's consequences header and its own field headers
    (:attr:`~koladagap.render.reports.model.Report.notice_labels`).
    """
    assert overview.levels is not None
    level = overview.levels
    flagged = level.isin(FLAGGED).fillna(False).to_numpy(dtype=bool)
    order = level[flagged].map({k: i for i, k in enumerate(FLAGGED)}).astype(int).to_numpy()
    data = overview.data.loc[flagged].assign(_o=order).sort_values(["_o", "kpi"], kind="stable")
    rows = data.index.to_numpy()
    levels = level.iloc[rows]
    data = data.drop(columns="_o").reset_index(drop=True)
    data["organisation"] = f"{result.organisation_name} ({result.plan.organisation})"
    data["peers"] = ", ".join(result.peers["title"].astype(str)) if len(result.peers) else ""
    for key in (*_BLANKS, "consequences"):
        data[key] = ""
    groups = [sex_labels(str(title), lang) for title in data["kpi_title"].fillna("")]
    consequences = [str(t["consequences"]).format(women=w, men=m) for w, m in groups]
    own = data.filter(like=LABEL_PREFIX).rename(columns=lambda c: c[len(LABEL_PREFIX) :])
    labels: list[dict[str, str]] = [
        {str(k): str(v) for k, v in own.iloc[i].items() if pd.notna(v)}
        | {"gap": gap_heading(lang, women=w, men=m)}
        for i, (w, m) in enumerate(groups)
    ]
    if "baseline_year" in data.columns:  # the baseline's gap: the groups and the row's year
        for own_labels, (w, m), year in zip(labels, groups, data["baseline_year"], strict=True):
            if pd.notna(year):
                own_labels["gap_baseline"] = gap_heading(lang, women=w, men=m, years=str(year))
    columns = (
        Column("organisation", t["organisation"]),
        *overview.columns,
        Column("peers", t["peers"]),
        *(Column(k, t[k], blank=True) for k in _BLANKS),
        Column("consequences", _consequences_header(groups, lang, t), blank=True),
    )
    table = Table(t["notices"], columns, data, levels=levels, lang=lang)
    return table, consequences, labels


def _consequences_header(groups: list[tuple[str, str]], lang: Lang, t: dict[str, Any]) -> str:
    """The consequences column's header: the notices' groups (women and men, girls and boys).

    One header serves every notice of a sheet, so when they speak of both it names both
    ("Konsekvenser för kvinnor/flickor och män/pojkar").
    """
    seen = list(dict.fromkeys(groups)) or [sex_labels("", lang)]
    women = "/".join(dict.fromkeys(w for w, _ in seen))
    men = "/".join(dict.fromkeys(m for _, m in seen))
    return str(t["consequences"]).format(women=women, men=men)


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
            "reasons": explain(u, lang, among="unit").reset_index(drop=True),
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
    if len(result.level):
        lines.append(f"{t['counts']}: " + level_counts(result.level, lang, short=False))
    lines.append(source_line(result))
    return lines


__all__ = ["FLAGGED", "build_report", "report_frames", "rule_sentences"]
