"""Which value of a straight-line ``forward`` each name holds, and what is computed from what.

``forward`` is read as its top-level statements in order. A name assigned by a plain line
``name = value`` has one *version* per such line, so ``loss = a * labels`` followed by
``loss = -loss.mean()`` is two versions, the second computed from the first. A derivation
expresses one version in terms of a root version, inlining the lines in between::

    logits = self.fc(h)               # root: logits@0
    prob = F.softmax(logits, dim=-1)  # prob@1 derives from it as F.softmax(logits, dim=-1)

Only derivations that can be moved to a call site unchanged are accepted: no labels, no random
numbers, no in-place methods, and no submodule of ``self`` other than a stateless activation
(``self.softmax = nn.Softmax(dim=-1)``), since the call site runs them on the model it called.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional, Sequence

from codemod.cst.bindings import bound_names
from codemod.cst.conditionals import reads_on_one_path
from codemod.cst.nodes import code_of, dotted, named_params, names_in, single_name_target, substitute
from codemod.lazy_libcst import cst
from codemod.vocabulary import LABELS_PARAM

Version = tuple[str, Optional[int]]
"""A name and the index of the line that assigned it; -1 when forward did not (a parameter)."""

STATELESS_MODULES = frozenset(
    {"Softmax", "LogSoftmax", "Sigmoid", "LogSigmoid", "Tanh", "ReLU", "GELU", "Identity", "Softmax2d", "Softplus"}
)
RANDOM_HINTS = ("dropout", "rand", "bernoulli", "multinomial", "normal", "sample", "shuffle", "noise")


@dataclass(frozen=True)
class Derivation:
    expression: cst.BaseExpression
    """The version's value written in the root's name (``F.softmax(logits, dim=-1)``)."""
    lines: frozenset[int]
    """The lines of forward that computed it from the root."""


class Flow:
    """The top-level lines of one function body (its final ``return`` excluded)."""

    def __init__(self, statements: Sequence[cst.CSTNode], local_names: set[str], inputs: frozenset[str] = frozenset()) -> None:
        self.statements = list(statements)
        self.local_names = local_names
        self.inputs = inputs
        """Parameters a call site has as its own arguments: read as they came in, they need no
        root (``attention_mask`` in a masked loss is the argument the call passed)."""
        self.values: dict[int, tuple[str, cst.BaseExpression]] = {}
        plain: set[str] = set()
        for index, statement in enumerate(self.statements):
            found = single_name_target(statement)
            if found is not None:
                self.values[index] = found
                plain.add(found[0])
        # A name bound any other way (a tuple target, a loop, a nested block) has versions
        # this reading cannot tell apart: nothing is derived through it.
        self.opaque = frozenset(
            name
            for index, statement in enumerate(self.statements)
            if index not in self.values
            for name in bound_names(statement, mutations=True)
        )

    def reaching(self, name: str, at: int) -> Optional[int]:
        """The line whose value ``name`` holds when line ``at`` runs: -1 for a value from
        before forward's body, None when that cannot be told."""
        if name in self.opaque:
            return None
        for index in range(min(at, len(self.statements)) - 1, -1, -1):
            if index in self.values and self.values[index][0] == name:
                return index
        return -1

    def upstream(self, index: int) -> set[int]:
        """The lines whose values line ``index`` reads, directly or through others (an opaque
        name, or one bound in a block, reads as every line)."""
        found: set[int] = set()
        pending = [index]
        while pending:
            line = pending.pop()
            if line not in self.values:
                return set(range(len(self.statements)))
            for name in names_in(self.values[line][1]):
                source = self.reaching(name, line)
                if source is None:
                    return set(range(len(self.statements)))
                if source >= 0 and source not in found:
                    found.add(source)
                    pending.append(source)
        return found

    def stored(self, index: int) -> set[str]:
        """The names line ``index`` binds."""
        if index in self.values:
            return {self.values[index][0]}
        return bound_names(self.statements[index], mutations=True)

    def value(self, index: int) -> cst.BaseExpression:
        return self.values[index][1]

    def name(self, index: int) -> str:
        return self.values[index][0]

    def reads(self, index: int, version: Version) -> bool:
        """Does line ``index`` read ``version``?"""
        name, line = version
        if name not in names_in(self.statements[index]):
            return False
        return name in self.opaque or self.reaching(name, index) == line

    def derive(self, version: Version, root: Version, movable: "MovableCheck", inputs: bool = True) -> Optional[Derivation]:
        """``version`` in terms of ``root`` (and, with ``inputs``, of the call's own arguments),
        or None when it is not computed from those alone by lines that can move."""
        if version == root or version in self.aliased(root):
            return Derivation(cst.Name(root[0]), frozenset())
        name, index = version
        if inputs and index == -1 and name in self.inputs and root[1] is not None and root[1] >= 0:
            return Derivation(cst.Name(name), frozenset())
        if index is None or index < 0 or index not in self.values or not movable(self.value(index)):
            return None
        value = self.value(index)
        mapping: dict[str, cst.BaseExpression] = {}
        lines = {index}
        counts = reads_on_one_path(value)
        for used in sorted(names_in(value) & self.local_names - {"self"}):
            line = self.reaching(used, index)
            inner = self.derive((used, line), root, movable, inputs)
            if inner is None:
                return None
            if not isinstance(inner.expression, cst.Name) and counts[used] > 1:
                return None  # computing a step twice is not the same autograd graph
            if not (isinstance(inner.expression, cst.Name) and inner.expression.value == used):
                mapping[used] = inner.expression
            lines |= inner.lines
        return Derivation(substitute(value, mapping) if mapping else value, frozenset(lines))


    def aliased(self, root: Version) -> set[Version]:
        """The versions ``root`` is another name for: ``raw = logits`` makes ``raw@1`` the same
        object as the ``logits`` it read (an in-place change of either makes them opaque)."""
        found: set[Version] = set()
        current = root
        while current[1] is not None and current[1] >= 0 and current[1] in self.values:
            value = self.value(current[1])
            if not (isinstance(value, cst.Name) and value.value in self.local_names):
                break
            current = (value.value, self.reaching(value.value, current[1]))
            found.add(current)
        return found

    def droppable(self, lines: set[int], gone: frozenset[int] = frozenset()) -> list[int]:
        """Of the lines that computed a derived value, those nothing else in forward reads
        (lines in ``gone`` leave forward anyway)."""
        dropped = set(lines)
        changed = True
        while changed:
            changed = False
            for line in sorted(dropped):
                version = (self.name(line), line)
                if any(self.reads(j, version) for j in range(line + 1, len(self.statements)) if j not in dropped | gone):
                    dropped.discard(line)
                    changed = True
        return sorted(dropped)


def call_inputs(func: cst.FunctionDef) -> dict[str, Optional[str]]:
    """The parameters of ``func`` a call site can read the loss's inputs from, by their default
    as code (None: required): those ``forward`` neither assigns nor changes in place, so each
    holds, wherever the loss read it, the argument the call passed."""
    changed = bound_names(func.body, mutations=True)
    # A default no call site can write (`scale=1 / 3`, a module constant) leaves the parameter out.
    return {
        p.name.value: _constant_code(p.default)
        for p in named_params(func)
        if p.name.value not in changed | {LABELS_PARAM, "self"} and (p.default is None or _constant_code(p.default) is not None)
    }


def _constant_code(default: Optional[cst.BaseExpression]) -> Optional[str]:
    """A default a call site can write as the same value: ``None``, a bool, a number, a string."""
    if default is None:
        return None
    if isinstance(default, cst.Name) and default.value in ("None", "True", "False"):
        return default.value
    if isinstance(default, (cst.Integer, cst.Float, cst.SimpleString)):
        return code_of(default)
    if isinstance(default, cst.UnaryOperation) and isinstance(default.operator, cst.Minus) and isinstance(default.expression, (cst.Integer, cst.Float)):
        return code_of(default)
    return None


@functools.lru_cache(maxsize=32)
def movable_check(cls: cst.ClassDef) -> "MovableCheck":
    """The check for ``cls``, built once: FL001's plan and FL101's labels-absent view both ask it
    about the same class (nodes hash by identity; a few recent classes are kept)."""
    return MovableCheck(cls, LABELS_PARAM)


class MovableCheck:
    """Can an expression computed in ``forward`` be computed at the call site instead, on the
    model that was called, with the same result?"""

    def __init__(self, cls: cst.ClassDef, labels: str) -> None:
        self.labels = labels
        self.stateless = _stateless_attributes(cls)

    def __call__(self, node: cst.BaseExpression) -> bool:
        if self.labels in names_in(node):
            return False
        ok = True
        stateless = self.stateless

        class Calls(cst.CSTVisitor):
            def visit_Call(self, call: cst.Call) -> None:
                nonlocal ok
                name = dotted(call.func) or ""
                last = name.rpartition(".")[2].lower()
                if not name or last.endswith("_") or any(hint in last for hint in RANDOM_HINTS):
                    ok = False
                elif name.startswith("self.") and (name.count(".") != 1 or name.partition(".")[2] not in stateless):
                    ok = False
                elif name == "self":
                    ok = False

            def visit_Lambda(self, node: cst.Lambda) -> bool:
                nonlocal ok
                ok = False
                return False

        node.visit(Calls())
        return ok


def attribute_assignments(cls: cst.ClassDef) -> dict[str, list[cst.BaseExpression]]:
    """Every value ``cls`` assigns to ``self.<name>``, by name."""
    assigned: dict[str, list[cst.BaseExpression]] = {}

    class Stores(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                if isinstance(target.target, cst.Attribute) and dotted(target.target.value) == "self":
                    assigned.setdefault(target.target.attr.value, []).append(node.value)

    cls.visit(Stores())
    return assigned


def _stateless_attributes(cls: cst.ClassDef) -> frozenset[str]:
    """``self.softmax = nn.Softmax(dim=-1)`` in the class: attributes holding a module with no
    parameters, buffers or randomness, assigned once."""
    assigned = attribute_assignments(cls)
    found = set()
    for attribute, values in assigned.items():
        if len(values) != 1 or not isinstance(values[0], cst.Call):
            continue
        constructor = (dotted(values[0].func) or "").rpartition(".")[2]
        if constructor in STATELESS_MODULES:
            found.add(attribute)
    return frozenset(found)


