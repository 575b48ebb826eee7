"""``koladagap units``: gaps per organisational unit (schools, care units …)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from koladagap._files import atomic_path
from koladagap.cli.common import EXIT_OK, add_source, kolada, msg, write_table
from koladagap.errors import InputError
from koladagap.labels import ATTRIBUTION_PROCESSED


def register(sub: Any) -> None:
    """Add ``units`` to the ``koladagap`` parser."""
    un = sub.add_parser("units", help="gaps per organisational unit (schools, care units …)")
    un.add_argument("--municipality", required=True, help="municipality id, e.g. 0180")
    un.add_argument("--type", required=True, help="unit type: V11, V15, V17, V21, V23 …")
    un.add_argument("--kpi", required=True, help="KPI ids, comma separated (e.g. N15428)")
    un.add_argument(
        "--years", required=True, help="years to read, e.g. 2018-2022 (the last is evaluated)"
    )
    un.add_argument("--out", type=Path, help="table to FILE.csv or FILE.parquet")
    un.add_argument("--chart", type=Path, help="a chart per KPI: FILE.png (KPI id added if >1)")
    add_source(un)
    un.set_defaults(run=cmd_units)


def cmd_units(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.units import unit_gaps
    from koladagap.kolada.schema import parse_ids, parse_years
    from koladagap.render.units import plot_unit_gaps, unit_summary, unit_table

    lang = args.lang
    if args.sample:  # before anything else: the sample has municipality data only
        raise InputError(msg(lang, "units_sample"))
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
        write_table(unit_table(ug, lang), args.out, lang, sys.stdout, source=ATTRIBUTION_PROCESSED)
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
