"""The expressions of ``verify``'s evaluator: each node to a value (``values``), names to what
the scope or the program binds. Calls are ``calls``'s."""

from __future__ import annotations

import ast
from typing import Optional

from codemod.verify import values as v
from codemod.verify.program import EvaluatorBase, Unresolvable, dropped_keys
from codemod.verify.values import Value


class Expressions(EvaluatorBase):
    def expr(self, node: Optional[ast.expr], keep_call: bool = False) -> Value:
        if node is None:
            return v.NONE
        handler = getattr(self, f"ex_{type(node).__name__}", None)
        if handler is None:
            return self.opaque(node)
        if isinstance(node, ast.Call):
            return self.ex_Call(node, keep_call)
        value: Value = handler(node)
        return value

    def ex_Name(self, node: ast.Name) -> Value:
        value = self.env[node.id] if node.id in self.env else self.global_name(node.id)
        return self.accounted(node.id, value, node)

    def accounted(self, name: str, value: Value, node: ast.expr) -> Value:
        """The check's own search must account for every mention of a rewritten class: a name
        spelled like one that it does not read as that class (an import it could not follow)
        could build one out of its sight."""
        unresolved = value[0] in ("missing", "unknown") or (value[0] == "free" and str(value[1]).startswith("?"))
        if unresolved:  # `nn.GRU` or another project class of that name is read as itself
            for qualified in self.program.rewritten:
                if qualified.rpartition(".")[2] == name:
                    raise Unresolvable(node.lineno, f"`{name}` here is not read as the class `{qualified}` (an import the check cannot follow)")
        return value

    def global_name(self, name: str) -> Value:
        """A name the scope does not bind: while the module's own top level runs (a function
        of it called from there), what that top level has bound so far; else the program's."""
        if self.top is not None and self.top[0] == self.module and name in self.top[1]:
            return self.top[1][name]
        return self.program.global_value(self.module, name)

    def ex_Constant(self, node: ast.Constant) -> Value:
        return v.const(node.value)

    def ex_Attribute(self, node: ast.Attribute) -> Value:
        base = self.expr(node.value)
        value = self.attribute_of(base, node.attr)
        if base[0] in ("free", "missing", "unknown"):  # `netlib.Net`: a class reached through a module
            return self.accounted(node.attr, value, node)
        return value

    def attribute_of(self, base: Value, name: str) -> Value:
        """``base.name``: a module's global, the model DataParallel wraps, what a constructor
        gave an instance; on each side of a ``phi``."""
        if base[0] == "free":
            held = self.program.module_attribute(base[1], name)  # `import model` ... `model.MODEL`
            if held is not None:
                return held
        if base[0] == "inst" and base[2][0] == "wrapped" and name == "module":
            return v.unwrapped(base)  # DataParallel's `.module`: the model it wraps
        if base[0] == "inst":
            known = self.program.instance_attributes(v.unwrapped(base))
            if name in known:
                return known[name]
        if base[0] == "phi":
            return v.phi(base[1], self.attribute_of(base[2], name), self.attribute_of(base[3], name))
        if base[0] == "phi?":
            return self.attribute_of(base[2], name)
        return v.attribute(base, name)

    def ex_Subscript(self, node: ast.Subscript) -> Value:
        container = self.expr(node.value)
        if container[0] == "list" and isinstance(node.value, ast.Name) and self.program.unchanged_display(self.module, node.value.id):
            container = container[1]  # a list nothing changes in place: its display's items
        return v.item(container, self.expr(node.slice))

    def ex_Slice(self, node: ast.Slice) -> Value:
        return ("slice", self.expr(node.lower), self.expr(node.upper), self.expr(node.step))

    def ex_Tuple(self, node: ast.Tuple) -> Value:
        if any(isinstance(e, ast.Starred) for e in node.elts):
            # `(loss, *outputs)` is `(loss,) + outputs` when `outputs` is a tuple; else unknown.
            value, pending = v.tuple_of([]), []
            for element in node.elts:
                if not isinstance(element, ast.Starred):
                    pending.append(self.expr(element))
                    continue
                unpacked = self.expr(element.value)
                if not v.tuple_like(unpacked):
                    return self.opaque(node)
                value = v.binary("Add", v.binary("Add", value, v.tuple_of(pending)), unpacked)
                pending = []
            return v.binary("Add", value, v.tuple_of(pending)) if pending else value
        return v.tuple_of([self.expr(e) for e in node.elts])

    def ex_List(self, node: ast.List) -> Value:
        return ("list", self.ex_Tuple(ast.Tuple(elts=node.elts)))

    def ex_Dict(self, node: ast.Dict) -> Value:
        pairs: list[tuple[Value, Value]] = []
        for key, value in zip(node.keys, node.values):
            if key is None:
                spread = self.expr(value)
                if spread[0] != "dict":
                    return ("dictmerge", tuple(pairs), spread)
                pairs += list(spread[1])
            else:
                pairs.append((self.expr(key), self.expr(value)))
        return v.dict_of(pairs)

    def ex_BinOp(self, node: ast.BinOp) -> Value:
        return v.binary(type(node.op).__name__, self.expr(node.left), self.expr(node.right))

    def ex_UnaryOp(self, node: ast.UnaryOp) -> Value:
        operand = self.expr(node.operand)
        if isinstance(node.op, ast.Not) and v.truth(operand) is not None:
            return v.const(not v.truth(operand))
        return ("op", type(node.op).__name__, operand)

    def ex_BoolOp(self, node: ast.BoolOp) -> Value:
        return ("op", type(node.op).__name__, *[self.expr(e) for e in node.values])

    def ex_Compare(self, node: ast.Compare) -> Value:
        left = self.expr(node.left)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
            right = self.expr(node.comparators[0])
            if right == v.NONE:
                if left in self.not_none:
                    if left[0] == "carried":
                        self.clock.relied.add(left)
                    return v.const(isinstance(node.ops[0], (ast.IsNot, ast.NotEq)))
                return v.is_none_test(left, isinstance(node.ops[0], (ast.IsNot, ast.NotEq)))
            return ("op", type(node.ops[0]).__name__, left, right)
        return ("cmp", tuple(type(o).__name__ for o in node.ops), left, *[self.expr(c) for c in node.comparators])

    def ex_IfExp(self, node: ast.IfExp) -> Value:
        condition = self.expr(node.test)
        decided = v.truth(condition)
        if decided is not None:
            return self.expr(node.body if decided else node.orelse)
        return v.phi(condition, self.expr(node.body), self.expr(node.orelse))

    def ex_JoinedStr(self, node: ast.JoinedStr) -> Value:
        return ("fstr", *[self.expr(part) for part in node.values])

    def ex_FormattedValue(self, node: ast.FormattedValue) -> Value:
        return ("fmt", self.expr(node.value), node.conversion, self.expr(node.format_spec) if node.format_spec else v.NONE)

    def ex_ListComp(self, node: ast.ListComp) -> Value:
        return self.comprehension(node, [node.elt])

    def ex_GeneratorExp(self, node: ast.GeneratorExp) -> Value:
        return self.comprehension(node, [node.elt])

    def ex_SetComp(self, node: ast.SetComp) -> Value:
        return self.comprehension(node, [node.elt])

    def comprehension(self, node: ast.expr, parts: list[ast.expr]) -> Value:
        """``[(x, y) for _ in range(3)]``: its element, with the comprehension's own names
        standing for each turn, the sources and conditions it reads, and what evaluating the
        element did (a model called inside is evaluated there)."""
        inner = self.fork()
        sources: list[Value] = []
        for generator in node.generators:  # type: ignore[attr-defined]  # every comprehension has generators
            self.clock.loops += 1  # numbered in evaluation order: lines move when a fix edits above
            source = inner.expr(generator.iter)
            inner.bind(generator.target, ("each", ("comp", self.clock.loops), ("for", source)))
            sources += [source, *[inner.expr(test) for test in generator.ifs]]
        element = [inner.expr(part) for part in parts]
        self.inlined |= inner.inlined
        self.effects += inner.effects
        self.lines += inner.lines
        return ("elements", element[0] if len(element) == 1 else v.tuple_of(element), tuple(sources), type(node).__name__)

    def ex_DictComp(self, node: ast.DictComp) -> Value:
        dropped = dropped_keys(node)
        if dropped is not None:
            return v.without_keys(self.expr(dropped[0]), dropped[1])
        return self.comprehension(node, [node.key, node.value])

    def opaque(self, node: ast.expr) -> Value:
        """An expression the evaluator does not model, as written, with the values its free
        names hold: equal only where both programs wrote it the same over the same values. A
        model called inside it could not be replaced by its forward: that is unresolvable."""
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and isinstance(inner.func, (ast.Name, ast.Attribute)):
                callee = self.quiet(inner.func)
                instance = callee[1] if callee is not None and callee[0] == "attr" and callee[2] == "forward" else callee
                if instance is not None and instance[0] == "inst" and instance[1] in self.program.rewritten:  # its forward changed
                    raise Unresolvable(inner.lineno, "a model is called inside an expression the check does not evaluate (a lambda or comprehension)")
                if isinstance(inner.func, ast.Attribute) and self.reaches_rewritten(self.program.direct_methods().get(inner.func.attr, ())):
                    # A method evaluated only where it is called (`lambda: runner.fit(x, y)`).
                    raise Unresolvable(inner.lineno, f"`.{inner.func.attr}(...)`, which calls a rewritten model, runs inside an expression the check does not evaluate (a lambda or comprehension)")
        return ("expr", ast.dump(node, annotate_fields=False), self.free_values(node))

    def quiet(self, node: ast.expr) -> Optional[Value]:
        """The value of a name or attribute chain, where reading it has no effect to record."""
        if isinstance(node, ast.Name):
            return self.env.get(node.id) or self.global_name(node.id)
        if isinstance(node, ast.Attribute):
            inner = self.quiet(node.value)
            return v.attribute(inner, node.attr) if inner is not None else None
        return None

    def free_values(self, node: ast.AST) -> Value:
        names = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)})
        return tuple((name, self.env.get(name) or self.global_name(name)) for name in names)
