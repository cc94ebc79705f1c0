"""FL005: a label keyword that transformers renamed is passed to a transformers model.

What it finds
-------------
``lm_labels=``, ``masked_lm_labels=`` or ``label=`` passed to a transformers model
(``BertForMaskedLM(...)``, ``AutoModelForCausalLM.from_pretrained(...)``, also through
``.to(device)`` and a ``MODEL_CLASSES[name]`` registry of transformers classes), as a keyword or as
the key of a batch dict unpacked into the call (``inputs = {"input_ids": x, "lm_labels": y};
model(**inputs)``), also when the dict is built away from the call: returned by a method or
function of the file (``model(**self.inputs_for(batch))``), or by a data collator handed to
``Trainer`` (``Trainer(..., data_collator=collate)``).

Why
---
``lm_labels`` and ``masked_lm_labels`` were renamed ``labels`` in transformers 3/4 (and ``label``
was never a model argument); transformers 4 rejected them with the TypeError, transformers 5
drops them silently and the program fails later (the finding says with which message). The
keyword (or the dict's key, when that dict is used for nothing else; in the function that builds
it, when nothing else in the project spells the key) becomes ``labels``. Before transformers 2.4
the old names ignored positions marked ``-1``; ``labels`` ignores only ``-100``. Where the project
builds labels with ``-1`` fills (``[-1] * n``, ``torch.full_like(x, -1)``, ``masked_fill(...,
-1)``, ``labels[m] = -1``), a bare rename would train on padding or fail (``Target -1 is out of
bounds``), so the ``-1`` are mapped where the keyword is passed
(``labels=y.masked_fill(y == -1, -100)``).

Example
-------
::

    outputs = model(ids, masked_lm_labels=y)   ->   outputs = model(ids, labels=y)

When it refuses
---------------
When the call also passes ``labels``, when ``-1`` must be mapped and the labels are not a plain
name or attribute (they would be evaluated twice), when the model's ``labels`` are not the token
labels the old keyword carried (``BertForNextSentencePrediction``), and, for a dict built away
from the call, when the old key is spelled elsewhere in the project too.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional, Union

from codemod.analysis.callsites import CallSite
from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.cst.nodes import all_statements, code_of, name_nodes, single_name_target
from codemod.lazy_libcst import cst
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit, imports_transformers
from codemod.rules.dict_origin import Builder, builder_of, dict_writes, enclosing, returned_keys
from codemod.rules.spec import Example, Fix, Rule
from codemod.rules.symptoms import Symptom, output_reader, under_transformers_5
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import LABEL_ALIAS, LABELS_PARAM, Refusal

RULE = Rule(
    code="FL005",
    name="renamed-label-keyword",
    summary="`lm_labels=`/`masked_lm_labels=`/`label=` passed to a transformers model (now `labels=`)",
    fix=Fix.REPAIR,
)
CODE = RULE.code
RENAMED = ("lm_labels", "masked_lm_labels", LABEL_ALIAS)
MENTION = re.compile(r"\b(?:masked_)?lm_labels\b|\blabel\s*=")
OLD_IGNORE_INDEX = ("lm_labels", "masked_lm_labels")
LANGUAGE_MODEL_HEADS = ("ForMaskedLM", "LMHeadModel", "ForCausalLM", "ForConditionalGeneration", "ForPreTraining", "EncoderDecoderModel", "ForSeq2SeqLM", "WithLMHead")
"""Classes whose ``labels`` are the token labels ``lm_labels``/``masked_lm_labels`` were: for
another head (``BertForNextSentencePrediction``), ``labels`` means something else."""
T5_MODELS = ("T5", "MT5", "UMT5", "LongT5")
"""Encoder-decoder models whose decoder gets no input without labels or ``decoder_input_ids``."""
MINUS_ONE_FILL = re.compile(
    r"\[\s*-1\s*\]\s*\*"  # [-1] * n
    r"|\bfull(?:_like)?\([^()\n]*(?:\([^()\n]*\)[^()\n]*)*,\s*(?:fill_value\s*=\s*)?-1\s*[,)]"  # full_like(x, -1)
    r"|\bmasked_fill_?\([^\n]*,\s*(?:value\s*=\s*)?-1\s*\)"  # masked_fill(m, -1)
    r"|\bfill_\(\s*-1\s*\)"  # fill_(-1)
    r"|label\w*\s*\[[^\]\n]+\]\s*=\s*-1\b"  # labels[mask] = -1
)
"""How code of the ``masked_lm_labels`` era marked the positions the loss ignores."""


def minus_one_fill(index: RepoIndex) -> str | None:
    """Where the repository fills labels with -1 (``path:line``), if it does anywhere."""
    for module in sorted(index.modules.values(), key=lambda m: m.display_path):
        if "-1" not in module.text:
            continue
        found = MINUS_ONE_FILL.search(module.text)
        if found is not None:
            return f"{module.display_path}:{module.text.count(chr(10), 0, found.start()) + 1}"
    return None



def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    """Files that import transformers, where the models it reads are built: the walk follows
    each one wherever it flows, and its old keyword may be passed in another module."""
    return imports_transformers


def find_units(ctx: RuleContext) -> list[Unit]:
    units = []
    fill: object = _UNSEEN  # where -1 fills are: looked up once, when first needed
    sites_unpacking_calls: list[CallSite] = []  # `model(**builder(...))`: see `_built_away`
    for site in ctx.graph.sites:
        instance = site.instance
        if instance.classes or not instance.library:
            continue
        old = next((k for k in site.shape.keywords if k in RENAMED), None)
        in_dict = old is None
        if in_dict:  # `model(**{"input_ids": x, "lm_labels": y})`, or a dict built so
            old = next((k for k in site.shape.double_star_keys or () if k in RENAMED[:2]), None)
        if old is None:
            if site.shape.double_star and site.shape.double_star_keys is None:
                sites_unpacking_calls.append(site)
            continue
        model = sorted(instance.library)[0].rpartition(".")[2]
        spelled = f'the key "{old}"' if in_dict else f"`{old}=`"
        called = f'"{LABELS_PARAM}"' if in_dict else f"`{LABELS_PARAM}=`"
        message = f"{spelled} is not an argument of `{model}`: transformers calls it {called} {_symptom(ctx, site, model)}"
        finding = Finding(site.display_path, site.line, site.column + 1, CODE, message)
        unit = Unit(finding)
        units.append(unit)
        if LABELS_PARAM in site.shape.keywords or LABELS_PARAM in (site.shape.double_star_keys or ()):
            unit.refusal = Refusal("the call passes `labels` as well")
            continue
        unit.refusal = _not_a_language_model(instance.library, old)
        if unit.refusal is not None:
            continue
        layout = ctx.layout(site.path)
        if layout is None:
            unit.refusal = Refusal("the file does not parse with LibCST")
            continue
        tree = layout.module
        call = layout.calls.get((site.line, site.column))
        if call is None:
            unit.refusal = Refusal("could not find the call in the source")
            continue
        if in_dict:
            element = _dict_entry(tree, call, old)
            if isinstance(element, Refusal):
                unit.refusal = element
                continue
            value = element.value
        else:
            value = next(a.value for a in call.args if a.keyword is not None and a.keyword.value == old)
        mapped: cst.BaseExpression = value
        if old in OLD_IGNORE_INDEX:
            if fill is _UNSEEN:
                fill = minus_one_fill(ctx.index)
            if fill is not None:
                if not isinstance(value, (cst.Name, cst.Attribute)):
                    unit.refusal = Refusal(
                        f"labels are filled with -1 at {fill}, which `labels=` does not ignore (only -100), "
                        f"and `{code_of(value)}` is not a plain name to map them in"
                    )
                    continue
                mapped = cst.parse_expression(f"{code_of(value)}.masked_fill({code_of(value)} == -1, -100)")
                unit.finding = replace(
                    unit.finding,
                    message=f"{unit.finding.message}; the -1 labels (filled at {fill}) become -100, the index it ignores",
                )
        edits = FileEdits()
        if in_dict:
            assert isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)  # _dict_entry's answer
            quote = element.key.quote
            edits.replace[element] = element.with_changes(
                key=cst.SimpleString(f"{element.key.prefix}{quote}labels{quote}"), value=mapped
            )
        else:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value == old:
                    edits.replace[arg] = arg.with_changes(keyword=arg.keyword.with_changes(value=LABELS_PARAM), value=mapped)
        unit.edits[site.path] = edits
    return units + _builder_units(ctx, sites_unpacking_calls)


def _builder_units(ctx: RuleContext, sites_unpacking_calls: list[CallSite]) -> list[Unit]:
    """The renames in dict builders, for calls and for Trainer's collators, each builder's
    landing together."""
    found = [away for away in (_built_away(ctx, site) for site in sites_unpacking_calls) if away is not None]
    # A call that passes `labels=` beside the builder's dict would get labels twice once renamed.
    beside_labels = {id(builder.function): where for unit, builder, where in found if unit is None}
    built = [(unit, builder) for unit, builder, _ in found if unit is not None] + _trainer_collators(ctx)
    for unit, builder in built:
        where = beside_labels.get(id(builder.function))
        if where is not None and unit.refusal is None:
            unit.refusal = Refusal(f"`{builder.name}`'s dict is also unpacked beside `labels=` ({where}), which would then get labels twice")
    _land_builders_together(built)
    return [unit for unit, _ in built]


def _land_builders_together(built: list[tuple[Unit, Builder]]) -> None:
    """Units that rename the same builder's key land together or not at all: one refused
    (a caller whose model's labels mean something else) keeps the key for every caller."""
    by_builder: dict[int, list[Unit]] = {}
    for unit, builder in built:
        by_builder.setdefault(id(builder.function), []).append(unit)
    for sharing in by_builder.values():
        for unit in sharing:
            unit.lands_with.extend(u for u in sharing if u is not unit and u not in unit.lands_with)


def _built_away(ctx: RuleContext, site: CallSite) -> Optional[tuple[Optional[Unit], Builder, str]]:
    """``model(**self.inputs_for(batch))``: the old key, renamed in the function that builds
    the dict (``rules.dict_origin``), with the builder and the call's place. A call that
    passes ``labels=`` itself is correct code: no unit, but its builder is named."""
    layout = ctx.layout(site.path)
    call = layout.calls.get((site.line, site.column)) if layout is not None else None
    if layout is None or call is None:
        return None
    unpacked = next((a.value for a in call.args if a.star == "**"), None)
    builder = builder_of(layout.module, unpacked, call) if unpacked is not None else None
    if builder is None:
        return None
    model = sorted(site.instance.library)[0].rpartition(".")[2]
    where = f"{site.display_path}:{site.line}"
    if LABELS_PARAM in site.shape.keywords:
        return None, builder, where  # correct code: the old key is dropped and the loss is there
    symptom = _symptom(ctx, site, model)
    unit = _renamed_in_builder(ctx, site.path, site.display_path, site.line, site.column, builder, site.instance.library, f"`{site.receiver}(...)`", symptom)
    return (unit, builder, where) if unit is not None else None


def _not_a_language_model(library: frozenset[str], old: str) -> Optional[Refusal]:
    """The old LM keywords become ``labels`` only for a model whose labels are token labels."""
    if old not in OLD_IGNORE_INDEX:
        return None
    others = sorted(name.rpartition(".")[2] for name in library if not name.rpartition(".")[2].endswith(LANGUAGE_MODEL_HEADS))
    if not others:
        return None
    return Refusal(f"`labels` of `{others[0]}` are not the language-model labels `{old}` were; drop `{old}` or use a language-model head")


def _symptom(ctx: RuleContext, site: CallSite, model: str) -> str:
    """What the call raises under transformers 5, where the old keyword is dropped silently."""
    if model.startswith(T5_MODELS) and "decoder_input_ids" not in site.shape.keywords:
        return under_transformers_5(Symptom.NO_DECODER_INPUTS)
    reader = output_reader(ctx.layout(site.path), site.line, site.column, ctx.index.by_path[site.path].text, Symptom.LOSS_IS_NONE)
    return under_transformers_5(*(reader or (Symptom.LOSS_IS_NONE, Symptom.NOT_A_SCALAR)))


def _trainer_collators(ctx: RuleContext) -> list[tuple[Unit, Builder]]:
    """``Trainer(model=model, data_collator=collate)``: Trainer unpacks each batch the
    collator returns into the model, so an old key the collator writes is renamed there."""
    units = []
    for use in ctx.graph.uses:
        if use.instance.classes or not use.instance.library:
            continue
        layout = ctx.layout(use.path)
        trainer = layout.calls.get((use.line, use.column)) if layout is not None else None
        if layout is None or trainer is None:
            continue
        collator = next((a.value for a in trainer.args if a.keyword is not None and a.keyword.value == "data_collator"), None)
        builder = builder_of(layout.module, collator, trainer) if collator is not None else None
        if builder is None:
            continue
        consumer = use.consumer.rpartition(".")[2]
        symptom = under_transformers_5(Symptom.NO_LOSS_FROM_TRAINER)
        unit = _renamed_in_builder(ctx, use.path, use.display_path, use.line, use.column, builder, use.instance.library, f"`{consumer}`", symptom)
        if unit is not None:
            units.append((unit, builder))
    return units


def _renamed_in_builder(
    ctx: RuleContext, path: Path, display_path: str, line: int, column: int, builder: Builder, library: frozenset[str], caller: str, symptom: str
) -> Optional[Unit]:
    model = sorted(library)[0].rpartition(".")[2]
    keys = returned_keys(builder)
    old = next((k for k in sorted(keys or ()) if k in RENAMED[:2]), None)
    if keys is None or old is None:
        return None
    message = (
        f'`{builder.name}` builds the dict {caller} gives `{model}` with the key "{old}", which is not an argument of `{model}`: '
        f'transformers calls it "{LABELS_PARAM}" {symptom}'
    )
    unit = Unit(Finding(display_path, line, column + 1, CODE, message))
    unit.refusal = _not_a_language_model(library, old)
    if unit.refusal is not None:
        return unit
    if LABELS_PARAM in keys:
        unit.refusal = Refusal(f'`{builder.name}` writes "{LABELS_PARAM}" as well')
        return unit
    if old in OLD_IGNORE_INDEX:
        fill = minus_one_fill(ctx.index)
        if fill is not None:
            unit.refusal = Refusal(f"labels are filled with -1 at {fill}, which `labels` does not ignore (only -100)")
            return unit
    texts = {module.display_path: module.text for module in ctx.index.modules.values() if old in module.text}
    strings = dict_writes(builder, old, texts, display_path)
    if isinstance(strings, Refusal):
        unit.refusal = strings
        return unit
    edits = FileEdits()
    for string in strings:
        edits.replace[string] = string.with_changes(value=f"{string.prefix}{string.quote}{LABELS_PARAM}{string.quote}")
    unit.edits[path] = edits
    return unit


def _dict_entry(tree: cst.Module, call: cst.Call, key: str) -> Union[cst.DictElement, Refusal]:
    """The ``"lm_labels": y`` entry of the dict the call unpacks: written in the call, or the
    one literal its name is bound to in the function (or module) around it, provided the dict
    is used for nothing else (another reader of ``"lm_labels"`` would lose its key)."""
    unpacked = next(a.value for a in call.args if a.star == "**")
    literal: Optional[cst.Dict] = unpacked if isinstance(unpacked, cst.Dict) else None
    if literal is None and isinstance(unpacked, cst.Name):
        holder = enclosing(tree, call)[1] or tree
        bound = [
            found[1]
            for found in (single_name_target(s) for s in all_statements(holder))
            if found is not None and found[0] == unpacked.value
        ]
        uses = [n for n in name_nodes(holder) if n.value == unpacked.value]
        if len(bound) != 1 or not isinstance(bound[0], cst.Dict):
            return Refusal(f"the dict `{unpacked.value}` is not one dict literal in the code around the call")
        if len(uses) != 2:  # the assignment's target and the call's `**`
            return Refusal(f"the dict `{unpacked.value}` is used elsewhere too, where `{key}` may be read")
        literal = bound[0]
    if literal is None:
        return Refusal("the unpacked dict is not a literal the rename can reach")
    entries = [
        e for e in literal.elements
        if isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == key
    ]
    if len(entries) != 1:
        return Refusal(f"the dict does not hold `{key}` once as a plain string key")
    return entries[0]


_UNSEEN = object()


EXAMPLES = (
    Example(
        before="""\
from transformers import BertForMaskedLM

model = BertForMaskedLM.from_pretrained("bert-base-uncased")
outputs = model(ids, masked_lm_labels=y)
""",
        after="""\
from transformers import BertForMaskedLM

model = BertForMaskedLM.from_pretrained("bert-base-uncased")
outputs = model(ids, labels=y)
""",
    ),
    Example(
        before="""\
from transformers import BertForMaskedLM

model = BertForMaskedLM.from_pretrained("bert-base-uncased")
outputs = model(ids, masked_lm_labels=y, labels=y)
""",
        refused='the call passes `labels` as well',
    ),
    Example(
        before="""\
from transformers import BertForMaskedLM

model = BertForMaskedLM.from_pretrained("bert-base-uncased")
outputs = model(ids, labels=y)
""",
    ),
)
