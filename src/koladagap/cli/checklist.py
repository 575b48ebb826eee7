"""``koladagap checklist``: the self-assessment checklist's template and report.

Two actions, wired into the main command line by :mod:`koladagap.cli`::

    koladagap checklist template --version 2019 --out poang.xlsx
    koladagap checklist report poang.xlsx --out checklista/ [--rule floor=1,atleast=3]

``template`` writes an empty score sheet (xlsx or csv, Swedish headers, one row
per item per meeting); ``report`` reads the filled-in sheet, prints a summary
line per meeting and the readiness line, and writes the tables (xlsx, csv) and
the chart (PNG) to a folder. Bad input raises :class:`~koladagap.errors.InputError`
or :class:`~koladagap.errors.ConfigError`, which the main command line turns
into one line on stderr and exit code 2. The language is the global ``--lang``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from koladagap.errors import InputError
from koladagap.render.i18n.cli import CHECKLIST, message

if TYPE_CHECKING:
    from koladagap.checklist import Checklist

EXIT_OK = 0


def _msg(lang: str, key: str, **kw: Any) -> str:
    return message(lang, key, table=CHECKLIST, **kw)


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``checklist`` command with the actions ``template`` and ``report``."""
    # the shipped versions, without importing koladagap.checklist (and pandas) at start-up
    from importlib.resources import files

    editions = files("koladagap").joinpath("checklist").joinpath("editions")
    VERSIONS = tuple(sorted(p.name[:-5] for p in editions.iterdir() if p.name.endswith(".toml")))

    p = sub.add_parser(
        "checklist",
        help="the self-assessment checklist (självskattning): template and report",
        description=(
            "SKR's checklist for gender mainstreaming, scored before each meeting: an empty "
            "score sheet to fill in, and a report of the movement between meetings and "
            "whether the readiness rule is met."
        ),
    )
    actions = p.add_subparsers(dest="checklist_command", required=True, metavar="ACTION")

    t = actions.add_parser("template", help="write an empty score sheet (xlsx or csv)")
    src = t.add_mutually_exclusive_group()
    src.add_argument(
        "--version",
        dest="checklist_version",
        choices=VERSIONS,
        default=None,
        help="the checklist version (default 2024)",
    )
    src.add_argument(
        "--checklist", type=Path, help="your own item wording (TOML, CSV or xlsx) instead"
    )
    t.add_argument("--scale", help="with --checklist, when the file states no scale: e.g. 1-4")
    t.add_argument(
        "--sessions",
        help="meeting names, comma separated (default: Uppstart, Benchmarking 1, "
        "Benchmarking 2, Benchmarking 3, Resultatkonferens)",
    )
    t.add_argument("--out", type=Path, required=True, help="the sheet: FILE.xlsx or FILE.csv")
    t.add_argument("--force", action="store_true", help="overwrite an existing file")

    r = actions.add_parser("report", help="summary, movement, readiness, table and chart")
    r.add_argument("scores", type=Path, help="the filled-in score sheet (xlsx or csv)")
    r.add_argument("--out", type=Path, required=True, help="output folder")
    r.add_argument(
        "--rule",
        help="the readiness rule as key=value pairs: floor (no item at or below), atleast "
        "(more than half at or above), share (default 0.5), all_scored (yes/no); "
        "e.g. floor=1,atleast=3",
    )
    r.add_argument("--checklist", type=Path, help="your own item wording (TOML, CSV or xlsx)")
    r.add_argument("--scale", help="with --checklist, when the file states no scale: e.g. 1-4")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run ``checklist template`` or ``checklist report``; return the exit code."""
    lang = getattr(args, "lang", None) or "sv"
    if args.checklist_command == "template":
        return _template(args, lang)
    return _report(args, lang)


def _user_checklist(args: argparse.Namespace, lang: str) -> Checklist | None:
    from koladagap.checklist import load_checklist, parse_scale

    if getattr(args, "checklist", None) is None:
        if getattr(args, "scale", None):
            raise InputError("--scale goes with --checklist")
        return None
    scale = parse_scale(args.scale) if args.scale else None
    return load_checklist(args.checklist, scale=scale, lang=lang)


def _template(args: argparse.Namespace, lang: str) -> int:
    from koladagap.checklist import DEFAULT_SESSIONS, get_checklist, write_template

    checklist = _user_checklist(args, lang) or get_checklist(args.checklist_version or "2024")
    sessions = (
        [s.strip() for s in args.sessions.split(",")] if args.sessions else list(DEFAULT_SESSIONS)
    )
    path = write_template(checklist, args.out, sessions=sessions, lang=lang, overwrite=args.force)
    n_items = len(checklist.items)
    print(
        _msg(
            lang,
            "template_written",
            title=_lower_first(checklist.title(lang)) if lang == "sv" else checklist.title(lang),
            n_items=n_items,
            items=checklist.item_word(lang, plural=True),
            n_sessions=len(sessions),
            n_rows=n_items * len(sessions),
            path=path,
        ),
        file=sys.stderr,
    )
    return EXIT_OK


def _report(args: argparse.Namespace, lang: str) -> int:
    from koladagap.checklist import checklist_results, parse_rule, read_scores
    from koladagap.render.checklist import (
        readiness_lines,
        summary_lines,
        write_checklist_report,
    )

    scores = read_scores(args.scores, _user_checklist(args, lang), lang=lang)
    if not scores.sessions:
        raise InputError(_msg(lang, "no_scores", path=args.scores))
    rule = parse_rule(args.rule, scores.checklist) if args.rule else None
    result = checklist_results(scores, rule)
    for line in summary_lines(result, lang) + readiness_lines(result, lang):
        print(line)
    files = write_checklist_report(result, args.out, lang=lang)
    for f in files:
        print(_msg(lang, "wrote", name=f.name, folder=f.parent), file=sys.stderr)
    print(_msg(lang, "source"))
    return EXIT_OK


__all__ = ["register", "run"]
