"""Fixtures the CLI, bad-input and import-check tests share."""

from __future__ import annotations

import os
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


def deny_write(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make ``path`` look read-only to the engine's permission check. Tests run as root, who may
    write anything, so chmod cannot do it: ``os.access`` is what is made to fail."""
    read_only = path.resolve()
    real_access = os.access

    def access(candidate: object, mode: int, **kwargs: object) -> bool:
        if Path(str(candidate)).resolve() == read_only and mode & os.W_OK:
            return False
        return real_access(candidate, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
