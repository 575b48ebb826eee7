"""The manual in docs/: it builds with warnings as errors and stays in step with the code.

- the Sphinx build (``-W --keep-going``) passes, when Sphinx, MyST and furo are installed;
- the CLI reference (docs/cli.md) describes every command and option of
  :func:`koladagap.cli.build_parser`, in the command's own section, and names no
  option that does not exist;
- every ``koladagap …`` command in a ``sh`` block of the manual parses;
- every ``toml`` block is a valid plan (or a valid part of one);
- the API reference names every public verb of ``koladagap``;
- the methods page opens with its Swedish summary.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from koladagap.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


# --- the build ------------------------------------------------------------------------


@pytest.mark.docs
def test_docs_build_with_warnings_as_errors(tmp_path: Path) -> None:
    pytest.importorskip("sphinx")
    pytest.importorskip("myst_parser")
    pytest.importorskip("furo")
    cmd = [
        sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
        "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONWARNINGS": ""}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=110, check=False)
    assert proc.returncode == 0, proc.stderr[-4000:]
    html = tmp_path / "html"
    for page in ("index", "quickstart", "cli", "api", "methods", "guides/manager"):
        assert (html / f"{page}.html").is_file(), page
    api = (html / "api.html").read_text(encoding="utf-8")
    for name in (
        "benchmarking.data.values",
        "benchmarking.data.Kolada",
        "benchmarking.plan.load_plan",
        "benchmarking.run.run_plan",
        "benchmarking.run.PlanResult",
        "render.report.write_report",
        "render.pack.write_baseline_pack",
        "render.pack.baseline_pack_input",
        "render.charts.plot_kpi_trend",
        "engine.evaluate",
        "engine.compare",
        "engine.Thresholds",
        "engine.KpiRule",
        "errors.ConfigError",
    ):
        assert f'id="koladagap.{name}"' in api, f"the API reference lacks koladagap.{name}"


# --- the CLI reference ----------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command that does something (a parser without subcommands), by path."""
    subs = _subparsers(parser)
    if path and not subs:
        yield path, parser
    for name, sub in subs.items():
        yield from _commands(sub, (*path, name))


GLOBAL_OPTIONS = {"--lang", "-v", "--verbose"}
"""Accepted before or after a command; described once, under "Global options"."""


def _options(parser: argparse.ArgumentParser, with_global: bool = False) -> set[str]:
    shown = {s for a in parser._actions if a.help != argparse.SUPPRESS for s in a.option_strings}
    return shown - {"-h", "--help"} - (set() if with_global else GLOBAL_OPTIONS)


def _sections(text: str) -> dict[str, str]:
    """``## heading`` (without backticks) → the text under it; ``""`` → the text before."""
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    out = {"": parts[0]}
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        out[title.strip().strip("`")] = body
    return out


def _mentions(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


CLI_MD = (DOCS / "cli.md").read_text(encoding="utf-8")
SECTIONS = _sections(CLI_MD)
PARSER = build_parser()
COMMANDS = dict(_commands(PARSER))


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_cli_reference_describes_every_option(path: tuple[str, ...]) -> None:
    title = "koladagap " + " ".join(path)
    assert title in SECTIONS, f"docs/cli.md has no section '## `{title}`'"
    section = SECTIONS[title]
    parser = COMMANDS[path]
    missing = [o for o in sorted(_options(parser)) if not _mentions(section, o)]
    assert not missing, f"{title}: options not described in docs/cli.md: {missing}"
    for action in parser._actions:
        if set(action.option_strings) & GLOBAL_OPTIONS:
            continue
        words = [str(c) for c in action.choices or ()]
        if not action.option_strings and not words:
            words = [action.dest]
        absent = [w for w in words if not _mentions(section, w)]
        assert not absent, f"{title}: {action.dest} values not described: {absent}"
    assert _mentions(SECTIONS[""], path[0]), f"{title} is not in the table of commands"


def test_cli_reference_describes_the_global_options() -> None:
    section = SECTIONS["Global options"]
    missing = [o for o in sorted(_options(PARSER, True)) if not _mentions(section, o)]
    assert not missing, f"global options not described: {missing}"
    assert "after the command" in section
    lang = next(a for a in PARSER._actions if "--lang" in a.option_strings)
    assert all(_mentions(section, f"--lang {c}") for c in lang.choices or ())


def test_cli_reference_names_no_unknown_option() -> None:
    everything = _options(PARSER, True).union(*(_options(p) for p in COMMANDS.values()))
    for title, text in SECTIONS.items():
        path = tuple(title.split()[1:]) if title.startswith("koladagap ") else None
        allowed = _options(COMMANDS[path]) if path in COMMANDS else everything
        unknown = sorted(set(OPTION.findall(text)) - allowed - {"--help"})
        assert not unknown, f"docs/cli.md, section {title!r}: no such option {unknown}"


def test_cli_reference_has_no_section_for_a_missing_command() -> None:
    documented = {t for t in SECTIONS if t.startswith("koladagap ")}
    assert documented == {"koladagap " + " ".join(p) for p in COMMANDS}


# --- commands and plans quoted in the manual ------------------------------------------


def _blocks(lang: str) -> Iterator[tuple[Path, str]]:
    fence = re.compile(rf"^```{lang}\n(.*?)^```", flags=re.M | re.S)
    for page in PAGES:
        for m in fence.finditer(page.read_text(encoding="utf-8")):
            yield page, m.group(1)


def _quoted_commands() -> list[tuple[str, list[str]]]:
    out = []
    for page, block in _blocks("sh"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
                words = words[1:]  # VAR=value koladagap …
            if words and words[0].endswith("koladagap"):
                out.append((f"{page.relative_to(DOCS)}: {line.strip()}", words[1:]))
    return out


QUOTED = _quoted_commands()


def test_the_manual_quotes_commands() -> None:
    assert len(QUOTED) > 30


@pytest.mark.parametrize(("where", "argv"), QUOTED, ids=[w for w, _ in QUOTED])
def test_quoted_command_parses(where: str, argv: list[str]) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: exit 2 on a bad command line
        pytest.fail(f"{where}: does not parse (exit {exc.code})")


MINIMAL_PLAN: dict[str, Any] = {
    "organisation": {"id": "1233"},
    "kpis": {"ids": ["N15428"]},
    "sessions": {"baseline": {"name": "Benchmarking 1", "year": 2018}},
}


@pytest.mark.parametrize(
    ("page", "block"), list(_blocks("toml")), ids=lambda x: getattr(x, "name", "")
)
def test_quoted_plan_is_valid(page: Path, block: str) -> None:
    from koladagap.benchmarking.plan import parse_plan

    data = tomllib.loads(block)
    plan = parse_plan(data if "organisation" in data else {**MINIMAL_PLAN, **data})
    assert plan.organisation


# --- API and methods pages --------------------------------------------------------------


def test_api_reference_names_every_public_verb() -> None:
    import koladagap

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    missing = [n for n in koladagap.__all__ if n != "__version__" and not _mentions(text, n)]
    assert not missing, f"docs/api.md does not document {missing}"


def test_methods_page_opens_with_a_swedish_summary() -> None:
    text = (DOCS / "methods.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[0] == "Sammanfattning på svenska"
