"""The analysis and the fix, once the files are known: index, plan, rewrite, verify, write. It
never prints; the CLI formats the ``RunResult`` it returns. Heavy (LibCST and every rule): only
``engine.run`` imports it, and only when the cache cannot answer."""

from __future__ import annotations

import functools
import importlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Optional

from codemod import verify
from codemod.analysis.call_check import CallProblem, check_calls, new_undefined_names
from codemod.analysis.callsites import CallSiteFinder
from codemod.analysis.index import ModuleSummary, RepoIndex, import_root, module_name_for, summarize
from codemod.discovery import Discovered, display_name, within
from codemod.lazy_libcst import cst
from codemod.notebooks import NotebookError
from codemod.parallel import map_in_processes
from codemod.registry import DEFAULT_SELECTION, RULES
from codemod.results import FileChange, Finding, Mode, Options, RunResult
from codemod.rules.common import RuleContext, Unit
from codemod.sources import (
    SourceError,
    SourceFile,
    WriteError,
    decode_source,
    read_source,
    write_all_atomically,
)
from codemod.suppression import silenced, suppressions
from codemod.transforms.callsite import FileSitePlanner, SiteRefusal
from codemod.transforms.edits import FileEdits, OverlappingEdits, apply_edits
from codemod.vocabulary import INTERNAL_ERROR, IO_ERROR, SYNTAX_ERROR

# The registry is the one list of rules; each entry names the module that implements it.
RULE_MODULES = tuple(importlib.import_module(info.module) for info in RULES.values())
MAX_ROUNDS = 50


@dataclass
class _Repo:
    sources: dict[Path, SourceFile]
    index: RepoIndex
    errors: list[Finding]
    trees: dict[Path, Optional[cst.Module]]

    @functools.cached_property
    def by_display(self) -> dict[str, Path]:
        return {source.display_path: path for path, source in self.sources.items()}

    def parse(self, path: Path) -> Optional[cst.Module]:
        if path not in self.trees:
            try:
                self.trees[path] = cst.parse_module(self.sources[path].text)
            except (cst.ParserSyntaxError, KeyError):
                self.trees[path] = None
        return self.trees[path]


_Loaded = tuple[Optional[SourceFile], Optional[ModuleSummary], Optional[Finding]]
PARALLEL_MIN_FILES = 256
"""Below this many files, starting processes to read and index them costs more than it saves."""


_STDIN: Optional[tuple[Path, bytes]] = None
"""The editor's buffer of this run (``Options.stdin``); module-level so forked workers see it."""


def _load_one(item: tuple[Path, str]) -> _Loaded:
    path, display = item
    try:
        if _STDIN is not None and path == _STDIN[0]:
            source = decode_source(path, display, _STDIN[1])
        else:
            source = read_source(path, display)
    except SourceError as exc:
        return None, None, Finding(display, exc.line, 1, IO_ERROR, str(exc))
    try:
        return source, summarize(path, display, source.text, import_root(path)), None
    except SyntaxError as exc:
        where, line = source.locate(exc.lineno or 1)
        return None, None, Finding(where, line, exc.offset or 1, SYNTAX_ERROR, f"SyntaxError: {exc.msg}")
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, None, Finding(display, 1, 1, SYNTAX_ERROR, f"cannot parse: {exc}")


def _load(found: Discovered, options: Options) -> tuple[_Repo, list[Path]]:
    global _STDIN
    errors = [Finding(given, 1, 1, IO_ERROR, problem) for given, problem in found.problems]
    files = list(found.files)
    if options.stdin is not None:
        path = options.stdin[0].resolve()
        if all(existing != path for existing, _ in files):  # an unsaved file, or outside the paths
            files.append((path, display_name(options.stdin[0], Path.cwd())))
    report = options.progress or (lambda done, total: None)
    loaded: Optional[list[_Loaded]] = None
    _STDIN = (options.stdin[0].resolve(), options.stdin[1]) if options.stdin is not None else None
    try:
        if options.jobs > 1 and len(files) >= PARALLEL_MIN_FILES:
            chunksize = max(1, len(files) // (options.jobs * 8))
            loaded = map_in_processes(_load_one, files, options.jobs, chunksize, lambda done: report(done, len(files)))
        if loaded is None:
            loaded = []
            for item in files:
                loaded.append(_load_one(item))
                report(len(loaded), len(files))
    finally:
        _STDIN = None
    sources: dict[Path, SourceFile] = {}
    summaries: list[ModuleSummary] = []
    for source, summary, error in loaded:
        if error is not None:
            errors.append(error)
        elif source is not None and summary is not None:
            sources[source.path] = source
            summaries.append(summary)
    return _Repo(sources, RepoIndex(summaries), errors, {}), [path for path, _ in files]


def _plan(repo: _Repo, units: list[Unit]) -> dict[Path, FileEdits]:
    """Plan every file's edits for the units not refused; a site that refuses refuses its whole
    unit, and planning starts again without it (so no edit depends on a dropped one)."""
    for _ in range(MAX_ROUNDS):
        active = [u for u in units if u.refusal is None]
        per_file: dict[Path, FileEdits] = {}
        planners: dict[Path, FileSitePlanner] = {}
        refused = False
        for unit in active:
            for path, edits in unit.edits.items():
                per_file.setdefault(path, FileEdits()).merge(edits)
        tasks = sorted(
            ((task.site.path, task.site.line, task.site.column, unit, task) for unit in active for task in unit.sites),
            key=lambda item: (str(item[0]), item[1], item[2]),
        )
        for path, line, column, unit, task in tasks:
            if unit.refusal is not None:
                continue
            planner = planners.get(path)
            if planner is None:
                tree = repo.parse(path)
                if tree is None:
                    unit.refusal = f"{repo.sources[path].display_path} does not parse with LibCST"
                    refused = True
                    continue
                summary = repo.index.by_path[path]
                planner = FileSitePlanner(cst.MetadataWrapper(tree, unsafe_skip_copy=True), summary.key, summary.imports)
                planners[path] = planner
                # A forward edited in the same file: its statements are not call-site material.
                if path in per_file:
                    planner.claimed |= per_file[path].touched()
            try:
                instance = task.site.instance
                planner.plan_site(
                    line, column, task.site.via, instance.wrapped, task.plan, task.site.shape.double_star_keys,
                    maybe_bare=instance.wrapped and instance.bare,
                )
            except SiteRefusal as refusal:
                unit.refusal = f"{refusal.reason} ({task.site.display_path}:{refusal.line})"
                refused = True
            except Exception as exc:  # a bug of ours on code we did not foresee: refuse, never guess
                unit.refusal = f"internal error at {task.site.location} ({type(exc).__name__}: {exc}); please report it"
                refused = True
        if refused:
            continue
        for path, planner in planners.items():
            per_file.setdefault(path, FileEdits()).merge(planner.edits)
        return per_file
    raise RuntimeError("planning did not settle")


def _rewrite(repo: _Repo, units: list[Unit]) -> dict[Path, str]:
    """New texts of the changed files; a unit whose files stop compiling is refused."""
    for _ in range(MAX_ROUNDS):
        per_file = _plan(repo, units)
        texts: dict[Path, str] = {}
        broken: Optional[tuple[Path, str]] = None
        for path, edits in per_file.items():
            tree = repo.parse(path)
            assert tree is not None
            try:
                text = apply_edits(tree, edits).code
            except OverlappingEdits as exc:  # a planning bug: refuse, never write a guess
                broken = (path, f"hit an internal error ({exc}); please report it")
                break
            error = verify.compile_error(text, str(path))
            if error:
                broken = (path, f"would not compile: {error}")
                break
            if text != repo.sources[path].text:
                texts[path] = text
        if broken is None:
            return texts
        path, error = broken
        for unit in units:
            if unit.refusal is None and path in unit.files:
                unit.refusal = f"the rewrite of {repo.sources[path].display_path} {error}"
    raise RuntimeError("rewriting did not settle")


def _check_calls(repo: _Repo, units: list[Unit], texts: dict[Path, str]) -> bool:
    """The static check after planning (``analysis.call_check``): refuse every unit that
    touches a file or class with a call the plan gets wrong. True when nothing was refused."""
    try:
        problems = check_calls(repo.index, texts)
        for path, text in texts.items():
            for name, line in new_undefined_names(repo.sources[path].text, text)[:1]:
                # Attributed to every unit that edits the file: which one moved it is not known here.
                problems.append(CallProblem(None, repo.sources[path].display_path, line, 0, f"`{name}` is read where nothing defines it"))
    except Exception as exc:  # a bug in the check must not let an unchecked plan through
        problems = []
        for unit in units:
            if unit.refusal is None and unit.files & set(texts):
                unit.refusal = f"the check of the rewritten calls hit an internal error ({type(exc).__name__}: {exc}); please report it"
        return False
    if not problems:
        return True
    by_module = {repo.index.modules[p.key.module].path for p in problems if p.key is not None and p.key.module in repo.index.modules}
    by_site = {p.display_path for p in problems}
    first = problems[0]
    refused = False
    for unit in units:
        if unit.refusal is not None:
            continue
        touched = unit.files & set(texts)
        shown = {repo.sources[path].display_path for path in touched if path in repo.sources}
        if touched & by_module or shown & by_site:
            problem = next(
                (p for p in problems if p.display_path in shown or (p.key is not None and repo.index.modules[p.key.module].path in touched)),
                first,
            )
            unit.refusal = f"after the rewrite, {problem.reason} ({problem.location})"
            refused = True
    if not refused:  # a problem no unit owns: refuse every change rather than write it
        for unit in units:
            if unit.refusal is None and unit.files & set(texts):
                unit.refusal = f"after the rewrite, {first.reason} ({first.location})"
    return False


def _verify_imports(repo: _Repo, units: list[Unit], texts: dict[Path, str], options: Options) -> bool:
    """Import every changed module before and after; refuse units that break one. True when
    nothing was refused."""
    by_root: dict[Path, dict[str, str]] = {}
    for path in texts:
        if repo.sources[path].notebook is not None:
            continue  # not importable; its cells were compiled
        root = import_root(path.resolve())
        by_root.setdefault(root, {})[module_name_for(path.resolve(), root)] = str(path.resolve())
    overlay = {str(path.resolve()): text for path, text in texts.items()}
    clean = True
    for root, modules in sorted(by_root.items()):
        for outcome in verify.check_imports(root, modules, overlay, options.import_timeout):
            path = Path(modules[outcome.module])
            if outcome.broken:
                clean = False
                for unit in units:
                    if unit.refusal is None and path in {p.resolve() for p in unit.files}:
                        unit.refusal = f"the rewritten module `{outcome.module}` no longer imports: {outcome.after}"
            elif outcome.before is not None:
                for unit in units:
                    if unit.refusal is None and path in {p.resolve() for p in unit.files}:
                        unit.describe = lambda reason, m=outcome.module, then=unit.describe: (
                            f"{then(reason)} (verified by compiling only: `{m}` did not import before the rewrite either)"
                        )
    return clean


def _refuse_unwritable(
    repo: _Repo, units: list[Unit], texts: dict[Path, str], writing: bool, denied: dict[Path, str]
) -> bool:
    """A rewrite lands whole: if one of its files cannot be replaced (no permission when
    ``writing``, or the new text has characters the file's encoding cannot store, or a
    notebook cannot take it back), none of them is. Files without write permission are also
    recorded in ``denied``: like a file that cannot be read, they are errors of the run."""
    problems: dict[Path, str] = {}
    for path, text in texts.items():
        if writing and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)):
            problems[path] = denied[path] = "permission denied"
            continue
        try:
            repo.sources[path].encode(text)
        except UnicodeEncodeError as exc:
            problems[path] = f"the new text has characters {exc.encoding} cannot store"
        except NotebookError as exc:
            problems[path] = str(exc)
    for unit in units:
        blocked = sorted((repo.sources[p].display_path, problems[p]) for p in unit.files if p in problems)
        if unit.refusal is None and blocked:
            unit.refusal = f"cannot write {blocked[0][0]} ({blocked[0][1]})"
    return bool(problems)


def _apply_suppressions(repo: _Repo, units: list[Unit]) -> list[Unit]:
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
                    unit.refusal = f"the call at {task.site.display_path}:{line} is marked to be ignored for {code}"
                    break
        kept.append(unit)
    return kept


def _named_units(repo: _Repo, units: list[Unit], named: list[Path]) -> list[Unit]:
    """The fixes to report and apply: those found in a named file, or changing one. Each stays
    whole, whatever other files of the project it changes."""
    return [
        unit
        for unit in units
        if _displayed_within(repo, unit.finding.path, named) or any(within(path, named) for path in unit.files)
    ]


def _displayed_within(repo: _Repo, display_path: str, named: list[Path]) -> bool:
    # An error in a notebook names its cell (`nb.ipynb:cell 3`); the file is what was named.
    display_path = re.sub(r":cell \d+$", "", display_path)
    path = repo.by_display.get(display_path)
    return within(path if path is not None else Path(display_path), named)


def _confine_to(path: Path, repo: _Repo, units: list[Unit]) -> None:
    """With an editor's buffer on stdin only that file can change: refuse the rest."""
    for unit in units:
        others = sorted(repo.sources[p].display_path for p in unit.files if p.resolve() != path)
        if unit.refusal is None and others:
            unit.refusal = f"the fix also changes {others[0]}; run `fixlabels --write` on the project"


def _in_cells(finding: Finding, notebooks: dict[str, SourceFile]) -> Finding:
    """A finding in a notebook names its cell and the line within it."""
    source = notebooks.get(finding.path)
    if source is None:
        return finding
    path, line = source.locate(finding.line)
    return replace(finding, path=path, line=line)


def _cells(source: SourceFile, new_text: str) -> tuple[tuple[int, str, str], ...]:
    """(cell number, old source, new source) of each cell a notebook's rewrite changes."""
    if source.notebook is None:
        return ()
    old = source.notebook.split(source.text)
    new = source.notebook.split(new_text)
    return tuple((n, old[n], new.get(n, "")) for n in sorted(old) if old[n] != new.get(n, ""))


def analyse(paths: list[Path], mode: Mode, options: Options, found: Discovered) -> RunResult:
    """The whole run on the files ``found`` in the named paths' projects: ``paths`` say what to
    report (``engine.run`` is the entry point)."""
    named = [p.resolve() for p in paths if p.exists()]
    repo, read = _load(found, options)
    files_checked = sum(1 for path in read if within(path, named))
    selected = options.rules if options.rules is not None else DEFAULT_SELECTION
    rules = [module for module in RULE_MODULES if module.CODE in selected]
    filters = [rule.walk_filter(repo.index) for rule in rules]
    # Classes whose every call matters, whether or not the call's file mentions labels.
    tracked = set().union(*(rule.tracked_classes(repo.index) for rule in rules if hasattr(rule, "tracked_classes")))
    if not options.prefilter:
        filters, tracked = [lambda module: True], set()
    # Classes a rule may rewrite with their calls: where one is built out of sight, it refuses.
    watched = frozenset().union(*(rule.watched_classes(repo.index) for rule in rules if hasattr(rule, "watched_classes")))
    graph = CallSiteFinder(repo.index, watched).run(
        lambda module: any(wanted(module) for wanted in filters),
        # Labels passed on (FL002) show in the callee's text; FL001 calls may pass them unnamed.
        lambda module, instance: not options.prefilter or "labels" in module.text or not tracked.isdisjoint(instance.classes),
        jobs=options.jobs,
    )
    context = RuleContext(repo.index, graph, options, repo.parse)
    units: list[Unit] = []
    errors: list[Finding] = []
    for rule in rules:
        try:
            units.extend(rule.find_units(context))
        except Exception as exc:  # one rule's bug must not take the others down; say so loudly
            errors.append(Finding("-", 1, 1, INTERNAL_ERROR, f"{rule.CODE} failed ({type(exc).__name__}: {exc}); please report it"))

    units = _apply_suppressions(repo, units)
    units = _named_units(repo, units, named)
    if options.stdin is not None:
        _confine_to(options.stdin[0].resolve(), repo, units)
    texts = _rewrite(repo, units) if any(u.refusal is None for u in units) else {}
    denied: dict[Path, str] = {}
    while True:
        while texts and not _check_calls(repo, units, texts):
            texts = _rewrite(repo, units) if any(u.refusal is None for u in units) else {}
        if mode is Mode.WRITE and texts and options.verify:
            while not _verify_imports(repo, units, texts, options):
                texts = _rewrite(repo, units)
                if not texts:
                    break
        if not _refuse_unwritable(repo, units, texts, writing=mode is Mode.WRITE, denied=denied):
            break
        # A refused rewrite changes what a file it shared with others becomes: plan and check
        # the rest again, so nothing is written that was not imported as it will be.
        texts = _rewrite(repo, units) if any(u.refusal is None for u in units) else {}

    errors = [e for e in errors if e.code == INTERNAL_ERROR or _displayed_within(repo, e.path, named)]
    changes = tuple(
        FileChange(
            path,
            repo.sources[path].display_path,
            repo.sources[path].text,
            text,
            _cells(repo.sources[path], text),
            repo.sources[path].encode(text),
        )
        for path, text in sorted(texts.items(), key=lambda item: repo.sources[item[0]].display_path)
    )
    committed: list[Path] = []
    interrupted = False
    # A named path that cannot be read is reported as given; other files only below the named paths.
    given = {str(p) for p in paths}
    errors = [e for e in repo.errors if (e.code == IO_ERROR and e.path in given) or _displayed_within(repo, e.path, named)] + errors
    errors += [
        Finding(repo.sources[path].display_path, 1, 1, IO_ERROR, f"cannot write: {reason}; no file of the fix it is part of was written")
        for path, reason in sorted(denied.items())
    ]
    if mode is Mode.WRITE and changes:
        try:
            write_all_atomically([(c.path, c.new_data) for c in changes], committed)
        except KeyboardInterrupt:  # SIGINT, or SIGTERM as the CLI maps it: say what was written
            interrupted = True
        except WriteError as exc:
            state = "no file was changed" if not committed else f"{len(committed)} file(s) were already replaced"
            errors.append(Finding(repo.sources[exc.path].display_path, 1, 1, IO_ERROR, f"cannot write: {exc.reason}; {state}"))
    written = [repo.sources[path].display_path for path in committed]
    unwritten = set(texts) - set(committed) if mode is Mode.WRITE else set()
    findings = []
    for unit in units:
        finding = unit.finding
        if unit.refusal is not None:
            finding = replace(finding, message=f"{finding.message}; not rewritten: {unit.refusal}")
        else:
            landed = mode is not Mode.CHECK and not (unit.files & unwritten)
            finding = replace(finding, message=unit.describe(finding.message), fixable=True, fixed=landed)
        findings.append(finding)

    if mode is Mode.CHECK:
        changes = ()
    notebooks = {s.display_path: s for s in repo.sources.values() if s.notebook is not None}
    return RunResult(
        findings=tuple(sorted(_in_cells(f, notebooks) for f in findings)),
        errors=tuple(sorted(_in_cells(e, notebooks) for e in errors)),
        changes=changes,
        written=tuple(written),
        files_checked=files_checked,
        beyond_named=tuple(c.display_path for c in changes if not within(c.path, named)),
        interrupted=interrupted,
    )
