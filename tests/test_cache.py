"""The Parquet cache: round trip, merge, coverage, readers without koladagap, corruption,
crash safety and concurrent writers. Offline and fast."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import koladagap.kolada.cache.common as cache_common
from koladagap._version import __version__
from koladagap.columns import DATA_COLUMNS
from koladagap.errors import CacheError, CorruptCacheError, InputError
from koladagap.kolada.cache import Cache
from koladagap.kolada.sample import sample_municipalities, sample_values
from koladagap.kolada.schema import DATA_DTYPES, normalise_data_frame

API = "http://127.0.0.1:9/v3"
WRITER = Path(__file__).with_name("_cache_writer.py")


def q(
    kpis: list[str], munis: Any = "*", years: Any = "*", from_date: str | None = None
) -> dict[str, Any]:
    return {"kpis": kpis, "municipalities": munis, "years": years, "from_date": from_date}


def frame(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """Rows ``(kpi, municipality_id, period, gender, value[, count, status, isdeleted])``."""
    defaults = (None, None, None, None, np.nan, None, "", False)
    full = [tuple(r) + defaults[len(r) :] for r in rows]
    cols = list(zip(*full, strict=True))
    data = {
        "kpi": pd.array(cols[0], dtype="string"),
        "municipality_id": pd.array(cols[1], dtype="string"),
        "period": pd.array(cols[2], dtype="int64"),
        "gender": pd.array(cols[3], dtype="string"),
        "value": pd.array(cols[4], dtype="float64"),
        "count": pd.array(cols[5], dtype="Int64"),
        "status": pd.array(cols[6], dtype="string"),
        "isdeleted": pd.array(cols[7], dtype="bool"),
    }
    return normalise_data_frame(pd.DataFrame(data))


def sample(
    kpi: str, munis: list[str] | None = None, years: list[int] | None = None
) -> pd.DataFrame:
    v = sample_values()
    mask = v["kpi"] == kpi
    if munis is not None:
        mask &= v["municipality_id"].isin(munis)
    if years is not None:
        mask &= v["period"].isin(years)
    return v.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)


def canon(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["kpi", "municipality_id", "period", "gender"], ignore_index=True)


# --- construction ------------------------------------------------------------------


def test_path_from_argument_env_or_user_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert Cache(tmp_path / "a").path == tmp_path / "a"
    monkeypatch.setenv("KOLADAGAP_CACHE_DIR", str(tmp_path / "env"))
    assert Cache().path == tmp_path / "env"
    monkeypatch.delenv("KOLADAGAP_CACHE_DIR")
    import platformdirs

    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda name: str(tmp_path / name))
    assert Cache().path == tmp_path / "koladagap"


def test_read_only_use_creates_nothing(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c")
    assert c.missing(["N00906"], ["0180"], [2022]) == ["N00906 (not cached)"]
    assert c.read(["N00906"], None, None).empty
    assert c.last_fetched("N00906") is None
    assert c.read_meta("kpis") is None
    assert c.info().empty
    assert c.quarantine("N00906") is None
    assert c.clear() == 0
    assert not c.path.exists()


# --- round trip and merge ----------------------------------------------------------


def test_round_trip_keeps_leading_zeros_nan_and_dtypes(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    df = frame(
        [
            ("N00906", "0180", 2022, "K", 383100.0, 12, "", False),
            ("N00906", "0180", 2022, "M", np.nan, None, "Saknas", False),
            ("N00906", "0180", 2022, "T", 405500.0, None, None, False),
            ("N00906", "0001", 2021, "T", 1.5, 3, "", False),
        ]
    )
    c.write(df, query=q(["N00906"]), api_url=API)
    back = c.read(["N00906"], None, None)
    assert list(back.columns) == DATA_COLUMNS
    assert {k: str(t) for k, t in back.dtypes.items()} == {k: DATA_DTYPES[k] for k in DATA_COLUMNS}
    pd.testing.assert_frame_equal(canon(back), canon(df))
    m = back[(back["municipality_id"] == "0180") & (back["gender"] == "M")]
    assert np.isnan(m["value"].iloc[0])  # null stays NaN, never 0
    assert set(back["municipality_id"]) == {"0180", "0001"}


def test_sample_round_trip_and_filters(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    v = sample("N15428")
    c.write(v, query=q(["N15428"]), api_url=API)
    pd.testing.assert_frame_equal(canon(c.read("N15428", None, None)), canon(v))
    got = c.read(["N15428"], ["0180", "1280"], [2021, 2022])
    pd.testing.assert_frame_equal(
        canon(got), canon(sample("N15428", ["0180", "1280"], [2021, 2022]))
    )
    assert len(got) == 12


def test_new_rows_replace_old_and_others_stay(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(
        frame([("N00906", "0180", 2021, "K", 1.0), ("N00906", "0180", 2022, "K", 2.0)]),
        query=q(["N00906"], ["0180"], [2021, 2022]),
        api_url=API,
    )
    c.write(
        frame([("N00906", "0180", 2022, "K", 20.0), ("N00906", "1280", 2022, "K", 3.0)]),
        query=q(["N00906"], ["0180", "1280"], [2022]),
        api_url=API,
    )
    got = c.read(["N00906"], None, None).set_index(["municipality_id", "period"])["value"]
    assert got.to_dict() == {("0180", 2021): 1.0, ("0180", 2022): 20.0, ("1280", 2022): 3.0}


def test_deleted_rows_remove_their_key_and_are_not_stored(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(
        frame([("N00906", "0180", 2021, g, 1.0) for g in "KMT"]),
        query=q(["N00906"], ["0180"], [2021]),
        api_url=API,
    )
    c.write(
        frame(
            [
                ("N00906", "0180", 2021, "M", np.nan, None, "", True),
                ("N00906", "0180", 2019, "M", 5.0, None, "", True),  # delete of an unknown key
            ]
        ),
        query=q(["N00906"], ["0180"], [2021], from_date="2024-01-01"),
        api_url=API,
    )
    back = c.read(["N00906"], None, None)
    assert back["gender"].tolist() == ["K", "T"]
    raw = pq.read_table(c.partition_file("N00906"))
    assert raw.num_rows == 2 and not any(raw.column("isdeleted").to_pylist())


def test_write_rejects_bad_input(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    df = frame([("N00906", "0180", 2021, "K", 1.0)])
    with pytest.raises(InputError):
        c.write(df, query={"municipalities": "*"}, api_url=API)
    with pytest.raises(InputError):
        c.write(df, query=q(["../evil"]), api_url=API)
    with pytest.raises(InputError):
        c.write(frame([("../x", "0180", 2021, "K", 1.0)]), query=q(["N00906"]), api_url=API)
    assert not (tmp_path / "values").exists()


# --- coverage, provenance ----------------------------------------------------------


def test_star_query_covers_everything(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(sample("N00906", ["0180"]), query=q(["N00906"]), api_url=API)
    assert c.missing(["N00906"], None, None) == []
    assert c.missing(["N00906"], ["9999"], [1990]) == []
    assert c.missing(["N00906", "N00907"], ["0180"], None) == ["N00907 (not cached)"]


def test_missing_names_what_is_not_covered(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(
        sample("N00906", ["0180"], [2017, 2018]),
        query=q(["N00906"], ["0180"], [2017, 2018]),
        api_url=API,
    )
    assert c.missing(["N00906"], ["0180"], [2017, 2018]) == []
    assert c.missing(["N00906"], ["0180"], [2015, 2016, 2017, 2020]) == [
        "N00906 municipality 0180 years 2015-2016, 2020"
    ]
    assert c.missing(["N00906"], ["0180", "1280"], [2018]) == ["N00906 municipality 1280 year 2018"]
    assert c.missing(["N00906"], ["0180"], None) == ["N00906 municipality 0180 all years"]
    assert c.missing(["N00906"], None, [2018]) == ["N00906 all municipalities year 2018"]
    # the union of entries counts: 2019 for 0180 and 1280, all years for 1280
    both = ["0180", "1280"]
    c.write(sample("N00906", both, [2019]), query=q(["N00906"], both, [2019]), api_url=API)
    c.write(sample("N00906", ["1280"]), query=q(["N00906"], ["1280"], "*"), api_url=API)
    assert c.missing(["N00906"], ["0180", "1280"], [2017, 2018, 2019]) == []
    assert c.missing(["N00906"], ["0180", "1280", "0001"], [2016, 2017]) == [
        "N00906 municipality 0180 year 2016",
        "N00906 municipality 0001 years 2016-2017",
    ]
    assert c.missing(["N00906"], None, None) == ["N00906 all municipalities all years"]
    c.write(sample("N00906", None, [2016]), query=q(["N00906"], "*", [2016]), api_url=API)
    assert c.missing(["N00906"], ["0180", "1280", "0001"], [2016]) == []


def test_kpi_without_rows_counts_as_fetched(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    query = q(["N00906", "N15428"], ["0180"], [2022])
    c.write(sample("N00906", ["0180"], [2022]), query=query, api_url=API)
    assert c.missing(["N00906", "N15428"], ["0180"], [2022]) == []
    assert c.read(["N15428"], ["0180"], [2022]).empty
    assert len(c.read(["N00906", "N15428"], ["0180"], [2022])) == 3
    assert c.info().set_index("kpi").loc["N15428", "rows"] == 0


def test_incremental_refresh_adds_no_coverage_but_updates_last_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = Cache(tmp_path)
    t0 = dt.datetime(2024, 3, 1, 12, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(cache_common, "now", lambda: t0)
    c.write(sample("N00906", ["0180"], [2021]), query=q(["N00906"], ["0180"], [2021]), api_url=API)
    first = c.last_fetched("N00906")
    assert first == t0 and first.tzinfo is not None and first.utcoffset() == dt.timedelta(0)
    t1 = t0 + dt.timedelta(days=30)
    monkeypatch.setattr(cache_common, "now", lambda: t1)
    new = frame([("N00906", "0180", 2022, "T", 1.0)])
    c.write(new, query=q(["N00906"], ["0180"], [2022], from_date="2024-03-01"), api_url=API)
    assert c.last_fetched("N00906") == t1
    assert c.missing(["N00906"], ["0180"], [2022]) == ["N00906 municipality 0180 year 2022"]
    assert len(c.read(["N00906"], ["0180"], [2022])) == 1  # the rows are merged all the same
    prov = c.provenance("N00906")
    assert prov is not None and len(prov["coverage"]) == 1


def test_provenance_in_parquet_metadata(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(sample("N00906", ["0180"], [2022]), query=q(["N00906"], ["0180"], [2022]), api_url=API)
    c.write(sample("N00906", ["0180"]), query=q(["N00906"], ["0180"], "*"), api_url=API)
    raw = pq.read_metadata(c.partition_file("N00906")).metadata[b"koladagap"]
    prov = json.loads(raw)  # readable without koladagap
    assert prov["api_url"] == API
    assert prov["koladagap_version"] == __version__
    assert dt.datetime.fromisoformat(prov["fetched_at"]).tzinfo is not None
    # the later, wider entry subsumes the first one
    assert [(e["municipalities"], e["years"], e["from_date"]) for e in prov["coverage"]] == [
        (["0180"], "*", None)
    ]


# --- readers without koladagap -----------------------------------------------------


@pytest.fixture
def two_kpis(tmp_path: Path) -> Cache:
    c = Cache(tmp_path / "cache")
    v = pd.concat([sample("N00906", ["0180", "0114"]), sample("N15428", ["0180", "2584"])])
    c.write(v, query=q(["N00906", "N15428"], ["0180", "0114", "2584"]), api_url=API)
    # a temp file left by a crashed writer must be invisible to every reader
    (c.partition_file("N00906").parent / ".part-1-deadbeef.tmp").write_bytes(b"PAR1 half")
    return c


def test_duckdb_reads_the_dataset_with_hive_partitioning(two_kpis: Cache) -> None:
    duckdb = pytest.importorskip("duckdb")
    glob = f"{two_kpis.path.as_posix()}/values/*/*.parquet"
    con = duckdb.connect()
    for hive in ("true", "false"):
        rows = con.execute(
            f"SELECT kpi, municipality_id, count(*) FROM read_parquet('{glob}', "
            f"hive_partitioning={hive}) GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert [r[:2] for r in rows] == [
            ("N00906", "0114"),
            ("N00906", "0180"),
            ("N15428", "0180"),
            ("N15428", "2584"),
        ]
    n = con.execute(
        f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true) "
        "WHERE kpi = 'N00906' AND municipality_id = '0114'"
    ).fetchone()
    assert n is not None and n[0] == len(sample("N00906", ["0114"]))
    types = con.execute(
        f"SELECT typeof(kpi), typeof(municipality_id) FROM read_parquet('{glob}', "
        "hive_partitioning=true) LIMIT 1"
    ).fetchone()
    assert types == ("VARCHAR", "VARCHAR")


def test_pyarrow_and_pandas_read_the_dataset_without_koladagap(two_kpis: Cache) -> None:
    root = two_kpis.path / "values"
    t = ds.dataset(root, format="parquet", partitioning="hive").to_table()
    assert t.schema.field("municipality_id").type == pa.string()
    assert set(t.column("municipality_id").to_pylist()) == {"0180", "0114", "2584"}
    assert set(t.column("kpi").to_pylist()) == {"N00906", "N15428"}
    df = pd.read_parquet(root, partitioning=None)
    assert set(df["municipality_id"]) == {"0180", "0114", "2584"}
    one = pq.read_table(two_kpis.partition_file("N15428")).to_pandas()
    assert set(one["kpi"]) == {"N15428"} and "0180" in set(one["municipality_id"])


# --- corruption --------------------------------------------------------------------


def _assert_corrupt(c: Cache, kpi: str) -> CorruptCacheError:
    with pytest.raises(CorruptCacheError) as info:
        c.read([kpi], None, None)
    err = info.value
    assert err.path == str(c.partition_file(kpi))
    msg = str(err)
    assert "\n" not in msg and str(c.partition_file(kpi)) in msg
    assert f"koladagap cache clear --kpi {kpi}" in msg
    return err


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "schema", "sidecar"])
def test_a_damaged_file_is_reported_then_moved_aside_by_the_read(
    tmp_path: Path, damage: str
) -> None:
    c = Cache(tmp_path)
    c.write(sample("N00906"), query=q(["N00906"]), api_url=API)
    p = c.partition_file("N00906")
    side = p.with_name("_part.parquet.sha256")
    data = p.read_bytes()
    if damage == "truncate":
        p.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        p.write_bytes(b"<html>Service unavailable</html>" * 50)
    elif damage == "flip":
        mid = bytearray(data)
        mid[200:600] = bytes(b ^ 0x5A for b in mid[200:600])
        p.write_bytes(bytes(mid))
    elif damage == "schema":  # a valid Parquet file of another shape, without a checksum
        side.unlink()
        bad = pa.table({"kpi": ["N00906"], "municipality_id": [180], "period": [2022]})
        pq.write_table(bad, p)
    else:
        side.write_text('{"algorithm": "sha256", "files": []}')
    damaged = p.read_bytes()
    # info reports it and moves nothing
    assert c.info().set_index("kpi").loc["N00906", "status"] == "corrupt"
    assert p.read_bytes() == damaged and not (tmp_path / "quarantine").exists()
    # missing() leaves it to read(), which names it and moves it aside with its checksum
    assert c.missing(["N00906"], None, None) == []
    err = _assert_corrupt(c, "N00906")
    (moved,) = (tmp_path / "quarantine").glob("*.parquet")
    assert moved.name.startswith("N00906-") and moved.read_bytes() == damaged
    assert str(moved) in str(err) and "moved" in str(err)
    assert not p.exists() and not side.exists()
    assert c.quarantine("N00906") is None
    assert c.missing(["N00906"], None, None) == ["N00906 (not cached)"]
    assert c.read(["N00906"], None, None).empty


def test_writing_over_a_corrupt_file_sets_it_aside(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(sample("N00906", ["0180"]), query=q(["N00906"], ["0180"]), api_url=API)
    c.partition_file("N00906").write_bytes(b"not parquet")
    # missing() leaves an unreadable file to read(), which names it
    assert c.missing(["N00906"], ["0180"], None) == []
    c.write(sample("N00906", ["1280"]), query=q(["N00906"], ["1280"]), api_url=API)
    assert len(list((tmp_path / "quarantine").glob("*.parquet"))) == 1
    assert set(c.read(["N00906"], None, None)["municipality_id"]) == {"1280"}
    assert c.missing(["N00906"], ["0180"], None) == ["N00906 municipality 0180 all years"]


def test_quarantine_moves_a_good_file_with_its_checksum(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write(sample("N00906", ["0180"]), query=q(["N00906"]), api_url=API)
    before = c.partition_file("N00906").read_bytes()
    moved = c.quarantine("N00906")
    assert moved is not None and moved.parent == tmp_path / "quarantine"
    assert moved.read_bytes() == before
    assert moved.with_name(moved.name + ".sha256").is_file()
    assert c.missing(["N00906"], None, None) == ["N00906 (not cached)"]


# --- info and clear ----------------------------------------------------------------


def test_info_and_clear(two_kpis: Cache) -> None:
    c = two_kpis
    info = c.info().set_index("kpi")
    assert list(info.index) == ["N00906", "N15428"]
    row = info.loc["N00906"]
    assert row["rows"] == len(sample("N00906", ["0180", "0114"]))
    assert row["municipalities"] == 2 and row["api_url"] == API and row["status"] == "ok"
    assert row["first_period"] <= row["last_period"] and row["bytes"] > 0
    assert row["fetched_at"].tzinfo is not None
    c.write_meta("municipalities", sample_municipalities(), {"api_url": API})
    assert c.clear(["N15428", "N99999"]) == 1
    assert c.missing(["N15428"], None, None) == ["N15428 (not cached)"]
    assert c.clear() == 1
    assert not (c.path / "values").exists() and c.read_meta("municipalities") is None
    assert c.info().empty


# --- metadata tables ---------------------------------------------------------------


def test_meta_round_trip(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    m = sample_municipalities()
    c.write_meta("municipalities", m, {"api_url": API, "endpoint": "municipality"})
    back = c.read_meta("municipalities")
    assert back is not None
    pd.testing.assert_frame_equal(back, m)
    assert "0180" in set(back["id"]) and pd.api.types.is_string_dtype(back["id"])
    typed = m.astype("string")  # as koladagap.kolada.metadata builds it
    c.write_meta("municipalities", typed, {"api_url": API})
    again = c.read_meta("municipalities")
    assert again is not None
    pd.testing.assert_frame_equal(again, typed)
    prov = c.meta_provenance("municipalities")
    assert prov is not None and prov["api_url"] == API and prov["koladagap_version"] == __version__
    assert c.read_meta("kpis") is None


def test_corrupt_or_wrong_meta_raises(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write_meta("municipalities", sample_municipalities(), {})
    p = c.meta_file("municipalities")
    p.write_bytes(p.read_bytes()[:100])
    with pytest.raises(CorruptCacheError) as info:
        c.read_meta("municipalities")
    assert info.value.path == str(p)
    c.write_meta("municipalities", pd.DataFrame({"id": ["0180"]}), {})
    with pytest.raises(CorruptCacheError, match="title"):
        c.read_meta("municipalities")
    with pytest.raises(InputError):
        c.read_meta("../kpis")


# --- locks -------------------------------------------------------------------------


def test_a_held_lock_makes_another_writer_wait_then_time_out(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    other = Cache(tmp_path)
    other.lock_timeout = 0.2
    df = frame([("N00906", "0180", 2021, "K", 1.0)])
    with c._lock("N00906"), pytest.raises(CacheError, match="lock"):
        other.write(df, query=q(["N00906"]), api_url=API)
    other.write(df, query=q(["N00906"]), api_url=API)  # released: fine now
    assert len(c.read("N00906")) == 1


def test_locks_are_per_kpi_and_per_dataset(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.lock_timeout = 0.2
    df = frame([("N00906", "0180", 2021, "K", 1.0)])
    with c._lock("N00906"):
        c.write(frame([("N15428", "0180", 2021, "K", 1.0)]), query=q(["N15428"]), api_url=API)
        c.write_meta("kpis", pd.DataFrame({"id": ["N00906"]}), {})
        ou = c.units()
        ou.lock_timeout = 0.2
        with ou._lock("N00906"):  # the unit dataset has locks of its own
            pass
        with pytest.raises(CacheError, match="lock") as info:
            c.write(df, query=q(["N00906"]), api_url=API)
        assert info.value.path == str(tmp_path / "locks" / "N00906.lock")
    c.write(df, query=q(["N00906"]), api_url=API)
    assert sorted(c.info()["kpi"]) == ["N00906", "N15428"]


def test_a_lock_held_in_another_process_is_waited_for(tmp_path: Path) -> None:
    """The lock holds across processes, and is released when its holder ends."""
    c = Cache(tmp_path)
    c.lock_timeout = 0.2
    held, release = tmp_path / "held", tmp_path / "release"
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from koladagap.kolada.cache import Cache\n"
        "with Cache(sys.argv[1])._lock('N00906'):\n"
        "    Path(sys.argv[2]).write_text('held')\n"
        "    end = time.monotonic() + 60\n"
        "    while not Path(sys.argv[3]).exists() and time.monotonic() < end:\n"
        "        time.sleep(0.01)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(held), str(release)])
    df = frame([("N00906", "0180", 2021, "K", 1.0)])
    try:
        deadline = time.monotonic() + 60  # a hang guard only
        while not held.exists():
            assert proc.poll() is None, "the lock holder ended early"
            assert time.monotonic() < deadline, "the lock holder never took the lock"
            time.sleep(0.01)
        with pytest.raises(CacheError, match="lock"):
            c.write(df, query=q(["N00906"]), api_url=API)
        release.write_text("go")
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    c.write(df, query=q(["N00906"]), api_url=API)
    assert len(c.read("N00906")) == 1


# --- crash safety and concurrency (subprocesses) --------------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="SIGKILL and flock need POSIX")


def _child(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@posix_only
def test_a_writer_killed_midway_leaves_the_old_partition_intact(tmp_path: Path) -> None:
    c = Cache(tmp_path / "cache")
    original = sample("N00906", ["0180", "1280"])
    c.write(original, query=q(["N00906"], ["0180", "1280"]), api_url=API)
    before = c.partition_file("N00906").read_bytes()
    marker = tmp_path / "half-written"
    proc = _child("kill", str(c.path), str(marker))
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            if proc.poll() is not None:
                _, err = proc.communicate()
                pytest.fail(f"writer ended early ({proc.returncode}): {err.decode()[-2000:]}")
            assert time.monotonic() < deadline, "the writer never got half-way"
            time.sleep(0.01)
        temps = list(c.partition_file("N00906").parent.glob(".part-*.tmp"))
        assert len(temps) == 1 and temps[0].stat().st_size > 0
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert c.partition_file("N00906").read_bytes() == before
    pd.testing.assert_frame_equal(canon(c.read(["N00906"], None, None)), canon(original))
    assert c.missing(["N00906"], ["0180", "1280"], None) == []
    assert c.missing(["N00906"], None, None) == ["N00906 all municipalities all years"]
    duckdb = pytest.importorskip("duckdb")
    n = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{c.path.as_posix()}/values/*/*.parquet', "
        "hive_partitioning=true)"
    ).fetchall()
    assert n == [(len(original),)]
    # the dead writer's lock is gone with it and its temp file is swept by clear()
    c.write(sample("N00906", ["0114"]), query=q(["N00906"], ["0114"]), api_url=API)
    assert len(list(c.partition_file("N00906").parent.glob(".part-*.tmp"))) == 1
    assert c.clear(["N00906"]) == 1
    assert not c.partition_file("N00906").parent.exists()


@posix_only
@pytest.mark.slow
def test_concurrent_writers_keep_every_row(tmp_path: Path) -> None:
    c = Cache(tmp_path / "cache")
    go = tmp_path / "go"
    years = [2017, 2018, 2019, 2020]
    ytext = ",".join(map(str, years))
    groups = [["0180", "0114"], ["1280", "2584"], ["1480", "0001"]]
    procs = [_child("concurrent", str(c.path), str(go), ",".join(g), ytext) for g in groups]
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("ready-*"))) < len(procs):  # all imported and waiting
            assert all(p.poll() is None for p in procs), "a writer ended early"
            assert time.monotonic() < deadline, "the writers never got ready"
            time.sleep(0.01)
        go.write_text("go")  # now they write at the same time
        outs = [p.communicate(timeout=60) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate()
    errors = [err.decode()[-2000:] for p, (_, err) in zip(procs, outs, strict=True) if p.returncode]
    assert not errors, errors
    every = [m for g in groups for m in g]
    want = sample("N00906", every, years)
    got = c.read(["N00906"], None, None)
    pd.testing.assert_frame_equal(canon(got), canon(want))
    for g in groups:
        assert c.missing(["N00906"], g, years) == []
    assert c.missing(["N00906"], ["0180"], [2021]) == ["N00906 municipality 0180 year 2021"]
    assert not list(c.partition_file("N00906").parent.glob(".part-*"))


# --- the atomic writer ------------------------------------------------------------------


def test_cache_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """Files are 0o666 less the umask (readable by colleagues), not mkstemp's 0o600."""
    old = os.umask(0o022)
    try:
        c = Cache(tmp_path)
        c.write(frame([("N00906", "0180", 2021, "K", 1.0)]), query=q(["N00906"]), api_url=API)
        c.write_meta("municipalities", sample_municipalities(), {})
    finally:
        os.umask(old)
    if os.name == "posix":
        assert c.partition_file("N00906").stat().st_mode & 0o777 == 0o644
        assert c.meta_file("municipalities").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    from koladagap._files import atomic_path, write_atomic

    target = tmp_path / "sub" / "report.txt"
    write_atomic(target, "gammal")

    def half_then_fail(f: Any) -> None:
        f.write(b"ny men halv")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, half_then_fail)

    def fail_in_the_block() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("ny")
            raise RuntimeError("the writer failed")

    with pytest.raises(RuntimeError):
        fail_in_the_block()
    assert target.read_text(encoding="utf-8") == "gammal"
    assert [p.name for p in target.parent.iterdir()] == ["report.txt"]
    with atomic_path(target, prefix=".part-") as tmp:
        assert tmp.name.startswith(".part-") and tmp.suffix == ".tmp"
        tmp.write_bytes(b"ny")
    assert target.read_bytes() == b"ny"
