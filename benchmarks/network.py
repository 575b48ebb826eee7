"""P5: a benchmarking network's material for Benchmarking 2, 5 members × 30 KPIs, warm cache.

Issue 12's goal: ``koladagap network --plan natverk.toml --out DIR`` writes
``natverk.csv``, ``natverk.xlsx``, ``natverk.pptx`` and ``natverk.pdf`` for five
members and a mentor over 30 KPIs in at most 10 s on 2 cores, from a warm cache.

The 30 KPIs are P4's (:mod:`report_pack`): the sample's 19 and 11 more real
Kolada KPIs whose values the stand-in makes from sample KPIs of the same kind.

1. Warm-up, online against the stand-in: the network runs once, which fetches
   every value and metadata table into a fresh cache.
2. Timed, offline, each run a whole ``koladagap network --offline`` process
   (start and imports included) with its own output folder, and one in-process
   run split into steps (``run_network``, each writer).

Run it with ``benchmarks/run_all.py`` or alone::

    .venv/bin/python benchmarks/network.py --repeat 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fetch import REPO, StandinProcess, peak_rss_mb, scratch
from report_pack import EXTRA, plan_kpis, run_worker

MEMBERS = ("1233", "1280", "1283", "1290", "1261")
MENTOR = "1281"
BASELINE, FOLLOWUP = 2018, 2022


def write_network(folder: Path) -> Path:
    """A network file: five Skåne kommuner, Lund as mentor, the 30 KPIs."""
    from koladagap.benchmarking.network import load_network

    ids = ",\n  ".join(f'"{k}"' for k in plan_kpis())
    members = "\n".join(f'[[members]]\nid = "{m}"' for m in MEMBERS)
    text = f"""[network]
name = "Nätverk Skåne (benchmark)"

{members}

[mentor]
id = "{MENTOR}"

[kpis]
ids = [
  {ids}
]

[meetings]
baseline = {{ name = "Benchmarking 1", year = {BASELINE} }}
followups = [{{ name = "Benchmarking 2", year = {FOLLOWUP} }}]
"""
    path = folder / "natverk.toml"
    path.write_text(text, encoding="utf-8")
    load_network(path)
    return path


def _cmd() -> list[str]:
    exe = Path(sys.executable).with_name("koladagap")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "koladagap"]


def _network_process(network: Path, cache_dir: Path, out: Path, *mode: str) -> float:
    """``koladagap network`` as one process; its wall time."""
    args = [*_cmd(), "network", "--plan", str(network), "--out", str(out)]
    args += ["--cache-dir", str(cache_dir), *mode]
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=REPO)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"koladagap network failed: {proc.stderr[-3000:]}")
    return seconds


def _work(spec: dict[str, Any]) -> dict[str, Any]:
    """One in-process run, step by step (imports not counted)."""
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.network import load_network, run_network
    from koladagap.render.network import write_network_deck, write_network_xlsx
    from koladagap.render.network_text import with_reasons

    out = Path(spec["out"])
    steps: dict[str, float] = {}
    t0 = time.perf_counter()
    kg = Kolada(cache_dir=spec["cache_dir"], mode="offline")
    result = run_network(load_network(spec["network"]), source=kg)
    steps["run_network"] = time.perf_counter() - t0
    t = time.perf_counter()
    result = with_reasons(result)
    steps["reasons"] = time.perf_counter() - t
    t = time.perf_counter()
    files = write_network_xlsx(result, out / "natverk.xlsx")
    steps["xlsx"] = time.perf_counter() - t
    t = time.perf_counter()
    files += write_network_deck(result, out)
    steps["deck (pptx, pdf)"] = time.perf_counter() - t
    return {
        "seconds": time.perf_counter() - t0,
        "steps": steps,
        "rows": len(result.table),
        "kpis": int(result.table["kpi"].nunique()),
        "organisations": int(result.table["municipality_id"].nunique()),
        "levels": {str(k): int(v) for k, v in result.table["level"].value_counts().items()},
        "files": len(files),
        "peak_rss_mb": peak_rss_mb(),
    }


def _run_work(spec: dict[str, Any]) -> dict[str, Any]:
    return run_worker(str(Path(__file__)), spec, "P5")


def p5(repeat: int = 3, *, log: IO[str] = sys.stderr) -> dict[str, Any]:
    """Warm the cache online once, then time ``koladagap network`` offline."""
    result: dict[str, Any] = {"members": MEMBERS, "mentor": MENTOR, "kpis": plan_kpis()}
    with StandinProcess({"scale": 1, "extra": EXTRA}) as server, scratch("kg-p5-") as d:
        network = write_network(d)
        cache_dir = d / "cache"
        warm = _network_process(network, cache_dir, d / "warm", "--api-url", server.base_url)
        result["warm_up"] = {"wall_s": warm, **server.count()}
        print(f"  warm-up online: {warm:.1f} s, {server.count()['count']} requests", file=log)
        server.reset()
        runs = [
            _network_process(network, cache_dir, d / f"run{i}", "--offline") for i in range(repeat)
        ]
        for i, s in enumerate(runs):
            print(f"  [{i + 1}/{repeat}] koladagap network --offline: {s:.2f} s", file=log)
        result["process_seconds"] = runs
        result["median_s"] = statistics.median(runs)
        inproc = _run_work({"network": str(network), "cache_dir": str(cache_dir), "out": str(d)})
        result["in_process"] = inproc
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in inproc["steps"].items())
        print(f"  in-process: {inproc['seconds']:.2f} s ({steps})", file=log)
        result["requests_while_offline"] = server.count()["count"]
    result["goal_s"] = 10.0
    result["met"] = result["median_s"] <= result["goal_s"]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "worker":
        print(json.dumps(_work(json.loads(argv[1]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(json.dumps(p5(args.repeat), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
