"""``labels = labels.long()`` in ``forward``: inlined into the uses, so that ``labels`` is the
caller's argument throughout and the conversion moves with the loss. Only conversions of dtype,
shape and device (pure), and only where it is the one assignment to ``labels`` in its block."""

from __future__ import annotations

import functools
from typing import Any, Optional

from codemod.cst.bindings import bound_names
from codemod.cst.nodes import names_in, single_name_target, substitute
from codemod.lazy_libcst import cst
from codemod.vocabulary import LABELS_PARAM

LABEL_CONVERSIONS = frozenset(
    {"long", "float", "double", "int", "half", "bool", "view", "reshape", "squeeze", "unsqueeze", "flatten",
     "contiguous", "type", "to", "cuda", "cpu", "clone", "detach"}
)
"""Methods that only convert a tensor (dtype, shape, device): pure, so they can move with the loss."""


def _is_label_conversion(node: cst.BaseExpression) -> bool:
    """``labels.long()``, ``labels.unsqueeze(1).float()``, ``labels.to(logits.dtype)``."""
    while isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in LABEL_CONVERSIONS:
        if any(LABELS_PARAM in names_in(a.value) for a in node.args):
            return False
        node = node.func.value
    return isinstance(node, cst.Name) and node.value == LABELS_PARAM


@functools.cache
def _inline_conversions() -> type[Any]:
    """``_InlineConversions``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _InlineConversions(cst.CSTTransformer):
        """``labels = labels.long()`` then uses of ``labels``: the uses read ``labels.long()`` and
        the line goes, so that ``labels`` is the caller's argument throughout and the conversion
        moves with the loss. Only in a block where it is the one assignment to ``labels``."""

        def __init__(self) -> None:
            self.failed = False

        def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
            body = list(updated.body)
            for index, statement in enumerate(body):
                target = single_name_target(statement)
                if target is None or target[0] != LABELS_PARAM:
                    continue
                if not _is_label_conversion(target[1]):
                    self.failed = True
                    return updated
                rest = body[index + 1 :]
                if any(target and target[0] == LABELS_PARAM for target in map(single_name_target, rest)):
                    self.failed = True
                    return updated
                converted = target[1]
                # substitute replaces names in any node; its signature names the common case, an expression.
                rest = [substitute(s, {LABELS_PARAM: converted}) for s in rest]  # type: ignore[arg-type, misc]  # see the comment above
                if rest and statement.leading_lines:  # type: ignore[attr-defined]  # every concrete statement has leading_lines
                    rest[0] = rest[0].with_changes(leading_lines=statement.leading_lines)  # type: ignore[attr-defined]  # likewise
                return updated.with_changes(body=body[:index] + rest)
            return updated

    return _InlineConversions


def inline_label_conversions(func: cst.FunctionDef) -> Optional[cst.FunctionDef]:
    """``func`` with its ``labels = labels.long()`` lines inlined into the uses; itself when
    it has none; None when ``labels`` is assigned in a way that cannot be inlined."""
    if LABELS_PARAM not in bound_names(func.body):
        return func
    inliner = _inline_conversions()()
    result = func.visit(inliner)
    assert isinstance(result, cst.FunctionDef)  # the inliner changes blocks, never the function itself
    if inliner.failed or LABELS_PARAM in bound_names(result.body):
        return None
    return result


