"""What a ``forward`` that computes its own loss returns, and the exact loss expression.

Reads one ``forward`` (LibCST, since the plan carries the code to move) and answers one of:
- ``None``: not the FL001 pattern (no required ``labels``, no loss from them, or a loss module
  such as ``FocalLoss.forward(logits, labels)`` whose job *is* the loss);
- a ``Refusal``: the pattern, but the loss cannot be moved exactly (the reason says why);
- a ``LossPlan``: how ``forward`` changes and the loss template every call site needs.

The template is written in the names of ``forward``: ``labels``, the prediction variable,
``self`` and, for a criterion that is built inside ``forward``, the placeholder ``CRITERION``.
"""

from __future__ import annotations

import functools
from typing import Any, Optional, Union

from codemod.analysis.derivations import Derivation, Flow, MovableCheck, stored_names
from codemod.cst.nodes import BUILTIN_NAMES, code_of, dotted, is_criterion_constructor, name_nodes, names_in, single_name_target, substitute
from codemod.lazy_libcst import cst
from codemod.vocabulary import CRITERION, LABELS_PARAM, LOSS_CLASS_SUFFIXES, LossPlan, PlanResult, Refusal, ResultShape, Signature

# Method calls that only reshape or cast a prediction before the loss: they stay with the loss.
RESHAPING_METHODS = frozenset(
    {"view", "reshape", "squeeze", "unsqueeze", "flatten", "float", "double", "long", "contiguous", "transpose", "permute", "type", "to"}
)


def packed_result(
    returned: cst.BaseExpression,
) -> Union[tuple[str, list[Union[int, str]], list[cst.BaseExpression]], str, None]:
    """``(kind, keys, values)`` for ``return a, b``, ``return {"k": a}`` and
    ``return Output(k=a)``; None for a single value; a reason string for a shape we can't read."""
    if isinstance(returned, cst.Tuple) and len(returned.elements) >= 2:
        if any(isinstance(e, cst.StarredElement) for e in returned.elements):
            return "forward returns a starred tuple"
        return "tuple", list(range(len(returned.elements))), [e.value for e in returned.elements]
    if isinstance(returned, cst.Dict):
        keys: list[Union[int, str]] = []
        for element in returned.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                return "forward returns a dict without plain string keys"
            keys.append(element.key.evaluated_value)  # type: ignore[arg-type]
        return "dict", keys, [e.value for e in returned.elements]
    if isinstance(returned, cst.Call) and returned.args and all(a.keyword is not None for a in returned.args):
        return "object", [a.keyword.value for a in returned.args], [a.value for a in returned.args]  # type: ignore[union-attr]
    return None


def locals_of(func: cst.FunctionDef) -> set[str]:
    """Every name ``forward`` binds: parameters and assignment targets anywhere in its body."""
    return {p.name.value for p in _all_params(func.params)} | stored_names(func.body, mutations=False)


def _all_params(params: cst.Parameters) -> list[cst.Param]:
    found = list(params.posonly_params) + list(params.params) + list(params.kwonly_params)
    for extra in (params.star_arg, params.star_kwarg):
        if isinstance(extra, cst.Param):
            found.append(extra)
    return found


def _returns(func: cst.FunctionDef) -> list[cst.Return]:
    found: list[cst.Return] = []

    class Finder(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is func

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    func.visit(Finder())
    return found


def _calls_self_submodule(nodes: list[cst.CSTNode]) -> bool:
    """Does this code call something on ``self`` (``self.encoder(x)``), i.e. run a model?"""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            name = dotted(node.func)
            if name and (name.startswith("self.") or name == "self"):
                found = True

    for node in nodes:
        node.visit(Finder())
    return found


LABEL_CONVERSIONS = frozenset(
    {"long", "float", "double", "int", "half", "bool", "view", "reshape", "squeeze", "unsqueeze", "flatten",
     "contiguous", "type", "to", "cuda", "cpu", "clone", "detach"}
)
"""Methods that only convert a tensor (dtype, shape, device): pure, so they can move with the loss."""


def _is_label_conversion(node: cst.BaseExpression) -> bool:
    """``labels.long()``, ``labels.unsqueeze(1).float()``, ``labels.to(logits.dtype)``."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in LABEL_CONVERSIONS:
        if any(LABELS_PARAM in names_in(a.value) for a in node.args):
            return False
        node = node.func.value
    return isinstance(node, cst.Name) and node.value == LABELS_PARAM


@functools.cache
def _inline_conversions() -> type[Any]:
    """``_InlineConversions``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _InlineConversions(cst.CSTTransformer):
        """``labels = labels.long()`` then uses of ``labels``: the uses read ``labels.long()`` and
        the line goes, so that ``labels`` is the caller's argument throughout and the conversion
        moves with the loss. Only in a block where it is the one assignment to ``labels``."""

        def __init__(self) -> None:
            self.failed = False

        def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
            body = list(updated.body)
            for index, statement in enumerate(body):
                target = single_name_target(statement)
                if target is None or target[0] != LABELS_PARAM:
                    continue
                if not _is_label_conversion(target[1]):
                    self.failed = True
                    return updated
                rest = body[index + 1 :]
                if any(target and target[0] == LABELS_PARAM for target in map(single_name_target, rest)):
                    self.failed = True
                    return updated
                converted = target[1]
                rest = [substitute(s, {LABELS_PARAM: converted}) for s in rest]  # type: ignore[misc]
                if rest and statement.leading_lines:  # type: ignore[attr-defined]
                    rest[0] = rest[0].with_changes(leading_lines=statement.leading_lines)  # type: ignore[attr-defined]
                return updated.with_changes(body=body[:index] + rest)
            return updated

    return _InlineConversions


def inline_label_conversions(func: cst.FunctionDef) -> Optional[cst.FunctionDef]:
    """``func`` with its ``labels = labels.long()`` lines inlined into the uses; itself when
    it has none; None when ``labels`` is assigned in a way that cannot be inlined."""
    if LABELS_PARAM not in _assigned_label_names(func):
        return func
    inliner = _inline_conversions()()
    result = func.visit(inliner)
    if inliner.failed or LABELS_PARAM in _assigned_label_names(result):  # type: ignore[arg-type]
        return None
    return result  # type: ignore[return-value]


def _assigned_label_names(func: cst.FunctionDef) -> set[str]:
    found: set[str] = set()

    class Targets(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            found.update(n.value for n in name_nodes(node.target) if not isinstance(node.target, (cst.Attribute, cst.Subscript)))

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name):
                found.add(node.target.value)

    func.body.visit(Targets())
    return found


def plan_forward(
    cls: cst.ClassDef,
    func: cst.FunctionDef,
    signature: Signature,
    optional_labels: bool = False,
    returns_without_labels: Optional[str] = None,
) -> PlanResult:
    """``optional_labels``: ``func`` is the labels-given view of a ``labels=None`` forward, and
    ``returns_without_labels`` the name its other view returns, if that is one name."""
    labels_param = signature.param(LABELS_PARAM)
    if labels_param is None or labels_param.has_default != optional_labels:
        return None
    class_name = cls.name.value
    if class_name.endswith(LOSS_CLASS_SUFFIXES):
        return None
    inlined = inline_label_conversions(func)
    if inlined is None:
        return _refuse_if_labels_loss(func, "forward assigns `labels` other than by converting it (`labels = labels.long()`)")
    source_node = func if inlined is not func else None
    func = inlined
    body = func.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    statements = list(body.body)
    last = statements[-1]
    returns = _returns(func)
    if not (
        isinstance(last, cst.SimpleStatementLine)
        and len(last.body) == 1
        and isinstance(last.body[0], cst.Return)
        and last.body[0].value is not None
    ):
        return _refuse_if_labels_loss(func, "forward does not end with a single `return`")
    if len(returns) != 1:
        return _refuse_if_labels_loss(func, "forward returns in more than one place")
    returned = last.body[0].value
    assert returned is not None

    # Top-level `name = value` lines, the only statements a loss may be computed in; a name
    # assigned on several lines (`loss = a * labels` then `loss = -loss.mean()`) has a
    # version per line, and each read is of the version assigned last before it.
    local_names = locals_of(func)
    flow = Flow(statements[:-1], local_names)
    returned_at = len(statements) - 1
    movable = MovableCheck(cls, LABELS_PARAM)

    def depends_on_labels(node: cst.CSTNode, at: int, seen: frozenset[int] = frozenset()) -> bool:
        for name in names_in(node):
            if name == LABELS_PARAM:
                return True
            line = flow.reaching(name, at)
            if line is not None and line >= 0 and line not in seen and depends_on_labels(flow.value(line), line, seen | {line}):
                return True
        return False

    # Which part of the result is the loss, and which the prediction.
    packed = packed_result(returned)
    loss_part: cst.BaseExpression
    prediction_part: Optional[cst.BaseExpression] = None
    if isinstance(packed, str):
        return _refuse_if_labels_loss(func, packed)
    if packed is not None:
        kind, keys, values = packed
        lossy = [i for i, v in enumerate(values) if depends_on_labels(v, returned_at)]
        if not lossy:
            return None
        if len(values) != 2 or len(lossy) != 1:
            return Refusal("forward returns more than a loss and one prediction")
        loss_at, prediction_at = lossy[0], 1 - lossy[0]
        shape = ResultShape(kind, keys[loss_at], keys[prediction_at], 2)
        loss_part, prediction_part = values[loss_at], values[prediction_at]
    else:
        if not depends_on_labels(returned, returned_at):
            return None
        shape = ResultShape("loss")
        loss_part = returned

    if prediction_part is not None and not isinstance(prediction_part, cst.Name):
        return Refusal(f"forward returns its prediction as `{code_of(prediction_part)}`, not as a plain variable")

    # Expand the loss into one expression over forward's values.
    removed: list[int] = []
    criterion: Optional[cst.BaseExpression] = None
    reads: dict[str, set[Optional[int]]] = {}
    """The values the loss reads that are not part of it (the prediction), by version."""

    def expand(node: cst.BaseExpression, at: int, depth: int = 0) -> Union[cst.BaseExpression, Refusal]:
        nonlocal criterion
        if depth > 20:
            return Refusal("the loss is computed through too many steps")
        if (
            isinstance(node, cst.Call)
            and is_criterion_constructor(node.func)
        ):
            if criterion is not None:
                return Refusal("forward builds more than one criterion")
            criterion = node.func
            node = node.with_changes(func=cst.Name(CRITERION))
        mapping: dict[str, cst.BaseExpression] = {}
        for name in sorted(names_in(node) & local_names - {LABELS_PARAM, "self"}):
            line = flow.reaching(name, at)
            if line is None or line < 0:
                reads.setdefault(name, set()).add(line)
                continue
            value = flow.value(line)
            if is_criterion_constructor(value):
                if criterion is not None:
                    return Refusal("forward builds more than one criterion")
                criterion = value
                mapping[name] = cst.Name(CRITERION)
                removed.append(line)
            elif depends_on_labels(value, line):
                if sum(1 for n in name_nodes(node) if n.value == name) > 1:
                    return Refusal(f"the loss reads `{name}` more than once")
                inner = expand(value, line, depth + 1)
                if isinstance(inner, Refusal):
                    return inner
                mapping[name] = inner
                removed.append(line)
            else:
                reads.setdefault(name, set()).add(line)
        return substitute(node, mapping) if mapping else node

    if isinstance(loss_part, cst.Name):
        line = flow.reaching(loss_part.value, returned_at)
        if line is None or line < 0:
            return Refusal(f"the loss `{loss_part.value}` is not computed by a plain assignment")
        removed.append(line)
        expanded = expand(flow.value(line), line)
    else:
        expanded = expand(loss_part, returned_at)
    if isinstance(expanded, Refusal):
        return expanded
    template = expanded

    # The rest of forward must not need what is being moved out.
    moved = {flow.name(line) for line in removed}
    for index, statement in enumerate(statements[:-1]):
        if index in removed:
            continue
        used = names_in(statement)
        if LABELS_PARAM in used:
            return Refusal("labels are also used outside the loss")
        if used & moved:
            name = sorted(used & moved)[0]
            return Refusal(f"forward also uses `{name}`, which the loss move would take away")
    if prediction_part is not None and LABELS_PARAM in names_in(prediction_part):
        return Refusal("the prediction depends on labels")

    # The prediction: what forward returns from now on.
    template_locals = (names_in(template) & local_names) - {LABELS_PARAM, "self"}
    for name in sorted(template_locals):
        if len(reads.get(name, ())) > 1:
            return Refusal(f"the loss reads `{name}` before and after forward assigns it again")
    hoisted: Optional[cst.BaseExpression] = None
    seen: Optional[cst.BaseExpression] = None
    labelled_refusal: Optional[str] = None
    dropped: list[int] = []
    if prediction_part is not None:
        chosen = _choose_root(
            flow, movable, template_locals, reads, prediction_part.value, returned_at, returns_without_labels, frozenset(removed)
        )
        if isinstance(chosen, Refusal):
            return chosen
        prediction, root_line, derived, dropped = chosen
        for name, derivation in sorted(derived.items()):
            if name == PREDICTION_SEEN:
                seen = derivation.expression
            elif sum(1 for n in name_nodes(template) if n.value == name) > 1:
                labelled_refusal = (
                    f"the loss reads `{name}` more than once, and forward computed it from `{prediction}` "
                    f"(`{code_of(derivation.expression)}`): computing it twice is not the same gradient"
                )
        template = substitute(template, {name: d.expression for name, d in derived.items() if name != PREDICTION_SEEN})
    else:
        found = _prediction_from_loss(template, local_names, signature)
        if isinstance(found, Refusal):
            return Refusal(found.reason)
        if found is None:
            return None
        prediction, hoisted, template = found
        root_line = next(iter(reads.get(prediction, {-1}))) if hoisted is None else -1
        local_names = local_names | {prediction}
    if hoisted is None:
        # `return logits` in the new forward must give the value the loss read: nothing that
        # stays may assign it after that (after the loss, for a value bound by a tuple or loop).
        after = root_line if root_line is not None else min(removed, default=returned_at - 1)
        for index in range(after + 1, len(statements) - 1):
            if index not in removed and index not in dropped and prediction in flow.stored(index):
                return Refusal(f"forward assigns `{prediction}` again after the loss reads it")
    removed.extend(dropped)
    if hoisted is None:
        removed.extend(_left_unread(flow, movable, set(removed), returned, returned_at, root_line))
    removed_statements = [statements[i] for i in sorted(set(removed))]
    kept = [s for i, s in enumerate(statements) if i not in removed]
    if not _calls_self_submodule(kept) and hoisted is None:
        return None  # a loss module: its inputs are already predictions
    if prediction in {p.name for p in signature.params} and root_line == -1 and hoisted is None:
        return None  # the loss of an input as given: a loss module, not a model (`x = self.fc(x)` is one)

    criterion_names = names_in(criterion) if criterion is not None else set()
    criterion_locals = (criterion_names & local_names) - {"self"}
    if criterion_locals:
        return Refusal(f"the criterion uses the forward-local `{sorted(criterion_locals)[0]}`")
    seen_names = names_in(seen) if seen is not None else set()
    free = (names_in(template) | criterion_names | seen_names) - local_names - BUILTIN_NAMES - {CRITERION, "self"}
    labels_uses = sum(1 for n in name_nodes(template) if n.value == LABELS_PARAM)
    return LossPlan(
        class_name=class_name,
        signature=signature,
        prediction=prediction,
        loss_template=template,
        criterion=criterion,
        criterion_is_constant="self" not in criterion_names,
        shape=shape,
        free_names=frozenset(free),
        uses_self="self" in names_in(template) or "self" in criterion_names or "self" in seen_names,
        labels_uses=labels_uses,
        forward_node=func,
        removed_statements=tuple(removed_statements),
        return_statement=last,
        hoisted_prediction=hoisted,
        source_node=source_node,
        seen_prediction=seen,
        labelled_refusal=labelled_refusal,
    )


PREDICTION_SEEN = "__fixlabels_seen__"
"""Key of the derivation of what calls with labels read as the prediction."""


def _choose_root(
    flow: Flow,
    movable: MovableCheck,
    template_locals: set[str],
    reads: dict[str, set[Optional[int]]],
    prediction: str,
    returned_at: int,
    returns_without_labels: Optional[str],
    removed: frozenset[int],
) -> Union[tuple[str, Optional[int], dict[str, Derivation], list[int]], Refusal]:
    """The value the new forward returns: one every value the loss reads, and the prediction
    forward returned, can be computed from at the call site. Preferred: what forward returned
    without labels (those calls then see no change), then what the loss reads.

    Returns its name, its line, the derivation of each other value (the prediction under
    ``PREDICTION_SEEN``) and the lines of forward that only computed those (they go)."""
    needed: dict[str, tuple[str, Optional[int]]] = {
        name: (name, next(iter(reads[name]))) for name in sorted(template_locals) if name in reads
    }
    unknown = sorted(template_locals - set(needed))
    if unknown:
        return Refusal(f"the loss uses the forward-local `{unknown[0]}` besides the prediction")
    needed[PREDICTION_SEEN] = (prediction, flow.reaching(prediction, returned_at))
    candidates: list[tuple[str, Optional[int]]] = []
    if returns_without_labels is not None:
        candidates.append((returns_without_labels, flow.reaching(returns_without_labels, returned_at)))
    candidates += [v for k, v in needed.items() if k != PREDICTION_SEEN] + [needed[PREDICTION_SEEN]]
    for root in candidates:
        derived: dict[str, Derivation] = {}
        for key, version in needed.items():
            derivation = flow.derive(version, root, movable)  # type: ignore[arg-type]
            if derivation is None:
                break
            derived[key] = derivation
        else:
            lines = set().union(*(d.lines for d in derived.values()))
            trivial = {k for k, d in derived.items() if isinstance(d.expression, cst.Name) and d.expression.value == root[0]}
            return root[0], root[1], {k: d for k, d in derived.items() if k not in trivial}, flow.droppable(lines, removed)
    others = sorted(set(template_locals) - {prediction})
    if others:
        line = flow.reaching(prediction, returned_at)
        if line is not None and line >= 0 and others[0] in names_in(flow.value(line)):
            return Refusal(
                f"the loss uses `{others[0]}`, while forward returns `{prediction}` computed from it "
                f"(`{prediction} = {code_of(flow.value(line))}`) in a way that cannot move to the call"
            )
        return Refusal(f"the loss uses the forward-local `{others[0]}` besides the prediction")
    return Refusal(f"forward assigns `{prediction}` again after the loss reads it")


def _left_unread(
    flow: Flow, movable: MovableCheck, removed: set[int], returned: cst.BaseExpression, returned_at: int, root: Optional[int]
) -> list[int]:
    """Lines that only fed what leaves forward (the loss, the old return value), computed
    without effects (``prob = F.sigmoid(logits)`` for a loss on ``prob``): nothing reads them
    once forward returns the root value, so they go too."""
    fed: set[int] = set()
    changed = True
    while changed:
        changed = False
        for line in flow.values:
            if line in fed or line in removed or line == root or not movable(flow.value(line)):
                continue
            version = (flow.name(line), line)
            by_return = flow.name(line) in names_in(returned) and flow.reaching(flow.name(line), returned_at) == line
            if by_return or any(flow.reads(j, version) for j in removed | fed):
                fed.add(line)
                changed = True
    return flow.droppable(fed, frozenset(removed))


def _prediction_from_loss(
    template: cst.BaseExpression, local_names: set[str], signature: Signature
) -> Union[tuple[str, Optional[cst.BaseExpression], cst.BaseExpression], Refusal, None]:
    """For ``return loss``: which value the loss is computed on. A variable computed in forward
    is the prediction; a model expression inside the loss call (``F.cross_entropy(self.fc(x),
    labels)``) is hoisted into a new ``logits`` variable."""
    template_locals = (names_in(template) & local_names) - {LABELS_PARAM, "self"}
    params = {p.name for p in signature.params}
    computed = template_locals - params
    if len(template_locals) == 1 and computed:
        return next(iter(computed)), None, template
    if not isinstance(template, cst.Call):
        if template_locals:
            names = ", ".join(f"`{n}`" for n in sorted(template_locals))
            return Refusal(f"the loss combines several forward values ({names})")
        return None
    candidates = [a for a in template.args if LABELS_PARAM not in names_in(a.value) and names_in(a.value) & local_names]
    if len(candidates) != 1:
        if template_locals - params:
            names = ", ".join(f"`{n}`" for n in sorted(template_locals))
            return Refusal(f"the loss combines several forward values ({names})")
        return None
    argument = candidates[0]
    core = argument.value
    while (
        isinstance(core, cst.Call)
        and isinstance(core.func, cst.Attribute)
        and core.func.attr.value in RESHAPING_METHODS
        and not (names_in(core.func.value) & {LABELS_PARAM})
        and not any(names_in(a.value) & local_names for a in core.args)
    ):
        core = core.func.value
    if isinstance(core, cst.Name):
        if core.value in params:
            return None
        return core.value, None, template
    if not _calls_self_submodule([core]):
        return None
    name = "logits" if "logits" not in local_names else "prediction"
    replaced = _replace_node(template, core, cst.Name(name))
    return name, core, replaced


def _replace_node(tree: cst.BaseExpression, target: cst.CSTNode, replacement: cst.BaseExpression) -> cst.BaseExpression:
    class Replace(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
            return replacement if original is target else updated

    return tree.visit(Replace())  # type: ignore[return-value]


def _refuse_if_labels_loss(func: cst.FunctionDef, reason: str) -> Optional[Refusal]:
    """A forward we cannot read is only a finding if it visibly computes a loss from labels."""
    text = code_of(func)
    if "loss" in text.lower():
        return Refusal(reason)
    return None

