"""Which modules' scopes the check evaluates: those a rewritten class's values can reach.

A value moves from one module to another only along an import: a name imported, a function
of another module called with arguments, what it returns. So a module that no chain of imports,
read in either direction and in either program, joins to the changed files or to the rewritten
classes' import roots (where ``Program.reaches`` lets a framework hand an instance over) computes
the same before and after, and evaluating it can only cost time. The fixlabels checkout itself
is such a project: its golden cases are folders of their own beside the package's modules.

Two of the evaluator's questions are asked by name rather than along imports, so these modules
are evaluated too, with everything joined to them: one that reads a rewritten class's name
where it cannot tell what the name is (it binds names unseen, or an import several files could
answer), and one that calls a method that may run a rewritten model on a receiver the check
cannot trace (``Calls.untraced_method_call``).
"""

from __future__ import annotations

import ast
import re
from typing import Iterable, Optional, Protocol

from codemod.verify.modules import Module, absolute, binds_dynamically, link


class Project(Protocol):
    modules: dict[str, Module]

    def reaches(self, module_name: str, qualified: str) -> bool: ...

    def direct_methods(self) -> dict[str, set[str]]: ...


def evaluated_modules(versions: Iterable[Project], changed: set[str], rewritten: set[str]) -> set[str]:
    """The names of the modules whose scopes can compute another value after the rewrite
    (``changed``: the modules whose text differs; ``rewritten``: the classes whose calls
    change, qualified)."""
    versions = list(versions)
    seeds = set(changed)
    homes = {name.rpartition(".")[0] for name in rewritten}
    for version in versions:
        roots = {version.modules[home].root for home in homes if home in version.modules}
        seeds |= {name for name, module in version.modules.items() if module.root in roots}
        seeds |= _naming(version, rewritten)
    joined: dict[str, set[str]] = {}
    first = versions[0].modules
    for number, version in enumerate(versions):
        # The other programs differ from the first only in the changed files' imports, while
        # they name the same modules (what `link` resolves against).
        reading = None if number == 0 or version.modules.keys() != first.keys() else changed
        for name, neighbours in _import_graph(version.modules, reading).items():
            joined.setdefault(name, set()).update(neighbours)
    found = set()
    pending = list(seeds)
    while pending:
        name = pending.pop()
        if name not in found:
            found.add(name)
            pending.extend(joined.get(name, ()))
    return found


def _naming(version: Project, rewritten: set[str]) -> set[str]:
    """Modules that may reach a rewritten class by name, outside imports the graph follows: a
    read of the class's name the check cannot resolve (a module binding names unseen, or an
    import several files could answer), which ``Expressions.accounted`` refuses; and a call of
    a method that may run a rewritten model on a receiver it may not trace."""
    classes = {name.rpartition(".")[2] for name in rewritten}
    methods = {
        method
        for method, owners in version.direct_methods().items()
        if any(version.reaches(owner.rpartition(".")[0], name) for owner in owners for name in rewritten)
    }
    found = set()
    for name, module in version.modules.items():
        unresolved = binds_dynamically(module) or any(target.startswith("?") for target in module.imports.values())
        words = (classes if unresolved else set()) | methods
        if words and _spells(module, words):
            found.add(name)
    return found


def _spells(module: Module, words: set[str]) -> bool:
    """Does the module's code (not a string or a comment) spell one of ``words``?"""
    if not re.search(r"\b(?:" + "|".join(re.escape(word) for word in sorted(words)) + r")\b", module.text):
        return False
    return any(_spelled(node) in words for node in ast.walk(module.tree))


def _spelled(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _import_graph(modules: dict[str, Module], reading: Optional[set[str]] = None) -> dict[str, set[str]]:
    """Each module's neighbours: the modules it imports anywhere in its text (a function's
    own ``import`` included) and those that import it, for the imports of ``reading`` (all
    modules when None). An import several files could answer joins all of them."""
    by_name: dict[str, list[Module]] = {}
    for module in modules.values():
        by_name.setdefault(module.name.partition("@")[0], []).append(module)
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, module in modules.items():
        if reading is not None and name not in reading:
            continue
        for target in _import_targets(module, by_name):
            for other in _files_of(target, modules, by_name):
                if other != name:
                    graph[name].add(other)
                    graph[other].add(name)
    return graph


def _import_targets(module: Module, by_name: dict[str, list[Module]]) -> set[str]:
    targets: set[str] = set()
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            targets |= {link(module, alias.name, by_name) for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = absolute(module, node.module or "", node.level)
            targets.add(link(module, base, by_name))
            targets |= {link(module, f"{base}.{alias.name}" if base else alias.name, by_name) for alias in node.names}
    return targets


def _files_of(target: str, modules: dict[str, Module], by_name: dict[str, list[Module]]) -> set[str]:
    """The project modules an import target can load: every package on its dotted path (their
    ``__init__`` runs too), and for a target left unresolved (``?model.Net``), every file of
    each such name."""
    parts = target.lstrip("?").split(".")
    found: set[str] = set()
    for cut in range(1, len(parts) + 1):
        prefix = ".".join(parts[:cut])
        if target.startswith("?"):
            found |= {module.name for module in by_name.get(prefix, ())}
        elif prefix in modules:
            found.add(prefix)
    return found
