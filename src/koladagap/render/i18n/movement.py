"""The words for a follow-up: how a gap changed, how its flag moved, what was compared.

:func:`koladagap.engine.followup.compare` writes codes only: ``change``
(``improved``, ``worsened``, ``unchanged``, ``not_comparable``), ``flag_movement``
(``new``, ``persisting``, ``resolved`` …) and ``compared_on`` with ``pool_years``
(what the two ends' evidence is made of). This module turns them into the reader's
words in Swedish (``"sv"``) or English (``"en"``).

Examples:
    >>> import pandas as pd
    >>> change_names(pd.Series(["worsened", "unchanged", None]), "sv").tolist()
    ['försämrad', 'oförändrad (inom normal variation)', <NA>]
    >>> movement_names(pd.Series(["resolved", "flagged_unchanged"]), "en").tolist()
    ['resolved', 'flagged now, no confirmed worsening']
    >>> c = pd.DataFrame({"compared_on": ["pooled_years", "election_years", None],
    ...                   "pool_years": pd.array([3, pd.NA, pd.NA], dtype="Int64")})
    >>> compared_words(c, "sv").tolist()
    ['samlat underlag från 3 år', 'valår', <NA>]
"""

from __future__ import annotations

import pandas as pd

from koladagap.render.i18n import check_lang

CHANGE_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "improved": "förbättrad",
        "worsened": "försämrad",
        "unchanged": "oförändrad (inom normal variation)",
        "not_comparable": "ej jämförbar",
    },
    "en": {
        "improved": "improved",
        "worsened": "worsened",
        "unchanged": "unchanged (within normal variation)",
        "not_comparable": "not comparable",
    },
}
"""The follow-up's ``change`` codes in the reader's words."""

MOVEMENT_LABELS: dict[str, dict[str, str]] = {
    "sv": {
        "new": "ny",
        "flagged_unchanged": "flaggad nu, ingen säkerställd försämring",
        "persisting": "kvarstår",
        "resolved": "åtgärdad/upphört",
        "below_threshold": "under gränsen, ingen säkerställd förbättring",
        "escalated": "skärpt",
        "de-escalated": "mildrad",
        "not_assessable": "kan inte bedömas nu",
        "none": "–",
    },
    "en": {
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
}
"""The ``flag_movement`` codes in the reader's words."""

COMPARED_LABELS: dict[str, dict[str, str]] = {
    "sv": {"pooled_years": "samlat underlag från {n} år", "election_years": "valår"},
    "en": {"pooled_years": "pooled evidence of {n} years", "election_years": "election years"},
}
"""The ``compared_on`` codes in the reader's words (``{n}``: ``pool_years``)."""


def _names(codes: pd.Series, labels: dict[str, str]) -> pd.Series:
    """``codes`` mapped to ``labels`` as a ``string`` column (missing where unknown)."""
    return codes.astype("string").map(labels).astype("string")


def change_names(change: pd.Series, lang: str = "sv") -> pd.Series:
    """The follow-up's ``change`` column in words (missing where the code is missing).

    Raises:
        ValueError: ``lang`` is not ``"sv"`` or ``"en"``.
    """
    return _names(change, CHANGE_LABELS[check_lang(lang)])


def movement_names(flag_movement: pd.Series, lang: str = "sv") -> pd.Series:
    """The follow-up's ``flag_movement`` column in words (missing where the code is missing).

    Raises:
        ValueError: ``lang`` is not ``"sv"`` or ``"en"``.
    """
    return _names(flag_movement, MOVEMENT_LABELS[check_lang(lang)])


def compared_words(comparison: pd.DataFrame, lang: str = "sv") -> pd.Series:
    """What each row of a follow-up compares, from ``compared_on`` and ``pool_years``.

    Missing where an end is missing (``compared_on`` missing).

    Raises:
        ValueError: ``lang`` is not ``"sv"`` or ``"en"``.
    """
    words = COMPARED_LABELS[check_lang(lang)]
    on = comparison["compared_on"].astype("string")
    before, after = words["pooled_years"].split("{n}")
    pooled = before + comparison["pool_years"].astype("Int64").astype("string") + after
    out = on.map({"election_years": words["election_years"]}).astype("string")
    return out.mask(on.eq("pooled_years").fillna(False), pooled)


__all__ = [
    "CHANGE_LABELS",
    "COMPARED_LABELS",
    "MOVEMENT_LABELS",
    "change_names",
    "compared_words",
    "movement_names",
]
