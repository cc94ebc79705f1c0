"""Symbolic evaluation of one scope (a module's top level, or a function) into what it does:
its effects in order, what it returns, and what its names hold at the end.

A call of a project model is replaced by the model's ``forward``, evaluated with its parameters
bound to the call's arguments and ``self`` to the instance: so a scope's trees say what the
caller computed *through* the model, old ``forward`` in the old program and new in the new.
Branches give ``phi`` values (decided ones, ``labels is not None`` with labels passed, take one
side); a loop body is evaluated once, with the names it carries marked as the loop's.

What cannot be evaluated soundly (a call that could be a rewritten model through a receiver
nothing traces, a model called inside a comprehension or lambda) raises ``Unresolvable``.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional

from codemod.verify import values as v
from codemod.verify.calls import Calls
from codemod.verify.expressions import Expressions
from codemod.verify.program import MAX_STEPS, UNBOUND, Clock, Program, TooLarge, Unresolvable
from codemod.verify.values import Value

__all__ = ["Evaluator", "Outcome", "Unresolvable", "evaluate_scope"]

@dataclass(frozen=True)
class Outcome:
    """What one scope does, as trees: compared between the old and the new program."""

    effects: tuple[Value, ...]
    lines: tuple[int, ...]
    returned: Optional[Value]
    env: dict[str, Value] = field(compare=False)
    inlined: frozenset[str] = frozenset()
    """The project classes whose forward was evaluated in place of a call."""
    origins: dict[Value, tuple[str, int]] = field(default_factory=dict, compare=False)
    """What each call of a project model returned -> (module, line) of the call."""


def evaluate_scope(program: Program, module: str, body: list[ast.stmt], env: dict[str, Value], module_level: bool = False) -> Outcome:
    clock = Clock()
    evaluator = Evaluator(program, module, env, clock)
    evaluator.module_level = module_level
    if module_level:
        evaluator.top = (module, evaluator.env)
    returned = evaluator.block(body)
    return Outcome(tuple(evaluator.effects), tuple(evaluator.lines), returned, evaluator.env, frozenset(evaluator.inlined), clock.origins)


class Evaluator(Expressions, Calls):
    # --- statements -------------------------------------------------------------------------
    def block(self, body: list[ast.stmt]) -> Optional[Value]:
        """Evaluate statements in order; the returned value if the block surely returns."""
        try:
            return self._statements(body)
        except Unresolvable as exc:
            # A `return` or an `if` test is read here, not in `statement`: a function inlined
            # from another module must still name its own file for the line.
            if exc.module is None:
                exc.module = self.module
            raise

    def _statements(self, body: list[ast.stmt]) -> Optional[Value]:
        for place, statement in enumerate(body):
            if isinstance(statement, ast.Return):
                return self.expr(statement.value) if statement.value is not None else v.NONE
            if isinstance(statement, ast.Raise):
                self.effect(("raise", self.expr(statement.exc) if statement.exc else v.NONE))
                return ("raised",)
            if isinstance(statement, ast.If) and _returns_somewhere(statement):
                return self.branch_with_rest(statement, body[place + 1 :])
            self.statement(statement)
        return None

    def branch_with_rest(self, statement: ast.If, rest: list[ast.stmt]) -> Optional[Value]:
        condition = self.expr(statement.test)
        decided = v.truth(condition)
        if decided is not None:
            return self.block([*(statement.body if decided else statement.orelse), *rest])
        outcomes = []
        for body in (statement.body, statement.orelse):
            child = self.fork()
            # A branch that surely returns never reaches the rest: evaluate the rest once, on
            # the other side (sequential `if c: return x` lines stay linear, not 2**n).
            returned = child.block(body if _surely_returns(body) else [*body, *rest])
            outcomes.append((child, returned))
        (yes, yes_returned), (no, no_returned) = outcomes
        self.join(condition, yes, no)
        if yes_returned is None and no_returned is None:
            return None
        return v.phi(condition, yes_returned or v.NONE, no_returned or v.NONE)

    def statement(self, statement: ast.stmt) -> None:
        self.clock.steps += 1
        if self.clock.steps > MAX_STEPS:
            raise TooLarge(statement.lineno, "the scope is too large to evaluate")
        if self.depth == 0:
            self.line = statement.lineno
        handler = getattr(self, f"do_{type(statement).__name__}", None)
        if handler is None:
            self.effect(("stmt", ast.dump(statement, annotate_fields=False), self.free_values(statement)))
            return
        handler(statement)  # what it raises learns its module in `block`

    def do_Expr(self, statement: ast.Expr) -> None:
        if isinstance(statement.value, ast.Constant):
            return  # a docstring
        if self.dict_update(statement.value):
            return
        for part in v.evaluated_parts(self.expr(statement.value, keep_call=True)):
            self.effect(("do", part))

    def do_Assert(self, statement: ast.Assert) -> None:
        """The assertion runs as before; past it, ``x is not None`` holds (the program stops
        otherwise), so a later test of ``x`` is decided."""
        self.effect(("assert", self.expr(statement.test)), changes_state=False)
        test = statement.test
        if (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.IsNot)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            self.not_none |= {self.expr(test.left)}

    def dict_update(self, call: ast.expr) -> bool:
        """``d.update(k=v)`` / ``d.update({"k": v})`` of a dict the scope built: its new value."""
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "update"
            and isinstance(call.func.value, ast.Name)
            and self.env.get(call.func.value.id, v.NONE)[0] == "dict"
        ):
            return False
        pairs: list[tuple[Value, ast.expr]] = [(v.const(k.arg), k.value) for k in call.keywords if k.arg is not None]
        if len(pairs) != len(call.keywords):
            return False
        for arg in call.args:
            if not isinstance(arg, ast.Dict) or len(call.args) != 1 or any(key is None for key in arg.keys):
                return False
            pairs += [(self.expr(key), value) for key, value in zip(arg.keys, arg.values) if key is not None]
        updated: Optional[Value] = self.env[call.func.value.id]
        for key, value in pairs:
            updated = v.set_item(updated, key, self.expr(value)) if updated is not None else None
        if updated is None:
            return False
        self.env[call.func.value.id] = updated
        return True

    def do_Assign(self, statement: ast.Assign) -> None:
        value = self.expr(statement.value)
        for target in statement.targets:
            self.bind(target, value)

    def do_AnnAssign(self, statement: ast.AnnAssign) -> None:
        if statement.value is not None:
            self.bind(statement.target, self.expr(statement.value))

    def do_AugAssign(self, statement: ast.AugAssign) -> None:
        value = v.binary(type(statement.op).__name__, self.expr(statement.target), self.expr(statement.value))
        self.bind(statement.target, value)

    def do_Delete(self, statement: ast.Delete) -> None:
        for target in statement.targets:
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                held = self.expr(target.value)
                dropped = v.drop_key(held, self.expr(target.slice))
                if dropped is not None:
                    for name, value in list(self.env.items()):
                        if value == held:
                            self.env[name] = dropped
                    self.env[target.value.id] = dropped
                    continue
            self.effect(("del", self.expr(target)))

    def do_Pass(self, statement: ast.Pass) -> None:
        return None

    def do_Global(self, statement: ast.Global) -> None:
        return None

    def do_Import(self, statement: ast.Import) -> None:
        for alias in statement.names:
            local = alias.asname or alias.name.split(".")[0]
            self.env[local] = self.program.imported_module(self.module, alias.name if alias.asname else alias.name.split(".")[0])

    def do_ImportFrom(self, statement: ast.ImportFrom) -> None:
        for alias in statement.names:
            if alias.name != "*":
                self.env[alias.asname or alias.name] = self.program.imported(self.module, statement.module or "", statement.level, alias.name)

    def do_FunctionDef(self, statement: ast.FunctionDef) -> None:
        if self.module_level:
            self.env[statement.name] = self.program.global_value(self.module, statement.name)
        else:  # a def inside a function: known by its text (lines move when a fix edits above)
            self.env[statement.name] = ("def", ast.dump(statement))

    do_AsyncFunctionDef = do_FunctionDef
    do_ClassDef = do_FunctionDef

    def do_If(self, statement: ast.If) -> None:
        condition = self.expr(statement.test)
        decided = v.truth(condition)
        if decided is not None:
            self.block(statement.body if decided else statement.orelse)
            return
        yes, no = self.fork(), self.fork()
        yes.block(statement.body)
        no.block(statement.orelse)
        self.join(condition, yes, no)

    def do_For(self, statement: ast.For) -> None:
        self.loop(statement, ("for", self.expr(statement.iter)), statement.target, statement.iter)

    do_AsyncFor = do_For

    def do_While(self, statement: ast.While) -> None:
        self.loop(statement, ("while",), None)

    def do_With(self, statement: ast.With) -> None:
        contexts = []
        for item in statement.items:
            context = self.expr(item.context_expr, keep_call=True)
            contexts.append(context)
            self.effect(("enter", context))
            if item.optional_vars is not None:
                self.bind(item.optional_vars, ("entered", context))
        self.block(statement.body)
        self.effect(("exit",), changes_data=not all(v.grad_mode(context) for context in contexts))

    do_AsyncWith = do_With

    def do_Try(self, statement: ast.Try) -> None:
        self.clock.loops += 1
        marker = ("try", self.clock.loops)
        body = self.fork()
        body.block([*statement.body, *statement.orelse])
        handlers = []
        for handler in statement.handlers:
            caught = self.fork()
            if handler.name:
                caught.env[handler.name] = ("caught", marker)
            caught.block(handler.body)
            handlers.append(caught)
        self.effect(("try", marker, tuple(body.effects), tuple(tuple(h.effects) for h in handlers)))
        env = body.env
        for number, caught in enumerate(handlers):
            names = set(env) | set(caught.env)
            env = {name: v.phi(("caught", marker, number), caught.env.get(name, UNBOUND), env.get(name, UNBOUND)) for name in names}
        self.env.update(env)
        self.inlined |= body.inlined.union(*(h.inlined for h in handlers))
        self.block(statement.finalbody)

    # --- the pieces statements share --------------------------------------------------------
    def loop(self, statement: ast.stmt, head: Value, target: Optional[ast.expr], iterable: Optional[ast.expr] = None) -> None:
        self.clock.loops += 1
        label = ("loop", self.clock.loops)
        carried = sorted(_assigned_names(statement))
        body = self.fork()
        symbols = {name: ("carried", name, label, self.env.get(name, UNBOUND)) for name in carried}
        body.env.update(symbols)
        # A carried value never None on the first turn is assumed never None on every turn
        # (`labels = batch.pop("labels")` of a dict built from them): proved after the body.
        assumed = {name: symbol for name, symbol in symbols.items() if v.never_none(symbol[3])}
        body.not_none = body.not_none | frozenset(assumed.values())
        if target is not None:
            body.bind(target, body.element(iterable, label, head))
        if isinstance(statement, ast.While):
            head = ("while", body.expr(statement.test))
        body.block(getattr(statement, "body"))
        for name, symbol in assumed.items():
            if symbol in self.clock.relied and not v.never_none(body.env.get(name, UNBOUND), body.not_none):
                raise Unresolvable(
                    statement.lineno, f"`{name}` is assigned in this loop a value that may be None, and a test of it depends on that"
                )
        self.effect(("loop", label, head, tuple(body.effects)))
        for name in carried:
            # After the loop: the last turn's value, or the one before it when no turn ran.
            self.env[name] = v.phi(("ran", label), body.env.get(name, UNBOUND), self.env.get(name, UNBOUND))
        self.inlined |= body.inlined
        self.block(getattr(statement, "orelse"))

    def element(self, iterable: Optional[ast.expr], label: Value, head: Value) -> Value:
        """What one turn of a ``for`` gets: the element a list comprehension builds (its own
        names the turn's); else what ``_element_of`` knows of the iterable's value."""
        if head[1][0] == "elements":
            return v.child(head, 1, 1)
        return _element_of(head[1], label, head)

    def fork(self) -> "Evaluator":
        child = Evaluator(self.program, self.module, dict(self.env), self.clock, self.depth)
        child.not_none = self.not_none
        child.line = self.line
        child.module_level = self.module_level
        # A branch of the module's top level binds globals of its own as it runs.
        child.top = (self.top[0], child.env) if self.top is not None and self.top[1] is self.env else self.top
        return child

    def join(self, condition: Value, yes: "Evaluator", no: "Evaluator") -> None:
        if yes.effects or no.effects:  # a branch that only binds names is no effect
            self.effect(("if", condition, tuple(yes.effects), tuple(no.effects)))
        for name in set(yes.env) | set(no.env):
            self.env[name] = v.phi(condition, yes.env.get(name, UNBOUND), no.env.get(name, UNBOUND))
        self.inlined |= yes.inlined | no.inlined

    def effect(self, value: Value, changes_state: bool = True, changes_data: Optional[bool] = None) -> None:
        """Record an effect; one that may change state (weights, data) starts a new epoch. A
        random draw only takes its place in the order of draws."""
        self.effects.append(value)
        self.lines.append(self.line)
        if changes_state:
            self.clock.epoch += 1
            if changes_data if changes_data is not None else not v.keeps_tensor_data(value):
                self.clock.data_epoch += 1

    def bind(self, target: ast.expr, value: Value) -> None:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in target.elts):
                for element in target.elts:
                    self.bind(element.value if isinstance(element, ast.Starred) else element, ("unpacked", value))
                return
            for place, element in enumerate(target.elts):
                self.bind(element, v.item(value, v.const(place)))
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id in self.env:
            updated = v.set_item(self.env[target.value.id], self.expr(target.slice), value)
            if updated is not None:
                self.env[target.value.id] = updated
            else:
                self.effect(("store", self.expr(target), value))
        else:
            if isinstance(target, ast.Attribute):
                owner = self.expr(target.value)
                if owner[0] == "inst":
                    self.stores[(owner, target.attr)] = value
            self.effect(("store", self.expr(target), value))

def _surely_returns(body: list[ast.stmt]) -> bool:
    """Does every path through ``body`` end in ``return`` or ``raise``?"""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Return, ast.Raise)):
        return True
    if isinstance(last, ast.If):
        return _surely_returns(last.body) and _surely_returns(last.orelse)
    return False


def _returns_somewhere(statement: ast.stmt) -> bool:
    return any(isinstance(n, (ast.Return, ast.Raise)) for n in ast.walk(statement) if not isinstance(n, ast.FunctionDef))


def _assigned_names(statement: ast.stmt) -> set[str]:
    """Names a loop's body (and test) may rebind: carried from one turn to the next."""
    found = set()
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
    return found


PROGRESS_BARS = frozenset({"tqdm.tqdm", "tqdm.auto.tqdm", "tqdm.notebook.tqdm", "tqdm.std.tqdm"})
PASSED_THROUGH = frozenset({"iter", "list", "tuple"})
"""Iterables that give the elements of their first argument, unchanged and in order."""


def _element_of(iterable: Value, label: Value, head: Value) -> Value:
    """One element of ``iterable``: the one value a literal holds (each of its elements the
    same); a DataLoader's batch, which the default collate never fills with None; through
    ``tqdm``, ``enumerate`` and the like, the element of what they wrap; else an element
    nothing is known of."""
    if iterable[0] == "list":
        iterable = iterable[1]
    if iterable[0] == "tuple" and iterable[1] and all(item == iterable[1][0] for item in iterable[1]):
        return iterable[1][0]  # type: ignore[no-any-return]  # a value tree's items are values
    if iterable[0] == "call" and iterable[1][0] == "free" and not any(part[0] == "unpacked" for part in iterable[2]):
        function, arguments, keywords = iterable[1][1], iterable[2], dict(iterable[3])
        if function in PROGRESS_BARS and len(arguments) == 1:
            return _element_of(arguments[0], label, head)  # its options shape the bar, never the elements
        if function in PASSED_THROUGH and len(arguments) == 1 and not keywords:
            return _element_of(arguments[0], label, head)
        if function == "enumerate" and len(arguments) == 1 and not keywords:
            return v.tuple_of([("index", label), _element_of(arguments[0], label, head)])
        if function == "torch.utils.data.DataLoader" and "collate_fn" not in keywords:
            return ("batch", label, head)
    return ("each", label, head)
