"""The sockets, pools and retry policy under :mod:`koladagap.kolada.http`: deadlines that hold.

- :class:`_DeadlineSocket` ends every read at the deadline of the request running on
  its thread (set with :func:`deadline`), however slowly an answer trickles;
- :class:`KoladaRetry` caps ``Retry-After``, refuses to wait past the deadline and
  logs each retry in one line of koladagap's own;
- :class:`_OwnRetries` drops urllib3's retry warnings for koladagap's requests;
- :func:`origin` / :func:`same_origin`: where a link may lead.
"""

from __future__ import annotations

import contextlib
import io
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from koladagap.errors import HTTPStatusError, ResponseFormatError

log = logging.getLogger("koladagap.kolada.http")


# --- deadlines ------------------------------------------------------------------------

_local = threading.local()  # .deadline (time.monotonic), .limit (words), .url: this request


class DeadlineExceeded(Exception):
    """Raised inside a request when its deadline has passed (a socket read or a retry wait)."""


def _left() -> float | None:
    """Seconds left before this thread's request deadline (``None``: no deadline set)."""
    end: float | None = getattr(_local, "deadline", None)
    return None if end is None else end - time.monotonic()


class _DeadlineSocket:
    """A socket whose reads end at the request's deadline, however slowly bytes trickle.

    A read timeout counts between bytes; an answer sending a byte every 20 s never
    trips it. Each read here waits at most until the deadline of the request running
    on this thread (:func:`_left`), then raises :class:`DeadlineExceeded`. Everything
    else is the wrapped socket's.
    """

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._timeout: float | None = sock.gettimeout()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def makefile(self, mode: str = "rb", buffering: int | None = None, **_: Any) -> Any:
        """A buffered binary reader whose reads go through :meth:`recv_into`."""
        self._sock._io_refs += 1  # as socket.makefile does; SocketIO.close gives it back
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)

    def _bounded(self, read: Callable[[], int | bytes]) -> Any:
        left = _left()
        if left is None:
            return read()
        if left <= 0:
            raise DeadlineExceeded
        base = self._timeout
        self._sock.settimeout(left if base is None else min(base, left))
        try:
            return read()
        except TimeoutError:
            if (_left() or 0.0) <= 0:
                raise DeadlineExceeded from None
            raise
        finally:
            self._sock.settimeout(base)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        return int(self._bounded(lambda: self._sock.recv_into(buffer, nbytes, flags)))

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        return bytes(self._bounded(lambda: self._sock.recv(bufsize, flags)))


class _DeadlineHTTPConnection(HTTPConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)  # type: ignore[assignment]


class _DeadlineHTTPSConnection(HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        self.sock = _DeadlineSocket(self.sock)  # type: ignore[assignment]


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _DeadlineHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _DeadlineHTTPSConnection


class _Adapter(HTTPAdapter):
    """requests' adapter on connections whose reads keep the request deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


# --- retries -------------------------------------------------------------------------------


class KoladaRetry(Retry):
    """urllib3's ``Retry`` with ``Retry-After`` capped, waits bounded by the deadline.

    Each retry is logged in one line on the ``koladagap`` logger (INFO) instead of
    urllib3's warning. A wait that would end after the request's deadline raises
    :class:`DeadlineExceeded` at once instead of sleeping.
    """

    def __init__(self, *args: Any, after_cap: float = 60.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_cap = after_cap

    def new(self, **kw: Any) -> KoladaRetry:
        kw.setdefault("after_cap", self.after_cap)
        return super().new(**kw)  # type: ignore[return-value]

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        return None if after is None else min(max(after, 0.0), self.after_cap)

    def sleep(self, response: Any = None) -> None:
        last = self.history[-1] if self.history else None
        if last is None:
            self._cause = "no answer"
        else:
            self._cause = f"HTTP {last.status}" if last.status else _reason(last.error)
        super().sleep(response)

    def sleep_for_retry(self, response: Any) -> bool:
        after = self.get_retry_after(response)
        if after:
            self._wait(after)
            return True
        return False

    def _sleep_backoff(self) -> None:
        self._wait(max(self.get_backoff_time(), 0.0))

    def _wait(self, seconds: float) -> None:
        """Log the retry in one line; sleep ``seconds`` unless that passes the deadline."""
        left = _left()
        url = getattr(_local, "url", None) or (self.history[-1].url if self.history else "")
        cause = getattr(self, "_cause", "no answer")
        if left is not None and seconds >= left:
            log.info(
                "%s: %s; no retry: the wait of %.1f s passes the deadline", url, cause, seconds
            )
            raise DeadlineExceeded
        log.info("%s: %s; retry %d in %.1f s", url, cause, len(self.history), seconds)
        if seconds > 0:
            time.sleep(seconds)


class _OwnRetries(logging.Filter):
    """Drops urllib3's retry warnings for koladagap's own requests (it logs its own line)."""

    def filter(self, record: logging.LogRecord) -> bool:
        own = getattr(_local, "url", None) is not None
        return not (own and str(record.msg).startswith("Retrying"))


_FILTER = _OwnRetries()


def origin(url: str) -> tuple[str, str, int | None]:
    """``(scheme, host, port)`` of ``url``, the port made explicit.

    >>> origin("https://API.kolada.se/v3")
    ('https', 'api.kolada.se', 443)
    """
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # a malformed port matches nothing
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


def same_origin(url: str, base: str) -> bool:
    """Whether ``url`` lies at the same scheme, host and port as ``base``.

    >>> same_origin("http://169.254.169.254/latest", "https://api.kolada.se/v3")
    False
    """
    return origin(url) == origin(base)


@contextlib.contextmanager
def deadline(end: float, url: str) -> Iterator[None]:
    """Within the block, this thread's reads and retry waits end at ``end`` (monotonic)."""
    before = (getattr(_local, "deadline", None), getattr(_local, "url", None))
    _local.deadline, _local.url = end, url
    try:
        yield
    finally:
        _local.deadline, _local.url = before


def _reason(err: BaseException | None) -> str:
    """A few words for why an attempt failed (for the retry log line)."""
    text = str(err or "no answer")
    for key, words in (
        ("refused", "connection refused"),
        ("timed out", "timed out"),
        ("Read timed out", "timed out"),
        ("resolve", "host name not resolved"),
        ("reset", "connection reset"),
        ("IncompleteRead", "answer cut off"),
    ):
        if key in text:
            return words
    return type(err).__name__ if err is not None else "no answer"


def check_base_url(url: str) -> str:
    """``url`` without a trailing slash, if it can be an API root; else an InputError.

    An API root is ``http(s)://host[:port][/path]``: no query, no fragment, no
    user name or password, no spaces or control characters.

    Examples:
        >>> check_base_url("http://127.0.0.1:8080/v3/")
        'http://127.0.0.1:8080/v3'
        >>> check_base_url("https://api.kolada.se/v3?x=1")
        Traceback (most recent call last):
        ...
        koladagap.errors.InputError: invalid Kolada API URL 'https://api.kolada.se/v3?x=1' \
(--api-url): expected http(s)://host[:port]/path without a query \
or fragment, e.g. https://api.kolada.se/v3
    """
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    from koladagap.errors import InputError

    odd = any(c.isspace() or ord(c) < 32 for c in url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "?" in url
        or "#" in url
        or "@" in parts.netloc
        or not port_ok
        or odd
    ):
        raise InputError(
            f"invalid Kolada API URL {url!r} (--api-url): expected http(s)://host[:port]/path "
            "without a query or fragment, e.g. https://api.kolada.se/v3"
        )
    return url.rstrip("/")


def _snippet(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat[:limit] + ("…" if len(flat) > limit else "")


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


def _read_body(resp: requests.Response, url: str, limit: int) -> bytes:
    """The body, streamed: at most ``limit`` bytes read and at most so many inflated."""

    def too_big(size: str) -> ResponseFormatError:
        return ResponseFormatError(
            f"the answer is larger than {limit} bytes ({size}); "
            "the limit is HTTPSettings.max_body_bytes",
            url=url,
        )

    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_big(f"{int(declared)} announced")
    parts: list[bytes] = []
    size = 0
    for chunk in resp.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_big("once inflated")
        raw = resp.raw.tell() if hasattr(resp.raw, "tell") else 0
        if raw > limit:
            raise too_big("as sent")
        parts.append(chunk)
    return b"".join(parts)


def send(
    session: requests.Session,
    url: str,
    home: str,
    *,
    timeout: tuple[float, float],
    limit: int,
) -> tuple[requests.Response, bytes]:
    """GET ``url`` following redirects within ``home``'s origin only; the answer and body."""
    target = url
    for _ in range(MAX_REDIRECTS + 1):
        resp = session.get(target, timeout=timeout, stream=True, allow_redirects=False)
        try:
            if resp.status_code in _REDIRECTS and "Location" in resp.headers:
                nxt = urljoin(target, resp.headers["Location"])
                if not same_origin(nxt, home):
                    raise HTTPStatusError(
                        f"HTTP {resp.status_code}: a redirect to {_snippet(nxt, 200)} is not "
                        f"followed (only {'://'.join(origin(home)[:2])} is)",
                        url=url,
                        status=resp.status_code,
                    )
                target = nxt
                continue
            return resp, _read_body(resp, url, limit)
        finally:
            resp.close()
    raise HTTPStatusError(f"more than {MAX_REDIRECTS} redirects", url=url, status=resp.status_code)


__all__ = [
    "DeadlineExceeded",
    "KoladaRetry",
    "check_base_url",
    "deadline",
    "origin",
    "same_origin",
    "send",
]
