"""FL002: labels are passed to a custom ``forward`` that does not take them.

What it finds
-------------
A call of a custom model whose ``forward`` has no ``labels`` parameter, given labels anyway: a
``labels=`` keyword, one positional argument too many, or a ``**batch`` whose dict carries
``"labels"`` (a dict literal, a ``collate_fn`` of the project that builds one, or
``batch["labels"]`` read nearby).

Why
---
This is ``TypeError: forward() got an unexpected keyword argument 'labels'`` itself: the loop was
written for a Hugging Face model, which computes the loss when given labels, but calls a model of
its own. The fix stops passing labels and computes the loss in the loop: a ``**batch`` becomes
its known keys spelled out, else a comprehension dropping ``"labels"``; readers of the result
become the new values (``.loss``/``["loss"]``/``[0]`` the loss, ``.logits``/``["logits"]``/``[1]``
the prediction). When the loop already applies a criterion to the result, only the labels go. The
criterion is one the scope already has, else ``--criterion`` (default ``nn.CrossEntropyLoss()``),
created once before the loop: the program failed before, so this is a choice, named here.
``labels=None`` passes nothing: the keyword alone goes.

Example
-------
::

    outputs = model(ids, attention_mask=m, labels=y)      logits = model(ids, attention_mask=m)
    loss = outputs.loss                              ->   loss = criterion(logits, y)

When it refuses
---------------
When ``forward`` wraps a transformers model that computes its own loss (the labels belong
to it: pass them through), when the result is used in a way that needs a real output object
(returned whole, passed on),
when the call could be more than one class, or when the call cannot be rewritten exactly (see
FL001's list).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Callable, Optional

from codemod.analysis.callsites import CallSite
from codemod.analysis.index import ClassKind, ModuleSummary, RepoIndex
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, SiteTask, Unit, forward_without_labels, naming_any
from codemod.rules.criterion import criterion_on_first_use
from codemod.rules.spec import Example, Fix, Rule
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import CRITERION, HF_OUTPUT, LABEL_ALIAS, LABELS_PARAM, Refusal, Signature, SitePlan

RULE = Rule(
    code="FL002",
    name="labels-to-forward-without-labels",
    summary="labels are passed to a custom forward() that does not take them (the TypeError)",
    fix=Fix.REPAIR,
)
CODE = RULE.code


def _passes_labels(site: CallSite, signature: Signature) -> Optional[str]:
    shape = site.shape
    if LABELS_PARAM in shape.keywords:
        return "passes `labels=`"
    if (
        not signature.var_positional
        and not shape.star
        and shape.positional == len(signature.positional_names) + 1
        and looks_like_labels(shape.last_positional)
    ):
        return f"passes `{shape.last_positional}` as one positional argument more than it takes"
    if shape.double_star and shape.double_star_has_labels:
        return "unpacks a batch that carries `labels`"
    return None


LABEL_WORDS = re.compile(r"label|target|(^|_)y($|_)|gold", re.IGNORECASE)


def looks_like_labels(source: str) -> bool:
    """An extra positional argument is taken for labels only when its name says so."""
    return bool(source) and bool(LABEL_WORDS.search(source.rpartition(".")[2]))


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Files that name a custom model whose forward does not take labels: the walk follows its
    instances from there to the calls that pass them labels, in any module."""
    return naming_any(forward_without_labels(index))


TRANSFORMERS_HEAD = re.compile(r"\b\w+(?:For\w+|LMHeadModel)\b")
"""A transformers class that computes a loss when given labels (``GPT2LMHeadModel``, ``AutoModelForCausalLM``)."""


def _wrapped_loss_model(text: str, forward_line: int) -> Optional[str]:
    """``self.<name>`` when ``forward`` (at ``forward_line``) calls a model held on ``self`` and
    its module imports a transformers class with a head: the module most likely wraps it."""
    if not re.search(r"^\s*from transformers\b.*\b\w+(?:For\w+|LMHeadModel)\b|^\s*import transformers\b", text, re.MULTILINE):
        return None
    lines = text.splitlines()[forward_line - 1 :]
    indent = len(lines[0]) - len(lines[0].lstrip())
    body = []
    for line in lines[1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    for called in re.finditer(r"\bself\.(\w+)(?:\.forward)?\(", "\n".join(body)):
        attribute = re.escape(called.group(1))
        # `self.model = GPT2LMHeadModel(...)`, or `self.model = model` given one by a subclass's
        # `super().__init__(GPT2LMHeadModel(config))`.
        built = re.search(rf"\bself\.{attribute}\s*=\s*[\w.]*(?:For\w+|LMHeadModel)\b", text)
        handed = re.search(rf"\bself\.{attribute}\s*=\s*\w+\s*$", text, re.MULTILINE) and re.search(
            r"super\(\)\.__init__\(\s*[\w.]*(?:For\w+|LMHeadModel)\b", text
        )
        if built or handed:
            return f"self.{called.group(1)}"
    return None


def _drop_labels_none(ctx: RuleContext, site: CallSite, unit: Unit) -> None:
    """``model(x, labels=None)``: there is no loss to move, and the keyword goes. A forward
    that does not take labels ran as without them, so nothing else changes."""
    layout = ctx.layout(site.path)
    call = layout.calls.get((site.line, site.column)) if layout is not None else None
    if call is None:
        unit.refusal = Refusal("could not find the call in the source")
        return
    kept = [arg for arg in call.args if not (arg.keyword is not None and arg.keyword.value == LABELS_PARAM)]
    if kept and not any(arg.keyword is not None and arg.keyword.value == LABELS_PARAM for arg in call.args[:-1]):
        kept[-1] = kept[-1].with_changes(comma=call.args[-1].comma)  # the dropped keyword was last
    edits = FileEdits()
    edits.replace[call] = call.with_changes(args=kept)
    unit.edits[site.path] = edits
    unit.finding = replace(unit.finding, message=f"{unit.finding.message}; `labels=None` passes nothing: it is dropped")


def find_units(ctx: RuleContext) -> list[Unit]:
    units: list[Unit] = []
    criterion = criterion_on_first_use(ctx.options)
    for site in ctx.graph.sites:
        if len(site.instance.classes) != 1 or site.instance.library:
            continue
        key = next(iter(site.instance.classes))
        if ctx.index.kind(key) is not ClassKind.MODULE:
            continue
        owner = ctx.index.forward_owner(key)
        if owner is None:
            continue
        signature = ctx.index.summary(owner).forward
        assert signature is not None
        if signature.param(LABELS_PARAM) is not None or signature.param(LABEL_ALIAS) is not None or signature.var_keyword:
            continue  # `label`: the parameter is misnamed (FL006), the call is right
        how = _passes_labels(site, signature)
        if how is None:
            continue
        message = f"`{site.receiver}(...)` {how}, but `{owner.name}.forward` does not take labels"
        finding = Finding(site.display_path, site.line, site.column + 1, CODE, message)
        unit = Unit(finding)
        units.append(unit)
        if site.shape.labels_none and LABELS_PARAM in site.shape.keywords:
            _drop_labels_none(ctx, site, unit)
            continue
        wrapped = _wrapped_loss_model(ctx.index.module_of(owner).text, signature.line)
        if wrapped is not None:
            # Such a forward's output is the library model's (often reshaped): its loss is that
            # model's own (shifted, with its ignored index), not a criterion chosen here.
            unit.refusal = Refusal(
                f"`{owner.name}.forward` calls `{wrapped}`, a transformers model that computes its own loss from labels: "
                f"give `{owner.name}.forward` a `labels=None` parameter and pass it on to that call"
            )
            continue
        if ctx.index.summary(owner).forward_returns_packed:
            unit.refusal = Refusal(f"`{owner.name}.forward` returns a tuple or dict, so the prediction is not clear")
            continue
        expression, imports = criterion()
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        template = cst.Call(func=cst.Name(CRITERION), args=[cst.Arg(cst.Name("logits"), comma=comma), cst.Arg(cst.Name(LABELS_PARAM))])
        plan = SitePlan(
            signature=signature,
            loss_template=template,
            prediction_placeholder="logits",
            preferred_prediction="logits",
            shape=HF_OUTPUT,
            criterion=expression,
            criterion_is_constant=True,
            labels_uses=1,
            criterion_imports=imports,
            reuse_scope_criterion=True,
        )
        unit.sites.append(SiteTask(site, plan))
    return units


EXAMPLES = (
    Example(
        before="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        return self.fc(x)


model = Net()
outputs = model(x, labels=y)
outputs.loss.backward()
""",
        after="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        return self.fc(x)


model = Net()
criterion = nn.CrossEntropyLoss()
logits = model(x)
criterion(logits, y).backward()
""",
    ),
    Example(
        before="""\
from torch import nn


class Net(nn.Module):
    def forward(self, x):
        return self.fc(x)


def step(model, x, y):
    return model(x, labels=y)


outputs = step(Net(), x, y)
""",
        refused="the call's HF-style output is returned whole",
    ),
    Example(
        before="""\
from transformers import BertForSequenceClassification

model = BertForSequenceClassification.from_pretrained("bert-base-uncased")
loss = model(x, labels=y).loss
""",
    ),
)
