"""The loss moves that keep ``forward``'s result but for the loss, and let calls with labels
rebuild their old result from it and the loss (``analysis.kept_result`` reads how the two
results relate). FL101: ``forward`` keeps returning what it returned without labels, so calls
without labels stay as they are (``plan_kept``)::

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

FL001, and FL101 with the loss on every path: a ``forward`` returning more than the loss and
one prediction returns its result less the loss (``plan_less_the_loss``)::

    def forward(self, x, labels):               def forward(self, x):
        hidden = self.body(x)                       hidden = self.body(x)
        logits = self.fc(hidden)                    logits = self.fc(hidden)
        loss = F.cross_entropy(logits, labels)      return logits, hidden
        return loss, logits, hidden

Refused when the result holds two values computed from the labels, when it does not hold a
value the loss reads, or when it is an object whose attributes are not known.
"""

from __future__ import annotations

from typing import Callable, Optional, Sequence, TypeAlias, TypeVar, Union

from codemod.analysis.derivations import Flow
from codemod.analysis.index import ModuleSummary
from codemod.analysis.kept_result import Constructor, dataclass_fields, relate, stored_parameters
from codemod.analysis.loss_plan import labels_dependent, locals_of, plan_forward
from codemod.analysis.optional_labels import Views, bare, placeholder_constant, unused_criterion
from codemod.cst.bindings import bound_names
from codemod.cst.nodes import code_of, names_in, substitute
from codemod.lazy_libcst import cst
from codemod.model_outputs import declared_fields
from codemod.rules.common import RuleContext, find_class, find_method
from codemod.transforms.edits import apply_edits
from codemod.transforms.forward import forward_edits
from codemod.reasons import ForwardReason
from codemod.vocabulary import KeptResult, LossPlan, Refusal, Signature

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
    absent_body: Sequence[cst.BaseStatement] = views.absent.body.body  # type: ignore[assignment]  # a view's body is an IndentedBlock
    absent_result = _returned(absent_body[-1])
    found = _result_and_loss(cls, views.given)
    if isinstance(found, Refusal) or absent_result is None:
        return None
    given_result, loss, named = found
    # The planner reads a loss returned alone, or beside the one value it may be the prediction of.
    moved = _moved_loss(cls, views.given, signature, given_result, loss, named[0] if len(named) == 1 else None)
    if isinstance(moved, Refusal):
        return None
    plan, rewritten = moved
    statements = [
        s for s in absent_body if not (isinstance(s, cst.SimpleStatementLine) and bare(s).strip() in views.placeholder_lines)
    ]
    statements = [s for s in statements if not unused_criterion(s, statements)]
    if [bare(s).strip() for s in rewritten.body.body[:-1]] != [bare(s).strip() for s in statements[:-1]]:
        return None  # without labels, forward runs other lines than it keeps once the loss goes
    flow = Flow(statements[:-1], locals_of(views.absent))
    kept = relate(
        given_result, absent_result, lambda value: value is loss, lambda value: placeholder_constant(value, views, tensors=True) is not None,
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
    return plan, kept, _returning(rewritten, returned)


def plan_less_the_loss(
    cls: cst.ClassDef, func: cst.FunctionDef, signature: Signature, fields_of: Callable[[str], Optional[Constructor]]
) -> Union[Kept, Refusal]:
    """The loss move for a ``forward`` that has one path and returns more than the loss and
    one prediction (``return loss, logits, hidden``; ``Output(loss=loss, logits=logits,
    hidden_states=h)``): the new ``forward`` returns that result less the loss (``return
    logits, hidden``; the loss argument left out of a Hugging Face output, None in any other
    object's), and calls with labels rebuild their old result from it as from a kept one.
    The caller makes sure no call without labels gets it: none got anything but an error or
    the loss of no labels before.

    The loss is read beside each value of the result in turn, as the prediction it may be
    computed from (``raw`` for ``ce(torch.tanh(raw), labels)``), then alone: the first reading
    whose values the result holds is the plan. Refused as the first reading is, or because the
    result does not hold a value the loss reads."""
    found = _result_and_loss(cls, func)
    if isinstance(found, Refusal):
        return found
    given_result, loss, named = found
    less = _less_the_loss(given_result, loss, fields_of)
    if less is None:
        return Refusal.of(ForwardReason.MORE_THAN_LOSS_AND_PREDICTION)
    first: Optional[Refusal] = None
    for companion in [*named, None]:
        moved = _moved_loss(cls, func, signature, given_result, loss, companion)
        if isinstance(moved, Refusal):
            first = first or moved
            continue
        plan, rewritten = moved
        flow = Flow(list(rewritten.body.body[:-1]), locals_of(rewritten))
        needed = (plan.prediction, *plan.extras)
        kept = relate(given_result, less, lambda value: value is loss, _is_none, flow, fields_of, needed)
        if kept is not None:
            return plan, kept, _returning(rewritten, less)
        held = {v.value for v in _slot_values(less) if isinstance(v, cst.Name)}
        lacking = [name for name in needed if name not in held]
        first = first or (Refusal.of(ForwardReason.LOSS_READS_UNRETURNED, name=lacking[0]) if lacking else Refusal.of(ForwardReason.MORE_THAN_LOSS_AND_PREDICTION))
    assert first is not None
    return first


def less_the_loss_or_refusal(
    cls: cst.ClassDef, func: cst.FunctionDef, signature: Signature, fields_of: Callable[[str], Optional[Constructor]]
) -> Union[Kept, Refusal]:
    """``plan_less_the_loss``, where an unforeseen failure is a refusal, never a guess."""
    try:
        return plan_less_the_loss(cls, func, signature, fields_of)
    except Exception as exc:  # unforeseen code: report it refused, never guess
        return Refusal(f"internal error ({type(exc).__name__}: {exc}); please report it")


def _result_and_loss(cls: cst.ClassDef, given: cst.FunctionDef) -> Union[tuple[cst.BaseExpression, cst.BaseExpression, list[cst.Name]], Refusal]:
    """``given``'s result, the one loss it holds, and the other names it holds (not unpacked)."""
    more = Refusal.of(ForwardReason.MORE_THAN_LOSS_AND_PREDICTION)
    given_result = _returned(given.body.body[-1])
    if given_result is None:
        return more  # forward does not end in one `return` of a value
    is_loss = labels_dependent(cls, given)
    losses = [value for value in _slot_values(given_result) if is_loss(value)]
    if len(losses) != 1:
        return more  # forward's result with labels holds no loss, or more than one, in slots this reading knows
    starred = {id(e.value) for e in given_result.elements if isinstance(e, cst.StarredElement)} if isinstance(given_result, cst.Tuple) else set()
    named = [
        v for v in _slot_values(given_result)
        if v is not losses[0] and isinstance(v, cst.Name) and v.value != "None" and id(v) not in starred
    ]
    return given_result, losses[0], named


def _moved_loss(
    cls: cst.ClassDef,
    given: cst.FunctionDef,
    signature: Signature,
    given_result: cst.BaseExpression,
    loss: cst.BaseExpression,
    companion: Optional[cst.Name],
) -> Union[tuple[LossPlan, cst.FunctionDef], Refusal]:
    """The ``loss`` of ``given``'s result read apart from it: the loss plan of the same
    ``forward`` returning the loss beside ``companion`` (the value it may be the prediction of)
    or alone, and that ``forward`` rewritten without the loss's lines. Refused as that plan is,
    else as a result of more than a loss and one prediction."""
    more = Refusal.of(ForwardReason.MORE_THAN_LOSS_AND_PREDICTION)
    given_last = given.body.body[-1]
    planned: cst.BaseExpression = loss if companion is None else cst.Tuple([cst.Element(loss), cst.Element(companion)])
    loss_only = given_last.with_changes(body=[given_last.body[0].with_changes(value=planned)])  # type: ignore[union-attr]  # _returned checked a `return` line
    loss_forward = given.with_changes(body=given.body.with_changes(body=[*given.body.body[:-1], loss_only]))
    plan = plan_forward(cls, loss_forward, signature, optional_labels=True)
    if not isinstance(plan, LossPlan):
        return plan if plan is not None else more  # the loss cannot be read apart from the result
    if plan.hoisted_prediction is not None:
        return Refusal.of(ForwardReason.LOSS_READS_UNRETURNED, name=code_of(plan.hoisted_prediction))
    if plan.seen_prediction is not None:
        return Refusal.of(ForwardReason.LOSS_READS_UNRETURNED, name=plan.prediction)  # the result holds what is computed from it
    if plan.source_node is not None:
        return more  # label conversions inlined in a copy: the caller reads the inlined forward
    rewritten = apply_edits(cst.Module(body=[plan.forward_node]), forward_edits(plan)).body[0]
    assert isinstance(rewritten, cst.FunctionDef)
    moved = set().union(*(bound_names(s, mutations=True) for s in plan.removed_statements))
    if any(names_in(value) & moved for value in _slot_values(given_result) if value is not loss):
        return more  # forward's result with labels reads a value the loss's lines assign
    return plan, rewritten


def _returning(func: cst.FunctionDef, result: cst.BaseExpression) -> cst.FunctionDef:
    """``func`` ending in ``return result`` instead of its own last ``return``."""
    new_return = func.body.body[-1].with_changes(body=[cst.Return(value=result)])
    return func.with_changes(body=func.body.with_changes(body=[*func.body.body[:-1], new_return]))


def _less_the_loss(
    result: cst.BaseExpression, loss: cst.BaseExpression, fields_of: Callable[[str], Optional[Constructor]]
) -> Optional[cst.BaseExpression]:
    """``result`` built without ``loss``: a tuple or dict without its slot, a Hugging Face
    output without its keyword argument; None in place of a positional one, or of any other
    object's. None for a result that is not built at the return."""
    if isinstance(result, cst.Tuple):
        rest = _without(list(result.elements), loss)
        if len(rest) == 1 and not isinstance(rest[0].comma, cst.Comma):
            rest = [rest[0].with_changes(comma=cst.Comma())]  # still a tuple
        return result.with_changes(elements=rest)
    if isinstance(result, cst.Dict):
        return result.with_changes(elements=_without(list(result.elements), loss))
    if isinstance(result, cst.Call):
        constructor = fields_of(code_of(result.func))
        if constructor is None:
            return None
        arg = next(a for a in result.args if a.value is loss)
        if constructor.model_output and arg.keyword is not None:
            return result.with_changes(args=_without(list(result.args), loss))
        return result.with_changes(args=[a.with_changes(value=cst.Name("None")) if a is arg else a for a in result.args])
    return None


_Item = TypeVar("_Item", "cst.BaseElement", "cst.BaseDictElement", "cst.Arg")  # strings: LibCST loads on first use only


def _without(items: list[_Item], value: cst.BaseExpression) -> list[_Item]:
    """``items`` less the one holding ``value``; the last one left ends as the last one did
    (``a,\n)`` keeps its line break)."""
    at = next(i for i, item in enumerate(items) if item.value is value)
    rest = items[:at] + items[at + 1 :]
    if at == len(items) - 1 and rest:
        rest[-1] = rest[-1].with_changes(comma=items[at].comma)
    return rest


def _is_none(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "None"


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
