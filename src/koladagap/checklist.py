"""SKR's self-assessment checklist for gender mainstreaming: items, scores, movement, readiness.

Before each meeting of the benchmarking programme (start-up, Benchmarking 1–3,
the results conference) the organisation scores itself on a checklist and notes
how far it has moved. Three versions ship with koladagap (short labels written
for koladagap in its own words, not SKR's wording):

* ``"2017"``: 13 items (*punkter*), scale 1–3;
* ``"2019"``: 10 *moment*, scale 1–3;
* ``"2024"``: 10 *moment*, scale 1–4, scored at two levels: ``"övergripande"``
  (the organisation as a whole) and ``"nämnd"`` (board and administration).

A :class:`Checklist` is a versioned item set with its own ordinal scale;
:func:`load_checklist` reads one with the user's own wording (TOML, CSV or
xlsx). :func:`write_template` writes a score sheet (CSV or xlsx, Swedish
headers, one row per item per meeting); :func:`read_scores` reads it back and
fails with one line naming the file, the row (the header is row 1) and the
column. :func:`checklist_results` computes per meeting the sum, mean and counts
per score, the movement per item and in total since the previous meeting and
since the first, and readiness by a :class:`ReadinessRule`.
:func:`plot_checklist` draws the movement on one slide and
:func:`write_checklist_report` writes the tables and the chart.

Readiness
---------
The seed rule for being ready to act as a model municipality or region is, on
a 1–3 scale: *no item at the lowest level (1) and more than half of the items
at 3*. :meth:`ReadinessRule.default` states it for any scale as

* no item at the scale's lowest step, and
* more than half of the items at 3 **or higher**.

On 1–3 that is exactly the seed rule (3 is the top). On the 2024 scale 1–4 it
reads "no moment at 1 and more than half of the moments at 3 or 4": the
threshold keeps its value 3 (the upper half of a four-step scale) rather than
moving to 4, which would make the 2024 rule stricter than the one it replaces.
This is koladagap's translation, not SKR's; a stricter reading is one
argument away (``ReadinessRule(1, 4)`` or ``--rule floor=1,atleast=4``).
"More than half" is strict: exactly half is not enough (5 of 10 is not ready,
6 of 10 is). Every item must be scored at the meeting judged (the latest one
with scores); unscored items are reported. For 2024 each level is judged on
its own. The items that block readiness are the ones at or below the floor.

Examples:
    >>> c = get_checklist("2019")
    >>> c.version, len(c.items), (c.scale_min, c.scale_max)
    ('2019', 10, (1, 3))
    >>> ReadinessRule.default(c).describe(c)
    'inget moment på 1 och fler än hälften av momenten på 3'
    >>> c24 = get_checklist("2024")
    >>> len(c24.items), c24.levels
    (20, ('övergripande', 'nämnd'))
    >>> ReadinessRule.default(c24).describe(c24, "en")
    'no step at 1 and more than half of the steps at 3 or higher'
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
import textwrap
import tomllib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from koladagap._files import atomic_path as _atomic
from koladagap.errors import ConfigError, InputError

VERSIONS: tuple[str, ...] = ("2017", "2019", "2024")
"""The checklist versions shipped with koladagap."""

DEFAULT_SESSIONS: tuple[str, ...] = (
    "Uppstart",
    "Benchmarking 1",
    "Benchmarking 2",
    "Benchmarking 3",
    "Resultatkonferens",
)
"""The meetings of the benchmarking programme, in order."""

LEVEL_NAMES: dict[str, dict[str, str]] = {
    "sv": {"övergripande": "övergripande", "nämnd": "nämnd/förvaltning"},
    "en": {"övergripande": "overall", "nämnd": "board/administration"},
}
_LEVEL_ALIASES = {
    "övergripande": "övergripande",
    "overgripande": "övergripande",
    "övergripande nivå": "övergripande",
    "ö": "övergripande",
    "overall": "övergripande",
    "nämnd": "nämnd",
    "namnd": "nämnd",
    "nämnd/förvaltning": "nämnd",
    "nämnd och förvaltning": "nämnd",
    "nämnd/styrelse och förvaltning": "nämnd",
    "förvaltning": "nämnd",
    "n": "nämnd",
    "board": "nämnd",
    "board/administration": "nämnd",
}

REPORT_DPI = 200
"""Resolution of the report's PNG: 2000 × 1125 pixels on the 16:9 slide."""

ATTRIBUTION = "Källa: egen självskattning"
"""The chart footer: the scores are the organisation's own, not Kolada data."""

# --- text ---------------------------------------------------------------------------

TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "col_version": "Version",
        "col_session": "Möte",
        "col_level": "Nivå",
        "col_item": "Moment/punkt",
        "col_label": "Beskrivning",
        "col_score": "Poäng ({lo}–{hi})",
        "col_comment": "Kommentar",
        "row_col": "rad {row}, kolumn {letter} ({name})",
        "header_row": "rad 1",
        "more_rows": " (och {n} rader till)",
        "more_row": " (och 1 rad till)",
        "err_missing_column": "kolumnen {name!r} saknas; rubrikerna i filen är: {have}",
        "err_empty": "filen har inga rader",
        "err_read": "kan inte läsa filen ({why})",
        "err_suffix": "väntade en fil som slutar på .csv eller .xlsx",
        "err_openpyxl": (
            "för att läsa .xlsx behövs openpyxl: pip install openpyxl (eller spara som .csv)"
        ),
        "err_not_integer": "{v!r} är inte ett heltal; skriv en poäng {lo}–{hi} eller lämna tomt",
        "err_scale": "{v} ligger utanför skalan {lo}–{hi}",
        "err_unknown_item": "okänt moment/punkt {v!r} i checklistan {version}; kända: {known}",
        "err_unknown_level_item": "checklistan {version} har inte moment {v!r} på nivån {level}",
        "err_unknown_level": "okänd nivå {v!r}; ange en av: {known}",
        "err_missing_level": "nivå saknas; checklistan {version} har nivåerna {known}",
        "err_level_none": "checklistan {version} har inga nivåer; lämna kolumnen tom",
        "err_missing_session": "mötets namn saknas",
        "err_missing_item": "moment/punkt saknas",
        "err_duplicate": "{session!r} har redan {what} {item} på rad {first}",
        "err_item_twice": "{item} finns redan på rad {first}",
        "err_version_unknown": (
            "okänd version {v!r}; koladagap har {known} (eller ange en egen checklista)"
        ),
        "err_version_missing": "versionen saknas; skriv {known} eller ange en egen checklista",
        "err_version_mixed": "version {v!r}, men rad {first} har {w!r}; en version per fil",
        "err_version_mismatch": "version {v!r}, men checklistan är {w!r}",
        "err_scale_mixed": "olika skalor i samma fil",
    },
    "en": {
        "col_version": "Version",
        "col_session": "Session",
        "col_level": "Level",
        "col_item": "Item",
        "col_label": "Description",
        "col_score": "Score ({lo}–{hi})",
        "col_comment": "Comment",
        "row_col": "row {row}, column {letter} ({name})",
        "header_row": "row 1",
        "more_rows": " (and {n} more rows)",
        "more_row": " (and 1 more row)",
        "err_missing_column": "the column {name!r} is missing; the file's headers are: {have}",
        "err_empty": "the file has no rows",
        "err_read": "cannot read the file ({why})",
        "err_suffix": "expected a file name ending in .csv or .xlsx",
        "err_openpyxl": "reading .xlsx needs openpyxl: pip install openpyxl (or save as .csv)",
        "err_not_integer": "{v!r} is not a whole number; write a score {lo}–{hi} or leave it empty",
        "err_scale": "{v} is outside the scale {lo}–{hi}",
        "err_unknown_item": "unknown item {v!r} in checklist {version}; known: {known}",
        "err_unknown_level_item": "checklist {version} has no item {v!r} at level {level}",
        "err_unknown_level": "unknown level {v!r}; give one of: {known}",
        "err_missing_level": "the level is missing; checklist {version} has the levels {known}",
        "err_level_none": "checklist {version} has no levels; leave the column empty",
        "err_missing_session": "the session name is missing",
        "err_missing_item": "the item is missing",
        "err_duplicate": "{session!r} already has {what} {item} in row {first}",
        "err_item_twice": "{item} is already in row {first}",
        "err_version_unknown": (
            "unknown version {v!r}; koladagap has {known} (or give your own checklist)"
        ),
        "err_version_missing": "the version is missing; write {known} or give your own checklist",
        "err_version_mixed": "version {v!r}, but row {first} has {w!r}; one version per file",
        "err_version_mismatch": "version {v!r}, but the checklist is {w!r}",
        "err_scale_mixed": "different scales in one file",
    },
}

REPORT_TEXT: dict[str, dict[str, str]] = {
    "sv": {
        "level": "Nivå",
        "session": "Möte",
        "item": "Moment/punkt",
        "label": "Beskrivning",
        "score": "Poäng",
        "comment": "Kommentar",
        "n_items": "Antal moment",
        "n_scored": "Skattade",
        "sum": "Summa",
        "max_sum": "Högsta möjliga summa",
        "mean": "Medel",
        "n_at": "Antal på {k}",
        "change_prev": "Förändring sedan förra mötet",
        "change_first": "Förändring sedan {first}",
        "change_first_generic": "Förändring sedan första mötet",
        "n_up": "Antal upp",
        "n_down": "Antal ned",
        "ready": "Redo",
        "rule": "Regel",
        "blocking": "Hindrande",
        "unscored": "Ej skattade",
        "n_at_least": "Antal på tröskeln eller högre",
        "needed": "Antal som krävs",
        "yes": "ja",
        "no": "nej",
        "summary_line": (
            "{prefix}{session}: summa {sum} av {max_sum}, medel {mean} "
            "({n_scored} av {n_items} {items} skattade; {counts}){change}"
        ),
        "count_at": "{n} på {k}",
        "change_since": "; {d} sedan {prev} ({up} upp, {down} ned)",
        "change_since_first": ", {d} sedan {first}",
        "ready_line": (
            "{prefix}Redo att vara modellkommun/-region enligt regeln ”{rule}” ({session}): {yes}"
        ),
        "blocking_part": "; hindrande {items}: {ids}",
        "few_part": "; {n} av {total} på {k}{higher}, minst {need} krävs",
        "or_higher": " eller högre",
        "unscored_part": "; ej skattade: {ids}",
        "no_scores": "Inga poäng är ifyllda ännu.",
        "scale_note": "(koladagaps tolkning av regeln för skalan {lo}–{hi})",
        "rule_none": "inga krav",
        "rule_floor": "{no} {item} på {k}",
        "rule_floor_range": "{no} {item} på {lo}–{k}",
        "rule_share": "fler än {share} av {items}a på {k}{higher}",
        "half": "hälften",
        "sheet_summary": "Sammanfattning",
        "sheet_items": "Per moment",
        "sheet_scores": "Poäng och kommentarer",
        "sheet_ready": "Beredskap",
        "file_stem": "checklista",
        "file_items": "per_moment",
        "file_summary": "sammanfattning",
        "chart_level": "{level} nivå: ",
        "chart_sub": "{level}självskattning per {item} och möte; summa {sums} av {max_sum}",
        "chart_sub_one": "{level}självskattning per {item} vid {session}; summa {sum} av {max_sum}",
        "chart_change": "Sedan\n{first}",
        "chart_movement": "Förflyttning sedan {first}",
        "chart_none": "Inga poäng ifyllda",
    },
    "en": {
        "level": "Level",
        "session": "Session",
        "item": "Item",
        "label": "Description",
        "score": "Score",
        "comment": "Comment",
        "n_items": "Items",
        "n_scored": "Scored",
        "sum": "Sum",
        "max_sum": "Highest possible sum",
        "mean": "Mean",
        "n_at": "Number at {k}",
        "change_prev": "Change since the previous session",
        "change_first": "Change since {first}",
        "change_first_generic": "Change since the first session",
        "n_up": "Number up",
        "n_down": "Number down",
        "ready": "Ready",
        "rule": "Rule",
        "blocking": "Blocking",
        "unscored": "Not scored",
        "n_at_least": "Number at the threshold or higher",
        "needed": "Number needed",
        "yes": "yes",
        "no": "no",
        "summary_line": (
            "{prefix}{session}: sum {sum} of {max_sum}, mean {mean} "
            "({n_scored} of {n_items} {items} scored; {counts}){change}"
        ),
        "count_at": "{n} at {k}",
        "change_since": "; {d} since {prev} ({up} up, {down} down)",
        "change_since_first": ", {d} since {first}",
        "ready_line": (
            "{prefix}Ready to act as a model municipality/region by the rule "
            '"{rule}" ({session}): {yes}'
        ),
        "blocking_part": "; blocking {items}: {ids}",
        "few_part": "; {n} of {total} at {k}{higher}, at least {need} needed",
        "or_higher": " or higher",
        "unscored_part": "; not scored: {ids}",
        "no_scores": "No scores have been filled in yet.",
        "scale_note": "(koladagap's reading of the rule for the scale {lo}–{hi})",
        "rule_none": "no requirements",
        "rule_floor": "{no} {item} at {k}",
        "rule_floor_range": "{no} {item} at {lo}–{k}",
        "rule_share": "more than {share} of the {items} at {k}{higher}",
        "half": "half",
        "sheet_summary": "Summary",
        "sheet_items": "Per item",
        "sheet_scores": "Scores and comments",
        "sheet_ready": "Readiness",
        "file_stem": "checklist",
        "file_items": "items",
        "file_summary": "summary",
        "chart_level": "{level} level: ",
        "chart_sub": "{level}self-assessment per {item} and session; sum {sums} of {max_sum}",
        "chart_sub_one": "{level}self-assessment per {item} at {session}; sum {sum} of {max_sum}",
        "chart_change": "Since\n{first}",
        "chart_movement": "Movement since {first}",
        "chart_none": "No scores filled in",
    },
}

# Swedish plural of the item word, for running text
_PLURAL_SV = {"moment": "moment", "punkt": "punkter"}


def _lang(lang: str | None) -> str:
    if lang is None:
        return "sv"
    if lang not in TEXT:
        raise InputError(f"invalid lang {lang!r}: expected 'sv' or 'en'")
    return lang


def _t(lang: str, key: str, **kw: Any) -> str:
    return TEXT[_lang(lang)][key].format(**kw)


def _r(lang: str, key: str, **kw: Any) -> str:
    return REPORT_TEXT[_lang(lang)][key].format(**kw)


def _num(x: float, lang: str, decimals: int = 1) -> str:
    if not math.isfinite(x):
        return "–"
    s = f"{x:.{decimals}f}"
    return s.replace(".", ",") if lang == "sv" else s


def _signed(x: float) -> str:
    if not math.isfinite(x):
        return "–"
    if x > 0:
        return f"+{x:g}"
    if x < 0:
        return f"−{abs(x):g}"
    return "±0"


# --- the model ------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One item (*moment* or *punkt*) of a checklist.

    Attributes:
        id: the item's number or code as the checklist shows it (``"7"``).
        label_sv: a short Swedish label.
        label_en: a short English label (``""`` falls back to Swedish).
        level: ``""``, or the level the item is scored at (``"övergripande"``,
            ``"nämnd"``, or a level of the user's own checklist).
    """

    id: str
    label_sv: str
    label_en: str = ""
    level: str = ""

    def label(self, lang: str = "sv") -> str:
        """The label in ``lang`` (English falls back to Swedish)."""
        return (self.label_en or self.label_sv) if lang == "en" else self.label_sv


@dataclass(frozen=True)
class Checklist:
    """A versioned item set with its own ordinal scale.

    Attributes:
        version: ``"2017"``, ``"2019"``, ``"2024"`` or the user's own name.
        title_sv: the checklist's title in Swedish.
        title_en: in English.
        scale_min: the lowest score (1).
        scale_max: the highest score (3 or 4).
        scale_labels_sv: one short label per score, lowest first (or empty).
        scale_labels_en: in English.
        items: the items in checklist order; ``(level, id)`` is unique.
        item_word_sv: what an item is called (``"moment"`` or ``"punkt"``).
        item_word_en: in English (``"step"`` or ``"item"``).
        source: ``"koladagap"`` for a shipped version, else the file read.
    """

    version: str
    title_sv: str
    title_en: str
    scale_min: int
    scale_max: int
    scale_labels_sv: tuple[str, ...]
    scale_labels_en: tuple[str, ...]
    items: tuple[Item, ...]
    item_word_sv: str = "moment"
    item_word_en: str = "item"
    source: str = "koladagap"

    def __post_init__(self) -> None:
        where = None if self.source == "koladagap" else self.source
        if not self.scale_min < self.scale_max:
            raise ConfigError(
                f"the scale {self.scale_min}–{self.scale_max} needs a lowest score below the "
                "highest",
                path=where,
                key="scale",
            )
        steps = self.scale_max - self.scale_min + 1
        for labels in (self.scale_labels_sv, self.scale_labels_en):
            if labels and len(labels) != steps:
                raise ConfigError(
                    f"{len(labels)} scale labels for {steps} scores", path=where, key="scale"
                )
        if not self.items:
            raise ConfigError("the checklist has no items", path=where, key="items")
        keys = [(i.level, i.id) for i in self.items]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            shown = ", ".join(f"{lvl} {i}".strip() for lvl, i in dup)
            raise ConfigError(f"items given twice: {shown}", path=where, key="items")
        if len({bool(i.level) for i in self.items}) > 1:
            raise ConfigError(
                "give a level for every item or for none", path=where, key="items.level"
            )

    @property
    def scale(self) -> range:
        """The scores, lowest first."""
        return range(self.scale_min, self.scale_max + 1)

    @property
    def levels(self) -> tuple[str, ...]:
        """The levels items are scored at, in checklist order (``()`` when none)."""
        return tuple(dict.fromkeys(i.level for i in self.items if i.level))

    def title(self, lang: str = "sv") -> str:
        """The title in ``lang``."""
        return (self.title_en or self.title_sv) if lang == "en" else self.title_sv

    def items_at(self, level: str = "") -> tuple[Item, ...]:
        """The items scored at ``level`` (all items when the checklist has no levels)."""
        return tuple(i for i in self.items if i.level == level)

    def item_word(self, lang: str = "sv", plural: bool = False) -> str:
        """What an item is called, for running text."""
        if lang == "en":
            return self.item_word_en + ("s" if plural else "")
        return _PLURAL_SV.get(self.item_word_sv, self.item_word_sv) if plural else self.item_word_sv

    def scale_label(self, score: int, lang: str = "sv") -> str:
        """The short label of a score (``""`` when the checklist has none)."""
        labels = self.scale_labels_en if lang == "en" else self.scale_labels_sv
        labels = labels or self.scale_labels_sv
        return labels[score - self.scale_min] if labels else ""

    def level_name(self, level: str, lang: str = "sv") -> str:
        """A level as shown to readers (``"nämnd"`` → ``"nämnd/förvaltning"``)."""
        return LEVEL_NAMES[_lang(lang)].get(level, level)

    def items_frame(self, lang: str = "sv") -> pd.DataFrame:
        """One row per item: ``level, item, label, position`` (checklist order)."""
        return pd.DataFrame(
            {
                "level": [i.level for i in self.items],
                "item": [i.id for i in self.items],
                "label": [i.label(lang) for i in self.items],
                "position": np.arange(len(self.items)),
            }
        )


def checklist_versions() -> tuple[str, ...]:
    """The versions shipped with koladagap."""
    return VERSIONS


def get_checklist(version: str) -> Checklist:
    """A shipped checklist: ``"2017"``, ``"2019"`` or ``"2024"``.

    Raises:
        InputError: another version.
    """
    v = str(version).strip()
    if v not in VERSIONS:
        raise InputError(
            f"unknown checklist version {version!r}: expected one of {', '.join(VERSIONS)}"
        )
    return _shipped(v)


@cache
def _shipped(version: str) -> Checklist:
    res = resources.files(__package__ or "koladagap").joinpath("checklists")
    text = res.joinpath(f"{version}.toml").read_text(encoding="utf-8")
    return _from_toml(tomllib.loads(text), "koladagap")


def _from_toml(doc: Mapping[str, Any], source: str) -> Checklist:
    where = None if source == "koladagap" else source
    try:
        scale = doc["scale"]
        lo, hi = int(scale["min"]), int(scale["max"])
        levels = [_norm_level_name(str(x)) for x in doc.get("levels", [])]
        raw_items = doc["items"]
        items: list[Item] = []
        for lvl in levels or [""]:
            items += [
                Item(
                    str(it["id"]).strip(),
                    str(it["sv"]).strip(),
                    str(it.get("en", "")).strip(),
                    lvl or _norm_level_name(str(it.get("level", ""))),
                )
                for it in raw_items
            ]
        return Checklist(
            version=str(doc["version"]),
            title_sv=str(doc.get("title_sv", doc["version"])),
            title_en=str(doc.get("title_en", doc.get("title_sv", doc["version"]))),
            scale_min=lo,
            scale_max=hi,
            scale_labels_sv=tuple(str(x) for x in scale.get("labels_sv", ())),
            scale_labels_en=tuple(str(x) for x in scale.get("labels_en", ())),
            items=tuple(items),
            item_word_sv=str(doc.get("item_word_sv", "moment")),
            item_word_en=str(doc.get("item_word_en", "item")),
            source=source,
        )
    except KeyError as err:
        raise ConfigError("missing key", path=where, key=str(err.args[0])) from None
    except (TypeError, ValueError) as err:
        raise ConfigError(f"malformed checklist ({err})", path=where) from None


def _norm_level_name(s: str) -> str:
    k = " ".join(s.strip().split())
    return _LEVEL_ALIASES.get(k.lower(), k)


# --- reading user files ---------------------------------------------------------------

_SCORE_HEADERS = {
    "version": "version",
    "möte": "session",
    "session": "session",
    "meeting": "session",
    "nivå": "level",
    "level": "level",
    "moment/punkt": "item",
    "moment/punkt id": "item",
    "moment": "item",
    "punkt": "item",
    "id": "item",
    "item": "item",
    "item id": "item",
    "poäng": "score",
    "score": "score",
    "kommentar": "comment",
    "comment": "comment",
}
_CHECKLIST_HEADERS = {
    "version": "version",
    "nivå": "level",
    "level": "level",
    "moment/punkt": "item",
    "moment/punkt id": "item",
    "moment": "item",
    "punkt": "item",
    "id": "item",
    "item": "item",
    "beskrivning": "label_sv",
    "label_sv": "label_sv",
    "text": "label_sv",
    "description": "label_en",
    "label_en": "label_en",
    "skala": "scale",
    "scale": "scale",
}


def _norm_header(h: object) -> str:
    s = str(h).strip().lower()
    s = re.sub(r"\s*\(.*\)\s*$", "", s)  # "Poäng (1–3)" -> "poäng"
    return " ".join(s.split())


def _col_letter(j: int) -> str:
    out = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        out = chr(65 + r) + out
    return out


@dataclass
class _Sheet:
    """A user's table as read: text cells, the file, and where each column was."""

    frame: pd.DataFrame  # canonical columns, str cells ("" = empty), index = spreadsheet row
    path: str | None
    lang: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> header as written
    letters: dict[str, str] = field(default_factory=dict)  # canonical -> column letter
    raw_headers: list[str] = field(default_factory=list)  # every header, as written

    def where(self, col: str, row: int) -> str:
        return _t(
            self.lang,
            "row_col",
            row=row,
            letter=self.letters.get(col, "?"),
            name=self.headers.get(col, col),
        )

    def fail(self, col: str, rows: pd.Index, key: str, **kw: Any) -> ConfigError:
        """The error for the first of ``rows`` (and how many more there are)."""
        first = int(rows[0])
        msg = _t(self.lang, key, **kw)
        if len(rows) > 1:
            msg += _t(self.lang, "more_row" if len(rows) == 2 else "more_rows", n=len(rows) - 1)
        return ConfigError(msg, path=self.path, key=self.where(col, first))


def _read_table(path: Path, lang: str) -> tuple[pd.DataFrame, str]:
    """A CSV or the first sheet of an xlsx as text cells (``""`` for empty)."""
    suffix = path.suffix.lower()
    p = str(path)
    if suffix == ".csv":
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise ConfigError(_t(lang, "err_read", why=err.strerror), path=p) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252")  # "CSV (semikolonavgränsad)" from a Swedish Excel
        first = text.split("\n", 1)[0]
        sep = ";" if first.count(";") > first.count(",") else ","
        from io import StringIO

        try:
            df = pd.read_csv(
                StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
            )
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise ConfigError(_t(lang, "err_read", why=str(err).strip()), path=p) from None
    elif suffix in (".xlsx", ".xlsm"):
        if importlib.util.find_spec("openpyxl") is None:
            raise ConfigError(_t(lang, "err_openpyxl"), path=p)
        try:
            df = pd.read_excel(path, sheet_name=0, engine="openpyxl", dtype=object)
        except OSError as err:
            raise ConfigError(_t(lang, "err_read", why=err.strerror), path=p) from None
        except Exception as err:  # openpyxl raises many kinds for a broken file
            why = " ".join(str(err).split()) or type(err).__name__
            raise ConfigError(_t(lang, "err_read", why=why), path=p) from None
        df = df.apply(_cells_to_text)
    else:
        raise ConfigError(_t(lang, "err_suffix"), path=p)
    df.index = pd.RangeIndex(2, len(df) + 2)  # the spreadsheet's row numbers
    return df, p


def _cells_to_text(col: pd.Series) -> pd.Series:
    """Excel cells as text: ``3`` and ``3.0`` give ``"3"``, empty gives ``""``."""
    num = pd.to_numeric(col, errors="coerce")
    whole = num.notna() & np.isfinite(num.astype(float)) & (num.astype(float) % 1 == 0)
    out = col.astype(object).where(col.notna(), "").astype(str)
    out = out.where(~whole, num.where(whole, 0).astype("int64").astype(str))
    return out.str.strip()


def _canonical(df: pd.DataFrame, path: str | None, lang: str, aliases: Mapping[str, str]) -> _Sheet:
    headers: dict[str, str] = {}
    letters: dict[str, str] = {}
    columns: dict[str, pd.Series] = {}
    for j, h in enumerate(df.columns):
        name = aliases.get(_norm_header(h))
        if name is None or name in columns:
            continue
        headers[name] = str(h)
        letters[name] = _col_letter(j)
        columns[name] = df.iloc[:, j].fillna("").astype(str).str.strip()
    frame = pd.DataFrame(columns, index=df.index)
    blank = (frame == "").all(axis=1) if len(frame.columns) else pd.Series(True, index=df.index)
    raw = [str(h) for h in df.columns]
    return _Sheet(frame.loc[~blank], path, lang, headers, letters, raw)


def _require(sheet: _Sheet, cols: Iterable[str], shown: Mapping[str, str]) -> None:
    for c in cols:
        if c not in sheet.frame.columns:
            have = ", ".join(repr(h) for h in sheet.raw_headers) or "–"
            raise ConfigError(
                _t(sheet.lang, "err_missing_column", name=shown[c], have=have),
                path=sheet.path,
                key=_t(sheet.lang, "header_row"),
            )


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
    lang = _lang(lang)
    p = Path(path)
    if p.suffix.lower() == ".toml":
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except OSError as err:
            raise ConfigError(_t(lang, "err_read", why=err.strerror), path=str(p)) from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
            raise ConfigError(f"not valid TOML ({err})", path=str(p)) from None
        c = _from_toml(doc, str(p))
        if scale is not None:
            c = _with_scale(c, scale, str(p))
        return c
    df, where = _read_table(p, lang)
    sheet = _canonical(df, where, lang, _CHECKLIST_HEADERS)
    shown = {"item": _t(lang, "col_item"), "label_sv": _t(lang, "col_label")}
    _require(sheet, ("item", "label_sv"), shown)
    f = sheet.frame
    if f.empty:
        raise ConfigError(_t(lang, "err_empty"), path=where)
    bad = f.index[f["item"].eq("")]
    if len(bad):
        raise sheet.fail("item", bad, "err_missing_item")
    lvl = f["level"].map(_norm_level_name) if "level" in f else pd.Series("", index=f.index)
    key = lvl + "\x00" + f["item"]
    dup = f.index[key.duplicated()]
    if len(dup):
        first = int(f.index[key.eq(key.loc[dup[0]])][0])
        item = f.loc[dup[0], "item"] + (f" ({lvl.loc[dup[0]]})" if lvl.loc[dup[0]] else "")
        raise sheet.fail("item", dup, "err_item_twice", item=item, first=first)
    file_version = _single(sheet, "version") if "version" in f else ""
    base = _shipped(file_version) if file_version in VERSIONS else None
    lo_hi = scale or _scale_column(sheet) or (base and (base.scale_min, base.scale_max))
    if not lo_hi:
        raise ConfigError(
            "no scale: give a Skala column such as 1–4, a shipped Version, or scale=(1, 4)",
            path=where,
        )
    lo, hi = int(lo_hi[0]), int(lo_hi[1])
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
    """``"1-4"`` or ``"1–4"`` → ``(1, 4)``.

    Raises:
        InputError: anything else.
    """
    m = re.fullmatch(r"\s*(\d+)\s*[-–—]\s*(\d+)\s*", str(text))
    if not m or int(m.group(1)) >= int(m.group(2)):
        raise InputError(f"invalid scale {text!r}: expected lowest–highest, e.g. 1–4")
    return int(m.group(1)), int(m.group(2))


def _scale_column(sheet: _Sheet) -> tuple[int, int] | None:
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


def _single(sheet: _Sheet, col: str) -> str:
    s = sheet.frame[col]
    given = s.loc[s.ne("")]
    if given.empty:
        return ""
    other = given.index[given.ne(given.iloc[0])]
    if len(other):
        raise sheet.fail(
            col,
            other,
            "err_version_mixed",
            v=given.loc[other[0]],
            first=int(given.index[0]),
            w=given.iloc[0],
        )
    return str(given.iloc[0])


# --- scores ---------------------------------------------------------------------------


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


def template_frame(
    checklist: Checklist | str,
    sessions: Sequence[str] = DEFAULT_SESSIONS,
    lang: str = "sv",
) -> pd.DataFrame:
    """The empty score sheet: one row per item per meeting, meetings in order.

    Columns (Swedish): ``Version, Möte, [Nivå,] Moment/punkt, Beskrivning,
    Poäng (1–3), Kommentar``; ``Nivå`` only for checklists with levels.

    Examples:
        >>> t = template_frame("2019")
        >>> list(t.columns)
        ['Version', 'Möte', 'Moment/punkt', 'Beskrivning', 'Poäng (1–3)', 'Kommentar']
        >>> len(t), t["Möte"].iloc[0], t["Möte"].iloc[-1]
        (50, 'Uppstart', 'Resultatkonferens')
    """
    lang = _lang(lang)
    c = get_checklist(checklist) if isinstance(checklist, str) else checklist
    names = _check_sessions(sessions)
    items = c.items_frame(lang)
    grid = pd.DataFrame({"session": np.repeat(names, len(items))})
    grid = pd.concat([grid, pd.concat([items] * len(names), ignore_index=True)], axis=1)
    out = pd.DataFrame(
        {
            _t(lang, "col_version"): c.version,
            _t(lang, "col_session"): grid["session"],
        }
    )
    if c.levels:
        out[_t(lang, "col_level")] = grid["level"].map(LEVEL_NAMES[lang]).fillna(grid["level"])
    out[_t(lang, "col_item")] = grid["item"]
    out[_t(lang, "col_label")] = grid["label"]
    out[_t(lang, "col_score", lo=c.scale_min, hi=c.scale_max)] = pd.array(
        [pd.NA] * len(grid), dtype="Int64"
    )
    out[_t(lang, "col_comment")] = ""
    return out


def _check_sessions(sessions: Sequence[str]) -> list[str]:
    names = [str(s).strip() for s in sessions]
    if not names or any(not s for s in names):
        raise InputError("give at least one meeting name, none of them empty")
    dup = sorted({s for s in names if names.count(s) > 1})
    if dup:
        raise InputError(f"meeting named twice: {', '.join(dup)}")
    return names


def _xlsxwriter() -> Any:
    try:
        import xlsxwriter
    except ImportError as err:  # pragma: no cover - the extra is part of [test]
        raise InputError(
            "writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]' (or write .csv)"
        ) from err
    return xlsxwriter


def write_template(
    checklist: Checklist | str,
    path: str | os.PathLike[str],
    *,
    sessions: Sequence[str] = DEFAULT_SESSIONS,
    lang: str = "sv",
    overwrite: bool = False,
) -> Path:
    """Write the empty score sheet to ``path`` (``.xlsx`` or ``.csv``); return the path.

    The xlsx has the sheet to fill in first (scores limited to the scale by
    data validation) and a second sheet that explains the scale. A CSV is
    UTF-8 with a byte-order mark so that Excel shows å, ä and ö.

    Raises:
        InputError: another suffix, or the file exists and ``overwrite`` is false.
    """
    lang = _lang(lang)
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(
            f"invalid template file {str(out)!r}: expected a name ending in .xlsx or .csv"
        )
    if out.exists() and not overwrite:
        raise InputError(
            f"{out} exists (it may hold scores); choose another name or overwrite with --force"
        )
    c = get_checklist(checklist) if isinstance(checklist, str) else checklist
    df = template_frame(c, sessions, lang)
    if suffix == ".csv":
        with _atomic(out) as tmp:
            df.to_csv(tmp, index=False, encoding="utf-8-sig")
        return out
    xw = _xlsxwriter()
    with _atomic(out) as tmp:
        wb = xw.Workbook(str(tmp))
        head = wb.add_format({"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        ws = wb.add_worksheet("Självskattning" if lang == "sv" else "Self-assessment")
        ws.write_row(0, 0, list(df.columns), head)
        for j, col in enumerate(df.columns):
            values = df[col].astype(object).where(df[col].notna(), None).tolist()
            ws.write_column(1, j, ["" if v is None else v for v in values])
        widths = {"Beskrivning": 50, "Description": 50, "Kommentar": 50, "Comment": 50}
        for j, col in enumerate(df.columns):
            ws.set_column(j, j, widths.get(col, max(10, len(col) + 2)))
        score_col = list(df.columns).index(_t(lang, "col_score", lo=c.scale_min, hi=c.scale_max))
        ws.data_validation(
            1,
            score_col,
            len(df),
            score_col,
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": c.scale_min,
                "maximum": c.scale_max,
                "error_message": f"{c.scale_min}–{c.scale_max}",
            },
        )
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(df), len(df.columns) - 1)
        info = wb.add_worksheet("Skala" if lang == "sv" else "Scale")
        info.set_column(0, 0, 12)
        info.set_column(1, 1, 60)
        info.write(0, 0, c.title(lang), wb.add_format({"bold": True, "font_size": 13}))
        for k in c.scale:
            info.write_row(k - c.scale_min + 2, 0, [k, c.scale_label(k, lang)], wrap)
        info.write(c.scale_max - c.scale_min + 4, 0, ATTRIBUTION if lang == "sv" else "")
        wb.close()
    return out


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
    lang = _lang(lang)
    df, where = _read_table(Path(path), lang)
    return _scores_from_sheet(_canonical(df, where, lang, _SCORE_HEADERS), checklist, sessions)


def scores_from_frame(
    df: pd.DataFrame,
    checklist: Checklist | str | None = None,
    *,
    sessions: Sequence[str] | None = None,
    lang: str = "sv",
) -> Scores:
    """:func:`read_scores` for a table in memory (row numbers count the header as 1)."""
    lang = _lang(lang)
    text = df.reset_index(drop=True).apply(_cells_to_text)
    text.index = pd.RangeIndex(2, len(text) + 2)
    return _scores_from_sheet(_canonical(text, None, lang, _SCORE_HEADERS), checklist, sessions)


def _scores_from_sheet(
    sheet: _Sheet, checklist: Checklist | str | None, sessions: Sequence[str] | None
) -> Scores:
    lang = sheet.lang
    shown = {
        "session": _t(lang, "col_session"),
        "item": _t(lang, "col_item"),
        "score": _t(lang, "col_score", lo="", hi="").replace(" (–)", ""),
        "version": _t(lang, "col_version"),
        "level": _t(lang, "col_level"),
    }
    _require(sheet, ("session", "item", "score"), shown)
    c = _resolve_checklist(sheet, checklist, shown)
    f = sheet.frame
    if c.levels:
        _require(sheet, ("level",), shown)
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
        order = _check_sessions(sessions)
        missing = sorted(set(with_scores) - set(order))
        if missing:
            raise InputError(f"meetings not in the given order: {', '.join(missing)}")
    present = set(with_scores)
    return Scores(c, frame, tuple(s for s in order if s in present), sheet.path)


def _resolve_checklist(
    sheet: _Sheet, checklist: Checklist | str | None, shown: Mapping[str, str]
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
        file_version = _single(sheet, "version")
    if checklist is None:
        if not file_version:
            if "version" not in f:
                _require(sheet, ("version",), shown)
            raise ConfigError(
                _t(lang, "err_version_missing", known=known),
                path=sheet.path,
                key=sheet.where("version", int(f.index[0]) if len(f) else 2),
            )
        return _shipped(file_version)
    c = get_checklist(checklist) if isinstance(checklist, str) else checklist
    if file_version and file_version != c.version:
        rows = f.index[f["version"].ne("") & f["version"].ne(c.version)]
        raise sheet.fail("version", rows, "err_version_mismatch", v=file_version, w=c.version)
    return c


def _check_levels(sheet: _Sheet, c: Checklist) -> pd.Series:
    f = sheet.frame
    lang = sheet.lang
    if not c.levels:
        if "level" in f:
            bad = f.index[f["level"].ne("")]
            if len(bad):
                raise sheet.fail("level", bad, "err_level_none", version=c.version)
        return pd.Series("", index=f.index, dtype=object)
    aliases = {k: v for k, v in _LEVEL_ALIASES.items() if v in c.levels}
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


def _check_items(sheet: _Sheet, c: Checklist, level: pd.Series) -> None:
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


def _check_scores(sheet: _Sheet, c: Checklist) -> pd.Series:
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


# --- readiness -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadinessRule:
    """When the organisation is ready to act as a model municipality or region.

    Ready means: no item at or below ``no_item_at_or_below``, and more than
    ``share`` of the items at ``more_than_half_at_least`` or higher (and, with
    ``require_all_scored``, every item scored). ``None`` switches a part off.

    Attributes:
        no_item_at_or_below: the floor (the scale's lowest score by default).
        more_than_half_at_least: the threshold (3 by default).
        share: the share of items that must be *above*: more than half by default.
        require_all_scored: unscored items stop readiness.

    Examples:
        >>> ReadinessRule.default(get_checklist("2024"))
        ReadinessRule(no_item_at_or_below=1, more_than_half_at_least=3, share=0.5, \
require_all_scored=True)
    """

    no_item_at_or_below: int | None = 1
    more_than_half_at_least: int | None = 3
    share: float = 0.5
    require_all_scored: bool = True

    @classmethod
    def default(cls, checklist: Checklist) -> ReadinessRule:
        """The seed rule stated for the checklist's scale (see the module docstring)."""
        return cls(checklist.scale_min, min(3, checklist.scale_max))

    def validate(self, checklist: Checklist) -> ReadinessRule:
        """The rule itself if it fits the checklist's scale; else an :class:`InputError`."""
        lo, hi = checklist.scale_min, checklist.scale_max
        for name, v in (
            ("floor", self.no_item_at_or_below),
            ("threshold", self.more_than_half_at_least),
        ):
            if v is not None and not lo <= v <= hi:
                raise InputError(
                    f"invalid readiness rule: {name} {v} is outside the scale {lo}–{hi}"
                )
        if not 0 <= self.share < 1:
            raise InputError(
                f"invalid readiness rule: share {self.share} must be at least 0 and below 1"
            )
        return self

    def needed(self, n_items: int) -> int:
        """How many items must reach the threshold: the fewest that are more than ``share``."""
        return math.floor(self.share * n_items + 1e-9) + 1

    def describe(self, checklist: Checklist, lang: str = "sv") -> str:
        """The rule in words, e.g. ``"inget moment på 1 och fler än hälften av momenten på 3"``."""
        lang = _lang(lang)
        item = checklist.item_word(lang)
        items = checklist.item_word(lang, plural=True)
        parts: list[str] = []
        floor = self.no_item_at_or_below
        # Swedish: "inget moment" (neuter), "ingen punkt" (common gender)
        no = "no" if lang == "en" else ("ingen" if item == "punkt" else "inget")
        if floor is not None:
            if floor == checklist.scale_min:
                parts.append(_r(lang, "rule_floor", no=no, item=item, k=floor))
            else:
                parts.append(
                    _r(lang, "rule_floor_range", no=no, item=item, lo=checklist.scale_min, k=floor)
                )
        k = self.more_than_half_at_least
        if k is not None:
            share = _r(lang, "half") if self.share == 0.5 else f"{self.share:.0%}"
            higher = _r(lang, "or_higher") if k < checklist.scale_max else ""
            # Swedish definite plural: "momenten", "punkterna"
            if lang == "sv":
                definite = {"moment": "momenten", "punkter": "punkterna"}.get(items, items)
                txt = f"fler än {share} av {definite} på {k}{higher}"
            else:
                txt = _r(lang, "rule_share", share=share, items=items, k=k, higher=higher)
            parts.append(txt)
        if not parts:
            return _r(lang, "rule_none")
        return (" och " if lang == "sv" else " and ").join(parts)


def parse_rule(text: str, checklist: Checklist) -> ReadinessRule:
    """A rule from ``key=value`` pairs, starting from the default for the checklist.

    Keys: ``floor`` (or ``no_item_at_or_below``, ``lägst``), ``atleast`` (or
    ``more_than_half_at_least``, ``minst``), ``share`` (``andel``) and
    ``all_scored`` (``yes``/``no``); ``none`` switches a part off.

    Examples:
        >>> c = get_checklist("2024")
        >>> parse_rule("atleast=4", c)
        ReadinessRule(no_item_at_or_below=1, more_than_half_at_least=4, share=0.5, \
require_all_scored=True)

    Raises:
        InputError: an unknown key or a value off the scale.
    """
    keys = {
        "floor": "no_item_at_or_below",
        "no_item_at_or_below": "no_item_at_or_below",
        "lägst": "no_item_at_or_below",
        "atleast": "more_than_half_at_least",
        "at_least": "more_than_half_at_least",
        "more_than_half_at_least": "more_than_half_at_least",
        "minst": "more_than_half_at_least",
        "share": "share",
        "andel": "share",
        "all_scored": "require_all_scored",
    }
    base = ReadinessRule.default(checklist)
    values: dict[str, Any] = {
        "no_item_at_or_below": base.no_item_at_or_below,
        "more_than_half_at_least": base.more_than_half_at_least,
        "share": base.share,
        "require_all_scored": base.require_all_scored,
    }
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text or ""))):
        k, sep, v = part.partition("=")
        name = keys.get(k.strip().lower())
        if not sep or name is None:
            raise InputError(
                f"invalid readiness rule {part!r}: expected key=value with the keys "
                "floor, atleast, share, all_scored (e.g. floor=1,atleast=3)"
            )
        v = v.strip().lower()
        try:
            if name == "require_all_scored":
                values[name] = {
                    "yes": True,
                    "ja": True,
                    "true": True,
                    "no": False,
                    "nej": False,
                    "false": False,
                }[v]
            elif name == "share":
                values[name] = float(v.rstrip("%")) / (100 if v.endswith("%") else 1)
            else:
                values[name] = None if v in ("none", "ingen", "") else int(v)
        except (KeyError, ValueError):
            raise InputError(f"invalid readiness rule {part!r}: cannot read {v!r}") from None
    return ReadinessRule(**values).validate(checklist)


@dataclass(frozen=True)
class Readiness:
    """Whether one level (or the whole checklist) meets a readiness rule at a meeting.

    Attributes:
        level: ``""`` or the level judged.
        session: the meeting judged (the latest with scores at the level).
        ready: the rule is met.
        blocking: items at or below the floor, in checklist order.
        unscored: items without a score at the meeting.
        n_items: the items at the level.
        n_at_least: items at the threshold or higher.
        needed: items that must be at the threshold or higher.
    """

    level: str
    session: str
    ready: bool
    blocking: tuple[str, ...]
    unscored: tuple[str, ...]
    n_items: int
    n_at_least: int
    needed: int


# --- results --------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistResult:
    """Sums, means, counts, movement and readiness of one organisation's scores.

    Attributes:
        checklist: the checklist.
        rule: the readiness rule applied.
        sessions: the meetings with scores, in order.
        scores: the scored rows (``level, session, order, item, score,
            comment``) with ``change_prev`` (since the previous meeting with
            scores at the level; ``<NA>`` when the item was not scored at both)
            and ``change_first`` (since the first).
        summary: one row per level and meeting: ``level, session, order,
            n_items, n_scored, sum, max_sum, mean, n_at_<k>`` for each score
            ``k``, ``change_prev`` and ``change_first`` (the item movements
            added up, over items scored at both meetings), ``n_up, n_down``
            (items up and down since the previous meeting).
        items: one row per item: ``level, item, label_sv, label_en``, one
            column per meeting with its score, ``change_prev`` and
            ``change_first`` of the latest meeting.
        readiness: one :class:`Readiness` per level with scores.
    """

    checklist: Checklist
    rule: ReadinessRule
    sessions: tuple[str, ...]
    scores: pd.DataFrame
    summary: pd.DataFrame
    items: pd.DataFrame
    readiness: tuple[Readiness, ...]

    @property
    def ready(self) -> bool:
        """Every level judged meets the rule (``False`` when nothing is scored)."""
        return bool(self.readiness) and all(r.ready for r in self.readiness)

    def _prefix(self, level: str, lang: str) -> str:
        return f"{self.checklist.level_name(level, lang).capitalize()} – " if level else ""

    def summary_lines(self, lang: str = "sv") -> list[str]:
        """One line per level and meeting: sum, mean, counts and movement."""
        lang = _lang(lang)
        c = self.checklist
        lines: list[str] = []
        sm = self.summary.assign(
            prev=self.summary.groupby("level", sort=False)["session"].shift(1),
            first=self.summary.groupby("level", sort=False)["session"].transform("first"),
        )
        records: list[dict[Any, Any]] = sm.to_dict("records")
        for row in records:  # one printed line per meeting
            counts = ", ".join(_r(lang, "count_at", n=int(row[f"n_at_{k}"]), k=k) for k in c.scale)
            change = ""
            if not pd.isna(row["change_prev"]):
                change = _r(
                    lang,
                    "change_since",
                    d=_signed(float(row["change_prev"])),
                    prev=row["prev"],
                    up=int(row["n_up"]),
                    down=int(row["n_down"]),
                )
                if row["first"] != row["prev"] and not pd.isna(row["change_first"]):
                    d = _signed(float(row["change_first"]))
                    change += _r(lang, "change_since_first", d=d, first=row["first"])
            lines.append(
                _r(
                    lang,
                    "summary_line",
                    prefix=self._prefix(str(row["level"]), lang),
                    session=row["session"],
                    sum=int(row["sum"]),
                    max_sum=int(row["max_sum"]),
                    mean=_num(float(row["mean"]), lang),
                    n_scored=int(row["n_scored"]),
                    n_items=int(row["n_items"]),
                    items=c.item_word(lang, plural=True),
                    counts=counts,
                    change=change,
                )
            )
        return lines

    def readiness_line(self, r: Readiness, lang: str = "sv") -> str:
        """The readiness of one level as one line."""
        lang = _lang(lang)
        c = self.checklist
        line = _r(
            lang,
            "ready_line",
            prefix=self._prefix(r.level, lang),
            rule=self.rule.describe(c, lang),
            session=r.session,
            yes=_r(lang, "yes" if r.ready else "no"),
        )
        items = c.item_word(lang, plural=True)
        if r.blocking:
            line += _r(lang, "blocking_part", items=items, ids=", ".join(r.blocking))
        k = self.rule.more_than_half_at_least
        if k is not None and r.n_at_least < r.needed:
            higher = _r(lang, "or_higher") if k < c.scale_max else ""
            line += _r(
                lang,
                "few_part",
                n=r.n_at_least,
                total=r.n_items,
                k=k,
                higher=higher,
                need=r.needed,
            )
        if r.unscored and self.rule.require_all_scored:
            line += _r(lang, "unscored_part", ids=", ".join(r.unscored))
        if c.scale_max != 3 and self.rule == ReadinessRule.default(c):
            line += " " + _r(lang, "scale_note", lo=c.scale_min, hi=c.scale_max)
        return line

    def readiness_lines(self, lang: str = "sv") -> list[str]:
        """One readiness line per level; a note when nothing is scored."""
        if not self.readiness:
            return [_r(lang, "no_scores")]
        return [self.readiness_line(r, lang) for r in self.readiness]

    def summary_table(self, lang: str = "sv") -> pd.DataFrame:
        """:attr:`summary` with headers in ``lang`` (for the report)."""
        lang = _lang(lang)
        c = self.checklist
        s = self.summary.drop(columns=["order"])
        if not c.levels:
            s = s.drop(columns=["level"])
        else:
            s["level"] = s["level"].map(lambda x: c.level_name(x, lang))
        s["mean"] = s["mean"].round(2)
        names = {
            col: _r(lang, col)
            for col in REPORT_TEXT["sv"]
            if col in s.columns and col != "change_first"
        }
        names.update({f"n_at_{k}": _r(lang, "n_at", k=k) for k in c.scale})
        names["change_first"] = _r(lang, "change_first_generic")
        return s.rename(columns=names)

    def items_table(self, lang: str = "sv") -> pd.DataFrame:
        """:attr:`items` with headers in ``lang`` and labels in ``lang`` (for the report)."""
        lang = _lang(lang)
        c = self.checklist
        t = self.items.copy()
        en = t["label_en"].where(t["label_en"].ne(""), t["label_sv"])
        t.insert(2, "label", en if lang == "en" else t["label_sv"])
        t = t.drop(columns=["label_sv", "label_en"])
        if not c.levels:
            t = t.drop(columns=["level"])
        else:
            t["level"] = t["level"].map(lambda x: c.level_name(x, lang))
        first = self.sessions[0] if self.sessions else ""
        names = {col: _r(lang, col) for col in ("level", "item", "label", "change_prev")}
        names["change_first"] = _r(lang, "change_first", first=first)
        return t.rename(columns=names)

    def scores_table(self, lang: str = "sv") -> pd.DataFrame:
        """Every score with its comment, headers in ``lang``."""
        lang = _lang(lang)
        c = self.checklist
        cols = ["session", "level", "item", "score", "comment", "change_prev", "change_first"]
        t = self.scores[cols].copy()
        if not c.levels:
            t = t.drop(columns=["level"])
        else:
            t["level"] = t["level"].map(lambda x: c.level_name(x, lang))
        names = {col: _r(lang, col) for col in cols if col != "change_first"}
        names["change_first"] = _r(lang, "change_first_generic")
        return t.rename(columns=names)

    def readiness_table(self, lang: str = "sv") -> pd.DataFrame:
        """One row per level judged, headers in ``lang``."""
        lang = _lang(lang)
        c = self.checklist
        rows = [
            {
                _r(lang, "level"): c.level_name(r.level, lang),
                _r(lang, "session"): r.session,
                _r(lang, "ready"): _r(lang, "yes" if r.ready else "no"),
                _r(lang, "rule"): self.rule.describe(c, lang),
                _r(lang, "blocking"): ", ".join(r.blocking),
                _r(lang, "unscored"): ", ".join(r.unscored),
                _r(lang, "n_at_least"): r.n_at_least,
                _r(lang, "needed"): r.needed,
                _r(lang, "n_items"): r.n_items,
            }
            for r in self.readiness
        ]
        t = pd.DataFrame(rows)
        if not c.levels and len(t):
            t = t.drop(columns=[_r(lang, "level")])
        return t


def checklist_results(scores: Scores, rule: ReadinessRule | None = None) -> ChecklistResult:
    """Sum, mean, counts per score, movement and readiness, per level and meeting.

    Meetings without any score are left out; movement compares each meeting
    with the previous one that has scores at the same level, item by item
    (an item not scored at both meetings has no movement).

    Examples:
        >>> c = get_checklist("2019")
        >>> t = template_frame(c, ["Uppstart", "Benchmarking 1"])
        >>> t["Poäng (1–3)"] = [1] * 10 + [1, 2, 3, 3, 3, 3, 3, 3, 2, 2]
        >>> res = checklist_results(scores_from_frame(t))
        >>> res.summary[["session", "sum", "mean", "n_at_3", "change_prev", "n_up"]]
                  session  sum  mean  n_at_3  change_prev  n_up
        0        Uppstart   10   1.0       0         <NA>     0
        1  Benchmarking 1   25   2.5       6           15     9
        >>> r = res.readiness[0]
        >>> r.ready, r.blocking, r.n_at_least, r.needed
        (False, ('1',), 6, 6)
    """
    c = scores.checklist
    rule = (rule or ReadinessRule.default(c)).validate(c)
    s = scores.scored
    items = c.items_frame()
    items["label_en"] = [i.label("en") for i in c.items]
    items = items.rename(columns={"label": "label_sv"})
    s = s.merge(items[["level", "item", "position"]], on=["level", "item"], how="left")
    s = s.sort_values(["level", "order", "position"], kind="stable", ignore_index=True)
    s["score_f"] = s["score"].astype("float64")

    # per level: the meetings with scores there, in order; each meeting's predecessor
    meetings = s[["level", "order", "session"]].drop_duplicates().sort_values(["level", "order"])
    meetings["prev"] = meetings.groupby("level")["order"].shift(1)
    meetings["first"] = meetings.groupby("level")["order"].transform("min")
    s = s.merge(meetings[["level", "order", "prev", "first"]], on=["level", "order"], how="left")
    ref = s[["level", "item", "order", "score_f"]]
    prev = ref.rename(columns={"order": "prev", "score_f": "score_prev"})
    first = ref.rename(columns={"order": "first", "score_f": "score_first"})
    s = s.merge(prev, on=["level", "item", "prev"], how="left")
    s = s.merge(first, on=["level", "item", "first"], how="left")
    s["change_prev"] = (s["score_f"] - s["score_prev"]).astype("Int64")
    s["change_first"] = (s["score_f"] - s["score_first"]).astype("Int64")
    s.loc[s["order"].eq(s["first"]), "change_first"] = pd.NA  # the first meeting has no change

    summary = _summary(s, c)
    wide = _items_wide(s, c, items, scores.sessions)
    readiness = _readiness(s, c, rule, meetings)
    keep = ["level", "session", "order", "item", "score", "comment", "change_prev", "change_first"]
    return ChecklistResult(c, rule, scores.sessions, s[keep], summary, wide, readiness)


def _summary(s: pd.DataFrame, c: Checklist) -> pd.DataFrame:
    cols = ["level", "session", "order", "n_items", "n_scored", "sum", "max_sum", "mean"]
    cols += [f"n_at_{k}" for k in c.scale]
    cols += ["change_prev", "change_first", "n_up", "n_down"]
    if s.empty:
        return pd.DataFrame(columns=cols)
    g = s.groupby(["level", "order", "session"], sort=True)
    out = g.agg(
        n_scored=("score_f", "size"),
        sum=("score_f", "sum"),
        mean=("score_f", "mean"),
        change_prev=("change_prev", lambda x: x.sum(min_count=1)),
        change_first=("change_first", lambda x: x.sum(min_count=1)),
        n_up=("change_prev", lambda x: int((x > 0).sum())),
        n_down=("change_prev", lambda x: int((x < 0).sum())),
    ).reset_index()
    counts = pd.crosstab([s["level"], s["order"]], s["score"].astype(int))
    counts = counts.reindex(columns=list(c.scale), fill_value=0)
    counts.columns = [f"n_at_{k}" for k in c.scale]
    out = out.merge(counts.reset_index(), on=["level", "order"], how="left")
    n_items = pd.Series([i.level for i in c.items]).value_counts()
    out["n_items"] = out["level"].map(n_items).astype("int64")
    out["max_sum"] = out["n_items"] * c.scale_max
    out["sum"] = out["sum"].astype("int64")
    for col in ("change_prev", "change_first"):
        out[col] = out[col].astype("Int64")
    level_rank = {lvl: i for i, lvl in enumerate(c.levels or ("",))}
    out["_lv"] = out["level"].map(level_rank)
    out = out.sort_values(["_lv", "order"], ignore_index=True).drop(columns="_lv")
    return out[cols]


def _items_wide(
    s: pd.DataFrame, c: Checklist, items: pd.DataFrame, sessions: Sequence[str]
) -> pd.DataFrame:
    base = items[["level", "item", "label_sv", "label_en"]].copy()
    if s.empty:
        base["change_prev"] = pd.array([pd.NA] * len(base), dtype="Int64")
        base["change_first"] = pd.array([pd.NA] * len(base), dtype="Int64")
        return base
    wide = s.pivot(index=["level", "item"], columns="session", values="score")
    wide = wide.reindex(columns=[x for x in sessions if x in wide.columns])
    wide.columns = [str(x) for x in wide.columns]
    out = base.merge(wide.reset_index(), on=["level", "item"], how="left")
    # the movement at the latest meeting with scores at the item's level
    latest = s.loc[s["order"].eq(s.groupby("level")["order"].transform("max"))]
    out = out.merge(
        latest[["level", "item", "change_prev", "change_first"]], on=["level", "item"], how="left"
    )
    for col in list(wide.columns) + ["change_prev", "change_first"]:
        out[col] = out[col].astype("Int64")
    return out


def _readiness(
    s: pd.DataFrame, c: Checklist, rule: ReadinessRule, meetings: pd.DataFrame
) -> tuple[Readiness, ...]:
    if s.empty:
        return ()
    last = meetings.groupby("level").tail(1).set_index("level")
    at_last = s.merge(last[["order"]].reset_index(), on=["level", "order"])
    items = c.items_frame()
    joined = items.merge(
        at_last[["level", "item", "score_f"]], on=["level", "item"], how="left"
    ).sort_values("position")
    floor, k = rule.no_item_at_or_below, rule.more_than_half_at_least
    joined["blocking"] = joined["score_f"].le(floor) if floor is not None else False
    joined["at_least"] = joined["score_f"].ge(k) if k is not None else False
    joined["unscored"] = joined["score_f"].isna()
    out: list[Readiness] = []
    for level in [lvl for lvl in (c.levels or ("",)) if lvl in last.index]:
        j = joined.loc[joined["level"].eq(level)]
        n = len(j)
        needed = rule.needed(n) if k is not None else 0
        n_at_least = int(j["at_least"].sum())
        blocking = tuple(j.loc[j["blocking"], "item"])
        unscored = tuple(j.loc[j["unscored"], "item"])
        ready = (
            not blocking
            and (k is None or n_at_least >= needed)
            and not (rule.require_all_scored and unscored)
        )
        out.append(
            Readiness(
                level,
                str(last.loc[level, "session"]),
                ready,
                blocking,
                unscored,
                n,
                n_at_least,
                needed,
            )
        )
    return tuple(out)


# --- chart ----------------------------------------------------------------------------

SESSION_STYLE: tuple[tuple[str, str], ...] = (
    ("#999999", "o"),  # Okabe–Ito grey
    ("#56B4E9", "s"),  # sky blue
    ("#009E73", "D"),  # bluish green
    ("#E69F00", "p"),  # orange
    ("#0072B2", "v"),  # blue
    ("#D55E00", "P"),  # vermilion
    ("#CC79A7", "X"),  # reddish purple
    ("#000000", "h"),  # black
)
"""Colour and marker per meeting, in order (Okabe–Ito colours, distinct shapes)."""


def plot_checklist(
    result: ChecklistResult,
    ax: Axes | None = None,
    lang: str = "sv",
    level: str | None = None,
) -> Axes:
    """Scores per item for each meeting on one slide, with the movement since the first.

    A dot plot: one row per item, the scale along x, one marker per meeting
    (Okabe–Ito colour *and* shape, so it survives grey print and colour-blind
    readers; the latest meeting has a black edge), an arrow from the first
    meeting's score to the latest, and the change since the first meeting in
    a column at the right. The readiness line is a note under the chart and
    the footer reads "Källa: egen självskattning". For a checklist with levels
    one level is drawn (default: the first with scores).

    On a new figure (``ax=None``) or a figure with this Axes only, the slide
    layout is set (16:9, title and subtitle at the top left).

    Artists carry a ``gid``: ``"session:<name>"`` (one :class:`Line2D` per
    meeting), ``"movement"`` (the arrows), ``"change"`` (the texts at the
    right), and figure texts ``"title"``, ``"subtitle"``, ``"readiness"``,
    ``"attribution"``.

    Raises:
        InputError: ``level`` is not a level of the checklist, or ``lang`` is not sv/en.
    """
    from koladagap.render import charts

    lang = _lang(lang)
    c = result.checklist
    lvl = _chart_level(result, level)
    if ax is None:
        ax = Figure(figsize=charts.SLIDE_SIZE).add_subplot()
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    own_layout = len(fig.axes) == 1
    items = c.items_at(lvl)
    ys = pd.Series(np.arange(len(items), dtype=float), index=[it.id for it in items])
    s = result.scores.loc[result.scores["level"].eq(lvl)]
    sessions = [x for x in result.sessions if x in set(s["session"])]
    _draw_sessions(ax, s, sessions, ys)
    if len(sessions) > 1:
        _draw_movement(ax, result.items.loc[result.items["level"].eq(lvl)], sessions, ys, lang)
    _checklist_axes(ax, c, items, lang)
    note = _readiness_note(result, lvl, lang)
    bottom_in = _CHART_FOOT_IN + _CHART_NOTE_LINE_IN * (note.count("\n") + 1 if note else 0)
    legend_rows = _checklist_legend(ax, sessions, lang, own_layout, bottom_in)
    if not sessions:
        ax.text(0.5, 0.5, _r(lang, "chart_none"), transform=ax.transAxes, ha="center")
    _checklist_texts(ax, result, lvl, sessions, lang, own_layout, note)
    if own_layout:
        height = fig.get_figheight()
        fig.subplots_adjust(
            left=_CHART_LEFT if len(items) <= 10 else _CHART_LEFT + 0.04,
            right=_CHART_RIGHT,
            top=1 - _CHART_TOP_IN / height,
            bottom=(bottom_in + _CHART_LEGEND_IN * legend_rows + _CHART_TICKS_IN) / height,
        )
    return ax


_CHART_LEFT, _CHART_RIGHT = 0.37, 0.90  # figure fractions: item labels left, changes right
_CHART_TOP_IN = 1.08  # title, subtitle and the change column's head
_CHART_FOOT_IN = 0.30  # the attribution line
_CHART_NOTE_LINE_IN = 0.19
_CHART_LEGEND_IN = 0.3  # per legend row
_CHART_TICKS_IN = 0.50


def _dodge(k: int) -> np.ndarray:
    """Horizontal offsets (scale units) that set the meetings side by side at a score."""
    step = 0.075 if k <= 5 else 0.36 / max(k - 1, 1)
    return (np.arange(k) - (k - 1) / 2) * step


_MARK_DY, _ARROW_DY = -0.1, 0.24  # rows: markers just above the centre, the arrow below


def _draw_sessions(ax: Axes, s: pd.DataFrame, sessions: Sequence[str], ys: pd.Series) -> None:
    k = len(sessions)
    dx = _dodge(k)
    for j, name in enumerate(sessions):
        colour, marker = SESSION_STYLE[j % len(SESSION_STYLE)]
        sub = s.loc[s["session"].eq(name)]
        last = j == k - 1
        ax.plot(
            sub["score"].astype(float).to_numpy() + dx[j],
            ys.reindex(sub["item"]).to_numpy(dtype=float) + _MARK_DY,
            linestyle="none",
            marker=marker,
            markersize=9.0 if last else 7.5,
            markerfacecolor=colour,
            markeredgecolor="#000000" if last else "white",
            markeredgewidth=1.0 if last else 0.6,
            color=colour,
            label=name,
            gid=f"session:{name}",
            zorder=4 if last else 3,
        )


def _draw_movement(
    ax: Axes, w: pd.DataFrame, sessions: Sequence[str], ys: pd.Series, lang: str
) -> None:
    dx = _dodge(len(sessions))
    a = w[sessions[0]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    b = w[sessions[-1]].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    y = ys.reindex(w["item"]).to_numpy(dtype=float)
    moved = np.isfinite(a) & np.isfinite(b) & (a != b)
    x0s, x1s = (a[moved] + dx[0]).tolist(), (b[moved] + dx[-1]).tolist()
    for x0, x1, yy in zip(x0s, x1s, (y[moved] + _ARROW_DY).tolist(), strict=True):
        ax.annotate(
            "",
            xy=(x1, yy),
            xytext=(x0, yy),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#6E6E6E",
                "lw": 1.5,
                "shrinkA": 0,
                "shrinkB": 0,
                "mutation_scale": 11,
            },
            zorder=2,
            gid="movement",
        )
    trans = ax.get_yaxis_transform()
    changes = w["change_first"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    for yy, d in zip(y.tolist(), changes.tolist(), strict=True):
        moved_d = math.isfinite(d) and d != 0
        ax.text(
            1.03,
            yy,
            _signed(d) if math.isfinite(d) else "–",
            transform=trans,
            ha="left",
            va="center",
            fontsize=10.5,
            fontweight="bold" if moved_d else "normal",
            color="#000000" if moved_d else "#666666",
            gid="change",
        )
    ax.text(
        1.03,
        1.01,
        _r(lang, "chart_change", first=sessions[0]),
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        fontsize=9.5,
        color="#333333",
        gid="change_head",
    )


def _chart_level(result: ChecklistResult, level: str | None) -> str:
    c = result.checklist
    if not c.levels:
        if level:
            raise InputError(f"checklist {c.version} has no levels; leave level out")
        return ""
    if level is None:
        with_scores = [lvl for lvl in c.levels if result.scores["level"].eq(lvl).any()]
        return (with_scores or list(c.levels))[0]
    norm = _norm_level_name(level)
    if norm not in c.levels:
        raise InputError(
            f"invalid level {level!r}: checklist {c.version} has {', '.join(c.levels)}"
        )
    return norm


def _checklist_axes(ax: Axes, c: Checklist, items: Sequence[Item], lang: str) -> None:
    n = len(items)
    size, width = (10.0, 44) if n <= 10 else (8.5, 66)
    labels = [textwrap.fill(f"{it.id}. {it.label(lang)}", width) for it in items]
    ax.set_yticks(np.arange(n), labels, fontsize=size)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xticks(
        list(c.scale),
        [f"{k}\n{textwrap.fill(c.scale_label(k, lang), 24)}".strip() for k in c.scale],
        fontsize=9.5,
    )
    ax.set_xlim(c.scale_min - 0.3, c.scale_max + 0.3)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#DDDDDD", lw=0.8, zorder=0)
    for yy in np.arange(n - 1) + 0.5:
        ax.axhline(yy, color="#EEEEEE", lw=0.6, zorder=0, gid="separator")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_axisbelow(True)


def _checklist_legend(
    ax: Axes, sessions: Sequence[str], lang: str, own_layout: bool, bottom_in: float
) -> int:
    """The legend under the chart; returns its number of rows."""
    k = len(sessions)
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=SESSION_STYLE[j % len(SESSION_STYLE)][1],
            markerfacecolor=SESSION_STYLE[j % len(SESSION_STYLE)][0],
            markeredgecolor="#000000" if j == k - 1 else "white",
            markersize=8,
            label=name,
        )
        for j, name in enumerate(sessions)
    ]
    if k > 1:
        handles.append(
            Line2D(
                [0, 1],
                [0, 0],
                color="#6E6E6E",
                lw=1.4,
                marker=">",
                markevery=[1],
                label=_r(lang, "chart_movement", first=sessions[0]),
            )
        )
    if not handles:
        return 0
    # one row when the labels fit across the slide (about 126 characters), else more
    width = sum(len(str(h.get_label())) + 5 for h in handles)
    rows = max(1, math.ceil(width / 126))
    ncol = math.ceil(len(handles) / rows)
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    if own_layout:
        anchor: dict[str, Any] = {
            "loc": "lower center",
            "bbox_to_anchor": (0.5, (bottom_in + 0.02) / fig.get_figheight()),
            "bbox_transform": fig.transFigure,
        }
    else:
        anchor = {"loc": "upper center", "bbox_to_anchor": (0.5, -0.18)}
    ax.legend(
        handles=handles,
        ncol=ncol,
        frameon=False,
        fontsize=9.5,
        handletextpad=0.3,
        columnspacing=1.1,
        handlelength=1.6,
        **anchor,
    )
    return rows


def _readiness_note(result: ChecklistResult, lvl: str, lang: str) -> str:
    ready = [r for r in result.readiness if r.level == lvl]
    if not ready:
        return ""
    line = result.readiness_line(ready[0], lang)
    if lvl:  # the title names the level
        line = line.removeprefix(result._prefix(lvl, lang))
    return textwrap.fill(line, 118)


def _checklist_texts(
    ax: Axes,
    result: ChecklistResult,
    lvl: str,
    sessions: Sequence[str],
    lang: str,
    own_layout: bool,
    note: str,
) -> None:
    from matplotlib import transforms

    c = result.checklist
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    head = c.title(lang)
    lv = _r(lang, "chart_level", level=c.level_name(lvl, lang).capitalize()) if lvl else ""
    summ = result.summary.loc[result.summary["level"].eq(lvl)]
    sub = ""
    if len(summ):
        max_sum = int(summ["max_sum"].iloc[0])
        word = c.item_word(lang)
        if len(summ) == 1:
            total = int(summ["sum"].iloc[0])
            sub = _r(
                lang,
                "chart_sub_one",
                level=lv,
                item=word,
                session=sessions[0],
                sum=total,
                max_sum=max_sum,
            )
        else:
            sums = " → ".join(str(int(x)) for x in summ["sum"])
            sub = _r(lang, "chart_sub", level=lv, item=word, sums=sums, max_sum=max_sum)
        sub = sub[:1].upper() + sub[1:]
    footer = ATTRIBUTION + ("" if lang == "sv" else " · Source: own self-assessment")
    height = fig.get_figheight()
    inch = transforms.blended_transform_factory(fig.transFigure, fig.dpi_scale_trans)
    texts: list[tuple[str, float, str, dict[str, Any]]] = [
        (footer, 0.07, "attribution", {"fontsize": 9.5, "color": "#333333"}),
    ]
    if note:
        texts.append((note, _CHART_FOOT_IN, "readiness", {"fontsize": 10, "fontweight": "bold"}))
    if own_layout:
        texts += [
            (head, height - 0.14, "title", {"fontsize": 14, "fontweight": "bold", "va": "top"}),
            (sub, height - 0.50, "subtitle", {"fontsize": 11, "color": "#333333", "va": "top"}),
        ]
    else:
        ax.set_title(head + ("\n" + sub if sub else ""), loc="left", fontsize=12)
    for t in [t for t in fig.texts if t.get_gid() in {x[2] for x in texts}]:
        t.remove()
    for text, y_in, gid, style in texts:
        kw = {"va": "bottom", "color": "#000000", **style}
        fig.text(0.012, y_in, text, ha="left", gid=gid, transform=inch, **kw)


# --- the report -------------------------------------------------------------------------


def write_checklist_report(
    result: ChecklistResult, out_dir: str | os.PathLike[str], lang: str = "sv"
) -> list[Path]:
    """Write the tables (xlsx and csv) and the chart (PNG, one per level) to ``out_dir``.

    Files (Swedish names by default): ``checklista.xlsx`` (sheets summary, per
    item, scores and comments, readiness), ``checklista_per_moment.csv``,
    ``checklista_sammanfattning.csv`` and ``checklista.png`` (for 2024:
    ``checklista_overgripande.png`` and ``checklista_namnd.png``). Every file
    is written to a temporary name and moved into place.

    Returns:
        The files written.
    """
    lang = _lang(lang)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = _r(lang, "file_stem")
    written: list[Path] = []
    items, summary = result.items_table(lang), result.summary_table(lang)
    for name, table in ((_r(lang, "file_items"), items), (_r(lang, "file_summary"), summary)):
        p = out / f"{stem}_{name}.csv"
        with _atomic(p) as tmp:
            table.to_csv(tmp, index=False)
            with tmp.open("a", encoding="utf-8") as fh:
                fh.write(f"# {ATTRIBUTION}\n")
        written.append(p)
    try:
        xw = _xlsxwriter()
    except InputError as err:  # pragma: no cover - the extra is part of [test]
        warnings.warn(str(err), stacklevel=2)
    else:
        p = out / f"{stem}.xlsx"
        _write_xlsx(result, p, lang, xw)
        written.append(p)
    levels = [r.level for r in result.readiness] or list(result.checklist.levels[:1]) or [""]
    for lvl in levels:
        suffix = f"_{_ascii(lvl)}" if lvl else ""
        p = out / f"{stem}{suffix}.png"
        fig = Figure(figsize=(10.0, 5.625))
        plot_checklist(result, fig.add_subplot(), lang=lang, level=lvl or None)
        with _atomic(p) as tmp:
            fig.savefig(tmp, format="png", dpi=REPORT_DPI)
        written.append(p)
    return written


def _ascii(s: str) -> str:
    return s.translate(str.maketrans("åäöÅÄÖ", "aaoAAO")).replace("/", "_")


def _write_xlsx(result: ChecklistResult, path: Path, lang: str, xw: Any) -> None:
    sheets = [
        (_r(lang, "sheet_summary"), result.summary_table(lang)),
        (_r(lang, "sheet_items"), result.items_table(lang)),
        (_r(lang, "sheet_scores"), result.scores_table(lang)),
        (_r(lang, "sheet_ready"), result.readiness_table(lang)),
    ]
    with _atomic(path) as tmp:
        wb = xw.Workbook(str(tmp), {"nan_inf_to_errors": True})
        head = wb.add_format(
            {"bold": True, "bg_color": "#DDDDDD", "border": 1, "text_wrap": True, "valign": "top"}
        )
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        title = wb.add_format({"bold": True, "font_size": 13})
        source = wb.add_format({"italic": True, "font_color": "#555555"})
        for name, df in sheets:
            ws = wb.add_worksheet(name[:31])
            ws.write(0, 0, result.checklist.title(lang), title)
            ws.write(1, 0, ATTRIBUTION, source)
            ws.write_row(3, 0, [str(x) for x in df.columns], head)
            for j, col in enumerate(df.columns):
                values = df[col].astype(object).where(df[col].notna(), None).tolist()
                ws.write_column(4, j, values, wrap)
                longest = max([len(str(col))] + [len(str(v)) for v in values if v is not None])
                ws.set_column(j, j, min(60, max(8, longest + 2)))
            ws.freeze_panes(4, 0)
        wb.close()


__all__ = [
    "ATTRIBUTION",
    "DEFAULT_SESSIONS",
    "LEVEL_NAMES",
    "SESSION_STYLE",
    "VERSIONS",
    "Checklist",
    "ChecklistResult",
    "Item",
    "Readiness",
    "ReadinessRule",
    "Scores",
    "checklist_results",
    "checklist_versions",
    "get_checklist",
    "load_checklist",
    "parse_rule",
    "parse_scale",
    "plot_checklist",
    "read_scores",
    "scores_from_frame",
    "template_frame",
    "write_checklist_report",
    "write_template",
]
