"""Conditional expressions decided where their test is known.

A branch read as conditional expressions (``analysis.branches``) repeats its test in every value
it set, so a loss built from them nests the same test inside its own arms::

    ce(logits[(m == 1) if m is not None else None], y) if m is not None else ce(logits, y)
        -> ce(logits[(m == 1)], y) if m is not None else ce(logits, y)

and a call that did not pass ``m`` gives the test ``None is not None``, decided outright.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any, Optional

from codemod.cst.nodes import code_of
from codemod.lazy_libcst import cst


def bare_atom(value: cst.BaseExpression) -> bool:
    """An expression that needs no brackets anywhere."""
    # Not a number: `(2).bit_length()` needs its brackets.
    return isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString))


def folded(expression: cst.BaseExpression) -> cst.BaseExpression:
    """``expression`` with conditional expressions decided where they can be: inside an arm of
    ``a if t else b``, another test ``t`` (the same code: a stable test has one value) takes the
    same arm; and ``None is None``-like tests of constants are decided outright."""
    return _fold(expression, {})


def _fold(node: cst.BaseExpression, known: dict[str, bool]) -> cst.BaseExpression:
    if isinstance(node, cst.IfExp):
        decided = _decided(node.test, known)
        if decided is not None:
            chosen = _fold(node.body if decided else node.orelse, known)
            if bare_atom(chosen):
                return chosen.with_changes(lpar=[], rpar=[])  # it needs no brackets anywhere
            return chosen if chosen.lpar or not node.lpar else chosen.with_changes(lpar=node.lpar, rpar=node.rpar)
        key = code_of(node.test)
        body = _fold(node.body, {**known, key: True})
        orelse = _fold(node.orelse, {**known, key: False})
        return node.with_changes(body=body, orelse=orelse)
    return node.visit(_outermost_conditionals()(known))  # type: ignore[return-value]  # an expression stays an expression


def _decided(test: cst.BaseExpression, known: dict[str, bool]) -> Optional[bool]:
    key = code_of(test)
    if key in known:
        return known[key]
    if (
        isinstance(test, cst.Comparison)
        and len(test.comparisons) == 1
        and isinstance(test.left, cst.Name)
        and test.left.value == "None"
        and isinstance(test.comparisons[0].comparator, cst.Name)
        and test.comparisons[0].comparator.value == "None"
    ):
        operator = test.comparisons[0].operator
        if isinstance(operator, (cst.Is, cst.Equal)):
            return True
        if isinstance(operator, (cst.IsNot, cst.NotEqual)):
            return False
    return None


@functools.cache
def _outermost_conditionals() -> type[Any]:
    """``Outermost``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class Outermost(cst.CSTTransformer):
        """Each outermost conditional expression below a node folded, knowing ``known``."""

        def __init__(self, known: dict[str, bool]) -> None:
            self.known = known

        def visit_IfExp(self, node: cst.IfExp) -> bool:
            return False

        # A lambda or a comprehension binds names of its own: a test inside may read another value.
        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

        def visit_ListComp(self, node: cst.ListComp) -> bool:
            return False

        def visit_SetComp(self, node: cst.SetComp) -> bool:
            return False

        def visit_DictComp(self, node: cst.DictComp) -> bool:
            return False

        def visit_GeneratorExp(self, node: cst.GeneratorExp) -> bool:
            return False

        def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
            return _fold(original, self.known)

    return Outermost


def reads_on_one_path(node: cst.CSTNode) -> Counter[str]:
    """How often evaluating ``node`` reads each variable at most: the two arms of ``a if t else
    b`` never both run, so a value each arm reads once is read once (not computed twice). Only
    variables count, as ``nodes.name_nodes`` finds them: not ``x.attr``'s ``attr``, not
    ``f(k=v)``'s ``k`` (``weight=weight`` reads ``weight`` once)."""
    if isinstance(node, cst.Name):
        return Counter({node.value: 1})
    if isinstance(node, (cst.Attribute, cst.Arg)):
        return reads_on_one_path(node.value)
    if isinstance(node, cst.IfExp):
        return reads_on_one_path(node.test) + (reads_on_one_path(node.body) | reads_on_one_path(node.orelse))
    return sum((reads_on_one_path(child) for child in node.children), Counter())
