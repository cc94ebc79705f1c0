"""FL006: ``forward`` names its parameter ``label`` while the data says ``labels``.

What it finds
-------------
A custom model whose ``forward`` takes ``label``, handed to ``Trainer`` or called with ``labels``
(a keyword, or a ``**batch`` that carries them).

Why
---
Trainer's default collator renames a ``label`` column to ``labels``, and Hugging Face-style batches
carry ``"labels"``; a ``forward(self, x, label)`` then fails with ``got an unexpected keyword
argument 'labels'``. The parameter and its uses in ``forward`` are renamed.

Example
-------
::

    def forward(self, x, label=None):          def forward(self, x, labels=None):
        if label is not None:                      if labels is not None:
            loss = F.cross_entropy(h, label)           loss = F.cross_entropy(h, labels)

When it refuses
---------------
When a call passes ``label=`` by name, or ``forward`` already uses the name ``labels``.
"""

from __future__ import annotations

from typing import Callable

from codemod.analysis.index import ClassKey, ClassKind, ModuleSummary, RepoIndex
from codemod.cst.nodes import name_nodes
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit, find_method, unfollowed_instances_refusal
from codemod.rules.spec import Example, Fix, Rule
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, Refusal

RULE = Rule(
    code="FL006",
    name="label-parameter",
    summary="forward takes `label` while the batches (or Trainer) say `labels`",
    fix=Fix.REPAIR,
)
CODE = RULE.code
OLD, NEW = LABEL_ALIAS, LABELS_PARAM


def takes_label_not_labels(index: RepoIndex, key: ClassKey) -> bool:
    signature = index.summary(key).forward
    return signature is not None and signature.param(OLD) is not None and signature.param(NEW) is None


def watched_classes(index: RepoIndex) -> set[ClassKey]:
    """The classes this rule may rewrite: their every construction must be followed."""
    return {k for k in index.module_classes() if index.summary(k).forward and takes_label_not_labels(index, k)}


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    names = {k.name for k in watched_classes(index)}
    if not names:
        return lambda module: False  # spare every file its set of words
    return lambda module: not names.isdisjoint(module.identifiers)


def find_units(ctx: RuleContext) -> list[Unit]:
    index, graph = ctx.index, ctx.graph
    units = []
    for key in index.module_classes():
        if index.kind(key) is not ClassKind.MODULE or not index.summary(key).forward or not takes_label_not_labels(index, key):
            continue
        sites = graph.sites_for(key)
        given_labels = [
            s for s in sites if NEW in s.shape.keywords or (s.shape.double_star and s.shape.double_star_has_labels)
        ]
        trainer = [u for u in graph.uses if key in u.instance.classes]
        if not given_labels and not trainer:
            continue
        module = index.module_of(key)
        signature = index.summary(key).forward
        assert signature is not None
        why = "it is trained with `Trainer`" if trainer else f"{given_labels[0].location} passes `labels`"
        message = f"`{key.name}.forward` takes `label`, but {why}"
        finding = Finding(module.display_path, signature.line, signature.column + 1, CODE, message)
        unit = Unit(finding, also_at=(index.summary(key).line,))
        units.append(unit)
        by_name = [s for s in sites if OLD in s.shape.keywords]
        if by_name:
            unit.refusal = Refusal(f"{by_name[0].location} passes `label=` by name")
            continue
        unfollowed = unfollowed_instances_refusal(ctx, key)
        if unfollowed is not None:
            unit.refusal = unfollowed
            continue
        tree = ctx.parse(module.path)
        found = find_method(tree, key.name, "forward") if tree is not None else None
        if found is None:
            unit.refusal = Refusal("could not find forward in the source")
            continue
        forward = found[1]
        uses = [n for n in name_nodes(forward) if n.value in (OLD, NEW)]
        if any(n.value == NEW for n in uses):
            unit.refusal = Refusal("forward already uses the name `labels`")
            continue
        edits = FileEdits()
        for node in uses:
            edits.replace[node] = node.with_changes(value=NEW)
        for param in list(forward.params.params) + list(forward.params.kwonly_params):
            if param.name.value == OLD:
                edits.replace[param.name] = param.name.with_changes(value=NEW)
        unit.edits[module.path] = edits
    return units


EXAMPLES = (
    Example(
        before="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, label=None):
        logits = self.fc(x)
        if label is not None:
            return F.cross_entropy(logits, label)
        return logits


model = Net()
loss = model(x, labels=y)
""",
        after="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, labels=None):
        logits = self.fc(x)
        if labels is not None:
            return F.cross_entropy(logits, labels)
        return logits


model = Net()
loss = model(x, labels=y)
""",
    ),
    Example(
        before="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, label=None):
        logits = self.fc(x)
        if label is not None:
            return F.cross_entropy(logits, label)
        return logits


model = Net()
loss = model(x, labels=y)
loss = model(x, label=y)
""",
        refused='example.py:15:8 passes `label=` by name',
    ),
    Example(
        before="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, label=None):
        logits = self.fc(x)
        if label is not None:
            return F.cross_entropy(logits, label)
        return logits


loss = Net()(x, label=y)
""",
    ),
)
