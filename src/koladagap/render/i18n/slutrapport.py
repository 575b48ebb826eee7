"""Every string the final report (slutrapport) writes itself, in Swedish and English.

Level names, movement words and numbers come from :mod:`koladagap.render.i18n`; this
table holds the headings, the prompts for the organisation's own text and the
command's messages.

Examples:
    >>> text("sv", "title")
    'Slutrapport – jämställdhetsintegrering'
    >>> text("en", "period", first=2018, last=2022)
    'Programme period: 2018–2022'
"""

from __future__ import annotations

from typing import Any

from koladagap.render.i18n import check_lang

SLUTRAPPORT_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Slutrapport – jämställdhetsintegrering",
        "subtitle": "Benchmarking för jämställdhetsintegrering, SKR",
        "organisation": "Organisation: {name} ({mid})",
        "period": "Programperiod: {first}–{last}",
        "date": "Datum: {date}",
        "made_by": "Underlaget är framtaget med koladagap; texten under rubrikerna 4–7 skriver "
        "organisationen själv.",
        "h_baseline": "1. Utgångsläget vid {meeting}",
        "baseline_intro": "Så såg könsskillnaderna ut i de valda nyckeltalen vid {meeting} "
        "(data för {year}). Skillnaden är kvinnor − män; nivån är bedömningen av skillnaden.",
        "col_kpi": "Nyckeltal",
        "col_title": "Benämning",
        "col_women": "Kvinnor",
        "col_men": "Män",
        "col_gap": "Skillnad (K − M)",
        "col_level": "Bedömning",
        "one_sex_note": "{kpi} är en andel av ett kön: {share} {value}; i kolumnen för "
        "skillnaden står {distance}.",
        "overview_caption": "Figur 1. Kvinnor och män per nyckeltal vid {meeting} ({year}).",
        "h_changes": "2. Vad har hänt från {baseline} till {latest}",
        "changes_intro": "Skillnaden vid utgångsläget ({year_b}) jämförs med {latest} "
        "({year_l}). En förändring räknas bara när den är större än den normala variationen.",
        "no_followup": "Planen har bara ett möte ännu; lägg till uppföljningsmötet "
        "(t.ex. Resultatkonferens) i planen för att se förändringen.",
        "col_gap_b": "Skillnad {year}",
        "col_gap_l": "Skillnad {year}",
        "col_change": "Förändring",
        "col_levels": "Bedömning före → nu",
        "col_movement": "Flaggan",
        "h_per_kpi": "Nyckeltal för nyckeltal",
        "kpi_line": "Skillnaden var {before} år {year_b} och är {after} år {year_l}: {change}.",
        "flag_line": " Flaggan: {movement}.",
        "kpi_line_one_sex": "Avståndet från 50/50 var {before} procentenheter år {year_b} och "
        "är {after} år {year_l}: {change}.",
        "now": "Nu: {level}. {reason}",
        "no_target": "Inget eget mål i planen.",
        "h_own": "Egna mätningar",
        "own_line": "{kpi} {title}: {before} ({year_b}) → {after} ({year_l}).",
        "trend_caption": "Figur {n}. Skillnaden över tid: {title}.",
        "h_checklist": "3. Checklistan – självskattningen",
        "checklist_intro": "Organisationens självskattning med SKR:s checklista vid varje "
        "möte, och rörelsen sedan det första.",
        "col_meeting": "Möte",
        "col_sum": "Summa",
        "col_mean": "Medel",
        "col_change_first": "Förändring sedan {first}",
        "rule_met": "Modellregeln är uppfylld vid {meeting}: organisationen kan bli "
        "modell- eller mentorsorganisation.",
        "rule_not_met": "Modellregeln är inte uppfylld vid {meeting}.",
        "no_scores": "Ingen självskattning bifogad. Kör kommandot med --scores och den ifyllda "
        "poängfilen för att få med checklistans rörelse här.",
        "checklist_caption": "Figur {n}. Poäng per {item} vid varje möte.",
        "checklist_source": "Källa: egen självskattning",
        "h_network": "Nätverkets resultat",
        "network_intro": "{name}: nätverkets gemensamma nyckeltal vid {meeting} (data för "
        "{year}), för att sprida resultaten.",
        "network_members": "Medlemmar: {members}.",
        "network_mentor": "Mentororganisation: {mentor}.",
        "network_no_mentor": "Nätverket har ingen mentororganisation.",
        "col_n_flag": "Flaggas av",
        "col_who": "Vilka medlemmar",
        "col_here": "{name}",
        "n_of": "{n} av {total}",
        "network_stands": "{name} flaggar {n} av de {total} gemensamma nyckeltalen; "
        "{shared} av dem flaggas också av någon annan medlem.",
        "network_shared": "Områden som flera medlemmar flaggar: {areas}.",
        "network_none_shared": "Inget område flaggas av mer än en medlem.",
        "network_caption": "Figur {n}. Nätverkets nyckeltal per organisation: skillnaden "
        "och bedömningen vid {meeting} ({year}).",
        "network_note": "Flaggas betyder bevaka eller åtgärda; mentororganisationen räknas "
        "inte bland medlemmarna.",
        "h_success": "4. Framgångsfaktorer",
        "p_success": "Vad har gjort att arbetet kommit framåt? Beskriv beslut, arbetssätt och "
        "personer som gjort skillnad.",
        "h_challenges": "5. Utmaningar",
        "p_challenges": "Vad har varit svårt? Vilka hinder har ni mött och hur har ni "
        "hanterat dem?",
        "h_lessons": "6. Lärdomar",
        "p_lessons": "Vad har ni lärt er av benchmarkingen och av de andra organisationerna i "
        "nätverket?",
        "h_next": "7. Fortsatt arbete",
        "p_next": "Hur fortsätter arbetet efter programmet? Vilka nyckeltal följer ni upp, "
        "och vem ansvarar?",
        "h_method": "8. Metod och källor",
        "method_data": "Värdena kommer från Kolada (RKA), uppdelade på kön; bedömningarna är "
        "gjorda med koladagap. Data: {data}.",
        "method_material": "En skillnad är påtaglig när den i en andel är minst {share_pp} "
        "procentenheter (i en liten andel räcker {share_rel} % av det gynnade könets värde, "
        "dock minst {share_min} procentenheter), i ett belopp minst {relative} % av det gynnade "
        "könets värde, och när en andel av ett kön ligger utanför {band} %.",
        "method_reference": "Den jämförs med alla {kind} av samma slag: bevaka från z = {watch}, "
        "åtgärda från z = {act} (och q ≤ {q}), med underlag från {years} år.",
        "method_followup": "En förändring räknas när den är minst {pp} procentenheter och "
        "säkerställd (z ≥ {z}).",
        "method_annex": "Alla gränsvärden finns i metodbilagan till avvikelserapporten "
        "(koladagap deviations).",
        "kommuner": "kommuner",
        "regioner": "regioner",
        "exists": "{path} finns redan; lägg till --force för att skriva över den",
        "bad_suffix": "ogiltigt filnamn {path}: slutrapporten skrivs som .docx",
        "no_docx": "python-docx saknas: pip install 'koladagap[docx]'",
        "step_write": "Skriver slutrapporten …",
        "written": "Slutrapporten för {name} skriven till {path}",
    },
    "en": {
        "title": "Final report – gender mainstreaming",
        "subtitle": "Benchmarking for gender mainstreaming, SKR",
        "organisation": "Organisation: {name} ({mid})",
        "period": "Programme period: {first}–{last}",
        "date": "Date: {date}",
        "made_by": "The figures were prepared with koladagap; the organisation writes the text "
        "under headings 4–7.",
        "h_baseline": "1. The starting point at {meeting}",
        "baseline_intro": "The gender gaps of the chosen KPIs at {meeting} (data for {year}). "
        "The gap is women − men; the level is the judgement of the gap.",
        "col_kpi": "KPI",
        "col_title": "Title",
        "col_women": "Women",
        "col_men": "Men",
        "col_gap": "Gap (W − M)",
        "col_level": "Level",
        "one_sex_note": "{kpi} is one sex's share: {share} {value}; the gap column shows "
        "{distance}.",
        "overview_caption": "Figure 1. Women and men per KPI at {meeting} ({year}).",
        "h_changes": "2. What happened from {baseline} to {latest}",
        "changes_intro": "The gap at the starting point ({year_b}) is compared with {latest} "
        "({year_l}). A change counts only when it is larger than the normal variation.",
        "no_followup": "The plan has one meeting so far; add the follow-up meeting (e.g. the "
        "results conference) to the plan to see the change.",
        "col_gap_b": "Gap {year}",
        "col_gap_l": "Gap {year}",
        "col_change": "Change",
        "col_levels": "Level before → now",
        "col_movement": "Flag",
        "h_per_kpi": "KPI by KPI",
        "kpi_line": "The gap was {before} in {year_b} and is {after} in {year_l}: {change}.",
        "flag_line": " Flag: {movement}.",
        "kpi_line_one_sex": "The distance from 50/50 was {before} percentage points in {year_b} "
        "and is {after} in {year_l}: {change}.",
        "now": "Now: {level}. {reason}",
        "no_target": "No target of its own in the plan.",
        "h_own": "Own measurements",
        "own_line": "{kpi} {title}: {before} ({year_b}) → {after} ({year_l}).",
        "trend_caption": "Figure {n}. The gap over time: {title}.",
        "h_checklist": "3. The checklist – the self-assessment",
        "checklist_intro": "The organisation's self-assessment on SKR's checklist at each "
        "meeting, and the movement since the first.",
        "col_meeting": "Meeting",
        "col_sum": "Sum",
        "col_mean": "Mean",
        "col_change_first": "Change since {first}",
        "rule_met": "The model rule is met at {meeting}: the organisation can become a model "
        "or mentor organisation.",
        "rule_not_met": "The model rule is not met at {meeting}.",
        "no_scores": "No self-assessment attached. Run the command with --scores and the "
        "filled-in score sheet to include the checklist's movement here.",
        "checklist_caption": "Figure {n}. Score per {item} at each meeting.",
        "checklist_source": "Source: own self-assessment",
        "h_network": "The network's results",
        "network_intro": "{name}: the network's shared KPIs at {meeting} (data for {year}), "
        "for spreading the results.",
        "network_members": "Members: {members}.",
        "network_mentor": "Mentor organisation: {mentor}.",
        "network_no_mentor": "The network has no mentor organisation.",
        "col_n_flag": "Flagged by",
        "col_who": "Which members",
        "col_here": "{name}",
        "n_of": "{n} of {total}",
        "network_stands": "{name} flags {n} of the {total} shared KPIs; {shared} of them "
        "are also flagged by another member.",
        "network_shared": "Areas flagged by several members: {areas}.",
        "network_none_shared": "No area is flagged by more than one member.",
        "network_caption": "Figure {n}. The network's KPIs per organisation: the gap and "
        "the assessment at {meeting} ({year}).",
        "network_note": "Flagged means watch or act; the mentor organisation is not counted "
        "among the members.",
        "h_success": "4. Success factors",
        "p_success": "What moved the work forward? Describe decisions, ways of working and "
        "people who made a difference.",
        "h_challenges": "5. Challenges",
        "p_challenges": "What was hard? Which obstacles did you meet and how did you handle them?",
        "h_lessons": "6. Lessons learned",
        "p_lessons": "What did you learn from the benchmarking and from the other "
        "organisations in the network?",
        "h_next": "7. Continued work",
        "p_next": "How does the work go on after the programme? Which KPIs do you follow, and "
        "who is responsible?",
        "h_method": "8. Method and sources",
        "method_data": "The values come from Kolada (RKA), split by sex; the judgements were "
        "made with koladagap. Data: {data}.",
        "method_material": "A gap is material when, in a share, it is at least {share_pp} "
        "percentage points (in a small share {share_rel} % of the advantaged sex's value, "
        "at least {share_min} points), in an amount at least {relative} % of the advantaged "
        "sex's value, and when one sex's share lies outside {band} %.",
        "method_reference": "It is compared with all {kind} of the same type: watch from "
        "z = {watch}, act from z = {act} (and q ≤ {q}), with evidence from {years} years.",
        "method_followup": "A change counts when it is at least {pp} percentage points and "
        "significant (z ≥ {z}).",
        "method_annex": "Every threshold is in the methods annex of the deviation report "
        "(koladagap deviations).",
        "kommuner": "municipalities",
        "regioner": "regions",
        "exists": "{path} already exists; add --force to overwrite it",
        "bad_suffix": "invalid file name {path}: the final report is written as .docx",
        "no_docx": "python-docx is missing: pip install 'koladagap[docx]'",
        "step_write": "Writing the final report …",
        "written": "Final report for {name} written to {path}",
    },
}


def text(lang: str, key: str, **kwargs: Any) -> str:
    """One final-report string from :data:`SLUTRAPPORT_TEXT`, formatted.

    >>> text("sv", "col_gap_b", year=2018)
    'Skillnad 2018'
    """
    return SLUTRAPPORT_TEXT[check_lang(lang)][key].format(**kwargs)


__all__ = ["SLUTRAPPORT_TEXT", "text"]
