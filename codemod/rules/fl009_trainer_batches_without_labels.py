"""FL009: ``Trainer`` trains a head model on a dataset whose batches carry no labels.

What it finds
-------------
A transformers head model (``AutoModelForCausalLM``, ``...ForSequenceClassification``...) handed
to ``Trainer`` with no ``data_collator``, whose ``train_dataset`` is built in the same module from
``datasets`` calls the analysis reads (``Dataset.from_dict``, ``DatasetDict``, ``map`` with the
Trainer's tokenizer, ``remove_columns``, ``rename_column``, ``set_format``), and whose every
column ``Trainer`` gets to see is the tokenizer's or the text: no labels of any head.

Why
---
A head computes its loss only from labels. Without them the model returns none and ``Trainer``
stops: ``ValueError: The model did not return a loss from the inputs``. Two causes are repaired:

* a ``set_format(columns=[...])`` that leaves the dataset's label column out: the column goes
  back into the list;
* a causal language model trained on text alone, with no collator to make its labels:
  ``Trainer`` gets ``DataCollatorForLanguageModeling(tokenizer, mlm=False)`` over the tokenizer it
  was given, which copies the inputs into the labels.

Example
-------
::

    encoded.set_format("torch", columns=["input_ids", "attention_mask"])
    ->
    encoded.set_format("torch", columns=["input_ids", "attention_mask", "label"])

    trainer = Trainer(model=model, args=args, train_dataset=tokenized, processing_class=tokenizer)
    ->
    trainer = Trainer(model=model, args=args, train_dataset=tokenized, processing_class=tokenizer,
                      data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))

When it refuses
---------------
When the data has no labels and the head is not a causal language model (a classifier needs
labels only the user knows; a masked LM needs a tokenizer with a mask token), when ``Trainer`` is
given no tokenizer to build the collator from, and when the ``columns=`` list is not a literal.
It says nothing when a column ``Trainer`` gets may be a head's labels (anything but the
tokenizer's columns and the text), when the columns cannot be read (a map function the analysis
does not read, a tokenizer other than the one ``Trainer`` is given, a format changed through
another name), or when a collator or ``label_names`` is given anywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

from codemod.analysis.callsites import ModelUse
from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.cst.nodes import code_of, dotted
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit, imports_transformers
from codemod.rules.dataset_columns import Columns, DatasetReader, format_columns_argument
from codemod.rules.spec import Example, Fix, Rule
from codemod.rules.symptoms import Symptom
from codemod.rules.trainer import with_keyword
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, ImportSpec, Refusal

RULE = Rule(
    code="FL009",
    name="trainer-batches-without-labels",
    summary="Trainer trains a head model on a dataset whose batches carry no labels",
    fix=Fix.REPAIR,
)
CODE = RULE.code
LIBRARY_TRAINERS = frozenset({"transformers.Trainer", "transformers.Seq2SeqTrainer", "transformers.trainer.Trainer", "transformers.trainer_seq2seq.Seq2SeqTrainer"})
"""Trainers whose default collator passes the dataset's columns on as they are."""
LABEL_COLUMNS = (LABELS_PARAM, LABEL_ALIAS, "label_ids")
"""Columns the default collator hands the model as ``labels``."""
NOT_LABELS = frozenset({"input_ids", "attention_mask", "token_type_ids", "position_ids", "special_tokens_mask", "text", "sentence", "idx"})
"""Columns that are known to be no head's labels. Batches are taken to have none only when every
column Trainer gets is one of these (a head's own label names, ``start_positions`` and the
like, are not listed here, and so are never missed)."""
CAUSAL_HEADS = ("ForCausalLM", "LMHeadModel")
MASKED_HEADS = ("ForMaskedLM",)
COLLATOR = "DataCollatorForLanguageModeling"


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Files that import transformers, where the models it reads are built (the walk follows
    each to the Trainer it is given, in any module), and those that hand a model to a Trainer
    and build a dataset of ``datasets``."""
    return lambda module: ("Trainer" in module.text and "datasets" in module.text) or imports_transformers(module)


@dataclass(frozen=True)
class _Training:
    trainer_call: cst.Call
    head: str
    """The head class, as transformers names it: ``AutoModelForCausalLM``."""
    dataset: cst.BaseExpression
    columns: Columns
    tokenizer: Optional[cst.BaseExpression]


def find_units(ctx: RuleContext) -> list[Unit]:
    units = []
    for use in ctx.graph.uses:
        module = ctx.index.by_path.get(use.path)
        layout = ctx.layout(use.path)
        if module is None or layout is None:
            continue
        training = _training(use, layout, module.resolve)
        if training is not None:
            units.append(_unit_for(use, training))
    return units


def _training(use: ModelUse, layout: Layout, resolve: Callable[[str], str]) -> Optional[_Training]:
    """What the Trainer at ``use`` is given, when it is a library Trainer with a head model, no
    collator, and a dataset whose visible columns are known and hold no labels."""
    if resolve(use.consumer) not in LIBRARY_TRAINERS and use.consumer not in LIBRARY_TRAINERS:
        return None
    if use.instance.classes or len(use.instance.library) != 1:
        return None
    head = next(iter(use.instance.library)).rpartition(".")[2]
    if "For" not in head and not head.endswith("LMHeadModel"):
        return None  # a base model is FL004's
    call = _trainer_call(layout, use, resolve)
    if call is None:
        return None
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    positional = [a for a in call.args if a.keyword is None]
    if "data_collator" in keywords or "train_dataset" not in keywords or len(positional) > 2 or any(a.star for a in call.args):
        return None  # the third positional argument is the collator
    text = layout.module.code
    if re.search(r"\.data_collator\b|\blabel_names\b", text):
        return None  # a collator set later, or labels under other names
    dataset = keywords["train_dataset"]
    tokenizer = keywords.get("processing_class", keywords.get("tokenizer"))
    columns = DatasetReader(layout, resolve, code_of(tokenizer) if tokenizer is not None else None).columns(dataset, dataset)
    if columns is None or not columns.visible <= NOT_LABELS:
        return None
    return _Training(call, head, dataset, columns, tokenizer)


def _trainer_call(layout: Layout, use: ModelUse, resolve: Callable[[str], str]) -> Optional[cst.Call]:
    """The Trainer call that hands the model over at ``use``."""
    positions = layout.positions
    for call in layout.calls.values():
        span = positions[call]
        name = dotted(call.func)
        inside = (span.start.line, span.start.column) <= (use.line, use.column) <= (span.end.line, span.end.column)
        if inside and name is not None and (resolve(name) == resolve(use.consumer) or name == use.consumer.rpartition(".")[2]):
            return call
    return None


def _unit_for(use: ModelUse, training: _Training) -> Unit:
    trainer = use.consumer.rpartition(".")[2]
    language_model = training.head.endswith(CAUSAL_HEADS + MASKED_HEADS)
    # A class label hidden from a language model is not what it lacks: its labels are tokens.
    hidden = [c for c in ((LABELS_PARAM,) if language_model else LABEL_COLUMNS) if c in training.columns.present]
    why = f"`set_format` hides its `{hidden[0]}` column" if hidden else "its dataset has no label column"
    message = f"`{trainer}` trains `{training.head}` on batches without labels ({why}): `{Symptom.NO_LOSS_FROM_TRAINER}`"
    unit = Unit(Finding(use.display_path, use.line, use.column + 1, CODE, message))
    edits = FileEdits()
    if hidden and training.columns.formatted is not None:
        fix = _shown_again(training.columns.formatted, hidden[0], edits)
        said = f"`set_format` shows `{hidden[0]}` again"
    elif training.head.endswith(CAUSAL_HEADS):
        fix = _with_collator(training, edits)
        said = f"`{trainer}` gets `{COLLATOR}` to make the labels from the inputs"
    elif language_model:
        fix = Refusal(
            f"a masked LM needs a collator that masks tokens: give `{trainer}` `data_collator={COLLATOR}(tokenizer)`, "
            "if the tokenizer has a mask token"
        )
    else:
        fix = Refusal(f"the dataset has no label column, and what `{training.head}`'s labels are is the program's to say; add a `labels` column")
    if isinstance(fix, Refusal):
        unit.refusal = fix
        return unit
    unit.finding = Finding(use.display_path, use.line, use.column + 1, CODE, f"{message}; {said}")
    unit.edits[use.path] = edits
    return unit


def _shown_again(formatted: cst.Call, column: str, edits: FileEdits) -> Optional[Refusal]:
    argument = format_columns_argument(formatted)
    if argument is None or not isinstance(argument.value, (cst.List, cst.Tuple)) or not argument.value.elements:
        return Refusal("the `columns=` of `set_format` is not a list the analysis can extend; add the label column to it")
    listed = argument.value
    elements = list(listed.elements)
    last = elements[-1]
    separator = elements[-2].comma if len(elements) > 1 and isinstance(elements[-2].comma, cst.Comma) else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    added = cst.Element(cst.SimpleString(f'"{column}"'), comma=last.comma)
    elements[-1] = last.with_changes(comma=separator)
    edits.replace[listed] = listed.with_changes(elements=[*elements, added])
    return None


def _with_collator(training: _Training, edits: FileEdits) -> Optional[Refusal]:
    if not isinstance(training.tokenizer, cst.Name):
        return Refusal(f"`Trainer` is given no tokenizer (`processing_class=`) to build `{COLLATOR}` from; give it one, or a collator that makes labels")
    collator = cst.parse_expression(f"{COLLATOR}({training.tokenizer.value}, mlm=False)")
    edits.replace[training.trainer_call] = with_keyword(training.trainer_call, "data_collator", collator)
    edits.imports.add(ImportSpec("transformers", COLLATOR))
    return None


EXAMPLES = (
    Example(
        before="""\
from datasets import Dataset
from transformers import AutoModelForCausalLM, Trainer

model = AutoModelForCausalLM.from_config(config)
texts = Dataset.from_dict({"text": ["a b", "c d"]})
tokenized = texts.map(lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])
trainer = Trainer(model=model, args=args, train_dataset=tokenized, processing_class=tokenizer)
""",
        after="""\
from datasets import Dataset
from transformers import AutoModelForCausalLM, Trainer, DataCollatorForLanguageModeling

model = AutoModelForCausalLM.from_config(config)
texts = Dataset.from_dict({"text": ["a b", "c d"]})
tokenized = texts.map(lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])
trainer = Trainer(model=model, args=args, train_dataset=tokenized, processing_class=tokenizer, data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False))
""",
    ),
    Example(
        before="""\
from datasets import Dataset
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_config(config)
texts = Dataset.from_dict({"text": ["a b", "c d"]})
tokenized = texts.map(lambda batch: tokenizer(batch["text"]), batched=True, remove_columns=["text"])
trainer = Trainer(model=model, args=args, train_dataset=tokenized, processing_class=tokenizer)
""",
        refused="the dataset has no label column",
    ),
    Example(
        before="""\
from datasets import load_dataset
from transformers import AutoModelForSequenceClassification, Trainer

model = AutoModelForSequenceClassification.from_config(config)
tokenized = load_dataset("imdb").map(lambda batch: tokenizer(batch["text"]), batched=True)
trainer = Trainer(model=model, args=args, train_dataset=tokenized["train"], processing_class=tokenizer)
""",
    ),
)
