"""A re-check after any sequence of edits, additions, deletions, renames and reverts answers what a
cold check answers (the whole-run cache of ``codemod.cache`` answers an unchanged project; the per-file facts of
``codemod.analysis.facts`` spare a changed one the parse of every file it did not change). And
the test is shown to bite: with an invalidation rule that trusts sizes instead of contents, the
same driver finds a stale answer."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemod import cache
from codemod.analysis import facts
from codemod.engine import run
from codemod.results import Mode, Options, RunResult
from tests.golden_cases import GOLDEN

CACHED = Options(cache=True, verify=False)
COLD = replace(CACHED, cache=False)
TREES = ("multi_file_repo", "fl002_collate_function", "seed_example")

FL001_CLASS = (
    "import torch.nn as nn\n\n\nclass Extra{n}(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.fc = nn.Linear(4, 2)\n\n    def forward(self, x, labels):\n        return nn.CrossEntropyLoss()(self.fc(x), labels)\n\n\n"
    "def fit{n}(x, y):\n    return Extra{n}()(x, y)\n"
)


def _sources(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.py") if ".fixlabels_cache" not in p.parts)


def _step(tree: Path, action: str, pick: int, history: list[dict[str, bytes]]) -> None:
    """One change a person makes between two checks; ``pick`` chooses the file."""
    files = _sources(tree)
    target = files[pick % len(files)] if files else None
    if action == "edit" and target is not None:
        text = target.read_text()
        # Same length either way: a size cannot tell the versions apart, only the content can.
        target.write_text(text.replace("def forward(", "def farward(", 1) if "def forward(" in text else text.replace("def farward(", "def forward(", 1))
    elif action == "add":
        (tree / f"extra_{len(files)}.py").write_text(FL001_CLASS.format(n=len(files)))
    elif action == "delete" and target is not None and len(files) > 1:
        target.unlink()
    elif action == "rename" and target is not None:
        target.rename(target.with_name(f"renamed_{target.name}"))
    elif action == "revert" and history:
        _restore(tree, history[pick % len(history)])


def _snapshot(tree: Path) -> dict[str, bytes]:
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in _sources(tree)}


def _restore(tree: Path, files: dict[str, bytes]) -> None:
    for path in _sources(tree):
        path.unlink()
    for name, data in files.items():
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_bytes(data)


def replay(tree: Path, steps: list[tuple[str, int]]) -> list[tuple[RunResult, RunResult]]:
    """(cached, cold) after each step; the cache is warmed by every cached check before it."""
    history: list[dict[str, bytes]] = []
    pairs = []
    run([tree], Mode.CHECK, CACHED)
    for action, pick in steps:
        history.append(_snapshot(tree))
        _step(tree, action, pick, history)
        pairs.append((run([tree], Mode.CHECK, CACHED), run([tree], Mode.CHECK, COLD)))
    return pairs


STEPS = st.lists(st.tuples(st.sampled_from(["edit", "add", "delete", "rename", "revert"]), st.integers(0, 50)), min_size=1, max_size=6)


@pytest.mark.slow  # about 35 s: 25 sequences of up to 6 changes, two checks a change
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=st.sampled_from(TREES), steps=STEPS)
def test_a_re_check_after_any_sequence_of_changes_is_the_cold_check(case: str, steps: list[tuple[str, int]], tmp_path_factory: pytest.TempPathFactory) -> None:
    tree = tmp_path_factory.mktemp("incremental") / case
    shutil.copytree(GOLDEN / case / "before", tree)
    for number, (cached, cold) in enumerate(replay(tree, steps)):
        assert cached == cold, f"stale after step {number + 1} of {steps}"


def _key_trusting_sizes(original: Callable[..., str]) -> Callable[..., str]:
    """The mutation: each file stands for its size, not its content (what an mtime/size cache does)."""

    def key(paths, files, problems, options):  # type: ignore[no-untyped-def]
        listed = [(path, f"{display}:{Path(path).stat().st_size}") for path, display in files]
        digest = hashlib.sha256(original(paths, [], problems, options).encode())
        digest.update(repr(listed).encode())
        return digest.hexdigest()

    return key


def test_the_sequence_test_catches_an_invalidation_rule_that_trusts_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "run_key", _key_trusting_sizes(cache.run_key))
    tree = tmp_path / "multi_file_repo"
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tree)
    net = _sources(tree).index(tree / "models" / "net.py")
    pairs = replay(tree, [("edit", net)])  # forward -> farward in models/net.py: same size, another answer
    assert any(cached != cold for cached, cold in pairs), "the mutated cache answered every step right: the driver cannot see staleness"


def test_the_sequence_test_catches_a_facts_key_that_trusts_sizes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same driver holds the per-file facts store (``codemod.analysis.facts``), which answers every
    re-check the whole-run cache does not: keyed by a file's size, it indexes the old text."""
    original = facts.fact_key
    monkeypatch.setattr(facts, "fact_key", lambda package, path, display, root, text: original(package, path, display, root, str(len(text))))
    tree = tmp_path / "multi_file_repo"
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tree)
    net = _sources(tree).index(tree / "models" / "net.py")
    pairs = replay(tree, [("edit", net)])
    assert any(cached != cold for cached, cold in pairs), "the mutated store answered every step right: the driver cannot see staleness"
