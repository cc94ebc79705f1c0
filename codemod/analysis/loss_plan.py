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
from typing import Callable, Optional, Union

from codemod.analysis.containers import fold_containers
from codemod.analysis.derivations import Flow, call_inputs, movable_check
from codemod.analysis.effects import changed_after_loss, model_parts
from codemod.analysis.label_conversions import inline_label_conversions, labels_reassigned
from codemod.analysis.prediction import (
    PREDICTION_SEEN,
    calls_self_submodule,
    choose_root,
    compared_with_labels,
    left_unread,
    prediction_from_loss,
    returnable,
)
from codemod.cst.bindings import bound_names
from codemod.cst.conditionals import folded, reads_on_one_path
from codemod.cst.nodes import BUILTIN_NAMES, code_of, is_criterion_constructor, name_nodes, names_in, substitute
from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason
from codemod.vocabulary import CRITERION, LABELS_PARAM, LOSS_CLASS_SUFFIXES, LossPlan, PlanResult, Refusal, ResultKind, ResultShape, Signature

# Method calls that only reshape or cast a prediction before the loss: they stay with the loss.


def packed_result(
    returned: cst.BaseExpression,
) -> Union[tuple[ResultKind, list[Union[int, str]], list[cst.BaseExpression]], Refusal, None]:
    """``(kind, keys, values)`` for ``return a, b``, ``return {"k": a}`` and
    ``return Output(k=a)``; None for a single value; a ``Refusal`` for a shape we can't read."""
    if isinstance(returned, cst.Tuple) and len(returned.elements) >= 2:
        if any(isinstance(e, cst.StarredElement) for e in returned.elements):
            starred = next(e for e in returned.elements if isinstance(e, cst.StarredElement))
            return Refusal.of(ForwardReason.STARRED_RESULT, value=code_of(starred.value))
        return ResultKind.TUPLE, list(range(len(returned.elements))), [e.value for e in returned.elements]
    if isinstance(returned, cst.Dict):
        keys: list[Union[int, str]] = []
        for element in returned.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
                return Refusal.of(ForwardReason.DICT_WITHOUT_STRING_KEYS)
            keys.append(element.key.evaluated_value)  # type: ignore[arg-type]  # a str literal key: bytes never reach here
        return ResultKind.DICT, keys, [e.value for e in returned.elements]
    if isinstance(returned, cst.Call) and returned.args and all(a.keyword is not None for a in returned.args):
        return ResultKind.OBJECT, [a.keyword.value for a in returned.args], [a.value for a in returned.args]  # type: ignore[union-attr]  # every argument has a keyword: checked just above
    return None


def locals_of(func: cst.FunctionDef) -> set[str]:
    """Every name ``forward`` binds: parameters and assignment targets anywhere in its body."""
    return bound_names(func, params=True)


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


def plan_forward(
    cls: cst.ClassDef,
    func: cst.FunctionDef,
    signature: Signature,
    optional_labels: bool = False,
    returns_without_labels: Optional[str] = None,
    read_twice_beside: bool = True,
) -> PlanResult:
    """``optional_labels``: ``func`` is the labels-given view of a forward that also runs
    without labels (``labels=None``), and ``returns_without_labels`` the name its other view
    returns, if that is one name. ``read_twice_beside``: a value the loss reads more than once
    is returned beside the prediction where it can be; else it is computed at the calls, and
    no call with labels can be rewritten (``LossPlan.labelled_refusal``)."""
    labels_param = signature.param(LABELS_PARAM)
    if labels_param is None or (labels_param.has_default and not optional_labels):
        return None
    if cls.name.value.endswith(LOSS_CLASS_SUFFIXES):
        return None
    inlined = inline_label_conversions(func)
    if inlined is None:
        return _refuse_if_labels_loss(func, labels_reassigned(func))
    if isinstance(inlined.body, cst.IndentedBlock):
        # A result built step by step (`out["loss"] = ...`) is read as the display it amounts to.
        inlined = inlined.with_changes(body=inlined.body.with_changes(body=fold_containers(inlined.body.body)))
    body = inlined.body
    if not isinstance(body, cst.IndentedBlock) or not body.body:
        return None
    last = body.body[-1]
    if not (
        isinstance(last, cst.SimpleStatementLine)
        and len(last.body) == 1
        and isinstance(last.body[0], cst.Return)
        and last.body[0].value is not None
    ):
        return _refuse_if_labels_loss(inlined, Refusal.of(ForwardReason.NOT_ENDING_IN_RETURN))
    if len(_returns(inlined)) != 1:
        return _refuse_if_labels_loss(inlined, Refusal.of(ForwardReason.SEVERAL_RETURNS))
    source = func if code_of(inlined) != code_of(func) else None
    planner = _ForwardPlanner(cls, inlined if source is not None else func, source)
    planner.read_twice_beside = read_twice_beside
    return planner.plan(signature, returns_without_labels)


def labels_dependent(cls: cst.ClassDef, func: cst.FunctionDef) -> Callable[[cst.BaseExpression], bool]:
    """Does a value at ``func``'s final ``return`` depend on the labels, through its lines?"""
    planner = _ForwardPlanner(cls, func, None)
    return lambda value: planner.depends_on_labels(value, planner.returned_at)


class _ForwardPlanner:
    """The phases of one plan: which part of the result is the loss; the loss expanded into one
    expression over forward's values; what the rest of forward still needs; the prediction
    forward returns from now on; the plan.

    Top-level ``name = value`` lines are the only statements a loss may be computed in; a name
    assigned on several lines (``loss = a * labels`` then ``loss = -loss.mean()``) has a version
    per line, and each read is of the version assigned last before it."""

    def __init__(self, cls: cst.ClassDef, func: cst.FunctionDef, source_node: Optional[cst.FunctionDef]) -> None:
        self.class_name = cls.name.value
        self.cls = cls
        self.func = func
        self.source_node = source_node
        self.statements = list(func.body.body)  # an IndentedBlock: plan_forward checked
        self.last: cst.SimpleStatementLine = self.statements[-1]  # type: ignore[assignment]  # checked likewise
        self.returned: cst.BaseExpression = self.last.body[0].value  # type: ignore[attr-defined]  # a `return` with a value: plan_forward checked
        self.local_names = locals_of(func)
        self.inputs = call_inputs(func)
        self.flow = Flow(self.statements[:-1], self.local_names, frozenset(self.inputs))
        self.returned_at = len(self.statements) - 1
        self.movable = movable_check(cls)
        self.removed: list[int] = []
        self.criterion: Optional[cst.BaseExpression] = None
        self.reads: dict[str, set[Optional[int]]] = {}
        """The values the loss reads that are not part of it (the prediction), by version."""
        self.read_twice_beside = True

    def depends_on_labels(self, node: cst.CSTNode, at: int, seen: frozenset[int] = frozenset()) -> bool:
        for name in names_in(node):
            if name == LABELS_PARAM:
                return True
            line = self.flow.reaching(name, at)
            if line is not None and line >= 0 and line not in seen and self.depends_on_labels(self.flow.value(line), line, seen | {line}):
                return True
            if line is None and any(
                # bound in a loop, a `with`, an unpacking: any of those lines may give its value
                name in bound_names(statement, mutations=True) and self.depends_on_labels(statement, index, seen | {index})
                for index, statement in enumerate(self.statements[:at])
                if index not in seen and index not in self.flow.values
            ):
                return True
        return False

    def plan(self, signature: Signature, returns_without_labels: Optional[str]) -> PlanResult:
        split = self.split_result()
        if not isinstance(split, tuple):
            return split
        shape, loss_part, prediction_part = split
        template = self.expand_loss(loss_part)
        if isinstance(template, Refusal):
            return template
        refusal = self.rest_refusal(prediction_part)
        if refusal is not None:
            return refusal
        chosen = self.prediction(template, prediction_part, signature, returns_without_labels)
        if not isinstance(chosen, _Prediction):
            return chosen
        return self.loss_plan(signature, shape, chosen)

    def split_result(self) -> Union[tuple[ResultShape, cst.BaseExpression, Optional[cst.Name]], PlanResult]:
        """Which part of the result is the loss, and which the prediction."""
        packed = packed_result(self.returned)
        if isinstance(packed, Refusal):
            return _refuse_if_labels_loss(self.func, packed)
        if packed is None:
            if not self.depends_on_labels(self.returned, self.returned_at):
                return None
            return ResultShape(ResultKind.LOSS), self.returned, None
        kind, keys, values = packed
        lossy = [i for i, v in enumerate(values) if self.depends_on_labels(v, self.returned_at)]
        if not lossy:
            return None
        unread = [v.value for i in lossy if isinstance(v := values[i], cst.Name) and self.flow.reaching(v.value, self.returned_at) is None]
        if unread:
            return Refusal.of(ForwardReason.LOSS_NOT_ASSIGNED, name=unread[0])
        if len(lossy) > 1:
            return Refusal.of(ForwardReason.SEVERAL_FROM_LABELS, names=", ".join(f"`{code_of(values[i])}`" for i in lossy))
        if len(values) != 2:
            return Refusal.of(ForwardReason.MORE_THAN_LOSS_AND_PREDICTION)
        loss_at, prediction_at = lossy[0], 1 - lossy[0]
        prediction_part = values[prediction_at]
        if not isinstance(prediction_part, cst.Name):
            return Refusal.of(ForwardReason.PREDICTION_NOT_A_NAME, code=code_of(prediction_part))
        return ResultShape(kind, keys[loss_at], keys[prediction_at], 2, loss_first=loss_at == 0), values[loss_at], prediction_part

    def expand_loss(self, loss_part: cst.BaseExpression) -> Union[cst.BaseExpression, Refusal]:
        """The loss as one expression over forward's values (the lines it took are ``removed``)."""
        if isinstance(loss_part, cst.Name):
            line = self.flow.reaching(loss_part.value, self.returned_at)
            if line is None or line < 0:
                return Refusal.of(ForwardReason.LOSS_NOT_ASSIGNED, name=loss_part.value)
            self.removed.append(line)
            return self.expand(self.flow.value(line), line)
        return self.expand(loss_part, self.returned_at)

    def expand(self, node: cst.BaseExpression, at: int, depth: int = 0) -> Union[cst.BaseExpression, Refusal]:
        if depth > 20:
            return Refusal.of(ForwardReason.TOO_MANY_STEPS)
        if isinstance(node, cst.Call) and is_criterion_constructor(node.func):
            if self.criterion is not None:
                return Refusal.of(ForwardReason.SEVERAL_CRITERIA)
            self.criterion = node.func
            node = node.with_changes(func=cst.Name(CRITERION))
        mapping: dict[str, cst.BaseExpression] = {}
        reads = reads_on_one_path(node)
        for name in sorted(names_in(node) & self.local_names - {LABELS_PARAM, "self"}):
            line = self.flow.reaching(name, at)
            if line is None or line < 0:
                self.reads.setdefault(name, set()).add(line)
                continue
            value = self.flow.value(line)
            if is_criterion_constructor(value):
                # One line read twice (`loss_fct(...)` and `loss_fct.ignore_index`) is one criterion.
                if self.criterion is not None and self.criterion is not value:
                    return Refusal.of(ForwardReason.SEVERAL_CRITERIA)
                self.criterion = value
                mapping[name] = cst.Name(CRITERION)
                self.removed.append(line)
            elif self.depends_on_labels(value, line):
                if reads[name] > 1:
                    return Refusal.of(ForwardReason.LOSS_READS_TWICE, name=name)
                inner = self.expand(value, line, depth + 1)
                if isinstance(inner, Refusal):
                    return inner
                mapping[name] = inner
                self.removed.append(line)
            else:
                self.reads.setdefault(name, set()).add(line)
        return substitute(node, mapping) if mapping else node

    def rest_refusal(self, prediction_part: Optional[cst.Name]) -> Optional[Refusal]:
        """The rest of forward must not need what is being moved out."""
        moved = {self.flow.name(line) for line in self.removed}
        for index, statement in enumerate(self.statements[:-1]):
            if index in self.removed:
                continue
            used = names_in(statement)
            if LABELS_PARAM in used:
                return Refusal.of(ForwardReason.LABELS_USED_ELSEWHERE)
            if used & moved:
                name = sorted(used & moved)[0]
                return Refusal.of(ForwardReason.VALUE_TAKEN_AWAY, name=name)
        return None

    def prediction(
        self, template: cst.BaseExpression, prediction_part: Optional[cst.Name], signature: Signature, returns_without_labels: Optional[str]
    ) -> Union["_Prediction", PlanResult]:
        """What forward returns from now on, and the loss template in its terms."""
        template_locals = (names_in(template) & self.local_names) - {LABELS_PARAM, "self"}
        for name in sorted(template_locals):
            if len(self.reads.get(name, ())) > 1:
                return Refusal.of(ForwardReason.READ_ACROSS_REASSIGNMENT, name=name)
        if (
            prediction_part is None
            and returns_without_labels is not None
            and returns_without_labels in self.local_names - {LABELS_PARAM, "self"}
            and not self.depends_on_labels(cst.Name(returns_without_labels), self.returned_at)
        ):
            # `return loss` with labels, `return logits` without: the new forward returns what
            # calls without labels got, and the loss is computed from it where it can be.
            prediction_part = cst.Name(returns_without_labels)
        if prediction_part is None:
            beside = self.returned_beside(template, template_locals, signature)
            if beside is not None:
                prediction, extras = beside
                return _Prediction(prediction, template, next(iter(self.reads[prediction])), extras=extras)
            found = prediction_from_loss(template, self.local_names, signature, frozenset(self.inputs))
            if isinstance(found, Refusal):
                return found
            if found is None:
                return None
            prediction, hoisted, template = found
            root_line = next(iter(self.reads.get(prediction, {-1}))) if hoisted is None else -1
            self.local_names = self.local_names | {prediction}
            return _Prediction(prediction, template, root_line, hoisted=hoisted)
        template_reads = reads_on_one_path(template)
        read_twice = frozenset(name for name in template_locals if self.read_twice_beside and template_reads[name] > 1)
        chosen = choose_root(
            self.flow, self.movable, template_locals, self.reads, prediction_part.value, self.returned_at, returns_without_labels,
            frozenset(self.removed), read_twice,
        )
        if isinstance(chosen, Refusal):
            return chosen
        prediction, root_line, derived, dropped, extras = chosen
        seen: Optional[cst.BaseExpression] = None
        labelled_refusal: Optional[Refusal] = None
        for name, derivation in sorted(derived.items()):
            if name == PREDICTION_SEEN:
                seen = derivation.expression
            elif name in self.inputs:
                continue  # the call's own argument: read again, nothing is computed twice
            elif template_reads[name] > 1:
                labelled_refusal = Refusal.of(
                    ForwardReason.DERIVED_READ_TWICE, name=name, prediction=prediction, code=code_of(derivation.expression)
                )
        template = substitute(template, {name: d.expression for name, d in derived.items() if name != PREDICTION_SEEN})
        return _Prediction(prediction, template, root_line, dropped=dropped, seen=seen, labelled_refusal=labelled_refusal, extras=extras)

    def returned_beside(
        self, template: cst.BaseExpression, template_locals: set[str], signature: Signature
    ) -> Optional[tuple[str, tuple[str, ...]]]:
        """``return loss`` of a loss reading several values of forward: the one the labels are
        compared with is the prediction, the others are returned beside it, each as the loss read
        it (a line of its own, not assigned again before the return). None when that is not so."""
        template_locals = template_locals - set(self.inputs)  # the call has those: nothing to return
        if len(template_locals) < 2 or template_locals & {p.name for p in signature.params}:
            return None
        compared = compared_with_labels(template, self.local_names) & template_locals
        if len(compared) != 1:
            return None
        for name in template_locals:
            versions = self.reads.get(name, set())
            line = next(iter(versions)) if len(versions) == 1 else None
            if not returnable(self.flow, (name, line), self.returned_at, frozenset(self.removed)):
                return None
        prediction = compared.pop()
        return prediction, tuple(sorted(template_locals - {prediction}))

    def changed_after_loss(self, template: cst.BaseExpression, read_inputs: tuple[tuple[str, Optional[str]], ...]) -> Optional[Refusal]:
        free = names_in(template) - self.local_names - BUILTIN_NAMES - {CRITERION, "self"}
        return changed_after_loss(
            self.statements, frozenset(self.removed), self.returned_at, template, self.criterion, frozenset(free),
            tuple(n for n, _ in read_inputs), model_parts(self.cls),
        )

    def unread(self, index: int) -> bool:
        """Is line ``index`` a plain assignment computed without effects whose value nothing
        after it reads, the return included? Then it can go with the loss."""
        if index not in self.flow.values or not self.movable(self.flow.value(index)):
            return False
        version = (self.flow.name(index), index)
        if any(self.flow.reads(j, version) for j in range(index + 1, len(self.statements) - 1)):
            return False
        return not (version[0] in names_in(self.returned) and self.flow.reaching(version[0], self.returned_at) == index)

    def loss_plan(self, signature: Signature, shape: ResultShape, chosen: "_Prediction") -> PlanResult:
        prediction, root_line, hoisted = chosen.name, chosen.root_line, chosen.hoisted
        # A branch read as conditional expressions repeats its test in every value it set.
        template = folded(chosen.template)
        if hoisted is None:
            # `return logits` in the new forward must give the value the loss read: nothing that
            # stays may assign it after that (after the loss, for a value bound by a tuple or loop).
            after = root_line if root_line is not None else min(self.removed, default=self.returned_at - 1)
            for index in range(after + 1, len(self.statements) - 1):
                if index not in self.removed and index not in chosen.dropped and prediction in self.flow.stored(index):
                    if self.unread(index):
                        self.removed.append(index)  # `scores = scores.softmax(-1)` before `return loss`: dead
                        continue
                    return Refusal.of(ForwardReason.PREDICTION_REASSIGNED, name=prediction)
        self.removed.extend(chosen.dropped)
        if hoisted is None:
            extra_lines = frozenset(line for name in chosen.extras if (line := self.flow.reaching(name, self.returned_at)) is not None)
            self.removed.extend(left_unread(self.flow, self.movable, set(self.removed), self.returned, self.returned_at, root_line, extra_lines))
        kept = [s for i, s in enumerate(self.statements) if i not in self.removed]
        if not calls_self_submodule(kept) and hoisted is None:
            return None  # a loss module: its inputs are already predictions
        if prediction in {p.name for p in signature.params} and root_line == -1 and hoisted is None:
            return None  # the loss of an input as given: a loss module, not a model (`x = self.fc(x)` is one)
        criterion_names = names_in(self.criterion) if self.criterion is not None else set()
        criterion_locals = (criterion_names & self.local_names) - {"self"}
        if criterion_locals:
            return Refusal.of(ForwardReason.CRITERION_USES_LOCAL, name=sorted(criterion_locals)[0])
        seen_names = names_in(chosen.seen) if chosen.seen is not None else set()
        read_inputs = tuple((name, self.inputs[name]) for name in sorted(names_in(template) & set(self.inputs)))
        refusal = self.changed_after_loss(template, read_inputs)
        if refusal is not None:
            return refusal
        free = (names_in(template) | criterion_names | seen_names) - self.local_names - BUILTIN_NAMES - {CRITERION, "self"}
        return LossPlan(
            class_name=self.class_name,
            signature=signature,
            prediction=prediction,
            loss_template=template,
            criterion=self.criterion,
            criterion_is_constant="self" not in criterion_names,
            shape=shape,
            free_names=frozenset(free),
            uses_self="self" in names_in(template) or "self" in criterion_names or "self" in seen_names,
            labels_uses=sum(1 for n in name_nodes(template) if n.value == LABELS_PARAM),
            forward_node=self.func,
            removed_statements=tuple(self.statements[i] for i in sorted(set(self.removed))),
            return_statement=self.last,
            hoisted_prediction=hoisted,
            source_node=self.source_node,
            seen_prediction=chosen.seen,
            labelled_refusal=chosen.labelled_refusal,
            extras=chosen.extras,
            inputs=read_inputs,
        )


@dataclass
class _Prediction:
    name: str
    template: cst.BaseExpression
    """The loss template with the prediction's derived values substituted."""
    root_line: Optional[int]
    """The line that assigns the value forward returns from now on (-1: a parameter)."""
    hoisted: Optional[cst.BaseExpression] = None
    dropped: list[int] = field(default_factory=list)
    seen: Optional[cst.BaseExpression] = None
    labelled_refusal: Optional[Refusal] = None
    extras: tuple[str, ...] = ()


# Loss functions of torch.nn.functional whose names do not say "loss".
_UNSAID_LOSSES = ("cross_entropy", "kl_div")


def _refuse_if_labels_loss(func: cst.FunctionDef, refusal: Refusal) -> Optional[Refusal]:
    """A forward we cannot read is only a finding if it visibly computes a loss from labels."""
    text = code_of(func).lower()
    return refusal if "loss" in text or any(name in text for name in _UNSAID_LOSSES) else None

