"""The import check runs user code, so it must be safe to run: a subprocess with a time limit,
empty stdin, the import root as working directory, and ``__name__`` never ``__main__``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.results import Mode, Options

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
FIXED = "loss = criterion(logits, labels)"


def _prepend(path: Path, code: str) -> None:
    path.write_text(code + path.read_text())


@pytest.mark.parametrize(
    "top_level",
    [
        "name = input('your name? ')\n",  # reads stdin: gets EOF, never waits for a user
        "while True:\n    pass\n",  # loops: stopped by the time limit
        "import subprocess\nsubprocess.Popen(['sleep', '600'])\nimport time\ntime.sleep(600)\n",  # blocks, with a child
    ],
    ids=["reads-stdin", "loops-forever", "sleeps-with-a-child"],
)
def test_a_module_that_cannot_import_is_verified_by_compiling_and_never_hangs(seed: Path, top_level: str) -> None:
    _prepend(seed / "train.py", top_level)
    started = time.monotonic()
    result = run([seed], Mode.WRITE, Options(import_timeout=3))
    assert time.monotonic() - started < 60
    assert FIXED in (seed / "train.py").read_text()
    assert [f.fixed for f in result.findings] == [True]
    assert "verified by compiling only" in result.findings[0].message


def test_the_module_is_imported_under_its_own_name_from_the_import_root(seed: Path, tmp_path: Path) -> None:
    record = tmp_path / "record.txt"
    _prepend(
        seed / "train.py",
        f"import os\nwith open({str(record)!r}, 'a') as f:\n    f.write(__name__ + ' ' + os.getcwd() + '\\n')\n"
        "if __name__ == '__main__':\n    raise SystemExit('ran as a script')\n",
    )
    result = run([seed], Mode.WRITE, Options(import_timeout=60))
    assert [f.fixed for f in result.findings] == [True]
    assert "verified by compiling only" not in result.findings[0].message
    # Imported twice (before and after the rewrite), as `train`, from the tree's root.
    assert record.read_text().splitlines() == [f"train {seed}", f"train {seed}"]
