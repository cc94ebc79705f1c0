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
from codemod.results import Finding, Mode, Options
from tests.conftest import assert_nothing_crashed
from tests.golden_cases import cases
from tests.test_properties import modules
from tests.generated_programs import program_files, write_files

CASES = cases()
GENERATED_SEEDS = range(0, 40)
"""Generated multi-file programs (``bench/fuzz_programs.py``): a model built in one module and
called in another, through factories, runners and Trainer subclasses."""


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


def _same_with_and_without_the_prefilter(tree: Path, options: Options = Options()) -> tuple[Finding, ...]:
    filtered = run([tree], Mode.DIFF, options)
    everything = run([tree], Mode.DIFF, replace(options, prefilter=False))
    assert_nothing_crashed(everything)  # two crashes would compare equal
    assert filtered.findings == everything.findings
    assert [(c.display_path, c.new_text) for c in filtered.changes] == [(c.display_path, c.new_text) for c in everything.changes]
    return filtered.findings


BUILT_HERE = """\
import torch
from transformers import BertConfig, BertForSequenceClassification
from {module} import {function}

config = BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, vocab_size=50)
model = BertForSequenceClassification(config)
print({function}(model, torch.randint(0, 50, (2, 5)), torch.tensor([0, 1])))
"""


def test_a_model_is_followed_into_a_module_that_never_says_labels(tmp_path: Path) -> None:
    """The model is built where transformers is imported and called with `label=` in a module
    that neither imports transformers nor says "labels": the start's words are not the call's."""
    (tmp_path / "train.py").write_text(BUILT_HERE.format(module="steps", function="step"))
    (tmp_path / "steps.py").write_text("def step(model, ids, y):\n    return model(input_ids=ids, label=y).loss\n")
    findings = _same_with_and_without_the_prefilter(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("steps.py", 2, "FL005")]


def test_a_model_is_followed_through_a_module_without_any_rule_s_words(tmp_path: Path) -> None:
    """train.py -> loop.py (no label, no Trainer, no transformers) -> steps.py: every hop is followed."""
    (tmp_path / "train.py").write_text(BUILT_HERE.format(module="loop", function="fit"))
    (tmp_path / "loop.py").write_text("from steps import step\n\n\ndef fit(model, ids, y):\n    return step(model, ids, y)\n")
    (tmp_path / "steps.py").write_text("def step(model, ids, y):\n    return model(input_ids=ids, label=y).loss\n")
    findings = _same_with_and_without_the_prefilter(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("steps.py", 2, "FL005")]


def test_a_model_returned_by_a_factory_is_followed_into_its_callers(tmp_path: Path) -> None:
    (tmp_path / "models.py").write_text(
        "from transformers import BertConfig, BertForSequenceClassification\n\n\n"
        "def build():\n"
        "    return BertForSequenceClassification(BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, vocab_size=50))\n"
    )
    (tmp_path / "train.py").write_text(
        "import torch\nfrom models import build\n\nmodel = build()\n"
        "print(model(input_ids=torch.randint(0, 50, (2, 5)), label=torch.tensor([0, 1])).loss)\n"
    )
    findings = _same_with_and_without_the_prefilter(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("train.py", 5, "FL005")]


NET = """\
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)
"""


def test_a_custom_model_is_followed_from_where_it_is_built_to_a_call_giving_it_labels(tmp_path: Path) -> None:
    """FL002: train.py builds a `Net` and never says labels; steps.py passes them."""
    (tmp_path / "model.py").write_text(NET)
    (tmp_path / "train.py").write_text("import torch\nfrom model import Net\nfrom steps import step\n\nprint(step(Net(), torch.randn(2, 4), torch.tensor([0, 1])))\n")
    (tmp_path / "steps.py").write_text("def step(model, x, y):\n    return model(x, labels=y)\n")
    findings = _same_with_and_without_the_prefilter(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("steps.py", 2, "FL002")]


def test_a_custom_model_built_by_a_factory_without_the_word_trainer_is_followed_to_its_trainer(tmp_path: Path) -> None:
    """FL003: factory.py returns a `Net` and never says Trainer; train.py hands it to one."""
    (tmp_path / "model.py").write_text(NET)
    (tmp_path / "factory.py").write_text("from model import Net\n\n\ndef build():\n    return Net()\n")
    (tmp_path / "train.py").write_text(
        "from transformers import Trainer, TrainingArguments\nfrom factory import build\n\n"
        'trainer = Trainer(model=build(), args=TrainingArguments(output_dir="out"))\n'
    )
    findings = _same_with_and_without_the_prefilter(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("train.py", 4, "FL003")]


CONFIG = "BertConfig(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32, vocab_size=50)"


@pytest.mark.parametrize(
    "built, call, code",
    [
        ("BertForSequenceClassification", "MODEL(input_ids=torch.randint(0, 50, (2, 5)), label=torch.tensor([0, 1]))", "FL005"),
        ("BertModel", "MODEL(input_ids=torch.randint(0, 50, (2, 5)), labels=torch.tensor([0, 1]))", "FL004"),
    ],
    ids=["label= on a head", "labels= on a base model"],
)
def test_a_module_global_holding_a_model_is_followed_into_the_modules_importing_it(tmp_path: Path, built: str, call: str, code: str) -> None:
    """models.py builds `MODEL` at its top level; a module that imports it, and never says
    transformers, calls it."""
    (tmp_path / "models.py").write_text(f"from transformers import BertConfig, {built}\n\nMODEL = {built}({CONFIG})\n")
    (tmp_path / "run.py").write_text(f"import torch\nfrom models import MODEL\n\nprint({call})\n")
    findings = _same_with_and_without_the_prefilter(tmp_path)
    assert [(Path(f.path).name, f.line, f.code) for f in findings] == [("run.py", 4, code)]


def test_a_model_built_in_one_module_reaches_a_trainer_over_a_label_less_dataset_in_another(tmp_path: Path) -> None:
    """FL009 alone selected: main.py builds the classifier; trainmod.py hides the label column."""
    (tmp_path / "main.py").write_text(
        "from transformers import AutoModelForSequenceClassification, DistilBertConfig\nfrom trainmod import fit\n\n"
        "model = AutoModelForSequenceClassification.from_config(DistilBertConfig(dim=16, n_layers=1, n_heads=2, hidden_dim=32, vocab_size=50))\n"
        "fit(model)\n"
    )
    (tmp_path / "trainmod.py").write_text(
        "from datasets import Dataset\nfrom transformers import Trainer, TrainingArguments\n\n\n"
        "def fit(model):\n"
        '    data = Dataset.from_dict({"input_ids": [[1, 2]], "attention_mask": [[1, 1]], "labels": [0]})\n'
        '    data.set_format(columns=["input_ids", "attention_mask"])\n'
        '    Trainer(model=model, args=TrainingArguments(output_dir="out"), train_dataset=data).train()\n'
    )
    findings = _same_with_and_without_the_prefilter(tmp_path, Options(rules=frozenset({"FL009"})))
    assert [(Path(f.path).name, f.code) for f in findings] == [("trainmod.py", "FL009")]


@pytest.mark.parametrize("seed", GENERATED_SEEDS)
def test_generated_programs_give_the_same_findings_and_fixes_with_the_prefilter_off(seed: int, tmp_path: Path) -> None:
    _same_with_and_without_the_prefilter(write_files(tmp_path, program_files(seed)))
