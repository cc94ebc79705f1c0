"""The one answer to "which names does this code bind?", for every module that asks: the loss
plan (a forward's locals, the lines of its data flow), the optional-labels views, the call-site
planner (is a name rebound or changed between a call and a reader?) and the scopes that give out
fresh names.

A name is bound by ``=``, ``+=`` and annotated targets, ``:=``, a ``for`` target, an ``as``
(``with``, ``except``, ``import ... as``), a plain import (``import a.b`` binds ``a``), and a
nested ``def`` or ``class`` (its name; its body is its own scope). Options widen the answer:
``mutations`` adds the objects changed in place (``x[i] = 0``, ``x.a += 1``, ``x.masked_fill_(m,
0)``, also inside a class body, which runs where it stands), ``params`` makes a function ``node``
the scope asked about (its parameters and body; without it a ``def`` is a statement binding its
name), and ``nested`` adds what nested functions, lambdas and classes bind (with their
parameters): the over-approximation a fresh name must avoid. A comprehension's target binds in its own scope and is not counted (no
visitor reads it); ``:=`` inside one binds here, and is.
"""

from __future__ import annotations

import functools
from typing import Any

from codemod.cst.nodes import names_in
from codemod.lazy_libcst import cst


def bound_names(node: cst.CSTNode, *, mutations: bool = False, params: bool = False, nested: bool = False) -> set[str]:
    visitor = _bindings_visitor()(mutations, params, nested, node)
    node.visit(visitor)
    found: set[str] = visitor.found
    return found


def _base_name(node: cst.BaseExpression) -> set[str]:
    """``x`` of ``x``, ``x.a``, ``x[i]``, ``x.a[i].b``."""
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    return {node.value} if isinstance(node, cst.Name) else set()


def _imported_name(node: cst.ImportAlias) -> set[str]:
    """``a`` of ``import a.b``; nothing for ``import a.b as c`` (its ``AsName`` binds ``c``)."""
    if node.asname is not None:
        return set()
    name = node.name
    while isinstance(name, cst.Attribute):
        name = name.value  # type: ignore[assignment]  # a dotted module name is Names and Attributes
    return {name.value} if isinstance(name, cst.Name) else set()


def _changed_in_place(node: cst.Call) -> set[str]:
    """``x`` of ``x.masked_fill_(m, 0)``, ``x.a.add_(1)``: PyTorch names in-place methods with a
    trailing underscore (``__init__`` and ``_private`` are not such methods)."""
    if not isinstance(node.func, cst.Attribute):
        return set()
    attribute = node.func.attr.value
    return _base_name(node.func.value) if attribute.endswith("_") and not attribute.startswith("_") else set()


# The leaves are functions of their own: the visitor class lives inside a function (see below),
# and everything in it counts towards that one function's complexity.
@functools.cache
def _bindings_visitor() -> type[Any]:
    """``Bindings``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class Bindings(cst.CSTVisitor):
        def __init__(self, mutations: bool, params: bool, nested: bool, root: cst.CSTNode) -> None:
            self.mutations, self.params, self.nested, self.root = mutations, params, nested, root
            self.found: set[str] = set()

        def _target(self, target: cst.BaseExpression) -> None:
            if not isinstance(target, (cst.Attribute, cst.Subscript)):
                self.found |= names_in(target)
            elif self.mutations:
                self.found |= _base_name(target)

        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            self._target(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            self._target(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            self._target(node.target)

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            self.found |= names_in(node.target)

        def visit_For(self, node: cst.For) -> None:
            self.found |= names_in(node.target)

        def visit_AsName(self, node: cst.AsName) -> None:
            self.found |= names_in(node.name)

        def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
            self.found |= _imported_name(node)
            return True

        def visit_Call(self, node: cst.Call) -> None:
            if self.mutations:
                self.found |= _changed_in_place(node)

        def visit_Param(self, node: cst.Param) -> None:
            if self.params:
                self.found.add(node.name.value)

        def visit_Parameters(self, node: cst.Parameters) -> bool:
            return self.params

        def _entered(self, node: cst.CSTNode) -> bool:
            # The function asked about with its parameters is the scope itself; any other def,
            # the root one included (a statement of a body), binds its name and no more.
            return node is self.root and self.params

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            if self._entered(node):
                return True
            self.found.add(node.name.value)
            return self.nested

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            if self._entered(node):
                return True
            self.found.add(node.name.value)
            # A class body runs where it stands: what it changes in place is changed here.
            return self.nested or self.mutations

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return self.nested or self._entered(node)

    return Bindings
