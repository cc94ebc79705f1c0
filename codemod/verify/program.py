"""What the evaluator of ``verify`` stands on: the questions it asks of the program it reads
(``Program``), the state one evaluation carries (``EvaluatorBase``), and how a call's
arguments bind a function's parameters."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterable, Optional, Protocol

from codemod.verify import values as v
from codemod.verify.values import Value

MAX_INLINE_DEPTH = 4
UNBOUND = v.UNBOUND
SAME_INSTANCE_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16", "requires_grad_"})
WRAPPERS = frozenset(
    {"torch.nn.DataParallel", "torch.nn.parallel.DataParallel", "torch.nn.parallel.DistributedDataParallel", "torch.compile"}
)


MAX_STEPS = 5_000


class Unresolvable(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason
        self.module: Optional[str] = None
        """The module ``line`` is in, set by the evaluator it is raised in (a function inlined
        from another module has its own lines)."""


class TooLarge(Unresolvable):
    """The scope takes more than ``MAX_STEPS`` statements to evaluate."""


class Program(Protocol):
    """One version (old or new) of the project, as the evaluator asks about it."""

    rewritten: dict[str, tuple[Optional[tuple[str, ast.FunctionDef]], Optional[tuple[str, ast.FunctionDef]]]]
    """The classes whose loss the fix moves: qualified name -> (old forward, new forward)."""
    stand_ins: dict[str, str]
    """Classes the fix added, each built as the class it stands in for."""

    def reaches(self, module: str, qualified: str) -> bool: ...

    def global_value(self, module: str, name: str) -> Value: ...

    def forward_of(self, qualified: str) -> Optional[tuple[str, ast.FunctionDef]]: ...

    def method_of(self, qualified: str, name: str) -> Optional[tuple[str, ast.FunctionDef]]: ...

    def function_of(self, qualified: str) -> Optional[tuple[str, ast.FunctionDef]]: ...

    def instance_attributes(self, instance: Value) -> dict[str, Value]: ...

    def imported(self, module: str, source: str, level: int, name: str) -> Value: ...

    def imported_module(self, module: str, dotted: str) -> Value: ...

    def unchanged_display(self, module: str, name: str) -> bool: ...

    def module_attribute(self, qualified: str, name: str) -> Optional[Value]: ...

    def is_class(self, qualified: str) -> bool: ...

    def built_by_factory(self, qualified: str, factory: str) -> bool: ...

    def is_output(self, qualified: str) -> bool: ...

    def is_library(self, qualified: str) -> bool: ...

    def direct_methods(self) -> dict[str, set[str]]: ...

    def record_call(self, callee: Value, positional: list[Value], keywords: dict[str, Value]) -> None: ...


@dataclass
class Clock:
    epoch: int = 0
    data_epoch: int = 0
    """Effects so far that may change a tensor's data in place (``x.add_(1)``, ``x[i] = ...``, a
    call the check cannot see into): not ``loss.backward()``, an optimizer's ``step`` or
    ``zero_grad``, ``model.train()``, ``print``, which change only parameters, gradients and
    modes. A tensor a call computed keeps its data across those (``values.fresh``)."""
    loops: int = 0
    steps: int = 0
    """Statements evaluated so far in this scope, inlined ones included: bounded by
    ``MAX_STEPS`` (a recursive parser function inlined into itself grows without end)."""
    origins: dict[Value, tuple[str, int]] = field(default_factory=dict)
    """What a call of a project model returned -> (module, line) of that call: where a
    difference is reported."""
    relied: set[Value] = field(default_factory=set)
    """Loop-carried values a ``x is None`` test was decided for, by the loop's assumption that
    they are never None (``Evaluator.loop`` then proves it, or refuses)."""


class EvaluatorBase:
    """The state of one evaluation, and the steps statements and expressions share."""

    def __init__(self, program: Program, module: str, env: dict[str, Value], clock: Clock, depth: int = 0) -> None:
        self.program, self.module, self.env, self.clock, self.depth = program, module, env, clock, depth
        self.effects: list[Value] = []
        self.not_none: frozenset[Value] = frozenset()
        """Values an ``assert x is not None`` on this path vouched for: a test of them is
        decided. A branch or an inlined call starts with its caller's."""
        self.lines: list[int] = []
        """The line of each effect: where a difference is reported."""
        self.line = 0
        self.module_level = False
        self.top: Optional[tuple[str, dict[str, Value]]] = None
        """The module whose top level this evaluation runs inside, and what it binds so far."""
        """Evaluating a module's top level, where a ``def`` or ``class`` binds the project's own."""
        self.inlined: set[str] = set()
        """The project classes whose forward was evaluated in place of a call."""
        self.stores: dict[tuple[Value, str], Value] = {}
        """``obj.name = value`` on an instance of the project, last value first: what a
        constructor gives its instance."""

    def reaches_rewritten(self, owners: Iterable[str]) -> bool:
        """Could a method of one of these classes (qualified names) call a rewritten model?"""
        return any(self.program.reaches(owner.rpartition(".")[0], name) for owner in owners for name in self.program.rewritten)

    def fork(self) -> "EvaluatorBase":
        raise NotImplementedError

    def effect(self, value: Value, changes_state: bool = True) -> None:
        raise NotImplementedError

    def bind(self, target: ast.expr, value: Value) -> None:
        raise NotImplementedError

    def block(self, body: list[ast.stmt]) -> Optional[Value]:
        raise NotImplementedError

    def expr(self, node: Optional[ast.expr], keep_call: bool = False) -> Value:
        raise NotImplementedError

    def ex_Call(self, node: ast.Call, keep_call: bool = False) -> Value:
        raise NotImplementedError

    def call_value(self, callee: Value, positional: list[Value], keywords: dict[str, Value], node: ast.Call) -> Value:
        raise NotImplementedError

    def opaque(self, node: ast.expr) -> Value:
        raise NotImplementedError


def binds(function: ast.FunctionDef, receiver: Optional[Value], positional: list[Value], keywords: dict[str, Value], spread: Optional[Value]) -> bool:
    try:
        bind_arguments(function, receiver, positional, keywords, spread, function.lineno)
    except Unresolvable:
        return False
    return True


def bind_arguments(
    forward: ast.FunctionDef, receiver: Optional[Value], positional: list[Value], keywords: dict[str, Value], spread: Optional[Value], line: int
) -> dict[str, Value]:
    """A function's parameters bound as Python binds them (``self`` to ``receiver`` for a
    method); defaults as written. A parameter a ``**dict`` of unknown keys may fill reads that
    dict (see ``values.spread_param``)."""
    arguments = forward.args
    params = [*arguments.posonlyargs, *arguments.args]
    env: dict[str, Value] = {params[0].arg: receiver} if params and receiver is not None else {}
    rest = params[1:] if receiver is not None else params
    if any(p[0] == "starred" for p in positional):
        raise Unresolvable(line, "arguments reach forward through `*`")
    if len(positional) > len(rest) and arguments.vararg is None:
        raise Unresolvable(line, "the call passes more arguments than forward takes")
    for param, value in zip(rest, positional):
        env[param.arg] = value
    defaults = dict(zip([p.arg for p in rest][len(rest) - len(arguments.defaults) :], arguments.defaults))
    defaults.update({p.arg: d for p, d in zip(arguments.kwonlyargs, arguments.kw_defaults) if d is not None})
    for param in [*rest[len(positional) :], *arguments.kwonlyargs]:
        name = param.arg
        if name in keywords:
            env[name] = keywords[name]
        elif spread is not None and spread[0] != "dict":
            fallback = _literal(defaults[name]) if name in defaults else UNBOUND
            env[name] = v.spread_param(spread, name, fallback)
        elif name in defaults:
            env[name] = _literal(defaults[name])
        else:
            raise Unresolvable(line, f"the call does not pass `{name}`")
    unexpected = sorted(set(keywords) - {p.arg for p in [*rest, *arguments.kwonlyargs]})
    if unexpected and arguments.kwarg is None:
        raise Unresolvable(line, f"the call passes `{unexpected[0]}=`, which `{forward.name}` does not take")
    if arguments.vararg is not None:
        env[arguments.vararg.arg] = v.tuple_of(positional[len(rest) :])
    if arguments.kwarg is not None:
        named = {p.arg for p in [*rest, *arguments.kwonlyargs]}
        env[arguments.kwarg.arg] = v.dict_of([(v.const(k), value) for k, value in sorted(keywords.items()) if k not in named])
    return env


def _literal(node: ast.expr) -> Value:
    if isinstance(node, ast.Constant):
        return v.const(node.value)
    return ("default", ast.dump(node, annotate_fields=False))


def dropped_keys(node: ast.DictComp) -> Optional[tuple[ast.expr, tuple[str, ...]]]:
    """``{k: v for k, v in d.items() if k != "labels"}``: (d, the keys it leaves out)."""
    if len(node.generators) != 1:
        return None
    generator = node.generators[0]
    target = generator.target
    source = generator.iter
    if not (
        isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and all(isinstance(e, ast.Name) for e in target.elts)
        and isinstance(node.key, ast.Name)
        and isinstance(node.value, ast.Name)
        and node.key.id == target.elts[0].id  # type: ignore[attr-defined]  # both elements are Names: checked above
        and node.value.id == target.elts[1].id  # type: ignore[attr-defined]  # likewise
        and isinstance(source, ast.Call)
        and isinstance(source.func, ast.Attribute)
        and source.func.attr == "items"
        and not source.args
    ):
        return None
    dropped: list[str] = []
    for test in generator.ifs:
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) and test.left.id == node.key.id):
            return None
        right = test.comparators[0]
        if isinstance(test.ops[0], ast.NotEq) and isinstance(right, ast.Constant) and isinstance(right.value, str):
            dropped.append(right.value)
        elif isinstance(test.ops[0], ast.NotIn) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            if not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in right.elts):
                return None
            dropped += [e.value for e in right.elts]  # type: ignore[attr-defined]  # every element is a str Constant
        else:
            return None
    return source.func.value, tuple(sorted(dropped))


def is_generator(function: ast.FunctionDef) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in ast.walk(function))
