"""What the rules share: parsed files, the units of rewriting, and import specs for moved code."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from codemod.analysis.callsites import CallGraph, CallSite
from codemod.analysis.index import ClassKey, ModuleSummary, RepoIndex
from codemod.cst.positions import Layout
from codemod.lazy_libcst import cst
from codemod.results import Finding, Options
from codemod.transforms.edits import FileEdits
from codemod.vocabulary import IMPORTS_TRANSFORMERS, LABEL_ALIAS, LABELS_PARAM, ImportSpec, Location, Refusal, SitePlan


@dataclass
class SiteTask:
    site: CallSite
    plan: SitePlan


@dataclass
class Unit:
    """A rewrite that lands whole or not at all: one class and all its call sites (FL001), or
    one call (FL002)."""

    finding: Finding
    edits: dict[Path, FileEdits] = field(default_factory=dict)
    """Edits planned by the rule itself (a forward, a method name), by file."""
    sites: list[SiteTask] = field(default_factory=list)
    refusal: Optional[Refusal] = None
    """Why the unit cannot be rewritten; set by the rule, or later when a site or a check refuses."""
    notes: list[str] = field(default_factory=list)
    """Said after the finding's message when the fix is applied (``; ...``, `` (...)``): what
    the reader should know about it."""
    also_at: tuple[int, ...] = ()
    """Lines of the finding's file besides its own where a suppression comment counts (the
    ``class`` line of a rule about a class)."""
    moves: frozenset[ClassKey] = frozenset()
    """The classes whose ``forward`` this unit rewrites (a class and the subclasses sharing its
    ``forward``): each call of one of them is this unit's to rewrite, or a partner's."""
    lands_with: list["Unit"] = field(default_factory=list)
    """Units sharing a call with this one (``fit(model)`` given a ``Net`` and a ``Net2``: the
    call is rewritten once for all), or an edit (FL005's key renamed in a dict builder two
    calls use): they land together or not at all."""

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
    layout: Callable[[Path], Optional[Layout]]
    """Where the nodes of that module are (resolved once per run), or None if it does not parse."""
    cache: dict[object, Any] = field(default_factory=dict)
    """Per-run state rules share about a file, e.g. the names already given out in it."""


def forward_without_labels(index: RepoIndex) -> set[ClassKey]:
    """Custom models whose ``forward`` takes neither ``labels`` nor ``label`` nor ``**kwargs``:
    what a call passing labels (FL002), or a Trainer that does (FL003), breaks."""
    found = set()
    for key in index.module_classes():
        owner = index.forward_owner(key)
        signature = index.summary(owner).forward if owner else None
        if signature is not None and signature.param(LABELS_PARAM) is None and signature.param(LABEL_ALIAS) is None and not signature.var_keyword:
            found.add(key)
    return found


def naming_any(classes: set[ClassKey]) -> Callable[[ModuleSummary], bool]:
    """The modules that name one of ``classes``: where their instances are made. The walk
    follows each instance from there into every module it flows to, where its calls are; so
    a walk that must see those calls starts here, whatever words the start itself holds."""
    names = frozenset(key.name for key in classes)
    if not names:
        return lambda module: False  # spare every file its set of words
    return lambda module: not names.isdisjoint(module.identifiers)


def imports_transformers(module: ModuleSummary) -> bool:
    """The module imports transformers itself: where the library models rules read are built.
    A substring test first: the regex costs far more on a large repository."""
    return "transformers" in module.text and IMPORTS_TRANSFORMERS.search(module.text) is not None


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


def unfollowed_instances_refusal(ctx: RuleContext, key: ClassKey, labelless_unchanged: bool = False) -> Optional[Refusal]:
    """Why some instance of ``key`` may be called where the analysis does not see it, if so:
    an import that could load another file of the same name, or an instance built where its
    calls cannot be followed. A rule that changes how the class is called must refuse.

    ``labelless_unchanged``: calls without labels stay as they are (FL101, when ``forward``
    returned the bare prediction without labels). An instance stored on another object
    (``cls._instance.model = Net()``) is then fine if no ``<anything>.model(...)`` call in the
    run may pass labels."""
    where = ctx.index.ambiguous.get(key)
    if where is not None:
        name = ctx.index.module_of(key).module_name
        return Refusal(f"the import at {where} could load this class or another: several files are the module `{name}`")
    where = ctx.graph.untracked_at(key)
    if where is not None:
        return Refusal(f"an instance is built at {where} where its calls cannot be followed (not kept in a name, a `self.` attribute, or a list or dict bound once and read only by constant keys)")
    for stored, attribute, where in ctx.graph.attribute_stores:
        if stored != key:
            continue
        if not labelless_unchanged:
            return Refusal(f"an instance is stored as `.{attribute}` of another object at {where}, where its calls cannot be followed")
        labelled = _attribute_call_with_labels(ctx, key, attribute)
        if labelled is not None:
            return Refusal(f"an instance is stored as `.{attribute}` of another object at {where}, and the call at {labelled} may pass labels")
    return None


def _attribute_call_with_labels(ctx: RuleContext, key: ClassKey, attribute: str) -> Optional[str]:
    """A call ``<anything>.attribute(...)`` in the run that could pass labels to ``key``."""
    owner = ctx.index.forward_owner(key)
    signature = ctx.index.summary(owner).forward if owner is not None else None
    if signature is None:
        return "an unknown place"
    labels = {p.name for p in signature.params} & {LABELS_PARAM, LABEL_ALIAS}
    needle = f".{attribute}("
    reach = ctx.index.importers(key.module)
    for module in sorted(ctx.index.modules.values(), key=lambda m: m.display_path):
        if module.key not in reach or needle not in module.text:
            continue
        for node in ast.walk(module.tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == attribute):
                continue
            if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                return f"{module.display_path}:{node.lineno}"
            bound = signature.binds(len(node.args), [k.arg for k in node.keywords if k.arg], False)
            if bound is not None and bound & labels:
                return f"{module.display_path}:{node.lineno}"
    return None


def location_of(site: CallSite) -> Location:
    return site.location


def classes_named(tree: cst.Module, class_name: str) -> list[cst.ClassDef]:
    """Classes of that name defined at module level (also under a module-level ``if``/``try``)."""

    class Finder(cst.CSTVisitor):
        def __init__(self) -> None:
            self.found: list[cst.ClassDef] = []

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            if node.name.value == class_name:
                self.found.append(node)
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

    finder = Finder()
    tree.visit(finder)
    return finder.found


def find_class(tree: cst.Module, class_name: str) -> Optional[cst.ClassDef]:
    """The first class of that name defined at module level."""
    return next(iter(classes_named(tree, class_name)), None)


def find_method(tree: cst.Module, class_name: str, method: str) -> Optional[tuple[cst.ClassDef, cst.FunctionDef]]:
    """A method of a class defined at module level: of the first class of that name that has it."""
    for cls in classes_named(tree, class_name):
        # The last definition is the one the class keeps.
        defined = [item for item in cls.body.body if isinstance(item, cst.FunctionDef) and item.name.value == method]
        if defined:
            return cls, defined[-1]
    return None
