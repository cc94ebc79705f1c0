"""FL101 (opt-in): ``forward(..., labels=None)`` computes the loss itself when given labels.

What it finds
-------------
A direct ``nn.Module`` subclass (never a ``PreTrainedModel`` one) whose ``forward`` takes
``labels=None`` (or ``label=None``) and computes the loss only when given them: ``if labels is not
None:``, ``if label == None:``, ``... if labels is not None else ...``, ``loss = None``
placeholders, ``labels = labels.long()`` conversions in the branch, a criterion built in
``forward``.

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
returned without labels, as Trainer did. One known difference under ``Trainer``: predicting on
data without labels, Trainer unwraps one-element results, so a ``forward`` that used to return
``{"logits": ...}`` gives a final batch of exactly one example without its batch dimension.

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
When the branches on ``labels`` test something else too (``labels is not None and
self.training``, a choice between two losses), when FL001 would refuse the labels-given path, and
when a call without labels reads something other than the prediction (``out["loss"]``, which was
None) or uses the packed result whole.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any, Callable, Optional, Sequence, Union

from codemod.analysis.derivations import Flow, movable_check
from codemod.analysis.index import ClassKey, ClassKind, ModuleSummary, RepoIndex
from codemod.analysis.label_conversions import inline_label_conversions
from codemod.analysis.loss_plan import locals_of, packed_result, plan_forward
from codemod.analysis.optional_labels import Views, labels_test_refusal, specialize
from codemod.cst.nodes import code_of, defaults_to_none, is_criterion_constructor, names_in, single_name_target
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.class_move import fill_class_unit, inferred_sites
from codemod.rules.common import RuleContext, Unit, find_method, location_of
from codemod.rules.spec import Example, Fix, Rule
from codemod.transforms.edits import FileEdits, apply_edits
from codemod.transforms.forward import forward_edits
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, LOSS_CLASS_SUFFIXES, LossPlan, PlanResult, Refusal, ResultKind, ResultShape, Signature

RULE = Rule(
    code="FL101",
    name="optional-labels-loss-in-forward",
    summary="opt-in: forward(..., labels=None) computes the loss when given labels: move it out too",
    fix=Fix.EXACT,
    default=False,
)
CODE = RULE.code


"""``forward(self, x, mask, label=None)``: the same convention under the singular name."""


def labels_name(signature: Optional[Signature]) -> Optional[str]:
    """The optional labels parameter of a forward: ``labels``, else ``label``; None if neither."""
    if signature is None:
        return None
    for name in (LABELS_PARAM, LABEL_ALIAS):
        param = signature.param(name)
        if param is not None:
            return name if param.has_default else None
    return None


def tracked_classes(index: RepoIndex) -> set[ClassKey]:
    """Custom models whose forward takes ``labels`` (or ``label``) with a default (``=None``)."""
    found = set()
    for key in index.module_classes():
        if key.name.endswith(LOSS_CLASS_SUFFIXES) or index.kind(key) is not ClassKind.MODULE:
            continue
        if labels_name(index.summary(key).forward) is not None:
            found.add(key)
    return found


def _as_labels(func: cst.FunctionDef, signature: Signature) -> Union[tuple[cst.FunctionDef, Signature], Refusal]:
    """``forward`` and its signature with ``label`` read as ``labels``: the rewrite removes the
    parameter, so the name is never written back; the loss takes the call's argument."""
    if LABELS_PARAM in names_in(func):
        return Refusal("forward uses both `label` and `labels`")
    renamed = func.visit(_rename()(LABEL_ALIAS, LABELS_PARAM))
    assert isinstance(renamed, cst.FunctionDef)
    params = tuple(replace(p, name=LABELS_PARAM) if p.name == LABEL_ALIAS else p for p in signature.params)
    return renamed, replace(signature, params=params)


@functools.cache
def _rename() -> type[Any]:
    """``_Rename``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Rename(cst.CSTTransformer):
        def __init__(self, old: str, new: str) -> None:
            self.old, self.new = old, new

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            return updated.with_changes(value=self.new) if updated.value == self.old else updated

    return _Rename


watched_classes = tracked_classes  # the classes it may rewrite: every construction must be followed


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    names = {key.name for key in tracked_classes(index)}
    if not names:
        return lambda module: False  # spare every file its set of words
    return lambda module: not names.isdisjoint(module.identifiers)


def _alias_refusal(ctx: RuleContext, key: ClassKey) -> Optional[Refusal]:
    """Calls that name the parameter: ``label=`` cannot be told from the loss's labels once
    forward no longer takes it, and ``labels=`` (or Trainer) means FL006's rename applies."""
    for site in ctx.graph.sites_for(key):
        if LABEL_ALIAS in site.shape.keywords:
            return Refusal(f"{location_of(site)} passes `label=` by name")
        if LABELS_PARAM in site.shape.keywords or site.shape.double_star:
            return Refusal(f"{location_of(site)} passes `labels` by name, which forward does not take (see FL006)")
    for use in ctx.graph.uses:
        if key in use.instance.classes:
            return Refusal(f"Trainer passes `labels`, which forward does not take ({use.display_path}:{use.line}; see FL006)")
    return None


def _new_forward(
    plan: LossPlan, views: Views, cls: cst.ClassDef, resolve: Callable[[str], str]
) -> tuple[cst.FunctionDef, Optional[Refusal], Optional[ResultShape]]:
    """The rewritten forward; None if calls without labels see what they saw before, else why
    not; and when they saw the prediction packed (``{"logits": logits}``, ``(None, logits)``)
    or computed from the new return value (``F.softmax(logits)``), how, so that those calls
    can be rewritten."""
    edits = forward_edits(plan)
    rewritten = apply_edits(cst.Module(body=[plan.forward_node]), edits).body[0]
    assert isinstance(rewritten, cst.FunctionDef)
    new = [_bare(s).strip() for s in rewritten.body.body]
    if plan.hoisted_prediction is not None:
        new = new[:-2] + [f"return {code_of(plan.hoisted_prediction)}"]
    # A view's body is an IndentedBlock (specialize made it so): its items are statements.
    absent_body: Sequence[cst.BaseStatement] = views.absent.body.body  # type: ignore[assignment]  # see the line above
    statements: list[cst.BaseStatement] = [
        s
        for s in absent_body
        if not (isinstance(s, cst.SimpleStatementLine) and _bare(s).strip() in {f"{p} = None" for p in views.placeholders})
    ]
    statements = [s for s in statements if not _unused_criterion(s, statements)]
    absent = [_bare(s).strip() for s in statements]
    if new == absent:
        return rewritten, None, None
    if plan.hoisted_prediction is None:
        found = _labelless_view(plan, new, statements, views, cls, resolve)
        if found is not None:
            shape, only_for_them = found
            body = [s for s in rewritten.body.body[:-1] if _bare(s).strip() not in only_for_them] + [rewritten.body.body[-1]]
            if len(body) < len(rewritten.body.body) and body[0] is not rewritten.body.body[0]:
                body[0] = body[0].with_changes(leading_lines=rewritten.body.body[0].leading_lines)  # type: ignore[union-attr]  # forward's body: statements
            rewritten = rewritten.with_changes(body=rewritten.body.with_changes(body=body))
            return rewritten, None, None if shape.kind is ResultKind.BARE and shape.derived is None else shape
    return rewritten, Refusal("without labels, forward returns more than the prediction, and a call here passes none"), None


def _bare(statement: cst.CSTNode) -> str:
    """A statement's code without the comment lines and blank lines above it."""
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        statement = statement.with_changes(leading_lines=())
    return code_of(statement)


def _unused_criterion(statement: cst.CSTNode, statements: Sequence[cst.CSTNode]) -> bool:
    """``loss_fct = nn.CrossEntropyLoss()`` that nothing else reads (in the labels-absent view,
    the criterion forward builds for its loss): building a loss object has no effect, so
    calls without labels see the same result without it."""
    target = single_name_target(statement)
    if target is None or not is_criterion_constructor(target[1]):
        return False
    return not any(target[0] in names_in(other) for other in statements if other is not statement)


def _labelless_view(
    plan: LossPlan,
    new: list[str],
    statements: list[cst.BaseStatement],
    views: Views,
    cls: cst.ClassDef,
    resolve: Callable[[str], str],
) -> Optional[tuple[ResultShape, set[str]]]:
    """What a call without labels used to get, in terms of what forward returns now: the
    labels-absent view must run the new forward's lines, plus only lines that computed its
    prediction from the new return value (``prob = F.softmax(logits)``), and return that
    prediction alone or packed with ``None`` (the loss it did not compute). Also the lines of
    the new forward that computed that prediction for those calls alone: they go."""
    last = statements[-1]
    if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Return) and last.body[0].value is not None):
        return None
    returned = last.body[0].value
    kind: ResultKind
    keys: list[Union[int, str]]
    if isinstance(returned, cst.Dict) and len(returned.elements) == 1:  # {"logits": logits}
        element = returned.elements[0]
        if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
            return None
        kind, keys, values = ResultKind.DICT, [element.key.evaluated_value], [element.value]  # type: ignore[list-item]  # a str literal key: bytes never reach here
    else:
        packed = packed_result(returned)
        if isinstance(packed, tuple):
            kind, keys, values = packed
        elif packed is None:
            kind, keys, values = ResultKind.BARE, [0], [returned]
        else:
            return None
    filled = [i for i, v in enumerate(values) if not (code_of(v) == "None" or code_of(v) in views.placeholders)]
    if len(filled) != 1 or not isinstance(values[filled[0]], cst.Name):
        return None
    at = filled[0]
    prediction = values[at].value  # type: ignore[attr-defined]  # checked to be a Name just above
    flow = Flow(statements, locals_of(views.absent))
    movable = movable_check(cls)
    version = (prediction, flow.reaching(prediction, len(statements) - 1))
    # A prediction bound by a tuple or a loop (`emissions, _ = self.rnn(x)`) has no line of its
    # own: it is the root as itself (None), provided no line that goes assigns it.
    roots: list[Optional[int]] = [None] if plan.prediction in flow.opaque else []
    roots += [index for index in flow.values if flow.name(index) == plan.prediction] + [-1]
    # Lines that compute, without effects, a value nothing reads without labels (`prob =
    # F.sigmoid(logits)` for the loss only): the new forward has dropped them.
    unread = {index for index in flow.values if movable(flow.value(index))}
    for root in roots:
        derivation = flow.derive(version, (plan.prediction, root), movable)
        if derivation is None:
            continue
        # The return reads only the prediction, which the call site now computes.
        dropped = flow.droppable(set(derivation.lines) | (unread - {root}), gone=frozenset({len(statements) - 1}))
        kept = [_bare(s).strip() for i, s in enumerate(statements[:-1]) if i not in dropped]
        unread_texts = {_bare(statements[i]).strip() for i in dropped}
        # The new forward may still compute what only calls without labels read (forward
        # computed `prob` for them alone): those lines go from it too. Other unread lines
        # (`n_idx = 0`) are the author's, and stay.
        only_for_them = {_bare(statements[i]).strip() for i in dropped if i in derivation.lines}
        if any(plan.prediction in flow.stored(i) for i in dropped if i in derivation.lines):
            # `logits = torch.tanh(logits)`: dropping it from the new forward would change the
            # value it returns, which the moved loss reads. This root is not what it returns.
            continue
        if root is None:
            reassigned = any(plan.prediction in flow.stored(i) for i in dropped)
        else:
            reassigned = any(i > root and i not in dropped and plan.prediction in flow.stored(i) for i in range(len(statements) - 1))
        if kept != [line for line in new[:-1] if line not in unread_texts] or reassigned:
            continue
        same = isinstance(derivation.expression, cst.Name) and derivation.expression.value == plan.prediction
        if kind is ResultKind.BARE and same:
            return ResultShape(ResultKind.BARE), only_for_them  # the same value; forward only lost lines nothing read
        if kind is ResultKind.OBJECT:
            qualified = resolve(code_of(returned.func))  # type: ignore[attr-defined]  # kind "object": packed_result read a call
            if not qualified.startswith("transformers."):
                return None  # only a ModelOutput is known to leave its None fields out
            kind = ResultKind.MODEL_OUTPUT
        return ResultShape(kind, None, keys[at], len(values), derived=None if same else derivation.expression), only_for_them
    return None


def _returned_name(views: Views) -> Optional[str]:
    """The one variable forward returns without labels, alone or packed with None."""
    last = views.absent.body.body[-1]
    if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Return) and last.body[0].value is not None):
        return None
    returned = last.body[0].value
    packed = packed_result(returned)
    values = packed[2] if isinstance(packed, tuple) else [e.value for e in returned.elements] if isinstance(returned, cst.Dict) else [returned]
    names = [v.value for v in values if isinstance(v, cst.Name) and v.value != "None" and v.value not in views.placeholders]
    return names[0] if len(names) == 1 else None


def find_units(ctx: RuleContext) -> list[Unit]:
    index = ctx.index
    plans: dict[ClassKey, LossPlan] = {}
    cls_of: dict[ClassKey, cst.ClassDef] = {}
    units: list[tuple[Unit, Optional[tuple[ClassKey, LossPlan, Views, cst.FunctionDef]]]] = []
    for key in sorted(tracked_classes(index), key=lambda k: (index.module_of(k).display_path, k.name)):
        signature = index.summary(key).forward
        module = index.module_of(key)
        tree = ctx.parse(module.path)
        found = find_method(tree, key.name, "forward") if tree is not None else None
        name = labels_name(signature)
        if signature is None or name is None or found is None or not defaults_to_none(found[1], name):
            continue
        cls, func = found
        alias_refusal: Optional[Refusal] = None
        if name == LABEL_ALIAS:
            if not any(n in code_of(func).lower() for n in ("loss", "criterion")):
                continue  # `label` for something else (a class to condition on): not ours
            aliased = _as_labels(func, signature)
            if isinstance(aliased, Refusal):
                alias_refusal = aliased
            else:
                func, signature = aliased
                alias_refusal = _alias_refusal(ctx, key)
        inlined = inline_label_conversions(func)  # `labels = labels.long()` moves with the loss
        views = specialize(inlined) if inlined is not None else None
        outcome: PlanResult
        if views is None:
            understood = "loss" not in code_of(func).lower()
            if inlined is None:
                refusal = Refusal("forward assigns `labels` other than by converting it (`labels = labels.long()`)")
            else:
                refusal = labels_test_refusal(inlined) or Refusal("forward tests labels in a way other than `labels is [not] None` or `labels == None`")
            outcome = None if understood else refusal
        else:
            try:
                outcome = plan_forward(
                    cls, views.given, signature, optional_labels=True, returns_without_labels=_returned_name(views)
                )
            except Exception as exc:  # unforeseen code: report it refused, never guess
                outcome = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")
        if outcome is None:
            continue
        message = f"`{key.name}.forward` takes optional `{name}` and computes the loss inside the model"
        finding = Finding(module.display_path, signature.line, signature.column + 1, CODE, message)
        unit = Unit(finding, also_at=(index.summary(key).line,))
        if alias_refusal is not None and not isinstance(outcome, Refusal):
            outcome = alias_refusal
        if isinstance(outcome, Refusal):
            unit.refusal = outcome
            units.append((unit, None))
            continue
        assert views is not None
        plans[key] = outcome
        cls_of[key] = cls
        units.append((unit, (key, outcome, views, found[1])))

    inferred = inferred_sites(ctx, plans)
    result = []
    for unit, work in units:
        result.append(unit)
        if work is None:
            continue
        key, plan, views, original = work
        try:
            rewritten, labelless, packing = _new_forward(plan, views, cls_of[key], index.module_of(key).resolve)
            forward = FileEdits()
            forward.replace[original] = rewritten
            fill_class_unit(ctx, key, plan, unit, inferred, forward=forward, labelless_refusal=labelless, labelless_shape=packing)
        except Exception as exc:  # unforeseen code: refuse this class, keep its finding and the others
            unit.refusal = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")
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
