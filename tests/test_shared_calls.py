"""One call, several classes: ``fit(model)`` given a ``ConvNet`` and a ``LinearNet`` is rewritten
once, for both, when their fixes rewrite it alike; the two fixes then land together or not at
all, whatever path is named and whichever step refuses one of them."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from codemod.engine import run
from codemod.results import Finding, Mode, Options
from codemod.pipeline.run import _refuse_partners
from codemod.rules.common import Unit
from codemod.vocabulary import Refusal

MODEL = """
import torch.nn as nn
import torch.nn.functional as F


class {name}(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x, labels):
        logits = self.fc(x)
        return F.cross_entropy(logits, labels{extra}), logits
"""

TRAIN = """
import torch
from conv import ConvNet
from linear import LinearNet


def fit(model, x, y):
    loss, logits = model(x, y)
    loss.backward()
    print(f"loss {loss.item():.6f}")


x, y = torch.randn(5, 4), torch.randint(0, 3, (5,))
fit(ConvNet(), x, y)
fit(LinearNet(), x, y)
"""


def _project(root: Path, linear_extra: str = "") -> Path:
    root.mkdir()
    (root / "conv.py").write_text(textwrap.dedent(MODEL.format(name="ConvNet", extra="")), encoding="utf-8")
    (root / "linear.py").write_text(textwrap.dedent(MODEL.format(name="LinearNet", extra=linear_extra)), encoding="utf-8")
    (root / "train.py").write_text(textwrap.dedent(TRAIN), encoding="utf-8")
    return root


def _run(root: Path, named: str, mode: Mode = Mode.DIFF):  # type: ignore[no-untyped-def]
    previous = Path.cwd()
    os.chdir(root)
    try:
        return run([Path(named)], mode, Options(verify=False))
    finally:
        os.chdir(previous)


def test_naming_one_model_file_fixes_the_other_class_sharing_its_call(tmp_path: Path) -> None:
    result = _run(_project(tmp_path / "p"), "conv.py")
    assert [f.path for f in result.findings] == ["conv.py", "linear.py"]
    assert all(f.fixed for f in result.findings)
    assert sorted(c.display_path for c in result.changes) == ["conv.py", "linear.py", "train.py"]
    train = next(c for c in result.changes if c.display_path == "train.py").new_text
    assert train.count("F.cross_entropy(logits, y)") == 1, "the shared call is rewritten once"


def test_classes_whose_losses_differ_leave_the_shared_call_and_every_file_alone(tmp_path: Path) -> None:
    result = _run(_project(tmp_path / "p", linear_extra=", reduction='sum'"), ".")
    assert result.changes == ()
    assert len(result.findings) == 2
    for finding in result.findings:
        assert finding.refusal is not None and "whose losses move out of forward differently" in finding.refusal
        assert "train.py:8" in finding.refusal


def test_a_fix_sharing_a_call_with_a_fix_refused_later_is_refused_with_it() -> None:
    first, second, third = (Unit(Finding(f"m{n}.py", 1, 1, "FL001", "m")) for n in range(3))
    first.lands_with, second.lands_with = [second], [first, third]
    third.lands_with = [second]
    first.refusal = Refusal("the check found another value")
    _refuse_partners([first, second, third])
    assert second.refusal is not None and "m0.py:1, which is refused: the check found another value" in second.refusal.text
    assert third.refusal is not None and "m1.py:1" in third.refusal.text
