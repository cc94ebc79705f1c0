"""Where a dict that reaches a transformers model is built, when it is built away from the call:
returned by a method or function of the project (``model(**self.inputs_for(batch))``), or by a
data collator handed to ``Trainer`` (``Trainer(..., data_collator=collate)``), whose batches
Trainer unpacks into the model.

FL005 renames an old label key (``"lm_labels"``) where such a dict is written. That is safe only
when every dict the builder returns is written where we can see it, and nothing else in the
project reads the old key: ``dict_writes`` answers with the places to rename, or a refusal.

Example::

    def inputs_for(self, batch):                      def inputs_for(self, batch):
        return {"input_ids": x, "lm_labels": y}  ->       return {"input_ids": x, "labels": y}
    ...
    outputs = model(**self.inputs_for(batch))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from codemod.cst.nodes import named_params, single_name_target, walk
from codemod.lazy_libcst import cst
from codemod.vocabulary import Refusal


@dataclass(frozen=True)
class Builder:
    """The function whose return value is the dict: its definition and where it is said."""

    function: cst.FunctionDef
    name: str


def enclosing(tree: cst.Module, node: cst.CSTNode) -> tuple[Optional[cst.ClassDef], Optional[cst.FunctionDef]]:
    """The class and the innermost function around ``node``."""
    found: list[tuple[Optional[cst.ClassDef], Optional[cst.FunctionDef]]] = []

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.classes: list[cst.ClassDef] = []
            self.functions: list[cst.FunctionDef] = []

        def visit_ClassDef(self, node_: cst.ClassDef) -> None:
            self.classes.append(node_)

        def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
            self.classes.pop()

        def visit_FunctionDef(self, node_: cst.FunctionDef) -> None:
            self.functions.append(node_)

        def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
            self.functions.pop()

        def on_visit(self, node_: cst.CSTNode) -> bool:
            if node_ is node:
                found.append((self.classes[-1] if self.classes else None, self.functions[-1] if self.functions else None))
                return False
            return super().on_visit(node_)

    tree.visit(Finder())
    return found[0] if found else (None, None)


def _top_level(tree: cst.Module, kind: type, name: str) -> Optional[cst.CSTNode]:
    found = [node for node in tree.body if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and isinstance(node, kind) and node.name.value == name]
    return found[0] if len(found) == 1 else None


def _method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    found = [node for node in cls.body.body if isinstance(node, cst.FunctionDef) and node.name.value == name]
    return found[0] if len(found) == 1 else None


def _single_value(scope: cst.CSTNode, name: str, top_level: bool = False) -> Optional[cst.BaseExpression]:
    """The value of the one ``name = value`` line in ``scope`` (only its own top-level lines
    when ``top_level``: a module's, not its functions')."""
    statements = list(scope.body) if top_level and isinstance(scope, cst.Module) else walk(scope)
    values = [found[1] for found in (single_name_target(s) for s in statements) if found is not None and found[0] == name]
    return values[0] if len(values) == 1 else None


def builder_of(tree: cst.Module, value: cst.BaseExpression, at: cst.CSTNode) -> Optional[Builder]:
    """The function of this file whose result ``value`` is, at ``at``: a call of a method on
    ``self`` (``self.inputs_for(batch)``), of a module function (``make_inputs(batch)``), or an
    object of a class of this file called as a function (a collator: its ``__call__``). A name
    is followed through its one assignment in the function around ``at``, or the module."""
    cls, function = enclosing(tree, at)
    for _ in range(3):  # `inputs = self.inputs_for(batch)`: a name or two at most
        if isinstance(value, cst.Name):
            if function is not None and value.value in {param.name.value for param in named_params(function)}:
                return None  # a parameter: what callers pass is not read here
            own = _single_value(function, value.value) if function is not None else None
            bound = own if own is not None else _single_value(cst.Module(body=tree.body), value.value, top_level=True)
            if bound is None:
                defined = _top_level(tree, cst.FunctionDef, value.value)
                return Builder(defined, value.value) if isinstance(defined, cst.FunctionDef) else None
            value = bound
            if not isinstance(value, cst.Call):
                return None
        if not isinstance(value, cst.Call):
            return None
        func = value.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self" and cls is not None:
            method = _method(cls, func.attr.value)
            return Builder(method, f"{cls.name.value}.{func.attr.value}") if method is not None else None
        if isinstance(func, cst.Name):
            defined_class = _top_level(tree, cst.ClassDef, func.value)
            if isinstance(defined_class, cst.ClassDef):
                call = _method(defined_class, "__call__")
                return Builder(call, f"{func.value}.__call__") if call is not None else None
            defined = _top_level(tree, cst.FunctionDef, func.value)
            if isinstance(defined, cst.FunctionDef):
                return Builder(defined, func.value)
            return None
        return None
    return None


@dataclass(frozen=True)
class Written:
    """What the dicts a builder returns are written with: their keys, and the string literals
    that spell those keys (dict-display keys, ``d["key"] = v`` stores on the returned name)."""

    keys: frozenset[str]
    literals: tuple[cst.SimpleString, ...]


def returned_keys(builder: Builder) -> Optional[set[str]]:
    """The string keys of the dicts ``builder`` returns (see ``written``); None when unknown."""
    found = written(builder)
    return set(found.keys) if found is not None else None


def written(builder: Builder) -> Optional[Written]:
    """How the dicts ``builder`` returns are written, when every return is a dict display or a
    name that is only bound to dict displays, given keys by subscript stores, and returned
    (``inputs.update(...)``, ``inputs |= ...``, passing it on: None, the keys are not known)."""
    keys: set[str] = set()
    literals: list[cst.SimpleString] = []
    returns = [node for node in _own_nodes(builder.function) if isinstance(node, cst.Return)]
    for node in returns:
        value = node.value
        if isinstance(value, cst.Dict):
            shown = _display_keys(value)
        elif isinstance(value, cst.Name):
            shown = _name_keys(builder.function, value.value)
        else:
            return None
        if shown is None:
            return None
        keys |= shown[0]
        literals += shown[1]
    return Written(frozenset(keys), tuple(dict.fromkeys(literals))) if keys else None


def _display_keys(display: cst.Dict) -> Optional[tuple[set[str], list[cst.SimpleString]]]:
    keys, literals = set(), []
    for element in display.elements:
        if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
            return None  # `**other` or a computed key: what it holds is not seen
        keys.add(str(element.key.evaluated_value))
        literals.append(element.key)
    return keys, literals


def _name_keys(function: cst.FunctionDef, name: str) -> Optional[tuple[set[str], list[cst.SimpleString]]]:
    keys: set[str] = set()
    literals: list[cst.SimpleString] = []
    accounted: set[int] = set()  # the Name nodes of `name` that bind, store into or return it
    for node in _own_nodes(function):
        if isinstance(node, cst.Return) and isinstance(node.value, cst.Name) and node.value.value == name:
            accounted.add(id(node.value))
        target = single_name_target(node)
        if target is not None and target[0] == name:
            if not isinstance(target[1], cst.Dict):
                return None
            shown = _display_keys(target[1])
            if shown is None:
                return None
            keys |= shown[0]
            literals += shown[1]
            accounted.add(id(node.body[0].targets[0].target))  # type: ignore[attr-defined]  # single_name_target: one Assign to a Name
        if isinstance(node, cst.Assign):
            for assigned in node.targets:
                store = assigned.target
                if isinstance(store, cst.Subscript) and isinstance(store.value, cst.Name) and store.value.value == name:
                    key = _subscript_key(store)
                    if key is None:
                        return None
                    keys.add(key)
                    literals.append(store.slice[0].slice.value)  # type: ignore[attr-defined]  # _subscript_key read a string there
                    accounted.add(id(store.value))
    uses = [n for n in _own_nodes(function) if isinstance(n, cst.Name) and n.value == name]
    if not keys or any(id(use) not in accounted for use in uses):
        return None  # read, changed in place or passed on somewhere: its keys are not all seen
    return keys, literals


def _subscript_key(node: cst.Subscript) -> Optional[str]:
    if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) and isinstance(node.slice[0].slice.value, cst.SimpleString):
        return str(node.slice[0].slice.value.evaluated_value)
    return None


def _own_nodes(function: cst.FunctionDef) -> list[cst.CSTNode]:
    """The nodes of ``function``'s body, not of functions or classes nested in it."""
    found: list[cst.CSTNode] = []
    pending: list[cst.CSTNode] = list(function.body.children)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        found.append(node)
        pending[:0] = list(node.children)
    return found


def dict_writes(builder: Builder, key: str, texts: dict[str, str], own_path: str) -> Union[list[cst.SimpleString], Refusal]:
    """The literals to rename for the dicts ``builder`` returns to stop carrying ``key``: the
    keys it writes them with, when that is every spelling of the key in the builder, no other
    place of the project spells it, and nothing takes it as a parameter or keyword."""
    found = written(builder)
    literals = [literal for literal in (found.literals if found is not None else ()) if literal.evaluated_value == key]
    if not literals:
        return Refusal(f"`{builder.name}` does not write `{key}` as a plain string key")
    spelled_in_builder = [n for n in _own_nodes(builder.function) if isinstance(n, cst.SimpleString) and n.evaluated_value == key]
    if len(spelled_in_builder) != len(literals):
        return Refusal(f'`{builder.name}` also reads "{key}", which the rename would leave behind')
    spelled = re.compile(rf"[\"']{re.escape(key)}[\"']")
    taken = re.compile(rf"[(,]\s*{re.escape(key)}\s*[=:,)]")
    for path, text in sorted(texts.items()):
        count = len(spelled.findall(text)) - (len(literals) if path == own_path else 0)
        if count > 0:
            return Refusal(f'"{key}" is also read or written outside `{builder.name}` ({path}), which the rename would leave behind')
        if taken.search(text):
            return Refusal(f"`{key}` is also a parameter or keyword in {path}, which a dict with `labels` would no longer fill")
    return literals
