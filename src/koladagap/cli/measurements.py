"""``koladagap measurements``: the import template and a check of own measurements.

Wire into :mod:`koladagap.cli` with :func:`register` (adds the sub-command to
the main parser's sub-parsers) and :func:`run` (the command function)::

    koladagap measurements template --out egna_matningar.xlsx   # or .csv
    koladagap measurements check egna_matningar.xlsx

``check`` validates the file (a bad cell fails with one line naming the file,
sheet, row and column, exit code 2 through the main CLI's error handling) and
prints a short summary in Swedish (``--lang en``: English).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import pandas as pd

from koladagap.errors import InputError
from koladagap.render.i18n.cli import MEASUREMENTS, message

if TYPE_CHECKING:  # the measurements code loads when the command runs, not at start-up
    from koladagap.benchmarking.measurements import Measurements


def _msg(lang: str, key: str, **kw: Any) -> str:
    return message(lang, key, table=MEASUREMENTS, **kw)


def register(sub: Any) -> argparse.ArgumentParser:
    """Add ``measurements template`` and ``measurements check`` to the CLI's sub-parsers.

    Args:
        sub: what ``parser.add_subparsers(...)`` returned.

    Returns:
        The ``measurements`` parser.
    """
    p: argparse.ArgumentParser = sub.add_parser(
        "measurements", help="own measurements (egna mätningar): import template and check"
    )
    msub = p.add_subparsers(dest="measurements_command", required=True, metavar="ACTION")
    t = msub.add_parser("template", help="write an import template (.xlsx or .csv)")
    t.add_argument(
        "--out",
        type=Path,
        default=Path("egna_matningar.xlsx"),
        help="template file, .xlsx or .csv (default egna_matningar.xlsx)",
    )
    t.add_argument("--force", action="store_true", help="overwrite an existing file")
    c = msub.add_parser("check", help="validate a measurements file and summarise it")
    c.add_argument("file", type=Path, help="the .xlsx or .csv file")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace, stdout: TextIO | None = None) -> int:
    """Run ``koladagap measurements …``; return the exit code (0).

    Errors (:class:`~koladagap.errors.ConfigError`, :class:`~koladagap.errors.InputError`)
    propagate to the main CLI, which prints them on one line with exit code 2.
    """
    from koladagap.benchmarking.measurements import measurements_template, read_measurements

    out = stdout or sys.stdout
    lang = getattr(args, "lang", None) or "sv"
    if args.measurements_command == "template":
        path = Path(args.out)
        if path.is_dir() or ((path.exists() or path.is_symlink()) and not args.force):
            raise InputError(_msg(lang, "exists", path=path))
        measurements_template(path, lang=lang)
        print(_msg(lang, "template", path=path), file=sys.stderr)
        return 0
    m = read_measurements(args.file)
    for line in summary_lines(m, lang, str(args.file)):
        print(line, file=out)
    return 0


def _years(years: list[int]) -> str:
    if not years:
        return "–"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 1:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def _span(first: Any, last: Any) -> str:
    if pd.isna(first):
        return "–"
    return str(first) if first == last else f"{first}–{last}"


def summary_lines(m: Measurements, lang: str = "sv", path: str = "") -> list[str]:
    """The summary ``check`` prints: totals, one line per own KPI, counts, reference, source."""
    lines = [
        _msg(
            lang,
            "summary",
            path=path or (m.paths[0] if m.paths else ""),
            n_kpis=len(m.ids),
            n_values=m.n_values,
            years=_years(m.years),
            orgs=", ".join(m.organisations),
        )
    ]
    cat = m.kpis.set_index("id")
    cover = m.coverage
    for k, rule in m.rules.items():
        lines.append(
            _msg(
                lang,
                "kpi_line",
                id=k,
                title=cat.at[k, "title"],
                unit=cat.at[k, "unit"],
                kind=rule.kind,
                direction=rule.direction,
                n=cover.at[k, "n_values"],
                years=_span(cover.at[k, "first_year"], cover.at[k, "last_year"]),
            )
        )
    counted = m.with_counts
    lines.append(
        _msg(lang, "counts", ids=", ".join(counted)) if counted else _msg(lang, "no_counts")
    )
    lines.append(_msg(lang, "reference"))
    from koladagap.benchmarking.measurements import SOURCE

    lines.append(SOURCE)
    return lines


__all__ = ["register", "run", "summary_lines"]
