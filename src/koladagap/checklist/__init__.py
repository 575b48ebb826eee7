"""SKR's self-assessment checklist for gender mainstreaming: items, scores, movement, readiness.

Before each meeting of the benchmarking programme (start-up, Benchmarking 1–3,
the results conference) the organisation scores itself on a checklist and notes
how far it has moved. Three versions ship with koladagap (short labels written
for koladagap in its own words, not SKR's wording):

* ``"2017"``: 13 items (*punkter*), scale 1–3;
* ``"2019"``: 10 *moment*, scale 1–3;
* ``"2024"``: 10 *moment*, scale 1–4, scored at two levels: ``"övergripande"``
  (the organisation as a whole) and ``"nämnd"`` (board and administration).

The package is split by job; every name below is importable from
``koladagap.checklist`` itself:

* :mod:`~koladagap.checklist.model`: :class:`Checklist`, :class:`Item` and the
  shipped editions (``editions/*.toml``, :func:`get_checklist`);
* :mod:`~koladagap.checklist.load`: :func:`load_checklist`, a checklist with the
  user's own wording (TOML, CSV or xlsx);
* :mod:`~koladagap.checklist.writers`: :func:`write_template` writes a score
  sheet (CSV or xlsx, Swedish headers, one row per item per meeting) and
  :func:`~koladagap.checklist.writers.write_checklist_tables` a result's tables;
* :mod:`~koladagap.checklist.scores`: :func:`read_scores` reads the sheet back
  and fails with one line naming the file, the row (the header is row 1) and
  the column;
* :mod:`~koladagap.checklist.results`: :func:`checklist_results` computes per
  meeting the sum, mean and counts per score, the movement per item and in
  total since the previous meeting and since the first, and readiness by a
  :class:`ReadinessRule` (:mod:`~koladagap.checklist.readiness`);
* :mod:`~koladagap.checklist.sheets` and :mod:`~koladagap.checklist.text`: the
  user's tables as read, and the words in Swedish and English.

What a person looks at is drawn by :mod:`koladagap.render.checklist`:
``plot_checklist`` draws the movement on one slide, ``write_checklist_report``
writes the tables and the chart, ``summary_lines`` and ``readiness_lines`` the
running text. The checklist sits beside benchmarking, below render, and never
imports it; ``koladagap.checklist.plot_checklist``,
``koladagap.checklist.write_checklist_report``, ``SESSION_STYLE`` and
``REPORT_DPI`` still work for one release as a deprecated convenience (looked up
with :mod:`importlib` when first used, with a :class:`DeprecationWarning`).

Readiness
---------
The seed rule for being ready to act as a model municipality or region is, on
a 1–3 scale: *no item at the lowest level (1) and more than half of the items
at 3*. :meth:`ReadinessRule.default` states it for any scale as no item at the
scale's lowest step and more than half of the items at 3 **or higher**; on the
2024 scale 1–4 that is koladagap's translation, not SKR's (see
:mod:`~koladagap.checklist.readiness`). "More than half" is strict: 5 of 10 is
not ready, 6 of 10 is.

Examples:
    >>> c = get_checklist("2019")
    >>> c.version, len(c.items), (c.scale_min, c.scale_max)
    ('2019', 10, (1, 3))
    >>> ReadinessRule.default(c).describe(c)
    'inget moment på 1 och fler än hälften av momenten på 3'
    >>> c24 = get_checklist("2024")
    >>> len(c24.items), c24.levels
    (20, ('övergripande', 'nämnd'))
    >>> ReadinessRule.default(c24).describe(c24, "en")
    'no step at 1 and more than half of the steps at 3 or higher'
"""

from __future__ import annotations

from typing import Any

from koladagap.checklist._moved import MOVED, moved
from koladagap.checklist.load import load_checklist, parse_scale
from koladagap.checklist.model import (
    DEFAULT_SESSIONS,
    LEVEL_NAMES,
    VERSIONS,
    Checklist,
    Item,
    checklist_versions,
    get_checklist,
)
from koladagap.checklist.readiness import Readiness, ReadinessRule, parse_rule
from koladagap.checklist.results import ChecklistResult, checklist_results, sheet_results
from koladagap.checklist.scores import Scores, read_scores, scores_from_frame
from koladagap.checklist.text import ATTRIBUTION
from koladagap.checklist.writers import template_frame, write_checklist_tables, write_template


def __getattr__(name: str) -> Any:
    """The names that moved to :mod:`koladagap.render.checklist` (deprecated; see above)."""
    if name in MOVED:
        return moved(f"koladagap.checklist.{name}", name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ATTRIBUTION",
    "DEFAULT_SESSIONS",
    "LEVEL_NAMES",
    "VERSIONS",
    "Checklist",
    "ChecklistResult",
    "Item",
    "Readiness",
    "ReadinessRule",
    "Scores",
    "checklist_results",
    "checklist_versions",
    "get_checklist",
    "load_checklist",
    "parse_rule",
    "parse_scale",
    "read_scores",
    "scores_from_frame",
    "sheet_results",
    "template_frame",
    "write_checklist_tables",
    "write_template",
]
