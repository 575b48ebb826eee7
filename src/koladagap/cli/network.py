"""The ``network`` command: a benchmarking network's material, and ``network init``.

``koladagap network --plan FILE --out DIR`` runs the network file (members, mentor,
shared KPIs, meetings) and writes ``natverk.csv`` (then ``natverk.xlsx`` and the
deck, from :mod:`koladagap.render.network`); ``koladagap network init --members IDS
--mentor ID --out FILE`` writes a commented starter network file. ``init`` is an
optional ACTION: without it the command runs a network file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from koladagap._files import atomic_path
from koladagap.cli.common import EXIT_OK, add_source, claim_folder, kolada, msg, step
from koladagap.errors import InputError
from koladagap.render.i18n.cli import NETWORK, message

CSV_NAME = "natverk.csv"
DECK_FORMATS = ("pptx", "pdf")


def _t(lang: str, key: str, **kw: Any) -> str:
    return message(lang, key, table=NETWORK, **kw)


def register(sub: Any) -> None:
    """Add ``network`` (with its optional ACTION ``init``) to the ``koladagap`` parser."""
    nw = sub.add_parser(
        "network",
        help="a benchmarking network: members and mentor side by side (natverk.csv, .xlsx, deck)",
    )
    nw.add_argument(
        "action",
        nargs="?",
        choices=("init",),
        metavar="ACTION",
        help="init: write a starter network file (default: run the network file)",
    )
    nw.add_argument("--plan", type=Path, help="the network file (TOML) to run")
    nw.add_argument("--out", type=Path, help="output folder (init: the file, natverk.toml)")
    nw.add_argument("--meeting", help="a meeting name from the network file (default: the latest)")
    nw.add_argument(
        "--meetings-dir",
        type=Path,
        help="keep each organisation's meeting results here and compare with those kept "
        "(default: keep nothing; the earlier meetings are taken from the same data)",
    )
    nw.add_argument(
        "--force",
        action="store_true",
        help="write into a folder of another network (init: overwrite the file)",
    )
    g = nw.add_argument_group("network init")
    g.add_argument("--members", help="the members' ids, comma separated (e.g. 1233,1280,0180)")
    g.add_argument("--mentor", help="the mentor organisation's id (e.g. 1283)")
    g.add_argument("--name", help="the network's name (default: from the members' names)")
    g.add_argument("--baseline", type=int, default=2018, help="data year at Benchmarking 1")
    g.add_argument("--followup", type=int, default=2022, help="data year at Benchmarking 2")
    add_source(nw)
    nw.set_defaults(run=cmd_network)


_INIT_ONLY = ("members", "mentor", "name")
_RUN_ONLY = ("plan", "meeting", "meetings_dir")


def cmd_network(args: argparse.Namespace) -> int:
    """Run ``network`` (a network file) or ``network init`` (write a starter)."""
    init = args.action == "init"
    wrong = [o for o in (_RUN_ONLY if init else _INIT_ONLY) if getattr(args, o) is not None]
    if wrong:
        opts = ", ".join(f"--{o}" for o in wrong)
        raise InputError(_t(args.lang, "wrong_mode" if init else "wrong_run", opts=opts))
    if init:
        if args.members is None:
            raise InputError(_t(args.lang, "need_members"))
        return cmd_network_init(args)
    if args.plan is None or args.out is None:
        raise InputError(_t(args.lang, "need_plan"))
    return cmd_network_run(args)


def cmd_network_init(args: argparse.Namespace) -> int:
    """Write the starter network file."""
    from koladagap._files import write_atomic
    from koladagap.benchmarking.network import parse_network
    from koladagap.benchmarking.network_init import network_starter

    out: Path = args.out or Path("natverk.toml")
    if out.exists() and not args.force:
        raise InputError(_t(args.lang, "exists", path=out))
    text = network_starter(
        kolada(args),
        args.members,
        args.mentor,
        name=args.name or "",
        baseline=args.baseline,
        followup=args.followup,
        file=out.name,
    )
    import tomllib

    n = len(parse_network(tomllib.loads(text)).organisations)
    write_atomic(out, text)
    print(_t(args.lang, "init_written", path=out, n=n), file=sys.stderr)
    return EXIT_OK


def cmd_network_run(args: argparse.Namespace) -> int:
    """Run the network file and write its material into ``--out``."""
    from koladagap.benchmarking.meetings import meeting_slug
    from koladagap.benchmarking.network import load_network, run_network
    from koladagap.render.network_text import with_reasons, with_scores

    lang = args.lang
    network = load_network(args.plan)
    network.meeting(args.meeting)  # an unknown meeting fails here, before any work
    out: Path = args.out
    claim_folder(out, meeting_slug(network.name), lang, force=args.force)
    step(lang, "step_data")
    step(lang, "step_engine")
    result = run_network(
        network, args.meeting, source=kolada(args), lang=lang, meetings_dir=args.meetings_dir
    )
    result = with_reasons(result, lang)
    sheets = {o.id: o.scores for o in network.organisations if o.scores}
    result = with_scores(result, sheets, lang)
    print(
        _t(
            lang,
            "run",
            name=result.name,
            n=len(result.members),
            k=len(result.kpis),
            meeting=result.meeting,
            year=result.year,
        )
    )
    print(_t(lang, "step_write"), file=sys.stderr, flush=True)
    written = [write_network_csv(result, out / CSV_NAME)]
    written += _writers(result, out)
    for path in written:
        print(msg(lang, "wrote", what=path.name, path=path.parent), file=sys.stderr)
    print(msg(lang, "source"))
    return EXIT_OK


def write_network_csv(result: Any, path: Path) -> Path:
    """``natverk.csv``: the tidy table, the attribution as the last column ``source``."""
    from koladagap._cells import csv_frame
    from koladagap.cli.common import with_source
    from koladagap.labels import ATTRIBUTION_PROCESSED

    framed = with_source(result.table, ATTRIBUTION_PROCESSED)
    with atomic_path(path) as tmp:
        csv_frame(framed).to_csv(tmp, index=False)
    return path


def _writers(result: Any, out: Path) -> list[Path]:
    """``natverk.xlsx`` and the deck (:mod:`koladagap.render.network`)."""
    from koladagap.render.network import write_network_deck, write_network_xlsx

    return [
        *write_network_xlsx(result, out / "natverk.xlsx"),
        *write_network_deck(result, out, DECK_FORMATS),
    ]
