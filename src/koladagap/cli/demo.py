"""``koladagap demo``: the main job, offline, on the shipped real-data sample.

For one municipality (default 0180 Stockholm) it writes, into one folder:

- ``values.csv``: the tidy values of every sample KPI for the municipality,
  its "Liknande kommuner" peers and Riket ("Källa: Kolada");
- ``gaps.csv``: the gap table (women − men, relative gap, ratio, parity,
  status) for the same rows ("Källa: Kolada; egen bearbetning");
- ``plan.toml``: a starter plan (baseline Benchmarking 1 = 2018, follow-up
  Benchmarking 2 = 2022), ``sessions/`` with both sessions' results;
- ``avvikelser.xlsx``, ``avvikelser.html``, ``avvikelser.md``: the deviation
  report of the follow-up against the baseline, with one avvikelseanmälan per
  ``watch``/``act`` flag and the methods annex;
- ``baspaket/``: the baseline chart pack for Benchmarking 1 (PNG charts, a PDF
  and a PPTX deck).
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pandas as pd

from koladagap.benchmarking.data import ATTRIBUTION, ATTRIBUTION_PROCESSED, Kolada
from koladagap.kolada.schema import parse_ids

if TYPE_CHECKING:
    from koladagap.benchmarking.run import PlanResult

log = logging.getLogger("koladagap")


def _atomic_csv(df: pd.DataFrame, path: Path, note: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False)
        fh.write(f"# {note}\n")
    tmp.replace(path)


def run_demo(
    out: Path, *, municipality: str = "0180", lang: str = "sv", stream: TextIO
) -> list[Path]:
    """Write the demo outputs for ``municipality`` into ``out``; return the files written."""
    from koladagap.cli import _msg

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

    files, res = _deviation_report(kg, out, mid, name, lang)
    written += files
    written += _baseline_pack(out / "baspaket", res, lang)
    print(_msg(lang, "demo_title", name=name, mid=mid, year=res.meeting.year), file=stream)
    print(_msg(lang, "demo_offline"), file=stream)
    print("", file=stream)
    print(_msg(lang, "demo_gap_head", year=res.meeting.year), file=stream)
    from koladagap.engine import level_labels

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
        text = _fmt(gap, lang) if level != "not_computable" else _msg(lang, "not_computable")
        when = f" ({period})" if period != year else ""
        print(f"  {kpi}  {text:>14}  {name:<{width}}  {str(title)[:60]}{when}", file=stream)
    print("", file=stream)
    flagged = tab.loc[tab["level"].isin(["watch", "act"]).to_numpy(dtype=bool)]
    if len(flagged):
        from koladagap.render.explain import explain

        print(_msg(lang, "demo_why"), file=stream)
        for kpi, why in zip(flagged["kpi"], explain(flagged, lang), strict=True):
            print(textwrap.fill(f"{kpi}: {why}", 96, subsequent_indent="    "), file=stream)
        print("", file=stream)
    for p in written:
        print(_msg(lang, "wrote", what=p.name, path=p.parent), file=stream)
    print(_msg(lang, "source"), file=stream)
    return written


def _fmt(x: float, lang: str) -> str:
    text = f"{x:+,.1f}"
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")
    return text


def _deviation_report(
    kg: Kolada, out: Path, mid: str, name: str, lang: str
) -> tuple[list[Path], PlanResult]:
    """Plan, both sessions, and the follow-up's deviation report in three formats."""
    from koladagap.benchmarking.plan import load_plan, starter_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.report import write_report

    plan_path = out / "plan.toml"
    text = starter_plan(mid, name, kg.available_kpis(), baseline=2018, followup=2022)
    tmp = plan_path.with_name(".plan.toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(plan_path)
    plan = load_plan(plan_path)
    sessions = out / "sessions"
    run_plan(plan, plan.baseline.name, source=kg, meetings_dir=sessions)
    res = run_plan(plan, None, source=kg, meetings_dir=sessions)
    written = [plan_path]
    for ext in ("xlsx", "html", "md"):
        if ext == "xlsx" and not _has("xlsxwriter"):
            log.warning("avvikelser.xlsx skipped: pip install 'koladagap[excel]' for Excel files")
            continue
        written += write_report(res, out / f"avvikelser.{ext}", lang=lang)
    return written, res


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _baseline_pack(out: Path, res: PlanResult, lang: str) -> list[Path]:
    """The baseline chart pack, coloured by the baseline session's levels."""
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.explain import reasons_by_kpi
    from koladagap.render.pack import baseline_pack_input, write_baseline_pack

    plan = res.plan
    base = run_plan(plan, plan.baseline.name, source="sample", meetings_dir=None)
    inp = baseline_pack_input(
        plan.organisation,
        plan.baseline.year,
        kpis=base.table["kpi"].astype(str).tolist(),
        source="sample",
        lang=lang,
        levels={str(k): str(v) for k, v in base.level.items()},
        reasons=reasons_by_kpi(base.table, lang),
        family=plan.peer_family,
    )
    formats = "png,pdf,pptx" if _has("pptx") else "png,pdf"
    if "pptx" not in formats:
        log.warning("the PowerPoint deck skipped: pip install 'koladagap[pptx]' for it")
    files = write_baseline_pack(inp, out, formats)
    return [f for f in files if f.suffix != ".png"] + [out / "charts"]


def _all_sample_kpis() -> list[str]:
    from koladagap.kolada.sample import sample_manifest

    kpis: list[str] = sample_manifest()["values"]["kpis"]
    return kpis
