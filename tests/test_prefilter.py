"""What only saves time must not change a result: the text filters that pick the files the
call-site analysis walks (off: every file walked), and running in several processes."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from codemod.engine import run
from codemod.results import Mode, Options
from tests.conftest import assert_nothing_crashed
from tests.golden_cases import cases
from tests.test_properties import modules

CASES = cases()


def alone(case, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The case's tree on its own: inside this repository its project would be the repository."""
    tree = tmp_path / "tree"
    shutil.copytree(case.before, tree)
    return tree


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_findings_are_the_same_with_the_prefilter_off(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    options = case.options()
    tree = alone(case, tmp_path)
    filtered = run([tree], Mode.DIFF, options)
    everything = run([tree], Mode.DIFF, replace(options, prefilter=False))
    assert_nothing_crashed(everything)  # two crashes would compare equal
    assert filtered.findings == everything.findings
    assert [c.new_text for c in filtered.changes] == [c.new_text for c in everything.changes]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=modules)
def test_generated_modules_give_the_same_findings_with_the_prefilter_off(source: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "train.py").write_text(source)
        filtered = run([Path(tmp)], Mode.DIFF)
        everything = run([Path(tmp)], Mode.DIFF, Options(prefilter=False))
        assert everything.errors == (), everything.errors  # two crashes would compare equal
        assert filtered.findings == everything.findings


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_findings_are_the_same_in_parallel(case, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Reading, indexing and walking in two processes gives what one process gives, in the
    same order (the thresholds are lowered so even a small case runs in parallel)."""
    from codemod.analysis import callsites
    from codemod.pipeline import load

    monkeypatch.setattr(load, "PARALLEL_MIN_FILES", 1)
    monkeypatch.setattr(callsites, "PARALLEL_MIN_MODULES", 1)
    options = case.options()
    tree = alone(case, tmp_path)
    one = run([tree], Mode.DIFF, options)
    assert_nothing_crashed(one)  # two crashes would compare equal
    parallel = run([tree], Mode.DIFF, replace(options, jobs=2))
    assert parallel.findings == one.findings
    assert parallel.errors == one.errors
    assert [(c.display_path, c.new_text) for c in parallel.changes] == [(c.display_path, c.new_text) for c in one.changes]
