"""The independent check (``codemod.verify``) earns its keep: for each way the planner has been
seen to rewrite wrongly, the planner is made to make that mistake again (monkeypatched), and
the check must refuse the fix, at the place the numbers would change. Without the check the
same run would write the wrong rewrite: each test shows that too, so none passes vacuously.

Also: the check accepts every golden rewrite, and catches edits that change what a program
computes (a mutation of each rewritten line that is not equivalent)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Iterator

import pytest

import codemod.analysis.callsites as callsites
import codemod.pipeline.run as pipeline_run
import codemod.rules.fl001_loss_in_forward as fl001
import codemod.rules.labelless as labelless
from codemod.analysis.dict_flow import LabelsAtCall
from codemod.engine import run
from codemod.registry import select_rules
from codemod.results import Mode, Options, RunResult
from codemod.verify.project import check_rewrite
from tests.golden_cases import GOLDEN, case_folders

OPTIONS = Options(rules=select_rules(["ALL"], []), verify=False)

NET = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)
"""


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return tmp_path


def _run(tree: Path) -> RunResult:
    previous = Path.cwd()
    os.chdir(tree)
    try:
        return run([Path(".")], Mode.DIFF, OPTIONS)
    finally:
        os.chdir(previous)


def _refusals(result: RunResult) -> list[str]:
    return [f.refusal or "" for f in result.findings if f.refusal]


@pytest.fixture
def without_the_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the planner alone would write."""
    monkeypatch.setattr(pipeline_run, "same_numbers", lambda *args, **kwargs: [])
    yield


def _line_of(tree: Path, name: str, marker: str) -> str:
    lines = (tree / name).read_text(encoding="utf-8").splitlines()
    return f"{name}:{next(i for i, line in enumerate(lines, start=1) if marker in line)}"


def _refused_at(tree: Path, location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check refuses, naming ``location`` (``path:line``); and without it the bug would be
    written."""
    checked = _run(tree)
    assert not checked.changes, [c.display_path for c in checked.changes]
    assert any(location in reason for reason in _refusals(checked)), _refusals(checked)
    monkeypatch.setattr(pipeline_run, "same_numbers", lambda *args, **kwargs: [])
    unchecked = _run(tree)
    assert unchecked.changes, "the injected planner bug must produce a rewrite, else the test proves nothing"


REASSIGNED = {
    "train.py": NET
    + """
    def forward(self, x, labels=None):
        logits = self.fc(x)
        logits = torch.tanh(logits)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


torch.manual_seed(0)
model = Net()
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
out = model(x, y)
print(out["loss"].item(), out["logits"].sum().item())
"""
}


def test_a_name_reassigned_before_the_loss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mechanism 1: the new forward loses ``logits = torch.tanh(logits)`` (the planner took the
    first `logits` for the value it returns), and the loss moves onto the wrong value."""
    real = labelless.two_path_forward

    def drop_the_reassignment(*args, **kwargs):  # type: ignore[no-untyped-def]
        rewritten, labelless_calls, shape = real(*args, **kwargs)
        body = [s for s in rewritten.body.body if "tanh" not in labelless.code_of(s)]
        return rewritten.with_changes(body=rewritten.body.with_changes(body=body)), labelless_calls, shape

    monkeypatch.setattr(labelless, "two_path_forward", drop_the_reassignment)
    tree = _tree(tmp_path, REASSIGNED)
    _refused_at(tree, _line_of(tree, "train.py", "print(out"), monkeypatch)


SERVING = {
    "model.py": NET
    + """
    def forward(self, x, labels):
        logits = self.fc(x)
        return {"loss": F.cross_entropy(logits, labels), "logits": logits}
""",
    "serve.py": """
def predict_fn(model, batch):
    return model(**batch)["logits"]
""",
    "train.py": """
import torch
from model import Net

torch.manual_seed(0)
model = Net()
out = model(torch.randn(8, 4), torch.randint(0, 3, (8,)))
print(out["loss"].item())
""",
}


def test_an_untraced_parameter_taken_for_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mechanism 2: the planner ignores the call through ``predict_fn``'s parameter, which
    nothing visibly passes a model to (the serving framework does); the check refuses there."""
    monkeypatch.setattr(fl001, "inferred_sites", lambda ctx, plans: {})
    tree = _tree(tmp_path, SERVING)
    _refused_at(tree, _line_of(tree, "serve.py", "model(**batch)"), monkeypatch)


GLOBAL_ELSEWHERE = {
    "model.py": NET
    + """
    def forward(self, x, labels):
        logits = self.fc(x)
        return {"loss": F.cross_entropy(logits, labels), "logits": logits}


torch.manual_seed(0)
try:
    MODEL = Net()
except ImportError:
    MODEL = None
""",
    "train.py": """
import torch
from model import MODEL


def scores(x, y):
    return MODEL(x, y)["logits"]


x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
print(scores(x, y).sum().item())
""",
}


def test_an_instance_behind_a_binding_the_flow_does_not_follow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mechanism 3: the call-site finder does not read ``from model import MODEL`` (a global
    built under ``try:``), so ``MODEL(x, y)["logits"]`` keeps the old return shape."""
    monkeypatch.setattr(callsites.CallSiteFinder, "module_global", lambda self, module, name: None)
    tree = _tree(tmp_path, GLOBAL_ELSEWHERE)
    _refused_at(tree, _line_of(tree, "train.py", 'MODEL(x, y)["logits"]'), monkeypatch)


POPPED = {
    "train.py": NET
    + """
    def forward(self, x, labels=None):
        logits = self.fc(x)
        if labels is not None:
            return (F.cross_entropy(logits, labels), logits)
        return (logits,)


torch.manual_seed(0)
model = Net()
batch = {"x": torch.randn(8, 4), "labels": torch.randint(0, 3, (8,))}
loss = model(**batch)[0]
b = dict(batch)
b.pop("labels")
first = model(**b)[0]
print(loss.item(), first.sum().item())
"""
}


def test_a_dict_that_loses_its_labels_before_the_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mechanism 4: the planner reads ``b`` as the dict literal it was copied from, labels and
    all, and moves the loss into a call that passes none (``[0]`` was the prediction there)."""
    monkeypatch.setattr(callsites, "labels_at", lambda call, name, body: LabelsAtCall.AS_BOUND)
    tree = _tree(tmp_path, POPPED)
    _refused_at(tree, _line_of(tree, "train.py", "first = model(**b)[0]"), monkeypatch)


RUNNER_RESTORED = {
    "model.py": NET
    + """
    def forward(self, x, labels):
        logits = self.fc(x)
        return F.cross_entropy(logits, labels), logits
""",
    "train.py": """
import torch
from model import Net


class Runner:
    def __init__(self, model):
        self.model = model

    def fit(self, x, y):
        loss, logits = self.model(x, y)
        return loss.item()


torch.manual_seed(0)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
runner = Runner(Net())
print(runner.fit(x, y))
torch.save(runner, "runner.pt")
restored = torch.load("runner.pt", weights_only=False)
print(restored.fit(x, y))
""",
}


def test_a_method_run_on_an_instance_the_check_cannot_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Runner.fit`` is evaluated where it is called, on the instance and arguments given (its
    own parameters say nothing of the labels). ``restored.fit(...)`` runs it on what
    ``torch.load`` returned: a Runner holding who knows what, so the check refuses there. The
    planner rewrites it: it follows the model into ``self.model`` from ``Runner(Net())``."""
    tree = _tree(tmp_path, RUNNER_RESTORED)
    _refused_at(tree, _line_of(tree, "train.py", "print(restored.fit"), monkeypatch)


def test_a_method_called_inside_a_lambda_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Runner.fit`` is evaluated only where it is called; a call inside a lambda is an
    expression the check does not evaluate, so that run of ``fit`` would go unseen: refused."""
    files = dict(RUNNER_RESTORED)
    files["train.py"] = files["train.py"].split("torch.save")[0] + "again = lambda: runner.fit(x, y)\nprint(again())\n"
    tree = _tree(tmp_path, files)
    _refused_at(tree, _line_of(tree, "train.py", "again = lambda"), monkeypatch)


def test_a_method_evaluated_at_its_call_sees_the_arguments(tmp_path: Path) -> None:
    """Without the restored instance, the same program is rewritten: the check evaluated
    ``fit`` at ``runner.fit(x, y)``, where ``y`` is a tensor, not a parameter that may be None."""
    files = dict(RUNNER_RESTORED)
    files["train.py"] = files["train.py"].split("torch.save")[0]
    result = _run(_tree(tmp_path, files))
    assert not _refusals(result) and {c.display_path for c in result.changes} == {"model.py", "train.py"}


IN_A_LIST = {
    "train.py": NET
    + """
    def forward(self, x, labels=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


class Wide(Net):
    pass


torch.manual_seed(0)
models = [Wide()]
models.append(Wide())
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
out = models[0](x, y)
print(out["loss"].item())
"""
}


def test_a_model_called_out_of_a_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mechanism 5: the planner misses that ``Wide()`` went into a list (its constructions are
    not checked), and leaves ``models[0](x, y)`` as it was. The check does not pick elements
    out of a list something changes (``append``), so a call of one that holds a rewritten
    model refuses."""
    monkeypatch.setattr(callsites._ModuleWalk, "check_constructions", lambda self, nodes, returns_followed=False, scope=None: None)
    tree = _tree(tmp_path, IN_A_LIST)
    _refused_at(tree, _line_of(tree, "train.py", "out = models[0](x, y)"), monkeypatch)


PRETRAINED_INSIDE = {
    "train.py": """
import torch.nn as nn
import torch.nn.functional as F
from transformers import BertModel


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.bert = BertModel.from_pretrained("bert-base-uncased")
        self.fc = nn.Linear(768, 2)

    def forward(self, ids, labels=None):
        logits = self.fc(self.bert(ids)[1])
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return loss, logits

    def step(self, batch):
        loss, logits = self(batch["ids"], batch["labels"])
        return loss
"""
}


def test_a_library_model_built_by_from_pretrained_is_known_not_to_be_ours(tmp_path: Path) -> None:
    """``self.bert = BertModel.from_pretrained(...)`` holds a library model: calling it is not a
    call of something untraced. Taken for one, each trial of the rewritten forward called it
    again, until Python's stack ran out and the fix was refused as "too deep to evaluate"."""
    result = _run(_tree(tmp_path, PRETRAINED_INSIDE))
    assert not _refusals(result), _refusals(result)
    assert [c.display_path for c in result.changes] == ["train.py"]


def _golden_rewrites() -> list[tuple[str, dict[Path, tuple[str, str, str]]]]:
    found = []
    for case in case_folders():
        before, after = case / "before", case / "after"
        if not after.is_dir():
            continue
        files = {}
        for path in sorted(before.rglob("*.py")):
            relative = path.relative_to(before)
            new = after / relative
            files[path] = (relative.as_posix(), path.read_text(encoding="utf-8"), new.read_text(encoding="utf-8") if new.exists() else path.read_text(encoding="utf-8"))
        found.append((case.relative_to(GOLDEN).as_posix(), files))
    return found


@pytest.mark.parametrize("name,files", _golden_rewrites(), ids=[name for name, _ in _golden_rewrites()])
def test_every_golden_rewrite_computes_the_same(name: str, files: dict[Path, tuple[str, str, str]]) -> None:
    assert check_rewrite(files) == []


def test_a_loss_moved_onto_other_labels_is_refused() -> None:
    """The check compares values, not shapes: the rewrite of the seed example with the moved
    loss reading `input_ids` for `labels` binds, compiles and imports, and is refused."""
    before = GOLDEN / "seed_example" / "before" / "train.py"
    after = (GOLDEN / "seed_example" / "after" / "train.py").read_text(encoding="utf-8")
    assert "criterion(logits, labels)" in after
    wrong = after.replace("criterion(logits, labels)", "criterion(logits, labels.flip(0))")
    found = check_rewrite({before: ("train.py", before.read_text(encoding="utf-8"), wrong)})
    assert [m.display_path for m in found] == ["train.py"]


def test_a_loss_computed_after_the_optimizer_step_is_refused() -> None:
    """The same expression computed after ``optimizer.step()`` reads other weights: a print of
    the loss that calls the model again below the step is another number."""
    before = GOLDEN / "seed_example" / "before" / "train.py"
    after = (GOLDEN / "seed_example" / "after" / "train.py").read_text(encoding="utf-8")
    assert "{loss.item():.6f}" in after
    late = after.replace("{loss.item():.6f}", "{criterion(model(input_ids, attention_mask), labels).item():.6f}")
    found = check_rewrite({before: ("train.py", before.read_text(encoding="utf-8"), late)})
    assert [m.display_path for m in found] == ["train.py"]


PROBS_AFTER_THE_STEP = {
    "train.py": NET
    + """
    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)
        probs = logits.softmax(-1)
        return {"probs": probs, "loss": loss}


torch.manual_seed(0)
model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
for step in range(2):
    optimizer.zero_grad()
    out = model(x, y)
    out["loss"].backward()
    optimizer.step()
    print(out["loss"].item(), out["probs"].clamp(-1.0, 1.0).sum().item())
"""
}


def test_a_prediction_computed_after_the_optimizer_step(tmp_path: Path) -> None:
    """``logits.softmax(-1)`` now runs after ``optimizer.step()``: the step changes parameters,
    not that tensor, so the numbers are the same and the rewrite is made."""
    result = _run(_tree(tmp_path, PROBS_AFTER_THE_STEP))
    assert not _refusals(result), _refusals(result)
    assert "logits.softmax(-1).clamp(-1.0, 1.0)" in result.changes[0].new_text


MOVED_BELOW = """
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x{labels}):
        logits = self.fc(x)
{body}

model = Net()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
{calls}
"""
OLD_FORWARD = "        loss = F.cross_entropy(logits, labels)\n        return loss, logits\n"
OLD_CALLS = "loss, logits = model(x, y)\np = logits.softmax(-1)\n{between}\nprint(loss.item(), p.sum().item())"
NEW_CALLS = "logits = model(x)\nloss = F.cross_entropy(logits, y)\n{between}\nprint(loss.item(), logits.softmax(-1).sum().item())"


@pytest.mark.parametrize(
    "between,same",
    [
        ("optimizer.step()", True),
        ("print(loss.item())", True),
        ("logits.mul_(2)", False),
        ("torch.nn.init.zeros_(logits)", False),
        ("_ = logits.mul_(2)", False),
        ("print(logits.mul_(2).sum())", False),
    ],
)
def test_a_prediction_computed_later_is_the_same_only_if_nothing_changed_its_data(between: str, same: bool) -> None:
    """A softmax moved below ``optimizer.step()`` computes the same; moved below an in-place
    change of the tensor, or a call the check cannot see into, it may not."""
    before = MOVED_BELOW.format(labels=", labels", body=OLD_FORWARD, calls=OLD_CALLS.format(between=between))
    after = MOVED_BELOW.format(labels="", body="        return logits\n", calls=NEW_CALLS.format(between=between))
    mismatches = check_rewrite({Path("train.py"): ("train.py", before, after)})
    assert (mismatches == []) is same, mismatches


DATA_PARALLEL_MAYBE = {
    "train.py": NET
    + """
        self.criterion = nn.CrossEntropyLoss()

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = self.criterion(logits, labels)
        return loss, logits


torch.manual_seed(0)
model = Net()
model = nn.DataParallel(model)
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
loss, logits = model(x, y)
print(loss.item(), logits.sum().item())
"""
}


def test_a_criterion_reached_through_getattr_module(tmp_path: Path) -> None:
    """``getattr(model, "module", model).criterion`` on a DataParallel is the model's criterion."""
    result = _run(_tree(tmp_path, DATA_PARALLEL_MAYBE))
    assert not _refusals(result), _refusals(result)
    assert "getattr(model, \"module\", model).criterion(logits, y)" in result.changes[0].new_text


CHANGED_LIST = {
    "train.py": NET
    + """
    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)
        return loss, logits


class Other(nn.Module):
    def forward(self, x, labels):
        return x.sum() * 0 + labels.float().mean(), x


torch.manual_seed(0)
models = [Net()]
models.insert(0, Other())
x = torch.randn(8, 4)
y = torch.randint(0, 3, (8,))
loss, logits = models[0](x, y)
print(loss.item(), logits.sum().item())
"""
}


def test_a_list_changed_after_its_display(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The injected bug: the planner takes ``models[0]`` for the ``Net`` of the display though
    ``insert`` put another model first. The check reads a list's items off its display only
    when nothing in the module changes it."""
    monkeypatch.setattr(callsites._ModuleWalk, "read_by_key_only", lambda self: {"models"})
    tree = _tree(tmp_path, CHANGED_LIST)
    _refused_at(tree, _line_of(tree, "train.py", "= models[0](x, y)"), monkeypatch)


def test_a_value_of_an_unfamiliar_shape_is_not_fresh() -> None:
    """``values.fresh`` met a tuple of values inside an operator (reach #15 crashed the check on
    it, refusing a rewrite that is exact): what it does not know, it does not vouch for."""
    from codemod.verify import values as v

    linear = ("call", ("call", ("free", "torch.nn.Linear"), (("const", "4"), ("const", "3")), (), None), (("free", "x"),), (), 2)
    assert v.fresh(linear)
    odd = ("call", ("attr", linear, "permute"), (("op", "Tuple", (("const", "1"), ("const", "0"))),), (), 2)
    assert not v.fresh(odd)
    assert not v.fresh(("call", ("free", "f"), ((),), (), 2))


OPTIONAL_LABELS_NET = NET + '''

    def forward(self, x, labels=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return loss, logits
'''

LOOP_REBINDS_LABELS = OPTIONAL_LABELS_NET + '''

def fit(model, x, labels):
    for step in range(2):
        batch = {"x": x, "labels": labels}
        labels = {rebind}
        loss, logits = model(**batch, labels=labels)
        loss.backward()


fit(Net(), torch.randn(3, 4), torch.tensor([0, 1, 2]))
'''


def test_labels_a_loop_rebinds_to_what_they_were_are_never_none_on_any_turn(tmp_path: Path) -> None:
    # Turn one gets the caller's labels; each turn then binds them to what the last one had:
    # by induction never None, so the loss moves out unconditionally.
    tree = _tree(tmp_path, {"train.py": LOOP_REBINDS_LABELS.replace("{rebind}", 'batch.pop("labels")')})
    result = _run(tree)
    assert _refusals(result) == []
    assert [f.fixed for f in result.findings] == [True]


def test_labels_a_loop_may_rebind_to_none_are_refused_at_the_loop(tmp_path: Path) -> None:
    # Turn two calls forward with None: it computed no loss, and only the logits are read, so
    # the program ran; moving the loss out would compute one of None labels.
    program = OPTIONAL_LABELS_NET + """

def fit(model, x, labels):
    for step in range(2):
        loss, logits = model(x, labels=labels)
        print(logits.sum().item())
        labels = labels if step == 0 else None


fit(Net(), torch.randn(3, 4), torch.tensor([0, 1, 2]))
"""
    tree = _tree(tmp_path, {"train.py": program})
    (refusal,) = _refusals(_run(tree))
    assert "`labels` is assigned in this loop a value that may be None" in refusal
    assert _line_of(tree, "train.py", "for step in range(2)") in refusal


def test_a_random_draw_the_rewrite_drops_under_a_main_guard_is_named_as_one(tmp_path: Path) -> None:
    # Only the logits of the second call are read: its loss, and the dropout inside it, go; the
    # draws after it would change. Said as such, though the body runs under `if __name__`.
    program = NET + """
        self.drop = nn.Dropout(0.5)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = F.cross_entropy(self.drop(logits), labels)
        return loss, logits


if __name__ == "__main__":
    model = Net()
    x, y = torch.randn(3, 4), torch.tensor([0, 1, 2])
    loss, logits = model(x, y)
    print(loss.item())
    _, logits = model(x, y)
    print(logits.sum().item(), torch.rand(1).item())
"""
    tree = _tree(tmp_path, {"train.py": program})
    (refusal,) = _refusals(_run(tree))
    assert refusal.startswith("after the rewrite a random draw here (dropout, a sampling call) would no longer run in the same order")


def _trainer_case_files(edit_after: tuple[str, str] = ("", "")) -> dict[Path, tuple[str, str, str]]:
    case = GOLDEN / "project_trainer_subclass_beside_an_evaluation_loop"
    files: dict[Path, tuple[str, str, str]] = {}
    for before in sorted((case / "before").glob("*.py")):
        after = case / "after" / before.name
        old = before.read_text(encoding="utf-8")
        new = after.read_text(encoding="utf-8") if after.exists() else old
        files[Path(before.name)] = (before.name, old, new.replace(*edit_after) if edit_after[0] else new)
    return files


def test_the_trainer_subclass_the_fix_adds_stands_in_for_its_base_and_nothing_else() -> None:
    assert check_rewrite(_trainer_case_files()) == []
    # The same subclass doing one more thing is compared as itself: the scope now differs.
    busier = _trainer_case_files(("        return (loss, outputs) if return_outputs else loss\n",
                                  "        return (loss, outputs) if return_outputs else loss\n\n    def log(self, logs, *args):\n        pass\n"))
    assert [m.display_path for m in check_rewrite(busier)] == ["train.py"]
    # `label_names` other than what Trainer assumed of a forward taking `labels` is a change.
    renamed = _trainer_case_files(('label_names=["labels"]', 'label_names=["scores"]'))
    assert [m.display_path for m in check_rewrite(renamed)] == ["train.py"]


def test_a_call_that_no_longer_binds_inside_a_function_of_another_module_is_placed_in_that_module(tmp_path: Path) -> None:
    """``step`` of tools/steps.py runs ``return model(x, y)``, inlined where train.py calls it.
    The difference is on line 2 of tools/steps.py: read from the ``return``, it was once placed
    on line 2 of train.py (an import)."""
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "__init__.py").write_text("")
    steps = "def step(model, x, y):\n    return model(x, y)\n"
    (tmp_path / "tools" / "steps.py").write_text(steps)
    train = textwrap.dedent(
        """\
        import torch
        from torch import nn
        from tools.steps import step


        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def forward(self, x, labels):
                return nn.functional.cross_entropy(self.fc(x), labels)


        print(step(Net(), torch.randn(3, 4), torch.tensor([0, 1, 0])))
        """
    )
    (tmp_path / "train.py").write_text(train)
    moved = train.replace("def forward(self, x, labels):\n        return nn.functional.cross_entropy(self.fc(x), labels)", "def forward(self, x):\n        return self.fc(x)")
    assert moved != train
    files = {
        tmp_path / "train.py": ("train.py", train, moved),
        tmp_path / "tools" / "__init__.py": ("tools/__init__.py", "", ""),
        tmp_path / "tools" / "steps.py": ("tools/steps.py", steps, steps),
    }
    assert [(m.display_path, m.line) for m in check_rewrite(files)] == [("tools/steps.py", 2)]
