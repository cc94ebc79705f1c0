"""The criterion a fix inserts where the code has none: ``--criterion`` parsed into an
expression and the imports it needs. Used by FL002 (call sites) and FL003 (Trainer), and by the
configuration to reject a bad ``--criterion`` before any file is read.

Only names from torch may appear (``nn.``, ``torch.nn.``, ``F.``): the fix must be able to
import them in any file.
"""

from __future__ import annotations

import functools
from typing import Callable

from codemod.cst.nodes import BUILTIN_NAMES, names_in
from codemod.lazy_libcst import cst
from codemod.results import Options
from codemod.vocabulary import ImportSpec

CRITERION_IMPORTS = {
    "nn": ImportSpec("torch.nn", None, "nn"),
    "torch": ImportSpec("torch"),
    "F": ImportSpec("torch.nn.functional", None, "F"),
}


class CriterionError(ValueError):
    """``--criterion`` is not an expression fixlabels can insert."""


Criterion = tuple["cst.BaseExpression", dict[str, ImportSpec]]
"""The criterion expression to insert, and the imports it needs."""


def criterion_on_first_use(options: Options) -> Callable[[], Criterion]:
    """``--criterion`` parsed when a rule first needs it: a run with no finding never loads LibCST."""
    return functools.cache(lambda: parse_criterion(options.criterion))


def parse_criterion(code: str) -> Criterion:
    try:
        expression = cst.parse_expression(code)
    except cst.ParserSyntaxError as exc:
        raise CriterionError(f"--criterion {code!r} is not a Python expression: {exc.message}") from None
    imports = {}
    for name in sorted(names_in(expression) - BUILTIN_NAMES):
        if name not in CRITERION_IMPORTS:
            raise CriterionError(
                f"--criterion {code!r} uses `{name}`; use names from torch (`nn.`, `torch.nn.`, `F.`)"
            )
        imports[name] = CRITERION_IMPORTS[name]
    return expression, imports

