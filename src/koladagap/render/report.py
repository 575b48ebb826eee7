"""The deviation report for managers: overview, avvikelseanmälan per flag, methods annex.

:func:`report_frames` turns a :class:`~koladagap.benchmarking.run.PlanResult` into three
labelled frames (Swedish by default, ``lang="en"`` for English):

- **overview** (*Översikt*): one row per KPI with the values, the gap, the level
  and its machine-readable reasons, the thresholds applied, the reference (robust
  z and percentile among all municipalities of the same type), the peers and
  Riket as context, and — at a follow-up — the baseline, the change and the
  movement of the flag, and the distance to the organisation's own target;
- **notices** (*Avvikelseanmälan*): one pre-filled notice per ``watch``/``act``
  row, with empty fields the organisation completes (causes, consequences for
  women/men or girls/boys, action, responsible, follow-up date);
- **annex** (*Metodbilaga*): every threshold, expectation and exclusion used.

:func:`write_report` writes them as ``.xlsx`` (one sheet per part, frozen
header, filters, level colours, column widths), ``.csv`` (three files),
``.md`` or ``.html``; optionally one file per operating area. Every output
carries "Källa: Kolada; egen bearbetning".
"""

from __future__ import annotations

import html
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from koladagap._files import atomic_path as _atomic
from koladagap.engine import level_labels
from koladagap.errors import InputError
from koladagap.render.explain import explain

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult

SOURCE = "Källa: Kolada; egen bearbetning"
FORMATS = (".xlsx", ".csv", ".md", ".html")

LEVEL_COLOURS = {  # fill, font; distinct in grey print too (dark → light)
    "act": ("#C0392B", "#FFFFFF"),
    "watch": ("#F5B041", "#000000"),
    "info": ("#D6EAF8", "#000000"),
    "none": ("#FFFFFF", "#000000"),
    "excluded": ("#EAEAEA", "#555555"),
    "too_small": ("#EAEAEA", "#555555"),
    "not_computable": ("#EAEAEA", "#555555"),
}

T: dict[str, dict[str, Any]] = {
    "sv": {
        "title": "Avvikelser i könsskillnader – {org} ({mid})",
        "session": "Möte: {name}, data för {year}",
        "baseline": "Jämfört med {name} (data för {year})",
        "overview": "Översikt",
        "notices": "Avvikelseanmälan",
        "annex": "Metodbilaga",
        "units": "Enheter",
        "unit": "Enhet",
        "unit_id": "Enhets-id",
        "rank": "Rang (driver skillnaden)",
        "units_note": (
            "Enheter utan könsuppdelat värde visas som 'Kan inte beräknas': Kolada döljer "
            "uppdelningen för få elever eller brukare. Jämförelsen görs mot kommunens övriga "
            "enheter av samma slag."
        ),
        "no_flags": "Inga nyckeltal når nivån bevaka eller åtgärda. Inga avvikelseanmälningar.",
        "counts": "Nivåer",
        "kpi": "Nyckeltal",
        "kpi_title": "Benämning",
        "area": "Verksamhetsområde",
        "period": "År",
        "women": "Kvinnor/flickor",
        "men": "Män/pojkar",
        "total": "Totalt",
        "gap": "Skillnad (K − M)",
        "relative_gap": "Relativ skillnad",
        "disadvantaged": "Missgynnad grupp",
        "expected": "Förväntad skillnad",
        "level": "Nivå",
        "level_code": "Nivåkod",
        "reasons": "Skäl",
        "threshold_material": "Tröskel väsentlighet",
        "threshold_credible": "Tröskel trovärdighet",
        "threshold_reference": "Tröskel jämförelse",
        "z_ref": "z mot alla av samma typ",
        "percentile_ref": "Percentil",
        "peer_median_gap": "Liknande kommuner, median skillnad",
        "riket_gap": "Riket, skillnad",
        "baseline_year": "Basår",
        "gap_baseline": "Skillnad vid basår",
        "delta": "Förändring (+ = sämre)",
        "change": "Förändring sedan basår",
        "level_baseline": "Nivå vid basår",
        "flag_movement": "Flaggans rörelse",
        "target": "Mål",
        "to_target": "Avstånd till mål",
        "on_track": "Når målet enligt trenden",
        "organisation": "Organisation",
        "causes": "Orsaker (analys)",
        "consequences": "Konsekvenser för {women} och {men}",
        "action": "Åtgärd",
        "responsible": "Ansvarig",
        "followup_date": "Uppföljningsdatum",
        "peers": "Liknande kommuner",
        "riket": "Riket",
        "section": "Avsnitt",
        "setting": "Inställning",
        "value": "Värde",
        "explanation": "Förklaring",
        "yes": "ja",
        "no": "nej",
        "movement": {
            "new": "ny",
            "flagged_unchanged": "flaggad nu, ingen säkerställd försämring",
            "persisting": "kvarstår",
            "resolved": "åtgärdad/upphört",
            "below_threshold": "under gränsen, ingen säkerställd förbättring",
            "escalated": "skärpt",
            "de-escalated": "mildrad",
            "not_assessable": "kan ej bedömas nu",
            "none": "–",
        },
        "disadv": {"women": "kvinnor", "men": "män", "girls": "flickor", "boys": "pojkar"},
        "underrepresented": " (underrepresenterat kön)",
        "evidence_baseline": "Underlag vid basår (medel av oberoende mätningar)",
        "evidence_followup": "Underlag nu (medel av oberoende mätningar)",
    },
    "en": {
        "title": "Deviations in gender gaps – {org} ({mid})",
        "session": "Meeting: {name}, data for {year}",
        "baseline": "Compared with {name} (data for {year})",
        "overview": "Overview",
        "notices": "Deviation reports",
        "annex": "Methods annex",
        "units": "Units",
        "unit": "Unit",
        "unit_id": "Unit id",
        "rank": "Rank (drives the gap)",
        "units_note": (
            "Units without a gender split are shown as 'Not computable': Kolada hides the split "
            "for few pupils or clients. Units are compared with the municipality's other units "
            "of the same type."
        ),
        "no_flags": "No KPI reaches the level watch or act. No deviation reports.",
        "counts": "Levels",
        "kpi": "KPI",
        "kpi_title": "Title",
        "area": "Operating area",
        "period": "Year",
        "women": "Women/girls",
        "men": "Men/boys",
        "total": "Total",
        "gap": "Gap (W − M)",
        "relative_gap": "Relative gap",
        "disadvantaged": "Disadvantaged group",
        "expected": "Expected gap",
        "level": "Level",
        "level_code": "Level code",
        "reasons": "Reasons",
        "threshold_material": "Materiality threshold",
        "threshold_credible": "Credibility threshold",
        "threshold_reference": "Reference threshold",
        "z_ref": "z among all of the same type",
        "percentile_ref": "Percentile",
        "peer_median_gap": "Similar municipalities, median gap",
        "riket_gap": "Sweden (Riket), gap",
        "baseline_year": "Baseline year",
        "gap_baseline": "Gap at baseline",
        "delta": "Change (+ = worse)",
        "change": "Change since baseline",
        "level_baseline": "Level at baseline",
        "flag_movement": "Flag movement",
        "target": "Target",
        "to_target": "Distance to target",
        "on_track": "On track (trend)",
        "organisation": "Organisation",
        "causes": "Causes (analysis)",
        "consequences": "Consequences for {women} and {men}",
        "action": "Action",
        "responsible": "Responsible",
        "followup_date": "Follow-up date",
        "peers": "Similar municipalities",
        "riket": "Sweden (Riket)",
        "section": "Section",
        "setting": "Setting",
        "value": "Value",
        "explanation": "Explanation",
        "yes": "yes",
        "no": "no",
        "movement": {
            "new": "new",
            "flagged_unchanged": "flagged now, no confirmed worsening",
            "persisting": "persisting",
            "resolved": "resolved",
            "below_threshold": "below the line, no confirmed improvement",
            "escalated": "escalated",
            "de-escalated": "de-escalated",
            "not_assessable": "not assessable now",
            "none": "–",
        },
        "disadv": {"women": "women", "men": "men", "girls": "girls", "boys": "boys"},
        "underrepresented": " (under-represented sex)",
        "evidence_baseline": "Evidence at baseline (mean of independent measurements)",
        "evidence_followup": "Evidence now (mean of independent measurements)",
    },
}


def _t(lang: str) -> dict[str, Any]:
    if lang not in T:
        raise InputError(f"unknown language {lang!r}: expected sv or en")
    return T[lang]


@dataclass
class ReportFrames:
    """The three parts of a deviation report, labelled for readers."""

    overview: pd.DataFrame
    notices: pd.DataFrame
    annex: pd.DataFrame
    levels: pd.Series
    """Level code per overview row (for colouring)."""
    header: list[str]
    """Title lines."""
    units: pd.DataFrame | None = None
    """Gaps per organisational unit, when the plan asks for units."""
    source: str = SOURCE
    """The source line: Kolada (processed), own measurements, or both."""


_SV_RULE_WORDS: tuple[tuple[str, str], ...] = (
    (r"\|excess gap\|", "|skillnad − förväntad|"),
    (r"\|value − target\|", "|värde − mål|"),
    (r"of the advantaged value", "av det gynnade könets värde"),
    (r"advantaged value", "det gynnade könets värde"),
    (r"value outside", "värdet utanför"),
    (r"(\d) pp\b", r"\1 procentenheter"),
    (
        r"distinct observations of the last (\d+) years pooled; chance from counts, margins "
        r"of error or population size",
        r"oberoende mätningar från de senaste \1 åren; slumpen bedöms från antal, "
        r"felmarginaler eller folkmängd",
    ),
    (r"funnel z \(oriented\)", "z mot alla av samma typ"),
    (r"BH q", "andel falska larm (BH)"),
    (r"\bwatch\b", "bevaka"),
    (r"\bact\b", "åtgärda"),
    (r"\band\b", "och"),
    (r"\bor\b", "eller"),
    (r">=", "≥"),
    (r"<=", "≤"),
    (r"(\d)\.(\d)", r"\1,\2"),
)


def _rule_text(s: pd.Series, lang: str) -> pd.Series:
    """The engine's threshold texts (English) in the report's language.

    >>> _rule_text(pd.Series(["|excess gap| >= 5 pp"]), "sv").tolist()
    ['|skillnad − förväntad| ≥ 5 procentenheter']
    """
    out = s.astype("string")
    if lang != "sv":
        return out
    for pattern, repl in _SV_RULE_WORDS:
        out = out.str.replace(pattern, repl, regex=True)
    return out


def _disadvantaged_text(word: pd.Series, kind: pd.Series, t: dict[str, Any]) -> pd.Series:
    """The sex behind; for a share of one sex, the under-represented sex (not "disadvantaged")."""
    out = word.map(t["disadv"]).fillna("–").astype("string")
    one = kind.astype("string").eq("share_of_one_sex").fillna(False) & out.ne("–")
    return out.where(~one, out + t["underrepresented"])


def _round(s: pd.Series, digits: int) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").round(digits)


def report_frames(result: PlanResult, lang: str = "sv") -> ReportFrames:
    """The overview, the notices and the methods annex of a plan result."""
    t = _t(lang)
    tab = result.table.copy()
    level = tab["kpi"].map(result.level).astype("string")
    level_label = level.map(
        level_labels(lang)  # type: ignore[arg-type]
    )
    is_child = tab["label_women"].astype("string").str.contains("flickor|girls", na=False)
    disadv = tab["disadvantaged"].astype("string")
    disadv_word = disadv.map({"women": "women", "men": "men"})
    disadv_word = disadv_word.where(~is_child, disadv.map({"women": "girls", "men": "boys"}))
    ov = pd.DataFrame(
        {
            t["kpi"]: tab["kpi"],
            t["kpi_title"]: tab["kpi_title"],
            t["area"]: tab["kpi"].map(result.areas),
            t["period"]: tab["period"].astype("Int64"),
            t["women"]: _round(tab["women"], 2),
            t["men"]: _round(tab["men"], 2),
            t["total"]: _round(tab["total"], 2),
            t["gap"]: _round(tab["gap"], 2),
            t["relative_gap"]: _round(tab["relative_gap"] * 100, 1),
            t["disadvantaged"]: _disadvantaged_text(disadv_word, tab["kind"], t),
            t["expected"]: tab["expected"],
            t["level"]: level_label,
            t["reasons"]: explain(tab, lang),
            t["threshold_material"]: _rule_text(tab["threshold_material"], lang),
            t["threshold_credible"]: _rule_text(tab["threshold_credible"], lang),
            t["threshold_reference"]: _rule_text(tab["threshold_reference"], lang),
            t["z_ref"]: _round(tab["z_ref"], 2),
            t["percentile_ref"]: _round(tab["percentile_ref"], 0),
            t["peer_median_gap"]: _round(tab["peer_median_gap"], 2),
            t["riket_gap"]: _round(tab["riket_gap"], 2),
        }
    )
    if result.comparison is not None:
        c = result.comparison.set_index("kpi").reindex(tab["kpi"])
        change_col = "change_label_sv" if lang == "sv" else "change_label_en"
        ov[t["baseline_year"]] = c["baseline_year"].astype("Int64").to_numpy()
        ov[t["gap_baseline"]] = _round(c["gap_baseline"], 2).to_numpy()
        ov[t["evidence_baseline"]] = _round(c["evidence_baseline"], 2).to_numpy()
        ov[t["evidence_followup"]] = _round(c["evidence_followup"], 2).to_numpy()
        ov[t["delta"]] = _round(c["delta"], 2).to_numpy()
        ov[t["change"]] = c[change_col].to_numpy()
        ov[t["level_baseline"]] = (
            c["level_baseline"].astype("string").map(level_labels(lang)).to_numpy()
        )
        ov[t["flag_movement"]] = c["flag_movement"].map(t["movement"]).to_numpy()
        ov[t["target"]] = [
            _target_text(g, v, y, lang)
            for g, v, y in zip(c["target_gap"], c["target_value"], c["target_year"], strict=True)
        ]
        ov[t["to_target"]] = _round(c["gap_to_target"], 2).to_numpy()
        ov[t["on_track"]] = c["gap_on_track"].map({True: t["yes"], False: t["no"]}).to_numpy()
    ov[t["level_code"]] = level.to_numpy()
    return ReportFrames(
        overview=ov.reset_index(drop=True),
        notices=_notices(result, ov, level, is_child, lang),
        annex=annex_frame(result, lang),
        levels=level.reset_index(drop=True),
        header=_header(result, lang),
        units=_units_frame(result, lang),
        source=_source(result),
    )


def _source(result: PlanResult) -> str:
    from koladagap.benchmarking.measurements import attribution

    return attribution(result.table["kpi"].astype(str))


def _units_frame(result: PlanResult, lang: str) -> pd.DataFrame | None:
    ug = result.units
    if ug is None:
        return None
    t = _t(lang)
    u = ug.table
    return pd.DataFrame(
        {
            t["kpi"]: u["kpi"],
            t["unit"]: u["unit_title"],
            t["unit_id"]: u["ou_id"],
            t["period"]: u["period"].astype("Int64"),
            t["women"]: _round(u["women"], 2),
            t["men"]: _round(u["men"], 2),
            t["gap"]: _round(u["gap"], 2),
            t["level"]: u["level"].astype("string").map(level_labels(lang)),
            t["reasons"]: u["reasons"],
            t["rank"]: u["rank"],
        }
    ).reset_index(drop=True)


def _target_text(gap: Any, value: Any, year: Any, lang: str) -> str:
    parts = []
    if _known(gap):
        parts.append(("skillnad " if lang == "sv" else "gap ") + f"{float(gap):g}")
    if _known(value):
        parts.append(("värde " if lang == "sv" else "value ") + f"{float(value):g}")
    if not parts:
        return ""
    by = " år " if lang == "sv" else " by "
    return ", ".join(parts) + (by + str(int(year)) if _known(year) else "")


def _known(x: Any) -> bool:
    return x is not None and x is not pd.NA and not (isinstance(x, float) and math.isnan(x))


def _header(result: PlanResult, lang: str) -> list[str]:
    t = _t(lang)
    lines = [
        t["title"].format(org=result.organisation_name, mid=result.plan.organisation),
        t["session"].format(name=result.session.name, year=result.session.year),
    ]
    if result.comparison is not None:
        b = result.plan.baseline
        lines.append(t["baseline"].format(name=b.name, year=b.year))
    counts = result.level.value_counts()
    labels = level_labels(lang)
    shown = [f"{labels[k]}: {int(counts[k])}" for k in ("act", "watch", "info") if k in counts]
    if shown:
        lines.append(f"{t['counts']}: " + "; ".join(shown))
    lines.append(_source(result))
    return lines


def _notices(
    result: PlanResult, ov: pd.DataFrame, level: pd.Series, is_child: pd.Series, lang: str
) -> pd.DataFrame:
    t = _t(lang)
    flagged = level.isin(["watch", "act"]).fillna(False).to_numpy(bool)
    n = ov.loc[flagged].copy()
    child = is_child.to_numpy(bool)[flagged]
    sexes = t["disadv"]
    n.insert(0, t["organisation"], f"{result.organisation_name} ({result.plan.organisation})")
    peers = ", ".join(result.peers["title"].astype(str)) if len(result.peers) else ""
    n[t["peers"]] = peers
    conseq = [
        t["consequences"].format(
            women=sexes["girls" if c else "women"], men=sexes["boys" if c else "men"]
        )
        for c in child
    ]
    n["_consequences_label"] = conseq
    for key in ("causes", "action", "responsible", "followup_date"):
        n[t[key]] = ""
    n[t["consequences"].format(women="…", men="…")] = ""
    order = {"act": 0, "watch": 1}
    n["_o"] = level[flagged].map(order).to_numpy()
    n = n.sort_values(["_o", t["kpi"]]).drop(columns=["_o", t["level_code"]])
    return n.reset_index(drop=True)


def annex_frame(result: PlanResult, lang: str = "sv") -> pd.DataFrame:
    """Every threshold, expectation, exclusion and choice behind the report."""
    t = _t(lang)
    sv = lang == "sv"
    rows: list[tuple[str, str, str, str]] = []
    plan = result.plan
    sec_plan = "Plan"
    rows += [
        (sec_plan, "organisation", f"{result.organisation_name} ({plan.organisation})", ""),
        (
            sec_plan,
            "session",
            f"{result.session.name} ({result.session.year})",
            "Värden: senaste publicerade år till och med mötets år"
            if sv
            else "Values: the latest year published up to the meeting's year",
        ),
        (
            sec_plan,
            "baseline",
            f"{plan.baseline.name} ({plan.baseline.year})",
            {
                "stored": "sparad vid baslinjemötet" if sv else "as stored at the baseline",
                "computed": "beräknad nu" if sv else "computed now",
            }.get(result.baseline_source or "", ""),
        ),
        (
            sec_plan,
            "comparison.peer_family",
            plan.peer_family,
            f"{result.peer_group_title}: " + ", ".join(result.peers["title"].astype(str)),
        ),
        (
            sec_plan,
            "comparison.riket",
            str(plan.riket).lower(),
            "Riket är ett vägt nationellt värde; Liknande kommuner ett ovägt medianvärde"
            if sv
            else "Riket is a weighted national figure; peers an unweighted median",
        ),
        (sec_plan, "data", result.data_source, _source(result)),
    ]
    for g in result.groups:
        rows.append(
            (
                sec_plan,
                f"kpis.groups {g.group_id}",
                f"{g.title}: {len(g.members)}",
                ("saknas i Kolada: " if sv else "gone from Kolada: ") + ", ".join(g.missing)
                if g.missing
                else "",
            )
        )
    sec_th = "Trösklar" if sv else "Thresholds"
    explain = _threshold_explanations(sv)
    for key, value in result.thresholds.to_dict_flat().items():
        rows.append((sec_th, key, _setting_text(value, lang), explain.get(key, "")))
    sec_kpi = "Nyckeltal" if sv else "KPIs"
    words = _RULE_WORDS["sv" if sv else "en"]
    for k, r in result.rules.items():
        exp = r.expected if r.expected is not None else 0
        parts = [
            words[r.kind],
            words[r.direction],
            f"{words['expected']} {words.get(str(exp), _setting_text(exp, lang))}",
        ]
        if r.denominator_kpi:
            parts.append(f"{words['denominator']} {r.denominator_kpi}")
        if r.moe_kpi:
            parts.append(f"{words['moe']} {r.moe_kpi}")
        if r.pooled_years > 1:
            parts.append(words["pooled"].format(n=r.pooled_years))
        if r.event:
            parts.append(words["event"])
        if r.provisional:
            parts.append(words["provisional"])
        if r.overrides is not None:
            parts.append(words["own"])
        text = "; ".join(parts)
        note = ""
        if r.exclude:
            note = ("Undantagen: " if sv else "Excluded: ") + r.reason
        elif r.reason:
            note = r.reason
        rows.append((sec_kpi, k, text, note))
    return pd.DataFrame(rows, columns=[t["section"], t["setting"], t["value"], t["explanation"]])


_RULE_WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "share": "andel",
        "amount": "belopp",
        "share_of_one_sex": "det ena könets andel",
        "gap_value": "värdet är en skillnad",
        "higher_is_better": "högre är bättre",
        "lower_is_better": "lägre är bättre",
        "need": "behov (ingen värdering)",
        "parity_target": "mål: jämn fördelning",
        "expected": "förväntad skillnad",
        "riket": "Rikets",
        "peers": "liknande kommuners",
        "denominator": "antal från",
        "moe": "felmarginaler från",
        "pooled": "varje värde väger samman {n} år",
        "event": "valår",
        "provisional": "ingen regel: högst känt mönster",
        "own": "egna trösklar",
    },
    "en": {
        "share": "share",
        "amount": "amount",
        "share_of_one_sex": "one sex's share",
        "gap_value": "the value is a gap",
        "higher_is_better": "higher is better",
        "lower_is_better": "lower is better",
        "need": "need (no value judgement)",
        "parity_target": "target: even distribution",
        "expected": "expected gap",
        "riket": "Riket's",
        "peers": "the peers'",
        "denominator": "counts from",
        "moe": "margins of error from",
        "pooled": "each value pools {n} years",
        "event": "election years",
        "provisional": "no rule: known pattern at most",
        "own": "own thresholds",
    },
}


def _setting_text(value: Any, lang: str) -> str:
    """A threshold or expectation as a reader writes it (3,5 in Swedish; 40–60 for a band)."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{_setting_text(value[0], lang)}–{_setting_text(value[1], lang)}"
    if isinstance(value, bool):
        return str(value).lower()
    text = f"{value:.4g}" if isinstance(value, float) else str(value)
    return text.replace(".", ",") if lang == "sv" else text


def _threshold_explanations(sv: bool) -> dict[str, str]:
    if sv:
        return {
            "materiality.share_pp": "andelar: väsentlig när |skillnad − förväntad| ≥ så många pe",
            "materiality.relative": (
                "belopp: väsentlig när |skillnad − förväntad| / gynnat värde ≥ andelen"
            ),
            "materiality.one_sex_band": "andel av ett kön: jämn fördelning inom intervallet (SCB)",
            "materiality.gap_value_tolerance": (
                "värden som redan är en skillnad (lönegap): tolerans"
            ),
            "materiality.share_relative": (
                "små andelar: väsentlig också när skillnaden är minst denna andel av det "
                "gynnade könets värde …"
            ),
            "materiality.share_min_pp": "… och minst så många procentenheter",
            "credibility.alpha": "nivå för konfidensintervallet som visas för året",
            "credibility.min_n": "färre än så många personer: för få för att bedöma",
            "reference.watch_z": (
                "z mot alla av samma typ, med hänsyn till slump och storlek: bevaka från"
            ),
            "reference.act_z": "… åtgärda från …",
            "reference.act_fdr_q": "… när också andelen falska larm (Benjamini–Hochberg) ≤",
            "reference.pool_years": "underlaget: oberoende mätningar från så många år",
            "reference.min_n": "färre jämförbara värden än så: inget z, högst känt mönster",
            "followup.min_change_pp": "förändring i procentenheter som räknas",
            "followup.min_change_relative": "förändring relativt värdet som räknas",
            "followup.baseline_fraction": "och minst denna andel av skillnaden vid basåret",
            "followup.z": "signifikans som krävs för en förändring",
            "followup.noise_quantile": "normal variation: kvantil av årliga förändringar",
            "followup.mean_years": "trenden mot ett mål börjar så många år före basåret",
        }
    return {
        "materiality.share_pp": "shares: material when |gap − expected| ≥ this many pp",
        "materiality.relative": "amounts: material when |gap − expected| / advantaged value ≥ this",
        "materiality.one_sex_band": "share of one sex: even within this band (SCB)",
        "materiality.gap_value_tolerance": "values that are a gap (pay gap): tolerance",
        "materiality.share_relative": (
            "small shares: material also when the gap is this fraction of the advantaged value …"
        ),
        "materiality.share_min_pp": "… and at least this many pp",
        "credibility.alpha": "level of the interval shown for the year",
        "credibility.min_n": "fewer people than this: too small to judge",
        "reference.watch_z": "z among all of the same type, given chance and size: watch from",
        "reference.act_z": "… act from …",
        "reference.act_fdr_q": "… when the false discovery rate (Benjamini–Hochberg) ≤",
        "reference.pool_years": "evidence: independent measurements from this many years",
        "reference.min_n": "fewer comparable values than this: no z, known pattern at most",
        "followup.min_change_pp": "a change in pp that counts",
        "followup.min_change_relative": "a change relative to the value that counts",
        "followup.baseline_fraction": "and at least this fraction of the baseline gap",
        "followup.z": "significance a change needs",
        "followup.noise_quantile": "normal variation: quantile of yearly changes",
        "followup.mean_years": (
            "the trend toward a target starts this many years before the baseline"
        ),
    }


# --- writers ---------------------------------------------------------------------------------


def _slug(text: str) -> str:
    table = str.maketrans("åäöÅÄÖéÉ", "aaoAAOeE")
    return re.sub(r"[^A-Za-z0-9]+", "-", text.translate(table)).strip("-").lower() or "omrade"


def check_report_path(path: Path) -> str:
    """The report format of ``path`` (its suffix), or an :class:`InputError` naming the choices.

    >>> check_report_path(Path("avvikelser.XLSX"))
    '.xlsx'
    """
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise InputError(
            f"invalid report file {str(path)!r}: expected a name ending in "
            + ", ".join(FORMATS[:-1])
            + f" or {FORMATS[-1]}"
        )
    return ext


def write_report(
    result: PlanResult,
    out: str | os.PathLike[str],
    *,
    lang: str = "sv",
    split_by_area: bool = False,
) -> list[Path]:
    """Write the report to ``out`` (``.xlsx``, ``.csv``, ``.md`` or ``.html``); return the files.

    With ``split_by_area`` one more file per operating area is written next to it
    (``<name>-<area>.<ext>``) so each manager gets the flags of their own area.
    """
    path = Path(out)
    ext = check_report_path(path)
    writer: Callable[[ReportFrames, Path, str], list[Path]] = {
        ".xlsx": _write_xlsx,
        ".csv": _write_csv,
        ".md": _write_md,
        ".html": _write_html,
    }[ext]
    written = writer(report_frames(result, lang), path, lang)
    if split_by_area:
        for area in sorted(set(result.areas.values())):
            sub = result.for_area(area)
            target = path.with_name(f"{path.stem}-{_slug(area)}{ext}")
            frames = report_frames(sub, lang)
            frames.header.insert(1, f"{_t(lang)['area']}: {area}")
            written += writer(frames, target, lang)
    return written


def _write_csv(f: ReportFrames, path: Path, lang: str) -> list[Path]:
    t = _t(lang)
    parts = [
        (path, f.overview.drop(columns=[t["level_code"]])),
        (path.with_name(f"{path.stem}-{_slug(t['notices'])}.csv"), f.notices),
        (path.with_name(f"{path.stem}-{_slug(t['annex'])}.csv"), f.annex),
    ]
    if f.units is not None:
        parts.append((path.with_name(f"{path.stem}-{_slug(t['units'])}.csv"), f.units))
    out = []
    for p, df in parts:
        with _atomic(p) as tmp:
            df.drop(columns=[c for c in df.columns if c.startswith("_")]).to_csv(tmp, index=False)
            with tmp.open("a", encoding="utf-8") as fh:
                fh.write(f"# {f.source}\n")
        out.append(p)
    return out


def _md_table(df: pd.DataFrame, lang: str) -> str:
    cols = [c for c in df.columns if not str(c).startswith("_")]
    lines = ["| " + " | ".join(str(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    for row in df[cols].itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v, lang).replace("|", "\\|") for v in row) + " |")
    return "\n".join(lines)


def _cell(v: Any, lang: str = "sv") -> str:
    """A value as text: numbers with at most 2 decimals, Swedish style for ``sv``."""
    if not _known(v) or (isinstance(v, str) and not v):
        return ""
    if isinstance(v, float):
        text = f"{v:,.2f}".rstrip("0").rstrip(".")
        if lang == "sv":
            text = text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")
        return text
    return str(v)


_SHORT = ("kpi", "kpi_title", "period", "women", "men", "gap", "disadvantaged", "level")


def _write_md(f: ReportFrames, path: Path, lang: str) -> list[Path]:
    t = _t(lang)
    lines = [f"# {f.header[0]}", ""] + [f"{h}  " for h in f.header[1:]] + [""]
    extra = [t[k] for k in ("change", "flag_movement") if t[k] in f.overview.columns]
    ov = f.overview[[t[k] for k in _SHORT] + extra + [t["reasons"]]]
    lines += [f"## {t['overview']}", "", _md_table(ov, lang), ""]
    lines += [f"## {t['notices']}", ""]
    if f.notices.empty:
        lines += [t["no_flags"], ""]
    for _, row in f.notices.iterrows():
        lines += [f"### {row[t['kpi']]} {row[t['kpi_title']]} – {row[t['level']]}", ""]
        blank_cols = {t[k] for k in ("causes", "action", "responsible", "followup_date")}
        for col in f.notices.columns:
            if str(col).startswith("_") or col == t["consequences"].format(women="…", men="…"):
                continue
            empty = "…………" if col in blank_cols else "–"
            lines.append(f"- **{col}:** {_cell(row[col], lang) or empty}")
        lines.append(f"- **{row['_consequences_label']}:** …………")
        lines.append("")
    if f.units is not None:
        lines += [f"## {t['units']}", "", t["units_note"], "", _md_table(f.units, lang), ""]
    lines += [f"## {t['annex']}", "", _md_table(f.annex, lang), "", f"*{f.source}*", ""]
    with _atomic(path) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return [path]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px;margin-bottom:1.5em}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f2f2f2;position:sticky;top:0}
.notice{border:1px solid #999;padding:0.5em 1em;margin:1em 0;page-break-inside:avoid}
.blank{border-bottom:1px dotted #666;min-width:30em;display:inline-block}
td.long{min-width:26em}
footer{margin-top:2em;font-style:italic}
"""


def _html_table(df: pd.DataFrame, lang: str, levels: Sequence[str] | None = None) -> str:
    cols = [c for c in df.columns if not str(c).startswith("_")]
    out = ["<table><thead><tr>"]
    out += [f"<th>{html.escape(str(c))}</th>" for c in cols]
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(df[cols].itertuples(index=False)):
        style = ""
        if levels is not None:
            fill, font = LEVEL_COLOURS.get(str(levels[i]), ("#FFFFFF", "#000000"))
            style = f' style="background:{fill};color:{font}"'
        out.append(f"<tr{style}>")
        for v in row:
            text = _cell(v, lang)
            cls = ' class="long"' if len(text) > 80 else ""  # a sentence: room to read it
            out.append(f"<td{cls}>{html.escape(text)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _write_html(f: ReportFrames, path: Path, lang: str) -> list[Path]:
    t = _t(lang)
    e = html.escape
    parts = [
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(f.header[0])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(f.header[0])}</h1>",
        "".join(f"<p>{e(h)}</p>" for h in f.header[1:]),
        f"<h2>{e(t['overview'])}</h2>",
        _html_table(
            f.overview.drop(columns=[t["level_code"]]), lang, f.levels.astype(str).tolist()
        ),
        f"<h2>{e(t['notices'])}</h2>",
    ]
    if f.notices.empty:
        parts.append(f"<p>{e(t['no_flags'])}</p>")
    blank_cols = {t[k] for k in ("causes", "action", "responsible", "followup_date")}
    skip = t["consequences"].format(women="…", men="…")
    for _, row in f.notices.iterrows():
        parts.append('<section class="notice">')
        parts.append(f"<h3>{e(str(row[t['kpi']]))} {e(str(row[t['kpi_title']]))}</h3><dl>")
        for col in f.notices.columns:
            if str(col).startswith("_") or col == skip:
                continue
            val = (
                '<span class="blank">&nbsp;</span>'
                if col in blank_cols
                else e(_cell(row[col], lang))
            )
            parts.append(f"<dt><b>{e(str(col))}</b></dt><dd>{val}</dd>")
        parts.append(
            f"<dt><b>{e(str(row['_consequences_label']))}</b></dt>"
            '<dd><span class="blank">&nbsp;</span></dd>'
        )
        parts.append("</dl></section>")
    if f.units is not None:
        parts += [
            f"<h2>{e(t['units'])}</h2><p>{e(t['units_note'])}</p>",
            _html_table(f.units, lang),
        ]
    parts += [
        f"<h2>{e(t['annex'])}</h2>",
        _html_table(f.annex, lang),
        f"<footer>{e(f.source)}</footer></body></html>",
    ]
    with _atomic(path) as tmp:
        tmp.write_text("".join(parts), encoding="utf-8")
    return [path]


def _write_xlsx(f: ReportFrames, path: Path, lang: str) -> list[Path]:
    try:
        import xlsxwriter
    except ImportError as err:  # pragma: no cover - the extra is part of [test]
        raise InputError(
            "writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]' "
            "(or write .csv, .md or .html)"
        ) from err
    t = _t(lang)
    with _atomic(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"nan_inf_to_errors": True})
        fmt = {
            "title": wb.add_format({"bold": True, "font_size": 14}),
            "head": wb.add_format(
                {
                    "bold": True,
                    "bg_color": "#DDDDDD",
                    "text_wrap": True,
                    "valign": "top",
                    "border": 1,
                }
            ),
            "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
            "source": wb.add_format({"italic": True, "font_color": "#555555"}),
        }
        levels = {
            k: wb.add_format({"bg_color": fill, "font_color": font, "valign": "top"})
            for k, (fill, font) in LEVEL_COLOURS.items()
        }
        ov = f.overview.drop(columns=[t["level_code"]])
        _sheet(wb, t["overview"], ov, f.header, fmt, levels, f.levels.astype(str).tolist(), t)
        notices = f.notices.drop(columns=[c for c in f.notices.columns if c.startswith("_")])
        if notices.empty:
            notices = pd.DataFrame({t["notices"]: [t["no_flags"]]})
        _sheet(wb, t["notices"], notices, f.header, fmt, None, None, t)
        if f.units is not None:
            unit_header = [*f.header, t["units_note"]]
            _sheet(wb, t["units"], f.units, unit_header, fmt, None, None, t)
        _sheet(wb, t["annex"], f.annex, f.header, fmt, None, None, t)
        wb.close()
    return [path]


def _sheet(
    wb: Any,
    name: str,
    df: pd.DataFrame,
    header: list[str],
    fmt: dict[str, Any],
    level_fmt: dict[str, Any] | None,
    levels: list[str] | None,
    t: dict[str, Any],
) -> None:
    ws = wb.add_worksheet(name[:31])
    for i, line in enumerate(header):
        ws.write(i, 0, line, fmt["title"] if i == 0 else fmt["source"])
    top = len(header) + 1
    for j, col in enumerate(df.columns):
        ws.write(top, j, str(col), fmt["head"])
        values = df[col]
        width = min(max(len(str(col)) * 0.6, values.astype(str).str.len().max() or 8, 8), 60)
        ws.set_column(j, j, width + 2, fmt["wrap"] if width >= 40 else None)
    for i, row in enumerate(df.itertuples(index=False), start=top + 1):
        style = None
        if level_fmt is not None and levels is not None:
            style = level_fmt.get(levels[i - top - 1])
        for j, v in enumerate(row):
            if _known(v) and not (isinstance(v, str) and not v):
                ws.write(i, j, v.item() if hasattr(v, "item") else v, style)
            elif style is not None:
                ws.write_blank(i, j, None, style)
    ws.freeze_panes(top + 1, 2 if len(df.columns) > 2 else 0)
    if len(df.columns):
        ws.autofilter(top, 0, top + max(len(df), 1), len(df.columns) - 1)
    source = header[-1] if header and header[-1].startswith("Källa") else SOURCE
    ws.write(top + len(df) + 2, 0, source, fmt["source"])
    ws.set_footer(f"&L{source}&R&P / &N")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


__all__ = [
    "SOURCE",
    "ReportFrames",
    "annex_frame",
    "check_report_path",
    "report_frames",
    "write_report",
]
