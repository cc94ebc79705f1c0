"""Type checking is part of the suite: mypy over the package (strict on the bottom layers, see
pyproject.toml), and every `# type: ignore` names its error codes and says why."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


@pytest.mark.slow
def test_mypy_finds_nothing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), "--config-file", str(REPO / "pyproject.toml")],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_type_ignore_names_its_codes_and_says_why() -> None:
    unexplained = []
    for path in sorted((REPO / "codemod").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = IGNORE.search(line)
            if match is None or "`# type: ignore`" in line:  # a mention in prose, not a directive
                continue
            if not match["codes"] or not match["rest"].strip().startswith("#"):
                unexplained.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not unexplained, "\n".join(unexplained)
