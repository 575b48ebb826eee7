"""A real browser renders the HTML report: usable on screen, printed to A4 without cut columns.

Headless Chromium from the system's packages opens the Vellinge (1233) report of the
shipped sample: at 1366×768 the overview fits the window and keeps its header in view
while scrolling; printed, every page is A4, every word is inside its page, the overview's
headers repeat on each of its pages, the detail tables unfold and each avvikelseanmälan
fills one page of its own. Skipped, with the reason, where no Chromium or no poppler
(``pdftotext``) is installed. Nothing here measures time: the browser gets minutes.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import statistics
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from koladagap.benchmarking.plan import load_plan, starter_plan
from koladagap.benchmarking.run import run_plan
from koladagap.kolada.sample import sample_manifest
from koladagap.render.i18n.html import html_text
from koladagap.render.report import write_report
from koladagap.render.reports.build import build_report
from koladagap.render.reports.html import MAIN, detail_tables
from koladagap.render.reports.model import Report

pytestmark = [pytest.mark.slow, pytest.mark.timeout(3 * 600)]  # a busy machine: minutes

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 600  # seconds: a cold browser on a busy machine; never a measure of speed
A4 = (595.28, 841.89)
WIDTH, HEIGHT = 1366, 768


def _browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> str:
    path = _browser()
    if path is None:
        pytest.skip(f"no headless browser: none of {', '.join(BROWSERS)} is on PATH")
    return path


@dataclass
class Rendered:
    """The report written for the browser, and the model it was written from."""

    path: Path
    report: Report
    kpis: list[str]


@pytest.fixture(scope="module")
def vellinge(tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """Vellinge's follow-up report (Benchmarking 2, 2022, against 2018), as the demo writes it."""
    d = tmp_path_factory.mktemp("html-report")
    kpis = sample_manifest()["values"]["kpis"]
    plan = d / "plan.toml"
    plan.write_text(
        starter_plan("1233", "Vellinge", kpis, baseline=2018, followup=2022), encoding="utf-8"
    )
    res = run_plan(load_plan(plan), source="sample", meetings_dir=d / "sessions")
    (path,) = write_report(res, d / "avvikelser.html")
    return Rendered(path, build_report(res, "sv"), res.table["kpi"].astype(str).tolist())


def _run(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium once with a fresh profile; fail with its stderr if it fails."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        f"--user-data-dir={profile}",
        *args,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}"
    return done


# --- on screen -----------------------------------------------------------------------------

_PROBE = """
<pre id="probe"></pre><script>
(function(){
  var de=document.documentElement, table=document.querySelector("#overview table");
  var cells=table.querySelectorAll("th,td"), spill=[];
  cells.forEach(function(c){ if(c.scrollWidth>c.clientWidth+1) spill.push(c.textContent); });
  var th=table.querySelector("thead th"), last=table.querySelector("tbody tr td:last-child");
  var out={inner:innerWidth, client:de.clientWidth, scroll:de.scrollWidth,
           right:table.getBoundingClientRect().right, spill:spill,
           headers:[].map.call(table.querySelectorAll("thead th"),
                               function(h){return h.textContent;}),
           position:getComputedStyle(th).position,
           wrap:getComputedStyle(last).whiteSpace,
           lastHeight:last.getBoundingClientRect().height,
           lineHeight:parseFloat(getComputedStyle(last).fontSize)*1.6,
           closed:document.querySelectorAll("details:not([open])").length};
  window.scrollTo(0, table.getBoundingClientRect().top+scrollY+400);
  out.tableTop=table.getBoundingClientRect().top;
  out.headTop=th.getBoundingClientRect().top;
  document.getElementById("probe").textContent=JSON.stringify(out);
})();
</script>
"""
"""Measures the laid-out page and writes the numbers into it, for ``--dump-dom`` to read."""


def test_the_overview_fits_the_screen_and_keeps_its_header(
    browser: str, vellinge: Rendered, tmp_path: Path
) -> None:
    shot = tmp_path / "report.png"
    size = f"--window-size={WIDTH},{HEIGHT}"
    _run(
        browser, tmp_path, size, "--hide-scrollbars", f"--screenshot={shot}", vellinge.path.as_uri()
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (WIDTH, HEIGHT)

    page = tmp_path / "probe.html"
    page.write_text(
        vellinge.path.read_text(encoding="utf-8").replace("</body>", _PROBE + "</body>"),
        encoding="utf-8",
    )
    dom = _run(browser, tmp_path, size, "--dump-dom", page.as_uri()).stdout
    found = re.search(r'<pre id="probe">([^<]+)</pre>', dom)
    assert found, "the probe script did not run"
    m = json.loads(html.unescape(found.group(1)))
    assert m["inner"] == WIDTH
    # no horizontal overflow: the page is no wider than the window, nor any cell than its box
    assert m["scroll"] <= m["client"], m
    assert m["right"] <= m["client"], m
    assert m["spill"] == [], f"text wider than its cell: {m['spill']}"
    # the manager's columns, no more: the rest is in the detail tables, folded
    headers = [h.replace("\xa0", " ") for h in m["headers"]]  # brackets are kept on one line
    assert headers == vellinge.report.overview.select(MAIN).labels
    assert len(headers) <= 10
    assert m["closed"] == len(detail_tables(vellinge.report.overview)) > 0
    # the reasons wrap, and the header stays in view when the table is scrolled under it
    assert m["wrap"] in ("normal", "pre-wrap", "break-spaces")
    assert m["lastHeight"] > m["lineHeight"]
    assert m["position"] == "sticky"
    assert m["tableTop"] < 0 and abs(m["headTop"]) <= 1, m


# --- on paper ------------------------------------------------------------------------------


@dataclass
class Page:
    """One printed page: its size in points and its words with their boxes."""

    width: float
    height: float
    words: list[tuple[float, float, float, str]]
    """(x_min, x_max, height, text) of every word, in points."""

    @property
    def text(self) -> str:
        return " ".join(w for *_, w in self.words)

    @property
    def tokens(self) -> set[str]:
        return {t for *_, w in self.words for t in _tokens(w)}


def _tokens(text: str) -> list[str]:
    """Words as a PDF's text gives them back: split at spaces and at ``/`` (a header may wrap)."""
    return [t for t in re.split(r"[\s/]+", text) if t]


_WORD = re.compile(
    r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>'
)


def _pages(pdf: Path, tmp: Path) -> list[Page]:
    """The words of every page with their boxes (poppler's ``pdftotext -bbox``)."""
    out = tmp / "words.html"
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(out)], check=True, timeout=TIMEOUT)
    pages = []
    text = out.read_text(encoding="utf-8")
    for m in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', text, re.S):
        found = _WORD.findall(m.group(3))
        words = [
            (float(x0), float(x1), float(y1) - float(y0), html.unescape(w))
            for x0, y0, x1, y1, w in found
        ]
        pages.append(Page(float(m.group(1)), float(m.group(2)), words))
    return pages


@pytest.fixture(scope="module")
def printed(
    browser: str, vellinge: Rendered, tmp_path_factory: pytest.TempPathFactory
) -> list[Page]:
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (poppler-utils) to read the printed PDF")
    tmp = tmp_path_factory.mktemp("print")
    pdf = tmp / "report.pdf"
    _run(
        browser,
        tmp,
        "--no-pdf-header-footer",
        "--print-to-pdf-no-header",
        f"--print-to-pdf={pdf}",
        vellinge.path.as_uri(),
    )
    assert pdf.read_bytes()[:5] == b"%PDF-"
    return _pages(pdf, tmp)


def test_every_printed_page_is_a4_and_no_word_is_cut(printed: list[Page]) -> None:
    assert printed
    for i, p in enumerate(printed, start=1):
        assert sorted((p.width, p.height)) == pytest.approx(A4, abs=2), f"page {i}"
        assert p.words, f"page {i} is empty"
        outside = [w for x0, x1, _, w in p.words if x0 < 0 or x1 > p.width + 0.5]
        assert outside == [], f"page {i}: words cut at the page's edge: {outside}"
        # and not shrunk to fit: the text keeps a readable size (8 pt prints ~9.3 pt high)
        assert statistics.median(h for _, _, h, _ in p.words) >= 8.5, f"page {i} shrunk"


def test_the_printed_overview_has_every_column_and_kpi(
    printed: list[Page], vellinge: Rendered
) -> None:
    labels = vellinge.report.overview.select(MAIN).labels
    text = " ".join(p.text for p in printed)
    for kpi in vellinge.kpis:
        assert kpi in text
    # the overview's pages: up to the one where the detail tables begin
    details = _tokens(html_text("sv", "details"))
    end = next(i for i, p in enumerate(printed) if set(details) <= p.tokens)
    assert end >= 1, "a 19-KPI overview takes more than one landscape page"
    for i, p in enumerate(printed[: end + 1], start=1):
        for label in labels:  # the header repeats on every page, its last column too
            missing = set(_tokens(label)) - p.tokens
            assert not missing, f"page {i}: header {label!r} lacks {missing}"


def test_the_detail_tables_unfold_on_paper(printed: list[Page], vellinge: Rendered) -> None:
    # the pages from the details' heading to the first notice (the notices repeat the labels)
    start = next(
        i for i, p in enumerate(printed) if set(_tokens(html_text("sv", "details"))) <= p.tokens
    )
    end = next((i for i, p in enumerate(printed) if p.height > p.width), len(printed))
    tokens = set().union(*(p.tokens for p in printed[start:end]))
    for name, table in detail_tables(vellinge.report.overview):
        assert set(_tokens(html_text("sv", name))) <= tokens, name
        for label in table.labels:
            assert set(_tokens(label)) <= tokens, label
    # every number of the first table is printed, not only its headers
    name, table = detail_tables(vellinge.report.overview)[0]
    last = [t for t in table.texts().iloc[:, -1] if t.strip()]
    assert last and all(set(_tokens(t)) <= tokens for t in last), (name, last)


def test_each_notice_is_one_page_of_its_own(printed: list[Page], vellinge: Rendered) -> None:
    notices = vellinge.report.notices
    n = len(notices)
    assert n >= 2  # Vellinge 2022 has flags to report
    forms = [p for p in printed if p.height > p.width]  # the forms are printed upright
    assert len(forms) == n
    blanks = [c.label for c in notices.columns if c.blank and c.key != "consequences"]
    for i, (page, kpi) in enumerate(zip(forms, notices.data["kpi"].astype(str), strict=True)):
        head = html_text("sv", "notice_n", i=i + 1, n=n)
        assert page.text.count(head) == 1, head
        assert kpi in page.text
        for label in [*blanks, vellinge.report.consequences[i]]:  # the whole form, on this page
            assert set(_tokens(label)) <= page.tokens, (kpi, label)
