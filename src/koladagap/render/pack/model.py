"""What the baseline pack is made from: :class:`PackInput` and the frames drawn from it.

:class:`PackInput` is everything the pack needs, assembled by the caller (from a
:class:`~koladagap.benchmarking.run.PlanResult` by :func:`~koladagap.render.pack.pack_input`).
:class:`PackData` turns it once into the wide frame every chart reads (women, men,
total and the gap per KPI × municipality × year) and the lookups the slides use.
Nothing here fetches: the pack draws what it is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from koladagap.columns import GENDER, KPI, MUNICIPALITY_ID, PERIOD, VALUE, org_kind, to_wide
from koladagap.errors import InputError, InvalidYearsError
from koladagap.render import charts
from koladagap.render.i18n import check_lang
from koladagap.render.i18n.pack import text

FORMATS = ("png", "svg", "pdf", "pptx")
DEFAULT_FORMATS = ("png", "pdf", "pptx")
PNG_DPI = 150
MIN_RANKED = {"kommun": 30, "region": 10}  # the ranking chart needs this many with a gap
INDEX_LINES_PER_PAGE = 16


@dataclass(frozen=True, eq=False)
class PackInput:
    """Everything the baseline pack needs, assembled by the caller.

    Attributes:
        organisation_id: the municipality (or region) id, e.g. ``"0180"``.
        organisation_name: its name, e.g. ``"Stockholm"``.
        baseline_year: the data year shown at Benchmarking 1.
        kpis: KPI ids in the order they are presented.
        values: tidy values (``kpi, municipality_id, period, gender, value``)
            for the organisation, its peers, Riket (``0000``) and all
            kommuner (the ranking chart needs them; it is left out when
            fewer than 30 kommuner have a gap).
        kpi_meta: the KPI catalogue (``id, title``; optional ``short_title``
            for the overview's row labels).
        peers: the "Liknande kommuner" ids (the organisation not included).
        peer_group_title: the group's Kolada title, named in the notes.
        levels: optional KPI → level (``none/info/watch/act/...``) mapping, or
            a frame with ``kpi, level`` (and optionally ``municipality_id``,
            ``period``) from the deviation engine; see
            :func:`koladagap.render.charts.level_map`.
        reasons: optional KPI → plain-language reason for the level (from
            :func:`koladagap.render.explain.explain`), printed under the level on the
            KPI's slides.
        title: the pack's title; default "Utgångsläge inför Benchmarking 1".
        lang: ``"sv"`` (default) or ``"en"``.
        first_year: the first year shown in the time charts (all years if None).
        table: optional engine rows of the organisation in the meeting's year (one
            per KPI: ``kpi, level, kind, gap, material, reasons`` …, the plan
            result's ``table``): which KPIs are the main problems, and their reasons
            (:func:`koladagap.render.explain.explain`).
        one_sex: KPI → ``"K"``/``"M"`` for the KPIs that are one sex's share (N00945).
        checklist: optional :class:`~koladagap.checklist.ChecklistResult` of the
            self-assessment, shown on its own slide.
        targets: optional follow-up comparison rows (``kpi, target_year,
            target_gap, gap_trend_at_target, target_value, value_trend_at_target``
            …) for the Benchmarking 2 deck.
        meeting: the follow-up meeting's name (the Benchmarking 2 deck), else None.
        meeting_year: the follow-up meeting's data year.
    """

    organisation_id: str
    organisation_name: str
    baseline_year: int
    kpis: Sequence[str]
    values: pd.DataFrame
    kpi_meta: pd.DataFrame
    peers: Sequence[str] = ()
    peer_group_title: str = ""
    levels: Mapping[str, str] | pd.DataFrame | None = None
    reasons: Mapping[str, str] | None = None
    title: str | None = None
    lang: str = "sv"
    first_year: int | None = None
    table: pd.DataFrame | None = None
    one_sex: Mapping[str, str] | None = None
    checklist: Any = None
    targets: pd.DataFrame | None = None
    meeting: str | None = None
    meeting_year: int | None = None

    def __post_init__(self) -> None:
        try:
            check_lang(self.lang)
        except ValueError as err:
            raise InputError(str(err)) from None
        if not self.kpis:
            raise InputError("PackInput.kpis is empty: name at least one KPI id")
        object.__setattr__(self, "kpis", tuple(dict.fromkeys(str(k) for k in self.kpis)))
        object.__setattr__(self, "peers", tuple(str(p) for p in self.peers))
        object.__setattr__(self, "baseline_year", int(self.baseline_year))
        missing = {KPI, MUNICIPALITY_ID, PERIOD, GENDER, VALUE} - set(self.values.columns)
        if missing:
            raise InputError(f"PackInput.values lacks the column(s) {sorted(missing)}")
        if not {"id", "title"} <= set(self.kpi_meta.columns):
            raise InputError("PackInput.kpi_meta needs the columns 'id' and 'title'")
        if self.first_year is not None and self.first_year > self.baseline_year:
            raise InvalidYearsError(
                f"first_year {self.first_year} is after the baseline year {self.baseline_year}"
            )

    @property
    def pack_title(self) -> str:
        """The title on the first page and slide."""
        if self.title:
            return self.title
        if self.meeting:
            return text(self.lang, "title_followup", meeting=self.meeting)
        return text(self.lang, "title")

    @property
    def year(self) -> int:
        """The data year the deck presents (the follow-up's, else the baseline's)."""
        return int(self.meeting_year or self.baseline_year)


@dataclass
class Chart:
    """One chart of the pack: how to draw it and what its slide says beside it."""

    stem: str
    kpi: str | None
    kind: str  # "overview", "trend", "gap", "rank"
    draw: Callable[..., object]  # called as draw(ax=...)
    slide_lines: list[str] = field(default_factory=list)
    alt_text: str = ""


def wide_gaps(values: pd.DataFrame) -> pd.DataFrame:
    """One row per KPI × municipality × period: ``women``, ``men``, ``total`` and ``gap``.

    :func:`koladagap.columns.to_wide` with ``gap`` = women − men (NaN when either is
    missing, never zero), the same gap as :func:`koladagap.engine.measures.compute_gaps`.
    Deleted observations are dropped.

    Examples:
        >>> v = pd.DataFrame({"kpi": "A", "municipality_id": "0180", "period": 2020,
        ...                   "gender": ["K", "M", "T"], "value": [3.0, 1.0, 2.0]})
        >>> wide_gaps(v)[["women", "men", "total", "gap"]].values.tolist()
        [[3.0, 1.0, 2.0, 2.0]]
    """
    wide = to_wide(values)
    wide["gap"] = wide["women"].to_numpy() - wide["men"].to_numpy()
    return wide


def ranked_kind(ids: pd.Series) -> pd.Series:
    """What each id is ranked as: ``"region"`` (0001–0025), ``"kommun"``, or ``""``.

    Riket (``0000``) and municipality groups (``G…``) are neither
    (:func:`koladagap.columns.org_kind`).

    >>> ranked_kind(pd.Series(["0180", "0001", "0000", "G12"])).tolist()
    ['kommun', 'region', '', '']
    """
    kind = org_kind(ids)
    return kind.where(kind.isin(["kommun", "region"]).to_numpy(dtype=bool), "")


class PackData:
    """The frames and lookups every chart of one pack uses (computed once)."""

    def __init__(self, inp: PackInput) -> None:
        self.inp = inp
        vals = inp.values.loc[inp.values[KPI].isin(list(inp.kpis)).to_numpy(dtype=bool)]
        self.gaps = wide_gaps(vals)
        meta = inp.kpi_meta.dropna(subset=["id", "title"])
        self.titles: dict[str, str] = dict(
            zip(meta["id"].astype(str), meta["title"].astype(str), strict=True)
        )
        self.levels = charts.level_map(
            inp.levels, municipality_id=inp.organisation_id, year=inp.baseline_year
        )
        split = self.gaps.groupby(KPI, observed=True)[["women", "men"]].count().sum(axis=1)
        self.t_only = {str(k) for k, n in split.items() if n == 0}
        is_own = (self.gaps[MUNICIPALITY_ID] == inp.organisation_id).to_numpy(dtype=bool)
        self.own = self.gaps.loc[is_own]
        self.by_kpi: dict[str, pd.DataFrame] = {
            str(k): g for k, g in self.gaps.groupby(KPI, sort=False, observed=True)
        }
        self.one_sex = {str(k): str(v).upper() for k, v in (inp.one_sex or {}).items()}
        self._check_baseline()

    def _check_baseline(self) -> None:
        inp = self.inp
        has = self.own[["women", "men", "total"]].notna().any(axis=1).to_numpy(dtype=bool)
        years = self.own.loc[has, PERIOD]
        if years.empty:
            raise InputError(
                f"no values for {inp.organisation_id} and the KPIs {', '.join(inp.kpis)}"
            )
        if not (years == inp.baseline_year).any():
            raise InvalidYearsError(
                f"no values for {inp.organisation_id} in the baseline year "
                f"{inp.baseline_year}: the data cover {int(years.min())}–{int(years.max())}"
            )

    def kpi_gaps(self, kpi: str) -> pd.DataFrame:
        """The wide rows of one KPI (every municipality and year)."""
        return self.by_kpi.get(kpi, self.gaps.iloc[:0])

    def title(self, kpi: str) -> str:
        """The KPI's title (its id when the catalogue lacks it)."""
        return self.titles.get(kpi, kpi)

    def own_row(self, kpi: str, year: int) -> pd.Series | None:
        """The organisation's wide row of ``kpi`` in ``year``, if any."""
        hit = self.own.loc[((self.own[KPI] == kpi) & (self.own[PERIOD] == year)).to_numpy()]
        return None if hit.empty else hit.iloc[0]


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "INDEX_LINES_PER_PAGE",
    "MIN_RANKED",
    "PNG_DPI",
    "Chart",
    "PackData",
    "PackInput",
    "ranked_kind",
    "wide_gaps",
]
