"""What every command shares: exit codes, messages, the data source, writing a table."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from koladagap._cells import clean_frame, csv_frame
from koladagap._files import atomic_path
from koladagap.errors import InputError
from koladagap.render.i18n.cli import message, row_count

EXIT_OK, EXIT_INPUT, EXIT_API, EXIT_CACHE, EXIT_EMPTY = 0, 2, 3, 4, 5

TABLE_SUFFIXES = (".csv", ".parquet")

SOURCE_COLUMN = "source"
"""The last column of every table koladagap writes: the attribution (``Källa: Kolada`` …)."""


def msg(lang: str, key: str, **kw: Any) -> str:
    """A message of the main commands in ``lang``."""
    return message(lang, key, **kw)


def add_source(p: argparse.ArgumentParser) -> None:
    """The data-source options: ``--offline`` / ``--sample``, the API root, the cache, HTTP."""
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


def add_selection(p: argparse.ArgumentParser, municipality_required: bool = False) -> None:
    """``--kpi``, ``--municipality``, ``--years`` and ``--out`` of the data commands."""
    p.add_argument("--kpi", required=True, help="KPI ids, comma separated (e.g. N00906,N15428)")
    p.add_argument(
        "--municipality",
        required=municipality_required,
        help="municipality ids with leading zeros (e.g. 0180,1280); default: all",
    )
    p.add_argument("--years", help="a year, a range or a list: 2022, 2015-2022, 2018,2022")
    add_out(p, "write to FILE.csv or FILE.parquet instead of stdout")


def add_out(p: argparse.ArgumentParser, help: str, *, required: bool = False) -> None:
    """``--out FILE`` and ``--force`` (overwrite an existing ``FILE``) of a command."""
    p.add_argument("--out", type=Path, required=required, help=help)
    p.add_argument("--force", action="store_true", help="overwrite an existing --out file")


def check_new(path: Path | None, lang: str, *, force: bool = False) -> None:
    """Refuse, in one line naming ``path``, to overwrite an existing file without ``force``.

    A folder is refused even with ``force``: ``--out`` of this command names a file.
    """
    if path is None:
        return
    if path.is_dir():
        raise InputError(msg(lang, "out_is_folder", path=path))
    if (path.exists() or path.is_symlink()) and not force:
        raise InputError(msg(lang, "out_exists", path=path))


def kolada(args: argparse.Namespace) -> Any:
    """The :class:`koladagap.Kolada` the options ask for (``source`` in the API's words)."""
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
        progress=progress_bar() if mode == "api" else None,
    )


def progress_bar() -> Callable[[int, int], None] | None:
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


def step(lang: str, key: str, **kw: Any) -> None:
    """Say on stderr what a long run is doing now (``key`` from the CLI's messages)."""
    print(msg(lang, key, **kw), file=sys.stderr, flush=True)


FOLDER_MARK = ".koladagap.json"
"""The file naming the organisation a folder of outputs belongs to."""


def claim_folder(out: Path, mid: str, lang: str, *, force: bool = False) -> None:
    """Make ``out`` the output folder of organisation ``mid``, or refuse with one line.

    A folder that already holds another organisation's outputs (its mark names
    another id) is not written into unless ``force``: reruns would overwrite some
    files and leave others, mixing two organisations in one folder.
    """
    import json

    from koladagap._files import write_atomic

    mark = out / FOLDER_MARK
    if mark.is_file() and not force:
        try:
            other = str(json.loads(mark.read_text(encoding="utf-8")).get("organisation", ""))
        except (OSError, ValueError, AttributeError):
            other = ""
        if other and other != mid:
            raise InputError(msg(lang, "folder_taken", path=out, other=other, mid=mid))
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(mark, json.dumps({"organisation": mid}) + "\n")


def check_out(out: Path | None) -> None:
    """A one-line error before any work when ``out`` is not a table file name."""
    if out is not None and out.suffix.lower() not in TABLE_SUFFIXES:
        raise InputError(f"invalid output file {str(out)!r}: expected a .csv or .parquet name")


def with_source(df: pd.DataFrame, source: str | None) -> pd.DataFrame:
    """``df`` with the attribution ``source`` as its last column (``None``: ``df`` as it is).

    A frame that already has a ``source`` column (own measurements name theirs)
    keeps its values; empty cells get ``source``.

    Examples:
        >>> with_source(pd.DataFrame({"a": [1]}), "Källa: Kolada").columns.tolist()
        ['a', 'source']
    """
    if source is None:
        return df
    col = pd.Series(source, index=df.index, dtype=object)
    if SOURCE_COLUMN in df.columns:
        col = df[SOURCE_COLUMN].astype(object).where(df[SOURCE_COLUMN].notna(), source)
        df = df.drop(columns=SOURCE_COLUMN)
    return df.assign(**{SOURCE_COLUMN: col})


def save_table(
    df: pd.DataFrame, path: Path, source: str | None, *, force: bool = True, lang: str = "sv"
) -> None:
    """``df`` to ``path`` (``.csv`` or ``.parquet``), atomically, with its attribution.

    The CSV is plain (``pandas.read_csv(path)`` reads it with default options); the
    attribution is its last column, ``source``; a text cell that a spreadsheet could
    read as a formula starts with a single quote (:func:`koladagap._cells.csv_frame`).
    A Parquet file has the same column and also carries ``source`` in its key-value
    metadata. An existing ``path`` is refused unless ``force`` (:func:`check_new`).
    """
    check_out(path)
    check_new(path, lang, force=force)
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            if source is not None and SOURCE_COLUMN not in df.columns:
                # the attribution column made in Arrow: no Python string per row
                table = pa.Table.from_pandas(df, preserve_index=False)
                table = table.append_column(SOURCE_COLUMN, pa.repeat(pa.scalar(source), len(df)))
            else:
                table = pa.Table.from_pandas(with_source(df, source), preserve_index=False)
            if source is not None:
                meta = {**(table.schema.metadata or {}), b"source": source.encode("utf-8")}
                table = table.replace_schema_metadata(meta)
            pq.write_table(table, tmp)
        else:
            csv_frame(with_source(df, source)).to_csv(tmp, index=False)


def write_table(
    df: pd.DataFrame,
    out: Path | None,
    lang: str,
    stdout: TextIO,
    *,
    source: str | None = None,
    force: bool = False,
) -> None:
    """CSV/Parquet to ``out`` (atomically); else a table (terminal) or CSV (pipe) on stdout.

    ``source`` is the attribution (``ATTRIBUTION`` for values as published,
    ``ATTRIBUTION_PROCESSED`` for anything computed): the last column of a file or
    of piped CSV, a line under the table on a terminal. An existing ``out`` is
    refused unless ``force`` (the command's ``--force``). Text reaches the terminal
    without control characters, a file or pipe as harmless CSV (:mod:`koladagap._cells`).
    """
    if out is not None:
        save_table(df, out, source, force=force, lang=lang)
        print(msg(lang, "wrote", what=row_count(lang, len(df)), path=out), file=sys.stderr)
        return
    if stdout.isatty():
        limit = 60
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(clean_frame(df.head(limit)).to_string(index=False), file=stdout)
        if len(df) > limit:
            print(row_count(lang, len(df) - limit, more=True), file=stdout)
        if source is not None:
            print(source, file=stdout)
    else:
        csv_frame(with_source(df, source)).to_csv(stdout, index=False)


def no_data(lang: str, kpi: str, where: str | None, years: str | None) -> int:
    """Say on stderr that nothing matched what was asked; return :data:`EXIT_EMPTY`.

    ``where`` is the ids asked for, or a key of the CLI's messages (``all_places``,
    ``all_kommun``, ``all_region``) when none were named.
    """
    place = where if where and not where.startswith("all_") else msg(lang, where or "all_places")
    when = msg(lang, "years", years=years) if years else msg(lang, "all_years")
    print(msg(lang, "no_data", kpi=kpi, where=place, years=when), file=sys.stderr)
    return EXIT_EMPTY
