"""How ``verify`` reads a project's files: modules named as Python imports them (the folder
above the outermost package is the root; a name several roots share resolves to the importer's
own root first, and is left unresolved when that cannot choose), their imports, classes and
functions. Nothing of the planner's index is used."""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from codemod.unnamed_code import runs_unnamed_code


@dataclass
class Module:
    name: str
    path: Path
    display_path: str
    root: Path
    tree: ast.Module
    imports: dict[str, str]
    classes: dict[str, ast.ClassDef]
    functions: dict[str, ast.FunctionDef]
    stars: list[str] = field(default_factory=list)
    """Modules imported with ``from x import *``."""
    assigned: set[str] = field(default_factory=set)
    """Names the top level binds by assignment (what a star import of it brings, besides
    classes and functions)."""
    text: str = ""
    path_roots: tuple[Path, ...] = ()
    """Folders the module puts on ``sys.path`` (``sys.path.append("../src")``), read from
    literals: imports there resolve after its own root."""
    opaque_star: bool = False
    """A star import of a module outside the project: it binds names nobody here can list."""

    def public(self) -> set[str]:
        return {n for n in [*self.classes, *self.functions, *self.assigned, *self.imports] if not n.startswith("_")}


def unchanged_displays(tree: ast.Module) -> frozenset[str]:
    """Names the module assigns once and otherwise only reads one constant item of
    (``models[0]``, ``models["a"]``): a list bound to one holds its display for good. A
    method call, a store, a loop, passing the name on, ``global``: any may change it."""
    assigned: dict[str, int] = {}
    harmless: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = assigned.get(node.targets[0].id, 0) + 1
            harmless.add(id(node.targets[0]))
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, (int, str))
        ):
            harmless.add(id(node.value))
    touched = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in harmless}
    declared = {name for node in ast.walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal)) for name in node.names}
    return frozenset(name for name, count in assigned.items() if count == 1) - touched - declared


DYNAMIC_BINDERS = ("globals()", "__getattr__", "exec(", "setattr(", "__dict__", "__builtins__", "vars(")


def binds_dynamically(module: Module) -> bool:
    """Can the module bind names the check does not see (``globals()[name] = ...``, a module
    ``__getattr__``, ``exec``, a star import of a module outside the project)?"""
    return module.opaque_star or any(marker in module.text for marker in DYNAMIC_BINDERS)


def takes_labels(forward: ast.FunctionDef) -> bool:
    arguments = forward.args
    return any(a.arg in ("labels", "label") for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs])


def own_forward(cls: Optional[ast.ClassDef]) -> Optional[ast.FunctionDef]:
    if cls is None:
        return None
    return next((item for item in cls.body if isinstance(item, ast.FunctionDef) and item.name == "forward"), None)


def link(importer: Module, dotted: str, by_name: dict[str, list[Module]]) -> str:
    """An import's target with its module part named by the key of the file Python would load:
    the importer's own root first; with several other candidates, none (left as written)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        group = by_name.get(".".join(parts[:cut]))
        if not group:
            continue
        own = [m for m in group if m.root == importer.root]
        added = [m for root in importer.path_roots for m in group if m.root == root][:1]
        chosen = own[0] if own else added[0] if added else group[0] if len(group) == 1 else None
        if chosen is None:
            return "?" + dotted  # could load either file: nothing is assumed of it
        return ".".join([chosen.name, *parts[cut:]])
    return dotted


def binds(forward: ast.FunctionDef, args: int, keywords: list[str], double_star: bool) -> bool:
    arguments = forward.args
    positional = [a.arg for a in [*arguments.posonlyargs, *arguments.args]][1:]
    if args > len(positional) and arguments.vararg is None:
        return False
    names = set(positional) | {a.arg for a in arguments.kwonlyargs}
    bound = set(positional[:args])
    for keyword in keywords:
        if keyword in bound or (keyword not in names and arguments.kwarg is None):
            return False
        bound.add(keyword)
    if double_star:
        return True
    required = positional[: len(positional) - len(arguments.defaults)]
    required += [a.arg for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is None]
    return all(name in bound for name in required)


def functions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef, Optional[str]]]:
    """Every function of a module, with the class it is a method of (module-level classes)."""
    stack: list[tuple[ast.AST, Optional[str]]] = [(node, None) for node in tree.body]
    while stack:
        node, owner = stack.pop()
        if isinstance(node, ast.ClassDef):
            stack += [(item, node.name if owner is None else None) for item in node.body]
            continue
        if isinstance(node, ast.FunctionDef):
            yield node, owner
            stack += [(item, None) for item in node.body]
            continue
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                stack.append((child, owner))


def dotted_name(node: ast.AST) -> Optional[str]:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = dotted_name(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def is_static(node: ast.FunctionDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id in ("staticmethod", "classmethod") for d in node.decorator_list)


def read_module(path: Path, display: str, text: str) -> Optional[Module]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    root = path.parent
    while (root / "__init__.py").is_file():
        root = root.parent
    parts = list(path.relative_to(root).with_suffix("").parts) if path.is_relative_to(root) else [path.stem]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    name = ".".join(parts) or path.stem
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    imports: dict[str, str] = {}
    stars: list[str] = []
    assigned: set[str] = set()
    classes: dict[str, ast.ClassDef] = {}
    functions: dict[str, ast.FunctionDef] = {}
    for node in top_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            base = relative(package, node.module or "", node.level)
            for alias in node.names:
                if alias.name == "*":
                    stars.append(base)
                else:
                    imports[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.ClassDef):
            classes.setdefault(node.name, node)
        elif isinstance(node, ast.FunctionDef):
            functions.setdefault(node.name, node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            assigned |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return Module(name, path, display, root, tree, imports, classes, functions, stars, assigned, text, tuple(_path_roots(tree, path)))


def _path_roots(tree: ast.Module, path: Path) -> Iterator[Path]:
    """``sys.path.append(p)``/``insert(i, p)`` with ``p`` a literal, or ``os.path.join`` of
    ``os.path.dirname(__file__)`` and literals: taken from the file's own folder (where a
    notebook runs, and where such scripts are started)."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("append", "insert")
            and dotted_name(node.func.value) == "sys.path"
            and node.args
        ):
            folder = _literal_folder(node.args[-1])
            if folder is not None:
                yield Path(os.path.normpath(path.parent / folder))


def _literal_folder(node: ast.expr) -> Optional[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and dotted_name(node.func) == "os.path.dirname" and node.args and dotted_name(node.args[0]) == "__file__":
        return "."
    if isinstance(node, ast.Call) and dotted_name(node.func) in ("os.path.join", "os.path.abspath", "os.path.normpath") and node.args:
        parts = [_literal_folder(arg) for arg in node.args]
        return os.path.join(*[p for p in parts if p is not None]) if all(p is not None for p in parts) else None
    return None


def relative(package: str, source: str, level: int) -> str:
    """The absolute module of ``from <dots>source import ...`` inside ``package``."""
    if not level:
        return source
    anchor = package.split(".") if package else []
    anchor = anchor[: len(anchor) - (level - 1)] if level > 1 else anchor
    return ".".join([*anchor, *([source] if source else [])])


def absolute(module: Module, source: str, level: int) -> str:
    name = module.name.partition("@")[0]
    package = name if module.path.name == "__init__.py" else name.rpartition(".")[0]
    return relative(package, source, level)


def top_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, also inside ``if``/``try``/``with``/``for`` blocks."""
    for node in body:
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for field_name in ("body", "orelse", "finalbody"):
                yield from top_level(getattr(node, field_name, []))
            for handler in getattr(node, "handlers", []):
                yield from top_level(handler.body)


def imported_modules(modules: dict[str, Module], name: str, stars: bool = False) -> set[str]:
    """The modules of ``modules`` that module ``name`` imports, directly or through others
    (with ``stars``, also by ``from x import *``)."""
    found: set[str] = set()
    pending = [name]
    while pending:
        current = modules.get(pending.pop())
        targets = [*current.imports.values(), *(current.stars if stars else ())] if current else []
        for target in targets:
            parts = target.lstrip("?").split(".")
            for cut in range(len(parts), 0, -1):
                key = ".".join(parts[:cut])
                if key in modules:
                    if key not in found:
                        found.add(key)
                        pending.append(key)
                    break
    return found


def notebook_isolated(modules: dict[str, Module], home: Module) -> bool:
    """A notebook nothing imports, whose objects no code that runs by other means than an
    import (in it, in another notebook, in a module it imports) can be handed: what it builds
    reaches only the modules it imports."""
    if home.path.suffix != ".ipynb":
        return False
    for module in modules.values():
        targets = [*module.imports.values(), *module.stars]
        if module is not home and any(t.lstrip("?") == home.name or t.lstrip("?").startswith(home.name + ".") for t in targets):
            return False  # imported, by a hook
    imported = imported_modules(modules, home.name, stars=True) | {home.name}
    return not any(runs_unnamed_code(m.path) for name, m in modules.items() if name in imported or m.path.suffix == ".ipynb")
