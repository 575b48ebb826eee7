"""Every answer is untrusted (issue 14): the hostile modes of the stand-in, through the client.

Each test queues one hostile answer on the local stand-in (``HOSTILE_KINDS``) and
checks the one outcome allowed: an :class:`~koladagap.errors.APIError` naming the URL
(exit 3 on the command line, one line), nothing of the query cached and nothing else
in the cache changed; or, where the answer is harmless (identical repeats, a redirect
within the API), exactly the right data. Offline, loopback only, bounded in time.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from koladagap.cli import EXIT_API, EXIT_INPUT, main
from koladagap.errors import (
    HTTPStatusError,
    InputError,
    KoladaGapError,
    OfflineMissingError,
    PaginationError,
    ResponseFormatError,
    TransportError,
)
from koladagap.kolada.client import KoladaClient
from koladagap.kolada.http import HTTPSettings, get_json, make_session
from koladagap.kolada.sample import sample_values
from koladagap.kolada.source import KoladaSource

KEYS = ["kpi", "municipality_id", "period", "gender"]
MUNIS = ["0180", "1280"]
YEARS = "2020-2022"


def settings(**kw: Any) -> HTTPSettings:
    base: dict[str, Any] = {
        "rate_limit": 0,
        "backoff_factor": 0.01,
        "backoff_max": 0.05,
        "retries": 2,
        "body_retries": 1,
        "read_timeout": 5.0,
    }
    return HTTPSettings(**{**base, **kw})


def source(standin: Any, cache: Path, **kw: Any) -> KoladaSource:
    return KoladaSource(standin.base_url, cache_dir=str(cache), settings=settings(**kw))


def offline(cache: Path) -> KoladaSource:
    return KoladaSource(cache_dir=str(cache), mode="offline")


def obj(
    kpi: str = "N00906", muni: str = "0180", period: Any = 2021, **value: Any
) -> dict[str, Any]:
    """One data object with one value (``gender`` T unless given)."""
    v = {"gender": "T", "count": 1, "status": "", "value": 1.0, "isdeleted": False, **value}
    return {"kpi": kpi, "municipality": muni, "period": period, "values": [v]}


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = a.sort_values(KEYS, ignore_index=True), b.sort_values(KEYS, ignore_index=True)
    assert a[KEYS].astype(str).values.tolist() == b[KEYS].astype(str).values.tolist()
    np.testing.assert_array_equal(a["value"].to_numpy(float), b["value"].to_numpy(float))


def assert_nothing_cached(cache: Path, kpi: str = "N00906") -> None:
    with pytest.raises(OfflineMissingError):
        offline(cache).values(kpi, MUNIS, YEARS)


# --- 1. rows that were not asked for never reach the cache -----------------------------


def test_rows_of_another_kpi_neither_cached_nor_overwrite_its_cache(
    standin: Any, tmp_path: Path
) -> None:
    kg = source(standin, tmp_path)
    before = kg.values("N00905", MUNIS, YEARS)
    assert len(before)
    poison = [
        obj("N00905", "0180", 2021, value=-999.0),  # new values for the other KPI
        {**obj("N00905", "1280", 2021, value=None, isdeleted=True)},  # and a deletion
    ]
    standin.faults.add("inject", match="/data/", times=None, payload=poison)
    with pytest.raises(ResponseFormatError, match="KPI N00905") as exc:
        kg.values("N00906", MUNIS, YEARS)
    assert exc.value.url.startswith(standin.base_url + "/data/kpi/N00906/")
    assert_nothing_cached(tmp_path)
    assert_same(offline(tmp_path).values("N00905", MUNIS, YEARS), before)


@pytest.mark.parametrize(
    ("record", "words"),
    [
        (obj(muni="0114"), "municipality 0114"),  # a municipality nobody asked for
        (obj(period=2015), "year 2015"),
        (obj(muni="../../etc"), "municipality ../../etc"),
        (obj(kpi="N00906", muni="0180", period=2021.5), "year 2021.5"),
    ],
)
def test_rows_outside_the_query_are_an_api_error(
    standin: Any, tmp_path: Path, record: dict[str, Any], words: str
) -> None:
    standin.faults.add("inject", match="/data/", times=None, payload=[record])
    with pytest.raises(ResponseFormatError, match=words) as exc:
        source(standin, tmp_path).values("N00906", MUNIS, YEARS)
    assert "/data/kpi/N00906/municipality/" in exc.value.url
    assert_nothing_cached(tmp_path)


def test_bulk_answers_may_hold_any_municipality_but_only_well_formed_ids(
    standin: Any, tmp_path: Path
) -> None:
    c = KoladaClient(standin.base_url, settings=settings())
    standin.faults.add("inject", match="/data/", payload=[obj(muni="2999", period=2022)])
    got = c.data_frame("N00906", None, 2022)  # any well-formed id may come back in bulk
    assert "2999" in set(got["municipality_id"])
    standin.faults.add("inject", match="/data/", payload=[obj(muni="<script>", period=2022)])
    with pytest.raises(ResponseFormatError, match="not an id"):
        c.data_frame("N00906", None, 2022)


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ({"count": -3}, "count -3 in the answer"),
        ({"count": 2**64}, "within int64"),
        ({"count": 1.5}, "whole number"),
        ({"value": "12"}, "unexpected shape"),
        ({"gender": "X"}, "gender"),
        ({"isdeleted": "yes"}, "unexpected shape"),
    ],
)
def test_values_of_the_wrong_type_or_range_are_an_api_error(
    standin: Any, tmp_path: Path, value: dict[str, Any], words: str
) -> None:
    standin.faults.add("inject", match="/data/", times=None, payload=[obj(**value)])
    with pytest.raises(ResponseFormatError, match=words) as exc:
        source(standin, tmp_path).values("N00906", MUNIS, YEARS)
    assert exc.value.url.startswith(standin.base_url)
    assert_nothing_cached(tmp_path)


def _raw_page(number: str) -> str:
    return (
        '{"values": [{"kpi": "N00906", "municipality": "0180", "period": 2021, "values": '
        f'[{{"gender": "T", "value": {number}, "count": 1}}]}}], "next_url": null}}'
    )


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity"])
def test_json_that_is_not_json_is_refused_at_once(standin: Any, number: str) -> None:
    standin.faults.add("raw", payload=_raw_page(number))
    url = standin.url("/data/kpi/N00906/municipality/0180/year/2021")
    s = settings()
    with pytest.raises(ResponseFormatError, match="finite") as exc:
        get_json(make_session(s), url, s)
    assert exc.value.url == url
    assert standin.request_count == 1  # refused at once, not asked again


@pytest.mark.parametrize("number", ["NaN", "1e999", "-1e999"])
def test_values_that_are_not_finite_never_reach_the_cache(
    standin: Any, tmp_path: Path, number: str
) -> None:
    standin.faults.add("raw", match="/data/", times=None, payload=_raw_page(number))
    with pytest.raises(ResponseFormatError, match="finite") as exc:
        source(standin, tmp_path).values("N00906", ["0180"], 2021)
    assert exc.value.url.startswith(standin.base_url + "/data/")
    with pytest.raises(OfflineMissingError):
        offline(tmp_path).values("N00906", ["0180"], 2021)


def test_conflicting_repeats_are_an_error_naming_the_key(standin: Any, tmp_path: Path) -> None:
    clash = obj("N00906", "0180", 2021, gender="K", value=1e6)  # Kolada has another value
    standin.faults.add("inject", match="/data/", times=None, payload=[clash])
    with pytest.raises(ResponseFormatError, match=r"N00906 × 0180 × 2021 × K twice"):
        source(standin, tmp_path).values("N00906", MUNIS, YEARS)
    assert_nothing_cached(tmp_path)


def test_identical_repeats_are_dropped(standin: Any, tmp_path: Path) -> None:
    want = source(standin, tmp_path / "a").values("N00906", MUNIS, YEARS)
    row = want.loc[(want["period"] == 2021) & (want["municipality_id"] == "0180")]
    same = {
        "kpi": "N00906",
        "municipality": "0180",
        "period": 2021,
        "values": [
            {"gender": g, "value": v, "count": int(c), "status": s, "isdeleted": False}
            for g, v, c, s in zip(
                row["gender"], row["value"], row["count"], row["status"], strict=True
            )
        ],
    }
    standin.faults.add("inject", match="/data/", times=None, payload=[same])
    got = source(standin, tmp_path / "b").values("N00906", MUNIS, YEARS)
    assert_same(got, want)
    assert not got.duplicated(KEYS).any()


def test_an_invalid_id_in_the_answer_is_exit_3_not_the_users_bad_input(
    standin: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    standin.faults.add("inject", match="/data/", times=None, payload=[obj(kpi="../X")])
    code = main(["fetch", "--api-url", standin.base_url, "--rate", "0", "--kpi", "N00906",
                 "--municipality", "0180", "--years", "2021"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == EXIT_API, err
    assert err.count("\n") == 1 and standin.base_url in err and "Traceback" not in err


# --- 2. links only to the API's origin -----------------------------------------------------


@pytest.mark.parametrize(
    "link", ["http://169.254.169.254/latest/meta-data/", "https://evil.example/v3/data?page=2"]
)
def test_next_url_to_another_host_is_refused(standin: Any, link: str) -> None:
    standin.faults.add("next_url", match="/data/", payload=link)
    c = KoladaClient(standin.base_url, settings=settings())
    with pytest.raises(PaginationError, match="another host") as exc:
        c.data("N00906", ["0180"], 2021)
    assert link in str(exc.value)
    assert standin.request_count == 1


def test_next_url_to_another_port_of_the_same_host_is_refused(standin: Any) -> None:
    standin.faults.add("next_url", match="/data/", payload="http://127.0.0.1:1/v3/data?page=2")
    with pytest.raises(PaginationError, match="another host"):
        KoladaClient(standin.base_url, settings=settings()).data("N00906", ["0180"], 2021)


def test_redirect_to_another_host_is_refused_within_the_api_followed(standin: Any) -> None:
    url = standin.url("/kpi/N00906")
    s = settings()
    standin.faults.add("redirect", payload="http://169.254.169.254/latest/meta-data/")
    with pytest.raises(HTTPStatusError, match=r"169\.254\.169\.254") as exc:
        get_json(make_session(s), url, s)
    assert exc.value.url == url
    standin.faults.add("redirect", payload="/v3/kpi/N00906?per_page=10")
    assert get_json(make_session(s), url, s)["values"][0]["id"] == "N00906"


def test_an_endless_chain_of_pages_stops_at_what_the_query_can_fill(standin: Any) -> None:
    standin.faults.add("endless", match="/data/", times=None)
    c = KoladaClient(standin.base_url, settings=settings(per_page=10))
    with pytest.raises(PaginationError, match="more than the query can return"):
        c.data("N00906", ["0180", "1280"], "2020-2022")  # 6 objects: 1 page (+2 margin)
    assert standin.request_count <= 3


@pytest.mark.parametrize(
    "bad", ["https://api.kolada.se/v3?x=1", "https://api.kolada.se/v3#top", "ftp://h/v3"]
)
def test_api_url_with_query_or_fragment_is_bad_input(
    bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InputError, match="--api-url"):
        KoladaClient(bad)
    code = main(["fetch", "--api-url", bad, "--kpi", "N00906", "--years", "2021"])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT and err.count("\n") == 1 and "--api-url" in err


# --- 3. answers bounded in size and time -----------------------------------------------


def test_a_body_larger_than_the_limit_is_not_read_whole(standin: Any) -> None:
    s = settings(max_body_bytes=256 * 1024)
    standin.faults.add("big", payload=64 * 2**20)  # 64 MiB, no Content-Length
    url = standin.url("/kpi/N00906")
    with pytest.raises(ResponseFormatError, match="larger than 262144 bytes") as exc:
        get_json(make_session(s), url, s)
    assert exc.value.url == url


def test_an_announced_length_beyond_the_limit_is_refused_before_reading(standin: Any) -> None:
    s = settings(max_body_bytes=4096)
    standin.faults.add("announce", payload=2 * 2**30)
    with pytest.raises(ResponseFormatError, match="announced"):
        get_json(make_session(s), standin.url("/kpi/N00906"), s)


def test_a_gzip_bomb_stops_once_inflated_beyond_the_limit(standin: Any) -> None:
    s = settings(max_body_bytes=1024 * 1024)
    standin.faults.add("gzip_bomb", times=None, payload=64 * 2**20)  # 64 kB sent, 64 MiB inflated
    with pytest.raises(ResponseFormatError, match="once inflated"):
        get_json(make_session(s), standin.url("/kpi/N00906"), s)


def test_a_trickling_answer_ends_at_the_request_deadline(standin: Any) -> None:
    # a byte every 0.2 s never trips the 5 s read timeout; the 1 s deadline ends it
    s = settings(request_deadline=1.0, retries=0)
    standin.faults.add("trickle", sleep=0.2)
    t0 = time.monotonic()
    with pytest.raises(TransportError, match="within 1 s") as exc:
        get_json(make_session(s), standin.url("/kpi/N00906"), s)
    assert time.monotonic() - t0 < 4.0  # the deadline, plus slack for a loaded machine
    assert exc.value.url.endswith("/kpi/N00906")


def test_the_fetch_deadline_bounds_every_request_of_a_fetch(standin: Any) -> None:
    s = settings(fetch_deadline=1.0, retries=0)
    standin.faults.add("trickle", match="/data/", times=None, sleep=0.2)
    with pytest.raises(TransportError, match="deadline of this fetch"):
        KoladaClient(standin.base_url, settings=s).data("N00906", ["0180"], 2021)


def test_retry_after_is_capped(standin: Any) -> None:
    s = settings(retry_after_max=0.1)
    standin.faults.add("429", retry_after=3600)
    t0 = time.monotonic()
    assert get_json(make_session(s), standin.url("/kpi/N00906"), s)["values"]
    assert time.monotonic() - t0 < 30  # not an hour
    assert standin.request_count == 2


def test_a_retry_wait_beyond_the_deadline_ends_the_request_at_once(standin: Any) -> None:
    s = settings(request_deadline=2.0)  # Retry-After capped at 60 s is still beyond it
    standin.faults.add("429", retry_after=3600)
    t0 = time.monotonic()
    with pytest.raises(TransportError, match="deadline"):
        get_json(make_session(s), standin.url("/kpi/N00906"), s)
    assert time.monotonic() - t0 < 2.0


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), -1.0, 1e-9, 0.05, 1e6])
def test_rate_outside_its_range_is_bad_input(rate: float) -> None:
    with pytest.raises(InputError, match=r"--rate .*from 0\.1 to 1000"):
        HTTPSettings(rate_limit=rate)


@pytest.mark.parametrize("rate", ["nan", "inf", "1e-9"])
def test_cli_rate_outside_its_range_is_one_line_exit_2(
    rate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["fetch", "--rate", rate, "--kpi", "N00906", "--municipality", "0180"])
    err = capsys.readouterr().err
    assert code == EXIT_INPUT and err.count("\n") == 1 and "--rate" in err


# --- 4. -v: one line per request and per retry, no raw urllib3 warnings -------------------


def test_verbose_logs_each_request_and_each_retry_in_one_line(
    standin: Any, caplog: pytest.LogCaptureFixture
) -> None:
    standin.faults.add("503", retry_after=0, times=2)
    c = KoladaClient(standin.base_url, settings=settings(retries=3))
    with caplog.at_level(logging.INFO):
        c.data("N00906", ["0180"], 2021)
    ours = [r for r in caplog.records if r.name.startswith("koladagap")]
    gets = [r.getMessage() for r in ours if r.getMessage().startswith("GET ")]
    assert len(gets) == 1 and "/data/kpi/N00906/municipality/0180/year/2021" in gets[0]
    assert ": 200, " in gets[0]
    retries = [r.getMessage() for r in ours if "retry" in r.getMessage()]
    assert len(retries) == 2 and all("HTTP 503" in m for m in retries)
    assert not [r for r in caplog.records if r.name.startswith("urllib3")]


# --- 5. the id checks cost no request when the data prove the ids --------------------------


def test_a_cold_fetch_of_known_ids_sends_only_the_data_requests(
    standin: Any, tmp_path: Path
) -> None:
    kg = source(standin, tmp_path)
    got = kg.values("N00906", MUNIS, YEARS)
    assert standin.requests == [
        "/v3/data/kpi/N00906/municipality/0180,1280/year/2020,2021,2022?per_page=5000"
    ]
    s = sample_values()
    keep = (s["kpi"] == "N00906") & s["municipality_id"].isin(MUNIS)
    assert_same(got, s.loc[keep & s["period"].between(2020, 2022)])


def test_ids_without_data_are_asked_about_after_the_data(standin: Any, tmp_path: Path) -> None:
    from koladagap.kolada.source import UnknownIdWarning

    kg = source(standin, tmp_path)
    with pytest.warns(UnknownIdWarning, match="N99999"):
        got = kg.values(["N00906", "N99999"], MUNIS, YEARS)
    assert set(got["kpi"]) == {"N00906"}
    asked = standin.requests
    assert asked[0].startswith("/v3/data/") and asked[1].startswith("/v3/kpi/N99999?")
    assert len(asked) == 2  # the municipalities came back with data: not asked about
    assert not kg.cache.partition_file("N99999").exists()
    with pytest.raises(KoladaGapError):  # not in the cache, not even as fetched-empty
        offline(tmp_path).values("N99999", MUNIS, YEARS)


def test_all_ids_unknown_is_bad_input_and_nothing_cached(standin: Any, tmp_path: Path) -> None:
    from koladagap.errors import UnknownIdError

    with pytest.raises(UnknownIdError, match="N99999"):
        source(standin, tmp_path).values("N99999", MUNIS, YEARS)
    assert not source(standin, tmp_path).cache.partition_file("N99999").exists()
