"""The reasons reading ``forward`` refuses for come from one catalogue (``codemod.reasons``): each
example there is refused with its reason and no other, the reader makes no refusal outside it, and
``fixlabels explain`` lists it."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from codemod.engine import run
from codemod.reasons import ForwardReason, documented, matching
from codemod.registry import RULES, documentation
from codemod.results import Mode, Options
from codemod.vocabulary import Location, Refusal

REPO = Path(__file__).resolve().parent.parent
READER = REPO / "codemod" / "analysis"

HEAD = """\
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)
        self.aux = nn.Linear(4, 2)

"""
CALLS = """

model = Net()
x, y = torch.randn(3, 4), torch.tensor([0, 1, 1])
out = model(x, y)
"""


def _program(reason: ForwardReason) -> str:
    example = reason.value.example
    calls = CALLS + ("pred = model(x)\n" if "=None" in example.splitlines()[0] else "")
    return HEAD + textwrap.indent(example, "    ") + calls


@pytest.mark.parametrize("reason", list(ForwardReason), ids=[r.name for r in ForwardReason])
def test_each_reason_is_what_its_example_is_refused_for(reason: ForwardReason, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "example.py").write_text(_program(reason))
    monkeypatch.chdir(tmp_path)
    result = run([tmp_path], Mode.DIFF, Options(rules=frozenset({"FL001", "FL101"}), verify=False))
    assert not result.errors and not result.changes
    found = [f for f in result.findings if f.code in {"FL001", "FL101"}]
    assert found, "the example is a finding"
    for finding in found:
        assert finding.refusal is not None
        assert matching(finding.refusal) is reason, finding.refusal


def test_the_reader_refuses_only_for_catalogued_reasons() -> None:
    """A ``Refusal(...)`` built from a string in the reader would be a reason nobody documented."""
    built = []
    for path in sorted(READER.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Refusal":
                built.append(f"{path.name}:{node.lineno}")
    assert built == []
    used = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "codemod").rglob("*.py") if p.name != "reasons.py")
    assert [r.name for r in ForwardReason if f"ForwardReason.{r.name}" not in used] == [], "a reason nothing refuses for"


def test_explain_lists_every_reason_for_the_rules_that_read_forward() -> None:
    readers = [code for code, rule in RULES.items() if rule.reads_forward]
    assert readers == ["FL001", "FL101"]
    for code in readers:
        doc = documentation(code)
        assert all(documented(reason) in doc for reason in ForwardReason)
    assert documented(ForwardReason.SEVERAL_CRITERIA) not in documentation("FL002")


def test_a_refusal_keeps_its_reason_when_it_is_placed() -> None:
    refusal = Refusal.of(ForwardReason.LOSS_READS_TWICE, name="ce")
    assert refusal.reason == "the loss reads `ce` more than once" and refusal.kind is ForwardReason.LOSS_READS_TWICE
    placed = refusal.located(Location("train.py", 3))
    assert placed.kind is ForwardReason.LOSS_READS_TWICE and placed.text == "the loss reads `ce` more than once (train.py:3)"


def test_no_message_is_read_as_another() -> None:
    for reason in ForwardReason:
        assert matching(reason.text(**{name: "v" for name in reason.fields})) is reason
