"""The Kolada client: URLs, chunking, pagination, concurrency, faults, completeness."""

from __future__ import annotations

import threading
import time
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
import pytest
import requests
import responses

from kolada_standin import FAULT_KINDS
from koladagap.errors import (
    HTTPStatusError,
    InputError,
    PaginationError,
    ResponseFormatError,
)
from koladagap.kolada.client import KoladaClient, chunks
from koladagap.kolada.frames import records_to_frame
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import sample_values
from koladagap.kolada.schema import parse_ids

BASE = "http://127.0.0.1:9/v3"


def env(values: list[Any], next_url: str | None = None, count: int | None = None) -> dict[str, Any]:
    return {
        "values": values,
        "count": len(values) if count is None else count,
        "next_url": next_url,
        "previous_url": None,
    }


def segments(url: str) -> dict[str, list[str]]:
    parts = urlsplit(url).path.split("/data/")[1].split("/")
    return {parts[i]: parts[i + 1].split(",") for i in range(0, len(parts), 2)}


# --- URLs ----------------------------------------------------------------------


def test_base_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOLADA_API_URL", "http://127.0.0.1:5/v3/")
    assert KoladaClient().base_url == "http://127.0.0.1:5/v3"
    assert KoladaClient("http://127.0.0.1:6/v3").base_url == "http://127.0.0.1:6/v3"


def test_default_base_url_is_v3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KOLADA_API_URL", raising=False)
    assert KoladaClient().base_url == "https://api.kolada.se/v3"


def test_bad_base_url_is_rejected() -> None:
    with pytest.raises(InputError, match=r"invalid Kolada API URL 'api\.kolada\.se'"):
        KoladaClient("api.kolada.se")


def test_chunks_are_at_most_25_and_urls_are_the_product() -> None:
    c = KoladaClient(BASE)
    kpis = [f"N{i:05d}" for i in range(60)]  # 3 chunks
    munis = [f"{i:04d}" for i in range(1, 31)]  # 2 chunks
    urls = c.build_urls("data", kpis=kpis, municipalities=munis, years="2020-2022")
    assert len(urls) == 3 * 2 * 1
    seen: set[tuple[str, str]] = set()
    for u in urls:
        seg = segments(u.split("?")[0])
        assert all(len(v) <= 25 for v in seg.values())
        assert seg["year"] == ["2020", "2021", "2022"]
        seen |= {(k, m) for k in seg["kpi"] for m in seg["municipality"]}
        assert u.endswith("?per_page=5000")
    assert seen == {(k, m) for k in kpis for m in munis}


def test_bulk_form_when_all_municipalities_wanted() -> None:
    c = KoladaClient(BASE)
    urls = c.build_urls("data", kpis="N00906,N00905", years=2022)
    assert urls == [BASE + "/data/kpi/N00906,N00905/year/2022?per_page=5000"]


def test_all_years_all_municipalities_uses_bulk_over_year_chunks() -> None:
    urls = KoladaClient(BASE).build_urls("data", kpis="N00906")
    years = [y for u in urls for y in segments(u.split("?")[0])["year"]]
    assert int(years[0]) == 1970
    assert len(years) == len(set(years)) >= 56
    assert all(len(segments(u.split("?")[0])["year"]) <= 25 for u in urls)


def test_from_date_and_title_are_passed_and_checked() -> None:
    c = KoladaClient(BASE)
    (u,) = c.build_urls("data", kpis="N00906", years=2022, from_date="2024-01-31")
    assert u.endswith("?per_page=5000&from_date=2024-01-31")
    (t,) = c.build_urls("kpi", title="förvärvsinkomst")
    assert "title=f%C3%B6rv%C3%A4rvsinkomst" in t
    with pytest.raises(InputError, match="from_date"):
        c.build_urls("data", kpis="N00906", years=2022, from_date="31/01/2024")


def test_metadata_urls_chunk_ids() -> None:
    ids = [f"N{i:05d}" for i in range(30)]
    urls = KoladaClient(BASE).build_urls("kpi", ids=ids)
    assert len(urls) == 2
    assert urls[0].startswith(BASE + "/kpi/N00000,")


def test_unknown_endpoint_and_too_little_query() -> None:
    c = KoladaClient(BASE)
    with pytest.raises(InputError, match="unknown endpoint"):
        c.build_urls("kpis")
    with pytest.raises(InputError, match="two of the three"):
        c.build_urls("data", municipalities="0180")


def test_chunks_helper() -> None:
    assert chunks([]) == []
    assert [len(c) for c in chunks(list(range(51)))] == [25, 25, 1]


# --- pagination (responses) ----------------------------------------------------------


@responses.activate
def test_follows_absolute_next_url_and_ignores_count() -> None:
    first = BASE + "/kpi?per_page=5000"
    second = BASE + "/kpi?per_page=5000&page=2"
    # count lies (claims everything is on page 1): the client must still follow next_url
    responses.get(first, json=env([{"id": "A"}], next_url=second, count=1))
    responses.get(second, json=env([{"id": "B"}]))
    assert [r["id"] for r in KoladaClient(BASE).kpis()] == ["A", "B"]


@responses.activate
def test_follows_relative_next_url() -> None:
    first = BASE + "/kpi?per_page=5000"
    responses.get(first, json=env([{"id": "A"}], next_url="/v3/kpi?page=2&per_page=5000"))
    responses.get(BASE + "/kpi?page=2&per_page=5000", json=env([{"id": "B"}]))
    assert [r["id"] for r in KoladaClient(BASE).kpis()] == ["A", "B"]


@responses.activate
def test_next_url_cycle_is_an_error() -> None:
    first = BASE + "/kpi?per_page=5000"
    second = BASE + "/kpi?per_page=5000&page=2"
    responses.get(first, json=env([{"id": "A"}], next_url=second))
    responses.get(second, json=env([{"id": "B"}], next_url=first))
    with pytest.raises(PaginationError, match="already read") as exc:
        KoladaClient(BASE).kpis()
    assert exc.value.url == second


@responses.activate
def test_failed_chunk_raises_never_a_shorter_result() -> None:
    c = KoladaClient(BASE, settings=HTTPSettings(retries=0, rate_limit=0))
    kpis = [f"N{i:05d}" for i in range(60)]
    urls = c.build_urls("data", kpis=kpis, years=2022)
    ok = {"municipality": "0180", "period": 2022, "values": []}  # well formed: only 1 fails
    responses.get(urls[0], json=env([{"kpi": "N00000", **ok}]))
    responses.get(urls[1], json={"detail": "Internal Server Error"}, status=500)
    responses.get(urls[2], json=env([{"kpi": "N00050", **ok}]))
    with pytest.raises(HTTPStatusError) as exc:
        c.data(kpis, None, 2022)
    assert exc.value.url == urls[1]


# --- against the stand-in --------------------------------------------------------


def expected(kpis: list[str], munis: list[str] | None, years: list[int]) -> pd.DataFrame:
    s = sample_values()
    m = s["kpi"].isin(kpis) & s["period"].isin(years)
    if munis:
        m &= s["municipality_id"].isin(munis)
    return s.loc[m].sort_values(["kpi", "municipality_id", "period", "gender"], ignore_index=True)


def as_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = records_to_frame(records)
    df = df.loc[~df["municipality_id"].str.startswith("G")]
    return df.sort_values(["kpi", "municipality_id", "period", "gender"], ignore_index=True)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert len(got) == len(want)
    for col in ("kpi", "municipality_id", "period", "gender"):
        assert got[col].tolist() == want[col].tolist()
    np.testing.assert_array_equal(got["value"].to_numpy(), want["value"].to_numpy())


def test_exact_values_across_pages_and_chunks(standin: Any, fast_settings: HTTPSettings) -> None:
    s = HTTPSettings(**{**fast_settings.__dict__, "per_page": 500, "fit_pages": False})
    c = KoladaClient(standin.base_url, settings=s)
    munis = sample_values()["municipality_id"].drop_duplicates().tolist()[:60]
    kpis = ["N00906", "N15428", "N00945"]
    got = as_frame(c.data(kpis, munis, "2015-2022"))
    assert_same(got, expected(kpis, munis, list(range(2015, 2023))))
    assert got["municipality_id"].str.len().eq(4).all()  # leading zeros kept
    assert standin.request_count > 3  # several chunks and pages


def test_bulk_values_equal_the_sample(standin: Any, fast_settings: HTTPSettings) -> None:
    c = KoladaClient(standin.base_url, settings=fast_settings)
    recs = c.data(["N00906", "N15428"], None, "2020-2022")
    assert any(r["municipality"].startswith("G") for r in recs)  # bulk form has group means
    assert_same(as_frame(recs), expected(["N00906", "N15428"], None, [2020, 2021, 2022]))


@pytest.mark.slow  # starts a stand-in of its own (~5 s)
def test_relative_next_urls_against_server(fast_settings: HTTPSettings) -> None:
    from kolada_standin import KoladaStandin

    s = HTTPSettings(**{**fast_settings.__dict__, "per_page": 100})
    with KoladaStandin(relative_next=True) as server:
        recs = KoladaClient(server.base_url, settings=s).data("N00906", None, 2022)
    assert_same(as_frame(recs), expected(["N00906"], None, [2022]))


def test_null_women_or_men_stay_null(standin: Any, fast_settings: HTTPSettings) -> None:
    want = expected(["N00090"], None, [2012])
    assert want["value"].isna().any()
    got = as_frame(
        KoladaClient(standin.base_url, settings=fast_settings).data("N00090", None, 2012)
    )
    assert_same(got, want)
    assert got["value"].isna().sum() == want["value"].isna().sum()


def test_metadata_endpoints(standin: Any, fast_settings: HTTPSettings) -> None:
    c = KoladaClient(standin.base_url, settings=fast_settings)
    assert len(c.kpis()) == 6101  # v3 catalogue + 2 ended KPIs of the sample
    assert [r["id"] for r in c.kpis("N00906")] == ["N00906"]
    munis = c.municipalities()
    assert len(munis) == 312 and {"id", "title", "type"} <= set(munis[0])
    assert {m["type"] for m in c.municipalities(kind="L")} == {"L"}
    groups = c.municipality_groups(title="Liknande kommuner")
    assert groups and all("members" in g for g in groups)
    assert c.kpi_groups("G2KPI148333")[0]["id"] == "G2KPI148333"


def test_unknown_ids_are_reported(
    standin: Any, fast_settings: HTTPSettings, caplog: pytest.LogCaptureFixture
) -> None:
    c = KoladaClient(standin.base_url, settings=fast_settings)
    with caplog.at_level("WARNING", logger="koladagap.kolada.client"):
        recs = c.data(["N00906", "N99999"], ["0180", "9999"], 2022)
    assert {r["kpi"] for r in recs} == {"N00906"}
    assert c.missing_ids == {"kpi": ["N99999"], "municipality": ["9999"]}
    assert "N99999" in caplog.text and "9999" in caplog.text


def test_concurrency_is_bounded(standin: Any, fast_settings: HTTPSettings) -> None:
    standin.latency = 0.05
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    class Counting(requests.Session):
        def get(self, url: str | bytes, **kw: Any) -> requests.Response:  # type: ignore[override]
            nonlocal in_flight, peak
            with lock:
                in_flight += 1
                peak = max(peak, in_flight)
            try:
                return super().get(url, **kw)
            finally:
                with lock:
                    in_flight -= 1

    s = HTTPSettings(**{**fast_settings.__dict__, "max_workers": 3})
    c = KoladaClient(standin.base_url, settings=s, session=Counting())
    kpis = sorted(sample_values()["kpi"].unique())
    c.data(kpis, ["0180"], "2018-2022")
    # one KPI per request to get many requests
    urls = [
        u for k in kpis for u in c.build_urls("data", kpis=k, municipalities="0180", years=2022)
    ]
    c.fetch_all(urls)
    assert peak == 3


def test_rate_cap_is_respected(standin: Any, fast_settings: HTTPSettings) -> None:
    s = HTTPSettings(**{**fast_settings.__dict__, "rate_limit": 20.0, "max_workers": 4})
    c = KoladaClient(standin.base_url, settings=s)
    urls = [c.build_urls("kpi", ids=f"N0090{i}")[0] for i in range(10)]
    t0 = time.monotonic()
    c.fetch_all(urls)
    assert time.monotonic() - t0 >= 9 / 20 * 0.9


def test_progress_callback(standin: Any, fast_settings: HTTPSettings) -> None:
    calls: list[tuple[int, int]] = []
    c = KoladaClient(
        standin.base_url, settings=fast_settings, progress=lambda d, t: calls.append((d, t))
    )
    kpis = [f"N{i:05d}" for i in range(60)]
    c.data(kpis, ["0180"], 2022)
    assert calls[-1] == (3, 3)


# --- every fault: complete data or a clear error -------------------------------------


@pytest.mark.parametrize("kind", sorted(FAULT_KINDS))
def test_every_fault_gives_complete_data_or_an_error(
    standin: Any, fast_settings: HTTPSettings, kind: str
) -> None:
    # a read timeout generous enough for any answer on a loaded machine; the timeout
    # fault stalls far longer than it
    s = HTTPSettings(
        **{**fast_settings.__dict__, "per_page": 200, "read_timeout": 2.0, "fit_pages": False}
    )
    c = KoladaClient(standin.base_url, settings=s)
    want = expected(["N00906"], None, [2021, 2022])
    # the fault hits the second page
    field = "municipality" if kind == "missing_field" else None
    standin.faults.add(kind, match="page=2", retry_after=0, sleep=10.0, field=field)
    if kind == "cycle":
        with pytest.raises(PaginationError) as exc:
            c.data("N00906", None, "2021-2022")
        assert exc.value.url.startswith(standin.base_url)
        return
    if kind == "missing_field":  # caught by the client, naming the URL of the bad answer
        with pytest.raises(ResponseFormatError, match="municipality") as bad:
            c.data("N00906", None, "2021-2022")
        assert bad.value.url.startswith(standin.base_url + "/data/kpi/N00906/")
        return
    recs = c.data("N00906", None, "2021-2022")
    got = as_frame(recs)
    if kind == "empty":
        # An empty 200 page is Kolada's way of saying "no more data": it cannot be told
        # from a real end of data, so the result is shorter; documented in docs/guarantees.md.
        assert len(got) < len(want)
        return
    assert_same(got, want)


def test_fault_on_one_chunk_of_many_still_complete(
    standin: Any, fast_settings: HTTPSettings
) -> None:
    c = KoladaClient(standin.base_url, settings=fast_settings)
    kpis = sorted(sample_values()["kpi"].unique())
    munis = parse_ids(
        sample_values()["municipality_id"].drop_duplicates().tolist()[:50], "municipality"
    )
    for kind in ("429", "500", "502", "503", "reset", "truncated", "html"):
        standin.faults.add(kind, match="municipality/", retry_after=0)
    got = as_frame(c.data(kpis, munis, "2020-2022"))
    assert len(standin.faults.fired) == 7
    assert_same(got, expected(kpis, munis, [2020, 2021, 2022]))


def test_ou_and_oudata(fast_settings: HTTPSettings) -> None:
    from kolada_standin import KoladaStandin

    ou = pd.DataFrame(
        {
            "id": ["V15E018000201", "V15E128000101"],
            "municipality": ["0180", "1280"],
            "title": ["Adolf Fredriks skola", "Malmö Latinskola"],
        }
    )
    ou_values = pd.DataFrame(
        {
            "kpi": ["N15428", "N15428", "N15428"],
            "ou_id": ["V15E018000201"] * 3,
            "period": [2022] * 3,
            "gender": ["T", "K", "M"],
            "value": [90.0, 95.0, None],
            "count": pd.array([pd.NA, 3, 2], dtype="Int64"),
            "status": ["", "", ""],
            "isdeleted": [False] * 3,
        }
    )
    with KoladaStandin(sample_values().iloc[:30], ou=ou, ou_values=ou_values) as server:
        c = KoladaClient(server.base_url, settings=fast_settings)
        units = c.ou(municipality="0180")
        assert [u["id"] for u in units] == ["V15E018000201"]
        recs = c.oudata("N15428", ["V15E018000201", "V15E128000101"], 2022)
        assert c.missing_ids["ou"] == ["V15E128000101"]
    df = records_to_frame(recs, ou=True).sort_values("gender", ignore_index=True)
    assert df["ou_id"].tolist() == ["V15E018000201"] * 3
    assert df["value"].tolist()[:1] == [95.0] and np.isnan(df["value"].iloc[1])


def test_id_lists_are_sized_so_each_answer_fits_one_page() -> None:
    """18 KPIs × 13 years: 234 objects per municipality, so 21 per request, not 25."""
    c = KoladaClient(BASE)
    kpis = [f"N{i:05d}" for i in range(18)]
    munis = [f"{i:04d}" for i in range(1000, 1290)]
    urls = c.build_urls("data", kpis=kpis, municipalities=munis, years="2010-2022")
    sizes = [len(segments(u.split("?")[0])["municipality"]) for u in urls]
    assert len(urls) == 14 and max(sizes) == 21 and sum(sizes) == 290
    assert all(18 * s * 13 <= 5000 for s in sizes)
    old = KoladaClient(BASE, settings=HTTPSettings(fit_pages=False))
    assert len(old.build_urls("data", kpis=kpis, municipalities=munis, years="2010-2022")) == 12


def test_ctrl_c_drops_the_requests_still_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C while waiting for answers cancels what has not started (no new requests)."""
    import koladagap.kolada.client as client_module

    client = KoladaClient("http://127.0.0.1:9/v3", settings=HTTPSettings(max_workers=3))
    release = threading.Event()
    started: list[str] = []

    def work(url: str, *, until: float | None = None) -> str:
        started.append(url)
        if url != "u0":
            release.wait(30)  # the others stay in flight until the test lets them go
        return url

    def ctrl_c(fs: Any, return_when: Any) -> Any:
        t0 = time.monotonic()
        while len(started) < 4 and time.monotonic() - t0 < 10:  # u0 done, three in flight
            time.sleep(0.01)
        raise KeyboardInterrupt

    monkeypatch.setattr(client_module, "wait", ctrl_c)
    try:
        with pytest.raises(KeyboardInterrupt):
            client._gather([f"u{i}" for i in range(20)], work)
        assert len(started) == 4  # the other 16 never start
    finally:
        release.set()
