"""FL101 (opt-in): ``forward(..., labels=None)`` computes the loss itself when given labels.

What it finds
-------------
A direct ``nn.Module`` subclass (never a ``PreTrainedModel`` one) whose ``forward`` takes
``labels=None`` (or ``label=None``) and computes the loss only when given them: ``if labels is not
None:``, ``if label == None:``, ``... if labels is not None else ...``, placeholders (``loss =
None``, ``loss = 0``, ``torch.tensor(0.)``), results built step by step (``out["loss"] = ...``,
``outputs = (loss,) + outputs``), ``labels = labels.long()`` conversions in the branch, a
criterion built in ``forward``, a loss masked by another argument under a test of it (``if
attention_mask is not None:``) or chosen by a setting of the model (``if self.loss_type ==
"focal":``). ``forward`` is read as two paths, labels given and labels absent
(``analysis.optional_labels``); a call passing ``labels=None`` takes the second. A branch on
something other than the labels moves to the calls as a conditional expression, on the argument
each call passed or the setting of the model it called (``analysis.branches``).

Why
---
This is correct code (Hugging Face's own convention), so the rule is off by default; ``--select
FL101`` or ``--select ALL`` turns it on, for a project that wants the loss in its training loop.
It applies FL001's move to the labels-given path: ``forward`` returns the prediction, and every
call that passes labels computes the exact loss expression after the call (also a loss computed by
hand, ``-(labels * torch.log(probs)).mean()``: no criterion is swapped in). Calls without labels
keep working: those that read what ``forward`` packed (``out["logits"]``, ``out.logits``, ``_,
logits = model(x)``) read the bare prediction instead, and a prediction ``forward`` computed from
the loss's input (``prob = F.softmax(logits)``) is computed at the call. Under ``Trainer`` with
``label_smoothing_factor``, the added ``compute_loss`` smooths the loss on what ``forward``
returned without labels, as Trainer did. Where calls without labels cannot be rewritten (a model
``torch.load`` gave, which no analysis can trace; readers of ``outputs[2:]``; a result holding more
than the prediction), ``forward`` keeps returning what it returned without labels (``outputs``,
``(None, x)``, ``Output(logits, None)``): those calls change in nothing, and each call with labels
computes the loss from what it gets and reads its old result through it (``analysis.kept_result``).
A ``forward`` that computes its loss on every path (``labels=None`` never tested) and returns more
than the loss and the prediction returns that result less the loss, as FL001 does, when every
call passes labels.
One known difference under ``Trainer``: predicting on data without labels, Trainer unwraps
one-element results, so a ``forward`` that used to return ``{"logits": ...}`` gives a final batch
of exactly one example without its batch dimension.

Example
-------
::

    class Net(nn.Module):                               class Net(nn.Module):
        def forward(self, x, labels=None):                  def forward(self, x):
            logits = self.fc(x)                                 logits = self.fc(x)
            if labels is not None:                              return logits
                return F.cross_entropy(logits, labels), logits
            return logits                                   logits = model(x)
                                                            loss = F.cross_entropy(logits, y)
    loss, logits = model(x, y)                          preds = model(x)
    preds = model(x)

When it refuses
---------------
When FL001 would refuse the labels-given path, and when a call without labels reads something
other than the prediction (``out["loss"]``, which was None) or uses the packed result whole, unless
``forward`` can keep returning that result: the labels-absent path must run exactly the lines the
labels-given path keeps once the loss goes, and its result must be the labelled one less the loss
(or with a placeholder in its place). A call with labels through a receiver the analysis cannot
trace still refuses, and so does an object of the project's own class used whole at a call with
labels. The calls are followed as FL001 follows them.
"""

from __future__ import annotations

from typing import Callable, Optional

from codemod.analysis.effects import model_parts
from codemod.analysis.index import ClassKey, ClassKind, ModuleSummary, RepoIndex
from codemod.analysis.label_conversions import as_written, inline_label_conversions
from codemod.analysis.optional_labels import Views, specialize
from codemod.cst.nodes import code_of, defaults_to_none
from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason
from codemod.results import Finding
from codemod.rules.class_move import inferred_sites
from codemod.rules.common import RuleContext, Unit, find_method
from codemod.rules.kept_forward import Kept, constructor_fields, less_the_loss_or_refusal, plan_kept
from codemod.rules.labelless import fill_kept_unit, fill_two_path_unit, plan_two_paths, read_as_labels, unread_paths_refusal
from codemod.rules.spec import Example, Fix, Rule
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, LOSS_CLASS_SUFFIXES, LossPlan, PlanResult, Refusal, Signature

RULE = Rule(
    code="FL101",
    name="optional-labels-loss-in-forward",
    summary="opt-in: forward(..., labels=None) computes the loss when given labels: move it out too",
    fix=Fix.EXACT,
    default=False,
    reads_forward=True,
)
CODE = RULE.code


def labels_name(signature: Optional[Signature]) -> Optional[str]:
    """The optional labels parameter of a forward: ``labels``, else ``label``; None if neither."""
    if signature is None:
        return None
    for name in (LABELS_PARAM, LABEL_ALIAS):
        param = signature.param(name)
        if param is not None:
            return name if param.has_default else None
    return None


def watched_classes(index: RepoIndex) -> set[ClassKey]:
    """Custom models whose forward takes ``labels`` (or ``label``) with a default (``=None``):
    the classes it may rewrite, whose every construction must be followed."""
    found: set[ClassKey] = set()
    for key in index.module_classes():
        if key.name.endswith(LOSS_CLASS_SUFFIXES) or index.kind(key) is not ClassKind.MODULE:
            continue
        if labels_name(index.summary(key).forward) is not None:
            found |= index.forward_family(key)  # subclasses that run this forward are called the same way
    return found



def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    names = {key.name for key in watched_classes(index)}
    if not names:
        return lambda module: False  # spare every file its set of words
    return lambda module: not names.isdisjoint(module.identifiers)


def find_units(ctx: RuleContext) -> list[Unit]:
    index = ctx.index
    plans: dict[ClassKey, LossPlan] = {}
    cls_of: dict[ClassKey, cst.ClassDef] = {}
    units: list[tuple[Unit, Optional[tuple[ClassKey, LossPlan, Views, cst.FunctionDef, Optional[Kept], bool]]]] = []
    for key in sorted(watched_classes(index), key=lambda k: (index.module_of(k).display_path, k.name)):
        signature = index.summary(key).forward
        module = index.module_of(key)
        tree = ctx.parse(module.path)
        found = find_method(tree, key.name, "forward") if tree is not None else None
        name = labels_name(signature)
        if signature is None or name is None or found is None or not defaults_to_none(found[1], name):
            continue
        cls, func = found
        alias_refused: Optional[Refusal] = None
        if name == LABEL_ALIAS:
            aliased = read_as_labels(ctx, key, func, signature)
            if aliased is None:
                continue  # `label` for something else (a class to condition on): not ours
            func, signature, alias_refused = aliased
        inlined = inline_label_conversions(func)  # `labels = labels.long()` moves with the loss
        views = specialize(inlined, model_parts(cls)) if inlined is not None else None
        outcome: PlanResult
        kept = None
        less_the_loss = False
        if views is None:
            outcome = None if "loss" not in code_of(func).lower() else unread_paths_refusal(func, inlined, model_parts(cls))
        else:
            outcome = plan_two_paths(cls, views, signature)
            if isinstance(outcome, Refusal):
                # Calls with labels may still rebuild their result from the one forward keeps
                # returning to calls without (`(loss, *outputs)` from `outputs`).
                keeping = plan_kept(cls, views, signature, constructor_fields(ctx, module))
                if keeping is not None:
                    kept, outcome = keeping, keeping[0]
                elif outcome.kind is ForwardReason.MORE_THAN_LOSS_AND_PREDICTION and code_of(views.given) == code_of(views.absent):
                    # The loss computed on every path: forward returns its result less the loss.
                    less = less_the_loss_or_refusal(cls, views.given, signature, constructor_fields(ctx, module))
                    outcome = less if isinstance(less, Refusal) else less[0]
                    if not isinstance(less, Refusal):
                        kept, less_the_loss = less, True
        if outcome is None:
            continue
        outcome = as_written(outcome, found[1], name)
        message = f"`{key.name}.forward` takes optional `{name}` and computes the loss inside the model"
        finding = Finding(module.display_path, signature.line, signature.column + 1, CODE, message)
        unit = Unit(finding, also_at=(index.summary(key).line,), moves=index.forward_family(key))
        if alias_refused is not None and not isinstance(outcome, Refusal):
            outcome = alias_refused
        if isinstance(outcome, Refusal):
            unit.refusal = outcome
            units.append((unit, None))
            continue
        assert views is not None
        plans[key] = outcome
        cls_of[key] = cls
        units.append((unit, (key, outcome, views, found[1], kept, less_the_loss)))

    inferred = inferred_sites(ctx, plans)
    result = []
    for unit, work in units:
        result.append(unit)
        if work is None:
            continue
        key, plan, views, original, kept, less_the_loss = work
        if less_the_loss:
            assert kept is not None
            fill_kept_unit(ctx, key, kept, original, unit, inferred, less_the_loss=True)
        else:
            fill_two_path_unit(ctx, key, plan, views, cls_of[key], original, unit, inferred, kept)
    return result


EXAMPLES = (
    Example(
        before="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, labels=None):
        logits = self.fc(x)
        if labels is not None:
            return F.cross_entropy(logits, labels), logits
        return logits


model = Net()
loss, logits = model(x, y)
preds = model(x).argmax(-1)
""",
        after="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        logits = self.fc(x)
        return logits


model = Net()
logits = model(x)
loss = F.cross_entropy(logits, y)
preds = model(x).argmax(-1)
""",
    ),
    Example(
        before="""\
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, labels=None):
        logits = self.fc(x)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


model = Net()
print(model(x)["loss"])
""",
        refused='a call without labels reads `model(x)["loss"]`, which is not the prediction `logits` forward packed without labels',
    ),
    Example(
        before="""\
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x, labels=None):
        logits = self.fc(x)
        hidden = self.pool(x)
        out = {"logits": logits, "hidden": hidden}
        if labels is not None:
            out["loss"] = F.cross_entropy(logits, labels)
        return out


model = Net()
x, y = torch.randn(2, 4), torch.tensor([0, 1])
out = model(x, y)
out["loss"].backward()
print(model(x)["hidden"])
""",
        after="""\
import torch
import torch.nn.functional as F
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        logits = self.fc(x)
        hidden = self.pool(x)
        return {"logits": logits, "hidden": hidden}


model = Net()
x, y = torch.randn(2, 4), torch.tensor([0, 1])
out = model(x)
F.cross_entropy(out["logits"], y).backward()
print(model(x)["hidden"])
""",
    ),
    Example(
        before="""\
from transformers import BertPreTrainedModel


class Head(BertPreTrainedModel):
    def forward(self, x, labels=None):
        logits = self.fc(x)
        if labels is not None:
            return self.loss_fct(logits, labels), logits
        return logits
""",
    ),
)
