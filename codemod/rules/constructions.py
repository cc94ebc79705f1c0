"""Where a model the rules follow is built: the one visible construction a name holds, through
the names and wrappers that hand the same model on (``model = get_peft_model(base, config)``,
``model = model.to(device)``), in the function that uses it or the module.

Shared by the rules that swap a model's class (FL004) or fix what wraps it (FL008).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from codemod.analysis.callsites import is_peft_wrapper
from codemod.cst.nodes import dotted
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.rules.heads import Bindings, bindings_visible

MODEL_METHODS = frozenset({"to", "cuda", "train", "eval", "float", "half"})
"""Methods that return the model they are called on."""


@dataclass(frozen=True)
class Construction:
    """Where the model a call, a Trainer or a wrapper reaches is built."""

    call: cst.Call
    """``BertModel(config)``, ``AutoModel.from_pretrained(...)``."""
    line: int
    wrapper: Optional[str]
    """``get_peft_model``, when the model reaches the call inside a PEFT wrapper."""
    bindings: Bindings
    """What the module and the building function bind: where a config or a class count is."""


def construction_of(layout: Layout, resolve: Callable[[str], str], receiver: str, line: int) -> Optional[Construction]:
    """The base-model call ``receiver`` holds at ``line``, through the one assignment that
    builds it in the function holding the call (or the module), and through names and wrappers
    that hand the same model on (``model = get_peft_model(base, config)``, ``.to(device)``)."""
    tree, positions = layout.module, layout.positions
    functions = [
        node for node, p in positions.items()
        if isinstance(node, cst.FunctionDef) and p.start.line <= line <= p.end.line
    ]
    function = min(functions, key=lambda f: positions[f].end.line - positions[f].start.line) if functions else None
    line_of = lambda node: positions[node].start.line  # noqa: E731
    bindings = bindings_visible([tree], line_of)
    if function is not None:
        bindings.update(bindings_visible([function], line_of))  # a function's own names hide the module's
    name, wrapper = receiver, None
    for _ in range(8):  # a few names at most hand one model on
        own = []
        for where, value in bindings.get(name, []):
            inner, through = unwrapped(value, resolve)
            if not (isinstance(inner, cst.Name) and inner.value == name):  # `model = model.to(device)` keeps it
                own.append((where, inner, through))
            else:
                wrapper = wrapper or through
        if len(own) != 1:
            return None
        where, value, through = own[0]
        wrapper = wrapper or through
        if isinstance(value, cst.Call):
            return Construction(value, where, wrapper, bindings)
        if not isinstance(value, cst.Name):
            return None
        name = value.value
    return None


def unwrapped(value: cst.BaseExpression, resolve: Callable[[str], str]) -> tuple[cst.BaseExpression, Optional[str]]:
    """``value`` without the calls that return the model they are given: ``.to(device)``, and
    PEFT's wrappers (also named, as the second item)."""
    wrapper = None
    while isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value in MODEL_METHODS:
            value = func.value
            continue
        name = dotted(func)
        if name is not None and is_peft_wrapper(resolve(name)) and value.args and value.args[0].keyword is None:
            wrapper, value = name, value.args[0].value
            continue
        break
    return value, wrapper


def class_node(call: cst.Call) -> cst.BaseExpression:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("from_pretrained", "from_config"):
        return func.value
    return func



def bound_name(layout: Layout, call: cst.Call) -> Optional[str]:
    """``name`` of ``name = call``."""
    parent = layout.parents.get(call)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        return parent.targets[0].target.value
    return None


@dataclass(frozen=True)
class PeftWrapping:
    """``get_peft_model(model, config)`` (or another PEFT wrapper) and what it wraps."""

    call: cst.Call
    line: int
    column: int
    wrapper: str
    """The wrapper as the code names it: ``get_peft_model``, ``peft.get_peft_model``."""
    receiver: str
    """The name the wrapped model goes by (``model = get_peft_model(model, ...)``)."""
    model: Construction
    """Where the wrapped model is built."""
    qualified: str
    """The class the model is built from, resolved: ``transformers.AutoModelForTokenClassification``."""
    config: cst.BaseExpression
    """What the wrapper is given as its PEFT config."""


def peft_wrappings(layout: Layout, resolve: Callable[[str], str]) -> list[PeftWrapping]:
    """The PEFT wrapper calls of a module whose model has one visible construction and whose
    config is given."""
    found = []
    for (line, column), call in sorted(layout.calls.items()):
        name = dotted(call.func)
        if name is None or not is_peft_wrapper(resolve(name)) or not call.args or call.args[0].keyword is not None:
            continue
        receiver = bound_name(layout, call) or cst.Module([]).code_for_node(call.args[0].value)
        model = construction_of(layout, resolve, receiver, line)
        config = next((a.value for a in call.args[1:] if a.keyword is None or a.keyword.value == "peft_config"), None)
        if model is None or config is None:
            continue
        qualified = resolve(dotted(class_node(model.call)) or "")
        found.append(PeftWrapping(call, line, column, name, receiver, model, qualified, config))
    return found


def self_assignments(layout: Layout, class_def: cst.ClassDef, attr: str) -> list[cst.BaseExpression]:
    """The values ``self.attr = value`` binds in the methods of ``class_def`` (a binding of
    another form, ``self.attr += ...`` or a tuple target, counts as a value that is not a call)."""
    span = layout.positions[class_def]
    found: list[cst.BaseExpression] = []
    for node, position in layout.positions.items():
        if not span.start.line <= position.start.line <= span.end.line:
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if _is_self_attribute(target.target, attr):
                    found.append(node.value)
                elif isinstance(target.target, (cst.Tuple, cst.List)) and any(_is_self_attribute(e.value, attr) for e in target.target.elements):
                    found.append(cst.Name("None"))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)) and _is_self_attribute(node.target, attr):
            found.append(cst.Name("None"))
    return found


def _is_self_attribute(node: cst.BaseExpression, attr: str) -> bool:
    return isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self" and node.attr.value == attr
