"""Run the selected rules over the repo and keep the units this run reports and fixes: not
silenced by a comment, found in (or changing) a named path, confined to the editor's buffer."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from codemod.analysis.callsites import CallSiteFinder
from codemod.discovery import within
from codemod.pipeline.load import Repo
from codemod.registry import DEFAULT_SELECTION, rule_modules
from codemod.results import Finding, Options
from codemod.rules.common import RuleContext, Unit
from codemod.suppression import silenced, suppressions
from codemod.vocabulary import INTERNAL_ERROR, LABELS_PARAM, Refusal

def find_units(repo: Repo, options: Options) -> tuple[list[Unit], list[Finding]]:
    """Every rule's units, and an internal error for each rule that crashed."""
    rules = rule_modules(options.rules if options.rules is not None else DEFAULT_SELECTION)
    filters = [rule.walk_filter(repo.index) for rule in rules]
    # Classes whose every call matters, whether or not the call's file mentions labels.
    tracked = set().union(*(rule.tracked_classes(repo.index) for rule in rules))
    if not options.prefilter:
        filters, tracked = [lambda module: True], set()
    # Classes a rule may rewrite with their calls: where one is built out of sight, it refuses.
    watched = frozenset().union(*(rule.watched_classes(repo.index) for rule in rules))
    # Code that can get hold of a watched class's instance, by import or by being handed one
    # from its own import root (a serving module's `def predict_fn(model, batch)`), may call
    # it through a receiver the analysis cannot trace: such a call must be seen to refuse.
    reach = set().union(*(repo.index.importers(key.module) for key in watched))
    roots = {repo.index.module_of(key).import_root for key in watched}
    filters.append(lambda module: module.key in reach or module.import_root in roots)
    graph = CallSiteFinder(repo.index, watched).run(
        lambda module: any(wanted(module) for wanted in filters),
        # Labels passed on (FL002) show in the callee's text; FL001 calls may pass them unnamed.
        lambda module, instance: not options.prefilter or LABELS_PARAM in module.text or not tracked.isdisjoint(instance.classes),
        jobs=options.jobs,
    )
    context = RuleContext(repo.index, graph, options, repo.parse, repo.layout)
    units: list[Unit] = []
    errors: list[Finding] = []
    for rule in rules:
        try:
            units.extend(rule.find_units(context))
        except Exception as exc:  # one rule's bug must not take the others down; say so loudly
            errors.append(Finding("-", 1, 1, INTERNAL_ERROR, f"{rule.RULE.code} failed ({type(exc).__name__}: {exc}); please report it"))
    return units, errors


def unsilenced(repo: Repo, units: list[Unit]) -> list[Unit]:
    """Drop the units a ``# fixlabels: ignore[...]``/``# noqa: ...`` comment silences (their
    edits and call sites go with them); refuse a unit when one of its call sites is silenced,
    since a class's rewrite cannot leave one call behind."""
    by_display = {source.display_path: source for source in repo.sources.values()}
    tables: dict[Path, dict[int, Optional[frozenset[str]]]] = {}

    def table(path: Path) -> dict[int, Optional[frozenset[str]]]:
        if path not in tables:
            tables[path] = suppressions(repo.sources[path].text)
        return tables[path]

    kept = []
    for unit in units:
        code = unit.finding.code
        source = by_display.get(unit.finding.path)
        if source is not None and silenced(table(source.path), code, [unit.finding.line, *unit.also_at]):
            continue
        if unit.refusal is None:
            for task in unit.sites:
                line = silenced(table(task.site.path), code, [task.site.line])
                if line is not None:
                    unit.refusal = Refusal(f"the call at {task.site.display_path}:{line} is marked to be ignored for {code}")
                    break
        kept.append(unit)
    return kept


def named_units(repo: Repo, units: list[Unit], named: list[Path]) -> list[Unit]:
    """The fixes to report and apply: those found in a named file, or changing one. Each stays
    whole, whatever other files of the project it changes."""
    return [
        unit
        for unit in units
        if displayed_within(repo, unit.finding, named) or any(within(path, named) for path in unit.files)
    ]


def displayed_within(repo: Repo, finding: Finding, named: list[Path]) -> bool:
    path = repo.by_display.get(finding.path)
    return within(path if path is not None else Path(finding.path), named)


def confine_to(path: Path, repo: Repo, units: list[Unit]) -> None:
    """With an editor's buffer on stdin only that file can change: refuse the rest."""
    for unit in units:
        others = sorted(repo.display(p) for p in unit.files if p.resolve() != path)
        if unit.refusal is None and others:
            unit.refusal = Refusal(f"the fix also changes {others[0]}; run `fixlabels --write` on the project")
