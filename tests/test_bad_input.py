"""Bad input gets a clear message naming the file (and line), exit code 2, and the run goes on
with the other files; nothing is lost: a rewritten file keeps its bytes' conventions, an
untouched one keeps every byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from codemod.cli import app

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
REPO = Path(__file__).resolve().parent.parent
FIXED = "loss = criterion(logits, labels)"
runner = CliRunner()


def write(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["--write", "--no-verify", *args])


def test_syntax_only_newer_pythons_parse_is_reported_with_its_line(seed: Path) -> None:
    newer = "x = 1\n\ndef first[T](items: list[T]) -> T:\n    return items[0]\n"  # PEP 695, Python 3.12
    (seed / "generic.py").write_text(newer)
    result = write(".")
    assert result.exit_code == 2
    assert "generic.py:3:10: E999 SyntaxError" in result.stderr
    assert (seed / "generic.py").read_text() == newer
    assert FIXED in (seed / "train.py").read_text()


def test_paths_that_are_not_files_are_reported_without_hanging(seed: Path) -> None:
    """A FIFO would block a reader forever; a symlink loop has no target."""
    os.mkfifo(seed / "pipe.py")
    (seed / "loop.py").symlink_to(seed / "loop.py")
    run = subprocess.run(
        [sys.executable, "-m", "codemod", "--write", "--no-verify", "pipe.py", "loop.py", "missing.py", "train.py"],
        cwd=seed, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "pipe.py:1:1: E902 not a regular file or directory" in run.stderr
    assert "loop.py:1:1: E902 cannot follow the symlink" in run.stderr
    assert "missing.py:1:1: E902 no such file or directory" in run.stderr
    assert "Traceback" not in run.stderr
    assert FIXED in (seed / "train.py").read_text()


def test_a_fifo_inside_a_tree_is_skipped(seed: Path) -> None:
    os.mkfifo(seed / "pipe.py")
    run = subprocess.run(
        [sys.executable, "-m", "codemod", "--diff", "."],
        cwd=seed, env=dict(os.environ, PYTHONPATH=str(REPO)), capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 1, run.stderr
    assert "pipe.py" not in run.stdout + run.stderr


def test_mixed_line_endings_tabs_and_no_final_newline_survive_a_rewrite(seed: Path) -> None:
    text = (seed / "train.py").read_text().replace("    ", "\t")
    lines = text.split("\n")
    mixed = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines[:-2])) + lines[-2]
    original = mixed.encode()
    (seed / "train.py").write_bytes(original)
    result = write(".")
    assert result.exit_code == 0, result.output
    data = (seed / "train.py").read_bytes()
    assert not data.endswith(b"\n")
    assert FIXED.encode() in data
    # Every line the rewrite did not touch keeps its own ending and its tabs.
    kept = [line for line in original.splitlines(keepends=True) if b"labels" not in line and b"loss" not in line]
    new_lines = data.splitlines(keepends=True)
    for line in kept:
        assert line in new_lines or line.rstrip(b"\r\n") == new_lines[-1], line
    compile(data, "train.py", "exec")


def test_a_large_generated_file_is_read_and_left_byte_identical(seed: Path) -> None:
    generated = "".join(f"value_{i} = {i} * 2  # generated table row\n" for i in range(150_000)).encode()
    assert len(generated) > 5_000_000
    (seed / "table.py").write_bytes(generated)
    result = write(".")
    assert result.exit_code == 0, result.output
    assert (seed / "table.py").read_bytes() == generated
    assert FIXED in (seed / "train.py").read_text()


def test_an_unreadable_file_is_reported_and_the_rest_still_fixed(seed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, who can read anything: the read itself is made to fail."""
    (seed / "secret.py").write_text("x = 1\n")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = write(".")
    assert result.exit_code == 2
    assert "secret.py:1:1: E902 cannot read file: Permission denied" in result.stderr
    assert FIXED in (seed / "train.py").read_text()


def test_a_rewrite_that_a_file_encoding_cannot_hold_is_refused_whole(tmp_path: Path) -> None:
    """The loss moves from a UTF-8 module into a latin-1 script, but it names `self.λ`, which
    latin-1 cannot store: neither file is written, and the finding says why."""
    from codemod.engine import run
    from codemod.results import Mode, Options

    (tmp_path / "models.py").write_text(
        "import torch.nn as nn\nimport torch.nn.functional as F\n\n\n"
        "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.fc = nn.Linear(4, 2)\n        self.λ = 0.5\n\n"
        "    def forward(self, x, labels):\n        logits = self.fc(x)\n"
        "        return F.cross_entropy(logits, labels) * self.λ\n",
        encoding="utf-8",
    )
    (tmp_path / "train.py").write_bytes(
        "# -*- coding: latin-1 -*-\n# données\nfrom models import Net\n\n\n"
        "def step(x, y):\n    model = Net()\n    return model(x, y)\n".encode("latin-1")
    )
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    result = run([tmp_path], Mode.WRITE, Options(verify=False))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before
    assert len(result.findings) == 1
    assert "train.py (the new text has characters latin-1 cannot store)" in result.findings[0].text


def test_a_gitignore_line_git_cannot_read_is_skipped_and_the_rest_still_applies(seed: Path) -> None:
    """Seen in a real repository: a shell command pasted into .gitignore ends in a backslash."""
    (seed / ".gitignore").write_text("docker run -it \\\nscratch/\n")
    (seed / "scratch").mkdir()
    broken = "def broken(:\n"
    (seed / "scratch" / "notes.py").write_text(broken)
    result = write(".")
    assert result.exit_code == 0, result.output
    assert FIXED in (seed / "train.py").read_text()
    assert (seed / "scratch" / "notes.py").read_text() == broken
