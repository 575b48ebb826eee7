"""Every string of the deviation report (:mod:`koladagap.render.reports`), in Swedish and English.

Level names come from :mod:`koladagap.render.i18n` (one vocabulary), numbers and
thresholds are formatted there too; this module holds the report's own words:
titles, column headers (the follow-up's change and movement words are in
:mod:`koladagap.render.i18n.movement`), the rules as sentences (the
threshold values go in through :func:`~koladagap.render.i18n.format_setting`) and the
methods annex.

Examples:
    >>> report_text("sv")["overview"], report_text("en")["overview"]
    ('Översikt', 'Overview')
    >>> RULE_SENTENCES["sv"]["amount"].format(relative="10")
    '|skillnad − förväntad| / det gynnade könets värde ≥ 10 %'
"""

from __future__ import annotations

from typing import Any

from koladagap.errors import InputError
from koladagap.render.i18n import LANGS, Lang

REPORT_TEXT: dict[str, dict[str, Any]] = {
    "sv": {
        "title": "Avvikelser i könsskillnader – {org} ({mid})",
        "meeting": "Möte: {name}, data för {year}",
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
        "relative_gap": "Relativ skillnad (%)",
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
        "peer_median_distance": "Liknande kommuner, median avstånd från 50/50",
        "riket_distance": "Riket, avstånd från 50/50",
        "baseline_year": "Basår",
        "gap_baseline": "Skillnad vid basår (K − M)",
        "distance_baseline": "Avstånd från 50/50 vid basår (procentenheter)",
        "measure": "Vad medelvärdena mäter",
        "mean_baseline": "Medel vid basår",
        "mean_followup": "Medel nu",
        "delta": "Förändring av medel (+ = sämre)",
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
        "underrepresented": " (underrepresenterat kön)",
        "target_gap": "skillnad {v}",
        "target_value": "värde {v}",
        "target_by": " år {year}",
    },
    "en": {
        "title": "Deviations in gender gaps – {org} ({mid})",
        "meeting": "Meeting: {name}, data for {year}",
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
        "relative_gap": "Relative gap (%)",
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
        "peer_median_distance": "Similar municipalities, median distance from 50/50",
        "riket_distance": "Sweden (Riket), distance from 50/50",
        "baseline_year": "Baseline year",
        "gap_baseline": "Gap at baseline (W − M)",
        "distance_baseline": "Distance from 50/50 at baseline (percentage points)",
        "measure": "What the means measure",
        "mean_baseline": "Mean at baseline",
        "mean_followup": "Mean now",
        "delta": "Change of the means (+ = worse)",
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
        "underrepresented": " (under-represented sex)",
        "target_gap": "gap {v}",
        "target_value": "value {v}",
        "target_by": " by {year}",
    },
}
"""Titles and headers of the report, by language."""

REGION_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "peer_median_gap": "Övriga regioner, median skillnad",
        "peer_median_distance": "Övriga regioner, median avstånd från 50/50",
        "peers": "Övriga regioner",
        "riket_note": "Riket är ett vägt nationellt värde; övriga regioner ett ovägt medianvärde",
    },
    "en": {
        "peer_median_gap": "Other regions, median gap",
        "peer_median_distance": "Other regions, median distance from 50/50",
        "peers": "Other regions",
        "riket_note": "Riket is a weighted national figure; the other regions an unweighted median",
    },
}
"""The words that differ in a region's report: its peers are the other regions."""

RULE_SENTENCES: dict[str, dict[str, str]] = {
    "sv": {
        "share": (
            "|skillnad − förväntad| ≥ {share_pp} procentenheter, eller ≥ {share_min_pp} "
            "procentenheter och ≥ {share_relative} % av det gynnade könets värde"
        ),
        "amount": "|skillnad − förväntad| / det gynnade könets värde ≥ {relative} %",
        "share_of_one_sex": "värdet utanför {one_sex_band}",
        "gap_value": "|värde − mål| > {gap_value_tolerance}",
        "credible": (
            "oberoende mätningar från de senaste {pool_years} åren; slumpen bedöms från antal, "
            "felmarginaler eller folkmängd"
        ),
        "reference": (
            "z mot alla av samma typ ≥ {watch_z}: bevaka; ≥ {act_z} och andel falska larm (BH) "
            "≤ {act_fdr_q}: åtgärda"
        ),
    },
    "en": {
        "share": (
            "|excess gap| >= {share_pp} pp, or >= {share_min_pp} pp and >= {share_relative} % "
            "of the advantaged value"
        ),
        "amount": "|excess gap| / advantaged value >= {relative} %",
        "share_of_one_sex": "value outside {one_sex_band}",
        "gap_value": "|value − target| > {gap_value_tolerance}",
        "credible": (
            "distinct observations of the last {pool_years} years pooled; chance from counts, "
            "margins of error or population size"
        ),
        "reference": (
            "funnel z (oriented) >= {watch_z}: watch; >= {act_z} and BH q <= {act_fdr_q}: act"
        ),
    },
}
"""The materiality (per kind of KPI), credibility and reference rules as sentences; the
braces take thresholds formatted by :func:`~koladagap.render.i18n.format_setting`."""

ANNEX_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "plan": "Plan",
        "thresholds": "Trösklar",
        "kpis": "Nyckeltal",
        "meeting_note": "Värden: senaste publicerade år till och med mötets år",
        "stored": "sparad vid baslinjemötet",
        "computed": "beräknad nu",
        "riket_note": (
            "Riket är ett vägt nationellt värde; Liknande kommuner ett ovägt medianvärde"
        ),
        "gone": "saknas i Kolada: ",
        "excluded": "Undantagen: ",
    },
    "en": {
        "plan": "Plan",
        "thresholds": "Thresholds",
        "kpis": "KPIs",
        "meeting_note": "Values: the latest year published up to the meeting's year",
        "stored": "as stored at the baseline",
        "computed": "computed now",
        "riket_note": "Riket is a weighted national figure; peers an unweighted median",
        "gone": "gone from Kolada: ",
        "excluded": "Excluded: ",
    },
}
"""The methods annex's section names and notes."""

RULE_WORDS: dict[str, dict[str, str]] = {
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
"""A KPI's rule in the methods annex, word by word."""

THRESHOLD_NOTES: dict[str, dict[str, str]] = {
    "sv": {
        "materiality.share_pp": "andelar: väsentlig när |skillnad − förväntad| ≥ så många pe",
        "materiality.relative": (
            "belopp: väsentlig när |skillnad − förväntad| / gynnat värde ≥ andelen"
        ),
        "materiality.one_sex_band": "andel av ett kön: jämn fördelning inom intervallet (SCB)",
        "materiality.gap_value_tolerance": "värden som redan är en skillnad (lönegap): tolerans",
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
    },
    "en": {
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
    },
}
"""What each threshold of the plan means, for the methods annex."""


MEASURE_WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "share": "K − M i procentenheter",
        "amount": "skillnad i procent, 100 · ln(K/M)",
        "share_of_one_sex": "avstånd från 50/50 i procentenheter",
        "gap_value": "K − M i nyckeltalets enhet",
        "excess": " minus förväntad skillnad",
        "and": " och ",
        "election": "valåret ",
    },
    "en": {
        "share": "W − M in percentage points",
        "amount": "difference in per cent, 100 · ln(W/M)",
        "share_of_one_sex": "distance from 50/50 in percentage points",
        "gap_value": "W − M in the KPI's unit",
        "excess": " less the expected gap",
        "and": " and ",
        "election": "election year ",
    },
}
"""What the follow-up's means measure, per kind of KPI, and the years they cover."""

SETTING_NAMES: dict[str, dict[str, str]] = {
    "sv": {
        "organisation": "Organisation",
        "meeting": "Möte",
        "baseline": "Baslinje",
        "comparison.peer_family": "Jämförelsegrupp",
        "comparison.riket": "Jämförs med Riket",
        "data": "Data",
        "kpis.groups": "Nyckeltalsgrupp {id}",
        "materiality.share_pp": "Väsentlighet, andelar (procentenheter)",
        "materiality.share_relative": "Väsentlighet, små andelar (andel av gynnat värde)",
        "materiality.share_min_pp": "Väsentlighet, små andelar (minst procentenheter)",
        "materiality.relative": "Väsentlighet, belopp (andel av gynnat värde)",
        "materiality.one_sex_band": "Väsentlighet, det ena könets andel (jämnt intervall, %)",
        "materiality.gap_value_tolerance": "Väsentlighet, värden som är en skillnad (tolerans)",
        "credibility.alpha": "Trovärdighet, nivå för intervallet",
        "credibility.min_n": "Trovärdighet, minsta antal personer",
        "reference.watch_z": "Jämförelse, z för bevaka",
        "reference.act_z": "Jämförelse, z för åtgärda",
        "reference.act_fdr_q": "Jämförelse, högsta andel falska larm för åtgärda",
        "reference.pool_years": "Jämförelse, år i underlaget",
        "reference.min_n": "Jämförelse, minsta antal jämförbara värden",
        "followup.min_change_pp": "Uppföljning, minsta förändring (procentenheter)",
        "followup.min_change_relative": "Uppföljning, minsta förändring (andel av värdet)",
        "followup.baseline_fraction": "Uppföljning, minsta andel av skillnaden vid basåret",
        "followup.z": "Uppföljning, z för en förändring",
        "followup.noise_quantile": "Uppföljning, kvantil för normal variation",
        "followup.mean_years": "Uppföljning, år före basåret i trenden mot målet",
    },
    "en": {
        "organisation": "Organisation",
        "meeting": "Meeting",
        "baseline": "Baseline",
        "comparison.peer_family": "Comparison group",
        "comparison.riket": "Compared with Riket",
        "data": "Data",
        "kpis.groups": "KPI group {id}",
        "materiality.share_pp": "Materiality, shares (percentage points)",
        "materiality.share_relative": "Materiality, small shares (fraction of advantaged value)",
        "materiality.share_min_pp": "Materiality, small shares (at least percentage points)",
        "materiality.relative": "Materiality, amounts (fraction of advantaged value)",
        "materiality.one_sex_band": "Materiality, one sex's share (even band, %)",
        "materiality.gap_value_tolerance": "Materiality, values that are a gap (tolerance)",
        "credibility.alpha": "Credibility, level of the interval",
        "credibility.min_n": "Credibility, fewest people",
        "reference.watch_z": "Reference, z for watch",
        "reference.act_z": "Reference, z for act",
        "reference.act_fdr_q": "Reference, highest false discovery rate for act",
        "reference.pool_years": "Reference, years pooled",
        "reference.min_n": "Reference, fewest comparable values",
        "followup.min_change_pp": "Follow-up, smallest change (percentage points)",
        "followup.min_change_relative": "Follow-up, smallest change (fraction of the value)",
        "followup.baseline_fraction": "Follow-up, smallest fraction of the baseline gap",
        "followup.z": "Follow-up, z for a change",
        "followup.noise_quantile": "Follow-up, quantile of normal variation",
        "followup.mean_years": "Follow-up, years before the baseline in the trend to target",
    },
}
"""The methods annex's settings in words (the plan file's keys are for the plan file)."""

DATA_SOURCES: dict[str, dict[str, str]] = {
    "sv": {
        "api": "Kolada (webbtjänsten)",
        "offline": "Kolada (lokalt sparad kopia)",
        "cache": "Kolada (lokalt sparad kopia)",
        "sample": "Kolada, urvalet som följer med koladagap",
    },
    "en": {
        "api": "Kolada (web service)",
        "offline": "Kolada (local copy)",
        "cache": "Kolada (local copy)",
        "sample": "Kolada, the sample shipped with koladagap",
    },
}
"""Where a report's data came from, in words (``PlanResult.data_source``)."""


def setting_name(key: str, lang: str = "sv") -> str:
    """A plan setting's name for readers; an unknown key is written as words.

    >>> setting_name("reference.watch_z"), setting_name("kpis.groups G2KPI1", "en")
    ('Jämförelse, z för bevaka', 'KPI group G2KPI1')
    >>> setting_name("followup.new_rule")
    'followup: new rule'
    """
    names = SETTING_NAMES[report_lang(lang)]
    head, _, rest = key.partition(" ")
    if head in names:
        return names[head].format(id=rest) if "{id}" in names[head] else names[head]
    section, _, name = key.rpartition(".")
    words = name.replace("_", " ")
    return f"{section.replace('_', ' ')}: {words}" if section else words


def report_lang(lang: str) -> Lang:
    """``lang`` if the report speaks it, else an :class:`~koladagap.errors.InputError`.

    >>> report_lang("fi")
    Traceback (most recent call last):
    ...
    koladagap.errors.InputError: unknown language 'fi': expected sv or en
    """
    if lang not in LANGS:
        raise InputError(f"unknown language {lang!r}: expected sv or en")
    return "sv" if lang == "sv" else "en"


def report_text(lang: str) -> dict[str, Any]:
    """The report's words in ``lang`` (``"sv"`` or ``"en"``)."""
    return REPORT_TEXT[report_lang(lang)]


__all__ = [
    "ANNEX_TEXT",
    "DATA_SOURCES",
    "MEASURE_WORDS",
    "REGION_TEXT",
    "REPORT_TEXT",
    "RULE_SENTENCES",
    "RULE_WORDS",
    "SETTING_NAMES",
    "THRESHOLD_NOTES",
    "report_lang",
    "report_text",
    "setting_name",
]
