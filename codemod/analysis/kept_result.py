"""What a call with labels got, rebuilt from what calls without labels get, and the loss.

An FL101 ``forward`` returns one structure with labels and another without. When calls without
labels cannot be rewritten (a model loaded with ``torch.load``, readers of ``outputs[2:]``, a
result that is not only the prediction), ``forward`` may keep returning the labels-absent
structure: those calls then change in nothing, whatever their receiver. Each call with labels
gets that structure, computes the loss, and reads its old result through the relation read
here::

    with labels:   (loss, *outputs)          kept: outputs          TUPLE, loss inserted at 0
                   (self.ce(x, labels), x)         (None, x)        TUPLE, loss in place of None
                   {"loss": loss, "logits": l}     {"logits": l}    DICT, loss inserted first
                   Output(logits, loss)            Output(logits, None)   OBJECT, attribute of ``loss``

Every slot but the loss must be the same code in both, computed by the same lines (the caller
checks the lines). Anything else is not related (None): such a result is not kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, TypeAlias, Union

from codemod.analysis.derivations import Flow
from codemod.cst.nodes import code_of
from codemod.lazy_libcst import cst
from codemod.vocabulary import KeptResult, LossPlace, ResultKind

Key = Union[int, str]
Item: TypeAlias = "tuple[bool, cst.BaseExpression]"  # a string: LibCST loads on first use only
"""One element of a tuple display: (starred, value)."""
Fields = tuple[tuple[str, str], ...]
"""A constructor's parameters in order, each with the attribute it sets."""


@dataclass(frozen=True)
class Constructor:
    """A class called at ``forward``'s return, as far as the relation needs it."""

    fields: Fields
    model_output: bool = False
    """A Hugging Face ``ModelOutput``: a dict of its fields that are not None."""


def relate(
    given: cst.BaseExpression,
    absent: cst.BaseExpression,
    is_loss: Callable[[cst.BaseExpression], bool],
    is_sentinel: Callable[[cst.BaseExpression], bool],
    absent_flow: Flow,
    fields_of: Callable[[str], Optional[Constructor]],
    needed: tuple[str, ...],
) -> Optional[KeptResult]:
    """How the labelled result ``given`` is ``absent`` with the loss put in, and where
    ``absent`` holds each name of ``needed`` (the prediction, then the extras the loss reads).
    ``fields_of``: for a class called at the return, each parameter of its constructor in order
    with the attribute it sets (``Constructor``); None when that is not known."""
    if isinstance(given, cst.Dict):
        return _relate_dicts(given, absent, is_loss, is_sentinel, needed)
    if isinstance(given, cst.Call):
        return _relate_objects(given, absent, is_loss, is_sentinel, fields_of, needed)
    given_items = _items(given)
    if given_items is None:
        return None  # forward's result with labels is not a tuple, a dict or an object built at the return
    return _relate_tuples(given_items, absent, is_loss, is_sentinel, absent_flow, needed)


def _items(value: cst.BaseExpression) -> Optional[list[Item]]:
    if isinstance(value, cst.Tuple):
        return [(isinstance(e, cst.StarredElement), e.value) for e in value.elements]
    return None


def _same(a: Item, b: Item) -> bool:
    return a[0] == b[0] and code_of(a[1]) == code_of(b[1])


def _expanded(value: cst.BaseExpression, flow: Flow, depth: int = 0) -> Optional[list[Item]]:
    """A tuple's items as far as the lines building it show them: ``outputs`` assigned
    ``(logits,) + rest[1:]`` is ``[logits, *rest[1:]]``; None when it is not known to be a tuple."""
    if depth > 10:
        return None
    if isinstance(value, cst.Tuple):
        items: list[Item] = []
        for element in value.elements:
            inner = _expanded(element.value, flow, depth + 1) if isinstance(element, cst.StarredElement) else None
            items += inner if inner is not None else [(isinstance(element, cst.StarredElement), element.value)]
        return items
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, cst.Add):
        left = _expanded(value.left, flow, depth + 1)
        if left is None:
            return None  # `a + b` is a tuple only when `a` is one
        right = _expanded(value.right, flow, depth + 1)
        return left + (right if right is not None else [(True, value.right)])
    if isinstance(value, cst.Name):
        line = flow.reaching(value.value, len(flow.statements))
        if line is not None and line >= 0:
            return _expanded(flow.value(line), flow, depth + 1)
    return None


def _relate_tuples(
    given: list[Item],
    absent: cst.BaseExpression,
    is_loss: Callable[[cst.BaseExpression], bool],
    is_sentinel: Callable[[cst.BaseExpression], bool],
    flow: Flow,
    needed: tuple[str, ...],
) -> Optional[KeptResult]:
    losses = [i for i, (starred, value) in enumerate(given) if is_loss(value)]
    if len(losses) != 1 or given[losses[0]][0]:
        return None  # forward's result with labels holds the loss in more than one slot, or unpacked
    at = losses[0]
    if any(starred for starred, _ in given[:at]):
        return None  # forward's result with labels has values of unknown number before the loss
    absent_items = _items(absent) or [(True, absent)]
    rest = given[:at] + given[at + 1 :]
    if len(absent_items) == len(rest) and all(_same(a, b) for a, b in zip(absent_items, rest)):
        replaced = False
    elif (
        len(absent_items) == len(given)
        and not absent_items[at][0]
        and is_sentinel(absent_items[at][1])
        and all(_same(a, b) for i, (a, b) in enumerate(zip(absent_items, given)) if i != at)
    ):
        replaced = True
    else:
        return None  # forward's result without labels is not its result with labels less the loss
    expanded = _expanded(absent, flow)
    slots: list[tuple[str, Key]] = []
    for name in needed:
        position = _position(expanded, name) if expanded is not None else None
        if position is None:
            return None  # forward's result without labels does not hold `name`, which the loss reads, at a known position
        slots.append((name, position))
    fixed_after = 0
    for starred, _ in reversed(given[at + 1 :]):
        if starred:
            break
        fixed_after += 1
    size = len(given) if not any(starred for starred, _ in given) else None
    return KeptResult(
        ResultKind.TUPLE, at, replaced, tuple(slots), sequence=expanded is not None, fixed_after=fixed_after, size=size,
        placed=_place(at, len(given)),
    )


def _place(at: int, size: int) -> LossPlace:
    return LossPlace.FIRST if at == 0 else LossPlace.LAST if at == size - 1 else LossPlace.MIDDLE


def _position(items: list[Item], name: str) -> Optional[int]:
    for index, (starred, value) in enumerate(items):
        if starred:
            return None
        if isinstance(value, cst.Name) and value.value == name:
            return index
    return None


def _relate_dicts(
    given: cst.Dict,
    absent: cst.BaseExpression,
    is_loss: Callable[[cst.BaseExpression], bool],
    is_sentinel: Callable[[cst.BaseExpression], bool],
    needed: tuple[str, ...],
) -> Optional[KeptResult]:
    given_pairs = _string_keyed(given)
    absent_pairs = _string_keyed(absent) if isinstance(absent, cst.Dict) else None
    if given_pairs is None or absent_pairs is None:
        return None  # forward's results are not both dicts of string keys
    named = _relate_named(given_pairs, absent_pairs, is_loss, is_sentinel, needed, ordered=True)
    if named is None:
        return None
    loss_key, replaced, slots = named
    keys = [k for k, _ in given_pairs]
    return KeptResult(ResultKind.DICT, loss_key, replaced, slots, placed=_place(keys.index(loss_key), len(keys)))


def _relate_named(
    given: list[tuple[str, cst.BaseExpression]],
    absent: list[tuple[str, cst.BaseExpression]],
    is_loss: Callable[[cst.BaseExpression], bool],
    is_sentinel: Callable[[cst.BaseExpression], bool],
    needed: tuple[str, ...],
    ordered: bool,
) -> Optional[tuple[str, bool, tuple[tuple[str, Key], ...]]]:
    """A dict's keys or an object's attributes: the loss's name, whether ``absent`` holds a
    placeholder under it, and where ``absent`` holds each of ``needed``; None when ``absent`` is
    not ``given`` less the loss (in order, for a dict)."""
    losses = [name for name, value in given if is_loss(value)]
    if len(losses) != 1:
        return None  # the loss under more than one name
    loss = losses[0]
    held = dict(absent)
    replaced = loss in held
    if replaced and not is_sentinel(held[loss]):
        return None  # without labels, that name holds a value, not a placeholder
    given_rest = [(k, code_of(v)) for k, v in given if k != loss]
    absent_rest = [(k, code_of(v)) for k, v in absent if k != loss]
    if (given_rest if ordered else sorted(given_rest)) != (absent_rest if ordered else sorted(absent_rest)):
        return None  # the result without labels is not the one with labels less the loss
    slots: list[tuple[str, Key]] = []
    for wanted in needed:
        name = next((k for k, v in absent if isinstance(v, cst.Name) and v.value == wanted), None)
        if name is None:
            return None  # the result without labels does not hold a value the loss reads
        slots.append((wanted, name))
    return loss, replaced, tuple(slots)


def _string_keyed(value: cst.Dict) -> Optional[list[tuple[str, cst.BaseExpression]]]:
    pairs = []
    for element in value.elements:
        if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
            return None
        key = element.key.evaluated_value
        if not isinstance(key, str):
            return None
        pairs.append((key, element.value))
    keys = [k for k, _ in pairs]
    return pairs if len(set(keys)) == len(keys) else None


def _relate_objects(
    given: cst.Call,
    absent: cst.BaseExpression,
    is_loss: Callable[[cst.BaseExpression], bool],
    is_sentinel: Callable[[cst.BaseExpression], bool],
    fields_of: Callable[[str], Optional[Constructor]],
    needed: tuple[str, ...],
) -> Optional[KeptResult]:
    if not isinstance(absent, cst.Call) or code_of(absent.func) != code_of(given.func):
        return None  # forward does not build the same object with labels and without
    if any(arg.star for arg in (*given.args, *absent.args)):
        return None  # forward's result is built with unpacked arguments
    constructor = fields_of(code_of(given.func))
    fields = constructor.fields if constructor is not None else None
    given_attrs = _attributes(given, fields)
    absent_attrs = _attributes(absent, fields)
    if given_attrs is None or absent_attrs is None:
        return None  # which attribute each argument of `code_of(given.func)` sets is not known
    named = _relate_named(given_attrs, absent_attrs, is_loss, is_sentinel, needed, ordered=False)
    if named is None:
        return None
    loss_attr, replaced, slots = named
    # Read as attributes: `out.logits`.
    slots_read = tuple((name, "." + str(attr)) for name, attr in slots)
    attributes = [attribute for _, attribute in fields or ()]
    placed = _place(attributes.index(loss_attr), len(attributes)) if loss_attr in attributes else LossPlace.MIDDLE
    model_output = constructor is not None and constructor.model_output
    rebuilt_by = code_of(given.func) if model_output and isinstance(given.func, (cst.Name, cst.Attribute)) else None
    return KeptResult(
        ResultKind.OBJECT, loss_attr, replaced, slots_read, placed=placed, model_output=model_output, rebuilt_by=rebuilt_by,
        fields=tuple(attributes),
    )


def _attributes(call: cst.Call, fields: Optional[Fields]) -> Optional[list[tuple[str, cst.BaseExpression]]]:
    """Each argument with the attribute it sets, by the constructor's ``fields``."""
    if fields is None:
        return None
    attribute_of = dict(fields)
    found: list[tuple[str, cst.BaseExpression]] = []
    for index, arg in enumerate(call.args):
        if arg.keyword is not None:
            if arg.keyword.value not in attribute_of:
                return None
            name = attribute_of[arg.keyword.value]
        elif index < len(fields):
            name = fields[index][1]
        else:
            return None
        found.append((name, arg.value))
    names = [n for n, _ in found]
    return found if len(set(names)) == len(names) else None


_ATTRIBUTE_HOOKS = frozenset({"__getattr__", "__getattribute__", "__setattr__", "__slots__"})


def dataclass_fields(cls: cst.ClassDef) -> Optional[Fields]:
    """The fields of a plain ``@dataclass`` in order, each its own attribute: annotated names
    with constant defaults, no ``__init__``/``__post_init__`` of its own, no base. None else."""
    if cls.bases or cls.keywords or len(cls.decorators) != 1:
        return None
    decorator = cls.decorators[0].decorator
    if code_of(decorator) not in ("dataclass", "dataclasses.dataclass", "dataclass(frozen=True)", "dataclasses.dataclass(frozen=True)"):
        return None
    fields: list[str] = []
    for item in cls.body.body:
        if isinstance(item, cst.FunctionDef):
            if item.name.value in ("__init__", "__post_init__") or item.name.value in _ATTRIBUTE_HOOKS:
                return None
            continue
        if _is_docstring_or_pass(item):
            continue
        if not (isinstance(item, cst.SimpleStatementLine) and len(item.body) == 1 and isinstance(item.body[0], cst.AnnAssign)):
            return None
        annotated = item.body[0]
        if not isinstance(annotated.target, cst.Name) or any(word in code_of(annotated.annotation.annotation) for word in ("ClassVar", "InitVar")):
            return None
        if annotated.value is not None and not isinstance(annotated.value, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)):
            return None  # `field(...)` may leave it out of __init__
        fields.append(annotated.target.value)
    defined = {item.name.value for item in cls.body.body if isinstance(item, cst.FunctionDef)}
    if not fields or defined & set(fields):
        return None
    return tuple((name, name) for name in fields)


def stored_parameters(cls: cst.ClassDef, init: cst.FunctionDef) -> Optional[Fields]:
    """``__init__``'s parameters in order, each with the attribute it stores it in, for a
    plain class whose ``__init__`` does only that (``self.logits = logits``), and which defines
    nothing else under those names. None for anything else."""
    if cls.bases and not (len(cls.bases) == 1 and code_of(cls.bases[0].value) == "object") or cls.decorators or cls.keywords:
        return None
    params = init.params
    if params.star_arg is not cst.MaybeSentinel.DEFAULT or params.star_kwarg is not None or params.posonly_params:
        return None
    names = [p.name.value for p in params.params]
    if not names or names[0] != "self" or params.kwonly_params:
        return None
    stored: dict[str, str] = {}
    body = init.body.body if isinstance(init.body, cst.IndentedBlock) else ()
    for index, statement in enumerate(body):
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
            return None
        small = statement.body[0]
        if index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
            continue
        if isinstance(small, cst.Expr) and code_of(small.value) in ("super().__init__()", f"super({cls.name.value}, self).__init__()"):
            continue
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.value, cst.Name)):
            return None
        target = small.targets[0].target
        if not (isinstance(target, cst.Attribute) and code_of(target.value) == "self" and small.value.value in names[1:]):
            return None
        if small.value.value in stored or target.attr.value in stored.values():
            return None
        stored[small.value.value] = target.attr.value
    if set(stored) != set(names[1:]):
        return None
    defined = {item.name.value for item in cls.body.body if isinstance(item, (cst.FunctionDef, cst.ClassDef))}
    others = [item for item in cls.body.body if not isinstance(item, (cst.FunctionDef, cst.ClassDef))]
    if defined & (set(stored.values()) | _ATTRIBUTE_HOOKS) or any(not _is_docstring_or_pass(item) for item in others):
        return None
    return tuple((name, stored[name]) for name in names[1:])


def _is_docstring_or_pass(item: cst.CSTNode) -> bool:
    if not (isinstance(item, cst.SimpleStatementLine) and len(item.body) == 1):
        return False
    small = item.body[0]
    return isinstance(small, cst.Pass) or (isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString))
