"""Lint is part of the fast tier: ruff, with the rules pyproject.toml selects (pyflakes' errors and
a complexity cap), over the package, the tests and the bench. ruff comes with the test extra, so
this runs wherever the suite does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
LINTED = ("codemod", "tests", "bench")


def test_ruff_finds_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", str(REPO / "pyproject.toml"), *LINTED],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_lint_selects_pyflakes_and_caps_complexity() -> None:
    """What the test above holds the code to: dropping a rule from pyproject.toml must be a
    visible change here, not a silent pass."""
    lint = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["lint"]
    assert {"F", "C901"} <= set(lint["select"])
    assert lint["mccabe"]["max-complexity"] <= 25
