"""Every string the network's workbook and deck write themselves, in Swedish and English.

The level names come from :mod:`koladagap.render.i18n` (``LEVEL_LABELS``,
``LEVEL_SHORT``), the gap's label from :mod:`koladagap.render.i18n.measures`; this
table holds the rest: sheet names, headers, the slides' titles and the questions of
the table discussion at Benchmarking 2.

Examples:
    >>> text("sv", "sheet_matrix"), text("en", "sheet_matrix")
    ('Matris', 'Matrix')
    >>> text("sv", "n_of", n=2, total=4)
    '2 av 4 medlemmar'
"""

from __future__ import annotations

from typing import Any

from koladagap.render.i18n import check_lang

NETWORK_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "sheet_matrix": "Matris",
        "sheet_same": "Samma eller olika",
        "sheet_movement": "Rörelse",
        "sheet_annex": "Metodbilaga",
        "kpi": "Nyckeltal",
        "kpi_id": "Id",
        "area": "Verksamhetsområde",
        "measure": "Mått",
        "other_area": "Övrigt",
        "mentor_mark": "{name} (mentor)",
        "member": "Medlem",
        "members": "Medlemmar",
        "mentor": "Mentor",
        "n_flagging": "Antal medlemmar med flagga",
        "which": "Vilka",
        "mentor_level": "Mentorns bedömning",
        "same_question": "Var har ojämställdhet identifierats? Är det samma områden eller olika?",
        "by_area": "Per verksamhetsområde",
        "by_kpi": "Per nyckeltal",
        "flag_note": "En flagga är bedömningen Bevaka eller Åtgärda.",
        "legend": "Teckenförklaring",
        "meeting": "Möte",
        "year": "Dataår",
        "level": "Bedömning",
        "first_meeting": "Detta är nätverkets första möte: ingen rörelse att visa ännu.",
        "movement_note": "Antal nyckeltal per bedömning och möte.",
        "n_flags": "Flaggor",
        "setting": "Inställning",
        "value": "Värde",
        "no_thresholds": "Gränserna är koladagaps standardvärden (se docs/methods.md).",
        "method": (
            "Varje organisations bedömning är densamma som i dess egen avvikelserapport "
            "och i koladagap screen för samma data, gränser och år."
        ),
        "subtitle": "{meeting} · dataår {year}",
        "members_line": "Medlemmar: {names}",
        "mentor_line": "Mentororganisation: {name}",
        "heatmap": "Bedömning per nyckeltal och organisation",
        "heatmap_part": "Bedömning per nyckeltal och organisation ({i}/{n})",
        "heatmap_lines": "Färgen är bedömningen, talet skillnaden (K − M).",
        "one_sex_note": "* Avstånd från 50/50 (procentenheter), inte K − M.",
        "shared": "Samma områden eller olika?",
        "shared_sub": "Hur många medlemmar som har en flagga, per nyckeltal",
        "shared_axis": "Antal medlemmar med flagga",
        "shared_none": "Ingen medlem har någon flagga för de gemensamma nyckeltalen.",
        "area_line": "{area}: {n} av {total} ({names})",
        "mentor_title": "Var står mentorn?",
        "mentor_none": "Inga nyckeltal flaggas hos två eller fler medlemmar.",
        "mentor_clear": "{mentor} har ingen flagga i {n} av dessa {total} nyckeltal.",
        "mentor_kpis": "Nyckeltal som flaggas hos minst en medlem",
        "mentor_shared": "Nyckeltal som flaggas hos minst två medlemmar",
        "area_title": "Gemensamt problemområde: {area}",
        "area_sub": "Flaggat hos {n} av {total} medlemmar: {names}",
        "no_shared_title": "Inga gemensamma problemområden",
        "no_shared_lines": "Flaggor hos en medlem: {areas}",
        "no_flags_at_all": "Ingen medlem har någon flagga.",
        "more_areas": "Fler områden: se natverk.xlsx ({names}).",
        "questions_head": "Frågor till borddiskussionen",
        "questions": (
            "Var har ojämställdhet identifierats?|"
            "Är det samma områden eller olika i organisationerna?|"
            "Vilka förbättringsområden bör prioriteras och hur kan vi lära av det som är bra?|"
            "Vilka nyckeltal driver förbättringsarbete?"
        ),
        "reasons_head": "Varför flaggat",
        "gap_axis": "Skillnad (K − M)",
        "pdf_subject": "Material till Benchmarking 2",
        "n_of": "{n} av {total} medlemmar",
        "sheet_checklist": "Checklista",
        "ck_title": "Checklistan sida vid sida",
        "ck_lines": "Medelpoäng per medlem och möte; redo enligt regeln för förebild eller mentor.",
        "ck_level": "Nivå",
        "ck_sum": "Summa",
        "ck_max": "Max",
        "ck_mean": "Medelpoäng",
        "ck_change": "Förändring sedan förra mötet",
        "ck_ready": "Redo",
        "ck_source": "Källa: medlemmarnas egen självskattning",
        "yes": "ja",
        "no": "nej",
    },
    "en": {
        "sheet_matrix": "Matrix",
        "sheet_same": "Same or different",
        "sheet_movement": "Movement",
        "sheet_annex": "Methods annex",
        "kpi": "KPI",
        "kpi_id": "Id",
        "area": "Operating area",
        "measure": "Measure",
        "other_area": "Other",
        "mentor_mark": "{name} (mentor)",
        "member": "Member",
        "members": "Members",
        "mentor": "Mentor",
        "n_flagging": "Members with a flag",
        "which": "Which",
        "mentor_level": "The mentor's level",
        "same_question": "Where has inequality been found? Are the areas the same or different?",
        "by_area": "By operating area",
        "by_kpi": "By KPI",
        "flag_note": "A flag is the level Watch or Act.",
        "legend": "Legend",
        "meeting": "Meeting",
        "year": "Data year",
        "level": "Level",
        "first_meeting": "This is the network's first meeting: no movement to show yet.",
        "movement_note": "Number of KPIs per level and meeting.",
        "n_flags": "Flags",
        "setting": "Setting",
        "value": "Value",
        "no_thresholds": "The thresholds are koladagap's defaults (see docs/methods.md).",
        "method": (
            "Each organisation's level is the same as in its own deviations report and in "
            "koladagap screen for the same data, thresholds and year."
        ),
        "subtitle": "{meeting} · data year {year}",
        "members_line": "Members: {names}",
        "mentor_line": "Mentor organisation: {name}",
        "heatmap": "Level per KPI and organisation",
        "heatmap_part": "Level per KPI and organisation ({i}/{n})",
        "heatmap_lines": "The colour is the level, the number the gap (W − M).",
        "one_sex_note": "* Distance from 50/50 (percentage points), not W − M.",
        "shared": "Same areas or different?",
        "shared_sub": "How many members have a flag, per KPI",
        "shared_axis": "Members with a flag",
        "shared_none": "No member has a flag on the shared KPIs.",
        "area_line": "{area}: {n} of {total} ({names})",
        "mentor_title": "Where does the mentor stand?",
        "mentor_none": "No KPI is flagged in two or more members.",
        "mentor_clear": "{mentor} has no flag on {n} of these {total} KPIs.",
        "mentor_kpis": "KPIs flagged in at least one member",
        "mentor_shared": "KPIs flagged in at least two members",
        "area_title": "Shared problem area: {area}",
        "area_sub": "Flagged in {n} of {total} members: {names}",
        "no_shared_title": "No shared problem areas",
        "no_shared_lines": "Flags in one member: {areas}",
        "no_flags_at_all": "No member has a flag.",
        "more_areas": "More areas: see natverk.xlsx ({names}).",
        "questions_head": "Questions for the table discussion",
        "questions": (
            "Where has inequality been found?|"
            "Are the areas the same or different in the organisations?|"
            "Which improvement areas should be prioritised, and how can we learn from "
            "what works well?|"
            "Which KPIs drive improvement work?"
        ),
        "reasons_head": "Why flagged",
        "gap_axis": "Gap (W − M)",
        "pdf_subject": "Material for Benchmarking 2",
        "n_of": "{n} of {total} members",
        "sheet_checklist": "Checklist",
        "ck_title": "The checklists side by side",
        "ck_lines": "Mean score per member and meeting; ready by the rule for a model or mentor.",
        "ck_level": "Level",
        "ck_sum": "Sum",
        "ck_max": "Max",
        "ck_mean": "Mean score",
        "ck_change": "Change since the previous meeting",
        "ck_ready": "Ready",
        "ck_source": "Source: the members' own self-assessment",
        "yes": "yes",
        "no": "no",
    },
}
"""The network writers' words, by language and key."""


def text(lang: str, key: str, **kw: Any) -> str:
    """The network writers' string ``key`` in ``lang``, formatted with ``kw``.

    >>> text("en", "mentor_mark", name="Helsingborg")
    'Helsingborg (mentor)'
    """
    s = NETWORK_TEXT[check_lang(lang)][key]
    return s.format(**kw) if kw else s


def n_of(lang: str, n: int, total: int) -> str:
    """``"2 av 4 medlemmar"`` / ``"2 of 4 members"``.

    >>> n_of("en", 1, 4)
    '1 of 4 members'
    """
    return text(lang, "n_of", n=n, total=total)


def questions(lang: str) -> list[str]:
    """The four questions of the table discussion at Benchmarking 2.

    >>> questions("sv")[0]
    'Var har ojämställdhet identifierats?'
    """
    return text(lang, "questions").split("|")


__all__ = ["NETWORK_TEXT", "n_of", "questions", "text"]
