"""The koladagap exception tree.

Every error koladagap raises on purpose derives from :class:`KoladaGapError`
and carries the context it concerns as attributes, so a caller can react to
it and a user can read it on one line::

    KoladaGapError
    ├── InputError (also ValueError)      bad input from the user
    │   ├── UnknownIdError                  KPI / municipality / group / OU ids Kolada does not know
    │   ├── InvalidYearsError               impossible or malformed years and ranges
    │   └── ConfigError                     a malformed plan, measurement or checklist file
    ├── APIError                          talking to Kolada went wrong (always has ``url``)
    │   ├── TransportError                  connection failed or timed out, after retries
    │   ├── HTTPStatusError                 a non-success status after retries (``status``)
    │   ├── ResponseFormatError             HTML or malformed JSON where JSON was expected
    │   └── PaginationError                 a ``next_url`` cycle or an impossible page chain
    └── CacheError                        the Parquet cache (always has ``path``)
        ├── CorruptCacheError               a cache file that cannot be read
        └── OfflineMissingError             ``offline=True`` and the cache lacks what was asked

Errors raised while handling another exception chain it (``raise ... from err``).
"""

from __future__ import annotations

from collections.abc import Sequence


class KoladaGapError(Exception):
    """Base of every error koladagap raises on purpose."""


class InputError(KoladaGapError, ValueError):
    """Bad input: the message names the input and what would be accepted."""


class UnknownIdError(InputError):
    """Ids that Kolada (or the cache/sample) does not know.

    Attributes:
        kind: ``"kpi"``, ``"municipality"``, ``"group"`` or ``"ou"``.
        ids: the unknown ids, in the order given.
    """

    def __init__(self, kind: str, ids: Sequence[str], hint: str = "") -> None:
        self.kind = kind
        self.ids = list(ids)
        shown = ", ".join(self.ids[:20]) + (" …" if len(self.ids) > 20 else "")
        msg = f"unknown {kind} id(s): {shown}"
        if hint:
            msg += f" ({hint})"
        super().__init__(msg)


class InvalidYearsError(InputError):
    """Years or year ranges that cannot be right (``2022-2015``, ``20x0``, ``1850``)."""


class ConfigError(InputError):
    """A malformed configuration file.

    Attributes:
        path: the file (or ``None`` for in-memory input).
        key: the dotted key or row/column that is wrong, when known.
    """

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        prefix = ""
        if path:
            prefix += f"{path}: "
        if key:
            prefix += f"{key}: "
        super().__init__(prefix + message)


class APIError(KoladaGapError):
    """A request to the Kolada API failed. ``url`` is the request that failed."""

    def __init__(self, message: str, *, url: str) -> None:
        self.url = url
        super().__init__(f"{message} [{url}]")


class TransportError(APIError):
    """The connection failed, was reset or timed out (after the configured retries)."""


class HTTPStatusError(APIError):
    """Kolada answered with an error status (after the configured retries).

    Attributes:
        status: the HTTP status code.
        body: the first few hundred characters of the response body.
    """

    def __init__(self, message: str, *, url: str, status: int, body: str = "") -> None:
        self.status = status
        self.body = body
        super().__init__(message, url=url)


class ResponseFormatError(APIError):
    """The body was not the JSON envelope Kolada sends (an HTML outage page, truncated JSON)."""


class PaginationError(APIError):
    """``next_url`` led back to a page already read, or the chain of pages is impossible."""


class CacheError(KoladaGapError):
    """A problem with the Parquet cache. ``path`` is the file or folder concerned."""

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(f"{message} [{path}]")


class CorruptCacheError(CacheError):
    """A cache file exists but cannot be read as the expected Parquet data."""


class OfflineMissingError(CacheError):
    """Offline mode was asked for and the cache does not hold everything the query needs.

    Attributes:
        missing: human-readable descriptions of what is missing (e.g. ``"N00906 2021"``).
    """

    def __init__(self, message: str, *, path: str, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        super().__init__(message, path=path)


__all__ = [
    "APIError",
    "CacheError",
    "ConfigError",
    "CorruptCacheError",
    "HTTPStatusError",
    "InputError",
    "InvalidYearsError",
    "KoladaGapError",
    "OfflineMissingError",
    "PaginationError",
    "ResponseFormatError",
    "TransportError",
    "UnknownIdError",
]
