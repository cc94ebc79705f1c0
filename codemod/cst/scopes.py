"""Which names a scope already uses, so that inserted variables never shadow anything."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from codemod.cst.bindings import bound_names
from codemod.cst.nodes import BUILTIN_NAMES, names_in, variable_visitor
from codemod.lazy_libcst import cst


@functools.cache
def mentions_visitor() -> type[Any]:
    """``_Mentions``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Mentions(variable_visitor()):  # type: ignore[misc]  # the base is built on first use (lazy LibCST)
        """Names mentioned in a function, and those it declares global."""

        def __init__(self) -> None:
            self.mentioned: set[str] = set()
            self.declared_global: set[str] = set()

        def visit_Name(self, node: cst.Name) -> None:
            self.mentioned.add(node.value)

        def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
            name = node.asname.name if node.asname else node.name
            if isinstance(name, cst.Name):
                self.mentioned.add(name.value)
            elif isinstance(name, cst.Attribute):
                self.mentioned.add(cst.Module(body=[]).code_for_node(name).split(".")[0])
            return False

        def visit_Global(self, node: cst.Global) -> None:
            self.declared_global |= {n.name.value for n in node.names}

    return _Mentions


@dataclass
class ScopeNames:
    """The names a scope must not take for a new variable."""

    taken: set[str]
    introduced: dict[str, int] = field(default_factory=dict)
    """Names this run added, and the last line each is read on: a later statement may reuse one."""

    def fresh(self, preferred: str, at_line: int) -> str:
        counter = 1
        while True:
            name = preferred if counter == 1 else f"{preferred}_{counter}"
            reusable = name not in self.introduced or self.introduced[name] < at_line
            if name not in self.taken and name not in BUILTIN_NAMES and reusable:
                return name
            counter += 1

    def introduce(self, name: str, last_line: int) -> None:
        self.introduced[name] = max(last_line, self.introduced.get(name, 0))


def function_scope_names(func: cst.FunctionDef) -> ScopeNames:
    """A name a function never mentions can be bound in it without changing any other read."""
    mentions = mentions_visitor()()
    func.visit(mentions)
    return ScopeNames(set(mentions.mentioned))


def module_scope_names(module: cst.Module) -> ScopeNames:
    """At module level a new name must not be one that module-level code, or any function
    reading it as a global, mentions."""
    taken: set[str] = set()

    class ModuleLevel(variable_visitor()):  # type: ignore[misc]  # likewise
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            mentions = mentions_visitor()()
            node.visit(mentions)
            taken.add(node.name.value)
            taken.update((mentions.mentioned - bound_names(node, params=True, nested=True)) | mentions.declared_global)
            # Decorators and defaults run at module level.
            for decorator in node.decorators:
                taken.update(names_in(decorator))
            return False

        def visit_Name(self, node: cst.Name) -> None:
            taken.add(node.value)

        def visit_ImportAlias(self, node: cst.ImportAlias) -> bool:
            name = node.asname.name if node.asname else node.name
            taken.add(cst.Module(body=[]).code_for_node(name).split(".")[0])
            return False

    module.visit(ModuleLevel())
    return ScopeNames(taken)
