"""The local Kolada v3 stand-in, checked with plain ``requests`` against the shipped sample."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import pandas as pd
import pytest
import requests

from kolada_standin import FAULT_KINDS, FaultQueue, KoladaStandin
from koladagap.kolada.sample import sample_municipality_groups, sample_values

TIMEOUT = 5.0


def get(url: str, **params: Any) -> requests.Response:
    return requests.get(url, params=params or None, timeout=TIMEOUT)


def follow(url: str, **params: Any) -> tuple[list[dict[str, Any]], int]:
    """Every object over all pages, and the number of pages fetched."""
    out: list[dict[str, Any]] = []
    pages = 0
    next_url: str | None = requests.Request("GET", url, params=params).prepare().url
    while next_url:
        body = get(next_url).json()
        out.extend(body["values"])
        assert body["count"] == len(body["values"])
        next_url = urljoin(next_url, body["next_url"]) if body["next_url"] else None
        pages += 1
        assert pages < 1000
    return out, pages


def tidy(objects: list[dict[str, Any]], unit: str = "municipality") -> pd.DataFrame:
    """Served data objects -> one row per gender value."""
    rows = [
        {"kpi": o["kpi"], "municipality_id": o[unit], "period": o["period"], **v}
        for o in objects
        for v in o["values"]
    ]
    return pd.DataFrame(rows)


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def full_server() -> Iterator[KoladaStandin]:
    with KoladaStandin() as standin:
        yield standin


@pytest.fixture
def full(full_server: KoladaStandin) -> Iterator[KoladaStandin]:
    """The full-sample stand-in, with faults, latency and counters reset around each test."""
    full_server.faults.clear()
    full_server.latency = 0.0
    full_server.reset_counters()
    yield full_server
    full_server.faults.clear()
    full_server.latency = 0.0


SMALL_ROWS = [
    # kpi, municipality_id, period, gender, value
    ("N00001", "0180", 2021, "T", 10.0),
    ("N00001", "0180", 2021, "K", 8.0),
    ("N00001", "0180", 2021, "M", 12.0),
    ("N00001", "1280", 2021, "T", 20.0),
    ("N00001", "1280", 2021, "K", float("nan")),
    ("N00001", "1280", 2021, "M", 22.0),
    ("N00001", "0180", 2022, "T", 11.0),
    ("N00001", "0180", 2022, "K", 9.0),
    ("N00001", "0180", 2022, "M", 13.0),
    ("N00002", "0180", 2022, "T", 50.0),
]


def small_values() -> pd.DataFrame:
    return pd.DataFrame(
        SMALL_ROWS, columns=["kpi", "municipality_id", "period", "gender", "value"]
    ).assign(count=pd.array([pd.NA] * len(SMALL_ROWS), dtype="Int64"), status="", isdeleted=False)


def small_groups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_id": ["G1", "G1", "G2"],
            "group_title": ["Ett par", "Ett par", "Bara Malmö"],
            "member_id": ["0180", "1280", "1280"],
            "member_title": ["Stockholm", "Malmö", "Malmö"],
        }
    )


@pytest.fixture
def small() -> Iterator[KoladaStandin]:
    ou = pd.DataFrame(
        {
            "id": ["V15E018000201", "V15E128000101"],
            "municipality": ["0180", "1280"],
            "title": ["Adolf Fredriks skola", "Malmö Latinskola"],
        }
    )
    ou_values = pd.DataFrame(
        {
            "kpi": ["N15428", "N15428"],
            "ou_id": ["V15E018000201", "V15E018000201"],
            "period": [2022, 2022],
            "gender": ["T", "K"],
            "value": [90.0, 95.0],
            "count": pd.array([pd.NA, 3], dtype="Int64"),
            "status": ["", ""],
            "isdeleted": [False, False],
        }
    )
    with KoladaStandin(
        values=small_values(),
        municipality_groups=small_groups(),
        ou=ou,
        ou_values=ou_values,
        bulk_groups=["G1"],
    ) as standin:
        yield standin


# --- data against the sample ------------------------------------------------------


def test_one_observation_matches_the_sample(full: KoladaStandin) -> None:
    r = get(full.url("/data/kpi/N00906/municipality/0180/year/2022"))
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["count"] == 1 and body["next_url"] is None and body["previous_url"] is None
    (obj,) = body["values"]
    assert (obj["kpi"], obj["municipality"], obj["period"]) == ("N00906", "0180", 2022)
    assert [v["gender"] for v in obj["values"]] == ["M", "T", "K"]  # not the usual order
    s = sample_values()
    want = s[(s.kpi == "N00906") & (s.municipality_id == "0180") & (s.period == 2022)]
    assert {v["gender"]: v["value"] for v in obj["values"]} == dict(
        zip(want.gender, want.value, strict=True)
    )
    assert {v["gender"]: v["value"] for v in obj["values"]}["K"] == 383100.0
    assert all(v["count"] == 1 and v["status"] == "" for v in obj["values"])
    assert all(v["isdeleted"] is False for v in obj["values"])


def test_nan_is_served_as_null(full: KoladaStandin) -> None:
    s = sample_values()
    row = s[s.value.isna()].iloc[0]
    route = f"/data/kpi/{row.kpi}/municipality/{row.municipality_id}/year/{row.period}"
    (obj,) = get(full.url(route)).json()["values"]
    assert {v["gender"]: v["value"] for v in obj["values"]}[row.gender] is None
    assert "NaN" not in get(full.url(route)).text


def test_bulk_pagination_returns_every_row_exactly_once(full: KoladaStandin) -> None:
    years = ",".join(str(y) for y in range(2010, 2023))
    objects, pages = follow(full.url(f"/data/kpi/N00906,N00905/year/{years}"), per_page=1000)
    assert len(objects) > 5000 and pages == -(-len(objects) // 1000)
    assert full.request_count == pages
    served = tidy(objects)
    groups = served[served.municipality_id.str.startswith("G")]
    munis = served[~served.municipality_id.str.startswith("G")]
    keys = ["kpi", "municipality_id", "period", "gender"]
    assert not munis.duplicated(keys).any()
    s = sample_values()
    want = s[s.kpi.isin(["N00906", "N00905"]) & s.period.between(2010, 2022)]
    merged = want.merge(munis, on=keys, how="outer", suffixes=("_want", "_got"), indicator=True)
    assert (merged["_merge"] == "both").all()
    pd.testing.assert_series_equal(
        merged.value_want, merged.value_got.astype("float64"), check_names=False
    )
    # Group rows come only for the bulk groups, once per kpi x period x gender.
    assert set(groups.municipality_id) == set(full.bulk_groups) and len(full.bulk_groups) == 2
    assert not groups.duplicated(keys).any()


def test_bulk_group_rows_are_unweighted_member_means(full: KoladaStandin) -> None:
    gid = full.bulk_groups[0]
    g = sample_municipality_groups()
    members = g.loc[g.group_id == gid, "member_id"].tolist()
    objects = get(full.url("/data/kpi/N00906/year/2022")).json()["values"]
    (group_obj,) = [o for o in objects if o["municipality"] == gid]
    s = sample_values()
    want = s[(s.kpi == "N00906") & (s.period == 2022) & s.municipality_id.isin(members)]
    for v in group_obj["values"]:
        vals = want.loc[want.gender == v["gender"], "value"].dropna()
        assert v["count"] == len(vals) > 0
        assert v["value"] == pytest.approx(vals.mean())


def test_group_id_asked_as_municipality(small: KoladaStandin) -> None:
    (obj,) = get(small.url("/data/kpi/N00001/municipality/G1/year/2021")).json()["values"]
    got = {v["gender"]: (v["value"], v["count"]) for v in obj["values"]}
    assert got == {"T": (15.0, 2), "M": (17.0, 2), "K": (8.0, 1)}  # Malmö's K is null
    # G2 is not a bulk group; G1 is.
    bulk = get(small.url("/data/kpi/N00001/year/2021")).json()["values"]
    assert [o["municipality"] for o in bulk] == ["0180", "1280", "G1"]


def test_per_page_is_capped_and_pages_link_both_ways(full: KoladaStandin) -> None:
    first = get(full.url("/kpi"), per_page=9000).json()
    assert first["count"] == 5000 and first["previous_url"] is None
    assert first["next_url"] == full.url("/kpi?page=2&per_page=5000")
    second = get(first["next_url"]).json()
    assert second["count"] == 6101 - 5000 and second["next_url"] is None
    assert second["previous_url"] == full.url("/kpi?page=1&per_page=5000")
    assert not {k["id"] for k in first["values"]} & {k["id"] for k in second["values"]}
    beyond = get(full.url("/kpi"), page=3).json()
    assert beyond["values"] == [] and beyond["next_url"] is None


def test_relative_next_url_option() -> None:
    with KoladaStandin(values=small_values(), relative_next=True) as standin:
        body = get(standin.url("/data/kpi/N00001/year/2021,2022"), per_page=1).json()
        assert body["next_url"] == "/v3/data/kpi/N00001/year/2021,2022?page=2&per_page=1"
        objects, pages = follow(standin.url("/data/kpi/N00001/year/2021,2022"), per_page=1)
        assert len(objects) == pages == 3


def test_other_path_forms(small: KoladaStandin) -> None:
    by_kpi_muni = get(small.url("/data/kpi/N00001/municipality/0180")).json()["values"]
    assert [o["period"] for o in by_kpi_muni] == [2021, 2022]
    by_muni_year = get(small.url("/data/municipality/0180/year/2022")).json()["values"]
    assert [o["kpi"] for o in by_muni_year] == ["N00001", "N00002"]
    assert [v["gender"] for v in by_muni_year[1]["values"]] == ["T"]


def test_unknown_ids_are_left_out(full: KoladaStandin) -> None:
    objects = get(full.url("/data/kpi/N00906,X99999/municipality/0180,9999,G0/year/2022")).json()
    assert [o["municipality"] for o in objects["values"]] == ["0180"]
    kpis = get(full.url("/kpi/N00906,N99999,N00905")).json()["values"]
    assert [k["id"] for k in kpis] == ["N00906", "N00905"]


def test_more_than_25_ids_is_422(full: KoladaStandin) -> None:
    ids = [f"{i:04d}" for i in range(180, 206)]
    r = get(full.url(f"/data/kpi/N00906/municipality/{','.join(ids)}/year/2022"))
    assert r.status_code == 422
    assert "25" in r.json()["detail"][0]["msg"]
    ok = get(full.url(f"/data/kpi/N00906/municipality/{','.join(ids[:25])}/year/2022"))
    assert ok.status_code == 200
    assert get(full.url("/kpi/" + ",".join(f"N{i:05d}" for i in range(26)))).status_code == 422
    r = get(full.url("/data"), kpi_id="N00906", municipality_id=ids, year="2022")
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("route", "status"),
    [
        ("/nothing/here", 404),
        ("/data/kpi/N00906", 404),  # one dimension is not a route
        ("/data/year/2022/kpi/N00906", 404),
        ("/data/kpi/N00906/year/22", 400),
        ("/data/kpi/N00906/year/2022?per_page=0", 400),
        ("/data/kpi/N00906/year/2022?page=x", 400),
        ("/data/kpi/N00906/year/2022?from_date=2024-13-01", 400),
    ],
)
def test_error_answers_are_json(full: KoladaStandin, route: str, status: int) -> None:
    r = get(full.url(route))
    assert r.status_code == status
    assert "detail" in r.json()


def test_query_form_with_repeated_keys_and_comma_lists(full: KoladaStandin) -> None:
    url = (
        full.url("/data")
        + "?kpi_id=N00906&kpi_id=N00905&municipality_id=0180,1280&municipality_id=0000&year=2022"
    )
    objects = get(url).json()["values"]
    keys = {(o["kpi"], o["municipality"]) for o in objects}
    assert keys == {(k, m) for k in ("N00906", "N00905") for m in ("0180", "1280", "0000")}
    path_form = get(full.url("/data/kpi/N00906,N00905/municipality/0180,1280,0000/year/2022"))
    assert objects == path_form.json()["values"]


def test_query_form_with_a_wrong_parameter_name_is_empty(full: KoladaStandin) -> None:
    r = get(full.url("/data"), kpi_id="N00906", municipality="0180", year="2022")
    assert r.status_code == 200 and r.json()["values"] == []
    assert get(full.url("/data"), kpi_id="N00906").json()["values"] == []


def test_from_date_serves_revisions_and_deletes(small: KoladaStandin) -> None:
    route = "/data/kpi/N00001/year/2021,2022"
    everything = get(small.url(route), from_date="2024-01-01").json()["values"]
    # 0180 in 2021 and 2022, 1280 in 2021, and the bulk group G1 in both years
    assert len(everything) == len(get(small.url(route)).json()["values"]) == 5
    assert get(small.url(route), from_date="2024-08-31").json()["values"] == []

    small.set_today("2026-01-10")
    small.revise("N00001", "0180", 2022, "K", 9.5)
    small.delete("N00001", "1280", 2021)

    changed = get(small.url(route), from_date="2026-01-10").json()["values"]
    by_unit = {(o["municipality"], o["period"]): o for o in changed}
    # A group changes when a member does.
    assert set(by_unit) == {("0180", 2022), ("1280", 2021), ("G1", 2021), ("G1", 2022)}
    revised = {v["gender"]: v["value"] for v in by_unit[("0180", 2022)]["values"]}
    assert revised == {"T": 11.0, "K": 9.5, "M": 13.0}
    deleted = by_unit[("1280", 2021)]["values"]
    assert {v["gender"] for v in deleted} == {"T", "K", "M"}
    assert all(v["value"] is None and v["isdeleted"] is True for v in deleted)
    # G1 now has only Stockholm left.
    g1 = {v["gender"]: (v["value"], v["count"]) for v in by_unit[("G1", 2021)]["values"]}
    assert g1["T"] == (10.0, 1)

    plain = get(small.url(route)).json()["values"]
    assert ("1280", 2021) not in {(o["municipality"], o["period"]) for o in plain}
    assert get(small.url(route), from_date="2026-01-11").json()["values"] == []
    with pytest.raises(KeyError):
        small.delete("N00001", "1280", 2021)


def test_revise_creates_new_observations(small: KoladaStandin) -> None:
    small.set_today("2026-02-01")
    small.revise("N00003", "1280", 2023, "T", 1.5)
    (obj,) = get(small.url("/data/kpi/N00003/municipality/1280/year/2023")).json()["values"]
    assert obj["values"] == [
        {"gender": "T", "count": 1, "status": "", "value": 1.5, "isdeleted": False}
    ]
    with pytest.raises(ValueError, match="group"):
        small.revise("N00001", "G1", 2021, "T", 1.0)


# --- metadata -------------------------------------------------------------------


def test_kpi_objects_carry_the_v3_fields(full: KoladaStandin) -> None:
    (kpi,) = get(full.url("/kpi/N00906")).json()["values"]
    assert kpi["is_divided_by_gender"] is True and kpi["has_ou_data"] is False
    assert set(kpi) >= {"id", "title", "description", "municipality_type", "operating_area"}
    titles = [k["title"] for k in get(full.url("/kpi"), title="FÖRVÄRVSINKOMST").json()["values"]]
    assert titles and all("förvärvsinkomst" in t.lower() for t in titles)
    assert get(full.url("/kpi"), from_date="2024-01-01").json()["count"] == 5000


def test_municipalities_and_groups(full: KoladaStandin) -> None:
    regions = get(full.url("/municipality"), region_type="L").json()["values"]
    assert len(regions) == 22 and {m["type"] for m in regions} == {"L"}
    assert get(full.url("/municipality/0180")).json()["values"] == [
        {"id": "0180", "title": "Stockholm", "type": "K"}
    ]
    stock = get(full.url("/municipality"), title="STOCK").json()["values"]
    assert [m["id"] for m in stock] == ["0001", "0180"]
    (group,) = get(full.url("/municipality_groups/G37523")).json()["values"]
    assert len(group["members"]) == 7
    assert set(group["members"][0]) == {"member_id", "member_title"}
    kpi_groups = get(full.url("/kpi_groups"), title="jämställdhet").json()["values"]
    assert {g["id"] for g in kpi_groups} == {"G2KPI148333", "G2KPI148336"}


def test_organisational_units_and_their_data(small: KoladaStandin) -> None:
    ous = get(small.url("/ou"), municipality="0180").json()["values"]
    assert ous == [{"id": "V15E018000201", "municipality": "0180", "title": "Adolf Fredriks skola"}]
    assert len(get(small.url("/ou"), title="latin").json()["values"]) == 1
    (obj,) = get(small.url("/oudata/kpi/N15428/ou/V15E018000201/year/2022")).json()["values"]
    assert obj["ou"] == "V15E018000201" and "municipality" not in obj
    assert [(v["gender"], v["count"]) for v in obj["values"]] == [("T", 1), ("K", 3)]
    query = get(small.url("/oudata"), kpi_id="N15428", ou_id="V15E018000201", year="2022")
    assert query.json()["values"] == [obj]
    assert len(get(small.url("/oudata/kpi/N15428/year/2022")).json()["values"]) == 1


# --- faults ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["429", "500", "502", "503"])
def test_status_faults(full: KoladaStandin, kind: str) -> None:
    full.faults.add(kind, retry_after=3)
    r = get(full.url("/kpi/N00906"))
    assert r.status_code == int(kind)
    if kind in ("429", "503"):
        assert r.headers["Retry-After"] == "3"
    assert get(full.url("/kpi/N00906")).status_code == 200  # used up after one request
    assert full.faults.fired == [(kind, "/v3/kpi/N00906")]


def test_html_and_truncated_faults(full: KoladaStandin) -> None:
    full.faults.add("html")
    full.faults.add("truncated")
    html = get(full.url("/kpi/N00906"))
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        json.loads(html.text)
    cut = get(full.url("/kpi/N00906"))
    assert cut.status_code == 200 and cut.text.startswith('{"values":')
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.text)


def test_reset_fault_raises_in_requests(full: KoladaStandin) -> None:
    full.faults.add("reset")
    with pytest.raises(requests.RequestException):
        get(full.url("/data/kpi/N00906/year/2022"))
    assert get(full.url("/data/kpi/N00906/year/2022")).status_code == 200


def test_timeout_fault_outlasts_the_read_timeout(full: KoladaStandin) -> None:
    full.faults.add("timeout", sleep=0.5)
    with pytest.raises(requests.ReadTimeout):
        requests.get(full.url("/kpi/N00906"), timeout=(1.0, 0.1))
    full.faults.add("timeout", sleep=0.2)
    r = requests.get(full.url("/kpi/N00906"), timeout=(1.0, 2.0))
    assert r.status_code == 200 and r.json()["count"] == 1


def test_cycle_fault_points_back_to_page_one(full: KoladaStandin) -> None:
    full.faults.add("cycle", match="?page=2&")
    first = get(full.url("/kpi"), per_page=3).json()
    second = get(first["next_url"]).json()
    assert second["count"] == 3 and second["values"] != first["values"]
    assert second["next_url"] == full.url("/kpi?page=1&per_page=3")
    assert get(second["next_url"]).json() == first


def test_field_faults_and_empty(full: KoladaStandin) -> None:
    route = full.url("/data/kpi/N00906/municipality/0180/year/2022")
    full.faults.add("extra_field")
    full.faults.add("missing_field")
    full.faults.add("missing_field", field="kpi")
    full.faults.add("empty")
    (extra,) = get(route).json()["values"]
    assert extra["unexpected_field"] and all("unexpected_field" in v for v in extra["values"])
    (no_count,) = get(route).json()["values"]
    assert all("count" not in v for v in no_count["values"]) and "gender" in no_count["values"][0]
    (no_kpi,) = get(route).json()["values"]
    assert "kpi" not in no_kpi and no_kpi["municipality"] == "0180"
    empty = get(route).json()
    assert empty["values"] == [] and empty["count"] == 0 and empty["next_url"] is None
    (clean,) = get(route).json()["values"]
    assert "unexpected_field" not in clean and clean["kpi"] == "N00906"


def test_faults_match_by_path_and_repeat(full: KoladaStandin) -> None:
    full.faults.add("503", match="/data/", times=2)
    assert get(full.url("/kpi/N00906")).status_code == 200
    statuses = [get(full.url("/data/kpi/N00906/year/2022")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    forever = full.faults.add("500", times=None)
    assert [get(full.url("/kpi/N00906")).status_code for _ in range(3)] == [500] * 3
    assert full.faults.pending == [forever] and forever.fired == 3
    full.faults.clear()
    assert len(full.faults) == 0 and get(full.url("/kpi/N00906")).status_code == 200
    with pytest.raises(ValueError, match="unknown fault kind"):
        full.faults.add("teapot")
    assert "teapot" not in FAULT_KINDS


def test_faults_are_thread_safe(full: KoladaStandin) -> None:
    full.faults.add("500", times=10)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            for _ in range(5):
                code = session.get(full.url("/municipality/0180"), timeout=TIMEOUT).status_code
                with lock:
                    statuses.append(code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(500) == 10 and statuses.count(200) == 30
    assert full.request_count == 40 and len(full.requests) == 40


def test_fault_queue_without_a_server() -> None:
    q = FaultQueue()
    q.add("empty", match="/kpi")
    assert q.take("/v3/municipality") is None
    fault = q.take("/v3/kpi?title=x")
    assert fault is not None and fault.kind == "empty" and q.take("/v3/kpi") is None


def test_latency_is_added_to_every_response(full: KoladaStandin) -> None:
    full.latency = 0.15
    started = time.perf_counter()
    assert get(full.url("/municipality/0180")).status_code == 200
    assert time.perf_counter() - started >= 0.15


def test_request_counters(full: KoladaStandin) -> None:
    get(full.url("/kpi/N00906"))
    get(full.url("/data"), kpi_id="N00906", year="2022", municipality_id="0180")
    assert full.request_count == 2
    assert full.requests == [
        "/v3/kpi/N00906",
        "/v3/data?kpi_id=N00906&year=2022&municipality_id=0180",
    ]
    full.reset_counters()
    assert full.request_count == 0 and full.requests == []


# --- lifecycle ------------------------------------------------------------------


def test_full_sample_serves_on_loopback(full_server: KoladaStandin) -> None:
    # how fast it starts is not asserted: that depends on the machine's load
    assert full_server.base_url == f"http://127.0.0.1:{full_server.port}/v3"


def test_stop_is_prompt_and_idempotent() -> None:
    standin = KoladaStandin(values=small_values(), municipality_groups=small_groups()).start()
    url = standin.url("/data/kpi/N00001/municipality/0180/year/2021")
    with requests.Session() as session:
        assert session.get(url, timeout=TIMEOUT).status_code == 200  # leaves a kept-alive socket
        # the handler would stall for 10 minutes and the client wait 5: only stop()
        # waking the handler can end the request within the hang guards below
        standin.faults.add("timeout", sleep=600)
        outcome: list[str] = []

        def stalled_request() -> None:
            try:
                outcome.append(str(requests.get(url, timeout=300).status_code))
            except requests.RequestException as err:
                outcome.append(type(err).__name__)

        stalled = threading.Thread(target=stalled_request)
        stalled.start()
        deadline = time.monotonic() + 60  # a hang guard only
        while standin.request_count < 2:
            assert time.monotonic() < deadline, "hang guard: the stalled request never came"
            time.sleep(0.01)
        standin.stop()
        stalled.join(timeout=60)  # a hang guard only
        assert not stalled.is_alive(), "stop() left a handler stalled"
        assert len(outcome) == 1  # answered at once or cut off; never left hanging
        assert "Timeout" not in outcome[0], outcome
        standin.stop()
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=TIMEOUT)
    with pytest.raises(RuntimeError, match="not running"):
        _ = standin.base_url
