"""Per-file facts cached by content (``codemod.analysis.facts``): a check whose files' facts are stored
answers what a check that summarises every file answers, and parses none of them again.

Two kinds of test hold the shortcut to the full path: the codec gives back every fact
``summarize`` makes (golden cases, generated programs, and the installed corpora in the slow
tier), and whole checks with the store warm equal checks without it (golden cases, generated
programs, edits). Each is shown to bite: a codec that drops a fact, and a key that forgets a
file's path or trusts its size, are caught by the same drivers."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from codemod import cache
from codemod.analysis import facts
from codemod.analysis.index import ModuleSummary, summarize
from codemod.engine import run
from codemod.pipeline import load as load_module
from codemod.results import Mode, Options, RunResult
from tests.generated_programs import program_files, write_files
from tests.golden_cases import GOLDEN, cases

CACHED = Options(cache=True, verify=False)
COLD = replace(CACHED, cache=False)
PROGRAMS = range(0, 24)
"""Generated programs checked whole, warm against cold (fast tier)."""


def _facts_of(summary: ModuleSummary) -> Any:
    """Every field a summary is made with (the caches it builds on demand aside), with the type of
    each value and the order of each dict: a set decoded where a frozenset was made differs."""
    return _typed({f.name: getattr(summary, f.name) for f in dataclasses.fields(summary) if f.init and not f.name.startswith("_")})


def _typed(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__name__, tuple((f.name, _typed(getattr(value, f.name))) for f in dataclasses.fields(value)))
    if isinstance(value, (set, frozenset)):
        return (type(value).__name__, tuple(sorted((_typed(item) for item in value), key=repr)))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_typed(item) for item in value))
    if isinstance(value, dict):
        return ("dict", tuple((key, _typed(item)) for key, item in value.items()))
    return (type(value).__name__, value)


def _round_trips(path: Path, text: str, root: Path) -> int:
    """1 when the stored facts of the file decode to what ``summarize`` made; 0 when the run would
    not summarise it (Python cannot parse it)."""
    try:
        fresh = summarize(path, path.name, text, root)
    except (SyntaxError, ValueError):
        return 0
    stored = json.loads(json.dumps(facts.encode(fresh)))  # through the bytes the store holds
    assert _facts_of(facts.decode(stored, text)) == _facts_of(fresh), path
    return 1


def _round_trip_tree(root: Path) -> int:
    compared = 0
    for path in sorted(root.rglob("*.py")):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        compared += _round_trips(path, text, root)
    return compared


def test_the_codec_gives_back_every_fact_of_every_golden_file() -> None:
    compared = sum(_round_trip_tree(case.before) + _round_trip_tree(case.after) for case in cases())
    assert compared > 400  # every case's files, not an empty glob


def test_the_codec_gives_back_every_fact_of_generated_programs() -> None:
    compared = sum(_round_trips(Path(name), text, Path(".")) for seed in range(0, 80) for name, text in program_files(seed).items())
    assert compared > 150


def test_the_codec_gives_back_imports_inside_functions_and_folders_put_on_the_path(tmp_path: Path) -> None:
    """Facts most files do not have, so that a codec dropping them is seen here."""
    text = (
        "import sys, os\nsys.path.append(os.path.join(os.path.dirname(__file__), '../src'))\n"
        "from .. import pkg\nfrom model import *\n\n\n"
        "def get():\n    from model import Net as N\n    return N()\n\n\n"
        "class A(N, metaclass=type):\n    def forward(self, x, *rest, label=None, **kw):\n        return self\n"
    )
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    module = summarize(tmp_path / "pkg" / "train.py", "pkg/train.py", text, tmp_path)
    assert module.local_imports and module.path_additions and module.classes["A"].forward is not None
    assert _round_trips(tmp_path / "pkg" / "train.py", text, tmp_path) == 1


@pytest.mark.slow
@pytest.mark.parametrize("package", ["transformers", "torch"])
def test_the_codec_gives_back_every_fact_of_an_installed_package(package: str) -> None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{package} is not installed")
    assert _round_trip_tree(Path(next(iter(spec.submodule_search_locations)))) > 1000


def test_a_codec_that_drops_a_fact_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mutation: one field of a class's facts left out of the store."""
    original = facts._stored_fields.__wrapped__

    def dropping(cls: type, skip: frozenset[str]) -> tuple[tuple[str, Any], ...]:
        return tuple(field for field in original(cls, skip) if field[0] != "stored")

    monkeypatch.setattr(facts, "_stored_fields", dropping)
    _forget_compiled_codecs()  # each type's codec is made once, from the fields of its time
    try:
        with pytest.raises(AssertionError):
            _round_trip_tree(GOLDEN / "seed_example" / "before")
    finally:
        monkeypatch.undo()
        _forget_compiled_codecs()


def _forget_compiled_codecs() -> None:
    for made in (facts._fields_encoder, facts._fields_decoder, facts._encoder, facts._decoder):
        made.cache_clear()


class _Summaries:
    """Counts the files a run summarises, that is, parses to index."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[Path] = []
        original = load_module.summarize

        def counted(path: Path, display: str, text: str, root: Path) -> ModuleSummary:
            self.paths.append(path)
            return original(path, display, text, root)

        monkeypatch.setattr(load_module, "summarize", counted)


def _warm_and_cold(tree: Path) -> tuple[RunResult, RunResult]:
    """A check answered from the facts store (never from the whole-run cache), and a check
    without any cache."""
    for entry in (tree / cache.CACHE_DIR).glob("*.json"):
        if entry.name != cache.FACTS_STORE:
            entry.unlink()
    return run([tree], Mode.CHECK, CACHED), run([tree], Mode.CHECK, COLD)


@pytest.mark.parametrize("case", ["seed_example", "multi_file_repo", "fl002_collate_function", "experiment_folders_each_build_their_model_in_a_private_method"])
def test_a_warm_check_parses_nothing_to_index_and_answers_as_a_cold_one(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / case
    shutil.copytree(GOLDEN / case / "before", tree)
    first = run([tree], Mode.CHECK, CACHED)
    summaries = _Summaries(monkeypatch)
    warm, cold = _warm_and_cold(tree)
    assert warm == cold == first
    assert len(summaries.paths) == len(list(tree.rglob("*.py"))), "only the cold check summarises"


def test_warm_checks_of_generated_programs_answer_as_cold_ones(tmp_path: Path) -> None:
    compared = 0
    for seed in PROGRAMS:
        tree = write_files(tmp_path / f"p{seed}", program_files(seed))
        run([tree], Mode.CHECK, CACHED)
        warm, cold = _warm_and_cold(tree)
        assert warm == cold, seed
        compared += bool(cold.findings)
    assert compared >= len(PROGRAMS) // 2  # most programs have a finding to compare


def test_an_edit_summarises_the_edited_file_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "multi_file_repo"
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tree)
    run([tree], Mode.CHECK, CACHED)
    net = tree / "models" / "net.py"
    net.write_text(net.read_text().replace("def forward(", "def farward(", 1))
    summaries = _Summaries(monkeypatch)
    warm, cold = _warm_and_cold(tree)
    assert warm == cold
    assert summaries.paths[0] == net and summaries.paths.count(net) == 2 and len(set(summaries.paths)) > 1  # the cold check summarised all
    assert len(summaries.paths) == 1 + len(list(tree.rglob("*.py")))


def test_the_same_text_at_two_paths_keeps_each_file_its_own_facts(tmp_path: Path) -> None:
    """Two experiment folders with a byte-identical model.py: each module is named by its own
    path, and a finding in each is reported at its own file."""
    model = (GOLDEN / "seed_example" / "before" / "train.py").read_text()
    tree = write_files(tmp_path / "proj", {"exp_a/train.py": model, "exp_b/train.py": model})
    run([tree], Mode.CHECK, CACHED)
    warm, cold = _warm_and_cold(tree)
    assert warm == cold
    assert {f.path.split("/")[-2] for f in cold.findings} == {"exp_a", "exp_b"}


def test_a_key_that_forgets_the_path_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mutation: facts keyed by the text alone. The second folder's file is then indexed as
    the first's (its path, its display name), and the same driver sees it."""
    original = facts.fact_key
    monkeypatch.setattr(facts, "fact_key", lambda package, path, display, root, text: original(package, Path("/"), "", Path("/"), text))
    model = (GOLDEN / "seed_example" / "before" / "train.py").read_text()
    tree = write_files(tmp_path / "proj", {"exp_a/train.py": model})
    run([tree], Mode.CHECK, CACHED)
    write_files(tree, {"exp_b/train.py": model})
    warm, cold = _warm_and_cold(tree)
    assert warm != cold


def test_a_damaged_store_is_a_miss_and_is_written_anew(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "seed"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    run([tree], Mode.CHECK, CACHED)
    store = tree / cache.CACHE_DIR / cache.FACTS_STORE
    data = json.loads(store.read_text())
    key = next(iter(data["facts"]))
    data["facts"][key]["classes"] = [["MyTransformer", {"name": 3}]]  # a wrong type where a class is
    store.write_text(json.dumps(data))
    summaries = _Summaries(monkeypatch)
    warm, cold = _warm_and_cold(tree)
    assert warm == cold and cold.findings
    assert len(summaries.paths) == 2  # the damaged entry summarised again, and the cold check
    assert json.loads(store.read_text())["facts"][key] != data["facts"][key]
    store.write_text("{not json")
    assert _warm_and_cold(tree)[0] == cold


def test_the_store_is_not_read_or_written_through_a_symbolic_link(tmp_path: Path) -> None:
    tree = tmp_path / "seed"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    run([tree], Mode.CHECK, CACHED)
    # The link leads to a store of this very project whose every class is forged away: read,
    # it would lose the finding.
    forged = json.loads((tree / cache.CACHE_DIR / cache.FACTS_STORE).read_text())
    for entry in forged["facts"].values():
        entry["classes"] = []
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / cache.FACTS_STORE).write_text(json.dumps(forged))
    shutil.rmtree(tree / cache.CACHE_DIR)
    (tree / cache.CACHE_DIR).symlink_to(elsewhere, target_is_directory=True)
    cold = run([tree], Mode.CHECK, COLD)
    assert cold.findings and run([tree], Mode.CHECK, CACHED) == cold
    assert run([tree], Mode.DIFF, CACHED).findings == run([tree], Mode.DIFF, COLD).findings
    assert sorted(p.name for p in elsewhere.iterdir()) == [cache.FACTS_STORE]


def test_the_store_holds_the_files_of_the_last_check_only(tmp_path: Path) -> None:
    tree = tmp_path / "multi_file_repo"
    shutil.copytree(GOLDEN / "multi_file_repo" / "before", tree)
    run([tree], Mode.CHECK, CACHED)
    store = tree / cache.CACHE_DIR / cache.FACTS_STORE
    before = len(json.loads(store.read_text())["facts"])
    for path in list(tree.rglob("*.py"))[:2]:
        path.write_text(path.read_text() + "\n# edited\n")
    run([tree], Mode.CHECK, CACHED)
    assert before == len(list(tree.rglob("*.py"))) == len(json.loads(store.read_text())["facts"])


def test_diff_and_stdin_runs_read_the_facts_a_check_left_and_never_write_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trees = {}
    for name in ("warm", "cold"):
        trees[name] = tmp_path / name / "multi_file_repo"
        shutil.copytree(GOLDEN / "multi_file_repo" / "before", trees[name])
    warm, cold = trees["warm"], trees["cold"]
    run([warm], Mode.CHECK, CACHED)
    store = warm / cache.CACHE_DIR / cache.FACTS_STORE
    data = json.loads(store.read_text())
    forgotten = sorted(data["facts"])[0]
    del data["facts"][forgotten]  # so that a run which wrote the store would change it
    store.write_text(json.dumps(data))
    left = store.read_bytes()
    summaries = _Summaries(monkeypatch)
    diff = run([warm], Mode.DIFF, CACHED)
    assert len(summaries.paths) == 1 and diff.changes  # the forgotten file alone is parsed to index
    buffer = (warm / "train.py").read_text() + "\nEXTRA = 1\n"
    stdin = run([warm], Mode.DIFF, replace(CACHED, stdin=(warm / "train.py", buffer.encode())))
    assert summaries.paths[1:] == sorted({summaries.paths[0], (warm / "train.py").resolve()})  # and the buffer
    assert store.read_bytes() == left
    assert _displayed(diff, warm) == _displayed(run([cold], Mode.DIFF, COLD), cold)
    assert _displayed(stdin, warm) == _displayed(run([cold], Mode.DIFF, replace(COLD, stdin=(cold / "train.py", buffer.encode()))), cold)


def test_write_never_reads_the_facts(tmp_path: Path) -> None:
    """The cache folder is inside a project anyone may have written: a forged entry may change
    what a check shows, never what is written."""
    trees = {}
    for name in ("forged", "cold"):
        trees[name] = tmp_path / name / "multi_file_repo"
        shutil.copytree(GOLDEN / "multi_file_repo" / "before", trees[name])
    forged = trees["forged"]
    run([forged], Mode.CHECK, CACHED)
    store = forged / cache.CACHE_DIR / cache.FACTS_STORE
    data = json.loads(store.read_text())
    for entry in data["facts"].values():
        entry["classes"] = []  # read, this store would leave nothing to fix
    store.write_text(json.dumps(data))
    written = run([forged], Mode.WRITE, replace(CACHED, verify=False))
    cold = run([trees["cold"]], Mode.WRITE, replace(COLD, verify=False))
    assert written.written and _displayed(written, forged) == _displayed(cold, trees["cold"])


def test_a_store_written_by_another_python_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What parses depends on the interpreter (``type X = int`` is 3.12 syntax): a file another
    Python indexed must be parsed again, or its syntax error would surface in the walk."""
    tree = tmp_path / "seed"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    run([tree], Mode.CHECK, CACHED)
    monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    summaries = _Summaries(monkeypatch)
    warm, cold = _warm_and_cold(tree)
    assert warm == cold and len(summaries.paths) == 2  # the warm check parsed again, then the cold one


def _displayed(result: RunResult, tree: Path) -> str:
    """A run's findings and changes as text, with its tree's place left out (two copies compared)."""
    return repr((result.findings, [(c.path.relative_to(tree), c.old_text, c.new_text) for c in result.changes])).replace(str(tree), "<tree>")


def test_diff_and_write_runs_make_no_store(tmp_path: Path) -> None:
    tree = tmp_path / "seed"
    shutil.copytree(GOLDEN / "seed_example" / "before", tree)
    run([tree], Mode.DIFF, CACHED)
    run([tree], Mode.WRITE, replace(CACHED, verify=False))
    assert not (tree / cache.CACHE_DIR).exists()
