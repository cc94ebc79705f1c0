"""FL008: a PEFT wrapper's task type asks for generation from a model whose head classifies.

What it finds
-------------
``get_peft_model(model, LoraConfig(task_type=TaskType.CAUSAL_LM))`` (or ``SEQ_2_SEQ_LM``), where
``model`` is built by a transformers classification head (``...ForTokenClassification``,
``...ForSequenceClassification``, ``...ForQuestionAnswering``): a value model, a critic, a
reward model. The task type may be given inline, through a name, or in a dict the config
unpacks (``LoraConfig(**lora_config)``).

Why
---
PEFT's causal-LM and seq2seq wrappers call the model's ``prepare_inputs_for_generation``, which
only generating heads have: ``AttributeError: '...ForTokenClassification' object has no attribute
'prepare_inputs_for_generation'`` when the wrapper is built. The task type becomes the one the
head is for. The classification wrappers pass the inputs through to the head unchanged and keep
its classifier trainable. (A *base* model under such a wrapper is FL004's: it lacks the head.)

Example
-------
::

    critic = AutoModelForTokenClassification.from_config(config)
    lora = LoraConfig(task_type=TaskType.CAUSAL_LM, r=8)   ->   lora = LoraConfig(task_type=TaskType.TOKEN_CLS, r=8)
    critic = get_peft_model(critic, lora)

When it refuses
---------------
When the config (or the dict it unpacks) is read by other code too, as one config shared by an
actor and a critic would be: changing it would change the other wrapper.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit
from codemod.rules.constructions import PeftWrapping, peft_wrappings
from codemod.rules.heads import HEAD_SUFFIX, PEFT_TASK_MENTION, PEFT_TASKS, Task, peft_task_name, peft_task_value
from codemod.rules.spec import Example, Fix, Rule
from codemod.rules.symptoms import Symptom
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import Refusal

RULE = Rule(
    code="FL008",
    name="peft-task-type",
    summary="a PEFT wrapper's task type asks a classification head to generate",
    fix=Fix.REPAIR,
)
CODE = RULE.code
GENERATING = frozenset({Task.CAUSAL_LM, Task.SEQ2SEQ_LM})
"""Wrapper tasks that need ``prepare_inputs_for_generation`` from the model."""
CLASSIFYING = (Task.SEQUENCE_CLASSIFICATION, Task.TOKEN_CLASSIFICATION, Task.QUESTION_ANSWERING)
"""Head tasks whose classes have no generation: the head's suffix names the task outright."""
TASK_TYPE_OF = {task: name for name, task in PEFT_TASKS.items()}


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
        for wrapping in _wrappings(layout, module.resolve):
            units.append(_unit_for(module, wrapping))
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


def _unit_for(module: ModuleSummary, wrapping: _Wrapping) -> Unit:
    wanted = TASK_TYPE_OF[wrapping.head_task]
    given = peft_task_name(wrapping.task_value)
    wrapper = wrapping.peft.wrapper.rpartition(".")[2]
    message = (
        f"`{wrapper}` wraps `{wrapping.head}`, a {wrapping.head_task} head, for {wrapping.wrapper_task} "
        f"(task type `{given}`), which needs a generating head: `{Symptom.PEFT_WITHOUT_HEAD}`"
    )
    unit = Unit(Finding(module.display_path, wrapping.peft.line, wrapping.peft.column + 1, CODE, message))
    shared = _shared_name(module.text, wrapping)
    if shared is not None:
        unit.refusal = Refusal(f"the task type is set in `{shared}`, which other code reads too; give this wrapper its own config with `task_type=TaskType.{wanted}`")
        return unit
    edits = FileEdits()
    edits.replace[wrapping.task_value] = _task_type(wrapping.task_value, wanted)
    unit.finding = Finding(module.display_path, wrapping.peft.line, wrapping.peft.column + 1, CODE, f"{message}; the task type becomes `{wanted}`")
    unit.edits[module.path] = edits
    return unit


def _shared_name(text: str, wrapping: _Wrapping) -> Optional[str]:
    """A name between the wrapper call and its task type (the config, a dict the config
    unpacks) that more code reads than its binding and this use."""
    names: list[str] = []
    config = wrapping.peft.config
    if isinstance(config, cst.Name):
        names.append(config.value)
        values = wrapping.peft.model.bindings.get(config.value, [])
        config = values[0][1] if len(values) == 1 else config
    if isinstance(config, cst.Call):
        names += [arg.value.value for arg in config.args if arg.star == "**" and isinstance(arg.value, cst.Name)]
    return next((name for name in names if len(re.findall(rf"\b{re.escape(name)}\b", text)) > 2), None)


def _task_type(value: cst.BaseExpression, wanted: str) -> cst.BaseExpression:
    """``TaskType.CAUSAL_LM`` -> ``TaskType.TOKEN_CLS``; ``"CAUSAL_LM"`` -> ``"TOKEN_CLS"``."""
    if isinstance(value, cst.Attribute):
        return value.with_changes(attr=value.attr.with_changes(value=wanted))
    if isinstance(value, cst.SimpleString):
        quote = value.value[len(value.prefix)]
        return value.with_changes(value=f"{value.prefix}{quote}{wanted}{quote}")
    return cst.parse_expression(f"TaskType.{wanted}")


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
from transformers import AutoModelForCausalLM

actor = AutoModelForCausalLM.from_config(config)
actor = get_peft_model(actor, LoraConfig(task_type=TaskType.CAUSAL_LM, r=8))
""",
    ),
)
