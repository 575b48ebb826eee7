"""Crash safety of the Parquet cache: writers killed with SIGKILL at random points,
and two writers racing a reader.

A small fork server (a child Python process that has imported koladagap once)
forks writer processes on request, so each kill costs milliseconds rather than an
interpreter start. A writer rewrites three KPIs over and over; version ``v`` of a
KPI is every sample row of it (2010–2022) with ``value = v``. So a KPI read back
must hold exactly the sample's keys, all with one value: either the version
before the write or the one being written, never a mix, never a half file.

POSIX only (``fork``, ``SIGKILL``, ``flock``); offline and bounded in time.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from koladagap.kolada.cache import Cache
from koladagap.kolada.sample import sample_values

pytestmark = pytest.mark.skipif(os.name != "posix", reason="fork, SIGKILL and flock need POSIX")

KPIS = ["N00906", "N15428", "N00945"]
KEYS = ["municipality_id", "period", "gender"]

FORK_SERVER = r"""
import os, sys, time, traceback
from koladagap.kolada.cache import Cache
from koladagap.kolada.sample import sample_values

KPIS = sys.argv[1].split(",")
API = "http://127.0.0.1:9/v3"
v = sample_values()
v = v.loc[v["kpi"].isin(KPIS) & v["period"].between(2010, 2022)].reset_index(drop=True)
BASE = {k: g.reset_index(drop=True) for k, g in v.groupby("kpi")}


def write_forever(cache_dir, start, seconds, order):
    cache = Cache(cache_dir)
    end = time.monotonic() + seconds
    version = start
    while True:  # at least one whole cycle, however slow the machine
        for k in order:
            rows = BASE[k].assign(value=float(version))
            query = {"kpis": [k], "municipalities": "*", "years": "*", "from_date": None}
            cache.write(rows, query=query, api_url=API)
        version += 1
        if time.monotonic() >= end:
            break


print("ready", flush=True)
for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == "spawn":
        cache_dir, start, seconds = args[0], int(args[1]), float(args[2])
        order = KPIS if start % 2 == 0 else KPIS[::-1]
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                write_forever(cache_dir, start, seconds, order)
            except BaseException:
                traceback.print_exc()
                code = 1
            os._exit(code)
        print("pid", pid, flush=True)
    elif cmd == "reap":
        _, status = os.waitpid(int(args[0]), 0)
        print("status", status, flush=True)
    elif cmd == "quit":
        break
"""


class ForkServer:
    """Drives the fork server: ``spawn`` a writer (its pid), ``reap`` it (its wait status)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FORK_SERVER, ",".join(KPIS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._read() == ["ready"]

    def _read(self) -> list[str]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the fork server ended (exit {self.proc.poll()})")
        return line.split()

    def _send(self, text: str) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        return self._read()

    def spawn(self, cache_dir: Path, start: int, seconds: float) -> int:
        return int(self._send(f"spawn {cache_dir} {start} {seconds}")[1])

    def reap(self, pid: int) -> int:
        return int(self._send(f"reap {pid}")[1])

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@pytest.fixture(scope="module")
def forks() -> Iterator[ForkServer]:
    server = ForkServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def base_keys() -> dict[str, pd.DataFrame]:
    v = sample_values()
    v = v.loc[v["kpi"].isin(KPIS) & v["period"].between(2010, 2022)]
    return {
        str(k): g[KEYS].astype(str).sort_values(KEYS, ignore_index=True)
        for k, g in v.groupby("kpi", observed=True)
    }


def versions(cache: Cache, base: dict[str, pd.DataFrame]) -> dict[str, int | None]:
    """Each KPI's single version in the cache (``None``: not cached); fails on any mix."""
    out: dict[str, int | None] = {}
    df = cache.read(KPIS, None, None)
    for k in KPIS:
        rows = df.loc[(df["kpi"] == k).to_numpy(dtype=bool)]
        prov = cache.provenance(k)
        if prov is None:
            assert rows.empty
            out[k] = None
            continue
        got = rows[KEYS].astype(str).sort_values(KEYS, ignore_index=True)
        assert len(got) == len(base[k]), f"{k}: {len(got)} rows, expected {len(base[k])}"
        pd.testing.assert_frame_equal(got, base[k])
        vals = rows["value"].unique()
        assert len(vals) == 1, f"{k} mixes versions {sorted(vals)[:5]}"
        assert prov["rows"] == len(base[k])
        out[k] = int(vals[0])
    return out


def wait_for_temp_file(cache_dir: Path, timeout: float) -> None:
    """Poll until a writer's ``.part-*.tmp`` file exists (it lives a few milliseconds)."""
    folders = [cache_dir / "values" / f"kpi={k}" for k in KPIS]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for folder in folders:
            try:
                with os.scandir(folder) as entries:
                    if any(e.name.startswith(".part-") for e in entries):
                        return
            except FileNotFoundError:
                pass
    raise AssertionError("no writer's temp file seen")


@pytest.mark.slow
def test_kill_9_at_random_points_leaves_old_or_new_per_kpi(
    forks: ForkServer, tmp_path: Path, base_keys: dict[str, pd.DataFrame]
) -> None:
    rng = random.Random(7)
    cache_dir = tmp_path / "cache"
    cache = Cache(cache_dir)
    before: dict[str, int | None] = dict.fromkeys(KPIS)
    left_temp = 0
    seen_versions: set[int] = set()
    deadline = time.monotonic() + 60
    for round_no in range(15):
        assert time.monotonic() < deadline, "the kill rounds ran out of time"
        start = 100 * (round_no + 1)
        pid = forks.spawn(cache_dir, start, 30.0)
        if round_no % 2:  # any point of the read-merge-write cycle
            time.sleep(rng.uniform(0.02, 0.35))
        else:  # the write itself is ~15 % of the cycle: aim at it
            wait_for_temp_file(cache_dir, timeout=5.0)
            time.sleep(rng.uniform(0.0, 0.003))
        os.kill(pid, signal.SIGKILL)
        status = forks.reap(pid)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
        temps = list((cache_dir / "values").glob("*/.part-*.tmp"))
        left_temp += bool(temps)
        after = versions(Cache(cache_dir), base_keys)  # opens afresh, every time
        for k in KPIS:
            old, new = before[k], after[k]
            # the old version, or one this writer wrote; never older than before
            assert new == old or (new is not None and start <= new < start + 100), (k, old, new)
            if new is not None:
                seen_versions.add(new)
        info = cache.info()
        assert set(info["status"]) <= {"ok"}
        before = after
    # a writer left to finish after all those kills completes every KPI (on a loaded
    # machine the killed writers may not have reached every KPI at all)
    last = forks.spawn(cache_dir, 9000, 0.0)
    status = forks.reap(last)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    final = versions(Cache(cache_dir), base_keys)
    assert all(v == 9000 for v in final.values()), final
    assert left_temp >= 3, f"only {left_temp} kills landed in the middle of a write"
    assert len(seen_versions) >= 2  # the cache moved on between kills
    # temp files of the dead writers are invisible to readers and swept by clear()
    assert cache.clear(KPIS) == len(KPIS)
    assert not list((cache_dir / "values").glob("*/.part-*"))


@pytest.mark.slow
def test_two_writers_and_a_reader_at_once(
    forks: ForkServer, tmp_path: Path, base_keys: dict[str, pd.DataFrame]
) -> None:
    cache_dir = tmp_path / "cache"
    a = forks.spawn(cache_dir, 1000, 5.0)
    b = forks.spawn(cache_dir, 2001, 5.0)
    deadline = time.monotonic() + 60
    reads = 0
    seen: dict[str, set[int]] = {k: set() for k in KPIS}

    def both_seen() -> bool:
        every = set().union(*seen.values())
        return any(1000 <= v < 2000 for v in every) and any(v >= 2001 for v in every)

    try:
        files = [Cache(cache_dir).partition_file(k) for k in KPIS]
        while not all(f.exists() for f in files):  # until each KPI has been written once
            assert time.monotonic() < deadline, "the writers wrote nothing"
            time.sleep(0.002)
        # read while the writers write, until enough reads have seen both of them (no
        # fixed read rate: a loaded machine reads more slowly, the writers write longer)
        end = time.monotonic() + 4.5
        while time.monotonic() < end and not (reads >= 10 and both_seen()):
            got = versions(Cache(cache_dir), base_keys)  # raises on any corruption or mix
            for k, v in got.items():
                if v is not None:
                    seen[k].add(v)
            reads += 1
            assert time.monotonic() < deadline
    finally:
        statuses = [forks.reap(a), forks.reap(b)]
    assert all(os.WIFEXITED(s) and os.WEXITSTATUS(s) == 0 for s in statuses), statuses
    assert reads >= 3
    final = versions(Cache(cache_dir), base_keys)
    assert all(v is not None for v in final.values())
    assert both_seen()  # both writers' versions were seen by the reader
    assert not list((cache_dir / "values").glob("*/.part-*"))
    assert set(Cache(cache_dir).info()["status"]) == {"ok"}
