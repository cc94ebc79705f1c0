"""The golden suite: every case in ``golden/`` is rewritten, compared byte for byte and run again
(no change), in process; in the execution tier (``--full``), rewritten again as users run it
(the import check on), executed before and after with its printed losses compared, and imported."""

from __future__ import annotations

import importlib.util
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from codemod.results import Mode
from tests.golden_cases import (
    Case,
    cases,
    check_findings,
    execute,
    import_every_module,
    rendered,
    rewrite,
    run_fixlabels,
    tree_bytes,
)
from tests.warm_python import WarmPython

CASES = cases()
THE_TYPE_ERROR = (
    r"TypeError: \S*forward\S*\(\) "
    r"(got an unexpected keyword argument '\w*label\w*'|takes \d+ positional arguments? but \d+ were given)"
)


def _needs(case: Case) -> None:
    for module in ("torch", *case.requires):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{case.name} needs {module}")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 20
    assert sum(1 for c in CASES if not c.after.exists()) >= 4, "negatives that must stay unchanged"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_findings_match_expected(case: Case, tmp_path: Path) -> None:
    assert check_findings(case, tmp_path) == case.expected_findings


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rewrite_is_byte_exact_and_idempotent(case: Case, tmp_path: Path) -> None:
    """In process, without the import check (what verification refuses is the execution tier's
    and tests/test_import_check.py's to show)."""
    options = replace(case.options(), verify=False)
    tree, result = rewrite(case, tmp_path, options)
    assert not result.errors, rendered(result)
    expected = case.after if case.after.exists() else case.before
    assert tree_bytes(tree) == tree_bytes(expected)

    again = run_fixlabels(tree, Mode.WRITE, options)
    assert again.changes == (), "a second run must change nothing"
    assert tree_bytes(tree) == tree_bytes(expected)
    for notebook in sorted(tree.rglob("*.ipynb")):  # a rewritten notebook is still a valid one
        nbformat = pytest.importorskip("nbformat")
        nbformat.validate(nbformat.read(notebook, as_version=4))


@pytest.mark.execution
@pytest.mark.parametrize("case", [c for c in CASES if c.after.exists()], ids=lambda c: c.name)
def test_rewrite_verified_as_users_run_it_prints_the_same_losses(case: Case, tmp_path: Path, warm_python: WarmPython) -> None:
    """As a user runs it (the import check on): the same bytes, then the programs before and
    after print the same losses, and every rewritten module imports."""
    _needs(case)
    tree, result = rewrite(case, tmp_path)
    assert not result.errors, rendered(result)
    assert tree_bytes(tree) == tree_bytes(case.after)
    if case.run:
        original_tree = case.reference if case.reference.exists() else case.before
        original = execute(original_tree, case.run, python=warm_python)
        rewritten = execute(tree, case.run, python=warm_python)
        assert original.returncode == 0, original.stderr
        assert rewritten.returncode == 0, rewritten.stderr
        assert "loss" in original.stdout, "the program must print its losses"
        assert rewritten.stdout == original.stdout
    # After the programs ran: a module may load at import what an earlier script saved (a
    # predict.py reading the model train.py wrote), as it does for the user.
    imported = import_every_module(tree, python=warm_python)
    assert imported.returncode == 0, imported.stderr


@pytest.mark.execution
@pytest.mark.parametrize("case", [c for c in CASES if not c.after.exists() and not c.reference.exists() and c.run], ids=lambda c: c.name)
def test_a_case_left_unchanged_still_runs(case: Case, tmp_path: Path, warm_python: WarmPython) -> None:
    """A negative case is kept byte for byte; that it is a working program is what makes it a
    fair negative (a broken one would prove nothing about leaving correct code alone). A broken
    program left alone (a refused report) fails as its case says instead (below)."""
    _needs(case)
    copy = tmp_path / "before"
    shutil.copytree(case.before, copy)
    ran = execute(copy, case.run, python=warm_python)
    assert ran.returncode == 0, ran.stderr


@pytest.mark.execution
@pytest.mark.parametrize("case", [c for c in CASES if c.reference.exists()], ids=lambda c: c.name)
def test_broken_before_really_fails_as_the_case_says(case: Case, tmp_path: Path, warm_python: WarmPython) -> None:
    _needs(case)
    copy = tmp_path / "before"
    shutil.copytree(case.before, copy)
    assert case.run
    result = execute(copy, case.run, python=warm_python)
    assert result.returncode != 0
    assert re.search(case.fails_with or THE_TYPE_ERROR, result.stderr), result.stderr[-500:]
