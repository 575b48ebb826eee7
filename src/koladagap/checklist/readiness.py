"""The readiness rule: when an organisation is ready to act as a model municipality or region.

The seed rule for being ready is, on a 1–3 scale: *no item at the lowest level
(1) and more than half of the items at 3*. :meth:`ReadinessRule.default`
states it for any scale as

* no item at the scale's lowest step, and
* more than half of the items at 3 **or higher**.

On 1–3 that is exactly the seed rule (3 is the top). On the 2024 scale 1–4 it
reads "no moment at 1 and more than half of the moments at 3 or 4": the
threshold keeps its value 3 (the upper half of a four-step scale) rather than
moving to 4, which would make the 2024 rule stricter than the one it replaces.
This is koladagap's translation, not SKR's; a stricter reading is one
argument away (``ReadinessRule(1, 4)`` or ``--rule floor=1,atleast=4``).
"More than half" is strict: exactly half is not enough (5 of 10 is not ready,
6 of 10 is). :class:`Readiness` is the verdict for one level at one meeting,
computed by :func:`~koladagap.checklist.results.checklist_results`.

Examples:
    >>> from koladagap.checklist.model import get_checklist
    >>> rule = ReadinessRule.default(get_checklist("2019"))
    >>> rule.needed(10), rule.needed(13)
    (6, 7)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from koladagap.checklist.model import Checklist
from koladagap.checklist.text import language, report_text
from koladagap.errors import InputError


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
        >>> from koladagap.checklist.model import get_checklist
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
        lang = language(lang)
        item = checklist.item_word(lang)
        items = checklist.item_word(lang, plural=True)
        parts: list[str] = []
        floor = self.no_item_at_or_below
        # Swedish: "inget moment" (neuter), "ingen punkt" (common gender)
        no = "no" if lang == "en" else ("ingen" if item == "punkt" else "inget")
        if floor is not None:
            if floor == checklist.scale_min:
                parts.append(report_text(lang, "rule_floor", no=no, item=item, k=floor))
            else:
                parts.append(
                    report_text(
                        lang, "rule_floor_range", no=no, item=item, lo=checklist.scale_min, k=floor
                    )
                )
        k = self.more_than_half_at_least
        if k is not None:
            share = report_text(lang, "half") if self.share == 0.5 else f"{self.share:.0%}"
            higher = report_text(lang, "or_higher") if k < checklist.scale_max else ""
            # Swedish definite plural: "momenten", "punkterna"
            if lang == "sv":
                definite = {"moment": "momenten", "punkter": "punkterna"}.get(items, items)
                txt = f"fler än {share} av {definite} på {k}{higher}"
            else:
                txt = report_text(lang, "rule_share", share=share, items=items, k=k, higher=higher)
            parts.append(txt)
        if not parts:
            return report_text(lang, "rule_none")
        return (" och " if lang == "sv" else " and ").join(parts)


def parse_rule(text: str, checklist: Checklist) -> ReadinessRule:
    """A rule from ``key=value`` pairs, starting from the default for the checklist.

    Keys: ``floor`` (or ``no_item_at_or_below``, ``lägst``), ``atleast`` (or
    ``more_than_half_at_least``, ``minst``), ``share`` (``andel``) and
    ``all_scored`` (``yes``/``no``); ``none`` switches a part off.

    Examples:
        >>> from koladagap.checklist.model import get_checklist
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


__all__ = ["Readiness", "ReadinessRule", "parse_rule"]
