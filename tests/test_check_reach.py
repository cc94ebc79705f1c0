"""The same-numbers check evaluates only the modules a rewritten class's values can reach
(``codemod.verify.reach``), and says what evaluating every module says.

The shortcut matters in a project of many programs side by side, the shape of fixlabels' own
checkout: ``fixlabels --diff golden/seed_example/before`` run from its root evaluated every
module of the package and of the tests, and ran for more than twelve minutes. So the full path
is the reference here on such projects (golden cases and generated programs in one project, one
folder named at a time), on every golden rewrite, and on a missed call site only the import
closure finds, with a mutation that drops the closure to show that test can fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import codemod.pipeline.checks as checks
import codemod.verify.reach as reach
from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options, RunResult
from codemod.verify.project import check_rewrite
from tests.conftest import assert_nothing_crashed
from tests.golden_cases import GOLDEN, case_folders
from tests.test_independent_check import _golden_rewrites
from tests.generated_programs import program_files, write_files

OPTIONS = Options(rules=select_rules(["ALL"], []), verify=False)

MODEL_AND_LOOP = """\
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x, labels):
        return nn.functional.cross_entropy(self.fc(x), labels)


model = Net()
"""

# A module of another import root than the script, which never names `Net`: only the import
# joins it to the rewrite.
REPORT = """\
import torch
from train import model

print(model(torch.randn(3, 4), torch.tensor([0, 1, 0])))
"""


def _missed_call_project(tmp_path: Path) -> dict[Path, tuple[str, str, str]]:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "tools").mkdir()
    script, package, report = tmp_path / "scripts" / "train.py", tmp_path / "tools" / "__init__.py", tmp_path / "tools" / "report.py"
    # The loss moved out of forward, and the call in tools/report.py was missed.
    moved = MODEL_AND_LOOP.replace(
        "    def forward(self, x, labels):\n        return nn.functional.cross_entropy(self.fc(x), labels)",
        "    def forward(self, x):\n        return self.fc(x)",
    )
    assert moved != MODEL_AND_LOOP
    for path, text in ((script, MODEL_AND_LOOP), (package, ""), (report, REPORT)):
        path.write_text(text)  # the check finds packages on disk, by their `__init__.py`
    return {
        script: ("scripts/train.py", MODEL_AND_LOOP, moved),
        package: ("tools/__init__.py", "", ""),
        report: ("tools/report.py", REPORT, REPORT),
    }


def test_a_missed_call_in_a_module_of_another_import_root_is_still_compared(tmp_path: Path) -> None:
    files = _missed_call_project(tmp_path)
    found = check_rewrite(files)
    assert [m.display_path for m in found] == ["tools/report.py"]
    assert found == check_rewrite(files, every_module=True)


def test_without_the_import_closure_that_missed_call_would_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The mutation the test above must catch: evaluate only the changed modules and the
    rewritten classes' roots, not what imports joins to them."""
    files = _missed_call_project(tmp_path)
    monkeypatch.setattr(reach, "_import_graph", lambda modules, reading=None: {})
    assert check_rewrite(files) == []


def test_a_module_nothing_joins_to_the_rewrite_is_not_evaluated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beside the project above, a program of its own that imports nothing of it: not evaluated.
    A module that names the class where the check cannot tell which class the name is (a star
    import from outside the project could bind it) is, and refuses as the full path does."""
    files = _missed_call_project(tmp_path)
    (tmp_path / "other").mkdir()
    alone, naming = tmp_path / "other" / "alone.py", tmp_path / "other" / "naming.py"
    files[alone] = ("other/alone.py", "def f(m, x):\n    return m(x)\n", "def f(m, x):\n    return m(x)\n")
    naming_text = "from elsewhere import *\n\nprint(Net()(1, 2))\n"
    files[naming] = ("other/naming.py", naming_text, naming_text)
    seen: list[set[str]] = []
    real = reach.evaluated_modules
    monkeypatch.setattr("codemod.verify.project.evaluated_modules", lambda *a: seen.append(real(*a)) or seen[-1])
    filtered = check_rewrite(files)
    assert seen == [{"train", "tools.report", "naming"}]
    assert filtered == check_rewrite(files, every_module=True)
    assert {m.display_path for m in filtered} == {"tools/report.py", "other/naming.py"}


@pytest.mark.slow
@pytest.mark.parametrize("name,files", _golden_rewrites(), ids=[name for name, _ in _golden_rewrites()])
def test_every_golden_rewrite_is_checked_alike_by_the_shortcut_and_the_full_path(name: str, files: dict[Path, tuple[str, str, str]]) -> None:
    assert check_rewrite(files) == check_rewrite(files, every_module=True)


FIXED_CASES = ("seed_example", "attribute_loss_with_class_weights", "fl101_output_object", "functional_mse_regression", "explicit_forward_call")
"""Cases whose fix moves a loss, so that the check runs on them."""


def _many_programs(tmp_path: Path, golden_every: int, seeds: range) -> list[Path]:
    """One project holding golden cases' before/ trees (``FIXED_CASES`` and every
    ``golden_every``-th) and generated programs, each in a folder of its own: fixlabels'
    checkout in small."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'many'\n")
    folders = []
    for case in [*(GOLDEN / name for name in FIXED_CASES), *case_folders()[::golden_every]]:
        target = project / "cases" / case.relative_to(GOLDEN).as_posix().replace("/", "_")
        if target.exists():
            continue  # a fixed case drawn again
        shutil.copytree(case / "before", target)
        folders.append(target)
    for seed in seeds:
        folders.append(write_files(project / "generated" / f"seed_{seed}", program_files(seed)))
    return folders


def _same_either_way(folder: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[RunResult, int]:
    """The run on one named folder with the shortcut, checked against the full path; and how
    many runs of the check skipped a module."""
    skipped = []
    real = reach.evaluated_modules

    def counting(versions, changed, rewritten):  # type: ignore[no-untyped-def]
        versions = list(versions)
        found = real(versions, changed, rewritten)
        skipped.append(len(versions[0].modules) - len(found))
        return found

    monkeypatch.setattr("codemod.verify.project.evaluated_modules", counting)
    filtered = run([folder], Mode.DIFF, OPTIONS)
    monkeypatch.setattr(checks, "check_rewrite", lambda files: check_rewrite(files, every_module=True))
    everything = run([folder], Mode.DIFF, OPTIONS)
    monkeypatch.undo()
    assert_nothing_crashed(everything)
    assert filtered.findings == everything.findings
    assert [(c.display_path, c.new_text) for c in filtered.changes] == [(c.display_path, c.new_text) for c in everything.changes]
    return filtered, sum(1 for count in skipped if count > 0)


def test_one_folder_of_a_project_of_many_programs_is_fixed_as_the_full_check_fixes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = _many_programs(tmp_path, golden_every=40, seeds=range(0, 3))
    # The other folders are bystanders here; the slow tier names each of a larger project.
    shortcuts = sum(_same_either_way(folder, monkeypatch)[1] for folder in folders[: len(FIXED_CASES)])
    assert shortcuts >= len(FIXED_CASES), shortcuts  # the check ran, and skipped modules


@pytest.mark.slow
def test_every_folder_of_a_larger_project_of_many_programs_is_fixed_as_the_full_check_fixes_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = _many_programs(tmp_path, golden_every=16, seeds=range(0, 10))
    shortcuts = sum(_same_either_way(folder, monkeypatch)[1] for folder in folders)
    assert shortcuts >= len(FIXED_CASES) + 3, shortcuts


def test_a_wrong_rewrite_among_many_programs_is_refused_alike(tmp_path: Path) -> None:
    """The seed example's loss moved onto other labels, in a project of many programs: both
    paths find the same difference."""
    folders = _many_programs(tmp_path, golden_every=40, seeds=range(0, 2))
    project = folders[0].parent.parent
    seed_train = project / "cases" / "seed_example" / "train.py"
    files = {
        path: (path.relative_to(project).as_posix(), path.read_text(encoding="utf-8"), path.read_text(encoding="utf-8"))
        for path in sorted(project.rglob("*.py"))
    }
    wrong = (GOLDEN / "seed_example" / "after" / "train.py").read_text(encoding="utf-8").replace("criterion(logits, labels)", "criterion(logits, labels.flip(0))")
    files[seed_train] = (files[seed_train][0], files[seed_train][1], wrong)
    found = check_rewrite(files)
    assert [m.display_path for m in found] == ["cases/seed_example/train.py"]
    assert found == check_rewrite(files, every_module=True)
