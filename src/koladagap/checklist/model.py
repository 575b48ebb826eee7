"""The checklist model and the editions shipped with koladagap.

A :class:`Checklist` is a versioned set of :class:`Item` with its own ordinal
scale. Three editions ship as TOML files in ``koladagap/checklist/editions/``
(short labels written for koladagap in its own words, not SKR's wording):

* ``"2017"``: 13 items (*punkter*), scale 1–3;
* ``"2019"``: 10 *moment*, scale 1–3;
* ``"2024"``: 10 *moment*, scale 1–4, scored at two levels: ``"övergripande"``
  (the organisation as a whole) and ``"nämnd"`` (board and administration).

Examples:
    >>> c = get_checklist("2017")
    >>> c.item_word(), c.item_word("sv", plural=True), c.scale_label(3, "en")
    ('punkt', 'punkter', 'In place')
    >>> get_checklist("2024").level_name("nämnd")
    'nämnd/förvaltning'
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from koladagap.checklist.text import language
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
LEVEL_ALIASES = {
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
"""How users write the two levels of the 2024 edition (lower case, spaces tidied)."""

EDITIONS = "editions"
"""The folder of the shipped TOML files, inside the package ``koladagap.checklist``."""

# Swedish plural of the item word, for running text
_PLURAL_SV = {"moment": "moment", "punkt": "punkter"}


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
        return LEVEL_NAMES[language(lang)].get(level, level)

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
    res = resources.files("koladagap.checklist").joinpath(EDITIONS).joinpath(f"{version}.toml")
    return from_toml(tomllib.loads(res.read_text(encoding="utf-8")), "koladagap")


def from_toml(doc: Mapping[str, Any], source: str) -> Checklist:
    """A checklist from a parsed TOML document (``source``: the file, or ``"koladagap"``).

    Raises:
        ConfigError: a missing key or a malformed value.
    """
    where = None if source == "koladagap" else source
    try:
        scale = doc["scale"]
        lo, hi = int(scale["min"]), int(scale["max"])
        levels = [norm_level_name(str(x)) for x in doc.get("levels", [])]
        raw_items = doc["items"]
        items: list[Item] = []
        for lvl in levels or [""]:
            items += [
                Item(
                    str(it["id"]).strip(),
                    str(it["sv"]).strip(),
                    str(it.get("en", "")).strip(),
                    lvl or norm_level_name(str(it.get("level", ""))),
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


def norm_level_name(s: str) -> str:
    """A level as a user writes it, in koladagap's words (``"nämnd/förvaltning"`` → ``"nämnd"``).

    An unknown level keeps its own name, spaces tidied.
    """
    k = " ".join(s.strip().split())
    return LEVEL_ALIASES.get(k.lower(), k)


def check_sessions(sessions: Sequence[str]) -> list[str]:
    """The meeting names, stripped; an :class:`InputError` for none, an empty or a repeated one."""
    names = [str(s).strip() for s in sessions]
    if not names or any(not s for s in names):
        raise InputError("give at least one meeting name, none of them empty")
    dup = sorted({s for s in names if names.count(s) > 1})
    if dup:
        raise InputError(f"meeting named twice: {', '.join(dup)}")
    return names


__all__ = [
    "DEFAULT_SESSIONS",
    "EDITIONS",
    "LEVEL_ALIASES",
    "LEVEL_NAMES",
    "VERSIONS",
    "Checklist",
    "Item",
    "check_sessions",
    "checklist_versions",
    "from_toml",
    "get_checklist",
    "norm_level_name",
]
