"""The Kolada v3 client: URLs, id chunking, pagination and a bounded thread pool.

:class:`KoladaClient` returns Kolada's own records (lists of dicts) from every
endpoint; :mod:`koladagap.kolada.frames` and :mod:`koladagap.kolada.metadata` turn them into
frames. What it guarantees:

- every id list is cut into chunks of at most 25 ids per path segment and the
  requests are the product of the chunks over the segments;
- when every municipality is wanted, the bulk form ``/data/kpi/{kpis}/year/{years}``
  is used (it also returns group means: callers drop ``G`` rows unless asked);
- every page is followed through ``next_url`` (absolute or relative), never
  trusting ``count``; a ``next_url`` that comes back to a page already read, that
  leads to another origin than the API's (scheme, host, port), or a chain longer
  than the query can fill (:func:`koladagap.kolada.answers.bounds`: KPIs × ids ×
  years asked, ``per_page`` a page) is a :class:`~koladagap.errors.PaginationError`;
- every data answer is checked against what its URL asked for before it is returned
  (:func:`koladagap.kolada.answers.checked_table`: KPIs, ids, years, types, finite
  values, counts, conflicting repeats);
- one fetch ends by ``settings.fetch_deadline`` seconds, each request by
  ``settings.request_deadline``;
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
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import requests

from koladagap.errors import InputError, PaginationError
from koladagap.kolada.http import (
    Decoder,
    HTTPSettings,
    RateLimiter,
    configure_session,
    get_json,
    make_session,
)
from koladagap.kolada.schema import parse_ids, parse_years
from koladagap.kolada.transport import check_base_url, origin, same_origin
from koladagap.kolada.urls import MAX_IDS as MAX_IDS
from koladagap.kolada.urls import _check_date, _even_chunks, _page_key
from koladagap.kolada.urls import chunks as chunks

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger("koladagap.kolada.client")
T = TypeVar("T")

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
FIRST_YEAR = 1970  # Kolada's earliest series (population) start here
MAX_PAGES = 100_000  # kept importable; the bound per URL is answers.bounds

Record = dict[str, Any]
Progress = Callable[[int, int], None]

_ENDPOINTS = ("kpi", "kpi_groups", "municipality", "municipality_groups", "ou")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        self.base_url = check_base_url(url)
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

    def paginate(
        self, url: str, *, until: float | None = None, decode: Decoder | None = None
    ) -> list[Any]:
        """Every item of every page starting at ``url`` (follows ``next_url`` to the end).

        ``until`` is a :func:`time.monotonic` time by which every request must end.
        With ``decode`` (a data page into an Arrow record table, see :meth:`_checked`)
        the list holds one table per page.
        """
        from koladagap.kolada.answers import asked, bounds

        limit = bounds(asked(url), self.settings.per_page)
        items: list[Any] = []
        seen = {_page_key(url)}
        page_url = url
        n = 0
        for _ in range(limit.pages):
            payload = get_json(
                self.session,
                page_url,
                self.settings,
                self.limiter,
                home=self.base_url,
                until=until,
                decode=decode,
            )
            page = payload["values"]
            n += page.num_rows if decode is not None else len(page)
            items.extend([page] if decode is not None else page)
            if n > limit.pages * self.settings.per_page:
                raise PaginationError(
                    f"the answer runs to more than {limit.pages * self.settings.per_page} "
                    f"objects, more than the query can return ({limit.items})",
                    url=url,
                )
            nxt = payload.get("next_url") or payload.get("next_page")
            if not nxt:
                return items
            if not isinstance(nxt, str):
                raise PaginationError(f"next_url is not a URL: {nxt!r}", url=page_url)
            new = self._next(page_url, nxt)
            if not same_origin(new, self.base_url):
                scheme, host, port = origin(self.base_url)
                raise PaginationError(
                    f"next_url leads to another host ({new[:200]}); only links to "
                    f"{scheme}://{host}:{port} are followed",
                    url=page_url,
                )
            if _page_key(new) in seen:
                raise PaginationError(
                    f"next_url leads back to a page already read ({new})", url=page_url
                )
            seen.add(_page_key(new))
            page_url = new
        raise PaginationError(
            f"more than {limit.pages} pages, more than the query can return "
            f"({limit.items} objects at {self.settings.per_page} a page)",
            url=url,
        )

    def fetch_all(self, urls: Sequence[str]) -> list[Record]:
        """Fetch every URL (all pages) with bounded concurrency; items in URL order.

        If any request fails after its retries, the pending ones are cancelled and
        the error is raised: never a silently shorter result. The answer to a data
        URL is checked against what it asked for
        (:func:`koladagap.kolada.answers.checked_table`) before it is returned.
        """
        return [item for part in self._gather(urls, self._items) for item in part]

    def _items(self, url: str, *, until: float | None = None) -> list[Record]:
        from koladagap.kolada.answers import asked, checked_table

        items: list[Record] = self.paginate(url, until=until)
        if items and asked(url).is_data:
            checked_table(items, url)
        return items

    def _gather(
        self, urls: Sequence[str], work: Callable[..., T], *, until: float | None = None
    ) -> list[T]:
        """``work(url, until=...)`` for every URL on the thread pool; results in URL order.

        The fetch ends by ``settings.fetch_deadline`` seconds from now (or ``until``).
        """
        if not urls:
            return []
        import time

        end = time.monotonic() + self.settings.fetch_deadline
        if until is not None:
            end = min(end, until)
        total = len(urls)
        if total == 1 or self.settings.max_workers == 1:
            out: list[T] = []
            for done, u in enumerate(urls, 1):
                out.append(work(u, until=end))
                self._report(done, total)
            return out
        results: dict[int, T] = {}
        pool = ThreadPoolExecutor(
            max_workers=self.settings.max_workers, thread_name_prefix="koladagap"
        )
        interrupted = False
        try:
            futures: dict[Future[T], int] = {
                pool.submit(work, u, until=end): i for i, u in enumerate(urls)
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
        except KeyboardInterrupt:
            interrupted = True
            raise
        finally:
            # Ctrl-C: drop what waits and do not wait for the requests in flight
            pool.shutdown(wait=not interrupted, cancel_futures=interrupted)
        return [results[i] for i in range(total)]

    def _checked(self, url: str, *, until: float | None = None) -> pa.Table:
        """Every page of one data URL as a flat tidy Arrow table, checked against the URL.

        The pages are parsed by Arrow (:func:`~koladagap.kolada.frames.envelope_table`),
        never as Python objects.
        """
        from koladagap.kolada.answers import checked_table
        from koladagap.kolada.frames import envelope_table

        ou = "/oudata/" in url

        def decode(body: bytes, page_url: str) -> dict[str, Any]:
            table, nxt = envelope_table(body, ou=ou, source=page_url)
            return {"values": table, "next_url": nxt}

        return checked_table(self.paginate(url, until=until, decode=decode), url)

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
        Every answer is checked against what it asked for
        (:func:`koladagap.kolada.answers.checked_table`) before it is returned.
        """
        return self._records("data", kpis, municipalities, years, from_date)

    def oudata(
        self,
        kpis: str | Iterable[str],
        ous: str | Iterable[str] | None = None,
        years: str | int | Iterable[int | str] | None = None,
        *,
        from_date: str | dt.date | None = None,
    ) -> list[Record]:
        """Data objects for KPIs × organisational units × years (checked as :meth:`data`)."""
        return self._records("oudata", kpis, ous, years, from_date)

    def data_frame(
        self,
        kpis: str | Iterable[str],
        municipalities: str | Iterable[str] | None = None,
        years: str | int | Iterable[int | str] | None = None,
        *,
        from_date: str | dt.date | None = None,
        ou: bool = False,
        note_missing: bool = True,
    ) -> pd.DataFrame:
        """:meth:`data` (or :meth:`oudata` with ``ou=True``) as the tidy long frame.

        Each URL's answer is converted and checked on the thread that fetched it, so
        the work overlaps the waiting; identical repeats of a row are dropped. With
        ``note_missing=False`` ids without data are not logged (see :meth:`note_missing_in`).
        """
        import pyarrow as pa

        from koladagap.kolada.frames import table_to_frame

        endpoint = "oudata" if ou else "data"
        k, u, urls = self._data_query(endpoint, kpis, municipalities, years, from_date)
        tables = self._gather(urls, self._checked)
        frame = table_to_frame(pa.concat_tables(tables) if tables else _empty(ou), ou=ou)
        if from_date is None and note_missing:
            self.note_missing_in(frame, k, u, ou=ou)
        return frame

    def note_missing_in(
        self, frame: pd.DataFrame, kpis: list[str], units: list[str], *, ou: bool = False
    ) -> None:
        """Log and keep in :attr:`missing_ids` the ids asked for that ``frame`` lacks."""
        unit_col = "ou_id" if ou else "municipality_id"
        got_k = set(frame["kpi"].unique().tolist())  # unique first: iterating is slow
        got_u = set(frame[unit_col].unique().tolist())
        self._note_missing(got_k, got_u, kpis, "ou" if ou else "municipality", units)

    def _data_query(
        self,
        endpoint: str,
        kpis: str | Iterable[str],
        units: str | Iterable[str] | None,
        years: str | int | Iterable[int | str] | None,
        from_date: str | dt.date | None,
    ) -> tuple[list[str], list[str], list[str]]:
        k = parse_ids(kpis, "kpi")
        u = parse_ids(units, "ou" if endpoint == "oudata" else "municipality")
        if endpoint == "oudata":
            urls = self.build_urls(endpoint, kpis=k, ous=u, years=years, from_date=from_date)
        else:
            urls = self.build_urls(
                endpoint, kpis=k, municipalities=u, years=years, from_date=from_date
            )
        return k, u, urls

    def _records(
        self,
        endpoint: str,
        kpis: str | Iterable[str],
        units: str | Iterable[str] | None,
        years: str | int | Iterable[int | str] | None,
        from_date: str | dt.date | None,
    ) -> list[Record]:
        k, u, urls = self._data_query(endpoint, kpis, units, years, from_date)
        records = self.fetch_all(urls)
        if from_date is None:
            unit_key = "ou" if endpoint == "oudata" else "municipality"
            got_k = {r.get("kpi") for r in records}
            got_u = {r.get(unit_key) for r in records}
            self._note_missing(got_k, got_u, k, unit_key, u)
        return records

    def _note_missing(
        self,
        got_k: set[Any],
        got_u: set[Any],
        kpis: list[str],
        unit_key: str,
        units: list[str],
    ) -> None:
        self.missing_ids = {
            "kpi": [x for x in kpis if x not in got_k],
            unit_key: [x for x in units if x not in got_u],
        }
        for kind, ids in self.missing_ids.items():
            if ids:
                log.warning("Kolada returned no data for %s id(s): %s", kind, ", ".join(ids))


def _empty(ou: bool) -> pa.Table:
    from koladagap.kolada.schema import DATA_SCHEMA, OU_DATA_SCHEMA

    return (OU_DATA_SCHEMA if ou else DATA_SCHEMA).empty_table()
