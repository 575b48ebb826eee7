"""The HTTP layer: headers, timeouts, retries, Retry-After, the rate cap, error mapping."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from typing import Any

import pytest
import requests
import responses

from koladagap import __version__
from koladagap.errors import HTTPStatusError, InputError, ResponseFormatError, TransportError
from koladagap.kolada.http import (
    HTTPSettings,
    RateLimiter,
    connection_reason,
    get_json,
    make_retry,
    make_session,
)

URL = "http://127.0.0.1:9/v3/kpi?per_page=5000"


def envelope(values: list[Any], next_url: str | None = None) -> dict[str, Any]:
    return {"values": values, "count": len(values), "next_url": next_url, "previous_url": None}


@responses.activate
def test_user_agent_names_koladagap_and_version() -> None:
    responses.get(URL, json=envelope([]))
    s = HTTPSettings()
    get_json(make_session(s), URL, s)
    ua = responses.calls[0].request.headers["User-Agent"]
    assert ua.startswith(f"koladagap/{__version__}")


@responses.activate
def test_every_request_has_a_timeout() -> None:
    responses.get(URL, json=envelope([]))
    s = HTTPSettings(connect_timeout=3, read_timeout=7)
    get_json(make_session(s), URL, s)
    assert responses.calls[0].request.req_kwargs["timeout"] == (3, 7)  # type: ignore[attr-defined]


def test_retry_policy() -> None:
    r = make_retry(HTTPSettings(retries=4))
    assert r.total == 4
    assert r.connect == 2 and r.read == 4 and r.status == 4  # a dead host: fewer retries
    assert make_retry(HTTPSettings(retries=1, connect_retries=3)).connect == 1
    assert {429, 500, 502, 503, 504} <= set(r.status_forcelist or ())
    assert r.respect_retry_after_header
    assert r.allowed_methods == frozenset({"GET"})


@responses.activate
def test_client_error_raises_with_url_status_and_detail() -> None:
    detail = {"detail": [{"msg": "at most 25 ids per list"}]}
    responses.get(URL, json=detail, status=422)
    s = HTTPSettings()
    with pytest.raises(HTTPStatusError) as exc:
        get_json(make_session(s), URL, s)
    assert exc.value.status == 422
    assert exc.value.url == URL
    assert "at most 25 ids" in str(exc.value)
    assert URL in str(exc.value)
    assert len(responses.calls) == 1  # a 4xx is not retried


@responses.activate
def test_html_body_is_an_error_after_body_retries() -> None:
    responses.get(URL, body="<html><body>Tjänsten är nere</body></html>", status=200)
    s = HTTPSettings(body_retries=2)
    with pytest.raises(ResponseFormatError, match="HTML") as exc:
        get_json(make_session(s), URL, s)
    assert exc.value.url == URL
    assert len(responses.calls) == 3


@responses.activate
def test_malformed_json_then_good_body_succeeds() -> None:
    responses.get(URL, body='{"values": [1, 2', status=200)
    responses.get(URL, json=envelope([{"id": "N00906"}]))
    s = HTTPSettings(body_retries=1)
    assert get_json(make_session(s), URL, s)["values"] == [{"id": "N00906"}]


@responses.activate
def test_json_without_values_list_is_a_format_error() -> None:
    responses.get(URL, json={"detail": "oops"})
    s = HTTPSettings()
    with pytest.raises(ResponseFormatError, match="'values'"):
        get_json(make_session(s), URL, s)


@responses.activate
def test_connection_error_is_a_transport_error() -> None:
    responses.get(URL, body=requests.exceptions.ConnectionError("refused"))
    s = HTTPSettings(retries=0)
    with pytest.raises(TransportError) as exc:
        get_json(make_session(s), URL, s)
    assert exc.value.url == URL


@pytest.mark.parametrize(
    ("cause", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (socket.gaierror(-2, "Name or service not known"), "could not be resolved"),
        (requests.exceptions.ConnectTimeout("slow"), "no connection within 10 s"),
        (requests.exceptions.ReadTimeout("slow"), "no answer within 60 s"),
    ],
)
def test_connection_reason_says_why_in_words(cause: Exception, reason: str) -> None:
    err = requests.exceptions.ConnectionError("HTTPConnectionPool(...): Max retries exceeded")
    err.__cause__ = cause
    assert reason in connection_reason(err, HTTPSettings())


@responses.activate
def test_connection_error_message_has_no_urllib3_noise() -> None:
    err = requests.exceptions.ConnectionError("pool")
    err.__cause__ = ConnectionRefusedError(111, "Connection refused")
    responses.get(URL, body=err)
    s = HTTPSettings(retries=0)
    with pytest.raises(TransportError) as exc:
        get_json(make_session(s), URL, s)
    assert str(exc.value) == f"Kolada could not be reached: {connection_reason(err, s)} [{URL}]"


@responses.activate
def test_chunked_encoding_error_is_retried() -> None:
    responses.get(URL, body=requests.exceptions.ChunkedEncodingError("cut"))
    responses.get(URL, json=envelope([1]))
    s = HTTPSettings(body_retries=1)
    assert get_json(make_session(s), URL, s)["values"] == [1]


def test_settings_are_validated() -> None:
    with pytest.raises(InputError, match="max_workers"):
        HTTPSettings(max_workers=0)
    with pytest.raises(InputError, match="per_page"):
        HTTPSettings(per_page=6000)
    with pytest.raises(InputError, match="rate_limit"):
        HTTPSettings(rate_limit=-1)
    with pytest.raises(InputError, match="connect_retries"):
        HTTPSettings(connect_retries=-1)


class FakeClock:
    """A thread-safe clock that moves only when someone sleeps (each sleeper to its slot)."""

    def __init__(self, start: float) -> None:
        self.now = start
        self.lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)


def test_rate_limiter_spaces_requests_across_threads() -> None:
    """20 starts from 4 threads at once get 20 distinct slots exactly 20 ms apart."""
    clock = FakeClock(100.0)
    lim = RateLimiter(50.0, clock=clock, sleep=clock.sleep)  # one start every 20 ms
    starts: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait(timeout=60)  # all four ask at the same moment
        for _ in range(5):
            start = lim.acquire()
            assert start is not None
            with lock:
                starts.append(start)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert len(starts) == 20
    gaps = [round(b - a, 9) for a, b in itertools.pairwise(sorted(starts))]
    assert gaps == [0.02] * 19
    # the clock stood still, so each caller slept until its own slot
    assert sorted(round(s, 9) for s in clock.sleeps) == [round(0.02 * i, 9) for i in range(1, 20)]


def test_rate_limiter_slots_are_exactly_spaced() -> None:
    """On a fake clock that sleeping moves: every start 20 ms after the one before."""
    clock = {"now": 100.0}
    starts: list[float] = []

    def sleep(seconds: float) -> None:
        clock["now"] += seconds

    lim = RateLimiter(50.0, clock=lambda: clock["now"], sleep=sleep)
    for i in range(6):
        if i == 3:
            clock["now"] += 0.005  # a caller that arrives a little late waits less
        lim.acquire()
        starts.append(clock["now"])
    gaps = [round(b - a, 9) for a, b in itertools.pairwise(starts)]
    assert gaps == [0.02] * 5


def test_rate_limiter_off_and_after_a_pause() -> None:
    clock = {"now": 5.0}
    assert RateLimiter(0, clock=lambda: clock["now"]).acquire() is None
    lim = RateLimiter(10.0, clock=lambda: clock["now"], sleep=lambda s: None)
    assert lim.acquire() == 5.0
    clock["now"] = 60.0  # idle for a while: no burst is saved up, the next starts now
    assert [lim.acquire(), lim.acquire()] == [60.0, 60.1]


# --- against the local stand-in (real sockets) ------------------------------------


def test_429_retry_after_is_honoured(standin: Any, fast_settings: HTTPSettings) -> None:
    standin.faults.add("429", retry_after=1)
    url = standin.base_url + "/kpi/N00906"
    t0 = time.monotonic()
    payload = get_json(make_session(fast_settings), url, fast_settings)
    assert time.monotonic() - t0 >= 0.9
    assert payload["values"][0]["id"] == "N00906"
    assert standin.request_count == 2


@pytest.mark.parametrize("kind", ["500", "502", "503", "reset", "truncated", "html"])
def test_transient_faults_are_retried(standin: Any, fast_settings: HTTPSettings, kind: str) -> None:
    standin.faults.add(kind, times=2, retry_after=0)
    url = standin.base_url + "/kpi/N00906"
    payload = get_json(make_session(fast_settings), url, fast_settings)
    assert payload["values"][0]["id"] == "N00906"
    assert len(standin.faults.fired) == 2


def test_persistent_5xx_raises_with_url(standin: Any, fast_settings: HTTPSettings) -> None:
    standin.faults.add("503", times=None, retry_after=0)
    url = standin.base_url + "/kpi/N00906"
    with pytest.raises(HTTPStatusError) as exc:
        get_json(make_session(fast_settings), url, fast_settings)
    assert exc.value.status == 503
    assert exc.value.url == url
    assert standin.request_count == fast_settings.retries + 1


def test_read_timeout_raises_transport_error(standin: Any) -> None:
    s = HTTPSettings(rate_limit=0, retries=1, backoff_factor=0, read_timeout=0.2)
    standin.faults.add("timeout", times=None, sleep=0.6)
    url = standin.base_url + "/kpi/N00906"
    with pytest.raises(TransportError) as exc:
        get_json(make_session(s), url, s)
    assert exc.value.url == url


def test_one_slow_answer_is_retried(standin: Any) -> None:
    # generous: a normal answer must come within the read timeout on a loaded machine
    s = HTTPSettings(rate_limit=0, retries=2, backoff_factor=0, read_timeout=2.0)
    standin.faults.add("timeout", times=1, sleep=10.0)
    url = standin.base_url + "/kpi/N00906"
    assert get_json(make_session(s), url, s)["values"][0]["id"] == "N00906"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("request_deadline", 0),
        ("request_deadline", float("inf")),
        ("fetch_deadline", float("nan")),
        ("retry_after_max", -1),
        ("read_timeout", float("inf")),
        ("backoff_factor", float("nan")),
        ("max_body_bytes", 10),
        ("max_workers", True),
        ("retries", 1000),
    ],
)
def test_limits_are_validated_as_finite_and_in_range(field: str, value: Any) -> None:
    with pytest.raises(InputError, match=field.split("_")[0]):
        HTTPSettings(**{field: value})


def test_retry_after_cap_survives_each_retry() -> None:
    """urllib3 makes a new Retry per attempt: the cap must travel with it."""
    r = make_retry(HTTPSettings(retry_after_max=7))
    assert r.increment(method="GET", url="/v3/kpi").after_cap == 7  # type: ignore[attr-defined]
