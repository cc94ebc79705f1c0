"""Where each node of a parsed file is, and its parent: resolved once per file and run, and
shared by every rule and the call-site planner (each resolving LibCST's position metadata on
its own was a full pass over the file per rule).

``Layout`` wraps the file's tree without copying it, so its nodes are the ones rules and
edits hold."""

from __future__ import annotations

import functools
from typing import Any, Iterable, Mapping, Optional

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
        """Node -> the node it is a child of (the module has none). One walk: LibCST's
        ``ParentNodeProvider`` asks every node for its ``children``, a second visit of each,
        and took longer than the positions on a large file."""
        parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.module.visit(_parents_recorder()(parents))
        return parents

    def top_level_statements(self, nodes: Iterable[cst.CSTNode]) -> Optional[set[cst.CSTNode]]:
        """The statements of the module's body that hold ``nodes`` (or are among them); None
        when one of them is the module itself or not in it."""
        tops: set[cst.CSTNode] = set()
        parents = self.parents
        for node in nodes:
            current = node
            while (parent := parents.get(current)) is not None and parent is not self.module:
                current = parent
            if parent is None:
                return None
            tops.add(current)
        return tops

    @functools.cached_property
    def calls(self) -> dict[tuple[int, int], cst.Call]:
        """Calls by where they start (line, 0-based column), as the ``ast`` index records them."""
        return calls_by_start(self.positions)


@functools.cache
def _parents_recorder() -> type[Any]:
    """The visitor, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class ParentsRecorder(cst.CSTVisitor):
        # Each node is visited once, inside its parent's visit: the parent is on top of the stack.
        def __init__(self, parents: dict[cst.CSTNode, cst.CSTNode]) -> None:
            super().__init__()
            self.parents = parents
            self.stack: list[cst.CSTNode] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            if self.stack:
                self.parents[node] = self.stack[-1]
            self.stack.append(node)
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            self.stack.pop()

    return ParentsRecorder


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
