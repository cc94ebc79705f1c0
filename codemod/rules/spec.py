"""How a rule declares itself, once, in its own module (like a Ruff rule's metadata and Fixit's
examples beside the rule)::

    RULE = Rule(code="FL001", name="loss-in-forward", summary="...", fix=Fix.EXACT)
    EXAMPLES = (Example(before=..., after=...), Example(before=..., refused="..."), Example(before=...))

and a docstring with four headings, in this order: What it finds, Why, Example, When it refuses.
``codemod.registry`` reads the ``RULE`` statements; ``fixlabels explain``, SARIF and the README's
rule section are made from the docstrings; the test suite runs every example.

Light on purpose: the registry imports it on every run, and it imports nothing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Optional

HEADINGS = ("What it finds", "Why", "Example", "When it refuses")


class Fix(enum.Enum):
    """What a rule's fix promises; ``FIX_MEANING`` says it in the words explain and the README print."""

    EXACT = "exact"
    REPAIR = "repair"


FIX_MEANING = {
    Fix.EXACT: "the program computes the same numbers after the fix",
    Fix.REPAIR: "the program failed before; the fix makes it run, with the choice this page names",
}


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    fix: Fix
    default: bool = True
    """Off-by-default rules (FL1xx) rewrite code that is correct; ``--select`` turns them on."""


@dataclass(frozen=True)
class Example:
    """One file, ``example.py``, checked and diffed with only this rule selected."""

    before: str
    after: Optional[str] = None
    """What the fix makes of ``before``; None when it changes nothing."""
    refused: Optional[str] = None
    """The start of the reason the fix is refused; None when ``before`` is fixed or clean (no
    finding at all: what the rule must never report)."""
