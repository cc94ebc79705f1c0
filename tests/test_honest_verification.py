"""A run says what it checked: which checks a written change passed, each file the import check
could not import (torch missing where fixlabels runs), the interpreter it used (`--python`, a
project's virtual environment), the phase a long run is in; and it never writes through a link."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import app
from codemod.pipeline.import_check import interpreter

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
runner = CliRunner()


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args))


def python_without_site_packages(folder: Path) -> Path:
    """An interpreter that cannot import torch: this Python without its site-packages (``-S``),
    as a pre-commit or pipx environment built without the project's dependencies."""
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return wrapper


def test_a_write_whose_import_check_cannot_import_says_so_per_file(seed: Path, tmp_path: Path) -> None:
    python = python_without_site_packages(tmp_path / "bare")
    result = invoke("--write", "--python", str(python), ".")
    assert result.exit_code == 0, result.output  # fixed, and proved by the other checks
    assert (seed / "train.py").read_text() == (GOLDEN / "seed_example" / "after" / "train.py").read_text()
    assert "note: train.py: not import-checked: `train` did not import before the change either" in result.stderr
    assert "No module named 'torch'" in result.stderr and f"with {python} (--python)" in result.stderr
    assert "Checked: compile, calls, same-numbers proof, imports (0 of 1 module(s) imported before and after)." in result.stderr


def test_no_verify_is_named_in_the_checks_line(seed: Path) -> None:
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    assert result.stderr.rstrip().endswith("Checked: compile, calls, same-numbers proof, imports skipped (--no-verify).")


def test_a_check_names_no_checks_line(seed: Path) -> None:
    assert "Checked:" not in invoke("--no-cache", ".").stderr


@pytest.mark.slow  # imports torch in the check's subprocess
def test_a_write_that_imported_every_module_says_so(seed: Path) -> None:
    result = invoke("--write", ".")
    assert result.exit_code == 0, result.output
    assert "Checked: compile, calls, same-numbers proof, imports (1 of 1 module(s) imported before and after)." in result.stderr
    assert "not import-checked" not in result.stderr


def test_a_rewrite_importing_a_package_the_interpreter_lacks_is_refused_naming_the_interpreter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """train.py imports nothing of torch; its rewrite must, and the interpreter has no torch."""
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    python = python_without_site_packages(tmp_path / "bare")
    result = invoke("--write", "--python", str(python), ".")
    assert result.exit_code == 1
    assert f"No module named 'torch' with {python} (--python); name the project's interpreter with --python" in result.stdout
    assert (tmp_path / "t" / "train.py").read_text() == (GOLDEN / "multi_file_repo" / "before" / "train.py").read_text()


def test_python_that_is_not_an_executable_file_is_a_usage_error(seed: Path) -> None:
    result = invoke("--write", "--python", str(seed / "nowhere" / "python"), ".")
    assert result.exit_code == 2 and "--python" in result.stderr


@pytest.mark.parametrize("where", ["VIRTUAL_ENV", ".venv", "CONDA_PREFIX"])
def test_the_project_s_environment_is_found_without_python(where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    environment = project / ".venv" if where == ".venv" else tmp_path / "env"
    python = python_without_site_packages(environment / "bin")
    if where != ".venv":
        monkeypatch.setenv(where, str(environment))
    chosen, how = interpreter(None, project)
    assert chosen == str(python)
    assert how == (".venv in the project" if where == ".venv" else where)


def test_python_wins_over_an_active_environment_and_none_found_is_fixlabels_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "env"))
    python_without_site_packages(tmp_path / "env" / "bin")
    assert interpreter("/usr/bin/python3", tmp_path) == ("/usr/bin/python3", "--python")
    monkeypatch.delenv("VIRTUAL_ENV")
    monkeypatch.delenv("CONDA_PREFIX", raising=False)
    assert interpreter(None, tmp_path) == (sys.executable, "fixlabels' own")


def test_an_active_virtual_environment_runs_the_import_check(seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python_without_site_packages(tmp_path / "env" / "bin")
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "env"))
    result = invoke("--write", ".")
    assert result.exit_code == 0, result.output
    assert f"with {tmp_path / 'env' / 'bin' / 'python'} (VIRTUAL_ENV)" in result.stderr


@pytest.mark.parametrize("verify", ["--verify", "--no-verify"])
def test_a_file_named_through_a_link_out_of_the_tree_is_never_written(verify: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(GOLDEN / "seed_example" / "before", outside)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".git").mkdir()
    (tree / "train.py").symlink_to(outside / "train.py")
    (tree / "sub").symlink_to(outside)
    monkeypatch.chdir(tree)
    original = (outside / "train.py").read_text()
    for named in ("train.py", "sub/train.py"):
        write = invoke("--write", verify, named)
        assert (outside / "train.py").read_text() == original, named
        assert (tree / "train.py").is_symlink()
        diff = invoke("--diff", named)
        assert diff.stdout == ""  # --diff shows what --write would do: nothing
        if named == "train.py":
            assert write.exit_code == 1
            assert "cannot write train.py (it was named through the symbolic link train.py; fixlabels never writes through a link)" in write.stdout
    walked = invoke("--write", verify, ".")  # a walk follows no link at all
    assert walked.exit_code == 0 and (outside / "train.py").read_text() == original


def test_the_progress_display_names_each_phase_and_does_not_stop_at_the_last_file_read(tmp_path: Path) -> None:
    from tests.test_output_formats import _run_on_a_terminal

    for i in range(220):
        (tmp_path / f"m{i}.py").write_text(f"VALUE = {i}\n")
    shutil.copy(GOLDEN / "seed_example" / "before" / "train.py", tmp_path / "train.py")
    _, err = _run_on_a_terminal(["-j", "1", "--no-cache", "."], tmp_path, dict(os.environ))
    drawn = [frame.decode() for frame in err.split(b"\r\x1b[K") if frame.strip()]
    phases = [frame.split()[0] for frame in drawn if frame.split()[0] in ("reading", "analysing", "checking", "importing")]
    assert phases[0] == "reading" and "221/221 files" in " ".join(drawn)
    assert "analysing" in phases and "checking" in phases
    assert phases.index("checking") > phases.index("analysing") > phases.index("reading")


@pytest.mark.parametrize("verify", ["--verify", "--no-verify"])
def test_a_folder_named_through_a_link_has_none_of_its_files_written(verify: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    shutil.copytree(GOLDEN / "seed_example" / "before", outside)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / ".git").mkdir()
    (tree / "ext").symlink_to(outside)
    monkeypatch.chdir(tree)
    original = (outside / "train.py").read_text()
    result = invoke("--write", verify, "ext")
    assert (outside / "train.py").read_text() == original
    assert result.exit_code == 1 and "it was named through the symbolic link ext" in result.stdout


def test_a_project_reached_through_a_link_keeps_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The link is above the project (as /tmp is on macOS): the project's own files are written."""
    shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "real" / "seed")
    (tmp_path / "real" / "seed" / ".git").mkdir()
    (tmp_path / "via").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path / "via" / "seed")
    result = invoke("--write", "--no-verify", ".")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "real" / "seed" / "train.py").read_text() == (GOLDEN / "seed_example" / "after" / "train.py").read_text()


def test_an_interpreter_that_runs_no_code_is_a_usage_error(seed: Path) -> None:
    true = shutil.which("true")
    assert true is not None
    result = invoke("--write", "--python", true, ".")
    assert result.exit_code == 2 and "not a Python interpreter" in result.stderr
    assert (seed / "train.py").read_text() == (GOLDEN / "seed_example" / "before" / "train.py").read_text()


def test_an_import_check_that_cannot_start_refuses_instead_of_passing(seed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A detected environment whose python runs nothing (a venv whose base Python is gone)."""
    bin_folder = tmp_path / "env" / "bin"
    bin_folder.mkdir(parents=True)
    (bin_folder / "python").write_text("#!/bin/sh\nexit 0\n")
    (bin_folder / "python").chmod(0o755)
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "env"))
    result = invoke("--write", ".")
    assert result.exit_code == 1
    assert "the import check could not run with" in result.stdout
    assert (seed / "train.py").read_text() == (GOLDEN / "seed_example" / "before" / "train.py").read_text()


def test_a_relative_virtual_env_is_taken_from_where_fixlabels_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    python_without_site_packages(tmp_path / "relvenv" / "bin")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VIRTUAL_ENV", "relvenv")
    chosen, how = interpreter(None, tmp_path / "elsewhere")
    assert chosen == str(tmp_path / "relvenv" / "bin" / "python") and how == "VIRTUAL_ENV"


def test_a_two_pass_write_tells_each_file_s_import_check_once(seed: Path, tmp_path: Path) -> None:
    """`def farward` (FL007) is fixed first; the second pass fixes FL001 in the same file."""
    text = (seed / "train.py").read_text()
    (seed / "train.py").write_text(text.replace("def forward(", "def farward(", 1))
    python = python_without_site_packages(tmp_path / "bare")
    result = invoke("--write", "--python", str(python), ".")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("note: train.py: not import-checked") == 1
    assert "(0 of 1 module(s) imported before and after)" in result.stderr


def test_a_notebook_only_write_claims_no_import_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(GOLDEN / "notebook_class_and_loop_in_cells" / "before", tmp_path / "t")
    monkeypatch.chdir(tmp_path / "t")
    result = invoke("--write", ".")
    assert result.exit_code == 0, result.output
    assert "Checked: compile, calls, same-numbers proof." in result.stderr and "imports" not in result.stderr.split("Checked:")[1]
