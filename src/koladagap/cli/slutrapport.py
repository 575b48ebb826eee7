"""``koladagap slutrapport``: the organisation's final report to SKR as a Word document.

::

    koladagap slutrapport --plan plan.toml --scores poang.xlsx --out slutrapport.docx --sample
    koladagap slutrapport --plan plan.toml --network natverk.toml --out slutrapport.docx

The plan is run for its baseline and its latest meeting
(:func:`koladagap.benchmarking.final_report.final_report_data`), the score sheet is
read as ``koladagap checklist report`` reads it, a network file (``--network``) is run
for the plan's latest meeting, and
:func:`koladagap.render.slutrapport.write_final_report` writes the document.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from koladagap.cli.common import EXIT_OK, add_source, kolada, msg, step
from koladagap.errors import InputError


def register(sub: Any) -> None:
    """Add the ``slutrapport`` command to the ``koladagap`` parser."""
    p = sub.add_parser(
        "slutrapport",
        help="the final report to SKR as an editable Word document (.docx)",
        description=(
            "The organisation's final report for the benchmarking programme: the starting "
            "point, what changed by the latest meeting, the checklist's movement and the "
            "model rule, sections for your own text, method and sources."
        ),
    )
    p.add_argument("--plan", type=Path, required=True, help="the plan file (TOML)")
    p.add_argument(
        "--scores", type=Path, help="the checklist score sheet (xlsx or csv) for its section"
    )
    p.add_argument(
        "--network",
        type=Path,
        help="the network file (TOML): adds the network's results for the latest meeting",
    )
    p.add_argument("--out", type=Path, required=True, help="the Word file: FILE.docx")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.add_argument(
        "--meetings-dir",
        dest="meetings_dir",
        type=Path,
        help="where meeting results are kept (default: next to the plan)",
    )
    add_source(p)
    p.set_defaults(run=cmd_slutrapport)


def cmd_slutrapport(args: argparse.Namespace) -> int:
    """Run ``koladagap slutrapport``; return the exit code."""
    from koladagap.benchmarking.final_report import check_in_network, final_report_data
    from koladagap.benchmarking.network import load_network
    from koladagap.benchmarking.plan import load_plan
    from koladagap.checklist import sheet_results
    from koladagap.render.i18n.slutrapport import text
    from koladagap.render.slutrapport import _docx, write_final_report

    lang = args.explicit_lang or "sv"
    out: Path = args.out
    if out.suffix.lower() != ".docx":
        raise InputError(text(lang, "bad_suffix", path=out))
    if out.exists() and not args.force:
        raise InputError(text(lang, "exists", path=out))
    _docx()  # a missing python-docx fails before any work
    plan = load_plan(args.plan)
    network = load_network(args.network) if args.network is not None else None
    if network is not None:
        check_in_network(plan, network)  # before any work
    lang = args.explicit_lang or plan.lang
    checklist = sheet_results(args.scores, lang) if args.scores is not None else None
    step(lang, "step_data")
    step(lang, "step_engine")
    data = final_report_data(
        plan,
        source=kolada(args),
        meetings_dir=args.meetings_dir if args.meetings_dir is not None else "default",
        network=network,
    )
    print(text(lang, "step_write"), file=sys.stderr, flush=True)
    path = write_final_report(data, out, lang=lang, checklist=checklist)
    print(text(lang, "written", name=data.organisation_name, path=path))
    print(msg(lang, "source"))
    return EXIT_OK


__all__ = ["cmd_slutrapport", "register"]
