"""Could this code change a setting of the model, or an argument, that a moved loss reads again?

A loss moved to the call reads ``model.smoothing``, ``model.training`` or the call's argument
``mask`` after ``forward`` has returned; ``forward`` read them where the loss was. The two agree
only if nothing in between changes them: the rest of ``forward`` after the loss, and, for a
branch read as conditional expressions, its arms (the test is evaluated again for each value).

What may change them, and is looked for, is any store into the model (``self.x = ...``,
``self.buf[0] = ...``) and any call that may reach the model and is not a read: a method of the
model (``self.eval()``, ``self.warmup.step()``), a function given the model or a part of it that
may hold it (``anneal(self)``, ``f(self.helper)``), torch writing into a tensor (``out=``, ``init.ones_``).
Reads are not: torch's own layers of the model (``self.fc(x)``), torch's functions, reading
methods of tensors (``x.view(-1)``), settings passed as values (``ignore_index=self.pad_id``).
A test or a loss reading module-level names (``config.SMOOTH``) is changed by any call that is
not a read, since any function may reach them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Optional, Sequence

from codemod.analysis.derivations import attribute_assignments
from codemod.cst.bindings import bound_names
from codemod.cst.nodes import calls_in, code_of, dotted, names_in, walk
from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason
from codemod.vocabulary import Refusal

READING_METHODS = frozenset(
    {"view", "reshape", "size", "dim", "numel", "float", "long", "int", "bool", "half", "double", "to", "type", "cpu", "cuda",
     "eq", "ne", "gt", "lt", "ge", "le", "sum", "mean", "any", "all", "unsqueeze", "squeeze", "flatten", "contiguous", "detach",
     "clone", "item", "expand", "expand_as", "softmax", "log_softmax", "sigmoid", "argmax", "max", "min", "norm", "pow", "abs",
     "exp", "log", "masked_fill", "permute", "transpose", "t", "repeat", "gather", "index_select", "tolist", "format", "get", "keys",
     "values", "items", "clamp", "clip", "round", "floor", "ceil", "sqrt", "neg", "mul", "sub", "div", "matmul", "bmm",
     "split", "chunk", "narrow", "select", "nonzero", "topk", "cumsum", "prod", "var", "logsumexp", "relu", "tanh"}
)
"""Methods that read their receiver and make a new value (``masked_fill``, not ``masked_fill_``).
Not ``add`` nor ``sort``: a tensor's make a new one, but a set's ``add`` and a list's ``sort``
change theirs."""
READING_BUILTINS = frozenset({"print", "len", "float", "int", "str", "round", "abs", "min", "max", "sum", "isinstance", "range", "tuple", "list", "bool", "repr"})
TORCH_PREFIXES = ("torch.", "F.", "nn.", "torch.nn.")
LIBRARIES = frozenset({"torch", "F", "nn", "np", "numpy", "math", "transformers", "functional"})
"""Module-level names that are libraries, read for their functions: no code of the user's changes them."""


@dataclass(frozen=True)
class ModelParts:
    """What the class assigns to ``self``, as far as effects go."""

    layers: frozenset[str] = frozenset()
    """Attributes holding only torch's own modules built of torch's own: calling one runs no
    code of the user's."""
    settings: frozenset[str] = frozenset()
    """Attributes assigned only plain values (constants, names, arithmetic, no call): passing
    one to a function gives it no way to the model."""


@functools.lru_cache(maxsize=32)
def model_parts(cls: cst.ClassDef) -> ModelParts:
    """Built once per class: both rules and both readings of a ``forward`` ask (nodes hash by
    identity; a few recent classes are kept)."""
    assigned = attribute_assignments(cls)
    layers = frozenset(
        name for name, values in assigned.items()
        if all(isinstance(v, cst.Call) and all((dotted(c.func) or "").startswith(("nn.", "torch.nn.")) for c in calls_in(v)) for v in values)
    )
    settings = frozenset(name for name, values in assigned.items() if all(_plain(v) for v in values))
    return ModelParts(layers, settings)


def _plain(value: cst.BaseExpression) -> bool:
    """A value with no call and no container in it: a number, a string, a name, arithmetic."""
    containers = (cst.Call, cst.List, cst.Dict, cst.Set, cst.Tuple, cst.ListComp, cst.DictComp, cst.SetComp, cst.Lambda)
    return not any(isinstance(node, containers) for node in walk(value))


def may_change(node: cst.CSTNode, parts: ModelParts, read: frozenset[str], globals_read: bool) -> bool:
    """Could running ``node`` change a setting of the model the loss or test reads (``read``:
    the attributes of ``self`` it reads), or, with ``globals_read``, a module-level value? Stores
    into the model, and calls that may reach it and are not reads."""
    if "self" in bound_names(node, mutations=True):
        return True
    for call in calls_in(node):
        if _reads_only(call, parts):
            continue
        if globals_read or _reaches_model(call, parts, read):
            return True
    return False


def _reads_only(call: cst.Call, parts: ModelParts) -> bool:
    name = dotted(call.func) or ""
    if name in READING_BUILTINS:
        return True
    if any(arg.keyword is not None and arg.keyword.value == "out" for arg in call.args):
        return False
    if name.startswith(TORCH_PREFIXES) and not name.endswith("_"):
        return True
    if name.startswith("self.") and name.count(".") == 1 and name.partition(".")[2] in parts.layers:
        return True
    return isinstance(call.func, cst.Attribute) and call.func.attr.value in READING_METHODS


def _reaches_model(call: cst.Call, parts: ModelParts, read: frozenset[str]) -> bool:
    """Is the callee a method of the model or of a part of it (``self.warmup.step()``), or is
    the model, or a part of it that may lead back to it or is read, given to it?"""
    return "self" in names_in(call.func) or any(_passes_model(arg.value, parts, read) for arg in call.args)


def _passes_model(node: cst.CSTNode, parts: ModelParts, read: frozenset[str]) -> bool:
    """Does ``node`` hand over the model, other than the value of a plain setting nothing here
    reads (``ignore_index=self.pad_id``)?"""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.Attribute) and isinstance(current.value, cst.Name) and current.value.value == "self":
            if current.attr.value not in parts.settings or current.attr.value in read:
                return True
            continue
        if isinstance(current, cst.Name) and current.value == "self":
            return True
        pending.extend(current.children)
    return False


def self_attributes_read(node: cst.CSTNode) -> frozenset[str]:
    """The attributes of ``self`` that ``node`` reads (``smooth`` of ``self.smooth > 0``)."""
    return frozenset(
        n.attr.value for n in walk(node) if isinstance(n, cst.Attribute) and isinstance(n.value, cst.Name) and n.value.value == "self"
    )


def changed_after_loss(
    statements: Sequence[cst.CSTNode],
    moved: frozenset[int],
    returned_at: int,
    template: cst.BaseExpression,
    criterion: Optional[cst.BaseExpression],
    free: frozenset[str],
    inputs: tuple[str, ...],
    parts: ModelParts,
) -> Optional[Refusal]:
    """Why the lines of ``forward`` that stay may change, after the moved lines (``moved``)
    first read it, what the loss reads once forward has returned: an argument among ``inputs``
    they use at all, a setting of the model or a module-level name among ``free`` they may
    change; None if none."""

    def staying_after(names: set[str]) -> list[cst.CSTNode]:
        first = min((i for i in moved if names_in(statements[i]) & names), default=returned_at)
        return [statements[i] for i in range(first + 1, returned_at) if i not in moved]

    for name in inputs:
        after = staying_after({name})
        if any(name in names_in(statement) for statement in after):
            # Given to code that runs after the loss read it, it may be changed there (`out=`,
            # an alias): the call would read it as forward left it, not as the loss did.
            return Refusal.of(ForwardReason.INPUT_USED_AFTER_LOSS, name=name)
        changing = next((s for s in after if may_change(s, parts, frozenset(), False)), None)
        if changing is not None:
            # The model may hold it from before (`self.last = opts`) and change it through itself.
            return _changed(changing)
    read = self_attributes_read(template) | (self_attributes_read(criterion) if criterion is not None else frozenset())
    free = free - LIBRARIES
    if not (read or free):
        return None
    for statement in staying_after({"self", *free} if read else set(free)):
        if may_change(statement, parts, read, bool(free)):
            return _changed(statement)
    return None


def _changed(statement: cst.CSTNode) -> Refusal:
    lines = [line.strip() for line in code_of(statement).splitlines() if line.strip() and not line.strip().startswith("#")]
    return Refusal.of(ForwardReason.CHANGED_AFTER_LOSS, code=lines[0])
