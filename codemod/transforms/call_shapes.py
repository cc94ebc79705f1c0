"""What a call site looks like around the call: which part of a result a reader takes
(``out[0]``, ``out["loss"]``, ``out.logits``), whether an expression is pure or simple enough to
compute again, which names a statement stores. Pure functions over LibCST nodes, used by the
call-site planner (``callsite``)."""

from __future__ import annotations

from typing import Optional, Union

from codemod.cst.bindings import bound_names
from codemod.cst.nodes import calls_in, dotted, is_atom, parenthesize, substitute
from codemod.lazy_libcst import cst
from codemod.vocabulary import ResultKind, ResultShape

PURE_METHODS = frozenset(
    {"to", "cuda", "cpu", "long", "float", "double", "int", "half", "view", "reshape", "squeeze", "unsqueeze",
     "flatten", "contiguous", "type", "detach", "clone", "bool"}
)


class SiteRefusal(Exception):
    """Raised from anywhere in the planning of one call: the planner is one deep stack of
    methods over shared state. ``pipeline.plan`` catches it and refuses the unit with the
    ``Refusal`` it stands for, at ``line`` of the call's file."""

    def __init__(self, reason: str, line: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def as_before(
    derived: Optional[cst.BaseExpression], placeholder: str, self_expr: cst.BaseExpression, value: cst.BaseExpression
) -> cst.BaseExpression:
    """What a call without labels gave as its prediction before, from ``value`` (what it gives now)."""
    if derived is None:
        return value
    result = substitute(derived, {placeholder: value, "self": self_expr})
    return result if is_atom(result) else parenthesize(result)


def labelless_role(packing: ResultShape, key: Union[int, str, None]) -> Optional[str]:
    """What a reader's key (``out["logits"]``, ``out[1]``, ``out.logits``) read of what forward
    packed without labels: "prediction", or None for anything else (the loss, which was None)."""
    if key is None:
        return None
    if packing.kind is ResultKind.MODEL_OUTPUT:
        # A ModelOutput leaves out its None fields: `out[0]` is the prediction too.
        if key == 0:
            return "prediction"
        key = key[1:] if isinstance(key, str) and key.startswith(".") else key
        return "prediction" if key == packing.prediction_key else None
    if packing.kind is ResultKind.OBJECT:
        # Of the project's own class: read by attribute only.
        return "prediction" if key == f".{packing.prediction_key}" else None
    if isinstance(key, str) and key.startswith("."):
        return None
    return packing.role_of(key)


def sets_to_none(scope: cst.CSTNode, name: str) -> bool:
    """``name = None`` (or ``name: T = None``) in the scope's own code, not in the functions or
    classes inside it (a ``forward(self, x, labels=None)`` default is another scope's)."""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is scope

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

        def visit_Assign(self, node: cst.Assign) -> None:
            nonlocal found
            if isinstance(node.value, cst.Name) and node.value.value == "None":
                found |= any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            nonlocal found
            if isinstance(node.target, cst.Name) and node.target.value == name and isinstance(node.value, cst.Name):
                found |= node.value.value == "None"

    scope.visit(Finder())
    return found


def unpacked_reason(read: str, packing: ResultShape) -> str:
    """Why a reader of a call without labels cannot be rewritten: what it reads is not the
    prediction that forward packed (the loss, which was None; or nothing forward returned)."""
    return f"a call without labels reads `{read}`, which is not the prediction `{packing.prediction_key}` forward packed without labels"


def reader_key(parent: Optional[cst.CSTNode], child: cst.CSTNode) -> Union[int, str, None]:
    if isinstance(parent, cst.Subscript) and parent.value is child and len(parent.slice) == 1:
        index = parent.slice[0].slice
        if isinstance(index, cst.Index):
            value = index.value
            if isinstance(value, cst.Integer):
                return int(value.value)
            if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus) and isinstance(value.expression, cst.Integer):
                return -int(value.expression.value)
            if isinstance(value, cst.SimpleString):
                return value.evaluated_value  # type: ignore[return-value]  # a str literal key: bytes never reach here
    if isinstance(parent, cst.Attribute) and parent.value is child:
        return "." + parent.attr.value
    return None


def role_of_key(shape: ResultShape, key: Union[int, str, None]) -> Optional[str]:
    if key is None:
        return None
    if shape.kind is ResultKind.HF_OUTPUT:
        if key in (0, ".loss", "loss"):
            return "loss"
        if key in (1, ".logits", "logits"):
            return "prediction"
        return None
    if shape.kind is ResultKind.OBJECT:
        if isinstance(key, str) and key.startswith("."):
            return shape.role_of(key[1:])
        # A Hugging Face output is read by position and by key too (`out[0]`, `out["loss"]`).
        return shape.role_of(key) if shape.positions else None
    if isinstance(key, str) and key.startswith("."):
        return None
    return shape.role_of(key)


def is_whole_value(parent: Optional[cst.CSTNode], node: cst.CSTNode) -> bool:
    return isinstance(parent, (cst.Assign, cst.Arg, cst.Return, cst.AugAssign, cst.Element)) and getattr(parent, "value", None) is node


def is_simple(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return is_simple(node.value)
    if isinstance(node, cst.Subscript):
        return is_simple(node.value) and all(
            isinstance(e.slice, cst.Index) and isinstance(e.slice.value, (cst.Integer, cst.SimpleString, cst.Name))
            for e in node.slice
        )
    return False


def calls_anything(node: cst.CSTNode) -> bool:
    """Does ``node`` call something that may change state (``model.eval()``,
    ``optimizer.step()``, ``init.ones_(mask)``)? Reading values to show them does not:
    ``print``, ``len``, ``float`` and the like, and reading methods of tensors (``x.item()``)."""
    for call in calls_in(node):
        name = dotted(call.func) or ""
        if name in READING_FUNCTIONS:
            continue
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in READING_METHODS:
            continue
        return True
    return False


def changes_in_place(node: cst.CSTNode) -> bool:
    """Does ``node`` change an object in place, under whatever name (``v += 1`` on a tensor,
    ``net.smooth = 0``, ``batch["w"] = w``, ``x.zero_()``)? Another name may hold the same object."""
    if bound_names(node, mutations=True) - bound_names(node):
        return True
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, cst.AugAssign):
            return True
        pending.extend(current.children)
    return False


READING_FUNCTIONS = frozenset({"print", "len", "float", "int", "str", "round", "abs", "format", "repr", "bool"})
READING_METHODS = PURE_METHODS | frozenset(
    {"item", "size", "dim", "numel", "tolist", "numpy", "sum", "mean", "norm", "argmax", "argmin", "max", "min", "std", "abs", "exp", "format"}
)


def is_pure(node: cst.BaseExpression, imports: Optional[dict[str, str]] = None) -> bool:
    """No side effects, so evaluating it after the model call instead of before is exact.
    ``imports``: what the module's imported names stand for (``Variable`` from torch)."""
    bound = imports or {}

    def pure(node: cst.BaseExpression) -> bool:
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)) or is_simple(node):
            return True
        if isinstance(node, (cst.List, cst.Tuple)):
            return all(isinstance(e, cst.Element) and pure(e.value) for e in node.elements)
        if isinstance(node, cst.UnaryOperation):
            return pure(node.expression)
        if isinstance(node, cst.Subscript):
            return pure(node.value) and all(isinstance(e.slice, cst.Index) and pure(e.slice.value) for e in node.slice)
        if isinstance(node, cst.Attribute):
            return pure(node.value)
        if isinstance(node, cst.Call):
            func = node.func
            args_pure = all(pure(a.value) for a in node.args)
            if isinstance(func, cst.Attribute) and func.attr.value in PURE_METHODS:
                return args_pure and pure(func.value)
            name = dotted(func) or ""
            head, dot, rest = name.partition(".")
            qualified = bound.get(head, head) + dot + rest
            # torch's constructors and conversions (`torch.tensor(y)`, `Variable(y)`) only build
            # tensors; torch.* functions that draw random numbers are not given labels.
            return bool(name and qualified.startswith("torch.") and args_pure)
        return False

    return pure(node)


