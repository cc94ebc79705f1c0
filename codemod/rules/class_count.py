"""Where a classification head gets its number of classes.

A classification head is sized by ``config.num_labels``, 2 unless something sets it. Swapping
``BertModel`` for ``BertForSequenceClassification`` on six classes without carrying the count
trains a 2-class head: ``IndexError: Target 4 is out of bounds``. So a classification repair
carries the count from what the program shows (``ClassCount``): a name that says so, a label
map, a ``ClassLabel``, or the range its labels are drawn from; or it refuses.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

from codemod.cst.nodes import dotted
from codemod.lazy_libcst import cst
from codemod.rules.heads import Bindings, traced_config

COUNT_KEYWORDS = frozenset({"num_labels", "id2label", "label2id"})
"""What sizes a classification head when given to its config or its ``from_pretrained``."""
COUNT_NAME = re.compile(r"^(?:num|n|nb|number_of|total)_?(?:labels?|class(?:es)?)$", re.IGNORECASE)
"""A name that says it holds a class count (``num_labels``, ``n_classes``)."""
LABEL_MAPS = frozenset({"id2label", "label2id"})


@dataclass(frozen=True)
class ClassCount:
    """Where the program shows its number of classes, as the code to pass: ``num_labels``,
    ``len(id2label)``, ``label_feature.num_classes``."""

    expression: str
    line: int


class CountState(enum.Enum):
    CARRIED = "carried"
    """The construction already sizes the head (``num_labels=`` or ``id2label=`` reaches it)."""
    UNKNOWN = "unknown"
    """The construction reads a config the program does not build where we can see it."""
    MISSING = "missing"
    """Nothing sizes the head: it would have the default 2 classes."""


# A string: evaluating `cst.BaseExpression` here would load LibCST for every run.

def count_state(construction: cst.Call, bindings: Bindings, before: int) -> CountState:
    """Does ``construction`` (``Head(config)``, ``Head.from_pretrained(path, ...)``) size its head?"""
    keywords = {arg.keyword.value for arg in construction.args if arg.keyword is not None}
    if keywords & COUNT_KEYWORDS:
        return CountState.CARRIED
    if any(arg.star for arg in construction.args):
        return CountState.UNKNOWN  # `**settings` may hold the count
    config = traced_config(construction, bindings, before)
    if config is None:
        return CountState.MISSING  # a checkpoint's config: its classes are a base model's, 2 by default
    if config.node is None:
        return CountState.UNKNOWN
    if {arg.keyword.value for arg in config.node.args if arg.keyword is not None} & COUNT_KEYWORDS:
        return CountState.CARRIED
    return CountState.UNKNOWN if any(arg.star for arg in config.node.args) else CountState.MISSING


def class_counts(bindings: Bindings, before: int) -> list[ClassCount]:
    """What the program binds, before ``before``, that is its number of classes: a name that
    says so (``num_labels = len(label_list)``), a label map (``id2label = {...}``) or a
    ``ClassLabel`` feature."""
    found = []
    for name, values in sorted(bindings.items()):
        if len(values) != 1 or values[0][0] >= before:
            continue
        line, value = values[0]
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        if COUNT_NAME.match(name):
            found.append(ClassCount(name, line))
        elif name in LABEL_MAPS and isinstance(value, (cst.Dict, cst.DictComp)):
            found.append(ClassCount(f"len({name})", line))
        elif isinstance(value, cst.Call) and (dotted(value.func) or "").rpartition(".")[2] == "ClassLabel":
            found.append(ClassCount(f"{name}.num_classes", line))
    # `id2label` and `label2id` built from one another count the same classes: one is enough.
    if sum(1 for c in found if c.expression.startswith("len(")) == 2:
        found = [c for c in found if c.expression != "len(label2id)"]
    return found


LABELS_NAME = re.compile(r"^(?:\w+_)?(?:labels?|targets?)$|^y$")
"""A name or attribute that says it holds the labels (``labels``, ``self.train_labels``, ``y``)."""
RANDOM_INTEGERS = frozenset({"torch.randint", "numpy.random.randint"})
"""Draws of integers from ``[low, high)``: labels drawn so come from ``high`` classes."""


@dataclass(frozen=True)
class LabelDraw:
    """Labels the program draws from a class range, ``labels = torch.randint(0, len(CLASSES), (n,))``:
    the classes are ``high`` in number, whatever the draw happens to hold."""

    count: ClassCount
    per_example: bool
    """One label an example (a one-dimensional size): a sequence classifier's labels."""


def label_draws(layout_positions: "Mapping[cst.CSTNode, cst.metadata.CodeRange]", resolve: Callable[[str], str], bindings: Bindings, before: int) -> list[LabelDraw]:
    """The labels the module draws at random (``labels = torch.randint(0, 2, (4,))``, also
    ``self.labels = ...`` in a dataset), each with its class count as code that reads the same
    where the head's config is built (a number, or a module name bound before ``before``)."""
    found = []
    for node, position in layout_positions.items():
        if not isinstance(node, cst.Assign) or len(node.targets) != 1 or not isinstance(node.value, cst.Call):
            continue
        target = node.targets[0].target
        name = target.value if isinstance(target, cst.Name) else target.attr.value if isinstance(target, cst.Attribute) else None
        called = dotted(node.value.func)
        if name is None or not LABELS_NAME.match(name) or called is None or resolve(called) not in RANDOM_INTEGERS:
            continue
        high, size = _draw_bounds(node.value, numpy=resolve(called).startswith("numpy."))
        if high is None or not _readable_at(high, bindings, before):
            continue
        expression = cst.Module([]).code_for_node(high)
        per_example = isinstance(size, cst.Integer) or (isinstance(size, cst.Tuple) and len(size.elements) == 1)
        found.append(LabelDraw(ClassCount(expression, position.start.line), per_example))
    return found


def _draw_bounds(draw: cst.Call, numpy: bool) -> tuple[Optional[cst.BaseExpression], Optional[cst.BaseExpression]]:
    """``high`` and ``size`` of ``randint(low, high, size)``, torch's ``randint(high, size)`` or
    numpy's ``randint(low, high)``."""
    positional = [arg.value for arg in draw.args if arg.keyword is None and not arg.star]
    named = {arg.keyword.value: arg.value for arg in draw.args if arg.keyword is not None}
    if any(arg.star for arg in draw.args):
        return None, None
    if "high" in named:
        return named["high"], named.get("size", positional[1] if len(positional) > 1 else None)
    if len(positional) >= 3 or (len(positional) == 2 and "size" in named):
        return positional[1], named.get("size", positional[2] if len(positional) > 2 else None)
    if len(positional) == 2 and numpy:
        return positional[1], named.get("size")
    if len(positional) == 2 and "low" not in named:  # torch's `randint(high, size)`
        return positional[0], positional[1]
    return None, None


def _readable_at(expression: cst.BaseExpression, bindings: Bindings, before: int) -> bool:
    """Does ``expression`` mean the same where the config is built: a whole number, or
    ``len(NAME)``/``NAME`` for a name the module binds once, before ``before``?"""
    if isinstance(expression, cst.Integer):
        return True
    if isinstance(expression, cst.Call) and dotted(expression.func) == "len" and len(expression.args) == 1:
        expression = expression.args[0].value
    if not isinstance(expression, cst.Name):
        return False
    values = bindings.get(expression.value, [])
    return len(values) == 1 and values[0][0] < before


def drawn_count(draws: list[LabelDraw]) -> list[ClassCount]:
    """The count the draws agree on, once (several draws of one range are one count)."""
    by_expression: dict[str, ClassCount] = {}
    for draw in draws:
        by_expression.setdefault(draw.count.expression, draw.count)
    return list(by_expression.values())


def count_argument(count: ClassCount) -> cst.Arg:
    return cst.Arg(
        keyword=cst.Name("num_labels"),
        value=cst.parse_expression(count.expression),
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )


def with_count(construction: cst.Call, count: ClassCount) -> cst.Call:
    """``construction`` given ``num_labels=<count>`` as its last argument, laid out as the
    arguments before it (one a line with a trailing comma, or on one line)."""
    args = list(construction.args)
    added = count_argument(count)
    if not args:
        return construction.with_changes(args=[added])
    last = args[-1]
    one_a_line = isinstance(last.comma, cst.Comma) and isinstance(last.comma.whitespace_after, cst.ParenthesizedWhitespace)
    if one_a_line and len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
        args[-1] = last.with_changes(comma=args[-2].comma)
        added = added.with_changes(comma=last.comma)
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if isinstance(last.comma, cst.Comma):
            added = added.with_changes(comma=last.comma.with_changes(whitespace_after=cst.SimpleWhitespace(""))) if not one_a_line else added.with_changes(comma=last.comma)
    return construction.with_changes(args=[*args, added])


def describe(counts: list[ClassCount]) -> str:
    return ", ".join(f"`{c.expression}` (line {c.line})" for c in counts)
