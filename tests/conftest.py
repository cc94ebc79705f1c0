"""Fixtures the CLI, bad-input and import-check tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.golden_cases import GOLDEN



@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the seed example (one FL001 finding), as the working directory."""
    tree = tmp_path / "seed"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    monkeypatch.chdir(tree)
    return tree
