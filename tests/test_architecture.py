"""The house rules: layers (import-linter), module sizes, and the public surface.

docs/architecture.md explains the layers; pyproject.toml holds the contracts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import koladagap as kg

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "koladagap"
MAX_LINES = 600


def test_the_layer_contracts_hold(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    res = subprocess.run(
        [*cmd, "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "Contracts: 4 kept, 0 broken" in res.stdout


def test_no_module_is_over_600_lines() -> None:
    big = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not big, f"modules over {MAX_LINES} lines: {big}"


PUBLIC = {
    # the data verbs and the client
    "values", "gaps", "kpis", "municipalities", "groups", "peers", "screen", "load_sample",
    "to_wide", "Kolada", "HTTPSettings", "UnknownIdWarning",
    # the catalogue, units and exploring (issue 13)
    "areas", "units", "unit_types", "available", "rank", "status",
    # plans and their run
    "load_plan", "run_plan", "Plan", "Meeting", "PlanResult", "Thresholds", "KpiRule",
    # the writers
    "write_report", "write_baseline_pack",
    # the errors users catch
    "KoladaGapError", "InputError", "UnknownIdError", "InvalidYearsError", "ConfigError",
    "APIError", "CacheError", "CorruptCacheError", "OfflineMissingError",
    # attribution (Kolada's terms)
    "ATTRIBUTION", "ATTRIBUTION_PROCESSED",
    "__version__",
}  # fmt: skip


def test_the_public_surface_is_pinned() -> None:
    assert set(kg.__all__) == PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(kg, name) is not None
    assert name in dir(kg)


def test_importing_koladagap_stays_cheap() -> None:
    code = (
        "import sys, koladagap; "
        "heavy = [m for m in ('matplotlib', 'pyarrow', 'pandas', 'requests') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_old_module_paths_warn_and_still_work() -> None:
    code = (
        "import warnings; warnings.simplefilter('error', DeprecationWarning)\n"
        "try:\n    import koladagap.plan\n"
        "except DeprecationWarning as w:\n    print('warned:', w)\n"
        "warnings.simplefilter('ignore', DeprecationWarning)\n"
        "import koladagap.plan as p; import koladagap.benchmarking.plan as q; print(p is q)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "warned: koladagap.plan moved to koladagap.benchmarking.plan" in out.stdout
    assert out.stdout.strip().endswith("True")
