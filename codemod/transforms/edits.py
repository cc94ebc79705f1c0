"""Edits to one file, keyed by the original LibCST nodes, applied in a single pass.

Rules plan edits (per call site, per ``forward``); this module applies them together, so one
file with a model class and its training loop is rewritten once, and a refused rewrite can be
dropped by planning again without it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from codemod.lazy_libcst import cst
from codemod.transforms.imports import add_imports, remove_unused_imports, rename_imports
from codemod.vocabulary import ImportSpec, Refusal

__all__ = ["FileEdits", "ImportSpec", "apply_edits", "imports_to_add"]


def imports_to_add(
    wanted: dict[str, ImportSpec], bound: dict[str, str], taken: set[str]
) -> Union[set[ImportSpec], Refusal]:
    """The imports a module needs so each name in ``wanted`` means what it meant where the code
    came from; or why that cannot be (the name means something else there). ``bound`` maps the
    module's imported names to what they stand for; ``taken`` is every name it uses."""
    needed: set[ImportSpec] = set()
    for name, spec in sorted(wanted.items()):
        meaning = f"{spec.module}.{spec.obj}" if spec.obj else spec.module
        if name in bound:
            if bound[name] != meaning:
                return Refusal(f"`{name}` means `{bound[name]}` here, not `{meaning}`")
        elif name in taken:
            return Refusal(f"`{name}` is already used for something else here")
        else:
            needed.add(spec)
    return needed


@dataclass
class FileEdits:
    replace: dict[cst.CSTNode, object] = field(default_factory=dict)
    """Original node -> new node, or a list of statements for a statement."""
    insert_before: dict[cst.CSTNode, list[cst.BaseStatement]] = field(default_factory=dict)
    remove: set[cst.CSTNode] = field(default_factory=set)
    imports: set[ImportSpec] = field(default_factory=set)
    stale_imports: set[ImportSpec] = field(default_factory=set)
    """Imports the edits may have left unused: removed only if nothing uses them afterwards."""
    renamed_imports: dict[ImportSpec, ImportSpec] = field(default_factory=dict)
    """Old -> new: where the edits swapped one imported name for another. The old import is
    renamed in place when nothing uses it any more (the import keeps its layout), else the new
    one is added."""

    def touched(self) -> set[cst.CSTNode]:
        return set(self.replace) | set(self.remove)

    def add_before(self, anchor: cst.CSTNode, statement: cst.BaseStatement) -> None:
        self.insert_before.setdefault(anchor, []).append(statement)

    def merge(self, other: "FileEdits") -> None:
        self.replace.update(other.replace)
        for anchor, statements in other.insert_before.items():
            self.insert_before.setdefault(anchor, []).extend(statements)
        self.remove |= other.remove
        self.imports |= other.imports
        self.stale_imports |= other.stale_imports
        self.renamed_imports.update(other.renamed_imports)

    def __bool__(self) -> bool:
        return bool(self.replace or self.insert_before or self.remove)


class OverlappingEdits(Exception):
    """Two planned edits where one replaces a node the other edits inside: applying both would
    silently drop one, so this is a bug to refuse on, never output."""


@functools.cache
def _apply() -> type[Any]:
    """``_Apply``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Apply(cst.CSTTransformer):
        def __init__(self, edits: FileEdits) -> None:
            self.edits = edits
            self.edited_inside: list[bool] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.edited_inside.append(False)
            return True

        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[no-untyped-def]  # LibCST's own signature returns a union of removal sentinels
            edits = self.edits
            inner = self.edited_inside.pop()
            own = original in edits.remove or original in edits.replace or original in edits.insert_before
            # A removed node takes whatever was edited inside it along (a reader in a statement
            # that goes away); a replaced one would silently drop those edits.
            if inner and original in edits.replace and original not in edits.remove:
                raise OverlappingEdits(f"an edit replaces a {type(original).__name__} that another edit changes inside")
            if (own or inner) and self.edited_inside:
                self.edited_inside[-1] = True
            if original in edits.remove:
                return cst.RemoveFromParent()
            if inner and isinstance(updated, cst.FormattedString):
                updated = _requoted(updated)
            result: object = edits.replace.get(original, updated)
            before = edits.insert_before.get(original)
            if before or isinstance(result, list):
                items = list(before or []) + (list(result) if isinstance(result, list) else [result])
                if before and len(items) > 1:
                    # Blank lines and comments above the anchor now go above what is inserted.
                    first, anchor = items[0], items[len(before)]
                    lines = getattr(anchor, "leading_lines", ())
                    if lines and not getattr(first, "leading_lines", ()):
                        items[0] = first.with_changes(leading_lines=lines)
                        items[len(before)] = anchor.with_changes(leading_lines=())
                return cst.FlattenSentinel(items)
            return result

    return _Apply


def _requoted(formatted: "cst.FormattedString") -> "cst.FormattedString":
    """An f-string an edit changed inside: a string literal moved into it (``reduction="sum"``
    in ``f"{...}"``) must not use the f-string's own quote, which ends it before Python 3.12."""
    delimiter = formatted.start.lstrip("fFrRbBuU")
    if len(delimiter) != 1:
        return formatted  # triple-quoted: a single quote of either kind is fine inside
    other = "'" if delimiter == '"' else '"'

    class Requote(cst.CSTTransformer):
        def leave_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString) -> cst.SimpleString:
            prefix = updated.prefix
            body = updated.value[len(prefix) :]
            if body[:1] != delimiter or body[:3] == delimiter * 3 or other in body or "\\" in body:
                return updated
            return updated.with_changes(value=f"{prefix}{other}{body[1:-1]}{other}")

    parts = [part.visit(Requote()) if isinstance(part, cst.FormattedStringExpression) else part for part in formatted.parts]
    return formatted.with_changes(parts=parts)


def apply_edits(module: cst.Module, edits: FileEdits, holding: Optional[set[cst.CSTNode]] = None) -> cst.Module:
    """``module`` with ``edits`` applied. ``holding``, when known, is the statements of the
    module's body that hold every edited node: only those are rebuilt (a large file with one
    fix is not copied whole); the result is the same."""
    if holding is None:
        updated = module.visit(_apply()(edits))
    else:
        body: list[Any] = []
        for statement in module.body:
            if statement not in holding:
                body.append(statement)
                continue
            result = statement.visit(_apply()(edits))
            if isinstance(result, cst.FlattenSentinel):
                body.extend(result.nodes)
            elif not isinstance(result, cst.RemovalSentinel):
                body.append(result)
        updated = module.with_changes(body=body)
    imports, stale_imports = edits.imports, edits.stale_imports
    if edits.renamed_imports:
        updated, to_add, to_drop = rename_imports(updated, edits.renamed_imports)
        imports, stale_imports = imports | to_add, stale_imports | to_drop
    if imports:
        updated = add_imports(updated, imports)
    if stale_imports - imports:
        updated = remove_unused_imports(updated, stale_imports - imports)
    return updated
