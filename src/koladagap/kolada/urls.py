"""Id lists cut for URLs, dates checked for them, a URL's identity as a page.

Examples:
    >>> [len(c) for c in chunks(list(range(60)))]
    [25, 25, 10]
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from koladagap.errors import InputError

MAX_IDS = 25
"""Kolada's limit of ids in one comma list of a path segment."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def chunks(ids: Sequence[Any], size: int = MAX_IDS) -> list[list[Any]]:
    """Cut ``ids`` into lists of at most ``size``.

    >>> [len(c) for c in chunks(list(range(60)))]
    [25, 25, 10]
    """
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _even_chunks(ids: Sequence[Any], size: int) -> list[list[Any]]:
    """Cut ``ids`` into the fewest lists of at most ``size``, of nearly equal length.

    >>> [len(c) for c in _even_chunks(list(range(290)), 21)]
    [21, 21, 21, 21, 21, 21, 21, 21, 21, 21, 20, 20, 20, 20]
    """
    n = -(-len(ids) // size) if ids else 0
    if n == 0:
        return []
    base, extra = divmod(len(ids), n)
    out, start = [], 0
    for i in range(n):
        step = base + (1 if i < extra else 0)
        out.append(list(ids[start : start + step]))
        start += step
    return out


def _check_date(from_date: str | dt.date | None) -> str | None:
    if from_date is None:
        return None
    text = from_date.isoformat() if isinstance(from_date, dt.date) else str(from_date)
    if not _DATE.match(text):
        raise InputError(f"invalid from_date {from_date!r}: expected a date like 2024-01-31")
    try:
        dt.date.fromisoformat(text)
    except ValueError as err:
        raise InputError(f"invalid from_date {from_date!r}: not a calendar date") from err
    return text


def _page_key(url: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """A URL's identity as a page: host, path and sorted query, page 1 when not given."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.setdefault("page", "1")
    return (parts.netloc.lower(), parts.path.rstrip("/"), tuple(sorted(query.items())))


__all__ = ["MAX_IDS", "chunks"]
