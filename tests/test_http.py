"""The HTTP layer: headers, timeouts, retries, Retry-After, the rate cap, error mapping."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest
import requests
import responses

from koladagap import __version__
from koladagap.errors import HTTPStatusError, InputError, ResponseFormatError, TransportError
from koladagap.kolada.http import HTTPSettings, RateLimiter, get_json, make_retry, make_session

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
    assert responses.calls[0].request.req_kwargs["timeout"] == (3, 7)


def test_retry_policy() -> None:
    r = make_retry(HTTPSettings(retries=4))
    assert r.total == 4
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


def test_rate_limiter_spaces_requests_across_threads() -> None:
    lim = RateLimiter(50.0)  # one start every 20 ms
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            lim.acquire()
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(stamps) == 20
    # 20 starts at 50/s need at least 19 intervals of 20 ms: a lower bound, which a
    # loaded machine can only make longer
    assert time.monotonic() - t0 >= 19 * 0.02 * 0.95


def test_rate_limiter_slots_are_exactly_spaced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same limiter on a fake clock: every start 20 ms after the one before."""
    import koladagap.kolada.http as http_mod

    clock = {"now": 100.0}
    starts: list[float] = []

    def sleep(seconds: float) -> None:
        clock["now"] += seconds

    monkeypatch.setattr(http_mod.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(http_mod.time, "sleep", sleep)
    lim = RateLimiter(50.0)
    for i in range(6):
        if i == 3:
            clock["now"] += 0.005  # a caller that arrives a little late waits less
        lim.acquire()
        starts.append(clock["now"])
    gaps = [round(b - a, 9) for a, b in itertools.pairwise(starts)]
    assert gaps == [0.02] * 5


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
    s = HTTPSettings(rate_limit=0, retries=2, backoff_factor=0, read_timeout=1.0)
    standin.faults.add("timeout", times=1, sleep=2.0)
    url = standin.base_url + "/kpi/N00906"
    assert get_json(make_session(s), url, s)["values"][0]["id"] == "N00906"
