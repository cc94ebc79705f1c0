"""FL008: a PEFT wrapper's task type asks for a head the model does not have, or does not use.

What it finds
-------------
``get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM))`` (or ``SEQ_2_SEQ_LM``), where
``model`` is built by a transformers classification head (``...ForTokenClassification``,
``...ForSequenceClassification``, ``...ForQuestionAnswering``): a value model, a critic, a
reward model. The task type may be given inline, through a name, or in a dict the config
unpacks (``LoraConfig(**lora_config)``).

Also a causal-LM or seq2seq wrapper around a *base* model (``AutoModel``) that the code uses as an
encoder: every read of its output is a hidden state (``[0]``, ``.last_hidden_state``), and it is
never given labels. The model may go by a name, or by an attribute of a class of the project
(``model.model = get_peft_model(model.model, config)``, ``self.model = AutoModel...``).

Why
---
PEFT's causal-LM and seq2seq wrappers call the model's ``prepare_inputs_for_generation``, which
only generating heads have: ``AttributeError: '...ForTokenClassification' object has no attribute
'prepare_inputs_for_generation'`` when the wrapper is built. The task type becomes the one the
head is for. The classification wrappers pass the inputs through to the head unchanged and keep
its classifier trainable. For an encoder, ``task_type`` is dropped: the plain ``PeftModel`` passes
the inputs through and returns the hidden states the code reads. (A base model whose code wants a
loss or logits is FL004's: it needs the head.)

Example
-------
::

    critic = AutoModelForTokenClassification.from_config(config)
    lora = LoraConfig(task_type=TaskType.CAUSAL_LM, r=8)   ->   lora = LoraConfig(task_type=TaskType.TOKEN_CLS, r=8)
    critic = get_peft_model(critic, lora)

When it refuses
---------------
When the config (or the dict it unpacks) is read by other code too, as one config shared by an
actor and a critic would be: changing it would change the other wrapper; when an encoder's
task type is in a dict it cannot drop it from; and for a prompt-learning config (prompt or prefix
tuning), which needs a task type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from codemod.analysis.callsites import is_peft_wrapper
from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.cst.nodes import dotted, without_args
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit
from codemod.cst.positions import enclosing_scope
from codemod.rules.constructions import PeftWrapping, class_node, construction_of, peft_wrappings, self_assignments
from codemod.rules.heads import (
    HEAD_SUFFIX,
    PEFT_TASK_MENTION,
    PEFT_TASKS,
    Bindings,
    Task,
    base_model_family,
    peft_task,
    peft_task_name,
    peft_task_value,
)
from codemod.rules.spec import Example, Fix, Rule
from codemod.rules.symptoms import Symptom, read_as_hidden_states
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import ImportSpec, Refusal

RULE = Rule(
    code="FL008",
    name="peft-task-type",
    summary="a PEFT wrapper's task type asks for a head the model does not have or use",
    fix=Fix.REPAIR,
)
CODE = RULE.code
GENERATING = frozenset({Task.CAUSAL_LM, Task.SEQ2SEQ_LM})
"""Wrapper tasks that need ``prepare_inputs_for_generation`` from the model."""
CLASSIFYING = (Task.SEQUENCE_CLASSIFICATION, Task.TOKEN_CLASSIFICATION, Task.QUESTION_ANSWERING)
"""Head tasks whose classes have no generation: the head's suffix names the task outright."""
TASK_TYPE_OF = {task: name for name, task in PEFT_TASKS.items()}
PROMPT_LEARNING = frozenset({"PromptTuningConfig", "PrefixTuningConfig", "PromptEncoderConfig", "MultitaskPromptTuningConfig", "CPTConfig"})
"""PEFT configs whose wrapper is chosen by the task type: without one, ``get_peft_model`` fails."""


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    return lambda module: False  # reads wrapper calls from the files' text, not from call sites


@dataclass(frozen=True)
class _Wrapping:
    """A PEFT wrapper call around a classification head with a generating task type."""

    peft: PeftWrapping
    head: str
    head_task: Task
    task_value: cst.BaseExpression
    """Where the config's task type is written."""
    wrapper_task: Task


def find_units(ctx: RuleContext) -> list[Unit]:
    units = []
    for module in ctx.index.modules.values():
        if "peft" not in module.text or not PEFT_TASK_MENTION.search(module.text):
            continue
        layout = ctx.layout(module.path)
        if layout is None:
            continue
        importers = [ctx.index.modules[name].text for name in ctx.index.importers(module.key) if name != module.key]
        for wrapping in _wrappings(layout, module.resolve):
            units.append(_unit_for(module, wrapping, importers))
        units += [_encoder_unit(module, encoder, importers) for encoder in _encoders(ctx, module, layout)]
    return units


def _wrappings(layout: Layout, resolve: Callable[[str], str]) -> list[_Wrapping]:
    found = []
    for wrapping in peft_wrappings(layout, resolve):
        head, head_task = _head_of(wrapping.qualified)
        value = peft_task_value(wrapping.config, wrapping.model.bindings)
        wrapper_task = PEFT_TASKS.get(peft_task_name(value) or "") if value is not None else None
        if head is None or head_task is None or value is None or wrapper_task not in GENERATING:
            continue
        found.append(_Wrapping(wrapping, head, head_task, value, wrapper_task))
    return found


def _head_of(qualified: str) -> tuple[Optional[str], Optional[Task]]:
    """The transformers classification head class ``qualified`` names, and its task."""
    if not qualified.startswith("transformers."):
        return None, None
    head = qualified.rpartition(".")[2]
    task = next((t for t in CLASSIFYING if head.endswith(HEAD_SUFFIX[t])), None)
    return (head, task) if task is not None else (None, None)


def _unit_for(module: ModuleSummary, wrapping: _Wrapping, importers: list[str]) -> Unit:
    wanted = TASK_TYPE_OF[wrapping.head_task]
    given = peft_task_name(wrapping.task_value)
    wrapper = wrapping.peft.wrapper.rpartition(".")[2]
    message = (
        f"`{wrapper}` wraps `{wrapping.head}`, a {wrapping.head_task} head, for {wrapping.wrapper_task} "
        f"(task type `{given}`), which needs a generating head: `{Symptom.PEFT_WITHOUT_HEAD}`"
    )
    unit = Unit(Finding(module.display_path, wrapping.peft.line, wrapping.peft.column + 1, CODE, message))
    shared = _shared_name(module.text, wrapping.peft.config, wrapping.peft.model.bindings, importers)
    if shared is not None:
        unit.refusal = Refusal(f"the task type is set in `{shared}`, which other code reads too; give this wrapper its own config with `task_type=TaskType.{wanted}`")
        return unit
    edits = FileEdits()
    edits.replace[wrapping.task_value] = _task_type(wrapping.task_value, wanted)
    unit.finding = Finding(module.display_path, wrapping.peft.line, wrapping.peft.column + 1, CODE, f"{message}; the task type becomes `{wanted}`")
    unit.edits[module.path] = edits
    return unit


def _shared_name(text: str, config: cst.BaseExpression, bindings: Bindings, importers: Sequence[str] = ()) -> Optional[str]:
    """A name between a wrapper call and its task type (the config, a dict the config unpacks)
    that more code reads than its binding and this use, here or in a module that imports this
    one (``importers``: their texts)."""
    names: list[str] = []
    if isinstance(config, cst.Name):
        names.append(config.value)
        values = bindings.get(config.value, [])
        config = values[0][1] if len(values) == 1 else config
    if isinstance(config, cst.Call):
        names += [arg.value.value for arg in config.args if arg.star == "**" and isinstance(arg.value, cst.Name)]
    return next(
        (
            name for name in names
            if len(re.findall(rf"\b{re.escape(name)}\b", text)) > 2 or any(re.search(rf"\b{re.escape(name)}\b", other) for other in importers)
        ),
        None,
    )


def _task_type(value: cst.BaseExpression, wanted: str) -> cst.BaseExpression:
    """``TaskType.CAUSAL_LM`` -> ``TaskType.TOKEN_CLS``; ``"CAUSAL_LM"`` -> ``"TOKEN_CLS"``."""
    if isinstance(value, cst.Attribute):
        return value.with_changes(attr=value.attr.with_changes(value=wanted))
    if isinstance(value, cst.SimpleString):
        quote = value.value[len(value.prefix)]
        return value.with_changes(value=f"{value.prefix}{quote}{wanted}{quote}")
    return cst.parse_expression(f"TaskType.{wanted}")


@dataclass(frozen=True)
class _Encoder:
    """A PEFT wrapper with a head task around a base model the code uses as an encoder."""

    line: int
    column: int
    wrapper: str
    base: str
    """The base model's class, as transformers names it."""
    config: cst.BaseExpression
    bindings: Bindings
    task: Task


def _encoders(ctx: RuleContext, module: ModuleSummary, layout: Layout) -> list[_Encoder]:
    """Wrappers around a base model (``AutoModel``) with a head task, where every read of the
    model's output is a hidden state: an embedding model, whose wrapper should pass the inputs
    through rather than ask for a head. The model goes by a name of the module, or by an
    attribute of a class of the project (``model.model = get_peft_model(model.model, config)``)."""
    found = []
    for wrapping in peft_wrappings(layout, module.resolve):
        base = base_model_family(wrapping.qualified) if wrapping.qualified.startswith("transformers.") else None
        scope = enclosing_scope(layout, wrapping.call)
        if base is not None and read_as_hidden_states(layout, scope, wrapping.receiver) is True:
            found.append((wrapping.line, wrapping.column, wrapping.wrapper, wrapping.qualified, wrapping.config, wrapping.model.bindings))
    for (line, column), call in sorted(layout.calls.items()):
        held = _held_model(ctx, module, layout, call)
        if held is not None:
            found.append((line, column, dotted(call.func) or "", *held))
    encoders = []
    for line, column, wrapper, qualified, config, bindings in found:
        task = peft_task(config, bindings)
        if task in GENERATING:  # a classification wrapper passes an encoder's outputs through
            encoders.append(_Encoder(line, column, wrapper, qualified.rpartition(".")[2], config, bindings, task))
    return encoders


def _held_model(
    ctx: RuleContext, module: ModuleSummary, layout: Layout, call: cst.Call
) -> Optional[tuple[str, cst.BaseExpression, Bindings]]:
    """``get_peft_model(holder.attr, config)`` where ``holder`` is built by a class of the
    project whose one ``self.attr = ...`` builds a transformers base model, and whose every read
    of it is a hidden state: (that class, config, the wrapper's bindings)."""
    name = dotted(call.func)
    if name is None or not is_peft_wrapper(module.resolve(name)) or len(call.args) < 2 or call.args[0].keyword is not None:
        return None
    target = call.args[0].value
    if not isinstance(target, cst.Attribute) or not isinstance(target.value, cst.Name):
        return None
    line = layout.positions[call].start.line
    holder = construction_of(layout, module.resolve, target.value.value, line)
    key = ctx.index.class_key(module.resolve(dotted(class_node(holder.call)) or "")) if holder is not None else None
    if holder is None or key is None:
        return None
    home = ctx.index.module_of(key)
    home_layout = ctx.layout(home.path)
    line_of_class = ctx.index.summary(key).line
    class_def = next(
        (n for n, p in home_layout.positions.items() if isinstance(n, cst.ClassDef) and n.name.value == key.name and p.start.line == line_of_class),
        None,
    ) if home_layout is not None else None
    if class_def is None or home_layout is None:
        return None
    built = self_assignments(home_layout, class_def, target.attr.value)
    if len(built) != 1 or not isinstance(built[0], cst.Call):
        return None
    qualified = home.resolve(dotted(class_node(built[0])) or "")
    if base_model_family(qualified) is None or read_as_hidden_states(home_layout, class_def, f"self.{target.attr.value}") is not True:
        return None
    config = call.args[1].value if call.args[1].keyword is None or call.args[1].keyword.value == "peft_config" else None
    return (qualified, config, holder.bindings) if config is not None else None


def _encoder_unit(module: ModuleSummary, encoder: _Encoder, importers: list[str]) -> Unit:
    wrapper = encoder.wrapper.rpartition(".")[2]
    message = (
        f"`{wrapper}` wraps `{encoder.base}`, a model without a head whose output the code reads as hidden states, "
        f"for {encoder.task}: `{Symptom.PEFT_WITHOUT_HEAD if encoder.task in GENERATING else Symptom.NO_LOGITS}`"
    )
    unit = Unit(Finding(module.display_path, encoder.line, encoder.column + 1, CODE, message))
    config = encoder.config
    if isinstance(config, cst.Name):
        values = encoder.bindings.get(config.value, [])
        config = values[0][1] if len(values) == 1 else config
    argument = next((a for a in config.args if a.keyword is not None and a.keyword.value == "task_type"), None) if isinstance(config, cst.Call) else None
    shared = _shared_name(module.text, encoder.config, encoder.bindings, importers)
    if isinstance(config, cst.Call) and (dotted(config.func) or "").rpartition(".")[2] in PROMPT_LEARNING:
        unit.refusal = Refusal("a prompt-learning config needs a task type; for an encoder use `TaskType.FEATURE_EXTRACTION`")
        return unit
    if argument is None or shared is not None or not isinstance(config, cst.Call):
        where = f"`{shared}`, which other code reads too" if shared is not None else "a config the analysis cannot edit"
        unit.refusal = Refusal(f"the task type is set in {where}; drop its `task_type` (or use `TaskType.FEATURE_EXTRACTION`)")
        return unit
    edits = FileEdits()
    edits.replace[config] = config.with_changes(args=without_args(config.args, [list(config.args).index(argument)]))
    edits.stale_imports.add(ImportSpec("peft", "TaskType"))
    unit.finding = Finding(module.display_path, encoder.line, encoder.column + 1, CODE, f"{message}; `task_type` is dropped, so the wrapper passes the inputs through")
    unit.edits[module.path] = edits
    return unit


EXAMPLES = (
    Example(
        before="""\
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForTokenClassification

critic = AutoModelForTokenClassification.from_config(config)
critic = get_peft_model(critic, LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
""",
        after="""\
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForTokenClassification

critic = AutoModelForTokenClassification.from_config(config)
critic = get_peft_model(critic, LoraConfig(task_type=TaskType.TOKEN_CLS, r=8))
""",
    ),
    Example(
        before="""\
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification

lora = LoraConfig(task_type=TaskType.CAUSAL_LM, r=8)
actor = get_peft_model(AutoModelForCausalLM.from_config(config), lora)
critic = get_peft_model(AutoModelForSequenceClassification.from_config(config), lora)
""",
        refused="the task type is set in `lora`, which other code reads too",
    ),
    Example(
        before="""\
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModel

encoder = get_peft_model(AutoModel.from_config(config), LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
embeddings = encoder(input_ids=ids).last_hidden_state.mean(dim=1)
""",
        after="""\
from peft import LoraConfig, get_peft_model
from transformers import AutoModel

encoder = get_peft_model(AutoModel.from_config(config), LoraConfig(r=8))
embeddings = encoder(input_ids=ids).last_hidden_state.mean(dim=1)
""",
    ),
    Example(
        before="""\
from peft import LoraConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM

actor = AutoModelForCausalLM.from_config(config)
actor = get_peft_model(actor, LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
""",
    ),
)
