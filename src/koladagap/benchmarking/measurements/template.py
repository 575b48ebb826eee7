"""The import template: an xlsx workbook or a csv file with an example KPI and instructions.

The template reads back with :func:`~koladagap.benchmarking.measurements.read_measurements`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from koladagap._cells import XLSX_OPTIONS
from koladagap._files import atomic_path, write_atomic
from koladagap.errors import ConfigError, InputError

_TEMPLATE_DEFS = {
    "sv": [
        "Id",
        "Benämning",
        "Enhet",
        "Typ",
        "Riktning",
        "Barn/elever",
        "Organisation",
        "Andel av",
        "Förväntad skillnad",
        "Beskrivning",
    ],
    "en": [
        "id",
        "title",
        "unit",
        "kind",
        "direction",
        "children",
        "organisation",
        "share_of",
        "expected",
        "description",
    ],
}
_TEMPLATE_VALS = {
    "sv": ["Id", "År", "Kön", "Värde", "Antal"],
    "en": ["id", "year", "gender", "value", "count"],
}
_EXAMPLE_DEF = [
    "EGEN-CHEFSUTB",
    "Exempel: medarbetare som gått ledarskapsutbildning, andel (%)",
    "%",
    "andel",
    "need",
    "nej",
    "0180",
    "",
    "",
    "Exempelrad – ersätt med era egna nyckeltal",
]
_EXAMPLE_VALS: list[list[Any]] = [
    ["EGEN-CHEFSUTB", 2021, "K", 6.2, 1450],
    ["EGEN-CHEFSUTB", 2021, "M", 9.8, 610],
    ["EGEN-CHEFSUTB", 2021, "T", 7.3, 2060],
    ["EGEN-CHEFSUTB", 2022, "K", 7.0, 1480],
    ["EGEN-CHEFSUTB", 2022, "M", 10.1, 600],
    ["EGEN-CHEFSUTB", 2022, "T", 7.9, 2080],
]
_SHEET_NAMES = {
    "sv": ("Nyckeltal", "Värden", "Instruktioner"),
    "en": ("KPIs", "Values", "Instructions"),
}
_INSTRUCTIONS_SV = [
    ("Egna mätningar för koladagap", ""),
    ("", "Fyll i bladen Nyckeltal och Värden; rubrikerna står på rad 1. Ta bort exempelraderna."),
    ("", "Kontrollera filen med: koladagap measurements check FIL"),
    ("Nyckeltal", ""),
    ("Id", "Eget id: 2–10 bokstäver, bindestreck, namn (EGEN-SJUK). Inte Koladas id (N00906)."),
    ("Benämning", "Titeln som visas i rapporter och diagram."),
    ("Enhet", "%, kr, dagar, …"),
    (
        "Typ",
        "andel (share), belopp (amount), andel av ett kön (share_of_one_sex), "
        "skillnad (gap_value).",
    ),
    (
        "Riktning",
        "högre är bättre, lägre är bättre, behov (need: ingen värdering), "
        "jämn fördelning (parity_target).",
    ),
    ("Barn/elever", "ja: kvinnor/män visas som flickor/pojkar. Tomt: gissas från benämningen."),
    ("Organisation", "Kommunens eller regionens id med fyra siffror (0180). Värdena gäller den."),
    ("Andel av", "Bara för typen andel av ett kön: K eller M, vems andel värdet är."),
    ("Förväntad skillnad", "Valfritt: skillnaden (kvinnor − män) som anses normal; tomt = 0."),
    ("Beskrivning", "Valfritt."),
    ("Värden", ""),
    ("Id", "Samma id som på bladet Nyckeltal."),
    ("År", "Året värdet gäller (1950 till i år)."),
    ("Kön", "K, M eller T (kvinnor, män, totalt; flickor, pojkar går också)."),
    ("Värde", "Talet; decimalkomma går bra. Andelar i procent 0–100. Tomt = saknas."),
    (
        "Antal",
        "Valfritt: hur många kvinnor (män) andelen räknas på. Med antal för båda könen "
        "prövas skillnaden statistiskt (Newcombe).",
    ),
    (
        "Brett format",
        "I stället för Kön/Värde/Antal går kolumnerna Kvinnor, Män, Totalt, "
        "Antal kvinnor, Antal män.",
    ),
    ("Källa", "Egna mätningar redovisas med 'Källa: egen mätning', aldrig som Kolada."),
]
_INSTRUCTIONS_EN = [
    ("Own measurements for koladagap", ""),
    ("", "Fill in the sheets KPIs and Values; headers are in row 1. Delete the example rows."),
    ("", "Check the file with: koladagap measurements check FILE"),
    ("KPIs", ""),
    ("id", "Own id: 2–10 letters, a hyphen, a name (EGEN-SJUK). Not a Kolada id (N00906)."),
    ("title", "The title shown in reports and charts."),
    ("unit", "%, kr, days, …"),
    ("kind", "share, amount, share_of_one_sex, gap_value."),
    ("direction", "higher_is_better, lower_is_better, need (no value judgement), parity_target."),
    ("children", "yes: women/men are shown as girls/boys. Blank: guessed from the title."),
    ("organisation", "The 4-digit kommun or region id (0180). The values belong to it."),
    ("share_of", "Only for share_of_one_sex: K or M, whose share the value is."),
    ("expected", "Optional: the gap (women − men) regarded as normal; blank = 0."),
    ("description", "Optional."),
    ("Values", ""),
    ("id", "The same id as in the KPIs sheet."),
    ("year", "The year the value is for (1950 to this year)."),
    ("gender", "K, M or T (women, men, total)."),
    ("value", "The number. Shares in percent 0–100. Blank = missing."),
    (
        "count",
        "Optional: how many women (men) the share is computed over. With counts for "
        "both sexes the gap is tested (Newcombe).",
    ),
    ("wide layout", "Instead of gender/value/count: columns women, men, total, n_women, n_men."),
    ("Source", "Own measurements are attributed 'Källa: egen mätning', never to Kolada."),
]
_INSTRUCTIONS = {"sv": _INSTRUCTIONS_SV, "en": _INSTRUCTIONS_EN}


def measurements_template(path: str | os.PathLike[str], *, lang: str = "sv") -> Path:
    """Write an import template with an example KPI, example values and instructions.

    ``.xlsx``: sheets ``Nyckeltal``, ``Värden`` and ``Instruktioner`` (``KPIs``,
    ``Values``, ``Instructions`` with ``lang="en"``); ``.csv``: one file with a
    ``[Nyckeltal]`` and a ``[Värden]`` part, ``;``-separated with decimal commas
    (what Swedish Excel reads), instructions as ``#`` comment lines. The
    template reads back with
    :func:`~koladagap.benchmarking.measurements.read_measurements`.

    Raises:
        ConfigError: an unsupported suffix.
        InputError: ``.xlsx`` without xlsxwriter installed.
    """
    p = Path(path)
    lang = "en" if lang == "en" else "sv"
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        _template_xlsx(p, lang)
    elif suffix == ".csv":
        _template_csv(p, lang)
    else:
        raise ConfigError("unsupported template type; use .xlsx or .csv", path=str(p))
    return p


def _template_xlsx(p: Path, lang: str) -> None:
    try:
        import xlsxwriter
    except ImportError:  # pragma: no cover - the excel extra
        raise InputError(
            "writing .xlsx needs xlsxwriter: pip install 'koladagap[excel]' (or use .csv)"
        ) from None
    defs_name, vals_name, help_name = _SHEET_NAMES[lang]
    with atomic_path(p) as tmp:
        _fill_xlsx(
            xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS), lang, defs_name, vals_name, help_name
        )


def _fill_xlsx(wb: Any, lang: str, defs_name: str, vals_name: str, help_name: str) -> None:
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    text = wb.add_format({"num_format": "@"})
    ws = wb.add_worksheet(defs_name)
    ws.write_row(0, 0, _TEMPLATE_DEFS[lang], bold)
    for c, v in enumerate(_EXAMPLE_DEF):
        ws.write_string(1, c, v, text)
    ws.set_column(0, 0, 18, text)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 5, 14)
    ws.set_column(6, 6, 14, text)
    ws.set_column(7, 9, 18)
    ws.freeze_panes(1, 0)
    wv = wb.add_worksheet(vals_name)
    wv.write_row(0, 0, _TEMPLATE_VALS[lang], bold)
    for r, row in enumerate(_EXAMPLE_VALS, start=1):
        wv.write_row(r, 0, row)
    wv.set_column(0, 0, 18, text)
    wv.set_column(1, 4, 10)
    wv.freeze_panes(1, 0)
    wh = wb.add_worksheet(help_name)
    for r, (a, b) in enumerate(_INSTRUCTIONS[lang]):
        wh.write_string(r, 0, a, bold if a and not b else None)
        wh.write_string(r, 1, b)
    wh.set_column(0, 0, 22)
    wh.set_column(1, 1, 110)
    wb.close()


def _template_csv(p: Path, lang: str) -> None:
    defs_name, vals_name, _ = _SHEET_NAMES[lang]
    lines = [f"# {a}: {b}" if a and b else f"# {a or b}" for a, b in _INSTRUCTIONS[lang]]
    lines += [f"[{defs_name}]", ";".join(_TEMPLATE_DEFS[lang]), ";".join(_EXAMPLE_DEF)]
    lines += ["", f"[{vals_name}]", ";".join(_TEMPLATE_VALS[lang])]
    lines += [";".join(str(x).replace(".", ",") for x in row) for row in _EXAMPLE_VALS]
    write_atomic(p, "\n".join(lines) + "\n")


__all__ = ["measurements_template"]
