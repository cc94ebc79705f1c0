"""The fuzzer (``bench/fuzz.py``): generated programs run, are rewritten, and run again.

Fast tier: the generator is deterministic (also across processes, whatever the hash seed), its
files compile, every value of every dimension gets drawn, a few programs run before any rewrite,
and the harness classes hand-made outcomes as it says. Full tier (``--full``): a fixed range of
seeds goes through the whole pipeline, and none may be WRONG, CRASH or GENBUG.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
# The fuzzer is a script folder, not a package; its workers are spawned processes, which import
# it by this path (spawn hands the parent's sys.path to the child).
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import fuzz  # noqa: E402
from fuzz import FindingNote, Outcome, Program, Verdict, execute, names_blocker, normalise_refusal, run_program, run_seeds  # noqa: E402
from fuzz_programs import DIMENSIONS, blockers, generate  # noqa: E402

from codemod.results import FileChange, Finding, Mode, RunResult  # noqa: E402

EXECUTION_SEEDS = [*range(0, 120), 144, 147, 639, 653, 826]
"""The seeds the full tier runs (about 110 s on 2 cores): 0:120, plus seeds beyond it whose
programs exposed a shape 0:120 lacks, in a run of 0:1000: 144 a dict copy that loses its labels
before the call, 147 a Trainer subclass's ``compute_loss(self, model, ...)`` (260 was, until
``label_conversion`` refused it earlier, for its labels converted under a branch), 639
``runner.model`` handed to another module's function, 653 a module global built in ``try:``
and called with ``label=``, 826 a label-less call through ``self.model = model``. A change to
the generator redraws every seed's program: pick these again from a fuzz run."""

GENERATED = range(0, 300)


def _digest(seeds: range) -> str:
    digest = hashlib.sha256()
    for seed in seeds:
        program = generate(seed)
        digest.update(json.dumps([program.files, program.entries, program.dimensions, program.protected], sort_keys=True).encode())
    return digest.hexdigest()


def test_generation_is_deterministic_across_processes() -> None:
    """Same seed, same bytes: in this process twice, and in fresh ones with other hash seeds
    (iterating a set of strings would differ between them)."""
    assert generate(7) == generate(7)
    here = _digest(range(60))
    for hash_seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        code = (
            f"import sys, hashlib, json; sys.path.insert(0, {str(BENCH)!r})\n"
            "from fuzz_programs import generate\n"
            "d = hashlib.sha256()\n"
            "for s in range(60):\n"
            "    p = generate(s)\n"
            "    d.update(json.dumps([p.files, p.entries, p.dimensions, p.protected], sort_keys=True).encode())\n"
            "print(d.hexdigest())\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == here, f"PYTHONHASHSEED={hash_seed} generates other programs"


def test_seeds_give_different_programs() -> None:
    texts = {json.dumps(generate(seed).files, sort_keys=True) for seed in range(50)}
    assert len(texts) == 50


def test_every_generated_file_compiles() -> None:
    for seed in GENERATED:
        program = generate(seed)
        assert program.entries and all(entry in program.files for entry in program.entries), seed
        assert all(name in program.files for name in program.protected), seed
        for name, text in program.files.items():
            compile(text, f"seed {seed}: {name}", "exec")


def test_every_dimension_value_is_drawn() -> None:
    """A constraint that makes a value unreachable would silently shrink what is fuzzed."""
    seen: dict[str, set[str]] = {name: set() for name in DIMENSIONS}
    for seed in GENERATED:
        dimensions = generate(seed).dimensions
        assert list(dimensions) == list(DIMENSIONS), seed
        for name, value in dimensions.items():
            seen[name].update(value.split("+") if name == "distractors" else [value])
    for name, table in DIMENSIONS.items():
        missing = {value for value, _ in table} - seen[name]
        assert not missing, f"{name}: never drawn in seeds {GENERATED.start}:{GENERATED.stop}: {sorted(missing)}"


def _one_seed_per_layout() -> list[int]:
    """The first seed of each layout that needs no transformers (cheap to run in process)."""
    chosen: dict[str, int] = {}
    for seed in range(200):
        dimensions = generate(seed).dimensions
        if dimensions["returns"] == "hf_output" or dimensions["distractors"].startswith("hf") or "+hf" in dimensions["distractors"]:
            continue
        if any("trainer" in part for part in dimensions["distractors"].split("+")):
            continue
        chosen.setdefault(dimensions["layout"], seed)
    return sorted(chosen.values())


@pytest.mark.parametrize("seed", _one_seed_per_layout())
@pytest.mark.execution
def test_generated_program_runs_before_rewrite(seed: int, tmp_path: Path) -> None:
    program = generate(seed)
    for name, text in program.files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    ran = execute(tmp_path, program.entries, timeout=60)
    assert ran.ok, ran.traceback
    assert re.search(r"step 1 loss -?\d+\.\d{6}", ran.stdout), ran.stdout
    # Run twice in one interpreter: the same numbers (seeded, and no module of the program kept).
    assert execute(tmp_path, program.entries, timeout=60).stdout == ran.stdout


# ---------------------------------------------------------------------------------------------
# The harness's classes, on hand-made programs
# (each runs its program, torch and all, in this process: the execution tier)

TRAIN = """\
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)
        return loss


model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(2):
    optimizer.zero_grad()
    loss = model(x, y)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
"""


def _program(files: dict[str, str], protected: tuple[str, ...] = ()) -> Program:
    return Program(-1, files, ["train.py"], {"case": "hand-made"}, protected)


def _fake_fixlabels(write: dict[str, str], second: tuple[FileChange, ...] = ()) -> Any:
    """A stand-in for the engine: WRITE replaces the files in ``write`` and reports one fixed
    finding; DIFF reports ``second``."""

    def fake(root: Path, mode: Mode) -> RunResult:
        finding = Finding("train.py", 13, 5, "FL001", "`Net.forward` takes `labels`", fixable=True, fixed=True)
        if mode is Mode.WRITE:
            for name, text in write.items():
                (root / name).write_text(text, encoding="utf-8")
            return RunResult((finding,), (), written=tuple(write))
        return RunResult((), (), changes=second)

    return fake


@pytest.mark.execution
def test_exact_rewrite_is_exact() -> None:
    outcome = run_program(_program({"train.py": TRAIN}))
    assert outcome.verdict is Verdict.EXACT, outcome
    assert outcome.written == ("train.py",)
    assert outcome.stdout_before == outcome.stdout_after and "step 1 loss" in outcome.stdout_before


@pytest.mark.execution
def test_refusal_is_recorded() -> None:
    aux = TRAIN.replace("F.cross_entropy(logits, labels)", "F.cross_entropy(logits, labels) + 0.01 * x.pow(2).mean()")
    aux = aux.replace("logits = self.fc(x)", "x = x * 2\n        logits = self.fc(x)")
    outcome = run_program(_program({"train.py": aux}))
    assert outcome.verdict is Verdict.REFUSED, outcome
    assert any(note.refusal for note in outcome.findings)


@pytest.mark.execution
def test_program_without_finding_is_nofinding() -> None:
    plain = TRAIN.replace("def forward(self, x, labels):", "def forward(self, x, labels):  # noqa")
    plain = plain.replace("loss = F.cross_entropy(logits, labels)\n        return loss", "return logits").replace("x, labels)", "x)")
    plain = plain.replace("loss = model(x, y)", "loss = F.cross_entropy(model(x), y)")
    outcome = run_program(_program({"train.py": plain}))
    assert outcome.verdict is Verdict.NOFINDING, outcome


@pytest.mark.execution
def test_failing_program_is_genbug() -> None:
    outcome = run_program(_program({"train.py": TRAIN + "raise ValueError('generator slipped')\n"}))
    assert outcome.verdict is Verdict.GENBUG
    assert "ValueError: generator slipped" in outcome.cause


@pytest.mark.execution
def test_program_that_hangs_is_genbug_after_its_timeout() -> None:
    outcome = run_program(_program({"train.py": "while True:\n    pass\n"}), timeout=1)
    assert outcome.verdict is Verdict.GENBUG
    assert "timed out" in outcome.cause


@pytest.mark.execution
def test_changed_output_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fuzz, "_fixlabels", _fake_fixlabels({"train.py": TRAIN.replace("lr=0.1", "lr=0.2")}))
    outcome = run_program(_program({"train.py": TRAIN}))
    assert outcome.verdict is Verdict.WRONG
    assert outcome.cause.startswith("output differs: line 2")


@pytest.mark.execution
def test_failing_after_run_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fuzz, "_fixlabels", _fake_fixlabels({"train.py": TRAIN.replace("def forward(self, x, labels):", "def forward(self, x):")}))
    outcome = run_program(_program({"train.py": TRAIN}))
    assert outcome.verdict is Verdict.WRONG
    assert "after-run fails" in outcome.cause and "TypeError" in outcome.cause


@pytest.mark.execution
def test_changed_distractor_is_wrong_even_with_the_same_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fuzz, "_fixlabels", _fake_fixlabels({"extras.py": "VALUE = 2\n"}))
    outcome = run_program(_program({"train.py": TRAIN, "extras.py": "VALUE = 1\n"}, protected=("extras.py",)))
    assert outcome.verdict is Verdict.WRONG
    assert outcome.cause == "changed what must not change: extras.py"


@pytest.mark.execution
def test_second_pass_that_changes_more_is_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    change = FileChange(Path("train.py"), "train.py", "a\n", "b\n")
    monkeypatch.setattr(fuzz, "_fixlabels", _fake_fixlabels({"train.py": TRAIN + "\n"}, second=(change,)))
    outcome = run_program(_program({"train.py": TRAIN}))
    assert outcome.verdict is Verdict.WRONG
    assert outcome.cause.startswith("second pass still changes train.py")
    assert "-a\n+b" in outcome.second_pass


@pytest.mark.execution
def test_engine_exception_or_error_is_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    def raises(root: Path, mode: Mode) -> RunResult:
        raise RuntimeError("boom")

    monkeypatch.setattr(fuzz, "_fixlabels", raises)
    assert run_program(_program({"train.py": TRAIN})).verdict is Verdict.CRASH

    def errs(root: Path, mode: Mode) -> RunResult:
        return RunResult((), (Finding("train.py", 1, 1, "E902", "cannot read"),))

    monkeypatch.setattr(fuzz, "_fixlabels", errs)
    outcome = run_program(_program({"train.py": TRAIN}))
    assert outcome.verdict is Verdict.CRASH and "E902" in outcome.cause


def test_refusals_are_counted_without_names_or_places() -> None:
    one = normalise_refusal("FL001", "the call at exp_a/train.py:12:5 could be `Net` or `Net2`")
    two = normalise_refusal("FL001", "the call at train.py:40:9 could be `Model` or `Other`")
    assert one == two == "FL001 the call at <file> could be `…` or `…`"


def test_outcome_survives_json() -> None:
    outcome = Outcome(3, Verdict.REFUSED, "", (("a", "b"),), seconds=1.5)
    assert Outcome.from_json(json.loads(json.dumps(outcome.to_json()))) == outcome


# ---------------------------------------------------------------------------------------------
# The full tier


@pytest.mark.execution
def test_fuzzed_programs_are_never_rewritten_wrong() -> None:
    """Every seed of EXECUTION_SEEDS is EXACT, REFUSED or NOFINDING: never a rewrite that breaks
    the program or changes its numbers, never an engine crash, never a generator bug. Reproduce
    one with ``python bench/fuzz.py --seeds N:N+1 --keep DIR``."""
    outcomes = run_seeds(EXECUTION_SEEDS, jobs=2)
    problems = [o for o in outcomes if o.verdict in (Verdict.WRONG, Verdict.CRASH, Verdict.GENBUG)]
    assert not problems, f"{len(problems)} of {len(outcomes)} seeds:\n" + "\n".join(
        f"seed {o.seed}: {o.verdict.value}: {o.cause}" for o in problems
    )
    # Where the generator knows no exact rewrite can be proved, the tool refuses: always, and
    # naming the blocking place when nothing else stopped it first.
    blocked = [o for o in outcomes if blockers(dict(o.dimensions))]
    assert blocked, "EXECUTION_SEEDS must hold programs with a blocking dimension, else this proves nothing"
    assert all(o.verdict is Verdict.REFUSED for o in blocked), [o.seed for o in blocked if o.verdict is not Verdict.REFUSED]
    assert any(names_blocker(o) for o in blocked)


def test_the_fuzzer_measures_its_own_checkout_not_an_installed_copy(tmp_path: Path) -> None:
    """Run from elsewhere, ``bench/fuzz.py`` imports fixlabels from the checkout it sits in: an
    older copy in site-packages would be measured instead (it was, once)."""
    # As `python bench/fuzz.py` starts: its own folder first on sys.path, the checkout's root not.
    probe = f"import sys; sys.path.insert(0, {str(BENCH)!r}); import fuzz, codemod; print(codemod.__file__)"
    shown = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert Path(shown.stdout.strip()).resolve().is_relative_to(BENCH.parent.resolve())


def test_a_blocking_dimension_is_known_to_the_generator() -> None:
    """The yardstick counts refusals among programs where an exact rewrite exists: the
    generator says which dimension values rule one out, and where a refusal for them points."""
    assert [b.dimension for b in blockers({"serving": "uncalled", "distractors": "focal_loss+trainer_subclass"})] == ["serving", "distractors"]
    assert blockers({"serving": "none", "distractors": "focal_loss"}) == ()
    refused = Outcome(1, Verdict.REFUSED, "", (("serving", "uncalled"),), (FindingNote("FL001", False, "the call at predict.py:2:12 could be a `Net`", ""),))
    assert names_blocker(refused)
    assert not names_blocker(Outcome(1, Verdict.REFUSED, "", (("serving", "uncalled"),), (FindingNote("FL001", False, "`Sub` subclasses it", ""),)))
