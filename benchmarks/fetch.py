"""Fetch benchmarks against the local Kolada stand-in: P1, P2 and scaling.

* **P1** cold fetch of the 18 gender-split KPIs of the sample (all but N00945) ×
  the 290 kommuner × 2010–2022, koladagap at its defaults against koladapy 1.0.1
  at its defaults (installed from PyPI in its own virtual environment, run in
  its own process, pointed at the stand-in by ``base_url``); both also timed as
  whole processes (``koladagap fetch … --out x.parquet`` from start to exit, and
  koladapy's process from start to exit).
* **P2** a refresh when nothing changed (``from_date``), reading the same data
  back from the cache in-process, and ``koladagap fetch --offline`` as a process.
* **Scaling** fetch, cache read and the deviation engine at 1×, 4× and 16× the
  P1 work (the 18 KPIs cloned under new ids), each in a fresh process so that
  peak memory is its own.

The stand-in (``tests/kolada_standin.py``) runs in a process of its own on
127.0.0.1 with 50 ms added to every answer, so that server and client do not
share one interpreter lock; it counts the requests it receives. Every client
run is a fresh process too, timed from just before the call to just after it
(imports not counted; ``koladagap fetch --offline`` is timed as a whole process).

Run everything through ``benchmarks/run_all.py``; this file can also run parts::

    .venv/bin/python benchmarks/fetch.py p1 --repeat 3
    .venv/bin/python benchmarks/fetch.py p2
    .venv/bin/python benchmarks/fetch.py scaling --scales 1,4,16
    .venv/bin/python benchmarks/fetch.py serve '{"scale": 1}'   # a stand-in by hand
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
LATENCY = 0.05
FIRST_YEAR, LAST_YEAR = 2010, 2022
KOLADAPY_VERSION = "1.0.1"
MAX_IDS = 25
PER_PAGE = 5000
DEFAULT_VENV = Path(tempfile.gettempdir()) / "koladagap-bench" / f"koladapy-{KOLADAPY_VERSION}"

#: Run the stand-in and the workers in this process (threads) instead of processes of
#: their own: only for the CI smoke test, where timings and memory do not count.
LOCAL = False


# --- what is asked ---------------------------------------------------------------


def p1_kpis() -> list[str]:
    """The 18 gender-split KPIs of the shipped sample (every sample KPI but N00945)."""
    from koladagap.kolada.sample import sample_manifest

    return [k for k in sample_manifest()["values"]["kpis"] if k != "N00945"]


def kommuner() -> list[str]:
    """The 290 kommun ids (type ``K``), sorted."""
    from koladagap.kolada.sample import sample_municipalities

    m = sample_municipalities()
    return sorted(m.loc[m["type"] == "K", "id"].astype(str))


def years() -> list[int]:
    """2010–2022."""
    return list(range(FIRST_YEAR, LAST_YEAR + 1))


def clone_id(kpi: str, i: int) -> str:
    """The id of the ``i``-th clone of ``kpi`` (``N00906`` → ``N00906X01``); 0 is the KPI."""
    return kpi if i == 0 else f"{kpi}X{i:02d}"


def scaled_kpis(scale: int) -> list[str]:
    """The P1 KPIs and their clones: ``18 × scale`` ids."""
    return [clone_id(k, i) for i in range(scale) for k in p1_kpis()]


def expected_rows(kpis: Sequence[str], munis: Sequence[str] | None) -> int:
    """Rows of the sample (clones included) for the query: the exact answer."""
    from koladagap.kolada.sample import sample_values

    v = sample_values()
    v = v.loc[v["period"].between(FIRST_YEAR, LAST_YEAR).to_numpy(dtype=bool)]
    if munis is not None:
        v = v.loc[v["municipality_id"].isin(list(munis)).to_numpy(dtype=bool)]
    base = {str(k).split("X")[0] for k in kpis}
    counts = v.loc[v["kpi"].isin(list(base)).to_numpy(dtype=bool), "kpi"].value_counts()
    return int(sum(int(counts.get(str(k).split("X")[0], 0)) for k in kpis))


def served_objects(kpis: Sequence[str], munis: Sequence[str]) -> int:
    """Data objects (KPI × municipality × year) the stand-in holds for the query."""
    from koladagap.kolada.sample import sample_values

    v = sample_values()
    keep = v["period"].between(FIRST_YEAR, LAST_YEAR) & v["municipality_id"].isin(list(munis))
    v = v.loc[keep.to_numpy(dtype=bool)].drop_duplicates(["kpi", "municipality_id", "period"])
    counts = v["kpi"].value_counts()
    return int(sum(int(counts.get(str(k).split("X")[0], 0)) for k in kpis))


# --- request arithmetic ------------------------------------------------------------


def min_requests(objects: int, per_page: int = PER_PAGE) -> int:
    """No client can do with fewer: each answer holds at most ``per_page`` data objects."""
    return max(1, math.ceil(objects / per_page))


def _parts(n: int, size: int) -> list[int]:
    """``n`` ids cut into ``ceil(n/size)`` near-equal chunks (their sizes)."""
    k = math.ceil(n / size)
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def best_blind_requests(
    n_kpis: int, n_munis: int, n_years: int, per_page: int = PER_PAGE
) -> tuple[int, tuple[int, int, int]]:
    """The fewest requests for a full KPI × municipality × year cube (≤ 25 ids a list).

    "Blind": without knowing which objects exist, so every chunk is assumed full.
    Returns the count and the chunk sizes ``(kpis, municipalities, years)``.

    >>> best_blind_requests(18, 290, 13)
    (14, (18, 21, 13))
    """
    best: tuple[int, tuple[int, int, int]] | None = None
    for k in range(1, min(MAX_IDS, n_kpis) + 1):
        kp = _parts(n_kpis, k)
        for m in range(1, min(MAX_IDS, n_munis) + 1):
            mp = _parts(n_munis, m)
            for y in range(1, min(MAX_IDS, n_years) + 1):
                yp = _parts(n_years, y)
                pages = sum(math.ceil(a * b * c / per_page) for a in kp for b in mp for c in yp)
                if best is None or pages < best[0]:
                    best = (pages, (k, m, y))
    assert best is not None
    return best


def polite_seconds(
    requests: int, rate: float = 10.0, workers: int = 4, latency: float = LATENCY
) -> float:
    """The least time ``requests`` take under a rate cap, a worker bound and a latency.

    The last request cannot start before ``(n-1)/rate`` and takes at least the
    latency; ``workers`` in flight at once need ``ceil(n/workers)`` latencies.
    """
    by_rate = (requests - 1) / rate + latency if rate > 0 else latency
    return max(by_rate, math.ceil(requests / workers) * latency)


# --- the stand-in in a process of its own -----------------------------------------------


def _standin_frames(spec: dict[str, Any]) -> tuple[Any, Any]:
    """Values and KPI catalogue the stand-in serves: the sample, clones and extra KPIs.

    ``spec["scale"]`` (default 1): each P1 KPI gets ``scale - 1`` clones holding
    its 2010–2022 values. ``spec["subset"]``: serve only these sample KPIs (and
    only them in the catalogue), for quick smoke runs. ``spec["extra"]``:
    ``[[new_id, template_id, factor], …]`` adds ``new_id`` with the template's
    values, women's values times ``factor``.
    """
    import pandas as pd

    from koladagap.kolada.sample import sample_kpis, sample_values

    values = sample_values()
    kpis = sample_kpis()
    if spec.get("subset"):  # a small stand-in (smoke runs): these KPIs only
        keep = list(spec["subset"])
        values = values.loc[values["kpi"].isin(keep).to_numpy(dtype=bool)]
        kpis = kpis.loc[kpis["id"].isin(keep).to_numpy(dtype=bool)]
    parts = [values]
    meta = [kpis]
    scale = int(spec.get("scale", 1))
    if scale > 1:
        base = values.loc[
            values["kpi"].isin(p1_kpis()).to_numpy(dtype=bool)
            & values["period"].between(FIRST_YEAR, LAST_YEAR).to_numpy(dtype=bool)
        ]
        rows = kpis.loc[kpis["id"].isin(p1_kpis())]
        for i in range(1, scale):
            parts.append(base.assign(kpi=base["kpi"].astype(str) + f"X{i:02d}"))
            meta.append(
                rows.assign(
                    id=rows["id"].astype(str) + f"X{i:02d}",
                    title=rows["title"].astype(str) + f" (kopia {i})",
                )
            )
    for new_id, template, factor in spec.get("extra", []):
        t = values.loc[(values["kpi"] == template).to_numpy(dtype=bool)].copy()
        women = (t["gender"] == "K").to_numpy(dtype=bool)
        t.loc[women, "value"] = t.loc[women, "value"] * float(factor)
        parts.append(t.assign(kpi=new_id))
    all_values = pd.concat(parts, ignore_index=True)
    all_values["kpi"] = all_values["kpi"].astype("string")
    return all_values, pd.concat(meta, ignore_index=True)


def serve(spec: dict[str, Any], stdin: IO[str], stdout: IO[str]) -> None:
    """Run a stand-in; print its URL as JSON, then answer commands on ``stdin``.

    Commands (one a line): ``count`` → ``{"count": n, "data": n_data}``,
    ``requests`` → the paths, ``reset``, ``latency SECONDS``, ``quit``.
    """
    sys.path.insert(0, str(TESTS))
    from kolada_standin import KoladaStandin

    t0 = time.perf_counter()
    values, kpis = _standin_frames(spec)
    server = KoladaStandin(values=values, kpis=kpis, latency=float(spec.get("latency", LATENCY)))
    server.start()
    build = time.perf_counter() - t0
    print(json.dumps({"base_url": server.base_url, "build_s": build}), file=stdout, flush=True)
    try:
        for line in stdin:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "count":
                reqs = server.requests
                data = sum("/data" in r for r in reqs)
                out: Any = {"count": len(reqs), "data": data}
            elif cmd == "requests":
                out = server.requests
            elif cmd == "reset":
                server.reset_counters()
                out = {"ok": True}
            elif cmd == "latency":
                server.latency = float(arg)
                out = {"ok": True}
            elif cmd == "quit":
                break
            else:
                out = {"error": f"unknown command {cmd!r}"}
            print(json.dumps(out), file=stdout, flush=True)
    finally:
        server.stop()


class StandinProcess:
    """The stand-in in a child process, driven over its stdin/stdout.

    >>> # with StandinProcess({"scale": 1}) as s: s.reset(); ...; s.count()
    """

    def __init__(self, spec: dict[str, Any] | None = None, timeout: float = 300.0) -> None:
        self.spec = {"scale": 1, "latency": LATENCY, **(spec or {})}
        self.timeout = timeout
        self.proc: subprocess.Popen[str] | None = None
        self.local: Any = None
        self.base_url = ""
        self.build_s = 0.0

    def __enter__(self) -> StandinProcess:
        if LOCAL:
            sys.path.insert(0, str(TESTS))
            from kolada_standin import KoladaStandin

            values, kpis = _standin_frames(self.spec)
            self.local = KoladaStandin(values=values, kpis=kpis, latency=self.spec["latency"])
            self.base_url = self.local.start().base_url
            return self
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__)), "serve", json.dumps(self.spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        first = self._line()
        self.base_url = first["base_url"]
        self.build_s = float(first["build_s"])
        return self

    def _line(self) -> Any:
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the stand-in process ended (exit {self.proc.poll()})")
        return json.loads(line)

    def _ask(self, command: str) -> Any:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._line()

    def count(self) -> dict[str, int]:
        """``{"count": all requests, "data": requests to /data}`` since the last reset."""
        if self.local is not None:
            reqs = self.local.requests
            return {"count": len(reqs), "data": sum("/data" in r for r in reqs)}
        out: dict[str, int] = self._ask("count")
        return out

    def requests(self) -> list[str]:
        """Every request path (with query) since the last reset."""
        if self.local is not None:
            return list(self.local.requests)
        out: list[str] = self._ask("requests")
        return out

    def reset(self) -> None:
        if self.local is not None:
            self.local.reset_counters()
            return
        self._ask("reset")

    def __exit__(self, *exc: object) -> None:
        if self.local is not None:
            self.local.stop()
            self.local = None
        proc = self.proc
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            assert proc.stdin is not None
            proc.stdin.write("quit\n")
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
        self.proc = None


# --- workers: one measurement in a fresh process -------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    Linux's ``VmHWM`` (it starts afresh at ``exec``, unlike ``ru_maxrss``, which a
    child inherits from the parent that forked it); ``ru_maxrss`` elsewhere.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _work_kg_values(spec: dict[str, Any]) -> dict[str, Any]:
    """``Kolada(base_url, cache_dir).values(...)`` at koladagap's defaults, timed."""
    from koladagap.benchmarking.data import Kolada
    from koladagap.kolada.http import HTTPSettings

    settings = HTTPSettings(**spec["settings"]) if spec.get("settings") else None
    rss0 = peak_rss_mb()
    kg = Kolada(spec["base_url"], cache_dir=spec["cache_dir"], settings=settings)
    munis = spec.get("munis")
    only = set(spec["only_munis"]) if spec.get("only_munis") else None
    t0 = time.perf_counter()
    df = kg.values(
        spec["kpis"], munis, f"{FIRST_YEAR}-{LAST_YEAR}", refresh=bool(spec.get("refresh"))
    )
    if only is not None:
        df = df.loc[df["municipality_id"].isin(only).to_numpy(dtype=bool)]
    seconds = time.perf_counter() - t0
    keys = df[["kpi", "municipality_id", "period", "gender"]].drop_duplicates()
    return {
        "seconds": seconds,
        "rows": len(df),
        "distinct": len(keys),
        "rss_after_imports_mb": rss0,
        "peak_rss_mb": peak_rss_mb(),
    }


def _work_client_urls(spec: dict[str, Any]) -> dict[str, Any]:
    """``KoladaClient.fetch_all`` over given URLs at default settings (what-if chunking)."""
    from koladagap.kolada.client import KoladaClient

    c = KoladaClient(spec["base_url"])
    t0 = time.perf_counter()
    recs = c.fetch_all(spec["urls"])
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "objects": len(recs), "peak_rss_mb": peak_rss_mb()}


def _work_cache_read(spec: dict[str, Any]) -> dict[str, Any]:
    """Reading the fetched data back: ``Cache.read`` and ``Kolada(mode="offline").values``."""
    from koladagap.benchmarking.data import Kolada
    from koladagap.kolada.cache import Cache

    kpis, munis, yrs = spec["kpis"], spec.get("munis"), years()
    rss0 = peak_rss_mb()
    cache = Cache(spec["cache_dir"])
    raw: list[float] = []
    for _ in range(int(spec.get("repeat", 5))):
        t0 = time.perf_counter()
        df = cache.read(kpis, munis, yrs)
        raw.append(time.perf_counter() - t0)
    verb: list[float] = []
    kg = Kolada(cache_dir=spec["cache_dir"], mode=spec.get("mode", "offline"))
    for _ in range(int(spec.get("repeat", 5))):
        t0 = time.perf_counter()
        df2 = kg.values(kpis, munis, f"{FIRST_YEAR}-{LAST_YEAR}")
        verb.append(time.perf_counter() - t0)
    return {
        "cache_read_s": raw,
        "values_s": verb,
        "rows": len(df),
        "rows_values": len(df2),
        "rss_after_imports_mb": rss0,
        "peak_rss_mb": peak_rss_mb(),
    }


def _work_engine(spec: dict[str, Any]) -> dict[str, Any]:
    """The deviation engine's national screen (year 2022) on the cached data."""
    import dataclasses

    from koladagap.benchmarking.kpi_table import kpi_table
    from koladagap.engine import evaluate
    from koladagap.engine.rules import rules_from_table
    from koladagap.kolada.cache import Cache
    from koladagap.kolada.sample import sample_kpis, sample_municipalities

    kpis = spec["kpis"]
    values = Cache(spec["cache_dir"]).read(kpis, None, years())
    meta = sample_kpis()
    titles = dict(zip(meta["id"].astype(str), meta["title"].astype(str), strict=False))
    base = rules_from_table(p1_kpis(), table=kpi_table(), titles=titles)
    rules = {}
    for k in kpis:
        r = base[k.split("X")[0]]
        rules[k] = dataclasses.replace(r, kpi=k, denominator_kpi=None, moe_kpi=None)
    munis = sample_municipalities()
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    res = evaluate(values, rules, year=LAST_YEAR, municipality_meta=munis)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "input_rows": len(values),
        "result_rows": len(res),
        "rss_before_mb": rss0,
        "peak_rss_mb": peak_rss_mb(),
    }


WORKERS = {
    "kg-values": _work_kg_values,
    "client-urls": _work_client_urls,
    "cache-read": _work_cache_read,
    "engine": _work_engine,
}


def run_worker(kind: str, spec: dict[str, Any], timeout: float = 900.0) -> dict[str, Any]:
    """Run one measurement in a fresh ``sys.executable`` process; its JSON answer."""
    if LOCAL:
        answer: dict[str, Any] = json.loads(json.dumps(WORKERS[kind](spec)))
        return answer
    proc = subprocess.run(
        [sys.executable, str(Path(__file__)), "worker", kind, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"worker {kind} failed ({proc.returncode}): {proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# --- koladapy, in its own virtual environment ---------------------------------------------

KOLADAPY_SCRIPT = r"""
import json, resource, sys, time
spec = json.loads(sys.argv[1])
import koladapy
from koladapy import KoladaAPI
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
rss0 = peak()
api = KoladaAPI(base_url=spec["base_url"])  # every other argument at its default
t0 = time.perf_counter()
df = api.get_data_as_dataframe(
    kpi_id=spec["kpis"], municipality_id=spec["munis"], years=spec["years"]
)
seconds = time.perf_counter() - t0
keys = df[["kpi", "municipality", "period", "gender"]].drop_duplicates()
print(json.dumps({
    "seconds": seconds,
    "rows": len(df),
    "distinct": len(keys),
    "version": koladapy.__version__,
    "interval_s": api.min_request_interval,
    "rss_after_imports_mb": rss0,
    "peak_rss_mb": peak(),
}))
"""


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_koladapy(venv: Path = DEFAULT_VENV) -> Path:
    """A virtual environment with koladapy 1.0.1 from PyPI (created once); its python."""
    py = venv_python(venv)
    check = [str(py), "-c", "import koladapy; print(koladapy.__version__)"]
    if py.exists():
        got = subprocess.run(check, capture_output=True, text=True)
        if got.returncode == 0 and got.stdout.strip() == KOLADAPY_VERSION:
            return py
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", f"koladapy=={KOLADAPY_VERSION}"], check=True
    )
    return py


def koladapy_versions(py: Path) -> dict[str, str]:
    """Versions of koladapy and what it pulls in, in its environment."""
    code = (
        "import json, koladapy, requests, pandas, backoff, sys; print(json.dumps({"
        "'koladapy': koladapy.__version__, 'requests': requests.__version__, "
        "'pandas': pandas.__version__, 'backoff': backoff.__version__, "
        "'python': sys.version.split()[0]}))"
    )
    out = subprocess.run([str(py), "-c", code], capture_output=True, text=True, check=True)
    got: dict[str, str] = json.loads(out.stdout)
    return got


def run_koladapy(py: Path, spec: dict[str, Any], timeout: float = 900.0) -> dict[str, Any]:
    """One koladapy fetch in its own environment and process."""
    env = {**os.environ, "TQDM_DISABLE": "1"}
    env.pop("PYTHONPATH", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(py), "-c", KOLADAPY_SCRIPT, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    process_s = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"koladapy failed ({proc.returncode}): {proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["process_s"] = process_s  # the whole process: start, imports, fetch, exit
    return out


def koladagap_command() -> list[str]:
    """How to start the ``koladagap`` command of this environment."""
    exe = Path(sys.executable).with_name("koladagap")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "koladagap"]


def _cli_fetch(
    server: StandinProcess, kpis: Sequence[str], munis: Sequence[str] | None, cache_dir: Path
) -> dict[str, Any]:
    """``koladagap fetch --api-url … --out x.parquet`` cold, as a process, start to exit.

    At the CLI's defaults (10 requests/s, 4 workers); ``munis=None`` is the bulk form.
    """
    server.reset()
    with scratch("kg-cli-p1-") as d:
        target = d / "values.parquet"
        args = [
            *koladagap_command(),
            "fetch",
            "--api-url",
            server.base_url,
            "--cache-dir",
            str(cache_dir),
            "--kpi",
            ",".join(kpis),
            "--years",
            f"{FIRST_YEAR}-{LAST_YEAR}",
            "--out",
            str(target),
        ]
        if munis is not None:
            args += ["--municipality", ",".join(munis)]
        env = {k: v for k, v in os.environ.items() if k != "KOLADA_API_URL"}
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"koladagap fetch failed: {proc.stderr[-2000:]}")
        import pyarrow.parquet as pq

        rows = pq.read_metadata(target).num_rows
    out: dict[str, Any] = {"seconds": seconds, "rows": rows}
    out.update(server.count())
    return out


# --- the benchmarks ---------------------------------------------------------------------------


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    d = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def median(xs: Sequence[float]) -> float:
    return float(statistics.median(xs))


def _measure_kg(server: StandinProcess, spec: dict[str, Any], cache_dir: Path) -> dict[str, Any]:
    server.reset()
    spec = {**spec, "base_url": server.base_url, "cache_dir": str(cache_dir)}
    out = run_worker("kg-values", spec)
    out.update(server.count())
    return out


def _subset(kpis: Sequence[str]) -> list[str] | None:
    """The KPIs a small stand-in needs when fewer than P1's are asked (else ``None``)."""
    base = sorted({k.split("X")[0] for k in kpis})
    return base if set(base) < set(p1_kpis()) else None


def p1(
    repeat: int = 3,
    koladapy_python: Path | None = None,
    *,
    kpis: Sequence[str] | None = None,
    munis: Sequence[str] | None = None,
    log: IO[str] = sys.stderr,
) -> dict[str, Any]:
    """P1: cold fetch, koladagap (list and bulk forms) vs koladapy; medians of ``repeat``."""
    kpis = list(kpis or p1_kpis())
    munis = list(munis or kommuner())
    yrs = years()
    want = expected_rows(kpis, munis)
    objects = served_objects(kpis, munis)
    blind, chunks = best_blind_requests(len(kpis), len(munis), len(yrs))
    runs: dict[str, list[dict[str, Any]]] = {"list": [], "bulk": [], "cli": [], "koladapy": []}
    with StandinProcess({"scale": 1, "subset": _subset(kpis)}) as server:
        print(f"  stand-in at {server.base_url} (built in {server.build_s:.1f} s)", file=log)
        for i in range(repeat):
            with scratch("kg-p1-") as d:
                r = _measure_kg(server, {"kpis": kpis, "munis": munis}, d)
            runs["list"].append(r)
            print(
                f"  [{i + 1}/{repeat}] koladagap, 290 ids: {r['seconds']:.2f} s, "
                f"{r['count']} requests ({r['data']} data), {r['rows']} rows",
                file=log,
            )
            with scratch("kg-p1b-") as d:
                r = _measure_kg(server, {"kpis": kpis, "munis": None, "only_munis": munis}, d)
            runs["bulk"].append(r)
            print(
                f"  [{i + 1}/{repeat}] koladagap, all ids: {r['seconds']:.2f} s, "
                f"{r['count']} requests ({r['data']} data), {r['rows']} rows",
                file=log,
            )
            with scratch("kg-p1c-") as d:
                r = _cli_fetch(server, kpis, munis, d)
            runs["cli"].append(r)
            print(
                f"  [{i + 1}/{repeat}] koladagap fetch as a process: {r['seconds']:.2f} s, "
                f"{r['count']} requests ({r['data']} data), {r['rows']} rows",
                file=log,
            )
            if koladapy_python is not None:
                server.reset()
                r = run_koladapy(
                    koladapy_python,
                    {"base_url": server.base_url + "/", "kpis": kpis, "munis": munis, "years": yrs},
                )
                r.update(server.count())
                runs["koladapy"].append(r)
                print(
                    f"  [{i + 1}/{repeat}] koladapy: {r['seconds']:.2f} s "
                    f"({r['process_s']:.2f} s as a process), "
                    f"{r['count']} requests, {r['rows']} rows",
                    file=log,
                )
        # what-if: the same fetch with municipality chunks sized to fit one page each
        what_if = _what_if_chunks(server, kpis, munis, chunks[1])
    return {
        "kpis": len(kpis),
        "municipalities": len(munis),
        "years": len(yrs),
        "expected_rows": want,
        "objects": objects,
        "min_requests": min_requests(objects),
        "blind_min_requests": blind,
        "blind_chunks": chunks,
        "runs": runs,
        "what_if": what_if,
    }


def _what_if_chunks(
    server: StandinProcess, kpis: list[str], munis: list[str], size: int
) -> dict[str, Any]:
    """The list-form fetch with municipality chunks of ``size`` (≤ 5000 objects a request)."""
    from koladagap.kolada.client import KoladaClient

    c = KoladaClient(server.base_url)
    urls: list[str] = []
    step = math.ceil(len(munis) / math.ceil(len(munis) / size))
    for i in range(0, len(munis), step):
        urls += c.build_urls("data", kpis=kpis, municipalities=munis[i : i + step], years=years())
    server.reset()
    out = run_worker("client-urls", {"base_url": server.base_url, "urls": urls})
    out.update(server.count())
    out["chunk"] = step
    return out


def p2(
    repeat: int = 3,
    *,
    kpis: Sequence[str] | None = None,
    munis: Sequence[str] | None = None,
    log: IO[str] = sys.stderr,
) -> dict[str, Any]:
    """P2: refresh with nothing changed, cache read in-process, ``fetch --offline`` as a process."""
    kpis = list(kpis or p1_kpis())
    munis = list(munis or kommuner())
    out: dict[str, Any] = {"refresh": {}, "read": {}, "offline_cli": []}
    with StandinProcess({"scale": 1, "subset": _subset(kpis)}) as server:
        for form, spec in (
            ("list", {"kpis": kpis, "munis": munis}),
            ("bulk", {"kpis": kpis, "munis": None, "only_munis": munis}),
        ):
            with scratch("kg-p2-") as d:
                full = _measure_kg(server, spec, d)
                refreshes = [
                    _measure_kg(server, {**spec, "refresh": True}, d) for _ in range(repeat)
                ]
                print(
                    f"  refresh ({form}): full {full['seconds']:.2f} s, refresh "
                    f"{median([r['seconds'] for r in refreshes]):.3f} s, "
                    f"{refreshes[0]['count']} requests",
                    file=log,
                )
                out["refresh"][form] = {"full": full, "refresh": refreshes}
                if form == "list":
                    read = run_worker(
                        "cache-read",
                        {"cache_dir": str(d), "kpis": kpis, "munis": munis, "repeat": 7},
                    )
                    out["read"] = {"cache": read}
                    print(
                        f"  cache read: Cache.read {median(read['cache_read_s']):.3f} s, "
                        f"values(offline) {median(read['values_s']):.3f} s",
                        file=log,
                    )
                    n_cli = 2 * repeat - 1
                    out["offline_cli"] = [_offline_cli(d, kpis, munis) for _ in range(n_cli)]
                    print(
                        f"  fetch --offline: "
                        f"{median([r['seconds'] for r in out['offline_cli']]):.2f} s",
                        file=log,
                    )
    return out


def _offline_cli(cache_dir: Path, kpis: list[str], munis: list[str]) -> dict[str, Any]:
    """``koladagap fetch --offline … --out x.parquet`` as a process, start to exit."""
    cmd = koladagap_command()
    with scratch("kg-cli-") as d:
        target = d / "values.parquet"
        args = [
            *cmd,
            "fetch",
            "--offline",
            "--cache-dir",
            str(cache_dir),
            "--kpi",
            ",".join(kpis),
            "--municipality",
            ",".join(munis),
            "--years",
            f"{FIRST_YEAR}-{LAST_YEAR}",
            "--out",
            str(target),
        ]
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
        seconds = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"fetch --offline failed: {proc.stderr[-2000:]}")
        import pyarrow.parquet as pq

        rows = pq.read_metadata(target).num_rows
    return {"seconds": seconds, "rows": rows}


def scaling(
    scales: Sequence[int] = (1, 4, 16),
    *,
    kpis: Sequence[str] | None = None,
    munis: Sequence[str] | None = None,
    log: IO[str] = sys.stderr,
) -> dict[str, Any]:
    """Fetch, cache read and engine at each scale, each in a fresh process."""
    munis = list(munis or kommuner())
    out: dict[str, Any] = {}
    spec = {"scale": max(scales), "subset": _subset(kpis or p1_kpis())}
    with StandinProcess(spec, timeout=600) as server:
        print(f"  stand-in with {max(scales)}× data built in {server.build_s:.1f} s", file=log)
        for s in scales:
            asked = scaled_kpis(s)
            if kpis:
                asked = [k for k in asked if k.split("X")[0] in set(kpis)]
            with scratch(f"kg-scale{s}-") as d:
                fetch = _measure_kg(server, {"kpis": asked, "munis": munis}, d)
                read_spec = {"cache_dir": str(d), "kpis": asked, "munis": munis, "repeat": 3}
                read = run_worker("cache-read", read_spec)
                engine = run_worker("engine", {"cache_dir": str(d), "kpis": asked})
            out[str(s)] = {
                "kpis": len(asked),
                "expected_rows": expected_rows(asked, munis),
                "fetch": fetch,
                "read": read,
                "engine": engine,
            }
            print(
                f"  {s:>2}×: fetch {fetch['seconds']:.1f} s ({fetch['count']} req, "
                f"{fetch['peak_rss_mb']:.0f} MB), read {median(read['cache_read_s']):.3f} s, "
                f"engine {engine['seconds']:.2f} s ({engine['peak_rss_mb']:.0f} MB)",
                file=log,
            )
    return out


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        serve(json.loads(argv[1]) if len(argv) > 1 else {}, sys.stdin, sys.stdout)
        return 0
    if argv and argv[0] == "worker":
        print(json.dumps(WORKERS[argv[1]](json.loads(argv[2]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("part", choices=("p1", "p2", "scaling"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--scales", default="1,4,16")
    ap.add_argument("--no-koladapy", action="store_true", help="P1 without koladapy")
    ap.add_argument("--venv", type=Path, default=DEFAULT_VENV, help="koladapy's environment")
    args = ap.parse_args(argv)
    if args.part == "p1":
        py = None if args.no_koladapy else ensure_koladapy(args.venv)
        res: Any = p1(args.repeat, py)
    elif args.part == "p2":
        res = p2(args.repeat)
    else:
        res = scaling([int(s) for s in args.scales.split(",")])
    print(json.dumps(res, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
