"""How a flag moved between a baseline and a follow-up (method section 5).

The movement reads two levels and, when :func:`~koladagap.engine.followup.compare`
gives it, whether the gap really changed: a flag is ``resolved`` only when the gap
improved and ``new`` only when it worsened; under the line by chance is
``below_threshold``, over it by chance ``flagged_unchanged``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from koladagap.engine.run import FLAG_LEVELS

MOVEMENTS: tuple[str, ...] = (
    "new",
    "flagged_unchanged",
    "persisting",
    "resolved",
    "below_threshold",
    "escalated",
    "de-escalated",
    "not_assessable",
    "none",
)
"""Every value of the ``flag_movement`` column."""


def flag_movement(
    level_baseline: pd.Series, level_followup: pd.Series, change: pd.Series | None = None
) -> pd.Series:
    """How a flag moved between two levels (vectorised, missing levels allowed).

    With ``change`` (from :func:`compare`) a flag is ``resolved`` only when the gap
    really ``improved``, and ``new`` only when it really ``worsened``; a flag that
    dropped below the thresholds without a real improvement is ``below_threshold``
    (the gap is about where it was: chance took it under the line), and one that
    appeared without a real worsening is ``flagged_unchanged``.

    >>> flag_movement(pd.Series(["none", "watch", "act", "watch", "act"]),
    ...               pd.Series(["watch", "watch", "watch", "act", "info"])).tolist()
    ['new', 'persisting', 'de-escalated', 'escalated', 'resolved']
    >>> flag_movement(pd.Series(["act", "none"]), pd.Series(["info", "watch"]),
    ...               pd.Series(["unchanged", "unchanged"])).tolist()
    ['below_threshold', 'flagged_unchanged']
    """
    b = level_baseline.astype("string").fillna("").to_numpy(dtype=object)
    f = level_followup.astype("string").fillna("").to_numpy(dtype=object)
    n = len(b)
    if change is None:
        improved = worsened = np.ones(n, dtype=bool)
    else:
        c = change.astype("string").fillna("").to_numpy(dtype=object)
        improved, worsened = c == "improved", c == "worsened"
    bflag = np.isin(b, FLAG_LEVELS)
    fflag = np.isin(f, FLAG_LEVELS)
    judged = np.isin(f, ["none", "info"])
    out = np.select(
        [
            ~bflag & fflag & worsened,
            ~bflag & fflag,
            bflag & fflag & (b == f),
            (b == "watch") & (f == "act"),
            (b == "act") & (f == "watch"),
            bflag & judged & improved,
            bflag & judged,
            bflag & ~fflag & ~judged,
        ],
        [
            "new",
            "flagged_unchanged",
            "persisting",
            "escalated",
            "de-escalated",
            "resolved",
            "below_threshold",
            "not_assessable",
        ],
        "none",
    )
    return pd.Series(out, index=level_baseline.index, dtype="string")


__all__ = ["MOVEMENTS", "flag_movement"]
