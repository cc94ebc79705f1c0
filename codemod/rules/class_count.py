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
from typing import Callable, Optional

from codemod.cst.nodes import code_of, dotted
from codemod.cst.positions import Layout, enclosing_scope
from codemod.lazy_libcst import cst
from codemod.rules.heads import Bindings, bindings_visible, traced_config

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


def label_draws(layout: Layout, resolve: Callable[[str], str], bindings: Bindings, before: int) -> list[LabelDraw]:
    """The labels the module draws at random (``labels = torch.randint(0, 2, (4,))``, also
    ``self.labels = ...`` in a dataset) and hands on as labels, each with its class count as
    code that reads the same where the head's config is built (a number, or a module name bound
    before ``before`` that neither place binds otherwise). ``bindings`` are those where the
    config is built. A draw of another type (``dtype=torch.float``), or read as floats, is no
    class label."""
    found = []
    module_bindings = bindings_visible([layout.module], lambda node: layout.positions[node].start.line)
    for node, position in layout.positions.items():
        if not isinstance(node, cst.Assign) or len(node.targets) != 1 or not isinstance(node.value, cst.Call):
            continue
        target = node.targets[0].target
        name = target.value if isinstance(target, cst.Name) else target.attr.value if isinstance(target, cst.Attribute) else None
        called = dotted(node.value.func)
        if name is None or not LABELS_NAME.match(name) or called is None or resolve(called) not in RANDOM_INTEGERS:
            continue
        if any(arg.keyword is not None and arg.keyword.value == "dtype" and not INTEGER_TYPE.search(code_of(arg.value)) for arg in node.value.args):
            continue
        high, size = _draw_bounds(node.value, numpy=resolve(called).startswith("numpy."))
        if high is None or not _readable_at(high, layout, node, module_bindings, bindings, before):
            continue
        if _read_as_labels(layout, target) is not True:
            continue
        per_example = isinstance(size, cst.Integer) or (isinstance(size, cst.Tuple) and len(size.elements) == 1)
        found.append(LabelDraw(ClassCount(code_of(high), position.start.line), per_example))
    return found


INTEGER_TYPE = re.compile(r"\b(?:long|int|int64|int32|int16|int8|uint8)\b")
PASSES_VALUES_ON = frozenset({"to", "long", "cuda", "cpu", "view", "reshape", "squeeze", "flatten", "clone", "detach", "contiguous"})
"""Methods whose result holds the same class ids."""
MAKES_FLOATS = frozenset({"float", "half", "double", "bfloat16"})


def _read_as_labels(layout: Layout, target: cst.BaseExpression) -> Optional[bool]:
    """Is what ``target`` (``labels``, ``self.labels``) holds handed on as class labels:
    ``labels=...``, a ``"labels"`` entry, or beside ``.logits`` in a call (a loss)? False when a
    read turns it into floats (a regression target, multi-label targets)."""
    spelled = code_of(target)
    found: Optional[bool] = None
    for node in layout.positions:
        if not isinstance(node, (cst.Name, cst.Attribute)) or node is target or code_of(node) != spelled:
            continue
        value: cst.CSTNode = node
        parent = layout.parents.get(value)
        if _names_not_reads(parent, node):
            continue
        while True:
            if isinstance(parent, cst.Subscript) and parent.value is value:
                value, parent = parent, layout.parents.get(parent)
            elif isinstance(parent, cst.Attribute) and parent.value is value and isinstance(layout.parents.get(parent), cst.Call):
                if parent.attr.value in MAKES_FLOATS:
                    return False
                if parent.attr.value not in PASSES_VALUES_ON:
                    break
                value = layout.parents[parent]
                parent = layout.parents.get(value)
            else:
                break
        if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in ("labels", "label"):
            found = True
        elif isinstance(parent, cst.DictElement) and parent.value is value and isinstance(parent.key, cst.SimpleString) and parent.key.evaluated_value in ("labels", "label"):
            found = True
        elif isinstance(parent, cst.Arg) and isinstance(layout.parents.get(parent), cst.Call):
            call = layout.parents[parent]
            if any(a is not parent and "logits" in code_of(a.value) for a in call.args):  # type: ignore[attr-defined]  # a Call's args
                found = True
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


def _names_not_reads(parent: Optional[cst.CSTNode], node: cst.CSTNode) -> bool:
    """``x.labels``'s ``labels``, ``f(labels=...)``'s keyword, a parameter, a target: a name
    that reads nothing."""
    return (
        (isinstance(parent, cst.Attribute) and parent.attr is node)
        or (isinstance(parent, cst.Arg) and parent.keyword is node)
        or isinstance(parent, (cst.Param, cst.AssignTarget))
    )


def _readable_at(
    expression: cst.BaseExpression, layout: Layout, draw: cst.CSTNode, module_bindings: Bindings, bindings: Bindings, before: int
) -> bool:
    """Does ``expression`` mean the same where the config is built as at ``draw``: a whole
    number, or ``len(NAME)``/``NAME`` for a name the module binds once, before ``before``, that
    neither the draw's function nor the config's binds otherwise?"""
    if isinstance(expression, cst.Integer):
        return True
    if isinstance(expression, cst.Call) and dotted(expression.func) == "len" and len(expression.args) == 1:
        expression = expression.args[0].value
    if not isinstance(expression, cst.Name):
        return False
    name = expression.value
    values = module_bindings.get(name, [])
    if len(values) != 1 or values[0][0] >= before or bindings.get(name) != values:
        return False
    scope = enclosing_scope(layout, draw)
    inner = bindings_visible([scope], lambda node: layout.positions[node].start.line) if isinstance(scope, cst.FunctionDef) else {}
    return name not in inner


def drawn_count(draws: list[LabelDraw], one_label_an_example: bool) -> list[ClassCount]:
    """The count the draws agree on, once (several draws of one range are one count); for a
    sequence classifier (``one_label_an_example``) only the draws of one label an example."""
    by_expression: dict[str, ClassCount] = {}
    for draw in draws:
        if draw.per_example or not one_label_an_example:
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
