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
- errors mapped to :mod:`koladagap.errors`, always with the URL: a non-success
  status after retries is :class:`~koladagap.errors.HTTPStatusError`, a connection
  that cannot be made is :class:`~koladagap.errors.TransportError` whose message
  says why in a few words (:func:`connection_reason`), a body that is not a v3
  envelope is :class:`~koladagap.errors.ResponseFormatError`.

urllib3 logs each retry as a warning on its own logger (``urllib3.connectionpool``);
the command line shows those only with ``-v``.

The rate cap counts the requests koladagap starts; the retries urllib3 makes inside
one request are paced by its backoff and by ``Retry-After`` instead.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from koladagap._version import __version__
from koladagap.errors import HTTPStatusError, InputError, ResponseFormatError, TransportError

log = logging.getLogger("koladagap.kolada.http")

DEFAULT_USER_AGENT = f"koladagap/{__version__} (python-requests; gender-gap analysis of Kolada)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HTTPSettings:
    """How koladagap talks to Kolada. Every field has a polite default.

    Attributes:
        max_workers: requests in flight at once (a thread pool); default 4.
        rate_limit: at most this many requests started per second, across all
            threads; default 10. ``0`` turns the cap off (only for a local stand-in).
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

    Examples:
        >>> HTTPSettings(max_workers=2, rate_limit=5).max_workers
        2
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

    def __post_init__(self) -> None:
        if not 1 <= self.max_workers <= 32:
            raise InputError(
                f"max_workers={self.max_workers}: expected a whole number from 1 to 32"
            )
        if self.rate_limit < 0:
            raise InputError(f"rate_limit={self.rate_limit}: expected requests/s >= 0")
        if not 1 <= self.per_page <= 5000:
            raise InputError(f"per_page={self.per_page}: expected 1 to 5000 (Kolada's cap)")
        if min(self.retries, self.connect_retries, self.body_retries) < 0:
            raise InputError("retries, connect_retries and body_retries must be >= 0")
        if self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise InputError("timeouts must be > 0 seconds")

    @property
    def timeout(self) -> tuple[float, float]:
        """``(connect, read)`` timeout passed to every request."""
        return (self.connect_timeout, self.read_timeout)


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
        >>> r.total, r.connect, r.read, r.status
        (5, 2, 5, 5)
    """
    return Retry(
        total=settings.retries,
        connect=min(settings.connect_retries, settings.retries),
        read=settings.retries,
        status=settings.retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=settings.backoff_factor,
        backoff_max=settings.backoff_max,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def make_session(settings: HTTPSettings) -> requests.Session:
    """A ``requests.Session`` with koladagap's retry policy, pool size and headers."""
    session = requests.Session()
    configure_session(session, settings)
    return session


def configure_session(session: requests.Session, settings: HTTPSettings) -> None:
    """Mount koladagap's retrying adapter and headers on an existing session."""
    adapter = HTTPAdapter(
        max_retries=make_retry(settings),
        pool_connections=settings.max_workers,
        pool_maxsize=settings.max_workers,
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers.update(
        {"User-Agent": settings.user_agent, "Accept": "application/json", **settings.extra_headers}
    )


def _snippet(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


def _status_detail(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return _snippet(resp.text)
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


def connection_reason(err: BaseException, settings: HTTPSettings) -> str:
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


def get_json(
    session: requests.Session,
    url: str,
    settings: HTTPSettings,
    limiter: RateLimiter | None = None,
) -> dict[str, Any]:
    """GET ``url`` and return its JSON envelope, or raise an :class:`~koladagap.errors.APIError`.

    The envelope must be an object with a ``values`` list; anything else (an HTML
    outage page, a truncated or malformed body) is retried ``settings.body_retries``
    times and then raised as :class:`~koladagap.errors.ResponseFormatError`.
    """
    attempts = settings.body_retries + 1
    last: Exception | None = None
    for attempt in range(attempts):
        if limiter is not None:
            limiter.acquire()
        try:
            resp = session.get(url, timeout=settings.timeout)
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
        if resp.status_code >= 400:
            raise HTTPStatusError(
                f"HTTP {resp.status_code}: {_status_detail(resp)}",
                url=url,
                status=resp.status_code,
                body=resp.text[:2000],
            )
        try:
            payload = resp.json()
        except ValueError as err:
            kind = "an HTML page" if "<html" in resp.text[:500].lower() else "malformed JSON"
            last = ResponseFormatError(
                f"expected JSON, got {kind} ({_snippet(resp.text, 80)!r})", url=url
            )
            last.__cause__ = err
            log.info("%s; attempt %d/%d", last, attempt + 1, attempts)
            continue
        if not isinstance(payload, dict) or not isinstance(payload.get("values"), list):
            keys = sorted(payload) if isinstance(payload, dict) else type(payload).__name__
            raise ResponseFormatError(
                f"expected a v3 envelope with a 'values' list, got {keys}", url=url
            )
        return payload
    if isinstance(last, ResponseFormatError):
        raise last
    raise TransportError(f"body cut off {attempts} times ({last})", url=url) from last
