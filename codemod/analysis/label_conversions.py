"""``labels = labels.long()`` in ``forward``: inlined into the uses, so that ``labels`` is the
caller's argument throughout and the conversion moves with the loss. Only conversions of dtype,
shape and device (pure), only where it is the one assignment to ``labels`` in its block, and
only where every use it reaches is in that block: one under ``if`` whose converted labels are
read after the ``if`` (on some paths only), or under a loop (read again by the next pass), is not."""

from __future__ import annotations

import functools
import re
from typing import Any, Optional, Union

from codemod.cst.bindings import bound_names
from codemod.cst.nodes import code_of, names_in, single_name_target, substitute
from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason
from codemod.vocabulary import LABELS_PARAM, LossPlan, Refusal

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
def _enclosed_blocks() -> type[Any]:
    """``_EnclosedBlocks``, built on first use (see ``_inline_conversions``)."""

    class _EnclosedBlocks(cst.CSTVisitor):
        """The blocks of a ``forward`` whose conversions may be inlined: outside any loop, and
        no ``labels`` read after the block ends (nodes are visited in source order)."""

        def __init__(self) -> None:
            self.reads: list[int] = []  # the visit order of each `labels` name
            self.seen = 0
            self.loops = 0
            self.spans: dict[cst.IndentedBlock, tuple[int, int, bool]] = {}
            self.open: list[tuple[cst.IndentedBlock, int, bool]] = []

        def on_visit(self, node: cst.CSTNode) -> bool:
            self.seen += 1
            if isinstance(node, cst.Name) and node.value == LABELS_PARAM:
                self.reads.append(self.seen)
            if isinstance(node, (cst.For, cst.While)):
                self.loops += 1
            if isinstance(node, cst.IndentedBlock):
                self.open.append((node, self.seen, self.loops > 0))
            return True

        def on_leave(self, original_node: cst.CSTNode) -> None:
            if isinstance(original_node, (cst.For, cst.While)):
                self.loops -= 1
            if isinstance(original_node, cst.IndentedBlock):
                block, start, looped = self.open.pop()
                self.spans[block] = (start, self.seen, looped)

        def enclosed(self) -> set[cst.IndentedBlock]:
            return {block for block, (_, end, looped) in self.spans.items() if not looped and all(read <= end for read in self.reads)}

    return _EnclosedBlocks


@functools.cache
def _inline_conversions() -> type[Any]:
    """``_InlineConversions``, built on first use: subclassing LibCST loads it (see ``codemod.lazy_libcst``)."""

    class _InlineConversions(cst.CSTTransformer):
        """``labels = labels.long()`` then uses of ``labels``: the uses read ``labels.long()`` and
        the line goes, so that ``labels`` is the caller's argument throughout and the conversion
        moves with the loss. Only in a block where it is the one assignment to ``labels``."""

        def __init__(self, enclosed: set[cst.IndentedBlock]) -> None:
            self.enclosed = enclosed
            self.failed = False

        def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
            body = list(updated.body)
            for index, statement in enumerate(body):
                target = single_name_target(statement)
                if target is None or target[0] != LABELS_PARAM:
                    continue
                if original not in self.enclosed or not _is_label_conversion(target[1]):
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
    blocks = _enclosed_blocks()()
    func.body.visit(blocks)
    inliner = _inline_conversions()(blocks.enclosed())
    result = func.visit(inliner)
    assert isinstance(result, cst.FunctionDef)  # the inliner changes blocks, never the function itself
    if inliner.failed or LABELS_PARAM in bound_names(result.body):
        return None
    return result


@functools.cache
def _assigns(name: str) -> re.Pattern[str]:
    """A line that binds ``name``: ``name = ...``, ``a, name = ...``, ``name += ...``, ``name: T = ...``."""
    return re.compile(rf"^\s*(?:[\w\s,.()\[\]*]*[\s,(\[*])?{name}\b[^=\n]*?(?:[-+*/%@&|^]|//|\*\*|<<|>>)?=(?!=)")


def labels_reassigned(func: cst.FunctionDef, name: str = LABELS_PARAM) -> Refusal:
    """``ForwardReason.LABELS_REASSIGNED`` for the forward as written (``name`` its labels
    parameter, ``label`` before it is read as ``labels``), showing the first line that assigns
    it: the user's own statement, not an example of one."""
    body = code_of(func.body).splitlines()  # the body alone: a signature line can look like `labels: Tensor = ...`
    line = next((line.strip() for line in body if _assigns(name).match(line)), f"{name} = …")
    return Refusal.of(ForwardReason.LABELS_REASSIGNED, name=name, statement=line)


def as_written(outcome: Union[LossPlan, Refusal], func: cst.FunctionDef, name: str) -> Union[LossPlan, Refusal]:
    """``outcome``, with a ``LABELS_REASSIGNED`` refusal made of ``func`` as the file holds it:
    the reading may have renamed ``label`` to ``labels`` first."""
    if isinstance(outcome, Refusal) and outcome.kind is ForwardReason.LABELS_REASSIGNED:
        return labels_reassigned(func, name)
    return outcome
