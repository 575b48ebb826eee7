"""Score sheets: read, validate and hold one organisation's scores per meeting.

:func:`read_scores` reads a filled-in sheet (CSV or xlsx, the template of
:func:`~koladagap.checklist.writers.write_template` or any table with the same
headers); :func:`scores_from_frame` does the same for a table in memory. Both
fail with one line naming the file, the row (the header is row 1) and the column.

Examples:
    >>> from koladagap.checklist.writers import template_frame
    >>> t = template_frame("2019", ["Uppstart"])
    >>> t.loc[4, "Poäng (1–3)"] = 4
    >>> scores_from_frame(t)
    Traceback (most recent call last):
    ...
    koladagap.errors.ConfigError: rad 6, kolumn E (Poäng (1–3)): 4 ligger utanför skalan 1–3
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from koladagap.checklist.model import (
    LEVEL_ALIASES,
    VERSIONS,
    Checklist,
    check_sessions,
    get_checklist,
)
from koladagap.checklist.sheets import (
    SCORE_HEADERS,
    Sheet,
    canonical,
    cells_to_text,
    read_table,
    require,
    single_value,
)
from koladagap.checklist.text import TEXT, language, message
from koladagap.errors import ConfigError, InputError


@dataclass(frozen=True)
class Scores:
    """The scores of one organisation on one checklist, per meeting.

    Attributes:
        checklist: the checklist scored.
        frame: one row per item and meeting as read: ``row`` (the spreadsheet
            row, header = 1), ``session``, ``level`` (``""`` when none),
            ``item``, ``score`` (``Int64``; ``<NA>`` = not scored yet),
            ``comment`` (``""`` when none).
        sessions: the meetings with at least one score, in the order the file
            first names them (or as given to :func:`read_scores`).
        path: the file read (``None`` for in-memory input).
    """

    checklist: Checklist
    frame: pd.DataFrame
    sessions: tuple[str, ...]
    path: str | None = None

    @property
    def scored(self) -> pd.DataFrame:
        """The rows with a score, with ``order`` (the meeting's position in :attr:`sessions`)."""
        f = self.frame.loc[self.frame["score"].notna()].copy()
        f["order"] = f["session"].map({s: i for i, s in enumerate(self.sessions)}).astype(int)
        return f


def read_scores(
    path: str | os.PathLike[str],
    checklist: Checklist | str | None = None,
    *,
    sessions: Sequence[str] | None = None,
    lang: str = "sv",
) -> Scores:
    """Read and validate a filled-in score sheet (CSV or xlsx).

    Columns are found by their headers (Swedish or English, any order):
    ``Möte``, ``Moment/punkt``, ``Poäng`` are required; ``Nivå`` when the
    checklist has levels; ``Version`` when ``checklist`` is not given (it
    names a shipped version); ``Kommentar`` and ``Beskrivning`` are optional
    (descriptions are not checked, so they may be edited). Empty rows are
    skipped; an empty score means "not scored yet".

    Args:
        path: the file.
        checklist: the checklist (or a shipped version id); default: the
            file's ``Version``.
        sessions: the meetings in order; default: the order the file first
            names them.
        lang: the language of error messages.

    Raises:
        ConfigError: one line naming the file, the row (header = 1) and the
            column: a missing column, an unknown version, level or item, a
            score that is not a whole number or outside the scale, a meeting
            and item given twice.
    """
    lang = language(lang)
    df, where = read_table(Path(path), lang)
    return _scores_from_sheet(canonical(df, where, lang, SCORE_HEADERS), checklist, sessions)


def scores_from_frame(
    df: pd.DataFrame,
    checklist: Checklist | str | None = None,
    *,
    sessions: Sequence[str] | None = None,
    lang: str = "sv",
) -> Scores:
    """:func:`read_scores` for a table in memory (row numbers count the header as 1)."""
    lang = language(lang)
    text = df.reset_index(drop=True).apply(cells_to_text)
    text.index = pd.RangeIndex(2, len(text) + 2)
    return _scores_from_sheet(canonical(text, None, lang, SCORE_HEADERS), checklist, sessions)


def _scores_from_sheet(
    sheet: Sheet, checklist: Checklist | str | None, sessions: Sequence[str] | None
) -> Scores:
    lang = sheet.lang
    shown = {
        "session": message(lang, "col_session"),
        "item": message(lang, "col_item"),
        "score": message(lang, "col_score", lo="", hi="").replace(" (–)", ""),
        "version": message(lang, "col_version"),
        "level": message(lang, "col_level"),
    }
    require(sheet, ("session", "item", "score"), shown)
    c = _resolve_checklist(sheet, checklist, shown)
    f = sheet.frame
    if c.levels:
        require(sheet, ("level",), shown)
    level = _check_levels(sheet, c)
    _check_items(sheet, c, level)
    score = _check_scores(sheet, c)
    bad = f.index[f["session"].eq("")]
    if len(bad):
        raise sheet.fail("session", bad, "err_missing_session")
    key = f["session"] + "\x00" + level + "\x00" + f["item"]
    dup = f.index[key.duplicated()]
    if len(dup):
        first = int(f.index[key.eq(key.loc[dup[0]])][0])
        what = c.item_word(lang)
        item = f.loc[dup[0], "item"]
        if c.levels:
            item = f"{item} ({c.level_name(level.loc[dup[0]], lang)})"
        raise sheet.fail(
            "item",
            dup,
            "err_duplicate",
            session=f.loc[dup[0], "session"],
            what=what,
            item=item,
            first=first,
        )
    frame = pd.DataFrame(
        {
            "row": f.index.to_numpy(dtype="int64"),
            "session": f["session"].to_numpy(dtype=object),
            "level": level.to_numpy(dtype=object),
            "item": f["item"].to_numpy(dtype=object),
            "score": score.to_numpy(),
            "comment": (f["comment"] if "comment" in f else pd.Series("", index=f.index)).to_numpy(
                dtype=object
            ),
        }
    )
    for col in ("session", "level", "item", "comment"):
        frame[col] = frame[col].astype(str)
    frame["score"] = frame["score"].astype("Int64")
    with_scores = frame.loc[frame["score"].notna(), "session"]
    if sessions is None:
        order = list(dict.fromkeys(frame["session"]))
    else:
        order = check_sessions(sessions)
        missing = sorted(set(with_scores) - set(order))
        if missing:
            raise InputError(f"meetings not in the given order: {', '.join(missing)}")
    present = set(with_scores)
    return Scores(c, frame, tuple(s for s in order if s in present), sheet.path)


def _resolve_checklist(
    sheet: Sheet, checklist: Checklist | str | None, shown: Mapping[str, str]
) -> Checklist:
    lang = sheet.lang
    known = ", ".join(VERSIONS)
    f = sheet.frame
    file_version = ""
    if "version" in f:
        given = f["version"].loc[f["version"].ne("")]
        if checklist is None:
            unknown = given.index[~given.isin(VERSIONS)]
            if len(unknown):
                raise sheet.fail(
                    "version",
                    unknown,
                    "err_version_unknown",
                    v=given.loc[unknown[0]],
                    known=known,
                )
        file_version = single_value(sheet, "version")
    if checklist is None:
        if not file_version:
            if "version" not in f:
                require(sheet, ("version",), shown)
            raise ConfigError(
                message(lang, "err_version_missing", known=known),
                path=sheet.path,
                key=sheet.where("version", int(f.index[0]) if len(f) else 2),
            )
        return get_checklist(file_version)
    c = get_checklist(checklist) if isinstance(checklist, str) else checklist
    if file_version and file_version != c.version:
        rows = f.index[f["version"].ne("") & f["version"].ne(c.version)]
        raise sheet.fail("version", rows, "err_version_mismatch", v=file_version, w=c.version)
    return c


def _check_levels(sheet: Sheet, c: Checklist) -> pd.Series:
    f = sheet.frame
    lang = sheet.lang
    if not c.levels:
        if "level" in f:
            bad = f.index[f["level"].ne("")]
            if len(bad):
                raise sheet.fail("level", bad, "err_level_none", version=c.version)
        return pd.Series("", index=f.index, dtype=object)
    aliases = {k: v for k, v in LEVEL_ALIASES.items() if v in c.levels}
    aliases.update({lvl.lower(): lvl for lvl in c.levels})
    aliases.update({c.level_name(lvl, lg).lower(): lvl for lvl in c.levels for lg in TEXT})
    norm = f["level"].str.split().str.join(" ").str.lower().fillna("")
    level = norm.map(aliases)
    known = ", ".join(c.level_name(lvl, lang) for lvl in c.levels)
    has_row = f["item"].ne("") | f["score"].ne("")
    missing = f.index[has_row & norm.eq("")]
    if len(missing):
        raise sheet.fail("level", missing, "err_missing_level", version=c.version, known=known)
    unknown = f.index[norm.ne("") & level.isna()]
    if len(unknown):
        raise sheet.fail(
            "level", unknown, "err_unknown_level", v=f.loc[unknown[0], "level"], known=known
        )
    return level.fillna("").astype(object)


def _check_items(sheet: Sheet, c: Checklist, level: pd.Series) -> None:
    f = sheet.frame
    lang = sheet.lang
    item = f["item"].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    f["item"] = item
    missing = f.index[item.eq("") & f["score"].ne("")]
    if len(missing):
        raise sheet.fail("item", missing, "err_missing_item")
    ids = [i.id for i in c.items]
    known = pd.MultiIndex.from_arrays([[i.level for i in c.items], ids])
    key_ok = pd.Series(
        pd.MultiIndex.from_arrays([level.astype(str), item.astype(str)]).isin(known),
        index=f.index,
    )
    unknown = f.index[item.ne("") & ~key_ok]
    if len(unknown):
        v = item.loc[unknown[0]]
        if c.levels and v in ids:
            raise sheet.fail(
                "item",
                unknown,
                "err_unknown_level_item",
                version=c.version,
                v=v,
                level=c.level_name(level.loc[unknown[0]], lang),
            )
        shown_ids = ", ".join(dict.fromkeys(ids))
        raise sheet.fail(
            "item", unknown, "err_unknown_item", v=v, version=c.version, known=shown_ids
        )


def _check_scores(sheet: Sheet, c: Checklist) -> pd.Series:
    f = sheet.frame
    raw = f["score"].str.replace(",", ".", regex=False)
    num = pd.to_numeric(raw, errors="coerce")
    given = raw.ne("")
    not_int = f.index[given & (num.isna() | (num % 1 != 0))]
    lo, hi = c.scale_min, c.scale_max
    if len(not_int):
        v = f.loc[not_int[0], "score"]
        raise sheet.fail("score", not_int, "err_not_integer", v=v, lo=lo, hi=hi)
    outside = f.index[given & ((num < lo) | (num > hi))]
    if len(outside):
        raise sheet.fail("score", outside, "err_scale", v=f"{num.loc[outside[0]]:g}", lo=lo, hi=hi)
    return num.astype("Int64")


__all__ = ["Scores", "read_scores", "scores_from_frame"]
