"""The analyst-facing verbs and the :class:`Kolada` client object.

Every verb returns a pandas DataFrame. Where the data come from is one
argument, ``source``:

- ``"api"`` (default): the Kolada v3 API through the local Parquet cache —
  what is cached is read from disk, what is missing is fetched and cached;
- ``"offline"``: the cache only (the CLI's ``--offline``); what is missing is
  named in an :class:`~koladagap.errors.OfflineMissingError` (``"cache"``, the
  old word, still works for one release and warns);
- ``"sample"``: the real-data sample shipped with koladagap (no network);
- a :class:`Kolada` instance, for full control (base URL, session,
  concurrency, rate cap, cache directory).

Examples:
    >>> import koladagap
    >>> v = koladagap.values("N00906", "0180", 2022, source="sample")
    >>> v[["kpi", "municipality_id", "period", "gender", "value"]]
          kpi municipality_id  period gender     value
    0  N00906            0180    2022      K  383100.0
    1  N00906            0180    2022      M  429900.0
    2  N00906            0180    2022      T  405500.0
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

from koladagap.benchmarking.starter import REGION_PEER_FAMILIES
from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, org_kind, to_wide
from koladagap.errors import InputError, InvalidYearsError, UnknownIdError
from koladagap.kolada.sample import sample_values
from koladagap.kolada.schema import parse_ids, parse_years
from koladagap.kolada.source import (
    MODES,
    Ids,
    KoladaSource,
    Mode,
    UnknownIdWarning,
    Years,
    check_mode,
    check_not_future,
)
from koladagap.labels import ATTRIBUTION, ATTRIBUTION_PROCESSED, label_columns

REGION_PEERS_TITLE = "Övriga regioner"
"""The title of a region's peer group, the other 20 regioner (English: "Other regions")."""

Source = Literal["api", "offline", "sample", "cache"]
"""Where data come from: ``"api"``, ``"offline"``, ``"sample"`` (``"cache"``: deprecated)."""


class Kolada(KoladaSource):
    """Access to Kolada with a cache: the object behind the module-level verbs.

    A :class:`~koladagap.kolada.source.KoladaSource` (the catalogue and the values
    from Kolada, the cache or the sample) that also answers gaps.

    Args:
        base_url: API root; default env ``KOLADA_API_URL`` or ``https://api.kolada.se/v3``.
        cache_dir: cache folder; default env ``KOLADAGAP_CACHE_DIR`` or the user cache dir.
        mode: ``"api"`` (cache, then fetch what is missing), ``"offline"`` (the
            cache only, as the CLI's ``--offline``; ``"cache"`` is a deprecated
            alias) or ``"sample"`` (the shipped sample).
        settings: HTTP settings (timeouts, retries, concurrency, rate cap).
        session: a ``requests.Session`` to use (for proxies, tests).
        progress: ``callable(done, total)`` called as request chunks complete.

    Examples:
        >>> kg = Kolada(mode="sample")
        >>> kg.kpis("förvärvsinkomst 20-64", gender_split=True)["id"].tolist()[:1]
        ['N00906']
    """

    def peers(self, municipality: str, family: str = "övergripande") -> pd.DataFrame:
        """The peers of a kommun or a region (itself not included).

        A kommun: its 7 "Liknande kommuner" of ``family``. A region: the other 20
        regioner for ``"övergripande"`` (Kolada has no "Liknande regioner,
        övergripande"; the group is titled :data:`REGION_PEERS_TITLE`), else its
        "Liknande regioner" of ``family`` (e.g. ``"socioekonomi"``). Columns:
        ``group_id, group_title, id, title, type``.

        Raises:
            InputError: Riket (0000), which is the reference rather than a peer,
                more than one id, or a family regions have no group of.
            UnknownIdError: an id Kolada does not know.

        Examples:
            >>> kg = Kolada(mode="sample")
            >>> p = kg.peers("0001")
            >>> len(p), p["group_title"].iloc[0], "0001" in set(p["id"])
            (20, 'Övriga regioner', False)
        """
        ids = parse_ids(municipality, "municipality")
        if len(ids) != 1:
            raise InputError("give exactly one municipality id for peers, e.g. 0180")
        kind = org_kind(pd.Series(ids)).iloc[0]
        if kind == "riket":
            raise InputError(
                "Riket (0000) has no peers: it is the reference; give a kommun id "
                "(e.g. 0180) or a region id (0001–0025)"
            )
        if kind == "region" and family.lower() == "övergripande":
            return self._other_regions(ids[0])
        if kind == "region" and family.lower() not in REGION_PEER_FAMILIES:
            raise InputError(
                f"no peer family {family!r} for a region; accepted: "
                f"{', '.join(REGION_PEER_FAMILIES)}"
            )
        return super().peers(ids[0], family)

    def _other_regions(self, region: str) -> pd.DataFrame:
        """Every region but ``region``, as a peer group titled :data:`REGION_PEERS_TITLE`."""
        self._title_of(region)  # an unknown region id is an UnknownIdError
        munis = self._metadata("municipalities")
        regions = org_kind(munis["id"]).eq("region").to_numpy(dtype=bool)
        out = munis.loc[regions & munis["id"].ne(region).to_numpy(dtype=bool)].copy()
        out.insert(0, "group_id", "")
        out.insert(1, "group_title", REGION_PEERS_TITLE)
        return out.sort_values("id").reset_index(drop=True)

    def units(
        self,
        q: str | Iterable[str] | None = None,
        *,
        municipality: str | None = None,
        kind: str | None = None,
    ) -> pd.DataFrame:
        """Organisational units by words in their name, or by id (see :func:`units`)."""
        from koladagap.benchmarking.unit_catalogue import search_units

        return search_units(self, q, municipality=municipality, kind=kind)

    def unit_types(self, municipality: str | None = None) -> pd.DataFrame:
        """The unit types of Kolada's real units (see :func:`unit_types`)."""
        from koladagap.benchmarking.unit_catalogue import all_units, list_units, unit_types

        found = list_units(self, municipality) if municipality else all_units(self)
        return unit_types(found)

    def gaps(
        self, kpi: Ids, municipality: Ids = None, years: Years = None, **kw: Any
    ) -> pd.DataFrame:
        """Gap table: one row per KPI × municipality × period (see :func:`gaps`)."""
        v = self.values(kpi, municipality, years, **kw)
        return gap_table(v, self._metadata("kpis"), self._metadata("municipalities"))


def gap_table(
    values: pd.DataFrame, kpi_meta: pd.DataFrame, municipality_meta: pd.DataFrame
) -> pd.DataFrame:
    """Tidy values → one row per KPI × municipality × period with the gap measures.

    Columns: ``kpi, kpi_title, municipality_id, municipality, period, women, men,
    total, gap, relative_gap, ratio, parity, status, label_women, label_men``.
    ``gap`` = women − men; a null K or M gives ``status = "not_computable"`` and NaN.
    A KPI that is one sex's share (N00945) has no split: its ``gap`` is the share's
    distance from 50/50 (``status = "distance_from_parity"``), and a KPI that is itself
    a gap (a pay gap) gives its value (``status = "gap_value"``).
    """
    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine.measures import compute_gaps  # the engine only when gaps are asked

    g = compute_gaps(to_wide(values), kpi_table())
    titles = kpi_meta.set_index("id")["title"]
    names = municipality_meta.set_index("id")["title"]
    g.insert(1, "kpi_title", g[KPI].map(titles).astype("string"))
    g.insert(3, "municipality", g[MUNICIPALITY_ID].map(names).astype("string"))
    labels = label_columns(g["kpi_title"].fillna(""))
    g["label_women"] = labels["label_women"].to_numpy()
    g["label_men"] = labels["label_men"].to_numpy()
    return g


def _resolve(source: Source | Kolada) -> Kolada:
    """The :class:`Kolada` behind a ``source`` argument (``"cache"`` warns: say ``"offline"``)."""
    if isinstance(source, Kolada):
        return source
    if isinstance(source, str) and source in (*MODES, "cache"):
        return Kolada(mode=check_mode(source, "source", stacklevel=4))
    raise InputError(
        f"invalid source {source!r}: expected 'api', 'offline', 'sample' or a koladagap.Kolada"
    )


# --- module-level verbs ---------------------------------------------------------


def kpis(
    q: str | Iterable[str] | None = None,
    *,
    gender_split: bool | None = None,
    area: str | None = None,
    perspective: str | None = None,
    municipality_type: str | None = None,
    has_ou_data: bool | None = None,
    since: str | dt.date | None = None,
    source: Source | Kolada = "api",
) -> pd.DataFrame:
    """Search Kolada's KPI catalogue: words, ids and filters.

    Every word of ``q`` must occur (case-insensitive) in the KPI's id, title or
    description; KPIs found through their title come first, then those found
    through their description (column ``match``). A query of KPI ids
    (``"N00906 N15428"``) returns those KPIs in that order. Filters:
    ``gender_split=True`` (divided by gender: K/M values), ``area`` (an
    operating area or part of its name: see :func:`areas`), ``perspective``
    (e.g. ``"Kvalitet och resultat"``), ``municipality_type`` (``"K"``: KPIs
    for kommuner, ``"L"``: for regioner; both include Kolada's ``"A"``, for
    all), ``has_ou_data=True`` (Kolada has values per unit: :func:`units`) and
    ``since`` (published on or after a date, ``"2024-01-01"``). Online the
    catalogue is fetched once and cached; offline it is searched in the cache.

    Examples:
        >>> import koladagap
        >>> hits = koladagap.kpis("behöriga yrkesprogram hemkommun", gender_split=True,
        ...                       source="sample")
        >>> hits.loc[0, "id"], hits.loc[0, "title"][:40]
        ('N15428', 'Elever i åk 9 som är behöriga till yrkes')
        >>> koladagap.kpis("N00906 N15428", source="sample")["id"].tolist()
        ['N00906', 'N15428']
    """
    return _resolve(source).kpis(
        q,
        gender_split=gender_split,
        area=area,
        perspective=perspective,
        municipality_type=municipality_type,
        has_ou_data=has_ou_data,
        since=since,
    )


def areas(*, source: Source | Kolada = "api") -> pd.DataFrame:
    """Kolada's operating areas with their KPIs: ``area, n_kpis, n_gender_split``.

    A KPI Kolada files under several areas counts in each; the largest first.

    Examples:
        >>> a = areas(source="sample")
        >>> a.loc[a["area"] == "Gymnasieskola åk 1-3", "n_kpis"].item()
        301
    """
    return _resolve(source).areas()


def units(
    q: str | Iterable[str] | None = None,
    *,
    municipality: str | None = None,
    kind: str | None = None,
    source: Source | Kolada = "api",
) -> pd.DataFrame:
    """Kolada's organisational units (schools, care units …) by name, or by id.

    Every word of ``q`` must occur in the unit's name (case-insensitive); a
    query of unit ids (``"V15E018000201"``) looks them up. ``municipality``
    keeps one municipality's units (one small request, then cached; without it
    Kolada's whole unit list, about 35 000 units, is fetched once and cached),
    ``kind`` one unit type (``"V15"``; see :func:`unit_types`). Columns: ``id,
    title, municipality, municipality_title, type, type_label``. The shipped
    sample holds no units: ``source="sample"`` is an
    :class:`~koladagap.errors.InputError`.
    """
    return _resolve(source).units(q, municipality=municipality, kind=kind)


def unit_types(municipality: str | None = None, *, source: Source | Kolada = "api") -> pd.DataFrame:
    """The unit types of Kolada's real units: ``type, label, n_units, example``.

    Kolada has no list of types: they are the prefixes of its units' ids
    (``V15`` …), counted over every unit (or one municipality's); ``label``
    names the known ones and ``example`` is the most common unit name of each.
    """
    return _resolve(source).unit_types(municipality)


def municipalities(
    q: str | None = None, *, kind: str | None = None, source: Source | Kolada = "api"
) -> pd.DataFrame:
    """Municipalities (``kind="K"``), regions and Riket (``kind="L"``) with ids as strings.

    Examples:
        >>> import koladagap
        >>> koladagap.municipalities("Stockholm", source="sample")["id"].tolist()
        ['0001', '0180']
    """
    return _resolve(source).municipalities(q, kind=kind)


def groups(
    q: str | None = None,
    *,
    of: Literal["municipality", "kpi"] = "municipality",
    source: Source | Kolada = "api",
) -> pd.DataFrame:
    """Municipality groups (``of="kpi"``: KPI groups) whose title contains ``q``.

    Examples:
        >>> import koladagap
        >>> koladagap.groups("Jämställdhet", of="kpi", source="sample")
                    id         title  n_members
        0  G2KPI148333  Jämställdhet         28
        1  G2KPI148336  Jämställdhet         18
    """
    return _resolve(source).groups(q, of=of)


def peers(
    municipality: str, family: str = "övergripande", *, source: Source | Kolada = "api"
) -> pd.DataFrame:
    """The peers of a kommun or region (itself not included).

    A kommun's are its 7 "Liknande kommuner" in ``family``; a region's, for
    ``"övergripande"``, the other 20 regioner ("Övriga regioner": Kolada has no
    "Liknande regioner, övergripande"), else its "Liknande regioner" in ``family``.
    Riket (0000) has none: an :class:`~koladagap.errors.InputError`.

    Examples:
        >>> import koladagap
        >>> koladagap.peers("0180", source="sample")["title"].tolist()[:3]
        ['Uppsala', 'Linköping', 'Norrköping']
        >>> koladagap.peers("0001", source="sample")["title"].tolist()[:2]
        ['Region Uppsala', 'Region Sörmland']
    """
    return _resolve(source).peers(municipality, family)


def values(
    kpi: Ids,
    municipality: Ids = None,
    years: Years = None,
    *,
    source: Source | Kolada = "api",
    refresh: bool = False,
    join: bool = False,
) -> pd.DataFrame:
    """Kolada values as a tidy long frame.

    One row per KPI × municipality × period × gender (``T``, ``K`` women/girls,
    ``M`` men/boys). ``municipality=None`` asks for every kommun, region and
    Riket. A null value stays NaN. Unknown ids are left out with an
    :class:`UnknownIdWarning` naming them (all unknown: :class:`~koladagap.errors.UnknownIdError`).
    ``join=True`` adds the KPI's title, unit and operating area and the
    municipality's name, type and county (``kpi_title, kpi_unit, operating_area,
    municipality, municipality_type, county_id, county``; see
    :func:`koladagap.kolada.explore.join_metadata`).

    Examples:
        >>> import koladagap
        >>> v = koladagap.values("N15428", ["0180", "1280"], "2021-2022", source="sample")
        >>> len(v), sorted(v["gender"].unique())
        (12, ['K', 'M', 'T'])
        >>> koladagap.values("N15428", "1280", 2022, source="sample", join=True).loc[
        ...     0, ["kpi_unit", "municipality", "county"]].tolist()
        ['andel (%)', 'Malmö', 'Region Skåne']
    """
    kg = _resolve(source)
    v = kg.values(kpi, municipality, years, refresh=refresh)
    if not join:
        return v
    from koladagap.kolada.explore import joined

    return joined(v, kg)


def gaps(
    kpi: Ids,
    municipality: Ids = None,
    years: Years = None,
    *,
    source: Source | Kolada = "api",
) -> pd.DataFrame:
    """The gap table: women, men, total, gap (= women − men), relative gap, ratio, parity.

    A null K or M gives ``status == "not_computable"`` and NaN measures, never a zero gap.

    Examples:
        >>> import koladagap
        >>> g = koladagap.gaps("N00906", "0180", 2022, source="sample")
        >>> g[["municipality", "women", "men", "gap", "status"]]
          municipality     women       men      gap    status
        0    Stockholm  383100.0  429900.0 -46800.0  computed
    """
    return _resolve(source).gaps(kpi, municipality, years)


def screen(
    kpi: Ids,
    years: Years,
    *,
    municipality_type: Literal["kommun", "region"] = "kommun",
    plan: str | Any | None = None,
    source: Source | Kolada = "api",
) -> pd.DataFrame:
    """The national screen: every kommun (or region) judged at the last of ``years``.

    One row per KPI × municipality of the type (Riket left out) with the gap, the
    pooled evidence, the funnel z, the level (``act``, ``watch``, ``info``,
    ``none``, ``not_computable``, ``too_small``, ``excluded``) and the reasons;
    the years before the last are its history. What the rules need is fetched
    too: denominators, margins of error and the population (N01951).

    Args:
        kpi: KPI ids.
        years: e.g. ``"2015-2022"``; the last year is judged.
        municipality_type: ``"kommun"`` or ``"region"``.
        plan: a plan file (path) or a :class:`~koladagap.benchmarking.plan.Plan` for its
            ``[kpis.ID]`` rules and ``[thresholds]``.
        source: as for :func:`values`.

    Examples:
        >>> import koladagap
        >>> s = koladagap.screen("N15428", "2016-2022", source="sample")
        >>> len(s), sorted(s["level"].unique())[:2]
        (290, ['info', 'none'])
    """
    from koladagap.benchmarking.plan import Meeting, Plan, load_screen_plan
    from koladagap.engine.levels import POPULATION_KPI
    from koladagap.engine.screen import screen as run_screen

    kg = _resolve(source)
    kpis = parse_ids(kpi, "kpi")
    if not kpis:
        raise InputError("no KPI id given: name at least one, e.g. N15428")
    yrs = parse_years(years)
    if not yrs:
        raise InputError("no years given: name a range such as 2016-2022 (the last is judged)")
    check_not_future(yrs)
    bad = kg.check_ids(kpis, [])[0]
    if bad:
        where = "the shipped sample" if kg.mode == "sample" else "Kolada"
        raise UnknownIdError("kpi", bad, f"not known to {where}")
    the_plan = plan if isinstance(plan, Plan) or plan is None else load_screen_plan(plan)
    if the_plan is None:
        the_plan = Plan(organisation="", baseline=Meeting("", 0))
    rules = the_plan.kpi_rules(kpis)
    aux = {r.denominator_kpi for r in rules.values()} | {r.moe_kpi for r in rules.values()}
    wanted = kpis + sorted({a for a in aux if a and a not in kpis} | {POPULATION_KPI})
    # the pooling window is fetched even when the years given are fewer, and the
    # year before it (is the window's first value a copy of it?)
    pool = max(
        [the_plan.thresholds.reference.pool_years]
        + [r.overrides.reference.pool_years for r in rules.values() if r.overrides is not None]
    )
    first = min(min(yrs), max(yrs) - pool + 1) - 1
    span = list(range(first, max(yrs) + 1))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownIdWarning)  # a missing helper KPI is not fatal
        values = kg.values(wanted, None, span)
    judged = values[values[PERIOD] == max(yrs)] if len(values) else values
    found = set(judged[KPI].astype(str).unique()) if len(judged) else set()
    absent = [k for k in kpis if k not in found]
    if absent:
        raise InvalidYearsError(
            f"no values for {', '.join(absent)} in {max(yrs)}, the year judged; "
            "give a range ending in a published year, e.g. 2016-2022"
        )
    kpi_meta = kg._metadata("kpis") if kg.mode == "sample" else None
    return run_screen(
        values,
        rules,
        the_plan.thresholds,
        year=max(yrs),
        municipality_type=municipality_type,
        municipality_meta=kg._metadata("municipalities"),
        kpi_meta=kpi_meta,
    )


def load_sample() -> pd.DataFrame:
    """All values of the shipped real-data sample as a tidy long frame ("Källa: Kolada").

    18 KPIs divided by gender plus N00945 (VAB days taken by men, a share of one
    sex), for all 290 kommuner, 21 regioner and Riket, every year published
    up to 2022.

    Examples:
        >>> import koladagap
        >>> s = koladagap.load_sample()
        >>> s["kpi"].nunique(), s["municipality_id"].nunique()
        (19, 312)
    """
    return sample_values()


__all__ = [
    "ATTRIBUTION",
    "ATTRIBUTION_PROCESSED",
    "REGION_PEERS_TITLE",
    "Ids",
    "Kolada",
    "Mode",
    "Source",
    "UnknownIdWarning",
    "Years",
    "areas",
    "gap_table",
    "gaps",
    "groups",
    "kpis",
    "load_sample",
    "municipalities",
    "peers",
    "screen",
    "unit_types",
    "units",
    "values",
]
