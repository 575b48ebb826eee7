"""The Kolada v3 client: URLs, id chunking, pagination and a bounded thread pool.

:class:`KoladaClient` returns Kolada's own records (lists of dicts) from every
endpoint; :mod:`koladagap.kolada.frames` and :mod:`koladagap.kolada.metadata` turn them into
frames. What it guarantees:

- every id list is cut into chunks of at most 25 ids per path segment and the
  requests are the product of the chunks over the segments;
- when every municipality is wanted, the bulk form ``/data/kpi/{kpis}/year/{years}``
  is used (it also returns group means: callers drop ``G`` rows unless asked);
- every page is followed through ``next_url`` (absolute or relative), never
  trusting ``count``; a ``next_url`` that comes back to a page already read is a
  :class:`~koladagap.errors.PaginationError`;
- at most ``settings.max_workers`` requests in flight, at most ``settings.rate_limit``
  started per second;
- a chunk that fails after retries raises (with its URL) — the result is complete
  or there is no result.

Examples:
    >>> c = KoladaClient("https://api.kolada.se/v3")
    >>> c.build_urls("data", kpis="N00906", municipalities="0180", years="2021-2022")
    ['https://api.kolada.se/v3/data/kpi/N00906/municipality/0180/year/2021,2022?per_page=5000']
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import requests

from koladagap.errors import InputError, PaginationError
from koladagap.kolada.http import (
    HTTPSettings,
    RateLimiter,
    configure_session,
    get_json,
    make_session,
)
from koladagap.kolada.schema import parse_ids, parse_years

log = logging.getLogger("koladagap.kolada.client")

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_IDS = 25
FIRST_YEAR = 1970  # Kolada's earliest series (population) start here
MAX_PAGES = 100_000

Record = dict[str, Any]
Progress = Callable[[int, int], None]

_ENDPOINTS = ("kpi", "kpi_groups", "municipality", "municipality_groups", "ou")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def chunks(ids: Sequence[Any], size: int = MAX_IDS) -> list[list[Any]]:
    """Cut ``ids`` into lists of at most ``size``.

    >>> [len(c) for c in chunks(list(range(60)))]
    [25, 25, 10]
    """
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _even_chunks(ids: Sequence[Any], size: int) -> list[list[Any]]:
    """Cut ``ids`` into the fewest lists of at most ``size``, of nearly equal length.

    >>> [len(c) for c in _even_chunks(list(range(290)), 21)]
    [21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 20, 20, 20, 20]
    """
    n = -(-len(ids) // size) if ids else 0
    if n == 0:
        return []
    base, extra = divmod(len(ids), n)
    out, start = [], 0
    for i in range(n):
        step = base + (1 if i < extra else 0)
        out.append(list(ids[start : start + step]))
        start += step
    return out


def _check_date(from_date: str | dt.date | None) -> str | None:
    if from_date is None:
        return None
    text = from_date.isoformat() if isinstance(from_date, dt.date) else str(from_date)
    if not _DATE.match(text):
        raise InputError(f"invalid from_date {from_date!r}: expected a date like 2024-01-31")
    try:
        dt.date.fromisoformat(text)
    except ValueError as err:
        raise InputError(f"invalid from_date {from_date!r}: not a calendar date") from err
    return text


def _page_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A URL's identity as a page: host, path and sorted query, page 1 when not given."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("page", "1")
    return (parts.netloc.lower(), parts.path.rstrip("/"), tuple(sorted(query.items())))


class KoladaClient:
    """A thread-safe client for the Kolada v3 API.

    Args:
        base_url: API root; default env ``KOLADA_API_URL``, else ``https://api.kolada.se/v3``.
        settings: :class:`~koladagap.kolada.http.HTTPSettings` (concurrency, rate cap,
            timeouts, retries).
        session: a ``requests.Session`` to use; koladagap mounts its retrying adapter
            and headers on it.
        progress: ``callable(done, total)`` called as requests complete.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        settings: HTTPSettings | None = None,
        session: requests.Session | None = None,
        progress: Progress | None = None,
    ) -> None:
        url = base_url or os.environ.get("KOLADA_API_URL") or DEFAULT_BASE_URL
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(
                f"invalid Kolada API URL {url!r}: expected http(s)://host/path, "
                f"e.g. {DEFAULT_BASE_URL}"
            )
        self.base_url = url.rstrip("/")
        self.settings = settings or HTTPSettings()
        if session is None:
            self.session = make_session(self.settings)
        else:
            configure_session(session, self.settings)
            self.session = session
        self.progress = progress
        self.limiter = RateLimiter(self.settings.rate_limit)
        self.missing_ids: dict[str, list[str]] = {}
        """Requested ids for which the last :meth:`data` call returned nothing."""

    def __repr__(self) -> str:
        return f"KoladaClient({self.base_url!r})"

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    # -- URLs --------------------------------------------------------------
    def _url(self, path: str, params: dict[str, str] | None = None) -> str:
        query = {"per_page": str(self.settings.per_page), **(params or {})}
        return f"{self.base_url}/{path}?{urlencode(query, quote_via=quote, safe=',')}"

    def _meta_urls(self, endpoint: str, ids: Sequence[str], params: dict[str, str]) -> list[str]:
        if not ids:
            return [self._url(endpoint, params)]
        return [self._url(f"{endpoint}/{','.join(c)}", params) for c in chunks(ids)]

    def build_urls(
        self,
        endpoint: str,
        *,
        ids: str | Iterable[str] | None = None,
        kpis: str | Iterable[str] | None = None,
        municipalities: str | Iterable[str] | None = None,
        years: str | int | Iterable[int | str] | None = None,
        ous: str | Iterable[str] | None = None,
        from_date: str | dt.date | None = None,
        title: str | None = None,
    ) -> list[str]:
        """The request URLs a query would send (first pages), without sending anything.

        ``endpoint`` is ``"data"``, ``"oudata"`` (using ``kpis``, ``municipalities`` or
        ``ous``, ``years``) or a metadata endpoint (``"kpi"``, ``"kpi_groups"``,
        ``"municipality"``, ``"municipality_groups"``, ``"ou"``, using ``ids``).

        Examples:
            >>> c = KoladaClient("http://127.0.0.1:1/v3")
            >>> urls = c.build_urls("data", kpis=[f"N{i:05d}" for i in range(30)], years=2022)
            >>> len(urls), urls[1].split("/data/")[1]
            (2, 'kpi/N00025,N00026,N00027,N00028,N00029/year/2022?per_page=5000')
        """
        params: dict[str, str] = {}
        date = _check_date(from_date)
        if date:
            params["from_date"] = date
        if title:
            params["title"] = title
        if endpoint in ("data", "oudata"):
            k = parse_ids(kpis, "kpi")
            unit_kind = "ou" if endpoint == "oudata" else "municipality"
            u = parse_ids(ous if endpoint == "oudata" else municipalities, unit_kind)
            y = [str(x) for x in parse_years(years)]
            return self._data_urls(endpoint, k, unit_kind, u, y, params)
        if endpoint not in _ENDPOINTS:
            raise InputError(
                f"unknown endpoint {endpoint!r}: expected data, oudata or one of "
                + ", ".join(_ENDPOINTS)
            )
        kind = {"kpi": "kpi", "kpi_groups": "group", "municipality_groups": "group"}.get(
            endpoint, endpoint
        )
        return self._meta_urls(endpoint, parse_ids(ids, kind), params)

    def _data_urls(
        self,
        endpoint: str,
        kpis: list[str],
        unit_kind: str,
        units: list[str],
        years: list[str],
        params: dict[str, str],
    ) -> list[str]:
        if not kpis and not (units and years):
            raise InputError(
                "a data query needs KPI ids and municipality ids or years "
                "(Kolada requires two of the three)"
            )
        if kpis and not units and not years:
            # Every municipality, every year: the bulk form over all possible years.
            years = [str(y) for y in range(FIRST_YEAR, dt.date.today().year + 1)]
        segments: list[tuple[str, list[list[str]]]] = []
        kpi_chunks, year_chunks = chunks(kpis), chunks(years)
        if kpis:
            segments.append(("kpi", kpi_chunks))
        if units:
            # Size the id lists so that one answer fits on one page: an answer holds at
            # most one object per KPI × id × year, and a page at most per_page objects.
            per_id = max(len(kpi_chunks[0]) if kpi_chunks else 1, 1) * max(
                len(year_chunks[0]) if year_chunks else 1, 1
            )
            size = MAX_IDS
            if years and self.settings.fit_pages:
                size = min(MAX_IDS, max(1, self.settings.per_page // per_id))
            unit_chunks = _even_chunks(units, size) if size < MAX_IDS else chunks(units)
            segments.append((unit_kind, unit_chunks))
        if years:
            segments.append(("year", year_chunks))
        urls = []
        for combo in itertools.product(*(c for _, c in segments)):
            path = "/".join(
                f"{name}/{','.join(ids)}" for (name, _), ids in zip(segments, combo, strict=True)
            )
            urls.append(self._url(f"{endpoint}/{path}", params))
        return urls

    # -- fetching ----------------------------------------------------------
    def _next(self, current: str, next_url: str) -> str:
        url = urljoin(current, next_url)
        parts = urlsplit(url)
        # keep the page size we asked for if the server's link drops it
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.setdefault("per_page", str(self.settings.per_page))
        return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote, safe=",")))

    def paginate(self, url: str) -> list[Record]:
        """Every item of every page starting at ``url`` (follows ``next_url`` to the end)."""
        items: list[Record] = []
        seen = {_page_key(url)}
        page_url = url
        for _ in range(MAX_PAGES):
            payload = get_json(self.session, page_url, self.settings, self.limiter)
            items.extend(payload["values"])
            nxt = payload.get("next_url") or payload.get("next_page")
            if not nxt:
                return items
            if not isinstance(nxt, str):
                raise PaginationError(f"next_url is not a URL: {nxt!r}", url=page_url)
            new = self._next(page_url, nxt)
            if _page_key(new) in seen:
                raise PaginationError(
                    f"next_url leads back to a page already read ({new})", url=page_url
                )
            seen.add(_page_key(new))
            page_url = new
        raise PaginationError(f"more than {MAX_PAGES} pages", url=url)

    def fetch_all(self, urls: Sequence[str]) -> list[Record]:
        """Fetch every URL (all pages) with bounded concurrency; items in URL order.

        If any request fails after its retries, the pending ones are cancelled and
        the error is raised: never a silently shorter result.
        """
        if not urls:
            return []
        total = len(urls)
        if total == 1 or self.settings.max_workers == 1:
            out: list[Record] = []
            for done, u in enumerate(urls, 1):
                out.extend(self.paginate(u))
                self._report(done, total)
            return out
        results: dict[int, list[Record]] = {}
        with ThreadPoolExecutor(
            max_workers=self.settings.max_workers, thread_name_prefix="koladagap"
        ) as pool:
            futures: dict[Future[list[Record]], int] = {
                pool.submit(self.paginate, u): i for i, u in enumerate(urls)
            }
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for fut in finished:
                    err = fut.exception()
                    if err is not None:
                        for other in pending:
                            other.cancel()
                        raise err
                    results[futures[fut]] = fut.result()
                self._report(len(results), total)
        return [item for i in range(total) for item in results[i]]

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    # -- metadata endpoints --------------------------------------------------
    def kpis(
        self,
        ids: str | Iterable[str] | None = None,
        *,
        title: str | None = None,
        from_date: str | dt.date | None = None,
    ) -> list[Record]:
        """KPI definitions (all, by ids, or by title substring)."""
        return self.fetch_all(self.build_urls("kpi", ids=ids, title=title, from_date=from_date))

    def kpi_groups(
        self, ids: str | Iterable[str] | None = None, *, title: str | None = None
    ) -> list[Record]:
        """KPI groups with their ``members``."""
        return self.fetch_all(self.build_urls("kpi_groups", ids=ids, title=title))

    def municipalities(
        self,
        ids: str | Iterable[str] | None = None,
        *,
        title: str | None = None,
        kind: str | None = None,
    ) -> list[Record]:
        """Municipalities, regions and Riket (``kind``: ``"K"`` or ``"L"``)."""
        urls = self.build_urls("municipality", ids=ids, title=title)
        if kind is not None:
            if kind not in ("K", "L"):
                raise InputError(f"invalid kind {kind!r}: expected 'K' (kommun) or 'L' (region)")
            sep = "&" if "?" in urls[0] else "?"
            urls = [f"{u}{sep}{self.settings.municipality_type_param}={kind}" for u in urls]
        return self.fetch_all(urls)

    def municipality_groups(
        self, ids: str | Iterable[str] | None = None, *, title: str | None = None
    ) -> list[Record]:
        """Municipality groups (incl. "Liknande kommuner") with their ``members``."""
        return self.fetch_all(self.build_urls("municipality_groups", ids=ids, title=title))

    def ou(
        self,
        ids: str | Iterable[str] | None = None,
        *,
        title: str | None = None,
        municipality: str | Iterable[str] | None = None,
    ) -> list[Record]:
        """Organisational units (schools, care homes …), by ids, title or municipality."""
        params: dict[str, str] = {}
        if title:
            params["title"] = title
        munis = parse_ids(municipality, "municipality")
        if munis:
            urls = [
                self._url(
                    "ou" + (f"/{','.join(c)}" if c else ""),
                    {**params, "municipality": ",".join(m)},
                )
                for c in (chunks(parse_ids(ids, "ou")) or [[]])
                for m in chunks(munis)
            ]
        else:
            urls = self._meta_urls("ou", parse_ids(ids, "ou"), params)
        return self.fetch_all(urls)

    # -- data endpoints ------------------------------------------------------
    def data(
        self,
        kpis: str | Iterable[str],
        municipalities: str | Iterable[str] | None = None,
        years: str | int | Iterable[int | str] | None = None,
        *,
        from_date: str | dt.date | None = None,
    ) -> list[Record]:
        """Data objects for KPIs × municipalities × years (``None``: all of them).

        With ``municipalities=None`` the bulk form is used and the answer includes
        every kommun, region and Riket and group means (ids starting with ``G``).
        Ids that came back with no data are logged and kept in :attr:`missing_ids`.
        """
        k = parse_ids(kpis, "kpi")
        m = parse_ids(municipalities, "municipality")
        urls = self.build_urls("data", kpis=k, municipalities=m, years=years, from_date=from_date)
        records = self.fetch_all(urls)
        if from_date is None:
            self._note_missing(records, k, "municipality", m)
        return records

    def oudata(
        self,
        kpis: str | Iterable[str],
        ous: str | Iterable[str] | None = None,
        years: str | int | Iterable[int | str] | None = None,
        *,
        from_date: str | dt.date | None = None,
    ) -> list[Record]:
        """Data objects for KPIs × organisational units × years."""
        k = parse_ids(kpis, "kpi")
        o = parse_ids(ous, "ou")
        records = self.fetch_all(
            self.build_urls("oudata", kpis=k, ous=o, years=years, from_date=from_date)
        )
        if from_date is None:
            self._note_missing(records, k, "ou", o)
        return records

    def _note_missing(
        self, records: list[Record], kpis: list[str], unit_key: str, units: list[str]
    ) -> None:
        got_k = {r.get("kpi") for r in records}
        got_u = {r.get(unit_key) for r in records}
        self.missing_ids = {
            "kpi": [x for x in kpis if x not in got_k],
            unit_key: [x for x in units if x not in got_u],
        }
        for kind, ids in self.missing_ids.items():
            if ids:
                log.warning("Kolada returned no data for %s id(s): %s", kind, ", ".join(ids))
