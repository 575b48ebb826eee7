"""The ``koladagap`` command line: a thin argparse shell over the library.

One module per command family (:mod:`.data`, :mod:`.plans`, :mod:`.units`,
:mod:`.measurements`, :mod:`.checklist`, :mod:`.demo`); :mod:`.main` builds the parser
and maps errors to exit codes; :mod:`.common` holds what they share. The messages are in
:mod:`koladagap.render.i18n.cli`.

Exit codes: 0 success; 2 bad input (unknown ids, impossible years, malformed
ranges or files, an unknown option); 3 Kolada could not be reached or answered
wrongly; 4 a cache problem (including ``--offline`` when the cache lacks data);
5 nothing found (``fetch``, ``gaps`` or ``screen`` matched no values); 130 Ctrl-C
(one line, no traceback); 141 the reader of stdout went away (``… | head -1``:
nothing said). Errors
are one line on stderr; results go to stdout or ``--out``; every table written
ends in the attribution column ``source``.
"""

from __future__ import annotations

import os
import sys


def _as_command() -> bool:
    """Whether this process is the ``koladagap`` command (its console script)."""
    return os.path.basename(sys.argv[0] if sys.argv else "").startswith("koladagap")


try:
    from koladagap.cli.common import (
        EXIT_API,
        EXIT_CACHE,
        EXIT_EMPTY,
        EXIT_INPUT,
        EXIT_OK,
        write_table,
    )
    from koladagap.cli.main import build_parser, main
except KeyboardInterrupt:  # pragma: no cover - Ctrl-C while the command starts
    if not _as_command():
        raise
    print("koladagap: avbrutet (Ctrl-C)", file=sys.stderr)
    raise SystemExit(130) from None

__all__ = [
    "EXIT_API",
    "EXIT_CACHE",
    "EXIT_EMPTY",
    "EXIT_INPUT",
    "EXIT_OK",
    "build_parser",
    "main",
    "write_table",
]
