"""FL003: Hugging Face ``Trainer`` trains a custom model whose ``forward`` takes no labels.

What it finds
-------------
``Trainer(model=...)`` (or a subclass from ``transformers``/``trl``) given a custom model whose
``forward`` takes neither ``labels`` nor ``**kwargs``. A Trainer subclass of the project whose
own ``compute_loss`` takes the labels out (``labels = inputs.pop("labels")``) already does what
the fix would, and is not reported; nor is a Trainer whose ``data_collator`` (a function or
collator class of the file) returns dicts of known keys without labels: its batches never carry
them.

Why
---
Trainer passes the batch, labels included, to ``forward`` and expects a loss back: the TypeError.
Trainer is the training loop, so the loss goes into it: a ``Trainer`` subclass whose
``compute_loss`` takes the labels out of the batch, calls the model, and applies the criterion
(``--criterion``). ``**kwargs`` keeps the override working when Trainer passes
``num_items_in_batch``; for ``return_outputs`` the logits come back in a dict, because
``prediction_step`` drops the first element of a tuple. ``TrainingArguments(...,
label_names=["labels"])`` is added too: Trainer keeps only the batch columns ``forward`` names
plus ``label_names``, which it infers from ``forward``; without it the labels column is silently
dropped.

Example
-------
::

    trainer = Trainer(model=model, args=args)     class CriterionTrainer(Trainer):
                                                      def compute_loss(self, model, inputs,
                                                                       return_outputs=False, **kwargs):
                                                          labels = inputs["labels"]
                                                          logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
                                                          loss = nn.CrossEntropyLoss()(logits, labels)
                                                          return (loss, {"logits": logits}) if return_outputs else loss

                                                  trainer = CriterionTrainer(model=model, args=args)

When it refuses
---------------
When the ``TrainingArguments`` cannot be found (``args=`` built elsewhere), when the Trainer is a
subclass that already overrides ``compute_loss`` or is given ``compute_loss_func``, or when
``forward`` returns a tuple or dict (the prediction is then not clear).
"""

from __future__ import annotations

import ast
from typing import Callable, Optional

from codemod.analysis.callsites import ModelUse
from codemod.analysis.index import ClassKind, ModuleSummary, RepoIndex, module_level_definitions
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.dict_origin import builder_of, returned_keys
from codemod.rules.common import RuleContext, Unit, forward_without_labels, naming_any
from codemod.rules.criterion import Criterion, criterion_on_first_use
from codemod.rules.spec import Example, Fix, Rule
from codemod.rules.trainer import trainer_edits
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, TRAINER_PACKAGES, Refusal

RULE = Rule(
    code="FL003",
    name="trainer-needs-compute-loss",
    summary="Hugging Face Trainer trains a custom model whose forward takes no labels",
    fix=Fix.REPAIR,
)
CODE = RULE.code

def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Files that name a custom model whose forward does not take labels (the walk follows it
    to the Trainer it is given, in any module), and those that name a Trainer."""
    names = naming_any(forward_without_labels(index))
    return lambda module: "Trainer" in module.text or names(module)


def find_units(ctx: RuleContext) -> list[Unit]:
    criterion = criterion_on_first_use(ctx.options)
    units: list[Unit] = []
    for use in sorted(ctx.graph.uses, key=lambda u: (u.display_path, u.line, u.column)):
        unit = _unit_for(ctx, use, criterion)
        if unit is not None:
            units.append(unit)
    return units


TRAINER_LABEL_KEYS = frozenset({LABELS_PARAM, LABEL_ALIAS, "label_ids"})
"""The batch keys Trainer's default collator and models read as labels."""


def _collator_gives_no_labels(ctx: RuleContext, use: ModelUse) -> bool:
    """Is the Trainer's ``data_collator`` a function (or collator class) of the file whose
    every batch is a dict of known keys, none of them labels?"""
    layout = ctx.layout(use.path)
    trainer = layout.calls.get((use.line, use.column)) if layout is not None else None
    if layout is None or trainer is None:
        return False
    collator = next((a.value for a in trainer.args if a.keyword is not None and a.keyword.value == "data_collator"), None)
    builder = builder_of(layout.module, collator, trainer) if collator is not None else None
    keys = returned_keys(builder) if builder is not None else None
    return keys is not None and not keys & TRAINER_LABEL_KEYS


def _unit_for(
    ctx: RuleContext, use: ModelUse, criterion: Callable[[], Criterion]
) -> Optional[Unit]:
    index = ctx.index
    if len(use.instance.classes) != 1 or use.instance.library:
        return None
    key = next(iter(use.instance.classes))
    if index.kind(key) is not ClassKind.MODULE:
        return None
    owner = index.forward_owner(key)
    signature = index.summary(owner).forward if owner else None
    if signature is None or signature.param(LABELS_PARAM) is not None or signature.param(LABEL_ALIAS) is not None or signature.var_keyword:
        return None  # `label`: the parameter is misnamed (FL006)
    trainer = use.consumer.rpartition(".")[2]
    trainer_key = index.class_key(use.consumer)
    if trainer_key is None and not use.consumer.startswith(TRAINER_PACKAGES):
        return None
    if trainer_key is not None and _compute_loss_reads_labels(index.module_of(trainer_key), trainer_key.name):
        return None  # the user's compute_loss takes the labels out itself: correct code
    assert owner is not None  # it has a signature
    if _collator_gives_no_labels(ctx, use):
        return None  # the batches carry no labels: forward computes its loss from what they carry
    message = f"`{trainer}` passes labels to `{owner.name}.forward`, which does not take them"
    unit = Unit(Finding(use.display_path, use.line, use.column + 1, CODE, message))
    if index.summary(owner).forward_returns_packed:
        unit.refusal = Refusal(f"`{owner.name}.forward` returns a tuple or dict, so the prediction is not clear")
        return unit
    criterion_call, imports = criterion()
    loss = cst.Call(func=criterion_call, args=[cst.Arg(cst.Name("logits"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(cst.Name(LABELS_PARAM))])
    outcome = trainer_edits(ctx, use, loss, imports)
    if isinstance(outcome, Refusal):
        unit.refusal = outcome
    else:
        unit.edits[use.path] = outcome
    return unit


def _compute_loss_reads_labels(module: ModuleSummary, class_name: str) -> bool:
    """The class's own ``compute_loss`` mentions ``labels`` (a name or the ``"labels"`` key)."""
    for node in module_level_definitions(module.tree.body):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "compute_loss":
                    return any(
                        (isinstance(sub, ast.Name) and sub.id == LABELS_PARAM)
                        or (isinstance(sub, ast.Constant) and sub.value == LABELS_PARAM)
                        for sub in ast.walk(item)
                    )
            return False
    return False


EXAMPLES = (
    Example(
        before="""\
from torch import nn
from transformers import Trainer, TrainingArguments


class Net(nn.Module):
    def forward(self, input_ids):
        return self.fc(input_ids)


args = TrainingArguments(output_dir="out")
trainer = Trainer(model=Net(), args=args, train_dataset=dataset)
""",
        after='''\
from torch import nn
from transformers import Trainer, TrainingArguments


class Net(nn.Module):
    def forward(self, input_ids):
        return self.fc(input_ids)


args = TrainingArguments(output_dir="out", label_names=["labels"])


class CriterionTrainer(Trainer):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
        loss = nn.CrossEntropyLoss()(logits, labels)
        return (loss, {"logits": logits}) if return_outputs else loss
trainer = CriterionTrainer(model=Net(), args=args, train_dataset=dataset)
''',
    ),
    Example(
        before="""\
from torch import nn
from transformers import Trainer


class Net(nn.Module):
    def forward(self, input_ids):
        return self.fc(input_ids)


def train(dataset, args):
    return Trainer(model=Net(), args=args, train_dataset=dataset)
""",
        refused='could not find the TrainingArguments to add label_names to',
    ),
    Example(
        before="""\
from torch import nn
from transformers import Trainer


class Net(nn.Module):
    def forward(self, input_ids):
        return self.fc(input_ids)


class MyTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs.pop("labels")
        logits = model(**inputs)
        loss = nn.functional.cross_entropy(logits, labels)
        return (loss, logits) if return_outputs else loss


trainer = MyTrainer(model=Net())
""",
    ),
)
