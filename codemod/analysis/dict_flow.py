"""Does the dict a call unpacks with ``**`` still hold labels at that call?

``b = dict(batch); b.pop("labels"); out = model(**b)`` is a call without labels, though the dict
it was copied from had them. The answer is read in order along the statements that surely run
before the call (the call's own block and the blocks around it, never a branch beside it), from
the changes made to the dict's name: ``pop("labels")``/``del d["labels"]`` take labels out,
``d["labels"] = y`` puts them in. A change the reading cannot place (in a branch, in a loop the
call is not in, after the call in a loop around both, ``update``/``d[key] =`` with a key it
cannot read) leaves the answer unknown, and a rewrite that needs it refuses.
"""

from __future__ import annotations

import ast
import enum
from dataclasses import dataclass
from typing import Iterator, Optional

from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM

LABEL_KEYS = frozenset({LABELS_PARAM, LABEL_ALIAS})


class LabelsAtCall(enum.Enum):
    AS_BOUND = "as bound"
    """No change of the dict touches labels: what its binding says holds."""
    DROPPED = "dropped"
    ADDED = "added"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DictChange:
    line: int
    effect: LabelsAtCall
    """DROPPED, ADDED, or UNKNOWN for a change whose effect on labels cannot be read."""
    statement: ast.stmt


def changes_of(name: str, body: list[ast.stmt]) -> list[DictChange]:
    """The in-place changes of ``name``, or of a name that may be the same dict (``c = b``),
    in a scope's body (nested functions excluded) that may touch labels: a change of another
    key (``d["x"] = v``) is left out."""
    names = _aliases(name, body)
    found = []
    for statement in _statements(body):
        for alias in sorted(names):
            effect = _effect(alias, statement)
            if effect is not None:
                found.append(DictChange(statement.lineno, effect, statement))
                break
    return found


def _aliases(name: str, body: list[ast.stmt]) -> set[str]:
    """``name`` and the names joined to it by plain assignment (``c = b``, ``b = c``): one dict."""
    pairs = [
        (statement.targets[0].id, statement.value.id)
        for statement in _statements(body)
        if isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
        and isinstance(statement.value, ast.Name)
    ]
    group = {name}
    grown = True
    while grown:
        grown = False
        for left, right in pairs:
            if (left in group) != (right in group):
                group |= {left, right}
                grown = True
    return group


def labels_at(call: ast.Call, name: str, body: list[ast.stmt]) -> LabelsAtCall:
    """Whether ``**name`` at ``call`` (a node inside ``body``) holds labels, as far as the
    changes of ``name`` tell."""
    changes = changes_of(name, body)
    if not changes:
        return LabelsAtCall.AS_BOUND
    path = _path_to(call, body)
    if path is None:
        return LabelsAtCall.UNKNOWN
    before: dict[int, tuple[int, int]] = {}
    """id of a statement that surely runs before the call -> (depth of its block, place in it)."""
    for depth, (block, place) in enumerate(path):
        for index, statement in enumerate(block[:place]):
            before[id(statement)] = (depth, index)
    state = LabelsAtCall.AS_BOUND
    placed = []
    loops = [block[place] for block, place in path if isinstance(block[place], (ast.For, ast.AsyncFor, ast.While))]
    for change in changes:
        if change.line > (call.end_lineno or call.lineno) and not any(_within(change.statement, loop) for loop in loops):
            continue  # runs after the call, and no loop brings it back before the call
        where = before.get(id(change.statement))
        if where is None or change.effect is LabelsAtCall.UNKNOWN:
            return LabelsAtCall.UNKNOWN  # beside the call, after it in a loop, or of an effect not read
        placed.append((where, change))
    # A change inside a loop around the call but before it in the loop's body runs again each
    # turn before the call: still read in order. One in the loop *after* the call's statement is
    # not in `before`, so it already answered UNKNOWN above.
    for _, change in sorted(placed, key=lambda item: item[0]):
        state = change.effect
    return state


def _within(inner: ast.stmt, outer: ast.stmt) -> bool:
    return outer.lineno <= inner.lineno <= (outer.end_lineno or outer.lineno)


def _effect(name: str, statement: ast.stmt) -> Optional[LabelsAtCall]:
    """What a statement (itself, not its nested blocks) does to the labels of dict ``name``."""
    for node in _own_nodes(statement):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is(node.func.value, name):
            method = node.func.attr
            if method == "pop":
                key = _constant_key(node.args[0]) if node.args else None
                if key is None:
                    return LabelsAtCall.UNKNOWN
                return LabelsAtCall.DROPPED if key in LABEL_KEYS else None
            if method in ("update", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"):
                return LabelsAtCall.UNKNOWN
        if isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _is(target.value, name):
                    key = _constant_key(target.slice)
                    if key is None:
                        return LabelsAtCall.UNKNOWN
                    if key in LABEL_KEYS:
                        return LabelsAtCall.DROPPED
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for element in ast.walk(target):
                    if isinstance(element, ast.Subscript) and _is(element.value, name):
                        key = _constant_key(element.slice)
                        if key is None:
                            return LabelsAtCall.UNKNOWN
                        if key in LABEL_KEYS:
                            return LabelsAtCall.ADDED
        if isinstance(node, ast.AugAssign) and _is(node.target, name):
            return LabelsAtCall.UNKNOWN  # `d |= other`
    return None


def _is(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _constant_key(node: ast.AST) -> Optional[str]:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


_BLOCK_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")
# `except` and `case` clauses: each holds a block of its own (no match statement before 3.10).
_CLAUSES: tuple[type[ast.ExceptHandler], ...] = (ast.ExceptHandler, *((ast.match_case,) if hasattr(ast, "match_case") else ()))


def _own_nodes(statement: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a statement outside its nested blocks and functions."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        yield node
        for field_name, value in ast.iter_fields(node):
            if node is not statement and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                break
            if isinstance(node, ast.stmt) and field_name in _BLOCK_FIELDS:
                continue
            if isinstance(value, list):
                stack += [item for item in value if isinstance(item, ast.AST)]
            elif isinstance(value, ast.AST):
                stack.append(value)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a scope, nested blocks included, nested functions and classes not."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for block in _blocks(statement):
            yield from _statements(block)


def _blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    for field_name in _BLOCK_FIELDS:
        value = getattr(statement, field_name, None)
        if not isinstance(value, list):
            continue
        for item in value:
            if isinstance(item, _CLAUSES):
                yield item.body
        if value and isinstance(value[0], ast.stmt):
            yield value


def _path_to(target: ast.expr, body: list[ast.stmt]) -> Optional[list[tuple[list[ast.stmt], int]]]:
    """The blocks from ``body`` down to the statement holding ``target``: (block, place of the
    statement in it) at each level; None if it is not there (or inside a nested function)."""
    for place, statement in enumerate(body):
        if not (statement.lineno <= target.lineno <= (statement.end_lineno or statement.lineno)):
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return None
        for block in _blocks(statement):
            inner = _path_to(target, block)
            if inner is not None:
                return [(body, place), *inner]
        if any(node is target for node in _own_nodes(statement)):
            return [(body, place)]
        return None
    return None
