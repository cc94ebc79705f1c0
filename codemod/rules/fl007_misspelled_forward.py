"""FL007: ``forward`` is misspelled, so the module has none.

What it finds
-------------
A custom ``nn.Module`` with no ``forward`` anywhere in its known bases and one method one edit
away from the name (a letter missing, added, changed, or two swapped: ``farward``, ``foward``),
or whose ``def forward`` is written inside another method (``__init__``'s last lines, indented
one level too deep).

Why
---
``nn.Module.__call__`` runs ``forward``; a module that defines ``farward`` instead inherits the
placeholder, and the first call fails with ``_forward_unimplemented() got an unexpected keyword
argument 'labels'`` (or ``NotImplementedError``). The method is renamed; a nested ``forward`` is
moved out to the class.

Example
-------
::

    class Net(nn.Module):                   class Net(nn.Module):
        def farward(self, x, labels=None):      def forward(self, x, labels=None):

When it refuses
---------------
When anything in the project uses the misspelled name elsewhere (``model.farward(x)``): reported
alone, to be renamed by hand. A nested ``forward`` stays where it is when it reads names of the
method around it (it would lose them at class level), when that method uses it, or when it does
not take ``self``.
"""

from __future__ import annotations

import re
from typing import Callable, Optional

from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
from codemod.results import Finding
from codemod.cst.bindings import bound_names
from codemod.cst.nodes import named_params, names_in, single_name_target
from codemod.lazy_libcst import cst
from codemod.rules.common import RuleContext, Unit, classes_named, find_method
from codemod.rules.spec import Example, Fix, Rule
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import Refusal

RULE = Rule(
    code="FL007",
    name="misspelled-forward",
    summary="an nn.Module has no forward but a method one edit away from it (`farward`)",
    fix=Fix.REPAIR,
)
CODE = RULE.code
TARGET = "forward"
NESTED_FORWARD = re.compile(r"^(?: {8,}|\t{2,})def forward\(\s*self\b", re.MULTILINE)


def one_edit_away(word: str, target: str = TARGET) -> bool:
    """Damerau-Levenshtein distance exactly 1 (case counts as an edit)."""
    if word == target:
        return False
    if len(word) == len(target):
        diffs = [i for i, (a, b) in enumerate(zip(word, target)) if a != b]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and word[diffs[0]] == target[diffs[1]] and word[diffs[1]] == target[diffs[0]]
    shorter, longer = sorted((word, target), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _misspelling(index: RepoIndex, key: ClassKey) -> Optional[str]:
    if index.forward_owner(key) is not None:
        return None
    candidates = sorted(name for name in index.summary(key).method_names if one_edit_away(name))
    return candidates[0] if len(candidates) == 1 else None


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """A misspelled forward needs no call sites. A nested one does: it is moved out only for a
    module the project calls (dead code, like a test helper never run, is left alone); so the
    modules that name a class holding one are walked."""
    holders = frozenset(
        key.name for key in index.module_classes()
        if index.forward_owner(key) is None and NESTED_FORWARD.search(index.module_of(key).text)
    )
    return lambda module: bool(holders) and not holders.isdisjoint(module.identifiers)


def _nested_forward(tree: cst.Module, class_name: str) -> Optional[tuple[cst.FunctionDef, cst.FunctionDef]]:
    """(method, nested) for a ``def forward(self, ...)`` written inside a method of the class
    (``__init__``'s last lines, indented one level too deep)."""
    found = []
    for cls in classes_named(tree, class_name):
        for method in cls.body.body:
            if not isinstance(method, cst.FunctionDef):
                continue
            for statement in method.body.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == TARGET:
                    found.append((method, statement))
    return found[0] if len(found) == 1 else None


def _assigns_forward(tree: cst.Module, class_name: str) -> bool:
    """Does the class bind ``forward`` by assignment (``forward = _impl``)?"""
    for cls in classes_named(tree, class_name):
        for statement in cls.body.body:
            target = single_name_target(statement)
            if target is not None and target[0] == TARGET:
                return True
    return False


def _nested_unit(ctx: RuleContext, key: ClassKey) -> Optional[Unit]:
    """A ``forward`` nested in a method: moved out to the class, where ``nn.Module`` looks."""
    module = ctx.index.module_of(key)
    # A method's own lines are indented once inside its class; a nested def at least twice.
    if "def forward" not in module.text or not NESTED_FORWARD.search(module.text):
        return None
    tree = ctx.parse(module.path)
    nested = _nested_forward(tree, key.name) if tree is not None else None
    if nested is None:
        return None
    method, forward = nested
    assert tree is not None  # the nested forward was read from it
    if not ctx.graph.sites_for(key) or _assigns_forward(tree, key.name):
        return None  # never called, or `forward = _impl` at class level: its forward is not missing
    summary = ctx.index.summary(key)
    message = f"`{key.name}` has no `forward`: its `def forward` is inside `{key.name}.{method.name.value}`, indented one level too deep"
    unit = Unit(Finding(module.display_path, summary.line, summary.column + 1, CODE, message))
    params = forward.params.params
    # What the method binds would be lost to a forward moved out of it (a closure).
    # Defaults and decorators are evaluated in the method, whatever forward's own names are.
    evaluated_there = set().union(*(names_in(p.default) for p in named_params(forward) if p.default is not None), *(names_in(d) for d in forward.decorators))
    inside = names_in(forward.body) - bound_names(forward, params=True, nested=True)
    captured = sorted(((inside | evaluated_there) - {TARGET}) & bound_names(method, params=True))
    rest = [statement for statement in method.body.body if statement is not forward]
    if not params or params[0].name.value != "self":
        unit.refusal = Refusal("the nested `forward` does not take `self`")
    elif captured:
        unit.refusal = Refusal(f"the nested `forward` reads `{captured[0]}` of `{method.name.value}`, which it would lose at class level")
    elif not rest or any(TARGET in names_in(statement) for statement in rest):
        unit.refusal = Refusal(f"`{method.name.value}` uses its nested `forward`")
    else:
        edits = FileEdits()
        edits.replace[method] = [method.with_changes(body=method.body.with_changes(body=rest)), forward]
        unit.edits[module.path] = edits
    return unit


def find_units(ctx: RuleContext) -> list[Unit]:
    index = ctx.index
    units = []
    for key in index.module_classes():
        name = _misspelling(index, key)
        if name is None:
            if index.forward_owner(key) is None:
                nested = _nested_unit(ctx, key)
                if nested is not None:
                    units.append(nested)
            continue
        module = index.module_of(key)
        summary = index.summary(key)
        message = f"`{key.name}` has no `forward` but defines `{name}`: `forward` is misspelled"
        finding = Finding(module.display_path, summary.line, summary.column + 1, CODE, message)
        unit = Unit(finding)
        units.append(unit)
        uses = sum(m.text.count(name) for m in index.modules.values() if name in m.identifiers)
        if uses > 1:
            unit.refusal = Refusal(f"`{name}` is also used elsewhere; rename it by hand")
            continue
        tree = ctx.parse(module.path)
        found = find_method(tree, key.name, name) if tree is not None else None
        method = found[1] if found else None
        if method is None:
            unit.refusal = Refusal(f"could not find `{key.name}.{name}`")
            continue
        edits = FileEdits()
        edits.replace[method.name] = method.name.with_changes(value=TARGET)
        unit.edits[module.path] = edits
    return units


EXAMPLES = (
    Example(
        before="""\
from torch import nn


class Net(nn.Module):
    def farward(self, x):
        return self.fc(x)
""",
        after="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        return self.fc(x)
""",
    ),
    Example(
        before="""\
from torch import nn


class Net(nn.Module):
    def farward(self, x):
        return self.fc(x)


def predict(model, x):
    return model.farward(x)
""",
        refused='`farward` is also used elsewhere; rename it by hand',
    ),
    Example(
        before="""\
class Tokenizer:
    def farward(self, text):
        return text.split()
""",
    ),
)
