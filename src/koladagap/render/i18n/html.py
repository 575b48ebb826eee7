"""The HTML report's own words, in Swedish and English.

The report's titles and column headers come from :mod:`koladagap.render.i18n.report`
(shared by every report format); this table holds only what the HTML page adds: the
page's contents line, the titles of the detail tables, the notice form's parts and
the printed page numbers.

Examples:
    >>> html_text("sv", "details")
    'Detaljer per nyckeltal'
    >>> html_text("en", "notice_n", i=1, n=3)
    'Deviation report 1 of 3'
"""

from __future__ import annotations

from typing import Any

from koladagap.render.i18n import check_lang

HTML_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "contents": "Innehåll",
        "details": "Detaljer per nyckeltal",
        "details_note": (
            "Underlaget bakom varje bedömning. Klicka på en rubrik för att visa tabellen; "
            "vid utskrift visas allt."
        ),
        "group_basis": "Värden och jämförelser",
        "group_followup": "Uppföljning sedan basår",
        "group_rules": "Regler som har tillämpats",
        "group_other": "Övrigt",
        "facts": "Underlag",
        "to_fill": "Fylls i av verksamheten",
        "see_notice": "Till avvikelseanmälan för {kpi}",
        "notice_n": "Avvikelseanmälan {i} av {n}",
        "page": "Sida",
        "of": "av",
    },
    "en": {
        "contents": "Contents",
        "details": "Details per KPI",
        "details_note": (
            "The evidence behind each assessment. Click a heading to show its table; "
            "everything is shown when printed."
        ),
        "group_basis": "Values and comparisons",
        "group_followup": "Follow-up since the baseline",
        "group_rules": "Rules applied",
        "group_other": "Other",
        "facts": "Evidence",
        "to_fill": "To be completed by the organisation",
        "see_notice": "To the deviation report for {kpi}",
        "notice_n": "Deviation report {i} of {n}",
        "page": "Page",
        "of": "of",
    },
}
"""The HTML page's own words by language and key."""


def html_text(lang: str, key: str, **kwargs: Any) -> str:
    """One HTML string from :data:`HTML_TEXT`, formatted.

    >>> html_text("sv", "see_notice", kpi="N00945")
    'Till avvikelseanmälan för N00945'
    """
    return HTML_TEXT[check_lang(lang)][key].format(**kwargs)


__all__ = ["HTML_TEXT", "html_text"]
