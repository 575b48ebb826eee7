"""Every string a chart shows, in Swedish and English.

The charts (:mod:`koladagap.render.charts`) take their words from :data:`CHART_TEXT`
through :func:`text` (the baseline pack's own pages and slides from :mod:`.pack`); level
names come from :mod:`koladagap.render.i18n` and the words for women and men (girls and boys) from
:mod:`koladagap.render.i18n.groups`.

Examples:
    >>> text("sv", "gap_axis", women="flickor", men="pojkar", unit="procentenheter")
    'Skillnad flickor − pojkar (procentenheter)'
    >>> RANK_NOUN["en"]["region"]
    'regions'
"""

from __future__ import annotations

from typing import Any

from koladagap.render.i18n import check_lang

CHART_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "attribution_extra": "",
        "year": "År",
        "value": "Värde",
        "riket": "Riket",
        "peers_median": "{peers} (median)",
        "peers": "{peers} ({n})",
        "peers_kommun": "Liknande kommuner",
        "peers_region": "Liknande regioner",
        "peers_regions_all": "Övriga regioner",
        "all_kommuner": "Övriga {those}",
        "baseline": "Utgångsläge",
        "trend_sub": "{name}: {women} och {men} över tid",
        "share_sub": "{name} över tid",
        "gap_sub": "{name}: skillnad {women} − {men} över tid",
        "rank_sub": "Skillnad {women} − {men} i alla {those} {year}",
        "gap_axis": "Skillnad {women} − {men} ({unit})",
        "gap_year": "Skillnad per år",
        "gap_mean3": "Glidande 3-årsmedelvärde",
        "not_computable": "kan inte beräknas",
        "higher_women": "▲ {women} högre",
        "higher_men": "▼ {men} högre",
        "note_riket": "Riket = Koladas värde för hela landet.",
        "note_peers": "{peers}: median av {n} {those}{title}, minst {k} med värde.",
        "note_missing_years": "Tomrum i linjen = år då skillnaden inte kan beräknas "
        "(uppgift för {women} eller {men} saknas).",
        "note_counts": "Antal beror på kommunens storlek; därför visas inte Riket och "
        "liknande kommuner.",
        "note_rank_missing": "{n} {those} saknar uppgift för {women} eller {men} och visas inte.",
        "rank_x": "{Those} sorterade efter skillnad (n = {n})",
        "rank_note_org": "{name}: {gap}\nplats {rank} av {n}",
        "org_missing": "{name}: skillnaden kan inte beräknas {year}",
        "parity_line": "Lika fördelning (50\u00a0%)",
        "parity_band": "Jämn könsfördelning (40–60\u00a0%)",
        "dumbbell_title": "{name} {year}: kvinnor och män (flickor och pojkar) per nyckeltal",
        "dumbbell_axis": "Värde i förhållande till medelvärdet av kvinnor och män (= 100)",
        "dumbbell_values": "Kvinnor / män",
        "dumbbell_level": "Bedömning",
        "dumbbell_bar": "Skillnad (färg = bedömning)",
        "dumbbell_note": "Kvinnors (flickors) och mäns (pojkars) värden visas i förhållande "
        "till medelvärdet av de två (= 100), så att nyckeltal med olika enheter kan "
        "jämföras. De faktiska värdena står till höger.",
        "women_any": "Kvinnor / flickor",
        "men_any": "Män / pojkar",
        "share": "Andel (%)",
        "pp": "procentenheter",
        "pp_short": "p.e.",
        "days": "dagar",
        "number": "antal",
        "gap_word": "Skillnad",
    },
    "en": {
        "attribution_extra": "Source: Kolada; own processing",
        "year": "Year",
        "value": "Value",
        "riket": "Sweden (Riket)",
        "peers_median": "{peers} (median)",
        "peers": "{peers} ({n})",
        "peers_kommun": "Similar municipalities",
        "peers_region": "Similar regions",
        "peers_regions_all": "Other regions",
        "all_kommuner": "Other {those}",
        "baseline": "Baseline",
        "trend_sub": "{name}: {women} and {men} over time",
        "share_sub": "{name} over time",
        "gap_sub": "{name}: difference {women} − {men} over time",
        "rank_sub": "Difference {women} − {men} in all {those}, {year}",
        "gap_axis": "Difference {women} − {men} ({unit})",
        "gap_year": "Difference per year",
        "gap_mean3": "3-year moving average",
        "not_computable": "not computable",
        "higher_women": "▲ {women} higher",
        "higher_men": "▼ {men} higher",
        "note_riket": "Sweden = Kolada's figure for the whole country.",
        "note_peers": "{peers}: median of {n} {those}{title}, when at least {k} have a value.",
        "note_missing_years": "Breaks in the line = years when the difference cannot be "
        "computed (value for {women} or {men} missing).",
        "note_counts": "Counts depend on the municipality's size, so Sweden and similar "
        "municipalities are not shown.",
        "note_rank_missing": "{n} {those} lack a value for {women} or {men} and are not shown.",
        "rank_x": "{Those} sorted by difference (n = {n})",
        "rank_note_org": "{name}: {gap}\nrank {rank} of {n}",
        "org_missing": "{name}: difference not computable in {year}",
        "parity_line": "Equal split (50\u00a0%)",
        "parity_band": "Gender-balanced (40–60\u00a0%)",
        "dumbbell_title": "{name} {year}: women and men (girls and boys) per key figure",
        "dumbbell_axis": "Value relative to the mean of women and men (= 100)",
        "dumbbell_values": "Women / men",
        "dumbbell_level": "Assessment",
        "dumbbell_bar": "Difference (colour = assessment)",
        "dumbbell_note": "Values for women (girls) and men (boys) are shown relative to the "
        "mean of the two (= 100), so key figures with different units can be compared. "
        "The actual values are on the right.",
        "women_any": "Women / girls",
        "men_any": "Men / boys",
        "share": "Share (%)",
        "pp": "percentage points",
        "pp_short": "pp",
        "days": "days",
        "number": "number",
        "gap_word": "Difference",
    },
}
"""Chart strings by language (the baseline pack's own words are in :mod:`.pack`)."""

RANK_NOUN: dict[str, dict[str, str]] = {
    "sv": {"kommun": "kommuner", "region": "regioner"},
    "en": {"kommun": "municipalities", "region": "regions"},
}
"""What the ranking chart ranks: kommuner for a kommun, regioner for a region."""


def text(lang: str, key: str, **kwargs: Any) -> str:
    """One chart string from :data:`CHART_TEXT`, formatted.

    Examples:
        >>> text("en", "gap_axis", women="girls", men="boys", unit="pp")
        'Difference girls − boys (pp)'
    """
    return CHART_TEXT[check_lang(lang)][key].format(**kwargs)


__all__ = ["CHART_TEXT", "RANK_NOUN", "text"]
