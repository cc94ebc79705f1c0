"""Which value a moved loss is computed on, and what ``forward`` returns from now on: the root
every value the loss reads (and the old prediction) can be computed from at a call site, the
lines only those values needed, and for ``return loss`` the prediction inside the loss call.
Used by ``loss_plan``."""

from __future__ import annotations

from typing import Optional, Union

from codemod.analysis.derivations import Derivation, Flow, MovableCheck
from codemod.cst.nodes import code_of, dotted, names_in
from codemod.lazy_libcst import cst
from codemod.reasons import ForwardReason
from codemod.vocabulary import LABELS_PARAM, Refusal, Signature

RESHAPING_METHODS = frozenset(
    {"view", "reshape", "squeeze", "unsqueeze", "flatten", "float", "double", "long", "contiguous", "transpose", "permute", "type", "to"}
)


def calls_self_submodule(nodes: list[cst.CSTNode]) -> bool:
    """Does this code call something on ``self`` (``self.encoder(x)``), i.e. run a model?"""
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            nonlocal found
            name = dotted(node.func)
            if name and (name.startswith("self.") or name == "self"):
                found = True

    for node in nodes:
        node.visit(Finder())
    return found


PREDICTION_SEEN = "__fixlabels_seen__"
"""Key of the derivation of what calls with labels read as the prediction."""

Root = tuple[str, Optional[int], dict[str, Derivation], list[int], tuple[str, ...]]
"""What ``choose_root`` chose: the value forward returns from now on, its line, the derivation
of each other value, the lines only those needed, and the values returned beside it."""


def returnable(flow: Flow, version: tuple[str, Optional[int]], returned_at: int, removed: frozenset[int]) -> bool:
    """Can forward return this value as the loss read it: a line of forward assigned it, that
    line stays, and nothing assigns the name again before the return."""
    name, line = version
    return line is not None and line >= 0 and line not in removed and flow.reaching(name, returned_at) == line


def choose_root(
    flow: Flow,
    movable: MovableCheck,
    template_locals: set[str],
    reads: dict[str, set[Optional[int]]],
    prediction: str,
    returned_at: int,
    returns_without_labels: Optional[str],
    removed: frozenset[int],
    read_twice: frozenset[str] = frozenset(),
) -> Union[Root, Refusal]:
    """The value the new forward returns: one every value the loss reads, and the prediction
    forward returned, can be computed from at the call site. Preferred: what forward returned
    without labels (those calls then see no change), then what the loss reads. Values the loss
    reads that no call can compute from it (``hidden`` beside ``logits``) are returned beside
    it, the fewest there can be.

    Returns its name, its line, the derivation of each other value (the prediction under
    ``PREDICTION_SEEN``), the lines of forward that only computed those (they go), and the
    values returned beside it. A value the loss reads more than once (``read_twice``) is
    returned beside it rather than computed at the call, where it would be computed twice."""
    needed: dict[str, tuple[str, Optional[int]]] = {
        name: (name, next(iter(reads[name]))) for name in sorted(template_locals) if name in reads
    }
    unknown = sorted(template_locals - set(needed))
    if unknown:
        return Refusal.of(ForwardReason.OTHER_FORWARD_VALUE, name=unknown[0])
    needed[PREDICTION_SEEN] = (prediction, flow.reaching(prediction, returned_at))
    candidates: list[tuple[str, Optional[int]]] = []
    if returns_without_labels is not None:
        candidates.append((returns_without_labels, flow.reaching(returns_without_labels, returned_at)))
    candidates += [v for k, v in needed.items() if k != PREDICTION_SEEN] + [needed[PREDICTION_SEEN]]
    # Then any value of forward, latest first: `raw = logits; logits = torch.tanh(logits)` with
    # the loss on `logits` and `raw.softmax(-1)` returned are both computed from `raw`.
    candidates += [(flow.name(line), line) for line in sorted(flow.values, reverse=True) if line < returned_at]
    # One root every value can be computed from; else the root computing the most of them,
    # the rest returned beside it (extras), each as the loss read it.
    best: Optional[Root] = None
    copied: Optional[tuple[str, str]] = None
    for root in candidates:
        split = _split_by_root(flow, movable, needed, root, returned_at, removed, read_twice)
        if split is not None:
            derived, extras = split
            lines = set().union(*(d.lines for d in derived.values()))
            extra_lines = {flow.reaching(name, returned_at) for name in extras}
            if lines & extra_lines:
                continue  # an extra is computed on the way to another value: it cannot stay and go
            shared = [
                (extra, line) for extra in extras if (line := flow.reaching(extra, returned_at)) is not None and line >= 0 and lines & flow.upstream(line)
            ]
            if shared:
                # A value computed at the call would also be computed in forward, for an extra:
                # two nodes of one value, whose gradients add up otherwise than in one.
                copied = copied or (shared[0][0], flow.name(min(lines & flow.upstream(shared[0][1]))))
                continue
            trivial = {k for k, d in derived.items() if _is_name(d.expression, root[0])}
            found: Root = root[0], root[1], {k: d for k, d in derived.items() if k not in trivial}, flow.droppable(lines, removed), tuple(extras)
            if not extras:
                return found
            if returns_without_labels is not None and root[0] == returns_without_labels and set(extras) <= read_twice:
                return found  # calls without labels read it first, as they did; what the loss reads twice beside it
            if best is None or len(extras) < len(best[4]):
                best = found
    if best is not None:
        return best
    if copied is not None:
        return Refusal.of(ForwardReason.COMPUTED_TWICE, extra=copied[0], name=copied[1])
    return _no_root_refusal(flow, movable, needed, template_locals, prediction, returned_at, removed)


def _no_root_refusal(
    flow: Flow,
    movable: MovableCheck,
    needed: dict[str, tuple[str, Optional[int]]],
    template_locals: set[str],
    prediction: str,
    returned_at: int,
    removed: frozenset[int],
) -> Refusal:
    """Why no value can be returned for the calls to compute the loss from: a value in the way,
    one neither computed from the prediction nor returnable beside it."""
    others = sorted(set(template_locals) - {prediction})
    # Name a value that is truly in the way: one neither computed from the prediction nor returnable.
    root = needed[PREDICTION_SEEN]
    blocking = [
        name for name in others
        if flow.derive(needed[name], root, movable) is None and not returnable(flow, needed[name], returned_at, removed)
    ]
    others = blocking + [name for name in others if name not in blocking]
    if others:
        line = flow.reaching(prediction, returned_at)
        if line is not None and line >= 0 and others[0] in names_in(flow.value(line)):
            return Refusal.of(
                ForwardReason.PREDICTION_FROM_LOSS_INPUT,
                name=others[0], prediction=prediction, code=f"{prediction} = {code_of(flow.value(line))}",
            )
        return Refusal.of(ForwardReason.OTHER_FORWARD_VALUE, name=others[0])
    return Refusal.of(ForwardReason.PREDICTION_REASSIGNED, name=prediction)


def _split_by_root(
    flow: Flow,
    movable: MovableCheck,
    needed: dict[str, tuple[str, Optional[int]]],
    root: tuple[str, Optional[int]],
    returned_at: int,
    removed: frozenset[int],
    read_twice: frozenset[str],
) -> Optional[tuple[dict[str, Derivation], list[str]]]:
    """Each needed value computed from ``root`` at the call, or returned beside it (a value
    read twice, where it can be); None when one can be neither."""
    derived: dict[str, Derivation] = {}
    extras: list[str] = []
    for key, version in needed.items():
        # Only the loss reads the call's arguments: calls without labels get the prediction alone.
        derivation = flow.derive(version, root, movable, inputs=key != PREDICTION_SEEN)
        twice = key in read_twice and not (derivation is not None and _is_name(derivation.expression, root[0]))
        if twice and returnable(flow, version, returned_at, removed):
            extras.append(key)
        elif derivation is not None:
            derived[key] = derivation
        elif key != PREDICTION_SEEN and returnable(flow, version, returned_at, removed):
            extras.append(key)
        else:
            return None
    return derived, extras


def _is_name(expression: cst.BaseExpression, name: str) -> bool:
    return isinstance(expression, cst.Name) and expression.value == name


def left_unread(
    flow: Flow,
    movable: MovableCheck,
    removed: set[int],
    returned: cst.BaseExpression,
    returned_at: int,
    root: Optional[int],
    returned_beside: frozenset[int] = frozenset(),
) -> list[int]:
    """Lines that only fed what leaves forward (the loss, the old return value), computed
    without effects (``prob = F.sigmoid(logits)`` for a loss on ``prob``): nothing reads them
    once forward returns the root value (and the extras ``returned_beside`` assign), so they
    go too."""
    fed: set[int] = set()
    changed = True
    while changed:
        changed = False
        for line in flow.values:
            if line in fed or line in removed or line == root or line in returned_beside or not movable(flow.value(line)):
                continue
            version = (flow.name(line), line)
            by_return = flow.name(line) in names_in(returned) and flow.reaching(flow.name(line), returned_at) == line
            if by_return or any(flow.reads(j, version) for j in removed | fed):
                fed.add(line)
                changed = True
    return flow.droppable(fed, frozenset(removed))


def compared_with_labels(template: cst.BaseExpression, local_names: set[str]) -> set[str]:
    """The values of forward a call in the loss takes beside the labels (``logits`` of
    ``F.cross_entropy(logits, labels) + 0.1 * hidden.norm()``): what the labels are compared with."""
    found: set[str] = set()

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if any(LABELS_PARAM in names_in(a.value) for a in node.args):
                for argument in node.args:
                    if LABELS_PARAM not in names_in(argument.value):
                        found.update(names_in(argument.value) & local_names)

    template.visit(Finder())
    return found - {"self"}


def prediction_from_loss(
    template: cst.BaseExpression, local_names: set[str], signature: Signature, inputs: frozenset[str] = frozenset()
) -> Union[tuple[str, Optional[cst.BaseExpression], cst.BaseExpression], Refusal, None]:
    """For ``return loss``: which value the loss is computed on. A variable computed in forward
    is the prediction (beside it, the loss may read ``inputs``, arguments the call has); a
    model expression inside the loss call (``F.cross_entropy(self.fc(x), labels)``) is hoisted
    into a new ``logits`` variable."""
    template_locals = (names_in(template) & local_names) - {LABELS_PARAM, "self"}
    params = {p.name for p in signature.params}
    computed = template_locals - params
    if len(computed) == 1 and template_locals - computed <= inputs:
        return next(iter(computed)), None, template
    if not isinstance(template, cst.Call):
        if template_locals:
            names = ", ".join(f"`{n}`" for n in sorted(template_locals))
            return Refusal.of(ForwardReason.SEVERAL_VALUES, names=names)
        return None
    candidates = [a for a in template.args if LABELS_PARAM not in names_in(a.value) and names_in(a.value) & local_names]
    if len(candidates) != 1:
        if template_locals - params:
            names = ", ".join(f"`{n}`" for n in sorted(template_locals))
            return Refusal.of(ForwardReason.SEVERAL_VALUES, names=names)
        return None
    argument = candidates[0]
    core = argument.value
    while (
        isinstance(core, cst.Call)
        and isinstance(core.func, cst.Attribute)
        and core.func.attr.value in RESHAPING_METHODS
        and not (names_in(core.func.value) & {LABELS_PARAM})
        and not any(names_in(a.value) & local_names for a in core.args)
    ):
        core = core.func.value
    if isinstance(core, cst.Name):
        if core.value in params:
            return None
        return core.value, None, template
    if not calls_self_submodule([core]):
        return None
    name = "logits" if "logits" not in local_names else "prediction"
    replaced = _replace_node(template, core, cst.Name(name))
    return name, core, replaced


def _replace_node(tree: cst.BaseExpression, target: cst.CSTNode, replacement: cst.BaseExpression) -> cst.BaseExpression:
    class Replace(cst.CSTTransformer):
        def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]  # never removes a node, so narrower than LibCST's
            return replacement if original is target else updated

    return tree.visit(Replace())  # type: ignore[return-value]  # an expression with a sub-expression replaced

