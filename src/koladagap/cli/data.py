"""The data commands: ``search``, ``areas``, ``fetch``, ``gaps``, ``screen`` and ``cache``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from koladagap.cli.common import (
    EXIT_OK,
    add_out,
    add_selection,
    add_source,
    check_out,
    kolada,
    msg,
    no_data,
    step,
    write_table,
)
from koladagap.labels import ATTRIBUTION, ATTRIBUTION_PROCESSED

SEARCH_COLUMNS = ["id", "title", "is_divided_by_gender", "municipality_type", "operating_area"]


def register(sub: Any) -> None:
    """Add the data commands to the ``koladagap`` parser."""
    s = sub.add_parser("search", help="search KPIs by words in id, title or description")
    s.add_argument(
        "text", nargs="*", help="words that must all occur (title hits first), or KPI ids"
    )
    s.add_argument("--gender-split", action="store_true", help="only KPIs divided by gender")
    s.add_argument("--area", help="an operating area, or part of its name (see: koladagap areas)")
    s.add_argument("--perspective", help="e.g. 'Kvalitet och resultat', Resurser, Volymer")
    s.add_argument(
        "--municipality-type",
        choices=("K", "L", "A"),
        help="K: KPIs for kommuner, L: for regioner (both with A), A: for all",
    )
    s.add_argument("--has-ou-data", action="store_true", help="only KPIs with values per unit (OU)")
    s.add_argument("--since", help="only KPIs published on or after a date, YYYY-MM-DD")
    add_out(s, "write to FILE.csv or FILE.parquet")
    add_source(s)
    s.set_defaults(run=cmd_search)

    a = sub.add_parser("areas", help="Kolada's operating areas and how many KPIs each has")
    add_out(a, "write to FILE.csv or FILE.parquet")
    add_source(a)
    a.set_defaults(run=cmd_areas)

    f = sub.add_parser("fetch", help="fetch values as a tidy table (cached)")
    add_selection(f)
    f.add_argument(
        "--refresh", action="store_true", help="ask Kolada what changed since the last fetch"
    )
    f.add_argument("--dry-run", action="store_true", help="print the request URLs, send nothing")
    f.add_argument(
        "--join",
        action="store_true",
        help="add KPI title, unit, operating area and municipality name, type, county",
    )
    add_source(f)
    f.set_defaults(run=cmd_fetch)

    g = sub.add_parser("gaps", help="gap table: women, men, total, gap, ratio, status")
    add_selection(g)
    g.add_argument(
        "--refresh", action="store_true", help="ask Kolada what changed since the last fetch"
    )
    add_source(g)
    g.set_defaults(run=cmd_gaps)

    sc = sub.add_parser(
        "screen", help="national screen: every kommun (or region) judged at the last year"
    )
    sc.add_argument("--kpi", required=True, help="KPI ids, comma separated (e.g. N15428,N00906)")
    sc.add_argument(
        "--years", required=True, help="FIRST-LAST, e.g. 2016-2022: the last year is judged"
    )
    sc.add_argument("--type", choices=("kommun", "region"), default="kommun", dest="mtype")
    sc.add_argument("--plan", type=Path, help="a plan file for its [kpis.ID] rules and thresholds")
    add_out(sc, "write to FILE.csv or FILE.parquet")
    add_source(sc)
    sc.set_defaults(run=cmd_screen)

    c = sub.add_parser("cache", help="where the cache is, what it holds, clear it")
    c.add_argument("action", choices=("path", "info", "clear"))
    c.add_argument("--kpi", help="with clear: only these KPIs")
    c.add_argument("--cache-dir", help="cache folder")
    c.set_defaults(run=cmd_cache)


def cmd_search(args: argparse.Namespace) -> int:
    from koladagap.errors import InputError

    filters = {
        "gender_split": True if args.gender_split else None,
        "area": args.area,
        "perspective": args.perspective,
        "municipality_type": args.municipality_type,
        "has_ou_data": True if args.has_ou_data else None,
        "since": args.since,
    }
    q = " ".join(args.text)
    if not q and all(v is None for v in filters.values()):
        raise InputError(
            "give words to search for (e.g. koladagap search sjukpenningtal) or a filter: "
            "--area, --perspective, --municipality-type, --gender-split, --has-ou-data, --since"
        )
    check_out(args.out)
    hits = kolada(args).kpis(q or None, **filters)
    if hits.empty:
        print(msg(args.lang, "no_hits", q=q or "–"), file=sys.stderr)
        return EXIT_OK
    cols = SEARCH_COLUMNS + (["match"] if q else [])
    write_table(hits[cols], args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force)
    return EXIT_OK


def cmd_areas(args: argparse.Namespace) -> int:
    check_out(args.out)
    write_table(
        kolada(args).areas(), args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force
    )
    return EXIT_OK


def _fetching(args: argparse.Namespace) -> None:
    """A progress line before asking Kolada, for a person watching (a terminal, online)."""
    if not (args.offline or args.sample) and sys.stderr.isatty():
        step(args.lang, "step_data")


def cmd_fetch(args: argparse.Namespace) -> int:
    check_out(args.out)
    kg = kolada(args)
    if args.dry_run:
        for url in kg.dry_run(args.kpi, args.municipality, args.years):
            print(url)
        return EXIT_OK
    _fetching(args)
    df = kg.values(args.kpi, args.municipality, args.years, refresh=args.refresh, strict=True)
    if df.empty:
        return no_data(args.lang, args.kpi, args.municipality, args.years)
    if args.join:
        from koladagap.benchmarking.explore import joined

        df = joined(df, kg)
    write_table(df, args.out, args.lang, sys.stdout, source=ATTRIBUTION, force=args.force)
    return EXIT_OK


def cmd_gaps(args: argparse.Namespace) -> int:
    check_out(args.out)
    kg = kolada(args)
    _fetching(args)
    g = kg.gaps(args.kpi, args.municipality, args.years, refresh=args.refresh, strict=True)
    if g.empty:
        return no_data(args.lang, args.kpi, args.municipality, args.years)
    write_table(g, args.out, args.lang, sys.stdout, source=ATTRIBUTION_PROCESSED, force=args.force)
    return EXIT_OK


def cmd_screen(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.data import screen

    check_out(args.out)
    _fetching(args)
    res = screen(
        args.kpi,
        args.years,
        municipality_type=args.mtype,
        plan=str(args.plan) if args.plan else None,
        source=kolada(args),
    )
    if res.empty:
        return no_data(args.lang, args.kpi, f"all_{args.mtype}", args.years)
    write_table(
        res, args.out, args.lang, sys.stdout, source=ATTRIBUTION_PROCESSED, force=args.force
    )
    return EXIT_OK


def cmd_cache(args: argparse.Namespace) -> int:
    from koladagap.kolada.cache import Cache
    from koladagap.kolada.schema import parse_ids

    cache = Cache(args.cache_dir)
    if args.action == "path":
        print(cache.path)
    elif args.action == "info":
        info = cache.info()
        if info.empty:
            print(msg(args.lang, "cache_empty", path=cache.path), file=sys.stderr)
        else:
            write_table(info, None, args.lang, sys.stdout)
    else:
        kpis = parse_ids(args.kpi, "kpi") if args.kpi else None
        n = cache.clear(kpis)
        print(msg(args.lang, "cache_cleared", n=n, path=cache.path), file=sys.stderr)
    return EXIT_OK
