"""A fix in a large file touches a few of its statements: the shortcuts that work on those
alone give what the whole-file path gives.

* the parents of a file's nodes, recorded in one walk (``Layout.parents``), are LibCST's
  ``ParentNodeProvider``'s;
* rendering rebuilds only the top-level statements holding edits (``apply_edits(holding=...)``);
* the check for names a rewrite leaves unbound reads only the statements it changed while the
  module binds no less (``new_undefined_names``).

Each is held to its full path on every golden case (slow tier) and on shapes made to need the
full path."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from codemod.analysis.call_check import new_undefined_names
from codemod.cst.positions import Layout
from codemod.engine import run
from codemod.lazy_libcst import cst
from codemod.results import Mode
from tests.golden_cases import cases

CASES = cases()


def _parents_from_libcst(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    return dict(wrapper.resolve(cst.metadata.ParentNodeProvider))


TRICKY = '''\
import torch
@decorator(arg)
class Net(torch.nn.Module, metaclass=Meta):
    """doc"""
    def forward(self, x, *, labels=None, **kw):
        y = [a for a in x if a] + {k: v for k, v in kw.items()}
        match y:
            case [1, *rest] if rest: pass
            case {"a": b}: pass
        f = lambda q=1: q
        return f"{x!r:>{w}}" if labels is None else (yield from x)
a = 1; b = 2  # two statements on one line
'''


def test_parents_recorded_in_one_walk_are_libcst_s() -> None:
    module = cst.parse_module(TRICKY)
    assert Layout(module).parents == _parents_from_libcst(module)


def test_top_level_statements_of_nodes_climb_to_the_module_s_body() -> None:
    module = cst.parse_module(TRICKY)
    layout = Layout(module)
    net = module.body[1]
    deep = next(node for node in layout.parents if isinstance(node, cst.Lambda))
    assert layout.top_level_statements([deep]) == {net}
    assert layout.top_level_statements([net, module.body[-1]]) == {net, module.body[-1]}
    assert layout.top_level_statements([module]) is None
    assert layout.top_level_statements([cst.Name("elsewhere")]) is None


MOVED = """\
import numpy as np
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, labels):
        return nn.functional.cross_entropy(self.fc(x), labels)


def scale(v):
    return np.asarray(v) * 2
"""


@pytest.mark.parametrize(
    "new, expected",
    [
        (MOVED.replace("self.fc(x), labels", "x, labels"), []),
        # the rewritten statement reads `self` outside its class: found in the changed statement
        (MOVED + "\n\ndef step(x, y):\n    return self.fc(x)\n", [("self", 15)]),
        # the rewrite dropped an import an unchanged function reads: the module binds less
        (MOVED.replace("import numpy as np\n", ""), [("np", 10)]),
        # already unbound before, and still: not the rewrite's doing
        (MOVED.replace("return np.asarray(v) * 2", "return undefined_before(v)"), [("undefined_before", 11)]),
    ],
    ids=["nothing new", "a read in a changed statement", "an import dropped", "a new unbound read"],
)
def test_unbound_names_read_only_in_changed_statements_match_the_whole_file(new: str, expected: list[tuple[str, int]]) -> None:
    assert new_undefined_names(MOVED, new) == new_undefined_names(MOVED, new, whole=True) == expected


def test_unbound_names_already_read_before_the_rewrite_are_not_blamed_on_it() -> None:
    before = MOVED.replace("return np.asarray(v) * 2", "return undefined_before(v)")
    after = before.replace("self.fc(x), labels", "x, labels")
    assert new_undefined_names(before, after) == new_undefined_names(before, after, whole=True) == []


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden_fixes_are_the_same_without_the_large_file_shortcuts(case, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from codemod.pipeline import checks

    tree = tmp_path / "tree"
    shutil.copytree(case.before, tree)
    options = case.options()
    fast = run([tree], Mode.DIFF, options)
    for path in sorted(tree.rglob("*.py")):
        module = cst.parse_module(path.read_text(encoding="utf-8"))
        assert Layout(module).parents == _parents_from_libcst(module), path
    for change in fast.changes:
        old = change.path.read_text(encoding="utf-8") if change.path.suffix == ".py" else None
        if old is not None:
            assert new_undefined_names(old, change.new_text) == new_undefined_names(old, change.new_text, whole=True)
    monkeypatch.setattr(Layout, "top_level_statements", lambda self, nodes: None)
    monkeypatch.setattr(checks, "new_undefined_names", lambda old, new: new_undefined_names(old, new, whole=True))
    whole = run([tree], Mode.DIFF, replace(options))
    assert fast.errors == whole.errors
    assert fast.findings == whole.findings
    assert [(c.display_path, c.new_text) for c in fast.changes] == [(c.display_path, c.new_text) for c in whole.changes]
