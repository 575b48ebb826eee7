"""The ``koladagap`` parser and :func:`main`: parse, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from koladagap._version import __version__
from koladagap.cli import checklist, data, demo, measurements, plans, units
from koladagap.cli.common import EXIT_API, EXIT_CACHE, EXIT_INPUT, msg
from koladagap.errors import APIError, CacheError, InputError, KoladaGapError

_FAMILIES = (data, plans, units, measurements, checklist, demo)


def _global_options(p: argparse.ArgumentParser, default: Any) -> None:
    p.add_argument(
        "--lang",
        choices=("sv", "en"),
        default=default,
        help="language of results (default sv, or the plan's report.lang)",
    )
    p.add_argument("-v", "--verbose", action="store_true", default=default, help="log what is done")


def _subparsers(p: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    found = []
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += [child, *_subparsers(child)]
    return found


def build_parser() -> argparse.ArgumentParser:
    """The whole ``koladagap`` parser; ``--lang`` and ``-v`` work before or after a command."""
    p = argparse.ArgumentParser(
        prog="koladagap",
        description="Gender-gap evidence from Kolada's key figures (Källa: Kolada).",
    )
    p.add_argument("--version", action="version", version=f"koladagap {__version__}")
    _global_options(p, None)
    p.set_defaults(verbose=False)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for family in _FAMILIES:
        family.register(sub)
    for child in _subparsers(p):  # a command's own --lang wins; absent, the global one stays
        _global_options(child, argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="koladagap: %(levelname)s: %(message)s",
    )
    explicit_lang = args.lang
    args.lang = lang = args.lang or "sv"
    args.explicit_lang = explicit_lang
    run: Callable[[argparse.Namespace], int] = args.run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = run(args)
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
        print(f"koladagap: {msg(lang, 'warning')}: {w.message}", file=sys.stderr)
    return code


def _fail(lang: str, err: Exception, code: int) -> int:
    text = " ".join(str(err).split())
    print(f"koladagap: {msg(lang, 'error')}: {text}", file=sys.stderr)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
