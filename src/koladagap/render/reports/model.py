"""The report's table model: the rows and columns a reader sees, with typed values.

A :class:`Report` is built once from a plan result (:func:`~.build.build_report`)
and every writer (xlsx, csv, md, html) reads it. A :class:`Table` keeps its values
typed: numbers stay numbers (the xlsx writes them as numbers, the csv as plain
decimals), thresholds stay the values of the plan (``kind="setting"``). The text of a
value is made in one place, :func:`cell_texts`, with :mod:`koladagap.render.i18n`'s
formats, so a threshold reads ``3,5`` in every part of a Swedish report.

Examples:
    >>> t = Table("x", (Column("kpi", "Nyckeltal"), Column("gap", "Skillnad", "number"),
    ...                 Column("limit", "Tröskel", "setting")),
    ...           pd.DataFrame({"kpi": ["N1"], "gap": [-3.26], "limit": [3.5]}))
    >>> t.texts("sv").iloc[0].tolist()
    ['N1', '−3,3', '3,5']
    >>> t.texts("en").iloc[0].tolist()
    ['N1', '−3.3', '3.5']
    >>> t.frame("sv").dtypes.astype(str).tolist(), t.frame("sv").iloc[0, 2]
    (['string', 'float64', 'string'], '3,5')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from koladagap.render.i18n import ATTRIBUTION_PROCESSED, Lang, format_numbers, format_setting

Kind = Literal["text", "int", "number", "setting"]


@dataclass(frozen=True)
class Column:
    """One column as a reader sees it.

    Attributes:
        key: the column's name in :attr:`Table.data` (stable across languages).
        label: the header the reader sees.
        kind: ``"text"``, ``"int"`` (years, ranks), ``"number"`` or ``"setting"``
            (a threshold or other value of the plan, formatted by
            :func:`~koladagap.render.i18n.format_setting`).
        digits: numbers: the rounding of the value kept in workbooks and csv files.
        decimals: numbers as text: decimals shown (``None``: one, none from 1000 up).
        sign: numbers as text: ``+`` before positive numbers too.
        blank: a field the organisation fills in (a notice's causes, action …).
    """

    key: str
    label: str
    kind: Kind = "text"
    digits: int = 2
    decimals: int | None = None
    sign: bool = False
    blank: bool = False


@dataclass
class Table:
    """Rows for readers: labelled columns over typed values.

    Attributes:
        name: the table's title (a sheet name, a heading).
        columns: the columns, in reading order.
        data: one column per :attr:`Column.key`: ``float`` numbers, ``Int64``
            integers, ``string`` texts, raw plan values for settings.
        levels: the level code of each row (for colours), or ``None``.
        note: a sentence shown with the table.
        lang: the language settings are written in (:meth:`values`, :meth:`frame`).
    """

    name: str
    columns: tuple[Column, ...]
    data: pd.DataFrame
    levels: pd.Series | None = None
    note: str = ""
    lang: Lang = "sv"

    def __post_init__(self) -> None:
        missing = [c.key for c in self.columns if c.key not in self.data.columns]
        if missing:
            raise ValueError(f"no data for columns {missing}")
        self.data = self.data.reset_index(drop=True)
        if self.levels is not None:
            self.levels = self.levels.astype("string").reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.data)

    @property
    def labels(self) -> list[str]:
        """The headers, in order."""
        return [c.label for c in self.columns]

    def column(self, key: str) -> Column:
        """The column named ``key``."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(key)

    def select(self, keys: Sequence[str]) -> Table:
        """The same rows with the columns ``keys`` (those present), in that order."""
        have = {c.key: c for c in self.columns}
        return replace(self, columns=tuple(have[k] for k in keys if k in have))

    def values(self, key: str) -> pd.Series:
        """A column's values as stored in workbooks and csv files.

        Numbers rounded to :attr:`Column.digits`, settings as text, the rest as is.
        """
        col = self.column(key)
        v = self.data[key]
        if col.kind == "number":
            return pd.to_numeric(v, errors="coerce").astype(float).round(col.digits)
        if col.kind == "int":
            return pd.to_numeric(v, errors="coerce").astype("Int64")
        if col.kind == "setting":
            text = v.map(lambda x: format_setting(x, self.lang) if _known(x) else "")
            return text.astype("string")
        return v.astype("string")

    def frame(self, lang: Lang | None = None) -> pd.DataFrame:
        """The table as a labelled frame: numbers rounded, settings as text."""
        t = self if lang is None else replace(self, lang=lang)
        return pd.DataFrame({c.label: t.values(c.key) for c in self.columns})

    def texts(self, lang: Lang | None = None) -> pd.DataFrame:
        """Every cell as text, the way md and html show it (``""`` where missing).

        Columns are headed by their labels; two columns with one label would silently
        become one, so that is an error.
        """
        lang = self.lang if lang is None else lang
        labels = [c.label for c in self.columns]
        if len(set(labels)) != len(labels):
            twice = sorted({x for x in labels if labels.count(x) > 1})
            raise ValueError(f"report table has two columns labelled {twice}")
        return pd.DataFrame(
            {c.label: cell_texts(self.data[c.key], c, lang) for c in self.columns}, dtype=object
        )


def _known(x: Any) -> bool:
    """Not missing (``None``, ``NA``, NaN) and not an empty string."""
    if x is None or x is pd.NA or (isinstance(x, str) and not x):
        return False
    return not (isinstance(x, float | np.floating) and math.isnan(x))


def cell_texts(values: pd.Series, column: Column, lang: Lang) -> pd.Series:
    """A column's values as the reader reads them, formatted by :mod:`koladagap.render.i18n`.

    >>> cell_texts(pd.Series([1234.5, 0.26, None]), Column("x", "x", "number"), "sv").tolist()
    ['1\\xa0234', '0,3', '']
    """
    if column.kind == "number":
        v = pd.to_numeric(values, errors="coerce").astype(float)
        if column.decimals is not None:
            out = format_numbers(v, lang, column.decimals, column.sign)
        else:  # one decimal, none from 1000 up
            one = format_numbers(v, lang, 1, column.sign)
            none = format_numbers(v, lang, 0, column.sign)
            out = none.where(v.abs().round(1) >= 1000, one)
        return out.where(v.notna(), "")
    if column.kind == "int":
        whole = pd.to_numeric(values, errors="coerce").astype("Int64")
        return whole.astype("string").fillna("").astype(object)
    if column.kind == "setting":
        return values.map(lambda x: format_setting(x, lang) if _known(x) else "").astype(object)
    return values.astype("string").fillna("").astype(object)


@dataclass
class ReportFrames:
    """The three parts of a deviation report, labelled for readers."""

    overview: pd.DataFrame
    notices: pd.DataFrame
    annex: pd.DataFrame
    levels: pd.Series
    """Level code per overview row (for colouring)."""
    header: list[str]
    """Title lines."""
    units: pd.DataFrame | None = None
    """Gaps per organisational unit, when the plan asks for units."""
    source: str = ATTRIBUTION_PROCESSED
    """The source line: Kolada (processed), own measurements, or both."""


@dataclass
class Report:
    """A deviation report, ready for any writer.

    Attributes:
        lang: the language of every text in it.
        text: the report's words in that language (:mod:`koladagap.render.i18n.report`).
        header: the title lines (title, meeting, baseline, counts, source).
        source: the source line Kolada's terms ask for.
        overview: one row per KPI; :attr:`Table.levels` colours the rows.
        notices: one row per ``watch``/``act`` KPI, act first, with blank fields.
        consequences: per notice, the header of its consequences field
            ("Konsekvenser för flickor och pojkar").
        annex: every threshold, expectation and exclusion used.
        units: gaps per organisational unit, when the plan asks for units.
        notice_labels: per notice, its own headers of some fields (column key →
            label), where the KPI says more than the table's header can: the
            groups ("Skillnad (flickor − pojkar)"), the years of a mean ("Medel
            2016–2018"). :meth:`label` reads them.
    """

    lang: Lang
    text: dict[str, Any]
    header: list[str]
    source: str
    overview: Table
    notices: Table
    consequences: list[str]
    annex: Table
    units: Table | None = None
    notice_labels: list[dict[str, str]] = field(default_factory=list)

    def label(self, key: str, i: int) -> str:
        """The header of field ``key`` in notice ``i`` (its own, else the table's)."""
        if key == "consequences" and i < len(self.consequences):
            return self.consequences[i]
        own = self.notice_labels[i] if i < len(self.notice_labels) else {}
        return own.get(key) or self.notices.column(key).label

    def tables(self) -> list[Table]:
        """The tables in reading order: overview, notices, units (if any), annex."""
        units = [self.units] if self.units is not None else []
        return [self.overview, self.notices, *units, self.annex]

    def frames(self) -> ReportFrames:
        """The report as labelled frames (the overview ends with the level codes)."""
        ov = self.overview.frame()
        assert self.overview.levels is not None
        ov[self.text["level_code"]] = self.overview.levels.to_numpy()
        return ReportFrames(
            overview=ov,
            notices=self.notices.frame(),
            annex=self.annex.frame(),
            levels=self.overview.levels,
            header=list(self.header),
            units=self.units.frame() if self.units is not None else None,
            source=self.source,
        )


__all__ = ["Column", "Kind", "Report", "ReportFrames", "Table", "cell_texts"]
