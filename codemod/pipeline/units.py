"""Run the selected rules over the repo and keep the units this run reports and fixes: not
silenced by a comment, found in (or changing) a named path, confined to the editor's buffer; and
join the fixes that share a call."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Callable, Optional

from codemod.analysis.callsites import CallSite, CallSiteFinder
from codemod.analysis.index import ClassKey
from codemod.analysis.walk_memo import WalkMemo
from codemod.cst.nodes import code_of
from codemod.discovery import within
from codemod.pipeline.load import Repo
from codemod.registry import DEFAULT_SELECTION, rule_modules
from codemod.results import Finding, Options, Phase
from codemod.rules.common import RuleContext, SiteTask, Unit
from codemod.suppression import silenced, suppressions
from codemod.vocabulary import INTERNAL_ERROR, Refusal, ResultShape, SitePlan

def find_units(repo: Repo, options: Options, memo: Optional[WalkMemo] = None) -> tuple[list[Unit], list[Finding]]:
    """Every rule's units, and an internal error for each rule that crashed. ``memo``: the walks
    of the last check, replayed where they read what they would read now."""
    rules = rule_modules(options.rules if options.rules is not None else DEFAULT_SELECTION)
    filters = [rule.walk_filter(repo.index) for rule in rules]
    if not options.prefilter:
        filters = [lambda module: True]
    # Classes a rule may rewrite with their calls: where one is built out of sight, it refuses.
    watched = frozenset().union(*(rule.watched_classes(repo.index) for rule in rules))
    # Code that can get hold of a watched class's instance, by import or by being handed one
    # from its own import root (a serving module's `def predict_fn(model, batch)`), may call
    # it through a receiver the analysis cannot trace: such a call must be seen to refuse.
    reach = set().union(*(repo.index.importers(key.module) for key in watched))
    roots = {repo.index.module_of(key).import_root for key in watched}
    filters.append(lambda module: module.key in reach or module.import_root in roots)
    graph = CallSiteFinder(repo.index, watched, memo).run(
        lambda module: any(wanted(module) for wanted in filters),
        jobs=options.jobs,
        progress=None if options.progress is None else functools.partial(options.progress, Phase.ANALYSING),
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


def unsilenced(repo: Repo, units: list[Unit], options: Options) -> list[Unit]:
    """Drop the units a ``# fixlabels: ignore[...]``/``# noqa: ...`` comment or a
    ``per-file-ignores`` entry silences (their edits and call sites go with them); refuse a unit
    when one of its call sites is silenced, since a class's rewrite cannot leave one call behind."""
    by_display = {source.display_path: source for source in repo.sources.values()}
    tables: dict[Path, dict[int, Optional[frozenset[str]]]] = {}
    ignored_in = per_file_ignores(options)

    def table(path: Path) -> dict[int, Optional[frozenset[str]]]:
        if path not in tables:
            tables[path] = suppressions(repo.sources[path].text)
        return tables[path]

    kept = []
    for unit in units:
        code = unit.finding.code
        source = by_display.get(unit.finding.path)
        if source is not None and (code in ignored_in(source.path) or silenced(table(source.path), code, [unit.finding.line, *unit.also_at])):
            continue
        if unit.refusal is None:
            for task in unit.sites:
                if code in ignored_in(task.site.path):
                    unit.refusal = Refusal(f"the call at {task.site.display_path}:{task.site.line} is in a file per-file-ignores excludes from {code}")
                    break
                line = silenced(table(task.site.path), code, [task.site.line])
                if line is not None:
                    unit.refusal = Refusal(f"the call at {task.site.display_path}:{line} is marked to be ignored for {code}")
                    break
        kept.append(unit)
    return kept


def per_file_ignores(options: Options) -> Callable[[Path], frozenset[str]]:
    """The codes ``[tool.fixlabels.per-file-ignores]`` silences in a file: its patterns are
    gitignore-style, relative to the config's folder (a file outside it matches none)."""
    import os

    import pathspec

    if not options.per_file_ignores:
        return lambda path: frozenset()
    # Both sides resolved: a project named through a link (or macOS's /tmp) is still inside.
    base = os.path.realpath(options.exclude_base or Path.cwd())
    specs = [(pathspec.GitIgnoreSpec.from_lines([pattern]), codes) for pattern, codes in options.per_file_ignores]

    @functools.cache
    def ignored(path: Path) -> frozenset[str]:
        relative = os.path.relpath(os.path.realpath(path), base)
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            return frozenset()
        return frozenset().union(*(codes for spec, codes in specs if spec.match_file(Path(relative).as_posix())))

    return ignored


def named_units(repo: Repo, units: list[Unit], named: list[Path]) -> list[Unit]:
    """The fixes to report and apply: those found in a named file, or changing one. Each stays
    whole, whatever other files of the project it changes."""
    kept = [
        unit
        for unit in units
        if displayed_within(repo, unit.finding, named) or any(within(path, named) for path in unit.files)
    ]
    # A fix that shares a call with a kept one lands with it, wherever it is.
    for unit in kept:
        kept.extend(partner for partner in unit.lands_with if partner not in kept)
    return kept


def displayed_within(repo: Repo, finding: Finding, named: list[Path]) -> bool:
    path = repo.by_display.get(finding.path)
    return within(path if path is not None else Path(finding.path), named)


def confine_to(path: Path, repo: Repo, units: list[Unit]) -> None:
    """With an editor's buffer on stdin only that file can change: refuse the rest."""
    for unit in units:
        others = sorted(repo.display(p) for p in unit.files if p.resolve() != path)
        if unit.refusal is None and others:
            unit.refusal = Refusal(f"the fix also changes {others[0]}; run `fixlabels --write` on the project")


def join_shared_calls(repo: Repo, units: list[Unit]) -> None:
    """A call whose receiver may hold an instance of several classes (``fit(model)`` given a
    ``Net`` and a ``Net2``) is rewritten once, for all of them. That is exact only when each
    class's fix rewrites the call alike: then the call stays with one of those fixes, and they
    land together or not at all (``Unit.lands_with``). Otherwise every one of them is refused:
    no rewrite of the call is right for all the classes it may reach."""
    by_call: dict[tuple[Path, int, int], list[tuple[Unit, SiteTask]]] = {}
    fix_of = {key: unit for unit in units for key in unit.moves}
    for unit in units:
        if unit.refusal is None and unit.moves:
            for task in unit.sites:
                by_call.setdefault((task.site.path, task.site.line, task.site.column), []).append((unit, task))
    for entries in by_call.values():
        site = entries[0][1].site
        if site.instance.classes <= entries[0][0].moves:
            continue  # one class's call, its own unit's
        sharing = [unit for unit, _ in entries]
        refusal = _shared_call_refusal(site, entries, fix_of, repo.index.by_path[site.path].key, lambda key: repo.index.module_of(key).display_path)
        if refusal is not None:
            for unit in sharing:
                if unit.refusal is None:
                    unit.refusal = refusal
            continue
        kept = entries[0][1]
        for unit, task in entries[1:]:
            unit.sites = [t for t in unit.sites if t is not task]
        for unit in sharing:
            unit.lands_with.extend(u for u in sharing if u is not unit and u not in unit.lands_with)
        assert kept in entries[0][0].sites


def _shared_call_refusal(
    site: CallSite,
    entries: list[tuple[Unit, SiteTask]],
    fix_of: dict[ClassKey, Unit],
    site_module: str,
    file_of: Callable[[ClassKey], str],
) -> Optional[Refusal]:
    covered = frozenset().union(*(unit.moves for unit, _ in entries))
    where = site.location
    names = [key.name for key in site.instance.classes | covered]

    def shown(key: ClassKey) -> str:
        # Two classes of one name (a `model.py` per experiment folder) are told apart by module.
        return f"{key.name}` of `{file_of(key)}" if names.count(key.name) > 1 else key.name

    missing = sorted(site.instance.classes - covered, key=lambda k: (k.module, k.name))
    if missing:
        other = fix_of.get(missing[0])
        if other is None:
            why = "whose forward is not rewritten"
        elif other.refusal is not None:
            why = f"whose fix is refused ({other.refusal.reason})"
        else:
            why = "whose fix leaves the call as it is"
        return Refusal(f"the call could also be a `{shown(missing[0])}`, {why}: no one rewrite of it is right for every class it may be", where)
    rewrites = {_call_rewrite(task.plan, site_module) for _, task in entries}
    if len(rewrites) > 1:
        classes = sorted({shown(key) for unit, _ in entries for key in unit.moves})
        losses = sorted({code_of(task.plan.loss_template) for _, task in entries})
        differ = f" (`{losses[0]}` and `{losses[1]}`)" if len(losses) > 1 else ""
        return Refusal(
            f"the call could be a `{classes[0]}` or a `{classes[1]}`, whose losses move out of forward differently{differ}: "
            "no one rewrite of it is right for every class it may be",
            where,
        )
    return None


def _call_rewrite(plan: SitePlan, site_module: str) -> tuple[object, ...]:
    """All a call's rewrite in ``site_module`` is made of: two plans equal in this rewrite the
    call to the same text. Where the class is matters only as whether the call is in its module
    (its names need no import there)."""
    signature = plan.signature
    return (
        (signature.params, signature.var_positional, signature.var_keyword, signature.spelled),
        code_of(plan.loss_template),
        plan.prediction_placeholder,
        plan.preferred_prediction,
        _shape(plan.shape),
        None if plan.criterion is None else code_of(plan.criterion),
        plan.criterion_is_constant,
        plan.labels_uses,
        tuple(sorted(plan.imports.items())),
        tuple(sorted(plan.criterion_imports.items())),
        plan.home_module == site_module,
        plan.reuse_scope_criterion,
        plan.inputs,
        plan.labels_optional,
        None if plan.labelless_shape is None else _shape(plan.labelless_shape),
        None if plan.seen_prediction is None else code_of(plan.seen_prediction),
        plan.extras,
    )


def _shape(shape: ResultShape) -> tuple[object, ...]:
    return (shape, None if shape.derived is None else code_of(shape.derived))
