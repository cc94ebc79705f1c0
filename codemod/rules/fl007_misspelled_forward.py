"""FL007: ``forward`` is misspelled, so the module has none.

What it finds
-------------
A custom ``nn.Module`` with no ``forward`` anywhere in its known bases and one method one edit
away from the name (a letter missing, added, changed, or two swapped: ``farward``, ``foward``).

Why
---
``nn.Module.__call__`` runs ``forward``; a module that defines ``farward`` instead inherits the
placeholder, and the first call fails with ``_forward_unimplemented() got an unexpected keyword
argument 'labels'`` (or ``NotImplementedError``). The method is renamed.

Example
-------
::

    class Net(nn.Module):                   class Net(nn.Module):
        def farward(self, x, labels=None):      def forward(self, x, labels=None):

When it refuses
---------------
When anything in the project uses the misspelled name elsewhere (``model.farward(x)``): reported
alone, to be renamed by hand.
"""

from __future__ import annotations

from typing import Callable, Optional

from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit, find_method
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
    return lambda module: False  # needs no call sites


def find_units(ctx: RuleContext) -> list[Unit]:
    index = ctx.index
    units = []
    for key in index.module_classes():
        name = _misspelling(index, key)
        if name is None:
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
