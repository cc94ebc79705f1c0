"""Rewrite one call of a model so the loss is computed where the model is called.

    loss, logits = model(ids, mask, y)      ->   logits = model(ids, mask)
                                                 loss = criterion(logits, y)

The planner reads the statement around the call, how its result is used afterwards
(``out["loss"]``, ``out[0]``, ``out.loss``, tuple unpacking, a call nested in an expression) and
the scope it runs in (free names, the loop a criterion goes before). It returns edits, or raises
``SiteRefusal`` when the call cannot be rewritten exactly.

Why this module is long: it is one planner, ``FileSitePlanner``, over one file's positions,
scopes and the names it has given out; every way of rewriting a call (an assignment, a call
nested in an expression, readers of the result, a call without labels, a criterion to insert)
is a method reading and extending that shared state. The pure pieces are in ``call_shapes``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from codemod.cst.bindings import bound_names
from codemod.cst.conditionals import folded
from codemod.cst.nodes import (
    assign,
    code_of,
    defaults_to_none,
    is_atom,
    is_criterion_constructor,
    name_nodes,
    names_in,
    parenthesize,
    single_name_target,
    substitute,
    tuple_of,
    without_args,
)
from codemod.cst.positions import Layout
from codemod.cst.scopes import ScopeNames, function_scope_names, module_scope_names
from codemod.lazy_libcst import cst
from codemod.transforms.call_shapes import (
    SiteRefusal,
    as_before,
    calls_anything,
    changes_in_place,
    is_pure,
    is_simple,
    is_whole_value,
    labelless_role,
    reader_key,
    role_of_key,
    sets_to_none,
    unpacked_reason,
)
from codemod.transforms.edits import FileEdits, imports_to_add
from codemod.transforms.kept_site import plan_kept_site
from codemod.vocabulary import CRITERION, LABEL_ALIAS, LABELS_PARAM, CallShape, CallVia, ImportSpec, Refusal, ResultKind, ResultShape, Signature, SitePlan


@dataclass
class _CriterionSlot:
    name: str
    code: str
    block: cst.CSTNode
    index: int


@dataclass
class _Site:
    """One call with labels being rewritten, and the pieces every way of rewriting it needs."""

    planner: "FileSitePlanner"
    call: cst.Call
    statement: cst.BaseStatement
    scope: cst.CSTNode
    plan: SitePlan
    labels: cst.BaseExpression
    receiver: cst.BaseExpression
    self_expr: cst.BaseExpression
    """What ``self`` was inside forward: the model, ``model.module`` under DataParallel."""
    new_call: cst.Call
    """The call without its labels."""
    criterion: Optional[str]
    line: int
    extra_names: dict[str, str] = field(default_factory=dict)
    """Each of ``plan.extras`` (returned beside the prediction), by the name this call binds it to."""
    inputs: dict[str, cst.BaseExpression] = field(default_factory=dict)
    """Each of ``plan.inputs`` (forward's parameters the loss reads), as this call passed it."""

    @property
    def call_reads(self) -> cst.BaseExpression:
        """What the loss reads besides forward's result (the labels, the inputs, module-level
        names), as one expression whose names must hold the same values wherever the loss is
        computed."""
        # Module-level names the loss reads (`config.SMOOTH`) too: a store into one is a change.
        free = sorted(names_in(self.plan.loss_template) & set(self.plan.imports))
        return cst.Tuple([cst.Element(value) for value in (self.labels, *self.inputs.values(), *map(cst.Name, free))])

    @property
    def names(self) -> ScopeNames:
        return self.planner.names(self.scope)

    @property
    def first_line(self) -> int:
        return self.planner.line(self.statement)

    @property
    def last_line(self) -> int:
        return self.planner.end_line(self.statement)

    def loss_of(self, prediction: str) -> cst.BaseExpression:
        """The loss, with the prediction bound to ``prediction`` and the extras to their names."""
        values: dict[str, cst.BaseExpression] = {self.plan.prediction_placeholder: cst.Name(prediction)}
        values.update({extra: cst.Name(name) for extra, name in self.extra_names.items()})
        return self.loss_reading(values)

    def loss_reading(self, values: dict[str, cst.BaseExpression]) -> cst.BaseExpression:
        """The loss, with forward's values it reads (the prediction, the extras) given."""
        mapping: dict[str, cst.BaseExpression] = {LABELS_PARAM: self.labels, "self": self.self_expr, **self.inputs, **values}
        if self.criterion is not None:
            mapping[CRITERION] = cst.Name(self.criterion)
        # An input the call did not pass is its default: a test of it (`None is not None`) is decided.
        return folded(substitute(self.plan.loss_template, mapping))

    def bound(self, prediction: str) -> cst.BaseAssignTargetExpression:
        """What the call without labels is assigned to: the prediction, and beside it the
        values forward now returns for the loss (``logits, hidden = model(x)``)."""
        if not self.extra_names:
            return cst.Name(prediction)
        return tuple_of([cst.Name(n) for n in (prediction, *self.extra_names.values())], parenthesized=False)

    def seen(self, prediction: str) -> cst.BaseExpression:
        """What the call used to give as its prediction, from what forward returns now."""
        if self.plan.seen_prediction is None:
            return cst.Name(prediction)
        result = substitute(self.plan.seen_prediction, {self.plan.prediction_placeholder: cst.Name(prediction), "self": self.self_expr})
        return result if is_atom(result) else parenthesize(result)

    def packed(self, loss: cst.BaseExpression, prediction: str) -> cst.BaseExpression:
        shape = self.plan.shape
        if shape.kind is ResultKind.LOSS:
            return loss
        if shape.kind is ResultKind.TUPLE:
            items = [loss, self.seen(prediction)] if shape.loss_key == 0 else [self.seen(prediction), loss]
            return tuple_of(items)
        if shape.kind is ResultKind.DICT:
            elements = [
                cst.DictElement(cst.SimpleString(f'"{shape.loss_key}"'), loss),
                cst.DictElement(cst.SimpleString(f'"{shape.prediction_key}"'), self.seen(prediction)),
            ]
            return cst.Dict(elements if shape.loss_first else elements[::-1])
        raise SiteRefusal("the result is used whole, and forward returned an object", self.line)

    def prediction_line(self, name: str) -> cst.SimpleStatementLine:
        # The replaced line's comment was about the call with labels: it does not go onto the
        # new lines (the comments above it stay above).
        return self.statement.with_changes(  # type: ignore[return-value]  # the statement of a call with its result assigned: a simple line
            body=[cst.Assign(targets=[cst.AssignTarget(self.bound(name))], value=self.new_call)],
            trailing_whitespace=cst.TrailingWhitespace(),
        )

    @staticmethod
    def plain(line_node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        # A comment stays on the line of the call it was written for, once.
        return line_node.with_changes(leading_lines=(), trailing_whitespace=cst.TrailingWhitespace())

    def rebuilt(self) -> list[cst.BaseStatement]:
        """``x = model(...)`` / ``return model(...)`` with what forward used to return rebuilt
        around the prediction: always exact, used when nothing simpler is."""
        prediction = self.names.fresh(self.plan.preferred_prediction, self.first_line)
        self.names.introduce(prediction, self.last_line + 1)
        value = self.packed(self.loss_of(prediction), prediction)
        assert isinstance(self.statement, cst.SimpleStatementLine)  # `x = model(...)` or `return model(...)`
        small = self.statement.body[0]
        return [self.prediction_line(prediction), self.plain(self.statement.with_changes(body=[small.with_changes(value=value)]))]


class FileSitePlanner:
    """Plans the call-site edits of one file; scopes are shared across the file's sites."""

    def __init__(self, layout: Layout, module_name: str, module_imports: dict[str, str]) -> None:
        self.module = layout.module
        self.module_name = module_name
        self.module_imports = module_imports
        self.positions = layout.positions
        self.parents = layout.parents
        self.calls = layout.calls
        self.scope_names: dict[cst.CSTNode, ScopeNames] = {}
        self.criteria: dict[cst.CSTNode, list[_CriterionSlot]] = {}
        self.edits = FileEdits()
        self.claimed: set[cst.CSTNode] = set()

    # --- tree navigation ------------------------------------------------------------------
    def line(self, node: cst.CSTNode) -> int:
        return self.positions[node].start.line

    def end_line(self, node: cst.CSTNode) -> int:
        return self.positions[node].end.line

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def statement_of(self, node: cst.CSTNode) -> cst.BaseStatement:
        """The statement that contains ``node``, checking that hoisting work out of the
        expression before the statement keeps the order of evaluation."""
        child: cst.CSTNode = node
        current = self.parent(node)
        while current is not None:
            line = self.line(node)
            if isinstance(current, (cst.Lambda, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
                raise SiteRefusal("the call is inside a lambda or comprehension", line)
            if isinstance(current, cst.BooleanOperation) and child is current.right:
                raise SiteRefusal("the call is on the right of `and`/`or`", line)
            if isinstance(current, cst.IfExp) and child is not current.test:
                raise SiteRefusal("the call is in a branch of a conditional expression", line)
            if isinstance(current, cst.SimpleStatementLine):
                if len(current.body) != 1:
                    raise SiteRefusal("the call shares its line with other statements", line)
                return current
            if isinstance(current, cst.While):
                raise SiteRefusal("the call is in a `while` condition", line)
            if isinstance(current, cst.If):
                parent = self.parent(current)
                if isinstance(parent, cst.If) and parent.orelse is current:
                    raise SiteRefusal("the call is in an `elif` condition", line)
                return current
            if isinstance(current, (cst.For, cst.With)):
                return current
            if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.SimpleStatementSuite)):
                raise SiteRefusal("the call is not in a statement that can be rewritten", line)
            child, current = current, self.parent(current)
        raise SiteRefusal("the call is not inside a statement", self.line(node))

    def block_of(self, statement: cst.CSTNode) -> tuple[cst.CSTNode, int]:
        block = self.parent(statement)
        if isinstance(block, (cst.IndentedBlock, cst.Module)):
            return block, list(block.body).index(statement)  # type: ignore[arg-type]  # the statement is one of the block's statements
        raise SiteRefusal("the call's statement is not in a block", self.line(statement))

    def scope_of(self, node: cst.CSTNode) -> cst.CSTNode:
        current = self.parent(node)
        while current is not None and not isinstance(current, (cst.FunctionDef, cst.Module)):
            if isinstance(current, cst.ClassDef):
                raise SiteRefusal("the call is in a class body", self.line(node))
            current = self.parent(current)
        assert current is not None
        return current

    def names(self, scope: cst.CSTNode) -> ScopeNames:
        if scope not in self.scope_names:
            self.scope_names[scope] = (
                function_scope_names(scope) if isinstance(scope, cst.FunctionDef) else module_scope_names(self.module)
            )
        return self.scope_names[scope]

    def statements_between(self, first: cst.CSTNode, last: cst.CSTNode) -> Optional[list[cst.CSTNode]]:
        """Statements of ``first``'s block strictly after it and up to (excluding) the one that
        holds ``last``; None if ``last`` is not after ``first`` in that block."""
        block, index = self.block_of(first)
        holder = last
        while self.parent(holder) is not block:
            holder = self.parent(holder)  # type: ignore[assignment]  # None ends the loop just below
            if holder is None:
                return None
        body = list(block.body)  # type: ignore[attr-defined]  # block_of answered an IndentedBlock or Module
        position = body.index(holder)
        if position <= index:
            return None
        return body[index + 1 : position]

    def loops_between(self, node: cst.CSTNode, block: cst.CSTNode) -> bool:
        current = self.parent(node)
        while current is not None and current is not block:
            if isinstance(
                current,
                (cst.For, cst.While, cst.Lambda, cst.FunctionDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp),
            ):
                return True
            current = self.parent(current)
        return False

    # --- the labels argument ----------------------------------------------------------------
    def split_labels(
        self, call: cst.Call, signature: Signature, known_keys: Optional[tuple[str, ...]], line: int,
        passed_keys: Optional[tuple[str, ...]] = None,
    ) -> tuple[list[cst.Arg], cst.BaseExpression]:
        """The call's arguments without the labels, and the labels. ``known_keys``: all the
        keys the unpacked dict holds; ``passed_keys``: those its visible callers give it."""
        args = list(call.args)
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value == signature.spelled:
                return without_args(args, [index]), arg.value
        positional_names = signature.positional_names
        if LABELS_PARAM in positional_names:
            wanted = positional_names.index(LABELS_PARAM)
            seen = 0
            for index, arg in enumerate(args):
                if arg.star == "*":
                    raise SiteRefusal("labels reach forward through *args", line)
                if arg.keyword is None and arg.star == "":
                    if seen == wanted:
                        return without_args(args, [index]), arg.value
                    seen += 1
        elif signature.var_positional and sum(1 for a in args if a.keyword is None and not a.star) > len(positional_names):
            raise SiteRefusal("labels are an extra positional argument of a forward with *args", line)
        else:
            extra = [i for i, a in enumerate(args) if a.keyword is None and not a.star][len(positional_names) :]
            if len(extra) == 1 and not any(a.star == "*" for a in args):
                return without_args(args, extra), args[extra[0]].value
        double = [i for i, a in enumerate(args) if a.star == "**"]
        if len(double) == 1 and not any(a.star == "*" for a in args):
            source = args[double[0]].value
            if not is_simple(source):
                raise SiteRefusal("labels come from a `**` expression that is not a plain name", line)
            # A dict of known keys gives labels under forward's own name for them (`label`).
            key_name = signature.spelled if signature.spelled in (known_keys or passed_keys or ()) else LABELS_PARAM
            labels = cst.Subscript(
                value=source, slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(f'"{key_name}"')))]
            )
            if known_keys is not None:
                replacement = [
                    cst.Arg(
                        keyword=cst.Name(key),
                        value=cst.Subscript(value=source, slice=[cst.SubscriptElement(cst.Index(cst.SimpleString(f'"{key}"')))]),
                        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
                        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
                    )
                    for key in known_keys
                    if key != key_name and key.isidentifier()
                ]
                if len(replacement) != len([k for k in known_keys if k != key_name]):
                    raise SiteRefusal("the batch has keys that are not identifiers", line)
            else:
                comprehension = cst.parse_expression(
                    f'{{k: v for k, v in {code_of(source)}.items() if k != "{key_name}"}}'
                )
                replacement = [cst.Arg(value=comprehension, star="**")]
            new_args = args[: double[0]] + replacement + args[double[0] + 1 :]
            if replacement:
                new_args[double[0] + len(replacement) - 1] = new_args[double[0] + len(replacement) - 1].with_changes(
                    comma=args[double[0]].comma
                )
            else:
                new_args = without_args(args, double)
            return new_args, labels
        if any(a.star == "*" for a in args):
            raise SiteRefusal("labels reach forward through *args", line)
        raise SiteRefusal("cannot tell which argument is labels", line)

    def input_arguments(
        self, call: cst.Call, receiver: cst.BaseExpression, plan: SitePlan, known_keys: Optional[tuple[str, ...]], line: int
    ) -> dict[str, cst.BaseExpression]:
        """What this call gave each parameter the loss reads (``plan.inputs``): its argument,
        a key of the dict it unpacks, or the default forward gave it. Raises ``SiteRefusal``
        where that cannot be read again after the call as the same value."""
        found: dict[str, cst.BaseExpression] = {}
        positional = [a for a in call.args if a.keyword is None and not a.star]
        unpacked = [a.value for a in call.args if a.star == "**"]
        names = plan.signature.positional_names
        for name, default in plan.inputs:
            no_value = SiteRefusal(f"the loss reads `{name}`, and this call gives it no value that can be read again", line)
            value = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)
            if value is None and name in names and names.index(name) < len(positional):
                value = positional[names.index(name)].value
            if value is None and any(a.star == "*" for a in call.args):
                raise SiteRefusal(f"the loss reads `{name}`, which may reach forward through *args", line)
            if value is None and len(unpacked) == 1 and is_simple(unpacked[0]):
                # A read of the mapping `**` unpacked (a plain name): `.get` of it has no effects.
                read = self.unpacked_input(unpacked[0], name, default, known_keys)
                if read is None:
                    raise no_value
                found[name] = read
                continue
            if value is None and unpacked:
                raise SiteRefusal(f"the loss reads `{name}`, which may come from a `**` expression that is not a plain name", line)
            if value is None and default is not None:
                value = cst.parse_expression(default)
            if value is None:
                raise no_value
            if not is_pure(value, self.module_imports):
                raise SiteRefusal(f"the loss reads `{name}`, and the argument `{code_of(value)}` may have side effects", line)
            # Read again after the call, a part of something forward was given (the model, an
            # argument passed whole) may be what forward changed: `model.last`, `batch.mask`.
            given_whole = names_in(receiver) | {a.value.value for a in call.args if isinstance(a.value, cst.Name)}
            if not isinstance(value, cst.Name) and names_in(value) & given_whole:
                raise SiteRefusal(f"the loss reads `{name}`, and `{code_of(value)}` is part of what the call gives forward, which may change it", line)
            found[name] = value
        return found

    @staticmethod
    def unpacked_input(source: cst.BaseExpression, name: str, default: Optional[str], known_keys: Optional[tuple[str, ...]]) -> Optional[cst.BaseExpression]:
        """``batch["mask"]`` for a parameter filled from ``**batch``: by key where its keys are
        known or the parameter is required, else ``batch.get("mask", default)`` (what ``**``
        binds: the key, or the default)."""
        key = cst.SimpleString(f'"{name}"')
        by_key = cst.Subscript(value=source, slice=[cst.SubscriptElement(cst.Index(key))])
        if known_keys is not None:
            if name in known_keys:
                return by_key
            return None if default is None else cst.parse_expression(default)
        if default is None:
            return by_key  # a required parameter the call fills from the dict: the dict has the key
        return cst.Call(func=cst.Attribute(value=source, attr=cst.Name("get")), args=[cst.Arg(key), cst.Arg(cst.parse_expression(default))])

    # --- criterion and names ----------------------------------------------------------------
    def criterion_name(
        self, plan: SitePlan, scope: cst.CSTNode, statement: cst.CSTNode, self_expr: Optional[cst.BaseExpression] = None
    ) -> Optional[str]:
        if plan.criterion is None:
            return None
        # A criterion built from the model's attributes (`label_smoothing=self.args.ls`) reads
        # them on the model that was called.
        constructor = substitute(plan.criterion, {"self": self_expr}) if self_expr is not None else plan.criterion
        code = code_of(constructor)
        line = self.line(statement)
        existing = self.existing_criterion(scope, statement, code if not plan.reuse_scope_criterion else None)
        if existing:
            return existing
        block, index = self.block_of(statement)
        anchor = statement
        if plan.criterion_is_constant:
            current = self.parent(statement)
            while current is not None and current is not scope:
                if isinstance(current, (cst.For, cst.While)):
                    anchor = current
                current = self.parent(current)
        anchor_block, anchor_index = self.block_of(anchor)
        for slot in self.criteria.get(scope, []):
            if slot.code == code and self.dominates(slot.block, slot.index, anchor):
                return slot.name
        self.import_names(plan.criterion_imports, plan.home_module, line)
        name = self.names(scope).fresh("criterion", line)
        self.names(scope).taken.add(name)
        self.criteria.setdefault(scope, []).append(_CriterionSlot(name, code, anchor_block, anchor_index))
        self.edits.add_before(anchor, assign(cst.Name(name), constructor))
        return name

    def dominates(self, block: cst.CSTNode, index: int, statement: cst.CSTNode) -> bool:
        """Does the statement at ``block[index]`` always run before ``statement``?"""
        current: Optional[cst.CSTNode] = statement
        while current is not None:
            parent = self.parent(current)
            if parent is block:
                return list(block.body).index(current) >= index  # type: ignore[attr-defined]  # block: an IndentedBlock or Module (block_of)
            current = parent
        return False

    def existing_criterion(self, scope: cst.CSTNode, statement: cst.CSTNode, code: Optional[str]) -> Optional[str]:
        """A criterion the code already has: bound once by a top-level line of the scope (or of
        the module, for a function that does not rebind the name) before the call, to the
        identical constructor (``code``), or, when ``code`` is None, to any loss object."""
        holders: list[cst.CSTNode] = [scope]
        if isinstance(scope, cst.FunctionDef):
            holders.append(self.module)
        for holder in holders:
            block = holder.body if isinstance(holder, cst.FunctionDef) else holder
            body = list(block.body)  # type: ignore[attr-defined]  # block_of answered an IndentedBlock or Module
            counts: dict[str, int] = {}
            for item in body:
                target = single_name_target(item)
                if target:
                    counts[target[0]] = counts.get(target[0], 0) + 1
            for position, item in enumerate(body):
                target = single_name_target(item)
                if target is None or counts[target[0]] != 1:
                    continue
                name, value = target
                matches = code_of(value) == code if code is not None else is_criterion_constructor(value)
                if not matches:
                    continue
                if holder is scope and not self.dominates(block, position, statement):
                    continue
                if holder is not scope and name in bound_names(scope, params=True, nested=True):
                    continue
                return name
        if code is None and isinstance(scope, cst.FunctionDef):
            for param in scope.params.params:
                if param.name.value in ("criterion", "loss_fn", "loss_fct", "loss_func", "loss_function"):
                    return param.name.value
        return None

    def in_home(self, plan: SitePlan) -> bool:
        """Is this file the one the class's module is: its names need no import here?"""
        return plan.home_module == self.module_name

    def import_names(self, imports: dict[str, ImportSpec], home_module: str, line: int) -> None:
        if home_module == self.module_name:
            return
        needed = imports_to_add(imports, self.module_imports, self.names(self.module).taken)
        if isinstance(needed, Refusal):
            raise SiteRefusal(needed.reason, line)
        self.edits.imports |= needed

    # --- the rewrite ------------------------------------------------------------------------
    def plan_site(self, line: int, column: int, shape: CallShape, plan: SitePlan, wrapped: bool = False, maybe_bare: bool = False) -> None:
        """Plan the rewrite of the call at ``line``, ``column`` (0-based, in characters), written
        as ``shape``; ``wrapped``: the model is in DataParallel there, ``maybe_bare``: on some
        paths only. Raises ``SiteRefusal`` when the call cannot be rewritten exactly."""
        via = shape.via
        call = self.calls.get((line, column))
        if call is None:
            raise SiteRefusal("could not find the call in the source", line)
        statement = self.statement_of(call)
        if statement in self.claimed:
            raise SiteRefusal("two model calls in one statement", line)
        scope = self.scope_of(statement)
        if via is CallVia.SELF:
            receiver: cst.BaseExpression = cst.Name("self")
        elif via is CallVia.FORWARD:
            receiver = call.func.value  # type: ignore[attr-defined]  # via FORWARD: the call is `x.forward(...)`, an Attribute
        else:
            receiver = call.func
        self_expr: cst.BaseExpression = cst.Attribute(value=receiver, attr=cst.Name("module")) if wrapped else receiver
        if wrapped and maybe_bare:
            # Wrapped in DataParallel on some paths only (`if n_gpu > 1:`): the model either way.
            self_expr = cst.parse_expression(f'getattr({code_of(receiver)}, "module", {code_of(receiver)})')
        if plan.labelless_shape is not None:
            derived = plan.labelless_shape.derived
            if derived is not None and "self" in names_in(derived) and not is_simple(receiver):
                raise SiteRefusal("the model is not a plain variable or attribute", line)
            if derived is not None:
                needed = names_in(derived)
                self.import_names({k: v for k, v in plan.imports.items() if k in needed}, plan.home_module, line)
            self.plan_labelless_site(call, statement, scope, plan, plan.labelless_shape, line, self_expr)
            return
        # Keys known only from the calls seen are not all a dict passed here may hold: the
        # rewrite keeps the dict whole but for the labels.
        known_keys = None if shape.double_star_keys_passed else shape.double_star_keys
        new_args, labels = self.split_labels(call, plan.signature, known_keys, line, shape.double_star_keys)
        self.refuse_labels(labels, call, plan, receiver, line)
        self.import_names(plan.imports, plan.home_module, line)
        site = _Site(
            self, call, statement, scope, plan, labels, receiver, self_expr, call.with_changes(args=new_args),
            self.criterion_name(plan, scope, statement, self_expr), line,
            inputs=self.input_arguments(call, receiver, plan, known_keys, line),
        )
        for extra in plan.extras:
            # Bound at the call and read by the loss, wherever a reader puts it: held to the
            # end of the scope.
            name = site.names.fresh(extra, site.first_line)
            site.names.introduce(name, self.end_line(scope))
            site.extra_names[extra] = name
        if plan.kept is not None:
            plan_kept_site(self, site)
            return
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
        if isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1:
            replacement = self.assigned_site(site, small.targets[0].target)
            if replacement is None:
                return
        elif isinstance(small, cst.Return) and small.value is call:
            if plan.shape.kind is ResultKind.HF_OUTPUT:
                raise SiteRefusal("the call's HF-style output is returned whole", line)
            replacement = site.rebuilt()
        elif isinstance(small, cst.Expr) and small.value is call:
            replacement = [statement.with_changes(body=[small.with_changes(value=site.new_call)])]
        else:
            self.nested_site(site)
            return
        self.edits.replace[statement] = replacement
        self.claimed.add(statement)

    def refuse_labels(self, labels: cst.BaseExpression, call: cst.Call, plan: SitePlan, receiver: cst.BaseExpression, line: int) -> None:
        """Raise ``SiteRefusal`` when the loss cannot be computed after this call exactly: the
        labels may be None or have side effects, or the loss needs a model that is not a name."""
        if isinstance(labels, cst.Name) and labels.value == "None":
            raise SiteRefusal("the call passes `labels=None`, so forward computes no loss there", line)
        if plan.labels_optional and self.may_be_none(labels, call):
            raise SiteRefusal(f"the labels `{code_of(labels)}` may be None here, and forward computed no loss then", line)
        if not is_pure(labels, self.module_imports):
            raise SiteRefusal(f"the labels argument `{code_of(labels)}` may have side effects", line)
        if (
            "self" in names_in(plan.loss_template)
            or (plan.criterion is not None and "self" in names_in(plan.criterion))
            or (plan.seen_prediction is not None and "self" in names_in(plan.seen_prediction))
        ):
            if not is_simple(receiver):
                raise SiteRefusal("the model is not a plain variable or attribute", line)

    def assigned_site(self, site: "_Site", target: cst.BaseAssignTargetExpression) -> Optional[list[cst.BaseStatement]]:
        """``target = model(...)``: the new lines, or None when the readers of ``target`` were
        rewritten instead (``plan_readers``)."""
        plan, names = site.plan, site.names
        if plan.shape.kind is ResultKind.LOSS:
            return site.rebuilt()
        if isinstance(target, cst.Name) and self.plan_readers(
            target, site.statement, site.scope, plan, site.new_call, site.loss_of, site.call_reads, site.receiver, site.seen, site.bound
        ):
            return None
        if (
            plan.shape.kind in (ResultKind.TUPLE, ResultKind.HF_OUTPUT)
            and isinstance(target, (cst.Tuple, cst.List))
            and len(target.elements) == 2
            and all(isinstance(e.value, cst.Name) for e in target.elements)
        ):
            loss_index = plan.shape.loss_key if plan.shape.kind is ResultKind.TUPLE else 0
            assert isinstance(loss_index, int)  # a tuple's keys are positions
            loss_target, predicted = target.elements[loss_index].value, target.elements[1 - loss_index].value
            assert isinstance(loss_target, cst.Name) and isinstance(predicted, cst.Name)  # checked above
            prediction = predicted.value
            read_as = prediction
            # `loss, prev = model(x, prev, y)`: the loss reads the argument `prev` after the call.
            clash = prediction in names_in(site.call_reads) | names_in(site.receiver)
            if prediction == "_" or clash or (
                # `loss, prob = model(x, y)`, forward now returning the logits the loss is
                # computed on: they get their own name, and `prob` is computed from them.
                plan.seen_prediction is not None and prediction != plan.preferred_prediction
            ):
                prediction = names.fresh(plan.preferred_prediction, site.first_line)
                names.introduce(prediction, site.last_line + 1)
            replacement: list[cst.BaseStatement] = [site.prediction_line(prediction)]
            if loss_target.value != "_":
                replacement.append(site.plain(assign(loss_target, site.loss_of(prediction))))
            if (plan.seen_prediction is not None or clash) and read_as != "_":
                replacement.append(site.plain(assign(cst.Name(read_as), site.seen(prediction))))
            return replacement
        if plan.shape.kind is ResultKind.HF_OUTPUT and isinstance(target, cst.Name):
            return self.hf_whole_result(target, site.statement, site.scope, site.loss_of, site.prediction_line)
        return site.rebuilt()

    def nested_site(self, site: "_Site") -> None:
        """A call inside a larger expression (``model(x, y).mean()``, ``out = model(x, y)[0]``):
        the prediction goes on a line of its own before the statement, and the call (or its
        reader) becomes the loss or the prediction."""
        call, statement, plan = site.call, site.statement, site.plan
        prediction = site.names.fresh(plan.preferred_prediction, site.first_line)
        site.names.introduce(prediction, site.last_line + 1)
        parent = self.parent(call)
        key = reader_key(parent, call)
        if key is not None and plan.shape.kind is not ResultKind.LOSS:
            role = role_of_key(plan.shape, key)
            if role is None:
                raise SiteRefusal(f"the call's result is read as `{code_of(parent)}`", site.line)  # type: ignore[arg-type]  # reader_key found a key: parent is its reader
            value = site.loss_of(prediction) if role == "loss" else site.seen(prediction)
            self.edits.replace[parent] = value if is_atom(value) else parenthesize(value)  # type: ignore[index]  # likewise
        else:
            value = site.packed(site.loss_of(prediction), prediction)
            self.edits.replace[call] = value if is_atom(value) else parenthesize(value)
        # The statement itself stays (only its call is replaced, inside it); the comments
        # and blank lines above it move above the inserted line when the edits apply.
        inserted = site.prediction_line(prediction) if isinstance(statement, cst.SimpleStatementLine) else assign(site.bound(prediction), site.new_call)
        self.edits.add_before(statement, inserted.with_changes(leading_lines=()))
        self.claimed.add(statement)

    def plan_labelless_site(
        self,
        call: cst.Call,
        statement: cst.BaseStatement,
        scope: cst.CSTNode,
        plan: SitePlan,
        packing: ResultShape,
        line: int,
        self_expr: cst.BaseExpression,
    ) -> None:
        """A call without labels, whose result forward used to pack (``{"logits": logits}``,
        ``(None, logits)``) and now returns bare: ``out["logits"]`` becomes ``out``,
        ``_, logits = model(x)`` becomes ``logits = model(x)``. Reading anything else (the
        loss, which was None) or the result whole is refused. Where forward computed that
        prediction from what it returns now (``prob = F.softmax(logits)``), the call site
        computes it: ``prob = model(x)`` becomes ``prob = F.softmax(model(x))``."""
        derived = packing.derived
        if derived is not None:
            uses = sum(1 for n in name_nodes(derived) if n.value == plan.prediction_placeholder)
            if uses != 1:
                raise SiteRefusal(
                    f"without labels, forward returned `{code_of(derived)}`, which reads `{plan.prediction_placeholder}` "
                    "more than once",
                    line,
                )
        # `model(x, labels=None)` ran forward without labels: the new forward takes none.
        args = list(call.args)
        none_labels = [i for i, a in enumerate(args) if _is_labels_none(a)]
        stripped = call.with_changes(args=without_args(args, none_labels)) if none_labels else call
        if plan.extras:
            # forward now returns the prediction first, then what only the loss reads.
            def before(value: cst.BaseExpression) -> cst.BaseExpression:
                first = cst.Subscript(value, [cst.SubscriptElement(cst.Index(cst.Integer("0")))])
                return as_before(derived, plan.prediction_placeholder, self_expr, first)
        else:
            before = functools.partial(as_before, derived, plan.prediction_placeholder, self_expr)
        before_of = functools.partial(_before_stripped, before, call, stripped)
        small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) else None
        if isinstance(small, cst.Expr) and small.value is call:
            if stripped is not call:
                self.edits.replace[call] = stripped
                self.claimed.add(statement)
            return  # the result is not used
        if packing.kind is ResultKind.BARE:
            self.edits.replace[call] = before_of(call)
            self.claimed.add(statement)
            return
        parent = self.parent(call)
        key = reader_key(parent, call)
        if key is not None:
            if labelless_role(packing, key) != "prediction":
                raise SiteRefusal(unpacked_reason(code_of(parent), packing), line)  # type: ignore[arg-type]  # reader_key found a key: parent is its reader
            self.edits.replace[parent] = before_of(call)  # type: ignore[index]  # likewise
            self.claimed.add(statement)
            return
        if not (isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1):
            raise SiteRefusal("the result of a call without labels is used whole, and forward packed it", line)
        target = small.targets[0].target
        if isinstance(target, (cst.Tuple, cst.List)) and packing.kind is ResultKind.TUPLE and len(target.elements) == packing.size:
            self.labelless_unpacked(statement, small, target, packing, before_of(call), line)
        elif isinstance(target, cst.Name):
            self.labelless_readers(call, statement, small, scope, target, packing, before_of, derived is not None, line)
        else:
            raise SiteRefusal("the result of a call without labels is unpacked, and forward packed it", line)
        self.claimed.add(statement)

    def labelless_unpacked(
        self, statement: cst.BaseStatement, small: cst.Assign, target: Union[cst.Tuple, cst.List], packing: ResultShape,
        value: cst.BaseExpression, line: int,
    ) -> None:
        """``_, logits = model(x)``: the prediction's name takes the call, the others what they
        held without labels (None, or a placeholder's constant)."""
        elements = [e.value for e in target.elements if not isinstance(e, cst.StarredElement) and isinstance(e.value, cst.Name)]
        if len(elements) != len(target.elements) or not isinstance(packing.prediction_key, int):
            raise SiteRefusal("the result of a call without labels is unpacked into something other than names", line)
        prediction = elements[packing.prediction_key]
        others = [e for i, e in enumerate(elements) if i != packing.prediction_key and e.value != "_"]
        replacement: list[cst.BaseStatement] = [
            statement.with_changes(body=[small.with_changes(targets=[cst.AssignTarget(prediction)], value=value)])
        ]
        # What was unpacked beside the prediction was the loss forward did not compute: it keeps that value.
        replacement += [assign(other, cst.parse_expression(packing.filler)).with_changes(leading_lines=()) for other in others]
        self.edits.replace[statement] = replacement

    def labelless_readers(
        self, call: cst.Call, statement: cst.BaseStatement, small: cst.Assign, scope: cst.CSTNode, target: cst.Name,
        packing: ResultShape, before_of: Callable[[cst.BaseExpression], cst.BaseExpression], derived: bool, line: int,
    ) -> None:
        """``out = model(x)`` read only as the prediction (``out["logits"]``): the readers read
        ``out``, or ``out = model(x)`` + ``logits = out["logits"]`` become one line."""
        stmt_end = self.end_line(statement)
        readers: list[cst.CSTNode] = []
        uses = self.binding_uses(scope, target, statement)
        if uses is None:
            raise SiteRefusal(f"`{target.value}` may be rebound between the call without labels and its readers", line)
        for use in uses:
            if self.line(use) <= stmt_end or self.enclosing_function(use) is not (scope if isinstance(scope, cst.FunctionDef) else None):
                raise SiteRefusal(f"`{target.value}` is used outside the lines after the call without labels", line)
            reader = self.parent(use)
            read_key = reader_key(reader, use)
            if labelless_role(packing, read_key) != "prediction":
                what = code_of(reader) if read_key is not None else target.value  # type: ignore[arg-type]  # a use of a name has a parent
                raise SiteRefusal(
                    f"{unpacked_reason(what, packing)} (line {self.line(use)})"
                    if read_key is not None
                    else f"the result of a call without labels is used whole ({self.line(use)}), and forward packed it",
                    line,
                )
            readers.append(reader)  # type: ignore[arg-type]  # likewise
        block, index = self.block_of(statement)
        following = list(block.body)[index + 1 : index + 2]  # type: ignore[attr-defined]  # block_of answered an IndentedBlock or Module
        collapsed = single_name_target(following[0]) if following else None
        if len(readers) == 1 and collapsed is not None and collapsed[1] is readers[0]:
            # `out = model(x)` + `logits = out["logits"]`: one line, `logits = model(x)`.
            self.edits.replace[statement] = [
                statement.with_changes(
                    body=[small.with_changes(targets=[cst.AssignTarget(cst.Name(collapsed[0]))], value=before_of(call))]
                )
            ]
            self.edits.remove.add(following[0])
            return
        if derived or before_of(call) is not call:
            # Computed once, where the call is: every reader then reads that one value (and
            # the call loses its `labels=None`).
            self.edits.replace[call] = before_of(call)
        for reader in readers:
            self.edits.replace[reader] = cst.Name(target.value)

    def hf_whole_result(
        self,
        target: cst.Name,
        statement: cst.BaseStatement,
        scope: cst.CSTNode,
        loss_of: Callable[[str], cst.BaseExpression],
        prediction_line: Callable[[str], cst.SimpleStatementLine],
    ) -> list[cst.BaseStatement]:
        """FL002: ``out = model(x, labels=y)`` where ``out`` is never read as ``.loss``/``.logits``.
        Either the loop already treats ``out`` as the prediction (passes it to a criterion with
        the labels), so only the labels go; or it treats it as the loss (``out.backward()``)."""
        name = target.value
        uses = [n for n in self.name_uses(scope, name) if n is not target]
        as_loss = "loss" in name.lower() or any(
            isinstance(self.parent(n), cst.Attribute) and self.parent(n).attr.value == "backward"  # type: ignore[union-attr]  # the isinstance just before
            for n in uses
        )
        if not as_loss:
            return [prediction_line(name)]
        prediction = self.names(scope).fresh("logits", self.line(statement))
        self.names(scope).introduce(prediction, self.end_line(statement) + 1)
        return [prediction_line(prediction), assign(cst.Name(name), loss_of(prediction)).with_changes(leading_lines=())]

    def binding_uses(self, scope: cst.CSTNode, target: cst.Name, statement: cst.CSTNode) -> Optional[list[cst.Name]]:
        """The uses of the name ``target`` binds at ``statement`` that may read this binding:
        a use that another plain rebinding (``name = ...``) always reaches first is another
        binding's (two loops that each do ``outputs = model(...)``). None when a rebinding may
        or may not come between (inside an ``if``, or on a loop's next turn)."""
        uses = [n for n in self.name_uses(scope, target.value) if n is not target]
        stores = [n for n in uses if self.is_store(n)]
        kept: list[cst.Name] = []
        for use in uses:
            if use in stores:
                continue
            before = [s for s in stores + [target] if self.line(s) < self.line(use)]
            if not before:
                kept.append(use)  # before our line: ours reaches it only round a loop (refused later)
                continue
            latest = max(before, key=self.line)
            if latest is not target:
                if self.shadows(latest, use):
                    continue  # another binding's use
                return None
            if any(self.loop_carries(store, use, statement) for store in stores):
                return None
            if not self.shadows(target, use) and any(self.line(s) < self.line(statement) for s in stores):
                return None  # an earlier binding may reach it past ours
            kept.append(use)
        return kept

    def loop_carries(self, store: cst.CSTNode, use: cst.CSTNode, statement: cst.CSTNode) -> bool:
        """Is there a loop around both ``store`` and ``use`` but not ``statement``, so that the
        store's value reaches the use on the loop's next turn?"""
        mine = set()
        current: Optional[cst.CSTNode] = self.parent(statement)
        while current is not None:
            mine.add(id(current))
            current = self.parent(current)
        around_use = set()
        current = self.parent(use)
        while current is not None:
            if isinstance(current, (cst.For, cst.While)):
                around_use.add(id(current))
            current = self.parent(current)
        current = self.parent(store)
        while current is not None:
            if isinstance(current, (cst.For, cst.While)) and id(current) in around_use and id(current) not in mine:
                return True
            current = self.parent(current)
        return False

    def is_store(self, name: cst.Name) -> bool:
        """``name = ...``: a plain rebinding, as a whole target."""
        parent = self.parent(name)
        return isinstance(parent, cst.AssignTarget) and parent.target is name

    def statement_holding(self, node: cst.CSTNode) -> cst.CSTNode:
        current = node
        while current is not None and not isinstance(current, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            current = self.parent(current)  # type: ignore[assignment]  # None ends the loop
        return current

    def shadows(self, store: cst.Name, use: cst.Name) -> bool:
        """Does the statement of ``store`` always run, after ours, before ``use``: is it in a
        block that holds ``use``, ahead of it? A ``with torch.no_grad():`` around it counts as
        that block's statement: its body always runs to the end (torch's context managers
        swallow no exception)."""
        holder: cst.CSTNode = self.statement_holding(store)
        while True:
            block = self.parent(holder)
            current: Optional[cst.CSTNode] = use
            while current is not None:
                parent = self.parent(current)
                if parent is block:
                    body = list(block.body)  # type: ignore[union-attr]  # a statement's parent is a block: it has a body
                    return body.index(holder) < body.index(current)
                current = parent
            owner = self.parent(block) if block is not None else None
            if not (isinstance(owner, cst.With) and all(_torch_context(item.item) for item in owner.items)):
                return False
            holder = owner

    def name_uses(self, scope: cst.CSTNode, name: str) -> list[cst.Name]:
        root = scope if isinstance(scope, cst.FunctionDef) else self.module
        return [n for n in name_nodes(root) if n.value == name]

    def plan_readers(
        self,
        target: cst.Name,
        statement: cst.BaseStatement,
        scope: cst.CSTNode,
        plan: SitePlan,
        new_call: cst.Call,
        loss_of: Callable[[str], cst.BaseExpression],
        call_reads: cst.BaseExpression,
        receiver: cst.BaseExpression,
        seen: Callable[[str], cst.BaseExpression],
        bound: Callable[[str], cst.BaseAssignTargetExpression],
    ) -> bool:
        """``out = model(...)`` read only as ``out["loss"]``/``out[0]``/``out.logits``: the
        readers become the loss and the prediction, and ``out`` goes away. False when ``out``
        is used in any other way (the caller then rebuilds the old result). A prediction that
        forward computed from what it returns now is computed again where it is read."""
        readers = self.reader_roles(target, statement, scope, plan)
        if readers is None:
            return False
        names = self.names(scope)
        stmt_line = self.line(statement)
        block, index = self.block_of(statement)
        following = list(block.body)[index + 1 : index + 3]  # type: ignore[attr-defined]  # block_of answered an IndentedBlock or Module
        derived = plan.seen_prediction is not None
        unpacked = None if derived else self.unpacked_pair(following[0] if following else None, readers)
        if unpacked is not None and not (set(unpacked) & (names_in(call_reads) | names_in(receiver))):
            # `out = model(x, y)` + `loss, logits = out[0], out[1]`: two plain lines.
            loss_target, prediction_target = unpacked
            self.edits.replace[statement] = [
                statement.with_changes(
                    body=[cst.Assign(targets=[cst.AssignTarget(bound(prediction_target))], value=new_call)],
                    trailing_whitespace=cst.TrailingWhitespace(),
                ),
                assign(cst.Name(loss_target), loss_of(prediction_target)).with_changes(leading_lines=()),
            ]
            self.edits.remove.add(following[0])
            self.claimed.add(statement)
            return True
        prediction, removed = (None, set()) if derived else self.prediction_read_next(following, readers, call_reads, receiver)
        if prediction is None:
            prediction = names.fresh(plan.preferred_prediction, stmt_line)
            last_read = max(self.end_line(node) for node, _ in readers)
            names.introduce(prediction, last_read)
        loss_readers = [node for node, role in readers if role == "loss"]
        replacement: list[cst.BaseStatement] = [
            statement.with_changes(
                body=[cst.Assign(targets=[cst.AssignTarget(bound(prediction))], value=new_call)],
                trailing_whitespace=cst.TrailingWhitespace(),
            )
        ]
        inline = len(loss_readers) == 1 and self.can_inline(statement, loss_readers[0], call_reads, receiver, prediction)
        loss_name: Optional[str] = None
        if loss_readers and not inline:
            loss_name = names.fresh("loss", stmt_line)
            names.introduce(loss_name, max(self.end_line(n) for n in loss_readers))
            replacement.append(assign(cst.Name(loss_name), loss_of(prediction)))
        for node, role in readers:
            if role == "prediction":
                value: cst.BaseExpression = seen(prediction)
            elif inline:
                value = loss_of(prediction)
                value = value if is_atom(value) or is_whole_value(self.parent(node), node) else parenthesize(value)
            else:
                assert loss_name is not None  # a loss reader, not inlined: it reads the new name
                value = cst.Name(loss_name)
            self.edits.replace[node] = value
        for item in removed:
            self.edits.remove.add(item)
        self.edits.replace[statement] = replacement
        self.claimed.add(statement)
        return True

    def reader_roles(
        self, target: cst.Name, statement: cst.BaseStatement, scope: cst.CSTNode, plan: SitePlan
    ) -> Optional[list[tuple[cst.CSTNode, str]]]:
        """Each reader of ``target`` after the call with the role it reads ("loss" or
        "prediction"); None when ``target`` is used any other way, or not at all."""
        stmt_end = self.end_line(statement)
        readers: list[tuple[cst.CSTNode, str]] = []
        uses = self.binding_uses(scope, target, statement)
        if uses is None:
            return None
        for use in uses:
            if self.line(use) <= stmt_end or self.enclosing_function(use) is not (scope if isinstance(scope, cst.FunctionDef) else None):
                return None
            parent = self.parent(use)
            key = reader_key(parent, use)
            role = role_of_key(plan.shape, key) if key is not None else None
            if role is None:
                return None
            readers.append((parent, role))  # type: ignore[arg-type]  # a use of a name has a parent
        if not readers:
            return None
        if plan.seen_prediction is not None and sum(1 for _, role in readers if role == "prediction") > 1:
            return None  # computed once per reader is not one autograd node: rebuild the result once
        return readers

    def prediction_read_next(
        self,
        following: list[cst.CSTNode],
        readers: list[tuple[cst.CSTNode, str]],
        call_reads: cst.BaseExpression,
        receiver: cst.BaseExpression,
    ) -> tuple[Optional[str], set[cst.CSTNode]]:
        """``logits = out.logits`` right after the call (past loss readers): that name can take
        the call, and the line goes; (None, nothing) when no such line can."""
        removed: set[cst.CSTNode] = set()
        prediction: Optional[str] = None
        for item in following:
            found = single_name_target(item)
            if found is None:
                break
            name, value = found
            role = next((r for node, r in readers if node is value), None)
            if role == "prediction" and prediction is None:
                prediction = name
                removed.add(item)
                break
            if role != "loss":
                break
        if prediction is not None:
            between = [s for s in following if s not in removed][: list(following).index(next(iter(removed)))]
            if any(prediction in names_in(s) for s in between) or prediction in names_in(call_reads) | names_in(receiver):
                return None, set()
        return prediction, removed

    def unpacked_pair(self, item: Optional[cst.CSTNode], readers: list[tuple[cst.CSTNode, str]]) -> Optional[tuple[str, str]]:
        """``loss, logits = out[0], out[1]`` right after the call, holding every reader: the
        names the loss and the prediction go to."""
        if len(readers) != 2 or not isinstance(item, cst.SimpleStatementLine) or len(item.body) != 1:
            return None
        line = item.body[0]
        if not (isinstance(line, cst.Assign) and len(line.targets) == 1):
            return None
        target, value = line.targets[0].target, line.value
        if not (isinstance(target, cst.Tuple) and isinstance(value, cst.Tuple) and len(target.elements) == len(value.elements) == 2):
            return None
        names = [e.value for e in target.elements if isinstance(e.value, cst.Name) and e.value.value != "_"]
        if len(names) != 2 or names[0].value == names[1].value:
            return None
        roles = {id(node): role for node, role in readers}
        placed = {roles.get(id(e.value)): n.value for e, n in zip(value.elements, names)}
        if set(placed) != {"loss", "prediction"}:
            return None
        return placed["loss"], placed["prediction"]

    def can_inline(
        self, statement: cst.CSTNode, reader: cst.CSTNode, call_reads: cst.BaseExpression, receiver: cst.BaseExpression, prediction: str
    ) -> bool:
        between = self.statements_between(statement, reader)
        if between is None:
            return False
        block, _ = self.block_of(statement)
        if self.loops_between(reader, block):
            return False
        needed = names_in(call_reads) | names_in(receiver) | {prediction}
        for item in between:
            # A reader moved past this statement would see what it binds or changes in place,
            # what a call there changes (`model.eval()`, `optimizer.step()`, `init.ones_(mask)`),
            # or what it changes through another name for the same object (`v += 1`, `net.p = 0`).
            if needed & bound_names(item, mutations=True) or calls_anything(item) or changes_in_place(item):
                return False
        return True

    def may_be_none(self, labels: cst.BaseExpression, call: cst.Call) -> bool:
        """``batch.get("labels")``, a parameter defaulting to None, or a name ever set to None
        in the function (or module) around the call."""
        if isinstance(labels, cst.Call) and isinstance(labels.func, cst.Attribute) and labels.func.attr.value == "get":
            return True
        if not isinstance(labels, cst.Name):
            return False
        function = self.enclosing_function(call)
        if isinstance(function, cst.FunctionDef) and defaults_to_none(function, labels.value):
            return True
        scope = function if function is not None else self.module
        if re.search(rf"\b{re.escape(labels.value)}\s*=\s*None\b", code_of(scope)) is None:
            return False  # the cheap test first: most code never sets it to None
        return sets_to_none(scope, labels.value)

    def enclosing_function(self, node: cst.CSTNode) -> Union[cst.FunctionDef, cst.Lambda, None]:
        current = self.parent(node)
        while current is not None:
            if isinstance(current, (cst.FunctionDef, cst.Lambda)):
                return current
            current = self.parent(current)
        return None


def _is_labels_none(arg: cst.Arg) -> bool:
    return arg.keyword is not None and arg.keyword.value in (LABELS_PARAM, LABEL_ALIAS) and isinstance(arg.value, cst.Name) and arg.value.value == "None"


def _before_stripped(
    before: Callable[[cst.BaseExpression], cst.BaseExpression], call: cst.Call, stripped: cst.Call, node: cst.BaseExpression
) -> cst.BaseExpression:
    """What a label-less reader becomes, built on the call without its ``labels=None``."""
    return before(stripped if node is call else node)


def _torch_context(manager: cst.BaseExpression) -> bool:
    """``torch.no_grad()``, ``torch.autocast("cpu")``...: a context manager of torch's, which
    lets every exception through."""
    return isinstance(manager, cst.Call) and code_of(manager.func).startswith("torch.")
