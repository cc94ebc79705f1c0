"""Which functions and methods the check evaluates only where they are called, with the
arguments each call passes (and, for a method, the instance it runs on), instead of once with
parameters it knows nothing of."""

from __future__ import annotations

import ast
from typing import Optional

from codemod.verify.classes import ProjectClasses
from codemod.verify.modules import dotted_name


class CalledDirectly(ProjectClasses):
    _direct_only: Optional[set[str]] = None
    _direct_methods: Optional[dict[str, set[str]]] = None

    def direct_only(self) -> set[str]:
        """Module-level functions of the project that are only ever called directly (never
        passed on as values): their behaviour is compared at their calls."""
        if self._direct_only is None:
            called: set[str] = set()
            passed: set[str] = set()
            for module in self.modules.values():
                callees = {id(n.func) for n in ast.walk(module.tree) if isinstance(n, ast.Call)}
                for node in ast.walk(module.tree):
                    if isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                        dotted = dotted_name(node)
                        if dotted is None:
                            continue
                        target = self.resolve(module, dotted)
                        if self.function_of(target) is not None:
                            (called if id(node) in callees else passed).add(target)
            self._direct_only = called - passed
        return self._direct_only

    def direct_methods(self) -> dict[str, set[str]]:
        """Method name -> the plain classes (no base, no subclass in the project) whose method of
        that name is only ever called as ``x.name(...)``: never taken as a value, never named in
        a string (``getattr``), never run by a framework. Such a method is evaluated at each
        call whose receiver the check traces to the class; a call on a receiver it cannot trace
        is refused where the method could reach a rewritten model (see ``Calls.ex_Call``)."""
        if self._direct_methods is None:
            loaded: set[str] = set()
            called: set[str] = set()
            strings: set[str] = set()
            based: set[str] = set()
            for module in self.modules.values():
                callees = {id(n.func) for n in ast.walk(module.tree) if isinstance(n, ast.Call)}
                for node in ast.walk(module.tree):
                    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                        (called if id(node) in callees else loaded).add(node.attr)
                    elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                        strings.add(node.value)
                    elif isinstance(node, ast.ClassDef):
                        based |= {self.resolve(module, dotted) for dotted in map(dotted_name, node.bases) if dotted}
            found: dict[str, set[str]] = {}
            for module in self.modules.values():
                for node in module.tree.body:
                    if not isinstance(node, ast.ClassDef) or node.decorator_list:
                        continue
                    qualified = f"{module.name}.{node.name}"
                    if qualified in based or any(dotted_name(base) != "object" for base in node.bases) or node.keywords:
                        continue
                    for item in node.body:
                        if (
                            isinstance(item, ast.FunctionDef)
                            and not item.decorator_list
                            and not item.name.startswith("__")
                            and item.name in called
                            and item.name not in loaded
                            and item.name not in strings
                        ):
                            found.setdefault(item.name, set()).add(qualified)
            self._direct_methods = found
        return self._direct_methods
