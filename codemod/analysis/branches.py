"""A branch of the loss read as conditional expressions, so the loss moves to calls whole.

The labels-given path of ``forward`` may choose how to compute the loss by a test of something
other than the labels: another input, a setting of the model. Each name the branch assigns
becomes one line choosing its value by the same test, and the loss is then one expression over
them, as any straight-line loss is::

    if attention_mask is not None:                  active = (attention_mask.view(-1) == 1) if attention_mask is not None else None
        active = attention_mask.view(-1) == 1  ->   loss = ce(logits[active], labels[active]) if attention_mask is not None else ce(logits, labels)
        loss = ce(logits[active], labels[active])
    else:
        loss = ce(logits, labels)

A conditional expression runs only the arm its test chooses, as the branch did. The reading is
exact only when the test has one value all through ``forward`` and can be evaluated again: it
reads names ``forward`` never assigns nor changes (its parameters, ``self``), through
attributes, comparisons and boolean operators, and calls nothing. Every arm is plain
``name = value`` lines, one per name; a name only some arms assign keeps the value it had
before the branch, or, where it had none, is read nowhere after it. Anything else keeps the
branch, and the reading of ``forward`` says why it cannot move.
"""

from __future__ import annotations

from typing import Optional, Sequence

from codemod.analysis.derivations import RANDOM_HINTS
from codemod.analysis.effects import LIBRARIES, READING_METHODS, TORCH_PREFIXES, ModelParts, may_change, self_attributes_read
from codemod.cst.conditionals import bare_atom
from codemod.cst.nodes import calls_in, code_of, dotted, names_in, single_name_target, walk
from codemod.lazy_libcst import cst


def as_conditional_lines(
    branch: cst.If,
    bound: set[str],
    outside: set[str],
    changed: set[str],
    later: Sequence[cst.CSTNode],
    parts: ModelParts = ModelParts(),
    params: frozenset[str] = frozenset(),
) -> Optional[list[cst.BaseStatement]]:
    """``branch`` as one ``name = a if test else b`` line per name it assigns, or None when that
    is not exact. ``bound``: the names bound on every path to it; ``outside``: those the
    function reads or binds elsewhere; ``changed``: every name it assigns or changes in place
    (a test reading one may change value); ``later``: the statements that run after it, up to
    the end of the function (the call reads the test again once they have run); ``parts``:
    what the class assigns to ``self`` (``analysis.effects``); ``params``: the function's."""
    arms = _arms(branch)
    if arms is None:
        return None
    tests = [test for test, _ in arms if test is not None]
    arm_values = [value for _, lines in arms for _, value in lines]
    if any(not _stable_test(test, changed) or _touched(test, [*arm_values, *later], parts, params) for test in tests):
        return None
    if any(_draws_random_numbers(value) for value in arm_values):
        return None  # the lines would draw them in another order than an arm did
    assigned: list[str] = []
    for _, lines in arms:
        for name, _value in lines:
            if name not in assigned:
                assigned.append(name)
    order = _order(arms, assigned)
    if order is None:
        return None
    converted: list[cst.BaseStatement] = []
    for name in order:
        everywhere = all(name in dict(lines) for _, lines in arms)
        if not everywhere and name not in bound and (name in outside or _read_before_assigned(arms, name)):
            return None  # read unbound on some path: a failure the lines would not repeat
        # An arm that does not assign it leaves the value from before; where there was none,
        # nothing reads it on that path, and None stands in.
        otherwise: cst.BaseExpression = cst.Name(name) if name in bound else cst.Name("None")
        value = otherwise
        for test, lines in reversed(arms):
            chosen = dict(lines).get(name, otherwise)
            value = chosen if test is None else cst.IfExp(test=test, body=_grouped(chosen), orelse=_grouped(value))
        converted.append(cst.SimpleStatementLine(body=[cst.Assign(targets=[cst.AssignTarget(cst.Name(name))], value=value)]))
    if converted:
        converted[0] = converted[0].with_changes(leading_lines=branch.leading_lines)
    return converted


def _read_before_assigned(arms: Sequence[tuple[Optional[cst.BaseExpression], list[tuple[str, cst.BaseExpression]]]], name: str) -> bool:
    """Does a line of an arm read ``name`` before that arm assigns it (its value from before)?"""
    for _, lines in arms:
        for assigned, value in lines:
            if name in names_in(value):
                return True
            if assigned == name:
                break
    return False


def _arms(branch: cst.If) -> Optional[list[tuple[Optional[cst.BaseExpression], list[tuple[str, cst.BaseExpression]]]]]:
    """Each arm of an ``if``/``elif``/``else`` chain: its test (None for ``else``, or a chain
    without one) and its ``name = value`` lines; None if an arm holds anything else."""
    arms: list[tuple[Optional[cst.BaseExpression], list[tuple[str, cst.BaseExpression]]]] = []
    current: Optional[cst.If] = branch
    orelse: Optional[cst.Else] = None
    while current is not None:
        lines = _plain_lines(current.body)
        if lines is None:
            return None
        arms.append((current.test, lines))
        nxt = current.orelse
        current = nxt if isinstance(nxt, cst.If) else None
        orelse = nxt if isinstance(nxt, cst.Else) else orelse
    if orelse is not None:
        lines = _plain_lines(orelse.body)
        if lines is None:
            return None
        arms.append((None, lines))
    else:
        arms.append((None, []))
    return arms


def _plain_lines(block: cst.BaseSuite) -> Optional[list[tuple[str, cst.BaseExpression]]]:
    if not isinstance(block, cst.IndentedBlock):
        return None
    found: list[tuple[str, cst.BaseExpression]] = []
    for statement in block.body:
        target = single_name_target(statement)
        if target is None or any(target[0] == name for name, _ in found):
            return None
        found.append(target)
    return found


def _order(arms: Sequence[tuple[Optional[cst.BaseExpression], list[tuple[str, cst.BaseExpression]]]], assigned: list[str]) -> Optional[list[str]]:
    """``assigned`` in an order where, in every arm, a line comes after the lines of that arm
    it reads and before those that read the value it replaces; None when no order does."""
    must_follow: dict[str, set[str]] = {name: set() for name in assigned}
    for _, lines in arms:
        names = [name for name, _ in lines]
        for position, (name, value) in enumerate(lines):
            read = names_in(value)
            must_follow[name] |= {earlier for earlier in names[:position] if earlier in read}
            for later in names[position + 1 :]:
                if later in read:
                    must_follow[later].add(name)  # it read the value from before the branch
    order: list[str] = []
    pending = list(assigned)
    while pending:
        ready = next((name for name in pending if must_follow[name] <= set(order)), None)
        if ready is None:
            return None
        order.append(ready)
        pending.remove(ready)
    return order


def _touched(test: cst.BaseExpression, nodes: Sequence[cst.CSTNode], parts: ModelParts, params: frozenset[str]) -> bool:
    """Could ``nodes`` change what ``test`` reads, by a means assignments do not show? Once they
    have run, the call site tests the value again. An argument it reads (``mask``) may be
    changed by any use but a read: arithmetic, indexing, reading methods (``mask.view(-1)``),
    torch's functions. A setting of the model (``self.smooth``) or a module-level value by what
    ``analysis.effects`` says may change them."""
    arguments = (names_in(test) - {"self"}) & params
    globals_read = bool(names_in(test) - {"self"} - params - {"None", "True", "False"} - LIBRARIES)
    read = self_attributes_read(test)
    for node in nodes:
        if arguments and _touches(node, arguments, None, None):
            return True
        if (read or globals_read) and may_change(node, parts, read, globals_read):
            return True
    return False


def _touches(node: cst.CSTNode, watched: set[str], parent: Optional[cst.CSTNode], grandparent: Optional[cst.CSTNode]) -> bool:
    if isinstance(node, cst.Name) and node.value in watched:
        return not _a_read(node, parent, grandparent)
    return any(_touches(child, watched, node, parent) for child in node.children)


def _a_read(node: cst.CSTNode, parent: Optional[cst.CSTNode], grandparent: Optional[cst.CSTNode]) -> bool:
    """Is ``node``, met under ``parent`` (under ``grandparent``), only read there?"""
    if isinstance(parent, cst.Attribute) and parent.value is node:
        if isinstance(grandparent, cst.Call) and grandparent.func is parent:
            return parent.attr.value in READING_METHODS
        return True  # an attribute of it read (`mask.shape`)
    if isinstance(parent, cst.Arg) and isinstance(grandparent, cst.Call):
        name = code_of(grandparent.func)
        return name.startswith(TORCH_PREFIXES) or name.endswith("Loss")
    return isinstance(
        parent,
        (cst.BinaryOperation, cst.Comparison, cst.ComparisonTarget, cst.UnaryOperation, cst.BooleanOperation, cst.IfExp, cst.Subscript,
         cst.Index, cst.Element, cst.DictElement, cst.FormattedStringExpression),
    )


def _draws_random_numbers(value: cst.BaseExpression) -> bool:
    return any(hint in (dotted(call.func) or "").rpartition(".")[2].lower() for call in calls_in(value) for hint in RANDOM_HINTS)


def _stable_test(test: cst.BaseExpression, changed: set[str]) -> bool:
    """A test with one value all through forward, safe to evaluate again: names forward never
    changes, attributes, constants, comparisons, ``not``, ``and``/``or``; no call."""
    if names_in(test) & changed:
        return False
    allowed = (cst.Name, cst.Attribute, cst.Comparison, cst.UnaryOperation, cst.BooleanOperation, cst.Integer, cst.Float, cst.SimpleString)
    return all(isinstance(node, allowed) for node in walk(test) if isinstance(node, cst.BaseExpression))


def _grouped(value: cst.BaseExpression) -> cst.BaseExpression:
    """``value`` as an arm of a conditional expression: one bracketed unless it is an atom."""
    if bare_atom(value) or isinstance(value, (cst.Integer, cst.Float)):
        return value
    return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()]) if not value.lpar else value
