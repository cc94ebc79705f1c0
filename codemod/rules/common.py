"""What the rules share: parsed files, the units of rewriting, and import specs for moved code."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import libcst as cst

from codemod.analysis.callsites import CallGraph, CallSite
from codemod.analysis.index import ModuleSummary, RepoIndex
from codemod.results import Finding, Options
from codemod.transforms.callsite import SitePlan
from codemod.transforms.edits import FileEdits, ImportSpec


@dataclass
class SiteTask:
    site: CallSite
    plan: SitePlan


@dataclass
class Unit:
    """A rewrite that lands whole or not at all: one class and all its call sites (FL001), or
    one call (FL002)."""

    key: str
    finding: Finding
    edits: dict[Path, FileEdits] = field(default_factory=dict)
    """Edits planned by the rule itself (a forward, a method name), by file."""
    sites: list[SiteTask] = field(default_factory=list)
    refusal: Optional[str] = None
    """Why the unit cannot be rewritten; set by the rule, or later when a site refuses."""
    describe: Callable[[str], str] = field(default=lambda reason: reason)
    also_at: tuple[int, ...] = ()
    """Lines of the finding's file besides its own where a suppression comment counts (the
    ``class`` line of a rule about a class)."""

    @property
    def files(self) -> set[Path]:
        return set(self.edits) | {task.site.path for task in self.sites}


@dataclass
class RuleContext:
    index: RepoIndex
    graph: CallGraph
    options: Options
    parse: Callable[[Path], Optional[cst.Module]]
    """The LibCST module of a file (parsed once per run), or None if it does not parse."""
    cache: dict = field(default_factory=dict)  # type: ignore[type-arg]
    """Per-run state rules share about a file, e.g. the names already given out in it."""


def import_spec(local: str, module: ModuleSummary) -> Optional[ImportSpec]:
    """How to make ``local`` mean in another file what it means in ``module``."""
    dotted = module.imports.get(local)
    if dotted is not None:
        head, _, tail = dotted.rpartition(".")
        if not head:
            return ImportSpec(dotted, None, None if local == dotted else local)
        if tail == local:
            return ImportSpec(head, local)
        return ImportSpec(dotted, None, local)
    if local in module.classes or local in module.functions:
        return ImportSpec(module.module_name, local)
    return None


def location_of(site: CallSite) -> str:
    return f"{site.display_path}:{site.line}:{site.column + 1}"


def find_method(tree: cst.Module, class_name: str, method: str) -> Optional[tuple[cst.ClassDef, cst.FunctionDef]]:
    """A method of a class defined at module level (also under a module-level ``if``/``try``)."""

    class Finder(cst.CSTVisitor):
        found: Optional[tuple[cst.ClassDef, cst.FunctionDef]] = None

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            if node.name.value == class_name and self.found is None:
                for item in node.body.body:
                    if isinstance(item, cst.FunctionDef) and item.name.value == method:
                        self.found = (node, item)
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    finder = Finder()
    tree.visit(finder)
    return finder.found
