"""FL004: a Hugging Face *base* model (no head) is given labels.

What it finds
-------------
``BertModel``, ``AutoModel``, ``GPT2Model``... (a transformers class without a head) called with
``labels=``, or handed to ``Trainer`` whose batches carry labels (``DataCollatorForLanguageModeling``
and friends). A Trainer subclass with its own ``compute_loss`` is the user's loss, and is left alone.

Why
---
A base model computes no loss: transformers 4 raised the TypeError for ``labels=``, transformers 5
drops the keyword silently and ``outputs.loss`` fails later. When the task is evident, the model
becomes the matching head class, whose output has a loss. The task: ``num_labels=`` (sequence
classification), ``DataCollatorForTokenClassification`` (token classification),
``DataCollatorForLanguageModeling`` (masked LM, or causal LM with ``mlm=False``), a PEFT
``TaskType``; failing those, a decoder-only family (``GPT2``, ``Llama``...: causal LM) or an
encoder-decoder one (``T5``, ``Bart``, ``Pegasus``...: seq2seq LM, ``...ForConditionalGeneration``,
``AutoModelForSeq2SeqLM`` for ``AutoModel``). The head class is checked in the installed
transformers when there is one, else taken from a table.

Example
-------
::

    config = BertConfig(..., num_labels=3)          config = BertConfig(..., num_labels=3)
    model = BertModel(config)                  ->   model = BertForSequenceClassification(config)
    loss = model(ids, labels=y).loss                loss = model(ids, labels=y).loss

When it refuses
---------------
Reports without changing anything when the task is not evident or ambiguous (the finding lists
the candidates), when the code reads base-model outputs (``last_hidden_state``,
``pooler_output``) that a head model does not return, or when the model's construction is not a
single visible assignment.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from codemod.analysis.callsites import CallSite, Instance, ModelUse
from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.cst.nodes import dotted, single_name_target
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit
from codemod.rules.spec import Example, Fix, Rule
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import IMPORTS_TRANSFORMERS, LABELS_PARAM, ImportSpec, Refusal

RULE = Rule(
    code="FL004",
    name="base-model-given-labels",
    summary="a transformers base model (no head, no loss) is given labels",
    fix=Fix.REPAIR,
)
CODE = RULE.code
DECODER_ONLY = ("GPT2", "GPTNeo", "GPTJ", "Llama", "Mistral", "Mixtral", "Qwen2", "Qwen3", "OPT", "Falcon", "Gemma", "Gemma2", "Phi", "Phi3", "Bloom")
SEQ2SEQ = ("T5", "MT5", "Bart", "MBart", "Pegasus", "Marian")
HEAD_SUFFIX = {
    "sequence classification": "ForSequenceClassification",
    "token classification": "ForTokenClassification",
    "masked LM": "ForMaskedLM",
    "causal LM": "ForCausalLM",
    "seq2seq LM": "ForConditionalGeneration",
}
SPECIAL_HEADS = {("GPT2", "causal LM"): "GPT2LMHeadModel", ("Auto", "seq2seq LM"): "AutoModelForSeq2SeqLM"}
BASE_OUTPUT_READERS = re.compile(r"\b(last_hidden_state|pooler_output)\b")
PEFT_TASKS = {"SEQ_CLS": "sequence classification", "TOKEN_CLS": "token classification", "CAUSAL_LM": "causal LM", "SEQ_2_SEQ_LM": "seq2seq LM"}


def base_model_family(qualified: str) -> Optional[str]:
    """``transformers.BertModel`` -> ``Bert``; None for head classes."""
    if not qualified.startswith("transformers."):
        return None
    name = qualified.rpartition(".")[2]
    if not name.endswith("Model") or "For" in name or name.endswith(("LMHeadModel", "PreTrainedModel", "HeadsModel")):
        return None
    return name[: -len("Model")] or None


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Files that import transformers themselves (a model's library class is known only
    through such an import) and mention labels."""
    return lambda module: (
        LABELS_PARAM in module.text and "transformers" in module.text and IMPORTS_TRANSFORMERS.search(module.text) is not None
    )


def _tasks(text: str, family: str) -> list[str]:
    found = []
    if re.search(r"\bnum_labels\s*=", text):
        found.append("sequence classification")
    if "DataCollatorForTokenClassification" in text:
        found.append("token classification")
    match = re.search(r"DataCollatorForLanguageModeling\(([^)]*)\)", text)
    if match:
        found.append("causal LM" if re.search(r"\bmlm\s*=\s*False", match.group(1)) else "masked LM")
    for task in re.findall(r"TaskType\.(\w+)", text):
        if task in PEFT_TASKS:
            found.append(PEFT_TASKS[task])
    if not found and family in DECODER_ONLY:
        found.append("causal LM")
    if not found and family in SEQ2SEQ:
        found.append("seq2seq LM")
    return sorted(set(found))


def head_class(family: str, task: str) -> str:
    return SPECIAL_HEADS.get((family, task), f"{family}{HEAD_SUFFIX[task]}" if family != "Auto" else f"AutoModel{HEAD_SUFFIX[task]}")


def head_exists(family: str, head: str) -> Optional[bool]:
    """Is ``head`` a class of the installed transformers? None if transformers is not installed."""
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.submodule_search_locations:
        return None
    models = Path(list(spec.submodule_search_locations)[0]) / "models"
    folder = "auto" if family == "Auto" else re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", family).lower()
    pattern = re.compile(rf"^class {re.escape(head)}\b", re.MULTILINE)
    candidates = list((models / folder).glob("modeling_*.py")) if (models / folder).is_dir() else []
    if not candidates:
        candidates = list(models.glob(f"*/modeling_{folder.replace('_', '')}*.py"))
    return any(pattern.search(p.read_text(encoding="utf-8", errors="replace")) for p in candidates)


def _constructor(layout: Layout, receiver: str, line: int) -> Optional[cst.Call]:
    """The base-model call in the one assignment ``receiver = Base(...)`` (or
    ``Base.from_pretrained(...)``) of the function that holds the call on ``line``."""
    tree, positions = layout.module, layout.positions
    functions = [
        node for node, p in positions.items()
        if isinstance(node, cst.FunctionDef) and p.start.line <= line <= p.end.line
    ]
    scope: cst.CSTNode = min(functions, key=lambda f: positions[f].end.line - positions[f].start.line) if functions else tree
    values = []

    class Lines(cst.CSTVisitor):
        def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
            target = single_name_target(node)
            if target is not None and target[0] == receiver:
                values.append(target[1])

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is scope  # a nested function's names are its own

    scope.visit(Lines())
    if len(values) != 1:
        return None
    value = values[0]
    while isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in ("to", "cuda", "train", "eval"):
        value = value.func.value
    return value if isinstance(value, cst.Call) else None


def _class_node(call: cst.Call) -> cst.BaseExpression:
    func = call.func
    if isinstance(func, cst.Attribute) and func.attr.value in ("from_pretrained", "from_config"):
        return func.value
    return func


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


LABELLING_COLLATORS = re.compile(r"\bDataCollatorFor(LanguageModeling|TokenClassification|Seq2Seq|WholeWordMask)\b")
LABELS_MENTIONED = re.compile(r"\blabels?\b")


def find_units(ctx: RuleContext) -> list[Unit]:
    targets = [t for t in map(_call_target, ctx.graph.sites) if t is not None]
    targets += [t for t in (_trainer_target(ctx, use) for use in ctx.graph.uses) if t is not None]
    return [_unit_for(ctx, t) for t in targets]


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
    if LABELS_PARAM not in site.shape.keywords and not (site.shape.double_star and site.shape.double_star_has_labels):
        return None
    name = base[0].rpartition(".")[2]
    message = f"`{name}` has no head and computes no loss, but `{site.receiver}(...)` gives it labels"
    return _Target(site.path, site.display_path, site.line, site.column, base[0], site.receiver, message)


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
    return _Target(use.path, use.display_path, use.line, use.column, base[0], use.value, message)


def _unit_for(ctx: RuleContext, target: _Target) -> Unit:
    base = target.qualified.rpartition(".")[2]
    family = base_model_family(target.qualified) or ""
    module = ctx.index.by_path[target.path]
    tasks = _tasks(module.text, family)
    heads = [head_class(family, t) for t in tasks]
    finding = Finding(target.display_path, target.line, target.column + 1, CODE, target.message)
    unit = Unit(finding)
    if len(heads) != 1:
        candidates = heads or [head_class(family, t) for t in ("sequence classification", "causal LM", "masked LM")]
        unit.refusal = Refusal("the task is not evident; use one of " + ", ".join(f"`{h}`" for h in candidates))
        return unit
    head = heads[0]
    if head_exists(family, head) is False:
        unit.refusal = Refusal(f"`{head}` is not in the installed transformers")
        return unit
    if BASE_OUTPUT_READERS.search(module.text):
        unit.refusal = Refusal("the code reads base-model outputs (last_hidden_state/pooler_output) that a head model does not return")
        return unit
    layout = ctx.layout(target.path)
    call = _constructor(layout, target.receiver, target.line) if layout is not None else None
    node = _class_node(call) if call is not None else None
    if node is None or dotted(node) is None or not module.resolve(dotted(node)).endswith("." + base):  # type: ignore[arg-type]  # dotted(node) was just found not None
        unit.refusal = Refusal(f"`{target.receiver}` is not built by one visible `{base}` call")
        return unit
    edits = FileEdits()
    if isinstance(node, cst.Name):
        edits.replace[node] = node.with_changes(value=head)
        edits.renamed_imports[ImportSpec("transformers", base)] = ImportSpec("transformers", head)
    elif isinstance(node, cst.Attribute):
        edits.replace[node.attr] = node.attr.with_changes(value=head)
    unit.finding = Finding(
        target.display_path, target.line, target.column + 1, CODE, f"{target.message}; the task is {tasks[0]}: use `{head}`"
    )
    unit.edits[target.path] = edits
    return unit


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
        refused='the task is not evident; use one of `BertForSequenceClassification`, `BertForCausalLM`, `BertForMaskedLM`',
    ),
    Example(
        before="""\
from transformers import BertModel

model = BertModel.from_pretrained("bert-base-uncased")
hidden = model(ids).last_hidden_state
""",
    ),
)
