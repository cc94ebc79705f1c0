"""How a rule declares itself, once, in its own module (like a Ruff rule's metadata and Fixit's
examples beside the rule)::

    RULE = Rule(code="FL001", name="loss-in-forward", summary="...", fix=Fix.EXACT)
    EXAMPLES = (Example(before=..., after=...), Example(before=..., refused="..."), Example(before=...))

and a docstring with four headings, in this order: What it finds, Why, Example, When it refuses.
``codemod.registry`` reads the ``RULE`` statements; ``fixlabels explain``, SARIF and the README's
rule section are made from the docstrings; the test suite runs every example. What else the
module defines, the run calls through ``RuleModule``.

Light on purpose: the registry imports it on every run, and it imports nothing (the types the
interface names are read by type checkers only).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional, Protocol

if TYPE_CHECKING:
    from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
    from codemod.rules.common import RuleContext, Unit

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
    reads_forward: bool = False
    """The fix reads ``forward`` (``codemod.analysis``): its documentation ends with the reasons
    that reading can refuse for, from their one catalogue (``codemod.reasons``)."""


@dataclass(frozen=True)
class Example:
    """One file, ``example.py``, checked and diffed with only this rule selected."""

    before: str
    after: Optional[str] = None
    """What the fix makes of ``before``; None when it changes nothing."""
    refused: Optional[str] = None
    """The start of the reason the fix is refused; None when ``before`` is fixed or clean (no
    finding at all: what the rule must never report)."""


class RuleModule(Protocol):
    """A rule, as the run sees it (Fixit's ``LintRule``; here a module, ``codemod/rules/flNNN_*.py``):
    ``RULE``, ``walk_filter`` and ``find_units`` every rule module defines; ``watched_classes``
    is an optional hook, and a module that leaves it out gets the default below
    (``registry.rule_modules`` hands out the modules so)."""

    @property
    def RULE(self) -> Rule: ...

    def walk_filter(self, index: RepoIndex) -> Callable[[ModuleSummary], bool]:
        """Where the call-site analysis starts for the rule: the files where the instances it
        reads are made (a class of its named, transformers imported). The walk then follows
        each instance into every module it flows to (arguments, returns, module globals), so a
        filter says where to start, never where to look: a call in a file without the rule's
        words is still seen. With ``Options.prefilter`` off every file is a start; tests hold
        the two to the same findings."""
        ...

    def find_units(self, ctx: RuleContext) -> list[Unit]:
        """The rule's findings, each with the rewrite that fixes it or why none can be made."""
        ...

    def watched_classes(self, index: RepoIndex) -> set[ClassKey]:
        """Classes the rule may rewrite with their calls: code that can get hold of an instance
        is walked, so that a call the analysis cannot follow is seen, and refuses. Default: none."""
        return set()


OPTIONAL_HOOKS = ("watched_classes",)
"""The members of ``RuleModule`` a rule module may leave out."""
