"""The ``koladagap`` parser and :func:`main`: parse, run one command, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from koladagap._version import __version__
from koladagap.cli import checklist, data, demo, measurements, network, plans, slutrapport, units
from koladagap.cli.common import EXIT_API, EXIT_CACHE, EXIT_INPUT, msg
from koladagap.errors import APIError, CacheError, HTTPStatusError, InputError, KoladaGapError

_FAMILIES = (data, plans, units, measurements, checklist, demo, network, slutrapport)


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
        child.set_defaults(command_parser=child)  # the innermost command's parser wins
    return p


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv``; an unknown option is reported with the usage of its command (exit 2).

    argparse alone reports options it does not know with the top-level usage, which
    does not show the command's options; here the command's parser says it.
    """
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        chosen: argparse.ArgumentParser = getattr(args, "command_parser", parser)
        chosen.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


class LevelWords(logging.Formatter):
    """``koladagap: varning: …``: log lines name their level in the user's language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line, its level in words of ``self.lang``."""
        key = {logging.WARNING: "warning", logging.ERROR: "error"}.get(record.levelno)
        word = msg(self.lang, key) if key else record.levelname.lower()
        return f"koladagap: {word}: {super().format(record)}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = parse(build_parser(), argv)
    handler = logging.StreamHandler()
    handler.setFormatter(LevelWords(args.lang or "sv"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    # urllib3 logs every retry as a warning; the one-line error says what failed
    logging.getLogger("urllib3").setLevel(logging.NOTSET if args.verbose else logging.ERROR)
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
            code = _fail(lang, err, EXIT_API, hint=_offline_hint(lang, err))
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


def _fail(lang: str, err: Exception, code: int, hint: str = "") -> int:
    text = " ".join(str(err).split())
    print(f"koladagap: {msg(lang, 'error')}: {text}{hint}", file=sys.stderr)
    return code


def _offline_hint(lang: str, err: APIError) -> str:
    """What to do without Kolada: ``--sample`` or ``--offline`` (not for a request Kolada refused).

    A 4xx other than 429 is Kolada saying the request is wrong, where the data
    source does not help.
    """
    status = getattr(err, "status", None)
    if isinstance(err, HTTPStatusError) and status is not None and status < 500 and status != 429:
        return ""
    return "; " + msg(lang, "offline_hint")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
