"""The loss move that leaves calls without labels as they are (FL101): ``forward`` keeps
returning what it returned without labels, and calls with labels rebuild their old result from
it and the loss (``analysis.kept_result`` reads how the two results relate)::

    def forward(self, x, labels=None):          def forward(self, x):
        outputs = self.encoder(x)                   outputs = self.encoder(x)
        logits = self.fc(outputs[0])                logits = self.fc(outputs[0])
        outputs = (logits,) + outputs[1:]           outputs = (logits,) + outputs[1:]
        if labels is not None:                      return outputs
            loss = F.cross_entropy(logits, labels)
            outputs = (loss,) + outputs
        return outputs

Used where returning the prediction alone would fail a call without labels. None (not kept)
unless the labels-absent path runs exactly the lines the labels-given path keeps once the loss
goes, and its result is the labelled one less the loss (or with a placeholder in its place).
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, TypeAlias

from codemod.analysis.derivations import Flow
from codemod.analysis.index import ModuleSummary
from codemod.analysis.kept_result import Constructor, dataclass_fields, relate, stored_parameters
from codemod.analysis.loss_plan import labels_dependent, locals_of, plan_forward
from codemod.analysis.optional_labels import Views, bare, placeholder_constant, unused_criterion
from codemod.cst.bindings import bound_names
from codemod.cst.nodes import names_in, substitute
from codemod.lazy_libcst import cst
from codemod.model_outputs import declared_fields
from codemod.rules.common import RuleContext, find_class, find_method
from codemod.transforms.edits import apply_edits
from codemod.transforms.forward import forward_edits
from codemod.vocabulary import KeptResult, LossPlan, Signature

Kept: TypeAlias = "tuple[LossPlan, KeptResult, cst.FunctionDef]"  # a string: LibCST loads on first use only
"""``plan_kept``'s answer: the loss plan, how calls with labels rebuild their result, the new ``forward``."""


def plan_kept(
    cls: cst.ClassDef, views: Views, signature: Signature, fields_of: Callable[[str], Optional[Constructor]]
) -> Optional[Kept]:
    """The loss move that leaves calls without labels as they are: the new ``forward`` returns
    what it returned without labels, and the plan of the loss that calls with labels compute
    from it (``analysis.kept_result``). None unless the labels-absent path runs exactly the
    lines the labels-given path keeps once the loss goes, and its result relates to the
    labelled one: the caller then says why the prediction alone cannot be returned."""
    given_last = views.given.body.body[-1]
    absent_body: Sequence[cst.BaseStatement] = views.absent.body.body  # type: ignore[assignment]  # a view's body is an IndentedBlock
    absent_last = absent_body[-1]
    given_result, absent_result = _returned(given_last), _returned(absent_last)
    if given_result is None or absent_result is None:
        return None  # forward does not end in one `return` of a value on both paths
    is_loss = labels_dependent(cls, views.given)
    losses = [value for value in _slot_values(given_result) if is_loss(value)]
    if len(losses) != 1:
        return None  # forward's result with labels holds no loss, or more than one, in slots this reading knows
    # The planner reads a loss returned alone, or beside the one value it may be the prediction of.
    starred = {id(e.value) for e in given_result.elements if isinstance(e, cst.StarredElement)} if isinstance(given_result, cst.Tuple) else set()
    named = [
        v for v in _slot_values(given_result)
        if v is not losses[0] and isinstance(v, cst.Name) and v.value != "None" and id(v) not in starred
    ]
    planned: cst.BaseExpression = losses[0] if len(named) != 1 else cst.Tuple([cst.Element(losses[0]), cst.Element(named[0])])
    loss_only = given_last.with_changes(body=[given_last.body[0].with_changes(value=planned)])  # type: ignore[union-attr]  # _returned checked a `return` line
    given = views.given.with_changes(body=views.given.body.with_changes(body=[*views.given.body.body[:-1], loss_only]))
    plan = plan_forward(cls, given, signature, optional_labels=True)
    if not isinstance(plan, LossPlan):
        return None  # the loss cannot be read apart from the result
    if plan.hoisted_prediction is not None or plan.seen_prediction is not None or plan.source_node is not None:
        return None  # the loss reads a prediction that forward does not keep as a value of its own
    rewritten = apply_edits(cst.Module(body=[plan.forward_node]), forward_edits(plan)).body[0]
    assert isinstance(rewritten, cst.FunctionDef)
    statements = [
        s for s in absent_body if not (isinstance(s, cst.SimpleStatementLine) and bare(s).strip() in views.placeholder_lines)
    ]
    statements = [s for s in statements if not unused_criterion(s, statements)]
    if [bare(s).strip() for s in rewritten.body.body[:-1]] != [bare(s).strip() for s in statements[:-1]]:
        return None  # without labels, forward runs other lines than it keeps once the loss goes
    moved = set().union(*(bound_names(s, mutations=True) for s in plan.removed_statements))
    if any(names_in(value) & moved for value in _slot_values(given_result) if value is not losses[0]):
        return None  # forward's result with labels reads a value the loss's lines assign
    flow = Flow(statements[:-1], locals_of(views.absent))
    kept = relate(
        given_result, absent_result, lambda value: value is losses[0], lambda value: placeholder_constant(value, views, tensors=True) is not None,
        flow, fields_of, (plan.prediction, *plan.extras),
    )
    if kept is None:
        return None  # forward's result with labels is not its result without labels with the loss put in
    still_bound = set().union(*(bound_names(s, mutations=True) for s in statements[:-1]))
    constants = {
        name: cst.parse_expression(constant)
        for name in names_in(absent_result) & views.placeholders - still_bound
        if (constant := placeholder_constant(cst.Name(name), views, tensors=True)) is not None
    }
    returned = substitute(absent_result, constants) if constants else absent_result
    new_return = rewritten.body.body[-1].with_changes(body=[cst.Return(value=returned)])
    body = [*rewritten.body.body[:-1], new_return]
    return plan, kept, rewritten.with_changes(body=rewritten.body.with_changes(body=body))


def _returned(statement: cst.CSTNode) -> Optional[cst.BaseExpression]:
    if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Return):
        return statement.body[0].value
    return None


def _slot_values(result: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The values a result built at the return holds: a tuple's items, a dict's values, an
    object's arguments; the result itself otherwise."""
    if isinstance(result, cst.Tuple):
        return [e.value for e in result.elements]
    if isinstance(result, cst.Dict):
        return [e.value for e in result.elements]
    if isinstance(result, cst.Call):
        return [a.value for a in result.args]
    return [result]


def constructor_fields(ctx: RuleContext, module: ModuleSummary) -> Callable[[str], Optional[Constructor]]:
    """For a class called at ``forward``'s return, in ``module``'s names: its constructor's
    parameters in order, each with the attribute it sets. A Hugging Face output's are its
    declared fields; a project class's are read from an ``__init__`` that only stores its
    parameters (``self.loss = loss``). None for any other class."""

    def fields_of(name: str) -> Optional[Constructor]:
        qualified = module.resolve(name)
        declared = declared_fields(qualified)
        if declared is not None:
            return Constructor(tuple((field, field) for field in declared), model_output=True)
        key = ctx.index.class_key(qualified)
        if key is None:
            return None
        tree = ctx.parse(ctx.index.module_of(key).path)
        if tree is None:
            return None
        found = find_method(tree, key.name, "__init__")
        stored = stored_parameters(*found) if found is not None else None
        if stored is None and found is None:
            cls = find_class(tree, key.name)
            stored = dataclass_fields(cls) if cls is not None else None
        return Constructor(stored) if stored is not None else None

    return fields_of
