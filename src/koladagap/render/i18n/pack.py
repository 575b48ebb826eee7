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
