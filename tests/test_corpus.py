"""No false positives on real code: the installed transformers package must come out of
fixlabels byte for byte with the default rules (it is full of models, `labels`, losses and
custom forwards), and with every rule on, only the opt-in FL101 may touch it."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.registry import INTERNAL_ERROR, select_rules
from codemod.results import Mode, Options


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

    # With every rule on (FL101 is opt-in), only FL101 may change anything; what it changes
    # must compile and be left alone by a second run.
    everything = Options(rules=select_rules(["ALL"], []))
    result = run([corpus], Mode.WRITE, everything)
    assert not [e for e in result.errors if e.code == INTERNAL_ERROR]
    after = _digest(corpus)
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert {f.code for f in result.findings if f.fixed} <= {"FL101"}
    assert len(result.written) == len(result.changes)
    assert changed == sorted(c.path.resolve().relative_to(corpus.resolve()).as_posix() for c in result.changes)
    for name in changed:
        compile((corpus / name).read_text(encoding="utf-8"), name, "exec")
    assert run([corpus], Mode.WRITE, everything).written == ()
    assert _digest(corpus) == after
