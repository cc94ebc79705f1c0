"""Why reading a ``forward`` refuses its fix: one catalogue, so that what a finding says and what
``fixlabels explain FL001``/``FL101`` lists are the same words.

Each reason has a message (its fields in braces, filled in where the reading stops), an
explanation for the documentation (when it happens, and the way out when there is one), and an
example: a ``forward`` that meets it. The tests run every example through the rules and check it
is refused with that message, and that the reader (``codemod.analysis``) makes no refusal of its
own outside this list::

    return Refusal.of(ForwardReason.SEVERAL_CRITERIA)                # in the reader
    -> "forward builds more than one criterion"                      # what the finding says

Imports nothing: the registry reads it to document the rules without loading the engine.
"""

from __future__ import annotations

import enum
import re
import string
import textwrap
from dataclasses import dataclass
from typing import Optional

_STEPS = "".join(f"    h{i + 1} = h{i} * 1.0\n" for i in range(22))


@dataclass(frozen=True)
class ReasonText:
    message: str
    """What the finding says, after ``not rewritten:``; ``{field}`` is filled in at the refusal."""
    explanation: str
    """When it happens and the way out, for the rule's documentation (reStructuredText-light)."""
    example: str
    """A ``forward`` of a class ``Net`` (``self.fc``, ``self.aux``: ``nn.Linear(4, 2)``) that is
    refused for this reason."""


class ForwardReason(enum.Enum):
    """Every refusal the reading of ``forward`` can end in."""

    LABELS_REASSIGNED = ReasonText(
        "forward assigns `{name}` in a way the loss cannot take with it (`{statement}`)",
        "``labels`` is assigned something other than a conversion of itself (``labels = labels[:, 0]``), "
        "a conversion under a branch (``if self.num_labels == 1: labels = labels.unsqueeze(1)``), or "
        "anything while labels are optional: the calls would have to compute it. One conversion of "
        "dtype, shape or device (``labels = labels.long()``) in forward's own body moves with the loss.",
        "def forward(self, x, labels):\n    labels = labels[:, 0]\n    logits = self.fc(x)\n"
        "    loss = F.cross_entropy(logits, labels)\n    return loss\n",
    )
    NOT_ENDING_IN_RETURN = ReasonText(
        "forward does not end with a single `return`",
        "``forward`` ends in a branch (``if self.training: return loss`` / ``else: return loss, logits``): "
        "which result a call gets is decided inside it. Pick the result in one final ``return``.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels)\n"
        "    if self.training:\n        return loss\n    else:\n        return loss, logits\n",
    )
    SEVERAL_RETURNS = ReasonText(
        "forward returns in more than one place",
        "an early ``return`` that does not test the labels (``if x.numel() == 0: return ...``).",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    if x.numel() == 0:\n        return logits.sum()\n"
        "    loss = F.cross_entropy(logits, labels)\n    return loss\n",
    )
    STARRED_RESULT = ReasonText(
        "forward returns more than a loss and one prediction (also `*{value}`)",
        "the result unpacks a value into it (``return loss, *extras``): how many values a call gets is "
        "not known before it runs.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels)\n"
        "    return loss, *logits.unbind(0)\n",
    )
    DICT_WITHOUT_STRING_KEYS = ReasonText(
        "forward returns a dict without plain string keys",
        "a dict result with a computed key or ``**`` (``{**extra, \"loss\": loss}``): which key holds the "
        "loss is not known before it runs.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels)\n"
        "    return {\"loss\": loss, **{\"logits\": logits}}\n",
    )
    MORE_THAN_LOSS_AND_PREDICTION = ReasonText(
        "forward returns more than a loss and one prediction",
        "a third value beside the loss and the prediction, in a result that cannot be built without the "
        "loss: an object of a class whose ``__init__`` does more than store its arguments, or one no analysis "
        "can read. A tuple, a dict, a Hugging Face output, or a plain class or dataclass is returned less the "
        "loss, and each call rebuilds what it got.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels)\n"
        "    return Report(loss=loss, logits=logits, hidden=self.aux(x))\n",
    )
    SEVERAL_FROM_LABELS = ReasonText(
        "forward returns more than one value computed from the labels ({names})",
        "a loss and an accuracy, or a prediction that reads the labels itself (a decoder fed the shifted "
        "labels: ``out = self.model(x, labels=labels)``, ``return out.loss, out.logits``). No call could "
        "compute such a value without the labels.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n"
        "    loss = F.cross_entropy(logits, labels)\n"
        "    return loss, logits, (logits.argmax(-1) == labels).float().mean()\n",
    )
    PREDICTION_NOT_A_NAME = ReasonText(
        "forward returns its prediction as `{code}`, not as a plain variable",
        "the prediction is an expression in the ``return`` (``return loss, self.fc(x)``). Assign it to a "
        "name first.",
        "def forward(self, x, labels):\n    h = self.fc(x)\n    loss = F.cross_entropy(h, labels)\n"
        "    return loss, h.softmax(-1) + self.aux(x)\n",
    )
    LOSS_NOT_ASSIGNED = ReasonText(
        "the result `{name}` is computed from labels, but not by a plain assignment",
        "a value ``forward`` returns is bound inside a block that reads the labels (``with torch.autocast(...):``, "
        "a loop, an unpacking), where the versions of a name are not told apart.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    with torch.autocast(\"cpu\"):\n"
        "        loss = F.cross_entropy(logits, labels)\n    return loss, logits\n",
    )
    TOO_MANY_STEPS = ReasonText(
        "the loss is computed through too many steps",
        "more than 20 assignments lead from the labels to the loss.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    h0 = F.cross_entropy(logits, labels)\n"
        + _STEPS
        + "    return h22\n",
    )
    SEVERAL_CRITERIA = ReasonText(
        "forward builds more than one criterion",
        "``forward`` builds two loss modules (``nn.CrossEntropyLoss()`` and ``nn.MSELoss()``). Build them "
        "in ``__init__`` (``self.ce = ...``): a criterion kept on the model moves as ``model.ce(...)``.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    ce = nn.CrossEntropyLoss()\n    mse = nn.MSELoss()\n"
        "    loss = ce(logits, labels) + mse(logits.sum(-1), labels.float())\n    return loss\n",
    )
    COMPUTED_TWICE = ReasonText(
        "forward would return `{extra}`, computed from `{name}`, which the call would compute again for the loss: "
        "two copies of one value do not give the same gradient",
        "the loss reads a value ``forward`` derives (``logits = torch.tanh(raw)``) and another computed from it "
        "that must stay in ``forward`` (``p = logits.softmax(-1)``, read twice): the call would compute "
        "``logits`` a second time, and the gradients of two copies add up otherwise than those of one.",
        "def forward(self, x, labels):\n    raw = self.fc(x)\n    logits = torch.tanh(raw)\n"
        "    p = logits.softmax(-1)\n    loss = F.cross_entropy(logits, labels) + p.pow(2).mean() - p.mean()\n"
        "    return loss, raw\n",
    )
    LOSS_READS_TWICE = ReasonText(
        "the loss reads `{name}` more than once",
        "a value computed from the labels is read twice by the loss (``loss = ce + 0.1 * ce``): written "
        "twice into one expression, it would be computed twice.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    ce = F.cross_entropy(logits, labels)\n"
        "    loss = ce + 0.1 * ce\n    return loss\n",
    )
    LABELS_USED_ELSEWHERE = ReasonText(
        "labels are also used outside the loss",
        "something in ``forward`` besides the loss reads ``labels`` (a log line, a metric kept on ``self``): "
        "without labels in ``forward`` it could not run.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    self.seen = labels.numel()\n"
        "    return F.cross_entropy(logits, labels)\n",
    )
    VALUE_TAKEN_AWAY = ReasonText(
        "forward also uses `{name}`, which the loss move would take away",
        "a line that stays in ``forward`` reads the loss or a value computed from the labels "
        "(``self.last_loss = loss.item()``).",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels)\n"
        "    self.last_loss = loss.item()\n    return loss\n",
    )
    READ_ACROSS_REASSIGNMENT = ReasonText(
        "the loss reads `{name}` before and after forward assigns it again",
        "the loss reads two values of one name (``h`` before and after ``h = torch.tanh(h)``); the call "
        "sees only the last. Give the second value its own name.",
        "def forward(self, x, labels):\n    h = self.fc(x)\n    first = F.cross_entropy(h, labels)\n"
        "    h = self.aux(h)\n    loss = first + F.cross_entropy(h, labels)\n    return loss, h\n",
    )
    DERIVED_READ_TWICE = ReasonText(
        "the loss reads `{name}` more than once, and forward computed it from `{prediction}` (`{code}`): "
        "computing it twice is not the same gradient",
        "the loss reads twice a value ``forward`` computed from the prediction (``p = logits.softmax(-1)``), "
        "and ``forward`` cannot return it as the loss read it (it assigns it again after the loss): at a call "
        "that passes labels it would be computed twice. Where it can, ``forward`` returns it beside the "
        "prediction (``return logits, p``).",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    p = logits.softmax(-1)\n"
        "    loss = F.nll_loss(p.log(), labels) + p.pow(2).mean()\n    p = p.detach()\n    return loss, logits\n",
    )
    PREDICTION_REASSIGNED = ReasonText(
        "forward assigns `{name}` again after the loss reads it",
        "the prediction changes after the loss is computed, in a way the call cannot repeat "
        "(``logits = self.aux(x) + logits``, a layer with parameters).",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels)\n"
        "    logits = self.aux(x) + logits\n    return loss, logits\n",
    )
    CRITERION_USES_LOCAL = ReasonText(
        "the criterion uses the forward-local `{name}`",
        "a criterion built in ``forward`` from a value computed there (``nn.CrossEntropyLoss(weight=w)``); "
        "it is built once before the loop, where that value does not exist. Build it in ``__init__``.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    w = logits.new_ones(2)\n"
        "    loss = nn.CrossEntropyLoss(weight=w)(logits, labels)\n    return loss, logits\n",
    )
    OTHER_FORWARD_VALUE = ReasonText(
        "the loss uses the forward-local `{name}` besides the prediction, and forward cannot return it as the loss read it",
        "an auxiliary term reads a value of ``forward`` the prediction cannot give (``loss = ce(logits, labels) + "
        "aux.pow(2).mean()``). Such a value is returned beside the prediction from now on (``return logits, aux``), "
        "unless ``forward`` assigns it again after the loss read it, or binds it in a tuple or a loop (no line "
        "of its own to keep): then what the call would get is not what the loss read.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    aux = self.aux(x)\n"
        "    loss = F.cross_entropy(logits, labels) + aux.pow(2).mean()\n    aux = aux.detach()\n"
        "    print(aux.sum())\n    return loss, logits\n",
    )
    INPUT_USED_AFTER_LOSS = ReasonText(
        "the loss reads the argument `{name}`, which forward uses again after the loss: the call would read it "
        "as forward left it",
        "the loss reads another argument of ``forward`` (a mask), which each call would read as it passed it; "
        "here ``forward`` goes on using it after the loss, where it may change it (``mask.masked_fill_``, "
        "``out=``, an alias). Compute what the loss needs from it before the loss, or move that use before.",
        "def forward(self, x, mask, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits[mask], labels[mask])\n"
        "    self.last_mask = mask\n    return loss, logits\n",
    )
    CHANGED_AFTER_LOSS = ReasonText(
        "forward runs `{code}` after the loss, which may change what the loss reads (a setting of the model, "
        "an argument, a module-level value): the call would read it once forward has returned",
        "the loss reads a setting of the model (``self.smooth``), a module-level value or another argument, "
        "which each call reads again once ``forward`` has returned; here ``forward`` goes on after the loss "
        "with code that may change it (a method of the model, a function given the model, a store into "
        "it). Move that code before the loss.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    loss = F.cross_entropy(logits, labels, "
        "label_smoothing=self.smooth)\n    self.anneal()\n    return loss, logits\n",
    )
    PREDICTION_FROM_LOSS_INPUT = ReasonText(
        "the loss uses `{name}`, while forward returns `{prediction}` computed from it (`{code}`) in a "
        "way that cannot move to the call",
        "the loss reads a value the prediction is computed from by a layer with parameters or at random "
        "(``logits = self.aux(h)``, dropout): the call cannot compute both from one returned value. Such a "
        "value is returned beside the prediction (``return logits, h``), unless ``forward`` assigns it again "
        "after the loss read it.",
        "def forward(self, x, labels):\n    h = self.fc(x)\n    logits = self.aux(h)\n"
        "    loss = F.cross_entropy(h, labels)\n    h = h.detach()\n    print(h.sum())\n    return loss, logits\n",
    )
    SEVERAL_VALUES = ReasonText(
        "the loss combines several forward values ({names})",
        "``forward`` returns only the loss, and it compares more than one value with the labels "
        "(``ce(a, labels) + ce(b, labels)``): which is the prediction to return is not in the code. A term reading "
        "another value without the labels (``+ 0.1 * hidden.norm()``) is returned beside the prediction instead.",
        "def forward(self, x, labels):\n    a = self.fc(x)\n    b = self.aux(x)\n"
        "    return F.cross_entropy(a, labels) + F.cross_entropy(b, labels)\n",
    )
    LABELS_TEST = ReasonText(
        "forward tests `{test}`: whether it computes the loss depends on more than whether labels are given",
        "a test of the labels that is not ``labels is [not] None`` (``labels is not None and self.training``).",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    if labels is not None and self.training:\n"
        "        loss = F.cross_entropy(logits, labels)\n        return loss, logits\n    return logits\n",
    )
    PLACEHOLDER_TEST = ReasonText(
        "forward tests `{test}`, which reads `{name}`, a value only labels set: whether labels are given "
        "does not decide it",
        "a test of the loss placeholder other than ``is [not] None`` (``loss = 0`` … ``if loss > 0:``), or of "
        "one that is not ``None`` without labels.",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    loss = 0\n    if labels is not None:\n"
        "        loss = F.cross_entropy(logits, labels)\n    if loss > 0:\n        return loss, logits\n"
        "    return logits\n",
    )
    LABELS_UNDER_OTHER_TEST = ReasonText(
        "forward chooses how to use labels under `{header}:`, a branch that is not moved to calls",
        "the loss is chosen by a test of something other than the labels that a call could not repeat: "
        "one that calls something (``if torch.rand(1) < 0.5:``) or reads a value ``forward`` changes, or a "
        "branch holding more than plain ``name = value`` lines. A test of an input or a setting "
        "(``if attention_mask is not None:``, ``if self.smooth:``) moves to the calls as a conditional "
        "expression.",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    loss = None\n    if labels is not None:\n"
        "        if torch.rand(1).item() < 0.5:\n            loss = F.cross_entropy(logits, labels, label_smoothing=0.1)\n"
        "        else:\n            loss = F.cross_entropy(logits, labels)\n    return loss, logits\n",
    )
    LOSS_UNDER_OTHER_TEST = ReasonText(
        "forward chooses what it returns under `{header}:`, a test of something other than the labels, "
        "and the loss `{name}` is in that branch: a choice that is not moved to calls",
        "whether the result holds the loss depends on another test (``if not return_dict:``).",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    loss = None\n    if labels is not None:\n"
        "        loss = F.cross_entropy(logits, labels)\n    output = (logits,)\n    if self.training:\n"
        "        output = (loss,) + output\n    return output\n",
    )
    LABELS_IN_BLOCK = ReasonText(
        "forward reads `{name}` inside `{header}:`, a block the two paths (labels given, labels absent) "
        "are not read through",
        "the labels, or the loss only they set, are read in a ``with``, ``for``, ``while`` or ``try`` block "
        "(``with torch.autocast(...):``). Test the labels outside the block.",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    loss = None\n"
        "    with torch.no_grad():\n        if labels is not None:\n            loss = F.cross_entropy(logits, labels)\n"
        "    return loss, logits\n",
    )
    EMPTY_PATH = ReasonText(
        "forward does nothing when labels are {path}",
        "every statement of ``forward`` is under the labels test, so one path returns ``None`` without a ``return``.",
        "def forward(self, x, labels=None):\n    if labels is not None:\n        logits = self.fc(x)\n"
        "        loss = F.cross_entropy(logits, labels)\n        return loss, logits\n",
    )
    ONE_LINE_FORWARD = ReasonText(
        "forward is written on its `def` line",
        "``def forward(self, x, labels=None): return ...``: put the body on lines of its own.",
        "def forward(self, x, labels=None): return (F.nll_loss(self.fc(x), labels), self.fc(x)) "
        "if labels is not None else self.fc(x)\n",
    )
    LABELLESS_RESULT = ReasonText(
        "without labels, forward returns something other than the prediction alone, and a call here passes none",
        "without labels ``forward`` returns a value the new ``forward`` no longer computes "
        "(``return logits, hidden``, or ``raw`` saved before ``logits`` changed), and a call passes no labels; "
        "nor can ``forward`` keep returning it (the loss reads what it does not hold).",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    if labels is not None:\n"
        "        return F.cross_entropy(logits, labels), logits\n    return logits, self.aux(x)\n",
    )
    LOSS_WITHOUT_LABELS_CALLED = ReasonText(
        "forward computes the loss even when its labels are None, and a call may pass none",
        "``labels=None`` by default, yet the loss is computed on every path, beside more than the "
        "prediction (``return loss, logits, hidden``). The fix returns that result less the loss, and a call "
        "without labels (or through a receiver nothing traces, or ``Trainer``, which may predict without "
        "them) got the loss of no labels, or an error, before. Test the labels (``if labels is not None:``) "
        "to say what such a call gets.",
        "def forward(self, x, labels=None):\n    logits = self.fc(x)\n    hidden = self.aux(x)\n"
        "    loss = F.cross_entropy(logits, labels)\n    return loss, logits, hidden\n",
    )
    LOSS_READS_UNRETURNED = ReasonText(
        "the loss reads `{name}`, which forward's result does not hold beside the loss",
        "``forward`` returns more than the loss and the prediction, so it returns that result less the loss "
        "and each call computes the loss from it. Here the loss reads a value the result does not hold "
        "(``loss = ce(logits, labels)`` beside ``return {\"loss\": loss, \"probs\": probs, \"hidden\": h}``, "
        "``probs`` clipped), which no call can compute. Return that value in the result too.",
        "def forward(self, x, labels):\n    logits = self.fc(x)\n    hidden = self.aux(x)\n"
        "    loss = F.cross_entropy(logits, labels)\n    return loss, logits.clamp(-1, 1), hidden\n",
    )
    LABEL_AND_LABELS = ReasonText(
        "forward uses both `label` and `labels`",
        "``forward`` takes ``label`` and also reads a ``labels`` of its own: the two cannot be told apart.",
        "def forward(self, x, label):\n    labels = label.long()\n    logits = self.fc(x)\n"
        "    loss = F.cross_entropy(logits, labels)\n    return loss\n",
    )

    @property
    def message(self) -> str:
        return self.value.message

    @property
    def fields(self) -> list[str]:
        """The names the message fills in."""
        return [field for _, field, _, _ in string.Formatter().parse(self.value.message) if field]

    def text(self, **fields: str) -> str:
        """The message with its fields filled in."""
        return self.value.message.format(**fields)

    def pattern(self) -> "re.Pattern[str]":
        """Matches a text that starts with this message, whatever its fields hold."""
        parts = string.Formatter().parse(self.value.message)
        return re.compile("".join(re.escape(literal) + ("(.+?)" if field is not None else "") for literal, field, _, _ in parts))


def documented(reason: ForwardReason) -> str:
    """One item of a rule's list: the message as a finding says it (fields as ``…``), then when
    and why; wrapped as the docstrings are."""
    shown = re.sub(r"\{\w+\}", "…", reason.message)
    return textwrap.fill(f'- "{shown}": {reason.value.explanation}', width=100, subsequent_indent="  ", break_on_hyphens=False)


def reasons_section() -> str:
    """The paragraph a rule that reads ``forward`` ends its documentation with."""
    items = "\n".join(documented(reason) for reason in ForwardReason)
    return f"\n\nReading ``forward``, the fix is refused when it meets one of these (the finding says which):\n\n{items}"


def matching(text: str) -> Optional[ForwardReason]:
    """The reason whose message ``text`` starts with, if any; of two, the longer (one message
    may begin with another: "the loss reads `p` more than once, and ...")."""
    found = [reason for reason in ForwardReason if reason.pattern().match(text)]
    return max(found, key=lambda reason: len(reason.message), default=None)
