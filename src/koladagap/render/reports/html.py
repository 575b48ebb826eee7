"""The report as one HTML page, for the screen and for A4 paper.

It reads the same :class:`~koladagap.render.reports.model.Report` as the other writers
(every cell formatted by :func:`~koladagap.render.reports.model.cell_texts`, as in
:meth:`~koladagap.render.reports.model.Table.texts`) and picks columns by their key,
never by position or label.

On screen the overview shows what a manager needs to act (:data:`MAIN`: the KPI, its
year, women, men, the gap, who is disadvantaged, the level, the change since the
baseline and why); every other figure is in the detail tables below it
(:data:`DETAIL_GROUPS`, folded in ``<details>``). The headers stay in view while
scrolling, numbers are right-aligned and the reasons wrap. Rows take their level's
fill from :mod:`koladagap.render.style`.

Printed, the page is A4 landscape so the overview's ten columns fit at a readable size
without cutting any; the headers repeat on every page, the detail tables unfold, and
each avvikelseanmälan is a form on its own A4 portrait page (a form is read and filled
in upright). Fills are printed as they are (``print-color-adjust``) and every level is
also written out, so a black-and-white copy loses nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from koladagap._files import write_atomic
from koladagap.render.i18n.html import html_text
from koladagap.render.reports.model import Column, Report, Table, cell_texts
from koladagap.render.style import level_fill, level_font

MAIN = (
    "kpi",
    "kpi_title",
    "period",
    "women",
    "men",
    "gap",
    "disadvantaged",
    "level",
    "change",
    "reasons",
)
"""The overview's columns on the page (those the report has), in this order."""

STAND_INS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("women", "men"), ("share_K", "share_M")),
    (("gap",), ("distance",)),
)
"""Columns of the page and what stands in for them on a row that has none of them: a
share of one sex has its share instead of women and men, its distance from 50/50
instead of the gap (each cell then says which, with the column's own label)."""

WIDTHS: dict[str, float] = {
    "kpi": 7,
    "kpi_title": 12,
    "period": 4.5,
    "women": 6,
    "men": 6,
    "gap": 8.5,
    "disadvantaged": 12,
    "level": 12.5,
    "change": 8.5,
    "reasons": 23,
}
"""The overview's column widths, relative (scaled to the columns present; others: 7)."""

DETAIL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "group_basis",
        (
            "area",
            "total",
            "share_K",
            "share_M",
            "distance",
            "relative_gap",
            "expected",
            "z_ref",
            "percentile_ref",
            "peer_median_gap",
            "peer_median_distance",
            "riket_gap",
            "riket_distance",
        ),
    ),
    (
        "group_followup",
        (
            "baseline_year",
            "gap_baseline",
            "distance_baseline",
            "measure",
            "mean_baseline",
            "mean_followup",
            "evidence_baseline",
            "evidence_followup",
            "delta",
            "level_baseline",
            "flag_movement",
            "target",
            "to_target",
            "on_track",
        ),
    ),
    ("group_rules", ("threshold_material", "threshold_credible", "threshold_reference")),
)
"""The detail tables: a title (:mod:`koladagap.render.i18n.html`) and the overview's
columns each shows. Any other column of the overview goes to a last table, "Övrigt"."""

_IN_HEADING = ("kpi", "kpi_title", "level", "reasons")
"""A notice's fields shown in its heading and first paragraph, not among its facts."""
_FORM_ORDER = ("causes", "consequences", "action")
"""The notice's fields to write first, in this order (analysis, consequences, action)."""
_SHORT_BLANKS = ("responsible", "followup_date")
"""Fields of a notice filled in with a name or a date: one line to write on, last."""

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em 2em;
 color:#1a1a1a;line-height:1.35}
h1{font-size:1.6em;margin:0 0 .3em}
h2{margin:1.4em 0 .5em}
.meta p{margin:.15em 0}
nav.toc{margin:.9em 0 .3em}
nav.toc a{margin-right:1.2em}
table{border-collapse:collapse;font-size:13px;margin:0 0 1.5em;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left;
 overflow-wrap:break-word}
thead th{background:#eee;position:sticky;top:0;z-index:1;box-shadow:inset 0 -2px #888}
td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
th.num{text-align:right}
td.stand-in{white-space:normal}
td.stand-in .alt{display:block;font-size:.75em;overflow-wrap:anywhere}
td.c-kpi{white-space:nowrap}
td.long{min-width:16em}
table.overview{table-layout:fixed}
table.overview td.long{min-width:0}
table.overview td,table.overview th{overflow-wrap:anywhere}
tbody tr{-webkit-print-color-adjust:exact;print-color-adjust:exact}
tr.lv-act td.c-level,tr.lv-watch td.c-level{font-weight:bold}
a{color:#04489b}
tr.lv-act a,tr.lv-watch a{color:inherit}
section.details>p{margin:.2em 0 .6em}
details{margin:.3em 0 .8em}
summary{cursor:pointer;font-weight:bold;font-size:1.05em;padding:.2em 0}
.notice{border:1px solid #888;padding:.5em 1em .8em;margin:1.2em 0;break-inside:avoid}
.notice h3{margin:.2em 0 .4em}
.notice .count{font-weight:normal;color:#555;font-size:.85em;display:block}
.badge{display:inline-block;padding:.05em .5em;border:1px solid #555;border-radius:3px;
 font-size:.8em;vertical-align:middle;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.notice .why{font-size:1.05em;margin:.3em 0 .8em}
table.facts{table-layout:fixed}
table.facts th{width:20%;background:#f5f5f5}
table.facts td{width:30%}
.form{border:1px solid #ccc;display:flex;flex-direction:column}
.field{display:flex;border-top:1px solid #ccc;min-height:5.5em}
.field:first-child{border-top:none}
.field.short{min-height:2.2em}
.field .label{width:22%;background:#f5f5f5;font-weight:bold;padding:4px 6px;
 border-right:1px solid #ccc;font-size:13px}
h4{margin:.6em 0 .3em}
footer{margin-top:2em;font-style:italic;break-before:avoid}
table.group_rules td.c-kpi{white-space:normal;width:16%}
"""

_PRINT_CSS = """
@page{size:A4 landscape;margin:11mm 10mm 13mm;
 @bottom-left{content:"{source}";font:8pt sans-serif;color:#333}
 @bottom-right{content:"{page} " counter(page) " {of} " counter(pages);font:8pt sans-serif}}
@page notice{size:A4 portrait;margin:12mm 12mm 14mm}
@media print{
 body{margin:0;font-size:9.5pt}
 nav.toc,.screen{display:none}
 table{font-size:8.5pt;margin-bottom:1em}
 thead{display:table-header-group}
 thead th{position:static;box-shadow:inset 0 -2px #888}
 tr,.badge{break-inside:avoid}
 h1,h2,h3,h4,summary{break-after:avoid}
 a{color:inherit;text-decoration:none}
 details::details-content{content-visibility:visible;display:block}
 summary{list-style:none}
 summary::-webkit-details-marker{display:none}
 section.notices.forms{page:notice;break-before:page}
 section.notices.forms>h2{display:none}
 .notice{margin:0;border:1px solid #666;height:266mm;box-sizing:border-box;display:flex;
  flex-direction:column}
 .notice .form{flex:1 1 auto}
 .field{flex:1 1 0;min-height:2.5em}
 .field.short{flex:0 0 auto;min-height:2.6em}
 .field .label{font-size:8.5pt}
 .notice+.notice{break-before:page}
 .notice h3{font-size:1.15em}
 .notice .why{font-size:1em;margin:.2em 0 .5em}
 table.facts{font-size:8pt}
 table.facts th,table.facts td{padding:2px 4px}
 table.overview{font-size:8pt}
 th,td{padding:3px 4px}
}
"""

_SCRIPT = """
(function(){var shut=[];
addEventListener("beforeprint",function(){document.querySelectorAll("details:not([open])")
 .forEach(function(d){d.open=true;shut.push(d);});});
addEventListener("afterprint",function(){shut.forEach(function(d){d.open=false;});shut=[];});
})();
"""
"""Unfolds the detail tables while printing in browsers that ignore ``::details-content``."""


def _e(text: object) -> str:
    return html.escape(str(text))


def _header_text(label: str) -> str:
    """A column header, breakable after ``/`` ("Kvinnor/flickor") so narrow columns stay narrow,
    a bracket kept on one line ("Skillnad (K − M)" breaks before the bracket, not in it).

    >>> _header_text("Kvinnor/flickor"), _header_text("Skillnad (K − M)")
    ('Kvinnor/<wbr>flickor', 'Skillnad (K\xa0−\xa0M)')
    """
    kept = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(" ", "\u00a0"), label)
    return _e(kept).replace("/", "/<wbr>")


def _cell_class(column: Column, text: str) -> str:
    """The cell's classes: its key (``c-gap``), ``num`` for numbers, ``long`` for a sentence.

    >>> _cell_class(Column("gap", "Skillnad", "number"), "−3,3")
    'c-gap num'
    """
    out = [f"c-{column.key}"]
    if column.kind in ("number", "int"):
        out.append("num")
    elif len(text) > 80:  # a sentence: room to read it
        out.append("long")
    return " ".join(out)


def html_table(
    table: Table,
    coloured: bool = False,
    *,
    css_class: str = "",
    links: Mapping[str, str] | None = None,
    widths: Mapping[str, float] | None = None,
    stand_ins: Table | None = None,
    link_title: str = "",
) -> str:
    """A table as HTML; ``coloured`` fills each row with its level's colour.

    Every cell and header carries its column's key as a class (``c-gap``); numbers
    are right-aligned (``num``). ``links`` maps a KPI id to an address: that row's
    ``kpi`` cell links there (the overview links flagged KPIs to their notice), with
    ``link_title`` (``{kpi}`` filled in) as the link's tooltip.
    ``widths`` gives columns relative widths by key (scaled to 100 %, others 7).
    ``stand_ins`` (the same rows, more columns) fills the groups of :data:`STAND_INS`:
    where a row has none of a group's values, one cell across the group says what it
    has instead, with its own label ("Andel män: 33,3").

    >>> t = Table("x", (Column("kpi", "Nyckeltal"), Column("gap", "Skillnad", "number")),
    ...           pd.DataFrame({"kpi": ["N1"], "gap": [-3.26]}), levels=pd.Series(["act"]))
    >>> print(html_table(t, coloured=True, links={"N1": "#n1"}))  # doctest: +NORMALIZE_WHITESPACE
    <table><thead><tr><th scope="col" class="c-kpi">Nyckeltal</th><th scope="col"
    class="c-gap num">Skillnad</th></tr></thead><tbody><tr class="lv-act"
    style="background:#D55E00;color:#000000"><td class="c-kpi"><a href="#n1">N1</a></td><td
    class="c-gap num">−3,3</td></tr></tbody></table>
    >>> s = Table("x", (Column("kpi", "Nyckeltal"), Column("gap", "Skillnad", "number"),
    ...                 Column("distance", "Avstånd från 50/50", "number")),
    ...           pd.DataFrame({"kpi": ["N2"], "gap": [None], "distance": [-16.7]}))
    >>> html_table(s.select(["kpi", "gap"]), stand_ins=s).count("Avstånd från 50/50:</span> −16,7")
    1
    """
    texts = {c.key: cell_texts(table.data[c.key], c, table.lang).tolist() for c in table.columns}
    groups = _stand_in_groups(table, stand_ins)
    levels = table.levels if table.levels is not None else pd.Series(pd.NA, index=table.data.index)
    out = [f'<table class="{_e(css_class)}">' if css_class else "<table>"]
    if widths is not None:
        w = [widths.get(c.key, 7.0) for c in table.columns]
        cols = "".join(f'<col style="width:{100 * x / sum(w):.1f}%">' for x in w)
        out.append(f"<colgroup>{cols}</colgroup>")
    out.append("<thead><tr>")
    out += [
        f'<th scope="col" class="{_cell_class(c, "")}">{_header_text(c.label)}</th>'
        for c in table.columns
    ]
    out.append("</tr></thead><tbody>")
    for i in range(len(table)):
        lv = str(levels.iloc[i]) if pd.notna(levels.iloc[i]) else ""
        attrs = f' class="lv-{_e(lv)}"' if lv else ""
        if coloured and lv:
            attrs += f' style="background:{level_fill(lv)};color:{level_font(lv)}"'
        out.append(f"<tr{attrs}>")
        skip: set[str] = set()
        for column in table.columns:
            if column.key in skip:
                continue
            text = str(texts[column.key][i])
            stand_in = _stand_in(groups, texts, column.key, i)
            if stand_in is not None:
                keys, alt, alt_text = stand_in
                skip.update(keys)
                span = f' colspan="{len(keys)}"' if len(keys) > 1 else ""
                cell = f'<span class="alt">{_e(alt.label)}:</span> {_e(alt_text)}'
                out.append(f'<td{span} class="c-{_e(alt.key)} num stand-in">{cell}</td>')
                continue
            cell = _e(text)
            if links is not None and column.key == "kpi" and text in links:
                tip = f' title="{_e(link_title.format(kpi=text))}"' if link_title else ""
                cell = f'<a href="{_e(links[text])}"{tip}>{cell}</a>'
            out.append(f'<td class="{_cell_class(column, text)}">{cell}</td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


_Group = tuple[tuple[str, ...], list[tuple[Column, list[str]]]]


def _stand_in_groups(table: Table, stand_ins: Table | None) -> list[_Group]:
    """The groups of :data:`STAND_INS` whose columns ``table`` shows, with the stand-ins' texts."""
    if stand_ins is None:
        return []
    shown = {c.key for c in table.columns}
    have = {c.key: c for c in stand_ins.columns}
    out = []
    for keys, alts in STAND_INS:
        if not set(keys) <= shown:
            continue
        found = [
            (have[k], cell_texts(stand_ins.data[k], have[k], stand_ins.lang).tolist())
            for k in alts
            if k in have and k not in shown
        ]
        if found:
            out.append((keys, found))
    return out


def _stand_in(
    groups: list[_Group], texts: Mapping[str, list[str]], key: str, i: int
) -> tuple[tuple[str, ...], Column, str] | None:
    """The stand-in for row ``i`` of the group that starts at column ``key``, if it needs one."""
    for keys, alts in groups:
        if keys[0] != key or any(str(texts[k][i]).strip() for k in keys):
            continue
        for alt, values in alts:
            if str(values[i]).strip():
                return keys, alt, str(values[i])
    return None


def _shown(table: Table, keys: Sequence[str]) -> Table:
    """``table`` with the columns ``keys`` that have at least one cell to show."""
    have = [c for c in table.columns if c.key in keys]
    full = [
        c.key for c in have if cell_texts(table.data[c.key], c, table.lang).str.strip().ne("").any()
    ]
    return table.select([k for k in keys if k in full])


def detail_tables(overview: Table) -> list[tuple[str, Table]]:
    """The overview's columns not on the page, as titled tables with the KPI id first.

    The groups are :data:`DETAIL_GROUPS`; a column in none of them goes to the last
    table (``"group_other"``); a column with nothing in it, or a table with nothing
    but the KPI id, is left out. The rules, the same for most KPIs, are listed once
    per set of rules, with the KPIs they apply to.
    """
    grouped = {k for _, keys in DETAIL_GROUPS for k in keys}
    other = tuple(c.key for c in overview.columns if c.key not in {*MAIN, *grouped})
    out = []
    for name, keys in (*DETAIL_GROUPS, ("group_other", other)):
        table = _shown(overview, ["kpi", *keys])
        if len(table.columns) > 1:
            out.append((name, _collapse(table) if name == "group_rules" else table))
    return out


def _collapse(table: Table) -> Table:
    """Rows alike in every column but ``kpi`` as one row listing their KPI ids.

    >>> t = Table("x", (Column("kpi", "Nyckeltal"), Column("rule", "Regel")),
    ...           pd.DataFrame({"kpi": ["N1", "N2", "N3"], "rule": ["a", "b", "a"]}))
    >>> _collapse(t).data.to_dict("list")
    {'kpi': ['N1, N3', 'N2'], 'rule': ['a', 'b']}
    """
    texts = pd.DataFrame(
        {c.key: cell_texts(table.data[c.key], c, table.lang) for c in table.columns}, dtype=str
    )
    rest = [c.key for c in table.columns if c.key != "kpi"]
    rows = texts.groupby(rest, sort=False)["kpi"].agg(", ".join).reset_index()
    columns = tuple(replace(c, kind="text") for c in table.columns)
    return Table(table.name, columns, rows[[c.key for c in columns]], lang=table.lang)


def _notice_id(kpi: str) -> str:
    return "notice-" + "".join(ch if ch.isalnum() else "-" for ch in kpi)


def _notice(report: Report, texts: Sequence[list[str]], i: int) -> str:
    """Notice ``i`` as a form: heading, reason, the facts in pairs, the fields to complete.

    ``texts`` holds each notice column's cell texts, in the order of the columns.
    """
    lang = report.lang
    fields = [
        (c.key, report.consequences[i] if c.key == "consequences" else c.label, str(v[i]), c.blank)
        for c, v in zip(report.notices.columns, texts, strict=True)
    ]
    by_key = {key: text for key, _, text, _ in fields}
    lv = report.notices.levels.iloc[i] if report.notices.levels is not None else pd.NA
    lv = str(lv) if pd.notna(lv) else ""
    kpi = by_key.get("kpi", "")
    n = len(report.notices)
    parts = [
        f'<section class="notice" id="{_notice_id(kpi)}">',
        f'<h3><span class="count">{_e(html_text(lang, "notice_n", i=i + 1, n=n))}</span>',
        f"{_e(kpi)} {_e(by_key.get('kpi_title', ''))} ",
        f'<span class="badge" style="background:{level_fill(lv)};color:{level_font(lv)}">'
        f"{_e(by_key.get('level', ''))}</span></h3>",
    ]
    if by_key.get("reasons"):
        parts.append(f'<p class="why">{_e(by_key["reasons"])}</p>')
    facts = [
        (label, text)
        for key, label, text, blank in fields
        if text and not blank and key not in _IN_HEADING
    ]
    parts += [f"<h4>{_e(html_text(lang, 'facts'))}</h4>", _facts_table(facts)]
    parts.append(f'<h4>{_e(html_text(lang, "to_fill"))}</h4><div class="form">')
    blanks = [(key, label) for key, label, _, blank in fields if blank]
    blanks.sort(key=lambda kl: _form_rank(kl[0]))
    for key, label in blanks:  # a box to write in: it grows to fill the printed page
        size = "short" if key in _SHORT_BLANKS else "tall"
        parts.append(f'<div class="field {size}"><div class="label">{_e(label)}</div></div>')
    parts.append("</div></section>")
    return "".join(parts)


def _form_rank(key: str) -> int:
    """Where a field to complete goes in the form: what to write, then the rest, who and when.

    >>> sorted(["responsible", "action", "other", "causes"], key=_form_rank)
    ['causes', 'action', 'other', 'responsible']
    """
    if key in _FORM_ORDER:
        return _FORM_ORDER.index(key)
    return len(_FORM_ORDER) + 1 + _SHORT_BLANKS.index(key) if key in _SHORT_BLANKS else 3


def _facts_table(facts: list[tuple[str, str]]) -> str:
    """Label–value pairs two to a row; a long value (a sentence, a list) gets a row of its own."""
    rows: list[str] = []
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        if pending:
            cells = "".join(f'<th scope="row">{_e(k)}</th><td>{_e(v)}</td>' for k, v in pending)
            pad = "<th></th><td></td>" if len(pending) == 1 else ""
            rows.append(f"<tr>{cells}{pad}</tr>")
            pending.clear()

    for label, text in facts:
        if len(text) > 40:
            flush()
            rows.append(f'<tr><th scope="row">{_e(label)}</th><td colspan="3">{_e(text)}</td></tr>')
        else:
            pending.append((label, text))
            if len(pending) == 2:
                flush()
    flush()
    return f'<table class="facts"><tbody>{"".join(rows)}</tbody></table>'


def _print_css(report: Report) -> str:
    """The print rules, with the source line and page numbers in the page margins."""

    def css_string(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")

    return (
        _PRINT_CSS.replace("{source}", css_string(report.source))
        .replace("{page}", css_string(html_text(report.lang, "page")))
        .replace("{of}", css_string(html_text(report.lang, "of")))
    )


def write_html(report: Report, path: Path) -> list[Path]:
    """The report as one HTML page for screen and A4 print (see the module's docstring)."""
    t = report.text
    lang = report.lang
    n = len(report.notices)
    flagged = report.notices.data["kpi"].astype(str).tolist() if n else []
    details = detail_tables(report.overview)
    toc = [("overview", t["overview"]), ("details", html_text(lang, "details"))]
    toc += [("notices", f"{t['notices']} ({n})")]
    if report.units is not None:
        toc.append(("units", t["units"]))
    toc.append(("annex", t["annex"]))
    parts = [
        f'<!DOCTYPE html><html lang="{_e(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.header[0])}</title>",
        f"<style>{_CSS}{_print_css(report)}</style></head><body>",
        f'<header class="meta"><h1>{_e(report.header[0])}</h1>',
        "".join(f"<p>{_e(h)}</p>" for h in report.header[1:]),
        f'</header><nav class="toc" aria-label="{_e(html_text(lang, "contents"))}">',
        "".join(f'<a href="#{key}">{_e(label)}</a>' for key, label in toc),
        f'</nav><section id="overview"><h2>{_e(t["overview"])}</h2>',
        html_table(
            report.overview.select(MAIN),
            coloured=True,
            css_class="overview",
            links={k: f"#{_notice_id(k)}" for k in flagged},
            widths=WIDTHS,
            stand_ins=report.overview,
            link_title=html_text(lang, "see_notice", kpi="{kpi}"),
        ),
        '</section><section id="details" class="details">',
        f"<h2>{_e(html_text(lang, 'details'))}</h2>",
        f'<p class="screen">{_e(html_text(lang, "details_note"))}</p>',
    ]
    for name, table in details:
        parts += [
            f"<details><summary>{_e(html_text(lang, name))}</summary>",
            html_table(table, css_class=f"detail {name}"),
            "</details>",
        ]
    forms = " forms" if n else ""
    parts.append(f'</section><section id="notices" class="notices{forms}">')
    parts.append(f"<h2>{_e(t['notices'])}</h2>")
    if not n:
        parts.append(f"<p>{_e(t['no_flags'])}</p>")
    notices = report.notices
    texts = [cell_texts(notices.data[c.key], c, lang).tolist() for c in notices.columns]
    parts += [_notice(report, texts, i) for i in range(n)]
    parts.append("</section>")
    if report.units is not None:
        parts += [
            f'<section id="units"><h2>{_e(t["units"])}</h2><p>{_e(report.units.note)}</p>',
            html_table(report.units, css_class="units"),
            "</section>",
        ]
    parts += [
        f'<section id="annex"><h2>{_e(t["annex"])}</h2>',
        html_table(report.annex, css_class="annex"),
        f"</section><footer>{_e(report.source)}</footer>",
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    write_atomic(path, "".join(parts))
    return [path]


__all__ = [
    "DETAIL_GROUPS",
    "MAIN",
    "STAND_INS",
    "WIDTHS",
    "detail_tables",
    "html_table",
    "write_html",
]
