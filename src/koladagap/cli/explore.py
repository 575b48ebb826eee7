"""Exploring Kolada: ``available``, ``rank`` and ``status``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from koladagap.cli.common import (
    EXIT_EMPTY,
    EXIT_OK,
    add_out,
    add_source,
    check_out,
    kolada,
    no_data,
    write_table,
)
from koladagap.errors import TransportError
from koladagap.labels import ATTRIBUTION_PROCESSED
from koladagap.render.i18n.cli import EXPLORE, message


def _m(lang: str, key: str, **kw: Any) -> str:
    return message(lang, key, table=EXPLORE, **kw)


def register(sub: Any) -> None:
    """Add ``available``, ``rank`` and ``status`` to the ``koladagap`` parser."""
    a = sub.add_parser("available", help="the KPIs with values for a municipality, and years")
    a.add_argument("--municipality", required=True, help="one kommun, region or Riket id")
    a.add_argument("--years", help="only these years, e.g. 2015-2022 (default: all)")
    add_out(a, "write to FILE.csv or FILE.parquet")
    add_source(a)
    a.set_defaults(run=cmd_available)

    r = sub.add_parser("rank", help="every kommun (or region) ranked on one KPI in one year")
    r.add_argument("--kpi", required=True, help="one KPI id, e.g. N15428")
    r.add_argument("--year", required=True, help="one year, e.g. 2022")
    r.add_argument(
        "--gender",
        type=lambda g: g.lower() if g.lower() == "gap" else g.upper(),
        choices=("T", "K", "M", "gap"),
        default="T",
        help="rank on total (T), women (K), men (M) or the gap's size (gap); default T",
    )
    r.add_argument(
        "--kind",
        type=str.upper,
        choices=("K", "L"),
        default="K",
        help="K kommuner (default) or L regions",
    )
    r.add_argument("--ascending", action="store_true", help="lowest (or smallest gap) first")
    add_out(r, "write to FILE.csv or FILE.parquet")
    add_source(r)
    r.set_defaults(run=cmd_rank)

    s = sub.add_parser("status", help="does Kolada answer, how fast; what the cache holds")
    s.add_argument(
        "--api-url", help="Kolada API root (default: $KOLADA_API_URL or https://api.kolada.se/v3)"
    )
    s.add_argument(
        "--cache-dir", help="cache folder (default: $KOLADAGAP_CACHE_DIR or the user cache dir)"
    )
    s.set_defaults(run=cmd_status)


def _where(args: argparse.Namespace) -> str:
    if getattr(args, "sample", False):
        return _m(args.lang, "available_sample")
    if getattr(args, "offline", False):
        return _m(args.lang, "available_offline")
    return ""


def cmd_available(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.explore import available
    from koladagap.kolada.schema import parse_ids

    check_out(args.out)
    kg = kolada(args)
    table = available(args.municipality, args.years, source=kg)
    mid = parse_ids(args.municipality, "municipality")[0]
    name = kg.municipality_name(mid)
    if table.empty:
        print(
            _m(args.lang, "available_none", mid=mid, name=name, where=_where(args)), file=sys.stderr
        )
        return EXIT_EMPTY
    write_table(
        table, args.out, args.lang, sys.stdout, source=ATTRIBUTION_PROCESSED, force=args.force
    )
    line = _m(args.lang, "available", mid=mid, name=name, n=len(table), where=_where(args))
    print(line, file=sys.stderr)
    return EXIT_OK


def cmd_rank(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.explore import RANK_KINDS, rank

    check_out(args.out)
    table = rank(
        args.kpi,
        args.year,
        gender=args.gender,
        kind=args.kind,
        ascending=args.ascending,
        source=kolada(args),
    )
    kind = RANK_KINDS[args.kind]
    ranked = int(table["rank"].notna().sum())
    if ranked == 0:
        return no_data(args.lang, args.kpi, f"all_{kind}", args.year)
    write_table(
        table, args.out, args.lang, sys.stdout, source=ATTRIBUTION_PROCESSED, force=args.force
    )
    key = "gender_gap_asc" if args.gender == "gap" and args.ascending else f"gender_{args.gender}"
    left = len(table) - ranked
    missing = _m(args.lang, "ranked_missing", m=left) if left else ""
    line = _m(
        args.lang,
        "ranked",
        kpi=args.kpi,
        year=args.year,
        what=_m(args.lang, key),
        n=ranked,
        total=len(table),
        kind=_m(args.lang, kind),
        missing=missing,
    )
    print(line, file=sys.stderr)
    return EXIT_OK


def _size(n: int, lang: str) -> str:
    """Bytes for a reader: ``137,6 kB``, ``2,3 MB``."""
    from koladagap.render.i18n import format_number

    units = ("B", "kB", "MB", "GB", "TB")
    x, i = float(n), 0
    while x >= 1000 and i < len(units) - 1:
        x, i = x / 1000, i + 1
    return f"{format_number(x, lang, decimals=0 if i == 0 else 1)} {units[i]}"


def cmd_status(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.explore import status
    from koladagap.render.i18n import format_number

    lang = args.lang
    st = status(kolada(args))
    if st.reachable:
        ms = format_number(st.ms, lang, decimals=0)
        print(_m(lang, "status_ok", ms=ms, url=st.api_url))
    else:
        print(_m(lang, "status_down", url=st.api_url))
    if st.cache_problem:
        what = _m(lang, "cache_unreadable", problem=st.cache_problem)
    elif st.kpis or st.files:
        when = st.last_fetched.strftime("%Y-%m-%d %H:%M UTC") if st.last_fetched else "–"
        what = _m(
            lang,
            "cache_holds",
            kpis=st.kpis,
            files=st.files,
            size=_size(st.bytes, lang),
            when=when,
        )
        if st.corrupt:
            what += _m(lang, "cache_corrupt", n=st.corrupt)
    else:
        what = _m(lang, "status_cache_empty")
    print(_m(lang, "cache", path=st.cache_path, what=what))
    sys.stdout.flush()
    if st.reachable is False:
        raise TransportError(_m(lang, "down", reason=st.reason), url=st.probe_url)
    return EXIT_OK
