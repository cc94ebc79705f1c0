"""No false positives on real code: the installed transformers and torch sources (thousands of
models, `labels`, losses and custom forwards) come out of fixlabels byte for byte with the
default rules, and with every rule on only the opt-in FL101 may touch them."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options
from codemod.sources import SourceError, read_source
from codemod.vocabulary import INTERNAL_ERROR, SYNTAX_ERROR


def _digest(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _copy_sources(package: str, tmp_path: Path) -> Path:
    module = pytest.importorskip(package)
    corpus = tmp_path / package
    only_sources = lambda directory, names: [  # noqa: E731
        n for n in names if n == "__pycache__" or (not n.endswith(".py") and not (Path(directory) / n).is_dir())
    ]
    shutil.copytree(Path(module.__file__).parent, corpus, ignore=only_sources)
    return corpus


@pytest.mark.slow
@pytest.mark.parametrize("package", ["transformers", "torch"])
def test_a_real_package_source_is_left_byte_identical(package: str, tmp_path: Path) -> None:
    corpus = _copy_sources(package, tmp_path)
    before = _digest(corpus)
    assert len(before) > 1000

    # The tool's own reading and writing round-trips every file it can read, byte for byte.
    for name in before:
        try:
            source = read_source(corpus / name, name)
        except SourceError:
            continue
        assert source.encode(source.text) == (corpus / name).read_bytes(), name

    write = subprocess.run(
        [sys.executable, "-m", "codemod", "--write", str(corpus)], capture_output=True, text=True, timeout=900
    )
    assert "Traceback" not in write.stderr and "internal error" not in write.stderr
    assert write.stdout == ""  # no finding remains, and none was fixed (the digest says so)
    problems = [line for line in write.stderr.splitlines() if ": E9" in line]
    assert write.returncode == (2 if problems else 0), write.stderr[-2000:]
    for line in problems:  # a parse failure names its file and line
        path, line_number = line.split(":")[:2]
        assert (corpus / Path(path).relative_to(corpus)).is_file() and int(line_number) >= 1
    assert _digest(corpus) == before

    # With every rule on (FL101 is opt-in), only FL101 may change anything; what it changes
    # must compile and be left alone by a second run.
    everything = Options(rules=select_rules(["ALL"], []))
    result = run([corpus], Mode.WRITE, everything)
    assert not [e for e in result.errors if e.code == INTERNAL_ERROR]
    assert {e.code for e in result.errors} <= {SYNTAX_ERROR}
    after = _digest(corpus)
    changed = sorted(name for name in before if after.get(name) != before[name])
    assert {f.code for f in result.findings if f.fixed} <= {"FL101"}
    assert len(result.written) == len(result.changes)
    assert changed == sorted(c.path.resolve().relative_to(corpus.resolve()).as_posix() for c in result.changes)
    for name in changed:
        compile((corpus / name).read_text(encoding="utf-8"), name, "exec")
    assert run([corpus], Mode.WRITE, everything).written == ()
    assert _digest(corpus) == after
