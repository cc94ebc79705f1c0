"""A class's summary says which ``self.X`` its methods assign (``ClassSummary.stored``), so a
subclass read parses only the modules of classes that store the attribute asked about, and the
classes below an unnamed base are joined only when one of them stores it. The fact must be what
the walk reads from the tree (``_ModuleWalk.class_attributes``), name for name: on every golden
case and generated program (fast), and on the installed transformers and torch sources (slow)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from codemod.analysis.callsites import CallGraph, CallSiteFinder, _ModuleWalk
from codemod.analysis.index import ModuleSummary, RepoIndex, summarize
from tests.golden_cases import cases
from tests.generated_programs import program_files



def _stores_read_from_the_tree(module: ModuleSummary) -> dict[str, frozenset[str]]:
    walk = _ModuleWalk(CallSiteFinder(RepoIndex([module])), module, CallGraph())
    return {name: frozenset(attr for attr, _ in walk.class_attributes(name)) for name in module.classes}


def _compare(path: Path, text: str, root: Path) -> int:
    """Classes compared in one file; 0 for a file Python cannot parse (the run skips it too)."""
    try:
        module = summarize(path, path.name, text, root)
    except (SyntaxError, ValueError):
        return 0
    from_summary = {name: summary.stored for name, summary in module.classes.items()}
    assert from_summary == _stores_read_from_the_tree(module), path
    return len(from_summary)


def _compare_tree(root: Path) -> tuple[int, int]:
    """(classes compared, classes storing something) over every ``.py`` file under ``root``."""
    classes = storing = 0
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        compared = _compare(path, text, root)
        classes += compared
        if compared:
            storing += sum(1 for summary in summarize(path, path.name, text, root).classes.values() if summary.stored)
    return classes, storing


def test_a_class_summary_names_what_its_methods_store_on_self(tmp_path: Path) -> None:
    source = (
        "class Runner:\n"
        "    def __init__(self, model):\n        self.model = model\n        self.a, self.b = 1, 2\n"
        "    def step(self):\n        if True:\n            self.count: int = 0\n        self.total += 1\n"
        "    value = 3\n"
        "class Runner:\n    def __init__(self):\n        self.other = 1\n"  # the first definition is the one read
        "class Plain:\n    def read(self):\n        return self.model\n"
    )
    module = summarize(tmp_path / "train.py", "train.py", source, tmp_path)
    assert module.classes["Runner"].stored == {"model", "a", "b", "count", "total"}
    assert module.classes["Plain"].stored == frozenset()
    assert _compare(tmp_path / "train.py", source, tmp_path) == 2


def test_stores_match_the_tree_on_every_golden_case() -> None:
    compared = sum(_compare_tree(case.before)[0] for case in cases())
    assert compared > 200  # every case's classes, not an empty glob


def test_stores_match_the_tree_on_generated_programs() -> None:
    compared = 0
    for seed in range(0, 60):
        for name, text in program_files(seed).items():
            compared += _compare(Path(name), text, Path("."))
    assert compared > 120


@pytest.mark.slow
@pytest.mark.parametrize("package", ["transformers", "torch"])
def test_stores_match_the_tree_on_an_installed_package(package: str) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed")
    classes, storing = _compare_tree(Path(next(iter(spec.submodule_search_locations))))
    assert classes > 1000 and storing > 500, (classes, storing)
