"""Which columns a Hugging Face ``datasets`` dataset hands to ``Trainer``, read off the code that
builds it: ``Dataset.from_dict({...})``, ``DatasetDict({...})``, ``.map(f, remove_columns=...)``,
``.rename_column``, ``.remove_columns``, ``.set_format(columns=[...])``, and the functions of the
module that return one.

Sound or silent: anything not read here (``load_dataset``, a column added by code we do not
follow, a dataset changed in place by another method, a name bound twice) makes the columns
unknown, and a rule that needs them says nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional

from codemod.cst.nodes import code_of, dotted
from codemod.cst.positions import Layout, enclosing_scope
from codemod.lazy_libcst import cst

TOKENIZER_COLUMNS = frozenset({"input_ids", "attention_mask", "token_type_ids"})
"""What a tokenizer call adds; ``labels`` only with ``text_target=``, which is not read here."""
KEEPS_COLUMNS = frozenset({"shuffle", "select", "filter", "sort", "flatten_indices"})
"""Methods returning a dataset with the columns of the one they are called on."""
IN_PLACE = frozenset({"set_format", "reset_format", "set_transform"})
"""Methods that change what a dataset shows in place (``set_format`` is read; the others make
the columns unknown)."""


@dataclass(frozen=True)
class Columns:
    """The columns of a dataset (each split alike, for a ``DatasetDict``)."""

    present: frozenset[str]
    formatted: Optional[cst.Call] = None
    """The ``set_format(columns=[...])`` that shows only some of ``present``, if one does."""
    shown: frozenset[str] = field(default_factory=frozenset)
    """What ``formatted`` shows: the columns ``Trainer`` gets."""

    @property
    def visible(self) -> frozenset[str]:
        return self.shown if self.formatted is not None else self.present


class DatasetReader:
    """Reads dataset expressions of one module. ``resolve`` turns a dotted name into what the
    module's imports make of it."""

    def __init__(self, layout: Layout, resolve: Callable[[str], str], tokenizer: Optional[str]) -> None:
        self.layout = layout
        self.resolve = resolve
        self.tokenizer = tokenizer
        """The code of the tokenizer the Trainer is given (``tokenizer``): a call of it adds the
        tokenizer's columns. Another callable, whatever its name, is not read."""
        self.text = layout.module.code
        self.functions: dict[str, list[cst.FunctionDef]] = {}
        for node in layout.positions:
            if isinstance(node, cst.FunctionDef):
                # A method is not what a bare name calls; a name also imported is ambiguous.
                owner = layout.parents.get(layout.parents.get(node))  # type: ignore[arg-type]  # a def's parent is a suite or the module
                key = node.name.value if not isinstance(owner, cst.ClassDef) else f".{node.name.value}"
                self.functions.setdefault(key, []).append(node)
        for name in list(self.functions):
            if re.search(rf"\bimport\b[^\n]*\b{re.escape(name)}\b", self.text):
                self.functions[name].append(self.functions[name][0])  # two definitions: unknown

    def columns(self, value: cst.BaseExpression, at: cst.CSTNode, depth: int = 0) -> Optional[Columns]:
        """The columns ``value`` (an expression at node ``at``) holds, or None if unknown."""
        if depth > 12:
            return None
        if isinstance(value, cst.Name):
            return self._name(value.value, at, depth)
        if isinstance(value, cst.Subscript):  # `dataset_dict["train"]`: each split has the columns
            inner = self.columns(value.value, at, depth + 1)
            return Columns(inner.present) if inner is not None and inner.formatted is None else inner
        if not isinstance(value, cst.Call):
            return None
        called = dotted(value.func) or ""
        resolved = self.resolve(called)
        if resolved in ("datasets.Dataset.from_dict", "datasets.arrow_dataset.Dataset.from_dict"):
            keys = _literal_keys(value.args[0].value) if value.args else None
            return Columns(keys) if keys is not None else None
        if resolved in ("datasets.DatasetDict", "datasets.dataset_dict.DatasetDict"):
            return self._splits(value, at, depth)
        if isinstance(value.func, cst.Attribute):
            return self._method(value, value.func, at, depth)
        if isinstance(value.func, cst.Name) and value.func.value in self.functions:
            return self._returned(value.func.value, depth)
        return None

    def _splits(self, call: cst.Call, at: cst.CSTNode, depth: int) -> Optional[Columns]:
        if len(call.args) != 1 or not isinstance(call.args[0].value, cst.Dict):
            return None
        found = [self.columns(e.value, at, depth + 1) for e in call.args[0].value.elements if isinstance(e, cst.DictElement)]
        if not found or any(c is None or c.formatted is not None for c in found):
            return None
        present = {c.present for c in found if c is not None}
        return Columns(next(iter(present))) if len(present) == 1 else None

    def _method(self, call: cst.Call, func: cst.Attribute, at: cst.CSTNode, depth: int) -> Optional[Columns]:
        name = func.attr.value
        inner = self.columns(func.value, at, depth + 1)
        if inner is None or inner.formatted is not None:
            return None  # what a format hides and `map` still sees is not modelled
        keyword = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
        positional = [a.value for a in call.args if a.keyword is None]
        if name in KEEPS_COLUMNS:
            return inner
        if name == "rename_column" and len(positional) == 2:
            old, new = (_string(v) for v in positional)
            return Columns((inner.present - {old}) | {new}) if old in inner.present and new is not None else None
        if name == "remove_columns" and positional:
            removed = _string_list(positional[0])
            return Columns(inner.present - removed) if removed is not None else None
        if name == "map" and (positional or "function" in keyword):
            added = self._mapped_keys(positional[0] if positional else keyword["function"])
            removed = _string_list(keyword["remove_columns"]) if "remove_columns" in keyword else frozenset()
            dropped = keyword.get("remove_columns")
            if isinstance(dropped, cst.Attribute) and dropped.attr.value == "column_names":
                # Only the dataset's own `column_names` is all of its columns.
                removed = inner.present if code_of(dropped.value) == code_of(func.value) else None
            if added is None or removed is None:
                return None
            return Columns((inner.present - removed) | added)
        return None

    def _mapped_keys(self, function: cst.BaseExpression) -> Optional[frozenset[str]]:
        """The keys a ``map`` function returns: a tokenizer call's, or a dict literal's. A
        function that writes into the batch it is given adds what it writes: unknown."""
        if isinstance(function, cst.Lambda):
            return self._returned_keys(function.body)
        if isinstance(function, cst.Name) and len(self.functions.get(function.value, [])) == 1:
            definition = self.functions[function.value][0]
            if _writes_its_argument(definition):
                return None
            returns = _returns(definition)
            keys = [self._returned_keys(r) for r in returns]
            if not keys or any(k is None for k in keys):
                return None
            return frozenset().union(*keys)  # type: ignore[arg-type]  # None was ruled out
        return None

    def _returned_keys(self, value: cst.BaseExpression) -> Optional[frozenset[str]]:
        if isinstance(value, cst.Dict):
            return _literal_keys(value)
        if isinstance(value, cst.Call) and self.tokenizer is not None and code_of(value.func) == self.tokenizer:
            given = {a.keyword.value for a in value.args if a.keyword is not None}
            if not any(a.star for a in value.args) and not given & {"text_target", "return_special_tokens_mask", "return_offsets_mapping", "return_overflowing_tokens", "return_length"}:
                return TOKENIZER_COLUMNS
        return None

    def _returned(self, name: str, depth: int) -> Optional[Columns]:
        """The columns a function of the module returns (one definition, one ``return``)."""
        if len(self.functions.get(name, [])) != 1:
            return None
        function = self.functions[name][0]
        returns = _returns(function)
        return self.columns(returns[0], returns[0], depth + 1) if len(returns) == 1 else None

    def _name(self, name: str, at: cst.CSTNode, depth: int) -> Optional[Columns]:
        """The columns ``name`` holds at ``at``: its one binding in the enclosing function (or the
        module), then the in-place ``set_format`` calls on it before ``at``."""
        scope = enclosing_scope(self.layout, at)
        bindings, uses = _bindings_and_uses(scope, name)
        if len(bindings) != 1:
            return None
        (bound,) = bindings
        columns = self.columns(bound, bound, depth + 1)
        if columns is None:
            return None
        if re.search(rf"\b(?:global|nonlocal)\b[^\n]*\b{re.escape(name)}\b", self.text):
            return None  # rebound from another scope
        if self._escapes(scope, name):
            return None  # held by another name too: a format set through it would be this one's
        line = self.layout.positions[at].start.line
        for use in uses:
            method = _method_of(use)
            if self.layout.positions[use].start.line >= line:
                if method in IN_PLACE:
                    return None  # changed again before training starts, perhaps
                continue
            if method == "set_format":
                argument = format_columns_argument(use)
                if argument is None:
                    columns = Columns(columns.present)  # every column shown
                    continue
                shown = _string_list(argument.value)
                if shown is None or not shown <= columns.present:
                    return None
                columns = Columns(columns.present, use, shown)
            elif method in IN_PLACE:
                return None
        return columns

    def _escapes(self, scope: cst.CSTNode, name: str) -> bool:
        """Is the dataset ``name`` read in ``scope`` other than by calling its methods, reading
        its attributes or splits, or handing it to a Trainer as a dataset (put in a tuple, bound
        to another name, given to a function)?"""
        span = self.layout.positions[scope]
        for node, position in self.layout.positions.items():
            if not (isinstance(node, cst.Name) and node.value == name and span.start.line <= position.start.line <= span.end.line):
                continue
            parent = self.layout.parents.get(node)
            if isinstance(parent, (cst.Attribute, cst.Subscript)) and parent.value is node:
                continue
            if isinstance(parent, cst.AssignTarget) or (isinstance(parent, cst.Attribute) and parent.attr is node):
                continue
            if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in ("train_dataset", "eval_dataset"):
                continue
            if isinstance(parent, cst.Arg) and parent.keyword is node:
                continue
            return True
        return False

def _bindings_and_uses(scope: cst.CSTNode, name: str) -> tuple[list[cst.BaseExpression], list[cst.Call]]:
    """The values ``name = ...`` binds in ``scope`` (not in nested definitions; any other kind
    of binding makes it unknown: two values), and the calls of methods on it as statements."""
    bindings: list[cst.BaseExpression] = []
    uses: list[cst.Call] = []

    class Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> Optional[bool]:
            if node is not scope:
                if node.name.value == name:
                    bindings.extend([cst.Name("None"), cst.Name("None")])
                return False
            return True

        def visit_ClassDef(self, node: cst.ClassDef) -> Optional[bool]:
            return False

        def visit_Assign(self, node: cst.Assign) -> None:
            for target in node.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    bindings.append(node.value)
                elif name in {n.value for n in _names_in(target.target)}:
                    bindings.extend([node.value, node.value])

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            if isinstance(node.target, cst.Name) and node.target.value == name:
                bindings.extend([node.value, node.value])

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if isinstance(node.target, cst.Name) and node.target.value == name:
                bindings.extend([node.target, node.target])

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            if isinstance(node.target, cst.Name) and node.target.value == name:
                bindings.extend([node.value, node.value])

        def visit_For(self, node: cst.For) -> None:
            if name in {n.value for n in _names_in(node.target)}:
                bindings.extend([node.iter, node.iter])

        def visit_Expr(self, node: cst.Expr) -> None:
            value = node.value
            if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and isinstance(value.func.value, cst.Name) and value.func.value.value == name:
                uses.append(value)

    scope.visit(Visitor())
    if isinstance(scope, cst.FunctionDef) and name in {p.name.value for p in (*scope.params.params, *scope.params.kwonly_params, *scope.params.posonly_params)}:
        bindings.extend([cst.Name("None"), cst.Name("None")])  # a parameter: its columns are the caller's
    return bindings, uses


def _method_of(call: cst.Call) -> str:
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else ""


def _names_in(target: cst.BaseExpression) -> list[cst.Name]:
    if isinstance(target, cst.Name):
        return [target]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_in(e.value)]
    return []


def _returns(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    found: list[cst.BaseExpression] = []

    class Visitor(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> Optional[bool]:
            return node is function

        def visit_Lambda(self, node: cst.Lambda) -> Optional[bool]:
            return False

        def visit_Return(self, node: cst.Return) -> None:
            found.append(node.value if node.value is not None else cst.Name("None"))

    function.visit(Visitor())
    return found


def _writes_its_argument(function: cst.FunctionDef) -> bool:
    """Does ``function`` store into what it is given (``batch["labels"] = ...``,
    ``batch.update(...)``)? ``datasets`` keeps such keys beside what it returns."""
    params = {p.name.value for p in (*function.params.posonly_params, *function.params.params)}
    found = False

    class Visitor(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            nonlocal found
            target = node.target
            if isinstance(target, (cst.Subscript, cst.Attribute)) and isinstance(target.value, cst.Name) and target.value.value in params:
                found = True

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            nonlocal found
            target = node.target
            if isinstance(target, (cst.Subscript, cst.Attribute)) and isinstance(target.value, cst.Name) and target.value.value in params:
                found = True

        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in params and func.attr.value in ("update", "setdefault", "__setitem__"):
                found = True

    function.visit(Visitor())
    return found


def _literal_keys(value: cst.BaseExpression) -> Optional[frozenset[str]]:
    if not isinstance(value, cst.Dict):
        return None
    keys = []
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            return None  # `**other`
        key = _string(element.key)
        if key is None:
            return None
        keys.append(key)
    return frozenset(keys)


def _string(value: cst.BaseExpression) -> Optional[str]:
    if isinstance(value, cst.SimpleString):
        evaluated = value.evaluated_value
        return evaluated if isinstance(evaluated, str) else None
    return None


def _string_list(value: cst.BaseExpression) -> Optional[frozenset[str]]:
    if isinstance(value, cst.SimpleString):
        single = _string(value)
        return frozenset({single}) if single is not None else None
    if not isinstance(value, (cst.List, cst.Tuple)):
        return None
    found = [_string(e.value) for e in value.elements]
    return frozenset(f for f in found if f is not None) if all(f is not None for f in found) else None


def format_columns_argument(call: cst.Call) -> Optional[cst.Arg]:
    """The ``columns=`` argument of a ``set_format`` call (or its second positional)."""
    named = next((a for a in call.args if a.keyword is not None and a.keyword.value == "columns"), None)
    if named is not None:
        return named
    positional = [a for a in call.args if a.keyword is None]
    return positional[1] if len(positional) > 1 else None
