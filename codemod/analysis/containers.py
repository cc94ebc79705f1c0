"""Results built step by step, read as the one display they amount to.

One path of a ``forward`` (a view: straight-line code, see ``optional_labels``) often builds what
it returns piece by piece::

    out = {"logits": logits}                      return {"logits": logits,
    out["loss"] = F.cross_entropy(logits, y)              "loss": F.cross_entropy(logits, y)}
    return out

    outputs = (logits,)                           return (loss, logits)
    outputs = (loss,) + outputs
    return outputs

``fold_containers`` evaluates such building symbolically: a tuple, list or dict display bound to a
name, then concatenation (``+``, ``+=``), item assignment with a string key, ``update`` and
``append``. When the value returned is built that way, the building lines go and the return
states the display. A part is evaluated where it was built; moving it to the return is only
exact when nothing between rebinds a name it reads or changes what it reads in place, and when
parts with calls keep their order and cross no other call. Anything else (the container read or
passed on while being built, a key that is not a string literal, an alias of a mutable
container) leaves the lines as they are: the reader that follows then sees the code unchanged
and says what it cannot read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union

from codemod.cst.bindings import bound_names
from codemod.cst.nodes import names_in
from codemod.lazy_libcst import cst

Key = Union[int, str]


@dataclass
class _Part:
    value: cst.BaseExpression
    at: int
    """The line that evaluated it."""
    key: Optional[str] = None
    """A dict's key; None in a tuple or list."""
    spread: bool = False
    """``*rest``: a tuple or list of unknown length joined in (``(logits,) + extra``)."""


@dataclass
class _Built:
    kind: str  # "tuple", "list" or "dict": the display it is rebuilt as
    parts: list[_Part]
    lines: list[int] = field(default_factory=list)
    """The lines that built it: they go when it is folded into the return."""


def fold_containers(statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """``statements`` (a view, ending in ``return``) with the returned container folded into
    one display; unchanged when it is not built in a way this reads exactly."""
    body = list(statements)
    if not body or not _is_return(body[-1]):
        return body
    tracked: dict[str, _Built] = {}
    escaped: set[str] = set()
    for index, statement in enumerate(body[:-1]):
        handled = _build_step(statement, index, tracked)
        reads = names_in(statement) & set(tracked)
        if handled is not None:
            reads -= {handled}
            reads -= _names_folded_into(statement, handled, tracked)
        for name in reads:
            escaped.add(name)
            tracked.pop(name, None)
        for name in bound_names(statement, mutations=True) - ({handled} if handled else set()):
            tracked.pop(name, None)  # rebound to something this does not read
    returned = body[-1].body[0].value  # type: ignore[attr-defined]  # _is_return checked
    built = _display_value(returned, len(body) - 1, tracked)
    if built is None or not built.lines or not _movable(built, body):
        return body
    gone = set(built.lines)
    folded = _as_display(built)
    last = body[-1]
    new_return = last.with_changes(body=[last.body[0].with_changes(value=folded)])  # type: ignore[attr-defined]  # a return line: checked
    kept = [s for i, s in enumerate(body[:-1]) if i not in gone]
    return kept + [new_return]


def _is_return(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Return)
        and statement.body[0].value is not None
    )


def _single(statement: cst.BaseStatement) -> Optional[cst.BaseSmallStatement]:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
        return statement.body[0]
    return None


def _build_step(statement: cst.BaseStatement, index: int, tracked: dict[str, _Built]) -> Optional[str]:
    """Apply one building line to ``tracked``; the name it built, or None when it is not one."""
    small = _single(statement)
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
        name = small.targets[0].target.value
        built = _display_value(small.value, index, tracked)
        if built is None:
            return None
        if built.kind != "tuple" and isinstance(small.value, cst.Name):
            return None  # `b = a` of a list or dict: two names for one object
        if name in names_in(small.value) and name not in tracked:
            # `outputs = (logits,) + outputs[2:]`: a part reads the value this line replaces.
            # The line stays; what it binds is the start of what is built next.
            if built.kind != "tuple":
                return None
            tracked[name] = _Built("tuple", [_Part(cst.Name(name), index + 1, spread=True)])
            return name
        tracked[name] = _Built(built.kind, built.parts, built.lines + [index])
        return name
    if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name) and isinstance(small.operator, cst.AddAssign):
        name = small.target.value
        current = tracked.get(name)
        added = _display_value(small.value, index, tracked)
        if current is None or added is None or added.kind != current.kind or current.kind == "dict":
            return None
        tracked[name] = _Built(current.kind, current.parts + added.parts, current.lines + added.lines + [index])
        return name
    if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Subscript):
        target = small.targets[0].target
        key = _string_key(target)
        if not isinstance(target.value, cst.Name) or key is None:
            return None
        current = tracked.get(target.value.value)
        if current is None or current.kind != "dict" or target.value.value in names_in(small.value):
            return None
        _set_key(current, key, small.value, index)
        current.lines.append(index)
        return target.value.value
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Attribute):
        return _method_step(small.value, index, tracked)
    return None


def _method_step(call: cst.Call, index: int, tracked: dict[str, _Built]) -> Optional[str]:
    """``out.update({"k": v})``, ``out.update(k=v)``, ``parts.append(v)``."""
    func = call.func
    assert isinstance(func, cst.Attribute)  # checked by the caller
    if not isinstance(func.value, cst.Name) or func.value.value not in tracked:
        return None
    name, current = func.value.value, tracked[func.value.value]
    if any(name in names_in(arg.value) for arg in call.args):
        return None
    method = func.attr.value
    if current.kind == "dict" and method == "update":
        entries: list[tuple[str, cst.BaseExpression]] = []
        for arg in call.args:
            if arg.keyword is not None and not arg.star:
                entries.append((arg.keyword.value, arg.value))
            elif arg.keyword is None and not arg.star and isinstance(arg.value, cst.Dict) and len(call.args) == 1:
                for element in arg.value.elements:
                    key = _literal_string(element.key) if isinstance(element, cst.DictElement) else None
                    if key is None:
                        return None
                    entries.append((key, element.value))
            else:
                return None
        for key, value in entries:
            _set_key(current, key, value, index)
    elif current.kind == "list" and method == "append" and len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star:
        current.parts.append(_Part(call.args[0].value, index))
    else:
        return None
    current.lines.append(index)
    return name


def _names_folded_into(statement: cst.BaseStatement, name: str, tracked: dict[str, _Built]) -> set[str]:
    """Tracked names a building line of ``name`` reads as containers (``(loss,) + outputs``):
    tuples are values, so reading one into another is not an escape."""
    small = _single(statement)
    value = small.value if isinstance(small, (cst.Assign, cst.AugAssign)) else None
    if value is None:
        return set()
    return {other for other in _display_names(value) if other in tracked and tracked[other].kind == "tuple"}


def _display_names(node: cst.BaseExpression) -> set[str]:
    if isinstance(node, cst.Name):
        return {node.value}
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _display_names(node.left) | _display_names(node.right)
    return set()


def _display_value(node: cst.BaseExpression, index: int, tracked: dict[str, _Built]) -> Optional[_Built]:
    """What ``node`` evaluates to as a display, or None when it is not one this reads."""
    if isinstance(node, (cst.Tuple, cst.List)):
        kind = "tuple" if isinstance(node, cst.Tuple) else "list"
        parts = [_Part(e.value, index, spread=isinstance(e, cst.StarredElement)) for e in node.elements]
        return _Built(kind, parts)
    if isinstance(node, cst.Dict):
        entries = []
        for element in node.elements:
            key = _literal_string(element.key) if isinstance(element, cst.DictElement) else None
            if key is None:
                return None
            entries.append(_Part(element.value, index, key=key))
        if len({p.key for p in entries}) != len(entries):
            return None
        return _Built("dict", entries)
    if isinstance(node, cst.Name) and node.value in tracked:
        known = tracked[node.value]
        return _Built(known.kind, list(known.parts), list(known.lines))
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left = _display_value(node.left, index, tracked)
        right = _display_value(node.right, index, tracked)
        if left is None and right is None:
            return None
        kind = (left or right).kind  # type: ignore[union-attr]  # one of them is known: checked above
        if kind == "dict":
            return None
        sides = []
        for side, operand in ((left, node.left), (right, node.right)):
            if side is None:
                side = _Built(kind, [_Part(operand, index, spread=True)])
            elif side.kind != kind:
                return None
            sides.append(side)
        return _Built(kind, sides[0].parts + sides[1].parts, sides[0].lines + sides[1].lines)
    return None


def _set_key(built: _Built, key: str, value: cst.BaseExpression, index: int) -> None:
    for part in built.parts:
        if part.key == key:
            part.value, part.at = value, index
            return
    built.parts.append(_Part(value, index, key=key))


def _literal_string(node: Optional[cst.BaseExpression]) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _string_key(target: cst.Subscript) -> Optional[str]:
    if len(target.slice) != 1 or not isinstance(target.slice[0].slice, cst.Index):
        return None
    return _literal_string(target.slice[0].slice.value)


def _has_call(node: cst.CSTNode) -> bool:
    found = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            found.append(node)

    node.visit(Calls())
    return bool(found)


def _movable(built: _Built, body: list[cst.BaseStatement]) -> bool:
    """Evaluating every part at the return instead of where it was built gives the same values
    and the same effects, in the same order."""
    returned_at = len(body) - 1
    gone = set(built.lines)
    bindings = [bound_names(statement, mutations=True) for statement in body]

    def reads_gone_value(names: set[str], at: int) -> bool:
        """A name read at line ``at`` holds the value a line that goes bound."""
        for name in names:
            reaching = next((i for i in range(at - 1, -1, -1) if name in bindings[i]), None)
            if reaching in gone:
                return True
        return False

    if any(reads_gone_value(names_in(part.value), part.at) for part in built.parts):
        return False  # a part reads a container that is no more once folded
    if any(reads_gone_value(names_in(statement), index) for index, statement in enumerate(body[:-1]) if index not in gone):
        return False  # a line that stays reads a container whose building goes
    calls_at = [part.at for part in built.parts if _has_call(part.value)]
    if calls_at != sorted(calls_at):
        return False  # parts with calls would run in another order
    for part in built.parts:
        reads = names_in(part.value)
        for index in range(part.at + 1, returned_at):
            statement = body[index]
            if index in gone:
                continue  # a building line that goes rebinds nothing any more
            if reads & bound_names(statement, mutations=True):
                return False
            if part.at in calls_at and _has_call(statement):
                return False
    return True


def _as_display(built: _Built) -> cst.BaseExpression:
    if built.kind == "dict":
        return cst.Dict([cst.DictElement(cst.SimpleString(json.dumps(part.key)), part.value) for part in built.parts])
    elements = [cst.StarredElement(part.value) if part.spread else cst.Element(part.value) for part in built.parts]
    if built.kind == "list":
        return cst.List(elements)
    if len(elements) == 1:
        return cst.Tuple([elements[0].with_changes(comma=cst.Comma())])
    return cst.Tuple(elements)
