"""Crash safety of the Parquet cache: writers killed with SIGKILL at random points,
and two writers racing a reader.

A small fork server (a child Python process that has imported koladagap once)
forks writer processes on request, so each kill costs milliseconds rather than an
interpreter start. A writer rewrites three KPIs over and over; version ``v`` of a
KPI is every sample row of it (2010–2022) with ``value = v``. So a KPI read back
must hold exactly the sample's keys, all with one value: either the version
before the write or the one being written, never a mix, never a half file.

Nothing here depends on the machine's speed: the test waits for what the writers
have done (a temp file, a replaced partition, the versions a reader saw) and counts
outcomes; writers write until they are told to stop. Deadlines are hang guards only.

POSIX only (``fork``, ``SIGKILL``, ``flock``); offline.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
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


def write_forever(cache_dir, start, cycles, stop_file, parent):
    # whole cycles over every KPI: `cycles` of them, or (0) until `stop_file` exists
    cache = Cache(cache_dir)
    end = time.monotonic() + 600  # a hang guard: an orphan never writes for long
    version = start
    while True:  # at least one whole cycle, however slow the machine
        for k in order_of(start):
            rows = BASE[k].assign(value=float(version))
            query = {"kpis": [k], "municipalities": "*", "years": "*", "from_date": None}
            cache.write(rows, query=query, api_url=API)
        version += 1
        if cycles and version - start >= cycles:
            break
        if os.path.exists(stop_file) or os.getppid() != parent or time.monotonic() > end:
            break


def order_of(start):
    return KPIS if start % 2 == 0 else KPIS[::-1]


print("ready", flush=True)
for line in sys.stdin:
    cmd, *args = line.split()
    if cmd == "spawn":
        cache_dir, start, cycles, stop_file = args[0], int(args[1]), int(args[2]), args[3]
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                write_forever(cache_dir, start, cycles, stop_file, parent)
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

    def spawn(self, cache_dir: Path, start: int, stop_file: Path, cycles: int = 0) -> int:
        """A writer of versions ``start``, ``start + 1`` …: ``cycles`` whole cycles over
        every KPI, or (``0``) until ``stop_file`` exists or it is killed."""
        return int(self._send(f"spawn {cache_dir} {start} {cycles} {stop_file}")[1])

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


HANG_GUARD = 100.0  # seconds; below pytest's timeout, never reached on a working machine


def wait_until(condition: Callable[[], bool], what: str, timeout: float = HANG_GUARD) -> None:
    """Poll ``condition`` (without sleeping: the events watched for last milliseconds)."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"hang guard: {what}"


def new_temp_file(cache_dir: Path, old: set[Path]) -> bool:
    """Whether a writer's ``.part-*.tmp`` file not in ``old`` exists (it lives milliseconds)."""
    for k in KPIS:
        folder = cache_dir / "values" / f"kpi={k}"
        try:
            with os.scandir(folder) as entries:
                if any(e.name.startswith(".part-") and folder / e.name not in old for e in entries):
                    return True
        except FileNotFoundError:
            pass
    return False


def file_ids(cache: Cache) -> dict[str, tuple[int, int] | None]:
    """Each partition's ``(inode, mtime)``: it changes when a writer replaces the file."""
    out: dict[str, tuple[int, int] | None] = {}
    for k in KPIS:
        try:
            st = cache.partition_file(k).stat()
        except FileNotFoundError:
            out[k] = None
        else:
            out[k] = (st.st_ino, st.st_mtime_ns)
    return out


def replaced(cache: Cache, ids: dict[str, tuple[int, int] | None]) -> bool:
    """Whether a writer replaced a partition since ``ids`` was taken."""
    return file_ids(cache) != ids


@pytest.mark.slow
def test_kill_9_at_random_points_leaves_old_or_new_per_kpi(
    forks: ForkServer, tmp_path: Path, base_keys: dict[str, pd.DataFrame]
) -> None:
    """Kill writers until at least 15 rounds ran, 3 kills left a temp file (mid-write)
    and the cache moved on; every kill leaves each KPI old or new, never a mix."""
    rng = random.Random(7)
    cache_dir = tmp_path / "cache"
    stop = tmp_path / "stop"
    cache = Cache(cache_dir)
    before: dict[str, int | None] = dict.fromkeys(KPIS)
    left_temp = 0
    old_temps: set[Path] = set()
    seen_versions: set[int] = set()
    round_no = 0
    while round_no < 15 or left_temp < 3 or len(seen_versions) < 2:
        assert round_no < 200, f"200 rounds: {left_temp} mid-write kills, {seen_versions}"
        start = 100 * (round_no + 1)
        ids = file_ids(cache)
        pid = forks.spawn(cache_dir, start, stop)
        if round_no % 2:  # after a whole write, at a random point of the next cycle
            wait_until(partial(replaced, cache, ids), "the writer replaced no file")
            time.sleep(rng.uniform(0.0, 0.1))
        else:  # the write itself is ~15 % of the cycle: aim at it
            wait_until(partial(new_temp_file, cache_dir, old_temps), "no temp file seen")
            time.sleep(rng.uniform(0.0, 0.003))
        os.kill(pid, signal.SIGKILL)
        status = forks.reap(pid)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, status
        temps = set((cache_dir / "values").glob("*/.part-*.tmp"))
        left_temp += bool(temps - old_temps)  # this kill left a temp file: mid-write
        old_temps |= temps
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
        round_no += 1
    # a writer left to finish after all those kills completes every KPI
    last = forks.spawn(cache_dir, 9000, stop, cycles=1)
    status = forks.reap(last)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    final = versions(Cache(cache_dir), base_keys)
    assert all(v == 9000 for v in final.values()), final
    # temp files of the dead writers are invisible to readers and swept by clear()
    assert cache.clear(KPIS) == len(KPIS)
    assert not list((cache_dir / "values").glob("*/.part-*"))


@pytest.mark.slow
def test_two_writers_and_a_reader_at_once(
    forks: ForkServer, tmp_path: Path, base_keys: dict[str, pd.DataFrame]
) -> None:
    """Two writers rewrite every KPI until a reader has read 10 times and seen both."""
    cache_dir = tmp_path / "cache"
    stop = tmp_path / "stop"
    a = forks.spawn(cache_dir, 1000, stop)
    b = forks.spawn(cache_dir, 2001, stop)
    deadline = time.monotonic() + HANG_GUARD
    reads = 0
    seen: dict[str, set[int]] = {k: set() for k in KPIS}

    def both_seen() -> bool:
        every = set().union(*seen.values())
        return any(1000 <= v < 2000 for v in every) and any(v >= 2001 for v in every)

    try:
        files = [Cache(cache_dir).partition_file(k) for k in KPIS]
        while not all(f.exists() for f in files):  # until each KPI has been written once
            assert time.monotonic() < deadline, "hang guard: the writers wrote nothing"
            time.sleep(0.002)
        # read while the writers write (they write until told to stop), until 10 reads
        # have been made and both writers' versions seen
        while not (reads >= 10 and both_seen()):
            got = versions(Cache(cache_dir), base_keys)  # raises on any corruption or mix
            for k, v in got.items():
                if v is not None:
                    seen[k].add(v)
            reads += 1
            assert time.monotonic() < deadline, f"hang guard: {reads} reads saw {seen}"
    finally:
        stop.write_text("stop")
        statuses = [forks.reap(a), forks.reap(b)]
    assert all(os.WIFEXITED(s) and os.WEXITSTATUS(s) == 0 for s in statuses), statuses
    final = versions(Cache(cache_dir), base_keys)
    assert all(v is not None for v in final.values())
    assert not list((cache_dir / "values").glob("*/.part-*"))
    assert set(Cache(cache_dir).info()["status"]) == {"ok"}
