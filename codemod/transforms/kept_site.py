"""Rewrite a call with labels when ``forward`` keeps returning its labels-absent result
(``SitePlan.kept``): the call gets that result, the loss is computed from it, and readers of the
old result read the same values where they now are::

    loss, logits, last = model(x, labels=y)    ->   logits, last = model(x)
                                                    loss = F.cross_entropy(logits, y)

    out = model(x, labels=y)                    ->   out = model(x)
    out[0].backward()                                loss = F.cross_entropy(out[0], y)
    print(out[1])                                    loss.backward()
                                                     print(out[0])

A result used whole is rebuilt in one line around the loss (``out = (F.cross_entropy(out[0],
y), *out)``), for a tuple or a dict, and a Hugging Face output by its class
(``SequenceClassifierOutput(loss=..., **out)``); any other object is never rebuilt. Refuses what it cannot read:
a slice of the result, an item of unknown place, an unpacking with a starred name before the loss.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Protocol, Union

from codemod.cst.nodes import assign, code_of, is_atom, names_in, parenthesize
from codemod.lazy_libcst import cst
from codemod.cst.scopes import ScopeNames
from codemod.transforms.call_shapes import SiteRefusal, is_whole_value, reader_key
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import ImportSpec, KeptResult, LossPlace, ResultKind, SitePlan

Key = Union[int, str]


class FileSitePlanner(Protocol):
    """What of ``callsite.FileSitePlanner`` this module uses (it cannot import it: that module
    calls this one)."""

    edits: FileEdits
    claimed: set[cst.CSTNode]

    def line(self, node: cst.CSTNode) -> int: ...
    def end_line(self, node: cst.CSTNode) -> int: ...
    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]: ...
    def enclosing_function(self, node: cst.CSTNode) -> Union[cst.FunctionDef, cst.Lambda, None]: ...
    def binding_uses(self, scope: cst.CSTNode, target: cst.Name, statement: cst.CSTNode) -> Optional[list[cst.Name]]: ...
    def can_inline(
        self, statement: cst.CSTNode, reader: cst.CSTNode, call_reads: cst.BaseExpression, receiver: cst.BaseExpression, prediction: str
    ) -> bool: ...
    def import_names(self, imports: dict[str, ImportSpec], home_module: str, line: int) -> None: ...
    def in_home(self, plan: SitePlan) -> bool: ...


class _Site(Protocol):
    """What of ``callsite._Site`` (one call with labels being rewritten) this module uses."""

    call: cst.Call
    statement: cst.BaseStatement
    scope: cst.CSTNode
    plan: SitePlan
    labels: cst.BaseExpression
    receiver: cst.BaseExpression
    new_call: cst.Call
    line: int

    @property
    def call_reads(self) -> cst.BaseExpression: ...

    @property
    def names(self) -> ScopeNames: ...
    @property
    def first_line(self) -> int: ...
    def loss_reading(self, values: dict[str, cst.BaseExpression]) -> cst.BaseExpression: ...
    def prediction_line(self, name: str) -> cst.SimpleStatementLine: ...
    @staticmethod
    def plain(line_node: cst.SimpleStatementLine) -> cst.SimpleStatementLine: ...


def plan_kept_site(planner: FileSitePlanner, site: _Site) -> None:
    """Plan the edits of one call with labels (the caller has split off the labels)."""
    kept = site.plan.kept
    assert kept is not None
    statement, call = site.statement, site.call
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 else None
    if isinstance(small, cst.Expr) and small.value is call:
        planner.edits.replace[statement] = [statement.with_changes(body=[small.with_changes(value=site.new_call)])]
    elif isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1:
        target = small.targets[0].target
        if isinstance(target, cst.Name):
            _assigned(planner, site, kept, small, target)
        elif isinstance(target, (cst.Tuple, cst.List)) and kept.kind is ResultKind.TUPLE:
            _unpacked(planner, site, kept, small, target)
        else:
            raise SiteRefusal(f"the call's result is assigned to `{code_of(target)}`", site.line)
    elif isinstance(small, cst.Return) and small.value is call:
        held = _fresh(planner, site, "outputs")
        planner.edits.replace[statement] = [
            site.prediction_line(held),
            site.plain(statement.with_changes(body=[small.with_changes(value=_rebuilt(planner, site, kept, cst.Name(held)))])),  # type: ignore[arg-type]  # a `return` line is simple
        ]
    else:
        _nested(planner, site, kept)
    planner.claimed.add(statement)


def read(held: cst.BaseExpression, key: Key) -> cst.BaseExpression:
    """``held[0]``, ``held[-1]``, ``held["logits"]`` or ``held.logits`` (a key ``".logits"``)."""
    if isinstance(key, str) and key.startswith("."):
        return cst.Attribute(value=held, attr=cst.Name(key[1:]))
    if isinstance(key, str):
        index: cst.BaseExpression = _string(key)
    elif key < 0:
        index = cst.UnaryOperation(operator=cst.Minus(), expression=cst.Integer(str(-key)))
    else:
        index = cst.Integer(str(key))
    return cst.Subscript(value=held, slice=[cst.SubscriptElement(cst.Index(index))])


def _string(text: str) -> cst.SimpleString:
    return cst.SimpleString(f'"{text}"' if '"' not in text and "\\" not in text else repr(text))


def _loss(site: _Site, kept: KeptResult, held: cst.BaseExpression) -> cst.BaseExpression:
    return site.loss_reading({name: read(held, key) for name, key in kept.slots})


def _fresh(planner: FileSitePlanner, site: _Site, preferred: str) -> str:
    name = site.names.fresh(preferred, site.first_line)
    site.names.introduce(name, planner.end_line(site.scope))
    return name


def _rebuilt(planner: FileSitePlanner, site: _Site, kept: KeptResult, held: cst.Name) -> cst.BaseExpression:
    """The old result, from the kept one and the loss, in one expression."""
    rebuild_imports = site.plan.rebuild_imports
    importable = kept.rebuilt_by is not None and (kept.rebuilt_by.partition(".")[0] in rebuild_imports or planner.in_home(site.plan))
    rebuilt = rebuilt_result(kept if importable else replace(kept, rebuilt_by=None), held, _loss(site, kept, held))
    if isinstance(rebuilt, str):
        raise SiteRefusal(f"the result is used whole, and {rebuilt}", site.line)
    if kept.kind is ResultKind.OBJECT:
        planner.import_names(rebuild_imports, site.plan.home_module, site.line)
    return rebuilt


def rebuilt_result(kept: KeptResult, held: cst.Name, loss: cst.BaseExpression) -> Union[cst.BaseExpression, str]:
    """What forward returned with labels, from what it returns now (``held``) and ``loss``; or
    why it cannot be built in one expression."""
    if kept.kind is ResultKind.TUPLE:
        assert isinstance(kept.loss_key, int)
        at = kept.loss_key
        if not kept.replaced and kept.placed is LossPlace.FIRST:
            return cst.Tuple([cst.Element(loss), cst.StarredElement(held)])
        if not kept.replaced and kept.placed is LossPlace.LAST and kept.size is None:
            return cst.Tuple([cst.StarredElement(held), cst.Element(loss)])
        if not kept.sequence:
            return "what forward keeps returning is not known to be a tuple"
        after = at + 1 if kept.replaced else at
        items: list[cst.BaseElement] = [cst.Element(loss), cst.StarredElement(_slice(held, after, None))]
        if at:
            items.insert(0, cst.StarredElement(_slice(held, None, at)))
        return cst.Tuple(items)
    if kept.kind is ResultKind.DICT:
        entry = cst.DictElement(_string(str(kept.loss_key)), loss)
        if not kept.replaced and kept.placed is LossPlace.FIRST:
            return cst.Dict([entry, cst.StarredDictElement(held)])
        if kept.replaced or kept.placed is LossPlace.LAST:
            return cst.Dict([cst.StarredDictElement(held), entry])
        return "forward put the loss amid its keys"
    if kept.model_output and kept.replaced:
        return "forward keeps a placeholder in place of its loss"
    if kept.model_output and kept.rebuilt_by is not None:
        # A ModelOutput is a dict of its fields that are set: the same class, given the loss and them.
        keyword = cst.Arg(value=loss, keyword=cst.Name(str(kept.loss_key)), equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
        return cst.Call(func=cst.parse_expression(kept.rebuilt_by), args=[keyword, cst.Arg(value=held, star="**")])
    return "forward returned an object, which is not rebuilt at a call"


def _slice(held: cst.BaseExpression, lower: Optional[int], upper: Optional[int]) -> cst.BaseExpression:
    def bound(value: Optional[int]) -> Optional[cst.Integer]:
        return cst.Integer(str(value)) if value is not None else None

    return cst.Subscript(value=held, slice=[cst.SubscriptElement(cst.Slice(lower=bound(lower), upper=bound(upper)))])


def _assigned(planner: FileSitePlanner, site: _Site, kept: KeptResult, small: cst.Assign, target: cst.Name) -> None:
    """``out = model(x, labels=y)``: ``out`` holds the kept result; each reader of the old one
    reads the loss or the same value where it now is; used any other way, it is rebuilt."""
    statement = site.statement
    readers = _readers(planner, site, kept, target)
    call_line = site.prediction_line(target.value)
    if readers is None:
        rebuilt = assign(target, _rebuilt(planner, site, kept, target)).with_changes(leading_lines=())
        planner.edits.replace[statement] = [call_line, rebuilt]
        return
    loss_readers = [node for node, (is_loss, _) in readers if is_loss]
    replacement: list[cst.BaseStatement] = [call_line]
    if len(loss_readers) == 1 and planner.can_inline(statement, loss_readers[0], site.call_reads, site.receiver, target.value):
        value = _loss(site, kept, target)
        whole = is_atom(value) or is_whole_value(planner.parent(loss_readers[0]), loss_readers[0])
        planner.edits.replace[loss_readers[0]] = value if whole else parenthesize(value)
    elif loss_readers:
        loss_name = site.names.fresh("loss", site.first_line)
        site.names.introduce(loss_name, max(planner.end_line(n) for n in loss_readers))
        replacement.append(assign(cst.Name(loss_name), _loss(site, kept, target)))
        for node in loss_readers:
            planner.edits.replace[node] = cst.Name(loss_name)
    for node, (is_loss, key) in readers:
        if not is_loss and reader_key(node, node.value) != key:  # type: ignore[attr-defined]  # a reader: a subscript or attribute of the name
            planner.edits.replace[node] = read(target, key)
    planner.edits.replace[statement] = replacement


def _readers(
    planner: FileSitePlanner, site: _Site, kept: KeptResult, target: cst.Name
) -> Optional[list[tuple[cst.CSTNode, tuple[bool, Key]]]]:
    """Each later reader of ``target`` with what it reads now: (True, _) the loss, (False, key)
    that key of the kept result (none when it is never read). None when ``target`` is used any
    other way, or when which binding a use reads cannot be told."""
    uses = planner.binding_uses(site.scope, target, site.statement)
    if uses is None:
        return None
    end = planner.end_line(site.statement)
    function = site.scope if isinstance(site.scope, cst.FunctionDef) else None
    found: list[tuple[cst.CSTNode, tuple[bool, Key]]] = []
    for use in uses:
        if planner.line(use) <= end or planner.enclosing_function(use) is not function:
            return None
        parent = planner.parent(use)
        key = reader_key(parent, use)
        translated = kept.translate(key) if key is not None else None
        if translated is None or _stored_into(planner, parent):
            return None
        found.append((parent, translated))  # type: ignore[arg-type]  # a use of a name has a parent
    return found


def _stored_into(planner: FileSitePlanner, reader: Optional[cst.CSTNode]) -> bool:
    """``out[0] = ...``, ``del out.loss``, ``out["k"] += 1``: a change, not a read."""
    parent = planner.parent(reader) if reader is not None else None
    if isinstance(parent, (cst.AssignTarget, cst.AugAssign, cst.Del)):
        return True
    return isinstance(parent, cst.Element) and isinstance(planner.parent(planner.parent(parent)), cst.AssignTarget)  # type: ignore[arg-type]  # an element has a parent


def _unpacked(
    planner: FileSitePlanner, site: _Site, kept: KeptResult, small: cst.Assign, target: Union[cst.Tuple, cst.List]
) -> None:
    """``loss, logits, last = model(x, labels=y)``: the names take the kept result (the loss's
    name its placeholder, where it kept one), then the loss is computed from them."""
    assert isinstance(kept.loss_key, int)
    at = kept.loss_key
    elements = list(target.elements)
    if any(isinstance(e, cst.StarredElement) for e in elements[: at + 1]) or (
        kept.size is not None and not any(isinstance(e, cst.StarredElement) for e in elements) and len(elements) != kept.size
    ):
        raise SiteRefusal("the call's result is unpacked in a way whose items cannot be placed", site.line)
    if len(elements) <= at:
        raise SiteRefusal("the call's result is unpacked into fewer names than it held", site.line)
    loss_target = elements[at].value
    if not isinstance(loss_target, cst.Name):
        raise SiteRefusal(f"the loss is unpacked into `{code_of(loss_target)}`", site.line)
    kept_elements = elements if kept.replaced else elements[:at] + elements[at + 1 :]
    values: dict[str, cst.BaseExpression] = {}
    for name, key in kept.slots:
        # The loss's slot is gone from `kept_elements`, or keeps its placeholder: `key` is the place.
        assert isinstance(key, int)
        if key >= len(kept_elements) or any(isinstance(e, cst.StarredElement) for e in kept_elements[: key + 1]):
            raise SiteRefusal("the call's result is unpacked in a way whose items cannot be placed", site.line)
        element = kept_elements[key]
        if not isinstance(element.value, cst.Name):
            raise SiteRefusal(f"the loss reads a value unpacked into `{code_of(element.value)}`", site.line)
        if element.value.value == "_":
            fresh = _fresh(planner, site, site.plan.preferred_prediction if name == site.plan.prediction_placeholder else name)
            kept_elements[key] = element.with_changes(value=cst.Name(fresh))
            values[name] = cst.Name(fresh)
        else:
            values[name] = element.value
    bound = set().union(*(names_in(e.value) for e in kept_elements))
    if bound & (names_in(site.labels) | names_in(site.receiver)):
        raise SiteRefusal("the call's result is unpacked into a name its labels or model are read from", site.line)
    last = kept_elements[-1]
    kept_elements[-1] = last.with_changes(comma=cst.MaybeSentinel.DEFAULT) if len(kept_elements) > 1 else last.with_changes(comma=cst.Comma())
    new_target = target.with_changes(elements=kept_elements)
    replacement: list[cst.BaseStatement] = [site.statement.with_changes(body=[small.with_changes(targets=[cst.AssignTarget(new_target)], value=site.new_call)])]
    if loss_target.value != "_":
        replacement.append(site.plain(assign(loss_target, site.loss_reading(values))))
    planner.edits.replace[site.statement] = replacement


def _nested(planner: FileSitePlanner, site: _Site, kept: KeptResult) -> None:
    """``model(x, labels=y)[0].backward()``: the kept result goes on a line of its own before the
    statement, and the reader reads the loss or its value there."""
    parent = planner.parent(site.call)
    key = reader_key(parent, site.call)
    translated = kept.translate(key) if key is not None else None
    held = _fresh(planner, site, "outputs")
    planner.edits.add_before(site.statement, assign(cst.Name(held), site.new_call))
    if translated is None or _stored_into(planner, parent):
        # Used whole (`report(model(x, y))`): the old result, rebuilt where the call was.
        planner.edits.replace[site.call] = _rebuilt(planner, site, kept, cst.Name(held))
        return
    is_loss, new_key = translated
    value = _loss(site, kept, cst.Name(held)) if is_loss else read(cst.Name(held), new_key)
    whole = is_atom(value) or is_whole_value(planner.parent(parent), parent)  # type: ignore[arg-type]  # the reader found just above
    planner.edits.replace[parent] = value if whole else parenthesize(value)  # type: ignore[index]  # likewise
