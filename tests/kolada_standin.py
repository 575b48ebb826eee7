"""A local stand-in for the Kolada v3 API, serving the shipped real sample over HTTP.

Integration tests and benchmarks start it on ``127.0.0.1`` (a free port) and point
a client at :attr:`KoladaStandin.base_url`. It answers the v3 routes koladagap uses
with v3-shaped JSON envelopes, paginates like Kolada, and can inject faults
(throttling, 5xx, timeouts, resets, HTML or truncated bodies, pagination cycles,
changed fields) deterministically.

Import it by putting ``tests/`` on ``sys.path``::

    import sys; sys.path.insert(0, "tests")
    from kolada_standin import KoladaStandin

Examples:
    >>> import requests
    >>> with KoladaStandin() as kolada:                       # the full shipped sample
    ...     r = requests.get(kolada.base_url + "/data/kpi/N00906/municipality/0180/year/2022")
    ...     print(r.json()["values"][0]["kpi"])
    ...     _ = kolada.faults.add("429", retry_after=2)         # the next request is throttled
    ...     requests.get(kolada.base_url + "/kpi/N00906").status_code
    N00906
    429

What it serves (all GET; every list answer is the envelope
``{"values": [...], "count": <items on this page>, "next_url": ..., "previous_url": ...}``):

* ``/v3/kpi[/{ids}]`` (``?title=``; ``?from_date=`` is accepted and ignored),
  ``/v3/kpi_groups[/{ids}]``, ``/v3/municipality[/{ids}]`` (``?title=``,
  ``?region_type=K|L``), ``/v3/municipality_groups[/{ids}]`` (``?title=``),
  ``/v3/ou[/{ids}]`` (``?municipality=``, ``?title=``).
* ``/v3/data/kpi/{kpis}/municipality/{ids}/year/{years}`` and the variants
  ``kpi+year`` (bulk: every municipality *plus* rows for ``bulk_groups``),
  ``kpi+municipality`` and ``municipality+year``; ``/v3/oudata/kpi/{kpis}/ou/{ous}/year/{years}``
  and the same variants; the query forms ``/v3/data?kpi_id=&municipality_id=&year=``
  and ``/v3/oudata?kpi_id=&ou_id=&year=`` (repeated keys and/or comma lists). In the query
  form an unknown parameter name, or fewer than two of the three dimensions, gives an
  empty list (status 200), as the real API does for a wrong name.
* ``?from_date=YYYY-MM-DD`` on data routes: only observations changed on or after that
  date; deleted ones come back once per gender as ``value: null, isdeleted: true``.
* ``?page=`` (1-based) and ``?per_page=`` (default and cap 5000) everywhere.

Conventions (kept simple on purpose):

* Data objects are ordered by KPI, then period, then municipality/OU (explicit id lists
  keep the order asked). Genders inside ``values`` come in the order M, T, K so that
  clients cannot rely on an order.
* NaN becomes JSON ``null``; a missing ``count`` is served as ``1`` (Kolada does so for
  municipality rows); ``status`` is ``""`` when missing.
* A group id (``G…``) asked as a municipality gets the **unweighted** mean of its
  members' non-null values per gender, ``count`` = members that contributed (a gender
  where none did gets ``value: null, count: 0``). Its change date is the latest of its
  members'.
* Hostile modes (:data:`HOSTILE_KINDS`, queued like faults, with a ``payload``): ``inject``
  (the payload's data objects added to a page: other KPIs, ids, years, NaN, negative or
  huge counts, conflicting repeats), ``next_url`` (the payload as the page's ``next_url``),
  ``endless`` (a ``next_url`` to the next page for ever), ``redirect`` (302 to the
  payload), ``big`` (a body of ``payload`` bytes, no ``Content-Length``), ``announce``
  (``Content-Length: payload``, then the normal body), ``gzip_bomb`` (a small gzip body
  inflating to ``payload`` bytes), ``trickle`` (the answer one byte every ``sleep`` s),
  ``raw`` (the payload, bytes or text, as a 200 JSON body) and ``hold`` (the answer
  waits until a request containing ``payload`` has arrived, at most ``sleep`` s;
  :attr:`Fault.released` says whether it came).
* More than 25 ids (or years) in one comma list -> 422 ``{"detail": [{"msg": ...}]}``;
  unknown ids are left out; a malformed year, page, per_page or from_date -> 400;
  an unknown route -> 404 ``{"detail": "Not Found"}``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import re
import socket
import struct
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import numpy as np
import pandas as pd

from koladagap.kolada import sample

logger = logging.getLogger("koladagap.standin")

MAX_IDS = 25
MAX_PER_PAGE = 5000
GENDER_ORDER = ("M", "T", "K")  # deliberately not T, K, M: clients must not assume an order
DEFAULT_INITIAL_DATE = "2024-08-30"

FAULT_KINDS = frozenset(
    {
        "429",
        "500",
        "502",
        "503",
        "timeout",
        "reset",
        "html",
        "truncated",
        "cycle",
        "extra_field",
        "missing_field",
        "empty",
    }
)
_STATUS_FAULTS = {"429": 429, "500": 500, "502": 502, "503": 503}

HOSTILE_KINDS = frozenset(
    {
        "inject",
        "next_url",
        "endless",
        "redirect",
        "big",
        "announce",
        "gzip_bomb",
        "trickle",
        "raw",
        "hold",
    }
)
"""Answers of a hostile (or broken) server, beside the transient :data:`FAULT_KINDS`."""

OUTAGE_HTML = (
    "<!DOCTYPE html><html><head><title>Kolada - tillfälligt avbrott</title></head>"
    "<body><h1>Tjänsten är tillfälligt otillgänglig</h1>"
    "<p>Vi arbetar med att åtgärda problemet.</p></body></html>"
)

_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- fault injection -----------------------------------------------------------


@dataclass
class Fault:
    """One queued fault.

    ``kind`` is one of :data:`FAULT_KINDS`. It fires on requests whose path-with-query
    contains ``match`` (any request when ``None``), ``times`` times (forever when
    ``None``). ``retry_after`` is the ``Retry-After`` header of a 429 (seconds);
    ``sleep`` is how long a ``timeout`` fault stalls before answering normally;
    ``field`` is the key dropped by ``missing_field`` (default ``"count"``) or added
    by ``extra_field`` (default ``"unexpected_field"``).
    """

    kind: str
    match: str | None = None
    times: int | None = 1
    retry_after: int = 1
    sleep: float = 2.0
    field: str | None = None
    fired: int = 0
    payload: Any = None
    released: bool | None = None


class FaultQueue:
    """Thread-safe FIFO of :class:`Fault` s; each request takes the first that matches.

    Examples:
        >>> q = FaultQueue()
        >>> _ = q.add("500", times=2)
        >>> _ = q.add("missing_field", match="/data/", field="kpi")
        >>> [q.take("/v3/kpi").kind, q.take("/v3/kpi").kind]
        ['500', '500']
        >>> q.take("/v3/data/kpi/N1/year/2022").kind
        'missing_field'
        >>> q.take("/v3/kpi") is None
        True
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Fault] = []
        self._fired: list[tuple[str, str]] = []

    def add(
        self,
        kind: str,
        *,
        times: int | None = 1,
        match: str | None = None,
        retry_after: int = 1,
        sleep: float = 2.0,
        field: str | None = None,
        payload: Any = None,
    ) -> Fault:
        """Queue a fault for the next ``times`` requests (matching ``match``); return it."""
        if kind not in FAULT_KINDS | HOSTILE_KINDS:
            known = sorted(FAULT_KINDS | HOSTILE_KINDS)
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {known}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for every request)")
        fault = Fault(kind, match, times, retry_after, sleep, field, payload=payload)
        with self._lock:
            self._queue.append(fault)
        return fault

    def take(self, target: str) -> Fault | None:
        """The fault for a request to ``target`` (path with query), consuming one use."""
        with self._lock:
            for fault in self._queue:
                if fault.match is None or fault.match in target:
                    fault.fired += 1
                    if fault.times is not None and fault.fired >= fault.times:
                        self._queue.remove(fault)
                    self._fired.append((fault.kind, target))
                    return fault
        return None

    def clear(self) -> None:
        """Drop every queued fault and the record of fired ones."""
        with self._lock:
            self._queue.clear()
            self._fired.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults still queued (a copy of the list)."""
        with self._lock:
            return list(self._queue)

    @property
    def fired(self) -> list[tuple[str, str]]:
        """``(kind, path with query)`` of every fault that fired, in order."""
        with self._lock:
            return list(self._fired)

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)


# --- observations --------------------------------------------------------------


@dataclass(slots=True)
class _Obs:
    """One KPI × unit × period data object as served, with its change bookkeeping."""

    payload: dict[str, Any]  # {"kpi", "municipality"|"ou", "period", "values": [...]}
    changed: str  # ISO date of the last change
    deleted: bool = False

    def visible(self, from_date: str | None) -> dict[str, Any] | None:
        """The object to serve, or None when it is not served for this query."""
        if from_date is None:
            return None if self.deleted else self.payload
        if self.changed < from_date:
            return None
        if not self.deleted:
            return self.payload
        values = [{**v, "value": None, "isdeleted": True} for v in self.payload["values"]]
        return {**self.payload, "values": values}


def _gender_rank(genders: pd.Series) -> pd.Series:
    return genders.map({g: i for i, g in enumerate(GENDER_ORDER)}).fillna(len(GENDER_ORDER))


class _Store:
    """Observations indexed by ``(kpi, period) -> {unit id -> _Obs}``."""

    def __init__(self, unit_key: str) -> None:
        self.unit_key = unit_key  # "municipality" or "ou"
        self.cells: dict[tuple[str, int], dict[str, _Obs]] = {}
        self.kpis: set[str] = set()
        self.periods: set[int] = set()

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, unit_col: str, unit_key: str, day: str) -> _Store:
        """Index a tidy long frame: one value dict per row, one _Obs per kpi × unit × period."""
        store = cls(unit_key)
        if frame.empty:
            return store
        df = frame.assign(_rank=_gender_rank(frame["gender"].astype(object)))
        df = df.sort_values(["kpi", unit_col, "period", "_rank"], kind="stable")
        value = df["value"].astype("float64")
        count = df["count"] if "count" in df else pd.Series(pd.NA, index=df.index)
        status = df["status"] if "status" in df else pd.Series("", index=df.index)
        deleted = df["isdeleted"] if "isdeleted" in df else pd.Series(False, index=df.index)
        value_dicts = [
            {"gender": g, "count": c, "status": s, "value": v, "isdeleted": d}
            for g, c, s, v, d in zip(
                df["gender"].astype(str).tolist(),
                count.astype("Int64").fillna(1).astype("int64").tolist(),
                status.astype(object).fillna("").astype(str).tolist(),
                value.astype(object).where(value.notna(), None).tolist(),
                deleted.astype(object).fillna(False).astype(bool).tolist(),
                strict=True,
            )
        ]
        # One slice of value_dicts per observation: boundaries where the key changes.
        group_no = df.groupby(["kpi", unit_col, "period"], sort=False).ngroup().to_numpy()
        starts = np.flatnonzero(np.r_[True, group_no[1:] != group_no[:-1]])
        ends = np.r_[starts[1:], len(group_no)]
        kpis = df["kpi"].astype(str).to_numpy()[starts].tolist()
        units = df[unit_col].astype(str).to_numpy()[starts].tolist()
        periods = df["period"].astype("int64").to_numpy()[starts].tolist()
        for kpi, unit, period, a, b in zip(
            kpis, units, periods, starts.tolist(), ends.tolist(), strict=True
        ):
            payload = {"kpi": kpi, unit_key: unit, "period": period, "values": value_dicts[a:b]}
            store.cells.setdefault((kpi, period), {})[unit] = _Obs(payload, day)
        store.kpis.update(kpis)
        store.periods.update(periods)
        return store

    def get(self, kpi: str, unit: str, period: int) -> _Obs | None:
        cell = self.cells.get((kpi, period))
        return None if cell is None else cell.get(unit)

    def put(self, obs: _Obs) -> None:
        p = obs.payload
        self.cells.setdefault((p["kpi"], p["period"]), {})[p[self.unit_key]] = obs
        self.kpis.add(p["kpi"])
        self.periods.add(p["period"])


def _group_obs(gid: str, members: Sequence[str], cell: dict[str, _Obs]) -> _Obs | None:
    """The unweighted mean of a group's members in one (kpi, period) cell."""
    found = [cell[m] for m in members if m in cell]
    if not found:
        return None
    first = found[0].payload
    changed = max(o.changed for o in found)
    live = [o for o in found if not o.deleted]
    present = {v["gender"] for o in found for v in o.payload["values"]}
    observed: dict[str, list[float]] = {g: [] for g in present}
    for o in live:
        for v in o.payload["values"]:
            if v["value"] is not None:
                observed[v["gender"]].append(v["value"])
    values = [
        {
            "gender": g,
            "count": len(observed[g]),
            "status": "",
            "value": math.fsum(observed[g]) / len(observed[g]) if observed[g] else None,
            "isdeleted": False,
        }
        for g in sorted(present, key=lambda g: (g not in GENDER_ORDER, GENDER_ORDER.index(g)))
    ]
    payload = {
        "kpi": first["kpi"],
        "municipality": gid,
        "period": first["period"],
        "values": values,
    }
    return _Obs(payload, changed, deleted=not live)


# --- request parsing -------------------------------------------------------------


class _Reject(Exception):
    """An HTTP error answer (400, 404, 422) raised while routing."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail


def _not_found() -> _Reject:
    return _Reject(404, "Not Found")


def _split_ids(raw: Iterable[str], what: str) -> list[str]:
    """Comma lists (possibly several) -> ids in order, deduplicated; >25 -> 422."""
    ids: list[str] = []
    for chunk in raw:
        ids.extend(p.strip() for p in unquote(chunk).split(",") if p.strip())
    if len(ids) > MAX_IDS:
        msg = f"At most {MAX_IDS} values are allowed for {what}, got {len(ids)}"
        raise _Reject(422, [{"loc": ["path", what], "msg": msg, "type": "value_error"}])
    return list(dict.fromkeys(ids))


def _split_years(raw: Iterable[str]) -> list[int]:
    items = _split_ids(raw, "year")
    bad = [y for y in items if not _YEAR.match(y)]
    if bad:
        raise _Reject(400, f"Invalid year: {bad[0]!r}")
    return [int(y) for y in items]


def _positive_int(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        n = int(values[-1])
    except ValueError:
        raise _Reject(400, f"Invalid {name}: {values[-1]!r}") from None
    if n < 1:
        raise _Reject(400, f"Invalid {name}: {n}")
    return n


def _from_date(query: dict[str, list[str]]) -> str | None:
    values = query.get("from_date")
    if not values or not values[-1]:
        return None
    day = values[-1]
    try:
        if not _DATE.match(day):
            raise ValueError(day)
        date.fromisoformat(day)
    except ValueError:
        raise _Reject(400, f"Invalid from_date: {day!r} (expected YYYY-MM-DD)") from None
    return day


def _check_date(day: str) -> str:
    if not _DATE.match(day):
        raise ValueError(f"expected a date YYYY-MM-DD, got {day!r}")
    date.fromisoformat(day)
    return day


@dataclass
class _Query:
    """A data request after parsing: None in a dimension means 'all'."""

    ou: bool
    kpis: list[str] | None
    units: list[str] | None
    periods: list[int] | None
    from_date: str | None

    def key(self) -> tuple[Any, ...]:
        def t(x: list[Any] | None) -> tuple[Any, ...] | None:
            return None if x is None else tuple(x)

        return (self.ou, t(self.kpis), t(self.units), t(self.periods), self.from_date)


_PATH_FORMS = {
    ("kpi", "unit", "year"),
    ("kpi", "year"),
    ("kpi", "unit"),
    ("unit", "year"),
}


# --- the stand-in ------------------------------------------------------------------


@dataclass
class _Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class KoladaStandin:
    """A local Kolada v3 HTTP server built from the shipped sample (or frames you pass).

    Args:
        values: tidy municipality values (``kpi, municipality_id, period, gender, value,
            count, status, isdeleted``); default :func:`koladagap.kolada.sample.sample_values`.
        kpis, municipalities, municipality_groups, kpi_groups: metadata frames shaped
            like the sample's; each defaults to the sample's.
        ou: organisational units (``id, municipality, title``); default none.
        ou_values: OU values (``kpi, ou_id, period, gender, value, count, status,
            isdeleted``); default none.
        initial_date: the change date of everything loaded (for ``from_date``).
        bulk_groups: group ids whose means are added to the bulk form
            ``/data/kpi/{kpis}/year/{years}``; default the first two groups of
            ``municipality_groups``; ``[]`` for none.
        relative_next: emit ``next_url``/``previous_url`` as ``/v3/...?page=..`` instead
            of absolute URLs.
        latency: seconds added to every response (also settable later: ``.latency``).

    Use it as a context manager (or call :meth:`start` / :meth:`stop`). Changes:
    :meth:`set_today`, :meth:`revise`, :meth:`delete`. Faults: ``.faults``
    (:class:`FaultQueue`). Counters: :attr:`request_count`, :attr:`requests`,
    :meth:`reset_counters`.
    """

    def __init__(
        self,
        values: pd.DataFrame | None = None,
        kpis: pd.DataFrame | None = None,
        municipalities: pd.DataFrame | None = None,
        municipality_groups: pd.DataFrame | None = None,
        kpi_groups: pd.DataFrame | None = None,
        ou: pd.DataFrame | None = None,
        ou_values: pd.DataFrame | None = None,
        *,
        initial_date: str = DEFAULT_INITIAL_DATE,
        bulk_groups: Sequence[str] | None = None,
        relative_next: bool = False,
        latency: float = 0.0,
    ) -> None:
        self.initial_date = _check_date(initial_date)
        self.today = self.initial_date
        self.relative_next = relative_next
        self.latency = latency
        self.faults = FaultQueue()

        self._lock = threading.RLock()  # guards the stores and the response cache
        self._counter_lock = threading.Lock()
        self._arrived = threading.Condition(self._counter_lock)
        self._requests: list[str] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

        vals = sample.sample_values() if values is None else values
        self._data = _Store.from_frame(vals, "municipality_id", "municipality", self.initial_date)
        ou_vals = ou_values if ou_values is not None else pd.DataFrame()
        self._oudata = _Store.from_frame(ou_vals, "ou_id", "ou", self.initial_date)
        self._results: dict[tuple[Any, ...], list[dict[str, Any]]] = {}

        self._kpis = _records(sample.sample_kpis() if kpis is None else kpis)
        self._municipalities = _records(
            sample.sample_municipalities() if municipalities is None else municipalities
        )
        if municipality_groups is None:
            municipality_groups = sample.sample_municipality_groups()
        self._municipality_groups = _group_records(municipality_groups)
        self._kpi_groups = _group_records(
            sample.sample_kpi_groups() if kpi_groups is None else kpi_groups
        )
        if ou is None:
            ou = pd.DataFrame(columns=["id", "municipality", "title"])
        self._ou = _records(ou)
        self._group_members = {
            g["id"]: [m["member_id"] for m in g["members"]] for g in self._municipality_groups
        }
        if bulk_groups is None:
            bulk_groups = [g["id"] for g in self._municipality_groups[:2]]
        self.bulk_groups = [g for g in bulk_groups if g in self._group_members]

    # --- lifecycle -------------------------------------------------------------

    def start(self) -> KoladaStandin:
        """Start serving on a free loopback port in a daemon thread; return self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="kolada-standin",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: wake sleeping handlers, close open connections, join the thread."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> KoladaStandin:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the stand-in is not running; use start() or a with block")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v3``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v3``: what a client takes as its API root."""
        return self.root_url + "/v3"

    def url(self, route: str) -> str:
        """An absolute URL for ``route`` under ``/v3`` (``"/kpi/N00906"``)."""
        return self.base_url + "/" + route.lstrip("/")

    # --- counters ----------------------------------------------------------------

    @property
    def request_count(self) -> int:
        """How many requests the server has received since the last reset."""
        with self._counter_lock:
            return len(self._requests)

    @property
    def requests(self) -> list[str]:
        """The path-with-query of every request received, in arrival order (a copy)."""
        with self._counter_lock:
            return list(self._requests)

    def reset_counters(self) -> None:
        with self._counter_lock:
            self._requests.clear()

    def _record(self, target: str) -> None:
        with self._counter_lock:
            self._requests.append(target)
            self._arrived.notify_all()

    def wait_for(self, part: str, timeout: float) -> bool:
        """Block until a request whose path contains ``part`` has arrived (at most ``timeout``)."""
        with self._counter_lock:
            return self._arrived.wait_for(
                lambda: any(part in r for r in self._requests) or self._stopping.is_set(),
                timeout,
            ) and any(part in r for r in self._requests)

    # --- changes -----------------------------------------------------------------

    def set_today(self, day: str) -> None:
        """The date (``YYYY-MM-DD``) stamped on later :meth:`revise` / :meth:`delete` calls."""
        self.today = _check_date(day)

    def revise(
        self,
        kpi: str,
        municipality_id: str,
        period: int,
        gender: str,
        value: float | None,
        *,
        count: int = 1,
        status: str = "",
        ou: bool = False,
    ) -> None:
        """Set one gender's value (``None``/NaN for null), creating the observation if new.

        With ``ou=True`` ``municipality_id`` is an OU id. Stamped with :attr:`today`.
        """
        if not ou and municipality_id in self._group_members:
            raise ValueError("group values are derived from their members; revise a member")
        if value is not None and math.isnan(value):
            value = None
        entry = {
            "gender": gender,
            "count": count,
            "status": status,
            "value": value,
            "isdeleted": False,
        }
        store = self._oudata if ou else self._data
        with self._lock:
            old = store.get(kpi, municipality_id, period)
            kept = [] if old is None or old.deleted else old.payload["values"]
            values = [v for v in kept if v["gender"] != gender] + [entry]
            values.sort(key=lambda v: GENDER_ORDER.index(v["gender"]))
            payload = {
                "kpi": kpi,
                store.unit_key: municipality_id,
                "period": int(period),
                "values": values,
            }
            store.put(_Obs(payload, self.today))
            self._results.clear()

    def delete(self, kpi: str, municipality_id: str, period: int, *, ou: bool = False) -> None:
        """Delete an observation (all genders), stamped with :attr:`today`.

        Raises KeyError when there is no such live observation.
        """
        store = self._oudata if ou else self._data
        with self._lock:
            old = store.get(kpi, municipality_id, int(period))
            if old is None or old.deleted:
                raise KeyError((kpi, municipality_id, period))
            store.put(_Obs(old.payload, self.today, deleted=True))
            self._results.clear()

    # --- serving -----------------------------------------------------------------

    def pause(self, seconds: float) -> None:
        """Sleep up to ``seconds``; cut short when the server stops (keeps shutdown bounded)."""
        if seconds > 0:
            self._stopping.wait(seconds)

    def answer(self, target: str, fault: Fault | None = None) -> _Reply:
        """The reply to ``GET target`` (path with query), without any HTTP."""
        parts = urlsplit(target)
        query = _parse_query(parts.query)
        try:
            page = _positive_int(query, "page", 1)
            per_page = min(_positive_int(query, "per_page", MAX_PER_PAGE), MAX_PER_PAGE)
            items = self._route(parts.path, query)
        except _Reject as err:
            return _Reply(err.status, {"detail": err.detail})
        return _Reply(200, self._envelope(items, parts.path, parts.query, page, per_page, fault))

    def _route(self, path: str, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        if not path.startswith("/v3/"):
            raise _not_found()
        segs = [unquote(s) for s in path[len("/v3/") :].strip("/").split("/")]
        head, rest = segs[0], segs[1:]
        if head in ("data", "oudata"):
            ou = head == "oudata"
            q = self._query_form(query, ou) if not rest else self._path_form(rest, query, ou)
            return [] if q is None else self._data_items(q)
        if len(rest) > 1:
            raise _not_found()
        ids = _split_ids(rest, "id") if rest else None
        title = (query.get("title") or [""])[-1].casefold()
        if head == "kpi":
            return _pick(self._kpis, ids, title)
        if head == "kpi_groups":
            return _pick(self._kpi_groups, ids, title)
        if head == "municipality_groups":
            return _pick(self._municipality_groups, ids, title)
        if head == "municipality":
            items = _pick(self._municipalities, ids, title)
            kind = (query.get("region_type") or [""])[-1].upper()
            return [m for m in items if m["type"] == kind] if kind else items
        if head == "ou":
            items = _pick(self._ou, ids, title)
            if "municipality" in query:
                wanted = set(_split_ids(query["municipality"], "municipality"))
                items = [o for o in items if o["municipality"] in wanted]
            return items
        raise _not_found()

    def _path_form(self, rest: list[str], query: dict[str, list[str]], ou: bool) -> _Query:
        unit_name = "ou" if ou else "municipality"
        if len(rest) % 2 or "" in rest:
            raise _not_found()
        names = tuple("unit" if n == unit_name else n for n in rest[0::2])
        if names not in _PATH_FORMS:
            raise _not_found()
        given = dict(zip(names, rest[1::2], strict=True))
        return _Query(
            ou=ou,
            kpis=_split_ids([given["kpi"]], "kpi") if "kpi" in given else None,
            units=_split_ids([given["unit"]], unit_name) if "unit" in given else None,
            periods=_split_years([given["year"]]) if "year" in given else None,
            from_date=_from_date(query),
        )

    def _query_form(self, query: dict[str, list[str]], ou: bool) -> _Query | None:
        unit_param = "ou_id" if ou else "municipality_id"
        known = {"kpi_id", unit_param, "year", "from_date", "page", "per_page"}
        if set(query) - known:
            return None  # the real API answers a wrong parameter name with an empty list
        if sum(p in query for p in ("kpi_id", unit_param, "year")) < 2:
            return None
        return _Query(
            ou=ou,
            kpis=_split_ids(query["kpi_id"], "kpi_id") if "kpi_id" in query else None,
            units=_split_ids(query[unit_param], unit_param) if unit_param in query else None,
            periods=_split_years(query["year"]) if "year" in query else None,
            from_date=_from_date(query),
        )

    def _data_items(self, q: _Query) -> list[dict[str, Any]]:
        """Every data object a query selects (cached until the next change)."""
        key = q.key()
        with self._lock:
            cached = self._results.get(key)
            if cached is None:
                cached = self._select(q)
                if len(self._results) > 64:
                    self._results.clear()
                self._results[key] = cached
            return cached

    def _select(self, q: _Query) -> list[dict[str, Any]]:
        store = self._oudata if q.ou else self._data
        kpis = sorted(store.kpis) if q.kpis is None else q.kpis
        periods = sorted(store.periods) if q.periods is None else q.periods
        groups = {} if q.ou else self._group_members
        out: list[dict[str, Any]] = []
        for kpi in kpis:
            for period in periods:
                cell = store.cells.get((kpi, period))
                if cell is None:
                    continue
                units = q.units
                if units is None:
                    units = sorted(cell) + ([] if q.ou else self.bulk_groups)
                for unit in units:
                    obs = cell.get(unit)
                    if obs is None and unit in groups:
                        obs = _group_obs(unit, groups[unit], cell)
                    payload = None if obs is None else obs.visible(q.from_date)
                    if payload is not None:
                        out.append(payload)
        return out

    def _envelope(
        self,
        items: list[dict[str, Any]],
        path: str,
        raw_query: str,
        page: int,
        per_page: int,
        fault: Fault | None,
    ) -> dict[str, Any]:
        kind = fault.kind if fault else None
        start = (page - 1) * per_page
        values = items[start : start + per_page]
        next_page = page + 1 if start + per_page < len(items) else None
        if kind == "cycle":
            next_page = 1
        if kind == "empty":
            values, next_page = [], None
        elif kind == "extra_field":
            name = fault.field if fault and fault.field else "unexpected_field"
            values = [_with_field(v, name) for v in values]
        elif kind == "missing_field":
            name = fault.field if fault and fault.field else "count"
            values = [_without_field(v, name) for v in values]
        elif kind == "inject" and fault is not None:
            values = [*values, *fault.payload]
        elif kind == "endless":
            next_page = page + 1

        def link(n: int | None) -> str | None:
            return None if n is None else self._page_url(path, raw_query, n, per_page)

        return {
            "values": values,
            "count": len(values),
            "next_url": fault.payload if kind == "next_url" and fault else link(next_page),
            "previous_url": link(page - 1 if page > 1 else None),
        }

    def _page_url(self, path: str, raw_query: str, page: int, per_page: int) -> str:
        pairs = parse_qsl(raw_query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k not in ("page", "per_page")]
        query = urlencode([*kept, ("page", str(page)), ("per_page", str(per_page))], safe=",")
        relative = f"{path}?{query}"
        return relative if self.relative_next or self._server is None else self.root_url + relative


# --- helpers -------------------------------------------------------------------------


def _parse_query(raw: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in parse_qsl(raw, keep_blank_values=True):
        out.setdefault(k, []).append(v)
    return out


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A metadata frame as JSON-ready dicts (NA -> None, numpy scalars -> Python)."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        {str(k): (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}
        for row in clean.to_dict("records")
    ]


def _group_records(members: pd.DataFrame) -> list[dict[str, Any]]:
    """Member rows (``group_id, group_title, member_id, member_title``) -> v3 group objects."""
    groups: dict[str, dict[str, Any]] = {}
    for gid, title, mid, mtitle in zip(
        members["group_id"].astype(str).tolist(),
        members["group_title"].astype(str).tolist(),
        members["member_id"].astype(str).tolist(),
        members["member_title"].astype(str).tolist(),
        strict=True,
    ):
        group = groups.setdefault(gid, {"id": gid, "title": title, "members": []})
        group["members"].append({"member_id": mid, "member_title": mtitle})
    return list(groups.values())


def _pick(items: list[dict[str, Any]], ids: list[str] | None, title: str) -> list[dict[str, Any]]:
    """Items with the given ids (in the order asked; unknown left out) and title substring."""
    if ids is not None:
        by_id = {item["id"]: item for item in items}
        items = [by_id[i] for i in ids if i in by_id]
    if title:
        items = [item for item in items if title in str(item.get("title") or "").casefold()]
    return items


def _with_field(obj: dict[str, Any], name: str) -> dict[str, Any]:
    out = {**obj, name: "stand-in"}
    if isinstance(obj.get("values"), list):
        out["values"] = [{**v, name: "stand-in"} for v in obj["values"]]
    return out


def _without_field(obj: dict[str, Any], name: str) -> dict[str, Any]:
    out = {k: v for k, v in obj.items() if k != name}
    if isinstance(out.get("values"), list):
        out["values"] = [{k: x for k, x in v.items() if k != name} for v in out["values"]]
    return out


# --- HTTP --------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that knows its stand-in and can close live connections."""

    daemon_threads = True

    def __init__(self, standin: KoladaStandin) -> None:
        self.standin = standin
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handlers blocked on idle keep-alive connections so their threads end."""
        with self._connections_lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet for clients that hang up; loud (a warning log) for a bug in the stand-in."""
        err = sys.exc_info()[1]
        level = (
            logging.DEBUG if isinstance(err, (ConnectionError, TimeoutError)) else logging.WARNING
        )
        logger.log(level, "stand-in: error while serving %s", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can pool connections
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server_version = "KoladaStandin/1"
    timeout = 30  # idle keep-alive connections close after this
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("stand-in: " + format, *args)

    def do_GET(self) -> None:
        standin = self.server.standin
        target = self.path
        standin._record(target)
        standin.pause(standin.latency)
        fault = standin.faults.take(target)
        kind = fault.kind if fault else None
        try:
            if fault is not None and kind in _STATUS_FAULTS:
                self._send_status_fault(fault)
                return
            if kind == "html":
                self._send(200, OUTAGE_HTML.encode(), "text/html; charset=utf-8")
                return
            if fault is not None and kind in _HOSTILE_SENDERS:
                _HOSTILE_SENDERS[kind](self, fault, target)
                return
            if fault is not None and kind == "timeout":
                standin.pause(fault.sleep)
            reply = standin.answer(target, fault)
            body = json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode()
            if kind == "truncated":
                body = body[: max(1, len(body) // 2)]
            if kind == "reset":
                self._send_reset(reply.status, body)
                return
            self._send(reply.status, body, "application/json", reply.headers)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. a timeout)
            self.close_connection = True

    def _send_status_fault(self, fault: Fault) -> None:
        status = _STATUS_FAULTS[fault.kind]
        headers = {"Retry-After": str(fault.retry_after)} if status in (429, 503) else {}
        detail = {429: "Too Many Requests", 500: "Internal Server Error"}
        if status in detail:
            body = json.dumps({"detail": detail[status]}).encode()
            self._send(status, body, "application/json", headers)
        else:  # gateways answer 502/503 with an HTML page
            self._send(status, OUTAGE_HTML.encode(), "text/html; charset=utf-8", headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_reset(self, status: int, body: bytes) -> None:
        """Announce the full body, send half of it, then reset the connection (RST)."""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.server.standin.pause(0.02)
        self.close_connection = True
        conn = self.connection
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    # --- hostile answers (HOSTILE_KINDS) ------------------------------------------------

    def _normal_body(self, target: str, fault: Fault | None = None) -> bytes:
        reply = self.server.standin.answer(target, fault)
        return json.dumps(reply.body, ensure_ascii=False, separators=(",", ":")).encode()

    def _send_redirect(self, fault: Fault, target: str) -> None:
        self._send(302, b"", "application/json", {"Location": str(fault.payload)})

    def _send_big(self, fault: Fault, target: str) -> None:
        """``payload`` bytes of JSON whitespace, no length: the client must stop reading."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        block = b" " * 65536
        self.wfile.write(b'{"values": [')
        left = int(fault.payload)
        while left > 0 and not self.server.standin._stopping.is_set():
            self.wfile.write(block[: min(left, len(block))])
            left -= len(block)

    def _send_announce(self, fault: Fault, target: str) -> None:
        """A ``Content-Length`` of ``payload`` bytes announced; the connection then closes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(int(fault.payload)))
        self.end_headers()
        self.close_connection = True
        self.wfile.write(self._normal_body(target))

    def _send_gzip_bomb(self, fault: Fault, target: str) -> None:
        body = _bomb(int(fault.payload))
        self._send(200, body, "application/json", {"Content-Encoding": "gzip"})

    def _send_trickle(self, fault: Fault, target: str) -> None:
        """The normal answer, a byte every ``fault.sleep`` s (a read timeout never trips)."""
        body = self._normal_body(target)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        standin = self.server.standin
        for i in range(len(body)):
            if standin._stopping.is_set():
                return
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            standin.pause(fault.sleep)

    def _send_raw(self, fault: Fault, target: str) -> None:
        raw = fault.payload
        self._send(200, raw if isinstance(raw, bytes) else str(raw).encode(), "application/json")

    def _send_held(self, fault: Fault, target: str) -> None:
        """Wait (at most ``fault.sleep`` s) until a request containing ``payload`` arrived."""
        standin = self.server.standin
        fault.released = standin.wait_for(str(fault.payload), fault.sleep)
        self._send(200, self._normal_body(target), "application/json")


def _bomb(size: int) -> bytes:
    """A gzip body that inflates to ``size`` bytes (JSON with a long run of spaces)."""
    import gzip

    head, tail = b'{"values": [', b"]}"
    return gzip.compress(head + b" " * max(0, size - len(head) - len(tail)) + tail, 6)


_HOSTILE_SENDERS = {
    "redirect": _Handler._send_redirect,
    "big": _Handler._send_big,
    "announce": _Handler._send_announce,
    "gzip_bomb": _Handler._send_gzip_bomb,
    "trickle": _Handler._send_trickle,
    "raw": _Handler._send_raw,
    "hold": _Handler._send_held,
}
