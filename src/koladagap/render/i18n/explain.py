"""The sentences :func:`koladagap.render.explain.explain` makes of the engine's reason codes.

Each template names the numbers it takes in braces; the numbers are formatted by
:func:`koladagap.render.i18n.format_number` before they are put in.

Examples:
    >>> explain_text("en")["gap"].format(size="7.0 percentage points", who="women")
    'The gap is 7.0 percentage points to the disadvantage of women.'
"""

from __future__ import annotations

from koladagap.render.i18n import check_lang

EXPLAIN_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "not_computable": "Värdet för kvinnor eller män saknas (redovisas inte): kan inte bedömas.",
        "not_computable_expected": (
            "Den förväntade skillnaden (Riket eller liknande kommuner) saknas: kan inte bedömas."
        ),
        "too_small": "För få personer i en av grupperna för att bedöma.",
        "excluded": "Undantagen från bedömningen",
        "not_election_year": "inte ett valår",
        "none": "Skillnaden ({size}) är inte så stor att den räknas som väsentlig.",
        "gap": "Skillnaden är {size} till nackdel för {who}.",
        "gap_need": "Skillnaden mot det förväntade är {size} ({who} fler).",
        "info": (
            " Den ligger inom det vanliga bland {among}, med hänsyn till slumpen "
            "och storleken (z = {z})."
        ),
        "info_noref": " Det finns för få jämförbara värden för att säga om den är ovanlig.",
        "info_small": (" Den är mindre än vad som är vanligt bland {among} (z = {z})."),
        "watch": (
            " Den är större än i de flesta {among}, även med hänsyn till slumpen "
            "och storleken (z = {z}; underlaget är {k} oberoende mätningar). Bevaka och analysera."
        ),
        "act": (
            " Den är större än i nästan alla {among}, även med hänsyn till slumpen "
            "och storleken (z = {z}; underlaget är {k} oberoende mätningar). Upprätta en "
            "avvikelseanmälan."
        ),
        "repeated": " Värdet är detsamma som året före och räknas bara en gång.",
        "capped": (
            " Nyckeltalet saknar regel i KPI-tabellen och planen, så det kan inte bli mer än "
            "känt mönster förrän planen anger riktning."
        ),
        "pp": "{v} procentenheter",
        "pct": "{v} %",
        "one_sex": (
            "avståndet från 50/50 är {d} procentenheter: andelen är {v} % "
            "({who} underrepresenterade)"
        ),
        "none_one_sex": (
            "Andelen är {v} % ({d} procentenheter från 50/50): inte så långt från en jämn "
            "fördelning att det räknas som väsentligt."
        ),
        "kr": "{v}",
        "women": "kvinnor",
        "men": "män",
        "girls": "flickor",
        "boys": "pojkar",
    },
    "en": {
        "not_computable": "The value for women or men is missing (not published): cannot assess.",
        "not_computable_expected": (
            "The expected gap (Riket or similar municipalities) is missing: cannot assess."
        ),
        "too_small": "Too few people in one of the groups to judge.",
        "excluded": "Excluded from the assessment",
        "not_election_year": "not an election year",
        "none": "The gap ({size}) is not large enough to count as material.",
        "gap": "The gap is {size} to the disadvantage of {who}.",
        "gap_need": "The difference from the expected is {size} (more {who}).",
        "info": (" It is within what is usual among {among}, given chance and size (z = {z})."),
        "info_noref": " Too few comparable values to say whether it is unusual.",
        "info_small": " It is smaller than usual among {among} (z = {z}).",
        "watch": (
            " It is larger than in most {among}, even given chance "
            "and size (z = {z}; based on {k} independent measurements). Watch and analyse."
        ),
        "act": (
            " It is larger than in almost all {among}, even given "
            "chance and size (z = {z}; based on {k} independent measurements). File a "
            "deviation report."
        ),
        "repeated": " The value is the same as the year before and counts once.",
        "capped": (
            " The KPI has no rule in the KPI table or the plan, so it cannot go beyond a "
            "known pattern until the plan gives its direction."
        ),
        "pp": "{v} percentage points",
        "pct": "{v} %",
        "one_sex": (
            "the distance from 50/50 is {d} percentage points: the share is {v} % "
            "({who} under-represented)"
        ),
        "none_one_sex": (
            "The share is {v} % ({d} percentage points from 50/50): not far enough from an even "
            "split to count as material."
        ),
        "kr": "{v}",
        "women": "women",
        "men": "men",
        "girls": "girls",
        "boys": "boys",
    },
}
"""The templates of the plain-language reasons, by language."""


EXCLUSION_REASONS: dict[str, dict[str, str]] = {
    "sv": {
        "a head count: context for other KPIs, not a gap to judge": (
            "ett antal invånare: sammanhang för andra nyckeltal, inte en skillnad att bedöma"
        ),
        "counts crimes against women only: no women/men split to compare; show as context": (
            "räknar bara brott mot kvinnor: ingen uppdelning på kvinnor och män att jämföra; "
            "visas som sammanhang"
        ),
        "Kolada publishes no women/men split": (
            "Kolada redovisar ingen uppdelning på kvinnor och män"
        ),
    },
    "en": {},
}
"""The KPI table's reasons for excluding a KPI (written in English) in the reader's words;
a plan's own reason is the organisation's text and is shown as written."""

AMONG: dict[str, dict[str, str]] = {
    "sv": {
        "kommun": "kommuner av samma typ",
        "region": "regioner",
        "unit": "enheter av samma slag",
    },
    "en": {
        "kommun": "municipalities of the same type",
        "region": "regions",
        "unit": "units of the same kind",
    },
}
"""Who an organisation is compared with (the ``{among}`` of the templates)."""


def exclusion_reason(text: str, lang: str = "sv") -> str:
    """The KPI table's reason for excluding a KPI in ``lang`` (other texts as written).

    >>> exclusion_reason("Kolada publishes no women/men split")
    'Kolada redovisar ingen uppdelning på kvinnor och män'
    >>> exclusion_reason("Vår egen motivering", "en")
    'Vår egen motivering'
    """
    return EXCLUSION_REASONS[check_lang(lang)].get(str(text).strip(), str(text))


def explain_text(lang: str = "sv") -> dict[str, str]:
    """The templates of :func:`koladagap.render.explain.explain` in ``lang`` (``sv``/``en``)."""
    return EXPLAIN_TEXT[check_lang(lang)]


__all__ = ["AMONG", "EXCLUSION_REASONS", "EXPLAIN_TEXT", "exclusion_reason", "explain_text"]
