"""A checklist in the user's own wording, from TOML, CSV or xlsx.

The shipped editions carry short labels in koladagap's own words; where the
exact wording matters, :func:`load_checklist` reads the organisation's own.

Examples:
    >>> parse_scale("1–4"), parse_scale(" 0-2 ")
    ((1, 4), (0, 2))
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pandas as pd

from koladagap.checklist.model import (
    VERSIONS,
    Checklist,
    Item,
    from_toml,
    get_checklist,
    norm_level_name,
)
from koladagap.checklist.sheets import (
    CHECKLIST_HEADERS,
    Sheet,
    canonical,
    read_table,
    require,
    single_value,
)
from koladagap.checklist.text import language, message
from koladagap.errors import ConfigError, InputError

MAX_SCALE = 100
"""The highest score a checklist's scale may have (``0–100`` at most)."""


def load_checklist(
    path: str | os.PathLike[str],
    *,
    scale: tuple[int, int] | None = None,
    version: str | None = None,
    title: str | None = None,
    lang: str = "sv",
) -> Checklist:
    """A checklist with the user's own wording, from TOML, CSV or xlsx.

    A TOML file has the layout of the shipped files (``version``, ``title_sv``,
    ``[scale] min, max, labels_sv``, ``[[items]] id, sv, en``, optional
    ``levels``). A CSV or xlsx has one row per item with the columns
    ``Moment/punkt`` (or ``id``) and ``Beskrivning`` (or ``label_sv``), and
    optionally ``Description`` (English), ``Nivå`` (the level), ``Version``
    and ``Skala`` (e.g. ``1–4``).

    The scale comes from ``scale``, else the ``Skala`` column, else the
    shipped checklist named in ``Version`` (whose scale labels are kept).

    Raises:
        ConfigError: an unreadable file, a missing column, an item twice, no scale.
    """
    lang = language(lang)
    p = Path(path)
    if p.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(message(lang, "err_read", why=err.strerror), path=str(p)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"not valid TOML ({err})", path=str(p)) from None
        c = from_toml(doc, str(p))
        if scale is not None:
            c = _with_scale(c, scale, str(p))
        _check_scale(c.scale_min, c.scale_max, str(p))
        return c
    df, where = read_table(p, lang)
    sheet = canonical(df, where, lang, CHECKLIST_HEADERS)
    shown = {"item": message(lang, "col_item"), "label_sv": message(lang, "col_label")}
    require(sheet, ("item", "label_sv"), shown)
    f = sheet.frame
    if f.empty:
        raise ConfigError(message(lang, "err_empty"), path=where)
    bad = f.index[f["item"].eq("")]
    if len(bad):
        raise sheet.fail("item", bad, "err_missing_item")
    lvl = f["level"].map(norm_level_name) if "level" in f else pd.Series("", index=f.index)
    key = lvl + "\x00" + f["item"]
    dup = f.index[key.duplicated()]
    if len(dup):
        first = int(f.index[key.eq(key.loc[dup[0]])][0])
        item = f.loc[dup[0], "item"] + (f" ({lvl.loc[dup[0]]})" if lvl.loc[dup[0]] else "")
        raise sheet.fail("item", dup, "err_item_twice", item=item, first=first)
    file_version = single_value(sheet, "version") if "version" in f else ""
    base = get_checklist(file_version) if file_version in VERSIONS else None
    lo_hi = scale or _scale_column(sheet) or (base and (base.scale_min, base.scale_max))
    if not lo_hi:
        raise ConfigError(
            "no scale: give a Skala column such as 1–4, a shipped Version, or scale=(1, 4)",
            path=where,
        )
    lo, hi = int(lo_hi[0]), int(lo_hi[1])
    _check_scale(lo, hi, where)
    same = base is not None and (base.scale_min, base.scale_max) == (lo, hi)
    en = f["label_en"] if "label_en" in f else pd.Series("", index=f.index)
    items = tuple(
        Item(i, s, e, level)
        for i, s, e, level in zip(f["item"], f["label_sv"], en, lvl, strict=True)
    )
    v = version or file_version or p.stem
    return Checklist(
        version=v,
        title_sv=title or (base.title_sv if base else v),
        title_en=title or (base.title_en if base else v),
        scale_min=lo,
        scale_max=hi,
        scale_labels_sv=base.scale_labels_sv if base and same else (),
        scale_labels_en=base.scale_labels_en if base and same else (),
        items=items,
        item_word_sv=base.item_word_sv if base else "moment",
        item_word_en=base.item_word_en if base else "item",
        source=where,
    )


def _check_scale(lo: int, hi: int, where: str) -> None:
    """A scale of whole numbers ``0 <= lo < hi <= MAX_SCALE``, or one line naming the file."""
    ok = all(isinstance(v, int) and not isinstance(v, bool) for v in (lo, hi))
    if not ok or not 0 <= lo < hi <= MAX_SCALE:
        raise ConfigError(
            f"invalid scale {lo}–{hi}: expected whole numbers from 0 to {MAX_SCALE}, the lowest "
            "first, e.g. 1–4",
            path=where,
            key="scale",
        )


def _with_scale(c: Checklist, scale: tuple[int, int], where: str) -> Checklist:
    lo, hi = int(scale[0]), int(scale[1])
    if (lo, hi) == (c.scale_min, c.scale_max):
        return c
    return Checklist(
        c.version,
        c.title_sv,
        c.title_en,
        lo,
        hi,
        (),
        (),
        c.items,
        c.item_word_sv,
        c.item_word_en,
        where,
    )


def parse_scale(text: str) -> tuple[int, int]:
    """``"1-4"`` or ``"1–4"`` → ``(1, 4)``: whole numbers from 0 to :data:`MAX_SCALE`.

    Raises:
        InputError: anything else.

    >>> try:
    ...     parse_scale("1-1000")
    ... except InputError as err:
    ...     print(str(err)[:40])
    invalid scale '1-1000': expected lowest–
    """
    m = re.fullmatch(r"\s*([0-9]{1,4})\s*[-–—]\s*([0-9]{1,4})\s*", str(text))
    if not m or not int(m.group(1)) < int(m.group(2)) <= MAX_SCALE:
        raise InputError(
            f"invalid scale {text!r}: expected lowest–highest, whole numbers from 0 to "
            f"{MAX_SCALE}, e.g. 1–4"
        )
    return int(m.group(1)), int(m.group(2))


def _scale_column(sheet: Sheet) -> tuple[int, int] | None:
    if "scale" not in sheet.frame:
        return None
    col = sheet.frame["scale"]
    given = col.loc[col.ne("")]
    if given.empty:
        return None
    if given.nunique() > 1:
        raise sheet.fail("scale", given.index[given.ne(given.iloc[0])], "err_scale_mixed")
    try:
        return parse_scale(str(given.iloc[0]))
    except InputError as err:
        key = sheet.where("scale", int(given.index[0]))
        raise ConfigError(str(err), path=sheet.path, key=key) from None


__all__ = ["load_checklist", "parse_scale"]
