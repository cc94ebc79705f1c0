"""The expression type of the check: a value is a hashable tree of tuples, and two programs
compute the same thing where they build equal trees.

Constructors simplify as they build, so that what a program reads out of a structure it built
is the leaf itself: ``(loss, logits)[0]`` is ``loss``, ``{"loss": l}["loss"]`` is ``l``,
``Output(loss=l).loss`` is ``l``, ``(a,) + (b,)`` is ``(a, b)``. Nothing else is simplified:
the trees are compared as written, after names are replaced by what they hold.

Calls that read state (a model's parameters, anything not known to be a library function) carry
the *epoch* they ran in: the number of statement-level effects (``loss.backward()``,
``optimizer.step()``, ``print``) before them. The same expression computed across an effect is
another value: a loss moved below ``optimizer.step()`` does not compare equal.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from codemod.model_outputs import positions

Value = tuple[Any, ...]
"""A tree of tuples whose first item names the node kind."""

NONE: Value = ("const", "None")
UNBOUND: Value = ("unbound",)
OUTPUT_SUFFIXES = ("Output",)
"""Classes whose constructor keeps its keywords as attributes and keys (``ModelOutput`` and the
project's dataclasses are told by the project reader)."""


def const(value: object) -> Value:
    return ("const", repr(value))


def free(qualified: str) -> Value:
    """A name the scope does not bind: a module-level name, an import, a builtin."""
    return ("free", qualified)


def is_const(value: Value) -> bool:
    return bool(value[0] == "const")


def child(value: Value, *path: int) -> Value:
    """A subtree: ``child(v, 1, 0)`` is ``v[1][0]``."""
    for index in path:
        value = value[index]
    return value


def const_key(value: Value) -> Optional[Union[str, int]]:
    if value[0] == "op" and value[1] == "USub" and len(value) == 3:
        negated = const_key(value[2])
        return -negated if isinstance(negated, int) else None  # `out[-1]`
    if value[0] != "const":
        return None
    text = str(value[1])
    if text.startswith(("'", '"')):
        return text[1:-1]
    if text.lstrip("-").isdigit():
        return int(text)
    return None


def tuple_of(items: list[Value]) -> Value:
    return ("tuple", tuple(items))


def dict_of(pairs: list[tuple[Value, Value]]) -> Value:
    return ("dict", tuple(pairs))


def instance(qualified: str, construction: Value) -> Value:
    """An instance of a class of the project, by the call that built it."""
    return ("inst", qualified, construction)


def item(container: Value, key: Value) -> Value:
    kind = container[0]
    if kind == "phi":  # read on each side: the same leaf on both is that leaf
        return phi(container[1], item(container[2], key), item(container[3], key))
    if kind == "phi?":
        return item(container[2], key)
    wanted = const_key(key)
    if kind == "tuple" and isinstance(wanted, int) and -len(container[1]) <= wanted < len(container[1]):
        return child(container, 1, wanted)
    if kind == "op" and container[1] == "Add" and container[2][0] == "tuple" and tuple_like(container[3]) and isinstance(wanted, int) and wanted >= 0:
        # `(loss,) + outputs`, the Hugging Face idiom: a tuple joined to one (or to a slice,
        # as `outputs[2:]`, assumed a tuple's: only a NumPy array would take it otherwise).
        head = container[2][1]
        return child(container[2], 1, wanted) if wanted < len(head) else item(container[3], const(wanted - len(head)))
    if kind == "dict" and wanted is not None:
        for stored_key, stored in reversed(container[1]):
            if const_key(stored_key) == wanted:
                found: Value = stored
                return found
    if kind == "dictminus" and wanted is not None and wanted not in container[2]:
        return item(container[1], key)
    if kind == "output" and isinstance(wanted, int):
        # A Hugging Face output by position: its fields that are not None, as its class orders them.
        given = {name for name, field in container[2] if field != NONE}
        if all(never_none(field) for name, field in container[2] if name in given):
            order = positions(container[1], given)
            if order is not None and -len(order) <= wanted < len(order):
                wanted = order[wanted]
    if kind == "output" and isinstance(wanted, str):
        for name, field in container[2]:
            if name == wanted:
                kept: Value = field
                return kept
    return ("item", container, key)


def tuple_like(value: Value) -> bool:
    """Is ``value`` a tuple, as the right of ``tuple + value`` or unpacked into one: one built,
    one joined, or a slice."""
    if value[0] == "tuple":
        return True
    if value[0] == "op" and value[1] == "Add" and value[2][0] == "tuple":
        return tuple_like(value[3])
    return bool(value[0] == "item" and value[2][0] == "slice")


def attribute(value: Value, name: str) -> Value:
    if value[0] == "phi":
        return phi(value[1], attribute(value[2], name), attribute(value[3], name))
    if value[0] == "phi?":
        return attribute(value[2], name)
    if value[0] == "free":
        return free(f"{value[1]}.{name}")
    if value[0] == "output":
        for field_name, stored in value[2]:
            if field_name == name:
                found: Value = stored
                return found
    return ("attr", value, name)


def set_item(container: Value, key: Value, stored: Value) -> Optional[Value]:
    """The dict after ``d[key] = stored``, when it is a dict the scope built; else None."""
    if container[0] != "dict" or const_key(key) is None:
        return None
    pairs = list(container[1])
    for place, (known, _) in enumerate(pairs):
        if const_key(known) == const_key(key):
            pairs[place] = (known, stored)  # a key set again keeps its place, as in Python
            return dict_of(pairs)
    return dict_of([*pairs, (key, stored)])


def drop_key(container: Value, key: Value) -> Optional[Value]:
    """The dict after ``del d[key]``/``d.pop(key)``: its pairs without the key, or for a dict
    whose keys are not known, that dict less the key."""
    wanted = const_key(key)
    if not isinstance(wanted, str):
        return None
    if container[0] == "dict":
        return dict_of([(k, v) for k, v in container[1] if const_key(k) != wanted])
    if container[0] == "dictminus":
        return ("dictminus", container[1], tuple(sorted({*container[2], wanted})))
    if container[0] in ("inst", "tuple", "const"):
        return None
    return ("dictminus", container, (wanted,))


def binary(operator: str, left: Value, right: Value) -> Value:
    if operator == "Add" and left[0] == "tuple" and right[0] == "tuple":
        return tuple_of([*left[1], *right[1]])
    return ("op", operator, left, right)


def evaluated_parts(value: Value) -> list[Value]:
    """What evaluating ``value`` and discarding it did: building a tuple or dict does nothing
    of itself, and a constant nothing at all (``model(x)`` whose forward returned ``(None,
    logits)`` and now ``logits``, the result unused, computed the same)."""
    if value[0] == "const":
        return []
    if value[0] == "tuple":
        return [part for item in value[1] for part in evaluated_parts(item)]
    if value[0] == "dict":
        return [part for pair in value[1] for item in pair for part in evaluated_parts(item)]
    return [value]


def is_none_test(operand: Value, negated: bool) -> Value:
    """``x is None`` (``negated``: ``is not``), decided where ``x`` is known."""
    if operand == NONE:
        return const(not negated)
    if operand[0] in ("call", "inst", "tuple", "dict", "output", "dictminus", "batch") or (operand[0] == "const"):
        return const(negated)
    if operand[0] == "op" and operand[1] not in ("And", "Or"):
        return const(negated)  # what an operator computes (`-loss`, `a + b`, `x is y`); `a or b` may be either
    if operand[0] == "item" and operand[1][0] == "batch":
        return const(negated)  # the default collate stacks what the dataset gives: never None
    return ("op", "IsNot" if negated else "Is", operand, NONE)


def never_none(value: Value, known: frozenset[Value] = frozenset()) -> bool:
    """Is ``value`` not None on any path: decided so, vouched for (``known``), or so on each
    side of a join?"""
    if value in known or is_none_test(value, True) == const(True):
        return True
    if value[0] == "phi":
        return never_none(value[2], known) and never_none(value[3], known)
    return False


def truth(value: Value) -> Optional[bool]:
    """The truth of a decided condition, else None."""
    if value == const(True):
        return True
    if value == const(False):
        return False
    return None


def phi(condition: Value, when_true: Value, when_false: Value) -> Value:
    if when_true == when_false:
        return when_true
    for missing in (NONE, UNBOUND):
        if missing in (when_true, when_false):
            # `loss if labels given else None`, or a name bound under an `if`: what reads an
            # attribute or item of it, or calls it, raised on that side, so it ran on the other.
            return ("phi?", condition, when_false if when_true == missing else when_true, missing)
    return ("phi", condition, when_true, when_false)


def root(value: Value) -> Value:
    """What a chain of attributes, items and calls hangs from: ``model`` of ``model.fc(x).sum()``."""
    while value[0] in ("attr", "item") or (value[0] == "call" and value[1][0] in ("attr", "item", "call")):
        value = value[1]
    return value



TENSOR_READS = frozenset(
    {"softmax", "log_softmax", "sigmoid", "argmax", "argmin", "sum", "mean", "max", "min", "item", "tolist",
     "detach", "cpu", "float", "long", "int", "bool", "half", "double", "view", "reshape", "squeeze", "unsqueeze",
     "flatten", "exp", "log", "sqrt", "pow", "neg", "tanh", "relu", "abs", "clamp", "transpose", "permute",
     "contiguous", "clone", "size", "round", "norm", "std", "var", "topk", "eq", "ne", "gt", "lt", "ge", "le",
     "add", "sub", "mul", "div", "numpy", "t"}
)
"""Tensor methods that compute from the tensor's data alone, reading no module state."""


def fresh(value: Value) -> bool:
    """A tensor some call computed from data (a layer's output, a method of one), with no
    attribute read as data anywhere in it (``self.fc.weight``: a parameter, which an
    optimizer changes) and no untraced parameter: only an in-place change alters its data."""
    if value[0] != "call":
        return False
    stack = [value]
    while stack:
        node = stack.pop()
        if not isinstance(node, tuple) or not node or not isinstance(node[0], str):
            return False  # a shape this reading does not know: not known to be fresh
        kind = node[0]
        if kind == "call":
            callee = node[1]
            stack.append(callee[1] if callee[0] == "attr" else callee)  # a method's name is not data read
            stack += list(node[2]) + [argument for _, argument in node[3]]
        elif kind in ("free", "const", "inst"):
            continue
        elif kind == "op":
            stack += [part for part in node[2:] if isinstance(part, tuple)]
        elif kind in ("tuple", "list") and isinstance(node[1], tuple):
            stack += [part for part in node[1] if isinstance(part, tuple)]
        else:
            return False  # an attribute, a parameter, a loop element, a branch: not followed
    return True


GRAD_MODES = frozenset({"torch.no_grad", "torch.inference_mode", "torch.enable_grad", "torch.set_grad_enabled"})


def grad_mode(context: Value) -> bool:
    """``torch.no_grad()`` and its kin: entering or leaving one changes no tensor."""
    return context[0] == "call" and context[1][0] == "free" and context[1][1] in GRAD_MODES


def changes_in_place(call: Value) -> bool:
    """A call by PyTorch's naming of in-place operations (``x.mul_(2)``, ``nn.init.zeros_(w)``),
    or one given ``out=``."""
    callee = call[1]
    name = callee[2] if callee[0] == "attr" else str(callee[1]).rpartition(".")[2] if callee[0] == "free" else ""
    in_place = isinstance(name, str) and name.endswith("_") and not name.startswith("__")
    return in_place or any(keyword == "out" for keyword, _ in call[3])


def keeps_tensor_data(effect: Value) -> bool:
    """An effect that changes no tensor's data outside parameters and gradients: ``print``,
    ``loss.backward()``, an optimizer's ``step``/``zero_grad``, ``model.train()``/``.eval()``."""
    if effect[0] == "enter":
        return grad_mode(effect[1])
    # An in-place call inside the effect (`print(x.add_(1))`) already moved both clocks where
    # it was evaluated (`Calls.call_value`): the effect itself is judged by its callee alone.
    if effect[0] != "do" or effect[1][0] != "call":
        return False
    callee = effect[1][1]
    if callee == free("print"):
        return True
    if callee[0] != "attr":
        return False
    method, receiver = callee[2], callee[1]
    if method == "backward":
        return bool(receiver[0] in ("call", "op", "item"))  # a loss: gradients change, no tensor's data
    if method in ("train", "eval"):
        return bool(receiver[0] == "inst")
    if method in ("step", "zero_grad"):
        base = root(receiver)
        return bool(base[0] == "call" and base[1][0] == "free" and base[1][1].startswith("torch.optim."))
    return False


def module_or_self(value: Value) -> Optional[Value]:
    """``getattr(x, "module", x)``: the model a DataParallel wraps, on each side of a branch;
    None where ``x`` is not known to be wrapped (a bare model may have a ``module`` of its own)."""
    if value[0] == "inst" and value[2][0] == "wrapped":
        return unwrapped(value)
    if value[0] == "phi":
        when_true, when_false = module_or_self(value[2]), module_or_self(value[3])
        return None if when_true is None or when_false is None else phi(value[1], when_true, when_false)
    return None


def spread_param(spread: Value, name: str, fallback: Value) -> Value:
    """A parameter filled from a ``**dict`` whose keys are not known: the dict's entry, and for a
    parameter with a default, that default when the key is absent."""
    while spread[0] == "dictminus" and name not in spread[2]:
        spread = spread[1]
    if fallback == UNBOUND:
        return item(spread, const(name))
    return ("spread", spread, name, fallback)


def unwrapped(value: Value) -> Value:
    """The model a ``DataParallel`` instance wraps (itself for any other value)."""
    if value[0] == "inst" and value[2][0] == "wrapped":
        return instance(value[1], value[2][1])
    return value


def readable_parts(value: Value) -> list[Value]:
    """A value and the parts a reader can take out of it: a tuple's items, a dict's values, an
    output's fields, each side of a ``phi``, recursively."""
    found = [value]
    kind = value[0]
    if kind == "tuple":
        children = list(value[1])
    elif kind == "dict":
        children = [part for _, part in value[1]]
    elif kind == "output":
        children = [part for _, part in value[2]]
    elif kind in ("phi", "phi?"):
        children = [value[2], value[3]]
    else:
        children = []
    for child_value in children:
        found += readable_parts(child_value)
    return found


def without_keys(container: Value, keys: tuple[str, ...]) -> Value:
    """``{k: v for k, v in d.items() if k not in keys}``: a dict the scope built, less those
    keys; for a dict whose keys are not known, that dict less them."""
    if container[0] == "dict":
        return dict_of([(k, part) for k, part in container[1] if const_key(k) not in keys])
    return ("dictminus", container, keys)


RANDOM_FUNCTIONS = frozenset(
    {
        "rand", "randn", "randint", "randperm", "rand_like", "randn_like", "randint_like", "bernoulli", "multinomial",
        "normal", "poisson", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
        "gumbel_softmax", "random", "shuffle", "choice", "sample", "uniform", "permutation",
    }
)
"""Functions of torch, numpy and random that draw from a random generator."""


def draws_random(callee: Value) -> bool:
    """Does calling this draw random numbers: a library function that does (``torch.randn``,
    ``F.dropout``, ``random.random``), or a dropout module the program built (``self.drop``
    where ``self.drop = nn.Dropout(0.1)``)?"""
    if callee[0] == "free":
        module, _, name = str(callee[1]).rpartition(".")
        return name in RANDOM_FUNCTIONS and module.partition(".")[0] in ("torch", "numpy", "np", "random")
    if callee[0] == "call" and callee[1][0] == "free":
        return "Dropout" in str(callee[1][1]).rpartition(".")[2]
    return False
