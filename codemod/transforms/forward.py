"""Rewrite a ``forward`` so it returns the prediction (FL001):

    def forward(self, x, labels):            def forward(self, x):
        logits = self.fc(x)            ->        logits = self.fc(x)
        loss = F.cross_entropy(logits, labels)   return logits
        return loss, logits

and beside it what else the loss reads that no call could compute from it
(``return logits, hidden``: ``LossPlan.extras``).
"""

from __future__ import annotations

from typing import Sequence

from codemod.cst.nodes import assign, tuple_of
from codemod.lazy_libcst import cst
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import LABELS_PARAM, LossPlan


def _without_param(params: cst.Parameters, name: str) -> cst.Parameters:
    def drop(given: Sequence[cst.Param]) -> list[cst.Param]:
        items = list(given)
        for index, param in enumerate(items):
            if param.name.value == name:
                removed = items.pop(index)
                if index == len(items) and items:
                    items[-1] = items[-1].with_changes(comma=removed.comma)
                break
        return items

    positional, keyword_only = drop(params.params), drop(params.kwonly_params)
    star_arg = params.star_arg
    if not keyword_only and isinstance(star_arg, cst.ParamStar) and params.kwonly_params:
        # `def f(self, x, *, labels)` -> `def f(self, x)`: a bare `*` may not end the list
        # (one changed value at a time would fail LibCST's validation, so all go at once).
        star_arg = cst.MaybeSentinel.DEFAULT
        if positional:
            positional[-1] = positional[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return params.with_changes(params=positional, kwonly_params=keyword_only, star_arg=star_arg)


def forward_edits(plan: LossPlan) -> FileEdits:
    edits = FileEdits()
    func = plan.forward_node
    edits.replace[func.params] = _without_param(func.params, LABELS_PARAM)
    for statement in plan.removed_statements:
        edits.remove.add(statement)
    returned = plan.return_statement
    ret = returned.body[0]
    assert isinstance(ret, cst.Return)
    # The old line's comment was about returning the loss: it does not go onto the new line.
    value: cst.BaseExpression = cst.Name(plan.prediction)
    if plan.extras:
        # What the loss also reads, and no call could compute from the prediction, goes beside it.
        value = tuple_of([cst.Name(n) for n in (plan.prediction, *plan.extras)], parenthesized=False)
    new_return = returned.with_changes(
        body=[ret.with_changes(value=value)],
        trailing_whitespace=cst.TrailingWhitespace(newline=returned.trailing_whitespace.newline),
    )
    if plan.hoisted_prediction is not None:
        hoist = assign(cst.Name(plan.prediction), plan.hoisted_prediction).with_changes(
            leading_lines=returned.leading_lines
        )
        edits.replace[returned] = [hoist, new_return.with_changes(leading_lines=())]
    else:
        edits.replace[returned] = new_return
    return edits
