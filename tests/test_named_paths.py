"""A file or folder named on the command line says what to report, never what to analyse: a fix
found there is read and applied in its whole project (its `forward` and every call), as an
editor's external tool or pre-commit runs fixlabels on one file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import app
from tests.test_real_repo_shapes import MODEL

TRAIN = """
    import torch
    {import_line}

    torch.manual_seed(0)
    net = Net()
    loss = net(torch.randn(4, 3), torch.tensor([0, 1, 0, 1]))
    print(f"loss {{loss.item():.6f}}")
    """


def project(root: Path, model_at: str, train_at: str, import_line: str) -> Path:
    (root / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    for relative, text in ((model_at, MODEL), (train_at, TRAIN.format(import_line=import_line))):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def losses(root: Path, script: str) -> str:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", CUDA_VISIBLE_DEVICES="", PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, script], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def invoke(cwd: Path, *args: str):  # type: ignore[no-untyped-def]
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        os.chdir(previous)


@pytest.mark.execution  # runs the program before and after, to compare its losses
@pytest.mark.parametrize(
    "named, model_at, train_at, import_line",
    [
        ("model.py", "model.py", "train.py", "from model import Net"),
        ("train.py", "model.py", "train.py", "from model import Net"),
        ("models", "models/net.py", "scripts/train.py", "from models.net import Net"),
    ],
    ids=["the-model-file", "the-calling-file", "a-folder-beside-the-scripts"],
)
def test_writing_one_named_path_fixes_the_whole_program(tmp_path: Path, named: str, model_at: str, train_at: str, import_line: str) -> None:
    root = project(tmp_path, model_at, train_at, import_line)
    before = losses(root, train_at)
    result = invoke(root, "--write", named)
    assert result.exit_code == 0, result.output
    assert "wrote 2 file(s)" in result.stderr
    outside = train_at if named != "train.py" else model_at
    assert f"also wrote {outside} (the fix spans it)" in result.stderr
    assert "labels" not in (root / model_at).read_text()
    assert losses(root, train_at) == before


def test_diff_of_one_named_file_shows_every_file_of_the_fix(tmp_path: Path) -> None:
    root = project(tmp_path, "model.py", "train.py", "from model import Net")
    result = invoke(root, "--diff", "train.py")
    assert result.exit_code == 1
    assert "+++ b/model.py" in result.stdout and "+++ b/train.py" in result.stdout
    assert "also changes model.py (the fix spans it)" in result.stderr
    assert "labels" in (root / "model.py").read_text()  # --diff writes nothing


def test_a_finding_elsewhere_in_the_project_is_not_reported_for_an_unrelated_named_file(tmp_path: Path) -> None:
    root = project(tmp_path, "model.py", "train.py", "from model import Net")
    (root / "plot.py").write_text("import matplotlib\n")
    result = invoke(root, "plot.py")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Found 0 finding(s) in 0 file(s); 1 file(s) checked" in result.stderr


def test_a_syntax_error_in_a_named_notebook_is_reported_and_one_elsewhere_is_not(tmp_path: Path) -> None:
    root = project(tmp_path, "model.py", "train.py", "from model import Net")
    cell = {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [], "source": ["def f(:\n"]}
    notebook = '{"cells": [%s], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}' % json.dumps(cell)
    (root / "explore.ipynb").write_text(notebook)
    (root / "broken.py").write_text("def g(:\n")
    result = invoke(root, "explore.ipynb")
    assert result.exit_code == 2, result.output
    assert "explore.ipynb:cell 1:1:7: E999" in result.stderr
    assert "broken.py" not in result.output
    assert "1 file(s) checked" in result.stderr
