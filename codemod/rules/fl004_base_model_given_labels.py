"""FL004: a Hugging Face *base* model (no head) is given labels.

What it finds
-------------
``BertModel``, ``AutoModel``, ``GPT2Model``... (a transformers class without a head) called with
``labels=``, or handed to ``Trainer`` whose batches carry labels (``DataCollatorForLanguageModeling``
and friends), also inside a PEFT wrapper (``get_peft_model(BertModel(config), lora_config)``). A
Trainer subclass with its own ``compute_loss`` is the user's loss, and is left alone.

Why
---
A base model computes no loss. transformers 4 raised the TypeError for ``labels=``; transformers 5
drops the keyword silently and the program fails later, and the finding says where:
``ValueError: The model did not return a loss from the inputs`` (Trainer), ``AttributeError: ...
object has no attribute 'loss'`` (``outputs.loss``), ``RuntimeError: grad can be implicitly created
only for scalar outputs`` (``outputs[0].backward()``), ``ValueError: You must specify exactly one
of input_ids or inputs_embeds`` (a T5 model, whose decoder gets no input), or ``AttributeError:
... no attribute 'prepare_inputs_for_generation'`` (a causal-LM PEFT wrapper).

When the task is evident, the model becomes the matching head class, whose output has a loss.
The task: ``num_labels=`` (sequence classification), ``DataCollatorForTokenClassification`` (token
classification), ``DataCollatorForLanguageModeling`` (masked LM, or causal LM with ``mlm=False``),
a PEFT ``TaskType``, labels drawn one an example (``torch.randint(0, K, (n,))`` handed on as
labels: sequence classification); failing those, a decoder-only family (``GPT2``, ``Llama``...: causal LM) or an
encoder-decoder one (``T5``, ``Bart``, ``Pegasus``...: seq2seq LM, ``...ForConditionalGeneration``,
``AutoModelForSeq2SeqLM`` for ``AutoModel``). The head class is checked in the installed
transformers.

A classification head is sized by ``num_labels``, 2 unless set: the repair carries the class
count the program shows (``num_labels = ...``, ``n_classes = ...``, an ``id2label`` map, a
``ClassLabel``; failing those, the range its labels are drawn from) into the config or the
``from_pretrained`` call, unless the construction sizes the head already. An encoder trained by a
Trainer whose collator is ``DataCollatorForLanguageModeling(mlm=False)`` gets its masked-LM head
(its causal-LM class is a decoder's), with a note that such a collator masks nothing.

Example
-------
::

    num_labels = 6                                   num_labels = 6
    config = BertConfig(vocab_size=50)               config = BertConfig(vocab_size=50, num_labels=num_labels)
    model = BertModel(config)                  ->    model = BertForSequenceClassification(config)
    loss = model(ids, labels=y).loss                 loss = model(ids, labels=y).loss

When it refuses
---------------
Reports without changing anything when the task is not evident or ambiguous (the finding lists
the candidates), when the code reads base-model outputs (``last_hidden_state``,
``pooler_output``) that a head model does not return, when the model's construction is not a
single visible assignment, when a classification head's class count is not shown (none, or
several) or its config cannot be traced, when a decoder's sequence classifier would have no
``pad_token_id`` (it fails on batches of more than one), and when no head class exists.

*The recipe when no head class exists.* An encoder-only model (``MT5EncoderModel``,
``T5EncoderModel``) has no head class to swap in. The usual answer is a small module of your
own around it, with the loss in the training loop::

    class Classifier(nn.Module):
        def __init__(self, encoder, num_labels):
            super().__init__()
            self.encoder = encoder
            self.head = nn.Linear(encoder.config.d_model, num_labels)

        def forward(self, input_ids, attention_mask=None):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return self.head(hidden[:, 0])

    model = Classifier(MT5EncoderModel(config), num_labels)
    loss = nn.CrossEntropyLoss()(model(ids), labels)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from codemod.analysis.callsites import CallSite, Instance, ModelUse
from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.cst.nodes import dotted
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit, imports_transformers
from codemod.cst.positions import enclosing_scope
from codemod.rules.constructions import Construction, class_node, construction_of, peft_wrappings
from codemod.rules.class_count import (
    CountState,
    LabelDraw,
    class_counts,
    count_state,
    describe,
    drawn_count,
    label_draws,
    with_count,
)
from codemod.rules.heads import (
    ANSWER_SPANS,
    FALLBACK_CANDIDATES,
    PEFT_TASK_MENTION,
    ConfigSource,
    Task,
    auto_class_takes,
    auto_heads,
    base_model_family,
    config_class_of,
    head_class,
    head_exists,
    unpadded_decoder_classifier,
    peft_task,
    tasks_in,
    traced_config,
)
from codemod.rules.symptoms import Symptom, output_reader, read_as_hidden_states, under_transformers_5
from codemod.rules.spec import Example, Fix, Rule
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import LABELS_PARAM, ImportSpec, Refusal

RULE = Rule(
    code="FL004",
    name="base-model-given-labels",
    summary="a transformers base model (no head, no loss) is given labels",
    fix=Fix.REPAIR,
)
CODE = RULE.code
T5_FAMILIES = frozenset({"T5", "MT5", "UMT5", "LongT5"})
"""Encoder-decoder families whose decoder has no input without labels or ``decoder_input_ids``."""
BASE_OUTPUT_READERS = re.compile(r"\b(last_hidden_state|pooler_output)\b")


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Files that import transformers themselves: a model's library class is known only
    through such an import, and the walk follows the model wherever it flows (its labels may be
    passed in another module)."""
    return imports_transformers


@dataclass(frozen=True)
class _Target:
    """Where a base model gets labels: a call ``model(..., labels=y)``, or a Trainer it is
    handed to."""

    path: Path
    display_path: str
    line: int
    column: int
    qualified: str
    receiver: str
    message: str
    by_trainer: bool
    keywords: tuple[str, ...] = ()
    by_peft: bool = False
    """Found at a PEFT wrapper with a task, not where labels go."""


LABELLING_COLLATORS = re.compile(r"\bDataCollatorFor(LanguageModeling|TokenClassification|Seq2Seq|WholeWordMask)\b")
LABELS_MENTIONED = re.compile(r"\b(labels?|start_positions)\b")


def find_units(ctx: RuleContext) -> list[Unit]:
    targets = [t for t in map(_call_target, ctx.graph.sites) if t is not None]
    targets += [t for t in (_trainer_target(ctx, use) for use in ctx.graph.uses) if t is not None]
    targets += _peft_targets(ctx, {t.path for t in targets})
    return [_unit_for(ctx, t) for t in targets]


def _peft_targets(ctx: RuleContext, reported: set[Path]) -> list[_Target]:
    """``get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS))`` around a base model:
    the task-specific PEFT model needs the head the base model lacks, labels or not (a causal-LM
    one fails at construction, a classifier's output has no logits). A file whose base model is
    reported for its labels already is left to that finding."""
    targets = []
    for module in ctx.index.modules.values():
        if module.path in reported or "peft" not in module.text or not PEFT_TASK_MENTION.search(module.text):
            continue
        layout = ctx.layout(module.path)
        if layout is None:
            continue
        for wrapping in peft_wrappings(layout, module.resolve):
            qualified = wrapping.qualified
            base = base_model_family(qualified) if qualified.startswith("transformers.") else None
            if base is None or peft_task(wrapping.config, wrapping.model.bindings) is None:
                continue  # a feature-extraction wrapper needs no head
            if read_as_hidden_states(layout, enclosing_scope(layout, wrapping.call), wrapping.receiver) is True:
                continue  # an encoder whose wrapper's task type is wrong: FL008's
            model = qualified.rpartition(".")[2]
            message = f"`{model}` has no head, but `{wrapping.wrapper.rpartition('.')[2]}` wraps it for a task that needs one"
            targets.append(
                _Target(module.path, module.display_path, wrapping.line, wrapping.column, qualified, wrapping.receiver, message, False, by_peft=True)
            )
    return targets


def _single_base_model(instance: Instance) -> Optional[tuple[str, str]]:
    if instance.classes or len(instance.library) != 1:
        return None
    qualified = next(iter(instance.library))
    family = base_model_family(qualified)
    return (qualified, family) if family is not None else None


def _call_target(site: CallSite) -> Optional[_Target]:
    base = _single_base_model(site.instance)
    if base is None:
        return None
    if not ({LABELS_PARAM, *ANSWER_SPANS} & set(site.shape.keywords)) and not (site.shape.double_star and site.shape.double_star_has_labels):
        return None
    name = base[0].rpartition(".")[2]
    message = f"`{name}` has no head and computes no loss, but `{site.receiver}(...)` gives it labels"
    return _Target(site.path, site.display_path, site.line, site.column, base[0], site.receiver, message, False, site.shape.keywords)


def _trainer_target(ctx: RuleContext, use: ModelUse) -> Optional[_Target]:
    """Trainer calls the model with the batch's labels and needs a loss back, unless its
    ``compute_loss`` is the user's own."""
    base = _single_base_model(use.instance)
    if base is None:
        return None
    trainer_key = ctx.index.class_key(use.consumer)
    if trainer_key is not None and "compute_loss" in ctx.index.summary(trainer_key).method_names:
        return None
    text = ctx.index.by_path[use.path].text
    if not (LABELLING_COLLATORS.search(text) or LABELS_MENTIONED.search(text)):
        return None
    name = base[0].rpartition(".")[2]
    trainer = use.consumer.rpartition(".")[2]
    message = f"`{name}` has no head and computes no loss, but `{trainer}` trains it on labels"
    return _Target(use.path, use.display_path, use.line, use.column, base[0], use.value, message, True)


def _symptom(target: _Target, family: str, tasks: list[Task], construction: Optional[Construction], reader: tuple[Symptom, ...]) -> str:
    """Which transformers-5 message this program raises instead of the TypeError."""
    if construction is not None and construction.wrapper is not None and Task.CAUSAL_LM in tasks:
        return under_transformers_5(Symptom.PEFT_WITHOUT_HEAD)
    if target.by_peft:
        return under_transformers_5(Symptom.NO_LOGITS)
    if family in T5_FAMILIES and "decoder_input_ids" not in target.keywords:
        return under_transformers_5(Symptom.NO_DECODER_INPUTS)
    if target.by_trainer:
        return under_transformers_5(Symptom.NO_LOSS_FROM_TRAINER)
    return under_transformers_5(*(reader or (Symptom.NO_LOSS_ATTRIBUTE, Symptom.NOT_A_SCALAR)))


def _unit_for(ctx: RuleContext, target: _Target) -> Unit:
    base = target.qualified.rpartition(".")[2]
    family = base_model_family(target.qualified) or ""
    module = ctx.index.by_path[target.path]
    layout = ctx.layout(target.path)
    construction = construction_of(layout, module.resolve, target.receiver, target.line) if layout is not None else None
    config = traced_config(construction.call, construction.bindings, construction.line) if construction is not None else None
    config_class = config_class_of(config)
    draws = _draws(layout, module.resolve, construction, config)
    # `AutoModel.from_config(T5Config(...))` is a T5 model: its family says what it is built for.
    tasks = tasks_in(module.text, config_class.removesuffix("Config") if family == "Auto" and config_class.endswith("Config") else family, bool(draws) and all(draw.per_example for draw in draws))
    message = f"{target.message} {_symptom(target, family, tasks, construction, output_reader(layout, target.line, target.column, module.text, Symptom.NO_LOSS_ATTRIBUTE))}"
    unit = Unit(Finding(target.display_path, target.line, target.column + 1, CODE, message))
    if tasks == [Task.CAUSAL_LM] and target.by_trainer and _encoder_under_unmasking_collator(family, module.text, layout, target, construction, config):
        # The collator's labels are the inputs; the one language-model head an encoder has
        # takes them (the answer such reports get). Its causal-LM class is a decoder's.
        tasks = [Task.MASKED_LM]
        unit.notes.append("; with `mlm=False` the collator masks no token, so the masked-LM head learns to copy its input: `mlm=True` pretrains it")
    refusal = _refusal(family, base, tasks, module.text)
    if refusal is not None:
        unit.refusal = refusal
        return unit
    (task,) = tasks
    head = head_class(family, task)
    node = class_node(construction.call) if construction is not None else None
    if construction is None or node is None or dotted(node) is None or not module.resolve(dotted(node)).endswith("." + base):  # type: ignore[arg-type]  # dotted(node) was just found not None
        unit.refusal = Refusal(f"`{target.receiver}` is not built by one visible `{base}` call")
        return unit
    if family == "Auto" and config_class.endswith("Config"):
        built = [auto for auto in auto_heads(task) if auto_class_takes(auto, config_class) is not False]
        if not built:
            named = [f"`{auto}`" for auto in auto_heads(task)]
            said = f"{named[0]} does not build" if len(named) == 1 else f"neither {' nor '.join(named)} builds"
            unit.refusal = Refusal(f"{said} a model for `{config_class}` in the installed transformers")
            return unit
        head = built[0]
    renamed = node.with_changes(value=head) if isinstance(node, cst.Name) else node.with_changes(attr=node.attr.with_changes(value=head))  # type: ignore[attr-defined]  # a dotted name: a Name or an Attribute
    edits = FileEdits()
    edits.replace[node] = renamed
    if isinstance(node, cst.Name):
        edits.renamed_imports[ImportSpec("transformers", base)] = ImportSpec("transformers", head)
    unpadded = unpadded_decoder_classifier(task, family, config_class, config, head)
    if unpadded is not None:
        unit.refusal = unpadded
        return unit
    if task.classifies:
        counted = _carry_class_count(construction, head, module.text, edits, node, renamed, draws, unit.notes)
        if counted is not None:
            unit.refusal = counted
            return unit
    unit.finding = Finding(
        target.display_path, target.line, target.column + 1, CODE, f"{message}; the task is {task}: use `{head}`"
    )
    unit.edits[target.path] = edits
    return unit


def _encoder_under_unmasking_collator(
    family: str, text: str, layout: Optional[Layout], target: _Target, construction: Optional[Construction], config: Optional[ConfigSource]
) -> bool:
    """An encoder family (one with a masked-LM head, not configured as a decoder) trained by a
    Trainer whose own collator is ``DataCollatorForLanguageModeling(..., mlm=False)``, and no PEFT
    task type, which would need a generating model."""
    if family == "Auto" or PEFT_TASK_MENTION.search(text) is not None or head_exists(family, head_class(family, Task.MASKED_LM)) is not True:
        return False
    if config is None or config.node is None or any(a.keyword is not None and a.keyword.value == "is_decoder" for a in config.node.args):
        return False
    collator = _trainer_collator(layout, target, construction)
    return collator is not None and (dotted(collator.func) or "").endswith(COLLATOR) and any(
        a.keyword is not None and a.keyword.value == "mlm" and isinstance(a.value, cst.Name) and a.value.value == "False" for a in collator.args
    )


def _trainer_collator(layout: Optional[Layout], target: _Target, construction: Optional[Construction]) -> Optional[cst.Call]:
    """The collator call the Trainer at ``target`` is given, inline or through one binding."""
    if layout is None or construction is None:
        return None
    around = [
        call for (line, column), call in layout.calls.items()
        if (dotted(call.func) or "").endswith("Trainer")
        and (line, column) <= (target.line, target.column) <= (layout.positions[call].end.line, layout.positions[call].end.column)
    ]
    if len(around) != 1:
        return None
    value = next((a.value for a in around[0].args if a.keyword is not None and a.keyword.value == "data_collator"), None)
    if isinstance(value, cst.Name):
        values = construction.bindings.get(value.value, [])
        value = values[0][1] if len(values) == 1 else None
    return value if isinstance(value, cst.Call) else None


COLLATOR = "DataCollatorForLanguageModeling"


def _refusal(family: str, base: str, tasks: list[Task], text: str) -> Optional[Refusal]:
    """Why no head class can be chosen: none is evident, none exists, or the code reads what
    only the base model returns."""
    existing = [head_class(family, t) for t in (tasks or FALLBACK_CANDIDATES) if head_exists(family, head_class(family, t)) is not False]
    if not existing:
        return Refusal(
            f"no head class of the installed transformers takes `{base}`'s place: keep `{base}` as the body of a small "
            "module of your own with a head sized to your classes, and compute the loss from its output "
            "(the recipe: `fixlabels explain FL004`)"
        )
    if len(tasks) != 1:
        return Refusal("the task is not evident; use one of " + ", ".join(f"`{h}`" for h in existing))
    if tasks == [Task.CAUSAL_LM] and family != "Auto" and head_exists(family, head_class(family, Task.MASKED_LM)):
        # `RobertaForCausalLM` is the encoder run as a decoder (`is_decoder=True`), not a
        # language model of its own: the collator's `mlm=False` does not make one of `Roberta`.
        return Refusal(
            f"`{base}` is an encoder: its causal-LM class is for use as a decoder (`is_decoder=True`); "
            f"for language modelling use `{head_class(family, Task.MASKED_LM)}` with a masking collator (`mlm=True`)"
        )
    if BASE_OUTPUT_READERS.search(text):
        return Refusal("the code reads base-model outputs (last_hidden_state/pooler_output) that a head model does not return")
    return None


def _draws(layout: Optional[Layout], resolve: Callable[[str], str], construction: Optional[Construction], config: Optional[ConfigSource]) -> list[LabelDraw]:
    """The labels the module draws from a class range, read where the head's config is built."""
    if layout is None or construction is None:
        return []
    return label_draws(layout, resolve, construction.bindings, config.line if config is not None else construction.line)


def _carry_class_count(
    construction: Construction,
    head: str,
    text: str,
    edits: FileEdits,
    node: cst.BaseExpression,
    renamed: cst.BaseExpression,
    draws: list[LabelDraw],
    notes: list[str],
) -> Optional[Refusal]:
    """A classification head's size: kept when the construction already gives it, else
    ``num_labels=`` from the one class count the program binds (failing that, the range its
    labels are drawn from), else a refusal. ``node`` is the class in the construction, already
    set to become ``renamed``."""
    call, bindings = construction.call, construction.bindings
    state = count_state(call, bindings, construction.line)
    if state is CountState.CARRIED:
        return None
    if state is CountState.UNKNOWN:
        return Refusal(f"`{head}` sizes its head from a config the analysis cannot trace; give it `num_labels=` (the number of classes)")
    config = traced_config(call, bindings, construction.line)
    counts = class_counts(bindings, config.line if config is not None else construction.line) or drawn_count(draws, one_label_an_example=head.endswith("ForSequenceClassification"))
    if len(counts) != 1:
        shown = f"the program binds several: {describe(counts)}" if counts else "the program binds none the analysis can read"
        return Refusal(
            f"`{head}` would have 2 classes, its default, and the number of classes is not known ({shown}); "
            "give it `num_labels=`"
        )
    notes.append(f"; the head's classes: `{counts[0].expression}` (line {counts[0].line})")
    if config is None:  # the count goes into the construction, whose class changes too
        del edits.replace[node]
        edits.replace[call] = with_count(call.deep_replace(node, renamed), counts[0])  # type: ignore[arg-type]  # replacing an expression by one
        return None
    if config.node is None or config.shared(text):
        return Refusal(f"`{head}` sizes its head from `{config.name}`, which other code reads too; give it `num_labels=`")
    edits.replace[config.node] = with_count(config.node, counts[0])
    return None


EXAMPLES = (
    Example(
        before="""\
from transformers import BertConfig, BertModel

model = BertModel(BertConfig(num_labels=3))
loss = model(ids, labels=y).loss
""",
        after="""\
from transformers import BertConfig, BertForSequenceClassification

model = BertForSequenceClassification(BertConfig(num_labels=3))
loss = model(ids, labels=y).loss
""",
    ),
    Example(
        before="""\
from transformers import BertModel

model = BertModel.from_pretrained("bert-base-uncased")
outputs = model(ids, labels=y)
""",
        refused='the task is not evident; use one of `BertForSequenceClassification`, `BertForMaskedLM`',
    ),
    Example(
        before="""\
from transformers import BertModel

model = BertModel.from_pretrained("bert-base-uncased")
hidden = model(ids).last_hidden_state
""",
    ),
)
