"""Trainer as the training loop: a ``Trainer`` subclass whose ``compute_loss`` computes the
loss, and ``label_names=["labels"]`` on its ``TrainingArguments``. Shared by FL003 (a model
that never took labels) and FL001/FL101 (a loss moved out of ``forward`` while Trainer
trains the model).

Refuses (returns a ``Refusal``) when the Trainer already overrides ``compute_loss``, is not one
fixlabels knows, passes ``compute_loss_func``, when the ``TrainingArguments`` cannot be found,
or when label smoothing would need what ``forward`` returned without labels and it is unknown.
"""

from __future__ import annotations

import ast

from typing import Optional, Sequence, Union

from codemod.analysis.callsites import ModelUse
from codemod.cst.nodes import all_statements, code_of, names_in, single_name_target
from codemod.cst.positions import Layout
from codemod.cst.scopes import module_scope_names
from codemod.lazy_libcst import cst
from codemod.rules.common import RuleContext
from codemod.transforms.edits import FileEdits, imports_to_add
from codemod.vocabulary import LABELS_PARAM, TRAINER_PACKAGES, ImportSpec, Refusal

TRAINER_NAME = "CriterionTrainer"


COMPUTE_LOSS = '''
class {name}({base}):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{{k: v for k, v in inputs.items() if k != "labels"}}){prelude}
        {loss_lines}
        return (loss, {{"logits": logits}}) if return_outputs else loss
'''


KEPT_COMPUTE_LOSS = '''
class {name}({base}):
    """Trainer for a model whose forward no longer computes the loss: it is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        outputs = model(**{{k: v for k, v in inputs.items() if k != "labels"}}){prelude}
        loss = {loss}
        return (loss, {returned}) if return_outputs else loss
'''
"""For a forward that keeps returning its labels-absent result (``SitePlan.kept``): the loss
is read from it, and evaluation gets back what forward returned with labels."""


SMOOTHED_LOSS = '''if self.label_smoother is not None:
            # label_smoothing_factor: Trainer smooths the loss itself, on what forward returned without labels.
            loss = self.label_smoother({labelless}, labels)
        else:
            loss = {loss}'''


class _FileView:
    """Positions of a module's calls and top-level statements."""

    def __init__(self, layout: Layout) -> None:
        tree, positions = layout.module, layout.positions
        self.tree = tree
        self.calls = layout.calls
        self.top_level = [(positions[s].start.line, positions[s].end.line, s) for s in tree.body]
        self.functions: list[tuple[int, int, cst.FunctionDef]] = []

        class Functions(cst.CSTVisitor):
            def visit_FunctionDef(inner, node: cst.FunctionDef) -> None:  # noqa: N805
                self.functions.append((positions[node].start.line, positions[node].end.line, node))

        tree.visit(Functions())
        self.names = module_scope_names(tree)
        """Shared by every Trainer subclass added to this file, by any rule: no two get one name."""

    def statement_at(self, line: int) -> Optional[cst.CSTNode]:
        return next((s for first, last, s in self.top_level if first <= line <= last), None)


def _base_unbound_at(text: str, head: str, top_level: Sequence[tuple[int, int, object]], line: int) -> Optional[Refusal]:
    """The subclass is defined at module level just above the statement holding the Trainer
    call: its base must be bound there, by top-level statements only. ``Trainer`` imported
    inside an ``if`` (or a function, or below) would raise NameError there: why, or None."""
    start = next((first for first, last, _ in top_level if first <= line <= last), line)
    tree = ast.parse(text)
    top = {id(statement) for statement in tree.body}
    bindings = [
        (node.lineno, id(node) in top)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.ClassDef, ast.FunctionDef))
        and head in _bound_by(node)
    ]
    if any(not at_top or number >= start for number, at_top in bindings):
        number = next(n for n, at_top in bindings if not at_top or n >= start)
        return Refusal(f"`{head}` is bound at line {number}, where a Trainer subclass defined above line {start} cannot see it")
    return None


def _bound_by(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {n.id for target in node.targets for n in ast.walk(target) if isinstance(n, ast.Name)}
    return set()


def _training_arguments(view: _FileView, trainer_call: cst.Call, line: int = 0) -> Optional[cst.Call]:
    value = next((a.value for a in trainer_call.args if a.keyword and a.keyword.value == "args"), None)
    if value is None:
        positional = [a for a in trainer_call.args if a.keyword is None and not a.star]
        value = positional[1].value if len(positional) > 1 else None
    if isinstance(value, cst.Name):
        # The binding in the function around the Trainer call, else in the whole file.
        # The innermost function around the call is the one that starts last.
        around = [(first, f) for first, last, f in view.functions if first <= line <= last]
        holders: list[cst.CSTNode] = ([max(around, key=lambda item: item[0])[1]] if around else []) + [view.tree]
        for holder in holders:
            bound = [
                target[1]
                for target in (single_name_target(s) for s in all_statements(holder))
                if target is not None and target[0] == value.value
            ]
            if bound:
                break
        value = bound[0] if len(bound) == 1 else None
    if isinstance(value, cst.Call) and (code_of(value.func).rpartition(".")[2] == "TrainingArguments"):
        return value
    return None


def with_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
    args = list(call.args)
    new = cst.Arg(
        keyword=cst.Name(keyword),
        value=value,
        equal=cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")),
    )
    if not args:
        return call.with_changes(args=[new])
    last = args[-1]
    if isinstance(last.comma, cst.Comma):
        # A trailing comma: the layout is one argument per line; keep it.
        between = args[-2].comma if len(args) > 1 and isinstance(args[-2].comma, cst.Comma) else last.comma
        closing = last.comma
        own, next_line = last.comma.whitespace_after, between.whitespace_after
        if isinstance(own, cst.ParenthesizedWhitespace) and isinstance(next_line, cst.ParenthesizedWhitespace):
            # Each argument keeps the comment of its own line; the new one goes where the `)`'s
            # line starts, with none.
            between = last.comma.with_changes(whitespace_after=next_line.with_changes(first_line=own.first_line))
            closing = last.comma.with_changes(whitespace_after=own.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=()))
        args[-1] = last.with_changes(comma=between)
        args.append(new.with_changes(comma=closing))
    elif isinstance(last.whitespace_after_arg, cst.ParenthesizedWhitespace) and len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
        # One argument per line, the `)` on its own line: the new one goes on a line of its own.
        after = args[-2].comma.whitespace_after
        if isinstance(after, cst.ParenthesizedWhitespace):  # its comment stays with its own line
            after = after.with_changes(first_line=cst.TrailingWhitespace())
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=after), whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
    return call.with_changes(args=args)


UNWRAPPED = "unwrapped_model"


RESERVED = frozenset({"self", "model", "inputs", "return_outputs", "kwargs", LABELS_PARAM, "logits", "outputs", "loss", "k", "v", UNWRAPPED})


def _subclass_code(
    name: str,
    base: str,
    loss: cst.BaseExpression,
    smoothed_on: Optional[cst.BaseExpression],
    kept_returned: Optional[cst.BaseExpression],
) -> str:
    """The Trainer subclass whose compute_loss computes ``loss``: smoothed as Trainer would on
    ``smoothed_on`` (``label_smoothing_factor``), or for a kept result (``kept_returned``)."""
    # A loss that needs the model's own attributes reads them on the model Trainer wrapped.
    prelude = "\n        unwrapped_model = self.accelerator.unwrap_model(model)" if UNWRAPPED in names_in(loss) else ""
    if kept_returned is not None:
        return KEPT_COMPUTE_LOSS.format(name=name, base=base, loss=code_of(loss), returned=code_of(kept_returned), prelude=prelude)
    loss_lines = (
        SMOOTHED_LOSS.format(labelless=code_of(smoothed_on), loss=code_of(loss)) if smoothed_on is not None else f"loss = {code_of(loss)}"
    )
    return COMPUTE_LOSS.format(name=name, base=base, loss_lines=loss_lines, prelude=prelude)


def trainer_edits(
    ctx: RuleContext,
    use: ModelUse,
    loss: cst.BaseExpression,
    imports: dict[str, ImportSpec],
    labelless_return: Optional[cst.BaseExpression] = None,
    kept_returned: Optional[cst.BaseExpression] = None,
) -> Union[FileEdits, Refusal]:
    """Edits that make the Trainer of ``use`` compute ``loss`` (an expression in ``logits``,
    ``labels`` and ``model``), or why that cannot be done. Shared with FL001, whose moved loss
    goes here when Trainer is the training loop.

    ``labelless_return``: what forward used to return when called without labels, in terms of
    ``logits``. Trainer's ``label_smoothing_factor`` pops the labels, calls the model without
    them and smooths the loss on that (``outputs["logits"]`` of a dict, else ``outputs[0]``), so
    the override does the same; without it, smoothing is refused.

    ``kept_returned``: forward keeps returning its labels-absent result, ``outputs``; ``loss``
    reads it, and this is what evaluation gets back, in ``outputs`` and ``loss``."""
    trainer = use.consumer.rpartition(".")[2]
    trainer_key = ctx.index.class_key(use.consumer)
    if trainer_key is not None and "compute_loss" in ctx.index.summary(trainer_key).method_names:
        return Refusal(f"`{trainer}` already overrides compute_loss; add the loss there by hand")
    if trainer_key is None and not use.consumer.startswith(TRAINER_PACKAGES):
        return Refusal(f"`{trainer}` is not a Trainer fixlabels knows")
    layout = ctx.layout(use.path)
    if layout is None:
        return Refusal("the file does not parse with LibCST")
    view = ctx.cache.get(("trainer-view", use.path))
    if view is None:
        view = ctx.cache[("trainer-view", use.path)] = _FileView(layout)
    call = view.calls.get((use.line, use.column))
    anchor = view.statement_at(use.line)
    if call is None or anchor is None:
        return Refusal("could not find the Trainer call in the source")
    if any(a.keyword and a.keyword.value == "compute_loss_func" for a in call.args):
        return Refusal("Trainer computes the loss with `compute_loss_func` on what forward returns; move the loss by hand")
    arguments = _training_arguments(view, call, use.line)
    if arguments is None:
        return Refusal("could not find the TrainingArguments to add label_names to")
    smoothing = next((a.value for a in arguments.args if a.keyword and a.keyword.value == "label_smoothing_factor"), None)
    smoothed = smoothing is not None and not (isinstance(smoothing, (cst.Integer, cst.Float)) and float(smoothing.value) == 0)
    if smoothed and labelless_return is None:
        return Refusal(
            "`label_smoothing_factor` makes Trainer call the model without labels and smooth the loss "
            "itself, so forward's own loss is never used there"
        )
    module = ctx.index.by_path[use.path]
    clashes = sorted(set(imports) & RESERVED)
    if clashes:
        return Refusal(f"the loss uses the name `{clashes[0]}`, which compute_loss needs for itself")
    needed = imports_to_add(imports, module.imports, view.names.taken)
    if isinstance(needed, Refusal):
        return needed
    edits = FileEdits()
    edits.imports |= needed
    name = view.names.fresh(TRAINER_NAME, 0)
    view.names.taken.add(name)
    unbound = _base_unbound_at(module.text, code_of(call.func).partition(".")[0], view.top_level, use.line)
    if unbound is not None:
        return unbound
    class_code = _subclass_code(name, code_of(call.func), loss, labelless_return if smoothed else None, kept_returned)
    class_def = cst.parse_statement(class_code.lstrip("\n"))
    leading = getattr(anchor, "leading_lines", ()) or [cst.EmptyLine(), cst.EmptyLine()]
    edits.add_before(anchor, class_def.with_changes(leading_lines=leading))
    edits.replace[call.func] = cst.Name(name)
    if not any(a.keyword and a.keyword.value == "label_names" for a in arguments.args):
        value = cst.List([cst.Element(cst.SimpleString(f'"{LABELS_PARAM}"'))])
        edits.replace[arguments] = with_keyword(arguments, "label_names", value)
    return edits

