"""The ``koladagap`` parser and :func:`main`: parse, run one command, map errors to exit codes.

The command families (:mod:`koladagap.cli.data`, :mod:`~koladagap.cli.plans` …) are
imported when a command of theirs runs: ``koladagap fetch`` imports the data family
only (:data:`COMMANDS` says which family a command belongs to), ``koladagap --help``
and an unknown command every family.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from koladagap._cells import clean_text
from koladagap._version import __version__
from koladagap.cli.common import EXIT_API, EXIT_CACHE, EXIT_INPUT, msg
from koladagap.errors import APIError, CacheError, HTTPStatusError, InputError, KoladaGapError

FAMILIES: tuple[str, ...] = (
    "data",
    "explore",
    "plans",
    "units",
    "measurements",
    "checklist",
    "demo",
    "network",
    "slutrapport",
)
"""The command families, modules of :mod:`koladagap.cli` with a ``register(sub)``, in the
order of ``koladagap --help``."""

COMMANDS: dict[str, str] = {
    "search": "data",
    "fetch": "data",
    "gaps": "data",
    "screen": "data",
    "cache": "data",
    "areas": "data",
    "available": "explore",
    "rank": "explore",
    "status": "explore",
    "plan": "plans",
    "deviations": "plans",
    "baseline": "plans",
    "units": "units",
    "measurements": "measurements",
    "checklist": "checklist",
    "demo": "demo",
    "network": "network",
    "slutrapport": "slutrapport",
}
"""Command → its family, so that running a command imports that family only.

A command missing here still works (every family is then imported); a test checks
that each command named here is registered by the family named.
"""

EXIT_INTERRUPTED = 130
"""Ctrl-C: the shell's code for a process ended by SIGINT (128 + 2)."""
EXIT_CLOSED_PIPE = 141
"""The reader of stdout went away (``koladagap search … | head -1``): 128 + SIGPIPE (13)."""


def family(name: str) -> ModuleType:
    """The command family module ``koladagap.cli.<name>``, imported now."""
    return importlib.import_module(f"koladagap.cli.{name}")


def command_of(argv: Sequence[str]) -> str | None:
    """The command named in ``argv`` (its first word that is no option or option value).

    ``None`` when there is none, or when ``-h`` comes first (the help of every command).

    >>> command_of(["--lang", "en", "-v", "fetch", "--kpi", "N00906"])
    'fetch'
    >>> command_of(["--help"]), command_of(["-h", "fetch"]), command_of(["fetch", "-h"])
    (None, None, 'fetch')
    """
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word == "--lang":
            skip = True
        elif word in ("-h", "--help", "--"):
            return None
        elif not word.startswith("-"):
            return word
    return None


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


def build_parser(families: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``koladagap`` parser; ``--lang`` and ``-v`` work before or after a command.

    ``families``: the command families to register (default: all of :data:`FAMILIES`).
    """
    p = argparse.ArgumentParser(
        prog="koladagap",
        description="Gender-gap evidence from Kolada's key figures (Källa: Kolada).",
    )
    p.add_argument("--version", action="version", version=f"koladagap {__version__}")
    _global_options(p, None)
    p.set_defaults(verbose=False)
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in FAMILIES if families is None else families:
        family(name).register(sub)
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


def parser_for(argv: Sequence[str]) -> argparse.ArgumentParser:
    """The parser ``argv`` needs: its command's family only when :data:`COMMANDS` knows it."""
    name = COMMANDS.get(command_of(argv) or "")
    return build_parser([name] if name else None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Ctrl-C ends it with one line and :data:`EXIT_INTERRUPTED`; a closed stdout (the
    reader of a pipe went away) silently, with :data:`EXIT_CLOSED_PIPE`.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    stop = Interrupt("en" if _lang_of(argv) == "en" else "sv")
    process = is_command()
    if process:
        stop.install()
    try:
        return _main(argv)
    except KeyboardInterrupt:
        if process:  # worker threads may still wait on Kolada: do not wait for them
            stop.exit()
        stop.say()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_CLOSED_PIPE


def is_command() -> bool:
    """Whether this process is the ``koladagap`` command (its script or ``python -m``)."""
    first = sys.argv[0] if sys.argv else ""
    name = os.path.basename(first)
    return name.startswith("koladagap") or (
        name == "__main__.py" and os.path.basename(os.path.dirname(first)) == "koladagap"
    )


class Interrupt:
    """Ctrl-C in the ``koladagap`` process: one line on stderr, exit 130, no traceback.

    The first Ctrl-C raises :class:`KeyboardInterrupt` as usual, so that the files
    being written are removed on the way out; :func:`main` then says one line and
    ends the process without waiting for request threads. Should the way out hang (a
    thread that does not let go), the process ends :data:`GRACE` seconds later
    anyway, or at once on a second Ctrl-C.
    """

    GRACE = 2.0

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.pressed = False
        self._said = threading.Lock()

    def install(self) -> None:
        """Handle SIGINT in this process (from the main thread; elsewhere the default stays)."""
        with contextlib.suppress(ValueError):  # not the main thread
            signal.signal(signal.SIGINT, self._on_signal)

    def _on_signal(self, signum: int, frame: Any) -> None:
        if self.pressed:
            self.exit()
        self.pressed = True
        timer = threading.Timer(self.GRACE, self.exit)
        timer.daemon = True
        timer.start()
        raise KeyboardInterrupt

    def say(self) -> None:
        """The one line, said once however often it is asked for."""
        if self._said.acquire(blocking=False):
            with contextlib.suppress(OSError, ValueError):  # stderr closed as well
                print(f"koladagap: {msg(self.lang, 'interrupted')}", file=sys.stderr, flush=True)

    def exit(self) -> None:
        """Say the line and end the process now (exit code 130)."""
        self.say()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(EXIT_INTERRUPTED)


def _lang_of(argv: Sequence[str]) -> str | None:
    """The ``--lang`` of ``argv`` (``--lang en`` or ``--lang=en``), for messages before parsing.

    >>> _lang_of(["fetch", "--lang=en"]), _lang_of(["--lang", "sv", "fetch"]), _lang_of([])
    ('en', 'sv', None)
    """
    for i, word in enumerate(argv):
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
    return None


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that flushing it at exit says nothing.

    As Python's documentation recommends for a closed pipe (``BrokenPipeError``): the
    data still buffered for a reader that left are dropped, not reported.
    """
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # replaced by a test or an embedding
        return
    with contextlib.suppress(OSError):  # no null device: nothing more to do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, fd)
        os.close(devnull)


def _main(argv: list[str]) -> int:
    args = parse(parser_for(argv), argv)
    handler = logging.StreamHandler()
    handler.setFormatter(LevelWords(args.lang or "sv"))
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    # urllib3 logs every retry as a warning; the one-line error says what failed
    # urllib3 logs every retry as a warning: koladagap logs its own line per request and retry
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    explicit_lang = args.lang
    args.lang = lang = args.lang or "sv"
    args.explicit_lang = explicit_lang
    run: Callable[[argparse.Namespace], int] = args.run
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = run(args)
            sys.stdout.flush()  # a closed pipe is found here, not at exit
        except BrokenPipeError:
            raise
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
    text = clean_text(" ".join(str(err).split()))  # Kolada's text may carry control characters
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
