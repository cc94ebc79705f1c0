"""FL005: a label keyword that transformers renamed is passed to a transformers model.

``lm_labels=`` and ``masked_lm_labels=`` were renamed ``labels=`` in transformers 3/4 (and
``label=`` was never a model argument); today's models reject them with the TypeError::

    outputs = model(ids, masked_lm_labels=y)   ->   outputs = model(ids, labels=y)

Only for calls whose receiver is a transformers model (``BertForMaskedLM(...)``,
``AutoModelForCausalLM.from_pretrained(...)``, also through ``.to(device)``). Refuses when the
call also passes ``labels=``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.results import Finding
from codemod.rules.common import RuleContext, Unit
from codemod.rules.fl004_base_model_given_labels import IMPORTS_TRANSFORMERS
from codemod.transforms.keywords import CallLocator, rename_keyword

CODE = "FL005"
RENAMED = ("lm_labels", "masked_lm_labels", "label")
MENTION = re.compile(r"\b(?:masked_)?lm_labels\b|\blabel\s*=")


def walk_filter(index: RepoIndex) -> Callable[[ModuleSummary], bool]:
    def wanted(module: ModuleSummary) -> bool:
        text = module.text  # substring tests first: the regexes cost far more on a large repository
        return (
            "label" in text
            and "transformers" in text
            and MENTION.search(text) is not None
            and IMPORTS_TRANSFORMERS.search(text) is not None
        )

    return wanted


def find_units(ctx: RuleContext) -> list[Unit]:
    units = []
    locators: dict[Path, CallLocator] = {}
    for site in ctx.graph.sites:
        instance = site.instance
        if instance.classes or not instance.library:
            continue
        old = next((k for k in site.shape.keywords if k in RENAMED), None)
        if old is None:
            continue
        model = sorted(instance.library)[0].rpartition(".")[2]
        message = f"`{old}=` is not an argument of `{model}`: transformers calls it `labels=`"
        finding = Finding(site.display_path, site.line, site.column + 1, CODE, message)
        unit = Unit(f"{CODE}:{site.display_path}:{site.line}:{site.column}", finding)
        units.append(unit)
        if "labels" in site.shape.keywords:
            unit.refusal = "the call passes `labels=` as well"
            continue
        tree = ctx.parse(site.path)
        if tree is None:
            unit.refusal = "the file does not parse with LibCST"
            continue
        locator = locators.setdefault(site.path, CallLocator(tree))
        call = locator.call_at(site.line, site.column)
        if call is None:
            unit.refusal = "could not find the call in the source"
            continue
        unit.edits[site.path] = rename_keyword(call, old, "labels")
    return units
