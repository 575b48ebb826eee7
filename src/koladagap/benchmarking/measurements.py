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
Excel writes) is accepted. Rows are counted as lines of the file, which is
what a spreadsheet shows when it opens the CSV.

Numbers may use a decimal comma (``7,5``), spaces as thousands separators and
a trailing ``%``. A blank value is a missing value (as Kolada's ``null``).
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

Examples:
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

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
import io
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from koladagap.engine.thresholds import KpiRule
from koladagap.errors import ConfigError, InputError
from koladagap.kolada.frames import GROUP_LABELS, label_columns
from koladagap.kolada.schema import (
    COUNT,
    GENDER,
    ISDELETED,
    KPI,
    KPI_META_COLUMNS,
    MIN_YEAR,
    MUNICIPALITY_ID,
    PERIOD,
    STATUS,
    VALUE,
    normalise_data_frame,
)

# --- attribution and ids ----------------------------------------------------------

SOURCE = "Källa: egen mätning"
"""The source line of own measurements."""
KOLADA_SOURCE = "Källa: Kolada; egen bearbetning"
"""The source line of Kolada KPIs processed by koladagap."""
MIXED_SOURCE = "Källa: Kolada; egen bearbetning; egen mätning"
"""The source line when Kolada KPIs and own measurements appear together."""
OPERATING_AREA = "Egen mätning"
"""The operating area of own KPIs (when the plan's ``[areas]`` does not place them)."""
COUNT_SUFFIX = "-N"
"""Suffix of the auxiliary KPI holding the counts behind an own KPI."""

OWN_ID_PATTERN = r"^[A-Z]{2,10}-[A-Z0-9](?:[A-Z0-9_-]{0,38}[A-Z0-9])?$"
"""Own KPI ids: 2–10 letters, a hyphen, then letters/digits/``_``/``-`` (upper case)."""
_OWN_ID = re.compile(OWN_ID_PATTERN)
_OWN_ID_HINT = (
    "own ids need a prefix, a hyphen and a name, e.g. EGEN-SJUK or SKOLA-TRYGG_AK8 "
    "(2–10 letters, '-', then letters, digits, _ or -); Kolada ids such as N00906 cannot be used"
)


def is_own(kpi_id: str) -> bool:
    """True for an own-measurement KPI id (or the counts KPI behind one).

    Kolada ids never contain a hyphen, so the test is exact.

    >>> is_own("EGEN-SJUK"), is_own("egen-sjuk-N"), is_own("N00906")
    (True, True, False)
    """
    return isinstance(kpi_id, str) and bool(_OWN_ID.match(kpi_id.strip().upper()))


def count_kpi(kpi_id: str) -> str:
    """The id of the auxiliary KPI holding the counts behind ``kpi_id``.

    >>> count_kpi("EGEN-SJUK")
    'EGEN-SJUK-N'
    """
    return f"{kpi_id}{COUNT_SUFFIX}"


def attribution(kpi_ids: Iterable[str]) -> str:
    """The source line for a table or chart showing ``kpi_ids``.

    Only Kolada KPIs (or none): ``"Källa: Kolada; egen bearbetning"``; only own
    measurements: ``"Källa: egen mätning"``; both: ``"Källa: Kolada; egen
    bearbetning; egen mätning"``.

    >>> attribution(["EGEN-SJUK"])
    'Källa: egen mätning'
    >>> attribution(["N00906"])
    'Källa: Kolada; egen bearbetning'
    """
    ids = [str(k) for k in kpi_ids]
    own = [is_own(k) for k in ids]
    if any(own) and all(own):
        return SOURCE
    return MIXED_SOURCE if any(own) else KOLADA_SOURCE


# --- the result ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measurements:
    """Own measurements read from one or more files.

    Attributes:
        values: the tidy frame (:data:`koladagap.kolada.schema.DATA_COLUMNS`): ``kpi`` is
            the own id (or ``<id>-N`` for the counts), ``municipality_id`` the
            organisation, ``count`` the count given with a value.
        kpis: a catalogue frame like Kolada's (``id, title, description,
            is_divided_by_gender, municipality_type, …, operating_area``) plus
            ``unit``, ``source`` (``"Källa: egen mätning"``), ``about_children`` and
            ``organisation``; one row per own KPI and per counts KPI.
        rules: the :class:`~koladagap.engine.KpiRule` of every own KPI (not of the
            counts KPIs, which are only denominators).
        paths: the files read.
    """

    values: pd.DataFrame
    kpis: pd.DataFrame
    rules: dict[str, KpiRule]
    paths: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        """The own KPI ids (without the counts KPIs), in file order."""
        return list(self.rules)

    @property
    def organisations(self) -> list[str]:
        """The organisations the figures belong to, sorted."""
        return sorted(set(self.kpis["organisation"].astype(str)))

    @property
    def years(self) -> list[int]:
        """The years with values, sorted."""
        return sorted({int(y) for y in self.values[PERIOD].unique()})

    @property
    def with_counts(self) -> list[str]:
        """Own KPIs with counts (a ``denominator_kpi``: Newcombe tests for shares)."""
        return [k for k, r in self.rules.items() if r.denominator_kpi]

    @property
    def n_values(self) -> int:
        """Number of values of the own KPIs (counts KPIs not included)."""
        return int(self.values[KPI].isin(self.ids).sum())


# --- column vocabulary -----------------------------------------------------------------

_DEF_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "kpi", "nyckeltal"),
    "title": ("benämning", "title", "titel", "namn", "name"),
    "unit": ("enhet", "unit"),
    "kind": ("typ", "kind", "type"),
    "direction": ("riktning", "direction"),
    "organisation": ("organisation", "organization", "organisation id", "kommun", "region"),
    "about_children": ("barn/elever", "barn", "elever", "children", "about children"),
    "share_of": ("andel av", "share of"),
    "expected": ("förväntad skillnad", "förväntat", "expected"),
    "description": ("beskrivning", "description"),
}
_DEF_REQUIRED = ("id", "title", "unit", "kind", "direction", "organisation")

_VAL_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "kpi", "nyckeltal"),
    "period": ("år", "ar", "year", "period"),
    "gender": ("kön", "kon", "gender", "sex"),
    "value": ("värde", "varde", "value"),
    "count": ("antal", "count", "n"),
    "women": ("kvinnor", "flickor", "women", "girls"),
    "men": ("män", "pojkar", "men", "boys"),
    "total": ("totalt", "total", "alla"),
    "n_women": ("antal kvinnor", "antal flickor", "n women", "n girls", "count women"),
    "n_men": ("antal män", "antal pojkar", "n men", "n boys", "count men"),
    "n_total": ("antal totalt", "n total", "count total"),
}
_WIDE_VALUE = {"women": "K", "men": "M", "total": "T"}
_WIDE_COUNT = {"women": "n_women", "men": "n_men", "total": "n_total"}

_SHEETS = {
    "definitions": ("nyckeltal", "kpis", "definitioner", "definitions"),
    "values": ("värden", "varden", "values", "data"),
}

_KIND_WORDS: dict[str, str] = {
    "share": "share",
    "andel": "share",
    "amount": "amount",
    "belopp": "amount",
    "mått": "amount",
    "share_of_one_sex": "share_of_one_sex",
    "andel_av_ett_kön": "share_of_one_sex",
    "andel_ett_kön": "share_of_one_sex",
    "könsandel": "share_of_one_sex",
    "gap_value": "gap_value",
    "skillnad": "gap_value",
}
_DIRECTION_WORDS: dict[str, str] = {
    "higher_is_better": "higher_is_better",
    "högre_är_bättre": "higher_is_better",
    "lower_is_better": "lower_is_better",
    "lägre_är_bättre": "lower_is_better",
    "need": "need",
    "behov": "need",
    "parity_target": "parity_target",
    "jämn_fördelning": "parity_target",
    "paritet": "parity_target",
}
_GENDER_WORDS: dict[str, str] = {
    **dict.fromkeys(("k", "kvinnor", "kvinna", "flickor", "flicka", "women", "woman"), "K"),
    **dict.fromkeys(("girls", "girl", "female"), "K"),
    **dict.fromkeys(("m", "män", "man", "pojkar", "pojke", "men", "boys", "boy", "male"), "M"),
    **dict.fromkeys(("t", "totalt", "total", "alla", "samtliga", "all"), "T"),
}
_BOOL_WORDS: dict[str, bool] = {
    **dict.fromkeys(("ja", "j", "yes", "y", "x", "sant", "true", "1"), True),
    **dict.fromkeys(("nej", "n", "no", "falskt", "false", "0"), False),
}
_SHARE_KINDS = ("share", "share_of_one_sex")
_T_KINDS = ("share_of_one_sex", "gap_value")


def _norm_header(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().casefold()).strip(" :")


def _norm_word(s: pd.Series) -> pd.Series:
    return s.str.strip().str.casefold().str.replace(r"[\s_-]+", "_", regex=True)


def _letter(position: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 → A, 26 → AA)."""
    out = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- a sheet or CSV part, with spreadsheet row numbers --------------------------------


@dataclass
class _Sheet:
    """One table of the input: canonical columns of stripped strings and their locations."""

    label: str  # "sheet Värden" or "part [Värden]"
    data: pd.DataFrame  # canonical column -> str, "" for empty
    rows: np.ndarray  # spreadsheet row number of each data row
    headers: dict[str, str]  # canonical -> header as written
    letters: dict[str, str]  # canonical -> column letter
    path: str | None
    header_row: int = 1

    def where(self, row: int, column: str | None) -> str:
        if column is None:
            return f"{self.label}, row {row}"
        return f"{self.label}, row {row}, column {self.letters[column]} ({self.headers[column]})"

    def fail(self, message: str, row: int, column: str | None) -> ConfigError:
        return ConfigError(message, path=self.path, key=self.where(row, column))

    def check(
        self,
        bad: pd.Series | np.ndarray,
        column: str | pd.Series | None,
        message: Callable[[int], str],
    ) -> None:
        """Raise for the first row where ``bad`` is true (``message`` gets its position)."""
        mask = np.asarray(bad, dtype=bool)
        if not mask.any():
            return
        i = int(np.argmax(mask))
        col = column.iloc[i] if isinstance(column, pd.Series) else column
        raise self.fail(message(i), int(self.rows[i]), col)


def _sheet(
    raw: pd.DataFrame,
    row_numbers: np.ndarray,
    *,
    label: str,
    aliases: Mapping[str, Sequence[str]],
    path: str | None,
) -> _Sheet:
    """Header and rows of a raw table of cells (header: its first non-empty row)."""
    cells = raw.astype(object).where(raw.notna(), "").astype(str)
    cells = cells.apply(lambda c: c.str.replace("\u00a0", " ").str.strip())
    cells.columns = range(cells.shape[1])
    filled = (cells != "").to_numpy()
    nonempty = filled.any(axis=1)
    if not nonempty.any():
        raise ConfigError(f"{label} is empty: expected a header row", path=path, key=label)
    h = int(np.argmax(nonempty))
    header_row = int(row_numbers[h])
    lookup = {_norm_header(a): canon for canon, names in aliases.items() for a in names}
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    positions: dict[str, int] = {}
    for pos, text in enumerate(cells.iloc[h].tolist()):
        if not text:
            if filled[h + 1 :, pos].any():
                raise ConfigError(
                    "a column without a header; name it or delete it",
                    path=path,
                    key=f"{label}, row {header_row}, column {_letter(pos)}",
                )
            continue
        canon = lookup.get(_norm_header(text))
        key = f"{label}, row {header_row}, column {_letter(pos)} ({text})"
        if canon is None:
            accepted = ", ".join(names[0].capitalize() for names in aliases.values())
            raise ConfigError(f"unknown column; accepted: {accepted}", path=path, key=key)
        if canon in headers:
            raise ConfigError(
                f"the same column twice (also column {letters[canon]})", path=path, key=key
            )
        headers[canon], letters[canon], positions[canon] = text, _letter(pos), pos
    keep = nonempty.copy()
    keep[: h + 1] = False
    data = pd.DataFrame(
        {canon: cells[pos].to_numpy()[keep] for canon, pos in positions.items()}, dtype=object
    )
    data = data.astype(str) if len(data.columns) else pd.DataFrame(index=range(int(keep.sum())))
    return _Sheet(
        label, data.reset_index(drop=True), row_numbers[keep], headers, letters, path, header_row
    )


def _require(sheet: _Sheet, columns: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> None:
    missing = [c for c in columns if c not in sheet.headers]
    if missing:
        names = ", ".join(aliases[c][0].capitalize() for c in missing)
        raise ConfigError(
            f"missing column(s): {names}",
            path=sheet.path,
            key=f"{sheet.label}, row {sheet.header_row}",
        )


# --- parsing cells ----------------------------------------------------------------------


def _numbers(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Numbers from text cells (decimal comma, spaces, a trailing %); and the bad cells."""
    t = s.astype(str).str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    t = t.str.replace("\u2212", "-", regex=False).str.replace(",", ".", regex=False)
    t = t.str.replace(r"%$", "", regex=True)
    blank = (t == "").to_numpy()
    num = pd.to_numeric(t.where(~blank), errors="coerce").astype("float64")
    bad = ~blank & ~np.isfinite(num.to_numpy(dtype="float64", na_value=np.nan))
    return num, bad


def _mapped(s: pd.Series, words: Mapping[str, Any]) -> pd.Series:
    return _norm_word(s).map(words)


def _organisation(s: pd.Series) -> pd.Series:
    t = s.str.replace(r"\.0$", "", regex=True)
    return t.where(~t.str.fullmatch(r"\d{1,3}"), t.str.zfill(4))


# --- definitions ------------------------------------------------------------------------------


def _definitions(sheet: _Sheet) -> pd.DataFrame:
    """Validated definitions: one row per own KPI, with canonical values."""
    _require(sheet, _DEF_REQUIRED, _DEF_ALIASES)
    d = sheet.data
    if d.empty:
        raise ConfigError(
            "no KPIs defined: add a row per own KPI below the header",
            path=sheet.path,
            key=sheet.label,
        )
    ids = d["id"].str.upper()
    for col in _DEF_REQUIRED:
        sheet.check(d[col] == "", col, lambda _i: "missing: every KPI needs this column filled")
    sheet.check(
        ~ids.str.match(_OWN_ID), "id", lambda i: f"invalid id {d['id'][i]!r}: {_OWN_ID_HINT}"
    )
    sheet.check(
        ids.str.endswith(COUNT_SUFFIX),
        "id",
        lambda i: f"id {d['id'][i]!r} ends in -N, which is reserved for the counts behind an id",
    )
    first = pd.Series(sheet.rows).groupby(ids.to_numpy()).transform("min").to_numpy()
    sheet.check(
        ids.duplicated().to_numpy(),
        "id",
        lambda i: f"id {ids[i]} is defined twice (first in row {first[i]})",
    )
    kind = _mapped(d["kind"], _KIND_WORDS)
    sheet.check(
        kind.isna(),
        "kind",
        lambda i: (
            f"unknown kind {d['kind'][i]!r}; accepted: share (andel), amount (belopp), "
            "share_of_one_sex (andel av ett kön), gap_value (skillnad)"
        ),
    )
    direction = _mapped(d["direction"], _DIRECTION_WORDS)
    sheet.check(
        direction.isna(),
        "direction",
        lambda i: (
            f"unknown direction {d['direction'][i]!r}; accepted: higher_is_better "
            "(högre är bättre), lower_is_better (lägre är bättre), need (behov), "
            "parity_target (jämn fördelning)"
        ),
    )
    org = _organisation(d["organisation"])
    sheet.check(
        ~org.str.fullmatch(r"\d{4}") | (org == "0000"),
        "organisation",
        lambda i: (
            f"expected the 4-digit id of a kommun or region such as 0180; "
            f"got {d['organisation'][i]!r}"
        ),
    )
    out = pd.DataFrame(
        {
            "id": ids,
            "title": d["title"],
            "unit": d["unit"],
            "kind": kind,
            "direction": direction,
            "organisation": org,
            "row": sheet.rows,
        }
    )
    out["about_children"] = _children(sheet)
    out["share_of"] = _share_of(sheet, kind)
    out["expected"] = _expected(sheet)
    out["description"] = d.get("description", "")
    return out


def _children(sheet: _Sheet) -> pd.Series:
    d = sheet.data
    if "about_children" not in d:
        return pd.Series([None] * len(d), dtype=object)
    raw = d["about_children"]
    val = _mapped(raw, _BOOL_WORDS)
    sheet.check(
        (raw != "") & val.isna(),
        "about_children",
        lambda i: f"expected ja or nej (yes/no); got {raw[i]!r}",
    )
    return val.astype(object).where(val.notna(), None)


def _share_of(sheet: _Sheet, kind: pd.Series) -> pd.Series:
    d = sheet.data
    need = (kind == "share_of_one_sex").to_numpy()
    if "share_of" not in d:
        if need.any():
            raise ConfigError(
                "a share_of_one_sex KPI needs a column Andel av (K or M: whose share it is)",
                path=sheet.path,
                key=sheet.where(int(sheet.rows[int(np.argmax(need))]), "kind"),
            )
        return pd.Series([None] * len(d), dtype=object)
    raw = d["share_of"]
    sex = _mapped(raw, _GENDER_WORDS)
    sheet.check(
        need & ~sex.isin(["K", "M"]).to_numpy(),
        "share_of",
        lambda i: f"a share_of_one_sex KPI needs K or M here (whose share it is); got {raw[i]!r}",
    )
    return sex.where(pd.Series(need), None).astype(object)


def _expected(sheet: _Sheet) -> pd.Series:
    d = sheet.data
    if "expected" not in d:
        return pd.Series([np.nan] * len(d), dtype="float64")
    num, bad = _numbers(d["expected"])
    sheet.check(
        bad,
        "expected",
        lambda i: (
            f"expected a number (the normal gap, in the KPI's unit); got {d['expected'][i]!r}"
        ),
    )
    return num


# --- values -------------------------------------------------------------------------------------


def _long_cells(sheet: _Sheet) -> pd.DataFrame:
    """The value cells as rows ``id, period, gender, value, count, row, vcol, ccol``."""
    d = sheet.data
    is_long = "gender" in d or "value" in d
    wide = [c for c in (*_WIDE_VALUE, *_WIDE_COUNT.values()) if c in d]
    if is_long and wide:
        raise ConfigError(
            "mixes the long layout (Kön, Värde) with the wide one (Kvinnor, Män, Totalt): "
            "use one of them",
            path=sheet.path,
            key=f"{sheet.label}, row {sheet.header_row}",
        )
    if is_long:
        _require(sheet, ("id", "period", "gender", "value"), _VAL_ALIASES)
        out = pd.DataFrame(
            {
                "id": d["id"],
                "period": d["period"],
                "gender": d["gender"],
                "value": d["value"],
                "count": d.get("count", ""),
                "row": sheet.rows,
                "vcol": "value",
                "ccol": "count" if "count" in d else "value",
            }
        )
        return out
    _require(sheet, ("id", "period"), _VAL_ALIASES)
    present = [c for c in _WIDE_VALUE if c in d]
    if not present:
        raise ConfigError(
            "no value columns: give Kön and Värde (long layout) or Kvinnor, Män, Totalt (wide)",
            path=sheet.path,
            key=f"{sheet.label}, row {sheet.header_row}",
        )
    for c, n in _WIDE_COUNT.items():
        if n in d and c not in d:
            raise ConfigError(
                f"a count column without its value column {_VAL_ALIASES[c][0].capitalize()}",
                path=sheet.path,
                key=sheet.where(sheet.header_row, n),
            )
    parts = [
        pd.DataFrame(
            {
                "id": d["id"],
                "period": d["period"],
                "gender": _WIDE_VALUE[c],
                "value": d[c],
                "count": d.get(_WIDE_COUNT[c], ""),
                "row": sheet.rows,
                "vcol": c,
                "ccol": _WIDE_COUNT[c] if _WIDE_COUNT[c] in d else c,
                "_order": j,
            }
        )
        for j, c in enumerate(present)
    ]
    cells = pd.concat(parts, ignore_index=True)
    cells = cells.loc[(cells["value"] != "") | (cells["count"] != "")]
    cells = cells.sort_values(["row", "_order"], kind="stable").drop(columns="_order")
    return cells.reset_index(drop=True)


def _values(sheet: _Sheet, defs: pd.DataFrame) -> pd.DataFrame:
    """Validated value rows ``kpi, municipality_id, period, gender, value, count``."""
    cells = _long_cells(sheet)
    if cells.empty:
        raise ConfigError(
            "no values: add a row per value below the header", path=sheet.path, key=sheet.label
        )
    view = dataclasses.replace(sheet, rows=cells["row"].to_numpy())
    ids = cells["id"].str.upper()
    view.check(cells["id"] == "", "id", lambda _i: "missing id")
    known = set(defs["id"])
    view.check(
        ~ids.isin(known),
        "id",
        lambda i: (
            f"values for {cells['id'][i]!r}, which is not defined in the KPI sheet (Nyckeltal)"
        ),
    )
    period = _period(view, cells)
    gender = _mapped(cells["gender"], _GENDER_WORDS)
    view.check(
        gender.isna(),
        "gender",
        lambda i: (
            f"expected K, M or T (kvinnor, män, totalt; flickor, pojkar); "
            f"got {cells['gender'][i]!r}"
        ),
    )
    value, bad = _numbers(cells["value"])
    view.check(bad, cells["vcol"], lambda i: f"not a number: {cells['value'][i]!r}")
    count = _count(view, cells)
    out = pd.DataFrame(
        {
            "kpi": ids,
            "period": period,
            "gender": gender,
            "value": value,
            "count": count,
            "row": cells["row"],
            "vcol": cells["vcol"],
        }
    )
    _check_duplicates(view, out)
    meta = defs.set_index("id")
    out["kind"] = out["kpi"].map(meta["kind"])
    out["municipality_id"] = out["kpi"].map(meta["organisation"])
    v = out["value"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        outside = out["kind"].isin(_SHARE_KINDS).to_numpy() & ((v < 0) | (v > 100))
    view.check(
        outside,
        out["vcol"],
        lambda i: f"a share (%) must lie between 0 and 100; got {cells['value'][i]!r}",
    )
    return out


def _period(view: _Sheet, cells: pd.DataFrame) -> pd.Series:
    this_year = dt.date.today().year
    num, bad = _numbers(cells["period"])
    y = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        ok = (y == np.round(y)) & (y >= MIN_YEAR) & (y <= this_year)
    view.check(
        bad | ~ok,
        "period",
        lambda i: f"expected a year between {MIN_YEAR} and {this_year}; got {cells['period'][i]!r}",
    )
    return num.astype("int64")


def _count(view: _Sheet, cells: pd.DataFrame) -> pd.Series:
    num, bad = _numbers(cells["count"])
    view.check(bad, cells["ccol"], lambda i: f"count is not a number: {cells['count'][i]!r}")
    c = num.to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        view.check(c < 0, cells["ccol"], lambda i: f"negative count: {cells['count'][i]!r}")
        view.check(
            np.isfinite(c) & (c != np.round(c)),
            cells["ccol"],
            lambda i: f"a count is a whole number of people; got {cells['count'][i]!r}",
        )
    return num.round().astype("Int64")


def _check_duplicates(view: _Sheet, out: pd.DataFrame) -> None:
    keys = ["kpi", "period", "gender"]
    dup = out.duplicated(keys).to_numpy()
    if not dup.any():
        return
    first = out.groupby(keys, sort=False)["row"].transform("min").to_numpy()
    view.check(
        dup,
        out["vcol"],
        lambda i: (
            f"a second value for {out['kpi'][i]} {out['period'][i]} {out['gender'][i]} "
            f"(first in row {first[i]})"
        ),
    )


def _check_t_kinds(defs_sheet: _Sheet, defs: pd.DataFrame, vals: pd.DataFrame) -> None:
    """``share_of_one_sex`` and ``gap_value`` KPIs need their value in ``Kön = T``."""
    t_ids = set(vals.loc[(vals["gender"] == "T") & vals["value"].notna(), "kpi"])
    bad = defs["kind"].isin(_T_KINDS) & ~defs["id"].isin(t_ids)
    view = dataclasses.replace(defs_sheet, rows=defs["row"].to_numpy())
    view.check(
        bad,
        "kind",
        lambda i: (
            f"a {defs['kind'].iloc[i]} KPI takes its value with Kön = T (totalt); "
            f"{defs['id'].iloc[i]} has no such value"
        ),
    )


# --- building the result -------------------------------------------------------------------------


def _build(defs_sheet: _Sheet, vals_sheet: _Sheet, paths: tuple[str, ...]) -> Measurements:
    defs = _definitions(defs_sheet)
    vals = _values(vals_sheet, defs)
    _check_t_kinds(defs_sheet, defs, vals)
    counted = vals.loc[vals["count"].notna()]
    has_counts = set(counted["kpi"])
    aux = counted.assign(
        kpi=counted["kpi"] + COUNT_SUFFIX, value=counted["count"].astype("float64")
    )
    aux = aux.assign(count=pd.array([pd.NA] * len(aux), dtype="Int64"))
    cols = [KPI, MUNICIPALITY_ID, PERIOD, GENDER, VALUE, COUNT]
    values = pd.concat([vals[cols], aux[cols]], ignore_index=True)
    values[STATUS] = ""
    values[ISDELETED] = False
    values = normalise_data_frame(values.sort_values([KPI, PERIOD, GENDER], kind="stable"))
    catalogue = _catalogue(defs, has_counts)
    titles = catalogue.set_index("id")["title"]
    rules = _rules(defs.assign(title=defs["id"].map(titles)), has_counts)
    return Measurements(values=values, kpis=catalogue, rules=rules, paths=paths)


def _rules(defs: pd.DataFrame, has_counts: set[str]) -> dict[str, KpiRule]:
    out: dict[str, KpiRule] = {}
    for r in defs.to_dict("records"):
        k = str(r["id"])
        exp = r["expected"]
        rule = KpiRule(
            kpi=k,
            kind=r["kind"],
            direction=r["direction"],
            expected=None if pd.isna(exp) else float(exp),
            share_of=r["share_of"] if r["share_of"] in ("K", "M") else None,
            denominator_kpi=count_kpi(k) if k in has_counts else None,
            title=str(r["title"]),
        )
        rule.validate()
        out[k] = rule
    return out


def _catalogue(defs: pd.DataFrame, has_counts: set[str]) -> pd.DataFrame:
    title = defs["title"].astype(str)
    said = (label_columns(title)["label_women"] == GROUP_LABELS["sv"]["children"][0]).to_numpy()
    child = defs["about_children"].eq(True).to_numpy(dtype=bool)
    title = title.where(~(child & ~said), title + " (flickor/pojkar)")
    given = defs["about_children"].notna().to_numpy(dtype=bool)
    about = np.where(given, child, said)
    own = pd.DataFrame(
        {
            "id": defs["id"],
            "title": title,
            "description": defs["description"],
            "unit": defs["unit"],
            "organisation": defs["organisation"],
            "about_children": about,
        }
    )
    sub = own.loc[own["id"].isin(has_counts)]
    aux = sub.assign(
        id=sub["id"] + COUNT_SUFFIX,
        title=sub["title"] + " – antal (underlag för test)",
        description="Antal som andelen räknas på, per kön (egen mätning)",
        unit="antal",
    )
    cat = pd.concat([own, aux], ignore_index=True)
    cat["is_divided_by_gender"] = True
    cat["municipality_type"] = np.where(cat["organisation"].str.startswith("00"), "L", "K")
    for c in ("auspice", "perspective", "prel_publication_date", "publication_date"):
        cat[c] = ""
    cat["publ_period"] = ""
    cat["operating_area"] = OPERATING_AREA
    cat["has_ou_data"] = False
    cat["source"] = SOURCE
    cols = [*KPI_META_COLUMNS, "unit", "source", "about_children", "organisation"]
    cat = cat[cols]
    for c in cols:
        if c not in ("is_divided_by_gender", "has_ou_data", "about_children"):
            cat[c] = cat[c].astype("string")
    return cat.reset_index(drop=True)


# --- reading files --------------------------------------------------------------------


def read_measurements(path: str | os.PathLike[str]) -> Measurements:
    """Read and validate own measurements from an xlsx workbook or a CSV file.

    See the module docstring for the layout.

    Raises:
        ConfigError: the file is missing or unreadable, or a cell is wrong (the
            message names the file, sheet, row and column).
    """
    p = Path(path)
    if not p.exists():
        raise ConfigError(
            "file not found; create a template with: koladagap measurements template --out "
            "egna_matningar.xlsx",
            path=str(p),
        )
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        defs, vals = _read_xlsx(p)
    elif suffix in (".csv", ".txt"):
        defs, vals = _read_csv(p)
    else:
        raise ConfigError("unsupported file type; use .xlsx or .csv", path=str(p))
    return _build(defs, vals, (str(p),))


def read_many(paths: Iterable[str | os.PathLike[str]]) -> Measurements:
    """Read several measurement files into one :class:`Measurements`.

    Raises:
        ConfigError: as :func:`read_measurements`, or an id defined in two files.
    """
    items = [read_measurements(p) for p in paths]
    return combine(items)


def combine(items: Sequence[Measurements]) -> Measurements:
    """Several :class:`Measurements` as one (ids must be unique across them)."""
    if not items:
        return empty()
    seen: dict[str, str] = {}
    for m in items:
        where = m.paths[0] if m.paths else "(in memory)"
        for k in m.kpis["id"].astype(str):
            if k in seen:
                raise ConfigError(f"id {k} is also defined in {seen[k]}", path=where, key=k)
            seen[k] = where
    values = normalise_data_frame(pd.concat([m.values for m in items], ignore_index=True))
    kpis = pd.concat([m.kpis for m in items], ignore_index=True)
    rules = {k: r for m in items for k, r in m.rules.items()}
    paths = tuple(p for m in items for p in m.paths)
    return Measurements(values=values, kpis=kpis, rules=rules, paths=paths)


def empty() -> Measurements:
    """No own measurements (what a plan without ``[measurements]`` has)."""
    from koladagap.kolada.schema import empty_data_frame

    cols = [*KPI_META_COLUMNS, "unit", "source", "about_children", "organisation"]
    kpis = pd.DataFrame({c: pd.Series(dtype="string") for c in cols})
    for c in ("is_divided_by_gender", "has_ou_data", "about_children"):
        kpis[c] = kpis[c].astype(bool)
    return Measurements(values=empty_data_frame(), kpis=kpis, rules={})


def from_frames(
    definitions: pd.DataFrame, values: pd.DataFrame, *, path: str | None = None
) -> Measurements:
    """Measurements from two in-memory frames whose columns are the headers.

    Row numbers in errors count the header as row 1 and the frames' rows from 2.
    """

    def raw(df: pd.DataFrame) -> pd.DataFrame:
        head = pd.DataFrame([list(map(str, df.columns))])
        body = pd.DataFrame(df.astype(object).to_numpy())
        return pd.concat([head, body], ignore_index=True)

    d = _sheet(
        raw(definitions),
        np.arange(1, len(definitions) + 2),
        label="sheet Nyckeltal",
        aliases=_DEF_ALIASES,
        path=path,
    )
    v = _sheet(
        raw(values),
        np.arange(1, len(values) + 2),
        label="sheet Värden",
        aliases=_VAL_ALIASES,
        path=path,
    )
    return _build(d, v, (path,) if path else ())


def _find(names: Sequence[str], which: str) -> str | None:
    wanted = _SHEETS[which]
    for n in names:
        if n.strip().casefold() in wanted:
            return n
    return None


def _read_xlsx(p: Path) -> tuple[_Sheet, _Sheet]:
    if importlib.util.find_spec("openpyxl") is None:  # pragma: no cover - test extras have it
        raise InputError(
            "reading .xlsx needs openpyxl: pip install openpyxl (or save the file as .csv)"
        )
    try:
        book = pd.read_excel(p, sheet_name=None, header=None, dtype=str)
    except Exception as err:  # openpyxl raises many kinds for a broken file
        raise ConfigError(f"cannot read the workbook ({err})", path=str(p)) from None
    out: list[_Sheet] = []
    for which, aliases, sv in (
        ("definitions", _DEF_ALIASES, "Nyckeltal"),
        ("values", _VAL_ALIASES, "Värden"),
    ):
        name = _find(list(book), which)
        if name is None:
            raise ConfigError(
                f"no sheet {sv} ({' / '.join(_SHEETS[which][1:3])}); the workbook has "
                f"{', '.join(book) or 'no sheets'}",
                path=str(p),
            )
        raw = book[name]
        out.append(
            _sheet(
                raw,
                np.arange(1, len(raw) + 1),
                label=f"sheet {name}",
                aliases=aliases,
                path=str(p),
            )
        )
    return out[0], out[1]


_MARKER = re.compile(r"^[ \t\"']*\[([^\]\n]+)\][ \t\"';,]*$", re.MULTILINE)
_COMMENT = re.compile(r"^[ \t\"]*#[^\n]*$", re.MULTILINE)


def _read_text(p: Path) -> str:
    data = p.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_csv(p: Path) -> tuple[_Sheet, _Sheet]:
    text = _read_text(p).replace("\r\n", "\n").replace("\r", "\n")
    text = _COMMENT.sub("", text)
    markers = list(_MARKER.finditer(text))
    parts: dict[str, tuple[str, int, str]] = {}
    for j, mk in enumerate(markers):
        name = mk.group(1).strip()
        which = next((w for w, names in _SHEETS.items() if name.casefold() in names), None)
        line = text.count("\n", 0, mk.start()) + 1
        if which is None:
            raise ConfigError(
                f"unknown part [{name}]; accepted: [Nyckeltal] and [Värden]",
                path=str(p),
                key=f"row {line}",
            )
        if which in parts:
            raise ConfigError(f"the part [{name}] twice", path=str(p), key=f"row {line}")
        end = markers[j + 1].start() if j + 1 < len(markers) else len(text)
        parts[which] = (text[mk.end() + 1 : end], line + 1, name)
    out: list[_Sheet] = []
    for which, aliases, sv in (
        ("definitions", _DEF_ALIASES, "Nyckeltal"),
        ("values", _VAL_ALIASES, "Värden"),
    ):
        if which not in parts:
            raise ConfigError(
                f"no part [{sv}]: the CSV needs a line [Nyckeltal] before the KPI definitions "
                "and a line [Värden] before the values",
                path=str(p),
            )
        body, first_line, name = parts[which]
        raw = _csv_block(body, p)
        out.append(
            _sheet(
                raw,
                np.arange(first_line, first_line + len(raw)),
                label=f"part [{name}]",
                aliases=aliases,
                path=str(p),
            )
        )
    return out[0], out[1]


def _csv_block(body: str, p: Path) -> pd.DataFrame:
    head = next((ln for ln in body.split("\n") if ln.strip()), "")
    sep = max((";", "\t", ","), key=head.count) if head else ","
    if not head.count(sep):
        sep = ","
    if not body.strip():
        return pd.DataFrame()
    width = max(ln.count(sep) for ln in body.split("\n")) + 1
    try:
        return pd.read_csv(
            io.StringIO(body),
            sep=sep,
            header=None,
            names=list(range(width)),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="python",
        )
    except (pd.errors.ParserError, ValueError) as err:
        raise ConfigError(f"not a readable CSV part ({err})", path=str(p)) from None


# --- template ------------------------------------------------------------------------------------

_TEMPLATE_DEFS = {
    "sv": [
        "Id",
        "Benämning",
        "Enhet",
        "Typ",
        "Riktning",
        "Barn/elever",
        "Organisation",
        "Andel av",
        "Förväntad skillnad",
        "Beskrivning",
    ],
    "en": [
        "id",
        "title",
        "unit",
        "kind",
        "direction",
        "children",
        "organisation",
        "share_of",
        "expected",
        "description",
    ],
}
_TEMPLATE_VALS = {
    "sv": ["Id", "År", "Kön", "Värde", "Antal"],
    "en": ["id", "year", "gender", "value", "count"],
}
_EXAMPLE_DEF = [
    "EGEN-CHEFSUTB",
    "Exempel: medarbetare som gått ledarskapsutbildning, andel (%)",
    "%",
    "andel",
    "need",
    "nej",
    "0180",
    "",
    "",
    "Exempelrad – ersätt med era egna nyckeltal",
]
_EXAMPLE_VALS: list[list[Any]] = [
    ["EGEN-CHEFSUTB", 2021, "K", 6.2, 1450],
    ["EGEN-CHEFSUTB", 2021, "M", 9.8, 610],
    ["EGEN-CHEFSUTB", 2021, "T", 7.3, 2060],
    ["EGEN-CHEFSUTB", 2022, "K", 7.0, 1480],
    ["EGEN-CHEFSUTB", 2022, "M", 10.1, 600],
    ["EGEN-CHEFSUTB", 2022, "T", 7.9, 2080],
]
_INSTRUCTIONS_SV = [
    ("Egna mätningar för koladagap", ""),
    ("", "Fyll i bladen Nyckeltal och Värden; rubrikerna står på rad 1. Ta bort exempelraderna."),
    ("", "Kontrollera filen med: koladagap measurements check FIL"),
    ("Nyckeltal", ""),
    ("Id", "Eget id: 2–10 bokstäver, bindestreck, namn (EGEN-SJUK). Inte Koladas id (N00906)."),
    ("Benämning", "Titeln som visas i rapporter och diagram."),
    ("Enhet", "%, kr, dagar, …"),
    (
        "Typ",
        "andel (share), belopp (amount), andel av ett kön (share_of_one_sex), "
        "skillnad (gap_value).",
    ),
    (
        "Riktning",
        "högre är bättre, lägre är bättre, behov (need: ingen värdering), "
        "jämn fördelning (parity_target).",
    ),
    ("Barn/elever", "ja: kvinnor/män visas som flickor/pojkar. Tomt: gissas från benämningen."),
    ("Organisation", "Kommunens eller regionens id med fyra siffror (0180). Värdena gäller den."),
    ("Andel av", "Bara för typen andel av ett kön: K eller M, vems andel värdet är."),
    ("Förväntad skillnad", "Valfritt: skillnaden (kvinnor − män) som anses normal; tomt = 0."),
    ("Beskrivning", "Valfritt."),
    ("Värden", ""),
    ("Id", "Samma id som på bladet Nyckeltal."),
    ("År", "Året värdet gäller (1950 till i år)."),
    ("Kön", "K, M eller T (kvinnor, män, totalt; flickor, pojkar går också)."),
    ("Värde", "Talet; decimalkomma går bra. Andelar i procent 0–100. Tomt = saknas."),
    (
        "Antal",
        "Valfritt: hur många kvinnor (män) andelen räknas på. Med antal för båda könen "
        "prövas skillnaden statistiskt (Newcombe).",
    ),
    (
        "Brett format",
        "I stället för Kön/Värde/Antal går kolumnerna Kvinnor, Män, Totalt, "
        "Antal kvinnor, Antal män.",
    ),
    ("Källa", "Egna mätningar redovisas med 'Källa: egen mätning', aldrig som Kolada."),
]
_INSTRUCTIONS_EN = [
    ("Own measurements for koladagap", ""),
    ("", "Fill in the sheets KPIs and Values; headers are in row 1. Delete the example rows."),
    ("", "Check the file with: koladagap measurements check FILE"),
    ("KPIs", ""),
    ("id", "Own id: 2–10 letters, a hyphen, a name (EGEN-SJUK). Not a Kolada id (N00906)."),
    ("title", "The title shown in reports and charts."),
    ("unit", "%, kr, days, …"),
    ("kind", "share, amount, share_of_one_sex, gap_value."),
    ("direction", "higher_is_better, lower_is_better, need (no value judgement), parity_target."),
    ("children", "yes: women/men are shown as girls/boys. Blank: guessed from the title."),
    ("organisation", "The 4-digit kommun or region id (0180). The values belong to it."),
    ("share_of", "Only for share_of_one_sex: K or M, whose share the value is."),
    ("expected", "Optional: the gap (women − men) regarded as normal; blank = 0."),
    ("description", "Optional."),
    ("Values", ""),
    ("id", "The same id as in the KPIs sheet."),
    ("year", "The year the value is for (1950 to this year)."),
    ("gender", "K, M or T (women, men, total)."),
    ("value", "The number. Shares in percent 0–100. Blank = missing."),
    (
        "count",
        "Optional: how many women (men) the share is computed over. With counts for "
        "both sexes the gap is tested (Newcombe).",
    ),
    ("wide layout", "Instead of gender/value/count: columns women, men, total, n_women, n_men."),
    ("Source", "Own measurements are attributed 'Källa: egen mätning', never to Kolada."),
]


def measurements_template(path: str | os.PathLike[str], *, lang: str = "sv") -> Path:
    """Write an import template with an example KPI, example values and instructions.

    ``.xlsx``: sheets ``Nyckeltal``, ``Värden`` and ``Instruktioner`` (``KPIs``,
    ``Values``, ``Instructions`` with ``lang="en"``); ``.csv``: one file with a
    ``[Nyckeltal]`` and a ``[Värden]`` part, ``;``-separated with decimal commas
    (what Swedish Excel reads), instructions as ``#`` comment lines. The
    template reads back with :func:`read_measurements`.

    Raises:
        ConfigError: an unsupported suffix.
        InputError: ``.xlsx`` without xlsxwriter installed.
    """
    p = Path(path)
    lang = "en" if lang == "en" else "sv"
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        _template_xlsx(p, lang)
    elif suffix == ".csv":
        _template_csv(p, lang)
    else:
        raise ConfigError("unsupported template type; use .xlsx or .csv", path=str(p))
    return p


def _sheet_names(lang: str) -> tuple[str, str, str]:
    if lang == "en":
        return "KPIs", "Values", "Instructions"
    return "Nyckeltal", "Värden", "Instruktioner"


def _template_xlsx(p: Path, lang: str) -> None:
    try:
        import xlsxwriter
    except ImportError:  # pragma: no cover - the excel extra
        raise InputError(
            "writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]' (or use .csv)"
        ) from None
    defs_name, vals_name, help_name = _sheet_names(lang)
    wb = xlsxwriter.Workbook(str(p))
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    text = wb.add_format({"num_format": "@"})
    ws = wb.add_worksheet(defs_name)
    ws.write_row(0, 0, _TEMPLATE_DEFS[lang], bold)
    for c, v in enumerate(_EXAMPLE_DEF):
        ws.write_string(1, c, v, text)
    ws.set_column(0, 0, 18, text)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 5, 14)
    ws.set_column(6, 6, 14, text)
    ws.set_column(7, 9, 18)
    ws.freeze_panes(1, 0)
    wv = wb.add_worksheet(vals_name)
    wv.write_row(0, 0, _TEMPLATE_VALS[lang], bold)
    for r, row in enumerate(_EXAMPLE_VALS, start=1):
        wv.write_row(r, 0, row)
    wv.set_column(0, 0, 18, text)
    wv.set_column(1, 4, 10)
    wv.freeze_panes(1, 0)
    wh = wb.add_worksheet(help_name)
    for r, (a, b) in enumerate(_INSTRUCTIONS_EN if lang == "en" else _INSTRUCTIONS_SV):
        wh.write_string(r, 0, a, bold if a and not b else None)
        wh.write_string(r, 1, b)
    wh.set_column(0, 0, 22)
    wh.set_column(1, 1, 110)
    wb.close()


def _template_csv(p: Path, lang: str) -> None:
    defs_name, vals_name, _ = _sheet_names(lang)
    lines = [
        f"# {a}: {b}" if a and b else f"# {a or b}"
        for a, b in (_INSTRUCTIONS_EN if lang == "en" else _INSTRUCTIONS_SV)
    ]
    lines += [f"[{defs_name}]", ";".join(_TEMPLATE_DEFS[lang]), ";".join(_EXAMPLE_DEF)]
    lines += ["", f"[{vals_name}]", ";".join(_TEMPLATE_VALS[lang])]
    lines += [";".join(str(x).replace(".", ",") for x in row) for row in _EXAMPLE_VALS]
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --- integration ----------------------------------------------------------------------


def merge_into(
    values: pd.DataFrame,
    kpi_meta: pd.DataFrame,
    m: Measurements,
    *,
    organisation: str | None = None,
    years: tuple[int, int] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Append own values and catalogue rows to Kolada's (replacing earlier own rows).

    Args:
        values: the tidy values of every municipality (Kolada).
        kpi_meta: the KPI catalogue (Kolada's ``id, title, …``).
        m: the own measurements.
        organisation: when given, every own KPI must belong to it (the plan's
            organisation): the figures are that organisation's only.
        years: ``(first, last)``: keep only own values of these years (the
            window fetched from Kolada); ``None``: all.

    Returns:
        ``(values, kpi_meta)``: tidy values with the own rows appended, and the
        catalogue with the own KPIs (and their counts KPIs) appended. The
        catalogue gains ``unit``, ``source`` (``"Källa: Kolada"`` for Kolada's
        rows, ``"Källa: egen mätning"`` for own ones), ``about_children`` and
        ``organisation`` columns.

    Raises:
        ConfigError: an own KPI belongs to another organisation than ``organisation``.
    """
    if organisation is not None:
        other = m.kpis.loc[m.kpis["organisation"].astype(str) != organisation]
        if len(other):
            where = m.paths[0] if m.paths else None
            raise ConfigError(
                f"{other['id'].iloc[0]} holds figures for {other['organisation'].iloc[0]}, "
                f"but the plan's organisation is {organisation}",
                path=where,
                key=str(other["id"].iloc[0]),
            )
    own = set(m.kpis["id"].astype(str))
    add = m.values
    if years is not None:
        add = add.loc[add[PERIOD].between(years[0], years[1]).to_numpy(dtype=bool)]
    kept = values.loc[~values[KPI].astype(str).isin(own).to_numpy(dtype=bool)]
    if kept.empty:
        merged = normalise_data_frame(add)
    elif add.empty:
        merged = normalise_data_frame(kept)
    else:
        merged = pd.concat([normalise_data_frame(kept), add], ignore_index=True)
    return merged, _merge_catalogue(kpi_meta, m.kpis, own)


def _merge_catalogue(kpi_meta: pd.DataFrame, own: pd.DataFrame, ids: set[str]) -> pd.DataFrame:
    base = kpi_meta.loc[~kpi_meta["id"].astype(str).isin(ids).to_numpy(dtype=bool)].copy()
    defaults: dict[str, Any] = {"source": "Källa: Kolada", "about_children": False}
    for c in own.columns:
        if c not in base.columns:
            fill = defaults.get(c, "")
            base[c] = pd.Series(fill, index=base.index, dtype=own[c].dtype)
    add = own.copy()
    for c in base.columns:
        if c not in add.columns:
            add[c] = _blank_like(base[c], len(add))
    add = add[list(base.columns)]
    for c in base.columns:
        if add[c].dtype != base[c].dtype:
            try:
                add[c] = add[c].astype(base[c].dtype)
            except (TypeError, ValueError):
                base[c] = base[c].astype(object)
                add[c] = add[c].astype(object)
    if base.empty:
        return add.reset_index(drop=True)
    return pd.concat([base, add], ignore_index=True)


def _blank_like(col: pd.Series, n: int) -> pd.Series:
    if pd.api.types.is_bool_dtype(col.dtype):
        return pd.Series([False] * n, dtype=col.dtype)
    if pd.api.types.is_string_dtype(col.dtype):
        return pd.Series([""] * n, dtype=col.dtype)
    return pd.Series([pd.NA] * n, dtype=object).astype(col.dtype)


REFERENCE_UNAVAILABLE = "reference:unavailable (own measurement: one organisation)"
"""The ``reasons`` part :func:`annotate_reasons` adds to own KPIs."""


def annotate_reasons(result: pd.DataFrame) -> pd.DataFrame:
    """Say in ``reasons`` that the reference is unavailable for own measurements.

    :func:`koladagap.engine.evaluate` says ``reference:none`` when it has no z
    (an own KPI has values for one organisation only, so no z against other
    municipalities exists); for own KPIs that part is replaced by the reason.
    For rows of own KPIs that are material and have no ``z_ref``, this appends
    :data:`REFERENCE_UNAVAILABLE` so a reader sees why the level stops at ``info``, and blanks their
    ``percentile_ref`` (the engine ranks the organisation among itself alone,
    which gives a meaningless 100). Other rows are unchanged.
    """
    if result.empty or "reasons" not in result.columns:
        return result
    out = result.copy()
    own = out["kpi"].astype("string").str.match(OWN_ID_PATTERN).fillna(False)
    own_rows = own.to_numpy(dtype=bool)
    z = pd.to_numeric(out["z_ref"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    no_ref = own_rows & np.isnan(z)
    if "percentile_ref" in out.columns:
        out["percentile_ref"] = out["percentile_ref"].where(~no_ref, np.nan)
    material = out["material"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    mask = no_ref & material
    if not mask.any():
        return out
    reasons = out["reasons"].astype("string").fillna("")
    # the engine's generic "no reference" gives way to the reason for it
    reasons = reasons.str.replace("; reference:none", "", regex=False).str.replace(
        "reference:none", "", regex=False
    )
    sep = np.where(reasons.to_numpy(dtype=object) == "", "", "; ")
    added = reasons + pd.Series(sep, index=out.index, dtype="string") + REFERENCE_UNAVAILABLE
    out["reasons"] = reasons.where(~mask, added).astype(result["reasons"].dtype)
    return out


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
