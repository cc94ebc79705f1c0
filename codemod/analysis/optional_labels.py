"""A ``forward(..., labels=None)`` seen with labels given, and seen without them.

Optional-labels forwards branch on the labels: ``if labels is not None:`` computes the loss,
``(loss, logits) if labels is not None else logits`` picks the result, ``loss = None`` stands
in when there are none. Specializing the function for each case turns the labels-given view
into the required-labels shape that ``loss_plan`` reads, and gives the labels-absent view that
calls without labels must keep seeing::

    def forward(self, x, labels=None):        given:                      absent:
        logits = self.fc(x)                     logits = self.fc(x)         logits = self.fc(x)
        loss = None                             loss = F.mse_loss(...)      loss = None
        if labels is not None:                  return loss, logits         return logits
            loss = F.mse_loss(logits, labels)
        return (loss, logits) if loss is not None else logits

Only tests the specializer can decide are rewritten: ``labels is [not] None`` and
``name is [not] None`` for a name set to ``None`` that only labels-guarded code assigns.
Anything else that looks at ``labels`` makes the views ``None`` (not understood).

A placeholder may also be another constant (``loss = 0``, ``torch.tensor(0.)``): with labels it
is overwritten before anything reads it, so that first line goes from the view; without labels it
stays what the result holds. Each view then has the result it builds step by step folded into
the display it returns (``analysis.containers``), so ``out["loss"] = ...`` and ``outputs =
(loss,) + outputs`` read as one ``return``.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

from codemod.analysis.branches import as_conditional_lines
from codemod.analysis.containers import fold_containers
from codemod.analysis.effects import ModelParts
from codemod.cst.bindings import bound_names
from codemod.cst.nodes import code_of, is_criterion_constructor, name_nodes, named_params, names_in, single_name_target
from codemod.lazy_libcst import cst
from codemod.analysis.label_conversions import labels_reassigned
from codemod.reasons import ForwardReason
from codemod.vocabulary import LABELS_PARAM, Refusal


@dataclass(frozen=True)
class Views:
    given: cst.FunctionDef
    absent: cst.FunctionDef
    placeholders: frozenset[str]
    """Names ``forward`` sets to a constant (``None``, ``0``, ``torch.tensor(0.)``) and assigns
    again only when labels are given (``loss``)."""
    placeholder_lines: frozenset[str] = frozenset()
    """Those first assignments, as code (``loss = 0``): without labels they only give the
    loss slot of the result its value."""
    none_placeholders: frozenset[str] = frozenset()
    """Those set to ``None``: without labels the loss slot they fill is empty."""
    branches_read: bool = False
    """A branch on something else that computes from the labels is read as conditional
    expressions (``analysis.branches``): the views differ from ``forward`` even where they
    are the same."""


def _none_test(test: cst.BaseExpression) -> Optional[tuple[str, bool]]:
    """``x is None`` / ``x == None`` -> ("x", True); ``x is not None`` / ``x != None`` ->
    ("x", False); else None."""
    if (
        isinstance(test, cst.Comparison)
        and isinstance(test.left, cst.Name)
        and len(test.comparisons) == 1
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        operator = test.comparisons[0].operator
        # `== None` on a tensor or None is `is None` (a tensor compares unequal to None).
        if isinstance(operator, (cst.Is, cst.Equal)):
            return test.left.value, True
        if isinstance(operator, (cst.IsNot, cst.NotEqual)):
            return test.left.value, False
    return None


def _is_none_assignment(statement: cst.CSTNode) -> Optional[str]:
    """The name of a line ``name = None``."""
    target = single_name_target(statement)
    if target is not None and isinstance(target[1], cst.Name) and target[1].value == "None":
        return target[0]
    return None


def _is_constant_assignment(statement: cst.CSTNode) -> Optional[str]:
    """The name of a line setting it to a constant: ``None``, a number, ``torch.tensor(0.)``."""
    target = single_name_target(statement)
    if target is not None and _is_constant(target[1]):
        return target[0]
    return None


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "None"
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return isinstance(node.expression, (cst.Integer, cst.Float))
    return (
        isinstance(node, cst.Call)
        and code_of(node.func) == "torch.tensor"
        and len(node.args) == 1
        and node.args[0].keyword is None
        and isinstance(node.args[0].value, (cst.Integer, cst.Float))
    )


def _statements(block: cst.BaseSuite) -> list[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return list(block.body)
    assert isinstance(block, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=list(block.body))]


class _NotUnderstood(Exception):
    """A statement the two-path reading cannot model, and why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal


class _Specializer:
    def __init__(self, given: bool, placeholders: set[str], none_placeholders: set[str], func: cst.FunctionDef, parts: ModelParts) -> None:
        self.given = given
        self.placeholders = placeholders
        self.none_placeholders = none_placeholders
        """Placeholders whose None-ness is the labels' (``loss = None``): a test of one is decided."""
        self.func = func
        self.parts = parts
        self.changed = bound_names(func.body, mutations=True)
        self.branches_read = False
        self.under_labels = False
        self.from_labels = {LABELS_PARAM}
        """The labels and the names the view so far computed from them."""
        """Reading code that runs only where labels are given (``if labels is not None:``)."""
        self.params = frozenset(p.name.value for p in named_params(func))
        self.bound = set(self.params)
        """Names bound on every run of the view so far: parameters, lines the view runs unconditionally."""

    def decide(self, test: cst.BaseExpression) -> Optional[bool]:
        found = _none_test(test)
        if found is not None:
            name, is_none = found
            if name == LABELS_PARAM or name in self.none_placeholders:
                return is_none != self.given
        if LABELS_PARAM in names_in(test):
            raise _NotUnderstood(Refusal.of(ForwardReason.LABELS_TEST, test=code_of(test)))
        if names_in(test) & self.placeholders:
            name = sorted(names_in(test) & self.placeholders)[0]
            raise _NotUnderstood(Refusal.of(ForwardReason.PLACEHOLDER_TEST, test=code_of(test), name=name))
        return None

    def block(self, statements: Sequence[cst.BaseStatement], top: bool) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        for statement in statements:
            if isinstance(statement, cst.If):
                decision = self.decide(statement.test)
                if decision is True:
                    chosen = self.labels_only(statement, lambda: self.block(_statements(statement.body), top))
                elif decision is False:
                    orelse = statement.orelse
                    if orelse is None:
                        chosen = []
                    elif isinstance(orelse, cst.Else):
                        chosen = self.block(_statements(orelse.body), top)
                    else:
                        chosen = self.block([orelse.with_changes(leading_lines=())], top)  # an elif
                else:
                    converted = self.as_conditional_lines(statement, statements)
                    if converted is None:
                        self.refuse_if_reads_labels(statement, f"if {code_of(statement.test)}")
                    chosen = [statement] if converted is None else self.block(converted, top)
                if chosen and statement.leading_lines and isinstance(chosen[0], (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                    chosen[0] = chosen[0].with_changes(leading_lines=statement.leading_lines)
                out.extend(chosen)
            elif isinstance(statement, cst.SimpleStatementLine):
                out.append(statement.visit(_expressions()(self)))  # type: ignore[arg-type]  # rewriting expressions leaves a statement line
                self.bound |= bound_names(statement)
                if names_in(statement) & self.from_labels:
                    self.from_labels |= bound_names(statement, mutations=True)
            else:
                self.refuse_if_reads_labels(statement, _header(statement))
                out.append(statement)
            if out and isinstance(out[-1], cst.SimpleStatementLine) and any(isinstance(s, (cst.Return, cst.Raise)) for s in out[-1].body):
                break  # what follows a return is dead in this view
        return out

    def labels_only(self, test: cst.If, read: Callable[[], list[cst.BaseStatement]]) -> list[cst.BaseStatement]:
        """``read()`` of the arm a labels test chose, knowing whether only labels run it."""
        outer = self.under_labels
        found = _none_test(test.test)
        self.under_labels = outer or (self.given and found is not None and found[0] == LABELS_PARAM)
        try:
            return read()
        finally:
            self.under_labels = outer

    def as_conditional_lines(self, branch: cst.If, block: Sequence[cst.BaseStatement]) -> Optional[list[cst.BaseStatement]]:
        """A branch on something other than the labels that computes from them (how the loss
        is masked, which criterion): its lines as conditional expressions, which move with the
        loss (``analysis.branches``); None for any other branch, kept as it is."""
        read = names_in(branch)
        if not self.under_labels and (not read & self.from_labels or read & self.placeholders):
            return None  # a branch packing the loss (`output = (loss,) + output`) chooses the result's shape
        later = _statements_after(self.func, branch)
        if later is None:
            return None  # a branch rebuilt from an `elif`: where it stands cannot be told
        converted = as_conditional_lines(branch, self.bound, _names_outside(self.func, branch), self.changed, later, self.parts, self.params)
        self.branches_read = self.branches_read or converted is not None
        return converted

    def refuse_if_reads_labels(self, statement: cst.BaseStatement, header: str) -> None:
        """A block run whatever the labels are must not read them, nor the values only labels set."""
        read = names_in(statement)
        if LABELS_PARAM not in read and not read & self.placeholders:
            return
        name = LABELS_PARAM if LABELS_PARAM in read else sorted(read & self.placeholders)[0]
        if not isinstance(statement, cst.If):
            raise _NotUnderstood(Refusal.of(ForwardReason.LABELS_IN_BLOCK, header=header, name=name))
        if name == LABELS_PARAM:
            raise _NotUnderstood(Refusal.of(ForwardReason.LABELS_UNDER_OTHER_TEST, header=header))
        raise _NotUnderstood(Refusal.of(ForwardReason.LOSS_UNDER_OTHER_TEST, header=header, name=name))


def _statements_after(func: cst.FunctionDef, branch: cst.CSTNode) -> Optional[list[cst.CSTNode]]:
    """The statements of ``func`` that run after ``branch`` (in source order, past its own
    body); None when ``branch`` is not one of them."""
    flat: list[cst.CSTNode] = []
    end: list[int] = []

    def walk(statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            flat.append(statement)
            if statement is branch:
                end.append(len(flat))
                continue
            for block in _blocks_of(statement):
                walk(block)

    walk(_statements(func.body))
    return flat[end[0] :] if end else None


def _blocks_of(statement: cst.CSTNode) -> list[Sequence[cst.CSTNode]]:
    """The statement lists nested in a compound statement (bodies, ``else``, ``elif``, handlers)."""
    blocks: list[Sequence[cst.CSTNode]] = []
    for child in statement.children:
        if isinstance(child, cst.BaseSuite):
            blocks.append(_statements(child))
        elif isinstance(child, cst.If):
            blocks.append([child])
        elif isinstance(child, (cst.Else, cst.ExceptHandler, cst.Finally)):
            blocks.extend(_blocks_of(child))
    return blocks


def _names_outside(func: cst.FunctionDef, branch: cst.CSTNode) -> set[str]:
    """The names ``func`` reads or binds outside ``branch``."""
    outside = Counter(n.value for n in name_nodes(func.body)) - Counter(n.value for n in name_nodes(branch))
    return set(outside)


def _header(statement: cst.BaseStatement) -> str:
    """The first line of a compound statement, without its colon: ``with torch.autocast("cpu")``."""
    first = code_of(statement.with_changes(leading_lines=())).strip().splitlines()[0]
    return first.rstrip(":").strip()


@functools.cache
def _expressions() -> type[Any]:
    """``_Expressions``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Expressions(cst.CSTTransformer):
        def __init__(self, specializer: _Specializer) -> None:
            self.specializer = specializer

        def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
            decision = self.specializer.decide(updated.test)
            if decision is None:
                return updated
            return updated.body if decision else updated.orelse

    return _Expressions


def _placeholders(func: cst.FunctionDef) -> set[str]:
    """Names set to a constant at the top of forward and assigned again only under a labels test."""
    body = _statements(func.body)
    initial = {name for s in body if (name := _is_constant_assignment(s)) is not None}
    guarded: set[str] = set()
    elsewhere: set[str] = set()
    for statement in body:
        if _is_constant_assignment(statement):
            continue
        if isinstance(statement, cst.If) and LABELS_PARAM in names_in(statement.test):
            guarded |= bound_names(statement, mutations=True)
        else:
            elsewhere |= bound_names(statement, mutations=True)
    return (initial & guarded) - elsewhere


def specialize(func: cst.FunctionDef, parts: ModelParts = ModelParts()) -> Optional[Views]:
    """Both views of ``func``, or None when it branches on labels in a way not understood."""
    found = read_paths(func, parts)
    return found if isinstance(found, Views) else None


def read_paths(func: cst.FunctionDef, parts: ModelParts = ModelParts()) -> Union[Views, Refusal]:
    """Both views of ``func``, or the statement the reading cannot model, and why. ``parts``:
    what the model's class assigns to ``self`` (``analysis.effects.model_parts``)."""
    placeholders = _placeholders(func)
    body = _statements(func.body)
    if LABELS_PARAM in bound_names(func.body, mutations=True):
        return labels_reassigned(func)  # its None-ness is not the caller's
    if not isinstance(func.body, cst.IndentedBlock):
        return Refusal.of(ForwardReason.ONE_LINE_FORWARD)
    initial = [s for s in body if _is_constant_assignment(s) in placeholders]
    none_placeholders = {name for s in initial if (name := _is_none_assignment(s)) is not None}
    try:
        given_reader = _Specializer(True, placeholders, none_placeholders, func, parts)
        absent_reader = _Specializer(False, placeholders, none_placeholders, func, parts)
        given = given_reader.block(body, True)
        absent = absent_reader.block(body, True)
    except _NotUnderstood as not_understood:
        return not_understood.refusal
    # With labels given, a placeholder's first value is overwritten before it is read: noise
    # that would read as a second assignment of the loss.
    given = _without_dead_starts(given, placeholders)
    if not given or not absent:
        return Refusal.of(ForwardReason.EMPTY_PATH, path="given" if not given else "absent")
    shared = {code_of(s) for s in absent}
    given = [t for s in given for t in (_shape_unpack_as_items(s) if code_of(s) not in shared else [s])]

    def as_function(statements: list[cst.BaseStatement]) -> cst.FunctionDef:
        return func.with_changes(body=func.body.with_changes(body=fold_containers(statements)))

    lines = frozenset(code_of(s.with_changes(leading_lines=())).strip() for s in initial)
    return Views(
        as_function(given), as_function(absent), frozenset(placeholders), lines, frozenset(none_placeholders),
        given_reader.branches_read or absent_reader.branches_read,
    )


def _shape_unpack_as_items(statement: cst.BaseStatement) -> list[cst.BaseStatement]:
    """``_, _, tags = logits.shape`` (or ``.size()``) as ``tags = logits.shape[2]``: one plain
    assignment per name the loss may read, so it can be computed from the prediction at the
    call. Only for lines of the labels-given path alone (they move with the loss or the plan
    refuses), and exact where the unpacking did not raise: the shape had that many entries."""
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return [statement]
    small = statement.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Tuple)):
        return [statement]
    value = small.value
    shape: Optional[cst.BaseExpression] = None
    if isinstance(value, cst.Attribute) and value.attr.value == "shape" and isinstance(value.value, cst.Name):
        shape = value
    elif isinstance(value, cst.Call) and not value.args and isinstance(value.func, cst.Attribute) and value.func.attr.value == "size":
        shape = value if isinstance(value.func.value, cst.Name) else None
    elements = small.targets[0].target.elements
    if shape is None or not all(isinstance(e, cst.Element) and isinstance(e.value, cst.Name) for e in elements):
        return [statement]
    lines: list[cst.BaseStatement] = []
    for index, element in enumerate(elements):
        name = element.value.value  # type: ignore[attr-defined]  # checked: each element is a Name
        if name == "_":
            continue
        item = cst.Subscript(shape, [cst.SubscriptElement(cst.Index(cst.Integer(str(index))))])
        lines.append(statement.with_changes(body=[cst.Assign([cst.AssignTarget(cst.Name(name))], item)]))
    return lines or [statement]


def _without_dead_starts(statements: list[cst.BaseStatement], placeholders: set[str]) -> list[cst.BaseStatement]:
    """``statements`` without the placeholders' first assignments that a plain assignment
    overwrites before anything reads them."""
    dead: set[int] = set()
    for index, statement in enumerate(statements):
        name = _is_constant_assignment(statement)
        if name not in placeholders:
            continue
        for later in statements[index + 1 :]:
            assigned = single_name_target(later)
            if assigned is not None and assigned[0] == name and name not in names_in(assigned[1]):
                dead.add(index)
                break
            if name in names_in(later) or name in bound_names(later, mutations=True):
                break
    return [s for i, s in enumerate(statements) if i not in dead]


def bare(statement: cst.CSTNode) -> str:
    """A statement's code without the comment lines and blank lines above it."""
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        statement = statement.with_changes(leading_lines=())
    return code_of(statement)


def unused_criterion(statement: cst.CSTNode, statements: Sequence[cst.CSTNode]) -> bool:
    """``loss_fct = nn.CrossEntropyLoss()`` that nothing else reads (in the labels-absent view,
    the criterion forward builds for its loss): building a loss object has no effect, so
    calls without labels see the same result without it."""
    target = single_name_target(statement)
    if target is None or not is_criterion_constructor(target[1]):
        return False
    return not any(target[0] in names_in(other) for other in statements if other is not statement)


def placeholder_constant(value: cst.BaseExpression, views: Views, tensors: bool = False) -> Optional[str]:
    """The constant a slot of the result holds without labels, as code: ``None``, a number, or
    a placeholder assigned once to one (``loss = 0``; with ``tensors``, also ``loss =
    torch.tensor(0.0)``, for code that stays in forward's module); None when it holds a value
    computed."""
    code = code_of(value)
    if code == "None" or code in views.none_placeholders:
        return "None"
    if isinstance(value, (cst.Integer, cst.Float)):
        return code
    if isinstance(value, cst.Name) and value.value in views.placeholders:
        statements: Sequence[cst.BaseStatement] = views.absent.body.body  # type: ignore[assignment]  # a view's body is an IndentedBlock
        assigned = [found[1] for s in statements if (found := single_name_target(s)) is not None and found[0] == value.value]
        bound_elsewhere = any(value.value in bound_names(s) for s in statements if single_name_target(s) is None)
        if len(assigned) == 1 and not bound_elsewhere and (isinstance(assigned[0], (cst.Integer, cst.Float)) or (tensors and tensor_constant(assigned[0]))):
            return code_of(assigned[0])
    return None


def tensor_constant(value: cst.BaseExpression) -> bool:
    """``torch.tensor(0.0)``: a fresh tensor of one number each time it runs."""
    return (
        isinstance(value, cst.Call)
        and code_of(value.func) == "torch.tensor"
        and len(value.args) == 1
        and value.args[0].keyword is None
        and isinstance(value.args[0].value, (cst.Integer, cst.Float))
    )
