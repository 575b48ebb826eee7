"""``koladagap demo``: the main job, offline, on the shipped real-data sample.

For one kommun or region (default 0180 Stockholm) it writes, into one folder:

- ``values.csv``: the tidy values of every sample KPI for the organisation,
  its peers ("Liknande kommuner", or the other regioner) and Riket, with the
  column ``source`` = "Källa: Kolada";
- ``gaps.csv``: the gap table (women − men, relative gap, ratio, parity,
  status) for the same rows, ``source`` = "Källa: Kolada; egen bearbetning";
- ``plan.toml``: a starter plan (baseline Benchmarking 1 = 2018, follow-up
  Benchmarking 2 = 2022), ``sessions/`` with both meetings' results;
- ``avvikelser.xlsx``, ``avvikelser.html``, ``avvikelser.md``: the deviation
  report of the follow-up against the baseline, with one avvikelseanmälan per
  ``watch``/``act`` flag and the methods annex;
- ``baspaket/``: the baseline chart pack for Benchmarking 1 (PNG charts, a PDF
  and a PPTX deck);
- ``.koladagap.json``: the mark naming the organisation the folder belongs to.

The id is checked before anything is written (Riket, 0000, is the comparison,
not an organisation to analyse); a folder of another organisation's outputs is
refused without ``--force``. Progress lines go to stderr, the summary to stdout.
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
from koladagap.cli.common import EXIT_OK, claim_folder, msg, save_table, step
from koladagap.columns import RIKET_ID, org_kind
from koladagap.errors import InputError, UnknownIdError
from koladagap.kolada.schema import parse_ids
from koladagap.render.i18n import ATTRIBUTION, ATTRIBUTION_PROCESSED, format_number, level_labels
from koladagap.render.i18n.measures import ONE_SEX, gap_heading, share_heading

if TYPE_CHECKING:
    from koladagap.benchmarking.data import Kolada
    from koladagap.benchmarking.run import PlanResult

log = logging.getLogger("koladagap")


def register(sub: Any) -> None:
    """Add ``demo`` to the ``koladagap`` parser."""
    d = sub.add_parser("demo", help="the main job, offline on the shipped sample")
    d.add_argument("--out", type=Path, default=Path("koladagap-demo"), help="output folder")
    d.add_argument(
        "--municipality",
        default="0180",
        help="a kommun or region id (default 0180 Stockholm; e.g. 1233, 0001)",
    )
    d.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that holds another organisation's outputs",
    )
    d.set_defaults(run=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    run_demo(
        args.out,
        municipality=args.municipality,
        lang=args.lang,
        stream=sys.stdout,
        force=args.force,
    )
    return EXIT_OK


def check_organisation(kg: Kolada, municipality: str, lang: str) -> tuple[str, str]:
    """``(id, name)`` of the one kommun or region the demo is for, or a one-line error.

    Riket (0000) is the comparison, not an organisation to analyse; a group id is
    none either; an id the sample does not know is an unknown id.
    """
    ids = parse_ids(municipality, "municipality")
    if len(ids) != 1:
        raise InputError(msg(lang, "demo_one_id", ids=",".join(ids)))
    mid = ids[0]
    kind = org_kind(pd.Series([mid])).iloc[0]
    if kind == "riket":
        raise InputError(msg(lang, "demo_riket", mid=mid))
    if kind not in ("kommun", "region"):
        raise InputError(msg(lang, "demo_not_org", mid=mid))
    try:
        return mid, kg.municipality_name(mid)
    except UnknownIdError as err:
        raise InputError(msg(lang, "demo_unknown", mid=mid)) from err


def run_demo(
    out: Path,
    *,
    municipality: str = "0180",
    lang: str = "sv",
    stream: TextIO,
    force: bool = False,
) -> list[Path]:
    """Write the demo outputs for ``municipality`` into ``out``; return the files written.

    The id is checked before anything is written, and ``out`` is claimed for the
    organisation (:func:`~koladagap.cli.common.claim_folder`): a folder holding
    another organisation's outputs is refused unless ``force``. Progress goes to
    stderr, the summary to ``stream``.
    """
    from koladagap.benchmarking.data import Kolada

    kg = Kolada(mode="sample")
    mid, name = check_organisation(kg, municipality, lang)
    claim_folder(out, mid, lang, force=force)
    step(lang, "step_data")
    try:
        peer_ids = kg.peers(mid)["id"].astype(str).tolist()
    except InputError:  # no peer family for this organisation in the sample
        peer_ids = []
    ids = [mid, *peer_ids, RIKET_ID]
    kpis = sorted(kg.values(_all_sample_kpis(), mid)["kpi"].unique())
    vals = kg.values(kpis, ids)
    gaps = kg.gaps(kpis, ids)
    written = [out / "values.csv", out / "gaps.csv"]
    save_table(vals, written[0], ATTRIBUTION, force=True)  # the claimed folder's own files
    save_table(gaps, written[1], ATTRIBUTION_PROCESSED, force=True)

    files, base, res = _deviation_report(kg, out, mid, name, lang)
    written += files
    step(lang, "step_pack")
    written += _baseline_pack(out / "baspaket", base, lang)
    _summary(res, name, mid, lang, stream)
    for p in written:
        print(msg(lang, "wrote", what=p.name, path=p.parent), file=stream)
    print(msg(lang, "source"), file=stream)
    return written


def _summary(res: PlanResult, name: str, mid: str, lang: str, stream: TextIO) -> None:
    """The follow-up's gaps and levels, one line a KPI, and why the flags are raised."""
    year = res.meeting.year
    print(msg(lang, "demo_title", name=name, mid=mid, year=year), file=stream)
    print(msg(lang, "demo_offline"), file=stream)
    print("", file=stream)
    print(msg(lang, "demo_gap_head", year=year), file=stream)
    labels = level_labels(lang)
    tab = res.table.assign(level=res.table["kpi"].map(res.level))
    names = [labels.get(str(lv), "") for lv in tab["level"]]
    width = max((len(n) for n in names), default=0)
    kinds = tab["kind"] if "kind" in tab.columns else pd.Series("", index=tab.index)
    rows = zip(
        tab["kpi"], tab["gap"].astype(float), tab["total"].astype(float), tab["level"], names,
        tab["kpi_title"], tab["period"].astype(int), kinds, strict=True,
    )  # fmt: skip
    for kpi, gap, total, level, lv_name, title, period, kind in rows:  # ≤ ~50 lines
        text = _fmt(gap, lang) if level != "not_computable" else msg(lang, "not_computable")
        when = f" {msg(lang, 'demo_data_year', year=period)}" if period != year else ""
        line = f"  {kpi}  {text:>14}  {lv_name:<{width}}  {_short(str(title), 60)}{when}"
        print(line, file=stream)
        if kind == ONE_SEX and level != "not_computable":
            note = _one_sex_note(res, kpi, text, total, lang)
            print(f"  {'':6}  {'':>14}  {note}", file=stream)
    print("", file=stream)
    flagged = tab.loc[tab["level"].isin(["watch", "act"]).to_numpy(dtype=bool)]
    if len(flagged):
        from koladagap.render.explain import explain

        print(msg(lang, "demo_why"), file=stream)
        for kpi, why in zip(flagged["kpi"], explain(flagged, lang), strict=True):
            print(textwrap.fill(f"{kpi}: {why}", 96, subsequent_indent="    "), file=stream)
        print("", file=stream)


def _one_sex_note(res: PlanResult, kpi: str, gap: str, share: float, lang: str) -> str:
    """What a one-sex share KPI's number is: the share, and its distance from 50/50."""
    rule = res.rules.get(kpi)
    share_of = str(getattr(rule, "share_of", None) or "K")
    distance = gap_heading(lang, kind=ONE_SEX)
    return msg(
        lang,
        "demo_one_sex",
        share=share_heading(lang, share_of),
        value=format_number(share, lang, decimals=1),
        gap=gap,
        distance=distance[:1].lower() + distance[1:],
    )


def _short(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, with "…" when cut.

    >>> _short("Invånare totalt, antal", 10)
    'Invånare…'
    """
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


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
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.plan_init import starter_plan_for
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.report import write_report

    plan_path = out / "plan.toml"
    text, _ = starter_plan_for(kg, mid, baseline=2018, followup=2022, announce=False)
    write_atomic(plan_path, text)
    plan = load_plan(plan_path)
    sessions = out / "sessions"
    step(lang, "step_engine")
    base = run_baseline(plan, source=kg, meetings_dir=sessions)
    res = run_plan(plan, None, source=kg, meetings_dir=sessions)
    step(lang, "step_report")
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
