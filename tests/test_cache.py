"""The check cache never gives a stale answer: after each kind of change (a file edited with its
size and mtime kept, added, deleted, renamed; options and config changed; fixlabels itself
changed) a cached check says exactly what a cold one says. And on every golden case, an answer
from the cache is the answer the full analysis gave."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from codemod import cache, engine
from codemod.cli import app
from codemod.engine import run
from codemod.results import Mode, Options, RunResult
from tests.conftest import assert_nothing_crashed
from tests.golden_cases import GOLDEN, cases

CACHED = Options(cache=True, verify=False)
COLD = replace(CACHED, cache=False)


def _tree(case: str, tmp_path: Path) -> Path:
    tree = tmp_path / case
    shutil.copytree(GOLDEN / case / "before", tree)
    return tree


def _rewrite_keeping_size_and_mtime(path: Path, old: str, new: str) -> None:
    """An edit no stat can see: same size, same mtime (and atime) as before."""
    assert len(old.encode()) == len(new.encode())
    before = path.stat()
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


class NoAnalysis(Exception):
    pass


@pytest.fixture
def answered_from_cache(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path, Options], RunResult]:
    """A cached check that fails if it analyses anything: the answer must come from the cache."""

    def analyse(*args: object, **keywords: object) -> RunResult:
        raise NoAnalysis

    def check(tree: Path, options: Options = CACHED) -> RunResult:
        with monkeypatch.context() as patch:
            patch.setattr(engine, "_analyse", analyse)
            return run([tree], Mode.CHECK, options)

    return check


def test_a_second_check_of_an_unchanged_tree_is_answered_from_the_cache(
    tmp_path: Path, answered_from_cache: Callable[[Path, Options], RunResult]
) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    first = run([tree], Mode.CHECK, CACHED)
    assert [f.code for f in first.findings] == ["FL001"]
    assert answered_from_cache(tree) == first
    assert (tree / ".fixlabels_cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def _rename(tree: Path) -> None:
    (tree / "models" / "net.py").rename(tree / "models" / "nets.py")


def _add(tree: Path) -> None:
    (tree / "extra.py").write_text("import torch.nn as nn\n\n\nclass Head(nn.Module):\n    def forwad(self, x):\n        return x\n")


def _trade_contents_keeping_sizes_and_mtimes(a: Path, b: Path) -> None:
    stats = {p: p.stat() for p in (a, b)}
    a_text, b_text = a.read_text(), b.read_text()
    a.write_text(b_text)
    b.write_text(a_text)
    for path, st in stats.items():
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


CHANGES: dict[str, Callable[[Path], None]] = {
    "edit keeping size and mtime": lambda tree: _rewrite_keeping_size_and_mtime(tree / "models" / "net.py", "def forward(", "def farward("),
    "add a file": _add,
    "delete a file": lambda tree: (tree / "models" / "net.py").unlink(),
    "rename a file": _rename,
    "a folder stops being a package": lambda tree: (tree / "models" / "__init__.py").unlink(),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_cached_check_after_a_change_is_the_cold_check(tmp_path: Path, change: str) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    before = run([tree], Mode.CHECK, CACHED)
    assert_nothing_crashed(before)  # an answer with an error is not stored: nothing would be cached
    assert run([tree], Mode.CHECK, CACHED) == before  # now cached
    CHANGES[change](tree)
    cached = run([tree], Mode.CHECK, CACHED)
    assert cached == run([tree], Mode.CHECK, COLD)
    assert cached != before, "the change was meant to change the answer"


def test_two_files_trading_contents_with_sizes_and_mtimes_kept_is_seen(tmp_path: Path) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    a, b = tree / "swap_a.py", tree / "swap_b.py"
    a.write_text("import torch.nn as nn\n\n\nclass Pa(nn.Module):\n    def forward(self, x):\n        return x\n")
    b.write_text("import torch.nn as nn\n\n\nclass Pb(nn.Module):\n    def farward(self, x):\n        return x\n")
    assert a.stat().st_size == b.stat().st_size
    before = run([tree], Mode.CHECK, CACHED)
    assert [f.path for f in before.findings if f.code == "FL007"] == [b.as_posix()]
    _trade_contents_keeping_sizes_and_mtimes(a, b)
    cached = run([tree], Mode.CHECK, CACHED)
    assert cached == run([tree], Mode.CHECK, COLD)
    assert [f.path for f in cached.findings if f.code == "FL007"] == [a.as_posix()]


@pytest.mark.parametrize(
    "changed",
    [
        replace(CACHED, rules=frozenset({"FL007"})),
        replace(CACHED, criterion="nn.NLLLoss()"),
        replace(CACHED, prefilter=False),
        replace(CACHED, exclude=("models/",), exclude_base=None),
    ],
    ids=["rules", "criterion", "prefilter", "exclude"],
)
def test_changed_options_are_not_answered_with_the_old_options_result(tmp_path: Path, changed: Options, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    monkeypatch.chdir(tree)
    assert_nothing_crashed(run([tree], Mode.CHECK, CACHED))  # else nothing would be cached
    assert cache.run_key([tree], [], [], changed) != cache.run_key([tree], [], [], CACHED)
    assert run([tree], Mode.CHECK, changed) == run([tree], Mode.CHECK, replace(changed, cache=False))


def test_changed_config_in_pyproject_changes_the_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    monkeypatch.chdir(tree)
    runner = CliRunner()
    first = runner.invoke(app, ["."])
    assert first.exit_code == 1 and "FL001" in first.stdout
    (tree / "pyproject.toml").write_text('[tool.fixlabels]\nignore = ["FL001"]\n')
    second = runner.invoke(app, ["."])
    assert second.exit_code == 0 and "FL001" not in second.stdout
    assert second.stdout == runner.invoke(app, ["--no-cache", "."]).stdout


def test_a_new_fixlabels_does_not_take_an_old_one_s_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    key = cache.run_key([tree], [], [], CACHED)
    monkeypatch.setattr(cache, "package_digest", lambda: "another version of the rules")
    assert cache.run_key([tree], [], [], CACHED) != key
    monkeypatch.setattr(cache, "_library_identity", lambda: "another libcst or transformers")
    assert cache.run_key([tree], [], [], CACHED) != key


def test_errors_are_cached_with_the_findings(tmp_path: Path, answered_from_cache: Callable[[Path, Options], RunResult]) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    (tree / "broken.py").write_text("x = (\n")
    first = run([tree], Mode.CHECK, CACHED)
    assert [e.code for e in first.errors] == ["E999"]
    assert answered_from_cache(tree) == first


def test_a_damaged_cache_entry_is_a_miss_not_an_answer(tmp_path: Path) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    first = run([tree], Mode.CHECK, CACHED)
    assert_nothing_crashed(first)  # else nothing would be cached to damage
    for entry in (tree / ".fixlabels_cache").glob("*.json"):
        entry.write_text('{"format": 1, "key": "')
    assert run([tree], Mode.CHECK, CACHED) == first
    for entry in (tree / ".fixlabels_cache").glob("*.json"):
        entry.write_text('{"format": 1, "key": "%s", "result": {"findings": [], "errors": []}}' % entry.stem)
    assert run([tree], Mode.CHECK, CACHED) == first
    for entry in (tree / ".fixlabels_cache").glob("*.json"):
        entry.write_text("[]")  # JSON, but not an object: it crashed the check before
    assert run([tree], Mode.CHECK, CACHED) == first


def test_an_unwritable_cache_is_skipped_silently(tmp_path: Path) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    (tree / ".fixlabels_cache").write_text("a file where the folder would go\n")
    cold = run([tree], Mode.CHECK, COLD)
    assert_nothing_crashed(cold)  # an answer with an error is not stored: the store would not be tried
    assert run([tree], Mode.CHECK, CACHED) == cold


def test_write_diff_and_stdin_never_use_the_cache(tmp_path: Path, answered_from_cache: Callable[[Path, Options], RunResult]) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    run([tree], Mode.CHECK, CACHED)
    with pytest.raises(NoAnalysis):
        answered_from_cache(tree, replace(CACHED, criterion="nn.NLLLoss()"))  # a miss analyses
    diff = run([tree], Mode.DIFF, CACHED)
    assert diff.changes
    buffer = (tree / "train.py").read_bytes()
    stdin = run([tree], Mode.DIFF, replace(CACHED, stdin=(tree / "train.py", buffer)))
    assert stdin.findings == run([tree], Mode.DIFF, replace(COLD, stdin=(tree / "train.py", buffer))).findings
    written = run([tree], Mode.WRITE, CACHED)
    assert written.written and written.findings and all(f.fixed for f in written.findings)
    assert run([tree], Mode.CHECK, CACHED) == run([tree], Mode.CHECK, COLD)
    assert run([tree], Mode.CHECK, CACHED).findings == ()


def test_no_cache_flag_reads_and_writes_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = _tree("seed_example", tmp_path)
    monkeypatch.chdir(tree)
    result = CliRunner().invoke(app, ["--no-cache", "."])
    assert result.exit_code == 1
    assert not (tree / ".fixlabels_cache").exists()
    assert CliRunner().invoke(app, ["."]).stdout == result.stdout
    assert (tree / ".fixlabels_cache").is_dir()


@pytest.mark.parametrize("case", [case.name for case in cases()])
def test_golden_checks_answered_from_the_cache_are_the_full_analysis(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answered_from_cache: Callable[[Path, Options], RunResult]
) -> None:
    tree = _tree(case, tmp_path)
    monkeypatch.chdir(tree)  # as the golden tests run: paths print relative to the case
    full = run([Path(".")], Mode.CHECK, CACHED)  # a miss: the full analysis, then stored
    assert answered_from_cache(Path(".")) == full


def test_an_init_file_appearing_above_the_project_is_seen(tmp_path: Path) -> None:
    """Module names depend on packages above the files discovered, which no walk sees."""
    outer = tmp_path / "outer"
    outer.mkdir()
    tree = _tree("multi_file_repo", outer)
    key = cache.run_key([tree], [(tree / "train.py", "train.py")], [], CACHED)
    before = run([tree], Mode.CHECK, CACHED)
    (outer / "__init__.py").write_text("")
    assert cache.run_key([tree], [(tree / "train.py", "train.py")], [], CACHED) != key
    assert run([tree], Mode.CHECK, CACHED) == run([tree], Mode.CHECK, COLD)
    assert before.findings  # the project still has its finding to report


def test_every_option_that_can_change_the_answer_is_in_the_key(tmp_path: Path) -> None:
    """An option added later is in the key unless cache.py says it cannot change the answer."""
    from dataclasses import fields

    changed_values = {bool: lambda v: not v, str: lambda v: v + " ", float: lambda v: v + 1, tuple: lambda v: (*v, "x/")}
    base = cache.run_key([tmp_path], [], [], CACHED)
    for field in fields(Options):
        if field.name in cache._NOT_IN_THE_ANSWER:
            continue
        value = getattr(CACHED, field.name)
        if field.name == "rules":
            other: object = frozenset({"FL007"})
        elif field.name == "exclude_base":
            other = tmp_path / "elsewhere"
        else:
            other = changed_values[type(value)](value)
        assert cache.run_key([tmp_path], [], [], replace(CACHED, **{field.name: other})) != base, field.name


def test_a_file_edited_while_the_check_runs_leaves_no_answer_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key is computed before the analysis reads the files: an edit in between must not
    store an answer under the old text's key."""
    tree = _tree("multi_file_repo", tmp_path)
    net = tree / "models" / "net.py"
    real = engine._analyse

    def edit_then_analyse(*args, **keywords):  # type: ignore[no-untyped-def]
        net.write_text(net.read_text().replace("def forward(", "def farward("))
        return real(*args, **keywords)

    monkeypatch.setattr(engine, "_analyse", edit_then_analyse)
    assert_nothing_crashed(run([tree], Mode.CHECK, CACHED))  # an answer with an error is never stored anyway
    monkeypatch.undo()
    net.write_text(net.read_text().replace("def farward(", "def forward("))  # the text the key named
    assert run([tree], Mode.CHECK, CACHED) == run([tree], Mode.CHECK, COLD)


def test_the_installed_libcst_ipython_and_transformers_modeling_files_are_in_the_key() -> None:
    import importlib.util

    identity = cache._library_identity()
    assert identity.startswith("libcst==")
    assert identity.splitlines()[1].startswith(("ipython==", "ipython absent"))  # installed or not, notebooks read differently
    if importlib.util.find_spec("transformers") is not None:
        assert any(line.startswith("bert/modeling_bert.py:") for line in identity.splitlines())


def test_a_linked_cache_folder_is_never_followed(tmp_path: Path) -> None:
    """A cloned repository could ship .fixlabels_cache as a link to the user's files."""
    tree = _tree("multi_file_repo", tmp_path)
    elsewhere = tmp_path / "users_files"
    elsewhere.mkdir()
    for number in range(12):
        (elsewhere / f"notes{number}.json").write_text("{}")
    (tree / ".fixlabels_cache").symlink_to(elsewhere)
    cold = run([tree], Mode.CHECK, COLD)
    assert_nothing_crashed(cold)  # an answer with an error is not stored: the store would not be tried
    assert run([tree], Mode.CHECK, CACHED) == run([tree], Mode.CHECK, CACHED) == cold
    assert sorted(p.name for p in elsewhere.iterdir()) == sorted(f"notes{n}.json" for n in range(12))


def test_only_its_own_entries_are_ever_pruned(tmp_path: Path) -> None:
    tree = _tree("multi_file_repo", tmp_path)
    run([tree], Mode.CHECK, CACHED)
    mine = tree / ".fixlabels_cache" / "keep-me.json"
    mine.write_text("{}")
    for number in range(cache.KEEP + 2):
        run([tree], Mode.CHECK, replace(CACHED, criterion=f"nn.CrossEntropyLoss(label_smoothing=0.{number + 1})"))
    assert mine.exists()
    assert len([p for p in (tree / ".fixlabels_cache").glob("*.json") if p.name not in (mine.name, cache.FACTS_STORE, cache.WALKS_STORE)]) == cache.KEEP
    assert (tree / ".fixlabels_cache" / cache.FACTS_STORE).exists()  # one store of facts, never pruned as an entry


def test_an_answer_with_an_error_that_may_pass_is_not_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answered_from_cache: Callable[[Path, Options], RunResult]) -> None:
    """Too many open files, memory that ran out, a rule's crash: the next run must look again."""
    from codemod.results import Finding
    from codemod.vocabulary import INTERNAL_ERROR

    tree = _tree("multi_file_repo", tmp_path)
    real = engine._analyse

    def crashed(*args, **keywords):  # type: ignore[no-untyped-def]
        result = real(*args, **keywords)
        return replace(result, errors=(Finding("-", 1, 1, INTERNAL_ERROR, "FL001 failed (MemoryError: ); please report it"),))

    monkeypatch.setattr(engine, "_analyse", crashed)
    run([tree], Mode.CHECK, CACHED)
    monkeypatch.undo()
    with pytest.raises(NoAnalysis):
        answered_from_cache(tree)
