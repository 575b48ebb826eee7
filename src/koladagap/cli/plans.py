"""The plan commands: ``plan init``, ``deviations`` and ``baseline``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from koladagap._files import write_atomic
from koladagap.cli.common import (
    EXIT_OK,
    add_out,
    add_source,
    check_new,
    claim_folder,
    kolada,
    msg,
    step,
)


def register(sub: Any) -> None:
    """Add the plan commands to the ``koladagap`` parser."""
    pl = sub.add_parser("plan", help="plan files (organisation, KPIs, meetings, thresholds)")
    plsub = pl.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    pi = plsub.add_parser("init", help="write a commented starter plan")
    pi.add_argument("--municipality", required=True, help="kommun or region id, e.g. 0180")
    pi.add_argument("--out", type=Path, default=Path("plan.toml"), help="default plan.toml")
    pi.add_argument("--baseline", type=int, default=2018, help="data year at Benchmarking 1")
    pi.add_argument("--followup", type=int, default=2022, help="data year at the follow-up")
    pi.add_argument("--force", action="store_true", help="overwrite an existing file")
    add_source(pi)
    pl.set_defaults(run=cmd_plan)

    dv = sub.add_parser(
        "deviations", help="the deviation report of a plan (avvikelser, avvikelseanmälan)"
    )
    dv.add_argument("--plan", type=Path, required=True, help="the plan file (TOML)")
    _add_meeting(dv, "a meeting name from the plan (default: the latest)")
    add_out(dv, "report file: .xlsx, .csv, .md or .html", required=True)
    dv.add_argument("--split-by-area", action="store_true", help="also one file per operating area")
    _add_meetings_dir(dv)
    dv.add_argument("--refresh", action="store_true", help="ask Kolada for changes first")
    add_source(dv)
    dv.set_defaults(run=cmd_deviations)

    bl = sub.add_parser(
        "baseline", help="the baseline chart pack for Benchmarking 1 (PNG, SVG, PDF, PPTX)"
    )
    bl.add_argument("--plan", type=Path, required=True, help="the plan file (TOML)")
    bl.add_argument("--out", type=Path, required=True, help="output folder")
    bl.add_argument(
        "--format",
        default="png,pdf,pptx",
        help="comma list of png, svg, pdf, pptx (default png,pdf,pptx)",
    )
    bl.add_argument("--vector-pdf", action="store_true", help=argparse.SUPPRESS)  # always now
    bl.add_argument(
        "--scores", type=Path, help="the checklist score sheet (xlsx or csv): adds its slide"
    )
    bl.add_argument(
        "--meeting",
        help="a later meeting of the plan (e.g. 'Benchmarking 2'): the prioritised KPIs "
        "against their targets, in uppfoljning_<id>_<year>.* (default: the baseline)",
    )
    bl.add_argument(
        "--appendix",
        action="store_true",
        help="also the appendix with every KPI's charts (<stem>_bilaga.pptx/.pdf; slower)",
    )
    bl.add_argument(
        "--force", action="store_true", help="write into a folder of another organisation"
    )
    _add_meetings_dir(bl)
    add_source(bl)
    bl.set_defaults(run=cmd_baseline)


def _add_meeting(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--meeting", "--session", dest="meeting", help=help + " (--session: old name)")


def _add_meetings_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--meetings-dir",
        "--sessions-dir",
        dest="meetings_dir",
        type=Path,
        help="where meeting results are kept (default: next to the plan; --sessions-dir: old name)",
    )


def _meetings_dir(args: argparse.Namespace) -> Any:
    return args.meetings_dir if args.meetings_dir is not None else "default"


def cmd_plan(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.plan_init import starter_plan_for

    out: Path = args.out
    check_new(out, args.lang, force=args.force)
    lang = args.lang
    chosen: list[Any] = []  # the plan's KPIs, said below in the user's language
    text, name = starter_plan_for(
        kolada(args),
        args.municipality,
        baseline=args.baseline,
        followup=args.followup,
        file=out.name,
        announce=chosen.append,
    )
    for kpis in chosen:
        if kpis.left_out:
            line = msg(
                lang,
                "left_out",
                n=len(kpis.left_out),
                total=len(kpis.left_out) + len(kpis.ids),
                name=name,
                where=msg(lang, f"where_{kpis.where or 'cache'}"),
                ids=", ".join(kpis.left_out),
            )
            print(f"koladagap: {msg(lang, 'warning')}: {line}", file=sys.stderr)
    write_atomic(out, text)
    mid = args.municipality.strip()
    print(msg(args.lang, "plan_written", name=name, mid=mid, path=out), file=sys.stderr)
    return EXIT_OK


def cmd_deviations(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.report import check_report_path, write_report

    plan = load_plan(args.plan)
    lang = args.explicit_lang or plan.lang
    out: Path = args.out
    check_report_path(out)  # before the plan is run
    check_new(out, lang, force=args.force)
    res = run_plan(
        plan,
        args.meeting,
        source=kolada(args),
        meetings_dir=_meetings_dir(args),
        refresh=args.refresh,
    )
    from koladagap.render.i18n import level_counts

    print(
        msg(
            lang,
            "deviations_summary",
            org=res.organisation_name,
            mid=plan.organisation,
            session=res.meeting.name,
            year=res.meeting.year,
            counts=level_counts(res.level, lang, short=False),
        )
    )
    if res.baseline_source is not None:
        how = msg(lang, res.baseline_source)
        print(msg(lang, "baseline_note", name=plan.baseline.name, year=plan.baseline.year, how=how))
    for path in write_report(res, out, lang=lang, split_by_area=args.split_by_area):
        print(msg(lang, "wrote", what=path.name, path=path.parent), file=sys.stderr)
    print(msg(lang, "source"))
    return EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.baseline import run_meeting
    from koladagap.benchmarking.plan import load_plan
    from koladagap.checklist import sheet_results
    from koladagap.render.pack import pack_input, parse_formats, write_baseline_pack

    plan = load_plan(args.plan)
    lang = args.explicit_lang or plan.lang
    formats = parse_formats(args.format)
    if args.meeting is not None:
        plan.meeting(args.meeting)  # an unknown meeting fails here, before any work
    checklist = sheet_results(args.scores, lang) if args.scores is not None else None
    claim_folder(args.out, str(plan.organisation), lang, force=args.force)
    step(lang, "step_data")
    step(lang, "step_engine")
    res = run_meeting(plan, args.meeting, source=kolada(args), meetings_dir=_meetings_dir(args))
    step(lang, "step_pack")
    inp = pack_input(res, lang=lang, checklist=checklist)
    files = write_baseline_pack(inp, args.out, formats, appendix=args.appendix)
    print(msg(lang, "pack_written", n=len(files), path=args.out, name=res.organisation_name))
    print(msg(lang, "source"))
    return EXIT_OK
