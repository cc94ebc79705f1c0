"""What calls see of a ``forward`` read as two paths, once its loss moves out.

Shared by FL001 and FL101: a ``forward`` that tests its labels (``if labels is not None:``) runs
one way with labels and another without (``labels=None``, or omitted where the parameter is
optional). ``plan_two_paths`` plans the labels-given path as the loss move (``loss_plan``), and
``two_path_forward`` builds the new ``forward`` and says what calls without labels saw: the same
value (nothing to change), the prediction packed or derived (their readers change), or something
the rewrite cannot give them (the reason).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any, Callable, Optional, Sequence, Union

from codemod.analysis.derivations import Flow, movable_check
from codemod.analysis.callsites import CallSite
from codemod.analysis.index import ClassKey
from codemod.analysis.kept_result import Constructor
from codemod.analysis.loss_plan import locals_of, packed_result, plan_forward
from codemod.analysis.effects import ModelParts
from codemod.analysis.optional_labels import Views, bare, placeholder_constant, read_paths, unused_criterion
from codemod.cst.nodes import code_of, names_in
from codemod.lazy_libcst import cst
from codemod.rules.class_move import InferredSites, binds_labels, fill_class_unit
from codemod.rules.common import RuleContext, Unit, location_of
from codemod.rules.kept_forward import Kept, constructor_fields, plan_kept
from codemod.transforms.edits import FileEdits, apply_edits
from codemod.transforms.forward import forward_edits
from codemod.analysis.label_conversions import labels_reassigned
from codemod.reasons import ForwardReason
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, Location, LossPlan, PlanResult, Refusal, ResultKind, ResultShape, Signature


def plan_two_paths(cls: cst.ClassDef, views: Views, signature: Signature, read_twice_beside: bool = True) -> PlanResult:
    """The loss move of the labels-given path; an unforeseen failure is a refusal, never a guess."""
    try:
        return plan_forward(
            cls, views.given, signature, optional_labels=True, returns_without_labels=returned_name(views), read_twice_beside=read_twice_beside
        )
    except Exception as exc:  # unforeseen code: report it refused, never guess
        return Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")


def unread_paths_refusal(func: cst.FunctionDef, inlined: Optional[cst.FunctionDef], parts: ModelParts = ModelParts()) -> Refusal:
    """Why ``specialize`` gave no paths: ``labels`` assigned in ``func`` (``inlined`` is None:
    its label conversions could not be inlined), else the test it could not decide."""
    if inlined is None:
        return labels_reassigned(func)
    found = read_paths(inlined, parts)
    assert isinstance(found, Refusal), "called only where specialize gave no paths"
    return found


def fill_two_path_unit(
    ctx: RuleContext,
    key: ClassKey,
    plan: LossPlan,
    views: Views,
    cls: cst.ClassDef,
    original: cst.FunctionDef,
    unit: Unit,
    inferred: InferredSites,
    kept: Optional[Kept] = None,
) -> None:
    """The class's move, with the new ``forward`` and what calls without labels now need.
    ``forward`` returns the prediction where every call without labels can be rewritten to
    read it; else, given ``kept`` (``plan_kept``), it keeps returning what those calls got."""
    try:
        forward = FileEdits()
        if kept is None and _call_with_labels(ctx, key, plan, inferred) is None:
            # No call needs the loss: a value it reads twice is not worth returning.
            alone = plan_two_paths(cls, views, plan.signature, read_twice_beside=False)
            plan = alone if isinstance(alone, LossPlan) else plan
        if kept is None:
            module = ctx.index.module_of(key)
            fields_of = constructor_fields(ctx, module)
            rewritten, labelless, packing = two_path_forward(plan, views, cls, module.resolve, fields_of)
            kept = plan_kept(cls, views, plan.signature, fields_of) if _calls_need_kept(ctx, key, plan, inferred, labelless, packing) else None
            if kept is None:
                # The prediction alone: what calls without labels read now, or why they cannot.
                forward.replace[original] = rewritten
                fill_class_unit(ctx, key, plan, unit, inferred, forward=forward, labelless_refusal=labelless, labelless_shape=packing)
                return
    except Exception as exc:  # unforeseen code: refuse this class, keep its finding and the others
        unit.refusal = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")
        return
    fill_kept_unit(ctx, key, kept, original, unit, inferred)


def fill_kept_unit(
    ctx: RuleContext, key: ClassKey, kept: Kept, original: cst.FunctionDef, unit: Unit, inferred: InferredSites, less_the_loss: bool = False
) -> None:
    """The class's move where ``forward`` returns a result the calls with labels rebuild their
    old one from (``plan_kept``, or with ``less_the_loss``, ``plan_less_the_loss``: then, where
    the labels are optional, no call without labels may be there to get it, as it got the loss
    of no labels before; where they are required, such a call failed)."""
    try:
        plan, kept_result, rewritten = kept
        labels = plan.signature.param(LABELS_PARAM)
        optional = labels is not None and labels.has_default
        unlabelled = _call_without_labels(ctx, key, plan, inferred) if less_the_loss and optional else None
        if unlabelled is not None:
            unit.refusal = Refusal.of(ForwardReason.LOSS_WITHOUT_LABELS_CALLED).located(unlabelled)
            return
        forward = FileEdits()
        forward.replace[original] = rewritten
        fill_class_unit(ctx, key, plan, unit, inferred, forward=forward, kept=kept_result)
        if not unit.refusal and not less_the_loss:
            returned = rewritten.body.body[-1].body[0].value  # type: ignore[union-attr]  # plan_kept ends it with a `return` line
            unit.notes.append(f"; forward keeps returning `{code_of(returned)}` to calls without labels, which stay as they are")
    except Exception as exc:  # unforeseen code: refuse this class, keep its finding and the others
        unit.refusal = Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")


def _call_without_labels(ctx: RuleContext, key: ClassKey, plan: LossPlan, inferred: InferredSites) -> Optional[Location]:
    """Where a call may pass no labels: traced, through a receiver nothing traces, or
    Trainer's (it evaluates and predicts on what its data holds); None if nowhere."""
    return _call_where(ctx, key, plan, inferred, lambda site: not binds_labels(site, plan.signature))


def _call_with_labels(ctx: RuleContext, key: ClassKey, plan: LossPlan, inferred: InferredSites) -> Optional[Location]:
    """Where a call may pass labels: traced, through a receiver nothing traces, or Trainer's."""
    return _call_where(ctx, key, plan, inferred, lambda site: site.shape.star or binds_labels(site, plan.signature))


def _call_where(
    ctx: RuleContext, key: ClassKey, plan: LossPlan, inferred: InferredSites, matching: Callable[[CallSite], bool]
) -> Optional[Location]:
    family = ctx.index.forward_family(key)
    for site in [*ctx.graph.sites_for(key, family), *inferred.get(key, [])]:
        if matching(site):
            return site.location
    for use in ctx.graph.uses:
        if key in use.instance.classes:
            return Location(use.display_path, use.line, use.column + 1)
    return None


def _calls_need_kept(
    ctx: RuleContext, key: ClassKey, plan: LossPlan, inferred: InferredSites, labelless: Optional[Refusal], packing: Optional[ResultShape]
) -> bool:
    """Would returning the prediction alone fail a call without labels: one whose readers it
    cannot rewrite (``labelless``), or, where they would change (``packing``), one through a
    receiver the analysis cannot trace? Trainer evaluates without labels too."""
    if labelless is None and packing is None:
        return False
    untraced = any(not binds_labels(site, plan.signature) for site in inferred.get(key, []))
    if labelless is None:
        return untraced
    traced = any(
        not site.shape.star and not binds_labels(site, plan.signature) for site in ctx.graph.sites_for(key, ctx.index.forward_family(key))
    )
    return untraced or traced or any(key in use.instance.classes for use in ctx.graph.uses)


def two_path_forward(
    plan: LossPlan,
    views: Views,
    cls: cst.ClassDef,
    resolve: Callable[[str], str],
    constructor: Callable[[str], Optional[Constructor]] = lambda name: None,
) -> tuple[cst.FunctionDef, Optional[Refusal], Optional[ResultShape]]:
    """The rewritten forward; None if calls without labels see what they saw before, else why
    not; and when they saw the prediction packed (``{"logits": logits}``, ``(None, logits)``)
    or computed from the new return value (``F.softmax(logits)``), how, so that those calls
    can be rewritten."""
    edits = forward_edits(plan)
    rewritten = apply_edits(cst.Module(body=[plan.forward_node]), edits).body[0]
    assert isinstance(rewritten, cst.FunctionDef)
    new = [bare(s).strip() for s in rewritten.body.body]
    if plan.hoisted_prediction is not None:
        new = new[:-2] + [f"return {code_of(plan.hoisted_prediction)}"]
    # A view's body is an IndentedBlock (specialize made it so): its items are statements.
    absent_body: Sequence[cst.BaseStatement] = views.absent.body.body  # type: ignore[assignment]  # see the line above
    statements: list[cst.BaseStatement] = [
        s
        for s in absent_body
        if not (isinstance(s, cst.SimpleStatementLine) and bare(s).strip() in views.placeholder_lines)
    ]
    statements = [s for s in statements if not unused_criterion(s, statements)]
    absent = [bare(s).strip() for s in statements]
    if new == absent:
        return rewritten, None, None
    if plan.hoisted_prediction is None:
        found = _labelless_view(plan, new, statements, views, cls, resolve, constructor)
        if found is not None:
            shape, only_for_them = found
            body = [s for s in rewritten.body.body[:-1] if bare(s).strip() not in only_for_them] + [rewritten.body.body[-1]]
            if len(body) < len(rewritten.body.body) and body[0] is not rewritten.body.body[0]:
                body[0] = body[0].with_changes(leading_lines=rewritten.body.body[0].leading_lines)  # type: ignore[union-attr]  # forward's body: statements
            rewritten = rewritten.with_changes(body=rewritten.body.with_changes(body=body))
            # Returning values beside the prediction (`return logits, hidden`) changes what every
            # call without labels gets, even one that got the same prediction.
            unchanged = shape.kind is ResultKind.BARE and shape.derived is None and not plan.extras
            return rewritten, None, None if unchanged else shape
    return rewritten, Refusal.of(ForwardReason.LABELLESS_RESULT), None


def _labelless_view(
    plan: LossPlan,
    new: list[str],
    statements: list[cst.BaseStatement],
    views: Views,
    cls: cst.ClassDef,
    resolve: Callable[[str], str],
    constructor: Callable[[str], Optional[Constructor]],
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
    packing = _packing(returned)
    if packing is None:
        return None
    kind, keys, values = packing
    # Without labels the loss slot held a constant: None, or a placeholder's (`loss = 0`).
    sentinels = [placeholder_constant(v, views) for v in values]
    filled = [i for i, sentinel in enumerate(sentinels) if sentinel is None]
    if len(filled) != 1 or not isinstance(values[filled[0]], cst.Name):
        return None
    fillers = {sentinel for sentinel in sentinels if sentinel is not None}
    if len(fillers) > 1:
        return None
    filler = fillers.pop() if fillers else "None"
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
        kept = [bare(s).strip() for i, s in enumerate(statements[:-1]) if i not in dropped]
        unread_texts = {bare(statements[i]).strip() for i in dropped}
        # The new forward may still compute what only calls without labels read (forward
        # computed `prob` for them alone): those lines go from it too. Other unread lines
        # (`n_idx = 0`) are the author's, and stay.
        only_for_them = {bare(statements[i]).strip() for i in dropped if i in derivation.lines}
        if any(plan.prediction in flow.stored(i) and bare(statements[i]).strip() in new for i in dropped if i in derivation.lines):
            # `logits = torch.tanh(logits)` kept by the new forward: dropping it would change the
            # value it returns, which the moved loss reads. This root is not what it returns.
            # (One the new forward no longer has, calls with labels compute: `seen_prediction`.)
            continue
        reassigned = _reassigned_after(flow, statements, plan.prediction, root, set(dropped), derivation.lines, new)
        if kept != [line for line in new[:-1] if line not in unread_texts] or reassigned:
            continue
        same = isinstance(derivation.expression, cst.Name) and derivation.expression.value == plan.prediction
        if kind is ResultKind.BARE and same:
            return ResultShape(ResultKind.BARE), only_for_them  # the same value; forward only lost lines nothing read
        if kind is ResultKind.OBJECT:
            called = code_of(returned.func)  # type: ignore[attr-defined]  # kind "object": packed_result read a call
            if resolve(called).startswith("transformers."):
                kind = ResultKind.MODEL_OUTPUT  # it leaves its None fields out: `out[0]` is the prediction
            elif not _stores_keywords(constructor(called), keys):
                return None  # which attribute holds the prediction is not known
        shape = ResultShape(kind, None, keys[at], len(values), derived=None if same else derivation.expression, filler=filler)
        return shape, only_for_them
    return None


def _packing(returned: cst.BaseExpression) -> Optional[tuple[ResultKind, list[Union[int, str]], list[cst.BaseExpression]]]:
    """How forward packs what it returns without labels: ``(kind, keys, values)``."""
    if isinstance(returned, cst.Dict) and len(returned.elements) == 1:  # {"logits": logits}
        element = returned.elements[0]
        if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
            return None
        return ResultKind.DICT, [element.key.evaluated_value], [element.value]  # type: ignore[list-item]  # a str literal key: bytes never reach here
    if isinstance(returned, cst.Tuple) and len(returned.elements) == 1 and isinstance(returned.elements[0], cst.Element):
        return ResultKind.TUPLE, [0], [returned.elements[0].value]  # `(logits,)`, built as the result's start
    packed = packed_result(returned)
    if isinstance(packed, tuple):
        return packed
    if packed is None:
        return ResultKind.BARE, [0], [returned]
    return None


def _reassigned_after(
    flow: Flow, statements: Sequence[cst.BaseStatement], prediction: str, root: Optional[int], dropped: set[int], derived: frozenset[int], new: list[str]
) -> bool:
    """Does the new forward assign the prediction again after ``root``, so that it returns
    another value than the one calls without labels read? A line nothing read without labels
    still counts when the new forward keeps it (the author's ``logits = torch.tanh(logits)``)."""
    if root is None:
        return any(prediction in flow.stored(i) for i in dropped)
    return any(
        i > root and prediction in flow.stored(i) and (i not in dropped or (i not in derived and bare(statements[i]).strip() in new))
        for i in range(len(statements) - 1)
    )


def _stores_keywords(built: Optional[Constructor], keywords: list[Union[int, str]]) -> bool:
    """Does each keyword of the call set the attribute of its name (a plain dataclass does)?"""
    return built is not None and all(dict(built.fields).get(str(keyword)) == keyword for keyword in keywords)


def returned_name(views: Views) -> Optional[str]:
    """The one variable forward returns without labels, alone or packed with None."""
    last = views.absent.body.body[-1]
    if not (isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[0], cst.Return) and last.body[0].value is not None):
        return None
    returned = last.body[0].value
    packed = packed_result(returned)
    values = packed[2] if isinstance(packed, tuple) else [e.value for e in returned.elements] if isinstance(returned, cst.Dict) else [returned]
    names = [v.value for v in values if isinstance(v, cst.Name) and v.value != "None" and v.value not in views.placeholders]
    return names[0] if len(names) == 1 else None


def _as_labels(func: cst.FunctionDef, signature: Signature) -> Union[tuple[cst.FunctionDef, Signature], Refusal]:
    """``forward`` and its signature with ``label`` read as ``labels``: the rewrite removes the
    parameter, so the name is never written back; the loss takes the call's argument."""
    if LABELS_PARAM in names_in(func):
        return Refusal.of(ForwardReason.LABEL_AND_LABELS)
    renamed = func.visit(_rename()(LABEL_ALIAS, LABELS_PARAM))
    assert isinstance(renamed, cst.FunctionDef)
    params = tuple(replace(p, name=LABELS_PARAM) if p.name == LABEL_ALIAS else p for p in signature.params)
    return renamed, replace(signature, params=params, spelled=LABEL_ALIAS)


@functools.cache
def _rename() -> type[Any]:
    """``_Rename``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Rename(cst.CSTTransformer):
        def __init__(self, old: str, new: str) -> None:
            self.old, self.new = old, new

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
            return updated.with_changes(value=self.new) if updated.value == self.old else updated

    return _Rename




def _alias_refusal(ctx: RuleContext, key: ClassKey) -> Optional[Refusal]:
    """Calls the reading of ``label`` as ``labels`` cannot serve: ``labels=`` (or Trainer)
    means FL006's rename applies; a ``**`` dict may carry ``label``, which the call-site
    rewrite takes out of a dict only under the name ``labels``. ``label=`` by name is the
    labels argument (``Signature.spelled``)."""
    for site in ctx.graph.sites_for(key):
        if LABELS_PARAM in site.shape.keywords:
            return Refusal(f"{location_of(site)} passes `labels` by name, which forward does not take (see FL006)")
        keys = site.shape.double_star_keys
        if site.shape.double_star and keys is None:
            return Refusal(
                f"{location_of(site)} unpacks a dict whose keys are not known and may hold `label`, which the rewrite "
                "takes out of such a dict only as `labels`"
            )
        if site.shape.double_star and keys is not None and LABELS_PARAM in keys:
            return Refusal(f"{location_of(site)} passes `labels` in an unpacked dict, which forward does not take (see FL006)")
    for use in ctx.graph.uses:
        if key in use.instance.classes:
            return Refusal(f"Trainer passes `labels`, which forward does not take ({use.display_path}:{use.line}; see FL006)")
    return None


def read_as_labels(
    ctx: RuleContext, key: ClassKey, func: cst.FunctionDef, signature: Signature
) -> Optional[tuple[cst.FunctionDef, Signature, Optional[Refusal]]]:
    """A ``forward`` taking ``label`` read as one taking ``labels``, and why its calls refuse
    that reading if they do; None when ``label`` is for something else (no loss in sight)."""
    if not any(word in code_of(func).lower() for word in ("loss", "criterion")):
        return None
    aliased = _as_labels(func, signature)
    if isinstance(aliased, Refusal):
        return func, signature, aliased
    return aliased[0], aliased[1], _alias_refusal(ctx, key)
