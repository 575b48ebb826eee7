"""``--out`` the same everywhere (issue 14): no silent overwrite, safe temp files, named failures.

An existing file is refused without ``--force`` (exit 2, one line naming the path and
``--force``); the temp file is unpredictable, created with ``O_EXCL``, never follows
a planted symlink and never outlives a failed write; a failed write names the file
asked for (exit 4).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

import pytest

from koladagap import _files
from koladagap._files import atomic_path, temp_path, write_atomic
from koladagap.benchmarking.plan import starter_plan
from koladagap.cli import EXIT_CACHE, EXIT_INPUT, EXIT_OK, main
from koladagap.kolada.sample import sample_manifest

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and symlinks")


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- the atomic writer -----------------------------------------------------------------


def test_temp_names_are_unpredictable(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    names = {temp_path(target).name for _ in range(50)}
    assert len(names) == 50
    assert all(n.startswith(".r.csv.") and n.endswith(".tmp") for n in names)


@posix_only
def test_a_planted_symlink_at_the_temp_name_is_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    planted = tmp_path / ".r.csv.guess.tmp"
    planted.symlink_to(victim)
    monkeypatch.setattr(_files, "temp_path", lambda path, prefix=None: planted)
    with pytest.raises(FileExistsError) as err:
        write_atomic(tmp_path / "r.csv", "evil")
    assert err.value.filename == str(tmp_path / "r.csv")  # names the file asked for
    assert victim.read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "r.csv").exists()


@posix_only
def test_a_symlink_at_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    (tmp_path / "r.csv").symlink_to(victim)
    write_atomic(tmp_path / "r.csv", "new")
    assert victim.read_text(encoding="utf-8") == "keep"
    assert not (tmp_path / "r.csv").is_symlink()
    assert (tmp_path / "r.csv").read_text(encoding="utf-8") == "new"


def test_no_temp_file_after_a_failed_write(tmp_path: Path) -> None:
    def boom(f: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space") as err:
        write_atomic(tmp_path / "r.csv", boom)
    assert err.value.filename == str(tmp_path / "r.csv")

    def half_then_fail() -> None:
        with atomic_path(tmp_path / "r.xlsx") as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        half_then_fail()
    assert _names(tmp_path) == []


def test_writing_onto_a_folder_names_it_and_leaves_nothing(tmp_path: Path) -> None:
    (tmp_path / "r.csv").mkdir()
    with pytest.raises(IsADirectoryError) as err:
        write_atomic(tmp_path / "r.csv", "x")
    assert err.value.filename == str(tmp_path / "r.csv")
    assert _names(tmp_path) == ["r.csv"]


# --- the commands ------------------------------------------------------------------------


def _plan(tmp_path: Path) -> Path:
    p = tmp_path / "plan.toml"
    p.write_text(starter_plan("1233", "x", sample_manifest()["values"]["kpis"][:3]), "utf-8")
    return p


def _refused(code: int, err: str, path: Path) -> None:
    assert code == EXIT_INPUT
    line = err.strip()
    assert "\n" not in line and str(path) in line and "--force" in line


def test_fetch_out_refuses_an_existing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "v.csv"
    out.write_text("mine\n", encoding="utf-8")
    args = ["fetch", "--kpi", "N15428", "--municipality", "1233", "--sample", "--out", str(out)]
    _refused(main(args), capsys.readouterr().err, out)
    assert out.read_text(encoding="utf-8") == "mine\n"


def test_deviations_out_refuses_an_existing_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan, out = _plan(tmp_path), tmp_path / "avvikelser.md"
    out.write_text("mine", encoding="utf-8")
    args = ["deviations", "--plan", str(plan), "--out", str(out), "--sample"]
    _refused(main(args), capsys.readouterr().err, out)
    assert out.read_text(encoding="utf-8") == "mine"
    assert main([*args, "--force"]) == EXIT_OK
    assert out.read_text(encoding="utf-8").startswith("# ")
    assert [n for n in _names(tmp_path) if n.endswith(".tmp")] == []


def test_plan_init_and_templates_refuse_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, out in (
        (["plan", "init", "--municipality", "1233", "--sample"], tmp_path / "plan.toml"),
        (["checklist", "template", "--version", "2019"], tmp_path / "poang.csv"),
        (["measurements", "template"], tmp_path / "egna.xlsx"),
    ):
        out.write_text("mine", encoding="utf-8")
        capsys.readouterr()
        _refused(main([*args, "--out", str(out)]), capsys.readouterr().err, out)
        assert out.read_text(encoding="utf-8") == "mine"
        assert main([*args, "--out", str(out), "--force"]) == EXIT_OK
        assert out.read_text(encoding="utf-8", errors="replace") != "mine"


def test_a_failed_write_names_the_file_and_leaves_no_temp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "afile").write_text("", encoding="utf-8")
    out = tmp_path / "afile" / "v.csv"  # its folder is a file: the write fails
    args = ["fetch", "--kpi", "N15428", "--municipality", "1233", "--sample", "--out", str(out)]
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == EXIT_CACHE and str(out) in err and "\n" not in err
    assert _names(tmp_path) == ["afile"]


def test_a_failed_report_write_leaves_no_temp(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from koladagap.render.reports import write as report_write

    def half_then_full(f: BinaryIO) -> None:
        f.write(b"half")
        raise OSError(28, "No space left on device")

    def full(report: object, path: Path) -> list[Path]:
        write_atomic(path, half_then_full)
        return [path]

    monkeypatch.setitem(report_write.WRITERS, ".md", full)
    plan, out = _plan(tmp_path), tmp_path / "ut" / "avvikelser.md"
    code = main(["deviations", "--plan", str(plan), "--out", str(out), "--sample"])
    err = capsys.readouterr().err.strip()
    assert code == EXIT_CACHE and str(out) in err
    assert _names(out.parent) == []
