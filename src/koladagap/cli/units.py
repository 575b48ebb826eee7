"""``koladagap units``: gaps per organisational unit, and Kolada's units themselves.

Without an ACTION the command computes the gaps of a municipality's units of one
type; ``units search TEXT`` finds units by name, ``units show ID…`` looks units
up by id, ``units types`` lists the unit types of Kolada's real units, and
``units values ID…`` gives units' values joined with their names.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from koladagap._files import atomic_path
from koladagap.cli.common import EXIT_OK, add_out, add_source, check_out, kolada, msg, write_table
from koladagap.errors import InputError
from koladagap.labels import ATTRIBUTION, ATTRIBUTION_PROCESSED

ACTIONS = ("search", "show", "types", "values")
"""What ``koladagap units ACTION`` does besides the gaps (no ACTION)."""

UNIT_COLUMNS = ["id", "title", "type", "type_label", "municipality", "municipality_title"]
"""The columns ``units search`` and ``units show`` print."""


def register(sub: Any) -> None:
    """Add ``units`` (with its optional ACTION) to the ``koladagap`` parser."""
    un = sub.add_parser(
        "units", help="gaps per organisational unit; search, show, list types of units"
    )
    un.add_argument(
        "action",
        nargs="?",
        choices=ACTIONS,
        metavar="ACTION",
        help="search: units by name; show: units by id; types: the unit types; "
        "values: units' values with names (default: the gaps per unit)",
    )
    un.add_argument(
        "text", nargs="*", metavar="TEXT", help="search: words of the name; show, values: unit ids"
    )
    un.add_argument("--municipality", help="municipality id, e.g. 0180 (required for the gaps)")
    un.add_argument("--type", help="unit type, e.g. V15 (see: koladagap units types)")
    un.add_argument("--kpi", help="KPI ids, comma separated (e.g. N15428)")
    un.add_argument("--years", help="years to read, e.g. 2018-2022 (the last is evaluated)")
    add_out(un, "table to FILE.csv or FILE.parquet")
    un.add_argument("--chart", type=Path, help="a chart per KPI: FILE.png (KPI id added if >1)")
    add_source(un)
    un.set_defaults(run=cmd_units)


def cmd_units(args: argparse.Namespace) -> int:
    """Run ``koladagap units`` (the gaps) or one of its ACTIONs."""
    if args.sample:  # before anything else: the sample has municipality data only
        raise InputError(msg(args.lang, "units_sample"))
    action = args.action
    if action is None and args.text:
        raise InputError(
            f"unexpected words {' '.join(args.text)!r}: give an ACTION first "
            f"({', '.join(ACTIONS)}), e.g. koladagap units search {args.text[0]}"
        )
    if args.chart is not None and action is not None:
        raise InputError(
            f"--chart belongs to the gaps per unit (koladagap units without ACTION), "
            f"not to units {action}"
        )
    if action is None:
        return _gaps(args)
    check_out(args.out)
    return {"search": _search, "show": _show, "types": _types, "values": _values}[action](args)


def _need(args: argparse.Namespace, *names: str) -> None:
    """A one-line error naming the options that are missing."""
    missing = [f"--{n}" for n in names if getattr(args, n) in (None, "")]
    if missing:
        what = f"units {args.action}" if args.action else "units (the gaps per unit)"
        raise InputError(
            f"koladagap {what} needs {', '.join(missing)}, e.g. --municipality 0180 "
            "--type V15 --kpi N15428 --years 2018-2022"
        )


def _search(args: argparse.Namespace) -> int:
    q = " ".join(args.text)
    if not q and not args.municipality:
        raise InputError(
            "give words of a unit's name (e.g. koladagap units search Ekbacken) "
            "or --municipality ID to list its units"
        )
    hits = kolada(args).units(q or None, municipality=args.municipality, kind=args.type)
    if hits.empty:
        print(msg(args.lang, "no_hits", q=q or args.municipality), file=sys.stderr)
        return EXIT_OK
    write_table(
        hits[UNIT_COLUMNS], args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force
    )
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    if not args.text:
        raise InputError("give unit ids, e.g. koladagap units show V15E018000201")
    found = kolada(args).units(args.text)
    write_table(
        found[UNIT_COLUMNS], args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force
    )
    return EXIT_OK


def _types(args: argparse.Namespace) -> int:
    from koladagap.render.units import unit_types_table

    types = unit_types_table(kolada(args).unit_types(args.municipality), args.lang)
    write_table(types, args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force)
    return EXIT_OK


def _values(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.units import list_units, unit_values

    _need(args, "kpi")
    kg = kolada(args)
    if args.text:
        ids = args.text
    elif args.municipality:
        ids = list_units(kg, args.municipality, args.type)["id"].astype(str).tolist()
    else:
        raise InputError(
            "give unit ids (e.g. koladagap units values V15E018000201 --kpi N15428) "
            "or --municipality ID [--type TYPE]"
        )
    df = unit_values(kg, args.kpi, ids, args.years, join=True)
    if df.empty:
        print(msg(args.lang, "no_hits", q=args.kpi), file=sys.stderr)
        return EXIT_OK
    write_table(df, args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force)
    return EXIT_OK


def _gaps(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.units import unit_gaps
    from koladagap.kolada.schema import parse_ids, parse_years
    from koladagap.render.units import plot_unit_gaps, unit_summary, unit_table

    lang = args.lang
    _need(args, "municipality", "type", "kpi", "years")
    years = parse_years(args.years)
    if not years:
        raise InputError("give --years, e.g. 2018-2022")
    kpis = parse_ids(args.kpi, "kpi")
    ug = unit_gaps(
        kolada(args), args.municipality, kpis, years[-1], kind=args.type, first_year=years[0]
    )
    for line in unit_summary(ug, kpis, lang):
        print(line)
    if args.out is not None:
        write_table(
            unit_table(ug, lang),
            args.out,
            lang,
            sys.stdout,
            source=ATTRIBUTION_PROCESSED,
            force=args.force,
        )
    if args.chart is not None:
        import matplotlib.pyplot as plt

        for kpi in kpis:
            path = (
                args.chart if len(kpis) == 1 else args.chart.with_stem(f"{args.chart.stem}-{kpi}")
            )
            ax = plot_unit_gaps(ug, kpi, lang=lang)
            fig = ax.get_figure(root=True)
            assert fig is not None
            with atomic_path(path) as tmp:
                fig.savefig(tmp, dpi=150, format="png")
            plt.close(fig)
            print(msg(lang, "wrote", what=path.name, path=path.parent), file=sys.stderr)
    print(msg(lang, "source"))
    return EXIT_OK
