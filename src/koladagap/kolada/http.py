"""HTTP plumbing for the Kolada client: one session, retries, a rate cap, error mapping.

What every request gets:

- a ``requests.Session`` whose adapter retries with urllib3's ``Retry``: HTTP 429
  (honouring ``Retry-After``), 500, 502, 503 and 504 with exponential backoff, and
  connections broken or timed out while reading (``retries``, default 5); a
  connection that cannot be made at all (the name does not resolve, the port is
  refused, no connection within the connect timeout) is retried fewer times
  (``connect_retries``, default 2: about one second with the default backoff), so
  that a machine without a network hears so at once; only ``GET`` is ever sent;
- a timeout (connect, read) on every request;
- a ``User-Agent`` naming koladagap and its version;
- a polite rate cap shared by all threads (default 10 requests/s);
- a second, outer retry for what urllib3 cannot retry: a body cut off midway
  (``ChunkedEncodingError``, incomplete read) and an HTML or malformed JSON body
  with status 200 (Kolada's outage page);
- bounds on every answer: at most ``max_body_bytes`` read from the wire and at most
  as many once inflated (the body is streamed and reading stops there: a 2 GB body
  or a gzip bomb is an error, never read whole); a deadline per request
  (``request_deadline``, wall clock across connecting, a trickling answer and every
  retry) and, set by the client, per fetch; ``Retry-After`` capped at
  ``retry_after_max`` seconds; every limit exceeded is an
  :class:`~koladagap.errors.APIError` naming the URL and the limit;
- redirects followed only within the origin (scheme, host and port) of the URL
  asked (or the API's, given as ``origin``): a redirect elsewhere (e.g. to
  ``169.254.169.254``) is refused, naming where it led;
- a log line per request on the ``koladagap`` logger (INFO: the URL, its status, the
  time and the size) and one per retry, instead of urllib3's own warnings;
- errors mapped to :mod:`koladagap.errors`, always with the URL: a non-success
  status after retries is :class:`~koladagap.errors.HTTPStatusError`, a connection
  that cannot be made is :class:`~koladagap.errors.TransportError` whose message
  says why in a few words (:func:`connection_reason`), a body that is not a v3
  envelope is :class:`~koladagap.errors.ResponseFormatError`.

urllib3 logs each retry as a warning on its own logger (``urllib3.connectionpool``);
for koladagap's own requests those records are dropped (:class:`_OwnRetries`), since
koladagap logs each retry in one line of its own.

The rate cap counts the requests koladagap starts; the retries urllib3 makes inside
one request are paced by its backoff and by ``Retry-After`` instead.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from urllib3.util.retry import Retry

from koladagap._version import __version__
from koladagap.errors import HTTPStatusError, InputError, ResponseFormatError, TransportError
from koladagap.kolada.transport import (
    _FILTER,
    DeadlineExceeded,
    KoladaRetry,
    _Adapter,
    _snippet,
    deadline,
    send,
)

log = logging.getLogger("koladagap.kolada.http")

DEFAULT_USER_AGENT = f"koladagap/{__version__} (python-requests; gender-gap analysis of Kolada)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


RATE_RANGE = (0.1, 1000.0)
"""Requests per second ``rate_limit`` accepts (or ``0``: no cap, for a local stand-in)."""


@dataclass(frozen=True)
class HTTPSettings:
    """How koladagap talks to Kolada. Every field has a polite default.

    Attributes:
        max_workers: requests in flight at once (a thread pool); default 4.
        rate_limit: at most this many requests started per second, across all
            threads; default 10, accepted 0.1 to 1000. ``0`` turns the cap off (only
            for a local stand-in).
        connect_timeout: seconds to establish a connection.
        read_timeout: seconds to wait for the server between bytes.
        retries: how many times a failed request is retried (429, 5xx, connections
            broken while reading, read timeouts).
        connect_retries: how many times a connection that cannot be made (name not
            resolved, refused, connect timeout) is retried; fewer than ``retries``,
            since a machine without a network does not heal in seconds (at most
            ``retries``).
        backoff_factor: exponential backoff base in seconds (0.5 → 0.5, 1, 2, 4 …).
        backoff_max: the longest backoff sleep, in seconds.
        body_retries: how many times a body cut off midway or an HTML/malformed JSON
            answer is fetched again before the error is raised.
        per_page: page size asked of Kolada (its cap is 5000).
        user_agent: the ``User-Agent`` header.
        municipality_type_param: query parameter that filters ``/municipality`` by
            type (``K``/``L``); Kolada's name for it is unverified, so it can be set.
        fit_pages: size municipality/OU id lists so that each answer fits on one
            page (at most ``per_page`` objects: KPIs × ids × years); ``False`` uses
            lists of 25 and follows the extra pages.
        max_body_bytes: the largest answer read, both as sent (compressed) and once
            inflated; default 16 MiB (a full page of 5000 data objects is about 2 MB, the
            largest real metadata page about 3 MB; four answers in flight, parsed, stay
            well under 1 GB).
        request_deadline: seconds one request may take in all (connecting, every
            retry and its wait, reading a slow answer); default 300.
        fetch_deadline: seconds one fetch (every request of one query) may take;
            default 3600.
        retry_after_max: the longest ``Retry-After`` honoured, in seconds; default 60.

    Examples:
        >>> HTTPSettings(max_workers=2, rate_limit=5).max_workers
        2
        >>> HTTPSettings(rate_limit=float("nan"))
        Traceback (most recent call last):
        ...
        koladagap.errors.InputError: --rate (rate_limit) nan: expected requests per second \
from 0.1 to 1000 (0 turns the cap off, for a local stand-in only)
    """

    max_workers: int = 4
    rate_limit: float = 10.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5
    connect_retries: int = 2
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    body_retries: int = 3
    per_page: int = 5000
    user_agent: str = DEFAULT_USER_AGENT
    municipality_type_param: str = "region_type"
    fit_pages: bool = True
    extra_headers: dict[str, str] = field(default_factory=dict)
    max_body_bytes: int = 16 * 2**20
    request_deadline: float = 300.0
    fetch_deadline: float = 3600.0
    retry_after_max: float = 60.0

    def __post_init__(self) -> None:
        if not _whole(self.max_workers) or not 1 <= self.max_workers <= 32:
            raise InputError(
                f"--max-workers (max_workers) {self.max_workers}: "
                "expected a whole number from 1 to 32"
            )
        rate = self.rate_limit
        lo, hi = RATE_RANGE
        if not _number(rate) or not (rate == 0 or lo <= rate <= hi):
            raise InputError(
                f"--rate (rate_limit) {rate}: expected requests per second from {lo:g} to "
                f"{hi:g} (0 turns the cap off, for a local stand-in only)"
            )
        if not _whole(self.per_page) or not 1 <= self.per_page <= 5000:
            raise InputError(f"per_page={self.per_page}: expected 1 to 5000 (Kolada's cap)")
        counts = (self.retries, self.connect_retries, self.body_retries)
        if not all(_whole(n) and 0 <= n <= 100 for n in counts):
            raise InputError(
                "retries, connect_retries and body_retries must be whole numbers from 0 to 100"
            )
        for name in (
            "connect_timeout",
            "read_timeout",
            "request_deadline",
            "fetch_deadline",
            "retry_after_max",
            "backoff_max",
        ):
            value = getattr(self, name)
            if not _number(value) or value <= 0:
                raise InputError(f"{name}={value}: expected a finite number of seconds > 0")
        if not _number(self.backoff_factor) or self.backoff_factor < 0:
            raise InputError(f"backoff_factor={self.backoff_factor}: expected seconds >= 0")
        if not _whole(self.max_body_bytes) or self.max_body_bytes < 1024:
            raise InputError(f"max_body_bytes={self.max_body_bytes}: expected bytes >= 1024")

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` timeout passed to every request."""
        return (self.connect_timeout, self.read_timeout)


def _number(x: object) -> bool:
    """A real, finite number (not a bool)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _whole(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


class RateLimiter:
    """Start at most ``rate`` requests per second, across threads (a spacing limiter).

    Each :meth:`acquire` takes the next free start slot, ``1 / rate`` seconds after the
    one before, and sleeps until it. ``clock`` and ``sleep`` default to
    :func:`time.monotonic` and :func:`time.sleep`; tests pass a fake clock.

    Examples:
        >>> lim = RateLimiter(0)  # off
        >>> lim.acquire()
        >>> t = [10.0]
        >>> lim = RateLimiter(4, clock=lambda: t[0], sleep=lambda s: None)
        >>> [lim.acquire() for _ in range(3)]
        [10.0, 10.25, 10.5]
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = clock()

    def acquire(self) -> float | None:
        """Block until the next request may start; that start time (``None`` when off)."""
        if self.interval == 0.0:
            return None
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return start


def make_retry(settings: HTTPSettings) -> Retry:
    """The urllib3 ``Retry`` policy koladagap uses (see the module docstring).

    Examples:
        >>> r = make_retry(HTTPSettings())
        >>> r.total, r.connect, r.read, r.status, r.after_cap
        (5, 2, 5, 5, 60.0)
    """
    return KoladaRetry(
        total=settings.retries,
        connect=min(settings.connect_retries, settings.retries),
        read=settings.retries,
        status=settings.retries,
        other=0,
        redirect=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
        after_cap=settings.retry_after_max,
    )


def make_session(settings: HTTPSettings) -> requests.Session:
    """A ``requests.Session`` with koladagap's retry policy, pool size and headers."""
    session = requests.Session()
    configure_session(session, settings)
    return session


def configure_session(session: requests.Session, settings: HTTPSettings) -> None:
    """Mount koladagap's retrying adapter and headers on an existing session."""
    adapter = _Adapter(
        max_retries=make_retry(settings),
        pool_connections=settings.max_workers,
        pool_maxsize=settings.max_workers,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update(
        {"User-Agent": settings.user_agent, "Accept": "application/json", **settings.extra_headers}
    )
    pool_log = logging.getLogger("urllib3.connectionpool")
    if _FILTER not in pool_log.filters:
        pool_log.addFilter(_FILTER)


def _status_detail(text: str) -> str:
    try:
        body = json.loads(text)
    except ValueError:
        return _snippet(text)
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        if isinstance(detail, list):
            msgs = [str(d.get("msg", d)) if isinstance(d, dict) else str(d) for d in detail]
            return _snippet("; ".join(msgs))
        return _snippet(str(detail))
    return _snippet(json.dumps(body, ensure_ascii=False))


_BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def _cut_off(err: BaseException) -> bool:
    """Whether a connection error is a broken answer (reset or cut mid-body), not a dead host."""
    from urllib3.exceptions import ProtocolError

    seen: set[int] = set()
    cur: BaseException | None = err
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ProtocolError) or any(isinstance(a, ProtocolError) for a in cur.args):
            return True
        cur = cur.__cause__ or cur.__context__
    return False


def _causes(err: BaseException) -> list[BaseException]:
    """``err`` and every exception behind it: causes, contexts, urllib3's ``reason``, args."""
    found: list[BaseException] = []
    todo = [err]
    while todo:
        cur = todo.pop(0)
        if any(cur is f for f in found):
            continue
        found.append(cur)
        more = (cur.__cause__, cur.__context__, getattr(cur, "reason", None), *cur.args)
        todo += [m for m in more if isinstance(m, BaseException)]
    return found


def connection_reason(err: BaseException, settings: HTTPSettings | None = None) -> str:
    """Why a request got no answer, in a few words (the URL is named by the caller).

    Examples:
        >>> connection_reason(ConnectionRefusedError(111, "Connection refused"), HTTPSettings())
        'connection refused (nothing listens at that address and port)'
        >>> connection_reason(OSError("something odd"), HTTPSettings())
        'something odd'
    """
    import socket

    from urllib3.exceptions import (
        ConnectTimeoutError,
        NameResolutionError,
        NewConnectionError,
        ReadTimeoutError,
    )

    settings = settings or HTTPSettings()
    chain = _causes(err)

    def seen(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if seen(NameResolutionError, socket.gaierror):
        return "the host name could not be resolved (no network, or a wrong API address?)"
    if seen(ConnectionRefusedError):
        return "connection refused (nothing listens at that address and port)"
    if seen(NewConnectionError):
        oserr = [e for e in chain if isinstance(e, OSError) and e.strerror]
        return f"no connection ({oserr[-1].strerror})" if oserr else "no connection"
    if seen(ConnectTimeoutError, requests.exceptions.ConnectTimeout):
        return f"no connection within {settings.connect_timeout:g} s"
    if seen(ReadTimeoutError, requests.exceptions.ReadTimeout, socket.timeout):
        return f"no answer within {settings.read_timeout:g} s"
    if _cut_off(err):
        return "the connection broke while the answer was read"
    return _snippet(str(chain[-1]) or type(chain[-1]).__name__)


class _NotANumber(ValueError):
    """A JSON ``NaN``, ``Infinity`` or ``-Infinity`` (not JSON, but Python's parser takes them)."""


def _refuse(text: str) -> float:
    raise _NotANumber(text)


def parse_json(body: bytes) -> Any:
    """Kolada's JSON, refusing ``NaN``, ``Infinity`` and ``-Infinity``.

    A number that overflows to infinity (``1e999``) is parsed as such and refused
    where numbers are checked (:func:`koladagap.kolada.frames.flatten_records`), at
    no cost to every other number.

    Examples:
        >>> parse_json(b'{"values": [1.5]}')
        {'values': [1.5]}
        >>> parse_json(b'[NaN]')
        Traceback (most recent call last):
        ...
        koladagap.kolada.http._NotANumber: NaN
    """
    return json.loads(body, parse_constant=_refuse)


class _Again(Exception):
    """Internal: an answer worth asking for again (an outage page, malformed JSON)."""

    def __init__(self, error: ResponseFormatError) -> None:
        self.error = error


Decoder = Callable[[bytes, str], dict[str, Any]]
"""Turns a body (and its URL) into the envelope; :class:`ValueError` when it is no JSON."""


def _envelope(status: int, body: bytes, url: str, decode: Decoder | None) -> dict[str, Any]:
    """The v3 envelope in ``body``, or the error (:class:`_Again` when worth retrying)."""
    if status >= 400:
        text = body.decode("utf-8", "replace")
        raise HTTPStatusError(
            f"HTTP {status}: {_status_detail(text)}", url=url, status=status, body=text[:2000]
        )
    try:
        payload = parse_json(body) if decode is None else decode(body, url)
    except _NotANumber as err:
        raise ResponseFormatError(
            f"the answer holds the number {_snippet(str(err), 40)}: "
            "expected finite numbers or null",
            url=url,
        ) from None
    except ValueError as err:
        head = body[:500].decode("utf-8", "replace")
        kind = "an HTML page" if "<html" in head.lower() else "malformed JSON"
        again = ResponseFormatError(f"expected JSON, got {kind} ({_snippet(head, 80)!r})", url=url)
        again.__cause__ = err
        raise _Again(again) from err
    if decode is not None:
        return payload
    if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
        keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
        raise ResponseFormatError(
            f"expected a v3 envelope with a 'values' list, got {keys}", url=url
        )
    return payload


def get_json(
    session: requests.Session,
    url: str,
    settings: HTTPSettings,
    limiter: RateLimiter | None = None,
    *,
    home: str | None = None,
    until: float | None = None,
    decode: Decoder | None = None,
) -> dict[str, Any]:
    """GET ``url`` and return its JSON envelope, or raise an :class:`~koladagap.errors.APIError`.

    ``decode`` parses the body instead of :func:`parse_json` (and checks the envelope
    itself): the client reads data pages straight into Arrow with it.

    The envelope must be an object with a ``values`` list; anything else (an HTML
    outage page, a truncated or malformed body) is retried ``settings.body_retries``
    times and then raised as :class:`~koladagap.errors.ResponseFormatError`. A body
    larger than ``settings.max_body_bytes`` or holding a number that is not finite is
    an error at once. Redirects are followed only within the origin of ``home``
    (default: ``url``'s own). The whole request, retries included, ends by
    ``settings.request_deadline`` seconds from now or at ``until`` (a
    :func:`time.monotonic` time), whichever comes first.
    """
    started = time.monotonic()
    limit, what = settings.request_deadline, "the deadline per request"
    end = started + limit
    if until is not None and until < end:
        end, limit, what = until, max(until - started, 0.0), "the deadline of this fetch"
    with deadline(end, url):
        try:
            return _get_json(session, url, settings, limiter, home or url, end, decode)
        except DeadlineExceeded:
            raise TransportError(
                f"no complete answer within {limit:.3g} s ({what}; "
                "HTTPSettings.request_deadline and fetch_deadline)",
                url=url,
            ) from None


def _get_json(
    session: requests.Session,
    url: str,
    settings: HTTPSettings,
    limiter: RateLimiter | None,
    home: str,
    end: float,
    decode: Decoder | None = None,
) -> dict[str, Any]:
    attempts = settings.body_retries + 1
    last: Exception | None = None
    for attempt in range(attempts):
        if limiter is not None:
            limiter.acquire()
        if time.monotonic() >= end:
            raise DeadlineExceeded
        t0 = time.monotonic()
        try:
            resp, body = send(
                session, url, home, timeout=settings.timeout, limit=settings.max_body_bytes
            )
        except _BODY_ERRORS as err:
            last = err
            log.info("body of %s cut off (%s); attempt %d/%d", url, err, attempt + 1, attempts)
            continue
        except requests.exceptions.RetryError as err:
            raise TransportError(
                f"gave up after {settings.retries} retries: {connection_reason(err, settings)}",
                url=url,
            ) from err
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as err:
            if _cut_off(err) and attempt + 1 < attempts:
                last = err  # the connection broke while the answer was being read
                log.info(
                    "answer of %s cut off (%s); attempt %d/%d", url, err, attempt + 1, attempts
                )
                continue
            raise TransportError(
                f"Kolada could not be reached: {connection_reason(err, settings)}", url=url
            ) from err
        except requests.exceptions.RequestException as err:
            raise TransportError(
                f"request failed: {connection_reason(err, settings)}", url=url
            ) from err
        log.info(
            "GET %s: %d, %.2f s, %d bytes", url, resp.status_code, time.monotonic() - t0, len(body)
        )
        try:
            return _envelope(resp.status_code, body, url, decode)
        except _Again as again:
            last = again.error
            log.info("%s; attempt %d/%d", last, attempt + 1, attempts)
    if isinstance(last, ResponseFormatError):
        raise last
    raise TransportError(f"body cut off {attempts} times ({last})", url=url) from last
