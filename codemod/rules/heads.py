"""FL004's model of transformers: which head class computes the loss a base model cannot, how the
task is read off the program, and which config a construction reads (``codemod.rules.class_count``
sizes a classification head from it).

A head class is the base class's family plus the task's suffix (``Bert`` + sequence
classification = ``BertForSequenceClassification``), checked in the installed transformers.
"""

from __future__ import annotations

import enum
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, TypeAlias

from codemod.cst.nodes import dotted, single_name_target
from codemod.lazy_libcst import cst
from codemod.vocabulary import Refusal

DECODER_ONLY = ("GPT2", "GPTNeo", "GPTNeoX", "GPTJ", "Llama", "Mistral", "Mixtral", "Qwen2", "Qwen3", "OPT", "Falcon", "Gemma", "Gemma2", "Phi", "Phi3", "Bloom")
SEQ2SEQ = ("T5", "MT5", "Bart", "MBart", "Pegasus", "Marian")


class Task(str, enum.Enum):
    SEQUENCE_CLASSIFICATION = "sequence classification"
    TOKEN_CLASSIFICATION = "token classification"
    MASKED_LM = "masked LM"
    CAUSAL_LM = "causal LM"
    SEQ2SEQ_LM = "seq2seq LM"
    QUESTION_ANSWERING = "question answering"

    def __str__(self) -> str:
        return str(self.value)

    @property
    def classifies(self) -> bool:
        """A head sized by ``num_labels``."""
        return self in (Task.SEQUENCE_CLASSIFICATION, Task.TOKEN_CLASSIFICATION)


HEAD_SUFFIX = {
    Task.SEQUENCE_CLASSIFICATION: "ForSequenceClassification",
    Task.TOKEN_CLASSIFICATION: "ForTokenClassification",
    Task.MASKED_LM: "ForMaskedLM",
    Task.CAUSAL_LM: "ForCausalLM",
    Task.SEQ2SEQ_LM: "ForConditionalGeneration",
    Task.QUESTION_ANSWERING: "ForQuestionAnswering",
}
ANSWER_SPANS = ("start_positions", "end_positions")
"""The labels of extractive question answering: the answer's first and last token."""
SPECIAL_HEADS = {("GPT2", Task.CAUSAL_LM): "GPT2LMHeadModel", ("Auto", Task.SEQ2SEQ_LM): "AutoModelForSeq2SeqLM"}
PEFT_TASKS = {
    "SEQ_CLS": Task.SEQUENCE_CLASSIFICATION,
    "TOKEN_CLS": Task.TOKEN_CLASSIFICATION,
    "CAUSAL_LM": Task.CAUSAL_LM,
    "SEQ_2_SEQ_LM": Task.SEQ2SEQ_LM,
    "QUESTION_ANS": Task.QUESTION_ANSWERING,
}
"""PEFT's ``TaskType`` names -> the head task each wrapper needs."""
PEFT_TASK_MENTION = re.compile(r"TaskType\.(\w+)|\btask_type\s*=\s*[\"'](\w+)[\"']")


def peft_task(config: cst.BaseExpression, bindings: "Bindings") -> Optional[Task]:
    """The head task a PEFT config names (``LoraConfig(task_type=TaskType.SEQ_CLS)``, inline or
    through one binding); None for a task that needs no head (``FEATURE_EXTRACTION``) or one
    that cannot be read."""
    value = peft_task_value(config, bindings)
    return PEFT_TASKS.get(peft_task_name(value) or "") if value is not None else None


def peft_task_name(value: cst.BaseExpression) -> Optional[str]:
    """``SEQ_CLS`` of ``TaskType.SEQ_CLS`` (``peft.TaskType.SEQ_CLS``) or ``"SEQ_CLS"``; None for
    any other expression (a conditional, ``.value``), whose task is not read."""
    if isinstance(value, cst.Attribute) and (dotted(value.value) or "").rpartition(".")[2] == "TaskType":
        return value.attr.value
    if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
        return value.evaluated_value
    return None


def peft_task_value(config: cst.BaseExpression, bindings: "Bindings") -> Optional[cst.BaseExpression]:
    """The expression that gives a PEFT config its task type: ``task_type=`` of the config call
    (inline or bound once to a name), or the ``"task_type"`` entry of the one dict literal the
    call unpacks (``LoraConfig(**settings)``)."""
    config = _bound_once(config, bindings)
    if not isinstance(config, cst.Call):
        return None
    for arg in config.args:
        if arg.keyword is not None and arg.keyword.value == "task_type":
            return arg.value
    unpacked = [_bound_once(arg.value, bindings) for arg in config.args if arg.star == "**"]
    for settings in unpacked:
        if isinstance(settings, cst.Dict):
            for element in settings.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) and element.key.evaluated_value == "task_type":
                    return element.value
    return None


def _bound_once(value: cst.BaseExpression, bindings: "Bindings") -> cst.BaseExpression:
    if isinstance(value, cst.Name):
        values = bindings.get(value.value, [])
        return values[0][1] if len(values) == 1 else value
    return value


FALLBACK_CANDIDATES = (Task.SEQUENCE_CLASSIFICATION, Task.CAUSAL_LM, Task.MASKED_LM)


def base_model_family(qualified: str) -> Optional[str]:
    """``transformers.BertModel`` -> ``Bert``; None for head classes."""
    if not qualified.startswith("transformers."):
        return None
    name = qualified.rpartition(".")[2]
    if not name.endswith("Model") or "For" in name or name.endswith(("LMHeadModel", "PreTrainedModel", "HeadsModel")):
        return None
    return name[: -len("Model")] or None


def tasks_in(text: str, family: str, labels_per_example: bool = False) -> list[Task]:
    """The tasks a module's text names for a base model of ``family``: a class count, a
    collator that labels, a PEFT task type, labels drawn one an example (``labels_per_example``);
    failing those, what the family is built for."""
    found = []
    if labels_per_example:
        found.append(Task.SEQUENCE_CLASSIFICATION)
    if re.search(r"\bnum_labels\s*=", text):
        found.append(Task.SEQUENCE_CLASSIFICATION)
    if re.search(r"\bstart_positions\b", text):
        found.append(Task.QUESTION_ANSWERING)
    if "DataCollatorForTokenClassification" in text:
        found.append(Task.TOKEN_CLASSIFICATION)
    match = re.search(r"DataCollatorForLanguageModeling\(([^)]*)\)", text)
    if match:
        found.append(Task.CAUSAL_LM if re.search(r"\bmlm\s*=\s*False", match.group(1)) else Task.MASKED_LM)
    for named in PEFT_TASK_MENTION.finditer(text):
        task = PEFT_TASKS.get(named.group(1) or named.group(2))
        if task is not None:
            found.append(task)
    if not found and family in DECODER_ONLY:
        found.append(Task.CAUSAL_LM)
    if not found and family in SEQ2SEQ:
        found.append(Task.SEQ2SEQ_LM)
    return sorted(set(found), key=lambda task: task.value)


def _transformers_root() -> Optional[Path]:
    """The installed transformers package's folder, None without one (read, never imported)."""
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def head_class(family: str, task: Task) -> str:
    return SPECIAL_HEADS.get((family, task), f"{family}{HEAD_SUFFIX[task]}" if family != "Auto" else f"AutoModel{HEAD_SUFFIX[task]}")


AUTO_GENERATION_HEADS = {Task.CAUSAL_LM: ("AutoModelForImageTextToText",)}
"""Auto classes that also train a task, for configs the task's own auto class does not build: a
vision-language model (``Mistral3Config``, ``LlavaConfig``) generates text as a causal LM does,
labels and all, through its ``...ForConditionalGeneration``."""


def auto_heads(task: Task) -> tuple[str, ...]:
    """The auto classes that give a model ``task``'s loss, the task's own first."""
    return (head_class("Auto", task), *AUTO_GENERATION_HEADS.get(task, ()))


def head_exists(family: str, head: str) -> Optional[bool]:
    """Is ``head`` a class of the installed transformers? None if transformers is not installed."""
    root = _transformers_root()
    if root is None:
        return None
    models = root / "models"
    folder = "auto" if family == "Auto" else re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", family).lower()
    pattern = re.compile(rf"^class {re.escape(head)}\b", re.MULTILINE)
    candidates = list((models / folder).glob("modeling_*.py")) if (models / folder).is_dir() else []
    if not candidates:
        candidates = list(models.glob(f"*/modeling_{folder.replace('_', '')}*.py"))
    if not candidates and folder.endswith("_encoder"):  # `MT5EncoderModel` lives with MT5
        return head_exists(family[: -len("Encoder")], head)
    return any(pattern.search(p.read_text(encoding="utf-8", errors="replace")) for p in candidates)


def _transformers_file(*parts: str) -> Optional[str]:
    root = _transformers_root()
    if root is None:
        return None
    path = root.joinpath(*parts)
    return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None


@functools.cache
def _auto_builds() -> Optional[dict[str, frozenset[str]]]:
    """Auto class -> the model types it builds, read from the installed transformers' auto
    module without importing it."""
    models = _transformers_file("models", "auto", "modeling_auto.py")
    if models is None:
        return None
    tables = {
        name: frozenset(re.findall(r'^\s*\(\s*"(\w+)"\s*,', block, re.MULTILINE))
        for name, block in re.findall(r"^(\w+_MAPPING_NAMES) = OrderedDict\((.*?)^\)", models, re.MULTILINE | re.DOTALL)
    }
    return {
        auto: tables[f"{mapping}_NAMES"]
        for auto, mapping in re.findall(r"^class (AutoModel\w*)\(_BaseAutoModelClass\):\n\s+_model_mapping = (\w+)", models, re.MULTILINE)
        if f"{mapping}_NAMES" in tables
    }


@functools.cache
def _model_type(config_class: str) -> Optional[str]:
    """The ``model_type`` a config class of the installed transformers declares."""
    root = _transformers_root()
    if root is None:
        return None
    models = root / "models"
    folder = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", config_class.removesuffix("Config")).lower()
    declared = re.compile(rf"^class {re.escape(config_class)}\b.*?^\s+model_type = [\"'](\w+)[\"']", re.MULTILINE | re.DOTALL)
    for path in [*models.glob(f"{folder}/configuration_*.py"), *models.glob("*/configuration_*.py")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        if f"class {config_class}" in text:
            found = declared.search(text)
            return found.group(1) if found else None
    return None


@functools.cache
def config_default(config_class: str, field: str) -> Optional[str]:
    """The default a config class of the installed transformers declares for ``field``
    (``pad_token_id: int | None = None`` -> ``"None"``), as written; None when not found."""
    root = _transformers_root()
    if root is None:
        return None
    declared = re.compile(rf"^class {re.escape(config_class)}\b.*?^\s+{re.escape(field)}\s*:[^=\n]*=\s*([^\n#]+)", re.MULTILINE | re.DOTALL)
    for path in (root / "models").glob("*/configuration_*.py"):
        text = path.read_text(encoding="utf-8", errors="replace")
        if f"class {config_class}(" in text:
            found = declared.search(text)
            return found.group(1).strip() if found else None
    return None


def auto_class_takes(auto_class: str, config_class: str) -> Optional[bool]:
    """Does ``AutoModelForX`` build a model for a ``config_class`` config in the installed
    transformers? None when that cannot be read."""
    builds = _auto_builds()
    kind = _model_type(config_class)
    if builds is None or kind is None or auto_class not in builds:
        return None
    return kind in builds[auto_class]


# --- the config a construction reads ------------------------------------------------------

Bindings: TypeAlias = "dict[str, list[tuple[int, cst.BaseExpression]]]"


def bindings_visible(scopes: list[cst.CSTNode], line_of: Callable[[cst.CSTNode], int]) -> Bindings:
    """``name = value`` lines in the bodies of ``scopes`` (the module, the function that builds
    the model), outside functions and classes nested in them: name -> [(line, value)]. A name
    bound any other way there (a parameter, a tuple target, a loop, an import, a ``def``) is
    bound to ``...``: a value nothing reads, so that it hides what an outer scope binds and
    counts as a second binding."""
    found: Bindings = {}
    for scope in scopes:
        if isinstance(scope, cst.FunctionDef):
            for param in (*scope.params.posonly_params, *scope.params.params, *scope.params.kwonly_params):
                found.setdefault(param.name.value, []).append((line_of(scope), cst.Ellipsis()))
        for statement in _own_statements(scope):
            target = single_name_target(statement)
            if target is not None:
                found.setdefault(target[0], []).append((line_of(statement), target[1]))
                continue
            for name in _other_bindings(statement):
                found.setdefault(name, []).append((line_of(statement), cst.Ellipsis()))
    return found


def _other_bindings(statement: cst.CSTNode) -> list[str]:
    """The names ``statement`` binds other than as ``name = value``."""
    names: list[str] = []
    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        return [statement.name.value]
    if isinstance(statement, cst.For):
        return _target_names(statement.target)
    if isinstance(statement, cst.With):
        return [n for item in statement.items if item.asname is not None for n in _target_names(item.asname.name)]
    if not isinstance(statement, cst.SimpleStatementLine):
        return names
    for small in statement.body:
        if isinstance(small, cst.Assign):
            names += [n for target in small.targets for n in _target_names(target.target)]
        elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
            names += _target_names(small.target)
        elif isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
            for alias in small.names:
                bound = alias.asname.name if alias.asname is not None else alias.name
                names += _target_names(bound) if isinstance(bound, cst.Name) else [cst.Module([]).code_for_node(bound).split(".")[0]]
    return names


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for element in target.elements for n in _target_names(element.value)]
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def _own_statements(scope: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements of ``scope``'s body and of the blocks in it, not of nested definitions."""
    found: list[cst.CSTNode] = []
    pending: list[cst.CSTNode] = list(scope.children)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not scope:
            found.append(node)  # it binds its name; its body is its own scope
            continue
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            found.append(node)
        if not isinstance(node, cst.SimpleStatementLine):
            pending[:0] = [c for c in node.children if isinstance(c, (cst.BaseSuite, cst.BaseStatement, cst.If, cst.Else, cst.ExceptHandler, cst.Finally))]
    return found


@dataclass(frozen=True)
class ConfigSource:
    """The config call a construction reads, inline or through ``name = ...Config(...)``."""

    node: Optional[cst.Call]
    """None when the name is not bound once, before the construction, to a config call."""
    name: Optional[str]
    line: int
    """Where the config call is: a count given to it must be bound before."""

    def shared(self, text: str) -> bool:
        """Is the config's name read by more than the construction (another model, a print)?"""
        return self.name is not None and len(re.findall(rf"\b{re.escape(self.name)}\b", text)) > 2


def config_argument(construction: cst.Call) -> Optional[cst.BaseExpression]:
    """What ``construction`` takes as its config: ``config=``, or the first positional of a
    direct construction (``BertModel(config)``); ``from_pretrained``'s is a checkpoint."""
    config = next((arg.value for arg in construction.args if arg.keyword is not None and arg.keyword.value == "config"), None)
    pretrained = isinstance(construction.func, cst.Attribute) and construction.func.attr.value == "from_pretrained"
    if config is None and not pretrained:
        config = next((arg.value for arg in construction.args if arg.keyword is None), None)
    return config


def traced_config(construction: cst.Call, bindings: Bindings, before: int) -> Optional[ConfigSource]:
    """The config call ``construction`` reads (``BertConfig(...)``, ``AutoConfig.from_pretrained(...)``),
    inline or through the one line that binds it before ``before``; None without a config."""
    value = config_argument(construction)
    if value is None:
        return None
    name, line = None, before
    if isinstance(value, cst.Name):
        name = value.value
        values = bindings.get(name, [])
        if len(values) != 1 or values[0][0] >= before:
            return ConfigSource(None, name, line)
        line, value = values[0]
    called = (dotted(value.func) or "") if isinstance(value, cst.Call) else ""
    if isinstance(value, cst.Call) and (called.endswith("Config") or called.endswith("Config.from_pretrained")):
        return ConfigSource(value, name, line)
    return ConfigSource(None, name, line)


def config_class_of(config: Optional[ConfigSource]) -> str:
    """``BertConfig`` of ``BertConfig(...)`` or ``BertConfig.from_pretrained(...)``; empty for
    ``AutoConfig``, whose class the checkpoint decides."""
    called = (dotted(config.node.func) or "") if config is not None and config.node is not None else ""
    named = next((part for part in reversed(called.split(".")) if part.endswith("Config")), "")
    return "" if named == "AutoConfig" else named


def unpadded_decoder_classifier(task: Task, family: str, config_class: str, config: Optional[ConfigSource], head: str) -> Optional[Refusal]:
    """A decoder's sequence classifier scores the last token that is not padding: without a
    ``pad_token_id`` it fails on any batch of more than one (``Cannot handle batch sizes > 1 if
    no padding token is defined``). GPT-2's and Llama's configs have none by default, OPT's has."""
    decoder = config_class.removesuffix("Config") if family == "Auto" else family
    if task is not Task.SEQUENCE_CLASSIFICATION or decoder not in DECODER_ONLY:
        return None
    if config is not None and config.node is not None and any(a.keyword is not None and a.keyword.value == "pad_token_id" for a in config.node.args):
        return None
    default = config_default(config_class or f"{decoder}Config", "pad_token_id")
    if default is not None and default != "None":
        return None
    return Refusal(
        f"`{head}` scores the last token that is not padding, and its config sets no `pad_token_id`: "
        "it would fail on batches of more than one; give the config a `pad_token_id` (the tokenizer's)"
    )
