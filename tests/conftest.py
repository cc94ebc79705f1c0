"""Fixtures the CLI, bad-input and import-check tests share, and the suite's two tiers.

``pytest -q`` runs the fast tier: everything in process, the golden byte comparisons, the rule
and CLI tests. ``pytest -q --full`` adds the tests marked ``execution`` (programs run before and
after their rewrite, in forks of a warm interpreter) and ``slow`` (the installed transformers and torch as
corpora): what CI runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from codemod.results import RunResult
from tests.golden_cases import GOLDEN
from tests.warm_python import WarmPython

LATER_TIERS = ("execution", "slow")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--full", action="store_true", help="also run the execution and slow tiers (what CI runs)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--full") or config.getoption("markexpr"):
        return  # the whole suite, or what -m chose
    kept: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        (deselected if any(item.get_closest_marker(tier) for tier in LATER_TIERS) else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(scope="session")
def warm_python() -> Iterator[WarmPython]:
    """One interpreter per test process with torch imported, forked for each program run."""
    python = WarmPython()
    yield python
    python.close()


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


CRASH_MARK = "please report it"
"""How every message about a bug of ours ends: a rule that raised (FL999), or a fix refused
because planning or checking it raised."""


def assert_nothing_crashed(result: RunResult) -> None:
    """Fail on what a crash leaves in a result: any error, or a fix refused for an internal
    error. A rule that raises on every call would otherwise pass a test that expects no finding
    (it finds nothing) or a refusal (it refuses everything)."""
    assert result.errors == (), [e.render() for e in result.errors]
    crashed = [f.render() for f in result.findings if f.refusal is not None and CRASH_MARK in f.refusal]
    assert not crashed, crashed
