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

from dataclasses import dataclass, field
from typing import Optional, Union

import libcst as cst

from codemod.analysis.index import Signature
from codemod.transforms.cst_tools import BUILTIN_NAMES, code_of, dotted, name_nodes, names_in, single_name_target, substitute

CRITERION = "__fixlabels_criterion__"
LABELS_PARAM = "labels"
LOSS_CLASS_SUFFIXES = ("Loss", "Criterion")

# Method calls that only reshape or cast a prediction before the loss: they stay with the loss.
RESHAPING_METHODS = frozenset(
    {"view", "reshape", "squeeze", "unsqueeze", "flatten", "float", "double", "long", "contiguous", "transpose", "permute", "type", "to"}
)
TORCH_LOSS_CLASSES = frozenset(
    {
        "L1Loss", "MSELoss", "CrossEntropyLoss", "CTCLoss", "NLLLoss", "PoissonNLLLoss", "GaussianNLLLoss",
        "KLDivLoss", "BCELoss", "BCEWithLogitsLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
        "MultiLabelMarginLoss", "HuberLoss", "SmoothL1Loss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
        "CosineEmbeddingLoss", "MultiMarginLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    }
)


@dataclass(frozen=True)
class Refusal:
    reason: str


@dataclass(frozen=True)
class ResultShape:
    """How ``forward`` packed its result: ``loss`` (the loss alone), ``tuple``, ``dict`` or
    ``object`` (``Output(loss=..., logits=...)``), plus which key holds what."""

    kind: str
    loss_key: Union[int, str, None] = None
    prediction_key: Union[int, str, None] = None
    size: int = 1

    def role_of(self, key: Union[int, str]) -> Optional[str]:
        """'loss' or 'prediction' for a reader's key (``out[0]``, ``out["loss"]``, ``out.loss``)."""
        if self.kind == "tuple" and isinstance(key, int):
            key = key + self.size if key < 0 else key
        if key == self.loss_key:
            return "loss"
        if key == self.prediction_key:
            return "prediction"
        return None


@dataclass(frozen=True)
class LossPlan:
    class_name: str
    signature: Signature
    prediction: str
    """The name ``forward`` returns after the rewrite (and uses in the loss template)."""
    loss_template: cst.BaseExpression
    criterion: Optional[cst.BaseExpression]
    """The constructor of a criterion that ``forward`` built itself, to create at call sites."""
    criterion_is_constant: bool
    shape: ResultShape
    free_names: frozenset[str]
    """Module-level names the template and criterion use: imported at call sites in other files."""
    uses_self: bool
    labels_uses: int
    # How forward itself changes:
    forward_node: cst.FunctionDef = field(compare=False)
    removed_statements: tuple[cst.CSTNode, ...] = field(compare=False)
    return_statement: cst.SimpleStatementLine = field(compare=False)
    hoisted_prediction: Optional[cst.BaseExpression] = field(default=None, compare=False)
    source_node: Optional[cst.FunctionDef] = field(default=None, compare=False)
    """The function as the file has it, when ``forward_node`` is a rewritten copy of it
    (``labels = labels.long()`` inlined): edits then replace it whole."""


PlanResult = Union[LossPlan, Refusal, None]


def _packed_result(
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


def _is_criterion_constructor(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call):
        return False
    name = dotted(node.func)
    if name is None:
        return False
    last = name.rpartition(".")[2]
    return last in TORCH_LOSS_CLASSES or last.endswith("Loss")


def _locals_of(func: cst.FunctionDef) -> set[str]:
    """Every name ``forward`` binds: parameters and assignment targets anywhere in its body."""
    bound = {p.name.value for p in _all_params(func.params)}

    class Binder(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            bound.update(n.value for n in name_nodes(node.target) if not isinstance(node.target, cst.Attribute))

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name):
                bound.add(node.target.value)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if isinstance(node.target, cst.Name):
                bound.add(node.target.value)

        def visit_For(self, node: cst.For) -> None:
            bound.update(names_in(node.target))

        def visit_AsName(self, node: cst.AsName) -> None:
            bound.update(names_in(node.name))

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            bound.update(names_in(node.target))

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            if node is not func:
                bound.add(node.name.value)
                return False
            return True

    func.visit(Binder())
    return bound


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


def inline_label_conversions(func: cst.FunctionDef) -> Optional[cst.FunctionDef]:
    """``func`` with its ``labels = labels.long()`` lines inlined into the uses; itself when
    it has none; None when ``labels`` is assigned in a way that cannot be inlined."""
    if LABELS_PARAM not in _assigned_label_names(func):
        return func
    inliner = _InlineConversions()
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


def plan_forward(cls: cst.ClassDef, func: cst.FunctionDef, signature: Signature, optional_labels: bool = False) -> PlanResult:
    """``optional_labels``: ``func`` is the labels-given view of a ``labels=None`` forward."""
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

    # Top-level `name = value` lines, the only statements a loss may be computed in.
    assignments: dict[str, tuple[cst.SimpleStatementLine, cst.BaseExpression]] = {}
    assigned_twice: set[str] = set()
    for statement in statements[:-1]:
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Assign)
            and len(statement.body[0].targets) == 1
            and isinstance(statement.body[0].targets[0].target, cst.Name)
        ):
            name = statement.body[0].targets[0].target.value  # type: ignore[union-attr]
            if name in assignments:
                assigned_twice.add(name)
            assignments[name] = (statement, statement.body[0].value)
    local_names = _locals_of(func)

    def depends_on_labels(node: cst.CSTNode, seen: frozenset[str] = frozenset()) -> bool:
        for name in names_in(node):
            if name == LABELS_PARAM:
                return True
            if name in assignments and name not in seen and depends_on_labels(assignments[name][1], seen | {name}):
                return True
        return False

    # Which part of the result is the loss, and which the prediction.
    packed = _packed_result(returned)
    loss_part: cst.BaseExpression
    prediction_part: Optional[cst.BaseExpression] = None
    if isinstance(packed, str):
        return _refuse_if_labels_loss(func, packed)
    if packed is not None:
        kind, keys, values = packed
        lossy = [i for i, v in enumerate(values) if depends_on_labels(v)]
        if not lossy:
            return None
        if len(values) != 2 or len(lossy) != 1:
            return Refusal("forward returns more than a loss and one prediction")
        loss_at, prediction_at = lossy[0], 1 - lossy[0]
        shape = ResultShape(kind, keys[loss_at], keys[prediction_at], 2)
        loss_part, prediction_part = values[loss_at], values[prediction_at]
    else:
        if not depends_on_labels(returned):
            return None
        shape = ResultShape("loss")
        loss_part = returned

    if prediction_part is not None and not isinstance(prediction_part, cst.Name):
        return Refusal(f"forward returns its prediction as `{code_of(prediction_part)}`, not as a plain variable")

    # Expand the loss into one expression over forward's values.
    removed: list[cst.CSTNode] = []
    criterion: Optional[cst.BaseExpression] = None
    template = loss_part

    def expand(node: cst.BaseExpression, depth: int = 0) -> Union[cst.BaseExpression, Refusal]:
        nonlocal criterion
        if depth > 20:
            return Refusal("the loss is computed through too many steps")
        if (
            isinstance(node, cst.Call)
            and _is_criterion_constructor(node.func)
        ):
            if criterion is not None:
                return Refusal("forward builds more than one criterion")
            criterion = node.func
            node = node.with_changes(func=cst.Name(CRITERION))
        mapping: dict[str, cst.BaseExpression] = {}
        for name in sorted(names_in(node)):
            if name not in assignments or name == LABELS_PARAM:
                continue
            if prediction_part is not None and name == prediction_part.value:  # type: ignore[union-attr]
                continue
            if name in assigned_twice:
                return Refusal(f"the loss uses `{name}`, which forward assigns more than once")
            statement, value = assignments[name]
            if _is_criterion_constructor(value):
                if criterion is not None:
                    return Refusal("forward builds more than one criterion")
                criterion = value
                mapping[name] = cst.Name(CRITERION)
                removed.append(statement)
            elif depends_on_labels(value):
                inner = expand(value, depth + 1)
                if isinstance(inner, Refusal):
                    return inner
                mapping[name] = inner
                removed.append(statement)
        return substitute(node, mapping) if mapping else node

    if isinstance(loss_part, cst.Name):
        if loss_part.value not in assignments:
            return Refusal(f"the loss `{loss_part.value}` is not computed by a plain assignment")
        if loss_part.value in assigned_twice:
            return Refusal(f"forward assigns the loss `{loss_part.value}` more than once")
        statement, value = assignments[loss_part.value]
        removed.append(statement)
        expanded = expand(value)
    else:
        expanded = expand(loss_part)
    if isinstance(expanded, Refusal):
        return expanded
    template = expanded

    # The rest of forward must not need what is being moved out.
    kept = [s for s in statements if s not in removed]
    for statement in kept[:-1]:
        used = names_in(statement)
        if LABELS_PARAM in used:
            return Refusal("labels are also used outside the loss")
        moved = {
            s.body[0].targets[0].target.value  # type: ignore[union-attr]
            for s in removed
            if isinstance(s, cst.SimpleStatementLine)
        }
        if used & moved:
            name = sorted(used & moved)[0]
            return Refusal(f"forward also uses `{name}`, which the loss move would take away")
    if prediction_part is not None and LABELS_PARAM in names_in(prediction_part):
        return Refusal("the prediction depends on labels")

    # The prediction: what forward returns from now on.
    template_locals = (names_in(template) & local_names) - {LABELS_PARAM, "self"}
    hoisted: Optional[cst.BaseExpression] = None
    if prediction_part is not None:
        prediction = prediction_part.value  # type: ignore[union-attr]
        others = sorted(template_locals - {prediction})
        alias = assignments.get(prediction)
        if (
            others == [code_of(alias[1])] if alias is not None and isinstance(alias[1], cst.Name) else False
        ) and prediction not in assigned_twice and others[0] not in assigned_twice:
            # `prob = logits`: the same tensor under two names; the loss reads it as the prediction.
            template = substitute(template, {others[0]: cst.Name(prediction)})
            others = []
        if others:
            derived = assignments.get(prediction)
            if derived is not None and others[0] in names_in(derived[1]):
                return Refusal(
                    f"the loss uses `{others[0]}`, while forward returns `{prediction}` computed from it "
                    f"(`{prediction} = {code_of(derived[1])}`): moving both is not supported yet"
                )
            return Refusal(f"the loss uses the forward-local `{others[0]}` besides the prediction")
    else:
        found = _prediction_from_loss(template, local_names, signature)
        if isinstance(found, Refusal):
            return Refusal(found.reason)
        if found is None:
            return None
        prediction, hoisted, template = found
        local_names = local_names | {prediction}
    if not _calls_self_submodule(kept) and hoisted is None:
        return None  # a loss module: its inputs are already predictions
    if prediction in {p.name for p in signature.params} and prediction not in assignments and hoisted is None:
        return None  # the loss of an input as given: a loss module, not a model (`x = self.fc(x)` is one)

    criterion_names = names_in(criterion) if criterion is not None else set()
    criterion_locals = (criterion_names & local_names) - {"self"}
    if criterion_locals:
        return Refusal(f"the criterion uses the forward-local `{sorted(criterion_locals)[0]}`")
    free = (names_in(template) | criterion_names) - local_names - BUILTIN_NAMES - {CRITERION, "self"}
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
        uses_self="self" in names_in(template) or "self" in criterion_names,
        labels_uses=labels_uses,
        forward_node=func,
        removed_statements=tuple(removed),
        return_statement=last,
        hoisted_prediction=hoisted,
        source_node=source_node,
    )


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

