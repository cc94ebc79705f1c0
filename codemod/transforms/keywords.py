"""Rename a keyword argument of one call (FL005):

    model(ids, masked_lm_labels=y)   ->   model(ids, labels=y)
"""

from __future__ import annotations

from typing import Optional

from codemod.cst.nodes import calls_by_start
from codemod.lazy_libcst import cst
from codemod.transforms.edits import FileEdits


class CallLocator:
    """The calls of one module by start position (line, 0-based column), as the index records."""

    def __init__(self, tree: cst.Module) -> None:
        wrapper = cst.MetadataWrapper(tree, unsafe_skip_copy=True)
        self.calls = calls_by_start(wrapper.resolve(cst.metadata.PositionProvider))

    def call_at(self, line: int, column: int) -> Optional[cst.Call]:
        return self.calls.get((line, column))


def rename_keyword(call: cst.Call, old: str, new: str) -> FileEdits:
    edits = FileEdits()
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == old:
            edits.replace[arg.keyword] = arg.keyword.with_changes(value=new)
    return edits
