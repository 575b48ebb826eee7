"""The fault matrix: every fault the stand-in can inject, through the whole fetch path.

Each row of :data:`MATRIX` queues faults on the local Kolada stand-in, fetches through
:class:`koladagap.Kolada` (client, frames and cache) and checks the one outcome
allowed for it:

* ``exact``: the rows equal the sample's rows for the query — none lost, none
  duplicated, every value the same (NaN where Kolada has null);
* ``served``: exactly what the server served (the ``empty`` fault: an empty page
  is the end of the data, so what came before it and nothing more);
* an error class: raised with the request's URL in the message, and nothing of
  the query cached.

A soak then runs many fetches with random faults and proves the same in aggregate.
Offline (loopback only) and bounded in time.
"""

from __future__ import annotations

import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np
import pandas as pd
import pytest

from kolada_standin import FAULT_KINDS, KoladaStandin
from koladagap.benchmarking.data import Kolada, UnknownIdWarning
from koladagap.errors import (
    APIError,
    HTTPStatusError,
    PaginationError,
    ResponseFormatError,
    TransportError,
)
from koladagap.kolada.client import KoladaClient
from koladagap.kolada.http import HTTPSettings
from koladagap.kolada.sample import sample_values

KEYS = ["kpi", "municipality_id", "period", "gender"]
KPIS = ["N00906", "N15428", "N00945"]
YEARS = range(2015, 2023)
PER_PAGE = 150  # several pages per chunk (not 2xx or 3xx: faults match "page=N&")


def _munis() -> list[str]:
    ids = sorted(sample_values()["municipality_id"].drop_duplicates())
    return [m for m in ids if m != "0000"][:60]  # three chunks of at most 25


MUNIS = _munis()


def settings(**kw: Any) -> HTTPSettings:
    base: dict[str, Any] = {
        "rate_limit": 0,
        "backoff_factor": 0.01,
        "backoff_max": 0.05,
        "retries": 4,
        "body_retries": 3,
        "read_timeout": 2.0,  # generous: the suite may run on a loaded machine
        "per_page": PER_PAGE,
        "fit_pages": False,  # lists of 25 ids, so that answers run over several pages
    }
    return HTTPSettings(**{**base, **kw})


def want(kpis: list[str], munis: list[str], years: range) -> pd.DataFrame:
    s = sample_values()
    m = s["kpi"].isin(kpis) & s["municipality_id"].isin(munis) & s["period"].isin(list(years))
    return s.loc[m.to_numpy(dtype=bool)].sort_values(KEYS, ignore_index=True)


def assert_exact(got: pd.DataFrame, exp: pd.DataFrame) -> None:
    """Same keys (no row lost, none duplicated) and the same values, NaN for NaN."""
    got = got.sort_values(KEYS, ignore_index=True)
    assert not got.duplicated(KEYS).any(), "duplicated rows"
    assert len(got) == len(exp), f"{len(got)} rows, expected {len(exp)}"
    for c in KEYS:
        assert got[c].astype(str).tolist() == exp[c].astype(str).tolist(), c
    np.testing.assert_array_equal(got["value"].to_numpy(float), exp["value"].to_numpy(float))


def id_lists(target: str) -> list[list[str]]:
    """Every id list in a request (path segments after a name, and query values)."""
    parts = urlsplit(target)
    segs = [unquote(s) for s in parts.path.split("/")]
    lists = [segs[i + 1].split(",") for i, s in enumerate(segs[:-1]) if s in NAMES]
    query = parse_qsl(parts.query)
    lists += [v.split(",") for k, v in query if k in NAMES or k.endswith("_id")]
    return lists


NAMES = {"kpi", "municipality", "year", "ou"}


@pytest.fixture(scope="module")
def meta_cache(tmp_path_factory: pytest.TempPathFactory, _standin_server: Any) -> Path:
    """A cache folder holding only the metadata tables (fetched once, without faults)."""
    d = tmp_path_factory.mktemp("meta")
    server = _standin_server
    kg = Kolada(server.base_url, cache_dir=str(d), settings=settings(per_page=5000))
    kg.check_ids(["N00906"], ["0180"])  # fills kpis, municipalities, municipality_groups
    return d


@pytest.fixture
def cache_dir(meta_cache: Path, tmp_path: Path) -> Path:
    d = tmp_path / "cache"
    shutil.copytree(meta_cache, d)
    return d


# --- the matrix -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One row: faults to queue, stand-in options, and the outcome allowed."""

    name: str
    faults: list[dict[str, Any]] = field(default_factory=list)
    outcome: str | type[APIError] = "exact"
    relative_next: bool = False
    min_seconds: float = 0.0  # e.g. a Retry-After that must be waited for
    read_timeout: float = 2.0  # generous: the suite may run on a loaded machine


def page(n: int) -> str:
    """A fault match for page ``n`` of any chain (``?page=n&per_page=…``)."""
    return f"page={n}&"


def f(kind: str, **kw: Any) -> dict[str, Any]:
    return {"kind": kind, "match": "/data/", **kw}


MATRIX = [
    Case("429 Retry-After 1 s", [f("429", retry_after=1, match=page(2))], min_seconds=0.9),
    Case("429 Retry-After 0, three times", [f("429", retry_after=0, times=3)]),
    Case("500 once", [f("500")]),
    Case("502 twice", [f("502", times=2)]),
    Case("503 with Retry-After 0", [f("503", retry_after=0, match=page(3))]),
    Case("5xx mixed on one page", [f("500", match=page(2)), f("502", match=page(2))]),
    Case("500 forever", [f("500", times=None)], outcome=HTTPStatusError),
    Case("503 forever", [f("503", times=None, retry_after=0)], outcome=HTTPStatusError),
    Case("timeout once", [f("timeout", sleep=10.0)]),  # stalls well past the read timeout
    Case(
        "timeout forever",
        [f("timeout", sleep=0.5, times=None)],
        outcome=TransportError,
        read_timeout=0.25,
    ),
    Case("reset mid-body once", [f("reset", match=page(2))]),
    Case("reset mid-body twice", [f("reset", times=2)]),
    Case("reset forever", [f("reset", times=None)], outcome=TransportError),
    Case("html outage page once", [f("html")]),
    Case("html forever", [f("html", times=None)], outcome=ResponseFormatError),
    Case("truncated json once", [f("truncated", match=page(2))]),
    Case("truncated forever", [f("truncated", times=None)], outcome=ResponseFormatError),
    Case("relative next_url", relative_next=True),
    Case("relative next_url with faults", [f("500"), f("truncated")], relative_next=True),
    Case("cyclic next_url", [f("cycle", match=page(2))], outcome=PaginationError),
    Case(
        "cyclic relative next_url",
        [f("cycle", match=page(3))],
        outcome=PaginationError,
        relative_next=True,
    ),
    Case("empty page in the middle", [f("empty", match=page(2))], outcome="served"),
    Case("extra field", [f("extra_field", times=None)]),
    Case("missing count", [f("missing_field", field="count", times=None)]),
    Case("missing status", [f("missing_field", field="status", times=None)]),
    Case("missing isdeleted", [f("missing_field", field="isdeleted", times=None)]),
    Case(
        "missing municipality",
        [f("missing_field", field="municipality", match=page(2))],
        outcome=ResponseFormatError,
    ),
    Case(
        "missing gender",
        [f("missing_field", field="gender", match=page(2))],
        outcome=ResponseFormatError,
    ),
    Case("missing kpi", [f("missing_field", field="kpi")], outcome=ResponseFormatError),
    Case("missing period", [f("missing_field", field="period")], outcome=ResponseFormatError),
    Case("missing values", [f("missing_field", field="values")], outcome=ResponseFormatError),
    Case(
        "every transient fault at once",
        [f(k) for k in ("429", "500", "502", "503")]
        + [f("reset", match=page(2)), f("html"), f("truncated"), f("timeout", sleep=1.0)],
    ),
]


def test_the_matrix_covers_every_fault_kind() -> None:
    used = {fault["kind"] for case in MATRIX for fault in case.faults}
    assert used == FAULT_KINDS


def served_rows(server: KoladaStandin, fired: list[tuple[str, str]]) -> pd.DataFrame:
    """What an ``empty`` fault leaves: every row but those on and after the emptied page."""
    from koladagap.kolada.frames import records_to_frame

    full = want(KPIS, MUNIS, YEARS)
    lost: list[dict[str, Any]] = []
    for kind, target in fired:
        assert kind == "empty"
        page = int(dict(parse_qsl(urlsplit(target).query))["page"])
        nxt: str | None = target
        while nxt:  # the emptied page and every page after it in that chain
            body = server.answer(nxt).body
            lost += body["values"]
            nxt = body["next_url"]
            if nxt:
                nxt = nxt[len(server.root_url) :] if nxt.startswith("http") else nxt
        assert page >= 2
    if not lost:
        return full
    gone = records_to_frame(lost)[KEYS]
    merged = full.merge(gone.assign(_gone=True), on=KEYS, how="left")
    return merged.loc[merged["_gone"].isna()].drop(columns="_gone").reset_index(drop=True)


@pytest.mark.parametrize("case", MATRIX, ids=[c.name for c in MATRIX])
def test_fault_matrix(case: Case, cache_dir: Path, standin: KoladaStandin) -> None:
    server = standin
    server.relative_next = case.relative_next
    try:
        for fault in case.faults:
            kw = {k: v for k, v in fault.items() if k != "kind"}
            server.faults.add(fault["kind"], **kw)
        kg = Kolada(
            server.base_url,
            cache_dir=str(cache_dir),
            settings=settings(read_timeout=case.read_timeout),
        )
        t0 = time.monotonic()
        if isinstance(case.outcome, str):
            got = kg.values(KPIS, MUNIS, "2015-2022")
            elapsed = time.monotonic() - t0
            if case.outcome == "exact":
                assert_exact(got, want(KPIS, MUNIS, YEARS))
            else:
                fired = [x for x in server.faults.fired if x[0] == "empty"]
                assert fired, "the empty fault never fired"
                exp = served_rows(server, fired)
                assert len(exp) < len(want(KPIS, MUNIS, YEARS))
                assert_exact(got, exp)
            # what is cached is what was returned
            offline = Kolada(cache_dir=str(cache_dir), mode="offline")
            assert_exact(offline.values(KPIS, MUNIS, "2015-2022"), got)
            assert elapsed >= case.min_seconds
        else:
            with pytest.raises(case.outcome) as exc:
                kg.values(KPIS, MUNIS, "2015-2022")
            msg = str(exc.value)
            assert "\n" not in msg
            assert server.base_url in msg and server.base_url in exc.value.url
            # a failed fetch caches nothing of the query
            assert kg.cache.missing(KPIS, MUNIS, list(YEARS)) == [f"{k} (not cached)" for k in KPIS]
        assert len(server.faults.fired) >= len(case.faults)
        assert all(len(ids) <= 25 for r in server.requests for ids in id_lists(r))
    finally:
        server.relative_next = False


# --- rows of the matrix that need their own set-up ---------------------------------------------


def test_more_than_25_ids_are_never_sent(standin: Any) -> None:
    """60 KPIs × 60 municipalities × 30 years: every list the server sees has ≤ 25 ids."""
    kpis = [f"N{i:05d}" for i in range(900, 960)]
    c = KoladaClient(standin.base_url, settings=settings(per_page=5000))
    c.data(kpis, MUNIS, "1990-2019")
    seen = [ids for r in standin.requests for ids in id_lists(r)]
    assert seen and max(len(ids) for ids in seen) == 25
    assert standin.request_count == 3 * 3 * 2  # the product of the chunks
    # were 26 ids sent, the server's 422 is an error naming the URL
    bad = standin.url("data/kpi/" + ",".join(kpis[:26]) + "/year/2020")
    with pytest.raises(HTTPStatusError, match="422") as exc:
        c.fetch_all([bad])
    assert exc.value.url == bad and "At most 25" in str(exc.value)


def test_unknown_ids_are_named_and_the_rest_is_exact(standin: Any, cache_dir: Path) -> None:
    kg = Kolada(standin.base_url, cache_dir=str(cache_dir), settings=settings())
    with pytest.warns(UnknownIdWarning, match=r"N99999.*9999"):
        got = kg.values([*KPIS, "N99999"], [*MUNIS, "9999"], "2015-2022")
    assert_exact(got, want(KPIS, MUNIS, YEARS))
    # at the client level, ids Kolada does not answer for are kept by name
    c = KoladaClient(standin.base_url, settings=settings())
    recs = c.data(["N00906", "N88888"], ["0180", "9998"], 2022)
    assert {r["kpi"] for r in recs} == {"N00906"}
    assert c.missing_ids == {"kpi": ["N88888"], "municipality": ["9998"]}


def test_empty_result_is_empty_and_recorded(standin: Any, cache_dir: Path) -> None:
    """A query Kolada has no data for is an empty table, and is remembered as fetched."""
    kg = Kolada(standin.base_url, cache_dir=str(cache_dir), settings=settings())
    got = kg.values("N15428", ["0180"], "1990-1992")  # the KPI starts later
    assert got.empty and list(got.columns)[:4] == KEYS
    n = standin.request_count
    assert kg.values("N15428", ["0180"], "1990-1992").empty
    assert standin.request_count == n


def test_missing_value_field_reads_as_null(standin: Any, cache_dir: Path) -> None:
    """A value object without ``value`` is indistinguishable from Kolada's null (documented)."""
    standin.faults.add("missing_field", match="/data/", field="value", times=None)
    kg = Kolada(standin.base_url, cache_dir=str(cache_dir), settings=settings())
    got = kg.values("N00906", ["0180", "1280"], "2021-2022")
    exp = want(["N00906"], ["0180", "1280"], range(2021, 2023))
    assert got[KEYS].astype(str).values.tolist() == exp[KEYS].astype(str).values.tolist()
    assert got["value"].isna().all()


# --- the soak -----------------------------------------------------------------------------------

RECOVERABLE = [
    "429",
    "500",
    "502",
    "503",
    "reset",
    "html",
    "truncated",
    "timeout",
    "extra_field",
    "missing_field",
]
FATAL: dict[str, type[APIError]] = {
    "cycle": PaginationError,
    "500": HTTPStatusError,
    "html": ResponseFormatError,
    "reset": TransportError,
}


HANG_GUARD = 500.0  # seconds: only a hung soak takes that long (the timeout below is 600)
# Long enough for any answer of the stand-in on a loaded machine; each timeout fault
# (which stalls far longer) costs this much.
SOAK_READ_TIMEOUT = 1.5


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_soak_random_faulted_fetches(
    meta_cache: Path, tmp_path: Path, standin: KoladaStandin
) -> None:
    """40 fetches, each with up to 3 random faults (1 in 5 fatal): exact data or an error."""
    rng = random.Random(20240830)
    all_ids = _munis() + ["0180", "1280", "1480", "2584"]
    kpi_pool = sorted(sample_values()["kpi"].unique())
    deadline = time.monotonic() + HANG_GUARD
    exact = errors = faults_fired = 0
    rows_checked = 0
    server = standin
    try:
        for i in range(40):
            assert time.monotonic() < deadline, f"hang guard: fetch {i} of 40"
            server.relative_next = rng.random() < 0.3
            kpis = rng.sample(kpi_pool, rng.randint(1, 4))
            munis = sorted(set(rng.sample(all_ids, rng.randint(3, 40))))
            y0 = rng.randint(2010, 2020)
            years = range(y0, rng.randint(y0, 2022) + 1)
            per_page = rng.choice([50, 100, 300, 5000])
            fatal = rng.random() < 0.2
            server.faults.clear()
            fatal_kind = rng.choice(sorted(FATAL)) if fatal else ""
            if fatal:
                times = 1 if fatal_kind == "cycle" else None
                server.faults.add(fatal_kind, match="/data/", times=times)
            for _ in range(rng.randint(0 if fatal else 1, 3)):
                kind = rng.choice(RECOVERABLE)
                where = rng.choice(["/data/", page(2), page(3), "municipality/"])
                kw: dict[str, Any] = {"match": where, "retry_after": 0, "sleep": 10.0}
                if kind == "missing_field":
                    kw["field"] = rng.choice(["count", "status", "isdeleted"])
                server.faults.add(kind, **kw)
            d = tmp_path / f"c{i}"
            shutil.copytree(meta_cache, d)
            kg = Kolada(
                server.base_url,
                cache_dir=str(d),
                settings=settings(per_page=per_page, read_timeout=SOAK_READ_TIMEOUT),
            )
            ytext = f"{years[0]}-{years[-1]}"
            failure: APIError | None = None
            try:
                got = kg.values(kpis, munis, ytext)
            except APIError as err:
                failure = err
            if failure is not None:
                assert fatal, f"fetch {i}: a recoverable fault gave {failure!r}"
                assert isinstance(failure, FATAL[fatal_kind]), (fatal_kind, failure)
                assert server.base_url in str(failure) and "\n" not in str(failure)
                assert kg.cache.missing(kpis, munis, list(years)) == [
                    f"{k} (not cached)" for k in kpis
                ]
                errors += 1
            else:
                assert not fatal, f"fetch {i}: a {fatal_kind} on every request went unnoticed"
                exp = want(kpis, munis, years)
                assert_exact(got, exp)
                if i % 4 == 0:  # what was cached is what was returned
                    offline = Kolada(cache_dir=str(d), mode="offline").values(kpis, munis, ytext)
                    assert_exact(offline, exp)
                rows_checked += len(got)
                exact += 1
            faults_fired += len(server.faults.fired)
    finally:
        server.relative_next = False
    assert exact + errors == 40
    assert exact >= 25 and errors >= 3 and faults_fired >= 40
    assert rows_checked > 10_000
