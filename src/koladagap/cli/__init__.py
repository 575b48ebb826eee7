"""The ``koladagap`` command line: a thin argparse shell over the library.

Exit codes: 0 success; 2 bad input (unknown ids, impossible years, malformed
ranges or files); 3 Kolada could not be reached or answered wrongly; 4 a cache
problem (including ``--offline`` when the cache lacks data). Errors are one
line on stderr; results go to stdout or ``--out``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from koladagap._version import __version__
from koladagap.errors import APIError, CacheError, InputError, KoladaGapError

EXIT_OK, EXIT_INPUT, EXIT_API, EXIT_CACHE = 0, 2, 3, 4

MESSAGES: dict[str, dict[str, str]] = {
    "sv": {
        "error": "fel",
        "warning": "varning",
        "rows": "{n} rader",
        "more_rows": "… {n} rader till; skriv till fil med --out",
        "wrote": "Skrev {what} till {path}",
        "no_hits": "Inga träffar för {q!r}.",
        "cache_cleared": "Tömde cachen {path} på {n} nyckeltal",
        "cache_empty": "Cachen {path} är tom.",
        "demo_title": "koladagap demo – {name} ({mid}), data till och med {year}",
        "demo_offline": "Körs offline på det medföljande urvalet (Källa: Kolada).",
        "demo_gap_head": "Könsskillnader {year} (kvinnor − män; egen bearbetning):",
        "demo_why": "Varför avvikelserna flaggas:",
        "not_computable": "kan ej beräknas",
        "done": "Klart. Öppna {path}",
        "source": "Källa: Kolada; egen bearbetning",
        "pack_written": "Skrev baspaketet för {name}: {n} filer i {path}",
        "deviations_summary": (
            "{org} ({mid}), {session} (data för {year}): {act} åtgärda, {watch} bevaka, "
            "{info} känt mönster, {none} ingen påtaglig skillnad, {other} kan ej bedömas."
        ),
        "baseline_note": "Jämfört med {name} ({year}; {how}).",
        "stored": "sparad baslinje",
        "computed": "baslinjen beräknad nu och sparad",
        "plan_exists": (
            "{path} finns redan; välj ett annat namn med --out eller skriv över med --force"
        ),
        "plan_written": (
            "Skrev en startplan för {name} ({mid}) till {path}. Redigera den och kör: "
            "koladagap deviations --plan {path} --out avvikelser.xlsx"
        ),
    },
    "en": {
        "error": "error",
        "warning": "warning",
        "rows": "{n} rows",
        "more_rows": "… {n} more rows; write them to a file with --out",
        "wrote": "Wrote {what} to {path}",
        "no_hits": "No matches for {q!r}.",
        "cache_cleared": "Removed {n} KPIs from the cache {path}",
        "cache_empty": "The cache {path} is empty.",
        "demo_title": "koladagap demo – {name} ({mid}), data up to {year}",
        "demo_offline": "Running offline on the shipped sample (Source: Kolada).",
        "demo_gap_head": "Gender gaps {year} (women − men; own processing):",
        "demo_why": "Why the deviations are flagged:",
        "not_computable": "cannot be computed",
        "done": "Done. Open {path}",
        "source": "Källa: Kolada; egen bearbetning",
        "pack_written": "Wrote the baseline pack for {name}: {n} files in {path}",
        "deviations_summary": (
            "{org} ({mid}), {session} (data for {year}): {act} act, {watch} watch, "
            "{info} known pattern, {none} no notable gap, {other} cannot be assessed."
        ),
        "baseline_note": "Compared with {name} ({year}; {how}).",
        "stored": "stored baseline",
        "computed": "baseline computed now and stored",
        "plan_exists": "{path} exists; choose another name with --out or overwrite with --force",
        "plan_written": (
            "Wrote a starter plan for {name} ({mid}) to {path}. Edit it, then run: "
            "koladagap deviations --plan {path} --out deviations.xlsx"
        ),
    },
}


def _msg(lang: str, key: str, **kw: Any) -> str:
    return MESSAGES.get(lang, MESSAGES["sv"])[key].format(**kw)


# --- argument parsing ---------------------------------------------------------


def _add_source(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("data source")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--offline", action="store_true", help="answer from the cache only")
    x.add_argument(
        "--sample",
        action="store_true",
        help="answer from the real-data sample shipped with koladagap",
    )
    g.add_argument(
        "--api-url", help="Kolada API root (default: $KOLADA_API_URL or https://api.kolada.se/v3)"
    )
    g.add_argument(
        "--cache-dir", help="cache folder (default: $KOLADAGAP_CACHE_DIR or the user cache dir)"
    )
    g.add_argument("--max-workers", type=int, help="requests in flight at once (default 4)")
    g.add_argument("--rate", type=float, help="at most this many requests per second (default 10)")


def _add_selection(p: argparse.ArgumentParser, municipality_required: bool = False) -> None:
    p.add_argument("--kpi", required=True, help="KPI ids, comma separated (e.g. N00906,N15428)")
    p.add_argument(
        "--municipality",
        required=municipality_required,
        help="municipality ids with leading zeros (e.g. 0180,1280); default: all",
    )
    p.add_argument("--years", help="a year, a range or a list: 2022, 2015-2022, 2018,2022")
    p.add_argument("--out", type=Path, help="write to FILE.csv or FILE.parquet instead of stdout")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="koladagap",
        description="Gender-gap evidence from Kolada's key figures (Källa: Kolada).",
    )
    p.add_argument("--version", action="version", version=f"koladagap {__version__}")
    p.add_argument(
        "--lang",
        choices=("sv", "en"),
        default=None,
        help="language of results (default sv, or the plan's report.lang)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log what is done")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("search", help="search KPIs by words in id or title")
    s.add_argument("text", nargs="+", help="words that must all occur")
    s.add_argument("--gender-split", action="store_true", help="only KPIs divided by gender")
    s.add_argument("--out", type=Path, help="write to FILE.csv or FILE.parquet")
    _add_source(s)

    f = sub.add_parser("fetch", help="fetch values as a tidy table (cached)")
    _add_selection(f)
    f.add_argument(
        "--refresh", action="store_true", help="ask Kolada what changed since the last fetch"
    )
    f.add_argument("--dry-run", action="store_true", help="print the request URLs, send nothing")
    _add_source(f)

    g = sub.add_parser("gaps", help="gap table: women, men, total, gap, ratio, status")
    _add_selection(g)
    g.add_argument(
        "--refresh", action="store_true", help="ask Kolada what changed since the last fetch"
    )
    _add_source(g)

    sc = sub.add_parser(
        "screen", help="national screen: every kommun (or region) judged at the last year"
    )
    sc.add_argument("--kpi", required=True, help="KPI ids, comma separated (e.g. N15428,N00906)")
    sc.add_argument(
        "--years", required=True, help="FIRST-LAST, e.g. 2016-2022: the last year is judged"
    )
    sc.add_argument("--type", choices=("kommun", "region"), default="kommun", dest="mtype")
    sc.add_argument("--plan", type=Path, help="a plan file for its [kpis.ID] rules and thresholds")
    sc.add_argument("--out", type=Path, help="write to FILE.csv or FILE.parquet")
    _add_source(sc)

    c = sub.add_parser("cache", help="where the cache is, what it holds, clear it")
    c.add_argument("action", choices=("path", "info", "clear"))
    c.add_argument("--kpi", help="with clear: only these KPIs")
    c.add_argument("--cache-dir", help="cache folder")

    pl = sub.add_parser("plan", help="plan files (organisation, KPIs, sessions, thresholds)")
    plsub = pl.add_subparsers(dest="plan_command", required=True, metavar="ACTION")
    pi = plsub.add_parser("init", help="write a commented starter plan")
    pi.add_argument("--municipality", required=True, help="kommun or region id, e.g. 0180")
    pi.add_argument("--out", type=Path, default=Path("plan.toml"), help="default plan.toml")
    pi.add_argument("--baseline", type=int, default=2018, help="data year at Benchmarking 1")
    pi.add_argument("--followup", type=int, default=2022, help="data year at the follow-up")
    pi.add_argument("--force", action="store_true", help="overwrite an existing file")
    _add_source(pi)

    dv = sub.add_parser(
        "deviations", help="the deviation report of a plan (avvikelser, avvikelseanmälan)"
    )
    dv.add_argument("--plan", type=Path, required=True, help="the plan file (TOML)")
    dv.add_argument("--session", help="a session name from the plan (default: the latest)")
    dv.add_argument(
        "--out", type=Path, required=True, help="report file: .xlsx, .csv, .md or .html"
    )
    dv.add_argument("--split-by-area", action="store_true", help="also one file per operating area")
    dv.add_argument(
        "--sessions-dir", type=Path, help="where session results are kept (default: next to plan)"
    )
    dv.add_argument("--refresh", action="store_true", help="ask Kolada for changes first")
    _add_source(dv)

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
    bl.add_argument(
        "--vector-pdf",
        action="store_true",
        help="vector PDF (sharp at any zoom, slower); default: the chart images",
    )
    bl.add_argument(
        "--sessions-dir", type=Path, help="where session results are kept (default: next to plan)"
    )
    _add_source(bl)

    un = sub.add_parser("units", help="gaps per organisational unit (schools, care units …)")
    un.add_argument("--municipality", required=True, help="municipality id, e.g. 0180")
    un.add_argument("--type", required=True, help="unit type: V11, V15, V17, V21, V23 …")
    un.add_argument("--kpi", required=True, help="KPI ids, comma separated (e.g. N15428)")
    un.add_argument(
        "--years", required=True, help="years to read, e.g. 2018-2022 (the last is evaluated)"
    )
    un.add_argument("--out", type=Path, help="table to FILE.csv or FILE.parquet")
    un.add_argument("--chart", type=Path, help="a chart per KPI: FILE.png (KPI id added if >1)")
    _add_source(un)

    from koladagap.cli import checklist as cli_checklist
    from koladagap.cli import measurements as cli_measurements

    cli_measurements.register(sub)
    cli_checklist.register(sub)

    d = sub.add_parser("demo", help="the main job, offline on the shipped sample")
    d.add_argument("--out", type=Path, default=Path("koladagap-demo"), help="output folder")
    d.add_argument(
        "--municipality", default="0180", help="municipality id (default 0180 Stockholm)"
    )
    return p


# --- helpers ----------------------------------------------------------------------


def _kolada(args: argparse.Namespace) -> Any:
    from koladagap.benchmarking.data import Kolada, Mode
    from koladagap.kolada.http import HTTPSettings

    mode: Mode = "api"
    if getattr(args, "sample", False):
        mode = "sample"
    elif getattr(args, "offline", False):
        mode = "offline"
    settings = None
    kw: dict[str, Any] = {}
    if getattr(args, "max_workers", None) is not None:
        kw["max_workers"] = args.max_workers
    if getattr(args, "rate", None) is not None:
        kw["rate_limit"] = args.rate
    if kw:
        try:
            settings = HTTPSettings(**kw)
        except ValueError as err:
            raise InputError(str(err)) from err
    return Kolada(
        args.api_url if hasattr(args, "api_url") else None,
        cache_dir=getattr(args, "cache_dir", None),
        mode=mode,
        settings=settings,
        progress=_progress_bar() if mode == "api" else None,
    )


def _progress_bar() -> Callable[[int, int], None] | None:
    """A tqdm bar on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=total, unit="anrop", file=sys.stderr, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            state.pop("bar")

    return update


def write_table(df: pd.DataFrame, out: Path | None, lang: str, stdout: TextIO) -> None:
    """CSV/Parquet to ``out``; else a table (terminal) or CSV (pipe) on stdout."""
    if out is not None:
        suffix = out.suffix.lower()
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        if suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            df.to_csv(tmp, index=False)
        else:
            raise InputError(f"invalid output file {str(out)!r}: expected a .csv or .parquet name")
        tmp.replace(out)
        print(_msg(lang, "wrote", what=_msg(lang, "rows", n=len(df)), path=out), file=sys.stderr)
        return
    if stdout.isatty():
        limit = 60
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(df.head(limit).to_string(index=False), file=stdout)
        if len(df) > limit:
            print(_msg(lang, "more_rows", n=len(df) - limit), file=stdout)
    else:
        df.to_csv(stdout, index=False)


# --- commands -----------------------------------------------------------------------


def cmd_search(args: argparse.Namespace) -> int:
    kg = _kolada(args)
    q = " ".join(args.text)
    hits = kg.kpis(q, gender_split=True if args.gender_split else None)
    cols = ["id", "title", "is_divided_by_gender", "municipality_type", "operating_area"]
    if hits.empty:
        print(_msg(args.lang, "no_hits", q=q), file=sys.stderr)
        return EXIT_OK
    write_table(hits[cols], args.out, args.lang, sys.stdout)
    return EXIT_OK


def _check_out(out: Path | None) -> None:
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"invalid output file {str(out)!r}: expected a .csv or .parquet name")


def cmd_fetch(args: argparse.Namespace) -> int:
    _check_out(args.out)
    kg = _kolada(args)
    if args.dry_run:
        for url in kg.dry_run(args.kpi, args.municipality, args.years):
            print(url)
        return EXIT_OK
    df = kg.values(args.kpi, args.municipality, args.years, refresh=args.refresh, strict=True)
    write_table(df, args.out, args.lang, sys.stdout)
    return EXIT_OK


def cmd_gaps(args: argparse.Namespace) -> int:
    _check_out(args.out)
    kg = _kolada(args)
    g = kg.gaps(args.kpi, args.municipality, args.years, refresh=args.refresh, strict=True)
    write_table(g, args.out, args.lang, sys.stdout)
    return EXIT_OK


def cmd_screen(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.data import screen

    _check_out(args.out)
    kg = _kolada(args)
    res = screen(
        args.kpi,
        args.years,
        municipality_type=args.mtype,
        plan=str(args.plan) if args.plan else None,
        source=kg,
    )
    write_table(res, args.out, args.lang, sys.stdout)
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
            print(_msg(args.lang, "cache_empty", path=cache.path), file=sys.stderr)
        else:
            write_table(info, None, args.lang, sys.stdout)
    else:
        kpis = parse_ids(args.kpi, "kpi") if args.kpi else None
        n = cache.clear(kpis)
        print(_msg(args.lang, "cache_cleared", n=n, path=cache.path), file=sys.stderr)
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.plan import starter_plan
    from koladagap.kolada.schema import parse_ids

    mid = parse_ids(args.municipality, "municipality")
    if len(mid) != 1:
        raise InputError("give exactly one --municipality id, e.g. 0180")
    kg = _kolada(args)
    name = kg.municipality_name(mid[0])
    kpis = kg.available_kpis() if kg.mode == "sample" else []
    out: Path = args.out
    if out.exists() and not args.force:
        raise InputError(_msg(args.lang, "plan_exists", path=out))
    text = starter_plan(
        mid[0], name, kpis, baseline=args.baseline, followup=args.followup, file=out.name
    )
    if not kpis:
        kind = kg.municipalities(kind=None)
        is_region = bool((kind.loc[kind["id"] == mid[0], "type"] == "L").any())
        group = "G2KPI148336" if is_region else "G2KPI148333"
        text = text.replace("ids = [\n\n]", "ids = []").replace(
            "groups = []\n\n# Per-KPI", f'groups = ["{group}"]\n\n# Per-KPI'
        )
    import tomllib

    from koladagap.benchmarking.plan import parse_plan

    parse_plan(tomllib.loads(text), path=str(out))  # what we write must read back
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    print(_msg(args.lang, "plan_written", name=name, mid=mid[0], path=out), file=sys.stderr)
    return EXIT_OK


def cmd_deviations(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.report import check_report_path, write_report

    plan = load_plan(args.plan)
    lang = args.explicit_lang or plan.lang
    out: Path = args.out
    check_report_path(out)  # before the plan is run
    res = run_plan(
        plan,
        args.session,
        source=_kolada(args),
        meetings_dir=args.sessions_dir if args.sessions_dir is not None else "default",
        refresh=args.refresh,
    )
    counts = res.level.value_counts()
    n = {k: int(counts.get(k, 0)) for k in ("act", "watch", "info", "none")}
    other = int(len(res.level) - sum(n.values()))
    print(
        _msg(
            lang,
            "deviations_summary",
            org=res.organisation_name,
            mid=plan.organisation,
            session=res.meeting.name,
            year=res.meeting.year,
            other=other,
            **n,
        )
    )
    if res.baseline_source is not None:
        how = _msg(lang, res.baseline_source)
        print(
            _msg(lang, "baseline_note", name=plan.baseline.name, year=plan.baseline.year, how=how)
        )
    for path in write_report(res, out, lang=lang, split_by_area=args.split_by_area):
        print(_msg(lang, "wrote", what=path.name, path=path.parent), file=sys.stderr)
    print(_msg(lang, "source"))
    return EXIT_OK


def cmd_baseline(args: argparse.Namespace) -> int:
    import dataclasses

    from koladagap.benchmarking.measurements import is_own, read_many
    from koladagap.benchmarking.plan import load_plan
    from koladagap.benchmarking.run import run_plan
    from koladagap.render.explain import reasons_by_kpi
    from koladagap.render.pack import baseline_pack_input, parse_formats, write_baseline_pack

    plan = load_plan(args.plan)
    lang = args.explicit_lang or plan.lang
    formats = parse_formats(args.format)
    kg = _kolada(args)
    res = run_plan(
        plan,
        plan.baseline.name,
        source=kg,
        meetings_dir=args.sessions_dir if args.sessions_dir is not None else "default",
    )
    inp = baseline_pack_input(
        plan.organisation,
        plan.baseline.year,
        kpis=[k for k in res.table["kpi"].astype(str) if not is_own(k)],
        source="sample" if kg.mode == "sample" else kg,
        lang=lang,
        levels={str(k): str(v) for k, v in res.level.items()},
        reasons=reasons_by_kpi(res.table, lang),
        family=plan.peer_family,
    )
    own = read_many(plan.measurement_files)
    if own.ids:  # the organisation's own measurements get their charts too
        mine = own.values.loc[own.values["municipality_id"] == plan.organisation]
        mine = mine.loc[~mine["kpi"].astype(str).str.endswith("-N")]
        inp = dataclasses.replace(
            inp,
            kpis=[*inp.kpis, *[k for k in own.ids if k in set(mine["kpi"])]],
            values=pd.concat([inp.values, mine], ignore_index=True),
            kpi_meta=pd.concat([inp.kpi_meta, own.kpis[["id", "title"]]], ignore_index=True),
        )
    files = write_baseline_pack(inp, args.out, formats, vector_pdf=args.vector_pdf)
    print(_msg(lang, "pack_written", n=len(files), path=args.out, name=res.organisation_name))
    print(_msg(lang, "source"))
    return EXIT_OK


def cmd_units(args: argparse.Namespace) -> int:
    from koladagap.benchmarking.units import unit_gaps
    from koladagap.engine import level_labels
    from koladagap.kolada.schema import parse_ids, parse_years
    from koladagap.render.units import plot_unit_gaps

    lang = args.lang
    years = parse_years(args.years)
    if not years:
        raise InputError("give --years, e.g. 2018-2022")
    kpis = parse_ids(args.kpi, "kpi")
    kg = _kolada(args)
    ug = unit_gaps(kg, args.municipality, kpis, years[-1], kind=args.type, first_year=years[0])
    sv = lang == "sv"
    t = ug.table
    labels = level_labels(lang)
    table = pd.DataFrame(
        {
            ("Nyckeltal" if sv else "KPI"): t["kpi"],
            ("Enhet" if sv else "Unit"): t["unit_title"],
            ("Enhets-id" if sv else "Unit id"): t["ou_id"],
            ("År" if sv else "Year"): t["period"],
            ("Kvinnor/flickor" if sv else "Women/girls"): t["women"],
            ("Män/pojkar" if sv else "Men/boys"): t["men"],
            ("Skillnad (K − M)" if sv else "Gap (W − M)"): t["gap"],
            ("Nivå" if sv else "Level"): t["level"].astype(str).map(labels),
            ("Skäl" if sv else "Reasons"): t["reasons"],
            ("Rang" if sv else "Rank"): t["rank"],
            ("Driver kommunens skillnad" if sv else "Drives the municipality's gap"): t["drives"],
        }
    )
    org = ug.organisation.set_index("kpi")
    for kpi in kpis:
        rows = t.loc[t["kpi"] == kpi]
        lv = rows["level"].astype(str)
        best = rows.loc[rows["rank"] == 1, "unit_title"].astype(str).tolist()
        gap = float(org["gap"].get(kpi, float("nan")))
        n_nc, n_small = int((lv == "not_computable").sum()), int((lv == "too_small").sum())
        n_flag = int(lv.isin(["watch", "act"]).sum())
        name = ug.municipality[1]
        if sv:
            line = (
                f"{kpi}: {len(rows)} enheter; kan ej beräknas: {n_nc}; för få: {n_small}; "
                f"bevaka/åtgärda: {n_flag}; {name}s skillnad {gap:.1f}"
                + (f"; störst bidrag: {best[0]}" if best else "")
            )
        else:
            line = (
                f"{kpi}: {len(rows)} units; not computable: {n_nc}; too small: {n_small}; "
                f"watch/act: {n_flag}; {name} gap {gap:.1f}"
                + (f"; drives most: {best[0]}" if best else "")
            )
        print(line)
    if args.out is not None:
        write_table(table, args.out, lang, sys.stdout)
    if args.chart is not None:
        import matplotlib.pyplot as plt

        for kpi in kpis:
            path = (
                args.chart if len(kpis) == 1 else args.chart.with_stem(f"{args.chart.stem}-{kpi}")
            )
            ax = plot_unit_gaps(ug, kpi, lang=lang)
            fig = ax.get_figure(root=True)
            assert fig is not None
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp.png")
            fig.savefig(tmp, dpi=150)
            plt.close(fig)
            tmp.replace(path)
            print(_msg(lang, "wrote", what=path.name, path=path.parent), file=sys.stderr)
    print(_msg(lang, "source"))
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from koladagap.cli.demo import run_demo

    run_demo(args.out, municipality=args.municipality, lang=args.lang, stream=sys.stdout)
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "search": cmd_search,
    "fetch": cmd_fetch,
    "gaps": cmd_gaps,
    "cache": cmd_cache,
    "demo": cmd_demo,
    "screen": cmd_screen,
    "plan": cmd_plan,
    "deviations": cmd_deviations,
    "baseline": cmd_baseline,
    "units": cmd_units,
    "measurements": lambda args: _lazy_run("measurements", args),
    "checklist": lambda args: _lazy_run("checklist", args),
}


def _lazy_run(module: str, args: argparse.Namespace) -> int:
    import importlib

    run: Callable[[argparse.Namespace], int] = importlib.import_module(
        f".{module}", __package__
    ).run
    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="koladagap: %(levelname)s: %(message)s",
    )
    explicit_lang = args.lang
    args.lang = lang = args.lang or "sv"
    args.explicit_lang = explicit_lang
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = COMMANDS[args.command](args)
        except InputError as err:
            code = _fail(lang, err, EXIT_INPUT)
        except APIError as err:
            code = _fail(lang, err, EXIT_API)
        except CacheError as err:
            code = _fail(lang, err, EXIT_CACHE)
        except OSError as err:  # a file or folder that cannot be written or read
            where = f" [{err.filename}]" if err.filename else ""
            code = _fail(lang, Exception(f"{err.strerror or err}{where}"), EXIT_CACHE)
        except KoladaGapError as err:  # pragma: no cover - every subclass is handled above
            code = _fail(lang, err, 1)
    for w in caught:
        print(f"koladagap: {_msg(lang, 'warning')}: {w.message}", file=sys.stderr)
    return code


def _fail(lang: str, err: Exception, code: int) -> int:
    text = " ".join(str(err).split())
    print(f"koladagap: {_msg(lang, 'error')}: {text}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
