"""Where each node of a parsed file is, and its parent: resolved once per file and run, and
shared by every rule and the call-site planner (each resolving LibCST's position metadata on
its own was a full pass over the file per rule).

``Layout`` wraps the file's tree without copying it, so its nodes are the ones rules and
edits hold."""

from __future__ import annotations

import functools
from typing import Mapping, Optional

from codemod.lazy_libcst import cst


class Layout:
    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)

    @functools.cached_property
    def positions(self) -> Mapping[cst.CSTNode, cst.metadata.CodeRange]:
        """Node -> its ``CodeRange`` (1-based lines, 0-based columns)."""
        positions: Mapping[cst.CSTNode, cst.metadata.CodeRange] = self._wrapper.resolve(cst.metadata.PositionProvider)
        return positions

    @functools.cached_property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        parents: Mapping[cst.CSTNode, cst.CSTNode] = self._wrapper.resolve(cst.metadata.ParentNodeProvider)
        return parents

    @functools.cached_property
    def calls(self) -> dict[tuple[int, int], cst.Call]:
        """Calls by where they start (line, 0-based column), as the ``ast`` index records them."""
        return calls_by_start(self.positions)


def calls_by_start(positions: Mapping[cst.CSTNode, cst.metadata.CodeRange]) -> dict[tuple[int, int], cst.Call]:
    """Calls by where they start (line, 0-based column), as the ``ast`` index records them.
    ``model(x, y).mean()`` starts where ``model(x, y)`` does: the innermost call is the one."""
    calls: dict[tuple[int, int], cst.Call] = {}
    ends: dict[tuple[int, int], tuple[int, int]] = {}
    for node, position in positions.items():
        if isinstance(node, cst.Call):
            start = (position.start.line, position.start.column)
            end = (position.end.line, position.end.column)
            if start not in calls or end < ends[start]:
                calls[start], ends[start] = node, end
    return calls


def enclosing_scope(layout: Layout, node: cst.CSTNode) -> cst.CSTNode:
    """The function ``node`` is in, or the module."""
    current: Optional[cst.CSTNode] = node
    while current is not None and not isinstance(current, (cst.FunctionDef, cst.Module)):
        current = layout.parents.get(current)
    return current if current is not None else layout.module
