"""What a labels bug makes a program raise, so a finding can name the message its user sees.

transformers 4 raised ``TypeError: forward() got an unexpected keyword argument 'labels'`` for a
keyword a model did not take. transformers 5's models take ``**kwargs`` and drop such a keyword
silently: the program fails later, at the first place that needs the loss. Users search for
those messages now, so FL004 and FL005 say which one the code in front of them would raise.
"""

from __future__ import annotations

import re
from typing import Optional

from codemod.cst.positions import Layout
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
