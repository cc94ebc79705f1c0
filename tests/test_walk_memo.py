"""Walks remembered across checks (``codemod.analysis.walk_memo``): a check that replays the last
check's walks answers what a check without any cache answers.

The drivers edit a checked project and compare the next check, which replays every walk whose
reads still hold, with a check of the same files that remembers nothing:
- golden cases, their files turned one at a time from before to after;
- generated programs, their files replaced one at a time by another program's files of the same
  name (a project no generator wrote: callers and callees that no longer agree);
- a project large enough to walk its modules in worker processes.
Each is shown to bite: a trace that forgets what it read of the state, the modules it looked
into, or the questions it asked the index, is caught by the same drivers.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Optional

import pytest

from codemod import cache, engine
from codemod.analysis import callsites, walk_memo
from codemod.analysis.walk_memo import WalkMemo
from codemod.engine import run
from codemod.results import Mode, Options, RunResult
from tests.generated_programs import program_files, write_files
from tests.golden_cases import GOLDEN, cases

CACHED = Options(cache=True, verify=False, jobs=1)
COLD = replace(CACHED, cache=False)
GOLDEN_EVERY = 4
"""The fast tier turns every fourth golden case; the full tier all of them."""
PROGRAM_PAIRS = [(seed, seed + 1) for seed in range(100, 116, 2)]


class _Memos:
    """The walk memo of each check the test runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[WalkMemo] = []
        original = engine._walks_to_read

        def kept(*args: Any) -> Optional[WalkMemo]:
            memo = original(*args)
            if memo is not None:
                self.seen.append(memo)
            return memo

        monkeypatch.setattr(engine, "_walks_to_read", kept)

    @property
    def last(self) -> WalkMemo:
        return self.seen[-1]


class _Walked:
    """What each call-site inference of the test's checks ended with: its graph, and the state the
    walks built (what replays must give back exactly, whether or not a finding shows it)."""

    outcomes: list[Any] = []

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch) -> None:
        original = callsites.CallSiteFinder.run

        def observed(finder: callsites.CallSiteFinder, *args: Any, **kwargs: Any) -> callsites.CallGraph:
            graph = original(finder, *args, **kwargs)
            cls.outcomes.append(
                (
                    graph,
                    finder.param_types,
                    finder.return_types,
                    {key: calls for key, calls in finder.param_untraced.items() if calls},
                    finder.param_others,
                    finder.param_keys,
                    finder.trainer_models,
                    finder._globals,
                    finder._subclass_attributes,
                )
            )
            return graph

        monkeypatch.setattr(callsites.CallSiteFinder, "run", observed)

    @classmethod
    def of(cls, check: Callable[[], RunResult]) -> tuple[RunResult, list[Any]]:
        cls.outcomes = []
        result = check()
        return result, cls.outcomes


@pytest.fixture(autouse=True)
def _observed(monkeypatch: pytest.MonkeyPatch) -> None:
    _Walked.install(monkeypatch)


def _without_answers(tree: Path) -> None:
    """The whole-run answers dropped, so that the next check runs, with the facts and walks kept."""
    for entry in (tree / cache.CACHE_DIR).glob("*.json"):
        if cache._ENTRY.fullmatch(entry.name):
            entry.unlink()


def _same_as_cold(tree: Path) -> RunResult:
    _without_answers(tree)
    warm, warm_walks = _Walked.of(lambda: run([tree], Mode.CHECK, CACHED))
    cold, cold_walks = _Walked.of(lambda: run([tree], Mode.CHECK, COLD))
    assert warm == cold, tree.name
    assert warm_walks == cold_walks, tree.name
    return cold


def test_a_check_of_an_unchanged_project_replays_every_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memos = _Memos(monkeypatch)
    trees = [shutil.copytree(GOLDEN / case / "before", tmp_path / case) for case in ("seed_example", "multi_file_repo", "fl002_collate_function")]
    trees += [write_files(tmp_path / f"p{seed}", program_files(seed)) for seed in range(100, 106)]
    walks = 0
    for tree in trees:
        monkeypatch.chdir(tree)
        run([tree], Mode.CHECK, CACHED)
        first = memos.last
        assert first.replayed == 0, "nothing to replay yet"
        _same_as_cold(tree)
        assert (memos.last.walked, memos.last.replayed) == (0, first.walked), tree.name
        walks += first.walked
    assert walks > len(trees)


def _turned_to_after(case: str, tree: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Check ``case``'s before files, then turn its files to their after texts one at a time,
    each check compared with a cold one; how many checks were compared."""
    shutil.copytree(GOLDEN / case / "before", tree)
    monkeypatch.chdir(tree)  # the project is the tree, not the folder holding the test's trees
    run([tree], Mode.CHECK, CACHED)
    compared = 0
    after = GOLDEN / case / "after"
    for path in sorted(after.rglob("*.py")):
        target = tree / path.relative_to(after)
        text = path.read_text()
        if target.exists() and target.read_text() == text:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        _same_as_cold(tree)
        compared += 1
    return compared


def _golden_cases(every: int) -> list[str]:
    return [case.name for number, case in enumerate(cases()) if number % every == 0]


@pytest.mark.parametrize("case", _golden_cases(GOLDEN_EVERY))
def test_golden_cases_turned_to_after_file_by_file_answer_as_cold_checks(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _turned_to_after(case, tmp_path / case, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("case", [case.name for case in cases() if case.name not in _golden_cases(GOLDEN_EVERY)])
def test_every_other_golden_case_turned_file_by_file_answers_as_cold_checks(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _turned_to_after(case, tmp_path / case, monkeypatch)


def _mixed(first: int, second: int, tree: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Program ``first`` checked, then its files replaced one at a time by ``second``'s of the
    same name (added when it has none), each check compared with a cold one; how many of those
    checks had a finding."""
    write_files(tree, program_files(first))
    monkeypatch.chdir(tree)
    run([tree], Mode.CHECK, CACHED)
    found = 0
    for name, text in sorted(program_files(second).items()):
        write_files(tree, {name: text})
        found += bool(_same_as_cold(tree).findings)
    return found


def test_generated_programs_mixed_file_by_file_answer_as_cold_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    found = sum(_mixed(first, second, tmp_path / f"p{first}", monkeypatch) for first, second in PROGRAM_PAIRS)
    assert found >= len(PROGRAM_PAIRS)  # the comparisons are of findings, not of empty answers


def _classes_renamed(tree: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """Check ``tree``, then rename its classes one at a time (``class Net(`` to ``class
    NetRenamed(``, nowhere else): what other modules ask the index of the name changes, their
    text does not. Each check compared with a cold one; how many were compared."""
    monkeypatch.chdir(tree)
    run([tree], Mode.CHECK, CACHED)
    compared = 0
    for path in sorted(tree.rglob("*.py")):
        for name in re.findall(r"^class (\w+)\(", path.read_text(), flags=re.MULTILINE):
            path.write_text(re.sub(rf"^class {name}\(", f"class {name}Renamed(", path.read_text(), flags=re.MULTILINE))
            _same_as_cold(tree)
            compared += 1
    return compared


@pytest.mark.parametrize("case", _golden_cases(GOLDEN_EVERY))
def test_golden_classes_renamed_one_by_one_answer_as_cold_checks(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _classes_renamed(shutil.copytree(GOLDEN / case / "before", tmp_path / case), monkeypatch)


def test_generated_classes_renamed_one_by_one_answer_as_cold_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compared = sum(_classes_renamed(write_files(tmp_path / f"p{seed}", program_files(seed)), monkeypatch) for seed in range(130, 142))
    assert compared >= 12


def test_walks_replayed_in_worker_processes_answer_as_cold_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """More modules a round than ``PARALLEL_MIN_MODULES``: walked in two processes the first
    time, whose traces the parent keeps; replayed in the parent the next time."""
    memos = _Memos(monkeypatch)
    tree = shutil.copytree(GOLDEN / "multi_file_repo" / "before", tmp_path / "big")
    monkeypatch.chdir(tree)
    for number in range(80):
        (tree / f"step_{number}.py").write_text(
            f"from train import *\n\n\ndef step_{number}(model, batch, y):\n    out = model(batch, labels=y)\n    return out\n"
        )
    parallel = replace(CACHED, jobs=2)
    run([tree], Mode.CHECK, parallel)
    assert memos.last.walked > 64
    _without_answers(tree)
    warm = run([tree], Mode.CHECK, parallel)
    assert memos.last.walked == 0 and memos.last.replayed > 64
    assert warm == run([tree], Mode.CHECK, replace(parallel, cache=False))
    (tree / "step_3.py").write_text((tree / "step_3.py").read_text() + "\n\nstep_3(None, None, None)\n")
    _without_answers(tree)
    assert run([tree], Mode.CHECK, parallel) == run([tree], Mode.CHECK, replace(parallel, cache=False))
    assert 0 < memos.last.walked < memos.last.replayed


@pytest.mark.slow  # a minute of checks: the full tier (CI) holds the drivers to their mutations
@pytest.mark.parametrize(
    "forgets",
    [
        pytest.param(lambda trace: setattr(trace, "read", lambda *args: None), id="state"),
        pytest.param(lambda trace: setattr(trace, "depend", lambda *args: None), id="modules"),
        pytest.param(lambda trace: setattr(trace, "asked", lambda *args: None), id="questions"),
    ],
)
def test_a_trace_that_forgets_what_it_read_is_caught(forgets: Callable[[Any], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = walk_memo.Trace.__init__

    def forgetful(self: walk_memo.Trace, memo: WalkMemo) -> None:
        original(self, memo)
        forgets(self)

    monkeypatch.setattr(walk_memo.Trace, "__init__", forgetful)
    # The drivers, first those that catch a mutation soonest: the first mismatch ends the test.
    # Renamed classes are what a forgotten question misses (the module asking reads the
    # renamed one's facts through no other way in ``annotated_parameter_in_serving_module``).
    with pytest.raises(AssertionError):
        for case in cases():
            _classes_renamed(shutil.copytree(GOLDEN / case.name / "before", tmp_path / "renamed" / case.name), monkeypatch)
        for seed in range(130, 142):
            _classes_renamed(write_files(tmp_path / f"r{seed}", program_files(seed)), monkeypatch)
        for first, second in PROGRAM_PAIRS:
            _mixed(first, second, tmp_path / f"p{first}", monkeypatch)
        for case in cases():
            _turned_to_after(case.name, tmp_path / case.name, monkeypatch)


def _walks_of(tree: Path) -> tuple[str, dict[str, list[Any]]]:
    """The store's header line, and its traces by module, parsed."""
    header, *lines = (tree / cache.CACHE_DIR / cache.WALKS_STORE).read_text().split("\n")
    walks: dict[str, list[Any]] = {}
    for line in lines:
        module, _, trace = line.split("\t", 2)
        walks.setdefault(json.loads(module), []).append(json.loads(trace))
    return header, walks


def _forge(tree: Path, header: str, walks: dict[str, list[Any]]) -> str:
    """A store of ``walks``, each line with the digest a check writes: forged, not damaged."""
    lines = [header]
    for module, traces in walks.items():
        for trace in traces:
            text = json.dumps(trace)
            lines.append(f"{json.dumps(module)}\t{cache._line_digest(text)}\t{text}")
    (tree / cache.CACHE_DIR / cache.WALKS_STORE).write_text("\n".join(lines))
    return "\n".join(lines)


def test_a_damaged_store_is_a_miss_and_is_written_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = shutil.copytree(GOLDEN / "multi_file_repo" / "before", tmp_path / "tree")
    monkeypatch.chdir(tree)
    memos = _Memos(monkeypatch)
    run([tree], Mode.CHECK, CACHED)
    header, stored = _walks_of(tree)
    damaged = ["not a trace", {"deps": 3}, {**stored["train"][0], "graph": {"sites": "x"}}, [], None, [[[[[]]]]]]
    for number, (module, traces) in enumerate(sorted(stored.items())):
        traces[0] = damaged[number % len(damaged)]
    _forge(tree, header, stored)
    _same_as_cold(tree)
    # A damaged trace is a miss: the walk runs (a module walked twice may replay its other trace).
    assert memos.last.walked >= sum(len(traces) == 1 for traces in stored.values()) > 0
    first = {module: [json.loads(trace) for trace in traces] for module, traces in memos.seen[0].kept.items()}
    assert _walks_of(tree) == (header, first), "written anew, as the first check wrote it"


def test_a_forged_store_changes_what_a_diff_shows_and_never_what_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trace whose reads hold is believed (as facts and answers are): forged, with its calls
    taken out, it changes the diff. ``--write`` reads no walks, so it writes what it writes
    without any cache. ``--diff`` leaves the store as it found it."""
    tree = shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "tree")
    plain = shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "plain")
    monkeypatch.chdir(tree)
    run([tree], Mode.CHECK, CACHED)
    header, stored = _walks_of(tree)
    for traces in stored.values():
        for trace in traces:
            trace["graph"]["sites"] = []
    forged = _forge(tree, header, stored)
    diff = run([tree], Mode.DIFF, CACHED)
    assert diff.changes != run([tree], Mode.DIFF, COLD).changes, "the forged walks are read by --diff"
    assert (tree / cache.CACHE_DIR / cache.WALKS_STORE).read_text() == forged
    written = run([tree], Mode.WRITE, CACHED)
    monkeypatch.chdir(plain)
    assert written.changes and [c.new_text for c in written.changes] == [c.new_text for c in run([plain], Mode.WRITE, COLD).changes]


def test_a_store_nested_too_deep_to_read_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "tree")
    monkeypatch.chdir(tree)
    run([tree], Mode.CHECK, CACHED)
    header, stored = _walks_of(tree)
    deep = "[" * 100_000 + "]" * 100_000
    lines = [f"{json.dumps(module)}\t{cache._line_digest(deep)}\t{deep}" for module in stored]
    (tree / cache.CACHE_DIR / cache.WALKS_STORE).write_text("\n".join([header, *lines]))
    (tree / cache.CACHE_DIR / cache.FACTS_STORE).write_text(deep)
    _same_as_cold(tree)


def test_a_line_damaged_on_disk_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trace that still parses after its bytes changed (a line number, here) is not replayed:
    each line carries the digest of its trace."""
    tree = shutil.copytree(GOLDEN / "seed_example" / "before", tmp_path / "tree")
    monkeypatch.chdir(tree)
    memos = _Memos(monkeypatch)
    run([tree], Mode.CHECK, CACHED)
    store = tree / cache.CACHE_DIR / cache.WALKS_STORE
    header, *lines = store.read_text().split("\n")
    damaged = [re.sub(r'"line":(\d)', lambda digit: f'"line":{(int(digit[1]) + 1) % 10}', line, count=1) for line in lines]
    assert damaged != lines
    store.write_text("\n".join([header, *damaged]))
    _same_as_cold(tree)
    assert memos.last.walked == sum(line != kept for line, kept in zip(damaged, lines)) > 0


@pytest.mark.parametrize("name", ["x\ny.py", "x\ty.py", "z\udcff.py"], ids=["line break", "tab", "not UTF-8"])
def test_file_names_that_hold_a_line_break_a_tab_or_no_utf8_keep_their_own_walks(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Module keys are made of file names: a key is written as JSON, so no name can end a line
    of the store early, split it elsewhere, or fail to be written."""
    tree = tmp_path / "tree"
    tree.mkdir()
    train = (GOLDEN / "seed_example" / "before" / "train.py").read_text()
    (tree / "y.py").write_text(train)
    (tree / name).write_text(train)
    monkeypatch.chdir(tree)
    run([tree], Mode.CHECK, CACHED)
    (tree / "y.py").write_text(train + "\n# edited\n")
    assert _same_as_cold(tree).findings
