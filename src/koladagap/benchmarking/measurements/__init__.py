"""The organisation's own measurements: sex-disaggregated figures as extra KPIs.

Benchmarking meetings start from "Kolada's key figures and any measurements of
our own". An own measurement is read from a file the organisation fills in,
becomes KPIs with their own ids, titles, units, kind and direction, and then
goes through the same engine, charts and reports as Kolada's KPIs. It is never
attributed to Kolada: its source line is ``"Källa: egen mätning"`` (see
:func:`attribution`).

The file
--------

**xlsx**: one workbook with two sheets (header in row 1, one row per item;
other sheets, such as the template's ``Instruktioner``, are ignored):

``Nyckeltal`` (English: ``KPIs``), one row per own KPI:

=====================  ===================  ==============================================
Swedish header         English alias        content
=====================  ===================  ==============================================
Id                     id                   own id, see *Ids* below (``EGEN-CHEFSUTB``)
Benämning              title                the title shown in reports
Enhet                  unit                 ``%``, ``kr``, ``dagar``, …
Typ                    kind                 ``share`` (andel, %), ``amount`` (belopp),
                                            ``share_of_one_sex`` (andel av ett kön),
                                            ``gap_value`` (skillnad)
Riktning               direction            ``higher_is_better`` (högre är bättre),
                                            ``lower_is_better`` (lägre är bättre),
                                            ``need`` (behov), ``parity_target``
                                            (jämn fördelning)
Organisation           organisation         the 4-digit kommun or region id the figures
                                            belong to (``0180``); 1–3 digits are padded
                                            (Excel drops leading zeros)
Barn/elever            children             optional: ``ja`` labels K/M as flickor/pojkar
                                            (blank: guessed from the title)
Andel av               share_of             ``K``/``M``: whose share a ``share_of_one_sex``
                                            value is (required for that kind only)
Förväntad skillnad     expected             optional: the gap regarded as normal (number,
                                            KPI unit; default 0)
Beskrivning            description          optional free text
=====================  ===================  ==============================================

``Värden`` (English: ``Values``), the figures, in one of two layouts:

- *long*: ``Id, År, Kön, Värde`` and optionally ``Antal`` (English ``id,
  year, gender, value, count``); ``Kön`` is ``K``, ``M`` or ``T`` (also
  ``kvinnor``, ``män``, ``flickor``, ``pojkar``, ``totalt``, ``women``, …);
- *wide*: ``Id, År`` and any of ``Kvinnor, Män, Totalt`` (``women, men,
  total``; ``Flickor``/``Pojkar`` also accepted) with optionally ``Antal
  kvinnor, Antal män, Antal totalt`` (``n_women, n_men, n_total``).

**csv**: one file holding both parts, each introduced by a line ``[Nyckeltal]``
or ``[Värden]`` (``[KPIs]``, ``[Values]``) followed by its header line. Lines
starting with ``#`` are comments. The separator (``;``, ``,`` or tab) is
detected per part from its header line; UTF-8 is expected, Windows-1252 (what
Excel writes) and UTF-16 (Excel's "Unicode text") are accepted; a workbook or
another binary file named ``.csv`` is refused. Rows are counted as lines of the
file, which is what a spreadsheet shows when it opens the CSV.

In a workbook a formula counts as its result as Excel saved it; a formula
without a saved result (a file written by a program and never saved by Excel)
is an error naming its cell, never a blank.

Numbers may use a decimal comma (``7,5``), spaces as thousands separators and
a trailing ``%``; a value lies between −10¹⁵ and 10¹⁵, a count between 0 and
10⁹. A blank value is a missing value (as Kolada's ``null``).
``Antal`` is the number of women (men) a share is computed over — its
denominator, e.g. the number of women employees for "women employees who took
the leadership course, %". With counts for both sexes a ``share`` KPI gets real
Newcombe tests of its gap: the counts become an auxiliary KPI ``<id>-N`` named
as the rule's ``denominator_kpi``. Without counts, credibility comes from
persistence over the years, as for Kolada KPIs without a denominator.

For ``share_of_one_sex`` and ``gap_value`` the value is given with ``Kön = T``
(totalt), as Kolada does for such KPIs.

Ids
---

Own ids must not look like Kolada's (``N00906``): 2–10 letters, a hyphen, then
letters, digits, ``_`` or ``-`` (:data:`OWN_ID_PATTERN`, e.g. ``EGEN-SJUK``,
``SKOLA-TRYGG_AK8``). They are case-insensitive (stored upper case); an id
ending in ``-N`` is reserved for the counts behind another id.

Errors
------

Every mistake raises :class:`~koladagap.errors.ConfigError` on one line naming
the file, the sheet (or CSV part), the row as a spreadsheet shows it (the
header is row 1) and the column, e.g. ``egna.xlsx: sheet Värden, row 5, column
D (Värde): not a number: 'sju'``.

The package
-----------

:mod:`.model` (ids, source lines, :class:`Measurements`), :mod:`.vocabulary`
(the accepted sheet names, headers and cell words), :mod:`.sheet` (cells with
their spreadsheet locations, number parsing), :mod:`.definitions` and
:mod:`.values` (validation of the two tables), :mod:`.read` (files and frames
→ :class:`Measurements`), :mod:`.template` (the import template) and
:mod:`.merge` (into Kolada's frames; the reason for the engine's result). Every
public name is importable from this package.

Examples:
    >>> import pandas as pd
    >>> defs = pd.DataFrame({"Id": ["EGEN-CHEF"], "Benämning": ["Chefer, andel (%)"],
    ...                      "Enhet": ["%"], "Typ": ["andel"], "Riktning": ["need"],
    ...                      "Organisation": ["0180"]})
    >>> vals = pd.DataFrame({"Id": ["EGEN-CHEF"] * 2, "År": [2022, 2022],
    ...                      "Kön": ["K", "M"], "Värde": [4.5, 6.0], "Antal": [900, 700]})
    >>> m = from_frames(defs, vals)
    >>> m.ids, m.rules["EGEN-CHEF"].denominator_kpi
    (['EGEN-CHEF'], 'EGEN-CHEF-N')
    >>> attribution(["N00906", "EGEN-CHEF"])
    'Källa: Kolada; egen bearbetning; egen mätning'
"""

from koladagap.benchmarking.measurements.merge import (
    REFERENCE_UNAVAILABLE,
    annotate_reasons,
    merge_into,
)
from koladagap.benchmarking.measurements.model import (
    COUNT_SUFFIX,
    KOLADA_SOURCE,
    MIXED_SOURCE,
    OPERATING_AREA,
    OWN_ID_PATTERN,
    SOURCE,
    Measurements,
    attribution,
    combine,
    count_kpi,
    empty,
    is_own,
)
from koladagap.benchmarking.measurements.read import from_frames, read_many, read_measurements
from koladagap.benchmarking.measurements.template import measurements_template

__all__ = [
    "COUNT_SUFFIX",
    "KOLADA_SOURCE",
    "MIXED_SOURCE",
    "OPERATING_AREA",
    "OWN_ID_PATTERN",
    "REFERENCE_UNAVAILABLE",
    "SOURCE",
    "Measurements",
    "annotate_reasons",
    "attribution",
    "combine",
    "count_kpi",
    "empty",
    "from_frames",
    "is_own",
    "measurements_template",
    "merge_into",
    "read_many",
    "read_measurements",
]
