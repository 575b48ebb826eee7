"""The checklist's words in Swedish and English: headers, messages, report and chart text.

:data:`TEXT` holds the score sheet's headers and the messages of a bad file;
:data:`REPORT_TEXT` the report's headers, running text and chart text (drawn by
:mod:`koladagap.render.checklist`). :func:`message` and :func:`report_text` fill
one in.

Examples:
    >>> message("en", "err_scale", v=5, lo=1, hi=4)
    '5 is outside the scale 1–4'
    >>> report_text("sv", "count_at", n=3, k=2)
    '3 på 2'
"""

from __future__ import annotations

from typing import Any

from koladagap.errors import InputError

ATTRIBUTION = "Källa: egen självskattning"
"""The source line of the chart, the tables and the template: the scores are the
organisation's own, not Kolada data."""

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


def language(lang: str | None) -> str:
    """``"sv"`` for ``None``, else ``lang`` if it is ``"sv"`` or ``"en"``.

    Raises:
        InputError: another language.
    """
    if lang is None:
        return "sv"
    if lang not in TEXT:
        raise InputError(f"invalid lang {lang!r}: expected 'sv' or 'en'")
    return lang


def message(lang: str, key: str, **kw: Any) -> str:
    """A header or message of :data:`TEXT` in ``lang``, filled in with ``kw``."""
    return TEXT[language(lang)][key].format(**kw)


def report_text(lang: str, key: str, **kw: Any) -> str:
    """A text of :data:`REPORT_TEXT` in ``lang``, filled in with ``kw``."""
    return REPORT_TEXT[language(lang)][key].format(**kw)


__all__ = ["ATTRIBUTION", "REPORT_TEXT", "TEXT", "language", "message", "report_text"]
