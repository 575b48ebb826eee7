"""The analyst-facing verbs and the :class:`Kolada` client object.

Every verb returns a pandas DataFrame. Where the data come from is one
argument, ``source``:

- ``"api"`` (default): the Kolada v3 API through the local Parquet cache —
  what is cached is read from disk, what is missing is fetched and cached;
- ``"cache"``: the cache only (offline); what is missing is named in an
  :class:`~koladagap.errors.OfflineMissingError`;
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
import logging
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Literal

import pandas as pd

from koladagap.engine.measures import compute_gaps
from koladagap.errors import (
    CorruptCacheError,
    InputError,
    InvalidYearsError,
    OfflineMissingError,
    UnknownIdError,
)
from koladagap.kolada import metadata as meta
from koladagap.kolada.cache import Cache
from koladagap.kolada.client import KoladaClient
from koladagap.kolada.frames import drop_groups, label_columns, records_to_frame, to_wide
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import (
    sample_kpi_groups,
    sample_kpis,
    sample_municipalities,
    sample_municipality_groups,
    sample_values,
)
from koladagap.kolada.schema import KPI, MUNICIPALITY_ID, PERIOD, parse_ids, parse_years

log = logging.getLogger("koladagap")

Mode = Literal["api", "cache", "sample"]
Source = Mode
Ids = str | Iterable[str] | None
Years = str | int | Iterable[int | str] | None

ATTRIBUTION = "Källa: Kolada"
ATTRIBUTION_PROCESSED = "Källa: Kolada; egen bearbetning"


class UnknownIdWarning(UserWarning):
    """Some requested ids are unknown to Kolada (or to the sample) and were left out."""


class Kolada:
    """Access to Kolada with a cache: the object behind the module-level verbs.

    Args:
        base_url: API root; default env ``KOLADA_API_URL`` or ``https://api.kolada.se/v3``.
        cache_dir: cache folder; default env ``KOLADAGAP_CACHE_DIR`` or the user cache dir.
        mode: ``"api"`` (cache, then fetch what is missing), ``"cache"`` (offline)
            or ``"sample"`` (the shipped sample).
        settings: HTTP settings (timeouts, retries, concurrency, rate cap).
        session: a ``requests.Session`` to use (for proxies, tests).
        progress: ``callable(done, total)`` called as request chunks complete.

    Examples:
        >>> kg = Kolada(mode="sample")
        >>> kg.kpis("förvärvsinkomst 20-64", gender_split=True)["id"].tolist()[:1]
        ['N00906']
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache_dir: str | None = None,
        mode: Mode = "api",
        settings: HTTPSettings | None = None,
        session: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        if mode not in ("api", "cache", "sample"):
            raise InputError(f"invalid mode {mode!r}: expected 'api', 'cache' or 'sample'")
        self.mode: Mode = mode
        self.cache = Cache(cache_dir)
        self._client_args: dict[str, Any] = {
            "base_url": base_url,
            "settings": settings,
            "session": session,
            "progress": progress,
        }
        self._client: KoladaClient | None = None

    # -- plumbing ----------------------------------------------------------
    @property
    def client(self) -> KoladaClient:
        """The HTTP client (created on first use; never in sample mode)."""
        if self._client is None:
            self._client = KoladaClient(**self._client_args)
        return self._client

    @property
    def base_url(self) -> str:
        return str(self.client.base_url)

    @property
    def online(self) -> bool:
        return self.mode == "api"

    def __repr__(self) -> str:
        return f"Kolada(mode={self.mode!r}, cache={str(self.cache.path)!r})"

    def _metadata(self, name: str) -> pd.DataFrame:
        """A metadata table from the sample, the cache or the API (then cached)."""
        bundled: dict[str, Callable[[], pd.DataFrame]] = {
            "kpis": sample_kpis,
            "municipalities": sample_municipalities,
            "municipality_groups": sample_municipality_groups,
            "kpi_groups": sample_kpi_groups,
        }
        if self.mode == "sample":
            return bundled[name]()
        try:
            cached = self.cache.read_meta(name)
        except CorruptCacheError as err:
            if self.mode != "api":
                raise
            log.warning("%s; fetching it again", err)
            cached = None
        if cached is not None:
            return cached
        if self.mode == "cache":
            log.warning("no %s in the cache; using the catalogue bundled with koladagap", name)
            return bundled[name]()
        fetch: dict[str, Callable[[], pd.DataFrame]] = {
            "kpis": lambda: meta.kpi_frame(self.client.kpis()),
            "municipalities": lambda: meta.municipality_frame(self.client.municipalities()),
            "municipality_groups": lambda: meta.group_member_frame(
                self.client.municipality_groups()
            ),
            "kpi_groups": lambda: meta.group_member_frame(self.client.kpi_groups()),
        }
        df = fetch[name]()
        self.cache.write_meta(name, df, {"api_url": self.base_url, "endpoint": name})
        return df

    # -- metadata verbs ----------------------------------------------------
    def kpis(self, q: str | None = None, *, gender_split: bool | None = None) -> pd.DataFrame:
        """Search the KPI catalogue by words in the id or title (see :func:`kpis`)."""
        return meta.search_kpis(self._metadata("kpis"), q, gender_split=gender_split)

    def municipalities(self, q: str | None = None, *, kind: str | None = None) -> pd.DataFrame:
        """Municipalities and regions by title and kind (see :func:`municipalities`)."""
        return meta.filter_municipalities(self._metadata("municipalities"), q, kind=kind)

    def groups(
        self, q: str | None = None, *, of: Literal["municipality", "kpi"] = "municipality"
    ) -> pd.DataFrame:
        """Municipality (or KPI) groups with their member counts (see :func:`groups`)."""
        name = "kpi_groups" if of == "kpi" else "municipality_groups"
        return meta.group_summary(self._metadata(name), q)

    def members(
        self, group_id: str, *, of: Literal["municipality", "kpi"] = "municipality"
    ) -> pd.DataFrame:
        """The members of one group: ``member_id, member_title``."""
        gid = parse_ids(group_id, "group")[0]
        name = "kpi_groups" if of == "kpi" else "municipality_groups"
        m = self._metadata(name)
        hit = m.loc[m["group_id"] == gid, ["member_id", "member_title"]].dropna()
        if hit.empty and not (m["group_id"] == gid).any():
            raise UnknownIdError("group", [gid])
        return hit.reset_index(drop=True)

    def peers(self, municipality: str, family: str = "övergripande") -> pd.DataFrame:
        """The "Liknande kommuner" peers of a municipality (7 members, itself excluded)."""
        mid = parse_ids(municipality, "municipality")[0]
        title = self._title_of(mid)
        gid, gtitle, ids = meta.peer_group(self._metadata("municipality_groups"), title, family)
        munis = self._metadata("municipalities")
        out = munis.loc[munis["id"].isin(ids)].copy()
        out.insert(0, "group_id", gid)
        out.insert(1, "group_title", gtitle)
        return out.reset_index(drop=True)

    def available_kpis(self) -> list[str]:
        """KPI ids there are values for without a request: the sample's or the cache's."""
        if self.mode == "sample":
            return sorted(sample_values()[KPI].unique().tolist())
        info = self.cache.info()
        return sorted(info["kpi"].astype(str).tolist()) if len(info) else []

    def municipality_name(self, municipality_id: str) -> str:
        """The title of a municipality or region (``"0180"`` → ``"Stockholm"``)."""
        return self._title_of(parse_ids(municipality_id, "municipality")[0])

    def _title_of(self, municipality_id: str) -> str:
        m = self._metadata("municipalities")
        hit = m.loc[m["id"] == municipality_id, "title"]
        if hit.empty:
            raise UnknownIdError(
                "municipality", [municipality_id], "see koladagap.municipalities()"
            )
        return str(hit.iloc[0])

    # -- unknown ids -------------------------------------------------------
    def check_ids(self, kpis: list[str], municipalities: list[str]) -> tuple[list[str], list[str]]:
        """Split requested ids into known ones; return the unknown ``(kpis, municipalities)``."""
        if self.mode == "api" and kpis and not self.cache.meta_file("kpis").exists():
            # No catalogue yet: KPIs already cached are known; ask Kolada about the
            # others only (one small request per 25 ids instead of the 6 000-KPI list).
            known_k = {k for k in kpis if self.cache.partition_file(k).exists()}
            ask = [k for k in kpis if k not in known_k]
            if ask:
                known_k |= {str(r.get("id")) for r in self.client.kpis(ask)}
        else:
            known_k = set(self._metadata("kpis")["id"].dropna())
            if self.mode == "cache":  # what was fetched once is known, catalogue or not
                known_k |= {k for k in kpis if self.cache.partition_file(k).exists()}
        if self.mode == "sample":
            known_k &= set(sample_values()[KPI].unique())
        bad_k = [k for k in kpis if k not in known_k]
        bad_m: list[str] = []
        if municipalities:
            known_m = set(self._metadata("municipalities")["id"].dropna())
            bad_m = [m for m in municipalities if m not in known_m]
        if bad_m:  # group ids (G…) stand where municipality ids do
            known_g = set(self._metadata("municipality_groups")["group_id"].dropna())
            bad_m = [m for m in bad_m if m not in known_g]
        return bad_k, bad_m

    # -- data verbs --------------------------------------------------------
    def values(
        self,
        kpi: Ids,
        municipality: Ids = None,
        years: Years = None,
        *,
        refresh: bool = False,
        include_groups: bool = False,
        strict: bool = False,
    ) -> pd.DataFrame:
        """Values as a tidy long frame (see :func:`values`)."""
        kpis = parse_ids(kpi, "kpi")
        if not kpis:
            raise InputError("no KPI id given: name at least one, e.g. N00906")
        munis = parse_ids(municipality, "municipality")
        yrs = parse_years(years)
        _check_not_future(yrs)
        bad_k, bad_m = self.check_ids(kpis, munis)
        if bad_k or bad_m:
            where = "the shipped sample" if self.mode == "sample" else "Kolada"
            parts = []
            if bad_k:
                parts.append(f"KPI {', '.join(bad_k)}")
            if bad_m:
                parts.append(f"municipality {', '.join(bad_m)}")
            msg = f"unknown to {where}, left out: {'; '.join(parts)}"
            if strict or (len(bad_k) == len(kpis)) or (munis and len(bad_m) == len(munis)):
                kind = "kpi" if bad_k else "municipality"
                raise UnknownIdError(kind, bad_k or bad_m, f"not known to {where}")
            warnings.warn(msg, UnknownIdWarning, stacklevel=2)
            kpis = [k for k in kpis if k not in bad_k]
            munis = [m for m in munis if m not in bad_m]
        if self.mode == "sample":
            df = _select(sample_values(), kpis, munis, yrs)
        else:
            df = self._values_cached(kpis, munis, yrs, refresh=refresh)
        if not include_groups and not any(m.startswith("G") for m in munis):
            df = drop_groups(df)
        return df.sort_values([KPI, MUNICIPALITY_ID, PERIOD, "gender"], ignore_index=True)

    def _values_cached(
        self, kpis: list[str], munis: list[str], yrs: list[int], *, refresh: bool
    ) -> pd.DataFrame:
        if self.mode == "cache":
            missing = self.cache.missing(kpis, munis or None, yrs or None)
            if missing:
                shown = "; ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
                raise OfflineMissingError(
                    f"offline and not in the cache: {shown}; run the same query online once",
                    path=str(self.cache.path),
                    missing=missing,
                )
            return self._read_cache(kpis, munis, yrs)
        if refresh:
            self._refresh(kpis, munis, yrs)
        else:
            todo = [k for k in kpis if self.cache.missing([k], munis or None, yrs or None)]
            if todo:
                self._fetch(todo, munis, yrs)
        return self._read_cache(kpis, munis, yrs)

    def _read_cache(self, kpis: list[str], munis: list[str], yrs: list[int]) -> pd.DataFrame:
        try:
            return self.cache.read(kpis, munis or None, yrs or None)
        except CorruptCacheError as err:
            if not self.online:
                raise
            # A corrupt file is set aside and fetched again: never read as empty.
            bad = [k for k in kpis if k in str(err.path)]
            log.warning("%s; moving it aside and fetching again", err)
            for k in bad or kpis:
                self.cache.quarantine(k)
            self._fetch(bad or kpis, munis, yrs)
            return self.cache.read(kpis, munis or None, yrs or None)

    def _fetch(
        self, kpis: list[str], munis: list[str], yrs: list[int], from_date: str | None = None
    ) -> None:
        records = self.client.data(kpis, munis or None, yrs or None, from_date=from_date)
        df = records_to_frame(records, source=self.base_url + "/data")
        query = {
            "municipalities": munis or "*",
            "years": yrs or "*",
            "from_date": from_date,
            "kpis": kpis,
        }
        # write per KPI so a KPI with no rows is still recorded as fetched
        self.cache.write(df, query=query, api_url=self.base_url)

    def _refresh(self, kpis: list[str], munis: list[str], yrs: list[int]) -> None:
        fresh = [k for k in kpis if self.cache.missing([k], munis or None, yrs or None)]
        old = [k for k in kpis if k not in fresh]
        if fresh:
            self._fetch(fresh, munis, yrs)
        if old:
            since = min(
                (t for k in old if (t := self.cache.last_fetched(k)) is not None),
                default=None,
            )
            if since is None:
                self._fetch(old, munis, yrs)
                return
            # Changes only, for every municipality (the bulk form: one request per KPI
            # chunk and year chunk), applied to everything the cache holds for these KPIs.
            records = self.client.data(old, None, yrs or None, from_date=since.date().isoformat())
            df = drop_groups(records_to_frame(records, source=self.base_url + "/data"))
            if df.empty:
                return  # nothing changed: the files stay as they are
            query = {"municipalities": "*", "years": yrs or "*", "kpis": old}
            self.cache.write(
                df, query={**query, "from_date": since.date().isoformat()}, api_url=self.base_url
            )

    def gaps(
        self, kpi: Ids, municipality: Ids = None, years: Years = None, **kw: Any
    ) -> pd.DataFrame:
        """Gap table: one row per KPI × municipality × period (see :func:`gaps`)."""
        v = self.values(kpi, municipality, years, **kw)
        return gap_table(v, self._metadata("kpis"), self._metadata("municipalities"))

    def dry_run(self, kpi: Ids, municipality: Ids = None, years: Years = None) -> list[str]:
        """The request URLs a :meth:`values` fetch would send, without sending them."""
        urls: list[str] = self.client.build_urls(
            "data", kpis=kpi, municipalities=municipality or None, years=years or None
        )
        return urls


def gap_table(
    values: pd.DataFrame, kpi_meta: pd.DataFrame, municipality_meta: pd.DataFrame
) -> pd.DataFrame:
    """Tidy values → one row per KPI × municipality × period with the gap measures.

    Columns: ``kpi, kpi_title, municipality_id, municipality, period, women, men,
    total, gap, relative_gap, ratio, parity, status, label_women, label_men``.
    ``gap`` = women − men; a null K or M gives ``status = "not_computable"`` and NaN.
    """
    g = compute_gaps(to_wide(values))
    titles = kpi_meta.set_index("id")["title"]
    names = municipality_meta.set_index("id")["title"]
    g.insert(1, "kpi_title", g[KPI].map(titles).astype("string"))
    g.insert(3, "municipality", g[MUNICIPALITY_ID].map(names).astype("string"))
    labels = label_columns(g["kpi_title"].fillna(""))
    g["label_women"] = labels["label_women"].to_numpy()
    g["label_men"] = labels["label_men"].to_numpy()
    return g


def _select(df: pd.DataFrame, kpis: list[str], munis: list[str], yrs: list[int]) -> pd.DataFrame:
    mask = df[KPI].isin(kpis)
    if munis:
        mask &= df[MUNICIPALITY_ID].isin(munis)
    if yrs:
        mask &= df[PERIOD].isin(yrs)
    return df.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)


def _check_not_future(yrs: list[int]) -> None:
    this_year = dt.date.today().year
    late = [y for y in yrs if y > this_year]
    if late:
        raise InvalidYearsError(
            f"impossible year {late[0]}: Kolada has data up to {this_year} at the latest"
        )


def _resolve(source: Source | Kolada) -> Kolada:
    if isinstance(source, Kolada):
        return source
    if source in ("api", "cache", "sample"):
        return Kolada(mode=source)  # type: ignore[arg-type]
    raise InputError(
        f"invalid source {source!r}: expected 'api', 'cache', 'sample' or a koladagap.Kolada"
    )


# --- module-level verbs ---------------------------------------------------------


def kpis(
    q: str | None = None, *, gender_split: bool | None = None, source: Source | Kolada = "api"
) -> pd.DataFrame:
    """Search Kolada's KPI catalogue.

    Every word of ``q`` must occur in the KPI's id or title (case-insensitive).
    ``gender_split=True`` keeps KPIs divided by gender (K/M values).

    Examples:
        >>> import koladagap
        >>> hits = koladagap.kpis("behöriga yrkesprogram hemkommun", gender_split=True,
        ...                       source="sample")
        >>> hits.loc[0, "id"], hits.loc[0, "title"][:40]
        ('N15428', 'Elever i åk 9 som är behöriga till yrkes')
    """
    return _resolve(source).kpis(q, gender_split=gender_split)


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
    """The 7 "Liknande kommuner" of a municipality in one family (itself not included).

    Examples:
        >>> import koladagap
        >>> koladagap.peers("0180", source="sample")["title"].tolist()[:3]
        ['Uppsala', 'Linköping', 'Norrköping']
    """
    return _resolve(source).peers(municipality, family)


def values(
    kpi: Ids,
    municipality: Ids = None,
    years: Years = None,
    *,
    source: Source | Kolada = "api",
    refresh: bool = False,
) -> pd.DataFrame:
    """Kolada values as a tidy long frame.

    One row per KPI × municipality × period × gender (``T``, ``K`` women/girls,
    ``M`` men/boys). ``municipality=None`` asks for every kommun, region and
    Riket. A null value stays NaN. Unknown ids are left out with an
    :class:`UnknownIdWarning` naming them (all unknown: :class:`~koladagap.errors.UnknownIdError`).

    Examples:
        >>> import koladagap
        >>> v = koladagap.values("N15428", ["0180", "1280"], "2021-2022", source="sample")
        >>> len(v), sorted(v["gender"].unique())
        (12, ['K', 'M', 'T'])
    """
    return _resolve(source).values(kpi, municipality, years, refresh=refresh)


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
    from koladagap.benchmarking.plan import Plan, Session, load_screen_plan
    from koladagap.engine.levels import POPULATION_KPI
    from koladagap.engine.screen import screen as run_screen

    kg = _resolve(source)
    kpis = parse_ids(kpi, "kpi")
    if not kpis:
        raise InputError("no KPI id given: name at least one, e.g. N15428")
    yrs = parse_years(years)
    if not yrs:
        raise InputError("no years given: name a range such as 2016-2022 (the last is judged)")
    _check_not_future(yrs)
    bad = kg.check_ids(kpis, [])[0]
    if bad:
        where = "the shipped sample" if kg.mode == "sample" else "Kolada"
        raise UnknownIdError("kpi", bad, f"not known to {where}")
    the_plan = plan if isinstance(plan, Plan) or plan is None else load_screen_plan(plan)
    if the_plan is None:
        the_plan = Plan(organisation="", baseline=Session("", 0))
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
