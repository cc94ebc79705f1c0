"""FL003: Hugging Face ``Trainer`` trains a custom model whose ``forward`` takes no labels.

Trainer is then the training loop, so the loss goes into it: a ``Trainer`` subclass whose
``compute_loss`` takes the labels out of the batch, calls the model, and applies the criterion::

    trainer = Trainer(model=model, args=args, ...)      class CriterionTrainer(Trainer):
                                                            def compute_loss(self, model, inputs,
                                                                             return_outputs=False, **kwargs):
                                                                labels = inputs["labels"]
                                                                logits = model(**{k: v for k, v in inputs.items() if k != "labels"})
                                                                loss = nn.CrossEntropyLoss()(logits, labels)
                                                                return (loss, {"logits": logits}) if return_outputs else loss

                                                        trainer = CriterionTrainer(model=model, args=args, ...)

``**kwargs`` keeps the override working when Trainer passes ``num_items_in_batch`` (4.46 and
later); for ``return_outputs`` the logits come back in a dict, because ``prediction_step`` drops
the first element of a tuple. ``TrainingArguments(..., label_names=["labels"])`` is added too:
Trainer keeps only the batch columns ``forward`` takes plus ``label_names``, which it infers from
``forward`` — without it the labels column is silently dropped. The criterion is ``--criterion``.

Refuses when the ``TrainingArguments`` cannot be found (``args=`` built elsewhere), when the
Trainer is a subclass that already overrides ``compute_loss``, or when ``forward`` returns a tuple
or dict (the prediction is then not clear). A subclass whose own ``compute_loss`` reads
``labels`` (``labels = inputs.pop("labels")``) already does what the fix would: not reported.
"""

from __future__ import annotations

import ast
from typing import Callable, Optional, Union

from codemod.analysis.callsites import ModelUse
from codemod.analysis.index import ClassKind, ModuleSummary, RepoIndex, module_level_definitions
from codemod.analysis.loss_plan import LABELS_PARAM
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit
from codemod.rules.fl002_labels_passed import Criterion, criterion_on_first_use
from codemod.transforms.cst_tools import calls_by_start, code_of, names_in, single_name_target
from codemod.transforms.edits import FileEdits, ImportSpec, imports_to_add
from codemod.transforms.scopes import module_scope_names

CODE = "FL003"
TRAINER_NAME = "CriterionTrainer"
KNOWN_TRAINERS = ("transformers.", "trl.")

COMPUTE_LOSS = '''
class {name}({base}):
    """Trainer for a model that returns its prediction: the loss is computed here."""

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        labels = inputs["labels"]
        logits = model(**{{k: v for k, v in inputs.items() if k != "labels"}}){prelude}
        {loss_lines}
        return (loss, {{"logits": logits}}) if return_outputs else loss
'''

SMOOTHED_LOSS = '''if self.label_smoother is not None:
            # label_smoothing_factor: Trainer smooths the loss itself, on what forward returned without labels.
            loss = self.label_smoother({labelless}, labels)
        else:
            loss = {loss}'''


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    return lambda module: "Trainer" in module.text


class _FileView:
    """Positions of a module's calls and top-level statements."""

    def __init__(self, tree: cst.Module) -> None:
        wrapper = cst.MetadataWrapper(tree, unsafe_skip_copy=True)
        positions = wrapper.resolve(cst.metadata.PositionProvider)
        self.tree = tree
        self.calls = calls_by_start(positions)
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


def all_statements(tree: cst.CSTNode) -> list[cst.CSTNode]:
    """Every simple statement line in ``tree``, nested blocks included."""
    found: list[cst.CSTNode] = []

    class Lines(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            found.append(node)

    tree.visit(Lines())
    return found


def _with_keyword(call: cst.Call, keyword: str, value: cst.BaseExpression) -> cst.Call:
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
        args[-1] = last.with_changes(comma=between)
        args.append(new.with_changes(comma=last.comma))
    elif isinstance(last.whitespace_after_arg, cst.ParenthesizedWhitespace) and len(args) > 1 and isinstance(args[-2].comma, cst.Comma):
        # One argument per line, the `)` on its own line: the new one goes on a line of its own.
        between = args[-2].comma.whitespace_after
        if isinstance(between, cst.ParenthesizedWhitespace):  # its comment stays with its own line
            between = between.with_changes(first_line=cst.TrailingWhitespace())
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=between), whitespace_after_arg=cst.SimpleWhitespace(""))
        args.append(new.with_changes(whitespace_after_arg=last.whitespace_after_arg))
    else:
        args[-1] = last.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        args.append(new)
    return call.with_changes(args=args)


def find_units(ctx: RuleContext) -> list[Unit]:
    criterion = criterion_on_first_use(ctx.options)
    units: list[Unit] = []
    for use in sorted(ctx.graph.uses, key=lambda u: (u.display_path, u.line, u.column)):
        unit = _unit_for(ctx, use, criterion)
        if unit is not None:
            units.append(unit)
    return units


def _unit_for(
    ctx: RuleContext, use: ModelUse, criterion: Callable[[], Criterion]
) -> Optional[Unit]:
    index = ctx.index
    if len(use.instance.classes) != 1 or use.instance.library:
        return None
    key = next(iter(use.instance.classes))
    if index.kind(key) is not ClassKind.MODULE:
        return None
    owner = index.forward_owner(key)
    signature = index.summary(owner).forward if owner else None
    if signature is None or signature.param(LABELS_PARAM) is not None or signature.param("label") is not None or signature.var_keyword:
        return None  # `label`: the parameter is misnamed (FL006)
    trainer = use.consumer.rpartition(".")[2]
    trainer_key = index.class_key(use.consumer)
    if trainer_key is None and not use.consumer.startswith(KNOWN_TRAINERS):
        return None
    if trainer_key is not None and _compute_loss_reads_labels(index.module_of(trainer_key), trainer_key.name):
        return None  # the user's compute_loss takes the labels out itself: correct code
    message = f"`{trainer}` passes labels to `{owner.name}.forward`, which does not take them"  # type: ignore[union-attr]
    unit = Unit(f"{CODE}:{use.display_path}:{use.line}:{use.column}", Finding(use.display_path, use.line, use.column + 1, CODE, message))
    if index.summary(owner).forward_returns_packed:  # type: ignore[arg-type]
        unit.refusal = f"`{owner.name}.forward` returns a tuple or dict, so the prediction is not clear"  # type: ignore[union-attr]
        return unit
    criterion_call, imports = criterion()
    loss = cst.Call(func=criterion_call, args=[cst.Arg(cst.Name("logits"), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))), cst.Arg(cst.Name("labels"))])
    outcome = trainer_edits(ctx, use, loss, imports)
    if isinstance(outcome, str):
        unit.refusal = outcome
    else:
        unit.edits[use.path] = outcome
    return unit


def _compute_loss_reads_labels(module: ModuleSummary, class_name: str) -> bool:
    """The class's own ``compute_loss`` mentions ``labels`` (a name or the ``"labels"`` key)."""
    for node in module_level_definitions(module.tree.body):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name == "compute_loss":
                    return any(
                        (isinstance(sub, ast.Name) and sub.id == LABELS_PARAM)
                        or (isinstance(sub, ast.Constant) and sub.value == LABELS_PARAM)
                        for sub in ast.walk(item)
                    )
            return False
    return False


UNWRAPPED = "unwrapped_model"
RESERVED = frozenset({"self", "model", "inputs", "return_outputs", "kwargs", "labels", "logits", "loss", "k", "v", UNWRAPPED})


def trainer_edits(
    ctx: RuleContext,
    use: ModelUse,
    loss: cst.BaseExpression,
    imports: dict[str, ImportSpec],
    labelless_return: Optional[cst.BaseExpression] = None,
) -> Union[FileEdits, str]:
    """Edits that make the Trainer of ``use`` compute ``loss`` (an expression in ``logits``,
    ``labels`` and ``model``), or why that cannot be done. Shared with FL001, whose moved loss
    goes here when Trainer is the training loop.

    ``labelless_return``: what forward used to return when called without labels, in terms of
    ``logits``. Trainer's ``label_smoothing_factor`` pops the labels, calls the model without
    them and smooths the loss on that (``outputs["logits"]`` of a dict, else ``outputs[0]``), so
    the override does the same; without it, smoothing is refused."""
    trainer = use.consumer.rpartition(".")[2]
    trainer_key = ctx.index.class_key(use.consumer)
    if trainer_key is not None and "compute_loss" in ctx.index.summary(trainer_key).method_names:
        return f"`{trainer}` already overrides compute_loss; add the loss there by hand"
    if trainer_key is None and not use.consumer.startswith(KNOWN_TRAINERS):
        return f"`{trainer}` is not a Trainer fixlabels knows"
    tree = ctx.parse(use.path)
    if tree is None:
        return "the file does not parse with LibCST"
    view = ctx.cache.get(("trainer-view", use.path))
    if view is None:
        view = ctx.cache[("trainer-view", use.path)] = _FileView(tree)
    call = view.calls.get((use.line, use.column))
    anchor = view.statement_at(use.line)
    if call is None or anchor is None:
        return "could not find the Trainer call in the source"
    if any(a.keyword and a.keyword.value == "compute_loss_func" for a in call.args):
        return "Trainer computes the loss with `compute_loss_func` on what forward returns; move the loss by hand"
    arguments = _training_arguments(view, call, use.line)
    if arguments is None:
        return "could not find the TrainingArguments to add label_names to"
    smoothing = next((a.value for a in arguments.args if a.keyword and a.keyword.value == "label_smoothing_factor"), None)
    smoothed = smoothing is not None and not (isinstance(smoothing, (cst.Integer, cst.Float)) and float(smoothing.value) == 0)
    if smoothed and labelless_return is None:
        return (
            "`label_smoothing_factor` makes Trainer call the model without labels and smooth the loss "
            "itself, so forward's own loss is never used there"
        )
    module = ctx.index.by_path[use.path]
    clashes = sorted(set(imports) & RESERVED)
    if clashes:
        return f"the loss uses the name `{clashes[0]}`, which compute_loss needs for itself"
    needed = imports_to_add(imports, module.imports, view.names.taken)
    if isinstance(needed, str):
        return needed
    edits = FileEdits()
    edits.imports |= needed
    name = view.names.fresh(TRAINER_NAME, 0)
    view.names.taken.add(name)
    # A loss that needs the model's own attributes reads them on the model Trainer wrapped.
    prelude = "\n        unwrapped_model = self.accelerator.unwrap_model(model)" if UNWRAPPED in names_in(loss) else ""
    loss_lines = (
        SMOOTHED_LOSS.format(labelless=code_of(labelless_return), loss=code_of(loss))  # type: ignore[arg-type]
        if smoothed
        else f"loss = {code_of(loss)}"
    )
    class_code = COMPUTE_LOSS.format(name=name, base=code_of(call.func), loss_lines=loss_lines, prelude=prelude)
    class_def = cst.parse_statement(class_code.lstrip("\n"))
    leading = getattr(anchor, "leading_lines", ()) or [cst.EmptyLine(), cst.EmptyLine()]
    edits.add_before(anchor, class_def.with_changes(leading_lines=leading))
    edits.replace[call.func] = cst.Name(name)
    if not any(a.keyword and a.keyword.value == "label_names" for a in arguments.args):
        value = cst.List([cst.Element(cst.SimpleString('"labels"'))])
        edits.replace[arguments] = _with_keyword(arguments, "label_names", value)
    return edits
