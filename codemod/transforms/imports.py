"""Add the imports moved code needs, rename the ones a swapped class left behind, and drop
the ones the edits left unused.

A small, direct pass over the module's top-level import statements. LibCST's
``AddImportsVisitor``/``RemoveImportsVisitor`` do this with full scope analysis, which costs
more than a second per file (and half a second to import): too slow for a fixer run from an
editor on every save. Removal here is conservative: a name that still appears anywhere in the
module outside its import (code, strings such as ``__all__`` or annotations) keeps its import::

    import torch                        import torch
                                   ->   import torch.nn.functional as F
    x = 1                               x = 1
"""

from __future__ import annotations

import functools
import re
from typing import Any, Iterable, Optional, Sequence, Union

from codemod.lazy_libcst import cst
from codemod.vocabulary import ImportSpec


def _is_import_line(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(item, (cst.Import, cst.ImportFrom)) for item in statement.body
    )


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _from_module(node: cst.ImportFrom) -> Optional[str]:
    if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
        return None
    return cst.helpers.get_full_name_for_node(node.module)


def _spec_code(spec: ImportSpec) -> str:
    alias = f" as {spec.asname}" if spec.asname else ""
    return f"from {spec.module} import {spec.obj}{alias}" if spec.obj else f"import {spec.module}{alias}"


def _present(body: Sequence[cst.BaseStatement], spec: ImportSpec) -> bool:
    for statement in body:
        if not _is_import_line(statement):
            continue
        for item in statement.body:  # type: ignore[attr-defined]  # _is_import_line: a simple statement line
            if isinstance(item, cst.ImportFrom) and spec.obj and _from_module(item) == spec.module:
                for alias in item.names:  # type: ignore[union-attr]  # an ImportFrom of a merged spec: never `import *`
                    asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]  # an import alias is a Name
                    if cst.helpers.get_full_name_for_node(alias.name) == spec.obj and asname == spec.asname:
                        return True
            elif isinstance(item, cst.Import) and not spec.obj:
                for alias in item.names:
                    asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]  # an import alias is a Name
                    if cst.helpers.get_full_name_for_node(alias.name) == spec.module and asname == spec.asname:
                        return True
    return False


def add_imports(module: cst.Module, specs: Iterable[ImportSpec]) -> cst.Module:
    body: list[cst.BaseStatement] = list(module.body)
    new_lines: list[cst.SimpleStatementLine] = []
    for spec in sorted(specs, key=lambda s: (s.module, s.obj or "", s.asname or "")):
        if _present(body, spec):
            continue
        merged = _merge_into_existing(body, spec)
        if not merged:
            new_lines.append(cst.parse_statement(_spec_code(spec) + "\n"))  # type: ignore[arg-type]  # an import parses to a simple statement line
    if not new_lines:
        return module.with_changes(body=body)
    position, after_docstring = _insertion_point(body)
    if position == 0 or after_docstring:
        if after_docstring:
            new_lines[0] = new_lines[0].with_changes(leading_lines=[cst.EmptyLine()])
        elif body:
            # Comments and blank lines at the top of the file stay at the top.
            new_lines[0] = new_lines[0].with_changes(leading_lines=body[0].leading_lines)  # type: ignore[attr-defined]  # every concrete statement has leading_lines
            body[0] = body[0].with_changes(leading_lines=())
        if position < len(body) and not _is_import_line(body[position]) and not body[position].leading_lines:  # type: ignore[attr-defined]  # as above
            body[position] = body[position].with_changes(leading_lines=[cst.EmptyLine()])
    return module.with_changes(body=body[:position] + new_lines + body[position:])


def _insertion_point(body: list[cst.BaseStatement]) -> tuple[int, bool]:
    """After the last import of the file's leading block of docstring and imports."""
    index, last_import, docstring = 0, -1, False
    if body and _is_docstring(body[0]):
        index, docstring = 1, True
    while index < len(body) and _is_import_line(body[index]):
        last_import = index
        index += 1
    if last_import >= 0:
        return last_import + 1, False
    return (1, True) if docstring else (0, False)


def _merge_into_existing(body: list[cst.BaseStatement], spec: ImportSpec) -> bool:
    """``from m import a`` + ``b`` -> ``from m import a, b``, for a one-line import."""
    if not spec.obj:
        return False
    for index, statement in enumerate(body):
        if not _is_import_line(statement) or len(statement.body) != 1:  # type: ignore[attr-defined]  # _is_import_line: a simple statement line
            continue
        item = statement.body[0]  # type: ignore[attr-defined]  # likewise
        if not isinstance(item, cst.ImportFrom) or _from_module(item) != spec.module or item.lpar:
            continue
        names = list(item.names)  # type: ignore[arg-type]  # `import *` is kept whole before this
        if names and not isinstance(names[-1].comma, cst.MaybeSentinel):
            continue
        alias = cst.ImportAlias(
            name=cst.Name(spec.obj), asname=cst.AsName(name=cst.Name(spec.asname)) if spec.asname else None
        )
        names[-1] = names[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        body[index] = statement.with_changes(body=[item.with_changes(names=names + [alias])])
        return True
    return False


def _local_name(spec: ImportSpec) -> str:
    return spec.asname or spec.obj or spec.module.partition(".")[0]


def remove_unused_imports(module: cst.Module, specs: Iterable[ImportSpec]) -> cst.Module:
    mentions = _names()(strings=True)
    module.visit(mentions)
    unused = {spec for spec in specs if _local_name(spec) not in mentions.used}
    if not unused:
        return module
    body: list[cst.BaseStatement] = []
    orphaned: Sequence[cst.EmptyLine] = ()
    for statement in module.body:
        if _is_import_line(statement):
            # _is_import_line: a simple statement line whose every item is an Import or ImportFrom.
            kept = [_without_aliases(item, unused) for item in statement.body]  # type: ignore[arg-type, union-attr]  # see the comment above
            items = [item for item in kept if item is not None]
            if not items:
                # The comments above a removed import stay, above what follows it.
                orphaned = list(orphaned) + list(statement.leading_lines)
                continue
            statement = statement.with_changes(body=items)
        if orphaned:
            statement = statement.with_changes(leading_lines=list(orphaned) + list(statement.leading_lines))
            orphaned = ()
        body.append(statement)
    return module.with_changes(body=body)


def _without_aliases(
    item: Union[cst.Import, cst.ImportFrom], unused: set[ImportSpec]
) -> Optional[Union[cst.Import, cst.ImportFrom]]:
    if isinstance(item, cst.ImportFrom):
        module = _from_module(item)
        if module is None:
            return item

        def drop(alias: cst.ImportAlias) -> bool:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]  # an import alias is a Name
            return ImportSpec(module, cst.helpers.get_full_name_for_node(alias.name), asname) in unused

    else:

        def drop(alias: cst.ImportAlias) -> bool:
            asname = alias.asname.name.value if alias.asname else None  # type: ignore[union-attr]  # an import alias is a Name
            return ImportSpec(cst.helpers.get_full_name_for_node(alias.name) or "", None, asname) in unused

    names = list(item.names)  # type: ignore[arg-type]  # `import *` is kept whole before this
    kept = [alias for alias in names if not drop(alias)]
    if len(kept) == len(names):
        return item
    if not kept:
        return None
    kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
    return item.with_changes(names=kept)


@functools.cache
def _names() -> type[Any]:
    """``_Names``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _Names(cst.CSTVisitor):
        """The names a module uses outside its imports (with ``strings``, also every word in its
        string literals: ``__all__``, string annotations), and the names its imports bring in."""

        def __init__(self, strings: bool = False) -> None:
            self.strings = strings
            self.used: set[str] = set()
            self.imported: set[tuple[str, str]] = set()

        def visit_Import(self, node: cst.Import) -> bool:
            return False

        def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
            if node.module is not None and not node.relative and not isinstance(node.names, cst.ImportStar):
                module = cst.helpers.get_full_name_for_node(node.module) or ""
                self.imported |= {(module, cst.helpers.get_full_name_for_node(a.name) or "") for a in node.names}
            return False

        def visit_Name(self, node: cst.Name) -> None:
            self.used.add(node.value)

        def visit_SimpleString(self, node: cst.SimpleString) -> None:
            if self.strings:
                self.used.update(re.findall(r"\w+", node.value))

    return _Names


@functools.cache
def _rename_imports() -> type[Any]:
    """``_RenameImports``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _RenameImports(cst.CSTTransformer):
        def __init__(self, renames: dict[tuple[str, str], str]) -> None:
            self.renames = renames
            self.done: set[tuple[str, str]] = set()

        def leave_ImportFrom(self, original: cst.ImportFrom, updated: cst.ImportFrom) -> cst.ImportFrom:
            if updated.relative or updated.module is None or isinstance(updated.names, cst.ImportStar):
                return updated
            module = cst.helpers.get_full_name_for_node(updated.module) or ""
            names = []
            for alias in updated.names:
                key = (module, cst.helpers.get_full_name_for_node(alias.name) or "")
                if alias.asname is None and key in self.renames and key not in self.done:
                    self.done.add(key)
                    alias = alias.with_changes(name=cst.Name(self.renames[key]))
                names.append(alias)
            return updated.with_changes(names=names)

    return _RenameImports


def rename_imports(
    module: cst.Module, renamed: dict[ImportSpec, ImportSpec]
) -> tuple[cst.Module, set[ImportSpec], set[ImportSpec]]:
    """Rename in place each import the edits left unused to its replacement. Returns the module
    and the imports still to add and to drop if unused, for the renames that could not be done
    in place (the old name is still used, or the new one is already imported)."""
    names = _names()()
    module.visit(names)
    renames = {
        (old.module, old.obj): new.obj
        for old, new in renamed.items()
        if old.obj and new.obj and old.asname is None and new.asname is None and old.module == new.module
        and old.obj not in names.used and (new.module, new.obj) not in names.imported
    }
    renamer = _rename_imports()(renames)
    module = module.visit(renamer)
    left = {old: new for old, new in renamed.items() if (old.module, old.obj) not in renamer.done}
    return module, set(left.values()), set(left)
