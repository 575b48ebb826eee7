"""``koladagap demo``: the main job, offline, on the shipped real-data sample.

For one municipality (default 0180 Stockholm) it writes, into one folder:

- ``values.csv``: the tidy values of every sample KPI for the municipality,
  its "Liknande kommuner" peers and Riket ("Källa: Kolada");
- ``gaps.csv``: the gap table (women − men, relative gap, ratio, parity,
  status) for the same rows ("Källa: Kolada; egen bearbetning");
- ``plan.toml``: a starter plan (baseline Benchmarking 1 = 2018, follow-up
  Benchmarking 2 = 2022), ``sessions/`` with both meetings' results;
- ``avvikelser.xlsx``, ``avvikelser.html``, ``avvikelser.md``: the deviation
  report of the follow-up against the baseline, with one avvikelseanmälan per
  ``watch``/``act`` flag and the methods annex;
- ``baspaket/``: the baseline chart pack for Benchmarking 1 (PNG charts, a PDF
  and a PPTX deck).
"""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd

from koladagap._files import write_atomic
from koladagap.cli.common import EXIT_OK, msg
from koladagap.kolada.schema import parse_ids
from koladagap.render.i18n import ATTRIBUTION, ATTRIBUTION_PROCESSED, format_number, level_labels

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.run import PlanResult

log = logging.getLogger("koladagap")


def register(sub: Any) -> None:
    """Add ``demo`` to the ``koladagap`` parser."""
    d = sub.add_parser("demo", help="the main job, offline on the shipped sample")
    d.add_argument("--out", type=Path, default=Path("koladagap-demo"), help="output folder")
    d.add_argument(
        "--municipality", default="0180", help="municipality id (default 0180 Stockholm)"
    )
    d.set_defaults(run=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    run_demo(args.out, municipality=args.municipality, lang=args.lang, stream=sys.stdout)
    return EXIT_OK


def _atomic_csv(df: pd.DataFrame, path: Path, note: str) -> None:
    write_atomic(path, df.to_csv(index=False) + f"# {note}\n")


def run_demo(
    out: Path, *, municipality: str = "0180", lang: str = "sv", stream: TextIO
) -> list[Path]:
    """Write the demo outputs for ``municipality`` into ``out``; return the files written."""
    from koladagap.benchmarking.data import Kolada

    mid = parse_ids(municipality, "municipality")[0]
    kg = Kolada(mode="sample")
    name = kg._title_of(mid)
    try:
        peer_ids = kg.peers(mid)["id"].tolist()
    except Exception:  # a region or Riket has no "Liknande kommuner" family
        peer_ids = []
    ids = [mid, *peer_ids, "0000"] if mid != "0000" else ["0000"]
    kpis = sorted(kg.values(_all_sample_kpis(), mid)["kpi"].unique())
    vals = kg.values(kpis, ids)
    gaps = kg.gaps(kpis, ids)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "values.csv", out / "gaps.csv"]
    _atomic_csv(vals, written[0], ATTRIBUTION)
    _atomic_csv(gaps, written[1], ATTRIBUTION_PROCESSED)

    files, base, res = _deviation_report(kg, out, mid, name, lang)
    written += files
    written += _baseline_pack(out / "baspaket", base, lang)
    print(msg(lang, "demo_title", name=name, mid=mid, year=res.meeting.year), file=stream)
    print(msg(lang, "demo_offline"), file=stream)
    print("", file=stream)
    print(msg(lang, "demo_gap_head", year=res.meeting.year), file=stream)
    labels = level_labels(lang)
    tab = res.table.assign(level=res.table["kpi"].map(res.level))
    names = [labels.get(str(lv), "") for lv in tab["level"]]
    width = max((len(n) for n in names), default=0)
    year = res.meeting.year
    rows = zip(
        tab["kpi"], tab["gap"].astype(float), tab["level"], names, tab["kpi_title"],
        tab["period"].astype(int), strict=True,
    )  # fmt: skip
    for kpi, gap, level, name, title, period in rows:  # at most ~50 lines, not data processing
        text = _fmt(gap, lang) if level != "not_computable" else msg(lang, "not_computable")
        when = f" ({period})" if period != year else ""
        print(f"  {kpi}  {text:>14}  {name:<{width}}  {str(title)[:60]}{when}", file=stream)
    print("", file=stream)
    flagged = tab.loc[tab["level"].isin(["watch", "act"]).to_numpy(dtype=bool)]
    if len(flagged):
        from koladagap.render.explain import explain

        print(msg(lang, "demo_why"), file=stream)
        for kpi, why in zip(flagged["kpi"], explain(flagged, lang), strict=True):
            print(textwrap.fill(f"{kpi}: {why}", 96, subsequent_indent="    "), file=stream)
        print("", file=stream)
    for p in written:
        print(msg(lang, "wrote", what=p.name, path=p.parent), file=stream)
    print(msg(lang, "source"), file=stream)
    return written


def _fmt(x: float, lang: str) -> str:
    return format_number(x, lang, sign=True)


def _deviation_report(
    kg: Kolada, out: Path, mid: str, name: str, lang: str
) -> tuple[list[Path], PlanResult, PlanResult]:
    """Plan, both meetings, and the follow-up's deviation report in three formats.

    The baseline runs once, with the history its pack draws, and is stored; the
    follow-up reads it back.
    """
    from koladagap.benchmarking.baseline import run_baseline
    from koladagap.benchmarking.plan import load_plan, starter_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.report import write_report

    plan_path = out / "plan.toml"
    text = starter_plan(mid, name, kg.available_kpis(), baseline=2018, followup=2022)
    write_atomic(plan_path, text)
    plan = load_plan(plan_path)
    sessions = out / "sessions"
    base = run_baseline(plan, source=kg, meetings_dir=sessions)
    res = run_plan(plan, None, source=kg, meetings_dir=sessions)
    written = [plan_path]
    for ext in ("xlsx", "html", "md"):
        if ext == "xlsx" and not _has("xlsxwriter"):
            log.warning("avvikelser.xlsx skipped: pip install 'koladagap[excel]' for Excel files")
            continue
        written += write_report(res, out / f"avvikelser.{ext}", lang=lang)
    return written, base, res


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _baseline_pack(out: Path, base: PlanResult, lang: str) -> list[Path]:
    """The baseline chart pack, coloured by the baseline meeting's levels."""
    from koladagap.render.pack import pack_input, write_baseline_pack

    inp = pack_input(base, lang=lang)
    formats = "png,pdf,pptx" if _has("pptx") else "png,pdf"
    if "pptx" not in formats:
        log.warning("the PowerPoint deck skipped: pip install 'koladagap[pptx]' for it")
    files = write_baseline_pack(inp, out, formats)
    return [f for f in files if f.suffix != ".png"] + [out / "charts"]


def _all_sample_kpis() -> list[str]:
    from koladagap.kolada.sample import sample_manifest

    kpis: list[str] = sample_manifest()["values"]["kpis"]
    return kpis
