"""Every cache file is checked against its checksum before pyarrow parses it.

A full single-bit-flip sweep of a small cache file and of its checksum sidecar: no flip
gives a wrong or empty answer or crashes the process (a SIGABRT would end this test
run). A file in another KPI's folder, a file from before checksums, a reader racing a
writer, metadata tables, and the writes' one folder sync per batch. Offline and fast.
"""

from __future__ import annotations

import os
import random
import shutil
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import koladagap
from koladagap.errors import CorruptCacheError, OfflineMissingError
from koladagap.kolada.cache import Cache, integrity
from koladagap.kolada.sample import sample_municipalities, sample_values

API = "http://127.0.0.1:9/v3"
MUNIS = ["0180", "1280"]
YEARS = [2020, 2021, 2022]


def q(kpis: list[str], munis: Any = "*", years: Any = "*") -> dict[str, Any]:
    return {"kpis": kpis, "municipalities": munis, "years": years, "from_date": None}


def rows(kpi: str = "N00906") -> pd.DataFrame:
    v = sample_values()
    mask = (v["kpi"] == kpi) & v["municipality_id"].isin(MUNIS) & v["period"].isin(YEARS)
    return v.loc[mask.to_numpy(dtype=bool)].reset_index(drop=True)


@pytest.fixture
def small(tmp_path: Path) -> Cache:
    """A cache holding one small file: N00906, two municipalities, three years (18 rows)."""
    c = Cache(tmp_path / "cache")
    c.write(rows(), query=q(["N00906"], MUNIS, YEARS), api_url=API)
    return c


def flipped(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


# --- the bit-flip sweep -----------------------------------------------------------------


def test_every_single_bit_flip_of_a_cache_file_is_caught_before_parsing(small: Cache) -> None:
    """All 8 × size flips of the file, and of its sidecar, checked as a reader checks."""
    path = small.partition_file("N00906")
    good, side = path.read_bytes(), integrity.sidecar_path(path).read_bytes()
    assert integrity.verify(good, side).verified
    missed = [b for b in range(8 * len(good)) if integrity.verify(flipped(good, b), side).verified]
    assert missed == [], f"{len(missed)} flips of the file pass the checksum"
    # a flip in the sidecar either fails it or leaves it vouching for the very same bytes
    for b in range(8 * len(side)):
        got = integrity.verify(good, flipped(side, b))
        assert got.problem is not None or (got.verified and got.data == good), b


def _read_outcome(c: Cache, want: pd.DataFrame) -> str:
    """``"detected"`` (error naming the file, moved aside) or ``"exact"``; else fails."""
    try:
        got = c.read(["N00906"], MUNIS, YEARS)
    except CorruptCacheError as err:
        error: CorruptCacheError | None = err
    else:
        error = None
    if error is None:
        pd.testing.assert_frame_equal(got, want)  # never fewer rows, never other values
        return "exact"
    assert error.path == str(c.partition_file("N00906")) and "\n" not in str(error)
    assert "moved to" in str(error) and not c.partition_file("N00906").exists()
    return "detected"


def test_flipped_files_read_back_exactly_or_fail_naming_the_file(small: Cache) -> None:
    """Through ``Cache.read`` in-process: every bit of the footer's last 40 bytes (its
    length and magic, where pyarrow used to abort or answer empty), a seeded sample of
    the rest of the file and of the sidecar. Each is caught or reads back exactly."""
    path = small.partition_file("N00906")
    side_path = integrity.sidecar_path(path)
    good, side = path.read_bytes(), side_path.read_bytes()
    want = small.read(["N00906"], MUNIS, YEARS)
    rng = random.Random(14)
    tail = list(range(8 * (len(good) - 40), 8 * len(good)))
    body = rng.sample(range(8 * (len(good) - 40)), 100)
    side_bits = rng.sample(range(8 * len(side)), 40)
    outcomes: dict[str, int] = {}
    for target, bits in ((path, tail + body), (side_path, side_bits)):
        for bit in bits:
            path.write_bytes(flipped(good, bit) if target == path else good)
            side_path.write_bytes(flipped(side, bit) if target == side_path else side)
            o = _read_outcome(small, want)
            outcomes[o] = outcomes.get(o, 0) + 1
    assert outcomes["detected"] >= len(tail) + len(body)  # every flip of the file
    assert sum(outcomes.values()) == len(tail) + len(body) + len(side_bits)
    # each damaged file was moved aside, with its sidecar, as it was found
    assert len(list(small.quarantine_dir.glob("N00906-*.parquet"))) == outcomes["detected"]


def test_offline_a_damaged_file_is_one_error_then_not_cached(small: Cache) -> None:
    path = small.partition_file("N00906")
    path.write_bytes(flipped(path.read_bytes(), 8 * (path.stat().st_size - 10)))
    kg = koladagap.Kolada(cache_dir=str(small.path), mode="offline")
    with pytest.raises(CorruptCacheError) as info:
        kg.values("N00906", MUNIS, YEARS)
    msg = str(info.value)
    assert str(path) in msg and "checksum mismatch" in msg and "quarantine" in msg
    (moved,) = small.quarantine_dir.glob("N00906-*.parquet")
    assert moved.with_name(moved.name + ".sha256").is_file()
    with pytest.raises(OfflineMissingError, match="N00906"):
        kg.values("N00906", MUNIS, YEARS)


# --- a file in another KPI's folder --------------------------------------------------


@pytest.mark.parametrize("how", ["alone", "with its checksum", "over another file"])
def test_a_file_in_another_kpis_folder_is_never_served_under_that_id(
    small: Cache, how: str
) -> None:
    src = small.partition_file("N00906")
    dest = small.partition_file("N15428")
    if how == "over another file":
        small.write(rows("N15428"), query=q(["N15428"], MUNIS, YEARS), api_url=API)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    if how == "with its checksum":
        shutil.copyfile(integrity.sidecar_path(src), integrity.sidecar_path(dest))
    assert small.info().set_index("kpi").loc["N15428", "status"] == "corrupt"
    with pytest.raises(CorruptCacheError, match="N15428"):
        small.read(["N15428"])
    assert not dest.exists()
    assert small.read(["N15428"]).empty
    pd.testing.assert_frame_equal(small.read(["N00906"]), rows())


# --- files from before checksums --------------------------------------------------------


def _as_before_checksums(c: Cache, kpi: str) -> Path:
    """Rewrite ``kpi``'s file as koladagap 0.1.0 left it: same Parquet, no sidecar."""
    path = c.partition_file(kpi)
    integrity.sidecar_path(path).unlink()
    return path


def test_a_file_from_before_checksums_is_read_in_full_once_then_given_one(small: Cache) -> None:
    path = _as_before_checksums(small, "N00906")
    pd.testing.assert_frame_equal(small.read(["N00906"]), rows())
    side = integrity.sidecar_path(path)
    assert integrity.verify(path.read_bytes(), side.read_bytes()).verified
    # from now on a flip is caught by the checksum
    path.write_bytes(flipped(path.read_bytes(), 8 * 200))
    with pytest.raises(CorruptCacheError, match="checksum mismatch"):
        small.read(["N00906"])


@pytest.mark.parametrize("damage", ["pages", "another kpi", "row count"])
def test_a_damaged_file_from_before_checksums_is_caught_by_the_full_read(
    small: Cache, damage: str
) -> None:
    path = _as_before_checksums(small, "N00906")
    table = pq.read_table(path, partitioning=None)
    if damage == "pages":
        data = bytearray(path.read_bytes())
        data[200:400] = bytes(b ^ 0x5A for b in data[200:400])
        path.write_bytes(bytes(data))
    elif damage == "another kpi":
        kpi = pa.array(["N15428"] * table.num_rows)
        pq.write_table(table.set_column(0, "kpi", kpi), path)
    else:
        pq.write_table(table.slice(0, 5), path)  # provenance still says 18 rows
    with pytest.raises(CorruptCacheError, match="N00906"):
        small.read(["N00906"])
    assert not path.exists() and not integrity.sidecar_path(path).exists()


# --- readers racing writers ---------------------------------------------------------------


def test_a_mismatch_seen_without_the_lock_is_looked_at_again_under_it(
    small: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader that read the file just before a writer replaced file and sidecar
    twice sees a mismatch; under the lock the pair matches and nothing is moved."""
    real = integrity.read_checked
    calls: list[Path] = []

    def stale_once(path: Path) -> integrity.Checked | None:
        calls.append(path)
        got = real(path)
        if len(calls) == 1 and got is not None:
            return integrity.verify(got.data, integrity.sidecar_bytes([integrity.digest(b"")]))
        return got

    monkeypatch.setattr(integrity, "read_checked", stale_once)
    pd.testing.assert_frame_equal(small.read(["N00906"]), rows())
    assert len(calls) == 2 and not small.quarantine_dir.exists()


def test_a_writer_killed_between_the_sidecar_and_the_file_leaves_the_old_file_valid(
    small: Cache,
) -> None:
    path = small.partition_file("N00906")
    old = integrity.digest(path.read_bytes())
    new_data = b"PAR1 the next version, never renamed into place PAR1"
    side = integrity.sidecar_path(path)
    side.write_bytes(integrity.sidecar_bytes([integrity.digest(new_data), old]))
    pd.testing.assert_frame_equal(small.read(["N00906"]), rows())
    assert small.info().loc[0, "status"] == "ok"


# --- metadata tables ------------------------------------------------------------------------


def test_a_damaged_metadata_table_is_moved_aside_and_named(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    c.write_meta("municipalities", sample_municipalities(), {"api_url": API})
    path = c.meta_file("municipalities")
    assert integrity.sidecar_path(path).is_file()
    back = c.read_meta("municipalities")
    assert back is not None
    pd.testing.assert_frame_equal(back, sample_municipalities())
    path.write_bytes(flipped(path.read_bytes(), 8 * (path.stat().st_size - 9)))
    with pytest.raises(CorruptCacheError) as info:
        c.read_meta("municipalities")
    assert info.value.path == str(path) and "koladagap cache clear" in str(info.value)
    assert len(list(c.quarantine_dir.glob("meta-municipalities-*.parquet"))) == 1
    assert c.read_meta("municipalities") is None


# --- writes -------------------------------------------------------------------------------


def test_a_batch_syncs_each_folder_once_and_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[bool] = []
    real_fsync = os.fsync

    def record(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", record)
    c = Cache(tmp_path)
    kpis = ["N00906", "N15428", "N00945"]
    v = sample_values()
    v = v[v["kpi"].isin(kpis) & v["municipality_id"].isin(MUNIS)]
    c.write(v, query=q(kpis), api_url=API)
    assert synced and all(synced)  # folders only
    assert len(synced) == len(kpis) + 1  # each KPI's folder and values/, once each
    for k in kpis:
        p = c.partition_file(k)
        assert integrity.verify(p.read_bytes(), integrity.sidecar_path(p).read_bytes()).verified
    assert sorted(p.name for p in c.partition_file("N00906").parent.iterdir()) == [
        "_part.parquet.sha256",
        "part.parquet",
    ]


def test_duplicate_keys_keep_the_last_row_and_deletions_drop_theirs(tmp_path: Path) -> None:
    c = Cache(tmp_path)
    base = rows()
    c.write(base, query=q(["N00906"], MUNIS, YEARS), api_url=API)
    again = pd.concat([base.iloc[:3].assign(value=-1.0), base.iloc[:3].assign(value=-2.0)])
    gone = base.iloc[3:5].assign(isdeleted=True)
    c.write(
        pd.concat([again, gone], ignore_index=True),
        query=q(["N00906"], MUNIS, YEARS),
        api_url=API,
    )
    got = c.read(["N00906"])
    assert len(got) == len(base) - 2
    keys = ["municipality_id", "period", "gender"]
    merged = got.merge(base.iloc[:3][keys], on=keys)
    assert (merged["value"] == -2.0).all()
    assert got[keys].equals(got[keys].sort_values(keys, ignore_index=True))


@pytest.mark.parametrize("sidecar", [True, False])
def test_a_planted_huge_file_is_not_read_into_memory(small: Cache, sidecar: bool) -> None:
    path = small.partition_file("N00906")
    if not sidecar:
        integrity.sidecar_path(path).unlink()
    with open(path, "r+b") as f:  # sparse: no disk used, but 2 GiB to anyone reading it
        f.truncate(2 << 30)
    with pytest.raises(CorruptCacheError, match="bytes"):
        small.read(["N00906"])
    (moved,) = small.quarantined()["file"]
    assert Path(moved).stat().st_size == 2 << 30


def test_quarantined_lists_what_was_moved_newest_first(small: Cache) -> None:
    assert small.quarantined().empty
    small.write_meta("kpis", pd.DataFrame({"id": ["N00906"]}), {})
    small.partition_file("N00906").write_bytes(b"PAR1")
    with pytest.raises(CorruptCacheError):
        small.read(["N00906"])
    small.meta_file("kpis").write_bytes(b"PAR1")
    with pytest.raises(CorruptCacheError):
        small.read_meta("kpis")
    q = small.quarantined()
    assert q["of"].tolist() == ["meta-kpis", "N00906"] and q["bytes"].tolist() == [4, 4]
    assert q["moved_at"].is_monotonic_decreasing and str(q["moved_at"].dt.tz) == "UTC"


def test_rows_nobody_asked_for_are_not_cached(
    small: Cache, caplog: pytest.LogCaptureFixture
) -> None:
    """An answer for N15428 carrying N00906 rows (or deletions of them), or rows of a year
    not asked for, leaves what the cache holds of them as it was."""
    other = rows("N15428")
    poison = pd.concat(
        [
            other,
            rows().assign(value=-1.0),
            rows().iloc[:4].assign(isdeleted=True),
            rows("N15428").assign(period=2019, value=-1.0),
        ],
        ignore_index=True,
    )
    with caplog.at_level("WARNING", logger="koladagap"):
        small.write(poison, query=q(["N15428"], MUNIS, YEARS), api_url=API)
    assert "outside the query were not cached" in caplog.text
    pd.testing.assert_frame_equal(small.read(["N00906"]), rows())
    pd.testing.assert_frame_equal(small.read(["N15428"]), other)
