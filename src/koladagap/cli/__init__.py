"""The ``koladagap`` command line: a thin argparse shell over the library.

One module per command family (:mod:`.data`, :mod:`.plans`, :mod:`.units`,
:mod:`.measurements`, :mod:`.checklist`, :mod:`.demo`); :mod:`.main` builds the parser
and maps errors to exit codes; :mod:`.common` holds what they share. The messages are in
:mod:`koladagap.render.i18n.cli`.

Exit codes: 0 success; 2 bad input (unknown ids, impossible years, malformed
ranges or files, an unknown option); 3 Kolada could not be reached or answered
wrongly; 4 a cache problem (including ``--offline`` when the cache lacks data);
5 nothing found (``fetch``, ``gaps`` or ``screen`` matched no values). Errors
are one line on stderr; results go to stdout or ``--out``; every table written
ends in the attribution column ``source``.
"""

from __future__ import annotations

from koladagap.cli.common import (
    EXIT_API,
    EXIT_CACHE,
    EXIT_EMPTY,
    EXIT_INPUT,
    EXIT_OK,
    write_table,
)
from koladagap.cli.main import build_parser, main

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
