"""What a KPI's gap means, in the reader's words: defined once for every writer.

Most KPIs are split by sex and their gap is women − men (girls − boys). A KPI that
is itself one sex's share (N00945, VAB days taken by men) has no split: what the
engine measures is the distance of that share from 50/50, and every writer labels
it so (never "Skillnad (K − M)", which would be a different number: for a men's
share of 33,3 % the distance from 50/50 is −16,7 points, while women − men is
+33,4). A gap averaged over several years is labelled with the years it covers.

Examples:
    >>> gap_heading("sv")
    'Skillnad (K − M)'
    >>> gap_heading("sv", kind="share_of_one_sex")
    'Avstånd från 50/50 (procentenheter)'
    >>> share_heading("sv", "M")
    'Andel män'
    >>> gap_heading("en", women="girls", men="boys")
    'Gap (girls − boys)'
    >>> years_heading("sv", 2016, 2018)
    'medel 2016–2018'
    >>> years_heading("en", 2018, 2018)
    '2018'
    >>> gap_heading("sv", years="2018"), gap_heading("sv", years="medel 2016–2018")
    ('Skillnad 2018 (K − M)', 'Skillnad, medel 2016–2018 (K − M)')
    >>> gap_heading("en", kind="share_of_one_sex", years="2018")
    'Distance from 50/50, 2018 (percentage points)'
"""

from __future__ import annotations

from koladagap.render.i18n import check_lang

ONE_SEX = "share_of_one_sex"
"""The engine's ``kind`` of a KPI that is one sex's share (parity is 50)."""

_WORDS: dict[str, dict[str, str]] = {
    "sv": {
        "gap": "Skillnad{when} (K − M)",
        "gap_named": "Skillnad{when} ({women} − {men})",
        "distance": "Avstånd från 50/50{when} (procentenheter)",
        "share_K": "Andel kvinnor",
        "share_M": "Andel män",
        "mean": "medel {first}–{last}",
    },
    "en": {
        "gap": "Gap{when} (W − M)",
        "gap_named": "Gap{when} ({women} − {men})",
        "distance": "Distance from 50/50{when} (percentage points)",
        "share_K": "Women's share",
        "share_M": "Men's share",
        "mean": "mean {first}–{last}",
    },
}


def gap_heading(
    lang: str = "sv",
    *,
    kind: str | None = None,
    women: str | None = None,
    men: str | None = None,
    years: str | None = None,
) -> str:
    """The label of a KPI's gap: women − men, or the distance from 50/50 for a one-sex share.

    ``women`` and ``men`` name the groups when they are not women and men (girls and
    boys, :func:`koladagap.render.i18n.groups.sex_labels`). ``years`` says what the
    figure covers (:func:`years_heading`: one year, or a mean over several).
    """
    w = _WORDS[check_lang(lang)]
    when = ""
    if years:
        lone = str(years).isdigit() and kind != ONE_SEX
        when = f" {years}" if lone else f", {years}"
    if kind == ONE_SEX:
        return w["distance"].format(when=when)
    if women and men:
        return w["gap_named"].format(women=women, men=men, when=when)
    return w["gap"].format(when=when)


def share_heading(lang: str, share_of: str) -> str:
    """The label of a one-sex share KPI's value: ``"Andel män"`` / ``"Andel kvinnor"``."""
    return _WORDS[check_lang(lang)][f"share_{'M' if str(share_of).upper() == 'M' else 'K'}"]


def years_heading(lang: str, first: int, last: int) -> str:
    """What a figure covers: one year (``"2018"``) or a mean (``"medel 2016–2018"``)."""
    if int(first) == int(last):
        return str(int(last))
    return _WORDS[check_lang(lang)]["mean"].format(first=int(first), last=int(last))


__all__ = ["ONE_SEX", "gap_heading", "share_heading", "years_heading"]
