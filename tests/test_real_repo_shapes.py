"""Shapes of real repositories that once gave wrong rewrites (issue 12, §1): each test here
failed on the main of 2026-12-01 and pins the fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

from codemod.engine import run
from codemod.results import Mode, Options

NO_IMPORT = Options(verify=False)  # the snippets' module code would load or build real models

MODEL = """
    import torch.nn as nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 2)

        def forward(self, x, labels):
            return nn.functional.cross_entropy(self.fc(x), labels)
    """

TRAIN = """
    import torch
    from model import Net

    net = Net()
    loss = net(torch.randn(4, 3), torch.tensor([0, 1, 0, 1]))
    """


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_same_module_name_in_two_experiment_folders_binds_each_script_to_its_own_folder(tmp_path: Path) -> None:
    write(tmp_path, {"p1/model.py": MODEL, "p1/train.py": TRAIN, "p2/model.py": MODEL, "p2/train.py": TRAIN})
    result = run([tmp_path], Mode.WRITE, NO_IMPORT)
    assert not result.errors
    assert len(result.changes) == 4
    for folder in ("p1", "p2"):
        train = (tmp_path / folder / "train.py").read_text()
        assert "net(torch.randn(4, 3))" in train, train
        assert "labels" not in (tmp_path / folder / "model.py").read_text()


def test_an_import_that_could_load_either_file_refuses_both_classes(tmp_path: Path) -> None:
    files = {"p1/model.py": MODEL, "p1/train.py": TRAIN, "p2/model.py": MODEL, "p2/train.py": TRAIN}
    files["tools/evaluate.py"] = TRAIN  # tools/ has no model.py: which one loads depends on sys.path
    write(tmp_path, files)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.py")}
    result = run([tmp_path], Mode.WRITE)
    assert result.changes == ()
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.py")} == before
    reasons = [f.render() for f in result.findings]
    assert len(reasons) == 2
    assert all("tools/evaluate.py:3 could load this class or another" in r for r in reasons), reasons


MLM_CALL = """
    import torch
    from transformers import BertForMaskedLM
    from masking import make_labels

    model = BertForMaskedLM.from_pretrained("bert-base-uncased")
    ids = torch.randint(5, 60, (2, 8))
    out = model(ids, masked_lm_labels={labels})
    """


def test_renamed_mlm_labels_built_with_minus_one_are_mapped_to_minus_100(tmp_path: Path) -> None:
    write(tmp_path, {"masking.py": "def make_labels(ids):\n    return [[-1] * len(row) for row in ids]\n"})
    write(tmp_path, {"train.py": MLM_CALL.format(labels="y")})
    result = run([tmp_path], Mode.WRITE, NO_IMPORT)
    assert "labels=y.masked_fill(y == -1, -100)" in (tmp_path / "train.py").read_text()
    assert "masking.py:2) become -100" in result.findings[0].render()


def test_renamed_mlm_labels_built_with_minus_one_from_an_expression_are_refused(tmp_path: Path) -> None:
    write(tmp_path, {"masking.py": "import torch\n\ndef make_labels(ids):\n    return torch.full_like(ids, -1)\n"})
    write(tmp_path, {"train.py": MLM_CALL.format(labels="make_labels(ids)")})
    before = (tmp_path / "train.py").read_bytes()
    result = run([tmp_path], Mode.WRITE, NO_IMPORT)
    assert (tmp_path / "train.py").read_bytes() == before
    assert "masking.py:4, which `labels=` does not ignore" in result.findings[0].render()


def test_renamed_mlm_labels_without_minus_one_fills_are_renamed_bare(tmp_path: Path) -> None:
    write(tmp_path, {"masking.py": "def make_labels(ids):\n    return ids.clone()\n"})
    write(tmp_path, {"train.py": MLM_CALL.format(labels="y")})
    run([tmp_path], Mode.WRITE, NO_IMPORT)
    assert "out = model(ids, labels=y)" in (tmp_path / "train.py").read_text()


def _index(root: Path):  # type: ignore[no-untyped-def]
    from codemod.analysis.index import RepoIndex, import_root, summarize

    modules = []
    for path in sorted(root.rglob("*.py")):
        modules.append(summarize(path, path.relative_to(root).as_posix(), path.read_text(), import_root(path)))
    return RepoIndex(modules)


def test_the_static_check_catches_a_plan_that_misses_a_call_under_main(tmp_path: Path) -> None:
    """The import check runs only a module's top level: a call under `if __name__ ==
    "__main__":` left with its labels is found by re-indexing the planned texts."""
    from codemod.analysis.call_check import check_calls

    write(tmp_path, {"model.py": MODEL, "train.py": "if __name__ == '__main__':\n" + textwrap.indent(textwrap.dedent(TRAIN), "    ")})
    index = _index(tmp_path)
    planned = (tmp_path / "model.py").read_text().replace("def forward(self, x, labels):", "def forward(self, x):")
    problems = check_calls(index, {tmp_path / "model.py": planned})
    assert [(p.display_path, p.line) for p in problems] == [("train.py", 7)]
    assert "does not match `Net.forward(x)`" in problems[0].reason


def test_the_static_check_catches_a_reader_of_the_loss_left_behind(tmp_path: Path) -> None:
    from codemod.analysis.call_check import check_calls

    train = textwrap.dedent(TRAIN).replace("loss = net(", "out = net(") + "print(out['loss'])\n"
    write(tmp_path, {"model.py": MODEL, "train.py": train})
    index = _index(tmp_path)
    planned_model = (tmp_path / "model.py").read_text().replace("def forward(self, x, labels):", "def forward(self, x):")
    planned_train = (tmp_path / "train.py").read_text().replace(", torch.tensor([0, 1, 0, 1]))", ")")
    problems = check_calls(index, {tmp_path / "model.py": planned_model, tmp_path / "train.py": planned_train})
    assert len(problems) == 1 and "`out['loss']` reads a loss forward no longer returns" in problems[0].reason


def test_the_static_check_catches_a_name_moved_out_of_its_scope() -> None:
    """A criterion built from `self.args` once moved to a training function with `self` kept:
    it compiled and imported, and failed at the first step."""
    from codemod.analysis.call_check import new_undefined_names

    before = "import torch\n\ndef train(model, x, y):\n    return model(x, y)\n"
    after = "import torch\n\ndef train(model, x, y):\n    criterion = CE(self.args.ls)\n    return criterion(model(x), y)\n"
    assert new_undefined_names(before, after) == [("CE", 4), ("self", 4)]
    assert new_undefined_names(before, before.replace("model(x, y)", "torch.zeros(1)")) == []
