"""What a labels bug makes a program raise, so a finding can name the message its user sees.

transformers 4 raised ``TypeError: forward() got an unexpected keyword argument 'labels'`` for a
keyword a model did not take. transformers 5's models take ``**kwargs`` and drop such a keyword
silently: the program fails later, at the first place that needs the loss. Users search for
those messages now, so FL004 and FL005 say which one the code in front of them would raise.
"""

from __future__ import annotations

import re
from typing import Optional

from codemod.cst.nodes import code_of
from codemod.cst.positions import Layout, enclosing_scope
from codemod.lazy_libcst import cst
from codemod.vocabulary import TextEnum


class Symptom(TextEnum):
    NO_LOSS_FROM_TRAINER = "ValueError: The model did not return a loss from the inputs"
    """``Trainer`` asked for the loss the model did not compute."""
    NOT_A_SCALAR = "RuntimeError: grad can be implicitly created only for scalar outputs"
    """``outputs[0].backward()``: the first output is the hidden state or the logits."""
    NO_LOSS_ATTRIBUTE = "AttributeError: ... object has no attribute 'loss'"
    """``outputs.loss`` on a base model's output, which has no loss field."""
    LOSS_IS_NONE = "AttributeError: 'NoneType' object has no attribute ..."
    """``outputs.loss.backward()`` (or ``.item()``) on a head model that got no labels."""
    NO_DECODER_INPUTS = "ValueError: You must specify exactly one of input_ids or inputs_embeds"
    """An encoder-decoder model given neither labels it reads nor ``decoder_input_ids``: its
    decoder has no input."""
    NO_LOGITS = "AttributeError: ... object has no attribute 'logits'"
    """A classification PEFT wrapper around a model without a classifier."""
    PEFT_WITHOUT_HEAD = "AttributeError: ... object has no attribute 'prepare_inputs_for_generation'"
    """A causal-LM PEFT wrapper around a model without a language-modelling head."""


def under_transformers_5(*symptoms: Symptom) -> str:
    """The clause a finding's message ends with."""
    said = " or ".join(f"`{symptom}`" for symptom in dict.fromkeys(symptoms))
    return f"(under transformers 5 it fails later: {said})"


def output_reader(layout: Optional[Layout], line: int, column: int, text: str, attribute: Symptom) -> tuple[Symptom, ...]:
    """How the program reads the output of the call at (``line``, ``column``) where it needs
    the loss: ``.loss`` (``attribute``: no such field on a base model's output, None on a head
    model's) or ``[0]`` (the hidden state or the logits, not a scalar). Empty when that cannot
    be read off the call or the one name it is bound to."""
    call = layout.calls.get((line, column)) if layout is not None else None
    if call is None or layout is None:
        return ()
    parent = layout.parents.get(call)
    if isinstance(parent, cst.Attribute) and parent.attr.value == "loss":
        return (attribute,)
    if isinstance(parent, cst.Subscript):
        return (Symptom.NOT_A_SCALAR,)
    if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
        name = re.escape(parent.targets[0].target.value)
        found = []
        if re.search(rf"\b{name}\.loss\b", text):
            found.append(attribute)
        if re.search(rf"\b{name}\[0\]", text):
            found.append(Symptom.NOT_A_SCALAR)
        return tuple(found)
    return ()


HIDDEN_STATE_FIELDS = frozenset({"last_hidden_state", "hidden_states", "pooler_output"})
"""What a base model's output holds and a head model's output does not hold in the same place."""


def read_as_hidden_states(layout: Layout, scope: cst.CSTNode, receiver: str) -> Optional[bool]:
    """Does the code in ``scope`` read what the model ``receiver`` (``model``, ``self.model``)
    returns as an encoder's hidden states only: ``[0]``, ``.last_hidden_state``,
    ``.pooler_output``, directly or through the one name it is bound to, never given labels?
    True so, False when some read is of a head's output (``.logits``, ``.loss``) or it is given
    labels, None when a read is anything else or there is no call."""
    span = layout.positions[scope]
    calls = [
        call for call in layout.calls.values()
        if code_of(call.func) == receiver and span.start.line <= layout.positions[call].start.line <= span.end.line
    ]
    if not calls:
        return None
    verdicts = []
    for call in calls:
        if any(arg.keyword is not None and arg.keyword.value in ("labels", "start_positions") for arg in call.args):
            return False
        parent = layout.parents.get(call)
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            verdicts += [_hidden_read(layout, use) for use in _reads_of(layout, parent, parent.targets[0].target.value)]
        else:
            verdicts.append(_hidden_read(layout, call))
    if False in verdicts:
        return False
    return True if verdicts and all(verdicts) else None


def _hidden_read(layout: Layout, value: cst.CSTNode) -> Optional[bool]:
    parent = layout.parents.get(value)
    if isinstance(parent, cst.Subscript) and parent.value is value and len(parent.slice) == 1:
        index = parent.slice[0].slice
        return True if isinstance(index, cst.Index) and isinstance(index.value, cst.Integer) and index.value.value == "0" else None
    if isinstance(parent, cst.Attribute) and parent.value is value:
        if parent.attr.value in HIDDEN_STATE_FIELDS:
            return True
        return False if parent.attr.value in ("logits", "loss") else None
    return None


def _reads_of(layout: Layout, assign: cst.Assign, name: str) -> list[cst.CSTNode]:
    """The reads of ``name`` in the function (or module) around ``assign`` after it; a second
    binding of the name there gives a read that says nothing (None)."""
    scope = enclosing_scope(layout, assign)
    span, after = layout.positions[scope], layout.positions[assign].end.line
    reads: list[cst.CSTNode] = []
    for node, position in layout.positions.items():
        if isinstance(node, cst.Name) and node.value == name and span.start.line <= position.start.line <= span.end.line:
            holder = layout.parents.get(node)
            if isinstance(holder, cst.AssignTarget) and holder.target is node:
                if node is not assign.targets[0].target:
                    reads.append(holder)  # bound again: not a read `_hidden_read` knows
            elif position.start.line >= after:
                reads.append(node)
    return reads
