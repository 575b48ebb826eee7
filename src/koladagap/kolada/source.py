"""Kolada, the cache or the shipped sample behind one object: :class:`KoladaSource`.

It answers the catalogue (KPIs, municipalities, groups, peers) and the values
as tidy frames, from one of three places, its ``mode``:

- ``"api"`` (default): the Kolada v3 API through the local Parquet cache — what
  is cached is read from disk, what is missing is fetched and cached;
- ``"offline"``: the cache only (the CLI's ``--offline``); what is missing is
  named in an :class:`~koladagap.errors.OfflineMissingError`. ``"cache"`` is
  the old word for it, accepted for one release with a :class:`DeprecationWarning`;
- ``"sample"``: the real-data sample shipped with koladagap (no network).

It knows no gaps: :class:`koladagap.Kolada` (in :mod:`koladagap.benchmarking.data`)
adds them.

Examples:
    >>> src = KoladaSource(mode="sample")
    >>> src.municipality_name("0180")
    'Stockholm'
    >>> check_mode("offline")
    'offline'
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Callable, Iterable
from typing import Any, Literal, NamedTuple, cast

import pandas as pd

from koladagap.columns import KPI, MUNICIPALITY_ID, PERIOD, is_group
from koladagap.errors import (
    CorruptCacheError,
    HTTPStatusError,
    InputError,
    InvalidYearsError,
    OfflineMissingError,
    UnknownIdError,
)
from koladagap.kolada import metadata as meta
from koladagap.kolada.cache import Cache
from koladagap.kolada.client import KoladaClient
from koladagap.kolada.frames import drop_groups
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import (
    sample_kpi_groups,
    sample_kpis,
    sample_municipalities,
    sample_municipality_groups,
    sample_values,
)
from koladagap.kolada.schema import empty_data_frame, parse_ids, parse_years

log = logging.getLogger("koladagap")

Mode = Literal["api", "offline", "sample"]
"""Where values come from: Kolada through the cache, the cache only, the shipped sample."""
MODES: tuple[str, ...] = ("api", "offline", "sample")
Ids = str | Iterable[str] | None
Years = str | int | Iterable[int | str] | None


def check_mode(mode: str, what: str = "mode", *, stacklevel: int = 3) -> Mode:
    """``mode`` as one of :data:`MODES`; the old ``"cache"`` gives ``"offline"`` and a warning.

    Raises:
        InputError: any other word.
    """
    if mode == "cache":
        warnings.warn(
            f'{what}="cache" is now {what}="offline" (the CLI\'s --offline); '
            '"cache" goes in koladagap 0.3',
            DeprecationWarning,
            stacklevel=stacklevel,
        )
        return "offline"
    if mode not in MODES:
        raise InputError(f"invalid {what} {mode!r}: expected 'api', 'offline' or 'sample'")
    return cast(Mode, mode)


class Fetched(NamedTuple):
    """What :meth:`KoladaSource.values` found before the id check: not cached yet."""

    todo: list[str]  # the KPIs downloaded
    got: pd.DataFrame  # their values, checked against the query
    cached: pd.DataFrame  # the values of the other KPIs, read from the cache


class UnknownIdWarning(UserWarning):
    """Some requested ids are unknown to Kolada (or to the sample) and were left out."""


class KoladaSource:
    """Kolada, the cache or the sample: the catalogue and the values, no gaps.

    Args:
        base_url: API root; default env ``KOLADA_API_URL`` or ``https://api.kolada.se/v3``.
        cache_dir: cache folder; default env ``KOLADAGAP_CACHE_DIR`` or the user cache dir.
        mode: ``"api"`` (cache, then fetch what is missing), ``"offline"`` (the
            cache only; ``"cache"`` is a deprecated alias) or ``"sample"`` (the
            shipped sample).
        settings: HTTP settings (timeouts, retries, concurrency, rate cap).
        session: a ``requests.Session`` to use (for proxies, tests).
        progress: ``callable(done, total)`` called as request chunks complete.

    Examples:
        >>> kg = KoladaSource(mode="sample")
        >>> kg.kpis("förvärvsinkomst 20-64", gender_split=True)["id"].tolist()[:1]
        ['N00906']
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        cache_dir: str | None = None,
        mode: Mode | Literal["cache"] = "api",
        settings: HTTPSettings | None = None,
        session: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.mode: Mode = check_mode(mode)
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
        return f"{type(self).__name__}(mode={self.mode!r}, cache={str(self.cache.path)!r})"

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
        if self.mode == "offline":
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
    def kpis(
        self,
        q: str | Iterable[str] | None = None,
        *,
        gender_split: bool | None = None,
        area: str | None = None,
        perspective: str | None = None,
        municipality_type: str | None = None,
        has_ou_data: bool | None = None,
        since: str | dt.date | None = None,
    ) -> pd.DataFrame:
        """Search the KPI catalogue: words in id, title or description, or ids; filters.

        See :func:`koladagap.kolada.metadata.search_kpis`. Online the catalogue is
        fetched once and cached; offline it is read from the cache (or, never
        fetched, the catalogue shipped with koladagap).
        """
        return meta.search_kpis(
            self._metadata("kpis"),
            q,
            gender_split=gender_split,
            area=area,
            perspective=perspective,
            municipality_type=municipality_type,
            has_ou_data=has_ou_data,
            since=since,
        )

    def areas(self) -> pd.DataFrame:
        """Kolada's operating areas: ``area, n_kpis, n_gender_split`` (see :func:`areas`)."""
        return meta.list_areas(self._metadata("kpis"))

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
        known_k: set[str] = set()
        if not kpis:
            pass  # nothing to ask about (no catalogue fetched for nothing)
        elif self.mode == "api" and not self.cache.meta_file("kpis").exists():
            # No catalogue yet: KPIs already cached are known; ask Kolada about the
            # others only (one small request per 25 ids instead of the 6 000-KPI list).
            known_k = {k for k in kpis if self.cache.partition_file(k).exists()}
            ask = [k for k in kpis if k not in known_k]
            if ask:
                known_k |= {str(r.get("id")) for r in self.client.kpis(ask)}
        else:
            known_k = set(self._metadata("kpis")["id"].dropna())
            if self.mode == "offline":  # what was fetched once is known, catalogue or not
                known_k |= {k for k in kpis if self.cache.partition_file(k).exists()}
        if self.mode == "sample":
            known_k &= set(sample_values()[KPI].unique())
        bad_k = [k for k in kpis if k not in known_k]
        bad_m = list(municipalities)
        if bad_m and self.mode == "api" and not self.cache.meta_file("municipalities").exists():
            # Kolada's kommuner, regioner and Riket ship with koladagap (their ids have
            # not changed since 2007): no request for the list when all are in it.
            shipped = set(sample_municipalities()["id"].dropna())
            bad_m = [m for m in bad_m if m not in shipped]
        if bad_m:
            known_m = set(self._metadata("municipalities")["id"].dropna())
            bad_m = [m for m in bad_m if m not in known_m]
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
        check_not_future(yrs)
        fetched: Fetched | None = None
        if self.mode == "api" and not refresh:
            (bad_k, bad_m), fetched = self._fetch_then_check(kpis, munis, yrs)
        else:
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
        elif fetched is not None:  # downloaded before the id check: keep the known ids only
            df = self._keep_known(fetched, kpis, munis, yrs)
        else:
            df = self._values_cached(kpis, munis, yrs, refresh=refresh)
        if not include_groups and not is_group(pd.Series(munis, dtype=object)).any():
            df = drop_groups(df)
        return df.sort_values([KPI, MUNICIPALITY_ID, PERIOD, "gender"], ignore_index=True)

    def _fetch_then_check(
        self, kpis: list[str], munis: list[str], yrs: list[int]
    ) -> tuple[tuple[list[str], list[str]], Fetched | None]:
        """Download what the cache lacks, then :meth:`check_ids` only what the data left open.

        An id with data is known to Kolada (every row is checked against the query),
        so only the ids without data are asked about: a cold fetch of known ids sends
        the data requests alone, a warm one nothing. Returns the unknown ids and what
        was found (:class:`Fetched`, not yet cached); ``None`` when Kolada refused the
        download (HTTP 4xx) and unknown ids explain it (the known ones are then fetched
        again). A Kolada that fails (5xx, no answer) fails the call at once.
        """
        todo = list(self.cache.missing_by_kpi(kpis, munis or None, yrs or None))
        rest = [k for k in kpis if k not in todo]
        cached = self._read_cache(rest, munis, yrs) if rest else empty_data_frame()
        got = empty_data_frame()
        if todo:
            try:
                got = self.client.data_frame(todo, munis or None, yrs or None, note_missing=False)
            except HTTPStatusError as err:
                if not 400 <= err.status < 500 or err.status == 429:
                    raise  # Kolada failing: the id check would fail the same way
                bad = self.check_ids(kpis, munis)  # Kolada refusing: unknown ids may say why
                if bad[0] or bad[1]:
                    return bad, None
                raise
        seen_k = {*got[KPI].unique().tolist(), *cached[KPI].unique().tolist()}
        seen_m = {
            *got[MUNICIPALITY_ID].unique().tolist(),
            *cached[MUNICIPALITY_ID].unique().tolist(),
        }
        open_k = [k for k in kpis if k not in seen_k]
        open_m = [m for m in munis if m not in seen_m]
        bad = self.check_ids(open_k, open_m) if open_k or open_m else ([], [])
        return bad, Fetched(todo, got, cached)

    def _keep_known(
        self, found: Fetched, kpis: list[str], munis: list[str], yrs: list[int]
    ) -> pd.DataFrame:
        """Cache the download for the known ids only; the values of the query."""
        todo = [k for k in found.todo if k in kpis]
        got, cached = found.got, found.cached
        if todo:
            got = got.loc[got[KPI].isin(todo).to_numpy(dtype=bool)]
            if munis:
                got = got.loc[got[MUNICIPALITY_ID].isin(munis).to_numpy(dtype=bool)]
            self.client.note_missing_in(got, todo, munis)
            self._write(got, todo, munis, yrs)
            got = got.loc[~got["isdeleted"].to_numpy(dtype=bool)]  # as the cache reads back
        if munis:
            cached = cached.loc[cached[MUNICIPALITY_ID].isin(munis).to_numpy(dtype=bool)]
        parts = [p for p in (cached, got) if len(p)]
        if not parts:
            return empty_data_frame()
        return parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)

    def _values_cached(
        self, kpis: list[str], munis: list[str], yrs: list[int], *, refresh: bool
    ) -> pd.DataFrame:
        if self.mode == "offline":
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
            todo = list(self.cache.missing_by_kpi(kpis, munis or None, yrs or None))
            if todo:
                self._fetch(todo, munis, yrs)
        return self._read_cache(kpis, munis, yrs)

    def _read_cache(self, kpis: list[str], munis: list[str], yrs: list[int]) -> pd.DataFrame:
        try:
            return self.cache.read(kpis, munis or None, yrs or None)
        except CorruptCacheError as err:
            if not self.online:
                raise
            # The read moved the damaged file aside (quarantine/); it is fetched again,
            # never read as empty.
            bad = [k for k in kpis if k in str(err.path)]
            log.warning("%s; fetching again", err)
            self._fetch(bad or kpis, munis, yrs)
            return self.cache.read(kpis, munis or None, yrs or None)

    def _fetch(
        self, kpis: list[str], munis: list[str], yrs: list[int], from_date: str | None = None
    ) -> None:
        df = self.client.data_frame(kpis, munis or None, yrs or None, from_date=from_date)
        self._write(df, kpis, munis, yrs, from_date)

    def _write(
        self,
        df: pd.DataFrame,
        kpis: list[str],
        munis: list[str],
        yrs: list[int],
        from_date: str | None = None,
    ) -> None:
        """Cache ``df``, the checked answer to the query for ``kpis`` × ``munis`` × ``yrs``."""
        query = {
            "municipalities": munis or "*",
            "years": yrs or "*",
            "from_date": from_date,
            "kpis": kpis,
        }
        # write per KPI so a KPI with no rows is still recorded as fetched
        self.cache.write(df, query=query, api_url=self.base_url)

    def _refresh(self, kpis: list[str], munis: list[str], yrs: list[int]) -> None:
        fresh = list(self.cache.missing_by_kpi(kpis, munis or None, yrs or None))
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
            day = since.date().isoformat()
            df = drop_groups(self.client.data_frame(old, None, yrs or None, from_date=day))
            if df.empty:
                return  # nothing changed: the files stay as they are
            query = {"municipalities": "*", "years": yrs or "*", "kpis": old}
            self.cache.write(
                df, query={**query, "from_date": since.date().isoformat()}, api_url=self.base_url
            )

    def dry_run(self, kpi: Ids, municipality: Ids = None, years: Years = None) -> list[str]:
        """The request URLs a :meth:`values` fetch would send, without sending them."""
        urls: list[str] = self.client.build_urls(
            "data", kpis=kpi, municipalities=municipality or None, years=years or None
        )
        return urls


def _select(df: pd.DataFrame, kpis: list[str], munis: list[str], yrs: list[int]) -> pd.DataFrame:
    mask = df[KPI].isin(kpis)
    if munis:
        mask &= df[MUNICIPALITY_ID].isin(munis)
    if yrs:
        mask &= df[PERIOD].isin(yrs)
    return df.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)


def check_not_future(yrs: list[int]) -> None:
    this_year = dt.date.today().year
    late = [y for y in yrs if y > this_year]
    if late:
        raise InvalidYearsError(
            f"impossible year {late[0]}: Kolada has data up to {this_year} at the latest"
        )


__all__ = ["MODES", "KoladaSource", "Mode", "UnknownIdWarning", "check_mode", "check_not_future"]
