"""What every reader of a user's spreadsheet shares: the column letters.

A bad cell is reported as a spreadsheet shows it: row number and column letter
(``A`` … ``Z``, ``AA`` …). Both the checklist's score sheets and the own
measurements' workbooks name columns this way. A base module: it imports no layer.
"""

from __future__ import annotations


def column_letter(position: int) -> str:
    """The spreadsheet letter of the column at the 0-based ``position``.

    >>> column_letter(0), column_letter(25), column_letter(26), column_letter(27)
    ('A', 'Z', 'AA', 'AB')
    >>> column_letter(701), column_letter(702)
    ('ZZ', 'AAA')
    """
    if position < 0:
        raise ValueError(f"a column position is 0 or more, not {position}")
    out = ""
    n = position + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


__all__ = ["column_letter"]
