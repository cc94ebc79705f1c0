"""The calls of ``verify``'s evaluator: a project model's call becomes its ``forward`` evaluated
in place (old ``forward`` in the old program, new in the new), a project function's its body;
``d.pop("labels")`` changes the dict; anything else is a call value, with its epoch when it may
read state."""

from __future__ import annotations

import ast
from typing import Optional

from codemod.verify import values as v
from codemod.verify.program import (
    MAX_INLINE_DEPTH,
    SAME_INSTANCE_METHODS,
    WRAPPERS,
    Clock,
    EvaluatorBase,
    Unresolvable,
    bind_arguments,
    binds,
    is_generator,
)
from codemod.verify.values import Value
from codemod.vocabulary import CLASS_FACTORIES


LABEL_NAMES = ("list", v.tuple_of([v.const("labels")]))
"""``["labels"]``, as the check reads it."""


class Calls(EvaluatorBase):
    def ex_Call(self, node: ast.Call, keep_call: bool = False) -> Value:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in SAME_INSTANCE_METHODS and not keep_call:
            receiver = self.expr(func.value)
            if receiver[0] == "inst":
                self.arguments(node)  # evaluated for what they read; `.to(device)` keeps the model
                return receiver
        changed = self.dict_method(node)
        if changed is not None:
            return changed
        callee = self.expr(func)
        if callee[0] == "phi?":
            callee = callee[2]  # calling None or an unbound name raised: the call ran on the other side
        positional, keywords, spread = self.arguments(node)
        if callee == v.free("dict") and len(positional) == 1 and not keywords and spread is None:
            return positional[0]  # a copy holds what the dict held
        if callee == v.free("getattr") and len(positional) == 3 and positional[1] == v.const("module") and positional[0] == positional[2]:
            unwrapped = v.module_or_self(positional[0])
            if unwrapped is not None:
                return unwrapped  # `getattr(model, "module", model)` of a DataParallel: the model
        if spread is not None:
            spread_keys = self.spread_keywords(spread)
            if spread_keys.keys() & keywords.keys():
                # `Output(loss=x, **out)` with `loss` in `out` too: Python raises TypeError there.
                raise Unresolvable(node.lineno, f"`{sorted(spread_keys.keys() & keywords.keys())[0]}` is given twice to one call")
            keywords = {**spread_keys, **keywords}
        if callee == v.free("transformers.TrainingArguments") and keywords.get("label_names") == LABEL_NAMES:
            # What Trainer assumes of a model whose forward takes `labels`, said aloud: the fix
            # adds it where forward no longer takes them (`rules.trainer`).
            keywords = {k: value for k, value in keywords.items() if k != "label_names"}
        self.program.record_call(callee, positional, keywords)  # a stand-in's too: its compute_loss reads `model`
        if callee[0] == "free" and callee[1] in self.program.stand_ins:
            callee = v.free(self.program.stand_ins[callee[1]])  # a Trainer subclass the fix added
        target = callee
        if callee[0] == "attr" and callee[2] == "forward" and callee[1][0] == "inst":
            target = callee[1]
        if target[0] == "inst":
            return self.inline(node, target, positional, keywords, spread)
        if callee[0] == "attr" and callee[1][0] == "inst":
            method = self.program.method_of(callee[1][1], callee[2])
            if method is not None and not is_generator(method[1]):
                return self.run_function(node, method, callee[1], positional, keywords, spread)
        if callee[0] == "attr" and (callee[1][0] in ("param", "unknown") or self.opaque_result(callee[1])):
            self.untraced_method_call(node, callee[2])
        if callee[0] == "free":
            function = self.program.function_of(callee[1])
            if function is not None and not is_generator(function[1]):
                return self.run_function(node, function, None, positional, keywords, spread)
        factory = _factory_of(callee)
        if factory is not None and self.program.built_by_factory(*factory):
            return v.instance(factory[0], ("factory", self.call_value(callee, positional, keywords, node)))
        if callee[0] == "free" and self.program.is_class(callee[1]):
            built = self.call_value(callee, positional, keywords, node)
            if self.program.is_output(callee[1]):
                return ("output", callee[1], tuple(sorted(keywords.items())))
            return v.instance(callee[1], built)
        if callee[0] == "free" and callee[1] in WRAPPERS and positional and positional[0][0] == "inst":
            inner = positional[0]
            return inner if callee[1] == "torch.compile" else v.instance(inner[1], ("wrapped", inner[2]))
        if callee[0] == "free" and callee[1].rpartition(".")[2].endswith(v.OUTPUT_SUFFIXES) and not positional:
            return ("output", callee[1], tuple(sorted(keywords.items())))
        if callee[0] in ("param", "unknown") or self.opaque_result(callee) or self.held_model(callee):
            self.untraced_call(node, callee, positional, keywords, spread)
        return self.call_value(callee, positional, keywords, node)

    def held_model(self, callee: Value) -> bool:
        """``models[0](x, y)``: an element of a container that holds an instance of a rewritten
        class, which the check does not pick out (a list may change after it is built)."""
        if callee[0] != "item":
            return False
        stack = [callee[1]]
        while stack:
            node = stack.pop()
            if node[0] == "inst" and node[1] in self.program.rewritten:
                return True
            parts = node[1:] if isinstance(node[0], str) else node  # a node, or a tuple of nodes
            stack += [part for part in parts if isinstance(part, tuple) and part]
        return False

    def opaque_result(self, callee: Value) -> bool:
        """Calling what a call of a library function returned (``torch.load(path)(x)``, a
        class method the project does not define) calls something the check cannot see: it may
        be a model. What a library class builds (``nn.Linear(4, 2)(x)``) is an instance of that
        class, never one of the project's."""
        if callee[0] != "call" or callee[1][0] != "free":
            return False
        qualified = callee[1][1]
        if self.program.is_class(qualified) or self.program.function_of(qualified) is not None:
            return False  # built or run where it was called: its value is known
        owner, _, method = qualified.rpartition(".")
        if method in CLASS_FACTORIES and self.program.is_library(owner) and owner.rpartition(".")[2][:1].isupper():
            return False  # `BertModel.from_pretrained(...)`: an instance of that library class
        return not (self.program.is_library(qualified) and qualified.rpartition(".")[2][:1].isupper())

    def untraced_method_call(self, node: ast.Call, name: str) -> None:
        """``x.fit(...)`` on a receiver the check cannot trace: if a plain class's ``fit`` is only
        evaluated at its calls (``Program.direct_methods``) and could reach a rewritten model,
        this call may run it unseen."""
        for owner in sorted(self.program.direct_methods().get(name, ())):
            if self.reaches_rewritten([owner]):
                raise Unresolvable(
                    node.lineno,
                    f"the call could run `{owner.rpartition('.')[2]}.{name}`, which calls a rewritten model, "
                    "on an instance the check cannot trace",
                )

    def untraced_call(self, node: ast.Call, callee: Value, positional: list[Value], keywords: dict[str, Value], spread: Optional[Value]) -> None:
        """A call of something not traced: if it could be a rewritten model (this module can
        reach the class, the call binds its old forward) it must compute the same through the old
        and the new forward, else the check cannot tell what the program computes here."""
        for name, (old, new) in sorted(self.program.rewritten.items()):
            if old is None or not self.program.reaches(self.module, name):
                continue
            if self.depth >= MAX_INLINE_DEPTH:
                # Trying a forward that itself calls something untraced, and so on.
                raise Unresolvable(node.lineno, f"the call could be a `{name.rpartition('.')[2]}`, through calls too deep to evaluate")
            receiver = v.instance(name, ("untraced", callee))
            try:
                before = self.trial(node, old, receiver, positional, keywords, spread)
            except Unresolvable:
                continue  # the call does not bind the old forward: it was no call of the model
            try:
                after = self.trial(node, new, receiver, positional, keywords, spread) if new is not None else None
            except Unresolvable:
                after = None
            if before != after:
                if isinstance(callee[-1], str):
                    why = callee[-1]
                elif callee[0] == "item":
                    why = "it is taken out of a list or dict that holds the model, which the check does not follow"
                else:
                    why = f"it is what `{callee[1][1]}` returned"
                raise Unresolvable(node.lineno, f"the call could be a `{name.rpartition('.')[2]}`, and what it calls is not traced ({why})")

    def trial(
        self, node: ast.Call, found: tuple[str, ast.FunctionDef], receiver: Value, positional: list[Value], keywords: dict[str, Value], spread: Optional[Value]
    ) -> tuple[Value, tuple[Value, ...]]:
        """What a forward returns and does for these arguments, evaluated aside (nothing of it
        is recorded in this scope)."""
        module, function = found
        env = bind_arguments(function, receiver, positional, keywords, spread, node.lineno)
        aside = type(self)(self.program, module, env, Clock(self.clock.epoch, self.clock.data_epoch, self.clock.loops), self.depth + 1)
        aside.not_none = self.not_none
        returned = aside.block(function.body)
        return (returned if returned is not None else v.NONE), tuple(aside.effects)

    def dict_method(self, node: ast.Call) -> Optional[Value]:
        """``d.pop("labels")`` (also with a default), ``d.copy()``: what it gives, with ``d``
        (and every name holding the same dict) changed in place."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.attr in ("pop", "copy")):
            return None
        held = self.expr(func.value)
        if held[0] in ("inst", "free", "const", "tuple", "list"):
            return None
        if func.attr == "copy":
            return held if not node.args and not node.keywords else None
        if not node.args or node.keywords or len(node.args) > 2:
            return None
        key = self.expr(node.args[0])
        remaining = v.drop_key(held, key)
        if remaining is None:
            return None
        taken = v.item(held, key) if len(node.args) == 1 else v.spread_param(held, str(v.const_key(key)), self.expr(node.args[1]))
        for name, value in list(self.env.items()):
            if value == held:  # an alias of the dict sees the change (equal trees: taken as one object)
                self.env[name] = remaining
        self.env[func.value.id] = remaining
        return taken

    def arguments(self, node: ast.Call) -> tuple[list[Value], dict[str, Value], Optional[Value]]:
        positional = []
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                positional.append(("starred", self.expr(argument.value)))
            else:
                positional.append(self.expr(argument))
        keywords: dict[str, Value] = {}
        spread: Optional[Value] = None
        for keyword in node.keywords:
            if keyword.arg is None:
                spread = self.expr(keyword.value) if spread is None else ("dictmerge", spread, self.expr(keyword.value))
            else:
                keywords[keyword.arg] = self.expr(keyword.value)
        return positional, keywords, spread

    def spread_keywords(self, spread: Value) -> dict[str, Value]:
        if spread[0] == "dict" and all(isinstance(v.const_key(k), str) for k, _ in spread[1]):
            return {str(v.const_key(k)): value for k, value in spread[1]}
        if spread[0] == "output":
            # A ModelOutput unpacks as a dict of its fields that are set; one left out is None.
            return {name: value for name, value in spread[2] if value != v.NONE}
        return {}

    def call_value(self, callee: Value, positional: list[Value], keywords: dict[str, Value], node: ast.Call) -> Value:
        # A call that may read state (a model's weights) is a value of its epoch; a library
        # function of its arguments alone is not (`nn.CrossEntropyLoss()` made once or per step).
        base = v.root(callee)
        stateless = base[0] == "const" or (base[0] == "free" and self.program.is_library(base[1]))
        epoch: Optional[int | tuple[str, int]] = None if stateless else self.clock.epoch
        if callee[0] == "attr" and callee[2] in v.TENSOR_READS and v.fresh(callee[1]):
            # `logits.softmax(-1)` reads that tensor's data alone: `optimizer.step()` between
            # the call and here changes parameters, not it.
            epoch = ("data", self.clock.data_epoch)
        value = ("call", callee, tuple(positional), tuple(sorted(keywords.items())), epoch)
        if v.changes_in_place(value):
            # `y = logits.mul_(2)`, `print(x.add_(1))`: data changes inside an expression, so
            # what reads state or data after it is another value, effect or not.
            self.clock.epoch += 1
            self.clock.data_epoch += 1
        if v.draws_random(callee):
            # A random draw advances the generator: every later draw depends on it, so the
            # draws happen in the same order in both programs, used or not.
            self.effect(("draw", value), changes_state=False)
        return value

    def inline(self, node: ast.Call, receiver: Value, positional: list[Value], keywords: dict[str, Value], spread: Optional[Value]) -> Value:
        found = self.program.forward_of(receiver[1])
        if found is None:
            return self.call_value(receiver, positional, keywords, node)
        rewritten = receiver[1] in self.program.rewritten
        if self.depth >= MAX_INLINE_DEPTH:
            if not rewritten:
                return self.call_value(receiver, positional, keywords, node)
            raise Unresolvable(node.lineno, "models call each other too deeply to evaluate")
        if not rewritten and not binds(found[1], receiver, positional, keywords, spread):
            return self.call_value(receiver, positional, keywords, node)  # the user's own call, as it was
        # Under DataParallel, forward runs on the model it wraps (one device: the same numbers).
        returned = self.run_function(node, found, v.unwrapped(receiver), positional, keywords, spread)
        self.inlined.add(receiver[1])
        where = (self.module, node.lineno)
        for part in v.readable_parts(returned):  # the result, and what a reader takes out of it
            self.clock.origins.setdefault(part, where)
        return returned

    def run_function(
        self,
        node: ast.Call,
        found: tuple[str, ast.FunctionDef],
        receiver: Optional[Value],
        positional: list[Value],
        keywords: dict[str, Value],
        spread: Optional[Value],
    ) -> Value:
        """A function of the project evaluated where it is called: its effects happen here and
        its value is what it returns. Past the depth limit it stays a call."""
        module, function = found
        if self.depth >= MAX_INLINE_DEPTH:
            callee = v.attribute(receiver, function.name) if receiver is not None else v.free(f"{module}.{function.name}")
            return self.call_value(callee, positional, keywords, node)
        try:
            env = bind_arguments(function, receiver, positional, keywords, spread, node.lineno)
        except Unresolvable:
            if receiver is not None and receiver[0] == "inst" and receiver[1] in self.program.rewritten and function.name == "forward":
                raise  # a call of a rewritten model that does not bind its forward
            callee = v.attribute(receiver, function.name) if receiver is not None else v.free(f"{module}.{function.name}")
            return self.call_value(callee, positional, keywords, node)
        inner = type(self)(self.program, module, env, self.clock, self.depth + 1)
        inner.not_none = self.not_none
        inner.top = self.top
        returned = inner.block(function.body)
        self.effects += inner.effects
        self.lines += [self.line] * len(inner.effects)
        self.inlined |= inner.inlined
        self.stores.update(inner.stores)
        return returned if returned is not None else v.NONE


def _factory_of(callee: Value) -> Optional[tuple[str, str]]:
    """``(class, method)`` of ``Tagger.load_from_checkpoint``, read either way the check holds it."""
    if callee[0] == "attr" and callee[1][0] == "free":
        return callee[1][1], callee[2]
    if callee[0] == "free" and "." in callee[1]:
        owner, _, method = callee[1].rpartition(".")
        return owner, method
    return None
