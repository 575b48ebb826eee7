"""The analysts' notebooks: stored without outputs, and they run on the shipped sample.

Each notebook is executed in a fresh ``python3`` kernel (the interpreter running
the tests), in a temporary working directory, with the private test cache and
an API URL on a closed loopback port: the notebooks use the sample only, and a
stray request would fail instead of reaching Kolada. The same check as a
separate step: ``python -m pytest --nbmake notebooks/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
EXPECTED = ["01-snabbstart.ipynb", "02-baslinje.ipynb", "03-avvikelser.ipynb", "04-natverk.ipynb"]
NOTEBOOKS = [NOTEBOOK_DIR / name for name in EXPECTED]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_notebooks_are_there() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=EXPECTED)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = _load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code
    dirty = [
        c.get("id", i)
        for i, c in enumerate(code)
        if c["outputs"] or c["execution_count"] is not None or "execution" in c.get("metadata", {})
    ]
    assert not dirty, f"{path.name}: outputs not stripped in cells {dirty}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=EXPECTED)
def test_notebook_is_valid_and_uses_the_sample(path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(str(path), as_version=4)
    nbformat.validate(nb)
    source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'SOURCE = "sample"' in source or 'source="sample"' in source
    assert "tempfile" in source or "TemporaryDirectory" in source or "mkdtemp" in source
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert any(w in md for w in ("och", "för", "är")), "markdown cells are in Swedish"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=EXPECTED)
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("KOLADA_API_URL", "http://127.0.0.1:9/v3")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.get("output_type") == "error"
    ]
    assert not errors
    assert not any(tmp_path.iterdir()), "notebooks write to a temporary folder, not the cwd"
