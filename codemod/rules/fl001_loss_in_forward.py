"""FL001: ``forward`` takes ``labels`` (required) and computes the loss itself.

What it finds
-------------
A custom ``nn.Module`` whose ``forward`` has a required ``labels`` parameter and returns a loss
computed from it, alone or with the prediction (a tuple, a dict, an output object, also one
built step by step: ``out = {}``, ``out["loss"] = ...``, ``outputs = (loss,) + outputs``). A
``forward`` that tests its required labels (``if labels is not None:``) is read as two paths,
as FL101 reads it, and a call passing ``labels=None`` takes the labels-absent one. Loss modules
(``FocalLoss.forward(logits, labels)``, any class named ``...Loss``/``...Criterion``), whose job
*is* the loss, are not reported.

Its calls are found across the project: ``model = Net(...)`` (also through ``.to()``, ``.cuda()``,
``nn.DataParallel``), ``self.model = Net(...)``, ``models = {"a": Net()}`` or ``[Net()]`` bound once and read only as
``models["a"]``/``models[0]``, parameters annotated ``model: Net``, parameters
of functions the model is passed to, ``self(...)`` inside the class, factories whose every return
is the model (``def get_model(): ... return model``, also ``return model, tokenizer``), methods that
return ``self``, names from ``from model import *`` or a function's own ``from model import
Net``, and module-level instances of another file (``from model import MODEL``, also bound under
``try``/``with``/``if``/``for``). With one folder per experiment (each its own ``model.py``, no
``__init__.py``), modules are told apart by file, the way ``sys.path`` would resolve them. A
receiver no construction is traced to (a parameter no visible call passes a model to) is never
taken for the class.

Why
---
The model should return its prediction and the training loop compute the loss: that is what a
Hugging Face ``Trainer``, an evaluation loop, or ``model(x)`` at inference expect, and a
``forward`` that requires labels cannot be called without them. The fix moves the *exact* loss
expression to every call, with ``labels`` replaced by what that call passed and ``self`` by the
model it was called on (``model``, ``model.module`` under ``DataParallel``), so every number
stays the same. A criterion built inside ``forward`` is created once, before the loop; one kept
on the model (``self.loss_fct``) stays there and is called as ``model.loss_fct(...)``, so
``state_dict``, class weights and devices do not change. Results read as ``loss, logits =
model(...)``, ``out["loss"]``, ``out[0]``, ``out.loss``, or a call inside a larger expression are
rewritten to the new variables. When ``forward`` returned a value computed from what the loss
reads (``probs = self.softmax(logits)``), it returns what the loss reads and each call computes
what it used to get. When ``forward`` returned more than the loss and the prediction (``return
loss, logits, hidden``, a Hugging Face output with its hidden states), it returns that result
less the loss (``return logits, hidden``; the output without ``loss=``), and each call rebuilds
what it got from it and the loss. When the model is handed to ``Trainer``, the loss goes into a ``Trainer``
subclass's ``compute_loss`` (see FL003). Under ``DataParallel`` the fix is exact on one device;
on several GPUs the loss is computed once on the gathered predictions (the finding says so).

Example
-------
::

    class Net(nn.Module):                         class Net(nn.Module):
        def forward(self, x, labels):                 def forward(self, x):
            logits = self.fc(x)                           logits = self.fc(x)
            loss = nn.CrossEntropyLoss()(logits, labels)  return logits
            return loss
                                                  criterion = nn.CrossEntropyLoss()
    for x, y in loader:                           for x, y in loader:
        loss = model(x, y)                            logits = model(x)
                                                      loss = criterion(logits, y)

When it refuses
---------------
Whenever the move cannot be exact; then no file of the class changes. At the calls: a call
passes labels through ``*args``, a call could be an instance of more than one class, a call
through a receiver nothing traces could be one (``def predict_fn(model, batch)`` with no visible
caller: annotate ``model: Net`` if it is), a subclass has a ``forward`` of its own, an instance is
built where its calls cannot be followed (``Net()(x, y)``, ``return Net()``), a call sits where
work cannot be hoisted before it (a lambda, a comprehension, a ``while`` test), an import could
load either of two files of the same name, or the independent check finds the rewritten program
computing another value somewhere (it names the call).
"""

from __future__ import annotations

from typing import Callable, Optional

from codemod.analysis.effects import ModelParts, model_parts
from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
from codemod.analysis.label_conversions import as_written, inline_label_conversions
from codemod.analysis.loss_plan import plan_forward
from codemod.analysis.optional_labels import Views, specialize
from codemod.cst.nodes import code_of
from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason
from codemod.results import Finding
from codemod.rules.class_move import fill_class_unit, inferred_sites
from codemod.rules.common import RuleContext, Unit, find_method
from codemod.rules.kept_forward import Kept, constructor_fields, less_the_loss_or_refusal
from codemod.rules.labelless import fill_kept_unit, fill_two_path_unit, plan_two_paths, read_as_labels, unread_paths_refusal
from codemod.rules.spec import Example, Fix, Rule
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, LOSS_CLASS_SUFFIXES, LossPlan, PlanResult, Refusal, Signature

RULE = Rule(
    code="FL001",
    name="loss-in-forward",
    summary="forward() takes required `labels` and computes the loss: move the loss to the callers",
    fix=Fix.EXACT,
    reads_forward=True,
)
CODE = RULE.code


def _required_labels_name(signature: Optional[Signature]) -> Optional[str]:
    """``labels``, else ``label``, when ``forward`` requires it."""
    for name in (LABELS_PARAM, LABEL_ALIAS):
        param = signature.param(name) if signature is not None else None
        if param is not None:
            return None if param.has_default else name
    return None


def _takes_required_labels(signature: Optional[Signature]) -> bool:
    return _required_labels_name(signature) is not None


def _two_paths(inlined: Optional[cst.FunctionDef], parts: ModelParts, always: bool = False) -> Optional[Views]:
    """Both paths of a ``forward`` (its label conversions inlined) that runs otherwise when its
    labels are None; None when it computes the same either way (the labels are always used),
    unless ``always``."""
    views = specialize(inlined, parts) if inlined is not None else None
    if views is None or (code_of(views.given) == code_of(views.absent) and not always and not views.branches_read):
        return None
    return views


def watched_classes(index: RepoIndex) -> set[ClassKey]:
    """Custom models whose forward takes required labels (loss modules aside): the classes it
    may rewrite, whose every construction must be followed."""
    return {
        key
        for key in index.module_classes()
        if not key.name.endswith(LOSS_CLASS_SUFFIXES)
        and (owner := index.forward_owner(key)) is not None
        and _takes_required_labels(index.summary(owner).forward)
    }



def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Call sites matter only in files that name such a class (and in those the analysis
    follows instances into)."""
    names = {key.name for key in watched_classes(index)}
    if not names:
        return lambda module: False  # spare every file its set of words
    return lambda module: not names.isdisjoint(module.identifiers)


def find_units(ctx: RuleContext) -> list[Unit]:
    index = ctx.index
    candidates: dict[ClassKey, tuple[LossPlan | Refusal, Finding]] = {}
    two_paths: dict[ClassKey, tuple[Views, cst.ClassDef, cst.FunctionDef]] = {}
    kept: dict[ClassKey, tuple[Kept, cst.FunctionDef]] = {}
    for key in index.module_classes():
        summary = index.summary(key)
        signature = summary.forward
        if signature is None:
            continue
        if not _takes_required_labels(signature):
            continue
        module = index.module_of(key)
        tree = ctx.parse(module.path)
        if tree is None:
            continue
        found = find_method(tree, key.name, "forward")
        if found is None:
            continue
        name = _required_labels_name(signature)
        func, aliased = found[1], None
        if name == LABEL_ALIAS:
            read = read_as_labels(ctx, key, func, signature)
            if read is None:
                continue  # `label` for something else (a class to condition on): not ours
            func, signature, aliased = read
        inlined = inline_label_conversions(func)
        views = _two_paths(inlined, model_parts(found[0]), always=name == LABEL_ALIAS)
        outcome: PlanResult
        if aliased is not None:
            outcome = aliased
        elif views is None and name == LABEL_ALIAS:
            outcome = unread_paths_refusal(func, inlined, model_parts(found[0]))
        elif views is not None:
            # `labels` required, yet tested (`if labels is not None:`): calls passing
            # `labels=None` take forward's other path, and see what it returned there.
            # (`label` renamed `labels` too: the plan is of the renamed forward, the edit of the
            # one in the file.)
            outcome = plan_two_paths(found[0], views, signature)
            two_paths[key] = (views, found[0], found[1])
        else:
            try:
                outcome = plan_forward(found[0], found[1], signature)
            except Exception as exc:  # unforeseen code: report it refused, never guess
                outcome = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")
        one_path = views is None or code_of(views.given) == code_of(views.absent)
        if isinstance(outcome, Refusal) and outcome.kind is ForwardReason.MORE_THAN_LOSS_AND_PREDICTION and one_path:
            # `return loss, logits, hidden`: forward returns the result less the loss.
            less = less_the_loss_or_refusal(found[0], views.given if views is not None else inlined or func, signature, constructor_fields(ctx, module))
            if not isinstance(less, Refusal):
                kept[key] = (less, found[1])
                two_paths.pop(key, None)
            outcome = less[0] if not isinstance(less, Refusal) else less
        if outcome is None:
            continue
        outcome = as_written(outcome, found[1], name or LABELS_PARAM)
        message = f"`{key.name}.forward` takes `{name}` and computes the loss inside the model"
        finding = Finding(module.display_path, signature.line, signature.column + 1, CODE, message)
        candidates[key] = (outcome, finding)

    units: list[Unit] = []
    inferred = inferred_sites(ctx, {k: v[0] for k, v in candidates.items() if isinstance(v[0], LossPlan)})
    for key, (outcome, finding) in sorted(candidates.items(), key=lambda item: item[1][1]):
        unit = Unit(finding, also_at=(index.summary(key).line,), moves=index.forward_family(key))
        units.append(unit)
        if isinstance(outcome, Refusal):
            unit.refusal = outcome
            continue
        if key in two_paths:
            fill_two_path_unit(ctx, key, outcome, *two_paths[key], unit, inferred)
            continue
        if key in kept:
            fill_kept_unit(ctx, key, *kept[key], unit, inferred, less_the_loss=True)
            continue
        try:
            fill_class_unit(ctx, key, outcome, unit, inferred)
        except Exception as exc:  # unforeseen code: refuse this class, keep its finding and the others
            unit.refusal = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")
    return units


EXAMPLES = (
    Example(
        before="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x, labels):
        logits = self.fc(x)
        loss = nn.CrossEntropyLoss()(logits, labels)
        return loss, logits


model = Net()
loss, logits = model(x, y)
""",
        after="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        logits = self.fc(x)
        return logits


model = Net()
criterion = nn.CrossEntropyLoss()
logits = model(x)
loss = criterion(logits, y)
""",
    ),
    Example(
        before="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x, labels):
        logits = self.fc(x)
        aux_logits = self.aux(x)
        return nn.functional.cross_entropy(logits, labels) + 0.4 * nn.functional.cross_entropy(aux_logits, labels)


model = Net()
loss = model(x, y)
""",
        refused='the loss combines several forward values',
    ),
    Example(
        before="""\
from torch import nn


class FocalLoss(nn.Module):
    def forward(self, logits, labels):
        return nn.functional.cross_entropy(logits, labels)
""",
    ),
)
