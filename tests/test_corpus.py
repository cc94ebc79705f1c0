"""No false positives on real code: the installed transformers package must come out of
fixlabels byte for byte (it is full of models, `labels`, losses and custom forwards)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_transformers_source_prints_no_diff_and_write_changes_no_byte(tmp_path: Path) -> None:
    transformers = pytest.importorskip("transformers")
    corpus = tmp_path / "transformers"
    shutil.copytree(Path(transformers.__file__).parent, corpus, ignore=shutil.ignore_patterns("__pycache__"))
    before = _digest(corpus)
    assert sum(1 for name in before if name.endswith(".py")) > 1000

    diff = subprocess.run(
        [sys.executable, "-m", "codemod", "--diff", str(corpus)], capture_output=True, text=True, timeout=900
    )
    assert diff.returncode == 0, diff.stderr[-2000:]
    assert diff.stdout == ""

    write = subprocess.run(
        [sys.executable, "-m", "codemod", "--write", str(corpus)], capture_output=True, text=True, timeout=900
    )
    assert write.returncode == 0, write.stderr[-2000:]
    assert "Traceback" not in write.stderr
    assert _digest(corpus) == before
