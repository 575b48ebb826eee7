"""The command line's messages, Swedish and English: one table per command family.

:func:`message` picks the language (Swedish when the language is unknown) and fills in the
values; numbers in messages are formatted by the caller with :mod:`koladagap.render.i18n`.

Examples:
    >>> message("en", "rows", n=3)
    '3 rows'
    >>> message("sv", "template", table=MEASUREMENTS, path="egna.xlsx")[:21]
    'Skrev en mall för egn'
"""

from __future__ import annotations

from typing import Any

from koladagap._cells import clean_text
from koladagap.labels import ATTRIBUTION_PROCESSED

CLI: dict[str, dict[str, str]] = {
    "sv": {
        "error": "fel",
        "warning": "varning",
        "interrupted": "avbrutet (Ctrl-C)",
        "row": "{n} rad",
        "rows": "{n} rader",
        "more_row": "… {n} rad till; skriv till fil med --out",
        "more_rows": "… {n} rader till; skriv till fil med --out",
        "no_data": "Inga värden för {kpi} i {where}, {years}; inget skrevs.",
        "all_places": "alla kommuner och regioner",
        "all_kommun": "alla kommuner",
        "all_region": "alla regioner",
        "all_years": "alla år",
        "years": "år {years}",
        "units_sample": (
            "det medföljande urvalet har inga data per enhet (OU), bara för kommuner, regioner "
            "och Riket: kör utan --sample (hämtar från Kolada), eller med --offline när "
            "enheternas data finns i cachen"
        ),
        "offline_hint": (
            "utan Kolada: kör med --sample (det medföljande urvalet av riktiga data) eller "
            "--offline (cachen, om den har värdena)"
        ),
        "wrote": "Skrev {what} till {path}",
        "no_hits": "Inga träffar för {q!r}.",
        "cache_cleared": "Tömde cachen {path} på {n} nyckeltal",
        "cache_empty": "Cachen {path} är tom.",
        "demo_title": "koladagap demo – {name} ({mid}), data till och med {year}",
        "demo_offline": "Körs offline på det medföljande urvalet (Källa: Kolada).",
        "demo_gap_head": "Könsskillnader {year} (kvinnor − män; egen bearbetning):",
        "demo_why": "Varför avvikelserna flaggas:",
        "demo_data_year": "(data {year})",
        "demo_one_sex": "{share} {value} %; {gap} är {distance}, inte kvinnor − män",
        "demo_riket": (
            "{mid} är Riket, jämförelsen för alla, inte en organisation att analysera: ange en "
            "kommun (t.ex. 0180) eller en region (t.ex. 0001)"
        ),
        "demo_not_org": (
            "{mid} är ingen kommun eller region: ange en kommun (t.ex. 0180) eller en region "
            "(t.ex. 0001)"
        ),
        "demo_one_id": "ange en kommun eller region, inte flera ({ids})",
        "demo_unknown": (
            "{mid} finns inte i det medföljande urvalet: ange en kommun (t.ex. 0180) eller en "
            "region (0001–0025)"
        ),
        "not_computable": "kan inte beräknas",
        "done": "Klart. Öppna {path}",
        "source": ATTRIBUTION_PROCESSED,
        "pack_written": "Skrev baspaketet för {name}: {n} filer i {path}",
        "deviations_summary": "{org} ({mid}), {session} (data för {year}): {counts}.",
        "baseline_note": "Jämfört med {name} ({year}; {how}).",
        "stored": "sparad baslinje",
        "computed": "baslinjen beräknad nu och sparad",
        "plan_exists": (
            "{path} finns redan; välj ett annat namn med --out eller skriv över med --force"
        ),
        "out_exists": (
            "{path} finns redan; välj ett annat namn med --out eller skriv över med --force"
        ),
        "out_is_folder": "{path} är en mapp; ange ett filnamn med --out",
        "plan_written": (
            "Skrev en startplan för {name} ({mid}) till {path}. Redigera den och kör: "
            "koladagap deviations --plan {path} --out avvikelser.xlsx"
        ),
        "left_out": (
            "{n} av {total} nyckeltal har inga värden för {name} {where} och är inte med i "
            "planen: {ids}"
        ),
        "where_sample": "i det medföljande urvalet",
        "where_cache": "i cachen",
        "step_data": "Hämtar värden …",
        "step_engine": "Beräknar skillnader och avvikelser …",
        "step_report": "Skriver rapporten …",
        "step_pack": "Ritar baspaketet …",
        "folder_taken": (
            "{path} innehåller redan utdata för {other}, inte {mid}; välj en annan mapp med "
            "--out eller skriv över med --force"
        ),
    },
    "en": {
        "error": "error",
        "warning": "warning",
        "interrupted": "interrupted (Ctrl-C)",
        "row": "{n} row",
        "rows": "{n} rows",
        "more_row": "… {n} more row; write it to a file with --out",
        "more_rows": "… {n} more rows; write them to a file with --out",
        "no_data": "No values for {kpi} in {where}, {years}; nothing was written.",
        "all_places": "any kommun or region",
        "all_kommun": "any kommun",
        "all_region": "any region",
        "all_years": "any year",
        "years": "years {years}",
        "units_sample": (
            "the shipped sample holds no unit (OU) data, only kommuner, regioner and Riket: "
            "run without --sample (asks Kolada), or with --offline once the units' data are "
            "in the cache"
        ),
        "offline_hint": (
            "without Kolada: run with --sample (the real-data sample shipped with koladagap) "
            "or --offline (the cache, if it holds the data)"
        ),
        "wrote": "Wrote {what} to {path}",
        "no_hits": "No matches for {q!r}.",
        "cache_cleared": "Removed {n} KPIs from the cache {path}",
        "cache_empty": "The cache {path} is empty.",
        "demo_title": "koladagap demo – {name} ({mid}), data up to {year}",
        "demo_offline": "Running offline on the shipped sample (Source: Kolada).",
        "demo_gap_head": "Gender gaps {year} (women − men; own processing):",
        "demo_why": "Why the deviations are flagged:",
        "demo_data_year": "(data {year})",
        "demo_one_sex": "{share} {value} %; {gap} is the {distance}, not women − men",
        "demo_riket": (
            "{mid} is Riket, the national comparison, not an organisation to analyse: give a "
            "kommun (e.g. 0180) or a region (e.g. 0001)"
        ),
        "demo_not_org": (
            "{mid} is not a kommun or a region: give a kommun (e.g. 0180) or a region (e.g. 0001)"
        ),
        "demo_one_id": "give one kommun or region, not several ({ids})",
        "demo_unknown": (
            "{mid} is not in the shipped sample: give a kommun (e.g. 0180) or a region (0001–0025)"
        ),
        "not_computable": "cannot be computed",
        "done": "Done. Open {path}",
        "source": ATTRIBUTION_PROCESSED,
        "pack_written": "Wrote the baseline pack for {name}: {n} files in {path}",
        "deviations_summary": "{org} ({mid}), {session} (data for {year}): {counts}.",
        "baseline_note": "Compared with {name} ({year}; {how}).",
        "stored": "stored baseline",
        "computed": "baseline computed now and stored",
        "plan_exists": "{path} exists; choose another name with --out or overwrite with --force",
        "out_exists": "{path} exists; choose another name with --out or overwrite with --force",
        "out_is_folder": "{path} is a folder; give a file name with --out",
        "plan_written": (
            "Wrote a starter plan for {name} ({mid}) to {path}. Edit it, then run: "
            "koladagap deviations --plan {path} --out deviations.xlsx"
        ),
        "left_out": (
            "{n} of {total} KPIs have no values for {name} {where} and are not in the plan: {ids}"
        ),
        "where_sample": "in the shipped sample",
        "where_cache": "in the cache",
        "step_data": "Fetching values …",
        "step_engine": "Computing gaps and deviations …",
        "step_report": "Writing the report …",
        "step_pack": "Drawing the baseline pack …",
        "folder_taken": (
            "{path} already holds output for {other}, not {mid}; choose another folder with "
            "--out or overwrite with --force"
        ),
    },
}

CHECKLIST: dict[str, dict[str, str]] = {
    "sv": {
        "template_written": (
            "Skrev mallen för {title} ({n_items} {items} × {n_sessions} möten = {n_rows} rader) "
            "till {path}. Fyll i poängen inför varje möte och kör: "
            "koladagap checklist report {path} --out checklista"
        ),
        "wrote": "Skrev {name} till {folder}",
        "no_scores": "{path} har inga ifyllda poäng ännu; fyll i kolumnen Poäng och kör igen",
        "source": "Källa: egen självskattning",
    },
    "en": {
        "template_written": (
            "Wrote the template for {title} ({n_items} {items} × {n_sessions} sessions = "
            "{n_rows} rows) to {path}. Fill in the scores before each session, then run: "
            "koladagap checklist report {path} --out checklist"
        ),
        "wrote": "Wrote {name} to {folder}",
        "no_scores": "{path} has no scores yet; fill in the score column and run again",
        "source": "Källa: egen självskattning (Source: own self-assessment)",
    },
}

MEASUREMENTS: dict[str, dict[str, str]] = {
    "sv": {
        "exists": "{path} finns redan; välj ett annat namn med --out eller skriv över med --force",
        "template": (
            "Skrev en mall för egna mätningar till {path}. Fyll i den och kontrollera med: "
            "koladagap measurements check {path}"
        ),
        "summary": (
            "{path}: {n_kpis} egna nyckeltal, {n_values} värden, år {years}, organisation {orgs}."
        ),
        "counts": "Med antal (statistiskt test av skillnaden): {ids}.",
        "no_counts": "Inga antal angivna: skillnadens osäkerhet kan inte beräknas.",
        "reference": (
            "Egna mätningar jämförs inte med andra kommuner (bara en organisation har värden)."
        ),
        "kpi_line": "  {id}: {title} ({unit}; {kind}, {direction}) – {n} värden, {years}",
    },
    "en": {
        "exists": "{path} exists; choose another name with --out or overwrite with --force",
        "template": (
            "Wrote a template for own measurements to {path}. Fill it in and check it with: "
            "koladagap measurements check {path}"
        ),
        "summary": (
            "{path}: {n_kpis} own KPIs, {n_values} values, years {years}, organisation {orgs}."
        ),
        "counts": "With counts (statistical test of the gap): {ids}.",
        "no_counts": "No counts given: the uncertainty of the gap cannot be computed.",
        "reference": (
            "Own measurements are not compared with other municipalities (one organisation only)."
        ),
        "kpi_line": "  {id}: {title} ({unit}; {kind}, {direction}) – {n} values, {years}",
    },
}


EXPLORE: dict[str, dict[str, str]] = {
    "sv": {
        "available": "{mid} {name}: {n} nyckeltal med värden{where}",
        "available_sample": " (det medföljande urvalet: bara dess nyckeltal)",
        "available_offline": " (cachen: bara de nyckeltal som har hämtats)",
        "available_none": "Inga nyckeltal med värden för {mid} {name}{where}; inget skrevs.",
        "ranked": "{kpi} {year}, {what}: {n} av {total} {kind} rangordnade{missing}",
        "ranked_missing": "; {m} utan värde står sist utan plats",
        "kommun": "kommuner",
        "region": "regioner",
        "gender_T": "totalt",
        "gender_K": "kvinnor",
        "gender_M": "män",
        "gender_gap": "skillnad kvinnor − män (störst först)",
        "gender_gap_asc": "skillnad kvinnor − män (minst först)",
        "status_ok": "Kolada: svarar på {ms} ms ({url})",
        "status_down": "Kolada: svarar inte ({url})",
        "cache": "Cache: {path} – {what}",
        "status_cache_empty": "tom",
        "cache_unreadable": "kan inte läsas ({problem})",
        "cache_holds": "{kpis} nyckeltal, {files} filer, {size}, senast hämtat {when}",
        "cache_corrupt": "; {n} skadade (se koladagap cache info)",
        "down": "hälsokontrollen misslyckades: {reason}",
    },
    "en": {
        "available": "{mid} {name}: {n} KPIs with values{where}",
        "available_sample": " (the shipped sample: only its KPIs)",
        "available_offline": " (the cache: only the KPIs fetched)",
        "available_none": "No KPIs with values for {mid} {name}{where}; nothing written.",
        "ranked": "{kpi} {year}, {what}: {n} of {total} {kind} ranked{missing}",
        "ranked_missing": "; {m} without a value are last, without a rank",
        "kommun": "kommuner",
        "region": "regions",
        "gender_T": "total",
        "gender_K": "women",
        "gender_M": "men",
        "gender_gap": "gap women − men (largest first)",
        "gender_gap_asc": "gap women − men (smallest first)",
        "status_ok": "Kolada: answers in {ms} ms ({url})",
        "status_down": "Kolada: does not answer ({url})",
        "cache": "Cache: {path} – {what}",
        "status_cache_empty": "empty",
        "cache_unreadable": "cannot be read ({problem})",
        "cache_holds": "{kpis} KPIs, {files} files, {size}, last fetched {when}",
        "cache_corrupt": "; {n} damaged (see koladagap cache info)",
        "down": "the health check failed: {reason}",
    },
}
"""The messages of ``available``, ``rank`` and ``status`` (:mod:`koladagap.cli.explore`)."""


NETWORK: dict[str, dict[str, str]] = {
    "sv": {
        "need_plan": "ange nätverksfilen med --plan och en mapp med --out",
        "need_members": "ange medlemmarna med --members, t.ex. --members 1233,1280,0180",
        "wrong_mode": "{opts} hör till körningen, inte till network init",
        "wrong_run": "{opts} hör till network init; för att köra: --plan FIL --out MAPP",
        "init_written": "Skrev nätverksfilen {path} ({n} organisationer). Kör den med: "
        "koladagap network --plan {path} --out natverk",
        "exists": "{path} finns redan; välj ett annat namn med --out eller skriv över med --force",
        "run": "Nätverket {name}: {n} organisationer, {k} nyckeltal, {meeting} ({year}).",
        "step_write": "Skriver nätverkets material …",
    },
    "en": {
        "need_plan": "give the network file with --plan and a folder with --out",
        "need_members": "give the members with --members, e.g. --members 1233,1280,0180",
        "wrong_mode": "{opts} belong to running a network, not to network init",
        "wrong_run": "{opts} belong to network init; to run: --plan FILE --out FOLDER",
        "init_written": "Wrote the network file {path} ({n} organisations). Run it with: "
        "koladagap network --plan {path} --out natverk",
        "exists": "{path} exists; choose another name with --out or overwrite with --force",
        "run": "The network {name}: {n} organisations, {k} KPIs, {meeting} ({year}).",
        "step_write": "Writing the network's material …",
    },
}
"""The messages of ``network`` and ``network init`` (:mod:`koladagap.cli.network`)."""


def message(
    lang: str, key: str, *, table: dict[str, dict[str, str]] | None = None, **kw: Any
) -> str:
    """The message ``key`` of ``table`` (default: the main commands') in ``lang``, filled in.

    Text filled in (names and titles from Kolada or a plan) reaches the terminal
    without control characters or bidi overrides (:func:`koladagap._cells.clean_text`).

    >>> message("en", "out_is_folder", path="ut\x1b[2J")
    'ut[2J is a folder; give a file name with --out'
    """
    t = CLI if table is None else table
    safe = {k: clean_text(v) if isinstance(v, str) else v for k, v in kw.items()}
    return t.get(lang, t["sv"])[key].format(**safe)


def row_count(lang: str, n: int, *, more: bool = False) -> str:
    """``n`` rows in words: one ``rad``, several ``rader`` (``more``: the rows not shown).

    Examples:
        >>> row_count("sv", 1), row_count("sv", 580), row_count("en", 1)
        ('1 rad', '580 rader', '1 row')
        >>> row_count("sv", 12000).replace("\u00a0", " ")
        '12 000 rader'
        >>> row_count("sv", 1, more=True)
        '… 1 rad till; skriv till fil med --out'
    """
    from koladagap.render.i18n import format_number

    key = ("more_" if more else "") + ("row" if n == 1 else "rows")
    return message(lang, key, n=format_number(n, lang, decimals=0))


__all__ = ["CHECKLIST", "CLI", "EXPLORE", "MEASUREMENTS", "NETWORK", "message", "row_count"]
