"""One answer to "which names does this code bind?" (``codemod.cst.bindings``), and what it fixed:
a reader moved past a statement that changes the labels in place read other labels."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from codemod.cst.bindings import bound_names
from codemod.engine import run
from codemod.results import Mode, Options

FUNCTION = textwrap.dedent(
    """
    def f(a, b=1, *c, d, **e):
        x = 1
        y, (z, *w) = 2
        v: int = 3
        u += 1
        s.attr = 4
        t[0] = 5
        q.r += 1
        m.fill_(0)
        for i, j in k: pass
        with open(p) as fh: pass
        try: pass
        except E as err: pass
        import os.path
        import numpy as np
        from torch import nn, optim as opt
        def inner(g): h = 1
        class C: cc = 1
        lam = lambda l: l
        comp = [n for n in range(3) if (walrus := n)]
    """
)
PLAIN = {"x", "y", "z", "w", "v", "u", "i", "j", "fh", "err", "os", "np", "nn", "opt", "inner", "C", "lam", "comp", "walrus"}


def _function() -> cst.FunctionDef:
    node = cst.parse_module(FUNCTION).body[0]
    assert isinstance(node, cst.FunctionDef)
    return node


def test_every_binding_form_of_a_body() -> None:
    assert bound_names(_function().body) == PLAIN


def test_mutations_add_the_objects_changed_in_place() -> None:
    # A class body runs where it stands: what it binds or changes counts with mutations.
    assert bound_names(_function().body, mutations=True) == PLAIN | {"s", "t", "q", "m", "cc"}


def test_a_def_asked_about_as_a_statement_binds_its_name_only() -> None:
    """Flow asks statement by statement; a helper defined in forward binds the helper, not the
    names inside it (those are its own)."""
    inner = next(s for s in _function().body.body if isinstance(s, cst.FunctionDef))
    assert bound_names(inner) == {"inner"}
    assert bound_names(inner, params=True) == {"g", "h"}


def test_params_and_nested_scopes_widen_the_answer() -> None:
    assert bound_names(_function(), params=True) == PLAIN | {"a", "b", "c", "d", "e"}
    assert bound_names(_function(), params=True, nested=True) == PLAIN | {"a", "b", "c", "d", "e", "g", "h", "cc", "l"}


PROGRAM = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        loss = nn.functional.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


torch.manual_seed(0)
model = Net()
x, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 1, 0])
out = model(x, y)
y[0] = 2
print(out["loss"].item())
"""


def _rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "train.py").write_text(PROGRAM)
    monkeypatch.chdir(tmp_path)
    result = run([tmp_path], Mode.DIFF, Options(verify=False))
    assert [f.code for f in result.findings if f.fixed] == ["FL001"]
    return result.changes[0].new_text


def test_the_loss_is_computed_before_the_labels_change_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The call-site planner asked "is `y` rebound between the call and the reader?" with a rule
    that did not count `y[0] = 2`, and moved the loss below it."""
    text = _rewritten(tmp_path, monkeypatch)
    assert text.index("loss = nn.functional.cross_entropy(logits, y)") < text.index("y[0] = 2")


@pytest.mark.execution
def test_the_loss_printed_is_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True).stdout
    after = subprocess.run([sys.executable, "-c", _rewritten(tmp_path, monkeypatch)], capture_output=True, text=True, check=True).stdout
    assert before == after and before.strip()


HELPER_IN_FORWARD = """
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        def project(h):
            logits = self.fc(h)
            return logits

        logits = project(x)
        loss = F.cross_entropy(logits, labels)
        return loss, logits


torch.manual_seed(0)
model = Net()
x, y = torch.randn(5, 4), torch.tensor([0, 1, 2, 1, 0])
loss, logits = model(x, y)
print(loss.item(), logits.sum().item())
"""


def _helper_rewritten(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "train.py").write_text(HELPER_IN_FORWARD)
    monkeypatch.chdir(tmp_path)
    result = run([tmp_path], Mode.DIFF, Options(verify=False))
    assert [f.code for f in result.findings if f.fixed] == ["FL001"]
    return result.changes[0].new_text


def test_a_helper_defined_in_forward_keeps_the_line_that_calls_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The names the helper assigns are its own: `logits = project(x)` is forward's prediction
    and stays (a review found the first shared visitor dropping it)."""
    text = _helper_rewritten(tmp_path, monkeypatch)
    assert "        logits = project(x)\n        return logits\n" in text


@pytest.mark.execution
def test_a_helper_defined_in_forward_prints_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = subprocess.run([sys.executable, "-c", HELPER_IN_FORWARD], capture_output=True, text=True, check=True).stdout
    after = subprocess.run([sys.executable, "-c", _helper_rewritten(tmp_path, monkeypatch)], capture_output=True, text=True, check=True).stdout
    assert before == after and before.strip()
