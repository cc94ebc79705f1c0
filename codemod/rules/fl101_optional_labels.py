"""FL101 (opt-in): ``forward(..., labels=None)`` computes the loss itself when given labels.

This is correct code (Hugging Face's own convention), so the rule is off by default;
``--select FL101`` or ``--select ALL`` turns it on. It applies FL001's move to the
labels-given path: ``forward`` returns the prediction, and every call that passes labels
computes the exact loss expression after the call. Calls without labels are left as they are::

    class Net(nn.Module):                               class Net(nn.Module):
        def forward(self, x, labels=None):                  def forward(self, x):
            logits = self.fc(x)                                 logits = self.fc(x)
            if labels is not None:                              return logits
                return F.cross_entropy(logits, labels), logits
            return logits                                   loss, logits = model(x, y)
                                                        ->  logits = model(x)
    loss, logits = model(x, y)                              loss = F.cross_entropy(logits, y)
    preds = model(x)                                    preds = model(x)

The loss is moved exactly as written, also when it is computed by hand on probabilities
(``-(labels * torch.log(probs)).mean()``): no criterion is swapped in. Only direct
``nn.Module`` subclasses are read, never ``PreTrainedModel`` ones.

Refuses when the branches on ``labels`` are not plain ``labels is [not] None`` tests, when
FL001 would refuse the labels-given path, and, if some call passes no labels (or Trainer may
evaluate without them), when that call would see something other than before: without labels
``forward`` must already return the bare prediction (not ``{"loss": None, "logits": ...}``).
"""

from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from codemod.analysis.index import ClassKey, ClassKind, ModuleSummary, RepoIndex
from codemod.analysis.loss_plan import LABELS_PARAM, LOSS_CLASS_SUFFIXES, LossPlan, PlanResult, Refusal, plan_forward
from codemod.analysis.optional_labels import Views, specialize
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit, find_method
from codemod.rules.fl001_loss_in_forward import _fill_unit, _inferred_sites
from codemod.transforms.cst_tools import code_of, defaults_to_none
from codemod.transforms.edits import FileEdits, apply_edits
from codemod.transforms.forward import forward_edits

CODE = "FL101"


def tracked_classes(index: RepoIndex) -> set[ClassKey]:
    """Custom models whose forward takes ``labels`` with a default (``labels=None``)."""
    found = set()
    for key in index.module_classes():
        if key.name.endswith(LOSS_CLASS_SUFFIXES) or index.kind(key) is not ClassKind.MODULE:
            continue
        signature = index.summary(key).forward
        param = signature.param(LABELS_PARAM) if signature is not None else None
        if param is not None and param.has_default:
            found.add(key)
    return found


watched_classes = tracked_classes  # the classes it may rewrite: every construction must be followed


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    names = {key.name for key in tracked_classes(index)}
    if not names:
        return lambda module: False  # spare every file its set of words
    return lambda module: not names.isdisjoint(module.identifiers)


def _new_forward(plan: LossPlan, views: Views) -> tuple[cst.FunctionDef, Optional[str]]:
    """The rewritten forward, and None if calls without labels see what they saw before (else
    why not)."""
    edits = forward_edits(plan)
    rewritten = apply_edits(cst.Module(body=[plan.forward_node]), edits).body[0]
    assert isinstance(rewritten, cst.FunctionDef)
    new = [code_of(s) for s in rewritten.body.body]  # type: ignore[attr-defined]
    if plan.hoisted_prediction is not None:
        new = new[:-2] + [f"return {code_of(plan.hoisted_prediction)}"]
    absent = [
        code_of(s)
        for s in views.absent.body.body  # type: ignore[attr-defined]
        if not (isinstance(s, cst.SimpleStatementLine) and code_of(s).strip() in {f"{p} = None" for p in views.placeholders})
    ]
    if [line.strip() for line in new] != [line.strip() for line in absent]:
        return rewritten, "without labels, forward returns more than the prediction, and a call here passes none"
    return rewritten, None


def find_units(ctx: RuleContext) -> list[Unit]:
    index = ctx.index
    plans: dict[ClassKey, LossPlan] = {}
    units: list[tuple[Unit, Optional[tuple[ClassKey, LossPlan, Views, cst.FunctionDef]]]] = []
    for key in sorted(tracked_classes(index), key=lambda k: (index.module_of(k).display_path, k.name)):
        signature = index.summary(key).forward
        module = index.module_of(key)
        tree = ctx.parse(module.path)
        found = find_method(tree, key.name, "forward") if tree is not None else None
        if signature is None or found is None or not defaults_to_none(found[1], LABELS_PARAM):
            continue
        cls, func = found
        views = specialize(func)
        outcome: PlanResult
        if views is None:
            understood = "loss" not in code_of(func).lower()
            outcome = None if understood else Refusal("forward tests labels in a way other than `labels is [not] None`")
        else:
            try:
                outcome = plan_forward(cls, views.given, signature, optional_labels=True)
            except Exception as exc:  # unforeseen code: report it refused, never guess
                outcome = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")
        if outcome is None:
            continue
        message = f"`{key.name}.forward` takes optional `labels` and computes the loss inside the model"
        finding = Finding(module.display_path, signature.line, signature.column + 1, CODE, message)
        unit = Unit(f"{CODE}:{key.qualified}", finding, also_at=(index.summary(key).line,))
        if isinstance(outcome, Refusal):
            unit.refusal = outcome.reason
            units.append((unit, None))
            continue
        assert views is not None
        plans[key] = outcome
        units.append((unit, (key, outcome, views, func)))

    inferred = _inferred_sites(ctx, plans)
    result = []
    for unit, work in units:
        result.append(unit)
        if work is None:
            continue
        key, plan, views, original = work
        try:
            rewritten, labelless = _new_forward(plan, views)
            forward = FileEdits()
            forward.replace[original] = rewritten
            _fill_unit(ctx, key, plan, unit, inferred, forward=forward, labelless_calls=labelless)
        except Exception as exc:  # unforeseen code: refuse this class, keep its finding and the others
            unit.refusal = f"internal error ({type(exc).__name__}: {exc}); please report it"
    return result
