"""The static check after planning: do the rewritten files still call every rewritten class the
way its new ``forward`` takes?

The import check runs each changed module's top level, so it cannot see calls under
``if __name__ == "__main__":`` or inside functions. This check re-indexes the planned texts in
memory, finds the calls of every class whose ``forward`` signature changed, and compares them
with the same search over the files as they are:

* a call that binds the old ``forward`` but not the new one is a call the plan missed
  (``from model import Net`` resolved to the wrong ``model.py`` once did this);
* a call whose result is read for ``loss`` (``out["loss"]``, ``out.loss``) after the rewrite
  reads something ``forward`` no longer returns.

Calls that did not bind before the rewrite either are the user's own, and are not blamed on it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemod.analysis.callsites import CallGraph, CallSite, CallSiteFinder
from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex, char_column, summarize
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, CallVia, Location, Signature

PHYSICAL_LINE_BREAK = re.compile(r"\r\n?|\n")
"""What ends a line for ``ast``'s line numbers (``str.splitlines`` also breaks at form feeds)."""

LOSS_READS = frozenset({"loss"})
"""What a rewritten ``forward`` (which returns the prediction) certainly no longer returns."""


@dataclass(frozen=True)
class CallProblem:
    """A call of a rewritten class that the planned code gets wrong."""

    key: Optional[ClassKey]
    """The class whose call it is; None for a problem of the file (a name left undefined)."""
    display_path: str
    line: int
    column: int
    reason: str

    @property
    def location(self) -> Location:
        return Location(self.display_path, self.line, self.column + 1 if self.key is not None else None)


def check_calls(index: RepoIndex, texts: dict[Path, str]) -> list[CallProblem]:
    """Problems with the calls of classes whose ``forward`` the planned ``texts`` change."""
    planned = {path: _resummarize(index.by_path[path], text) for path, text in texts.items() if path in index.by_path}
    changed = _changed_classes(index, planned)
    if not changed:
        return []
    after_index = RepoIndex([planned.get(m.path, _copy(m)) for m in index.modules.values()])
    before_index = RepoIndex([_copy(m) for m in index.modules.values()])
    names = {key.name for key in changed}
    before = _graph(before_index, names, changed)
    after = _graph(after_index, names, changed)
    problems: list[CallProblem] = []
    for key, lost_labels in sorted(changed.items(), key=lambda item: item[0].qualified):
        old_signature = _forward(before_index, key)
        new_signature = _forward(after_index, key)
        if old_signature is None or new_signature is None:
            continue
        was_broken = {(s.display_path, s.line) for s in before.sites_for(key) if not _binds(s, old_signature)}
        for site in after.sites_for(key):
            if not _binds(site, new_signature) and (site.display_path, site.line) not in was_broken:
                params = ", ".join(p.name for p in new_signature.params)
                problems.append(
                    CallProblem(key, site.display_path, site.line, site.column, f"the call does not match `{key.name}.forward({params})`")
                )
            elif lost_labels:
                read = _loss_read(after_index.by_path[site.path], site)
                if read is not None:
                    problems.append(
                        CallProblem(key, site.display_path, site.line, site.column, f"`{read}` reads a loss forward no longer returns")
                    )
    return problems


def new_undefined_names(old_text: str, new_text: str, *, whole: bool = False) -> list[tuple[str, int]]:
    """Names the rewritten text reads inside a function that nothing binds there, in the
    module, or among the builtins, and that the old text did not already read unbound:
    (name, line). A moved expression that kept ``self`` outside its class is one. ``whole``
    reads every statement, as the shortcut below must answer (tests/test_large_file_shortcuts.py)."""
    old_tree, new_tree = ast.parse(old_text), ast.parse(new_text)
    if _star_import(old_tree) or _star_import(new_tree):
        # a star import binds names no one can list: nothing is known to be unbound
        return [] if _star_import(new_tree) else _unbound_reads(new_tree, new_tree.body)
    old_known, new_known = _scope_bindings(old_tree), _scope_bindings(new_tree)
    if new_known >= old_known and not whole:
        # What a top-level statement reads unbound depends only on its text and on what the
        # module binds: a statement the rewrite left as it was reads nothing new while the
        # module binds no less. When the changed ones read nothing unbound, that is the answer.
        old_lines, new_lines = PHYSICAL_LINE_BREAK.split(old_text), PHYSICAL_LINE_BREAK.split(new_text)
        kept = {_source_of(old_lines, statement) for statement in old_tree.body}
        changed = [statement for statement in new_tree.body if _source_of(new_lines, statement) not in kept]
        if not _unbound_reads(new_tree, changed, new_known):
            return []
    old = {name for name, _ in _unbound_reads(old_tree, old_tree.body, old_known)}
    return [(name, line) for name, line in _unbound_reads(new_tree, new_tree.body, new_known) if name not in old]


def _star_import(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree))


def _source_of(lines: list[str], statement: ast.stmt) -> str:
    """The lines a top-level statement spans, its decorators included."""
    first = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
    return "\n".join(lines[first - 1 : statement.end_lineno])


def _unbound_reads(tree: ast.Module, statements: list[ast.stmt], module_bound: Optional[set[str]] = None) -> list[tuple[str, int]]:
    """(name, line) of each read, inside a function of ``statements`` (top-level statements of
    ``tree``), of a name bound neither there, nor by a function around it, nor by the module,
    nor among the builtins."""
    import builtins

    known = (module_bound if module_bound is not None else _scope_bindings(tree)) | set(dir(builtins)) | {
        "__file__",
        "__name__",
        "__doc__",
        "__builtins__",
        "__spec__",
    }
    scope = ast.Module(body=statements, type_ignores=[])
    parents = {id(child): node for node in ast.walk(scope) for child in ast.iter_child_nodes(node)}
    found: list[tuple[str, int]] = []
    for function in ast.walk(scope):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        visible: set[str] = set()
        current: Optional[ast.AST] = function
        while current is not None:  # the function's own names and those of functions around it
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visible |= _function_bindings(current)
            current = parents.get(id(current))
        found.extend(
            (node.id, node.lineno)
            for node in ast.walk(function)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in known and node.id not in visible
        )
    return found


def _names_bound_by(sub: ast.AST) -> set[str]:
    if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
        return {sub.id}
    if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {sub.name}
    if isinstance(sub, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in sub.names}
    if isinstance(sub, ast.ExceptHandler) and sub.name:
        return {sub.name}
    if isinstance(sub, (ast.Global, ast.Nonlocal)):
        return set(sub.names)
    if isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
        return {sub.name}
    return set()


def _scope_bindings(tree: ast.Module) -> set[str]:
    """Names the module binds in its own code (not inside functions or classes)."""
    bound: set[str] = set()
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        bound |= _names_bound_by(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return bound


def _function_bindings(function: ast.AST) -> set[str]:
    """A function's parameters and every name bound in its body (nested scopes included: a
    generous view, so that only names bound nowhere around count as unbound)."""
    bound: set[str] = set()
    for sub in ast.walk(function):
        bound |= _names_bound_by(sub)
        if isinstance(sub, ast.arg):
            bound.add(sub.arg)
    return bound


def _resummarize(module: ModuleSummary, text: str) -> ModuleSummary:
    return summarize(module.path, module.display_path, text, module.import_root or module.path.parent)


def _copy(module: ModuleSummary) -> ModuleSummary:
    """A fresh summary of the same text: a RepoIndex links (and so changes) its summaries."""
    return _resummarize(module, module.text)


def _changed_classes(index: RepoIndex, planned: dict[Path, ModuleSummary]) -> dict[ClassKey, bool]:
    """Classes whose ``forward`` signature the plan changes -> whether it lost its labels."""
    changed: dict[ClassKey, bool] = {}
    for path, new in planned.items():
        old = index.by_path[path]
        for name, cls in old.classes.items():
            other = new.classes.get(name)
            if cls.forward is None or other is None or other.forward is None:
                continue
            if [(p.name, p.positional, p.has_default) for p in cls.forward.params] != [
                (p.name, p.positional, p.has_default) for p in other.forward.params
            ]:
                had = {p.name for p in cls.forward.params} & {LABELS_PARAM, LABEL_ALIAS}
                has = {p.name for p in other.forward.params} & {LABELS_PARAM, LABEL_ALIAS}
                changed[ClassKey(old.key, name)] = bool(had) and not has
    return changed


def _graph(index: RepoIndex, names: set[str], watched: dict[ClassKey, bool]) -> CallGraph:
    return CallSiteFinder(index, frozenset(watched)).run(lambda module: not names.isdisjoint(module.identifiers))


def _forward(index: RepoIndex, key: ClassKey) -> Optional[Signature]:
    if key.module not in index.modules:
        return None
    owner = index.forward_owner(key)
    return index.summary(owner).forward if owner is not None else None


def _binds(site: CallSite, signature: Signature) -> bool:
    shape = site.shape
    if shape.star or site.via is CallVia.SELF:
        return True  # `*args` cannot be checked; `self(...)` inside the class is the class's own
    return signature.binds(shape.positional, shape.keywords, shape.double_star) is not None


def _loss_read(module: ModuleSummary, site: CallSite) -> Optional[str]:
    """``model(x)["loss"]``, ``model(x).loss``, or ``out = model(x)`` then ``out["loss"]`` /
    ``out.loss`` in the same function, where ``out`` is bound once."""
    tree = module.tree
    call = _call_at(tree, site.line, site.column, module)
    if call is None:
        return None
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    parent = parents.get(id(call))
    found = _reads_loss(parent, call)
    if found:
        return ast.unparse(parent)  # type: ignore[arg-type]  # _reads_loss found a reader: the parent exists
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
        name = parent.targets[0].id
        scope: ast.AST = tree
        current = parents.get(id(parent))
        while current is not None:
            if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef)):
                scope = current
                break
            current = parents.get(id(current))
        stores = [n for n in ast.walk(scope) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)]
        if len(stores) != 1:
            return None
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                outer = parents.get(id(node))
                if _reads_loss(outer, node):
                    return ast.unparse(outer)  # type: ignore[arg-type]  # likewise
    return None


def _reads_loss(parent: Optional[ast.AST], child: ast.AST) -> bool:
    if isinstance(parent, ast.Subscript) and parent.value is child:
        return isinstance(parent.slice, ast.Constant) and parent.slice.value in LOSS_READS
    return isinstance(parent, ast.Attribute) and parent.value is child and parent.attr in LOSS_READS


def _call_at(tree: ast.Module, line: int, column: int, module: ModuleSummary) -> Optional[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno == line:
            if char_column(module.lines, node.lineno, node.col_offset) == column:
                return node
    return None
