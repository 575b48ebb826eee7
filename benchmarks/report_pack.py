"""P4: one municipality's baseline pack and deviation report, 30 KPIs, from a warm cache.

The shipped sample has 19 KPIs, so the stand-in also serves 11 more real Kolada
KPIs from koladagap's KPI table (real ids, titles and rules; their **values are
synthetic**: a sample KPI of the same kind with the women's values scaled, see
:data:`EXTRA`). A plan for Stockholm (0180) names all 30 (``starter_plan``),
baseline 2018, follow-up 2022.

1. Warm-up, online against the stand-in: the baseline pack and the report are
   made once, which fetches every value and metadata table into a fresh cache.
2. Timed, offline (``mode="offline"``), each run in a fresh process with its own
   meetings folder: ``run_baseline`` for the baseline meeting → ``pack_input`` →
   ``write_baseline_pack`` (PNG, vector PDF, PPTX: the CLI's default, the main
   deck of at most 12 slides; everything drawn in this one process), then
   ``run_plan`` for the follow-up → ``write_report`` (xlsx) — as ``koladagap
   baseline`` and ``koladagap deviations`` call them. The appendix (every KPI's
   charts, ``koladagap baseline --appendix``) is timed apart, after the total.
   Imports are not counted in-process; the same two commands are also timed as
   processes (``--offline``), start included.

Run it with ``benchmarks/run_all.py`` or alone::

    .venv/bin/python benchmarks/report_pack.py --repeat 3
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

ORGANISATION = "0180"
BASELINE, FOLLOWUP = 2018, 2022

#: The 11 extra KPIs: (real Kolada id from the KPI table, sample KPI whose values
#: it gets, factor on the women's values). Kinds match (share ← share, amount ← amount).
EXTRA: list[tuple[str, str, float]] = [
    ("N15436", "N15428", 0.98),
    ("N15507", "N00906", 0.0006),
    ("N15452", "N17473", 1.01),
    ("N15648", "N17461", 0.97),
    ("N00209", "N01982", 0.95),
    ("N00957", "N00938", 1.04),
    ("N00973", "N00206", 1.02),
    ("U09808", "N00905", 0.9),
    ("N00669", "N00713", 1.03),
    ("U28532", "N03920", 0.96),
    ("U40455", "N15428", 1.05),
]


def plan_kpis() -> list[str]:
    """The sample's 19 KPIs and the 11 extra ones: 30."""
    from koladagap.kolada.sample import sample_manifest

    return list(sample_manifest()["values"]["kpis"]) + [e[0] for e in EXTRA]


def write_plan(folder: Path) -> Path:
    """A starter plan for Stockholm naming the 30 KPIs."""
    from koladagap.benchmarking.plan import load_plan, starter_plan

    path = folder / "plan.toml"
    text = starter_plan(
        ORGANISATION, "Stockholm", plan_kpis(), baseline=BASELINE, followup=FOLLOWUP, file=path.name
    )
    path.write_text(text, encoding="utf-8")
    load_plan(path)
    return path


def _work(spec: dict[str, Any]) -> dict[str, Any]:
    """The pack and the report for the plan, timed step by step (in a fresh process)."""
    from koladagap.benchmarking.baseline import run_baseline
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.pack import pack_input, write_baseline_pack
    from koladagap.render.report import write_report

    out = Path(spec["out"])
    steps: dict[str, float] = {}
    rss0 = peak_rss_mb()
    t0 = time.perf_counter()
    plan = load_plan(spec["plan"])
    kg = Kolada(spec.get("base_url"), cache_dir=spec["cache_dir"], mode=spec["mode"])
    meetings = out / "sessions"
    t = time.perf_counter()
    base = run_baseline(plan, source=kg, meetings_dir=meetings)
    steps["run_baseline"] = time.perf_counter() - t
    t = time.perf_counter()
    inp = pack_input(base, lang=plan.lang)
    steps["pack_input"] = time.perf_counter() - t
    t = time.perf_counter()
    pack = write_baseline_pack(inp, out / "pack", ("png", "pdf", "pptx"))
    steps["write_baseline_pack"] = time.perf_counter() - t
    t = time.perf_counter()
    res = run_plan(plan, None, source=kg, meetings_dir=meetings)
    steps["run_plan (follow-up)"] = time.perf_counter() - t
    t = time.perf_counter()
    report = write_report(res, out / "avvikelser.xlsx", lang=plan.lang)
    steps["write_report (xlsx)"] = time.perf_counter() - t
    total = time.perf_counter() - t0
    # the appendix (every KPI's charts), drawn on demand (--appendix): timed apart
    from koladagap.render.pack.model import PackData
    from koladagap.render.pack.write import pack_stem, write_appendix

    t = time.perf_counter()
    appendix = write_appendix(
        PackData(inp), out / "pack", f"{pack_stem(inp)}_bilaga", ("png", "pdf", "pptx")
    )
    appendix_s = time.perf_counter() - t
    return {
        "seconds": total,
        "appendix_seconds": appendix_s,
        "appendix_files": len(appendix),
        "steps": steps,
        "kpis": len(res.table),
        "pack_kpis": len(inp.kpis),
        "pack_files": len(pack),
        "report_files": len(report),
        "levels": {str(k): int(v) for k, v in res.level.value_counts().items()},
        "rss_after_imports_mb": rss0,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_worker(script: str, spec: dict[str, Any], name: str) -> dict[str, Any]:
    """``script worker SPEC`` in a fresh process; the JSON of its last output line."""
    proc = subprocess.run(
        [sys.executable, script, "worker", json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=REPO,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{name} worker failed: {proc.stderr[-3000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


def _run_work(spec: dict[str, Any]) -> dict[str, Any]:
    return run_worker(str(Path(__file__)), spec, "P4")


def _cli(plan: Path, cache_dir: Path, out: Path) -> dict[str, Any]:
    """``koladagap baseline`` then ``koladagap deviations``, offline, as processes."""
    exe = Path(sys.executable).with_name("koladagap")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "koladagap"]
    common = ["--offline", "--cache-dir", str(cache_dir), "--sessions-dir", str(out / "s")]
    runs = {
        "koladagap baseline": [
            *cmd,
            "baseline",
            "--plan",
            str(plan),
            "--out",
            str(out / "pack"),
            *common,
        ],
        "koladagap deviations": [
            *cmd,
            "deviations",
            "--plan",
            str(plan),
            "--out",
            str(out / "avvikelser.xlsx"),
            *common,
        ],
    }
    times: dict[str, float] = {}
    for name, args in runs.items():
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=out)
        times[name] = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{name} failed: {proc.stderr[-2000:]}")
    return times


def p4(repeat: int = 3, *, log: IO[str] = sys.stderr) -> dict[str, Any]:
    """Warm the cache online once, then time the pack and the report offline."""
    result: dict[str, Any] = {"kpis": plan_kpis(), "extra": EXTRA}
    with StandinProcess({"scale": 1, "extra": EXTRA}) as server, scratch("kg-p4-") as d:
        plan = write_plan(d)
        cache_dir = d / "cache"
        t0 = time.perf_counter()
        warm = _run_work(
            {
                "plan": str(plan),
                "cache_dir": str(cache_dir),
                "mode": "api",
                "base_url": server.base_url,
                "out": str(d / "warm"),
            }
        )
        result["warm_up"] = {**warm, "wall_s": time.perf_counter() - t0, **server.count()}
        print(
            f"  warm-up online: {warm['seconds']:.1f} s, {server.count()['count']} requests",
            file=log,
        )
        server.reset()
        runs = []
        for i in range(repeat):
            r = _run_work(
                {
                    "plan": str(plan),
                    "cache_dir": str(cache_dir),
                    "mode": "offline",
                    "out": str(d / f"run{i}"),
                }
            )
            runs.append(r)
            print(
                f"  [{i + 1}/{repeat}] offline: {r['seconds']:.2f} s "
                f"({r['kpis']} KPIs, {r['pack_files']} pack files); appendix "
                f"{r['appendix_seconds']:.2f} s ({r['appendix_files']} files)",
                file=log,
            )
        result["runs"] = runs
        result["cli"] = [_cli(plan, cache_dir, _mk(d / f"cli{i}")) for i in range(repeat)]
        result["requests_while_offline"] = server.count()["count"]
        cli_total = [sum(c.values()) for c in result["cli"]]
        print(f"  CLI offline (two processes): {statistics.median(cli_total):.2f} s", file=log)
    return result


def _mk(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "worker":
        print(json.dumps(_work(json.loads(argv[1]))))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    print(json.dumps(p4(args.repeat), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
