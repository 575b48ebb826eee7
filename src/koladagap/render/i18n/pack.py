"""Every string the baseline pack writes itself, in Swedish and English.

The pack's charts take their words from :mod:`koladagap.render.i18n.charts`; this table
holds the rest: the title page and slide, the PDF's index, the captions and alt texts,
and the editable text beside each chart on the slides. Level names and numbers come
from :mod:`koladagap.render.i18n`.

Examples:
    >>> text("sv", "title")
    'Utgångsläge inför Benchmarking 1'
    >>> text("en", "rank", those="regions")
    'among regions'
"""

from __future__ import annotations

from typing import Any

from koladagap.render.i18n import check_lang

PACK_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "title": "Utgångsläge inför Benchmarking 1",
        "baseline": "Utgångsläge",
        "baseline_year": "Basår (utgångsläge): {year}",
        "peers": "Jämförelsegrupp: {title}",
        "date": "Framtagen {date} med koladagap",
        "index": "Innehåll",
        "kpi": "Nyckeltal",
        "pages": "Sidnummer för varje diagram",
        "overview": "Översikt: kvinnor och män per nyckeltal",
        "trend": "över tid",
        "gap": "skillnad",
        "rank": "bland {those}",
        "gap_word": "Skillnad",
        "level": "Bedömning",
        "no_level": "Bedömning: …",
        "edit": "Kommentar: …",
        "no_data": "Uppgift saknas {year}",
        "share_of": "Värde {year}",
        "levels_head": "Bedömningar {year}",
        "n_kpis": "{n} nyckeltal",
        "title_followup": "Prioriterade nyckeltal och mål inför {meeting}",
        "appendix_title": "Bilaga: alla nyckeltalens diagram",
        "appendix_pointer": "Alla nyckeltalens diagram finns i bilagan ({file}).",
        "checklist": "Självskattning med checklistan",
        "overview_heading": "Översikt: alla nyckeltal {year}",
        "problem_heading": "Skillnad {n} av {of}: {title}",
        "connect": "Hur hänger det ihop med andra utmaningar och mål?",
        "write_here": "Skriv här …",
        "own": "Egna mätningar",
        "next": "Förslag på nästa steg",
        "next_areas": "Föreslagna förbättringsområden:",
        "next_none": "Inga nyckeltal flaggas; de största skillnaderna att diskutera:",
        "next_more": "Nästa steg: …",
        "more": "Fler skillnader finns i bilagan: {items}.",
        "comment": "Kommentar: …",
        "target_none": (
            "Planen har inga mål. Skriv target_gap eller target_value och target_year "
            "under [kpis.ID] i planen för de prioriterade nyckeltalen."
        ),
        "targets_heading": "Prioriterade nyckeltal mot målen {year}",
        "target_gap": "Mål för skillnaden år {year}: {value}",
        "target_value": "Mål ({who}) år {year}: {value}",
        "target_share": "Mål för andelen år {year}: {value}",
        "to_target": "Kvar till målet: {value}",
        "trend_at": "Trenden pekar på {value} år {year}",
        "on_track": "I fas mot målet",
        "off_track": "Inte i fas mot målet",
        "reached": "Målet är nått",
        "no_trend": "För få år för en trend",
        "target_line": "Mål {year}",
        "n_targets": "{n} prioriterade nyckeltal med mål",
        "n_on_track": "i fas: {n}",
        "n_off_track": "inte i fas: {n}",
        "n_unknown": "för få år: {n}",
        "followup_year": "Uppföljning: {year}",
    },
    "en": {
        "title": "Baseline for Benchmarking 1",
        "baseline": "Baseline",
        "baseline_year": "Baseline year: {year}",
        "peers": "Peer group: {title}",
        "date": "Produced {date} with koladagap",
        "index": "Contents",
        "kpi": "Key figure",
        "pages": "Page number of each chart",
        "overview": "Overview: women and men per key figure",
        "trend": "over time",
        "gap": "difference",
        "rank": "among {those}",
        "gap_word": "Difference",
        "level": "Assessment",
        "no_level": "Assessment: …",
        "edit": "Comment: …",
        "no_data": "No data for {year}",
        "share_of": "Value {year}",
        "levels_head": "Assessments {year}",
        "n_kpis": "{n} key figures",
        "title_followup": "Prioritised key figures and targets for {meeting}",
        "appendix_title": "Appendix: every key figure's charts",
        "appendix_pointer": "Every key figure's charts are in the appendix ({file}).",
        "checklist": "Checklist self-assessment",
        "overview_heading": "Overview: every key figure {year}",
        "problem_heading": "Gap {n} of {of}: {title}",
        "connect": "How does it connect with other challenges and goals?",
        "write_here": "Write here …",
        "own": "Own measurements",
        "next": "Proposed next steps",
        "next_areas": "Proposed areas for improvement:",
        "next_none": "No key figure is flagged; the largest gaps to discuss:",
        "next_more": "Next steps: …",
        "more": "More gaps are in the appendix: {items}.",
        "comment": "Comment: …",
        "target_none": (
            "The plan has no targets. Write target_gap or target_value and target_year "
            "under [kpis.ID] in the plan for the prioritised key figures."
        ),
        "targets_heading": "Prioritised key figures against the targets {year}",
        "target_gap": "Target for the gap in {year}: {value}",
        "target_value": "Target ({who}) in {year}: {value}",
        "target_share": "Target for the share in {year}: {value}",
        "to_target": "Left to the target: {value}",
        "trend_at": "The trend points to {value} in {year}",
        "on_track": "On track for the target",
        "off_track": "Not on track for the target",
        "reached": "The target is reached",
        "no_trend": "Too few years for a trend",
        "target_line": "Target {year}",
        "n_targets": "{n} prioritised key figures with targets",
        "n_on_track": "on track: {n}",
        "n_off_track": "not on track: {n}",
        "n_unknown": "too few years: {n}",
        "followup_year": "Follow-up: {year}",
    },
}
"""The pack's own words by language and key."""


def text(lang: str, key: str, **kwargs: Any) -> str:
    """One pack string from :data:`PACK_TEXT`, formatted.

    >>> text("sv", "n_kpis", n=3)
    '3 nyckeltal'
    """
    return PACK_TEXT[check_lang(lang)][key].format(**kwargs)


__all__ = ["PACK_TEXT", "text"]
