"""Small LibCST helpers shared by the transforms and the loss-plan analysis."""

from __future__ import annotations

import builtins
import functools
from typing import Any, Iterable, Iterator, Mapping, Optional, Sequence

from codemod.lazy_libcst import cst
from codemod.vocabulary import TORCH_LOSS_CLASSES

BUILTIN_NAMES = frozenset(dir(builtins))


@functools.cache
def variable_visitor() -> type[Any]:
    """``VariableVisitor``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class VariableVisitor(cst.CSTVisitor):
        """Visits the ``Name`` nodes that are variables: not ``x.attr``'s ``attr``, not ``f(k=v)``'s
        ``k``."""

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:
            node.value.visit(self)
            return False

    return VariableVisitor


@functools.cache
def _name_collector() -> type[Any]:
    """``_NameCollector``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _NameCollector(variable_visitor()):  # type: ignore[misc]  # the base is built on first use (lazy LibCST)
        def __init__(self) -> None:
            self.names: list[cst.Name] = []

        def visit_Name(self, node: cst.Name) -> None:
            self.names.append(node)

    return _NameCollector


def name_nodes(node: cst.CSTNode) -> list[cst.Name]:
    collector = _name_collector()()
    node.visit(collector)
    names: list[cst.Name] = collector.names
    return names


def names_in(node: cst.CSTNode) -> set[str]:
    return {n.value for n in name_nodes(node)}


@functools.cache
def _substitute() -> type[Any]:
    """``_Substitute``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Substitute(cst.CSTTransformer):
        def __init__(self, mapping: Mapping[str, cst.BaseExpression]) -> None:
            self.mapping = mapping

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            return True

        def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
            # The attribute's own name is never a variable: keep it as it was.
            return updated.with_changes(attr=original.attr)

        def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
            return updated.with_changes(keyword=original.keyword)

        def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
            replacement = self.mapping.get(original.value)
            if replacement is None:
                return updated
            return replacement if is_atom(replacement) else parenthesize(replacement)

    return _Substitute


def substitute(node: cst.BaseExpression, mapping: Mapping[str, cst.BaseExpression]) -> cst.BaseExpression:
    """``node`` with each variable named in ``mapping`` replaced (parenthesised where needed)."""
    return node.visit(_substitute()(mapping))  # type: ignore[return-value]  # replacing names in an expression leaves an expression


@functools.cache
def _atoms() -> tuple[type[cst.CSTNode], ...]:
    """Expressions that need no parentheses wherever they go (built on first use, as LibCST is)."""
    return (
        cst.Name,
        cst.Attribute,
        cst.Subscript,
        cst.Call,
        cst.Integer,
        cst.Float,
        cst.SimpleString,
        cst.ConcatenatedString,
        cst.List,
        cst.Dict,
        cst.Set,
        cst.Tuple,
    )


def is_atom(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Tuple):
        return bool(node.lpar)
    return isinstance(node, _atoms()) or bool(getattr(node, "lpar", ()))


def parenthesize(node: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(node, "lpar", ()):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(current.children)


def calls_in(node: cst.CSTNode) -> list[cst.Call]:
    """Every call in ``node``, nested ones included."""
    return [n for n in walk(node) if isinstance(n, cst.Call)]


def code_of(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def dotted(node: cst.BaseExpression) -> Optional[str]:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def without_args(args: Sequence[cst.Arg], drop: Iterable[int]) -> list[cst.Arg]:
    """``args`` minus the given indices, with the commas mended so no stray comma is left."""
    dropped = set(drop)
    kept = [a for i, a in enumerate(args) if i not in dropped]
    if kept and len(args) - 1 in dropped:
        last_comma = args[-1].comma
        kept[-1] = kept[-1].with_changes(comma=last_comma)
    return kept


def tuple_of(values: Sequence[cst.BaseExpression], parenthesized: bool = True) -> cst.Tuple:
    """``(a, b)``, or ``a, b`` as a return value or an assignment target."""
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    elements = [cst.Element(value, comma=comma if i < len(values) - 1 else cst.MaybeSentinel.DEFAULT) for i, value in enumerate(values)]
    return cst.Tuple(elements) if parenthesized else cst.Tuple(elements, lpar=[], rpar=[])


def assign(target: cst.BaseAssignTargetExpression, value: cst.BaseExpression) -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(target=target)], value=value)])


def single_name_target(statement: cst.CSTNode) -> Optional[tuple[str, cst.BaseExpression]]:
    """``(name, value)`` for a line ``name = value`` with nothing else on it."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if (
        isinstance(small, cst.Assign)
        and len(small.targets) == 1
        and isinstance(small.targets[0].target, cst.Name)
    ):
        return small.targets[0].target.value, small.value
    return None


def named_params(func: cst.FunctionDef) -> list[cst.Param]:
    """The parameters of ``func`` that have a name of their own (not ``*args``, ``**kwargs``)."""
    params = func.params
    return [*params.posonly_params, *params.params, *params.kwonly_params]


def defaults_to_none(func: cst.FunctionDef, name: str) -> bool:
    """Does ``func`` take a parameter ``name`` whose default is ``None``?"""
    for param in named_params(func):
        if param.name.value == name:
            return isinstance(param.default, cst.Name) and param.default.value == "None"
    return False


def is_criterion_constructor(node: cst.BaseExpression) -> bool:
    if not isinstance(node, cst.Call):
        return False
    name = dotted(node.func)
    if name is None:
        return False
    last = name.rpartition(".")[2]
    return last in TORCH_LOSS_CLASSES or last.endswith("Loss")



def all_statements(tree: cst.CSTNode) -> list[cst.CSTNode]:
    """Every simple statement line in ``tree``, nested blocks included."""
    found: list[cst.CSTNode] = []

    class Lines(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            found.append(node)

    tree.visit(Lines())
    return found

